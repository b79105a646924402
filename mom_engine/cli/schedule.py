"""`mom schedule BOOK --by task|activity|campaign|plan [--as-of D] [--json]` (SPEC §6, §13).

Prints the schedule rollup at the level asked and the review bottleneck table; with --json one
document `{"as_of", "by", "rows": [...], "bottlenecks": {...}, "findings"}`. The findings are
all of the book's findings (the figures leave out rejected rows, so their reasons belong here).
"""
from __future__ import annotations

import argparse
from typing import Any

import numpy as np
import pandas as pd

from ..report.json import ratio
from ..report.text import print_table
from ..schedule import SCHEDULE_LEVELS, execution_metrics, roll_up_schedule
from . import EXIT_USAGE
from .common import add_as_of, add_json, analyze_one, context_of, emit

ROW_KEYS = ("key", "planned_start", "planned_finish", "actual_start", "actual_finish",
            "percent_complete", "spi", "late_tasks")
# Short headers so the table fits an 80-column terminal.
TEXT_HEADERS = {"key": "key", "planned_start": "start", "planned_finish": "finish",
                "actual_start": "started", "actual_finish": "finished",
                "percent_complete": "% done", "spi": "SPI", "late_tasks": "late"}
BOTTLENECK_KEYS = ("key", "reviews", "median_days", "max_days", "open_reviews",
                   "oldest_open_days")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "schedule", help="task schedule: %% complete, SPI and late tasks by level (SPEC §6)",
        description="Roll tasks up to activity, campaign or plan: planned and actual dates, "
                    "% complete = ΣEV ÷ Σduration, SPI = ΣEV ÷ ΣPV, late tasks; and the review "
                    "bottleneck table (working days from Submitted On to Approved On).")
    parser.add_argument("book", metavar="BOOK", help="a team workbook")
    parser.add_argument("--by", choices=SCHEDULE_LEVELS, default="campaign",
                        help="the level to roll up to (default: campaign)")
    add_as_of(parser)
    add_json(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    context = context_of(args)
    analysis = analyze_one(args.book, context, "schedule")
    if not analysis.readable:
        emit({"as_of": context.as_of, "by": args.by, "rows": []}, analysis.findings, args.json)
        return EXIT_USAGE
    report = roll_up_schedule(analysis.book, context.as_of)
    execution = execution_metrics(analysis.book, context.as_of)
    rows = schedule_rows(report.by(args.by))
    bottlenecks = {"by_approver": bottleneck_rows(execution.review_by_approver),
                   "by_role": bottleneck_rows(execution.review_by_role)}
    document = {"as_of": context.as_of, "by": args.by, "plan_id": analysis.book.plan.plan_id,
                "rows": rows, "bottlenecks": bottlenecks}

    def render(out) -> None:
        out.width = max(out.width, 100)  # dates must not be cut in a narrow or piped console
        if not rows:
            out.print(f"no tasks to schedule (cancelled tasks are left out) in {analysis.book.name}")
        else:
            text_rows = [{TEXT_HEADERS[k]: v for k, v in row.items()} for row in rows]
            print_table(text_rows, list(TEXT_HEADERS.values()), out=out,
                        title=f"Schedule by {args.by} as of {context.as_of}",
                        formats={"% done": ".1%", "SPI": ".2f"})
        for level, table in bottlenecks.items():
            by = level.removeprefix("by_")
            if table:
                print_table(table, BOTTLENECK_KEYS, out=out,
                            title=f"Review bottlenecks by {by} (working days)",
                            formats={"median_days": ".1f", "max_days": ".0f",
                                     "oldest_open_days": ".0f"})
            elif level == "by_approver":
                out.print("no submitted reviews")

    return emit(document, analysis.findings, args.json, render)


def schedule_rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    """A rollup table as JSON rows: ISO dates or None, ratios to 4 decimals or None."""
    rows = []
    columns = {c: table[c].to_numpy() for c in ROW_KEYS}
    for i in range(len(table)):  # output rendering: one dict per output row
        rows.append({
            "key": str(columns["key"][i]),
            **{c: iso_date(columns[c][i]) for c in ROW_KEYS[1:5]},
            "percent_complete": ratio(float(columns["percent_complete"][i])),
            "spi": ratio(float(columns["spi"][i])),
            "late_tasks": int(columns["late_tasks"][i]),
        })
    return rows


def bottleneck_rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [{"key": str(key), "reviews": int(reviews), "median_days": ratio(float(median)),
             "max_days": ratio(float(maximum)), "open_reviews": int(open_),
             "oldest_open_days": ratio(float(oldest))}
            for key, reviews, median, maximum, open_, oldest in zip(
                table["key"], table["reviews"], table["median_days"], table["max_days"],
                table["open_reviews"], table["oldest_open_days"], strict=True)]


def iso_date(value: Any) -> str | None:
    if value is None or pd.isna(value):
        return None
    return str(np.datetime64(value, "D"))
