"""Schedule rollups, execution metrics and schedule checks (SPEC §6), golden figures by hand.

The golden plan, as of Wednesday 2027-03-10 (March 2027: Mon 1, Mon 8, Mon 15, Mon 22):

task act  planned          dur  %     EV   PV  notes
T1   A1   Mon 03-01..Fri 03-05  5  1.0  5    5   done, actual 03-01..03-04
T2   A1   Sat 03-06..Sat 03-06  1  1.0  1    1   weekend task: duration 1; actual 03-08..03-08
T3   A2   Mon 03-01..Tue 03-09  7  0.4  2.8  7   finish before as-of, unfinished → late
T4   A2   Mon 03-08..Fri 03-19 10  0    0    3   not started past planned start (Mon–Wed = 3)
T5   A2   Cancelled                              left out of everything
T6   A3   Mon 03-15..Fri 03-26 10  0    0    0   future task
T7   A3   Wed 03-03..Fri 03-12  8  0.8  6.4  6   Wed..Wed elapsed = 3 + 3 = 6

A1 (C1): dur 6,  EV 6,   PV 6  → 100 %, SPI 1, actual 03-01..03-08 (all finished)
A2 (C1): dur 17, EV 2.8, PV 10 → 2.8/17, SPI 0.28, actual finish blank, 1 late
A3 (C2): dur 18, EV 6.4, PV 6  → 6.4/18, SPI 6.4/6
C1: dur 23, EV 8.8, PV 16 → SPI 0.55 (< 0.9: schedule-behind; the mean of ratios would be 0.64)
C2: SPI 1.0667 (not behind).  Plan: dur 41, EV 15.2, PV 22.
"""
from __future__ import annotations

import datetime as dt
import json

import pytest

from mom_engine.analyze import Context, analyze_book
from mom_engine.domains.schedule import (SCHEDULE_LEVELS, check_schedule, execution_metrics,
                                 roll_up_schedule)

from .conftest import located

D = dt.date
AS_OF = D(2027, 3, 10)

TASK_COLUMNS = ("Task ID", "Activity ID", "Task", "Planned Start", "Planned Finish",
                "Actual Start", "Actual Finish", "% Complete", "Status", "Submitted On",
                "Approved On", "Approver", "Role", "Deliverable", "Assignee", "Planned Hours",
                "Actual Hours")
# Column letters: Planned Start D, Planned Finish E; data rows start at 2 (T1 = row 2).


def task(task_id, activity, start, finish, **values):
    """A task row with every column in TASK_COLUMNS order (so the letters are fixed)."""
    record = dict.fromkeys(TASK_COLUMNS)
    record.update({"Task ID": task_id, "Activity ID": activity, "Task": f"task {task_id}",
                   "Planned Start": start, "Planned Finish": finish})
    for key, value in values.items():
        record[key.replace("_", " ").replace("pct", "% Complete")] = value
    return record


GOLDEN_TASKS = [
    task("T1", "A1", D(2027, 3, 1), D(2027, 3, 5), Actual_Start=D(2027, 3, 1),
         Actual_Finish=D(2027, 3, 4), pct=1.0, Status="Done", Submitted_On=D(2027, 3, 4),
         Approved_On=D(2027, 3, 5), Approver="Kim", Role="Design", Deliverable="Deck",
         Assignee="Ana", Planned_Hours=10, Actual_Hours=12),
    task("T2", "A1", D(2027, 3, 6), D(2027, 3, 6), Actual_Start=D(2027, 3, 8),
         Actual_Finish=D(2027, 3, 8), pct=1.0, Status="Done", Submitted_On=D(2027, 3, 5),
         Approved_On=D(2027, 3, 9), Approver="Kim", Role="Copy", Deliverable="Deck",
         Assignee="Bo", Planned_Hours=5, Actual_Hours=4),
    task("T3", "A2", D(2027, 3, 1), D(2027, 3, 9), Actual_Start=D(2027, 3, 2), pct=0.4,
         Status="In Review", Submitted_On=D(2027, 3, 8), Approver="Lee", Role="Design",
         Planned_Hours=8),
    task("T4", "A2", D(2027, 3, 8), D(2027, 3, 19), pct=0, Status="Not Started"),
    task("T5", "A2", D(2027, 3, 1), D(2027, 3, 31), pct=0, Status="Cancelled",
         Submitted_On=D(2027, 3, 1), Approved_On=D(2027, 3, 10), Approver="Lee",
         Role="Design", Deliverable="Deck", Assignee="Ana", Planned_Hours=1, Actual_Hours=100),
    task("T6", "A3", D(2027, 3, 15), D(2027, 3, 26), pct=0, Status="Not Started",
         Submitted_On=D(2027, 3, 2), Approved_On=D(2027, 3, 2), Approver="Kim", Role="Copy"),
    task("T7", "A3", D(2027, 3, 3), D(2027, 3, 12), Actual_Start=D(2027, 3, 3), pct=0.8,
         Status="In Progress", Submitted_On=D(2027, 3, 1), Approved_On=D(2027, 3, 8),
         Approver="Lee", Role="Design", Deliverable="Video", Assignee="Ana", Planned_Hours=20,
         Actual_Hours=30),
]

