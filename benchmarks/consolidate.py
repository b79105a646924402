"""Consolidation benchmark (SPEC §15): one command, every figure measured in the same run on
the same files, each goal printed with its measured ratio.

    python benchmarks/consolidate.py --books 1000                 # the goals at 1,000 books
    python benchmarks/consolidate.py --books 1000 10000           # + time and memory at 10×
    python benchmarks/consolidate.py --books 100 --runs 3         # a quick look
    python benchmarks/consolidate.py --books 200 --compare DIR    # + another checkout, same runs

For each N it generates N demo team workbooks (kept in --dir for re-runs) and, --runs times
interleaved (so load on a shared machine hits every contender alike), measures:
 (a) python-calamine reading every sheet's values of every book, one process — the floor;
 (b) pandas.read_excel(engine="openpyxl", sheet_name=None) on a sample of --sample books,
     extrapolated to N (said so in the output);
 (c) `mom consolidate DIR --json` with the default workers (a subprocess): wall time, CPU time of
     its whole process tree, and the tree's peak resident memory (psutil, every 10 ms);
 (d) the same with `--detail`.
Then one book: read + validate + roll up (`consolidate.process_book`) against calamine's read
of the same book, and where its time goes, stage by stage. Medians throughout.
Goals (issue 11): c ≤ 1.5 × a; b / c ≥ 20; d ≤ 1.2 × c; one book ≤ 5 × its read; at 10× the
books, time ≤ 11 × and peak memory ≤ 1.2 × the smaller run's.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
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


def read_calamine(paths: list[Path]) -> tuple[float, float]:
    """(wall s, CPU s) of reading every sheet's values of every book in this process."""
    import python_calamine as calamine
    start, cpu = time.perf_counter(), time.process_time()
    for path in paths:
        workbook = calamine.CalamineWorkbook.from_path(str(path))
        for name in workbook.sheet_names:
            workbook.get_sheet_by_name(name).to_python()
        workbook.close()
    return time.perf_counter() - start, time.process_time() - cpu


def read_openpyxl(paths: list[Path]) -> float:
    import pandas as pd
    start = time.perf_counter()
    for path in paths:
        pd.read_excel(path, engine="openpyxl", sheet_name=None)
    return time.perf_counter() - start


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_consolidate(folder: Path, workers: int | None, detail: bool = False,
                    root: Path = ROOT) -> tuple[float, float, int, dict]:
    """Wall s, CPU s and peak RSS (bytes) of `mom consolidate` and all its child processes,
    running the code of the checkout at `root` (this one by default)."""
    scratch = Path(tempfile.mkdtemp(prefix="mom-bench-"))
    command = [sys.executable, "-m", "mom_engine", "consolidate", str(folder),
               "-o", str(scratch / "consolidated.xlsx"), "--json", "--as-of", TODAY.isoformat()]
    if workers:
        command += ["--workers", str(workers)]
    if detail:
        command += ["--detail", str(scratch / "detail")]
    env = {**os.environ, "PYTHONPATH": str(root)}
    stdout_file = tempfile.TemporaryFile()   # not a pipe: a full pipe would block the child
    cpu = _children_cpu()
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=stdout_file, stderr=subprocess.DEVNULL, env=env,
                               cwd=root)   # `-m` puts the working folder first on the path
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
    cpu = _children_cpu() - cpu
    stdout_file.seek(0)
    stdout = stdout_file.read()
    shutil.rmtree(scratch, ignore_errors=True)
    return wall, cpu, peak, json.loads(stdout) if stdout else {}


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
        start = time.process_time()
        read()
        reads.append(time.process_time() - start)
        start = time.process_time()
        process_book(path, options)
        fulls.append(time.process_time() - start)
    return statistics.median(reads), statistics.median(fulls)


def goal(text: str, measured: float, bound: float, *, at_most: bool = True) -> str:
    met = measured <= bound if at_most else measured >= bound
    sign = "≤" if at_most else "≥"
    return f"GOAL {text}: {measured:.2f} (goal {sign} {bound:g}) — {'met' if met else 'MISSED'}"


