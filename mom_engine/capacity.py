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

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .calendar import fiscal_weeks, week_label, week_starts, working_days
from .findings import Finding, make_finding
from .model import Book
from .sheets import SHEETS
from .values import round_cents

if TYPE_CHECKING:  # analyze imports this module; the type is only for readers
    from .analyze import Context

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
    """`people`: who is known and their capacity; `loads`: person × week; `campaigns`: hours
    and cost per campaign, internal and external; `tasks`: the tasks that carry a load."""

    people: pd.DataFrame
    loads: pd.DataFrame
    campaigns: pd.DataFrame
    tasks: pd.DataFrame
    start_month: int = 1


def roll_up_capacity(book: Book) -> CapacityReport:
    """People, weekly loads and campaign hours of one book; computed once per book state."""
    return book.memo("capacity-report", lambda: _roll_up_capacity(book))


def _roll_up_capacity(book: Book) -> CapacityReport:
    people = people_table(book)
    tasks = assigned_tasks(book, people)
    weekly = spread_hours(tasks)
    loads = weekly_loads(weekly, people, book.plan.fy_start_month)
    return CapacityReport(people, loads, campaign_hours(book, tasks, people), tasks,
                          book.plan.fy_start_month)


def people_table(book: Book) -> pd.DataFrame:
    """The People sheet's accepted rows keyed by folded name (first row of a name wins)."""
    rows = book.rows("People")
    keys = person_keys(rows["Person"])
    frame = pd.DataFrame({
        "person_key": keys,
        "person": rows["Person"].to_numpy(dtype=object),
        "role": rows["Role"].to_numpy(dtype=object),
        "resource_type": rows["Resource Type"].to_numpy(dtype=object),
        "hours_per_week": rows["Hours per Week"].fillna(DEFAULT_HOURS_PER_WEEK).to_numpy(
            dtype=float),
        "cost_rate": pd.array(rows["Cost Rate"].to_numpy(dtype=object), dtype="Int64"),
        "on_people": True,
        "_row": rows["_row"].to_numpy(dtype=np.int64),
    })
    frame = frame[pd.notna(keys)]
    return frame[~frame["person_key"].duplicated()].reset_index(drop=True)


def assigned_tasks(book: Book, people: pd.DataFrame) -> pd.DataFrame:
    """Non-cancelled tasks with Planned Hours, their person, resource type and campaign."""
    tasks = book.rows("Tasks")
    tasks = tasks[(tasks["Status"] != "Cancelled").to_numpy()
                  & tasks["Planned Hours"].notna().to_numpy()]
    activities = book.rows("Activities").drop_duplicates("Activity ID")
    campaign_of = pd.Series(activities["Campaign ID"].to_numpy(dtype=object),
                            index=activities["Activity ID"].to_numpy(dtype=object))
    keys = person_keys(tasks["Assignee"])
    known = people.set_index("person_key")
    on_people = pd.Index(known.index).get_indexer(keys) >= 0
    people_type = pd.Series(keys).map(known["resource_type"]).to_numpy(dtype=object)
    resource_type = np.where(on_people, people_type,
                             tasks["Resource Type"].fillna("Internal").to_numpy(dtype=object))
    return pd.DataFrame({
        "task_id": tasks["Task ID"].to_numpy(dtype=object),
        "campaign_id": tasks["Activity ID"].map(campaign_of).to_numpy(dtype=object),
        "person_key": keys,
        "assignee": tasks["Assignee"].to_numpy(dtype=object),
        "resource_type": resource_type,
        "planned_hours": tasks["Planned Hours"].to_numpy(dtype=float),
        "actual_hours": tasks["Actual Hours"].to_numpy(dtype=float),
        "planned_start": tasks["Planned Start"].to_numpy(dtype="datetime64[s]").astype(
            "datetime64[D]"),
        "planned_finish": tasks["Planned Finish"].to_numpy(dtype="datetime64[s]").astype(
            "datetime64[D]"),
        "_row": tasks["_row"].to_numpy(dtype=np.int64),
    }).reset_index(drop=True)


