"""`mom pipeline BOOK... [--as-of D] [--target X] [--json]`: coverage per rep (SPEC §7, §13).

Several books are one sales team: a rep who appears in two books is one rep.
"""
from __future__ import annotations

import argparse
import math

import pandas as pd

from ..findings import sort_findings
from ..pipeline import COVERAGE_CODES, CoverageReport, coverage
from ..report.json import money, ratio
from ..report.text import print_table
from . import EXIT_USAGE
from .common import add_as_of, add_exports, add_json, analyze_inputs, context_of, emit


MAX_TARGET = 100.0   # 100× remaining quota: far above any sales plan, far below overflow


def positive_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number like 3") from None
    if not math.isfinite(value) or not 0 < value <= MAX_TARGET:
        raise argparse.ArgumentTypeError(
            f"the target is a coverage multiple above 0 and at most {MAX_TARGET:g}, not {text}")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "pipeline", help="pipeline coverage per rep for the current fiscal quarter",
        description="Pipeline coverage per rep for the fiscal quarter containing the as-of "
                    "date: open, won, remaining quota, coverage, weighted pipeline and the gap "
                    "to the target; team coverage, reps below target and last year's win rate. "
                    "Exit 0: no errors; 1: errors; 2: bad usage or no readable workbook.")
    parser.add_argument("books", nargs="+", metavar="BOOK", help="workbook files or folders")
    add_as_of(parser)
    parser.add_argument("--target", type=positive_number, default=None, metavar="X",
                        help="coverage target (default: the first plan's Coverage Target)")
    add_exports(parser)
    add_json(parser)
    parser.set_defaults(run=run)


def _value(value, convert):
    return None if pd.isna(value) else convert(value)


def coverage_json(report: CoverageReport) -> dict:
    """The SPEC §13 `pipeline` document (without findings)."""
    reps = [{
        "rep": row["rep"],
        "quota": _value(row["quota"], money),
        "won": money(row["won"]),
        "remaining_quota": _value(row["remaining_quota"], money),
        "open": money(row["open"]),
        "weighted": money(row["weighted"]),
        "coverage": _value(row["coverage"], ratio),
        "gap": _value(row["gap"], money),
        "below_target": bool(row["below_target"]),
        "quota_met": bool(row["quota_met"]),
        "marketing_sourced": money(row["marketing_sourced"]),
        "sales_sourced": money(row["sales_sourced"]),
    } for row in report.reps.to_dict("records")]
    team = report.team
    return {
        "as_of": report.as_of, "quarter": report.quarter, "target": report.target, "reps": reps,
        "team": {"open": money(team["open"]), "remaining_quota": money(team["remaining_quota"]),
                 "coverage": ratio(team["coverage"]),
                 "reps_below_target": team["reps_below_target"],
                 "marketing_sourced": money(team["marketing_sourced"]),
                 "sales_sourced": money(team["sales_sourced"])},
        "win_rate": ratio(report.win_rate), "implied_multiple": ratio(report.implied_multiple),
    }


def run(args: argparse.Namespace) -> int:
    context = context_of(args, coverage_target=args.target)
    analyses = [analysis for _, _, analysis in analyze_inputs(args.books, context)]
    books = [a.book for a in analyses if a.readable]
    if not books:
        emit({"as_of": context.as_of}, [f for a in analyses for f in a.findings], args.json)
        return EXIT_USAGE
    report = coverage(books, context.as_of, args.target)
    # Per-book coverage findings are replaced by the cross-book ones (one rep across books).
    findings = [f for a in analyses for f in a.findings if f.code not in COVERAGE_CODES]
    findings = sort_findings(findings + report.findings)
    document = coverage_json(report)

    def render(out) -> None:
        columns = ["rep", "quota", "won", "remaining_quota", "open", "marketing_sourced",
                   "sales_sourced", "weighted", "coverage", "gap", "below_target", "quota_met"]
        print_table(document["reps"], columns, out=out,
                    title=f"Pipeline coverage {report.quarter} (as of {report.as_of}, "
                          f"target {report.target:g}×)")
        team = document["team"]
        shown = "blank" if team["coverage"] is None else f"{team['coverage']:.2f}×"
        out.print(f"team: open {team['open']:,.2f} / remaining quota "
                  f"{team['remaining_quota']:,.2f} = coverage {shown}; "
                  f"{team['reps_below_target']} rep(s) below target; open pipeline "
                  f"marketing-sourced {team['marketing_sourced']:,.2f}, sales-sourced "
                  f"{team['sales_sourced']:,.2f}")
        if report.win_rate is not None:
            multiple = ("" if report.implied_multiple is None
                        else f", implied multiple {report.implied_multiple:.2f}×")
            out.print(f"win rate, previous four quarters: {report.win_rate:.1%}{multiple} "
                      f"(target {report.target:g}×)")

    return emit(document, findings, args.json, render)
