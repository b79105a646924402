"""`mom scorecard BOOK... [--by campaign|quarter] [--as-of D] [--json]`: effectiveness and
efficiency per campaign, or per fiscal quarter with the change from the previous one.

Two separate tables per book — effectiveness (cost, leads, MQLs, pipeline, won, ROI,
attainment; ranked) and efficiency (cost per lead / MQL, cycle times, hours variance) — never
blended into one score; then the campaigns at risk (behind schedule or below target by the
as-of date, listed together). `--by quarter`: the plan's two tables per fiscal quarter, each
figure with its change from the previous quarter.
"""
from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from ..report.json import money, ratio
from ..report.text import print_table
from ..scorecard import (QuarterScorecard, Scorecard, campaigns_at_risk, score_campaigns,
                         score_quarters)
from . import EXIT_USAGE
from .common import add_as_of, add_exports, add_json, analyze_inputs, context_of, emit

MONEY = ("cost", "pipeline", "won", "cost_per_lead", "cost_per_mql")
RATIOS = ("roi", "pipeline_per_cost", "leads_attainment", "pipeline_attainment",
          "revenue_attainment")
DAYS = ("median_task_cycle", "median_review_cycle", "hours_variance")


EXAMPLES = ("mom scorecard team.xlsx",
            "mom scorecard teams/ --by quarter --format markdown > scorecard.md")

def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "scorecard", help="campaign effectiveness and efficiency, in two separate tables",
        description=__doc__.split("\n", 1)[1].strip()
        + " Exit 0: no errors; 1: errors; 2: bad usage or no readable workbook.")
    parser.add_argument("books", nargs="+", metavar="BOOK", help="workbook files or folders")
    parser.add_argument("--by", choices=("campaign", "quarter"), default="campaign",
                        help="per campaign (default), or the plan per fiscal quarter with the "
                             "change from the previous quarter")
    add_as_of(parser)
    add_exports(parser)
    add_json(parser)
    parser.set_defaults(run=run)


def _json_value(column: str, value: Any) -> Any:
    column = column.removesuffix("_change")
    if value is None or pd.isna(value):
        return None
    if column in MONEY:
        return money(value)
    if column in RATIOS:
        return ratio(value)
    if column in DAYS:
        return round(float(value), 2)
    return int(value) if column in ("rank", "leads", "mqls", "tasks", "reviews") else value


def _records(rows: list[dict]) -> list[dict]:
    return [{k: _json_value(k, v) for k, v in row.items()} for row in rows]


def scorecard_json(book_name: str, card: Scorecard) -> dict:
    return {
        "book": book_name, "plan_id": card.plan_id, "currency": card.currency,
        "effectiveness": {"campaigns": _records(card.effectiveness.to_dict("records")),
                          "plan": _records([card.plan_effectiveness])[0]},
        "efficiency": {"campaigns": _records(card.efficiency.to_dict("records")),
                       "plan": _records([card.plan_efficiency])[0]},
    }


def at_risk_json(table: pd.DataFrame) -> list[dict]:
    """Delayed and underperforming campaigns, together (`scorecard.campaigns_at_risk`)."""
    return [{"campaign_id": r["campaign_id"], "campaign": r["campaign"], "status": r["status"],
             "start": None if pd.isna(r["start"]) else str(r["start"])[:10],
             "end": None if pd.isna(r["end"]) else str(r["end"])[:10],
             **{k: ratio(_json_value("x", r[k])) for k in (
                 "expected_share", "leads_attainment", "pipeline_attainment",
                 "revenue_attainment", "spi")},
             "underperforming": bool(r["underperforming"]),
             "behind_schedule": bool(r["behind_schedule"]), "late_tasks": int(r["late_tasks"]),
             "reasons": r["reasons"]} for r in table.to_dict("records")]


def quarters_json(book_name: str, card: QuarterScorecard) -> dict:
    return {"book": book_name, "plan_id": card.plan_id, "currency": card.currency,
            "effectiveness": _records(card.effectiveness.to_dict("records")),
            "efficiency": _records(card.efficiency.to_dict("records"))}


