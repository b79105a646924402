"""Spend at any date and where the year lands (SPEC §5 "as of", issue 14 part 1).

The plan: FY starts in October (FY2027 = 2026-10 … 2027-09), looked at on 2026-11-30 (two
fiscal months elapsed, ten ahead). Every figure is worked out by hand in the comments.
"""
from __future__ import annotations

import dataclasses
import json

from mom_engine.analyze import Context, analyze_book
from mom_engine.domains.spend import forecast_spend, roll_up_spend, spend_burn

from .builders import D
from .conftest import located

AS_OF = D(2026, 11, 30)
PLAN = {"FY Start Month": 10, "Approved On": D(2026, 9, 15), "PO Required": "No"}
ACTIVITIES = [  # rows 2, 3
    {"Activity ID": "A1", "Campaign ID": "C1", "Activity": "Ads", "GL Account": "610200"},
    {"Activity ID": "A2", "Campaign ID": "C1", "Activity": "Events", "GL Account": "610200"},
]
BUDGET = [
    {"Activity ID": "A1", "Month": D(2026, 10, 1), "Budgeted": 6000},               # no Planned
    {"Activity ID": "A2", "Month": D(2026, 10, 1), "Budgeted": 5000, "Planned": 1000},
    {"Activity ID": "A2", "Month": "2027-01", "Planned": 2000},
    {"Activity ID": "A2", "Month": "2027-06", "Planned": 1500},
]
REALIGNMENTS = [{"Date": D(2026, 12, 10), "From Activity ID": "A2", "To Activity ID": "A1",
                 "Amount": 1000}]                                                      # after


def po(number, activity, amount, issued, status="Open", closed_on=None):
    return {"PO Number": number, "Activity ID": activity, "Vendor": "Acme", "Amount": amount,
            "Issue Date": issued, "Status": status, "Closed On": closed_on}


PURCHASE_ORDERS = [
    po("P1", "A1", 2000, D(2026, 10, 1)),
    po("P2", "A2", 2500, D(2026, 11, 10), "Closed", D(2026, 12, 15)),   # Open on 2026-11-30
    po("P3", "A2", 100, D(2026, 12, 1)),                                # issued after
    po("P4", "A1", 300, D(2026, 10, 5), "Cancelled"),                   # no Closed On: as recorded
]


def invoice(number, po_number, amount, date):
    return {"Invoice No": number, "PO Number": po_number, "Vendor": "Acme", "Amount": amount,
            "Invoice Date": date}


INVOICES = [
    invoice("I1", "P1", 1000, D(2026, 10, 15)),
    invoice("I2", "P1", 500, D(2026, 11, 20)),
    invoice("I3", "P2", 800, D(2026, 11, 25)),
    invoice("I4", "P1", 700, D(2026, 12, 5)),                           # after
]


def make(make_book):
    return make_book(plan=PLAN, Activities=ACTIVITIES, Budget=BUDGET,
                     Realignments=REALIGNMENTS, PurchaseOrders=PURCHASE_ORDERS,
                     Invoices=INVOICES)


def figures(frame, columns=("budgeted", "committed", "spent")):
    return {row["key"]: tuple(int(row[c]) for c in columns) for row in frame.to_dict("records")}


def test_figures_as_they_stood_on_the_day(make_book):
    book = analyze_book(make(make_book)).book
    # A1: P1 2000 − 1500 invoiced by then; A2: P2 Open then, 2500 − 800; P3, I4, R1 not yet
    assert figures(roll_up_spend(book, AS_OF).by("activity")) == {
        "A1": (600000, 50000, 150000), "A2": (500000, 170000, 80000)}
    # today: R1 moved 1,000; P1 invoiced 2,200 (> 2,000: nothing committed); P2 Closed; P3 open
    assert figures(roll_up_spend(book).by("activity")) == {
        "A1": (700000, 0, 220000), "A2": (400000, 10000, 80000)}
    # the month level as of the day: committed in the issue month, spent in the invoice month
    assert figures(roll_up_spend(book, AS_OF).by("month")) == {
        "2026-10": (1100000, 50000, 100000), "2026-11": (0, 170000, 130000),
        "2027-01": (0, 0, 0), "2027-06": (0, 0, 0)}                   # Planned only


