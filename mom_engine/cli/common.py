"""Shared command-line pieces: options, book naming, findings output and exit status."""
from __future__ import annotations

import argparse
import datetime as dt
import os
from decimal import Decimal
from pathlib import Path
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ..analyze import Analysis, analyze_book, analyze_books
from ..model import Book, Context
from ..exports import ExportFiles
from ..mappings import read_mapping_file
from ..read import workbook_files
from ..report.table import Report
from ..report.text import console
from ..safety import display_name, readable_text
from ..values import NumberError, number_in_range
from . import UsageError
from .output import FindingScope, add_output_options, exit_status, output_format, show

PROGRESS_MIN_BOOKS = 8   # a batch this big gets a progress bar on a terminal

__all__ = ["FindingScope", "Report", "add_output_options", "exit_status", "output_format", "show"]


def as_of_date(text: str) -> dt.date:
    """An ISO date between 1901 and 9998 (fiscal years and quarters around it must exist)."""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2027-03-01") from None
    if not 1901 <= day.year <= 9998:
        raise argparse.ArgumentTypeError(f"'{text}' is outside the years 1901 to 9998")
    return day


MAX_TARGET = Decimal(100)   # 100× remaining quota: far above any sales plan, far below overflow


def coverage_target(text: str) -> float:
    """`--target X` of every command: a coverage multiple above 0 and at most 100."""
    try:
        return float(number_in_range(text, Decimal(0), MAX_TARGET, low_open=True))
    except NumberError as error:
        raise argparse.ArgumentTypeError(f"the target is a coverage multiple: {error}") from None


MAX_BOOK_SECONDS = Decimal(7 * 24 * 3600)   # a week: past that a limit means "none"


def book_timeout(text: str | float) -> float:
    """`--book-timeout SECONDS` (and mom.toml's `book-timeout`): above 0, at most a week."""
    try:
        return float(number_in_range(text, Decimal(0), MAX_BOOK_SECONDS, low_open=True))
    except NumberError as error:
        raise argparse.ArgumentTypeError(f"the time limit is in seconds: {error}") from None


def add_as_of(parser: argparse.ArgumentParser, help: str | None = None) -> None:
    parser.add_argument("--as-of", type=as_of_date, default=None, metavar="DATE",
                        help=help or "the date figures are computed at (default: today), "
                                     "e.g. 2027-03-01")


def add_json(parser: argparse.ArgumentParser) -> None:
    """The output options every report command has (see `output.add_output_options`)."""
    add_output_options(parser)


def input_books(paths: Sequence[str]) -> list[Path]:
    """Expand PATHs to workbook files. Nothing to read — a missing path, an empty folder, a
    folder or glob with no workbook — is a usage error (exit 2) naming the path as given."""
    files: list[Path] = []
    for given in paths:
        found = workbook_files([given])
        if not found or not any(f.exists() for f in found):
            raise UsageError(nothing_to_read(str(given)))
        files.extend(found)
    return list(dict.fromkeys(files))


def nothing_to_read(given: str) -> str:
    path = Path(given)
    if path.is_dir():
        empty = not any(path.iterdir())
        return f"{given}: {'the folder is empty' if empty else 'no workbook in this folder'}"
    if any(ch in given for ch in "*?["):
        return f"{given}: no workbook matches"
    return f"{given}: no such file or folder"


def book_names(files: Sequence[Path]) -> dict[Path, str]:
    """How findings name each book: its file name, or its path where names collide (bytes
    that are not UTF-8 shown escaped, `caf\\xe9.xlsx`)."""
    names = [display_name(f) for f in files]
    return {f: (name if names.count(name) == 1 else readable_text(str(f)))
            for f, name in zip(files, names, strict=True)}


def add_exports(parser: argparse.ArgumentParser, *, crm: bool = True,
                leads: bool = True) -> None:
    """--crm / --leads (vendor exports read as Opportunities / Leads) and --map (TOML)."""
    if crm:
        parser.add_argument("--crm", metavar="FILE", default=None,
                            help="a CRM opportunity export (Salesforce report or HubSpot deals; "
                                 "CSV or xlsx) read as the Opportunities: each opportunity goes "
                                 "to the workbook whose Quotas name its owner, else the first")
    if leads:
        parser.add_argument("--leads", metavar="FILE", default=None,
                            help="a marketing-automation export (HubSpot contacts, Marketo "
                                 "leads; CSV or xlsx) read as the Leads: each lead goes to the "
                                 "workbook whose Campaigns know its campaign, else the first")
    parser.add_argument("--map", metavar="FILE", default=None,
                        help="a TOML file mapping the export's stages, headers and campaign "
                             "sources onto ours (on top of each workbook's Mappings sheet)")


def exports_of(args: argparse.Namespace) -> ExportFiles:
    """The exports a command was given; a --map file that cannot be used is bad usage."""
    crm, leads, mapping = (getattr(args, name, None) for name in ("crm", "leads", "map"))
    return ExportFiles(crm=Path(crm) if crm else None, leads=Path(leads) if leads else None,
                       mapping=read_mapping_file(mapping) if mapping else None)


