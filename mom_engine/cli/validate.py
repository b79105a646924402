"""`mom validate BOOK... [--as-of D] [--workers N] [--json]`: every problem in the workbooks,
located.

Several books are checked in worker processes, one per CPU unless `--workers` (or `workers` in
mom.toml) says otherwise, with the consolidation's worker and executor: the findings are the
same as one process gives, in the same order, and a book that crashes its reader or runs past
the time limit is one finding, not the end of the run. One book, or `--workers 1`, is checked in
this process."""
from __future__ import annotations

import argparse
import os
from typing import Any

from ..consolidate import DEFAULT_BOOK_TIMEOUT, Options, validate_books
from ..findings import CATALOGUE, Finding
from ..report.table import Report
from . import EXIT_USAGE, UsageError
from .common import (add_as_of, add_json, analyze_inputs, book_names, context_of, input_books,
                     progress_bar, show)


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
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help="worker processes checking several books at once (default: CPU "
                             "count; 1: one book after another in this process)")
    add_as_of(parser)
    add_json(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be at least 1")
    context = context_of(args)
    files = input_books(args.books)
    findings: list[Finding] = []
    books: list[dict[str, Any]] = []
    if len(files) > 1 and (args.workers or os.cpu_count() or 1) > 1:
        with progress_bar(len(files), "validating") as advance:
            results = validate_books(files, options=Options(as_of=context.as_of),
                                     names=book_names(files), workers=args.workers,
                                     book_timeout=DEFAULT_BOOK_TIMEOUT, progress=advance)
        for path, result in zip(files, results, strict=True):
            findings += result.findings
            books.append({"book": result.name, "path": str(path), "readable": result.readable,
                          "plan_id": result.plan_id})
    else:
        for path, name, analysis in analyze_inputs(args.books, context):
            findings += analysis.findings
            books.append({"book": name, "path": str(path), "readable": analysis.readable,
                          "plan_id": analysis.book.plan.plan_id})
    status = show(args, Report({"as_of": context.as_of, "books": books}), findings)
    if not any(b["readable"] for b in books):
        return EXIT_USAGE
    return status