def _loadable(tasks: pd.DataFrame) -> np.ndarray:
    """Tasks that carry a load: assigned, hours > 0, dates in order, at most ten years long."""
    start, finish = tasks["planned_start"].to_numpy(), tasks["planned_finish"].to_numpy()
    weeks = (week_starts(finish) - week_starts(start)).astype(np.int64) // 7 + 1
    return (pd.notna(tasks["person_key"]).to_numpy() & (tasks["planned_hours"].to_numpy() > 0)
            & ~np.isnat(start) & ~np.isnat(finish) & (finish >= start)
            & (weeks <= MAX_TASK_WEEKS))


def spread_hours(tasks: pd.DataFrame) -> pd.DataFrame:
    """One row per task and week it spans: the task's hours that fall in that week.

    hours in a week = Planned Hours × working days of the task in the week ÷ its working days.
    """
    tasks = tasks[_loadable(tasks)]
    start, finish = tasks["planned_start"].to_numpy(), tasks["planned_finish"].to_numpy()
    first = week_starts(start)
    spans = (week_starts(finish) - first).astype(np.int64) // 7 + 1
    which = np.repeat(np.arange(len(tasks)), spans)
    offset = np.arange(len(which)) - np.repeat(np.cumsum(spans) - spans, spans)
    mondays = first[which] + (offset * 7).astype("timedelta64[D]")
    inside = working_days(np.maximum(start[which], mondays),
                          np.minimum(finish[which], mondays + np.timedelta64(6, "D")))
    total = working_days(start, finish)[which]
    weekend_only = total == 0                    # no working day: all hours in the first week
    share = np.where(weekend_only, (offset == 0).astype(float),
                     inside / np.where(weekend_only, 1, total))
    hours = tasks["planned_hours"].to_numpy()[which] * share
    keep = hours > 0
    return pd.DataFrame({
        "person_key": tasks["person_key"].to_numpy(dtype=object)[which][keep],
        "assignee": tasks["assignee"].to_numpy(dtype=object)[which][keep],
        "week": mondays[keep],
        "hours": hours[keep],
        "task_id": tasks["task_id"].to_numpy(dtype=object)[which][keep],
        "_row": tasks["_row"].to_numpy()[which][keep],
    })


def weekly_loads(weekly: pd.DataFrame, people: pd.DataFrame, start_month: int) -> pd.DataFrame:
    """Person × week: hours, capacity, utilisation and the tasks (in row order) that load it.

    `weekly` rows may come from several books (consolidation): one person is one person."""
    if weekly.empty:
        frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in LOAD_COLUMNS})
        frame["first_row"] = pd.Series([], dtype=np.int64)
        return frame
    # grouped with numpy (sort once, reduce each run of equal keys), as schedule rolls up:
    # pandas' groupby machinery costs far more than the arithmetic on a team's few hundred rows
    keys = weekly["person_key"].to_numpy(dtype=object).astype(str)
    weeks = weekly["week"].to_numpy(dtype="datetime64[D]")
    rows = weekly["_row"].to_numpy(dtype=np.int64)
    order = np.lexsort((rows, weeks, keys))
    keys, weeks, rows = keys[order], weeks[order], rows[order]
    starts = np.flatnonzero(np.r_[True, (keys[1:] != keys[:-1]) | (weeks[1:] != weeks[:-1])])
    ids = weekly["task_id"].to_numpy(dtype=object)[order]
    ends = np.r_[starts[1:], len(keys)]
    table = pd.DataFrame({
        "person_key": keys[starts].astype(object), "week": weeks[starts],
        "hours": np.add.reduceat(weekly["hours"].to_numpy(dtype=float)[order], starts),
        "first_row": rows[starts],
        "tasks": [tuple(dict.fromkeys(ids[a:b])) for a, b in zip(starts, ends, strict=True)],
    })
    known = people.set_index("person_key")
    in_row_order = weekly.iloc[np.argsort(weekly["_row"].to_numpy(), kind="stable")]
    names = in_row_order.drop_duplicates("person_key").set_index("person_key")["assignee"]
    table["person"] = table["person_key"].map(known["person"]).astype(object).fillna(
        table["person_key"].map(names).astype(object)).to_numpy(dtype=object)
    table["capacity"] = table["person_key"].map(known["hours_per_week"]).fillna(
        DEFAULT_HOURS_PER_WEEK).to_numpy(dtype=float)
    table["utilisation"] = table["hours"] / table["capacity"]
    mondays = table["week"].to_numpy(dtype="datetime64[D]")
    years, numbers = fiscal_weeks(mondays, start_month)
    table["week"] = mondays
    table["fiscal_week"] = [week_label(y, n) for y, n in zip(years.tolist(), numbers.tolist(),
                                                             strict=True)]
    return table[[*LOAD_COLUMNS, "first_row"]].reset_index(drop=True)


