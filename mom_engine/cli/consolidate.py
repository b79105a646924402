"""`mom consolidate PATH... [-o OUT] [--workers N] [--scheduler ADDR]`.

Reads, validates and rolls up every team workbook in parallel (a local process pool, or a
Dask cluster with --scheduler), merges the results as they stream in and writes one
consolidated workbook. Exit 0: no errors; 1: error findings; 2: bad usage or no readable book.
"""
from __future__ import annotations

import argparse
from decimal import Decimal
import sys
from pathlib import Path
from collections.abc import Sequence
from typing import Any

from ..consolidate import (DEFAULT_BOOK_TIMEOUT, TOTAL_FIGURES, ConsolidatedReport,
                           Options, RatesError, SchedulerUnreachable, consolidate, read_rates)
from ..report.files import OutputError, refuse_overwriting_inputs
from ..report.json import money
from ..report.specs import AT_RISK, CONSOLIDATION, CONSOLIDATION_TEAMS, COUNTS
from ..report.table import Report, Table
from . import EXIT_USAGE, UsageError
from .common import (add_as_of, add_exports, add_json, book_names, book_timeout, coverage_target,
                     exports_of, input_books, output_format, progress_bar, show, worker_count)

DEFAULT_OUTPUT = "consolidated.xlsx"
TEXT_FINDINGS_SHOWN = 40