def with_exports(scope: FindingScope, args: argparse.Namespace) -> FindingScope:
    """A report read from --crm / --leads exports: every finding in those files bears on it."""
    given = (getattr(args, name, None) for name in ("crm", "leads"))
    return scope.with_books(*(Path(path).name for path in given if path))


def worker_count(text: str) -> int:
    """--workers: a whole number of processes, at least 1."""
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of workers (1 or more)")
    return count


def add_workers(parser: argparse.ArgumentParser) -> None:
    """--workers and --book-timeout of a command over several workbooks (`analyze_inputs`)."""
    parser.add_argument("--workers", type=worker_count, default=None, metavar="N",
                        help="worker processes reading several workbooks at once (default: "
                             "CPU count; 1: one after another in this process)")
    parser.add_argument("--book-timeout", type=book_timeout, default=None, metavar="SECONDS",
                        help="the longest one workbook may take in a worker process (default: "
                             "300 seconds); a workbook past it becomes a book-timeout error "
                             "and the others are still read")


def context_of(args: argparse.Namespace, **overrides: Any) -> Context:
    """The check context for a command: its --as-of (default today), its exports and any
    overrides."""
    as_of = getattr(args, "as_of", None)
    return Context(**({"as_of": as_of} if as_of else {}), exports=exports_of(args), **overrides)


def analyze_inputs(paths: Sequence[str], context: Context, args: argparse.Namespace | None = None
                   ) -> Iterator[tuple[Path, str, Analysis]]:
    """Each input workbook analysed, in input order: (path, the name findings use, its
    Analysis).

    Several books are analysed in worker processes (the command's --workers, default one per
    CPU; 1: one after another in this process) and handed over in input order as they are ready,
    so a command over many books holds only what it keeps of each, and a book that crashes its
    reader or runs past --book-timeout (300 seconds by default) is one finding. With exports
    every book is read first in this process, to share the export out among them."""
    files = input_books(paths)
    names = book_names(files)
    if context.exports:
        analyses = analyze_books([(path, names[path]) for path in files], context)
        yield from ((path, names[path], a) for path, a in zip(files, analyses, strict=True))
        return
    workers = min(getattr(args, "workers", None) or os.cpu_count() or 1, len(files))
    if workers > 1:
        yield from _analyze_in_workers(files, names, context, workers,
                                       getattr(args, "book_timeout", None))
        return
    for path in files:
        yield path, names[path], analyze_book(path, name=names[path], context=context)


def _analyze_in_workers(files: list[Path], names: dict[Path, str], context: Context,
                        workers: int,
                        book_timeout: float | None) -> Iterator[tuple[Path, str, Analysis]]:
    from ..consolidate import DEFAULT_BOOK_TIMEOUT, LocalExecutor, Options, analysis_job
    jobs = [(path, names[path], index, context) for index, path in enumerate(files)]
    ready: dict[int, Any] = {}
    done = 0
    with LocalExecutor(workers, book_timeout=book_timeout or DEFAULT_BOOK_TIMEOUT) as executor:
        for result in executor.stream(analysis_job, jobs, Options(as_of=context.as_of),
                                      4 * executor.workers):
            ready[result.index] = result
            while done in ready:                  # input order, whatever order they finish in
                path, result = files[done], ready.pop(done)
                done += 1
                yield path, names[path], result.analysis or _lost(path, names[path], result)


def _lost(path: Path, name: str, result: Any) -> Analysis:
    """The Analysis of a book whose worker died or ran out of time: unread, its finding."""
    book = Book(path=path, name=name, readable=False, findings=list(result.findings))
    return Analysis(book, list(result.findings))


def analyze_one(path: str, context: Context, command: str) -> Analysis:
    """The single workbook a one-book command (spend, realign, schedule) works on."""
    files = input_books([path])
    if len(files) != 1:
        raise UsageError(f"{command} takes one workbook; {path} holds {len(files)}")
    return analyze_book(files[0], context=context)


class progress_bar:
    """A rich progress bar on stderr for batches big enough to wait for; a no-op otherwise
    (and when stderr is not a terminal, so logs and --json pipelines stay clean)."""

    def __init__(self, total: int, label: str) -> None:
        self.total, self.label = total, label
        self.progress: Any = None

    def __enter__(self) -> Callable[[Any], None]:
        if self.total >= PROGRESS_MIN_BOOKS and sys.stderr.isatty():
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                       TimeRemainingColumn)
            self.progress = Progress(TextColumn(self.label), BarColumn(),
                                     MofNCompleteColumn(), TimeRemainingColumn(),
                                     console=console(stderr=True), transient=True)
            self.progress.start()
            task = self.progress.add_task("books", total=self.total)
            return lambda result: self.progress.advance(task)
        return lambda result: None

    def __exit__(self, *exc: Any) -> None:
        if self.progress is not None:
            self.progress.stop()
