"""Shared command-line pieces: options, book naming, findings output and exit status."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from ..analyze import Analysis, Context, analyze_book, analyze_books
from ..exports import ExportFiles
from ..mappings import read_mapping_file
from ..findings import Finding, has_errors
from ..read import workbook_files
from ..report.json import dumps, findings_json
from ..report.text import console, print_findings
from . import EXIT_FINDINGS, EXIT_OK, UsageError


def as_of_date(text: str) -> dt.date:
    """An ISO date between 1901 and 9998 (fiscal years and quarters around it must exist)."""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2027-03-01") from None
    if not 1901 <= day.year <= 9998:
        raise argparse.ArgumentTypeError(f"'{text}' is outside the years 1901 to 9998")
    return day


def add_as_of(parser: argparse.ArgumentParser, help: str | None = None) -> None:
    parser.add_argument("--as-of", type=as_of_date, default=None, metavar="DATE",
                        help=help or "the date figures are computed at (default: today), "
                                     "e.g. 2027-03-01")


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def input_books(paths: Sequence[str]) -> list[Path]:
    """Expand PATHs to workbook files; no file at all is a usage error (exit 2)."""
    files = workbook_files(paths)
    if not files:
        raise UsageError(f"no workbook found in {' '.join(paths)}")
    return files


def book_names(files: Sequence[Path]) -> dict[Path, str]:
    """How findings name each book: its file name, or its path where names collide."""
    names = [f.name for f in files]
    return {f: (f.name if names.count(f.name) == 1 else str(f)) for f in files}


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


def context_of(args: argparse.Namespace, **overrides: Any) -> Context:
    """The check context for a command: its --as-of (default today), its exports and any
    overrides."""
    as_of = getattr(args, "as_of", None)
    return Context(**({"as_of": as_of} if as_of else {}), exports=exports_of(args), **overrides)


def analyze_inputs(paths: Sequence[str], context: Context) -> Iterator[tuple[Path, str, Analysis]]:
    """Each input workbook analysed in turn: (path, the name findings use, its Analysis).

    One book at a time, so a command over many books holds only what it keeps of each — unless
    exports are given: then every book is read first, to share the export out among them."""
    files = input_books(paths)
    names = book_names(files)
    if context.exports:
        analyses = analyze_books([(path, names[path]) for path in files], context)
        yield from ((path, names[path], a) for path, a in zip(files, analyses, strict=True))
        return
    for path in files:
        yield path, names[path], analyze_book(path, name=names[path], context=context)


def analyze_one(path: str, context: Context, command: str) -> Analysis:
    """The single workbook a one-book command (spend, realign, schedule) works on."""
    files = input_books([path])
    if len(files) != 1:
        raise UsageError(f"{command} takes one workbook; {path} holds {len(files)}")
    return analyze_book(files[0], context=context)


def exit_status(findings: Iterable[Finding]) -> int:
    return EXIT_FINDINGS if has_errors(findings) else EXIT_OK


def emit(document: dict[str, Any], findings: list[Finding], as_json: bool,
         render_text: Any = None) -> int:
    """Print the result as JSON or as text (render_text, then the findings); return the status."""
    if as_json:
        document = {**document, "findings": findings_json(findings)}
        sys.stdout.write(dumps(document) + "\n")
    else:
        out = console()
        if render_text:
            render_text(out)
        print_findings(findings, out)
    return exit_status(findings)
