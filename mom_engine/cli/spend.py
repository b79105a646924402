"""`mom spend BOOK --by activity|campaign|plan|gl|month|quarter|year [--json]` (SPEC §5, §13)."""
from __future__ import annotations

import argparse

from ..analyze import Context
from ..findings import Finding
from ..report.specs import SPEND, SPEND_ACTIVITY_EXTRA, SPEND_KEY_HEADERS
from ..report.table import Report, Table
from ..spend import SPEND_LEVELS, SpendReport, roll_up_spend
from . import EXIT_USAGE
from .common import FindingScope, add_json, analyze_one, show


EXAMPLES = ("mom spend team.xlsx --by campaign",
            "mom spend team.xlsx --by month --format csv > spend-by-month.csv")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "spend", help="budgeted, planned, committed, spent and remaining by level",
        description="Budgeted, planned, committed, spent, remaining and unplanned of one plan in "
                    "plan currency, with the findings that bear on them (reading and structure "
                    "problems of the sheets spend is computed from, and the spend checks; "
                    "`mom validate` lists everything). Exit 0: none of them is an error; 1: "
                    "errors; 2: unreadable workbook.")
    parser.add_argument("book", metavar="BOOK", help="team workbook")
    parser.add_argument("--by", choices=SPEND_LEVELS, default="activity",
                        help="level to report (default: activity)")
    add_json(parser)
    parser.set_defaults(run=run)


# Findings shown with spend figures: what changes them (reading, structure of the sheets
# they are computed from) and spend's own checks (and a template formula typed over).
SPEND_SCOPE = FindingScope.of(
    ("Campaigns", "Activities", "Budget", "Realignments", "PurchaseOrders", "Invoices", "Rates",
     "Lists"),
    sections=("§5",), codes=("formula-overwritten", "outside-fiscal-year"))


def spend_findings(findings: list[Finding]) -> list[Finding]:
    """The book's findings that bear on its spend figures; schedule, pipeline and asset
    findings belong to their own commands (and to `mom validate`)."""
    return [f for f in findings if SPEND_SCOPE.bears(f)]


def spend_table(report: SpendReport, level: str) -> Table:
    """The spend table at one level, with its total as the last row."""
    frame = report.by(level)
    spec = SPEND.with_header("key", SPEND_KEY_HEADERS[level])
    if level == "activity":
        spec = spec.extended(SPEND_ACTIVITY_EXTRA)
    rows = spec.rows(frame)
    return Table(spec, rows, title=f"Spend of {report.plan_id} by {level} ({report.currency})",
                 empty="no spend figures: the plan has no activities")


def spend_document(report: SpendReport, level: str, table: Table | None = None) -> dict:
    """The `spend` JSON document (without findings)."""
    table = table or spend_table(report, level)
    total = SPEND.without("key").row(report.total)
    return {"plan_id": report.plan_id, "currency": report.currency, "by": level,
            "rows": table.rows, "total": total}


def run(args: argparse.Namespace) -> int:
    analysis = analyze_one(args.book, Context(), "spend")
    if not analysis.readable:
        show(args, Report({"plan_id": None, "currency": None, "by": args.by, "rows": [],
                           "total": {}}), analysis.findings, scope=SPEND_SCOPE,
             paths=[args.book])
        return EXIT_USAGE
    report = roll_up_spend(analysis.book)
    table = spend_table(report, args.by)
    document = spend_document(report, args.by, table)
    shown = Table(table.spec, [*table.rows, {"key": "Total", **document["total"]}],
                  title=table.title, empty=table.empty)
    return show(args, Report(document, [shown]), analysis.findings, scope=SPEND_SCOPE,
                paths=[args.book])
