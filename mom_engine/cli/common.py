"""Shared command-line pieces: options, book naming, findings output and exit status."""
from __future__ import annotations

import argparse
import datetime as dt
from decimal import Decimal
from pathlib import Path
from collections.abc import Iterator, Sequence
from typing import Any

from ..analyze import Analysis, Context, analyze_book
from ..findings import Finding
from ..read import workbook_files
from ..report.text import console
from ..report.table import Report
from ..safety import display_name, readable_text
from ..values import NumberError, number_in_range
from . import UsageError
from .output import FindingScope, add_output_options, exit_status, output_format, show

__all__ = ["FindingScope", "Report", "add_output_options", "exit_status", "show"]


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


def context_of(args: argparse.Namespace, **overrides: Any) -> Context:
    """The check context for a command: its --as-of (default today) and any overrides."""
    as_of = getattr(args, "as_of", None)
    return Context(**({"as_of": as_of} if as_of else {}), **overrides)


def analyze_inputs(paths: Sequence[str], context: Context) -> Iterator[tuple[Path, str, Analysis]]:
    """Each input workbook analysed in turn: (path, the name findings use, its Analysis).

    One book at a time, so a command over many books holds only what it keeps of each."""
    files = input_books(paths)
    names = book_names(files)
    for path in files:
        yield path, names[path], analyze_book(path, name=names[path], context=context)


def analyze_one(path: str, context: Context, command: str) -> Analysis:
    """The single workbook a one-book command (spend, realign, schedule) works on."""
    files = input_books([path])
    if len(files) != 1:
        raise UsageError(f"{command} takes one workbook; {path} holds {len(files)}")
    return analyze_book(files[0], context=context)


def emit(document: dict[str, Any], findings: list[Finding],
         args: argparse.Namespace | bool, render_text: Any = None) -> int:
    """Print a document (as JSON) or its rendering, then every finding; return the status.

    For commands not yet declared with table specs (`args` may still be the old `as_json`
    flag): prefer `show` with a `Report` and a `FindingScope`."""
    if isinstance(args, bool):
        args = argparse.Namespace(format="json" if args else "table")
    if output_format(args) != "json" and render_text:
        render_text(console())
    return show(args, Report(document), findings)