CAMPAIGNS = [{"Campaign ID": "C1", "Campaign": "Launch", "Channel": "Events"},
             {"Campaign ID": "C2", "Campaign": "Webinar", "Channel": "Web"}]
ACTIVITIES = [
    {"Activity ID": "A1", "Campaign ID": "C1", "Activity": "Booth", "GL Account": "610200"},
    {"Activity ID": "A2", "Campaign ID": "C1", "Activity": "Demo", "GL Account": "610200"},
    {"Activity ID": "A3", "Campaign ID": "C2", "Activity": "Host", "GL Account": "610200"},
]

SCHEDULE_CODES = ("task-late", "task-start-missed", "schedule-behind", "tasks-before-approval",
                  "dates-reversed")


@pytest.fixture
def golden(make_book):
    path = make_book(Campaigns=CAMPAIGNS, Activities=ACTIVITIES, Tasks=GOLDEN_TASKS)
    return analyze_book(path, context=Context(as_of=AS_OF))


def records(frame, columns):
    return [tuple(row) for row in frame[list(columns)].itertuples(index=False)]


def day(value):
    return None if value != value else value.date()  # NaT != NaT


def test_task_level_duration_ev_pv(golden):
    tasks = roll_up_schedule(golden.book, AS_OF).by("task")
    # T5 (cancelled) is left out.
    assert records(tasks, ("key", "duration", "ev", "pv", "late_tasks")) == [
        ("T1", 5, 5.0, 5.0, 0),
        ("T2", 1, 1.0, 1.0, 0),           # Saturday-only task: duration 1, due → fully planned
        ("T3", 7, pytest.approx(2.8), 7.0, 1),   # 7 × 0.4; finished 03-09 < as-of, 40 % → late
        ("T4", 10, 0.0, 3.0, 0),          # Mon 8, Tue 9, Wed 10 elapsed
        ("T6", 10, 0.0, 0.0, 0),          # future: nothing planned yet
        ("T7", 8, pytest.approx(6.4), 6.0, 0),
    ]
    spi = dict(zip(tasks["key"], tasks["spi"], strict=True))
    assert spi["T3"] == pytest.approx(0.4) and spi["T7"] == pytest.approx(6.4 / 6)
    assert spi["T6"] != spi["T6"]  # PV 0 → blank (NaN)


def test_activity_rollup_dates_and_ratios_of_sums(golden):
    activity = roll_up_schedule(golden.book, AS_OF).by("activity")
    assert list(activity["key"]) == ["A1", "A2", "A3"]
    assert list(activity["campaign_id"]) == ["C1", "C1", "C2"]
    assert [(day(a), day(b), day(c), day(d)) for a, b, c, d in zip(
        activity["planned_start"], activity["planned_finish"], activity["actual_start"],
        activity["actual_finish"], strict=True)] == [
        (D(2027, 3, 1), D(2027, 3, 6), D(2027, 3, 1), D(2027, 3, 8)),   # all done: max finish
        (D(2027, 3, 1), D(2027, 3, 19), D(2027, 3, 2), None),           # not all finished
        (D(2027, 3, 3), D(2027, 3, 26), D(2027, 3, 3), None),
    ]
    assert records(activity, ("duration", "late_tasks")) == [(6, 0), (17, 1), (18, 0)]
    assert list(activity["ev"]) == pytest.approx([6.0, 2.8, 6.4])
    assert list(activity["pv"]) == pytest.approx([6.0, 10.0, 6.0])
    assert list(activity["percent_complete"]) == pytest.approx([1.0, 2.8 / 17, 6.4 / 18])
    assert list(activity["spi"]) == pytest.approx([1.0, 0.28, 6.4 / 6])


