"""Many team workbooks → one consolidated view (SPEC §11, §15).

Three parts, each small:

- **the worker** `process_book(path, options)`: reads, validates and rolls up ONE book through
  `analyze.analyze_book` and returns a small picklable `BookResult` (plan summary, findings, row
  accounting per sheet, file identity, small rollup tables, the keys cross-book checks need).
  It never raises. With `options.detail_dir` it writes the book's accepted rows as Parquet parts
  itself, so row-level data never travels through the parent process.
- **executors**: the same worker runs in a local `ProcessPoolExecutor` (`LocalExecutor`) or on a
  Dask cluster (`DaskExecutor`). Both stream results back as they complete, keeping only a
  bounded window of books in flight, so memory does not grow with the number of books.
  A worker process that dies (BrokenProcessPool, KilledWorker) becomes a `book-unreadable`
  finding for the book that killed it; the rest of the batch goes on.
- **the merge** `Consolidation.add(result)` folds each result in as it arrives (cross-book
  checks `duplicate-plan`, `duplicate-po`, `quota-conflict`; reporting-currency conversion;
  row accounting) and `Consolidation.report()` returns a `ConsolidatedReport` of DataFrames.
  Rendering (xlsx, JSON, text) lives in `report/`.

Money is integer cents throughout. Conversion to the reporting currency multiplies by the
exact decimal rate and rounds half away from zero per book figure, then sums integers.

Decisions where the SPEC is silent:
- Reporting currency without `--currency`: the plan currency most books use (ties: the
  alphabetically first). Books in another currency get a book-level `rate-missing` and are
  left out of the money totals (shown in their own currency in Teams), never guessed.
- Cross-book checks compare keys trimmed and case-insensitively (Plan ID, PO Number, rep); the
  quarter is each book's own label. The first book in input order owns a key; each later book
  carrying it gets the finding at its own cell — whatever order the workers finish in, so a
  pool and a Dask cluster give identical results. Duplicates inside one book are the
  reader's `id-duplicate`, not `duplicate-po`.
- Row accounting counts the tabular sheets a book has; Plan and Lists are settings, not records.
- Overspend of a team is Σ over its activities of max(0, committed + spent − budgeted).
- Coverage across books: one rep is one rep; open, won and weighted are summed; equal quotas
  count once and conflicting ones use the largest (as `pipeline` decides for several books).
- G/L by Month is summed across books (account × calendar month); per-book rows are in
  `--detail`. Schedule lists campaigns lowest SPI first.
- A bug in one domain's roll-up costs that domain's figures for the book (a `book-unreadable`
  warning names it), not the book. A worker process that dies is retried alone in a fresh
  process; if it dies again the book is `book-unreadable`. There is no per-book time limit.
- `--detail DIR`: parts are `DIR/<Sheet>/part-<input index>.parquet`, written atomically by the
  workers; parts of that name left by an earlier run are removed first.
"""
from __future__ import annotations

import concurrent.futures as cf
import csv
import datetime as dt
import hashlib
import os
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .analyze import Context, analyze_book
from .findings import Finding, Severity, make_finding, sort_findings
from .model import Book
from .sheets import normalise_name

MONEY_FIGURES = ("budgeted", "planned", "committed", "spent", "remaining", "unplanned")
TOTAL_FIGURES = ("budgeted", "committed", "spent", "remaining")
CHUNK_BOOKS = 64   # the merge folds per-book rollup frames into one every this many books
STATUS_READ, STATUS_UNREADABLE, STATUS_ENCRYPTED, STATUS_MISSING = (
    "read", "unreadable", "encrypted", "missing")


# --- what travels: options in, a small result out ------------------------------------------

@dataclass(frozen=True)
class Options:
    """What every worker needs besides the path (picklable, sent with each book)."""

    as_of: dt.date = field(default_factory=dt.date.today)
    coverage_target: float | None = None
    detail_dir: str | None = None


@dataclass(frozen=True)
class SheetCount:
    """Row accounting for one sheet of one book: read = consolidated + rejected (SPEC §11)."""

    sheet: str          # canonical sheet name
    title: str          # the sheet's name in the workbook
    read: int
    consolidated: int
    rejected: int


@dataclass
class BookResult:
    """Everything the parent needs about one book; small (no row-level frames)."""

    index: int
    path: str
    name: str
    size: int | None = None
    sha256: str | None = None
    status: str = STATUS_READ
    reason: str | None = None
    plan_id: str | None = None
    plan_cell: str | None = None
    plan_sheet: str = "Plan"
    team: str | None = None
    currency: str = "USD"
    fiscal_year: int | None = None
    coverage_target: float = 2.5
    findings: list[Finding] = field(default_factory=list)
    sheets: list[SheetCount] = field(default_factory=list)
    # small rollup tables, money in plan-currency cents; a missing key = domain not available
    totals: dict[str, int] | None = None
    overspend: int | None = None
    schedule: dict[str, Any] | None = None     # plan % complete, SPI, late tasks
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    # cross-book keys
    po_numbers: list[tuple[str, str | None, str]] = field(default_factory=list)  # (PO, cell, sheet)
    quotas: list[tuple[str, str, int, str | None, str]] = field(default_factory=list)
    detail_parts: list[str] = field(default_factory=list)

    @property
    def readable(self) -> bool:
        return self.status == STATUS_READ


