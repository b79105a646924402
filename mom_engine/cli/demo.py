"""`mom demo [--teams N] [--out DIR]`: realistic team workbooks, then the main job on them.

The demo's own exit status is 0 when it ran: the demo books carry deliberate mistakes, so
findings are expected and shown, not a failure.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from ..analyze import analyze_book
from ..demo import make_demo_books
from ..findings import Severity
from ..report.text import console, print_table


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="make demo team workbooks and process them",
                                   description=__doc__)
    parser.add_argument("--teams", type=int, default=6, metavar="N",
                        help="number of team workbooks (default 6)")
    parser.add_argument("--out", default="mom-demo", metavar="DIR",
                        help="folder for the demo workbooks (default: mom-demo)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    out = console(stderr=True)
    folder = Path(args.out) / "teams"
    out.print(f"writing {args.teams} demo team workbooks to {folder} …")
    paths = make_demo_books(folder, args.teams, workers=min(os.cpu_count() or 1, 4))
    rows = []
    for path in paths:
        analysis = analyze_book(path)
        errors = sum(f.severity is Severity.ERROR for f in analysis.findings)
        warnings = sum(f.severity is Severity.WARNING for f in analysis.findings)
        rows.append({"book": path.name, "plan": analysis.book.plan.plan_id,
                     "currency": analysis.book.plan.currency, "errors": errors,
                     "warnings": warnings})
    print_table(rows, ["book", "plan", "currency", "errors", "warnings"],
                title="Demo team workbooks validated")
    console().print(f"next: mom validate {folder}/{paths[0].name}" if paths else "")
    return 0
