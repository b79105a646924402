"""Schedule and execution: task earned value, rollups, lateness and review bottlenecks (SPEC §6).

Per task, at an as-of date: duration = working days Planned Start..Planned Finish inclusive
(Mon–Fri, at least 1; SPEC §4), EV = duration × % complete, PV = duration × planned share, where
the planned share is the working days elapsed from Planned Start through the as-of date
(inclusive, capped at duration) ÷ duration. Cancelled tasks are left out of every figure.

Rollups to activity, campaign and plan are ratios of sums, never averages of ratios:
% complete = ΣEV ÷ Σduration and SPI = ΣEV ÷ ΣPV (blank when ΣPV = 0). Planned start/finish
and actual start are the min/max over the tasks; actual finish is the latest one only when every
task has an Actual Finish, else blank.

Decisions where the SPEC is silent (also in the report to the lead):
- A task whose Planned Finish is on or before the as-of date is fully planned (share 1). This is
  the SPEC's rule for every ordinary task; it only matters for a task planned wholly on a weekend
  (0 working days, duration 1), which would otherwise never become due.
- Only activities and campaigns that have non-cancelled tasks get a schedule row; a book with no
  such tasks has no rows at all (no plan row either).
- A task is "finished" for the actual-finish rollup when it has an Actual Finish date.
- Review cycle = working days after Submitted On up to and including Approved On (approved the
  same day = 0, submitted Friday and approved Monday = 1): the working days the approver held it.
  Task cycle = working days Actual Start..Actual Finish inclusive, at least 1 (like a duration).
  An open review (submitted, not approved) has waited the working days after Submitted On
  through the as-of date; the bottleneck tables show the longest such wait.
  Hours variance compares only tasks that have both Planned and Actual Hours, so a task not yet
  booked does not look like savings.
- `task-start-missed` skips Cancelled tasks; `schedule-behind` skips Cancelled campaigns.
"""
from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any
from functools import cached_property

import numpy as np
import pandas as pd

from ..calendar import duration_days, working_days
from ..findings import Finding
from ..keys import first_positions, text_groups
from ..model import Book, Context


SCHEDULE_LEVELS = ("task", "activity", "campaign", "plan")

# Columns of every level's table (activity adds campaign_id, task adds activity_id too).
ROLLUP_COLUMNS = ("key", "planned_start", "planned_finish", "actual_start", "actual_finish",
                  "percent_complete", "spi", "late_tasks", "duration", "ev", "pv")

CLOSED_TASK_STATUSES = ("Done", "Cancelled")
OPEN_PLAN_STATUSES = ("Draft", "Submitted")
NO_KEY = "(blank)"


def _days(series: pd.Series) -> np.ndarray:
    return series.to_numpy(dtype="datetime64[s]").astype("datetime64[D]")


# --- per task figures -----------------------------------------------------------------------
# A team has a few hundred tasks, a UDF range ten thousand: the figures are plain numpy columns
# (pandas' fixed cost per operation would dominate), framed once when a table is asked for.

TASK_COLUMNS = ("task_id", "activity_id", "campaign_id", "planned_start", "planned_finish",
                "actual_start", "actual_finish", "percent_complete", "duration", "ev", "pv",
                "late", "finished", "_row")


def task_figures(book: Book, as_of: dt.date) -> pd.DataFrame:
    """One row per non-cancelled accepted task: its duration, EV, PV and lateness (SPEC §6).

    Columns: task_id, activity_id, campaign_id, the four dates (datetime64), percent_complete,
    duration, ev, pv, late, finished, _row.
    """
    return roll_up_schedule(book, as_of).tasks


