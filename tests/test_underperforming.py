"""Campaigns that do not meet their planned performance (SPEC §8 `campaign-underperforming`)
and the at-risk list that shows delayed and underperforming campaigns together."""
import datetime as dt
import json

from mom_engine.domains.scorecard import campaigns_at_risk, expected_shares

from .conftest import located

D = dt.date
AS_OF = D(2027, 3, 20)

CAMPAIGNS = [
    {"Campaign ID": "C1", "Campaign": "Launch", "Start": D(2027, 1, 1), "End": D(2027, 1, 31),
     "Status": "Completed", "Expected Leads": 10, "Expected Pipeline": 100_000,
     "Expected Revenue": 20_000},
    {"Campaign ID": "C2", "Campaign": "Push", "Start": D(2027, 3, 1), "End": D(2027, 4, 9),
     "Status": "Active", "Expected Leads": 40},
    {"Campaign ID": "C3", "Campaign": "Later", "Start": D(2027, 6, 1), "End": D(2027, 6, 30),
     "Status": "Planned", "Expected Leads": 40},
    {"Campaign ID": "C4", "Campaign": "Overdue", "Start": D(2027, 2, 1), "End": D(2027, 2, 28),
     "Status": "Active", "Expected Leads": 4},
]
ACTIVITIES = [{"Activity ID": f"A{n}", "Campaign ID": f"C{n}", "Activity": "Work",
               "GL Account": "610200"} for n in (1, 2, 3, 4)]
STAGES = {"MQL Date": None, "SQL Date": None, "SAL Date": None, "Opportunity Date": None}
LEADS = ([{"Lead ID": f"L{i}", "Campaign ID": "C1", **STAGES} for i in range(9)]      # 9 of 10
         + [{"Lead ID": f"M{i}", "Campaign ID": "C2", **STAGES} for i in range(5)]    # 5 of 40
         + [{"Lead ID": f"N{i}", "Campaign ID": "C4", **STAGES} for i in range(4)])   # 4 of 4
OPPORTUNITIES = [{"Opportunity ID": "O1", "Rep": "Maya", "Campaign ID": "C1",
                  "Stage": "Closed Won", "Amount": 50_000, "Close Date": D(2027, 2, 1)}]
TASKS = [{"Task ID": "T1", "Activity ID": "A2", "Task": "Mail", "Planned Start": D(2027, 3, 1),
          "Planned Finish": D(2027, 3, 10), "% Complete": 0.1}]


def book(make_book, **plan):
    return make_book(plan=plan, Campaigns=CAMPAIGNS, Activities=ACTIVITIES, Leads=LEADS,
                     Opportunities=OPPORTUNITIES, Tasks=TASKS)


def test_share_due_is_one_once_ended_and_elapsed_calendar_days_while_active(make_book, analyze):
    analysis = analyze(book(make_book), as_of=AS_OF)
    shares = expected_shares(analysis.book, AS_OF)
    # C2 runs 2027-03-01..04-09 (40 days); on 03-20, 20 days have elapsed: half is due.
    assert [(c, None if s != s else s) for c, s in zip(shares["campaign_id"], shares["share"],
                                                       strict=True)] == [
        ("C1", 1.0), ("C2", 0.5), ("C3", None), ("C4", 1.0)]


def test_campaign_underperforming_at_the_campaign_id_cell(make_book, analyze):
    analysis = analyze(book(make_book), as_of=AS_OF)
    assert located(analysis.findings, "campaign-underperforming") == [
        ("Campaigns", "A2", "campaign-underperforming"),     # C1 ended: pipeline 50 % < 80 %
        ("Campaigns", "A3", "campaign-underperforming")]     # C2: leads 12.5 % < 80 % × 0.5
    c1, c2 = [f for f in analysis.findings if f.code == "campaign-underperforming"]
    assert (c1.value, c2.value) == (0.5, 0.125)
    assert "pipeline 50%" in c1.message and "leads" not in c1.message.split("of what")[0]
    assert "pro rata: 40% is due with 50% of its run elapsed" in c2.message


def test_the_threshold_comes_from_the_plan(make_book, analyze):
    analysis = analyze(book(make_book, **{"Attainment Threshold": 0.2}), as_of=AS_OF)
    # C1: 0.5 ≥ 0.2; C2: 0.125 ≥ 0.2 × 0.5 = 0.1 — neither is below any more.
    assert located(analysis.findings, "campaign-underperforming") == []


def test_delayed_and_underperforming_campaigns_are_listed_together(make_book, analyze):
    analysis = analyze(book(make_book), as_of=AS_OF)
    table = campaigns_at_risk(analysis.book, AS_OF)
    assert [(r["campaign_id"], r["underperforming"], r["behind_schedule"], r["late_tasks"],
             r["reasons"]) for r in table.to_dict("records")] == [
        ("C1", True, False, 0, "pipeline below target"),
        ("C2", True, True, 1, "SPI 0.10, leads below target"),
    ]
    assert located(analysis.findings, "schedule-behind") == [
        ("Campaigns", "A3", "schedule-behind")]


def test_mom_scorecard_json_lists_the_campaigns_at_risk(make_book, run_mom):
    path = book(make_book)
    result = run_mom("scorecard", path, "--as-of", "2027-03-20", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert [(r["campaign_id"], r["expected_share"], r["pipeline_attainment"], r["reasons"])
            for r in document["books"][0]["at_risk"]] == [
        ("C1", 1.0, 0.5, "pipeline below target"),
        ("C2", 0.5, None, "SPI 0.10, leads below target")]