def measure(folder: Path, paths: list[Path], args: argparse.Namespace) -> dict[str, float]:
    runs: dict[str, list[float]] = {k: [] for k in (
        "a", "a_cpu", "b", "c", "c_cpu", "c_peak", "d", "d_cpu", "d_peak", "e", "e_cpu")}
    sample = paths[: min(args.sample, len(paths))]
    document: dict = {}
    for run in range(args.runs):
        a, a_cpu = read_calamine(paths)
        runs["a"].append(a)
        runs["a_cpu"].append(a_cpu)
        if not args.no_openpyxl:
            runs["b"].append(read_openpyxl(sample) * len(paths) / len(sample))
        c, c_cpu, c_peak, document = run_consolidate(folder, args.workers)
        runs["c"].append(c)
        runs["c_cpu"].append(c_cpu)
        runs["c_peak"].append(c_peak)
        if not args.no_detail:
            d, d_cpu, d_peak, _ = run_consolidate(folder, args.workers, detail=True)
            runs["d"].append(d)
            runs["d_cpu"].append(d_cpu)
            runs["d_peak"].append(d_peak)
        if args.compare:
            e, e_cpu, _, _ = run_consolidate(folder, args.workers, root=Path(args.compare))
            runs["e"].append(e)
            runs["e_cpu"].append(e_cpu)
        print(f"  run {run + 1}: a {a:.2f} s, c {c:.2f} s (CPU {c_cpu:.1f} s)"
              + (f", d {runs['d'][-1]:.2f} s (CPU {runs['d_cpu'][-1]:.1f} s)" if runs["d"]
                 else "")
              + (f", before {runs['e'][-1]:.2f} s (CPU {runs['e_cpu'][-1]:.1f} s)" if runs["e"]
                 else ""), flush=True)
    books = document.get("books", {})
    rows = document.get("rows", {})
    print(f"  consolidated {books.get('read')} books ({books.get('failed')} failed), "
          f"{rows.get('consolidated')} of {rows.get('read')} rows")
    return {key: statistics.median(values) for key, values in runs.items() if values}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--books", type=int, nargs="+", default=[1000])
    parser.add_argument("--workers", type=int, default=None,
                        help="workers for mom consolidate (default: its own default)")
    parser.add_argument("--runs", type=int, default=3, help="runs per contender (median)")
    parser.add_argument("--sample", type=int, default=20,
                        help="books read with openpyxl, extrapolated to N (default 20)")
    parser.add_argument("--repeat", type=int, default=15, help="single-book repeats")
    parser.add_argument("--no-detail", action="store_true", help="skip the --detail runs")
    parser.add_argument("--no-openpyxl", action="store_true", help="skip the openpyxl reads")
    parser.add_argument("--no-stages", action="store_true", help="skip the per-stage table")
    parser.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "mom-bench"))
    parser.add_argument("--compare", metavar="ROOT",
                        help="another checkout (e.g. `git archive main` unpacked): its `mom "
                             "consolidate` is run in the same runs, interleaved, as 'before'")
    args = parser.parse_args()

    print(f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, {psutil.virtual_memory().total / 2**30:.1f} GiB, "
          f"Python {platform.python_version()}; load average {os.getloadavg()[0]:.2f} at start")
    figures: dict[int, dict[str, float]] = {}
    for count in args.books:
        folder = Path(args.dir) / f"books-{count}"
        paths = demo_books(folder, count)
        size = sum(p.stat().st_size for p in paths)
        print(f"\n== {count} demo books ({size / 2**20:.1f} MB) in {folder}, "
              f"medians of {args.runs} runs")
        m = figures[count] = measure(folder, paths, args)
        print(f"(a) calamine, all sheets, 1 process : {m['a']:8.2f} s  (CPU {m['a_cpu']:.2f} s)")
        if "b" in m:
            print(f"(b) pandas.read_excel openpyxl      : {m['b']:8.2f} s  "
                  f"(extrapolated from {min(args.sample, count)} books)")
        print(f"(c) mom consolidate                 : {m['c']:8.2f} s  (CPU {m['c_cpu']:.2f} s, "
              f"peak RSS {m['c_peak'] / 2**20:.0f} MB)")
        if "d" in m:
            print(f"(d) mom consolidate --detail        : {m['d']:8.2f} s  "
                  f"(CPU {m['d_cpu']:.2f} s, peak RSS {m['d_peak'] / 2**20:.0f} MB)")
        if "e" in m:
            print(f"(e) mom consolidate of {args.compare}: {m['e']:8.2f} s  (CPU "
                  f"{m['e_cpu']:.2f} s); this checkout / that one: wall {m['c'] / m['e']:.2f}, "
                  f"CPU {m['c_cpu'] / m['e_cpu']:.2f}")
            print(f"     (CPU: that one / calamine = {m['e_cpu'] / m['a_cpu']:.2f})")
        print(goal("consolidate wall / calamine wall", m["c"] / m["a"], 1.5))
        print(f"     (CPU: consolidate / calamine = {m['c_cpu'] / m['a_cpu']:.2f})")
        if "b" in m:
            print(goal("openpyxl / consolidate", m["b"] / m["c"], 20, at_most=False))
        if "d" in m:
            print(goal("--detail / without", m["d"] / m["c"], 1.2)
                  + f"   (CPU {m['d_cpu'] / m['c_cpu']:.2f})")
    counts = sorted(figures)
    for small, large in zip(counts, counts[1:], strict=False):
        factor = large / small
        s, big = figures[small], figures[large]
        print(f"\n== {large} books against {small} ({factor:g}× the books)")
        print(goal(f"time at {large} / time at {small}", big["c"] / s["c"], 1.1 * factor)
              + f"   (CPU {big['c_cpu'] / s['c_cpu']:.2f})")
        print(goal(f"peak memory at {large} / at {small}", big["c_peak"] / s["c_peak"], 1.2))

    book = sorted((Path(args.dir) / f"books-{counts[0]}").glob("team-*.xlsx"))[0]
    read, full = one_book(book, args.repeat)
    print(f"\n== one book ({book.name}, {book.stat().st_size / 1024:.0f} KB), median CPU of "
          f"{args.repeat}")
    print(f"calamine read {read * 1000:.1f} ms; read + validate + roll up {full * 1000:.1f} ms")
    print(goal("one book / its calamine read", full / read, 5))
    if not args.no_stages:
        print("where the time goes (median CPU ms):")
        for stage, ms in stage_times(book, args.repeat):
            print(f"  {stage:<44} {ms:7.1f}")


def stage_times(path: Path, repeat: int) -> list[tuple[str, float]]:
    """Median CPU milliseconds of each named stage of one book's work."""
    from mom_engine.analyze import DOMAIN_CHECKS, Context
    from mom_engine.consolidate import BookResult
    from mom_engine.domains import DOMAINS
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
    for name, roll_up in ((d.name, d.roll_up) for d in DOMAINS if d.roll_up):
        stages.append((f"roll-up: {name}", median(
            lambda book, roll_up=roll_up: roll_up(book, BookResult(0, str(path), "x"), options))))
    return stages


if __name__ == "__main__":
    main()
