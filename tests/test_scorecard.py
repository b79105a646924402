"""Campaign scorecard (SPEC §8): effectiveness and efficiency, two tables, golden figures."""
from __future__ import annotations

import json
import math

import pytest

from mom_engine.read import read_book
from mom_engine.domains.scorecard import EFFECTIVENESS_COLUMNS, EFFICIENCY_COLUMNS, score_campaigns

from .builders import D

CAMPAIGNS = [
    {"Campaign ID": "C1", "Campaign": "Launch", "Channel": "Events", "Expected Leads": 10,
     "Expected Pipeline": 200000, "Expected Revenue": 40000},
    {"Campaign ID": "C2", "Campaign": "Webinar", "Channel": "Webinar", "Expected Leads": 4,
     "Expected Pipeline": 15000},
    {"Campaign ID": "C3", "Campaign": "Newsletter", "Channel": "Email"},
    {"Campaign ID": "C4", "Campaign": "Partner", "Channel": "Partners"},
]
ACTIVITIES = [
    {"Activity ID": aid, "Campaign ID": cid, "Activity": aid, "GL Account": "610200"}
    for aid, cid in (("A1", "C1"), ("A2", "C2"), ("A3", "C3"), ("A4", "C1"))
]
BUDGET = [{"Activity ID": aid, "Month": D(2027, 1, 1), "Budgeted": 50000, "Planned": 50000}
          for aid in ("A1", "A2", "A3", "A4")]
PURCHASE_ORDERS = [
    {"PO Number": "PO1", "Activity ID": "A1", "Vendor": "Expo", "Amount": 10000,
     "Issue Date": D(2027, 1, 5), "Status": "Open"},
    {"PO Number": "PO2", "Activity ID": "A2", "Vendor": "Zoom", "Amount": 3000,
     "Issue Date": D(2027, 1, 5), "Status": "Closed"},
    {"PO Number": "PO3", "Activity ID": "A4", "Vendor": "Print", "Amount": 2000,
     "Issue Date": D(2027, 1, 5), "Status": "Cancelled"},
    {"PO Number": "PO4", "Activity ID": "A4", "Vendor": "Swag", "Amount": 2500,
     "Issue Date": D(2027, 1, 5), "Status": "Open"},
]
INVOICES = [
    {"Invoice No": "I1", "PO Number": "PO1", "Vendor": "Expo", "Amount": 4000,
     "Invoice Date": D(2027, 1, 20)},
    {"Invoice No": "I2", "PO Number": "PO2", "Vendor": "Zoom", "Amount": 2000,
     "Invoice Date": D(2027, 1, 20)},
    {"Invoice No": "I4", "PO Number": "po4", "Vendor": "Swag", "Amount": 2000,
     "Invoice Date": D(2027, 1, 20)},
    {"Invoice No": "I5", "Activity ID": "A3", "Vendor": "Mailer", "Amount": 1000,
     "Currency": "EUR", "Invoice Date": D(2027, 1, 20)},
]
RATES = [{"Currency": "EUR", "Rate": 1.1}]


def lead(lid, campaign, mql=None, sql=None):
    return {"Lead ID": lid, "Campaign ID": campaign, "MQL Date": mql, "SQL Date": sql}


LEADS = [
    lead("L1", "C1", D(2027, 1, 4)), lead("L2", "C1", D(2027, 1, 4)),
    lead("L3", "C1", D(2027, 1, 4), D(2027, 1, 6)),
    lead("L4", "C1", sql=D(2027, 1, 6)),            # SQL without MQL: still past MQL
    lead("L5", "C1"), lead("L6", "C1"),
    lead("L7", "C2", D(2027, 1, 4)), lead("L8", "c2"),   # IDs match ignoring case
    lead("L9", None, D(2027, 1, 4)),                # no campaign: not in the plan figures
]


def opp(oid, campaign, stage, amount):
    return {"Opportunity ID": oid, "Rep": "Ann", "Campaign ID": campaign, "Stage": stage,
            "Amount": amount, "Close Date": D(2027, 5, 1)}


