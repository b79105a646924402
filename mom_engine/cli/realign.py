"""`mom realign BOOK --from A --to B --amount X [--date D] [--json]`: what-if budget transfer.

Applies the transfer in memory and shows the figures of both activities, their campaigns and
the plan before and after, and the findings the transfer would create (SPEC §5). The workbook
is never written. Exit 0: the transfer creates no error; 1: it would create errors; 2: bad
usage (unknown activity, amount ≤ 0) or unreadable workbook.
"""
from __future__ import annotations

import argparse
import datetime as dt

from ..analyze import Context
from ..report.json import money
from ..spend import FIGURES, RealignmentImpact, realign
from ..values import MAX_MONEY_CENTS, cents_of_decimal, parse_money_text
from . import EXIT_USAGE, UsageError
from .common import add_as_of, add_json, analyze_one, as_of_date, emit


def amount_argument(text: str) -> int:
    """`1200`, `1,200.50` → cents, read like an amount typed in a cell (values.py)."""
    amount = parse_money_text(text)
    if amount is None:
        raise argparse.ArgumentTypeError(f"'{text}' is not an amount like 1200.50")
    if abs(amount) * 100 > MAX_MONEY_CENTS:
        raise argparse.ArgumentTypeError(
            f"'{text}' is beyond ±{MAX_MONEY_CENTS // 100:,} (ten trillion); check the amount")
    return cents_of_decimal(amount)


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


def _rows(frame) -> list[dict]:
    return [{"level": r["level"], "key": str(r["key"]),
             **{figure: money(r[figure]) for figure in FIGURES}}
            for r in frame.to_dict("records")]


def realign_document(impact: RealignmentImpact, plan_id: str | None) -> dict:
    return {"plan_id": plan_id, "currency": impact.currency, "from": impact.from_id,
            "to": impact.to_id, "amount": money(impact.amount), "date": impact.date,
            "before": _rows(impact.before), "after": _rows(impact.after)}


def run(args: argparse.Namespace) -> int:
    analysis = analyze_one(args.book, Context(as_of=args.as_of or dt.date.today(),
                                              spend_as_of=args.as_of), "realign")
    if not analysis.readable:
        emit({"plan_id": None}, analysis.findings, args.json)
        return EXIT_USAGE
    try:
        impact = realign(analysis.book, args.from_id, args.to_id, args.amount,
                         args.date or args.as_of or dt.date.today(), as_of=args.as_of)
    except ValueError as error:
        raise UsageError(str(error)) from None
    document = realign_document(impact, analysis.book.plan.plan_id)

    def render(out):
        from ..report.text import print_table
        rows = []
        for before, after in zip(document["before"], document["after"], strict=True):
            rows.append({"level": before["level"], "key": before["key"],
                         "budgeted before": before["budgeted"], "budgeted after": after["budgeted"],
                         "remaining before": before["remaining"],
                         "remaining after": after["remaining"]})
        print_table(rows, list(rows[0]) if rows else [],
                    title=f"What if {money(impact.amount):,.2f} {impact.currency} moves from "
                          f"{impact.from_id} to {impact.to_id} on {impact.date}", out=out)
        out.print("findings this transfer would create:" if impact.new_findings
                  else "this transfer creates no new findings")

    return emit(document, impact.new_findings, args.json, render)
