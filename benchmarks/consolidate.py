"""Consolidation benchmark (SPEC §15): one command, every figure measured in the same run on
the same files.

    python benchmarks/consolidate.py --books 100
    python benchmarks/consolidate.py --books 100 1000      # memory flat from 100 to 1,000?

For each N it generates N demo team workbooks (kept in --dir for re-runs) and prints:
 (a) python-calamine reading every sheet's values, one process — the floor;
 (b) pandas.read_excel(engine="openpyxl", sheet_name=None) — on a sample of --sample books,
     extrapolated to N (said so in the output);
 (c) `mom consolidate` (a subprocess, --workers W) wall time and the peak resident memory of its
     whole process tree (psutil, sampled every 10 ms), and the ratios c/a and b/c.
Then, for one book: read + validate + roll up (`consolidate.process_book`) against calamine's
read of the same book (median of --repeat runs each).
Goals: c ≤ 1.5 × a on 2 cores; b / c ≥ 20; peak memory flat in N; one book ≤ 2 × its read.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mom_engine.consolidate import Options, process_book  # noqa: E402
from mom_engine.demo import make_demo_books  # noqa: E402

TODAY = dt.date(2027, 3, 15)


def demo_books(folder: Path, count: int) -> list[Path]:
    existing = sorted(folder.glob("team-*.xlsx"))
    if len(existing) == count:
        return existing
    for path in existing:
        path.unlink()
    return make_demo_books(folder, count, today=TODAY, workers=2)


def read_calamine(paths: list[Path]) -> float:
    import python_calamine as calamine
    start = time.perf_counter()
    for path in paths:
        workbook = calamine.CalamineWorkbook.from_path(str(path))
        for name in workbook.sheet_names:
            workbook.get_sheet_by_name(name).to_python()
        workbook.close()
    return time.perf_counter() - start


def read_openpyxl(paths: list[Path]) -> float:
    import pandas as pd
    start = time.perf_counter()
    for path in paths:
        pd.read_excel(path, engine="openpyxl", sheet_name=None)
    return time.perf_counter() - start


def run_consolidate(folder: Path, workers: int) -> tuple[float, int, dict]:
    """Wall time and peak RSS (bytes) of `mom consolidate` and all its child processes."""
    output = Path(tempfile.mkdtemp()) / "consolidated.xlsx"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "mom_engine", "consolidate", str(folder), "-o", str(output),
               "--workers", str(workers), "--json", "--as-of", TODAY.isoformat()]
    stdout_file = tempfile.TemporaryFile()   # not a pipe: a full pipe would block the child
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=stdout_file, stderr=subprocess.DEVNULL, env=env)
    watched = psutil.Process(process.pid)
    peak = 0
    while process.poll() is None:
        try:
            tree = [watched, *watched.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.01)
    wall = time.perf_counter() - start
    stdout_file.seek(0)
    stdout = stdout_file.read()
    document = json.loads(stdout) if stdout else {}
    return wall, peak, document


def one_book(path: Path, repeat: int) -> tuple[float, float]:
    import python_calamine as calamine

    def read() -> None:
        workbook = calamine.CalamineWorkbook.from_path(str(path))
        for name in workbook.sheet_names:
            workbook.get_sheet_by_name(name).to_python()
        workbook.close()

    options = Options(as_of=TODAY)
    reads, fulls = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        read()
        reads.append(time.perf_counter() - start)
        start = time.perf_counter()
        process_book(path, options)
        fulls.append(time.perf_counter() - start)
    return statistics.median(reads), statistics.median(fulls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--books", type=int, nargs="+", default=[100])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample", type=int, default=20,
                        help="books read with openpyxl, extrapolated to N (default 20)")
    parser.add_argument("--repeat", type=int, default=15, help="single-book repeats")
    parser.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "mom-bench"))
    args = parser.parse_args()

    print(f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, {psutil.virtual_memory().total / 2**30:.1f} GiB, "
          f"Python {platform.python_version()}; load average {os.getloadavg()[0]:.2f}")
    for count in args.books:
        folder = Path(args.dir) / f"books-{count}"
        paths = demo_books(folder, count)
        size = sum(p.stat().st_size for p in paths)
        print(f"\n== {count} demo books ({size / 2**20:.1f} MB) in {folder}")
        a = read_calamine(paths)
        sample = paths[: min(args.sample, count)]
        b_sample = read_openpyxl(sample)
        b = b_sample * count / len(sample)
        c, peak, document = run_consolidate(folder, args.workers)
        print(f"(a) calamine, all sheets, 1 process : {a:8.2f} s")
        extrapolated = "" if len(sample) == count else \
            f"   (measured on {len(sample)} books: {b_sample:.2f} s, extrapolated)"
        print(f"(b) pandas.read_excel openpyxl      : {b:8.2f} s{extrapolated}")
        print(f"(c) mom consolidate --workers {args.workers}    : {c:8.2f} s, "
              f"peak RSS of the process tree {peak / 2**20:.0f} MB")
        print(f"    c / a = {c / a:.2f}  (goal ≤ 1.5)    b / c = {b / c:.1f}  (goal ≥ 20)")
        books = document.get("books", {})
        rows = document.get("rows", {})
        print(f"    consolidated {books.get('read')} books ({books.get('failed')} failed), "
              f"{rows.get('consolidated')} of {rows.get('read')} rows")
    path = Path(args.dir) / f"books-{args.books[0]}"
    book = sorted(path.glob("team-*.xlsx"))[0]
    read, full = one_book(book, args.repeat)
    print(f"\n== one book ({book.name}, {book.stat().st_size / 1024:.0f} KB), median of "
          f"{args.repeat}")
    print(f"calamine read {read * 1000:.1f} ms; read + validate + roll up {full * 1000:.1f} ms; "
          f"ratio {full / read:.1f} (goal ≤ 2)")
    print("where the time goes (median ms, CPU time):")
    for stage, ms in stage_times(book, args.repeat):
        print(f"  {stage:<38} {ms:7.1f}")


def stage_times(path: Path, repeat: int) -> list[tuple[str, float]]:
    """Median CPU milliseconds of each named stage of one book's work."""
    from mom_engine.analyze import DOMAIN_CHECKS, Context
    from mom_engine.consolidate import DOMAIN_ROLLUPS, BookResult
    from mom_engine.read import read_book
    from mom_engine.normalise import normalise
    from mom_engine.structure import check_structure
    context, options = Context(as_of=TODAY), Options(as_of=TODAY)

    def median(work) -> float:
        times = []
        for _ in range(repeat):
            book = read_book(path)
            start = time.process_time()
            work(book)
            times.append(time.process_time() - start)
        return statistics.median(times) * 1000

    stages = [("read_book", median(lambda book: read_book(path))),
              ("normalise", median(normalise)),
              ("check: structure", median(check_structure))]
    for check in DOMAIN_CHECKS:
        stages.append((f"check: {check.__module__.split('.')[-1]}.{check.__name__}",
                       median(lambda book, check=check: check(book, context))))
    for name, roll_up in DOMAIN_ROLLUPS.items():
        stages.append((f"roll-up: {name}", median(
            lambda book, roll_up=roll_up: roll_up(book, BookResult(0, str(path), "x"), options))))
    return stages


if __name__ == "__main__":
    main()
