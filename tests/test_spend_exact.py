"""Numbers finance can sign (issue 12): exact, strict comparisons of money with tolerances,
rates and percentages; weighted pipeline rounded once; every problem of a row reported in one
run; negative Budget rows are budget cuts (SPEC §3, §5, §7)."""
from __future__ import annotations

import pytest

from mom_engine.analyze import analyze_book
from mom_engine.domains.pipeline import coverage
from mom_engine.domains.spend import spend_per_activity

from .builders import D
from .conftest import located


def po(number, activity, amount, issued, status="Open", currency=None):
    return {"PO Number": number, "Activity ID": activity, "Vendor": "Acme", "Amount": amount,
            "Currency": currency, "Issue Date": issued, "Status": status}


def invoice(number, po_number, amount, date, activity=None, currency=None, gl=None):
    return {"Invoice No": number, "PO Number": po_number, "Activity ID": activity,
            "Vendor": "Acme", "Amount": amount, "Currency": currency, "Invoice Date": date,
            "GL Account": gl}


BUDGET_1000 = [{"Activity ID": "A1", "Month": D(2027, 1, 1), "Budgeted": 1000, "Planned": 2000}]


# 1000 × (1 + t) is the limit itself: a float product lands a hair below it for these
@pytest.mark.parametrize("tolerance, limit", [(0.025, 1025), (0.015, 1015), (0.035, 1035),
                                               (0.15, 1150), ("2.5%", 1025), (1.5, 1015)])
def test_ties_at_the_tolerance_are_not_over(make_book, tolerance, limit):
    pos = [po("PO-1", "A1", 1000, D(2027, 1, 5)), po("PO-2", "A1", 1000, D(2027, 1, 5))]
    invoices = [invoice("I-1", "PO-1", limit, D(2027, 2, 1)),            # exactly on the limit
                invoice("I-2", "PO-2", limit + 0.01, D(2027, 2, 1))]     # one cent over
    budget = [{"Activity ID": "A1", "Month": D(2027, 1, 1), "Budgeted": 2000, "Planned": 9000}]
    path = make_book(plan={"Overspend Tolerance %": tolerance}, Budget=budget,
                     PurchaseOrders=pos, Invoices=invoices)
    findings = analyze_book(path).findings
    assert located(findings, "invoice-exceeds-po") == [("Invoices", "E3", "invoice-exceeds-po")]
    # spent 2 × limit + 0.01 against 2,000 × (1 + t): over by 0.01 at every level
    assert located(findings, "over-budget") == [
        ("Activities", "A2", "over-budget"), ("Campaigns", "A2", "over-budget"),
        ("Plan", "B2", "over-budget")]


@pytest.mark.parametrize("tolerance, limit", [(0.025, 1025), (0.015, 1015), (0.035, 1035),
                                               (0.15, 1150)])
def test_spent_exactly_at_budget_with_tolerance_is_not_over(make_book, tolerance, limit):
    path = make_book(plan={"Overspend Tolerance %": tolerance, "PO Required": "No"},
                     Budget=BUDGET_1000,
                     Invoices=[invoice("I-1", None, limit, D(2027, 1, 20), activity="A1")])
    assert located(analyze_book(path).findings, "over-budget") == []
    path = make_book(name="over.xlsx", plan={"Overspend Tolerance %": tolerance,
                                             "PO Required": "No"},
                     Budget=BUDGET_1000,
                     Invoices=[invoice("I-1", None, limit + 0.01, D(2027, 1, 20),
                                       activity="A1")])
    assert ("Activities", "A2", "over-budget") in located(analyze_book(path).findings)


def test_conversion_is_exact_for_half_cents(make_book):
    # 100.00 at 1.005 = 100.50 exactly (a float product says 100.49999…); 0.01 × 0.0067 → 0.00
    # 1,234,567.89 at 1.005 = 1,240,740.72945 → .73; 33.33 × 0.0067 = 0.223311 → 0.22;
    pos = [po("PO-1", "A1", 100, D(2027, 1, 5), currency="CHF"),
           po("PO-2", "A1", 0.01, D(2027, 1, 5), currency="JPY"),
           po("PO-3", "A1", 1234567.89, D(2027, 1, 5), currency="CHF"),
           po("PO-4", "A1", 33.33, D(2027, 1, 5), currency="JPY"),
           # 100,000,001.00 at 1.005 = 100,500,001.005 → .01 (float: …1.00499…)
           po("PO-5", "A1", 100000001, D(2027, 1, 5), currency="CHF")]
    path = make_book(PurchaseOrders=pos,
                     Rates=[{"Currency": "CHF", "Rate": 1.005}, {"Currency": "JPY", "Rate": 0.0067}])
    row = spend_per_activity(analyze_book(path).book).loc["A1"]
    assert row["Committed"] == 10050 + 0 + 124074073 + 22 + 10050000101