def _task_columns(book: Book, as_of: dt.date) -> dict[str, np.ndarray]:
    """`task_figures`' columns as arrays."""
    tasks = book.rows("Tasks")
    status = tasks["Status"].to_numpy(dtype=object)
    live = status != "Cancelled"
    status = status[live]

    def column(name: str) -> np.ndarray:
        return tasks[name].to_numpy()[live]

    dates = {name: column(name) for name in ("Planned Start", "Planned Finish", "Actual Start",
                                             "Actual Finish")}
    planned_start = dates["Planned Start"].astype("datetime64[D]")
    planned_finish = dates["Planned Finish"].astype("datetime64[D]")
    as_of_day = np.datetime64(as_of, "D")
    duration = duration_days(planned_start, planned_finish).astype(np.int64)
    elapsed = np.minimum(working_days(planned_start, as_of_day), duration)
    elapsed = np.where(planned_finish <= as_of_day, duration, elapsed)
    percent = np.clip(np.nan_to_num(tasks["% Complete"].to_numpy(dtype=float, na_value=np.nan)
                                    [live], nan=0.0), 0.0, 1.0)
    closed = _one_of(status, CLOSED_TASK_STATUSES)
    late = (planned_finish < as_of_day) & (percent < 1.0) & ~closed
    activity_ids = column("Activity ID")
    return {
        "task_id": column("Task ID"),
        "activity_id": activity_ids,
        "campaign_id": _campaigns_of(book, activity_ids, tasks["Activity ID"]),
        "planned_start": dates["Planned Start"],
        "planned_finish": dates["Planned Finish"],
        "actual_start": dates["Actual Start"],
        "actual_finish": dates["Actual Finish"],
        "percent_complete": percent,
        "duration": duration,
        "ev": duration * percent,
        "pv": elapsed.astype(float),
        "late": late,
        "finished": ~np.isnat(dates["Actual Finish"]),
        "_row": column("_row"),
    }


def _one_of(values: np.ndarray, choices: tuple[str, ...]) -> np.ndarray:
    """values (object array) equal to one of `choices`; a blank is none of them."""
    found = np.zeros(len(values), dtype=bool)
    for choice in choices:
        found |= values == choice
    return found


def _campaign_of_activity(book: Book) -> tuple[dict[Any, int], np.ndarray]:
    """(Activity ID → the position of its first row, the Campaign ID of each row): the first
    row of each Activity ID counts, so an unchecked book with a duplicate ID works. (An
    accepted row always has its Activity ID: it is required.)"""
    def first_use() -> tuple[dict[Any, int], np.ndarray]:
        activities = book.rows("Activities")
        first = first_positions(activities["Activity ID"].to_numpy(dtype=object).tolist())
        return first, activities["Campaign ID"].to_numpy(dtype=object)
    return book.memo("schedule-campaign-of-activity", first_use)


def _campaigns_of(book: Book, activity_ids: np.ndarray, source: pd.Series) -> np.ndarray:
    """The Campaign ID of each Activity ID (taken from the column `source`), NaN where the
    activity is unknown. Without any Campaign ID to give (no Activities sheet) the column is
    float NaN — or, taken from no row of a text column, empty object — the types it had."""
    first, campaigns = _campaign_of_activity(book)
    blank = pd.isna(campaigns)
    if blank.all() or blank.any() and blank[list(first.values())].all():
        if not len(activity_ids) and source.dtype != object:
            return np.array([], dtype=object)
        return np.full(len(activity_ids), np.nan)
    positions = np.fromiter(map(first.get, activity_ids.tolist(), itertools.repeat(-1)),
                            dtype=np.int64, count=len(activity_ids))
    out = np.full(len(activity_ids), np.nan, dtype=object)
    out[positions >= 0] = campaigns[positions[positions >= 0]]
    return out


def _first_campaigns(campaigns: np.ndarray) -> np.ndarray:
    """The activity level's campaign_id column from each activity's first task's campaign
    (its tasks all share it): float NaN when none has one, object when there are no
    activities — the types it had."""
    if not len(campaigns):
        return np.array([], dtype=object)
    return np.full(len(campaigns), np.nan) if pd.isna(campaigns).all() else campaigns


# --- rollups --------------------------------------------------------------------------------

