"""`mom scorecard BOOK... [--as-of D] [--json]`: effectiveness and efficiency per campaign.

Two separate tables per book — effectiveness (cost, leads, MQLs, pipeline, won, ROI,
attainment; ranked) and efficiency (cost per lead / MQL, cycle times, hours variance) — never
blended into one score. `--as-of` only affects the date-dependent findings listed with them.
"""
from __future__ import annotations

import argparse

from ..report.specs import EFFECTIVENESS, EFFICIENCY
from ..report.table import Report, Table
from ..scorecard import Scorecard, score_campaigns
from . import EXIT_USAGE
from .common import FindingScope, add_as_of, add_json, analyze_inputs, context_of, show


EXAMPLES = ("mom scorecard team.xlsx",
            "mom scorecard teams/ --format markdown > scorecard.md")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "scorecard", help="campaign effectiveness and efficiency, in two separate tables",
        description=__doc__.split("\n", 1)[1].strip()
        + " Exit 0: no errors; 1: errors; 2: bad usage or no readable workbook.")
    parser.add_argument("books", nargs="+", metavar="BOOK", help="workbook files or folders")
    add_as_of(parser)
    add_json(parser)
    parser.set_defaults(run=run)


SCORECARD_SCOPE = FindingScope.of(
    ("Campaigns", "Activities", "Budget", "PurchaseOrders", "Invoices", "Rates", "Tasks",
     "Opportunities", "Leads", "Lists"),
    codes=("campaign-underperforming", "lead-stage-order", "rate-missing"))


def scorecard_json(book_name: str, card: Scorecard) -> dict:
    return {
        "book": book_name, "plan_id": card.plan_id, "currency": card.currency,
        "effectiveness": {"campaigns": EFFECTIVENESS.rows(card.effectiveness),
                          "plan": EFFECTIVENESS.row(card.plan_effectiveness)},
        "efficiency": {"campaigns": EFFICIENCY.rows(card.efficiency),
                       "plan": EFFICIENCY.row(card.plan_efficiency)},
    }


def scorecard_tables(document: dict) -> list[Table]:
    effect, efficiency = document["effectiveness"], document["efficiency"]
    return [
        Table(EFFECTIVENESS, [*effect["campaigns"], {**effect["plan"], "campaign_id": "plan total"}],
              title=f"Effectiveness — {document['book']} ({document['currency']}), "
                    "ranked by ROI then pipeline attainment"),
        Table(EFFICIENCY,
              [*efficiency["campaigns"], {**efficiency["plan"], "campaign_id": "plan total"}],
              title=f"Efficiency — {document['book']} ({document['currency']}); "
                    "cycles in working days"),
    ]


def run(args: argparse.Namespace) -> int:
    context = context_of(args)
    findings, documents = [], []
    for _, name, analysis in analyze_inputs(args.books, context):
        findings += analysis.findings
        if analysis.readable:
            documents.append(scorecard_json(name, score_campaigns(analysis.book)))
    tables = [table for document in documents for table in scorecard_tables(document)]
    status = show(args, Report({"books": documents}, tables), findings, scope=SCORECARD_SCOPE,
                  paths=args.books)
    return status if documents else EXIT_USAGE
