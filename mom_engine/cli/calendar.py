"""`mom calendar PATH... [-o FILE.ics] [--as-of D] [--json]`: the marketing calendar (SPEC §6).

Campaigns (Start–End), their activities and milestones (the Planned Finish of deliverables and
approvals; late ones marked) by fiscal week. With -o, one iCalendar event per campaign window and
per milestone, with stable UIDs, so a calendar subscribed to the file updates its events instead
of duplicating them (Outlook, Google and Apple Calendar).
"""
from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from ..marketing_calendar import calendar_events, calendar_rows, write_ics
from ..report.files import refuse_overwriting_inputs
from ..report.text import print_table
from . import EXIT_USAGE
from .common import add_as_of, add_json, analyze_inputs, context_of, emit, input_books


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "calendar", help="marketing calendar by fiscal week; -o writes an iCalendar (.ics) file",
        description=__doc__.split("\n", 1)[1].strip()
        + " Exit 0: no errors; 1: errors; 2: bad usage or no readable workbook.")
    parser.add_argument("books", nargs="+", metavar="PATH", help="workbook files or folders")
    parser.add_argument("-o", "--output", metavar="FILE.ics", default=None,
                        help="write the events as an iCalendar file (written atomically)")
    add_as_of(parser)
    add_json(parser)
    parser.set_defaults(run=run)


def _value(value: Any) -> Any:
    if value is None or (not isinstance(value, bool) and pd.isna(value)):
        return None
    if hasattr(value, "isoformat") or type(value).__name__ == "datetime64":
        return str(value)[:10]
    return bool(value) if isinstance(value, bool) or type(value).__name__ == "bool_" else value


def run(args: argparse.Namespace) -> int:
    context = context_of(args)
    if args.output:
        refuse_overwriting_inputs(args.output, input_books(args.books))   # inputs are only read
    findings, tables = [], []
    for _, _, analysis in analyze_inputs(args.books, context):
        findings += analysis.findings
        if analysis.readable:
            tables.append(calendar_rows(analysis.book, context.as_of))
    if not tables:
        emit({"as_of": context.as_of, "rows": []}, findings, args.json)
        return EXIT_USAGE
    rows = pd.concat(tables, ignore_index=True)
    records = [{k: _value(v) for k, v in r.items()} for r in rows.to_dict("records")]
    document: dict[str, Any] = {"as_of": context.as_of, "rows": records,
                                "events": len(calendar_events(rows))}
    if args.output:
        document["output"] = str(write_ics(args.output, rows))

    def render(out) -> None:
        out.width = max(out.width, 130)
        print_table(records, ["team", "kind", "campaign_id", "name", "channel", "start", "end",
                              "start_week", "end_week", "late"],
                    title=f"Marketing calendar as of {context.as_of}", out=out)
        if args.output:
            out.print(f"wrote {document['events']} events to {document['output']}")

    return emit(document, findings, args.json, render)