# --- the worker -------------------------------------------------------------------------------

def process_book(path: str | Path, options: Options, name: str | None = None,
                 index: int = 0) -> BookResult:
    """Read, validate and roll up one book (SPEC §11). Never raises: a failure of any kind
    becomes a `book-unreadable` finding that names the file and the reason."""
    path = Path(path)
    result = BookResult(index=index, path=str(path), name=name or path.name)
    try:
        result.size, result.sha256 = file_identity(path)
    except OSError as error:
        return failed_result(result, f"{result.name} cannot be read ({error.strerror or error})",
                             status=STATUS_MISSING)
    try:
        analysis = analyze_book(path, name=result.name,
                                context=Context(as_of=options.as_of,
                                                coverage_target=options.coverage_target))
        fill_result(result, analysis.book, analysis.findings, options)
    except Exception as error:  # a bug in the engine must not cost the batch (SPEC §15)
        return failed_result(result, f"internal error while processing {result.name}: "
                                     f"{type(error).__name__}: {error}; please report it")
    return result


def failed_result(result: BookResult, reason: str, *, status: str = STATUS_UNREADABLE,
                  code: str = "book-unreadable") -> BookResult:
    result.status, result.reason = status, reason
    result.findings = [make_finding(code, reason, book=result.name)]
    result.sheets, result.tables, result.totals = [], {}, None
    return result


def file_identity(path: Path) -> tuple[int, str]:
    """(size in bytes, sha256 hex) of a file, read in 1 MB blocks; the file is only read."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
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
    for domain, roll_up in DOMAIN_ROLLUPS.items():
        try:
            roll_up(book, result, options)
        except Exception as error:  # a rollup bug loses that domain's figures, not the book
            result.findings.append(make_finding(
                "internal-error", f"internal error rolling up {domain} for {book.name}: "
                                   f"{type(error).__name__}: {error}; please report it",
                book=book.name, severity=Severity.WARNING))
    if options.detail_dir:
        result.detail_parts = write_detail(book, result, Path(options.detail_dir))


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


# --- domain rollups: each wired in as its module lands on main ------------------------------

def roll_up_spend_tables(book: Book, result: BookResult, options: Options) -> None:
    """Spend (SPEC §5): plan totals, per-campaign figures and G/L account × month, in plan
    cents. Overspend is Σ over activities of max(0, committed + spent − budgeted), so an
    activity under budget never hides one over it."""
    from .spend import roll_up_spend
    spend = roll_up_spend(book)
    result.totals = spend.total
    activity = spend.by("activity")
    excess = (activity["committed"] + activity["spent"] - activity["budgeted"]).to_numpy()
    result.overspend = int(np.maximum(excess, 0).sum())
    campaigns = spend.by("campaign").rename(columns={"key": "campaign_id"})
    names = _campaign_names(book)
    campaigns.insert(1, "campaign", campaigns["campaign_id"].map(names).astype("string"))
    campaigns["overspend"] = np.maximum(
        (campaigns["committed"] + campaigns["spent"] - campaigns["budgeted"]).to_numpy(), 0)
    result.tables["campaigns"] = campaigns
    ledger = spend.ledger
    moving = ledger.figures.any(axis=1)
    gl = spend.activities["gl_account"].to_numpy(dtype=object)[ledger.activity[moving]]
    months = np.datetime_as_string(ledger.date[moving].astype("datetime64[M]"), unit="M")
    figures = pd.DataFrame(ledger.figures[moving], columns=["budgeted", "planned", "committed",
                                                            "spent"])
    figures.insert(0, "month", months)
    figures.insert(0, "gl_account", gl)
    by_month = figures.groupby(["gl_account", "month"], sort=True, as_index=False).sum()
    by_month["remaining"] = by_month["budgeted"] - by_month["committed"] - by_month["spent"]
    result.tables["gl_month"] = by_month


def roll_up_schedule_tables(book: Book, result: BookResult, options: Options) -> None:
    """Schedule (SPEC §6): per-campaign figures; the plan's % complete, SPI and late tasks."""
    from .schedule import roll_up_schedule
    schedule = roll_up_schedule(book, options.as_of)
    campaigns = schedule.by("campaign").rename(columns={"key": "campaign_id"})
    campaigns.insert(1, "campaign",
                     campaigns["campaign_id"].map(_campaign_names(book)).astype("string"))
    result.tables["schedule"] = campaigns
    plan = schedule.by("plan")
    if len(plan):
        row = plan.iloc[0]
        result.schedule = {"percent_complete": _number(row["percent_complete"]),
                           "spi": _number(row["spi"]), "late_tasks": int(row["late_tasks"])}


