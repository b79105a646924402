"""People and capacity: each person's load per week, utilisation, internal vs external work
(SPEC §6 "Capacity").

A task's Planned Hours are spread evenly over its working days (Mon–Fri, Planned Start …
Planned Finish inclusive); a person's load in a week (Monday–Sunday, named by its Monday and by
its fiscal week `FY2027-W09`) is the sum over their tasks of the hours that fall in that week;
utilisation = load ÷ the person's Hours per Week. Cancelled tasks are left out.

Decisions where the SPEC is silent (also in the README):
- People match ignoring case and surrounding spaces (`dana kim` on Tasks is `Dana Kim` on
  People); a person is shown as People spells them, else as their first task spells them.
- A person not on People (or any person when People is empty) has the People sheet's default
  capacity, 40 hours per week, so an impossible week is still flagged; with People filled such an
  Assignee also gets `assignee-unknown`.
- A task planned wholly on a weekend (no working day) puts its hours in the week it starts. A
  task whose Planned Finish is before its Planned Start carries no load (`dates-reversed` says
  why), and one spread over more than ten years is left out of the load with a `value-range`
  warning rather than spread over hundreds of weeks.
- `over-allocated` is one finding per person and week above 100 %, at the Assignee cell of the
  first task (by row) that loads that week, naming the week and every task in it.
- Internal or external: the person's Resource Type when they are on People, else the task's.
  Cost = hours × the person's Cost Rate (plan currency per hour), summed exactly and rounded to
  cents once per figure; hours of people without a Cost Rate are counted as `unpriced_hours`.
  Tasks without an Assignee still count in the campaign's hours (by the task's Resource Type).
- Across books (`mom capacity` with several books, consolidation) one person is one person:
  their weekly loads add up; their capacity is the Hours per Week of the first book (in input
  order) that lists them on People, else the default.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from ..calendar import week_labels, week_starts, working_days
from ..findings import Finding, make_finding
from ..keys import first_positions, first_rows
from ..model import Book, Context, Table, frame_of, text_array
from ..sheets import SHEETS
from ..values import round_cents
from .scorecard import column_days, plan_campaigns

DEFAULT_HOURS_PER_WEEK = float(SHEETS["People"].column("Hours per Week").default)  # type: ignore[arg-type]
MAX_TASK_WEEKS = 522           # ten years: a longer task is a typo, not a workload
TOLERANCE = 1e-9               # hours are floats: 40.000000001 is not over 40

LOAD_COLUMNS = ["person_key", "person", "week", "fiscal_week", "hours", "capacity",
                "utilisation", "tasks"]
CAMPAIGN_COLUMNS = ["campaign_id", "campaign", "internal_hours", "external_hours",
                    "actual_internal_hours", "actual_external_hours", "internal_cost",
                    "external_cost", "unpriced_hours"]
PEOPLE_COLUMNS = ["person_key", "person", "role", "resource_type", "hours_per_week",
                  "cost_rate", "on_people"]


def person_keys(values: Sequence[object] | np.ndarray | pd.Series) -> np.ndarray:
    """Names as people are matched: trimmed and case-folded; blanks become None."""
    return np.array([v.strip().casefold() if isinstance(v, str) and v.strip() else None
                     for v in np.asarray(values, dtype=object)], dtype=object)


@dataclass
class CapacityReport:
    """`people`: who is known and their capacity (`known`: its columns as plain arrays);
    `loads`: person × week (`load_columns`: LOAD_COLUMNS + first_row); `campaigns`: hours and
    cost per campaign, internal and external; `tasks`: the columns (plain arrays) of the tasks
    with Planned Hours, as `assigned_tasks` gives them. The three tables are made when first
    asked for: the checks read the columns only."""

    known: dict[str, Any]
    load_columns: dict[str, Any]
    tasks: dict[str, np.ndarray]
    start_month: int
    people_of: Callable[[], pd.DataFrame] = field(repr=False, compare=False)
    campaigns_of: Callable[[], pd.DataFrame] = field(repr=False, compare=False)

    @functools.cached_property
    def people(self) -> pd.DataFrame:
        return self.people_of()

    @functools.cached_property
    def loads(self) -> pd.DataFrame:
        return pd.DataFrame(self.load_columns)

    @functools.cached_property
    def campaigns(self) -> pd.DataFrame:
        return self.campaigns_of()


def roll_up_capacity(book: Book) -> CapacityReport:
    """People, weekly loads and campaign hours of one book; computed once per book state."""
    return book.memo("capacity-report", lambda: _roll_up_capacity(book))


# The figures are computed on plain numpy arrays and dicts, and a DataFrame is built once per
# result: on a team's few hundred rows pandas' per-operation cost is far above the arithmetic.

def _roll_up_capacity(book: Book) -> CapacityReport:
    columns, kept = _people(book)
    known = {name: values[kept] for name, values in columns.items()}
    tasks = assigned_tasks(book, known)
    loads = weekly_loads(spread_hours(tasks), known, book.plan.fy_start_month)
    return CapacityReport(known, loads, tasks, book.plan.fy_start_month,
                          lambda: _people_table(columns, kept),
                          lambda: campaign_hours(book, tasks, known))


def _people(book: Book) -> tuple[dict[str, Any], np.ndarray]:
    """PEOPLE_COLUMNS (+ `_row`) of every People row, and the positions of the rows with a
    name, the first row of each name."""
    people = book.table("People")
    names = people.column("Person", object)
    keys = person_keys(names)
    kept = first_rows(keys.tolist())
    hours = people.column("Hours per Week", float)
    columns = {
        "person_key": keys,
        "person": names,
        "role": people.column("Role", object),
        "resource_type": people.column("Resource Type", object),
        "hours_per_week": np.where(np.isnan(hours), DEFAULT_HOURS_PER_WEEK, hours),
        "cost_rate": pd.array(people.column("Cost Rate", object), dtype="Int64"),
        "on_people": np.ones(len(names), dtype=bool),
        "_row": people.column("_row", np.int64).copy(),
    }
    return columns, kept


def _people_table(columns: dict[str, Any], kept: np.ndarray) -> pd.DataFrame:
    """The People table: the rows at `kept`, each text column typed from every row (as it
    always was), built once."""
    typed = {name: text_array(values.tolist()) if values.dtype == object else values
             for name, values in columns.items()}
    if len(kept) < len(columns["_row"]):
        typed = {name: values[kept] for name, values in typed.items()}
    return frame_of(typed)


def _live_tasks(book: Book) -> tuple[Table, np.ndarray]:
    """The Tasks table and which of its accepted rows are not cancelled."""
    tasks = book.table("Tasks")
    return tasks, tasks.column("Status", object) != "Cancelled"


def assigned_tasks(book: Book, people: dict[str, Any]) -> dict[str, np.ndarray]:
    """Non-cancelled tasks with Planned Hours, their person, resource type and campaign."""
    tasks, live = _live_tasks(book)
    planned = tasks.column("Planned Hours", float)
    keep = live & ~np.isnan(planned)
    activities = book.table("Activities")
    campaigns = activities.column("Campaign ID", object)
    campaign_of = {activity: campaigns[position] for activity, position in first_positions(
        activities.column("Activity ID", object).tolist()).items()}
    assignees = tasks.column("Assignee", object)[keep]
    keys = person_keys(assignees)
    known = first_positions(people["person_key"].tolist())
    own_types = tasks.column("Resource Type", object)[keep].tolist()
    resource_type = np.array([
        people["resource_type"][known[key]] if key in known
        else own if isinstance(own, str) else "Internal"
        for key, own in zip(keys.tolist(), own_types, strict=True)], dtype=object)
    return {
        "task_id": tasks.column("Task ID", object)[keep],
        "campaign_id": np.array([campaign_of.get(a, np.nan) for a in
                                 tasks.column("Activity ID", object)[keep].tolist()],
                                dtype=object),
        "person_key": keys,
        "assignee": assignees,
        "resource_type": resource_type,
        "planned_hours": planned[keep],
        "actual_hours": tasks.column("Actual Hours", float)[keep],
        "planned_start": column_days(book, "Tasks", "Planned Start")[keep],
        "planned_finish": column_days(book, "Tasks", "Planned Finish")[keep],
        "_row": tasks.column("_row", np.int64)[keep],
    }


def _task_weeks(tasks: dict[str, np.ndarray]) -> np.ndarray:
    """How many weeks (Monday–Sunday) each task touches."""
    start, finish = tasks["planned_start"], tasks["planned_finish"]
    return (week_starts(finish) - week_starts(start)).astype(np.int64) // 7 + 1


def _loadable(tasks: dict[str, np.ndarray]) -> np.ndarray:
    """Tasks that carry a load: assigned, hours > 0, dates in order, at most ten years long."""
    start, finish = tasks["planned_start"], tasks["planned_finish"]
    return (pd.notna(tasks["person_key"]) & (tasks["planned_hours"] > 0)
            & ~np.isnat(start) & ~np.isnat(finish) & (finish >= start)
            & (_task_weeks(tasks) <= MAX_TASK_WEEKS))


def spread_hours(tasks: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """One row per task and week it spans: the task's hours that fall in that week.

    hours in a week = Planned Hours × working days of the task in the week ÷ its working days.
    """
    loadable = _loadable(tasks)
    start, finish = tasks["planned_start"][loadable], tasks["planned_finish"][loadable]
    first = week_starts(start)
    spans = (week_starts(finish) - first).astype(np.int64) // 7 + 1
    which = np.repeat(np.arange(len(start)), spans)
    offset = np.arange(len(which)) - np.repeat(np.cumsum(spans) - spans, spans)
    mondays = first[which] + (offset * 7).astype("timedelta64[D]")
    inside = working_days(np.maximum(start[which], mondays),
                          np.minimum(finish[which], mondays + np.timedelta64(6, "D")))
    total = working_days(start, finish)[which]
    weekend_only = total == 0                    # no working day: all hours in the first week
    share = np.where(weekend_only, (offset == 0).astype(float),
                     inside / np.where(weekend_only, 1, total))
    hours = tasks["planned_hours"][loadable][which] * share
    keep = hours > 0
    picked = which[keep]
    return {"week": mondays[keep], "hours": hours[keep],
            **{name: tasks[name][loadable][picked]
               for name in ("person_key", "assignee", "task_id", "_row")}}


def weekly_loads(weekly: dict[str, np.ndarray], people: dict[str, Any],
                 start_month: int) -> dict[str, Any]:
    """Person × week: hours, capacity, utilisation, the tasks (in row order) that load it and
    the Excel row of the first of them — as columns (LOAD_COLUMNS + first_row)."""
    if not len(weekly["week"]):
        return {**{c: np.array([], dtype=object) for c in LOAD_COLUMNS},
                "first_row": np.array([], dtype=np.int64)}
    # grouped with numpy (sort once, reduce each run of equal keys), as schedule rolls up
    keys = weekly["person_key"].astype(str)
    weeks, rows = weekly["week"], weekly["_row"]
    order = np.lexsort((rows, weeks, keys))
    keys, weeks, rows = keys[order], weeks[order], rows[order]
    starts = np.flatnonzero(np.r_[True, (keys[1:] != keys[:-1]) | (weeks[1:] != weeks[:-1])])
    ids = weekly["task_id"][order].tolist()
    ends = np.r_[starts[1:], len(keys)]
    person_key = keys[starts].astype(object)
    hours = np.add.reduceat(weekly["hours"][order], starts)
    known = first_positions(people["person_key"].tolist())
    in_row_order = np.argsort(weekly["_row"], kind="stable")   # first spelling on Tasks
    names = weekly["assignee"][in_row_order]
    spelling = {key: names[position] for key, position in first_positions(
        weekly["person_key"][in_row_order].tolist()).items()}
    at = [known.get(key) for key in person_key.tolist()]
    capacity = np.array([DEFAULT_HOURS_PER_WEEK if p is None else people["hours_per_week"][p]
                         for p in at], dtype=float)
    mondays = weeks[starts]
    return {
        "person_key": person_key,
        "person": np.array([spelling[key] if p is None else people["person"][p]
                            for key, p in zip(person_key.tolist(), at, strict=True)],
                           dtype=object),
        "week": mondays,
        "fiscal_week": week_labels(mondays, start_month),
        "hours": hours, "capacity": capacity, "utilisation": hours / capacity,
        "tasks": [tuple(dict.fromkeys(ids[a:b])) for a, b in zip(starts.tolist(), ends.tolist(),
                                                                  strict=True)],
        "first_row": rows[starts],
    }


def campaign_hours(book: Book, tasks: dict[str, np.ndarray],
                   people: dict[str, Any]) -> pd.DataFrame:
    """Per campaign: planned and actual hours internal / external, planned cost, unpriced hours."""
    listed = plan_campaigns(book)
    rank = first_positions(listed.ids.tolist())
    known = first_positions(people["person_key"].tolist())
    rates = people["cost_rate"].to_numpy(dtype=float, na_value=np.nan)   # cents per hour
    rate = np.array([np.nan if p is None else rates[p]
                     for p in (known.get(key) for key in tasks["person_key"].tolist())],
                    dtype=float)
    internal = tasks["resource_type"] == "Internal"
    planned = tasks["planned_hours"]
    actual = np.nan_to_num(tasks["actual_hours"])
    priced = ~np.isnan(rate)
    cost = np.where(priced, planned * np.nan_to_num(rate), 0.0)
    figures = np.column_stack([
        np.where(internal, planned, 0.0), np.where(internal, 0.0, planned),
        np.where(internal, actual, 0.0), np.where(internal, 0.0, actual),
        np.where(internal, cost, 0.0), np.where(internal, 0.0, cost),
        np.where(priced, 0.0, planned)])
    group = np.array([rank.get(c, -1) for c in tasks["campaign_id"].tolist()], dtype=np.int64)
    sums = compensated_sums(group, figures, len(rank))
    columns: dict[str, Any] = {"campaign_id": text_array(listed.ids.tolist()),
                               "campaign": text_array(listed.names.tolist())}
    for index, column in enumerate(CAMPAIGN_COLUMNS[2:]):
        columns[column] = round_cents(sums[:, index]) if column.endswith("_cost") else \
            np.ascontiguousarray(sums[:, index])
    return frame_of(columns)


def compensated_sums(group: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Column sums of `values` (rows × columns, float) per group 0..size-1 (−1: none), each
    added in row order with Kahan compensation, the algorithm of pandas' group sum (an
    infinity's compensation is dropped, as pandas drops it). A plain loop over the rows: on a
    book's tens to thousands of rows it costs less than numpy's fixed cost per step (a
    campaign's hours: 0.56 -> 0.12 ms)."""
    width = values.shape[1]
    sums = [[0.0] * width for _ in range(size)]
    compensation = [[0.0] * width for _ in range(size)]
    for at, row in zip(group.tolist(), values.tolist(), strict=True):
        if at < 0:
            continue
        total, carried = sums[at], compensation[at]
        for column, value in enumerate(row):
            y = value - carried[column]
            t = total[column] + y
            error = t - total[column] - y
            carried[column] = 0.0 if error != error else error
            total[column] = t
    return np.array(sums, dtype=float).reshape(size, width)


