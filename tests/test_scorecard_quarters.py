"""The quarterly scorecard (SPEC §8): the plan's effectiveness and efficiency per fiscal
quarter, kept apart, each figure with its change from the previous quarter."""
import datetime as dt
import json

import numpy as np
import pandas as pd

from mom_engine.calendar import code_label, fiscal_quarter_codes, quarter_code
from mom_engine.domains.scorecard import score_quarters

D = dt.date
NO_STAGES = {"SQL Date": None, "SAL Date": None, "Opportunity Date": None}
SHEETS = {
    "Budget": [{"Activity ID": "A1", "Month": D(2027, 1, 1), "Budgeted": 10_000}],
    "PurchaseOrders": [
        {"PO Number": "PO1", "Activity ID": "A1", "Vendor": "V", "Amount": 3000,
         "Issue Date": D(2027, 2, 1)},
        {"PO Number": "PO2", "Activity ID": "A1", "Vendor": "V", "Amount": 1000,
         "Issue Date": D(2027, 5, 1)}],
    "Invoices": [{"Invoice No": "I1", "PO Number": "PO1", "Vendor": "V", "Amount": 1000,
                  "Invoice Date": D(2027, 4, 10)}],
    "Leads": [{"Lead ID": f"L{i}", "Campaign ID": "C1",
               "Inquiry Date": D(2027, 2, 1) if i < 4 else D(2027, 4, 2),
               "MQL Date": D(2027, 2, 10) if i < 2 else (D(2027, 4, 5) if i > 4 else None),
               **NO_STAGES} for i in range(8)],
    "Opportunities": [
        {"Opportunity ID": "O1", "Rep": "M", "Campaign ID": "C1", "Stage": "Closed Won",
         "Amount": 6000, "Created": D(2027, 2, 1), "Close Date": D(2027, 5, 1)},
        {"Opportunity ID": "O2", "Rep": "M", "Campaign ID": "C1", "Stage": "Proposal",
         "Amount": 20_000, "Created": D(2027, 4, 1), "Close Date": D(2027, 9, 1)},
        {"Opportunity ID": "O3", "Rep": "M", "Stage": "Closed Won", "Amount": 99_000,  # no
         "Created": D(2027, 4, 1), "Close Date": D(2027, 5, 1)}],                   # campaign
    "Tasks": [
        {"Task ID": "T1", "Activity ID": "A1", "Task": "x", "Planned Start": D(2027, 1, 4),
         "Planned Finish": D(2027, 1, 8), "Actual Start": D(2027, 1, 4),
         "Actual Finish": D(2027, 1, 12), "% Complete": 1, "Status": "Done",
         "Submitted On": D(2027, 1, 11), "Approved On": D(2027, 1, 13), "Approver": "Lee",
         "Planned Hours": 10, "Actual Hours": 14},
        {"Task ID": "T2", "Activity ID": "A1", "Task": "y", "Planned Start": D(2027, 4, 5),
         "Planned Finish": D(2027, 4, 9), "Actual Start": D(2027, 4, 5),
         "Actual Finish": D(2027, 4, 6), "% Complete": 1, "Status": "Done",
         "Planned Hours": 10, "Actual Hours": 6}],
}


def test_effectiveness_per_quarter_with_the_change_from_the_previous(make_book, analyze):
    card = score_quarters(analyze(make_book(**SHEETS), as_of=D(2027, 6, 1)).book)
    rows = card.effectiveness.to_dict("records")
    assert [r["quarter"] for r in rows] == ["FY2027-Q1", "FY2027-Q2", "FY2027-Q3", "FY2027-Q4"]
    q1, q2 = rows[0], rows[1]
    # Q1: PO1 commits 3,000.00 of which 1,000.00 is invoiced in Q2 (the spend ledger by quarter)
    assert (q1["cost"], q1["leads"], q1["mqls"], q1["pipeline"], q1["won"], q1["roi"],
            q1["pipeline_per_cost"]) == (200_000, 4, 2, 600_000, 0, -1.0, 3.0)
    assert (q2["cost"], q2["leads"], q2["mqls"], q2["pipeline"], q2["won"], q2["roi"]) == (
        200_000, 4, 3, 2_000_000, 600_000, 2.0)           # O3 has no campaign: not counted
    assert (q2["cost_change"], q2["mqls_change"], q2["pipeline_change"], q2["won_change"],
            q2["roi_change"]) == (0, 1, 1_400_000, 600_000, 3.0)
    assert pd.isna(q1["cost_change"]) and pd.isna(q1["roi_change"])   # no previous quarter


def test_efficiency_per_quarter_kept_apart(make_book, analyze):
    card = score_quarters(analyze(make_book(**SHEETS), as_of=D(2027, 6, 1)).book)
    q1, q2 = card.efficiency.to_dict("records")[:2]
    assert (q1["cost_per_lead"], q1["cost_per_mql"], q1["tasks"], q1["median_task_cycle"],
            q1["reviews"], q1["median_review_cycle"], q1["hours_variance"]) == (
        50_000, 100_000, 1, 7.0, 1, 2.0, 4.0)
    assert (q2["cost_per_mql"], q2["cost_per_mql_change"], q2["median_task_cycle_change"],
            q2["reviews"], q2["hours_variance_change"]) == (66_667, -33_333, -5.0, 0, -8.0)
    assert "roi" not in card.efficiency.columns and "cost_per_lead" not in card.effectiveness


def test_mom_scorecard_by_quarter_json(make_book, run_mom):
    result = run_mom("scorecard", make_book(**SHEETS), "--by", "quarter", "--json")
    assert result.returncode == 0, result.stderr
    book = json.loads(result.stdout)["books"][0]
    q2 = book["effectiveness"][1]
    assert (q2["quarter"], q2["cost"], q2["pipeline_change"], q2["roi_change"]) == (
        "FY2027-Q2", 2000.0, 14000.0, 3.0)
    assert book["efficiency"][1]["cost_per_mql_change"] == -333.33
    assert book["effectiveness"][0]["cost_change"] is None


def test_quarter_codes_sort_as_the_fiscal_quarters_and_name_them():
    """A fiscal year starting in July: 30 June 2027 is FY2027-Q4, 1 July FY2028-Q1."""
    days = np.array(["2027-06-30", "2027-07-01", "NaT", "2026-10-01"], dtype="datetime64[D]")
    codes = fiscal_quarter_codes(days, 7)
    assert codes.tolist() == [quarter_code(2027, 4), quarter_code(2028, 1), -1,
                              quarter_code(2027, 2)]
    assert [code_label(c) for c in sorted(codes[codes >= 0].tolist())] == [
        "FY2027-Q2", "FY2027-Q4", "FY2028-Q1"]
