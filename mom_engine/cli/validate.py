"""`mom validate BOOK... [--as-of D] [--workers N] [--json]`: every problem in the workbooks,
located (several books are checked in worker processes: `common.analyze_inputs`)."""
from __future__ import annotations

import argparse

from ..findings import CATALOGUE
from ..report.table import Report
from . import EXIT_USAGE
from .common import add_as_of, add_json, add_workers, analyze_inputs, context_of, show


def catalogue_text() -> str:
    lines = ["finding codes (severity, code, title):"]
    for code in CATALOGUE.values():
        lines.append(f"  {code.severity.value:<8} {code.code:<26} {code.title}")
    return "\n".join(lines)


EXAMPLES = ("mom validate mom-demo/teams/",
            "mom validate team.xlsx --severity error --as-of 2027-03-01")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate", help="check team workbooks and list every problem with its cell",
        description="Check team workbooks: structure, values, references, spend, schedule, "
                    "pipeline and funnel rules. Exit 0: no errors; 1: errors; 2: no readable "
                    "workbook.",
        epilog=catalogue_text(), formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("books", nargs="+", metavar="BOOK", help="workbook files or folders")
    add_workers(parser)
    add_as_of(parser)
    add_json(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    context = context_of(args)
    findings, books = [], []
    for path, name, analysis in analyze_inputs(args.books, context, args):
        findings += analysis.findings
        books.append({"book": name, "path": str(path), "readable": analysis.readable,
                      "plan_id": analysis.book.plan.plan_id})
    status = show(args, Report({"as_of": context.as_of, "books": books}), findings)
    if not any(b["readable"] for b in books):
        return EXIT_USAGE
    return status
