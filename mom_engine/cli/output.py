"""How every report command shows its result: the format, and which findings go with it.

A report command passes its `Report` (tables for people, a document for JSON), every finding
of its books and its `FindingScope`. Shown are the findings that bear on the report — those of
its own checks, and reading or structure problems in the sheets it reads — unless
`--all-findings`; `--severity` keeps only that severity and worse. One line says how many
others there are and which command lists them. The exit status follows what is shown.
"""
from __future__ import annotations

import argparse
import shlex
import sys
from dataclasses import dataclass, replace
from typing import Any
from collections.abc import Iterable, Sequence

from ..findings import CATALOGUE, Finding, Severity, has_errors
from ..report.json import dumps, findings_json
from ..report.table import Report
from ..report.text import print_findings, write_tables
from ..report.writers import FORMATS, write_csv, write_markdown
from ..sheets import SHEET_NAMES, normalise_name
from . import EXIT_FINDINGS, EXIT_OK

# Catalogue sections of the checks every sheet can fail: reading, structure, fiscal calendar.
STRUCTURE_SECTIONS = frozenset({"§3", "§4", "§10"})
SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True)
class FindingScope:
    """The findings that bear on one report: its checks (catalogue sections or codes), and
    the structure problems of the sheets it reads. Plan problems and book-level findings (an
    unreadable book, a crashed check) bear on every report."""

    sheets: frozenset[str]
    sections: frozenset[str] = frozenset()
    codes: frozenset[str] = frozenset()
    books: frozenset[str] = frozenset()    # files whose every finding bears (a ledger)
    located: frozenset[str] = frozenset()  # codes that bear when on a sheet the report reads

    @classmethod
    def of(cls, sheets: Iterable[str], sections: Iterable[str] = (),
           codes: Iterable[str] = (), located: Iterable[str] = ()) -> FindingScope:
        return cls(frozenset({"Plan", *sheets}), frozenset(sections), frozenset(codes),
                   located=frozenset(located))

    def with_books(self, *books: str) -> FindingScope:
        return replace(self, books=self.books | frozenset(books))

    def bears(self, finding: Finding) -> bool:
        entry = CATALOGUE.get(finding.code)
        if entry is None or finding.code in self.codes or entry.section in self.sections:
            return True
        if finding.book in self.books:
            return True
        if entry.section not in STRUCTURE_SECTIONS and finding.code not in self.located:
            return False
        if finding.sheet is None:
            return True
        return SHEET_NAMES.get(normalise_name(finding.sheet), finding.sheet) in self.sheets


def add_output_options(parser: argparse.ArgumentParser, findings: bool = True) -> None:
    """--format (and --json), and for commands with findings --severity and --all-findings."""
    group = parser.add_argument_group("output")
    group.add_argument("--format", choices=FORMATS, default=None,
                       help="table (default), csv (the tables as data; findings on stderr), "
                            "markdown, or json (one document on stdout)")
    group.add_argument("--json", dest="format", action="store_const", const="json",
                       help="the same as --format json")
    if findings:
        group.add_argument("--severity", choices=("error", "warning"), default=None,
                           help="show only findings of this severity or worse")
        group.add_argument("--all-findings", action="store_true",
                           help="show every finding of the books, not only those that bear "
                                "on this report")


def output_format(args: argparse.Namespace) -> str:
    return getattr(args, "format", None) or "table"


def select_findings(findings: Sequence[Finding], args: argparse.Namespace,
                    scope: FindingScope | None) -> tuple[list[Finding], int, int]:
    """(the findings to show, how many do not bear on the report, how many are less severe
    than --severity asks)."""
    shown = list(findings)
    if scope is not None and not getattr(args, "all_findings", False):
        shown = [f for f in shown if scope.bears(f)]
    elsewhere = len(findings) - len(shown)
    severity = getattr(args, "severity", None)
    if severity:
        worst = SEVERITY_RANK[Severity(severity)]
        shown = [f for f in shown if SEVERITY_RANK[f.severity] <= worst]
    return shown, elsewhere, len(findings) - elsewhere - len(shown)


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def others_line(elsewhere: int, milder: int, args: argparse.Namespace,
                paths: Sequence[str]) -> str:
    """`58 other findings — mom validate BOOK lists them`, and what --severity leaves out."""
    parts = []
    if elsewhere:
        where = ("mom validate " + shlex.join([str(p) for p in paths]) + " lists them" if paths
                 else "--all-findings shows them")
        parts.append(f"{plural(elsewhere, 'other finding')} — {where}")
    if milder:
        parts.append(f"{plural(milder, 'finding')} not shown (--severity {args.severity})")
    return "; ".join(parts)


def exit_status(findings: Iterable[Finding]) -> int:
    return EXIT_FINDINGS if has_errors(findings) else EXIT_OK


DEBUG = False   # `mom --debug`: internal-error findings also print their traceback on stderr


def show(args: argparse.Namespace, report: Report, findings: Sequence[Finding], *,
         scope: FindingScope | None = None, paths: Sequence[str] = (),
         limit: int | None = None, quiet: bool = False, more: str = "") -> int:
    """Write the report in the format asked for, with its findings; return the exit status.

    `quiet`: the report's own lines already say there is nothing wrong (no count line);
    `limit`: list at most this many findings, `more` saying where the rest are."""
    if DEBUG:
        for finding in findings:
            if finding.traceback:
                print(f"{finding.location} {finding.code}:\n{finding.traceback}", file=sys.stderr)
    shown, elsewhere, milder = select_findings(findings, args, scope)
    others = others_line(elsewhere, milder, args, paths)
    fmt = output_format(args)
    if fmt == "json":
        document: dict[str, Any] = {**report.document, "findings": findings_json(shown)}
        if elsewhere + milder:
            document["other_findings"] = elsewhere + milder
        sys.stdout.write(dumps(document) + "\n")
    elif fmt == "csv":
        write_csv(report.tables)
        sys.stdout.flush()
        print_findings(shown, sys.stderr, others=others)
    elif fmt == "markdown":
        write_markdown(report, shown, others)
    else:
        write_tables(report.tables, report.notes)
        if quiet and not shown and not others:
            return exit_status(shown)
        if report.tables or report.notes:
            sys.stdout.write("\n")
        print_findings(shown, sys.stdout, others=others, limit=limit, more=more)
    return exit_status(shown)