def run_quarters(args: argparse.Namespace) -> int:
    """`--by quarter`: the plan's effectiveness and efficiency per fiscal quarter, apart."""
    findings, documents = [], []
    for _, name, analysis in analyze_inputs(args.books, context_of(args)):
        findings += analysis.findings
        if analysis.readable:
            documents.append(quarters_json(name, score_quarters(analysis.book)))

    def render(out) -> None:
        out.width = max(out.width, 130)
        for document in documents:
            print_table(document["effectiveness"],
                        ["quarter", "cost", "cost_change", "leads", "leads_change", "mqls",
                         "pipeline", "pipeline_change", "won", "won_change", "roi",
                         "roi_change"],
                        title=f"Effectiveness by fiscal quarter — {document['book']} "
                              f"({document['currency']}); change = minus the previous quarter",
                        formats={"roi": ".1%", "roi_change": "+.1%"}, out=out)
            print_table(document["efficiency"],
                        ["quarter", "cost_per_lead", "cost_per_lead_change", "cost_per_mql",
                         "cost_per_mql_change", "median_task_cycle",
                         "median_task_cycle_change", "median_review_cycle",
                         "median_review_cycle_change", "hours_variance"],
                        title=f"Efficiency by fiscal quarter — {document['book']}; cycles in "
                              "working days", out=out,
                        formats={"median_task_cycle": ".1f", "median_review_cycle": ".1f",
                                 "median_task_cycle_change": "+.1f",
                                 "median_review_cycle_change": "+.1f",
                                 "hours_variance": "+.1f"})

    status = emit({"by": "quarter", "books": documents}, findings, args.json, render)
    return status if documents else EXIT_USAGE


def run(args: argparse.Namespace) -> int:
    if args.by == "quarter":
        return run_quarters(args)
    context = context_of(args)
    findings, documents = [], []
    for _, name, analysis in analyze_inputs(args.books, context):
        findings += analysis.findings
        if analysis.readable:
            document = scorecard_json(name, score_campaigns(analysis.book))
            document["at_risk"] = at_risk_json(campaigns_at_risk(analysis.book, context.as_of))
            documents.append(document)

    def render(out) -> None:
        percent = {c: ".1%" for c in RATIOS if c != "pipeline_per_cost"}
        for document in documents:
            effect = document["effectiveness"]
            print_table([*effect["campaigns"], {"campaign": "plan", **effect["plan"]}],
                        ["rank", "campaign_id", "campaign", "cost", "leads", "mqls", "pipeline",
                         "won", "roi", "pipeline_per_cost", "leads_attainment",
                         "pipeline_attainment", "revenue_attainment"],
                        title=f"Effectiveness — {document['book']} ({document['currency']}), "
                              "ranked by ROI then pipeline attainment",
                        formats=percent, out=out)
            efficiency = document["efficiency"]
            print_table([*efficiency["campaigns"], {"campaign": "plan", **efficiency["plan"]}],
                        ["campaign_id", "campaign", "cost_per_lead", "cost_per_mql", "tasks",
                         "median_task_cycle", "reviews", "median_review_cycle",
                         "hours_variance"],
                        title=f"Efficiency — {document['book']} ({document['currency']}); "
                              "cycles in working days",
                        formats={"median_task_cycle": ".1f", "median_review_cycle": ".1f",
                                 "hours_variance": "+.1f"}, out=out)
            if document["at_risk"]:
                print_table(document["at_risk"], ["campaign_id", "campaign", "status",
                                                  "expected_share", "spi", "reasons"],
                            title=f"Campaigns at risk — {document['book']} (as of "
                                  f"{context.as_of}): behind schedule or below target",
                            formats={"expected_share": ".0%", "spi": ".2f"}, out=out)

    status = emit({"books": documents}, findings, args.json, render)
    return status if documents else EXIT_USAGE