def test_year_end_forecast(make_book):
    book = analyze_book(make(make_book)).book
    forecast = forecast_spend(book, AS_OF, AS_OF)
    assert (forecast.months_elapsed, forecast.months_ahead) == (2, 10)
    # A1 (run rate): 1,500 spent ÷ 2 months × 10 = 7,500, less 500 committed → 7,000 projected
    # A2 (planned): Jan 2,000 + Jun 1,500 = 3,500, less 1,700 committed → 1,800 projected
    assert figures(forecast.by("activity"), ("budgeted", "projected", "forecast")) == {
        "A1": (600000, 700000, 900000), "A2": (500000, 180000, 430000)}
    assert forecast.by("activity")["method"].tolist() == ["run rate", "planned"]
    assert figures(forecast.by("campaign"), ("projected", "forecast")) == {
        "C1": (880000, 1330000)}
    assert figures(forecast.by("plan"), ("budgeted", "forecast")) == {"P-1": (1100000, 1330000)}


def test_levels_computed_on_demand_are_no_part_of_a_report_or_forecast(make_book):
    """The levels a report or forecast keeps once asked for are a memo: asking for one does
    not change what the object equals (nor compares DataFrames with ==)."""
    book = analyze_book(make(make_book)).book
    for figures_of in (forecast_spend(book, AS_OF, AS_OF), roll_up_spend(book)):
        fresh = dataclasses.replace(figures_of, _levels={})
        figures_of.by("campaign")
        assert figures_of == fresh


def test_forecast_over_budget_is_located(make_book):
    findings = analyze_book(make(make_book), context=Context(as_of=AS_OF,
                                                             spend_as_of=AS_OF)).findings
    assert located(findings, "forecast-over-budget") == [
        ("Activities", "A2", "forecast-over-budget"), ("Campaigns", "A2", "forecast-over-budget"),
        ("Plan", "B2", "forecast-over-budget")]
    first = next(f for f in findings if f.code == "forecast-over-budget")
    assert first.severity.value == "warning"
    assert "at the current rate activity A1 lands at 9,000.00 against 6,000.00" in first.message


def test_forecast_exactly_at_budget_is_not_over(make_book):
    # run rate 600 ÷ 2 × 10 = 3,000; 600 + 3,000 = 3,600 = the budget: not over
    path = make_book(plan=PLAN, Budget=[{"Activity ID": "A1", "Month": D(2026, 10, 1),
                                         "Budgeted": 3600}],
                     Invoices=[{"Invoice No": "I1", "Activity ID": "A1", "Vendor": "Acme",
                                "Amount": 600, "Invoice Date": D(2026, 10, 3)}])
    findings = analyze_book(path, context=Context(as_of=AS_OF)).findings
    assert located(findings, "forecast-over-budget") == []
    path = make_book(name="b.xlsx", plan={**PLAN, "Overspend Tolerance %": 0.1},
                     Budget=[{"Activity ID": "A1", "Month": D(2026, 10, 1), "Budgeted": 3272.73}],
                     Invoices=[{"Invoice No": "I1", "Activity ID": "A1", "Vendor": "Acme",
                                "Amount": 600, "Invoice Date": D(2026, 10, 3)}])
    # 3,272.73 × 1.1 = 3,600.003: 3,600 is not over; 3,272.72 × 1.1 = 3,599.992 would be
    assert located(analyze_book(path, context=Context(as_of=AS_OF)).findings,
                   "forecast-over-budget") == []


