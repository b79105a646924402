"""Lead funnel and its checks (SPEC §7). Working days = Mon–Fri days after the first date
through the second (Fri → Mon = 1). 2027-01-04, 2027-02-01, 2027-03-01 and 2027-03-15 are
Mondays."""
from __future__ import annotations

import json
import math

import pytest

from mom_engine.domains.funnel import roll_up_funnel
from mom_engine.read import read_book

from .builders import D
from .conftest import located

AS_OF = D(2027, 3, 15)
CODES = ("lead-stage-order", "lead-sla-breach", "consent-violation")

CAMPAIGNS = [
    {"Campaign ID": "C1", "Campaign": "Launch", "Channel": "Events"},
    {"Campaign ID": "C2", "Campaign": "Newsletter", "Channel": "EMAIL"},
]


def lead(lid, campaign, inquiry=None, mql=None, sql=None, sal=None, opportunity=None,
         status="Open", opted_out="No"):
    return {"Lead ID": lid, "Campaign ID": campaign, "Inquiry Date": inquiry, "MQL Date": mql,
            "SQL Date": sql, "SAL Date": sal, "Opportunity Date": opportunity,
            "Status": status, "Opted Out": opted_out}


# Leads: A Lead ID, B Campaign ID, C Inquiry, D MQL, E SQL, F SAL, G Opportunity, H Status, I Opted
LEADS = [
    # row 2: Mon → Wed 2, Wed → Fri 2, Fri → Mon 1, Mon → Fri 4; opted out on an Events campaign
    lead("L1", "C1", D(2027, 1, 4), D(2027, 1, 6), D(2027, 1, 8), D(2027, 1, 11),
         D(2027, 1, 15), status="Converted", opted_out="Yes"),
    # row 3: Mon → Tue 1, never reached SQL
    lead("L2", "C1", D(2027, 1, 4), D(2027, 1, 5), status="Disqualified"),
    # row 4: skipped SQL → lead-stage-order on SAL (F4); no SLA (never entered SQL)
    lead("L3", "C1", mql=D(2027, 1, 4), sal=D(2027, 1, 20)),
    # row 5: SQL before MQL → lead-stage-order on SQL (E5)
    lead("L4", "C1", mql=D(2027, 2, 1), sql=D(2027, 1, 29), status="Disqualified"),
    # row 6: SQL Mon 2027-03-01 → as-of: 10 working days = SLA 10, just inside
    lead("L5", "C1", mql=D(2027, 2, 26), sql=D(2027, 3, 1)),
    # row 7: SQL Fri 2027-02-26 → as-of: 11 working days > 10, just past → breach (E7)
    lead("L6", "C1", mql=D(2027, 2, 25), sql=D(2027, 2, 26)),
    # row 8: recycled long ago: no breach
    lead("L7", "C1", mql=D(2027, 1, 4), sql=D(2027, 1, 5), status="Recycled"),
    # row 9: opted out on the email campaign → consent-violation (B9)
    lead("L8", "C2", mql=D(2027, 3, 10), opted_out="Yes"),
    # row 10: email campaign, not opted out
    lead("L9", "C2", mql=D(2027, 3, 11)),
    # row 11: opted out, no campaign
    lead("L10", None, mql=D(2027, 3, 1), opted_out="Yes"),
]


@pytest.fixture
def team(make_book):
    return make_book(Campaigns=CAMPAIGNS, Leads=LEADS)


def figures(frame, campaign_id):
    rows = frame[frame["campaign_id"] == campaign_id]
    return [(r["stage"], r["reached"], None if math.isnan(r["conversion"]) else r["conversion"],
             None if math.isnan(r["median_days"]) else r["median_days"])
            for r in rows.to_dict("records")]


def test_funnel_per_campaign_golden(team):
    report = roll_up_funnel(read_book(team), AS_OF)
    assert report.stages == ("MQL", "SQL", "SAL", "Opportunity")
    c1 = report.campaigns[report.campaigns["campaign_id"] == "C1"]
    assert set(c1["leads"]) == {7} and set(c1["campaign"]) == {"Launch"}
    # reached = the stage or a later one dated: SQL L1 L3(via SAL) L4 L5 L6 L7 = 6; SAL L1 L3
    # medians: MQL from Inquiry [2, 1] → 1.5; SQL from MQL [2, 1, 1, 1] (L4 out of order left
    # out) → 1; SAL [1]; Opportunity [4]
    assert figures(report.campaigns, "C1") == [
        ("MQL", 7, 1.0, 1.5), ("SQL", 6, 6 / 7, 1.0), ("SAL", 2, 2 / 6, 1.0),
        ("Opportunity", 1, 0.5, 4.0)]
    # C2: 2 leads at MQL, none further: 0 / 2, then 0 / 0 is blank
    assert figures(report.campaigns, "C2") == [
        ("MQL", 2, 1.0, None), ("SQL", 0, 0.0, None), ("SAL", 0, None, None),
        ("Opportunity", 0, None, None)]
    assert figures(report.campaigns, "") == [
        ("MQL", 1, 1.0, None), ("SQL", 0, 0.0, None), ("SAL", 0, None, None),
        ("Opportunity", 0, None, None)]
    assert set(report.campaigns.loc[report.campaigns["campaign_id"] == "", "campaign"]) == {
        "(no campaign)"}
    # plan: ratios of sums over all 10 leads, medians over all leads
    assert set(report.plan["leads"]) == {10}
    assert figures(report.plan, "") == [
        ("MQL", 10, 1.0, 1.5), ("SQL", 6, 0.6, 1.0), ("SAL", 2, 2 / 6, 1.0),
        ("Opportunity", 1, 0.5, 4.0)]


