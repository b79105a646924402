"""`mom spend BOOK --by activity|campaign|plan|gl|month|quarter|year [--json]`."""
from __future__ import annotations

import argparse
import datetime as dt

from ..model import Context
from ..findings import Finding
from ..report.specs import SPEND, SPEND_ACTIVITY_EXTRA, SPEND_FORECAST, SPEND_KEY_HEADERS
from ..report.table import Report, Table
from ..domains.spend import (FORECAST_LEVELS, SPEND_LEVELS, SpendForecast, SpendReport, forecast_spend,
                     roll_up_spend)
from . import EXIT_USAGE
from .common import FindingScope, add_as_of, add_json, analyze_one, show


EXAMPLES = ("mom spend team.xlsx --by campaign",
            "mom spend team.xlsx --by month --format csv > spend-by-month.csv")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "spend", help="budgeted, planned, committed, spent and remaining by level",
        description="Budgeted, planned, committed, spent, remaining and unplanned of one plan in "
                    "plan currency, with the findings that bear on them (reading and structure "
                    "problems of the sheets spend is computed from, and the spend checks; "
                    "`mom validate` lists everything). Exit 0: none of them is an error; 1: "
                    "errors; 2: unreadable workbook.")
    parser.add_argument("book", metavar="BOOK", help="team workbook")
    parser.add_argument("--by", choices=SPEND_LEVELS, default="activity",
                        help="level to report (default: activity)")
    add_as_of(parser, "spend as it stood on this date: realignments, POs and invoices dated "
                      "on or before it, POs with their status then (Closed On); the year-end "
                      "forecast projects from it (default: every document, forecast from "
                      "today)")
    add_json(parser)
    parser.set_defaults(run=run)


# Findings shown with spend figures: what changes them (reading, structure of the sheets
# they are computed from) and spend's own checks (and a template formula typed over).
SPEND_SCOPE = FindingScope.of(
    ("Campaigns", "Activities", "Budget", "Realignments", "PurchaseOrders", "Invoices", "Rates",
     "Lists"),
    sections=("§5",), codes=("formula-overwritten", "outside-fiscal-year"))


def spend_findings(findings: list[Finding]) -> list[Finding]:
    """The book's findings that bear on its spend figures; schedule, pipeline and asset
    findings belong to their own commands (and to `mom validate`)."""
    return [f for f in findings if SPEND_SCOPE.bears(f)]


def spend_table(report: SpendReport, level: str,
                forecast: SpendForecast | None = None) -> Table:
    """The spend table at one level; with a forecast, the activity, campaign and plan rows
    also carry `projected` and `forecast` (year end)."""
    records = report.by(level).to_dict("records")
    if forecast is not None and level in FORECAST_LEVELS:
        ahead = {str(r["key"]): r for r in forecast.by(level).to_dict("records")}
        records = [{**r, **{f: ahead[str(r["key"])][f] for f in ("projected", "forecast")}}
                   if str(r["key"]) in ahead else r for r in records]
    spec = SPEND.with_header("key", SPEND_KEY_HEADERS[level])
    if level == "activity":
        spec = spec.extended(SPEND_ACTIVITY_EXTRA)
    spec = spec.extended(SPEND_FORECAST)
    return Table(spec, spec.rows(records),
                 title=f"Spend of {report.plan_id} by {level} ({report.currency})",
                 empty="no spend figures: the plan has no activities")


def spend_document(report: SpendReport, level: str, forecast: SpendForecast | None = None,
                   table: Table | None = None) -> dict:
    """The `spend` JSON document (without findings)."""
    table = table or spend_table(report, level, forecast)
    total = SPEND.without("key").row(report.total)
    if forecast is not None and level in FORECAST_LEVELS:
        total.update(SPEND_FORECAST.row(forecast.by("plan").iloc[0].to_dict()))
    return {"plan_id": report.plan_id, "currency": report.currency, "by": level,
            "rows": table.rows, "total": total}


def run(args: argparse.Namespace) -> int:
    today = args.as_of or dt.date.today()
    analysis = analyze_one(args.book, Context(as_of=today, spend_as_of=args.as_of), "spend")
    if not analysis.readable:
        show(args, Report({"plan_id": None, "currency": None, "by": args.by, "rows": [],
                           "total": {}}), analysis.findings, scope=SPEND_SCOPE,
             paths=[args.book])
        return EXIT_USAGE
    report = roll_up_spend(analysis.book, args.as_of)
    forecast = forecast_spend(analysis.book, today, args.as_of)
    table = spend_table(report, args.by, forecast)
    document = spend_document(report, args.by, forecast, table)
    document["as_of"] = args.as_of.isoformat() if args.as_of else None
    shown = Table(table.spec, [*table.rows, {"key": "Total", **document["total"]}],
                  title=table.title, empty=table.empty)
    return show(args, Report(document, [shown]), analysis.findings, scope=SPEND_SCOPE,
                paths=[args.book])