OPPORTUNITIES = [
    opp("O1", "C1", "Closed Won", 30000), opp("O2", "C1", "Proposal", 50000),
    opp("O3", "C1", "Closed Lost", 20000),
    opp("O4", "C2", "Closed Won", 5000), opp("O5", "c2", "Negotiation", 10000),
    opp("O6", None, "Closed Won", 99999),
]


def task(tid, aid, start=None, finish=None, submitted=None, approved=None, planned=None,
         actual=None, status="Done"):
    return {"Task ID": tid, "Activity ID": aid, "Task": tid, "Planned Start": D(2027, 1, 4),
            "Planned Finish": D(2027, 1, 29), "Actual Start": start, "Actual Finish": finish,
            "Status": status, "% Complete": 1 if status == "Done" else 0.5,
            "Submitted On": submitted, "Approved On": approved, "Planned Hours": planned,
            "Actual Hours": actual}


TASKS = [
    # Mon 01-04 … Fri 01-08 = 5 working days; review Fri 01-08 → Tue 01-12 = 2; hours +2
    task("T1", "A1", D(2027, 1, 4), D(2027, 1, 8), D(2027, 1, 8), D(2027, 1, 12), 10, 12),
    # same day = 1; reviewed the day it was submitted = 0; hours 5 − 8 = −3 ("a4" is A4)
    task("T2", "a4", D(2027, 1, 11), D(2027, 1, 11), D(2027, 1, 11), D(2027, 1, 11), 8, 5),
    # Mon 01-04 … Wed 01-13 = 8; no review; no actual hours → no variance
    task("T3", "A1", D(2027, 1, 4), D(2027, 1, 13), planned=4),
    # cancelled: left out of everything
    task("T4", "A2", D(2027, 1, 4), D(2027, 1, 29), D(2027, 1, 4), D(2027, 1, 29), 1, 100,
         status="Cancelled"),
    # not finished, review still open; hours 6 → 6 = 0
    task("T5", "A2", D(2027, 1, 18), submitted=D(2027, 1, 18), planned=6, actual=6,
         status="In Progress"),
]


@pytest.fixture
def team(make_book):
    # PO Required No: invoice I5 is booked straight to its activity, which is then allowed
    return make_book(plan={"PO Required": "No"}, Campaigns=CAMPAIGNS, Activities=ACTIVITIES,
                     Budget=BUDGET, PurchaseOrders=PURCHASE_ORDERS, Invoices=INVOICES, Rates=RATES,
                     Leads=LEADS, Opportunities=OPPORTUNITIES, Tasks=TASKS)


def blank(value):
    return value is None or (isinstance(value, float) and math.isnan(value)) or \
        str(value) == "<NA>"