# --- checks ---------------------------------------------------------------------------------

def check_capacity(book: Book, context: Context) -> list[Finding]:
    """`over-allocated`, `assignee-unknown`, and overlong tasks left out of the load."""
    if book.rows("Tasks").empty:
        return []
    report = roll_up_capacity(book)
    return [*_unknown_assignees(book, report), *_overlong_tasks(book, report.tasks),
            *_over_allocated(book, report.load_columns)]


def _over_allocated(book: Book, loads: dict[str, Any]) -> list[Finding]:
    over = np.flatnonzero(loads["hours"] > loads["capacity"] + TOLERANCE).tolist()

    def column(name: str) -> list[Any]:
        return [loads[name][p] for p in over]

    return [book.finding(
        "over-allocated",
        f"{person} is booked {hours:.1f} h in the week of {str(week)[:10]} ({label}) against "
        f"{capacity:g} h per week ({utilisation:.0%}) by task{'s' * (len(tasks) != 1)} "
        f"{', '.join(map(str, tasks))}; move, shorten or reassign some of that work",
        sheet="Tasks", column="Assignee", row=int(row), value=round(float(utilisation), 4))
        for person, week, label, hours, capacity, utilisation, tasks, row in zip(
            *map(column, ("person", "week", "fiscal_week", "hours", "capacity", "utilisation",
                          "tasks", "first_row")), strict=True)]


