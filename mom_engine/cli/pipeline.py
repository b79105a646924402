"""`mom pipeline BOOK... [--as-of D] [--target X] [--json]`: coverage per rep.

Several books are one sales team: a rep who appears in two books is one rep.
"""
from __future__ import annotations

import argparse
import datetime as dt

from ..analyze import Analysis
from ..findings import sort_findings
from ..domains.pipeline import COVERAGE_CODES, BookQuarter, CoverageReport, coverage
from ..report.json import ratio
from ..report.specs import COVERAGE, COVERAGE_TEAM
from ..report.table import Report, Table
from . import EXIT_USAGE
from .common import (FindingScope, add_as_of, add_exports, add_json, add_workers, analyze_inputs,
                     context_of, coverage_target, show, with_exports)




EXAMPLES = ("mom pipeline mom-demo/teams/ --target 3",
            "mom pipeline team.xlsx --as-of 2027-03-01 --json")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "pipeline", help="pipeline coverage per rep for the current fiscal quarter",
        description="Pipeline coverage per rep for the fiscal quarter containing the as-of "
                    "date: open (the Plan's Pipeline Stages, default every open stage), won, "
                    "remaining quota, coverage, weighted pipeline and the gap to the target; "
                    "team coverage, reps below target and last year's win rate. "
                    "Exit 0: no errors; 1: errors; 2: bad usage or no readable workbook.")
    parser.add_argument("books", nargs="+", metavar="BOOK", help="workbook files or folders")
    add_as_of(parser)
    parser.add_argument("--target", type=coverage_target, default=None, metavar="X",
                        help="coverage target (default: the first plan's Coverage Target)")
    add_exports(parser)
    add_workers(parser)
    add_json(parser)
    parser.set_defaults(run=run)


PIPELINE_SCOPE = FindingScope.of(("Campaigns", "Opportunities", "Quotas", "Lists", "Mappings"),
                                 codes=(*COVERAGE_CODES, "stage-unmapped", "campaign-ambiguous"),
                                 located=("rate-missing",))   # an opportunity's currency


def coverage_json(report: CoverageReport) -> dict:
    """The `pipeline` document (without findings)."""
    return {
        "as_of": report.as_of, "quarter": report.quarter, "target": report.target,
        "reps": COVERAGE.rows(report.reps),
        "team": COVERAGE_TEAM.row(report.team),
        "win_rate": ratio(report.win_rate), "implied_multiple": ratio(report.implied_multiple),
    }


def book_quarters(analyses: list[tuple[str, Analysis]], as_of: dt.date) -> list[dict]:
    """Each readable book's own fiscal quarter at the as-of date, and its currency."""
    return [{"book": name, "quarter": BookQuarter.of(a.book, as_of).label,
             "currency": a.book.plan.currency}
             for name, a in analyses if a.readable]


def headline(report: CoverageReport, books: list[dict]) -> tuple[str, list[str]]:
    """The table's title, and the lines that say which quarter and currency each book is in."""
    quarters = sorted({b["quarter"] for b in books})
    currencies = sorted({b["currency"] for b in books})
    quarter = quarters[0] if len(quarters) == 1 else "of each book's fiscal quarter"
    currency = currencies[0] if len(currencies) == 1 else "mixed currencies"
    title = (f"Pipeline coverage {quarter} (as of {report.as_of}, target {report.target:g}×, "
             f"{currency})")
    lines = []
    if len(quarters) > 1 or len(currencies) > 1:
        lines = [f"{b['book']}: {b['quarter']}, {b['currency']}" for b in books]
        if len(currencies) > 1:
            lines.append("amounts are added in each book's own currency, not converted")
    return title, lines


def run(args: argparse.Namespace) -> int:
    context = context_of(args, coverage_target=args.target)
    analyses = [(name, analysis)
                for _, name, analysis in analyze_inputs(args.books, context, args.workers)]
    every = [f for _, a in analyses for f in a.findings]
    books = [a.book for _, a in analyses if a.readable]
    if not books:
        show(args, Report({"as_of": context.as_of}), every, scope=with_exports(PIPELINE_SCOPE, args),
             paths=args.books)
        return EXIT_USAGE
    report = coverage(books, context.as_of, args.target)
    # Per-book coverage findings are replaced by the cross-book ones (one rep across books).
    findings = [f for f in every if f.code not in COVERAGE_CODES]
    findings = sort_findings(findings + report.findings)
    quarters = book_quarters(analyses, context.as_of)
    document = {**coverage_json(report), "books": quarters,
                "currencies": sorted({b["currency"] for b in quarters})}
    title, lines = headline(report, quarters)
    team = document["team"]
    shown = "blank" if team["coverage"] is None else f"{team['coverage']:.2f}×"
    notes = [f"team: open {team['open']:,.2f} / remaining quota "
             f"{team['remaining_quota']:,.2f} = coverage {shown}; "
             f"{team['reps_below_target']} rep(s) below target",
             f"open pipeline: {team['marketing_sourced']:,.2f} marketing-sourced and "
             f"{team['sales_sourced']:,.2f} sales-sourced"]
    if report.win_rate is not None:
        multiple = ("" if report.implied_multiple is None
                    else f", implied multiple {report.implied_multiple:.2f}×")
        notes.append(f"win rate, previous four quarters: {report.win_rate:.1%}{multiple} "
                     f"(target {report.target:g}×)")
    table = Table(COVERAGE, document["reps"], title=title, notes=[*lines, *notes],
                  empty="no rep has a quota or open pipeline in the quarter")
    return show(args, Report(document, [table]), findings, scope=with_exports(PIPELINE_SCOPE, args),
                paths=args.books)