def roll_up_coverage_parts(book: Book, result: BookResult, options: Options) -> None:
    """Pipeline (SPEC §7): this book's per-rep quota, won, open and weighted for its fiscal
    quarter containing the as-of date; the merge adds reps up across books."""
    from .pipeline import coverage
    report = coverage([book], options.as_of, options.coverage_target)
    reps = report.reps[["rep", "quota", "won", "open", "weighted"]].copy()
    reps.insert(1, "quarter", report.quarter)
    result.tables["coverage_parts"] = reps


def roll_up_funnel_tables(book: Book, result: BookResult, options: Options) -> None:
    """Lead funnel (SPEC §7): the plan's stages — reached, conversion, median days."""
    from .funnel import roll_up_funnel
    plan = roll_up_funnel(book, options.as_of).plan
    result.tables["funnel"] = plan.drop(columns=["campaign_id", "campaign"]).reset_index(
        drop=True)


def roll_up_scorecard_tables(book: Book, result: BookResult, options: Options) -> None:
    """Scorecard (SPEC §8): effectiveness and efficiency per campaign, side by side as
    separate columns (never blended into one score)."""
    from .scorecard import score_campaigns
    card = score_campaigns(book)
    efficiency = card.efficiency.drop(columns=["campaign", "cost", "leads", "mqls"])
    result.tables["scorecard"] = card.effectiveness.merge(efficiency, on="campaign_id",
                                                          how="left")


def roll_up_assets(book: Book, result: BookResult, options: Options) -> None:
    """The asset catalogue rows (SPEC §9); duplicates are marked across books at the merge."""
    rows = book.rows("Assets")
    keep = [c for c in ("Asset ID", "Asset", "Type", "Product", "Segment", "Region", "Tags",
                        "Status", "Expires", "Location") if c in rows.columns]
    result.tables["assets"] = rows[keep].reset_index(drop=True)


def _campaign_names(book: Book) -> pd.Series:
    campaigns = book.rows("Campaigns")
    names = pd.Series(campaigns["Campaign"].to_numpy(dtype=object),
                      index=campaigns["Campaign ID"].to_numpy(dtype=object))
    return names[~names.index.duplicated()]


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


DOMAIN_ROLLUPS: dict[str, Callable[[Book, BookResult, Options], None]] = {
    "spend": roll_up_spend_tables,
    "schedule": roll_up_schedule_tables,
    "pipeline": roll_up_coverage_parts,
    "funnel": roll_up_funnel_tables,
    "scorecard": roll_up_scorecard_tables,
    "assets": roll_up_assets,
}


# --- detail: row-level Parquet written by the worker itself ---------------------------------

def write_detail(book: Book, result: BookResult, folder: Path) -> list[str]:
    """Each present sheet's accepted rows → DIR/<Sheet>/part-<index>.parquet (pyarrow).

    Extra (undeclared) columns are kept, as text, so nothing is dropped (SPEC §3); `_book` and
    `_plan_id` say where each row came from; `_row` is its Excel row.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .report.files import atomic_path

    parts = []
    for name, table in book.tables.items():
        if not table.present:
            continue
        rows = table.rows.drop(columns="_rejected")
        data = {}
        for column in rows.columns:
            values = rows[column]
            if column in table.extra_columns:
                values = values.map(lambda v: None if v is None or v == "" else str(v))
                values = values.astype("string")
            elif values.dtype == object:
                values = values.astype("string")
            data[column] = values.reset_index(drop=True)
        frame = pd.DataFrame(data)
        frame.insert(0, "_plan_id", pd.Series([result.plan_id] * len(frame), dtype="string"))
        frame.insert(0, "_book", pd.Series([result.name] * len(frame), dtype="string"))
        arrow = pa.Table.from_pandas(frame, preserve_index=False)
        target = folder / name / f"part-{result.index:06d}.parquet"
        with atomic_path(target) as temporary:
            pq.write_table(arrow, temporary)
        parts.append(str(target))
    return parts


def clear_detail(folder: Path) -> None:
    """Remove the parts an earlier run left (only our own `part-*.parquet` names)."""
    if folder.is_dir():
        for part in folder.glob("*/part-*.parquet"):
            part.unlink()


# --- executors: the same worker locally or on Dask ------------------------------------------

Job = tuple[Path, str, int]   # (path, book name, index)
Worker = Callable[..., BookResult]

DIED_REASON = ("the worker process reading it died ({cause}); the file may be malformed in a "
               "way that crashes the reader or needs more memory than is available — open it "
               "in Excel and save it again")


class LocalExecutor:
    """A `ProcessPoolExecutor` of `workers` processes; a pool broken by a dying worker is
    rebuilt and the books that were in flight are retried one at a time to find the culprit."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.pool: cf.ProcessPoolExecutor | None = None

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def _pool(self) -> cf.ProcessPoolExecutor:
        if self.pool is None:
            self.pool = cf.ProcessPoolExecutor(self.workers)
        return self.pool

    def stream(self, worker: Worker, jobs: Iterable[Job], options: Options,
               window: int) -> Iterator[BookResult]:
        pending = iter(jobs)
        running: dict[cf.Future, Job] = {}
        suspects: list[Job] = []

        def fill() -> None:
            while len(running) < window:
                job = next(pending, None)
                if job is None:
                    return
                running[self._pool().submit(worker, job[0], options, job[1], job[2])] = job

        fill()
        while running:
            done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            for future in done:
                job = running.pop(future)
                try:
                    yield future.result()
                except cf.process.BrokenProcessPool:
                    suspects.append(job)
                except Exception as error:  # pickling trouble or the like: name the file
                    yield failed_job(job, f"{type(error).__name__}: {error}")
            if suspects:
                suspects.extend(running.values())
                running.clear()
                self.pool.shutdown(wait=False, cancel_futures=True)
                self.pool = None
                for job in suspects:
                    yield self.isolate(worker, job, options)
                suspects.clear()
            fill()

    def isolate(self, worker: Worker, job: Job, options: Options) -> BookResult:
        """Run one book alone in a fresh process: if that process dies too, the book did it."""
        with cf.ProcessPoolExecutor(1) as single:
            try:
                return single.submit(worker, job[0], options, job[1], job[2]).result()
            except cf.process.BrokenProcessPool:
                return failed_job(job, "a worker process exited abruptly")
            except Exception as error:
                return failed_job(job, f"{type(error).__name__}: {error}")


