"""`mom realign BOOK --from A --to B --amount X [--date D] [--json]`: what-if budget transfer.

Applies the transfer in memory and shows the figures of both activities, their campaigns and
the plan before and after, and the findings the transfer would create. The workbook
is never written. Exit 0: the transfer creates no error; 1: it would create errors; 2: bad
usage (unknown activity, amount ≤ 0) or unreadable workbook.
"""
from __future__ import annotations

import argparse
import datetime as dt

from ..model import Context
from ..report.json import money
from ..report.specs import REALIGN, SPEND
from ..report.table import Column, Report, Table, TableSpec
from ..domains.spend import RealignmentImpact, realign
from ..values import MAX_MONEY_CENTS, cents_of_decimal, parse_money_text
from . import EXIT_USAGE, UsageError
from .common import add_as_of, add_json, analyze_one, as_of_date, output_format, show


def amount_argument(text: str) -> int:
    """`1200`, `1,200.50` → cents, read like an amount typed in a cell (values.py)."""
    amount = parse_money_text(text)
    if amount is None:
        raise argparse.ArgumentTypeError(f"'{text}' is not an amount like 1200.50")
    if abs(amount) * 100 > MAX_MONEY_CENTS:
        raise argparse.ArgumentTypeError(
            f"'{text}' is beyond ±{MAX_MONEY_CENTS // 100:,} (ten trillion); check the amount")
    return cents_of_decimal(amount)


EXAMPLES = ("mom realign team.xlsx --from CMP-001-A2 --to CMP-001-A1 --amount 1500",
            "mom realign team.xlsx --from CMP-001-A2 --to CMP-001-A1 --amount 2,500.00 "
            "--date 2027-03-01 --json")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("realign", help="what-if: move budget between activities",
                                   description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("book", metavar="BOOK", help="team workbook")
    parser.add_argument("--from", dest="from_id", required=True, metavar="ACTIVITY",
                        help="activity giving budget")
    parser.add_argument("--to", dest="to_id", required=True, metavar="ACTIVITY",
                        help="activity receiving budget")
    parser.add_argument("--amount", type=amount_argument, required=True, metavar="X",
                        help="amount in plan currency, e.g. 2500 or 2,500.00")
    parser.add_argument("--date", type=as_of_date, default=None, metavar="DATE",
                        help="date of the transfer (default: --as-of, else today)")
    add_as_of(parser, "figures as they stood on this date (realignments, POs and invoices "
                      "dated on or before it); default: every document")
    add_json(parser)
    parser.set_defaults(run=run)


LEVEL_ROWS = TableSpec(Column("level", "Level"), Column("key", "Key"), *SPEND.without("key").columns)


def realign_document(impact: RealignmentImpact, plan_id: str | None) -> dict:
    return {"plan_id": plan_id, "currency": impact.currency, "from": impact.from_id,
            "to": impact.to_id, "amount": money(impact.amount), "date": impact.date,
            "before": LEVEL_ROWS.rows(impact.before), "after": LEVEL_ROWS.rows(impact.after)}


def realign_table(document: dict) -> Table:
    """Budgeted and remaining of each level before and after the transfer, side by side."""
    rows = [{"level": before["level"], "key": before["key"],
             "budgeted_before": before["budgeted"], "budgeted_after": after["budgeted"],
             "remaining_before": before["remaining"], "remaining_after": after["remaining"]}
            for before, after in zip(document["before"], document["after"], strict=True)]
    return Table(REALIGN, rows,
                 title=f"What if {document['amount']:,.2f} {document['currency']} moves from "
                       f"{document['from']} to {document['to']} on {document['date']}")


def run(args: argparse.Namespace) -> int:
    analysis = analyze_one(args.book, Context(as_of=args.as_of or dt.date.today(),
                                              spend_as_of=args.as_of), "realign")
    if not analysis.readable:
        show(args, Report({"plan_id": None}), analysis.findings, paths=[args.book])
        return EXIT_USAGE
    try:
        impact = realign(analysis.book, args.from_id, args.to_id, args.amount,
                         args.date or args.as_of or dt.date.today(), as_of=args.as_of)
    except ValueError as error:
        raise UsageError(str(error)) from None
    document = realign_document(impact, analysis.book.plan.plan_id)
    table = realign_table(document)
    # One conclusion: the findings the transfer would create, or that it creates none.
    if impact.new_findings:
        table.notes.append("findings this transfer would create:")
    report = Report(document, [table])
    if not impact.new_findings and output_format(args) in ("table", "markdown"):
        table.notes.append("this transfer creates no new findings")
        return show(args, report, [], quiet=True)
    return show(args, report, impact.new_findings)
