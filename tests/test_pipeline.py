"""Pipeline coverage per rep (SPEC §7): golden figures computed by hand in the comments."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from mom_engine.domains.pipeline import REP_COLUMNS, coverage
from mom_engine.read import read_book

from .builders import D
from .conftest import located

AS_OF = D(2027, 2, 15)          # FY Start Month 1 → FY2027-Q1 = 2027-01-01 … 2027-03-31
CODES = ("coverage-below-target", "quota-missing", "quota-conflict")


def opp(oid, rep, stage, amount, close, probability=None, campaign=None):
    return {"Opportunity ID": oid, "Rep": rep, "Stage": stage, "Amount": amount,
            "Close Date": close, "Probability": probability, "Campaign ID": campaign}


# Opportunities: A ID, B Rep, C Stage, D Amount, E Close Date, F Probability, G Campaign ID
OPPORTUNITIES = [
    opp("O1", "Ann", "Closed Won", 20000, D(2027, 1, 1)),          # row 2: won, first day
    opp("O2", "Ann", "Proposal", 60000, D(2027, 3, 31)),           # row 3: open, last day, 0.50
    opp("O3", "Ann", "Negotiation", 50000, D(2027, 4, 1)),         # row 4: next quarter
    opp("O4", "Ann", "Qualification", 40000, D(2026, 12, 31)),     # row 5: past due, not open
    opp("O5", "ann", "Prospecting", 10000.10, D(2027, 2, 1), 0.35),  # row 6: 35 % beats 10 %
    opp("O6", "Bob", "Closed Won", 60000, D(2027, 2, 10)),         # row 7: Bob over quota
    opp("O7", "Bob", "Proposal", 5000, D(2027, 3, 1)),             # row 8
    opp("O8", "Cara", "Negotiation", 30000, D(2027, 2, 20)),       # row 9: no quota
    opp("O9", "Eve", "Proposal", 30000, D(2027, 3, 15)),           # row 10
    opp("O10", "Ann", "Closed Won", 30000, D(2026, 6, 30)),        # row 11: win-rate window
    opp("O11", "Bob", "Closed Lost", 90000, D(2026, 1, 1)),        # row 12: window, first day
    opp("O12", "Bob", "Closed Lost", 1000000, D(2025, 12, 31)),    # row 13: before window
    opp("O13", "Eve", "Closed Lost", 5000, D(2027, 1, 15)),        # row 14: this quarter
]

# Quotas: A Rep, B Quarter, C Quota
QUOTAS = [
    {"Rep": "Ann", "Quarter": "FY2027-Q1", "Quota": 100000},       # row 2
    {"Rep": "Bob", "Quarter": D(2027, 2, 3), "Quota": 50000},      # row 3: a date in Q1
    {"Rep": "Dan", "Quarter": "fy2027-q1", "Quota": 40000},        # row 4: no pipeline
    {"Rep": "Eve", "Quarter": "FY2027-Q1", "Quota": 10000},        # row 5
    {"Rep": "Ann", "Quarter": "FY2027-Q2", "Quota": 999999},       # row 6: other quarter
]


@pytest.fixture
def team(make_book):
    return make_book(Opportunities=OPPORTUNITIES, Quotas=QUOTAS)


def rep_rows(report):
    return {row["rep"]: row for row in report.reps.to_dict("records")}


def test_coverage_per_rep_golden(team):
    report = coverage([read_book(team)], AS_OF)
    assert report.quarter == "FY2027-Q1"
    assert report.target == 2.5
    assert list(report.reps.columns) == REP_COLUMNS
    reps = rep_rows(report)
    assert list(reps) == ["Ann", "Bob", "Dan", "Eve", "Cara"]   # Quotas order, then new reps

    ann = reps["Ann"]
    # won = O1 20,000.00 (first day counts); O3 next quarter and O4 past due are not pipeline
    # open = O2 60,000.00 + O5 10,000.10 = 70,000.10
    # weighted = 60,000 × 0.50 + 10,000.10 × 0.35 (explicit) = 30,000 + 3,500.035 → 33,500.04
    # remaining = 100,000 − 20,000 = 80,000; coverage = 70,000.10 / 80,000 = 0.87500125
    # gap = 2.5 × 80,000 − 70,000.10 = 129,999.90
    assert (ann["quota"], ann["won"], ann["remaining_quota"], ann["open"], ann["weighted"],
            ann["gap"]) == (10000000, 2000000, 8000000, 7000010, 3350004, 12999990)
    assert ann["coverage"] == pytest.approx(0.87500125)
    assert (ann["below_target"], ann["quota_met"]) == (True, False)

    bob = reps["Bob"]
    # won 60,000 > quota 50,000 → remaining −10,000, coverage blank, quota met, gap 0
    assert (bob["quota"], bob["won"], bob["remaining_quota"], bob["open"], bob["weighted"],
            bob["gap"]) == (5000000, 6000000, -1000000, 500000, 250000, 0)
    assert bob["coverage"] != bob["coverage"]       # NaN: blank
    assert (bob["below_target"], bob["quota_met"]) == (False, True)

    dan = reps["Dan"]
    # quota and no pipeline → coverage 0, gap = 2.5 × 40,000 = 100,000
    assert (dan["won"], dan["open"], dan["weighted"], dan["gap"]) == (0, 0, 0, 10000000)
    assert dan["coverage"] == 0.0
    assert dan["below_target"]

    eve = reps["Eve"]
    # open 30,000 / 10,000 = 3.0 ≥ 2.5; gap max(0, 25,000 − 30,000) = 0; O13 lost: not open
    assert (eve["open"], eve["weighted"], eve["gap"], eve["coverage"]) == (3000000, 1500000, 0, 3.0)
    assert not eve["below_target"]

    cara = reps["Cara"]
    # no quota: quota, remaining quota, coverage and gap blank; weighted 30,000 × 0.75
    assert [pd.isna(cara[c]) for c in ("quota", "remaining_quota", "coverage", "gap")] == [
        True] * 4
    assert (cara["open"], cara["weighted"]) == (3000000, 2250000)
    assert (cara["below_target"], cara["quota_met"]) == (False, False)

    # team: open 70,000.10 + 5,000 + 0 + 30,000 + 30,000 = 135,000.10
    # remaining: Ann 80,000 + Bob max(−10,000, 0) + Dan 40,000 + Eve 10,000 = 130,000
    assert report.team["open"] == 13500010
    assert report.team["remaining_quota"] == 13000000
    assert report.team["coverage"] == pytest.approx(13500010 / 13000000)
    assert report.team["reps_below_target"] == 2
    # win rate FY2026-Q1…Q4: won O10 30,000 / (30,000 + lost O11 90,000) = 0.25 → multiple 4
    assert report.win_rate == pytest.approx(0.25)
    assert report.implied_multiple == pytest.approx(4.0)


def test_coverage_findings_located(team, analyze):
    findings = analyze(team, as_of=AS_OF).findings
    assert sorted(located(findings, *CODES)) == [
        ("Opportunities", "B9", "quota-missing"),          # Cara's first open deal
        ("Quotas", "C2", "coverage-below-target"),         # Ann
        ("Quotas", "C4", "coverage-below-target"),         # Dan
    ]


def test_target_option_changes_who_is_below(team, analyze):
    # target 3.5: Eve 3.0 < 3.5 joins Ann and Dan; her gap = 3.5 × 10,000 − 30,000 = 5,000
    report = coverage([read_book(team)], AS_OF, target=3.5)
    assert report.team["reps_below_target"] == 3
    assert rep_rows(report)["Eve"]["gap"] == 500000
    findings = analyze(team, as_of=AS_OF, coverage_target=3.5).findings
    assert sorted(located(findings, "coverage-below-target")) == [
        ("Quotas", "C2", "coverage-below-target"),
        ("Quotas", "C4", "coverage-below-target"),
        ("Quotas", "C5", "coverage-below-target"),
    ]
    # a plan Coverage Target of 0.5 lets Ann (0.875) pass; Dan at 0 stays below
    report = coverage([read_book(team)], AS_OF, target=0.5)
    assert [r for r, row in rep_rows(report).items() if row["below_target"]] == ["Dan"]


def test_plan_coverage_target_is_the_default(make_book):
    book = make_book(plan={"Coverage Target": 3.5}, Opportunities=OPPORTUNITIES, Quotas=QUOTAS)
    report = coverage([read_book(book)], AS_OF)
    assert report.target == 3.5
    assert report.team["reps_below_target"] == 3


def test_fiscal_year_starting_in_october(make_book):
    # FY Start Month 10: FY2027-Q1 = 2026-10-01 … 2026-12-31
    book = make_book(
        plan={"FY Start Month": 10},
        Opportunities=[
            opp("O1", "Ann", "Closed Won", 10000, D(2026, 10, 1)),     # won, first day
            opp("O2", "Ann", "Negotiation", 20000, D(2026, 12, 31)),   # open, last day
            opp("O3", "Ann", "Proposal", 40000, D(2027, 1, 1)),        # FY2027-Q2
            opp("O4", "Ann", "Proposal", 80000, D(2026, 9, 30)),       # past due (FY2026)
            opp("O5", "Ann", "Closed Won", 10000, D(2026, 9, 30)),     # window, last day
            opp("O6", "Ann", "Closed Lost", 30000, D(2025, 10, 1)),    # window, first day
            opp("O7", "Ann", "Closed Lost", 50000, D(2025, 9, 30)),    # before the window
        ],
        Quotas=[{"Rep": "Ann", "Quarter": D(2026, 11, 2), "Quota": 30000}])
    report = coverage([read_book(book)], D(2026, 11, 15))
    assert report.quarter == "FY2027-Q1"
    ann = rep_rows(report)["Ann"]
    # won 10,000; remaining 20,000; open 20,000; coverage 1.0; weighted 15,000; gap 30,000
    assert (ann["quota"], ann["won"], ann["remaining_quota"], ann["open"], ann["weighted"],
            ann["gap"], ann["coverage"]) == (3000000, 1000000, 2000000, 2000000, 1500000,
                                             3000000, 1.0)
    # window FY2026 = 2025-10-01 … 2026-09-30: 10,000 / (10,000 + 30,000)
    assert report.win_rate == pytest.approx(0.25)


def test_one_rep_across_two_books(make_book):
    first = make_book("a.xlsx", Opportunities=[opp("O1", "Ann", "Proposal", 60000, D(2027, 3, 1))],
                      Quotas=[{"Rep": "Ann", "Quarter": "FY2027-Q1", "Quota": 100000}])
    second = make_book("b.xlsx", Opportunities=[
        opp("X1", " ANN ", "Negotiation", 30000, D(2027, 2, 1)),
        opp("X2", "ann", "Closed Won", 10000, D(2027, 1, 5))],
        Quotas=[{"Rep": "ann", "Quarter": "FY2027-Q1", "Quota": 100000}])
    report = coverage([read_book(first), read_book(second)], AS_OF)
    reps = rep_rows(report)
    assert list(reps) == ["Ann"]                       # one rep, first spelling
    ann = reps["Ann"]
    # the same quota in both books counts once: 100,000; won 10,000 → remaining 90,000
    # open 60,000 + 30,000 = 90,000 → coverage 1.0; weighted 30,000 + 22,500 = 52,500
    assert (ann["quota"], ann["won"], ann["remaining_quota"], ann["open"], ann["weighted"],
            ann["gap"]) == (10000000, 1000000, 9000000, 9000000, 5250000, 13500000)
    assert ann["coverage"] == 1.0
    assert [(f.book, f.sheet, f.cell, f.code) for f in report.findings] == [
        ("a.xlsx", "Quotas", "C2", "coverage-below-target")]


def test_conflicting_quotas_across_books(make_book):
    first = make_book("a.xlsx", Quotas=[{"Rep": "Ann", "Quarter": "FY2027-Q1", "Quota": 100000}])
    second = make_book("b.xlsx", Quotas=[{"Rep": "Ann", "Quarter": "FY2027-Q1", "Quota": 80000}])
    report = coverage([read_book(first), read_book(second)], AS_OF)
    assert rep_rows(report)["Ann"]["quota"] == 10000000       # the largest
    assert [(f.book, f.sheet, f.cell, f.code) for f in report.findings] == [
        ("a.xlsx", "Quotas", "C2", "coverage-below-target"),
        ("b.xlsx", "Quotas", "C2", "quota-conflict")]


def test_book_without_pipeline_sheets_has_no_coverage(make_book):
    report = coverage([read_book(make_book())], AS_OF)
    assert report.reps.empty
    assert report.team == {"open": 0, "remaining_quota": 0, "coverage": None,
                           "reps_below_target": 0, "marketing_sourced": 0, "sales_sourced": 0}
    assert report.win_rate is None and report.implied_multiple is None
    assert report.findings == []


def test_cli_pipeline_json(team, run_mom):
    done = run_mom("pipeline", team, "--as-of", "2027-02-15", "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert (document["as_of"], document["quarter"], document["target"]) == (
        "2027-02-15", "FY2027-Q1", 2.5)
    ann = document["reps"][0]
    assert ann == {"rep": "Ann", "quota": 100000.0, "won": 20000.0, "remaining_quota": 80000.0,
                   "open": 70000.1, "weighted": 33500.04, "coverage": 0.875, "gap": 129999.9,
                   "below_target": True, "quota_met": False, "marketing_sourced": 0.0,
                   "sales_sourced": 70000.1}
    cara = document["reps"][4]
    assert (cara["rep"], cara["quota"], cara["coverage"], cara["gap"]) == ("Cara", None, None, None)
    assert document["team"] == {"open": 135000.1, "remaining_quota": 130000.0,
                                "coverage": 1.0385, "reps_below_target": 2,
                                "marketing_sourced": 0.0, "sales_sourced": 135000.1}
    assert (document["win_rate"], document["implied_multiple"]) == (0.25, 4.0)
    assert sorted((f["sheet"], f["cell"], f["code"]) for f in document["findings"]) == [
        ("Opportunities", "B9", "quota-missing"),
        ("Quotas", "C2", "coverage-below-target"),
        ("Quotas", "C4", "coverage-below-target")]


def test_cli_pipeline_target_and_text(team, run_mom):
    done = run_mom("pipeline", team, "--as-of", "2027-02-15", "--target", "3.5", "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["target"] == 3.5
    assert document["team"]["reps_below_target"] == 3
    text = run_mom("pipeline", team, "--as-of", "2027-02-15")
    assert text.returncode == 0, text.stderr
    assert "FY2027-Q1" in text.stdout and "Cara" in text.stdout and "quota-missing" in text.stdout


def test_cli_pipeline_exit_codes(make_book, run_mom, tmp_path):
    assert run_mom("pipeline", tmp_path / "nothing-here").returncode == 2
    assert run_mom("pipeline", make_book(), "--target", "0").returncode == 2
    broken = make_book("broken.xlsx", Opportunities=[opp("O1", "Ann", "Won?", 10, D(2027, 1, 1))])
    done = run_mom("pipeline", broken, "--as-of", "2027-02-15", "--json")
    assert done.returncode == 1
    assert ("Opportunities", "C2", "stage-unmapped") in [
        (f["sheet"], f["cell"], f["code"]) for f in json.loads(done.stdout)["findings"]]


def test_each_book_uses_its_own_fiscal_calendar(make_book):
    # as of 2027-02-15: a.xlsx (FY Start Month 1) is in FY2027-Q1 = Jan–Mar 2027;
    # b.xlsx (FY Start Month 10) is in its FY2027-Q2 = Jan–Mar 2027 — its FY2027-Q1 label is
    # Oct–Dec 2026, a past quarter, even though it reads like a.xlsx's current one
    first = make_book("a.xlsx", Quotas=[{"Rep": "Ann", "Quarter": "FY2027-Q1", "Quota": 10000}],
                      Opportunities=[opp("O1", "Ann", "Proposal", 30000, D(2027, 3, 31))])
    second = make_book("b.xlsx", plan={"FY Start Month": 10},
                       Quotas=[{"Rep": "Bob", "Quarter": "FY2027-Q1", "Quota": 50000},
                               {"Rep": "Bob", "Quarter": "FY2027-Q2", "Quota": 70000}],
                       Opportunities=[opp("X1", "Bob", "Proposal", 70000, D(2027, 3, 31)),
                                      opp("X2", "Bob", "Closed Won", 20000, D(2026, 12, 31))])
    report = coverage([read_book(first), read_book(second)], AS_OF)
    assert report.quarter == "FY2027-Q1"
    reps = rep_rows(report)
    # Bob: quota 70,000 (FY2027-Q2 of b.xlsx); X2 closed in b's previous quarter: not won now
    assert (reps["Bob"]["quota"], reps["Bob"]["won"], reps["Bob"]["open"]) == (
        7000000, 0, 7000000)
    assert reps["Bob"]["coverage"] == 1.0
    # X2 is in b.xlsx's win-rate window (Jan–Dec 2026): 20,000 won, nothing lost
    assert report.win_rate == 1.0


def test_cli_pipeline_several_books_judges_the_rep_once(make_book, run_mom):
    # alone, each book has Ann at 150,000 / 100,000 = 1.5× (below 2.5×); together the quota
    # (the same in both) counts once and her pipeline adds up: 300,000 / 100,000 = 3.0×
    books = [make_book(name, Opportunities=[opp(f"{name}-1", "Ann", "Proposal", 150000,
                                                D(2027, 3, 1))],
                       Quotas=[{"Rep": "Ann", "Quarter": "FY2027-Q1", "Quota": 100000}])
             for name in ("a.xlsx", "b.xlsx")]
    alone = run_mom("pipeline", books[0], "--as-of", "2027-02-15", "--json")
    assert [(f["book"], f["cell"], f["code"]) for f in json.loads(alone.stdout)["findings"]] == [
        ("a.xlsx", "C2", "coverage-below-target")]
    done = run_mom("pipeline", *books, "--as-of", "2027-02-15", "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert [(r["rep"], r["quota"], r["open"], r["coverage"]) for r in document["reps"]] == [
        ("Ann", 100000.0, 300000.0, 3.0)]
    assert document["findings"] == []


# --- Plan field Pipeline Stages: which open stages count as pipeline ------------------------

def test_pipeline_stages_narrow_open_weighted_and_coverage(make_book):
    book = make_book(plan={"Pipeline Stages": "Proposal, negotiation"},
                     Opportunities=OPPORTUNITIES, Quotas=QUOTAS)
    report = coverage([read_book(book)], AS_OF)
    reps = rep_rows(report)
    # Ann: O5 (Prospecting) no longer counts → open O2 60,000; weighted 60,000 × 0.50
    # coverage 60,000 / 80,000 = 0.75; gap 2.5 × 80,000 − 60,000 = 140,000
    ann = reps["Ann"]
    assert (ann["open"], ann["weighted"], ann["gap"], ann["coverage"]) == (
        6000000, 3000000, 14000000, 0.75)
    # Bob O7 Proposal, Cara O8 Negotiation, Eve O9 Proposal still count
    assert [reps[r]["open"] for r in ("Bob", "Cara", "Eve")] == [500000, 3000000, 3000000]
    # team open 60,000 + 5,000 + 30,000 + 30,000 = 125,000, all sales-sourced
    assert (report.team["open"], report.team["marketing_sourced"],
            report.team["sales_sourced"]) == (12500000, 0, 12500000)


def test_pipeline_stages_decide_marketing_and_sales_sourced(make_book):
    deals = [opp("O1", "Ann", "Prospecting", 10000, D(2027, 2, 1), campaign="C1"),
             opp("O2", "Ann", "Proposal", 20000, D(2027, 2, 2), campaign="C1"),
             opp("O3", "Ann", "Negotiation", 40000, D(2027, 2, 3))]
    sheets = {"Campaigns": [{"Campaign ID": "C1", "Campaign": "Webinar"}],
              "Opportunities": deals, "Quotas": QUOTAS[:1]}
    every = rep_rows(coverage([read_book(make_book("all.xlsx", **sheets))], AS_OF))["Ann"]
    # default, every open stage: open 70,000; weighted 1,000 + 10,000 + 30,000
    assert (every["open"], every["weighted"], every["marketing_sourced"],
            every["sales_sourced"]) == (7000000, 4100000, 3000000, 4000000)
    narrow = rep_rows(coverage([read_book(make_book(
        "narrow.xlsx", plan={"Pipeline Stages": "Proposal; Negotiation"}, **sheets))],
        AS_OF))["Ann"]
    assert (narrow["open"], narrow["weighted"], narrow["marketing_sourced"],
            narrow["sales_sourced"]) == (6000000, 4000000, 2000000, 4000000)


def test_pipeline_stages_that_are_not_open_stages_are_warned_and_left_out(make_book, analyze):
    path = make_book(plan={"Pipeline Stages": "Proposal, Closed Won, Discovery"},
                     Opportunities=OPPORTUNITIES, Quotas=QUOTAS)
    analysis = analyze(path, as_of=AS_OF)
    assert analysis.book.plan.pipeline_stages == ("Proposal",)
    cell = analysis.book.plan_cells["Pipeline Stages"]
    warnings = [(f.sheet, f.cell, f.code, f.severity.value) for f in analysis.findings
                if f.column == "Pipeline Stages"]
    assert warnings == [("Plan", cell, "value-enum", "warning")] * 2
    messages = [f.message for f in analysis.findings if f.column == "Pipeline Stages"]
    assert messages[0].startswith("Pipeline stage 'Closed Won' is a closed stage; it is left out")
    assert messages[1].startswith("Pipeline stage 'Discovery' is not an opportunity stage")
    # nothing usable left: every open stage counts, and the warning says so
    path = make_book("closed.xlsx", plan={"Pipeline Stages": "Closed Won"})
    analysis = analyze(path, as_of=AS_OF)
    assert analysis.book.plan.pipeline_stages == (
        "Prospecting", "Qualification", "Proposal", "Negotiation")
    assert "no stage is left, so every open stage counts" in next(
        f.message for f in analysis.findings if f.column == "Pipeline Stages")