def _unknown_assignees(book: Book, report: CapacityReport) -> list[Finding]:
    """Every Assignee (of a non-cancelled task) not on a filled People sheet."""
    if not len(report.known["person_key"]):
        return []
    tasks, live = _live_tasks(book)
    names = tasks.column("Assignee", object)[live]
    known = set(report.known["person_key"].tolist())
    unknown = [position for position, key in enumerate(person_keys(names).tolist())
               if key is not None and key not in known]
    ids = tasks.column("Task ID", object)[live]
    rows = tasks.column("_row", np.int64)[live]
    return [book.finding(
        "assignee-unknown",
        f"Assignee '{names[p]}' of task {ids[p]} is not on the People sheet; add them there "
        f"(with their Hours per Week) or fix the name",
        sheet="Tasks", column="Assignee", row=int(rows[p]), value=names[p]) for p in unknown]


def _overlong_tasks(book: Book, tasks: dict[str, np.ndarray]) -> list[Finding]:
    start, finish = tasks["planned_start"], tasks["planned_finish"]
    weeks = _task_weeks(tasks)
    long = np.flatnonzero((weeks > MAX_TASK_WEEKS) & pd.notna(tasks["person_key"]))
    return [book.finding(
        "value-range",
        f"task {tasks['task_id'][p]} runs {int(weeks[p])} weeks, from {start[p]} to "
        f"{finish[p]}; its Planned Hours are left out of the capacity figures — fix its "
        f"Planned Start or Planned Finish",
        sheet="Tasks", column="Planned Finish", row=int(tasks["_row"][p]),
        value=str(finish[p]), severity="warning") for p in long]