class SchedulerUnreachable(Exception):
    """--scheduler names an address with no Dask scheduler behind it (a usage problem)."""


class DaskExecutor:
    """The same worker on a Dask cluster: `distributed.Client(address)` (SPEC §11)."""

    def __init__(self, address: str | Any) -> None:
        from distributed import Client
        self.own_client = not hasattr(address, "submit")
        try:
            self.client = Client(address, timeout="20s") if self.own_client else address
        except (OSError, TimeoutError, ValueError) as error:
            raise SchedulerUnreachable(
                f"cannot reach the Dask scheduler at {address} ({error}); start it "
                "(`dask scheduler`) or check the address") from None

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.own_client:
            self.client.close()

    def stream(self, worker: Worker, jobs: Iterable[Job], options: Options,
               window: int) -> Iterator[BookResult]:
        from distributed import as_completed
        pending = iter(jobs)
        owner: dict[str, Job] = {}

        def submit(job: Job) -> Any:
            future = self.client.submit(worker, str(job[0]), options, job[1], job[2], pure=False,
                                        key=f"mom-book-{job[2]}-{os.getpid()}-{id(owner)}")
            owner[future.key] = job
            return future

        first = [submit(job) for job in _take(pending, window)]
        stream = as_completed(first)
        for future in stream:
            job = owner.pop(future.key)
            try:
                yield future.result()
            except Exception as error:  # KilledWorker and friends
                yield failed_job(job, f"{type(error).__name__}: {error}")
            future.release()
            following = next(pending, None)
            if following is not None:
                stream.add(submit(following))


def _take(iterator: Iterator[Job], count: int) -> list[Job]:
    taken = []
    for _ in range(count):
        job = next(iterator, None)
        if job is None:
            break
        taken.append(job)
    return taken


def failed_job(job: Job, cause: str) -> BookResult:
    path, name, index = job
    result = BookResult(index=index, path=str(path), name=name)
    try:
        result.size, result.sha256 = file_identity(Path(path))
    except OSError:
        pass
    return failed_result(result, f"{name}: " + DIED_REASON.format(cause=cause))


# --- reporting currency ----------------------------------------------------------------------

class RatesError(ValueError):
    """The --rates file cannot be used (a usage problem)."""


def read_rates(path: str | Path, currency: str) -> dict[str, Decimal]:
    """CSV with Currency, Rate (reporting-currency units per one unit of Currency)."""
    rates = {currency.upper(): Decimal(1)}
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [normalise_name(h) for h in next(reader, [])]
            if "currency" not in header or "rate" not in header:
                raise RatesError(f"{path} needs the headers Currency and Rate")
            c, r = header.index("currency"), header.index("rate")
            for number, row in enumerate(reader, start=2):
                if len(row) <= max(c, r) or not row[c].strip():
                    continue
                try:
                    rate = Decimal(row[r].strip().replace(",", ""))
                except InvalidOperation:
                    raise RatesError(f"{path} line {number}: rate '{row[r]}' is not a number") \
                        from None
                if not rate.is_finite() or rate <= 0:
                    raise RatesError(f"{path} line {number}: rate must be a positive number")
                rates[row[c].strip().upper()] = rate
    except OSError as error:
        raise RatesError(f"cannot read {path}: {error.strerror or error}") from None
    return rates


