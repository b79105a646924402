"""`mom scorecard BOOK... [--as-of D] [--json]`: effectiveness and efficiency per campaign (SPEC §8).

Two separate tables per book — effectiveness (cost, leads, MQLs, pipeline, won, ROI,
attainment; ranked) and efficiency (cost per lead / MQL, cycle times, hours variance) — never
blended into one score. `--as-of` only affects the date-dependent findings listed with them.
"""
from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from ..report.json import money, ratio
from ..report.text import print_table
from ..scorecard import Scorecard, score_campaigns
from . import EXIT_USAGE
from .common import add_as_of, add_exports, add_json, analyze_inputs, context_of, emit

MONEY = ("cost", "pipeline", "won", "cost_per_lead", "cost_per_mql")
RATIOS = ("roi", "pipeline_per_cost", "leads_attainment", "pipeline_attainment",
          "revenue_attainment")
DAYS = ("median_task_cycle", "median_review_cycle", "hours_variance")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "scorecard", help="campaign effectiveness and efficiency, in two separate tables",
        description=__doc__.split("\n", 1)[1].strip()
        + " Exit 0: no errors; 1: errors; 2: bad usage or no readable workbook.")
    parser.add_argument("books", nargs="+", metavar="BOOK", help="workbook files or folders")
    add_as_of(parser)
    add_exports(parser)
    add_json(parser)
    parser.set_defaults(run=run)


def _json_value(column: str, value: Any) -> Any:
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


def run(args: argparse.Namespace) -> int:
    context = context_of(args)
    findings, documents = [], []
    for _, name, analysis in analyze_inputs(args.books, context):
        findings += analysis.findings
        if analysis.readable:
            documents.append(scorecard_json(name, score_campaigns(analysis.book)))

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

    status = emit({"books": documents}, findings, args.json, render)
    return status if documents else EXIT_USAGE