def test_campaign_and_plan_rollups(golden):
    report = roll_up_schedule(golden.book, AS_OF)
    campaign = report.by("campaign")
    assert list(campaign["key"]) == ["C1", "C2"]
    assert list(campaign["duration"]) == [23, 18]
    # C1: ΣEV 8.8 ÷ ΣPV 16 = 0.55, not the mean of A1 and A2's SPIs (0.64).
    assert list(campaign["spi"]) == pytest.approx([0.55, 6.4 / 6])
    assert list(campaign["percent_complete"]) == pytest.approx([8.8 / 23, 6.4 / 18])
    assert list(campaign["late_tasks"]) == [1, 0]
    plan = report.by("plan")
    assert list(plan["key"]) == ["P-1"]
    assert records(plan, ("duration", "late_tasks")) == [(41, 1)]
    assert plan["ev"].iat[0] == pytest.approx(15.2) and plan["pv"].iat[0] == pytest.approx(22)
    assert plan["percent_complete"].iat[0] == pytest.approx(15.2 / 41)
    assert plan["spi"].iat[0] == pytest.approx(15.2 / 22)
    assert day(plan["planned_start"].iat[0]) == D(2027, 3, 1)
    assert day(plan["planned_finish"].iat[0]) == D(2027, 3, 26)
    assert day(plan["actual_finish"].iat[0]) is None


def test_every_level_has_the_promised_columns(golden):
    report = roll_up_schedule(golden.book, AS_OF)
    for level in SCHEDULE_LEVELS:
        assert {"key", "planned_start", "planned_finish", "actual_start", "actual_finish",
                "percent_complete", "spi", "late_tasks", "duration", "ev", "pv"} <= set(
            report.by(level).columns), level
    with pytest.raises(ValueError):
        report.by("month")


def test_schedule_findings_located(golden):
    assert located(golden.findings, *SCHEDULE_CODES) == [
        ("Campaigns", "A2", "schedule-behind"),   # C1 SPI 0.55 < 0.9; C2 (1.07) is fine
        ("Tasks", "E4", "task-late"),             # T3: due 03-09 at 40 %
        ("Tasks", "D5", "task-start-missed"),     # T4: planned 03-08, no actual start, 0 %
    ]
    behind = [f for f in golden.findings if f.code == "schedule-behind"][0]
    assert behind.value == pytest.approx(0.55) and behind.severity.value == "warning"
    values = {f.code: (f.value, f.row, f.column) for f in golden.findings}
    assert values["task-late"] == ("2027-03-09", 4, "Planned Finish")
    assert values["task-start-missed"] == ("2027-03-08", 5, "Planned Start")


def test_late_needs_open_status_and_start_missed_skips_cancelled(make_book, analyze):
    path = make_book(Tasks=[
        # Done at 50 %: not late (status closes it), but has no actual start and 50 % → not missed
        task("T1", "A1", D(2027, 3, 1), D(2027, 3, 2), pct=0.5, Status="Done"),
        # Cancelled: neither late nor missed
        task("T2", "A1", D(2027, 3, 1), D(2027, 3, 2), pct=0, Status="Cancelled"),
        # 100 % but Blocked: not late (complete); started → not missed
        task("T3", "A1", D(2027, 3, 1), D(2027, 3, 2), Actual_Start=D(2027, 3, 1), pct=1,
             Status="Blocked"),
        # due on the as-of date itself: not late yet; planned start = as-of: not missed yet
        task("T4", "A1", D(2027, 3, 10), D(2027, 3, 10), pct=0),
        # started (Actual Start) at 0 %: not missed; due 03-09 → late
        task("T5", "A1", D(2027, 3, 1), D(2027, 3, 9), Actual_Start=D(2027, 3, 1), pct=0),
    ])
    findings = analyze(path, as_of=AS_OF).findings
    assert located(findings, "task-late", "task-start-missed") == [("Tasks", "E6", "task-late")]


@pytest.mark.parametrize("status", ["Draft", "Submitted"])
def test_tasks_before_approval_at_plan_status(make_book, analyze, status):
    path = make_book(plan={"Status": status, "Approved By": None, "Approved On": None},
                     Tasks=[task("T1", "A1", D(2027, 3, 15), D(2027, 3, 16))])
    # Plan rows: Plan ID 2, Team 3, Owner 4, Fiscal Year 5, FY Start Month 6, Currency 7,
    # Status 8 → the Value cell B8.
    assert located(analyze(path, as_of=AS_OF).findings, "tasks-before-approval") == [
        ("Plan", "B8", "tasks-before-approval")]


def test_no_tasks_before_approval_without_tasks_or_when_approved(make_book, analyze):
    draft = make_book("draft.xlsx", plan={"Status": "Draft", "Approved By": None,
                                          "Approved On": None})
    approved = make_book("approved.xlsx", Tasks=[task("T1", "A1", D(2027, 3, 15),
                                                      D(2027, 3, 16))])
    assert located(analyze(draft, as_of=AS_OF).findings, "tasks-before-approval") == []
    assert located(analyze(approved, as_of=AS_OF).findings, "tasks-before-approval") == []


