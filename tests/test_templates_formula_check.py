"""`formula-overwritten` (SPEC §14): a cached value in an Activities formula column that differs
from the engine's figure by more than 0.01 — someone typed over a formula."""
from __future__ import annotations

import datetime as dt

import openpyxl

from mom_engine.domains.formulas import check_formulas
from mom_engine.read import read_book
from mom_engine.report.team_workbook import write_team_workbook

from .conftest import located

D = dt.date
ACTIVITY = {"Activity ID": "A1", "Campaign ID": "C1", "Activity": "Booth",
            "GL Account": "610200"}
# The default plan: A1 budgeted 1000, planned 900, nothing committed or spent.
RIGHT = {"Budgeted": 1000, "Planned": 900, "Committed": 0, "Spent": 0, "Remaining": 1000}


def test_values_that_agree_give_no_finding(make_book, analyze):
    path = make_book(Activities=[{**ACTIVITY, **RIGHT, "Remaining": 1000.01}])   # 0.01 is fine
    assert located(analyze(path, as_of=D(2027, 3, 1)).findings, "formula-overwritten") == []


def test_a_typed_over_figure_is_reported_at_its_cell(make_book, analyze):
    # columns: A Activity ID … D GL Account, E Budgeted, F Planned, G Committed, H Spent, I Remaining
    path = make_book(Activities=[{**ACTIVITY, **RIGHT, "Planned": 950, "Remaining": 1000.02}])
    findings = analyze(path, as_of=D(2027, 3, 1)).findings
    assert located(findings, "formula-overwritten") == [
        ("Activities", "F2", "formula-overwritten"), ("Activities", "I2", "formula-overwritten")]
    planned = next(f for f in findings if f.cell == "F2")
    assert planned.severity.value == "warning" and planned.value == 950


def test_no_cached_value_no_finding(make_book, analyze):
    path = make_book(Activities=[{**ACTIVITY, "Budgeted": None, "Spent": "=1+1"}])
    assert located(analyze(path).findings, "formula-overwritten") == []


def test_written_template_books_agree_and_a_typed_value_is_caught(tmp_path, analyze):
    tables = {
        "Campaigns": [{"Campaign ID": "C1", "Campaign": "Launch"}],
        "Activities": [ACTIVITY, {**ACTIVITY, "Activity ID": "A2"}],
        "Budget": [{"Activity ID": "A1", "Month": D(2027, 1, 1), "Budgeted": 1000, "Planned": 900},
                   {"Activity ID": "A2", "Month": D(2027, 1, 1), "Budgeted": 500, "Planned": 0}],
        "PurchaseOrders": [{"PO Number": "PO-1", "Activity ID": "A1", "Vendor": "V",
                            "Amount": 400, "Issue Date": D(2027, 1, 5)}],
    }
    plan = {"Plan ID": "P", "Team": "T", "Fiscal Year": 2027, "Status": "Approved",
            "Approved By": "CMO", "Approved On": D(2026, 12, 1)}
    path = write_team_workbook(tmp_path / "team.xlsx", plan=plan, tables=tables,
                               fiscal_year=2027)
    assert located(analyze(path, as_of=D(2027, 3, 1)).findings, "formula-overwritten") == []
    # A planner types 123 over A2's Committed (L3). openpyxl keeps no cached values for the
    # other formulas: they give no finding; the typed constant does.
    workbook = openpyxl.load_workbook(path)
    assert workbook["Activities"]["L1"].value == "Committed"
    workbook["Activities"].protection.sheet = False
    workbook["Activities"]["L3"] = 123
    typed = tmp_path / "typed.xlsx"
    workbook.save(typed)
    assert located(analyze(typed, as_of=D(2027, 3, 1)).findings, "formula-overwritten") == [
        ("Activities", "L3", "formula-overwritten")]


def test_a_repeated_po_is_left_out_by_the_formulas_too(make_book):
    # PO-1 twice: the engine keeps the first (400) and rejects the second; so do the formulas
    # (only the first row with a PO Key counts), so a cached 500 counting both was typed.
    # (Before the formulas left such rows out, A1 was skipped here.)
    pos = [{"PO Number": "PO-1", "Activity ID": "A1", "Vendor": "V", "Amount": 400,
            "Issue Date": D(2027, 1, 5)},
           {"PO Number": "PO-1", "Activity ID": "A1", "Vendor": "V", "Amount": 100,
            "Issue Date": D(2027, 1, 6)}]
    path = make_book(Activities=[{**ACTIVITY, **RIGHT, "Committed": 500, "Remaining": 500}],
                     PurchaseOrders=pos)
    from mom_engine.analyze import Context, check_book
    book = read_book(path)
    findings = check_book(book, Context(as_of=D(2027, 3, 1)))
    assert ("PurchaseOrders", "A3", "id-duplicate") in located(findings)
    assert located(check_formulas(book, None)) == [
        ("Activities", "G2", "formula-overwritten"), ("Activities", "I2", "formula-overwritten")]


def test_activities_touched_by_rows_rejected_for_what_formulas_cannot_see_are_skipped(make_book):
    # an Issue Date typed as free text: the engine rejects the PO (value-type), a spreadsheet
    # sees a filled cell and counts it — A1's Committed legitimately differs.
    pos = [{"PO Number": "PO-1", "Activity ID": "A1", "Vendor": "V", "Amount": 400,
            "Issue Date": D(2027, 1, 5)},
           {"PO Number": "PO-2", "Activity ID": "A1", "Vendor": "V", "Amount": 100,
            "Issue Date": "next week"}]
    path = make_book(Activities=[{**ACTIVITY, **RIGHT, "Committed": 500, "Remaining": 500}],
                     PurchaseOrders=pos)
    from mom_engine.analyze import Context, check_book
    book = read_book(path)
    findings = check_book(book, Context(as_of=D(2027, 3, 1)))
    assert ("PurchaseOrders", "E3", "value-type") in located(findings)
    assert check_formulas(book, None) == []
