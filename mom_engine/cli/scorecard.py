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
import datetime as dt

from ..report.specs import (AT_RISK, AT_RISK_SHOWN, EFFECTIVENESS, EFFICIENCY,
                            QUARTER_EFFECTIVENESS, QUARTER_EFFICIENCY)
from ..report.table import Report, Table
from ..domains.scorecard import (QuarterScorecard, Scorecard, campaigns_at_risk, score_campaigns,
                         score_quarters)
from . import EXIT_USAGE
from .common import (FindingScope, add_as_of, add_exports, add_json, add_workers, analyze_inputs,
                     context_of, show, with_exports)


EXAMPLES = ("mom scorecard team.xlsx",
            "mom scorecard teams/ --by quarter --format markdown > scorecard.md")

# Cost comes from spend, leads and pipeline from Leads and Opportunities, cycles from Tasks;
# the campaigns at risk are those below target (campaign-underperforming) or behind schedule.
SCORECARD_SCOPE = FindingScope.of(
    ("Campaigns", "Activities", "Budget", "PurchaseOrders", "Invoices", "Rates", "Leads",
     "Opportunities", "Tasks", "Lists", "Mappings"),
    codes=("campaign-underperforming", "schedule-behind", "lead-stage-order", "rate-missing",
           "stage-unmapped", "campaign-ambiguous", "source-unmapped"))


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
    add_workers(parser)
    add_json(parser)
    parser.set_defaults(run=run)


def scorecard_json(book_name: str, card: Scorecard) -> dict:
    return {
        "book": book_name, "plan_id": card.plan_id, "currency": card.currency,
        "effectiveness": {"campaigns": EFFECTIVENESS.rows(card.effectiveness),
                          "plan": EFFECTIVENESS.row(card.plan_effectiveness)},
        "efficiency": {"campaigns": EFFICIENCY.rows(card.efficiency),
                       "plan": EFFICIENCY.row(card.plan_efficiency)},
    }


def quarters_json(book_name: str, card: QuarterScorecard) -> dict:
    return {"book": book_name, "plan_id": card.plan_id, "currency": card.currency,
            "effectiveness": QUARTER_EFFECTIVENESS.rows(card.effectiveness),
            "efficiency": QUARTER_EFFICIENCY.rows(card.efficiency)}


def campaign_tables(document: dict, as_of: dt.date) -> list[Table]:
    """One book's effectiveness and efficiency (each with the plan row), then its campaigns
    at risk."""
    book, currency = document["book"], document["currency"]
    effect, efficiency = document["effectiveness"], document["efficiency"]
    tables = [
        Table(EFFECTIVENESS, [*effect["campaigns"], {"campaign_id": "plan", **effect["plan"]}],
              title=f"Effectiveness — {book} ({currency}), ranked by ROI then pipeline "
                    "attainment", empty="no campaigns"),
        Table(EFFICIENCY, [*efficiency["campaigns"],
                           {"campaign_id": "plan", **efficiency["plan"]}],
              title=f"Efficiency — {book} ({currency}); cycles in working days",
              empty="no campaigns")]
    if document["at_risk"]:
        tables.append(Table(AT_RISK.only(*AT_RISK_SHOWN), document["at_risk"],
                            title=f"Campaigns at risk — {book} (as of {as_of}): behind "
                                  "schedule or below target"))
    return tables


def quarter_tables(document: dict) -> list[Table]:
    book, currency = document["book"], document["currency"]
    return [Table(QUARTER_EFFECTIVENESS, document["effectiveness"],
                  title=f"Effectiveness by fiscal quarter — {book} ({currency}); change = "
                        "minus the previous quarter", empty="no fiscal quarter"),
            Table(QUARTER_EFFICIENCY, document["efficiency"],
                  title=f"Efficiency by fiscal quarter — {book} ({currency}); cycles in "
                        "working days", empty="no fiscal quarter")]


def run(args: argparse.Namespace) -> int:
    context = context_of(args)
    by_quarter = args.by == "quarter"
    findings, documents, tables = [], [], []
    for _, name, analysis in analyze_inputs(args.books, context, args.workers):
        findings += analysis.findings
        if not analysis.readable:
            continue
        if by_quarter:
            document = quarters_json(name, score_quarters(analysis.book))
            tables += quarter_tables(document)
        else:
            document = scorecard_json(name, score_campaigns(analysis.book))
            document["at_risk"] = AT_RISK.rows(campaigns_at_risk(analysis.book, context.as_of))
            tables += campaign_tables(document, context.as_of)
        documents.append(document)
    head = {"by": "quarter"} if by_quarter else {}
    status = show(args, Report({**head, "books": documents}, tables), findings,
                  scope=with_exports(SCORECARD_SCOPE, args), paths=args.books)
    return status if documents else EXIT_USAGE
