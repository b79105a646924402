"""`mom capacity PATH... [--json]`: people's load by week, utilisation, internal vs external
hours and cost per campaign (SPEC §6 "Capacity", §13).

Every task's Planned Hours are spread evenly over its working days; a person's load in a week is
the sum over their tasks; utilisation = load ÷ Hours per Week (People sheet, default 40). Across
several workbooks one person is one person: their loads add up.
"""
from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from ..capacity import (check_combined_loads, combine_loads, located_loads, people_summary,
                        roll_up_capacity)
from ..findings import sort_findings
from ..report.json import money, ratio
from ..report.text import print_table
from . import EXIT_USAGE
from .common import add_json, analyze_inputs, context_of, emit


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "capacity", help="people's load by week, utilisation, internal vs external hours",
        description=__doc__.split("\n", 1)[1].strip()
        + " Exit 0: no errors; 1: errors; 2: bad usage or no readable workbook.")
    parser.add_argument("books", nargs="+", metavar="PATH", help="workbook files or folders")
    add_json(parser)
    parser.set_defaults(run=run)


def _blank(value: Any) -> Any:
    return None if value is None or (not isinstance(value, tuple) and pd.isna(value)) else value


def _hours(value: Any) -> float | None:
    value = _blank(value)
    return None if value is None else round(float(value), 2)


def _day(value: Any) -> str | None:
    value = _blank(value)
    return None if value is None else str(value)[:10]


def run(args: argparse.Namespace) -> int:
    findings, loads, people, campaigns, books = [], [], [], [], 0
    for _, name, analysis in analyze_inputs(args.books, context_of(args)):
        findings += analysis.findings
        if not analysis.readable:
            continue
        books += 1
        report = roll_up_capacity(analysis.book)
        loads.append(located_loads(analysis.book, report))
        people.append(report.people)
        for row in report.campaigns.to_dict("records"):
            campaigns.append({"book": name, "currency": analysis.book.plan.currency,
                              "campaign_id": row["campaign_id"], "campaign": row["campaign"],
                              **{k: _hours(row[k]) for k in ("internal_hours", "external_hours",
                                                             "actual_internal_hours",
                                                             "actual_external_hours",
                                                             "unpriced_hours")},
                              "internal_cost": money(row["internal_cost"]),
                              "external_cost": money(row["external_cost"])})
    combined = combine_loads(loads, people)
    findings = sort_findings(findings + check_combined_loads(combined))
    weeks = [{"person": r["person"], "week": _day(r["week"]), "fiscal_week": r["fiscal_week"],
              "hours": _hours(r["hours"]), "capacity": _hours(r["capacity"]),
              "utilisation": ratio(r["utilisation"]), "tasks": list(r["tasks"]),
              "books": list(r["books"])} for r in combined.to_dict("records")]
    summary = [{"person": r["person"], "role": _blank(r["role"]),
                "resource_type": _blank(r["resource_type"]), "capacity": _hours(r["capacity"]),
                "weeks": int(r["weeks"]), "hours": _hours(r["hours"]),
                "peak_hours": _hours(r["peak_hours"]), "peak_week": _day(r["peak_week"]),
                "peak_utilisation": ratio(r["peak_utilisation"]),
                "weeks_over": int(r["weeks_over"])}
               for r in people_summary(combined, people).to_dict("records")]
    document = {"people": summary, "weeks": weeks, "campaigns": campaigns}

    def render(out) -> None:
        out.width = max(out.width, 130)  # names and dates must not be cut in a narrow console
        if not summary:
            out.print("no task with an Assignee and Planned Hours: no load to show")
        else:
            print_table(summary, ["person", "role", "resource_type", "capacity", "weeks", "hours",
                                  "peak_hours", "peak_week", "peak_utilisation", "weeks_over"],
                        title="People, busiest first (hours per week)", out=out,
                        formats={"peak_utilisation": ".0%", "capacity": ".0f", "hours": ".1f",
                                 "peak_hours": ".1f"})
            over = [w for w in weeks if w["utilisation"] is not None and w["utilisation"] > 1]
            if over:
                print_table(over, ["person", "week", "fiscal_week", "hours", "capacity",
                                   "utilisation"], title="Weeks over capacity", out=out,
                            formats={"utilisation": ".0%", "hours": ".1f", "capacity": ".0f"})
        if campaigns:
            print_table(campaigns, ["book", "campaign_id", "internal_hours", "external_hours",
                                    "actual_internal_hours", "actual_external_hours",
                                    "internal_cost", "external_cost", "unpriced_hours"],
                        title="Planned hours and cost per campaign, internal vs external", out=out)

    status = emit(document, findings, args.json, render)
    return status if books else EXIT_USAGE
