"""Which frame library for batch work? One representative batch operation, measured side by side.

    python benchmarks/frame_libraries.py                 # 1,000 books × 300 ledger rows
    python benchmarks/frame_libraries.py --books 200

The operation is consolidation's spend roll-up over a ledger that holds many books: Σ budgeted,
committed and spent per (book, G/L account, month), and each book's overspend
Σ_activity max(0, committed + spent − budgeted). Contenders (the same integer results, checked):
- pandas, one book at a time — the engine's shape today (one small group-by per book);
- pandas, the whole batch in one group-by;
- numpy, the whole batch (factorised keys + bincount);
- polars and duckdb, the whole batch (skipped, and said so, when not installed: they are only
  in the `bench` extra).
Medians of --runs, CPU time (time.process_time), so a busy machine shifts all alike.
"""
from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

FIGURES = ["budgeted", "committed", "spent"]


def ledger(books: int, rows: int, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = books * rows
    return pd.DataFrame({
        "book": np.repeat(np.arange(books, dtype=np.int64), rows),
        "activity": pd.array([f"A{i}" for i in rng.integers(0, 40, n)], dtype="str"),
        "gl_account": pd.array([f"6{i}00" for i in rng.integers(10, 16, n)], dtype="str"),
        "month": (np.datetime64("2027-01", "M") + rng.integers(0, 12, n)).astype("datetime64[s]"),
        "budgeted": rng.integers(0, 500_000, n), "committed": rng.integers(0, 300_000, n),
        "spent": rng.integers(0, 300_000, n)})


def pandas_per_book(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    parts, overspend = [], []
    for book, part in frame.groupby("book", sort=True):
        parts.append(part.groupby(["gl_account", "month"], as_index=False)[FIGURES].sum()
                     .assign(book=book))
        by_activity = part.groupby("activity")[FIGURES].sum()
        excess = by_activity["committed"] + by_activity["spent"] - by_activity["budgeted"]
        overspend.append(int(np.maximum(excess.to_numpy(), 0).sum()))
    out = pd.concat(parts, ignore_index=True)[["book", "gl_account", "month", *FIGURES]]
    return out, np.array(overspend)


def pandas_batch(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    out = frame.groupby(["book", "gl_account", "month"], as_index=False, sort=True)[FIGURES].sum()
    by_activity = frame.groupby(["book", "activity"], sort=True)[FIGURES].sum()
    excess = np.maximum((by_activity["committed"] + by_activity["spent"]
                         - by_activity["budgeted"]).to_numpy(), 0)
    books = by_activity.index.get_level_values("book").to_numpy()
    return out, np.bincount(books, weights=excess).astype(np.int64)


def numpy_batch(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    book = frame["book"].to_numpy()
    gl_codes, gl_names = pd.factorize(frame["gl_account"], sort=True)
    month = frame["month"].to_numpy().astype("datetime64[M]").astype(np.int64)
    month_codes, months = pd.factorize(month, sort=True)
    key = (book * len(gl_names) + gl_codes) * len(months) + month_codes
    keys, inverse = np.unique(key, return_inverse=True)
    sums = {f: np.bincount(inverse, weights=frame[f].to_numpy(), minlength=len(keys))
            .astype(np.int64) for f in FIGURES}
    out = pd.DataFrame({
        "book": keys // (len(gl_names) * len(months)),
        "gl_account": np.asarray(gl_names, dtype=object)[(keys // len(months)) % len(gl_names)],
        "month": months[keys % len(months)].astype("datetime64[M]").astype("datetime64[s]"),
        **sums})
    activity_codes, activities = pd.factorize(frame["activity"])
    pair = book * len(activities) + activity_codes
    pairs, pair_inverse = np.unique(pair, return_inverse=True)
    totals = {f: np.bincount(pair_inverse, weights=frame[f].to_numpy(), minlength=len(pairs))
              for f in FIGURES}
    excess = np.maximum(totals["committed"] + totals["spent"] - totals["budgeted"], 0)
    return out, np.bincount(pairs // len(activities), weights=excess).astype(np.int64)


def polars_batch(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    import polars as pl
    table = pl.from_pandas(frame)
    out = (table.group_by(["book", "gl_account", "month"]).agg([pl.col(f).sum() for f in FIGURES])
           .sort(["book", "gl_account", "month"]).to_pandas())
    by_activity = table.group_by(["book", "activity"]).agg([pl.col(f).sum() for f in FIGURES])
    over = (by_activity.with_columns(
        (pl.col("committed") + pl.col("spent") - pl.col("budgeted")).clip(lower_bound=0)
        .alias("excess")).group_by("book").agg(pl.col("excess").sum()).sort("book"))
    return out, over["excess"].to_numpy()


def duckdb_batch(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    import duckdb
    connection = duckdb.connect()
    connection.register("ledger", frame)
    out = connection.execute(
        "SELECT book, gl_account, month, SUM(budgeted)::BIGINT AS budgeted, "
        "SUM(committed)::BIGINT AS committed, SUM(spent)::BIGINT AS spent FROM ledger "
        "GROUP BY ALL ORDER BY book, gl_account, month").df()
    over = connection.execute(
        "SELECT book, SUM(GREATEST(c + s - b, 0))::BIGINT AS excess FROM (SELECT book, activity, "
        "SUM(budgeted) b, SUM(committed) c, SUM(spent) s FROM ledger GROUP BY ALL) "
        "GROUP BY book ORDER BY book").df()
    connection.close()
    return out, over["excess"].to_numpy()


def cpu_ms(work: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return statistics.median(times) * 1000


def same(a: tuple[pd.DataFrame, np.ndarray], b: tuple[pd.DataFrame, np.ndarray]) -> bool:
    left, right = a[0].reset_index(drop=True), b[0].reset_index(drop=True)
    if len(left) != len(right) or not np.array_equal(a[1], b[1]):
        return False
    return all(np.array_equal(left[c].to_numpy().astype(str) if c in ("gl_account", "month")
                              else left[c].to_numpy(dtype=np.int64),
                              right[c].to_numpy().astype(str) if c in ("gl_account", "month")
                              else right[c].to_numpy(dtype=np.int64))
               for c in ("book", "gl_account", *FIGURES))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--books", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=300, help="ledger rows per book")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    frame = ledger(args.books, args.rows)
    contenders = {"pandas, one book at a time": pandas_per_book, "pandas, batch": pandas_batch,
                  "numpy, batch": numpy_batch, "polars, batch": polars_batch,
                  "duckdb, batch": duckdb_batch}
    reference = pandas_batch(frame)
    print(f"{args.books} books × {args.rows} ledger rows = {len(frame):,} rows; "
          f"median CPU of {args.runs}")
    for name, function in contenders.items():
        try:
            result = function(frame)
        except ImportError as error:
            print(f"  {name:<28} not installed ({error.name}; pip install '.[bench]')")
            continue
        ms = cpu_ms(lambda function=function: function(frame), args.runs)
        print(f"  {name:<28} {ms:9.1f} ms   {ms / args.books:7.3f} ms/book   "
              f"{'same result' if same(result, reference) else 'DIFFERENT RESULT'}")


if __name__ == "__main__":
    main()
