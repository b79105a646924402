"""Commands over many workbooks: one process against worker processes, in the same run.

    python benchmarks/commands.py --books 200              # validate, pipeline, scorecard
    python benchmarks/commands.py --books 50 --runs 5 --commands validate

For each command, `mom COMMAND DIR --json --workers 1` (the books one after another in the
command's process) and the default (one worker process per CPU) alternate, `--runs` times each;
the script prints wall and CPU seconds (the command and its children), their medians, the ratio
one process ÷ workers and whether the two JSON documents are equal (they must be). The books
are the demo books `benchmarks/consolidate.py` makes (`/tmp/mom-bench/books-N`), made here if
missing.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.consolidate import TODAY, demo_books  # noqa: E402

COMMANDS = ("validate", "pipeline", "scorecard")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(command: str, folder: Path, workers: int | None) -> tuple[float, float, bytes]:
    """Wall s, CPU s (the command and its worker processes) and the JSON document."""
    argv = [sys.executable, "-m", "mom_engine", command, str(folder), "--json",
            "--as-of", TODAY.isoformat()]
    if workers:
        argv += ["--workers", str(workers)]
    cpu, start = children_cpu(), time.perf_counter()
    done = subprocess.run(argv, capture_output=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    return time.perf_counter() - start, children_cpu() - cpu, done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--books", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--commands", nargs="+", default=list(COMMANDS), choices=COMMANDS)
    parser.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "mom-bench"))
    args = parser.parse_args()
    folder = Path(args.dir) / f"books-{args.books}"
    folder.mkdir(parents=True, exist_ok=True)
    demo_books(folder, args.books)
    print(f"{args.books} demo books in {folder}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.2f} at start; medians of {args.runs} runs")
    for command in args.commands:
        alone: list[tuple[float, float]] = []
        pooled: list[tuple[float, float]] = []
        same = True
        for _ in range(args.runs):
            wall, cpu, one = run(command, folder, 1)
            alone.append((wall, cpu))
            wall, cpu, many = run(command, folder, None)
            pooled.append((wall, cpu))
            same = same and one == many
        a_wall, a_cpu = (statistics.median(v) for v in zip(*alone, strict=True))
        p_wall, p_cpu = (statistics.median(v) for v in zip(*pooled, strict=True))
        print(f"mom {command:9s}  one process {a_wall:6.2f} s (CPU {a_cpu:6.2f} s)   workers "
              f"{p_wall:6.2f} s (CPU {p_cpu:6.2f} s)   one ÷ workers {a_wall / p_wall:4.2f}   "
              f"output {'equal' if same else 'DIFFERS'}")
        if not same:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