def test_reversed_dates_reported_once_by_structure(make_book, analyze):
    path = make_book(Tasks=[task("T1", "A1", D(2027, 3, 12), D(2027, 3, 8),
                                 Actual_Start=D(2027, 3, 12), pct=0.5)])
    findings = analyze(path, as_of=AS_OF).findings
    assert located(findings, "dates-reversed") == [("Tasks", "E2", "dates-reversed")]


def test_schedule_behind_uses_plan_threshold(make_book, analyze):
    # C1 SPI is 0.55: below a 0.6 threshold, not below 0.5.
    low = make_book("low.xlsx", plan={"SPI Threshold": 0.5}, Campaigns=CAMPAIGNS,
                    Activities=ACTIVITIES, Tasks=GOLDEN_TASKS)
    high = make_book("high.xlsx", plan={"SPI Threshold": 0.6}, Campaigns=CAMPAIGNS,
                     Activities=ACTIVITIES, Tasks=GOLDEN_TASKS)
    assert located(analyze(low, as_of=AS_OF).findings, "schedule-behind") == []
    assert located(analyze(high, as_of=AS_OF).findings, "schedule-behind") == [
        ("Campaigns", "A2", "schedule-behind")]


def test_check_schedule_alone_matches_registration(golden):
    from mom_engine.analyze import DOMAIN_CHECKS
    assert check_schedule in DOMAIN_CHECKS
    direct = check_schedule(golden.book, Context(as_of=AS_OF))
    assert sorted(located(direct)) == sorted(located(golden.findings, *SCHEDULE_CODES))


def test_review_bottlenecks_by_approver_and_role(golden):
    metrics = execution_metrics(golden.book)
    # Review cycle = working days after Submitted On through Approved On:
    # T1 Thu 03-04 → Fri 03-05 = 1; T2 Fri 03-05 → Tue 03-09 = 2 (Mon, Tue);
    # T6 03-02 → 03-02 = 0; T7 Mon 03-01 → Mon 03-08 = 5; T3 submitted, not approved = open;
    # T5 is cancelled and left out.
    by_approver = metrics.review_by_approver
    assert records(by_approver, ("key", "reviews", "median_days", "max_days",
                                 "open_reviews")) == [
        ("Lee", 1, 5.0, 5.0, 1),    # slowest first
        ("Kim", 3, 1.0, 2.0, 0),    # median of 1, 2, 0
    ]
    assert records(metrics.review_by_role, ("key", "reviews", "median_days", "max_days",
                                            "open_reviews")) == [
        ("Design", 2, 3.0, 5.0, 1),  # median of 1 and 5
        ("Copy", 2, 1.0, 2.0, 0),    # median of 2 and 0
    ]


def test_open_reviews_waiting_time_with_as_of(golden):
    metrics = execution_metrics(golden.book, AS_OF)
    # T3 submitted Mon 03-08, still open on Wed 03-10: Tue + Wed = 2 working days.
    waiting = metrics.reviews.set_index("task_id")["waiting_days"]
    assert waiting["T3"] == 2.0 and waiting.drop("T3").isna().all()
    assert records(metrics.review_by_role, ("key", "oldest_open_days"))[0] == ("Design", 2.0)
    assert execution_metrics(golden.book).review_by_approver["oldest_open_days"].isna().all()


def test_task_cycle_and_hours_variance(golden):
    metrics = execution_metrics(golden.book)
    # T1 Mon 03-01..Thu 03-04 = 4 working days; T2 Mon 03-08..03-08 = 1.
    assert records(metrics.task_cycle, ("key", "activity_id", "campaign_id", "cycle_days")) == [
        ("T1", "A1", "C1", 4), ("T2", "A1", "C1", 1)]
    assert records(metrics.task_cycle_by_activity, ("key", "tasks", "median_days")) == [
        ("A1", 2, 2.5)]
    assert records(metrics.task_cycle_by_campaign, ("key", "tasks", "median_days")) == [
        ("C1", 2, 2.5)]
    # Only tasks with both hours: T1 (10 → 12), T2 (5 → 4), T7 (20 → 30); T3 has no actual
    # hours yet, T5 is cancelled.
    columns = ("key", "tasks", "planned_hours", "actual_hours", "variance")
    assert records(metrics.hours_by_deliverable, columns) == [
        ("Deck", 2, 15.0, 16.0, 1.0), ("Video", 1, 20.0, 30.0, 10.0)]
    assert records(metrics.hours_by_assignee, columns) == [
        ("Ana", 2, 30.0, 42.0, 12.0), ("Bo", 1, 5.0, 4.0, -1.0)]


