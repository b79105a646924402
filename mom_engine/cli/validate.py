"""`mom validate BOOK... [--as-of D] [--json]`: every problem in the workbooks, located."""
from __future__ import annotations

import argparse

from ..analyze import Context, analyze_book
from ..findings import CATALOGUE
from . import EXIT_USAGE
from .common import add_as_of, add_json, book_names, emit, input_books


def catalogue_text() -> str:
    lines = ["finding codes (severity, code, title):"]
    for code in CATALOGUE.values():
        lines.append(f"  {code.severity.value:<8} {code.code:<26} {code.title}")
    return "\n".join(lines)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate", help="check team workbooks and list every problem with its cell",
        description="Check team workbooks: structure, values, references, spend, schedule, "
                    "pipeline and funnel rules. Exit 0: no errors; 1: errors; 2: no readable "
                    "workbook.",
        epilog=catalogue_text(), formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("books", nargs="+", metavar="BOOK", help="workbook files or folders")
    add_as_of(parser)
    add_json(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    files = input_books(args.books)
    names = book_names(files)
    context = Context(**({"as_of": args.as_of} if args.as_of else {}))
    findings, books = [], []
    for path in files:
        analysis = analyze_book(path, name=names[path], context=context)
        findings += analysis.findings
        books.append({"book": names[path], "path": str(path), "readable": analysis.readable,
                      "plan_id": analysis.book.plan.plan_id})
    status = emit({"as_of": context.as_of, "books": books}, findings, args.json)
    if not any(b["readable"] for b in books):
        return EXIT_USAGE
    return status