def convert_cents(cents: int, rate: Decimal) -> int:
    """cents × rate, rounded half away from zero, exactly (integers only)."""
    numerator, denominator = rate.as_integer_ratio()
    quotient, remainder = divmod(abs(int(cents)) * numerator, denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return quotient if cents >= 0 else -quotient


def convert_rows(values: pd.Series, books: np.ndarray,
                 rates: dict[int, Decimal]) -> pd.arrays.IntegerArray:
    """Each row's cents × its book's rate (half away from zero), vectorised per rate; blank
    where the book has no rate. Exact: integer arithmetic, Python ints if int64 could
    overflow."""
    cents = values.astype("Int64")
    out = pd.array(np.zeros(len(cents), dtype=np.int64), dtype="Int64")
    out[:] = pd.NA
    present = cents.notna().to_numpy()
    numbers = cents.fillna(0).to_numpy(dtype=np.int64)
    for rate in set(rates.values()):
        rows = present & np.isin(books, [i for i, r in rates.items() if r == rate])
        if not rows.any():
            continue
        numerator, denominator = rate.as_integer_ratio()
        chosen = numbers[rows]
        if int(np.abs(chosen).max()) * numerator < 2 ** 62:
            quotient, remainder = np.divmod(np.abs(chosen) * numerator, denominator)
            quotient += (2 * remainder >= denominator)
            out[rows] = np.where(chosen < 0, -quotient, quotient)
        else:
            out[rows] = [convert_cents(int(v), rate) for v in chosen]
    return out


# --- the merge -------------------------------------------------------------------------------

@dataclass(frozen=True)
class CrossBookKeys:
    """The few keys of one book that cross-book checks compare (SPEC §11)."""

    index: int
    name: str
    plan_id: str | None
    plan_cell: str | None
    plan_sheet: str
    po_numbers: list[tuple[str, str | None, str]]
    quotas: list[tuple[str, str, int, str | None, str]]


@dataclass
class ConsolidatedReport:
    """The consolidation as data (SPEC §11); writers render it."""

    as_of: dt.date
    currency: str | None
    books_read: int
    books_failed: int
    rows: dict[str, int]
    totals: dict[str, int] | None
    sources: pd.DataFrame
    teams: pd.DataFrame
    tables: dict[str, pd.DataFrame]
    findings: list[Finding]
    paths: dict[str, str]             # book name → path (for links)
    coverage_target: float | None = None

    def headline(self) -> dict[str, Any]:
        return {"books_read": self.books_read, "books_failed": self.books_failed,
                "currency": self.currency, **(self.totals or {}),
                "findings": len(self.findings),
                "errors": sum(f.severity is Severity.ERROR for f in self.findings)}


class Consolidation:
    """Folds BookResults in one at a time; holds only small per-book aggregates."""

    def __init__(self, *, as_of: dt.date, currency: str | None = None,
                 rates: dict[str, Decimal] | None = None,
                 coverage_target: float | None = None) -> None:
        self.as_of, self.currency, self.rates = as_of, currency, rates
        self.coverage_target = coverage_target
        self.results: list[BookResult] = []
        self.findings: list[Finding] = []
        self.sources: list[dict[str, Any]] = []
        self.plans: dict[str, tuple[str, str | None, str]] = {}
        self.po_owner: dict[str, tuple[str, str | None]] = {}
        self.quota_owner: dict[tuple[str, str], tuple[int, str, str | None]] = {}
        self.frames: dict[str, list[pd.DataFrame]] = defaultdict(list)    # chunks of books
        self.pending: dict[str, list[pd.DataFrame]] = defaultdict(list)   # not yet chunked
        self.rows = {"read": 0, "consolidated": 0, "rejected": 0}
        self.keys: list[CrossBookKeys] = []

    def add(self, result: BookResult) -> None:
        """Cross-book checks and accounting for one more book; keeps no row-level data."""
        self.findings.extend(result.findings)
        for count in result.sheets:
            self.rows["read"] += count.read
            self.rows["consolidated"] += count.consolidated
            self.rows["rejected"] += count.rejected
        self.sources.extend({**row, "_index": result.index} for row in source_rows(result))
        if not result.readable:
            self.results.append(_summary_only(result))
            return
        self.keys.append(CrossBookKeys(result.index, result.name, result.plan_id,
                                       result.plan_cell, result.plan_sheet, result.po_numbers,
                                       result.quotas))
        for key, frame in result.tables.items():
            pending = self.pending[key]
            pending.append(frame.assign(_index=np.int64(result.index)))
            if len(pending) >= CHUNK_BOOKS:   # many small frames → one: little overhead each
                self.frames[key].append(pd.concat(pending, ignore_index=True))
                pending.clear()
        self.results.append(_summary_only(result))

    def check_across_books(self) -> None:
        """Cross-book checks, in file order whatever order the results arrived in: the first
        book (by input order) owns a key and every later book carrying it gets the finding."""
        for keys in sorted(self.keys, key=lambda k: k.index):
            self.check_plan(keys)
            self.check_pos(keys)
            self.check_quotas(keys)
        self.keys.clear()

    def check_plan(self, result: CrossBookKeys) -> None:
        if not result.plan_id:
            return
        key = result.plan_id.strip().casefold()
        first = self.plans.get(key)
        if first is None:
            self.plans[key] = (result.name, result.plan_cell, result.plan_sheet)
            return
        self.findings.append(make_finding(
            "duplicate-plan", f"Plan ID '{result.plan_id}' is also the plan of {first[0]}; "
                              "each plan must be in one workbook — give this one its own Plan "
                              "ID or leave the copy out", book=result.name,
            sheet=result.plan_sheet, cell=result.plan_cell, column="Plan ID",
            row=_row_of(result.plan_cell), value=result.plan_id))

    def check_pos(self, result: CrossBookKeys) -> None:
        seen_here: set[str] = set()
        for po, cell, title in result.po_numbers:
            key = po.casefold()
            first = self.po_owner.get(key)
            if first is None:
                self.po_owner[key] = (result.name, cell)
            elif first[0] != result.name and key not in seen_here:
                self.findings.append(make_finding(
                    "duplicate-po", f"PO Number '{po}' is also in {first[0]} ({first[1]}); a PO "
                                    "belongs to one plan — remove the copy or correct the number",
                    book=result.name, sheet=title, cell=cell, column="PO Number",
                    row=_row_of(cell), value=po))
            seen_here.add(key)

    def check_quotas(self, result: CrossBookKeys) -> None:
        for rep, quarter, amount, cell, title in result.quotas:
            key = (rep.casefold(), quarter)
            first = self.quota_owner.get(key)
            if first is None:
                self.quota_owner[key] = (amount, result.name, cell)
            elif first[0] != amount and first[1] != result.name:
                self.findings.append(make_finding(
                    "quota-conflict", f"{rep}'s quota for {quarter} is {amount / 100:,.2f} here "
                                      f"but {first[0] / 100:,.2f} in {first[1]} ({first[2]}); "
                                      "agree one quota and use it in both",
                    book=result.name, sheet=title, cell=cell, column="Quota",
                    row=_row_of(cell), value=amount / 100))

    # -- the report --------------------------------------------------------------------------

    def reporting_currency(self) -> str | None:
        if self.currency:
            return self.currency.upper()
        counts: dict[str, int] = defaultdict(int)
        for result in self.results:
            if result.readable:
                counts[result.currency] += 1
        if not counts:
            return None
        return sorted(counts, key=lambda c: (-counts[c], c))[0]

    def rate_of(self, currency: str, reporting: str) -> Decimal | None:
        if currency.upper() == reporting:
            return Decimal(1)
        return (self.rates or {}).get(currency.upper())

    def report(self) -> ConsolidatedReport:
        self.check_across_books()
        reporting = self.reporting_currency()
        findings = list(self.findings)
        teams, totals = [], None
        rates: dict[int, Decimal] = {}
        for result in sorted(self.results, key=lambda r: r.index):
            if not result.readable:
                continue
            rate = self.rate_of(result.currency, reporting) if reporting else None
            row = {"book": result.name, "team": result.team, "plan_id": result.plan_id,
                   "currency": result.currency, "rate": None if rate is None else float(rate),
                   "errors": 0, "warnings": 0}
            if rate is None:
                findings.append(make_finding(
                    "rate-missing", f"{result.name} is in {result.currency} and no rate to "
                                    f"{reporting} was given"
                                    + (" in --rates" if self.currency else
                                       " (books are in several currencies; pass --currency and "
                                       "--rates)")
                                    + f"; its amounts are left out of the {reporting} totals",
                    book=result.name, value=result.currency))
            else:
                rates[result.index] = rate
            if result.totals is not None:
                for figure in MONEY_FIGURES:
                    row[f"{figure}_local"] = result.totals.get(figure)
                    row[figure] = (None if rate is None or result.totals.get(figure) is None
                                   else convert_cents(result.totals[figure], rate))
                row["overspend"] = (None if rate is None or result.overspend is None
                                    else convert_cents(result.overspend, rate))
                if rate is not None:
                    totals = totals or {figure: 0 for figure in TOTAL_FIGURES}
                    for figure in TOTAL_FIGURES:
                        totals[figure] += row[figure] or 0
            if result.schedule is not None:
                row.update(result.schedule)
            teams.append(row)
        counts = _severity_counts(findings)
        for row in teams:
            row["errors"], row["warnings"] = counts.get(row["book"], (0, 0))
        tables = {key: self.combine(key, frames, rates)
                  for key, frames in self.all_frames().items()}
        if "gl_month" in tables:
            tables["gl_month"] = sum_gl_months(tables["gl_month"])
        parts = tables.pop("coverage_parts", None)
        first = min((r for r in self.results if r.readable), key=lambda r: r.index,
                    default=None)
        target = self.coverage_target if self.coverage_target is not None else (
            first.coverage_target if first else 2.5)
        if parts is not None and not parts.empty:
            tables["coverage"] = combine_coverage(parts, target)
        paths = {r.name: r.path for r in self.results}
        return ConsolidatedReport(
            as_of=self.as_of, currency=reporting,
            books_read=sum(r.readable for r in self.results),
            books_failed=sum(not r.readable for r in self.results),
            rows=dict(self.rows), totals=totals,
            sources=pd.DataFrame(sorted(self.sources, key=lambda row: row["_index"]),
                                 columns=SOURCE_COLUMNS),
            teams=pd.DataFrame(teams), tables=tables, findings=sort_findings(findings),
            paths=paths, coverage_target=self.coverage_target)

    def all_frames(self) -> dict[str, list[pd.DataFrame]]:
        keys = list(dict.fromkeys([*self.frames, *self.pending]))
        return {key: [*self.frames.get(key, []), *self.pending.get(key, [])] for key in keys}

    def combine(self, key: str, frames: list[pd.DataFrame],
                rates: dict[int, Decimal]) -> pd.DataFrame:
        """One table across books, money converted to the reporting currency (rows of books
        with no rate keep their local figures in `*_local` and are blank in the converted)."""
        names = {r.index: r for r in self.results}
        frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        if "_index" not in frame.columns:
            return frame
        # input order, whatever order the books arrived in (a book's rows keep their order)
        frame = frame.sort_values("_index", kind="stable", ignore_index=True)
        indexes = frame.pop("_index").to_numpy(dtype=np.int64)
        frame.insert(0, "team", pd.array([names[i].team for i in indexes], dtype="string"))
        frame.insert(0, "book", pd.array([names[i].name for i in indexes], dtype="string"))
        money = [c for c in frame.columns if c in MONEY_FIGURES or c in MONEY_COLUMNS]
        for column in money:
            frame[column] = convert_rows(frame[column], indexes, rates)
        if key == "assets":
            frame = mark_duplicate_assets(frame)
        if key == "schedule":   # lowest SPI first: what a manager looks at (blank SPI last)
            frame = frame.sort_values("spi", kind="stable", na_position="last",
                                      ignore_index=True)
        return frame


MONEY_COLUMNS = ("overspend", "open", "won", "quota", "weighted", "remaining_quota", "gap",
                 "cost", "pipeline", "cost_per_lead", "cost_per_mql")
SOURCE_COLUMNS = ["book", "path", "sha256", "size", "status", "sheet", "read", "consolidated",
                  "rejected", "reason"]


def source_rows(result: BookResult) -> list[dict[str, Any]]:
    """One Sources row per sheet of the book (one row with no sheet when it was not read)."""
    base = {"book": result.name, "path": result.path, "sha256": result.sha256,
            "size": result.size, "status": result.status, "reason": result.reason}
    if not result.sheets:
        return [{**base, "sheet": None, "read": 0, "consolidated": 0, "rejected": 0}]
    return [{**base, "sheet": c.sheet, "read": c.read, "consolidated": c.consolidated,
             "rejected": c.rejected} for c in result.sheets]


def sum_gl_months(frame: pd.DataFrame) -> pd.DataFrame:
    """G/L account × calendar month across every book, in the reporting currency: the
    manager's view (per-book rows are in --detail). Books without a rate are left out, as in
    the totals; `teams` counts the books that contribute."""
    money = ["budgeted", "planned", "committed", "spent", "remaining"]
    priced = frame[frame["budgeted"].notna().to_numpy()]
    grouped = priced.groupby(["gl_account", "month"], sort=True)
    out = grouped[money].sum().reset_index()
    out.insert(2, "teams", grouped["book"].nunique().to_numpy())
    for column in money:
        out[column] = out[column].astype("Int64")
    return out


def combine_coverage(parts: pd.DataFrame, target: float) -> pd.DataFrame:
    """Per-rep coverage across books (SPEC §7, §11): one rep across teams is one rep (trimmed,
    case-insensitive name, first spelling shown); open, won and weighted are summed; a quota is
    one number per rep and quarter, so the same quota in several books counts once and
    different ones (`quota-conflict`) use the largest, never overstating coverage. Amounts of
    books without a reporting-currency rate are blank and left out."""
    parts = parts.assign(_key=parts["rep"].astype("string").str.strip().str.casefold())
    grouped = parts.groupby("_key", sort=False)
    frame = pd.DataFrame({
        "rep": grouped["rep"].first().astype("string").str.strip(),
        "quarter": grouped["quarter"].first(),
        "teams": grouped["book"].nunique(),
        "quota": grouped["quota"].max(),
        "won": grouped["won"].sum(min_count=1),
        "open": grouped["open"].sum(min_count=1),
        "weighted": grouped["weighted"].sum(min_count=1),
    }).reset_index(drop=True)
    for column in ("quota", "won", "open", "weighted"):
        frame[column] = frame[column].astype("Int64")
    has_quota = frame["quota"].notna().to_numpy()
    won = frame["won"].fillna(0).to_numpy(dtype=np.int64)
    open_ = frame["open"].fillna(0).to_numpy(dtype=np.int64)
    quota = frame["quota"].fillna(0).to_numpy(dtype=np.int64)
    remaining = quota - won
    owes = has_quota & (remaining > 0)
    ratio = np.where(owes, open_ / np.where(owes, remaining, 1), np.nan)
    needed = np.array([convert_cents(int(r), Decimal(repr(target))) for r in remaining],
                      dtype=np.int64) if len(remaining) else np.zeros(0, dtype=np.int64)
    frame["remaining_quota"] = pd.array(np.where(has_quota, remaining, 0), dtype="Int64")
    frame.loc[~has_quota, "remaining_quota"] = pd.NA
    frame["coverage"] = ratio
    frame["target"] = float(target)
    gap = pd.array(np.maximum(0, needed - open_), dtype="Int64")
    gap[~has_quota] = pd.NA
    frame["gap"] = gap
    frame["below_target"] = owes & (np.nan_to_num(ratio) < target)
    frame["quota_met"] = has_quota & (remaining <= 0)
    return frame.sort_values(["below_target", "coverage"], ascending=[False, True],
                             kind="stable", na_position="last", ignore_index=True)


def mark_duplicate_assets(frame: pd.DataFrame) -> pd.DataFrame:
    """Likely duplicates: same normalised name and type in different books (SPEC §9), as
    `assets.find_duplicate_assets` defines them."""
    from .assets import find_duplicate_assets
    books = frame["book"].astype(object)
    duplicates = find_duplicate_assets({name: part for name, part in frame.groupby(books)})
    marked = set(zip(duplicates["team"], duplicates["Asset ID"], strict=True))
    frame["likely_duplicate"] = [(b, a) in marked for b, a in
                                 zip(books, frame["Asset ID"].astype(object), strict=True)]
    return frame


def _summary_only(result: BookResult) -> BookResult:
    """What the merge keeps of a book after folding it in: no tables, no findings, no keys."""
    return BookResult(index=result.index, path=result.path, name=result.name, size=result.size,
                      sha256=result.sha256, status=result.status, reason=result.reason,
                      plan_id=result.plan_id, team=result.team, currency=result.currency,
                      fiscal_year=result.fiscal_year, coverage_target=result.coverage_target,
                      totals=result.totals, overspend=result.overspend,
                      schedule=result.schedule)


def _row_of(cell: str | None) -> int | None:
    digits = "".join(ch for ch in cell or "" if ch.isdigit())
    return int(digits) if digits else None


def _severity_counts(findings: Iterable[Finding]) -> dict[str, tuple[int, int]]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for finding in findings:
        if finding.severity is Severity.ERROR:
            counts[finding.book or ""][0] += 1
        elif finding.severity is Severity.WARNING:
            counts[finding.book or ""][1] += 1
    return {book: (e, w) for book, (e, w) in counts.items()}


# --- one call for the CLI, the demo and the tests -------------------------------------------

def consolidate(files: Sequence[Path], *, options: Options | None = None,
                names: dict[Path, str] | None = None, workers: int | None = None,
                scheduler: str | Any = None, currency: str | None = None,
                rates: dict[str, Decimal] | None = None,
                progress: Callable[[BookResult], None] | None = None,
                worker: Worker = process_book) -> ConsolidatedReport:
    """Run the worker over every file (pool or Dask), merging results as they stream in."""
    options = options or Options()
    names = names or {f: f.name for f in files}
    if options.detail_dir:
        clear_detail(Path(options.detail_dir))
    merge = Consolidation(as_of=options.as_of, currency=currency, rates=rates,
                          coverage_target=options.coverage_target)
    jobs = ((Path(f), names[f], index) for index, f in enumerate(files))
    if scheduler is not None:
        executor: Any = DaskExecutor(scheduler)
        window = 4 * max(1, sum(executor.client.nthreads().values()))
    else:
        executor = LocalExecutor(min(workers or os.cpu_count() or 1, max(1, len(files))))
        window = 4 * executor.workers
    with executor:
        for result in executor.stream(worker, jobs, options, window):
            merge.add(result)
            if progress:
                progress(result)
    return merge.report()