def test_burn_by_month(make_book):
    book = analyze_book(make(make_book)).book
    burn = spend_burn(book, AS_OF, AS_OF)
    assert burn["month"].tolist()[:3] == ["2026-10", "2026-11", "2026-12"]
    assert burn["month"].iat[-1] == "2027-09"
    assert burn["budget"].tolist() == [1100000] * 12
    assert burn["actual"].tolist()[:2] == [150000, 450000]          # P1 500 + I1; P2 1,700 + I2 + I3
    assert burn["actual"].isna().tolist() == [False, False] + [True] * 10
    # from November: 4,500 to date + A1 750 a month once its 500 committed is used
    # (Dec 250) + A2's Jan 300 and Jun 1,500 beyond its 1,700 committed
    assert burn["projected"].tolist()[1:] == [450000, 475000, 580000, 655000, 730000, 805000,
                                              880000, 1105000, 1180000, 1255000, 1330000]
    assert burn["projected"].isna().iat[0]


def test_spend_cli_as_of(make_book, run_mom):
    path = make(make_book)
    result = run_mom("spend", path, "--by", "activity", "--as-of", "2026-11-30", "--json")
    document = json.loads(result.stdout)
    assert document["as_of"] == "2026-11-30"
    rows = {row["key"]: row for row in document["rows"]}
    assert (rows["A1"]["committed"], rows["A1"]["spent"], rows["A1"]["forecast"]) == (
        500.0, 1500.0, 9000.0)
    assert document["total"]["forecast"] == 13300.0
    assert ("Activities", "A2", "forecast-over-budget") in {
        (f["sheet"], f["cell"], f["code"]) for f in document["findings"]}


def test_realign_as_of(make_book):
    from mom_engine.domains.spend import realign
    book = analyze_book(make(make_book)).book
    impact = realign(book, "A1", "A2", 100000, as_of=AS_OF)
    assert impact.date == AS_OF                       # the transfer is dated on the day
    before = {(r["level"], r["key"]): r["budgeted"] for r in impact.before.to_dict("records")}
    after = {(r["level"], r["key"]): r["budgeted"] for r in impact.after.to_dict("records")}
    # R1 (2026-12-10) had not happened: A1 had 6,000
    assert (before[("activity", "A1")], after[("activity", "A1")]) == (600000, 500000)
    assert (before[("activity", "A2")], after[("activity", "A2")]) == (500000, 600000)


def test_reconcile_as_of(make_book, tmp_path):
    from mom_engine.domains.reconcile import read_ledger, reconcile
    ledger = tmp_path / "erp.csv"
    ledger.write_text(
        "Document Type,Document No,PO Number,Vendor,GL Account,Posting Date,Amount,Currency\n"
        "PO,P1,P1,Acme,610200,2026-10-02,2000.00,USD\n"
        "Invoice,I1,P1,Acme,610200,2026-10-16,1000.00,USD\n"
        "Invoice,I4,P1,Acme,610200,2026-12-06,700.00,USD\n", encoding="utf-8")
    analysis = analyze_book(make(make_book))
    result = reconcile([analysis.book], read_ledger(ledger), analysis.findings, as_of=AS_OF)
    classes = dict(zip(result.documents["document_no"], result.documents["class"], strict=True))
    # P3 (issued 2026-12-01) and I4 (dated 2026-12-05, posted 2026-12-06) come later
    assert classes == {"P1": "matched", "I1": "matched", "P2": "workbook-only",
                       "P4": "workbook-only", "I2": "workbook-only", "I3": "workbook-only"}
    everything = reconcile([analysis.book], read_ledger(ledger), analysis.findings)
    assert dict(zip(everything.documents["document_no"], everything.documents["class"],
                    strict=True))["I4"] == "matched"


def test_as_of_with_no_invoice_at_all(make_book):
    """No Invoices rows: the as-of figures are the budget's, and no check breaks on it."""
    path = make_book(plan=PLAN, Activities=ACTIVITIES, Budget=BUDGET, Invoices=[])
    analysis = analyze_book(path, context=Context(as_of=AS_OF, spend_as_of=AS_OF))
    assert [f.code for f in analysis.findings if f.code == "internal-error"] == []
    assert figures(roll_up_spend(analysis.book, AS_OF).by("activity")) == {
        "A1": (600000, 0, 0), "A2": (500000, 0, 0)}