def test_weighted_pipeline_is_summed_exactly_and_rounded_once(make_book):
    deals = [{"Opportunity ID": f"O{i}", "Rep": "Ann", "Stage": "Proposal", "Amount": 100.01,
              "Close Date": D(2027, 2, 1), "Probability": 0.5} for i in range(3)]
    path = make_book(Opportunities=deals,
                     Quotas=[{"Rep": "Ann", "Quarter": "FY2027-Q1", "Quota": 1000}])
    report = coverage([analyze_book(path).book], D(2027, 2, 15))
    # Σ 100.01 × 0.5 = 150.015 → 150.02 (not 3 × 50.01 = 150.03)
    assert int(report.reps["weighted"].iat[0]) == 15002


def test_gl_mismatch_is_reported_with_rate_missing(make_book):
    path = make_book(plan={"PO Required": "No"},
                     Invoices=[invoice("I-1", None, 10, D(2027, 1, 20), activity="A1",
                                       currency="JPY", gl="999999")])
    assert sorted(located(analyze_book(path).findings, "rate-missing", "gl-mismatch")) == [
        ("Invoices", "F2", "rate-missing"), ("Invoices", "H2", "gl-mismatch")]


def test_a_negative_budget_row_is_a_budget_cut(make_book):
    budget = [{"Activity ID": "A1", "Month": D(2027, 1, 1), "Budgeted": 1000, "Planned": 500},
              {"Activity ID": "A1", "Month": D(2027, 2, 1), "Budgeted": "(200.00)"},
              {"Activity ID": "A1", "Month": D(2027, 3, 1), "Budgeted": -100.5}]
    analysis = analyze_book(make_book(Budget=budget))
    assert located(analysis.findings, "value-range") == []
    assert located(analysis.findings, "number-as-text") == [("Budget", "C3", "number-as-text")]
    assert spend_per_activity(analysis.book).loc["A1", "Budgeted"] == 100000 - 20000 - 10050


def test_value_range_only_for_an_activity_budgeted_below_zero(make_book):
    activities = [{"Activity ID": "A1", "Campaign ID": "C1", "Activity": "Booth",
                   "GL Account": "610200"},
                  {"Activity ID": "A2", "Campaign ID": "C1", "Activity": "Ads",
                   "GL Account": "610200"},
                  {"Activity ID": "A3", "Campaign ID": "C1", "Activity": "Web",
                   "GL Account": "610200"}]
    budget = [{"Activity ID": "A1", "Month": D(2027, 1, 1), "Budgeted": 100},
              {"Activity ID": "A2", "Month": D(2027, 1, 1), "Budgeted": -0.01},   # below 0
              {"Activity ID": "A3", "Month": D(2027, 1, 1), "Budgeted": 100},
              {"Activity ID": "A3", "Month": D(2027, 2, 1), "Budgeted": -100}]    # exactly 0
    # A1 moves 100.01 out: its total with realignments is −0.01
    realignments = [{"Date": D(2027, 1, 2), "From Activity ID": "A1", "To Activity ID": "A3",
                     "Amount": 100.01}]
    findings = analyze_book(make_book(Activities=activities, Budget=budget,
                                      Realignments=realignments)).findings
    assert located(findings, "value-range") == [("Activities", "A2", "value-range"),
                                                ("Activities", "A3", "value-range")]
    message = next(f.message for f in findings if f.cell == "A3" and f.code == "value-range")
    assert "-0.01" in message


def test_a_row_left_out_is_still_checked_for_every_other_rule(make_book):
    activities = [{"Activity ID": "A1", "Campaign ID": "C1", "Activity": "Booth",
                   "GL Account": "610200"},
                  {"Activity ID": "A2", "Campaign ID": "C1", "Activity": "Ads"}]   # no GL
    budget = [{"Activity ID": "A1", "Month": D(2027, 1, 1), "Budgeted": 1000},
              {"Activity ID": "A2", "Month": "2028-03", "Budgeted": 10}]
    findings = analyze_book(make_book(Activities=activities, Budget=budget)).findings
    assert sorted(located(findings, "value-required", "ref-unknown",
                          "outside-fiscal-year")) == [
        ("Activities", "D3", "value-required"),
        ("Budget", "A3", "ref-unknown"),
        ("Budget", "B3", "outside-fiscal-year")]


def test_a_rejected_row_still_gets_its_dates_and_references_checked(make_book):
    # T1 is left out for its unknown activity and still gets dates-reversed; PO-1 is left out
    # for its blank Vendor and still gets ref-unknown for its activity
    tasks = [{"Task ID": "T1", "Activity ID": "A9", "Task": "Brief",
              "Planned Start": D(2027, 2, 1), "Planned Finish": D(2027, 1, 1)}]
    pos = [{"PO Number": "PO-1", "Activity ID": "A9", "Vendor": None, "Amount": 10,
            "Issue Date": D(2027, 1, 5)},
           {"PO Number": "PO-2", "Activity ID": "A1", "Vendor": "Acme", "Amount": 10,
            "Issue Date": D(2027, 1, 5)}]
    findings = analyze_book(make_book(Tasks=tasks, PurchaseOrders=pos)).findings
    assert sorted(located(findings, "value-required", "ref-unknown", "dates-reversed")) == [
        ("PurchaseOrders", "B2", "ref-unknown"), ("PurchaseOrders", "C2", "value-required"),
        ("Tasks", "B2", "ref-unknown"), ("Tasks", "E2", "dates-reversed")]
