"""`mom spend BOOK --by activity|campaign|plan|gl|month|quarter|year [--json]` (SPEC §5, §13)."""
from __future__ import annotations

import argparse
from typing import Any

from ..analyze import Context
from ..findings import CATALOGUE, Finding
from ..report.json import money
from ..spend import FIGURES, SPEND_LEVELS, SpendReport, roll_up_spend
from . import EXIT_USAGE
from .common import add_json, analyze_one, emit


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "spend", help="budgeted, planned, committed, spent and remaining by level",
        description="Spend figures of one plan in plan currency (SPEC §5), with the findings "
                    "that bear on them (structure and spend checks; `mom validate` lists "
                    "everything). Exit 0: no errors; 1: errors; 2: unreadable workbook.")
    parser.add_argument("book", metavar="BOOK", help="team workbook")
    parser.add_argument("--by", choices=SPEND_LEVELS, default="activity",
                        help="level to report (default: activity)")
    add_json(parser)
    parser.set_defaults(run=run)


# Findings shown with spend figures: what changes them (reading, structure) and spend's own.
SPEND_SECTIONS = ("§3", "§4", "§5", "§10")


def spend_findings(findings: list[Finding]) -> list[Finding]:
    """The book's findings that bear on its spend figures; schedule, pipeline and asset
    findings belong to their own commands (and to `mom validate`)."""
    return [f for f in findings if CATALOGUE[f.code].section in SPEND_SECTIONS]


def spend_document(report: SpendReport, level: str) -> dict:
    """The §13 `spend` JSON document (without findings)."""
    frame = report.by(level)
    rows = []
    for record in frame.to_dict("records"):
        row: dict[str, Any] = {"key": str(record["key"])}
        row.update({figure: money(record[figure]) for figure in FIGURES})
        for extra in ("campaign_id", "gl_account"):
            if extra in record:
                row[extra] = record[extra]
        rows.append(row)
    return {"plan_id": report.plan_id, "currency": report.currency, "by": level, "rows": rows,
            "total": {figure: money(value) for figure, value in report.total.items()}}


def run(args: argparse.Namespace) -> int:
    analysis = analyze_one(args.book, Context(), "spend")
    if not analysis.readable:
        emit({"plan_id": None, "currency": None, "by": args.by, "rows": [], "total": {}},
             analysis.findings, args.json)
        return EXIT_USAGE
    report = roll_up_spend(analysis.book)
    document = spend_document(report, args.by)

    def render(out):
        from ..report.text import print_table
        rows = [{**row} for row in document["rows"]]
        rows.append({"key": "Total", **document["total"]})
        print_table(rows, ["key", *FIGURES],
                    title=f"Spend of {report.plan_id} by {args.by} ({report.currency})",
                    out=out, formats={figure: ",.2f" for figure in FIGURES})

    return emit(document, spend_findings(analysis.findings), args.json, render)
