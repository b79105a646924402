"""Spend figures and checks on a hand-computed golden plan (SPEC §5).

The golden plan: FY starts in October (FY2027 = 2026-10-01 … 2027-09-30), USD, EUR at 1.10,
approved 2026-09-15. Every figure below is worked out by hand in the comments.
"""
from __future__ import annotations


import pytest

from mom_engine.analyze import Context, analyze_book
from mom_engine.domains.spend import (SPEND_LEVELS, check_spend, realign, roll_up_spend,
                               spend_per_activity)

from .builders import D
from .conftest import located

PLAN = {"FY Start Month": 10, "Approved On": D(2026, 9, 15)}
CAMPAIGNS = [{"Campaign ID": "C1", "Campaign": "Launch"}, {"Campaign ID": "C2", "Campaign": "Nurture"}]
ACTIVITIES = [  # rows 2..5
    {"Activity ID": "A1", "Campaign ID": "C1", "Activity": "Booth", "GL Account": "610100"},
    {"Activity ID": "A2", "Campaign ID": "C1", "Activity": "Ads", "GL Account": "610200"},
    {"Activity ID": "A3", "Campaign ID": "C2", "Activity": "eBook", "GL Account": "610300"},
    {"Activity ID": "A4", "Campaign ID": "C2", "Activity": "Webinar", "GL Account": "610100"},
]
BUDGET = [
    {"Activity ID": "A1", "Month": D(2026, 10, 1), "Budgeted": 600, "Planned": 500},
    {"Activity ID": "A1", "Month": "2027-01", "Budgeted": 400, "Planned": 400},
    {"Activity ID": "A2", "Month": D(2026, 11, 1), "Budgeted": 2000, "Planned": 2500},
    {"Activity ID": "A3", "Month": D(2027, 3, 1), "Budgeted": 500, "Planned": 500},
    {"Activity ID": "A4", "Month": D(2026, 12, 1), "Budgeted": 1000, "Planned": 1000},
]
REALIGNMENTS = [  # rows 2..4
    {"Date": D(2026, 11, 15), "From Activity ID": "A1", "To Activity ID": "A2", "Amount": 100},
    # R2 leaves A4 with 900 against 1,000 committed: realign-below-committed
    {"Date": D(2027, 2, 20), "From Activity ID": "A4", "To Activity ID": "A3", "Amount": 100},
    # R3 leaves A1 with exactly 800 budgeted against 800 committed + spent: fine
    {"Date": D(2027, 3, 1), "From Activity ID": "A1", "To Activity ID": "A2", "Amount": 100},
]


def po(number, activity, amount, issued, status="Open", currency=None):
    return {"PO Number": number, "Activity ID": activity, "Vendor": "Acme", "Amount": amount,
            "Currency": currency, "Issue Date": issued, "Status": status}


PURCHASE_ORDERS = [  # rows 2..9
    po(4500012345, "A1", 700, D(2026, 10, 5)),                   # stored as a number; open, 300 invoiced
    po("PO-2", "A1", 300, D(2026, 12, 1), "Closed"),             # closed, 100 invoiced, 200 released
    po("PO-3", "A2", 500, D(2026, 11, 2), "Cancelled"),          # commits nothing
    po("PO-4", "A3", 400, D(2027, 1, 10), currency="EUR"),       # 440 USD, over-invoiced (550)
    po("PO-5", "A4", 1000, D(2026, 12, 5)),                      # exactly A4's original budget
    po("PO-6", "A3", 100, D(2027, 2, 15)),                       # A3 already exceeded
    po("PO-7", "A2", 200, D(2026, 9, 10), "Closed"),             # before approval
    po("PO-8", "A2", 999, D(2027, 1, 5), currency="GBP"),        # no GBP rate
]


def invoice(number, po_number, amount, date, activity=None, currency=None, gl=None):
    return {"Invoice No": number, "PO Number": po_number, "Activity ID": activity,
            "Vendor": "Acme", "Amount": amount, "Currency": currency, "Invoice Date": date,
            "GL Account": gl}


