"""Budget Control and PO Control as ERPNext does them (SPEC §5, issue 12).

Ported from ERPNext's budget tests (`erpnext/accounts/doctype/budget/test_budget.py`, frappe/
erpnext) with their figures: an annual budget of 200,000.00 spread equally over a fiscal year
April–March (16,666.67 + 16,666.67 + 16,666.66 a quarter, so 50,000.00 by the end of June), and
documents dated 15 June 2026 (FY2027).
"""
from __future__ import annotations

import pytest

from mom_engine.analyze import analyze_book
from mom_engine.read import read_book

from .builders import D
from .conftest import located

JUNE_15 = D(2026, 6, 15)
MONTHS = [D(2026 + (3 + m) // 12, (3 + m) % 12 + 1, 1) for m in range(12)]   # 2026-04 … 2027-03
BUDGET = [{"Activity ID": "A1", "Month": month,
           "Budgeted": 16666.66 if index % 3 == 2 else 16666.67, "Planned": 0}
          for index, month in enumerate(MONTHS)]
PLAN = {"Fiscal Year": 2027, "FY Start Month": 4, "Approved On": D(2026, 3, 1),
        "PO Required": "No"}


def po(number, amount, issued=JUNE_15, status="Open"):
    return {"PO Number": number, "Activity ID": "A1", "Vendor": "Acme", "Amount": amount,
            "Issue Date": issued, "Status": status}


def expense(number, amount, date=JUNE_15):
    """An invoice without PO: ERPNext's expense entry (Journal Entry) against the budget."""
    return {"Invoice No": number, "Activity ID": "A1", "Vendor": "Acme", "Amount": amount,
            "Invoice Date": date}


def run(make_book, control=None, po_control=None, pos=(), invoices=()):
    plan = {**PLAN, "Budget Control": control, "PO Control": po_control}
    path = make_book(plan=plan, Budget=BUDGET, PurchaseOrders=list(pos) or None,
                     Invoices=list(invoices) or None)
    findings = [f for f in analyze_book(path).findings if f.code == "po-exceeds-available"]
    return findings


def test_the_budget_sums_to_200000_and_50000_by_june(make_book):
    book = read_book(make_book(plan=PLAN, Budget=BUDGET))
    cents = book.rows("Budget")["Budgeted"].tolist()
    assert sum(cents) == 20000000 and sum(cents[:3]) == 5000000
    assert (book.plan.budget_control, book.plan.po_control) == ("Annual", "Stop")   # defaults


def test_yearly_budget_crossed_stop(make_book):
    findings = run(make_book, pos=[po("PO-1", 250000)])
    assert located(findings) == [("PurchaseOrders", "D2", "po-exceeds-available")]
    assert findings[0].severity.value == "error"
    assert "the annual budget of activity A1, 200,000.00, will be exceeded by 50,000.00" in \
        findings[0].message


def test_monthly_budget_crossed_but_control_annual(make_book):
    assert run(make_book, pos=[po("PO-1", 50001.01)], invoices=[expense("E-1", 50001.01)]) == []
    assert run(make_book, "Annual", pos=[po("PO-1", 50001.01)]) == []


def test_monthly_budget_crossed_expense_stop(make_book):
    findings = run(make_book, "Accumulated Monthly", invoices=[expense("E-1", 50001.01)])
    assert located(findings) == [("Invoices", "D2", "po-exceeds-available")]
    assert findings[0].severity.value == "error"
    assert "the budget to date for Apr–Jun of activity A1, 50,000.00, will be exceeded by " \
           "1.01" in findings[0].message


def test_monthly_budget_crossed_po_stop(make_book):
    findings = run(make_book, "accumulated monthly", pos=[po("PO-1", 50001.01)])
    assert located(findings) == [("PurchaseOrders", "D2", "po-exceeds-available")]
    assert "the budget to date for Apr–Jun of activity A1, 50,000.00, will be exceeded by " \
           "1.01" in findings[0].message


def test_monthly_budget_exactly_reached_is_not_crossed(make_book):
    assert run(make_book, "Accumulated Monthly", pos=[po("PO-1", 50000)]) == []
    # July adds 16,666.67 to the budget to date
    assert run(make_book, "Accumulated Monthly",
               pos=[po("PO-1", 66666.67, D(2026, 7, 1))]) == []


def test_cumulative_expense_then_po(make_book):
    # the expense of 49,999.01 fits (0.99 left); the PO of 50,001.01 then crosses by 50,000.02
    findings = run(make_book, "Accumulated Monthly",
                   invoices=[expense("E-1", 49999.01, D(2026, 6, 10))],
                   pos=[po("PO-1", 50001.01)])
    assert located(findings) == [("PurchaseOrders", "D2", "po-exceeds-available")]
    assert "finds 0.99 available" in findings[0].message
    assert "will be exceeded by 50,000.02" in findings[0].message


def test_a_same_day_expense_loads_the_po_and_a_later_one_is_checked_after_it(make_book):
    # same day: the expense comes first (invoices dated on or before the PO's issue date)
    findings = run(make_book, "Accumulated Monthly",
                   invoices=[expense("E-1", 30000), expense("E-2", 20000.01, D(2026, 6, 20))],
                   pos=[po("PO-1", 20000)])
    # E-1 30,000 fits; PO-1 finds 20,000.00: fits exactly; E-2 finds nothing: already exceeded
    assert located(findings) == [("Invoices", "D3", "po-exceeds-available")]
    assert "already exceeded" in findings[0].message


def test_warn_on_an_annual_crossing(make_book):
    findings = run(make_book, po_control="Warn", pos=[po("PO-1", 250000)])
    assert located(findings) == [("PurchaseOrders", "D2", "po-exceeds-available")]
    assert findings[0].severity.value == "warning"
    assert "(PO Control Warn)" in findings[0].message


@pytest.mark.parametrize("field, value", [("Budget Control", "Quarterly"), ("PO Control", "Block")])
def test_an_unknown_control_is_a_value_enum_at_its_cell(make_book, field, value):
    path = make_book(plan={**PLAN, field: value}, Budget=BUDGET)
    assert ("Plan", "value-enum") in {(f.sheet, f.code) for f in analyze_book(path).findings}
