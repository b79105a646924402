"""`mom spend BOOK --by activity|campaign|plan|gl|month|quarter|year [--json]` (SPEC §5, §13)."""
from __future__ import annotations

import argparse
import datetime as dt

from ..analyze import Context
from ..findings import CATALOGUE, Finding
from ..report.json import money
from ..spend import (FIGURES, FORECAST_LEVELS, SPEND_LEVELS, SpendForecast, SpendReport,
                     forecast_spend, roll_up_spend)
from . import EXIT_USAGE
from .common import add_as_of, add_json, analyze_one, emit


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "spend", help="budgeted, planned, committed, spent and remaining by level",
        description="Spend figures of one plan in plan currency (SPEC §5), with the findings "
                    "that bear on them (structure and spend checks; `mom validate` lists "
                    "everything). Exit 0: no errors; 1: errors; 2: unreadable workbook.")
    parser.add_argument("book", metavar="BOOK", help="team workbook")
    parser.add_argument("--by", choices=SPEND_LEVELS, default="activity",
                        help="level to report (default: activity)")
    add_as_of(parser, "spend as it stood on this date: realignments, POs and invoices dated "
                      "on or before it, POs with their status then (Closed On); the year-end "
                      "forecast projects from it (default: every document, forecast from "
                      "today)")
    add_json(parser)
    parser.set_defaults(run=run)


# Findings shown with spend figures: what changes them (reading, structure) and spend's own.
SPEND_SECTIONS = ("§3", "§4", "§5", "§10")


def spend_findings(findings: list[Finding]) -> list[Finding]:
    """The book's findings that bear on its spend figures; schedule, pipeline and asset
    findings belong to their own commands (and to `mom validate`)."""
    return [f for f in findings if CATALOGUE[f.code].section in SPEND_SECTIONS]


def spend_document(report: SpendReport, level: str,
                   forecast: SpendForecast | None = None) -> dict:
    """The §13 `spend` JSON document (without findings); with a forecast, the activity,
    campaign and plan rows and the total also carry `projected` and `forecast` (year end)."""
    frame = report.by(level)
    ahead = {}
    if forecast is not None and level in FORECAST_LEVELS:
        ahead = {str(r["key"]): r for r in forecast.by(level).to_dict("records")}
    rows = []
    for record in frame.to_dict("records"):
        row = {"key": str(record["key"])}
        row.update({figure: money(record[figure]) for figure in FIGURES})
        for extra in ("campaign_id", "gl_account"):
            if extra in record:
                row[extra] = record[extra]
        if row["key"] in ahead:
            row.update({figure: money(ahead[row["key"]][figure])
                        for figure in ("projected", "forecast")})
        rows.append(row)
    total = {figure: money(value) for figure, value in report.total.items()}
    if ahead:
        plan = forecast.by("plan").iloc[0]
        total.update({figure: money(plan[figure]) for figure in ("projected", "forecast")})
    return {"plan_id": report.plan_id, "currency": report.currency, "by": level, "rows": rows,
            "total": total}


def run(args: argparse.Namespace) -> int:
    today = args.as_of or dt.date.today()
    analysis = analyze_one(args.book, Context(as_of=today, spend_as_of=args.as_of), "spend")
    if not analysis.readable:
        emit({"plan_id": None, "currency": None, "by": args.by, "rows": [], "total": {}},
             analysis.findings, args.json)
        return EXIT_USAGE
    report = roll_up_spend(analysis.book, args.as_of)
    document = spend_document(report, args.by, forecast_spend(analysis.book, today, args.as_of))
    document["as_of"] = args.as_of.isoformat() if args.as_of else None

    def render(out):
        from ..report.text import print_table
        rows = [{**row} for row in document["rows"]]
        rows.append({"key": "Total", **document["total"]})
        extra = [c for c in ("forecast",) if c in document["total"]]
        print_table(rows, ["key", *FIGURES, *extra],
                    title=f"Spend of {report.plan_id} by {args.by} ({report.currency})",
                    out=out, formats={figure: ",.2f" for figure in (*FIGURES, *extra)})

    return emit(document, spend_findings(analysis.findings), args.json, render)
