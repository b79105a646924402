"""Many team workbooks → one consolidated view (SPEC §11, §15).

One job per module:

- `results`: what travels — `Options` in, a small picklable `BookResult` out (plan summary,
  findings, row accounting per sheet, file identity, small rollup tables, the keys cross-book
  checks need).
- `worker`: `process_book(path, options)` reads, validates and rolls up ONE book through
  `analyze.analyze_book`, then each domain's roll-up of that book (`domains.DOMAINS`, in
  `domains/rollups.py`); it never raises.
- `detail`: with `options.detail_dir` the worker hands back the book's accepted rows as Arrow
  tables and the parent appends them to one Parquet file per sheet (`DetailWriter`).
- `executors`: the same worker runs in local worker processes (`LocalExecutor`, one book at a
  time each) or on a Dask cluster (`DaskExecutor`). Both stream results back as they complete,
  keeping only a bounded window of books in flight, so memory does not grow with the number
  of books. A worker process that dies (a reader crash, KilledWorker) becomes a
  `book-unreadable` finding for the book that killed it, a local book that runs past the time
  limit a `book-timeout`; the rest of the batch goes on. Local workers die with the parent.
- `merge`: `Consolidation.add(result)` folds each result in as it arrives (row accounting,
  small tables) and `Consolidation.report()` returns a `ConsolidatedReport` of DataFrames;
  `crossbook` holds the cross-book checks (`duplicate-plan`, `duplicate-po`,
  `quota-conflict`), `currency` the reporting currency (--rates, exact conversion).
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
  process; if it dies again the book is `book-unreadable`.
- Per-book time limit (local workers only; a Dask cluster has its own): `book_timeout`
  seconds, 300 by default, from the moment a worker is handed the book. Past it the worker
  is killed and replaced and the book is one `book-timeout` error (status "timed out"): a
  hung book costs its own figures, never the batch.
- `--crm` / `--leads` (`shared_jobs`): a first pass (`claim_book`) collects each book's Quotas
  reps and campaigns; the parent reads each export once and shares its rows out as
  `exports.share_exports` does for one command over several workbooks; each job carries its
  book's rows, so no worker reads an export. Books are read twice in such a run.
- `--detail DIR`: one Parquet dataset per sheet, `DIR/<Sheet>/part-000000.parquet` (a sheet's
  next part only when a book brings extra columns), written atomically when the run completes;
  the parts an earlier run left are removed then.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
from decimal import Decimal
from pathlib import Path
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..exports import ExportFiles, share_exports
from ..report.files import OutputError, write_error
from .crossbook import CrossBookChecks, CrossBookKeys
from .currency import RatesError, convert_cents, convert_rows, read_rates
from .detail import DetailWriter, clear_detail, detail_tables
from .executors import (DEFAULT_BOOK_TIMEOUT, DIED_REASON, DaskExecutor, Job, LocalExecutor,
                        SchedulerUnreachable, Worker, failed_job, timed_out_job)
from .merge import (CHUNK_BOOKS, SOURCE_COLUMNS, ConsolidatedReport, Consolidation,
                    combine_coverage, mark_duplicate_assets, source_rows, sum_gl_months)
from .results import (MONEY_COLUMNS, MONEY_FIGURES, STATUS_ENCRYPTED, STATUS_MISSING,
                      STATUS_READ, STATUS_TIMED_OUT, STATUS_UNREADABLE, TOTAL_FIGURES, BookResult,
                      Options, SheetCount)
from .worker import (analysis_job, claim_book, failed_result, file_identity, fill_result, po_keys,
                     process_book, quota_keys, sheet_counts)

__all__ = [
    "BookResult", "CHUNK_BOOKS", "ConsolidatedReport", "Consolidation", "CrossBookChecks",
    "CrossBookKeys", "DEFAULT_BOOK_TIMEOUT", "DIED_REASON", "DaskExecutor", "DetailWriter", "Job",
    "LocalExecutor", "MONEY_COLUMNS", "MONEY_FIGURES", "Options", "analysis_job",
    "RatesError", "SOURCE_COLUMNS", "STATUS_ENCRYPTED", "STATUS_MISSING", "STATUS_READ",
    "STATUS_TIMED_OUT", "STATUS_UNREADABLE", "SchedulerUnreachable", "SheetCount", "TOTAL_FIGURES",
    "Worker", "claim_book", "clear_detail", "combine_coverage", "consolidate", "convert_cents",
    "convert_rows", "detail_tables", "failed_job", "failed_result", "file_identity", "fill_result",
    "mark_duplicate_assets", "po_keys", "process_book", "quota_keys", "read_rates", "shared_jobs",
    "sheet_counts", "source_rows", "sum_gl_months", "timed_out_job"
]


def consolidate(files: Sequence[Path], *, options: Options | None = None,
                names: dict[Path, str] | None = None, workers: int | None = None,
                scheduler: str | Any = None, currency: str | None = None,
                rates: dict[str, Decimal] | None = None,
                progress: Callable[[BookResult], None] | None = None,
                worker: Worker = process_book,
                exports: ExportFiles | None = None,
                book_timeout: float | None = DEFAULT_BOOK_TIMEOUT) -> ConsolidatedReport:
    """Run the worker over every file (local processes or Dask), merging results as they
    stream in. With `exports` (--crm / --leads), each book gets its rows of them
    (`shared_jobs`). `book_timeout`: seconds one book may take in a local worker (None: no
    limit)."""
    options = options or Options()
    if exports is not None and exports.mapping is not None:   # --map reads every book too
        options = dataclasses.replace(options, mapping=exports.mapping)
    names = names or {f: f.name for f in files}
    detail = DetailWriter(options.detail_dir) if options.detail_dir else None
    merge = Consolidation(as_of=options.as_of, currency=currency, rates=rates,
                          coverage_target=options.coverage_target)
    jobs: Iterable[Job] = ((Path(f), names[f], index) for index, f in enumerate(files))
    if scheduler is not None:
        executor: Any = DaskExecutor(scheduler)
        window = 4 * max(1, sum(executor.client.nthreads().values()))
    else:
        executor = LocalExecutor(min(workers or os.cpu_count() or 1, max(1, len(files))),
                                 book_timeout=book_timeout)
        window = 4 * executor.workers
    try:
        with executor, detail or contextlib.nullcontext():
            if exports:
                jobs = shared_jobs(executor, files, names, exports, options, window)
            for result in executor.stream(worker, jobs, options, window):
                if detail is not None:
                    detail.add(result)
                merge.add(result)
                if progress:
                    progress(result)
    except OutputError:
        raise
    except OSError as error:   # --detail on a full disk: one output error, not findings
        if detail is None:
            raise
        raise write_error(Path(options.detail_dir or "."), error) from None
    return merge.report()


def shared_jobs(executor: Any, files: Sequence[Path], names: dict[Path, str],
                exports: ExportFiles, options: Options, window: int) -> list[Job]:
    """The jobs of a run given --crm / --leads: a first pass over the books (`claim_book`)
    collects what each claims — its Quotas reps, its campaigns —, the parent reads each export
    once and shares its rows out as `exports.share_exports` does for one command over several
    workbooks, and each job carries its book's rows, so no worker reads an export again. The
    books are read twice: once to claim, once to process."""
    claimed = sorted(executor.stream(claim_book, ((Path(f), names[f], index)
                                                  for index, f in enumerate(files)),
                                     options, window), key=lambda r: r.index)
    readable = [r for r in claimed if r.claims is not None]
    shares = dict(zip((r.index for r in readable),
                      share_exports([r.claims for r in readable if r.claims], exports),
                      strict=True))
    return [(Path(f), names[f], index, shares[index]) if index in shares else
            (Path(f), names[f], index) for index, f in enumerate(files)]