EXAMPLES = ("mom consolidate mom-demo/teams -o consolidated.xlsx --currency USD "
            "--rates mom-demo/rates.csv",
            "mom consolidate mom-demo/teams --crm mom-demo/crm_export.csv --map "
            "mom-demo/crm_map.toml --leads mom-demo/leads_export.csv",
            "mom consolidate 'teams/**/*.xlsx' --workers 4 --json > consolidation.json")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "consolidate", help="consolidate many team workbooks into one report workbook",
        description=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="workbooks, folders (searched recursively) or globs; Office lock "
                             "files (~$…) are skipped")
    parser.add_argument("-o", "--output", default=None, metavar="OUT",
                        help=f"the consolidated workbook to write (default: {DEFAULT_OUTPUT} "
                             "in the current folder; the command says where it wrote)")
    parser.add_argument("--workers", type=worker_count, default=None, metavar="N",
                        help="worker processes on this machine (default: CPU count)")
    parser.add_argument("--book-timeout", type=book_timeout, default=None, metavar="SECONDS",
                        help=f"the longest one workbook may take (default: "
                             f"{DEFAULT_BOOK_TIMEOUT:g} seconds); a book past it becomes a "
                             "book-timeout error and its worker is replaced (local workers; "
                             "a Dask cluster keeps its own limits)")
    parser.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                        help="run the workers on this Dask scheduler instead")
    parser.add_argument("--currency", default=None, metavar="C",
                        help="reporting currency (ISO code); needs --rates for other currencies")
    parser.add_argument("--rates", default=None, metavar="FILE",
                        help="CSV with Currency, Rate (reporting-currency units per unit)")
    parser.add_argument("--detail", default=None, metavar="DIR",
                        help="also write each sheet's consolidated rows as Parquet here: one "
                             "dataset per sheet (DIR/<Sheet>/part-N.parquet, a few large files "
                             "written when the run completes)")
    parser.add_argument("--target", type=coverage_target, default=None, metavar="X",
                        help="coverage target for every book (default: each Plan's)")
    add_exports(parser)
    add_as_of(parser, "the date figures are computed at (default: today); spend as it stood "
                      "on it, as mom spend --as-of shows it: realignments, POs and invoices "
                      "dated on or before it, POs with their status then (Closed On)")
    add_json(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.rates and not args.currency:
        raise UsageError("--rates needs --currency (the currency the rates convert into)")
    files = input_books(args.paths)
    output = Path(args.output or DEFAULT_OUTPUT)
    try:
        refuse_overwriting_inputs(output, [*files, *(Path(f) for f in (
            args.rates, args.crm, args.leads, args.map) if f)])
    except OutputError as error:
        raise UsageError(str(error)) from None
    rates = None
    if args.currency:
        try:
            rates = read_rates(args.rates, args.currency) if args.rates else {
                args.currency.upper(): Decimal(1)}
        except RatesError as error:
            raise UsageError(str(error)) from None
    options = Options(**({"as_of": args.as_of} if args.as_of else {}),
                      coverage_target=args.target, detail_dir=args.detail,
                      spend_as_of=args.as_of)
    try:
        with progress_bar(len(files), "consolidating") as advance:
            report = consolidate(files, options=options, names=book_names(files),
                                 workers=args.workers, scheduler=args.scheduler,
                                 currency=args.currency, rates=rates, progress=advance,
                                 exports=exports_of(args),
                                 book_timeout=args.book_timeout or DEFAULT_BOOK_TIMEOUT)
    except SchedulerUnreachable as error:
        raise UsageError(str(error)) from None
    from ..report.consolidated import (findings_sheet_titles, findings_sheets_named,
                                       write_consolidated)
    if report.books_read:
        write_consolidated(output, report)
    written = output if report.books_read else None
    sheets = findings_sheet_titles(len(report.findings)) if written else []
    wrote = None
    if written:
        wrote = f"wrote {written}" + ("" if args.output else
                                      " (no -o given: the default name, in the current folder)")
        if output_format(args) in ("json", "csv"):   # stdout holds the data: say it aside
            print(f"mom consolidate: {wrote}", file=sys.stderr)
    more = ("" if not written else f"the Findings sheet of {written} lists them all"
            if len(sheets) == 1 else
            f"the sheets {findings_sheets_named(sheets)} of {written} list them all")
    status = show(args, consolidation_report(report, written, wrote, sheets), report.findings,
                  limit=TEXT_FINDINGS_SHOWN, more=more)
    return EXIT_USAGE if not report.books_read else status


def left_out(report: ConsolidatedReport) -> dict[str, list[str]]:
    """Books whose money is not in the totals (no rate to the reporting currency)."""
    teams = report.teams
    if not len(teams) or "rate" not in teams:
        return {"books": [], "currencies": []}
    missing = teams[teams["rate"].isna()]
    return {"books": [str(b) for b in missing["book"]],
            "currencies": sorted({str(c) for c in missing["currency"]})}


def consolidation_json(report: ConsolidatedReport, output: Path | None,
                       sheets: Sequence[str] = ()) -> dict[str, Any]:
    """books, rows, totals (+ currency, output, what the totals leave out, per-book sources),
    per team its spend and year-end forecast, the campaigns at risk across teams, and the
    sheets of the output that hold the findings."""
    totals = {f: money(report.totals[f]) if report.totals else None for f in TOTAL_FIGURES}
    sources: dict[str, dict[str, Any]] = {}
    for row in report.sources.to_dict("records"):
        source = sources.setdefault(row["book"], {
            "book": row["book"], "path": row["path"], "sha256": row["sha256"],
            "size": row["size"], "status": row["status"], "reason": row["reason"],
            "sheets": []})
        if isinstance(row["sheet"], str) and row["sheet"]:   # a failed book has no sheets
            source["sheets"].append({k: row[k] for k in
                                     ("sheet", "read", "consolidated", "rejected")})
    return {"as_of": report.as_of, "currency": report.currency,
            "output": str(output) if output else None,
            "books": {"read": report.books_read, "failed": report.books_failed},
            "rows": dict(report.rows), "totals": totals, "left_out": left_out(report),
            "sources": list(sources.values()),
            "teams": CONSOLIDATION_TEAMS.rows(report.teams),
            "at_risk": at_risk_rows(report), "findings_sheets": list(sheets)}


def at_risk_rows(report: ConsolidatedReport) -> list[dict[str, Any]]:
    """Delayed and underperforming campaigns of every team, as `mom scorecard` lists them."""
    table = report.tables.get("at_risk")
    if table is None or table.empty:
        return []
    labels = table[["book", "team"]].astype(object).where(table[["book", "team"]].notna(), None)
    return [{**label, **row} for label, row in
            zip(labels.to_dict("records"), AT_RISK.rows(table), strict=True)]


def left_out_line(report: ConsolidatedReport) -> str | None:
    missing = left_out(report)
    if not missing["books"]:
        return None
    count = len(missing["books"])
    return (f"left out of the {report.currency} totals: {count} workbook{'s' * (count != 1)} "
            f"in {', '.join(missing['currencies'])} (no rate given) — pass --currency "
            f"{report.currency} --rates FILE to include them")


def headline_rows(report: ConsolidatedReport) -> list[dict[str, Any]]:
    rows = [{"figure": "workbooks read", "value": report.books_read},
            {"figure": "workbooks failed", "value": report.books_failed},
            {"figure": "rows read", "value": report.rows["read"]},
            {"figure": "rows consolidated", "value": report.rows["consolidated"]},
            {"figure": "rows rejected", "value": report.rows["rejected"]}]
    if report.totals:
        rows += [{"figure": f"{f} ({report.currency})", "value": money(report.totals[f])}
                 for f in TOTAL_FIGURES]
    return rows


def consolidation_report(report: ConsolidatedReport, output: Path | None,
                         wrote: str | None = None, sheets: Sequence[str] = ()) -> Report:
    rows = headline_rows(report)
    counts = Table(COUNTS, rows[:5], title="Consolidation")
    money_rows = Table(CONSOLIDATION, rows[5:], title="Totals")
    notes = [line for line in (left_out_line(report),) if line]
    tables = [counts, *([money_rows] if money_rows.rows else [])]
    if wrote:
        tables[-1].notes.append(wrote)
    if len(sheets) > 1:
        from ..report.consolidated import SHEET_ROWS, findings_sheets_named
        tables[-1].notes.append(
            f"the {len(report.findings):,} findings fill {len(sheets)} sheets "
            f"({findings_sheets_named(list(sheets))}): a sheet holds at most "
            f"{SHEET_ROWS:,} rows")
    return Report(consolidation_json(report, output, sheets), tables, notes)