def test_book_without_tasks_has_no_schedule_rows(make_book, analyze):
    analysis = analyze(make_book(), as_of=AS_OF)
    report = roll_up_schedule(analysis.book, AS_OF)
    assert all(report.by(level).empty for level in SCHEDULE_LEVELS)
    metrics = execution_metrics(analysis.book)
    assert metrics.review_by_approver.empty and metrics.hours_by_assignee.empty


# --- command line ---------------------------------------------------------------------------

def test_mom_schedule_json(make_book, run_mom):
    path = make_book(Campaigns=CAMPAIGNS, Activities=ACTIVITIES, Tasks=GOLDEN_TASKS)
    result = run_mom("schedule", path, "--by", "activity", "--as-of", "2027-03-10", "--json")
    assert result.returncode == 0, result.stderr   # warnings only
    document = json.loads(result.stdout)
    assert {"as_of", "by", "rows", "findings"} <= set(document)
    assert document["as_of"] == "2027-03-10" and document["by"] == "activity"
    assert document["rows"] == [
        {"key": "A1", "planned_start": "2027-03-01", "planned_finish": "2027-03-06",
         "actual_start": "2027-03-01", "actual_finish": "2027-03-08",
         "percent_complete": 1.0, "spi": 1.0, "late_tasks": 0},
        {"key": "A2", "planned_start": "2027-03-01", "planned_finish": "2027-03-19",
         "actual_start": "2027-03-02", "actual_finish": None,
         "percent_complete": 0.1647, "spi": 0.28, "late_tasks": 1},      # 2.8 / 17
        {"key": "A3", "planned_start": "2027-03-03", "planned_finish": "2027-03-26",
         "actual_start": "2027-03-03", "actual_finish": None,
         "percent_complete": 0.3556, "spi": 1.0667, "late_tasks": 0},    # 6.4/18, 6.4/6
    ]
    codes = sorted((f["sheet"], f["cell"], f["code"]) for f in document["findings"]
                   if f["code"] in SCHEDULE_CODES)
    assert codes == [("Campaigns", "A2", "schedule-behind"), ("Tasks", "D5", "task-start-missed"),
                     ("Tasks", "E4", "task-late")]
    # Lee's open review (T3, submitted Mon 03-08) has waited Tue and Wed = 2 working days.
    assert document["bottlenecks"]["by_approver"] == [
        {"key": "Lee", "reviews": 1, "median_days": 5.0, "max_days": 5.0, "open_reviews": 1,
         "oldest_open_days": 2.0},
        {"key": "Kim", "reviews": 3, "median_days": 1.0, "max_days": 2.0, "open_reviews": 0,
         "oldest_open_days": None}]


def test_mom_schedule_plan_json_and_text(make_book, run_mom):
    path = make_book(Campaigns=CAMPAIGNS, Activities=ACTIVITIES, Tasks=GOLDEN_TASKS)
    result = run_mom("schedule", path, "--by", "plan", "--as-of", "2027-03-10", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)["rows"]
    assert [(r["key"], r["percent_complete"], r["spi"], r["late_tasks"]) for r in rows] == [
        ("P-1", 0.3707, 0.6909, 1)]   # 15.2/41, 15.2/22
    text = run_mom("schedule", path, "--by", "campaign", "--as-of", "2027-03-10")
    assert text.returncode == 0, text.stderr
    assert "Schedule by campaign as of 2027-03-10" in text.stdout
    assert "Review bottlenecks by approver" in text.stdout
    # C1: 8.8 / 23 = 38.3 % complete, SPI 0.55
    assert "2027-03-26" in text.stdout and "38.3%" in text.stdout and "0.55" in text.stdout


def test_mom_schedule_usage_errors(tmp_path, run_mom):
    assert run_mom("schedule", tmp_path / "missing.xlsx").returncode == 2
    bogus = tmp_path / "bogus.xlsx"
    bogus.write_text("not a workbook")
    assert run_mom("schedule", bogus, "--json").returncode == 2
    assert run_mom("schedule", bogus, "--by", "month").returncode == 2


def test_mom_schedule_book_without_tasks(make_book, run_mom):
    path = make_book()
    result = run_mom("schedule", path, "--by", "plan", "--json", "--as-of", "2027-03-10")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["rows"] == [] and document["bottlenecks"] == {"by_approver": [],
                                                                  "by_role": []}
    text = run_mom("schedule", path)
    assert text.returncode == 0 and "no tasks to schedule" in text.stdout