def test_effectiveness_golden_and_ranking(team):
    card = score_campaigns(read_book(team))
    effect = card.effectiveness
    assert list(effect.columns) == EFFECTIVENESS_COLUMNS
    # cost = committed + spent:
    #   C1: PO1 open 10,000 − invoiced 4,000 = 6,000 committed + 4,000 spent;
    #       PO3 cancelled 0; PO4 open 2,500 − 2,000 = 500 committed + 2,000 spent → 12,500
    #   C2: PO2 closed commits 0, spent 2,000 → 2,000
    #   C3: I5 1,000 EUR × 1.1 = 1,100 spent;  C4: nothing
    # ranking: C2 ROI (5,000 − 2,000) / 2,000 = 1.5 and C1 (30,000 + 0 − 12,500) / 12,500 = 1.4
    assert effect[["rank", "campaign_id", "cost", "leads", "mqls", "pipeline", "won"]].to_dict(
        "records") == [
        {"rank": 1, "campaign_id": "C2", "cost": 200000, "leads": 2, "mqls": 1,
         "pipeline": 1500000, "won": 500000},
        {"rank": 2, "campaign_id": "C1", "cost": 1250000, "leads": 6, "mqls": 4,
         "pipeline": 10000000, "won": 3000000},
        {"rank": 3, "campaign_id": "C3", "cost": 110000, "leads": 0, "mqls": 0,
         "pipeline": 0, "won": 0},
        {"rank": 4, "campaign_id": "C4", "cost": 0, "leads": 0, "mqls": 0,
         "pipeline": 0, "won": 0},
    ]
    c2, c1, c3, c4 = effect.to_dict("records")
    # C2: pipeline/cost 15,000 / 2,000 = 7.5; leads 2/4; pipeline 15,000/15,000; no revenue target
    assert (c2["roi"], c2["pipeline_per_cost"], c2["leads_attainment"],
            c2["pipeline_attainment"]) == (1.5, 7.5, 0.5, 1.0)
    assert blank(c2["revenue_attainment"])
    # C1: ROI 17,500 / 12,500 = 1.4; 100,000 / 12,500 = 8; 6/10; 100,000/200,000; 30,000/40,000
    assert (c1["roi"], c1["pipeline_per_cost"], c1["leads_attainment"],
            c1["pipeline_attainment"], c1["revenue_attainment"]) == pytest.approx(
        (1.4, 8.0, 0.6, 0.5, 0.75))
    assert (c3["roi"], c3["pipeline_per_cost"]) == (-1.0, 0.0)
    assert all(blank(c4[k]) for k in ("roi", "pipeline_per_cost", "leads_attainment"))

    plan = card.plan_effectiveness
    # cost 12,500 + 2,000 + 1,100 = 15,600; leads 8, MQLs 5 (L9 has no campaign);
    # pipeline 115,000 and won 35,000 (O6 has no campaign)
    assert {k: plan[k] for k in ("cost", "leads", "mqls", "pipeline", "won")} == {
        "cost": 1560000, "leads": 8, "mqls": 5, "pipeline": 11500000, "won": 3500000}
    # ROI (35,000 − 15,600) / 15,600; leads (6 + 2) / (10 + 4); pipeline 115,000 / 215,000;
    # revenue over C1 only (the one with a target): 30,000 / 40,000
    assert plan["roi"] == pytest.approx(19400 / 15600)
    assert plan["pipeline_per_cost"] == pytest.approx(115000 / 15600)
    assert plan["leads_attainment"] == pytest.approx(8 / 14)
    assert plan["pipeline_attainment"] == pytest.approx(115000 / 215000)
    assert plan["revenue_attainment"] == pytest.approx(0.75)


def test_efficiency_golden_and_kept_apart(team):
    card = score_campaigns(read_book(team))
    efficiency = card.efficiency
    assert list(efficiency.columns) == EFFICIENCY_COLUMNS
    assert not {"roi", "rank", "pipeline"} & set(efficiency.columns)       # never blended
    assert not {"cost_per_lead", "median_task_cycle"} & set(card.effectiveness.columns)
    rows = {r["campaign_id"]: r for r in efficiency.to_dict("records")}
    assert list(rows) == ["C2", "C1", "C3", "C4"]          # same order as the ranking
    # C1: 12,500 / 6 leads = 2,083.333… → 2,083.33; / 4 MQLs = 3,125.00
    # task cycles T1 5, T2 1, T3 8 → median 5; reviews T1 2, T2 0 → median 1; hours +2 − 3
    c1 = rows["C1"]
    assert (c1["cost_per_lead"], c1["cost_per_mql"], c1["tasks"], c1["median_task_cycle"],
            c1["reviews"], c1["median_review_cycle"], c1["hours_variance"]) == (
        208333, 312500, 3, 5.0, 2, 1.0, -1.0)
    # C2: 2,000 / 2 = 1,000; / 1 = 2,000; T4 cancelled, T5 unfinished and unreviewed; hours 0
    c2 = rows["C2"]
    assert (c2["cost_per_lead"], c2["cost_per_mql"], c2["tasks"], c2["reviews"],
            c2["hours_variance"]) == (100000, 200000, 0, 0, 0.0)
    assert blank(c2["median_task_cycle"]) and blank(c2["median_review_cycle"])
    # C3: cost but no leads → cost per lead blank, not infinite
    assert blank(rows["C3"]["cost_per_lead"]) and blank(rows["C3"]["cost_per_mql"])
    assert blank(rows["C4"]["hours_variance"])
    # plan: 15,600 / 8 = 1,950.00; 15,600 / 5 = 3,120.00; medians over all tasks
    assert card.plan_efficiency == {
        "cost": 1560000, "leads": 8, "mqls": 5, "cost_per_lead": 195000, "cost_per_mql": 312000,
        "tasks": 3, "median_task_cycle": 5.0, "reviews": 2, "median_review_cycle": 1.0,
        "hours_variance": -1.0}


