"""The worker: read, validate and roll up ONE book into a small `BookResult` (SPEC §11).

It never raises: a failure of any kind becomes a `book-unreadable` finding naming the file and
the reason. With `options.detail_dir` it writes the book's accepted rows as Parquet itself, so
row-level data never travels through the parent process.
"""
from __future__ import annotations

import hashlib
import traceback
import os
import stat
from pathlib import Path

import pandas as pd

from ..analyze import analyze_book
from ..domains import DOMAINS
from ..exports import BookClaims, ExportShare
from ..findings import Finding, Severity, make_finding
from ..model import Book, Context, ExportFiles
from ..read import read_book
from ..safety import display_name, readable_text
from .detail import detail_tables
from .results import (STATUS_ENCRYPTED, STATUS_MISSING, STATUS_UNREADABLE, BookResult,
                      Options, SheetCount)


def process_book(path: str | Path, options: Options, name: str | None = None,
                 index: int = 0, share: ExportShare | None = None) -> BookResult:
    """Read, validate and roll up one book (SPEC §11). Never raises: a failure of any kind
    becomes a `book-unreadable` finding that names the file and the reason. `share`: the
    book's rows of the --crm / --leads exports (`exports.share_exports`)."""
    path = Path(path)
    result = BookResult(index=index, path=readable_text(str(path)),
                        name=name or display_name(path))
    try:
        result.size, result.sha256 = file_identity(path)
    except OSError as error:
        if not path.is_symlink():   # a dangling or looping link: read_book says which
            return failed_result(result, f"{result.name} cannot be read "
                                         f"({error.strerror or error})", status=STATUS_MISSING)
    try:
        analysis = analyze_book(path, name=result.name, share=share,
                                context=Context(as_of=options.as_of,
                                                coverage_target=options.coverage_target,
                                                spend_as_of=options.spend_as_of,
                                                exports=ExportFiles(mapping=options.mapping)))
        fill_result(result, analysis.book, analysis.findings, options)
    except Exception as error:  # a bug in the engine must not cost the batch (SPEC §15)
        return failed_result(result, f"internal error while processing {result.name}: "
                                     f"{type(error).__name__}: {error}; please report it")
    return result


def analysis_job(path: str | Path, options: Options, name: str | None = None, index: int = 0,
                 context: Context | None = None) -> BookResult:
    """The worker of a command over several books (`cli.common.analyze_inputs`): the book's
    whole `Analysis` (read, normalised, checked in `context`) in `result.analysis`, its memo
    dropped: memoised figures may hold functions, which do not travel, and the command computes
    what it shows itself. `options` is the executor's; the context is the command's."""
    result = BookResult(index=index, path=readable_text(str(path)),
                        name=name or display_name(Path(path)))
    analysis = analyze_book(path, name=result.name, context=context)
    analysis.book.forget_rollups()
    result.analysis = analysis
    return result


def claim_book(path: str | Path, options: Options, name: str | None = None,
                index: int = 0) -> BookResult:
    """The claiming pass of --crm / --leads: read one book and send back what it claims of the
    exports (`exports.BookClaims`: its Quotas reps, its campaigns), so the parent can share the
    exports' rows out before the books are processed. A book that cannot be read claims
    nothing (its finding comes from `process_book`)."""
    result = BookResult(index=index, path=readable_text(str(path)),
                        name=name or display_name(Path(path)))
    try:
        book = read_book(path, name=result.name, mapping=options.mapping)
        if book.readable:
            result.claims = BookClaims.of(book)
        else:
            result.status = STATUS_UNREADABLE
    except Exception as error:  # process_book reports it
        result.status, result.reason = STATUS_UNREADABLE, f"{type(error).__name__}: {error}"
    return result


def failed_result(result: BookResult, reason: str, *, status: str = STATUS_UNREADABLE,
                  code: str = "book-unreadable") -> BookResult:
    result.status, result.reason = status, reason
    result.findings = [make_finding(code, reason, book=result.name)]
    result.sheets, result.tables, result.totals = [], {}, None
    return result


def file_identity(path: Path) -> tuple[int, str]:
    """(size in bytes, sha256 hex) of a file, read in 1 MB blocks; the file is only read.
    Not a regular file (a FIFO would block this open forever): (0, "") without reading it —
    `read_book` refuses it with a finding."""
    digest = hashlib.sha256()
    size = 0
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        return 0, ""
    with os.fdopen(descriptor, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def fill_result(result: BookResult, book: Book, findings: list[Finding],
                options: Options) -> None:
    plan = book.plan
    result.findings = findings
    if not book.readable:
        codes = {f.code for f in book.findings}
        result.status = STATUS_ENCRYPTED if "book-encrypted" in codes else STATUS_UNREADABLE
        result.reason = next((f.message for f in book.findings
                              if f.code in ("book-encrypted", "book-unreadable")), None)
        return
    result.plan_id, result.team, result.currency = plan.plan_id, plan.team, plan.currency
    result.plan_cell, result.plan_sheet = book.plan_cells.get("Plan ID"), book.plan_sheet or "Plan"
    result.fiscal_year = plan.fiscal_year
    result.coverage_target = (options.coverage_target if options.coverage_target is not None
                              else plan.coverage_target)
    result.sheets = sheet_counts(book)
    result.po_numbers = po_keys(book)
    result.quotas = quota_keys(book)
    for domain in DOMAINS:
        if domain.roll_up is None:
            continue
        try:
            domain.roll_up(book, result, options)
        except Exception as error:  # a rollup bug loses that domain's figures, not the book
            result.findings.append(make_finding(
                "internal-error", f"internal error rolling up {domain.name} for {book.name}: "
                                   f"{type(error).__name__}: {error}; please report it",
                book=book.name, severity=Severity.WARNING, traceback=traceback.format_exc()))
    if options.detail_dir:
        result.detail = detail_tables(book, result)


def sheet_counts(book: Book) -> list[SheetCount]:
    """Rows read / consolidated (accepted) / rejected for every sheet the book has."""
    counts = []
    for name, table in book.tables.items():
        if not table.present:
            continue
        read, rejected = table.rows_read, table.rows_rejected
        counts.append(SheetCount(name, table.title or name, read, read - rejected, rejected))
    return counts


def po_keys(book: Book) -> list[tuple[str, str | None, str]]:
    table = book.table("PurchaseOrders")
    rows = table.rows
    if rows.empty:
        return []
    title = table.title or "PurchaseOrders"
    numbers = rows["PO Number"].astype("string").str.strip()
    return [(po, table.cell("PO Number", int(row)), title)
            for po, row in zip(numbers.tolist(), rows["_row"].tolist(), strict=True)
            if isinstance(po, str)]


def quota_keys(book: Book) -> list[tuple[str, str, int, str | None, str]]:
    table = book.table("Quotas")
    rows = table.rows
    if rows.empty:
        return []
    title = table.title or "Quotas"
    reps = rows["Rep"].astype("string").str.strip().tolist()
    quarters = rows["Quarter"].astype("string").tolist()
    amounts = rows["Quota"].tolist()
    keys = []
    for rep, quarter, amount, row in zip(reps, quarters, amounts, rows["_row"].tolist(), strict=True):
        if isinstance(rep, str) and isinstance(quarter, str) and not pd.isna(amount):
            keys.append((rep, quarter, int(amount), table.cell("Quota", int(row)), title))
    return keys