INVOICES = [  # rows 2..7
    invoice("INV-1", "4500012345", 300, D(2026, 11, 10)),        # PO referenced as text
    invoice("INV-2", "PO-2", 100, D(2026, 12, 20)),
    invoice("INV-4a", "PO-4", 300, D(2027, 2, 1), currency="EUR"),   # 330 USD
    invoice("INV-4b", "PO-4", 200, D(2027, 3, 1), currency="EUR"),   # 220 USD: 550 > 440
    invoice("INV-5", None, 50, D(2027, 1, 15), activity="A2", gl="610300"),  # no PO, wrong GL
    invoice("INV-7", "PO-7", 200, D(2026, 10, 1)),
]
RATES = [{"Currency": "EUR", "Rate": 1.10}]


@pytest.fixture
def golden(make_book):
    path = make_book(plan=PLAN, Campaigns=CAMPAIGNS, Activities=ACTIVITIES, Budget=BUDGET,
                     Realignments=REALIGNMENTS, PurchaseOrders=PURCHASE_ORDERS,
                     Invoices=INVOICES, Rates=RATES)
    return analyze_book(path, context=Context(as_of=D(2027, 3, 15)))


def figures(frame):
    return {row["key"]: tuple(int(row[c]) for c in ("budgeted", "planned", "committed", "spent",
                                                   "remaining", "unplanned"))
            for _, row in frame.iterrows()}


def test_activity_figures(golden):
    report = roll_up_spend(golden.book)
    assert report.plan_id == "P-1" and report.currency == "USD"
    assert figures(report.by("activity")) == {
        # budgeted 1000 − 100 (R1) − 100 (R3); committed 700 − 300; spent 300 + 100
        "A1": (80000, 90000, 40000, 40000, 0, -10000),
        # budgeted 2000 + 100 + 100; PO-3 cancelled, PO-7 closed; spent 50 + 200; PO-8 unpriced
        "A2": (220000, 250000, 0, 25000, 195000, -30000),
        # budgeted 500 + 100 (R2); PO-4 440 − 550 → 0 committed, PO-6 100; spent 330 + 220
        "A3": (60000, 50000, 10000, 55000, -5000, 10000),
        # budgeted 1000 − 100 (R2); PO-5 open, nothing invoiced
        "A4": (90000, 100000, 100000, 0, -10000, -10000),
    }
    activity = report.by("activity")
    assert activity["campaign_id"].tolist() == ["C1", "C1", "C2", "C2"]
    assert activity["gl_account"].tolist() == ["610100", "610200", "610300", "610100"]


def test_every_level(golden):
    report = roll_up_spend(golden.book)
    assert figures(report.by("campaign")) == {
        "C1": (300000, 340000, 40000, 65000, 195000, -40000),
        "C2": (150000, 150000, 110000, 55000, -15000, 0),
    }
    assert figures(report.by("gl")) == {
        "610100": (170000, 190000, 140000, 40000, -10000, -20000),   # A1 + A4
        "610200": (220000, 250000, 0, 25000, 195000, -30000),
        "610300": (60000, 50000, 10000, 55000, -5000, 10000),
    }
    total = (450000, 490000, 150000, 120000, 180000, -40000)
    assert figures(report.by("plan")) == {"P-1": total}
    assert tuple(report.total.values()) == total
    # Periods: budgeted/planned in Budget.Month, realignments in their month (they net to 0
    # there), committed in issue month, spent in invoice month. PO-7 (2026-09, closed, nothing
    # committed) leaves no row.
    assert figures(report.by("month")) == {
        "2026-10": (60000, 50000, 40000, 20000, 0, 10000),        # PO1 400; INV-7 200
        "2026-11": (200000, 250000, 0, 30000, 170000, -50000),    # INV-1 300
        "2026-12": (100000, 100000, 100000, 10000, -10000, 0),    # PO-5; INV-2
        "2027-01": (40000, 40000, 0, 5000, 35000, 0),             # INV-5
        "2027-02": (0, 0, 10000, 33000, -43000, 0),               # PO-6; INV-4a 330
        "2027-03": (50000, 50000, 0, 22000, 28000, 0),            # INV-4b 220
    }
    # FY starts in October: Oct–Dec 2026 is FY2027-Q1, Jan–Mar 2027 FY2027-Q2
    assert figures(report.by("quarter")) == {
        "FY2027-Q1": (360000, 400000, 140000, 60000, 160000, -40000),
        "FY2027-Q2": (90000, 90000, 10000, 60000, 20000, 0),
    }
    assert figures(report.by("year")) == {"FY2027": total}
    for level in SPEND_LEVELS:
        frame = report.by(level)
        assert frame[["budgeted", "planned", "committed", "spent", "remaining",
                      "unplanned"]].sum().tolist() == list(total), level
        assert str(frame["budgeted"].dtype) == "int64"