def campaign_hours(book: Book, tasks: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """Per campaign: planned and actual hours internal / external, planned cost, unpriced hours."""
    campaigns = book.rows("Campaigns").drop_duplicates("Campaign ID")
    rates = _cost_rates(people)
    rate = pd.Series(tasks["person_key"]).map(rates).to_numpy(dtype=float)
    internal = tasks["resource_type"].to_numpy(dtype=object) == "Internal"
    planned = tasks["planned_hours"].to_numpy(dtype=float)
    actual = np.nan_to_num(tasks["actual_hours"].to_numpy(dtype=float))
    priced = ~np.isnan(rate)
    cost = np.where(priced, planned * np.nan_to_num(rate), 0.0)
    frame = pd.DataFrame({
        "campaign_id": tasks["campaign_id"].to_numpy(dtype=object),
        "internal_hours": np.where(internal, planned, 0.0),
        "external_hours": np.where(internal, 0.0, planned),
        "actual_internal_hours": np.where(internal, actual, 0.0),
        "actual_external_hours": np.where(internal, 0.0, actual),
        "internal_cost": np.where(internal, cost, 0.0),
        "external_cost": np.where(internal, 0.0, cost),
        "unpriced_hours": np.where(priced, 0.0, planned),
    })
    sums = frame.groupby("campaign_id", sort=False).sum()
    ids = campaigns["Campaign ID"].to_numpy(dtype=object)
    sums = sums.reindex(ids).fillna(0.0)
    columns: dict[str, Any] = {"campaign_id": ids,
                               "campaign": campaigns["Campaign"].to_numpy(dtype=object)}
    for column in CAMPAIGN_COLUMNS[2:]:
        values = sums[column].to_numpy(dtype=float)
        columns[column] = round_cents(values) if column.endswith("_cost") else values
    return pd.DataFrame(columns)


def _cost_rates(people: pd.DataFrame) -> pd.Series:
    """Folded person → Cost Rate in cents per hour (people with a rate only)."""
    people = people[people["cost_rate"].notna().to_numpy()]
    return pd.Series(people["cost_rate"].to_numpy(dtype=float),
                     index=people["person_key"].to_numpy(dtype=object))


# --- checks ---------------------------------------------------------------------------------

def check_capacity(book: Book, context: Context) -> list[Finding]:
    """`over-allocated`, `assignee-unknown`, and overlong tasks left out of the load."""
    if book.rows("Tasks").empty:
        return []
    report = roll_up_capacity(book)
    return [*_unknown_assignees(book, report), *_overlong_tasks(book, report.tasks),
            *_over_allocated(book, report.loads)]


def _over_allocated(book: Book, loads: pd.DataFrame) -> list[Finding]:
    over = loads[(loads["hours"] > loads["capacity"] + TOLERANCE).to_numpy()]
    return [book.finding(
        "over-allocated",
        f"{person} is booked {hours:.1f} h in the week of {str(week)[:10]} ({label}) against "
        f"{capacity:g} h per week ({utilisation:.0%}) by task{'s' * (len(tasks) != 1)} "
        f"{', '.join(map(str, tasks))}; move, shorten or reassign some of that work",
        sheet="Tasks", column="Assignee", row=int(row), value=round(float(utilisation), 4))
        for person, week, label, hours, capacity, utilisation, tasks, row in zip(
            over["person"], over["week"], over["fiscal_week"], over["hours"], over["capacity"],
            over["utilisation"], over["tasks"], over["first_row"], strict=True)]


def _unknown_assignees(book: Book, report: CapacityReport) -> list[Finding]:
    """Every Assignee (of a non-cancelled task) not on a filled People sheet."""
    if report.people.empty:
        return []
    tasks = book.rows("Tasks")
    tasks = tasks[(tasks["Status"] != "Cancelled").to_numpy()]
    keys = person_keys(tasks["Assignee"])
    unknown = pd.notna(keys) & ~pd.Series(keys).isin(set(report.people["person_key"])).to_numpy()
    return [book.finding(
        "assignee-unknown",
        f"Assignee '{name}' of task {task_id} is not on the People sheet; add them there (with "
        f"their Hours per Week) or fix the name",
        sheet="Tasks", column="Assignee", row=int(row), value=name)
        for name, task_id, row in zip(tasks["Assignee"][unknown], tasks["Task ID"][unknown],
                                      tasks["_row"][unknown], strict=True)]


def _overlong_tasks(book: Book, tasks: pd.DataFrame) -> list[Finding]:
    start, finish = tasks["planned_start"].to_numpy(), tasks["planned_finish"].to_numpy()
    weeks = (week_starts(finish) - week_starts(start)).astype(np.int64) // 7 + 1
    long = (weeks > MAX_TASK_WEEKS) & pd.notna(tasks["person_key"]).to_numpy()
    return [book.finding(
        "value-range",
        f"task {task_id} runs {int(span)} weeks, from {str(first)} to {str(last)}; its Planned "
        f"Hours are left out of the capacity figures — fix its Planned Start or Planned Finish",
        sheet="Tasks", column="Planned Finish", row=int(row), value=str(last), severity="warning")
        for task_id, span, first, last, row in zip(tasks["task_id"][long], weeks[long],
                                                    start[long], finish[long],
                                                    tasks["_row"][long], strict=True)]


# --- several books: one person is one person -----------------------------------------------

def located_loads(book: Book, report: CapacityReport) -> pd.DataFrame:
    """A book's weekly loads with where they come from (book, sheet, Assignee cell of the first
    task), ready to be combined with other books' by `combine_loads`."""
    loads = report.loads.copy()
    table = book.table("Tasks")
    loads["book"] = book.name
    loads["sheet"] = table.title or "Tasks"
    loads["cell"] = [table.cell("Assignee", int(row)) for row in loads["first_row"]]
    return loads


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
    frame["labelled"] = [tuple(f"{book}: {task}" for task in tasks)
                         for book, tasks in zip(frame["book"], frame["tasks"], strict=True)]
    frame["alone_over"] = frame["hours"] > frame["capacity"] + TOLERANCE
    grouped = frame.groupby(["person_key", "week"], sort=True)
    table = grouped.agg(person=("person", "first"), fiscal_week=("fiscal_week", "first"),
                        hours=("hours", "sum"), tasks=("labelled", lambda t: sum(t, ())),
                        books=("book", lambda b: tuple(dict.fromkeys(b))),
                        over_in_one_book=("alone_over", "any"), book=("book", "first"),
                        sheet=("sheet", "first"), cell=("cell", "first")).reset_index()
    known = pd.concat([p for p in people if len(p)] or [people_table_empty()], ignore_index=True)
    known = known[~known["person_key"].duplicated()].set_index("person_key")
    table["person"] = table["person_key"].map(known["person"]).astype(object).fillna(
        table["person"].astype(object))
    table["capacity"] = table["person_key"].map(known["hours_per_week"]).fillna(
        DEFAULT_HOURS_PER_WEEK).to_numpy(dtype=float)
    table["utilisation"] = table["hours"] / table["capacity"]
    return table[[*LOAD_COLUMNS, "books", "over_in_one_book", "book", "sheet", "cell"]]


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
    known = pd.concat([p for p in people if len(p)] or [people_table_empty()], ignore_index=True)
    known = known[~known["person_key"].duplicated()].set_index("person_key")
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
    loads = located_loads(book, report).drop(columns=["book"])
    loads["tasks"] = [tuple(map(str, tasks)) for tasks in loads["tasks"]]
    return {"capacity_parts": loads, "capacity_people": report.people,
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