# --- several books: one person is one person -----------------------------------------------

def located_loads(book: Book, report: CapacityReport) -> pd.DataFrame:
    """A book's weekly loads with where they come from (book, sheet, Assignee cell of the first
    task), ready to be combined with other books' by `combine_loads`."""
    return report.loads.assign(book=book.name, **_location(book, report.load_columns))


def _location(book: Book, loads: dict[str, Any]) -> dict[str, Any]:
    """The sheet and the Assignee cell of each load's first task."""
    table = book.table("Tasks")
    return {"sheet": table.title or "Tasks",
            "cell": [table.cell("Assignee", row) for row in loads["first_row"].tolist()]}


def combine_loads(loads: Sequence[pd.DataFrame], people: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Weekly loads of several books as one: per person and week the hours add up, the tasks
    are listed as `book: task`, the capacity is the first People row that names the person.

    Columns: LOAD_COLUMNS + books (tuple), over_in_one_book (some single book alone already
    exceeds the capacity, so its own finding says so), book, sheet, cell (of the first part)."""
    parts = [frame for frame in loads if len(frame)]
    if not parts:
        return pd.DataFrame({c: pd.Series([], dtype=object)
                             for c in [*LOAD_COLUMNS, "books", "over_in_one_book", "book",
                                       "sheet", "cell"]})
    frame = pd.concat(parts, ignore_index=True)
    frame["alone_over"] = frame["hours"] > frame["capacity"] + TOLERANCE
    grouped = frame.groupby(["person_key", "week"], sort=True)
    table = grouped.agg(person=("person", "first"), fiscal_week=("fiscal_week", "first"),
                        hours=("hours", "sum"), over_in_one_book=("alone_over", "any"),
                        book=("book", "first"), sheet=("sheet", "first"),
                        cell=("cell", "first")).reset_index()
    groups = grouped.ngroup().fillna(-1).to_numpy(dtype=np.int64)   # -1: no person or week
    table["tasks"], table["books"] = _tasks_and_books(groups, len(table),
                                                      frame["book"].tolist(),
                                                      frame["tasks"].tolist())
    known = _first_people(people)
    table["person"] = table["person_key"].map(known["person"]).astype(object).fillna(
        table["person"].astype(object))
    table["capacity"] = table["person_key"].map(known["hours_per_week"]).fillna(
        DEFAULT_HOURS_PER_WEEK).to_numpy(dtype=float)
    table["utilisation"] = table["hours"] / table["capacity"]
    return table[[*LOAD_COLUMNS, "books", "over_in_one_book", "book", "sheet", "cell"]]


def _tasks_and_books(groups: np.ndarray, count: int, books: list[Any],
                     tasks: list[tuple[str, ...]]) -> tuple[list[tuple[str, ...]],
                                                            list[tuple[str, ...]]]:
    """Per group (a person's week), in row order: its tasks as `book: task` and its books,
    each once — one pass over the rows instead of a Python aggregation per group."""
    labelled: list[list[str]] = [[] for _ in range(count)]
    named: list[dict[Any, None]] = [{} for _ in range(count)]
    for group, book, book_tasks in zip(groups.tolist(), books, tasks, strict=True):
        if group < 0:    # a blank person or week: not in any group, as in the groupby
            continue
        labelled[group].extend(f"{book}: {task}" for task in book_tasks)
        named[group][book] = None
    return [tuple(t) for t in labelled], [tuple(b) for b in named]


def _first_people(people: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """The People rows of several books, the first row per person, indexed by person_key."""
    known = pd.concat([p for p in people if len(p)] or [people_table_empty()], ignore_index=True)
    return known.iloc[first_rows(known["person_key"].tolist())].set_index("person_key")


def people_table_empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in PEOPLE_COLUMNS})


def check_combined_loads(combined: pd.DataFrame) -> list[Finding]:
    """`over-allocated` for a person whose weeks are over capacity only once their books are
    added up (a week over in one book alone has that book's own finding already)."""
    over = combined[((combined["hours"] > combined["capacity"] + TOLERANCE)
                     & ~combined["over_in_one_book"].astype(bool)).to_numpy()]
    return [make_finding(
        "over-allocated",
        f"{person} is booked {hours:.1f} h in the week of {str(week)[:10]} across "
        f"{', '.join(books)} against {capacity:g} h per week ({utilisation:.0%}) by tasks "
        f"{', '.join(tasks)}; agree between the teams who moves or reassigns work",
        book=book, sheet=sheet, cell=cell, column="Assignee",
        row=int("".join(ch for ch in cell if ch.isdigit())) if cell else None,
        value=round(float(utilisation), 4))
        for person, week, hours, capacity, utilisation, tasks, books, book, sheet, cell in zip(
            over["person"], over["week"], over["hours"], over["capacity"], over["utilisation"],
            over["tasks"], over["books"], over["book"], over["sheet"], over["cell"], strict=True)]


def people_summary(combined: pd.DataFrame, people: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Per person: role, resource type, capacity, weeks loaded, total and peak hours, peak
    utilisation and its week, weeks over capacity; busiest first."""
    columns = ["person", "role", "resource_type", "capacity", "weeks", "hours", "peak_hours",
               "peak_week", "peak_utilisation", "weeks_over"]
    if combined.empty:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    known = _first_people(people)
    peak = combined.loc[combined.groupby("person_key", sort=True)["utilisation"].idxmax()]
    peak = peak.set_index("person_key")
    grouped = combined.groupby("person_key", sort=True)
    table = pd.DataFrame({
        "person": peak["person"],
        "role": peak.index.map(known["role"]) if len(known) else None,
        "resource_type": peak.index.map(known["resource_type"]) if len(known) else None,
        "capacity": peak["capacity"].astype(float),
        "weeks": grouped.size(),
        "hours": grouped["hours"].sum(),
        "peak_hours": peak["hours"].astype(float),
        "peak_week": peak["week"],
        "peak_utilisation": peak["utilisation"].astype(float),
        "weeks_over": grouped.apply(
            lambda g: int((g["hours"] > g["capacity"] + TOLERANCE).sum()), include_groups=False),
    })
    table = table.sort_values(["peak_utilisation", "person"], ascending=[False, True],
                              kind="stable")
    return table.reset_index(drop=True)[columns]


# --- consolidation: per-book parts and their merge (SPEC §11) --------------------------------

def consolidation_parts(book: Book) -> dict[str, pd.DataFrame]:
    """What one book sends to the consolidation: its located weekly loads, its People rows
    and its campaign hours (the merge adds `book` and `team` columns itself)."""
    report = roll_up_capacity(book)
    loads = report.load_columns
    location = _location(book, loads)
    located = frame_of({
        **{name: text_array(list(values)) if name in ("person_key", "person", "fiscal_week")
           else values for name, values in loads.items()},
        "tasks": [tuple(map(str, t)) for t in loads["tasks"]],
        "sheet": pd.array([location["sheet"]] * len(loads["first_row"]), dtype="str"),
        "cell": location["cell"]})
    return {"capacity_parts": located, "capacity_people": report.people,
            "campaign_hours": report.campaigns}


def merge_consolidated(parts: pd.DataFrame | None,
                       people: pd.DataFrame | None) -> tuple[pd.DataFrame, list[Finding]]:
    """The Capacity sheet across books — person × week, one person across teams — and the
    `over-allocated` findings that only the added-up loads show."""
    if parts is None or parts.empty:
        return combine_loads([], []), []
    combined = combine_loads([parts], [people] if people is not None else [])
    table = combined.assign(tasks=[", ".join(t) for t in combined["tasks"]],
                            books=[", ".join(b) for b in combined["books"]])
    table = table.drop(columns=["person_key", "over_in_one_book", "book", "sheet", "cell"])
    return table.reset_index(drop=True), check_combined_loads(combined)
