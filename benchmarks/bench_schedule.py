"""How long the schedule rollups, execution metrics and checks take on a large task set.

Run: `python benchmarks/bench_schedule.py [TASKS]` (default 200,000 tasks over 2,000
activities in 200 campaigns). Built in memory, so this times our code, not the reader.
"""
from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from mom_engine.analyze import Context
from mom_engine.model import Book, PlanSettings
from mom_engine.domains.schedule import check_schedule, execution_metrics, roll_up_schedule

from synthetic import table  # benchmarks/synthetic.py, beside this script


def large_book(tasks: int, seed: int = 1) -> Book:
    rng = np.random.default_rng(seed)
    activities = 2000
    activity_ids = np.array([f"A{n}" for n in range(activities)], dtype=object)
    start = np.datetime64("2027-01-01") + rng.integers(0, 300, tasks)
    finish = start + rng.integers(0, 30, tasks)
    submitted = np.where(rng.random(tasks) < 0.5, start + 2, np.datetime64("NaT"))
    task_columns = {
        "Task ID": np.array([f"T{n}" for n in range(tasks)], dtype=object),
        "Activity ID": activity_ids[rng.integers(0, activities, tasks)],
        "Task": np.full(tasks, "task", dtype=object),
        "Planned Start": start.astype("datetime64[s]"),
        "Planned Finish": finish.astype("datetime64[s]"),
        "% Complete": rng.random(tasks),
        "Status": rng.choice(np.array(["Not Started", "In Progress", "Done", "Cancelled"],
                                      dtype=object), tasks),
        "Submitted On": submitted.astype("datetime64[s]"),
        "Approved On": (submitted + rng.integers(0, 8, tasks)).astype("datetime64[s]"),
        "Approver": rng.choice(np.array([f"P{n}" for n in range(40)], dtype=object), tasks),
        "Role": rng.choice(np.array(["Design", "Copy", "Legal"], dtype=object), tasks),
        "Planned Hours": rng.integers(1, 40, tasks).astype(float),
        "Actual Hours": rng.integers(1, 40, tasks).astype(float),
    }
    activity_columns = {
        "Activity ID": activity_ids,
        "Campaign ID": np.array([f"C{n % 200}" for n in range(activities)], dtype=object),
        "Activity": activity_ids, "GL Account": np.full(activities, "610200", dtype=object),
    }
    return Book(Path("large.xlsx"), "large.xlsx",
                plan=PlanSettings(plan_id="P-1", status="Approved"),
                tables={"Tasks": table("Tasks", task_columns, tasks),
                        "Activities": table("Activities", activity_columns, activities)})


def _all_summaries(report):
    """Execution summaries are computed on demand: ask for every one of them."""
    for name in ("review_by_approver", "review_by_role", "task_cycle_by_activity",
                 "task_cycle_by_campaign", "hours_by_deliverable", "hours_by_assignee"):
        getattr(report, name)
    return report


def main() -> None:
    tasks = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    book = large_book(tasks)
    as_of = dt.date(2027, 6, 1)
    for label, step in (("roll_up_schedule", lambda: roll_up_schedule(book, as_of)),
                        ("execution_metrics", lambda: _all_summaries(execution_metrics(book, as_of))),
                        ("check_schedule", lambda: check_schedule(book, Context(as_of=as_of)))):
        book._memo.clear()        # time the work, not the per-book memo of an earlier step
        began = time.perf_counter()
        result = step()
        size = len(result) if isinstance(result, list) else ""
        print(f"{label:<18} {time.perf_counter() - began:7.3f} s  {size}")
    pd.set_option("display.width", 120)
    print(roll_up_schedule(book, as_of).by("plan").to_string())


if __name__ == "__main__":
    main()