def test_spend_per_activity(golden):
    frame = spend_per_activity(golden.book)
    assert frame.index.name == "Activity ID"
    assert list(frame.columns) == ["Budgeted", "Planned", "Committed", "Spent", "Remaining"]
    assert frame.loc["A3"].tolist() == [60000, 50000, 10000, 55000, -5000]


def test_every_spend_finding_is_located(golden):
    spend_codes = ("over-budget", "over-plan", "overplanned", "po-exceeds-available",
                   "invoice-exceeds-po", "invoice-without-po", "po-before-approval",
                   "gl-mismatch", "realign-below-committed", "rate-missing")
    assert sorted(located(golden.findings, *spend_codes)) == sorted([
        ("Activities", "A4", "over-budget"),       # A3: 100 + 550 > 600
        ("Activities", "A5", "over-budget"),       # A4: 1000 > 900
        ("Campaigns", "A3", "over-budget"),        # C2: 1650 > 1500 (C1 and the plan are fine)
        ("Activities", "A4", "over-plan"),         # A3: 650 > 500; A4 exactly 1000 = 1000
        ("Activities", "A2", "overplanned"),       # A1: 900 > 800
        ("Activities", "A3", "overplanned"),       # A2: 2500 > 2200
        ("Activities", "A5", "overplanned"),       # A4: 1000 > 900
        ("PurchaseOrders", "D3", "po-exceeds-available"),   # PO-2: 1000 − 100 − 700 = 200 < 300
        ("PurchaseOrders", "D7", "po-exceeds-available"),   # PO-6: 500 − 550 = −50
        ("Invoices", "E5", "invoice-exceeds-po"),           # INV-4b takes PO-4 to 550 > 440
        ("Invoices", "B6", "invoice-without-po"),
        ("Invoices", "H6", "gl-mismatch"),
        ("PurchaseOrders", "F8", "po-before-approval"),     # PO-7 issued 2026-09-10
        ("Realignments", "D3", "realign-below-committed"),  # R2; R3 leaves exactly 0
        ("PurchaseOrders", "E9", "rate-missing"),           # GBP
    ])
    by_cell = {(f.sheet, f.cell, f.code): f for f in golden.findings}
    assert "will be exceeded by 100.00" in by_cell[
        ("PurchaseOrders", "D3", "po-exceeds-available")].message
    assert "already exceeded" in by_cell[("PurchaseOrders", "D7", "po-exceeds-available")].message
    assert by_cell[("Activities", "A4", "over-budget")].severity.value == "error"
    assert by_cell[("Activities", "A4", "over-plan")].severity.value == "warning"


