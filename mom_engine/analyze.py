"""The named stages for one book: read → check structure → domain checks (SPEC §2, STYLE 5).

The CLI, the UDF macros and the consolidation workers all go through `analyze_book`, so a
workbook means the same thing everywhere. Domain modules (spend, schedule, pipeline, funnel,
assets…) contribute a check function `check(book, context) -> list[Finding]` to `DOMAIN_CHECKS`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable, Sequence

from .exports import ExportFiles, attach_exports
from .findings import Finding, make_finding, sort_findings
from .model import Book
from .read import read_book
from .structure import check_structure


@dataclass(frozen=True)
class Context:
    """What a check needs besides the book: the as-of date and command-line overrides."""

    as_of: dt.date = field(default_factory=dt.date.today)
    coverage_target: float | None = None
    exports: ExportFiles = field(default_factory=ExportFiles)   # --crm, --leads, --map
    # Spend figures as they stood on this day (`--as-of` given to spend, realign, reconcile,
    # consolidate); None: every document, whatever its date (SPEC §5).
    spend_as_of: dt.date | None = None


Check = Callable[[Book, Context], list[Finding]]

# Domain checks, in report order. Each module adds its own entry here.
DOMAIN_CHECKS: list[Check] = []


@dataclass
class Analysis:
    book: Book
    findings: list[Finding]

    @property
    def readable(self) -> bool:
        return self.book.readable


def analyze_book(path: str | Path, *, name: str | None = None,
                 context: Context | None = None) -> Analysis:
    """Read, validate and check one workbook. Never raises for bad input."""
    context = context or Context()
    return analyze_books([(Path(path), name)], context)[0]


def analyze_books(inputs: Sequence[tuple[Path, str | None]], context: Context) -> list[Analysis]:
    """Several workbooks that share the command line's exports: read them all, give each its
    share of the --crm / --leads exports (`exports.attach_exports`), then check each."""
    mapping = context.exports.mapping
    books = [read_book(path, name=name, mapping=mapping) for path, name in inputs]
    attach_exports(books, context.exports)
    return [Analysis(book, check_book(book, context)) for book in books]


def check_book(book: Book, context: Context) -> list[Finding]:
    """Structure checks then every domain check; a crashing check becomes a finding."""
    findings = list(book.findings)
    if not book.readable:
        return findings
    findings += check_structure(book)
    for check in DOMAIN_CHECKS:
        try:
            findings += check(book, context)
        except Exception as error:  # a bug must not lose the rest of the book's findings
            findings.append(make_finding(
                "internal-error",
                f"internal error in {getattr(check, '__name__', 'a check')} while checking "
                f"{book.name}: {type(error).__name__}: {error}; please report it",
                book=book.name))
    return sort_findings(findings)


# --- domain checks register themselves here (imports at the bottom avoid cycles) -------------
from .schedule import check_schedule  # noqa: E402
from .assets import check_assets  # noqa: E402
from .spend import check_spend  # noqa: E402
from .pipeline import check_pipeline  # noqa: E402
from .funnel import check_funnel  # noqa: E402
from .accounts import check_accounts  # noqa: E402
from .capacity import check_capacity  # noqa: E402
from .scorecard import check_performance  # noqa: E402

DOMAIN_CHECKS.append(check_spend)
DOMAIN_CHECKS.append(check_schedule)
DOMAIN_CHECKS.append(check_assets)
DOMAIN_CHECKS.append(check_pipeline)
DOMAIN_CHECKS.append(check_funnel)
DOMAIN_CHECKS.append(check_accounts)
DOMAIN_CHECKS.append(check_capacity)
DOMAIN_CHECKS.append(check_performance)

from .formulas import check_formulas  # noqa: E402  (SPEC §14 formula-overwritten)

DOMAIN_CHECKS.append(check_formulas)