@dataclass
class ScheduleReport:
    """Schedule figures at one as-of date, one table per level (SPEC §6); each table is
    framed when first asked for."""

    as_of: dt.date
    plan_key: str
    columns: dict[str, np.ndarray]          # task_figures' columns
    levels: dict[str, pd.DataFrame] = field(default_factory=dict)

    @cached_property
    def tasks(self) -> pd.DataFrame:
        """task_figures: one row per non-cancelled task."""
        return pd.DataFrame(self.columns)

    def by(self, level: str) -> pd.DataFrame:
        """The rollup at `level` (one of SCHEDULE_LEVELS)."""
        if level not in SCHEDULE_LEVELS:
            raise ValueError(f"unknown schedule level {level!r}; use one of {SCHEDULE_LEVELS}")
        if level not in self.levels:
            self.levels[level] = self._level(level)
        return self.levels[level]

    def _level(self, level: str) -> pd.DataFrame:
        tasks = self.columns
        if level == "task":
            return pd.DataFrame({
                "key": tasks["task_id"], "activity_id": tasks["activity_id"],
                "campaign_id": tasks["campaign_id"],
                **{name: tasks[name] for name in ("planned_start", "planned_finish",
                                                  "actual_start", "actual_finish",
                                                  "percent_complete")},
                "spi": _safe_ratio(tasks["ev"], tasks["pv"]),
                "late_tasks": tasks["late"].astype(np.int64),
                "duration": tasks["duration"], "ev": tasks["ev"], "pv": tasks["pv"]})
        if level == "activity":
            rolled = _roll_up(tasks, "activity_id")
            campaigns = _first_campaigns(rolled.pop("campaign_id"))
            return pd.DataFrame({"key": rolled.pop("key"), "campaign_id": campaigns, **rolled})
        if level == "campaign":
            return pd.DataFrame(_roll_up(tasks, "campaign_id"))
        plan = np.full(len(tasks["task_id"]), self.plan_key, dtype=object)
        return pd.DataFrame(_roll_up({**tasks, "plan": plan}, "plan"))


def roll_up_schedule(book: Book, as_of: dt.date) -> ScheduleReport:
    """Task figures and their rollups to activity, campaign and plan (ratios of sums);
    computed once per book and as-of date, shared by checks, reports and consolidation."""
    return book.memo(("schedule-report", as_of), lambda: ScheduleReport(
        as_of, book.plan.plan_id or book.name, _task_columns(book, as_of)))


def _roll_up(tasks: dict[str, np.ndarray], by: str) -> dict[str, np.ndarray]:
    """Tasks grouped by the column `by` (sorted keys, blanks left out): min/max dates, sums,
    ratios of sums — the columns of a level's table (an activity's also its campaign_id).

    Grouped with numpy (sort once, reduce each run of equal keys): on the few hundred tasks of
    a team workbook, pandas' groupby machinery costs ten times the arithmetic.
    """
    keys = np.asarray(tasks[by], dtype=object)
    present = ~pd.isna(keys)
    labels, groups = text_groups(keys[present])
    order = np.argsort(groups, kind="stable")      # by key as text, ties in task order
    keys = labels[groups[order]]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else \
        np.array([], dtype=np.int64)

    def column(name: str) -> np.ndarray:
        return tasks[name][present][order]

    def reduce(ufunc: np.ufunc, values: np.ndarray) -> np.ndarray:
        return ufunc.reduceat(values, starts) if len(starts) else values[:0]

    def earliest(name: str) -> np.ndarray:      # min, blanks ignored
        days = column(name)
        ticks = np.where(np.isnat(days), np.iinfo(np.int64).max, days.view(np.int64))
        low = reduce(np.minimum, ticks)
        return np.where(low == np.iinfo(np.int64).max, np.iinfo(np.int64).min,
                        low).view(days.dtype)

    def latest(name: str) -> np.ndarray:        # max, blanks ignored (NaT sorts lowest)
        days = column(name)
        return reduce(np.maximum, days.view(np.int64)).view(days.dtype)

    all_finished = reduce(np.logical_and, column("finished").astype(bool))
    actual_finish = latest("actual_finish")
    actual_finish = np.where(all_finished, actual_finish,
                             np.datetime64("NaT").astype(actual_finish.dtype))
    duration = reduce(np.add, column("duration").astype(np.int64))
    ev = reduce(np.add, column("ev").astype(float))
    pv = reduce(np.add, column("pv").astype(float))
    level = {
        "key": keys[starts].astype(object),
        "planned_start": earliest("planned_start"),
        "planned_finish": latest("planned_finish"),
        "actual_start": earliest("actual_start"),
        "actual_finish": actual_finish,
        "percent_complete": _safe_ratio(ev, duration.astype(float)),
        "spi": _safe_ratio(ev, pv),
        "late_tasks": reduce(np.add, column("late").astype(np.int64)),
        "duration": duration,
        "ev": ev,
        "pv": pv,
    }
    if by == "activity_id":     # an activity's tasks share its campaign: take the first's
        level["campaign_id"] = column("campaign_id")[starts]
    return level