def test_mqls_follow_custom_lead_stages(make_book):
    # no stage named MQL: the first stage (Inquiry) is the MQL stage
    book = make_book(plan={"Lead Stages": "Inquiry, Qualified"},
                     Leads=[{"Lead ID": "L1", "Campaign ID": "C1", "Qualified Date": D(2027, 1, 5)},
                            {"Lead ID": "L2", "Campaign ID": "C1"}])
    card = score_campaigns(read_book(book))
    assert card.effectiveness[["leads", "mqls"]].to_dict("records") == [{"leads": 2, "mqls": 1}]


def test_cli_scorecard_json(team, run_mom):
    done = run_mom("scorecard", team, "--as-of", "2027-01-31", "--json")
    assert done.returncode == 1, done.stderr          # L4's SQL date without MQL is an error
    document = json.loads(done.stdout)
    assert [(f["sheet"], f["cell"], f["code"]) for f in document["findings"]
            if f["severity"] == "error"] == [("Leads", "D5", "lead-stage-order")]
    (book,) = document["books"]
    assert (book["plan_id"], book["currency"]) == ("P-1", "USD")
    first = book["effectiveness"]["campaigns"][0]
    assert first == {"rank": 1, "campaign_id": "C2", "campaign": "Webinar", "cost": 2000.0,
                     "leads": 2, "mqls": 1, "pipeline": 15000.0, "won": 5000.0, "roi": 1.5,
                     "pipeline_per_cost": 7.5, "leads_attainment": 0.5,
                     "pipeline_attainment": 1.0, "revenue_attainment": None}
    assert book["effectiveness"]["plan"]["roi"] == round(19400 / 15600, 4)
    c1 = book["efficiency"]["campaigns"][1]
    assert (c1["campaign_id"], c1["cost_per_lead"], c1["median_task_cycle"]) == (
        "C1", 2083.33, 5.0)
    assert book["efficiency"]["plan"]["cost_per_lead"] == 1950.0


def test_cli_scorecard_text_and_usage(team, run_mom, tmp_path):
    done = run_mom("scorecard", team, "--as-of", "2027-01-31")
    assert done.returncode == 1, done.stderr
    assert "Effectiveness" in done.stdout and "Efficiency" in done.stdout
    assert run_mom("scorecard", tmp_path / "none.xlsx").returncode == 2


def test_equal_roi_ranked_by_pipeline_attainment(make_book):
    # no cost anywhere → ROI blank for both; C2 attains 50 % of its pipeline, C1 10 %
    book = make_book(
        Campaigns=[{"Campaign ID": "C1", "Campaign": "One", "Expected Pipeline": 100000},
                   {"Campaign ID": "C2", "Campaign": "Two", "Expected Pipeline": 100000}],
        Opportunities=[opp("O1", "C1", "Proposal", 10000), opp("O2", "C2", "Proposal", 50000)])
    effect = score_campaigns(read_book(book)).effectiveness
    assert effect[["rank", "campaign_id", "pipeline_attainment"]].to_dict("records") == [
        {"rank": 1, "campaign_id": "C2", "pipeline_attainment": 0.5},
        {"rank": 2, "campaign_id": "C1", "pipeline_attainment": 0.1}]
