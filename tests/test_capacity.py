"""People and capacity (SPEC §6 "Capacity"): load per person and week, utilisation,
`over-allocated`, `assignee-unknown`, internal vs external hours and cost per campaign."""
import datetime as dt
import json

import numpy as np
from mom_engine.calendar import fiscal_weeks, fiscal_year_weeks, week_starts
from mom_engine.domains.capacity import (check_combined_loads, combine_loads, compensated_sums,
                                         located_loads, roll_up_capacity)

from .conftest import located

D = dt.date


def task(task_id, assignee, start, finish, hours, **extra):
    return {"Task ID": task_id, "Activity ID": "A1", "Task": "Work", "Assignee": assignee,
            "Planned Start": start, "Planned Finish": finish, "Planned Hours": hours, **extra}


TASKS = [
    task("T1", "Dana Kim", D(2027, 3, 1), D(2027, 3, 12), 60),          # 6 h a day, two weeks
    task("T2", " dana kim", D(2027, 3, 3), D(2027, 3, 5), 24),          # 8 h a day, Wed–Fri
    task("T3", "Agency X", D(2027, 3, 6), D(2027, 3, 7), 8, **{"Resource Type": "External"}),
    task("T4", "Dana Kim", D(2027, 3, 1), D(2027, 3, 5), 40, Status="Cancelled"),
]
PEOPLE = [{"Person": "Dana Kim", "Role": "Designer", "Resource Type": "Internal",
           "Hours per Week": 40, "Cost Rate": 80}]


def test_weeks_run_monday_to_sunday_and_week_one_holds_the_first_fiscal_day():
    mondays = week_starts(np.array(["2027-01-01", "2027-03-07", "2026-10-01"],
                                   dtype="datetime64[D]"))
    assert [str(m) for m in mondays] == ["2026-12-28", "2027-03-01", "2026-09-28"]
    assert [tuple(map(int, p)) for p in zip(*fiscal_weeks(mondays, 1), strict=True)] == [
        (2027, 1), (2027, 10), (2026, 40)]
    assert [tuple(map(int, p)) for p in zip(*fiscal_weeks(mondays, 10), strict=True)] == [
        (2027, 14), (2027, 23), (2027, 1)]
    weeks = fiscal_year_weeks(2027, 1)
    assert (str(weeks[0]), str(weeks[-1]), len(weeks)) == ("2026-12-28", "2027-12-20", 52)


def test_planned_hours_spread_evenly_over_working_days_give_the_weekly_load(make_book, analyze):
    analysis = analyze(make_book(Tasks=TASKS, People=PEOPLE), as_of=D(2027, 2, 1))
    loads = roll_up_capacity(analysis.book).loads
    assert [(r["person"], str(r["week"])[:10], r["fiscal_week"], r["hours"], r["capacity"],
             r["utilisation"], r["tasks"]) for r in loads.to_dict("records")] == [
        ("Agency X", "2027-03-01", "FY2027-W10", 8.0, 40.0, 0.2, ("T3",)),   # weekend: 1st week
        ("Dana Kim", "2027-03-01", "FY2027-W10", 54.0, 40.0, 1.35, ("T1", "T2")),
        ("Dana Kim", "2027-03-08", "FY2027-W11", 30.0, 40.0, 0.75, ("T1",)),
    ]


def test_over_allocated_names_the_week_and_tasks_at_the_first_tasks_assignee(make_book, analyze):
    analysis = analyze(make_book(Tasks=TASKS, People=PEOPLE), as_of=D(2027, 2, 1))
    assert located(analysis.findings, "over-allocated", "assignee-unknown") == [
        ("Tasks", "D2", "over-allocated"), ("Tasks", "D4", "assignee-unknown")]
    over = next(f for f in analysis.findings if f.code == "over-allocated")
    assert over.value == 1.35 and over.severity.value == "warning"
    assert "week of 2027-03-01 (FY2027-W10)" in over.message and "T1, T2" in over.message


def test_assignee_unknown_only_once_people_is_filled(make_book, analyze):
    analysis = analyze(make_book(Tasks=TASKS), as_of=D(2027, 2, 1))
    assert located(analysis.findings, "over-allocated", "assignee-unknown") == [
        ("Tasks", "D2", "over-allocated")]          # the default 40 h still flags the week


def test_hours_per_week_from_people_sets_the_capacity(make_book, analyze):
    people = [{**PEOPLE[0], "Hours per Week": 60}, {"Person": "Agency X", "Hours per Week": 10}]
    analysis = analyze(make_book(Tasks=TASKS, People=people), as_of=D(2027, 2, 1))
    assert located(analysis.findings, "over-allocated", "assignee-unknown") == []
    loads = roll_up_capacity(analysis.book).loads
    assert list(loads["utilisation"]) == [0.8, 0.9, 0.5]


def test_internal_and_external_hours_and_cost_per_campaign(make_book, analyze):
    tasks = [*TASKS, task("T5", "Lee Ho", D(2027, 4, 5), D(2027, 4, 6), 5,
                          **{"Actual Hours": 7.5})]
    people = [*PEOPLE, {"Person": "Lee Ho", "Resource Type": "External", "Cost Rate": "120.55"}]
    analysis = analyze(make_book(Tasks=tasks, People=people), as_of=D(2027, 2, 1))
    row = roll_up_capacity(analysis.book).campaigns.to_dict("records")[0]
    assert row == {"campaign_id": "C1", "campaign": "Launch",
                   "internal_hours": 84.0, "external_hours": 13.0,   # T5: People says External
                   "actual_internal_hours": 0.0, "actual_external_hours": 7.5,
                   "internal_cost": 672_000, "external_cost": 60_275,  # 84 × 80.00, 5 × 120.55
                   "unpriced_hours": 8.0}                               # Agency X has no rate


