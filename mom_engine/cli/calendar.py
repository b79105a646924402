"""`mom calendar PATH... [-o FILE.ics] [--as-of D] [--json]`: the marketing calendar.

Campaigns (Start–End), their activities and milestones (the Planned Finish of deliverables and
approvals; late ones marked) by fiscal week. With -o, one iCalendar event per campaign window and
per milestone, with stable UIDs, so a calendar subscribed to the file updates its events instead
of duplicating them (Outlook, Google and Apple Calendar).
"""
from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from ..domains.marketing_calendar import calendar_events, calendar_rows, write_ics
from ..report.files import refuse_overwriting_inputs
from ..report.specs import CALENDAR, CALENDAR_SHOWN
from ..report.table import Report, Table
from . import EXIT_USAGE
from .common import (FindingScope, add_as_of, add_json, add_workers, analyze_inputs, context_of,
                     input_books, show)


EXAMPLES = ("mom calendar mom-demo/teams/ -o marketing.ics",
            "mom calendar team.xlsx --as-of 2027-03-01")

# Campaign windows, activities and the tasks whose Planned Finish is a milestone.
CALENDAR_SCOPE = FindingScope.of(("Campaigns", "Activities", "Tasks", "Lists"),
                                 codes=("dates-reversed", "task-late"))


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "calendar", help="marketing calendar by fiscal week; -o writes an iCalendar (.ics) file",
        description=__doc__.split("\n", 1)[1].strip()
        + " Exit 0: no errors; 1: errors; 2: bad usage or no readable workbook.")
    parser.add_argument("books", nargs="+", metavar="PATH", help="workbook files or folders")
    parser.add_argument("-o", "--output", metavar="FILE.ics", default=None,
                        help="write the events as an iCalendar file (written atomically)")
    add_as_of(parser)
    add_workers(parser)
    add_json(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    context = context_of(args)
    if args.output:
        refuse_overwriting_inputs(args.output, input_books(args.books))   # inputs are only read
    findings, tables = [], []
    for _, _, analysis in analyze_inputs(args.books, context, args.workers):
        findings += analysis.findings
        if analysis.readable:
            tables.append(calendar_rows(analysis.book, context.as_of))
    if not tables:
        show(args, Report({"as_of": context.as_of, "rows": []}), findings,
             scope=CALENDAR_SCOPE, paths=args.books)
        return EXIT_USAGE
    rows = pd.concat(tables, ignore_index=True)
    document: dict[str, Any] = {"as_of": context.as_of, "rows": CALENDAR.rows(rows),
                                "events": len(calendar_events(rows))}
    notes = []
    if args.output:
        document["output"] = str(write_ics(args.output, rows))
        notes.append(f"wrote {document['events']} events to {document['output']}")
    table = Table(CALENDAR.only(*CALENDAR_SHOWN), document["rows"],
                  title=f"Marketing calendar as of {context.as_of}", notes=notes,
                  empty="no campaign to show (none, or all cancelled)")
    return show(args, Report(document, [table]), findings, scope=CALENDAR_SCOPE,
                paths=args.books)