def _safe_ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator ÷ denominator, NaN (blank) where the denominator is 0."""
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    out = np.full(numerator.shape, np.nan)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


# --- execution metrics ----------------------------------------------------------------------

@dataclass
class ExecutionReport:
    """Execution metrics (SPEC §6): review bottlenecks, task cycle times, hours variance.

    Holds the per-task columns as arrays; each table is framed when first asked for (the
    scorecard reads the arrays, the Monday bottleneck report wants every table)."""

    # per submitted task: task_id, approver, role, cycle_days, open, waiting_days
    review_columns: dict[str, np.ndarray]
    # per finished task: key, activity_id, campaign_id, cycle_days
    cycle_columns: dict[str, np.ndarray]
    # per task with both hours: deliverable, assignee, planned_hours, actual_hours
    hours_columns: dict[str, np.ndarray]

    @cached_property
    def reviews(self) -> pd.DataFrame:
        return pd.DataFrame(self.review_columns)

    @cached_property
    def task_cycle(self) -> pd.DataFrame:
        return pd.DataFrame(self.cycle_columns)

    @cached_property
    def hours(self) -> pd.DataFrame:
        return pd.DataFrame(self.hours_columns)

    @cached_property
    def review_by_approver(self) -> pd.DataFrame:
        """key, reviews, median_days, max_days, open_reviews, oldest_open_days (as-of)."""
        return _review_bottlenecks(self.reviews, "approver")

    @cached_property
    def review_by_role(self) -> pd.DataFrame:
        """Same columns as review_by_approver, by Role."""
        return _review_bottlenecks(self.reviews, "role")

    @cached_property
    def task_cycle_by_activity(self) -> pd.DataFrame:
        """key, tasks, median_days."""
        return _median_cycle(self.task_cycle, "activity_id")

    @cached_property
    def task_cycle_by_campaign(self) -> pd.DataFrame:
        """key, tasks, median_days."""
        return _median_cycle(self.task_cycle, "campaign_id")

    @cached_property
    def hours_by_deliverable(self) -> pd.DataFrame:
        """key, tasks, planned_hours, actual_hours, variance."""
        return _hours_variance(self.hours, "deliverable")

    @cached_property
    def hours_by_assignee(self) -> pd.DataFrame:
        """Same columns as hours_by_deliverable, by Assignee."""
        return _hours_variance(self.hours, "assignee")


def execution_metrics(book: Book, as_of: dt.date | None = None) -> ExecutionReport:
    """Review cycle by approver and role, task cycle, hours variance; cancelled tasks left out.

    With `as_of`, open reviews also get their waiting time (working days after Submitted On
    through as-of) and the bottleneck tables their longest wait (`oldest_open_days`).
    Computed once per book and as-of date.
    """
    return book.memo(("execution", as_of), lambda: _execution_metrics(book, as_of))


def _execution_metrics(book: Book, as_of: dt.date | None) -> ExecutionReport:
    tasks = book.rows("Tasks")
    live = tasks["Status"].to_numpy(dtype=object) != "Cancelled"

    def column(name: str, dtype: object = None) -> np.ndarray:
        return tasks[name].to_numpy(dtype=dtype)[live]

    def named(name: str) -> np.ndarray:     # a text column, blank → NO_KEY
        values = column(name, object)
        values[pd.isna(values)] = NO_KEY
        return values

    task_ids, activity_ids = column("Task ID"), column("Activity ID")
    submitted_on = column("Submitted On").astype("datetime64[D]")
    submitted = ~np.isnat(submitted_on)
    submitted_on = submitted_on[submitted]
    approved_on = column("Approved On").astype("datetime64[D]")[submitted]
    approved = ~np.isnat(approved_on)
    cycle = working_days(submitted_on + np.timedelta64(1, "D"), approved_on).astype(float)
    reviews = {
        "task_id": task_ids[submitted],
        "approver": named("Approver")[submitted],
        "role": named("Role")[submitted],
        "cycle_days": np.where(approved, cycle, np.nan),
        "open": ~approved,
        "waiting_days": _waiting_days(submitted_on, approved, as_of),
    }

    actual_start = column("Actual Start").astype("datetime64[D]")
    actual_finish = column("Actual Finish").astype("datetime64[D]")
    done = ~np.isnat(actual_start) & ~np.isnat(actual_finish)
    task_cycle = {
        "key": task_ids[done],
        "activity_id": activity_ids[done],
        "campaign_id": _campaigns_of(book, activity_ids[done], tasks["Activity ID"]),
        "cycle_days": duration_days(actual_start[done], actual_finish[done]).astype(np.int64),
    }

    planned_hours = column("Planned Hours", float)
    actual_hours = column("Actual Hours", float)
    booked = ~np.isnan(planned_hours) & ~np.isnan(actual_hours)
    hours = {
        "deliverable": named("Deliverable")[booked],
        "assignee": named("Assignee")[booked],
        "planned_hours": planned_hours[booked],
        "actual_hours": actual_hours[booked],
    }
    return ExecutionReport(review_columns=reviews, cycle_columns=task_cycle, hours_columns=hours)


def _review_bottlenecks(reviews: pd.DataFrame, by: str) -> pd.DataFrame:
    """Completed reviews, median and max working days, open reviews; slowest first."""
    grouped = reviews.groupby(by, sort=True)
    table = grouped.agg(reviews=("cycle_days", "count"), median_days=("cycle_days", "median"),
                        max_days=("cycle_days", "max"), open_reviews=("open", "sum"),
                        oldest_open_days=("waiting_days", "max"))
    table = table.reset_index().rename(columns={by: "key"})
    table["reviews"] = table["reviews"].astype(np.int64)
    table["open_reviews"] = table["open_reviews"].astype(np.int64)
    return table.sort_values(["median_days", "open_reviews", "key"],
                             ascending=[False, False, True], na_position="last",
                             ignore_index=True)


def _waiting_days(submitted_on: np.ndarray, approved: np.ndarray,
                  as_of: dt.date | None) -> np.ndarray:
    """Working days an open review has waited by `as_of` (NaN when approved or no as-of)."""
    if as_of is None:
        return np.full(submitted_on.shape, np.nan)
    waited = working_days(submitted_on + np.timedelta64(1, "D"), np.datetime64(as_of, "D"))
    return np.where(approved, np.nan, waited.astype(float))


def _median_cycle(task_cycle: pd.DataFrame, by: str) -> pd.DataFrame:
    table = task_cycle.groupby(by, sort=True).agg(tasks=("cycle_days", "count"),
                                                   median_days=("cycle_days", "median"))
    table = table.reset_index().rename(columns={by: "key"})
    table["tasks"] = table["tasks"].astype(np.int64)
    return table


def _hours_variance(hours: pd.DataFrame, by: str) -> pd.DataFrame:
    table = hours.groupby(by, sort=True).agg(tasks=("planned_hours", "count"),
                                             planned_hours=("planned_hours", "sum"),
                                             actual_hours=("actual_hours", "sum"))
    table = table.reset_index().rename(columns={by: "key"})
    table["tasks"] = table["tasks"].astype(np.int64)
    table["variance"] = table["actual_hours"] - table["planned_hours"]
    return table


# --- checks ---------------------------------------------------------------------------------

def check_schedule(book: Book, context: Context) -> list[Finding]:
    """`task-late`, `task-start-missed`, `schedule-behind`, `tasks-before-approval` (SPEC §6).

    `dates-reversed` is a structure check (structure.py) and is not repeated here.
    """
    as_of = context.as_of
    findings: list[Finding] = []
    tasks = book.rows("Tasks")
    if tasks.empty:
        return findings
    if book.plan.status in OPEN_PLAN_STATUSES:
        findings.append(book.plan_finding(
            "tasks-before-approval",
            f"the plan is {book.plan.status} but the Tasks sheet already has {len(tasks)} "
            f"task{'s' * (len(tasks) != 1)}; get the plan approved before scheduling "
            f"milestones", "Status", value=book.plan.status))
    findings += _late_tasks(book, tasks, as_of)
    findings += _missed_starts(book, tasks, as_of)
    findings += _campaigns_behind(book, as_of)
    return findings


def _late_tasks(book: Book, tasks: pd.DataFrame, as_of: dt.date) -> list[Finding]:
    as_of_day = np.datetime64(as_of, "D")
    percent = np.nan_to_num(tasks["% Complete"].to_numpy(dtype=float, na_value=np.nan), nan=0.0)
    finish = _days(tasks["Planned Finish"])
    late = ((finish < as_of_day) & (percent < 1.0)
            & ~_one_of(tasks["Status"].to_numpy(dtype=object), CLOSED_TASK_STATUSES))
    positions = np.flatnonzero(late)
    if not len(positions):
        return []
    ids, rows = tasks["Task ID"].to_numpy()[positions], tasks["_row"].to_numpy()[positions]
    finishes = finish[positions].astype(str)
    return [book.finding(
        "task-late",
        f"task {task_id} was due {finish} and is {percent[position]:.0%} complete on {as_of}; "
        f"finish it, update % Complete and Status, or re-plan its Planned Finish",
        sheet="Tasks", column="Planned Finish", row=int(row), value=str(finish))
        for task_id, row, finish, position in zip(ids, rows, finishes, positions, strict=True)]


def _missed_starts(book: Book, tasks: pd.DataFrame, as_of: dt.date) -> list[Finding]:
    as_of_day = np.datetime64(as_of, "D")
    percent = np.nan_to_num(tasks["% Complete"].to_numpy(dtype=float, na_value=np.nan), nan=0.0)
    start = _days(tasks["Planned Start"])
    missed = ((start < as_of_day) & np.isnat(_days(tasks["Actual Start"])) & (percent == 0.0)
              & (tasks["Status"].to_numpy(dtype=object) != "Cancelled"))
    positions = np.flatnonzero(missed)
    if not len(positions):
        return []
    ids, rows = tasks["Task ID"].to_numpy()[positions], tasks["_row"].to_numpy()[positions]
    starts = start[positions].astype(str)
    return [book.finding(
        "task-start-missed",
        f"task {task_id} was planned to start {start} and has no Actual Start on {as_of}; "
        f"start it and fill Actual Start, or re-plan it",
        sheet="Tasks", column="Planned Start", row=int(row), value=str(start))
        for task_id, row, start in zip(ids, rows, starts, strict=True)]


def _campaigns_behind(book: Book, as_of: dt.date) -> list[Finding]:
    """`schedule-behind` at the campaign's Campaign ID cell when its SPI < SPI Threshold."""
    threshold = book.plan.spi_threshold
    campaign = roll_up_schedule(book, as_of).by("campaign")
    spis = campaign["spi"].to_numpy(dtype=float)
    behind = spis < threshold
    if not behind.any():
        return []
    campaigns = book.rows("Campaigns")
    live = campaigns["Status"].to_numpy(dtype=object) != "Cancelled"
    row_of = dict(zip(campaigns["Campaign ID"].to_numpy(dtype=object)[live],
                      campaigns["_row"].to_numpy()[live], strict=True))
    findings = []
    for key, spi in zip(campaign["key"].to_numpy(dtype=object)[behind], spis[behind],
                        strict=True):
        if key not in row_of:
            continue
        findings.append(book.finding(
            "schedule-behind",
            f"campaign {key} has SPI {spi:.2f} on {as_of}, below the plan's SPI Threshold "
            f"{threshold:g}; its tasks have earned less than planned — catch up or re-plan",
            sheet="Campaigns", column="Campaign ID", row=int(row_of[key]),
            value=round(float(spi), 4)))
    return findings