def test_plan_level_over_budget_and_warning_severity(make_book):
    path = make_book(plan={"Overspend Severity": "warning"},
                     PurchaseOrders=[po("PO-1", "A1", 1000.01, D(2027, 1, 5))])
    findings = analyze_book(path).findings
    # budget 1,000.00; one cent over: activity, campaign and plan are each over
    assert located(findings, "over-budget") == [
        ("Activities", "A2", "over-budget"), ("Campaigns", "A2", "over-budget"),
        ("Plan", "B2", "over-budget")]
    assert {f.severity.value for f in findings if f.code == "over-budget"} == {"warning"}
    assert located(findings, "po-exceeds-available") == [
        ("PurchaseOrders", "D2", "po-exceeds-available")]


@pytest.mark.parametrize("amount, over", [(1000, False), (1000.01, True)])
def test_exactly_at_budget_is_not_over(make_book, amount, over):
    path = make_book(Budget=[{"Activity ID": "A1", "Month": D(2027, 1, 1), "Budgeted": 1000,
                              "Planned": 1000}],
                     PurchaseOrders=[po("PO-1", "A1", amount, D(2027, 1, 5))])
    codes = {f.code for f in analyze_book(path).findings}
    assert ("over-budget" in codes) is over
    assert ("over-plan" in codes) is over
    assert ("po-exceeds-available" in codes) is over


@pytest.mark.parametrize("spent, over", [(1100, False), (1100.01, True)])
def test_tolerance(make_book, spent, over):
    # tolerance 10%: 1,000 × 1.1 = 1,100 is the limit, itself allowed
    path = make_book(plan={"Overspend Tolerance %": 0.10, "PO Required": "No"},
                     Invoices=[invoice("I-1", None, spent, D(2027, 1, 20), activity="A1")])
    found = located(analyze_book(path).findings, "over-budget", "invoice-without-po")
    assert (("Activities", "A2", "over-budget") in found) is over
    assert ("Invoices", "B2", "invoice-without-po") not in found   # PO not required


def test_invoice_exceeds_po_tolerance(make_book):
    pos = [po("PO-1", "A1", 100, D(2027, 1, 5)), po("PO-2", "A1", 100, D(2027, 1, 5))]
    invoices = [invoice("I-1", "PO-1", 105, D(2027, 2, 1)),     # exactly 100 × 1.05: allowed
                invoice("I-2", "PO-2", 105.01, D(2027, 2, 1))]  # over
    path = make_book(plan={"Overspend Tolerance %": 0.05}, PurchaseOrders=pos, Invoices=invoices)
    assert located(analyze_book(path).findings, "invoice-exceeds-po") == [
        ("Invoices", "E3", "invoice-exceeds-po")]


def test_po_before_approval_when_plan_not_approved(make_book):
    path = make_book(plan={"Status": "Submitted", "Approved By": None, "Approved On": None},
                     PurchaseOrders=[po("PO-1", "A1", 10, D(2027, 1, 5)),
                                     po("PO-2", "A1", 10, D(2027, 1, 5), "Cancelled")])
    assert located(analyze_book(path).findings, "po-before-approval") == [
        ("PurchaseOrders", "F2", "po-before-approval")]


def test_invoices_without_po_reduce_what_a_later_po_finds(make_book):
    # budget 1,000; invoice without PO 600 on 2027-01-10; PO of 500 on 2027-01-10 finds 400
    path = make_book(plan={"PO Required": "No"},
                     Invoices=[invoice("I-1", None, 600, D(2027, 1, 10), activity="A1")],
                     PurchaseOrders=[po("PO-1", "A1", 500, D(2027, 1, 10)),
                                     po("PO-0", "A1", 1, D(2027, 1, 9))])
    findings = analyze_book(path).findings
    # PO-0 (issued first) finds 1,000 (the invoice is dated later); PO-1 finds 1000 − 1 − 600
    assert located(findings, "po-exceeds-available") == [
        ("PurchaseOrders", "D2", "po-exceeds-available")]
    message = next(f.message for f in findings if f.code == "po-exceeds-available")
    assert "will be exceeded by 101.00" in message


