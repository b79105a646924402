"""The named stages for one book: read → normalise → check structure → domain checks (SPEC §2,
STYLE 5).

The CLI, the UDF macros and the consolidation workers all go through `analyze_book`, so a
workbook means the same thing everywhere. Each domain (`domains/`: spend, schedule, assets,
pipeline, funnel, accounts, capacity, scorecard, formulas) provides one check
`check(book, context) -> list[Finding]`; `domains.DOMAINS` lists them once, in report order.
"""
from __future__ import annotations

import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .domains import DOMAINS, Check
from .exports import ExportShare, attach_exports, attach_share
from .findings import Finding, make_finding, sort_findings
from .model import Book, Context
from .normalise import normalise
from .read import read_book
from .structure import check_structure

__all__ = ["DOMAIN_CHECKS", "Analysis", "Context", "analyze_book", "check_book"]

# The domains' checks, in the order `DOMAINS` declares them (report order).
DOMAIN_CHECKS: tuple[Check, ...] = tuple(domain.check for domain in DOMAINS if domain.check)


@dataclass
class Analysis:
    book: Book
    findings: list[Finding]

    @property
    def readable(self) -> bool:
        return self.book.readable


def analyze_book(path: str | Path, *, name: str | None = None, context: Context | None = None,
                 share: ExportShare | None = None) -> Analysis:
    """Read, validate and check one workbook. Never raises for bad input. `share`: its rows
    of the exports, already shared out among several workbooks (a consolidation worker)."""
    context = context or Context()
    if share is None:
        return analyze_books([(Path(path), name)], context)[0]
    book = read_book(path, name=name, mapping=context.exports.mapping)
    if book.readable:
        attach_share(book, share)
    return Analysis(book, check_book(book, context))


def analyze_books(inputs: Sequence[tuple[Path, str | None]], context: Context) -> list[Analysis]:
    """Several workbooks that share the command line's exports: read them all, give each its
    share of the --crm / --leads exports (`exports.attach_exports`), then check each."""
    mapping = context.exports.mapping
    books = [read_book(path, name=name, mapping=mapping) for path, name in inputs]
    attach_exports(books, context.exports)
    return [Analysis(book, check_book(book, context)) for book in books]


def check_book(book: Book, context: Context) -> list[Finding]:
    """The stages after reading: normalise (reject and respell rows), structure checks, then
    every domain check; a crashing check becomes a finding."""
    findings = list(book.findings)
    if not book.readable:
        return findings
    findings += normalise(book)
    findings += check_structure(book)
    for check in DOMAIN_CHECKS:
        try:
            findings += check(book, context)
        except Exception as error:  # a bug must not lose the rest of the book's findings
            findings.append(make_finding(
                "internal-error",
                f"internal error in {getattr(check, '__name__', 'a check')} while checking "
                f"{book.name}: {type(error).__name__}: {error}; please report it",
                book=book.name, traceback=traceback.format_exc()))
    return sort_findings(findings)