def test_funnel_findings_located(team, analyze):
    findings = analyze(team, as_of=AS_OF).findings
    assert sorted(located(findings, *CODES)) == [
        ("Leads", "B9", "consent-violation"),      # L8 opted out, email campaign
        ("Leads", "E5", "lead-stage-order"),       # L4 SQL before MQL
        ("Leads", "E7", "lead-sla-breach"),        # L6 11 working days at SQL
        ("Leads", "F4", "lead-stage-order"),       # L3 SAL without SQL
    ]
    breach = next(f for f in findings if f.code == "lead-sla-breach")
    assert breach.value == 11


def test_sla_moves_with_the_as_of_date(team, analyze):
    # one working day earlier (Fri 2027-03-12): L6 has waited exactly 10 → no breach
    assert located(analyze(team, as_of=D(2027, 3, 12)).findings, "lead-sla-breach") == []
    # Tue 2027-03-16: L5 now 11, L6 12
    assert sorted(located(analyze(team, as_of=D(2027, 3, 16)).findings, "lead-sla-breach")) == [
        ("Leads", "E6", "lead-sla-breach"), ("Leads", "E7", "lead-sla-breach")]


def test_custom_lead_stages_and_sla(make_book, analyze):
    # Lead Stages MQL, SQL, Won; SLA Stage SQL with SLA Days 2
    book = make_book(
        plan={"Lead Stages": "MQL, SQL, Won", "SLA Days": 2},
        Leads=[
            # columns: A Lead ID, B SQL Date, C MQL Date, D Won Date
            # row 2: SQL Mon 03-01 → Thu 03-04: 3 working days > 2 → breach on B2
            {"Lead ID": "L1", "SQL Date": D(2027, 3, 1), "MQL Date": D(2027, 3, 1)},
            # row 3: Won dated → moved on, no breach; Won without SQL → stage order on D3
            {"Lead ID": "L2", "SQL Date": None, "MQL Date": D(2027, 3, 1),
             "Won Date": D(2027, 3, 2)},
        ])
    analysis = analyze(book, as_of=D(2027, 3, 4))
    assert sorted(located(analysis.findings, *CODES)) == [
        ("Leads", "B2", "lead-sla-breach"), ("Leads", "D3", "lead-stage-order")]
    report = roll_up_funnel(analysis.book, D(2027, 3, 4))
    assert figures(report.plan, "") == [("MQL", 2, 1.0, None), ("SQL", 2, 1.0, 0.0),
                                        ("Won", 1, 0.5, None)]


def test_sla_stage_outside_the_lead_stages(make_book, analyze):
    book = make_book(plan={"Lead Stages": "MQL, SAL", "SLA Stage": "SQL"},
                     Leads=[{"Lead ID": "L1", "MQL Date": D(2027, 3, 1)}])
    findings = analyze(book, as_of=AS_OF).findings
    # Plan rows: Plan ID 2 … Approved On 10, Lead Stages 11, SLA Stage 12 (Value in column B)
    assert located(findings, "value-enum", *CODES) == [("Plan", "B12", "value-enum")]


def test_cli_funnel_json_and_exit_code(team, run_mom):
    done = run_mom("funnel", team, "--as-of", "2027-03-15", "--json")
    assert done.returncode == 1, done.stderr           # stage order and consent are errors
    document = json.loads(done.stdout)
    assert document["as_of"] == "2027-03-15"
    (book,) = document["books"]
    assert book["stages"] == ["MQL", "SQL", "SAL", "Opportunity"]
    c1 = next(c for c in book["campaigns"] if c["campaign_id"] == "C1")
    assert (c1["campaign"], c1["leads"]) == ("Launch", 7)
    assert c1["stages"][2] == {"stage": "SAL", "reached": 2, "conversion": 0.3333,
                               "median_days": 1.0}
    assert book["total"]["leads"] == 10
    assert [s["reached"] for s in book["total"]["stages"]] == [10, 6, 2, 1]
    assert sorted((f["sheet"], f["cell"], f["code"]) for f in document["findings"]
                  if f["code"] in CODES) == [
        ("Leads", "B9", "consent-violation"), ("Leads", "E5", "lead-stage-order"),
        ("Leads", "E7", "lead-sla-breach"), ("Leads", "F4", "lead-stage-order")]


def test_cli_funnel_text_and_clean_book(make_book, run_mom, tmp_path):
    clean = make_book("clean.xlsx", Leads=[lead("L1", "C1", mql=D(2027, 3, 1))])
    done = run_mom("funnel", clean, "--as-of", "2027-03-02")
    assert done.returncode == 0, done.stderr
    assert "Launch" in done.stdout and "MQL" in done.stdout
    assert run_mom("funnel", tmp_path / "missing.xlsx").returncode == 2