def test_reversed_dates_carry_no_load(make_book, analyze):
    tasks = [task("T1", "Dana Kim", D(2027, 3, 12), D(2027, 3, 1), 200)]
    analysis = analyze(make_book(Tasks=tasks), as_of=D(2027, 2, 1))
    assert located(analysis.findings, "dates-reversed", "over-allocated") == [
        ("Tasks", "F2", "dates-reversed")]
    assert roll_up_capacity(analysis.book).loads.empty


def test_one_person_across_books_is_one_person(make_book, analyze):
    first = analyze(make_book("a.xlsx", Tasks=[task("T1", "Dana Kim", D(2027, 3, 1),
                                                    D(2027, 3, 5), 30)]), as_of=D(2027, 2, 1))
    second = analyze(make_book("b.xlsx", Tasks=[task("X9", "DANA KIM", D(2027, 3, 3),
                                                     D(2027, 3, 4), 20)]), as_of=D(2027, 2, 1))
    assert located(first.findings + second.findings, "over-allocated") == []
    reports = [roll_up_capacity(a.book) for a in (first, second)]
    books = (first.book, second.book)
    combined = combine_loads([located_loads(b, r) for b, r in zip(books, reports, strict=True)],
                             [r.people for r in reports])
    assert [(r["person"], r["hours"], r["utilisation"], r["tasks"], r["books"])
            for r in combined.to_dict("records")] == [
        ("Dana Kim", 50.0, 1.25, ("a.xlsx: T1", "b.xlsx: X9"), ("a.xlsx", "b.xlsx"))]
    findings = check_combined_loads(combined)
    assert [(f.book, f.sheet, f.cell, f.code) for f in findings] == [
        ("a.xlsx", "Tasks", "D2", "over-allocated")]


def test_combined_loads_leave_out_a_part_with_no_person_and_keep_the_others_whole():
    """A load part with no person (or week) belongs to no person-week: it is left out, and the
    other parts of that week still add up with their tasks and books."""
    import pandas as pd
    week = np.datetime64("2027-03-01")
    loads = pd.DataFrame({
        "person_key": ["dana kim", "dana kim", None], "person": ["Dana Kim", "Dana", None],
        "week": [week] * 3, "fiscal_week": ["W10"] * 3, "hours": [12.0, 8.0, 5.0],
        "capacity": [40.0] * 3, "utilisation": [0.3, 0.2, 0.125],
        "tasks": [("T1",), ("T2", "T3"), ("T9",)], "book": ["a.xlsx", "b.xlsx", "c.xlsx"],
        "sheet": ["Tasks"] * 3, "cell": ["D2", "D5", "D7"]})
    combined = combine_loads([loads], [])
    assert [(r["person"], r["hours"], r["tasks"], r["books"], r["cell"])
            for r in combined.to_dict("records")] == [
        ("Dana Kim", 20.0, ("a.xlsx: T1", "b.xlsx: T2", "b.xlsx: T3"), ("a.xlsx", "b.xlsx"),
         "D2")]


def test_mom_capacity_json_adds_loads_across_books(make_book, run_mom, tmp_path):
    make_book("a.xlsx", Tasks=[task("T1", "Dana Kim", D(2027, 3, 1), D(2027, 3, 5), 30)],
              People=PEOPLE)
    make_book("b.xlsx", Tasks=[task("X9", "dana kim", D(2027, 3, 3), D(2027, 3, 4), 20)])
    result = run_mom("capacity", tmp_path / "a.xlsx", tmp_path / "b.xlsx", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["weeks"] == [{
        "person": "Dana Kim", "week": "2027-03-01", "fiscal_week": "FY2027-W10", "hours": 50.0,
        "capacity": 40.0, "utilisation": 1.25, "tasks": ["a.xlsx: T1", "b.xlsx: X9"],
        "books": ["a.xlsx", "b.xlsx"]}]
    assert document["people"][0]["weeks_over"] == 1
    assert document["campaigns"][0]["internal_cost"] == 2400.0
    assert [(f["book"], f["cell"], f["code"]) for f in document["findings"]] == [
        ("a.xlsx", "D2", "over-allocated")]
    text = run_mom("capacity", tmp_path / "a.xlsx", tmp_path / "b.xlsx")
    assert text.returncode == 0 and "Weeks over capacity" in text.stdout


def test_compensated_sums_add_each_group_in_row_order_with_kahan_compensation():
    """1e16 + 1 + 1 − 1e16 is 2 (a plain float sum says 0); an infinity stays an infinity;
    rows of no group (−1) count nowhere; a group without rows sums to 0."""
    group = np.array([0, 1, 0, 0, -1, 1, 0], dtype=np.int64)
    values = np.array([[1e16, 0.5], [np.inf, 1.0], [1.0, 0.25], [1.0, 0.25], [7.0, 7.0],
                       [1.0, 2.0], [-1e16, 0.0]])
    assert compensated_sums(group, values, 3).tolist() == [[2.0, 1.0], [np.inf, 3.0],
                                                           [0.0, 0.0]]