def test_a_what_if_realignment_does_not_change_the_book(golden):
    """`realign` works on a copy: the book's Realignments, figures and findings stay as read."""
    before_rows = golden.book.rows("Realignments").copy()
    before_findings = check_spend(golden.book, None)
    before_total = roll_up_spend(golden.book).total
    impact = realign(golden.book, "A1", "A2", 10000, D(2027, 2, 1))
    budgeted = {(r["level"], r["key"]): r["budgeted"] for r in impact.after.to_dict("records")}
    budgeted_before = {(r["level"], r["key"]): r["budgeted"]
                       for r in impact.before.to_dict("records")}
    assert budgeted[("activity", "A1")] == budgeted_before[("activity", "A1")] - 10000
    assert budgeted[("activity", "A2")] == budgeted_before[("activity", "A2")] + 10000
    assert golden.book.rows("Realignments").equals(before_rows)
    golden.book._memo.clear()                 # recompute from the tables, not from the memo
    assert check_spend(golden.book, None) == before_findings
    assert roll_up_spend(golden.book).total == before_total


def test_available_budget_counts_loads_and_same_day_realignments(make_book):
    activities = [ACTIVITIES[0], {**ACTIVITIES[1], "Campaign ID": "C1"}]
    budget = [{"Activity ID": "A1", "Month": D(2027, 1, 1), "Budgeted": 1000},
              {"Activity ID": "A2", "Month": D(2027, 1, 1), "Budgeted": 1000}]
    pos = [po("PO-1", "A1", 800, D(2027, 1, 5), "Closed"),      # load = invoiced 300
           po("PO-2", "A1", 900, D(2027, 1, 6), "Cancelled"),   # load 0, not checked
           po("PO-3", "A1", 700, D(2027, 1, 10)),               # finds 1000 − 300 = 700: fine
           po("PO-4", "A1", 1, D(2027, 1, 10))]                 # same day, after PO-3 by number
    path = make_book(plan={"Approved On": D(2026, 12, 1)}, Activities=activities,
                     Campaigns=[CAMPAIGNS[0]], Budget=budget, PurchaseOrders=pos,
                     Invoices=[invoice("I-1", "PO-1", 300, D(2027, 1, 20))],
                     # 0.50 moved in on PO-4's issue day counts ("on or before")
                     Realignments=[{"Date": D(2027, 1, 10), "From Activity ID": "A2",
                                    "To Activity ID": "A1", "Amount": 0.5}])
    findings = analyze_book(path).findings
    assert located(findings, "po-exceeds-available") == [
        ("PurchaseOrders", "D5", "po-exceeds-available")]
    message = next(f.message for f in findings if f.code == "po-exceeds-available")
    # 1000 + 0.50 − 300 − 700 = 0.50 available; PO-4 is 1.00
    assert "will be exceeded by 0.50" in message


def test_conversion_rounding_and_missing_invoice_rate(make_book):
    pos = [po("PO-1", "A1", 100.01, D(2027, 1, 5), currency="usd"),   # plan currency, any case
           po("PO-2", "A1", 0.05, D(2027, 1, 5), currency="EUR")]     # 0.05 × 1.1 = 0.055 → 0.06
    invoices = [invoice("I-1", "PO-1", 10, D(2027, 1, 20), currency="JPY"),   # no rate
                invoice("I-2", "PO-1", 20, D(2027, 1, 21))]
    analysis = analyze_book(make_book(PurchaseOrders=pos, Invoices=invoices, Rates=RATES))
    assert located(analysis.findings, "rate-missing") == [("Invoices", "F2", "rate-missing")]
    row = spend_per_activity(analysis.book).loc["A1"]
    # committed: (100.01 − 20) + 0.06 (half away from zero); spent: 20, the JPY invoice left out
    assert (row["Committed"], row["Spent"]) == (8001 + 6, 2000)
