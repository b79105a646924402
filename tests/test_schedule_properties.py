"""Properties of the schedule rollups over random task sets (SPEC §6): sums add up across levels,
% complete stays in 0..1, and rollups are ratios of sums."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mom_engine.model import Book, PlanSettings, Table, empty_frame
from mom_engine.analyze import Context
from mom_engine.domains.schedule import check_schedule, roll_up_schedule
from mom_engine.sheets import SHEETS, TASK_STATUSES

BASE = dt.date(2027, 1, 1)
ACTIVITY_CAMPAIGN = {"A1": "C1", "A2": "C1", "A3": "C2", "A4": "C3"}


def table(name: str, records: list[dict]) -> Table:
    """A Table as the reader types it: every declared column, dates datetime64[s]."""
    frame = empty_frame(SHEETS[name])
    data = {}
    for column in frame.columns:
        values = [r.get(column) for r in records]
        if frame[column].dtype.kind == "M":
            data[column] = pd.Series(pd.to_datetime(values), dtype="datetime64[s]")
        elif frame[column].dtype.kind == "f":
            data[column] = pd.Series(values, dtype=float)
        elif frame[column].dtype.kind == "b":
            data[column] = pd.Series([bool(v) for v in values], dtype=bool)
        elif column == "_row":
            data[column] = pd.Series(range(2, len(records) + 2), dtype=np.int64)
        else:
            data[column] = pd.Series(values, dtype=object)
    return Table(SHEETS[name], pd.DataFrame(data), title=name)


def book_of(tasks: list[dict]) -> Book:
    activities = [{"Activity ID": a, "Campaign ID": c, "Activity": a, "GL Account": "1"}
                  for a, c in ACTIVITY_CAMPAIGN.items()]
    return Book(Path("random.xlsx"), "random.xlsx",
                plan=PlanSettings(plan_id="P-1", status="Approved"),
                tables={"Tasks": table("Tasks", tasks),
                        "Activities": table("Activities", activities)})


@st.composite
def task_sets(draw):
    count = draw(st.integers(1, 25))
    tasks = []
    for n in range(count):
        start = BASE + dt.timedelta(days=draw(st.integers(0, 120)))
        finish = start + dt.timedelta(days=draw(st.integers(0, 40)))
        actual_start = draw(st.none() | st.just(start))
        actual_finish = draw(st.none() | st.just(finish)) if actual_start else None
        tasks.append({
            "Task ID": f"T{n}", "Activity ID": draw(st.sampled_from(sorted(ACTIVITY_CAMPAIGN))),
            "Task": f"t{n}", "Planned Start": start, "Planned Finish": finish,
            "Actual Start": actual_start, "Actual Finish": actual_finish,
            "% Complete": draw(st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.9, 1.0])),
            "Status": draw(st.sampled_from(TASK_STATUSES)),
        })
    as_of = BASE + dt.timedelta(days=draw(st.integers(-10, 200)))
    return tasks, as_of


@settings(max_examples=60, deadline=None)
@given(task_sets())
def test_plan_sums_equal_sums_over_campaigns_and_activities(data):
    tasks, as_of = data
    report = roll_up_schedule(book_of(tasks), as_of)
    kept = [t for t in tasks if t["Status"] != "Cancelled"]
    levels = {level: report.by(level) for level in ("task", "activity", "campaign", "plan")}
    if not kept:
        assert all(frame.empty for frame in levels.values())
        return
    plan = levels["plan"].iloc[0]
    for level in ("task", "activity", "campaign"):
        frame = levels[level]
        assert frame["ev"].sum() == pytest.approx(plan["ev"])
        assert frame["pv"].sum() == pytest.approx(plan["pv"])
        assert int(frame["duration"].sum()) == int(plan["duration"])
        assert int(frame["late_tasks"].sum()) == int(plan["late_tasks"])
    assert len(levels["task"]) == len(kept)
    for level, frame in levels.items():
        percent = frame["percent_complete"].to_numpy()
        assert ((percent >= 0) & (percent <= 1)).all(), level
        # PV never exceeds duration and EV never exceeds duration.
        assert (frame["pv"].to_numpy() <= frame["duration"].to_numpy() + 1e-9).all()
        assert (frame["ev"].to_numpy() <= frame["duration"].to_numpy() + 1e-9).all()
    # Every late task counted is one task-late finding, and the other way round.
    late_findings = [f for f in check_schedule(book_of(tasks), Context(as_of=as_of))
                     if f.code == "task-late"]
    assert len(late_findings) == int(plan["late_tasks"])
    # Ratio of sums, never a mean of ratios.
    assert plan["percent_complete"] == pytest.approx(plan["ev"] / plan["duration"])
    if plan["pv"] > 0:
        assert plan["spi"] == pytest.approx(plan["ev"] / plan["pv"])
    else:
        assert np.isnan(plan["spi"])


@settings(max_examples=40, deadline=None)
@given(task_sets())
def test_actual_finish_only_when_every_task_finished(data):
    tasks, as_of = data
    activity = roll_up_schedule(book_of(tasks), as_of).by("activity")
    kept = [t for t in tasks if t["Status"] != "Cancelled"]
    for key, finish in zip(activity["key"], activity["actual_finish"], strict=True):
        mine = [t for t in kept if t["Activity ID"] == key]
        finishes = [t["Actual Finish"] for t in mine]
        if all(finishes):
            assert finish.date() == max(finishes)
        else:
            assert pd.isna(finish)
