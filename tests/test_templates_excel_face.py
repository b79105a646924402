"""The Excel face of the team template read back with openpyxl (SPEC §14): formula columns,
protection with unlocked inputs, drop-downs, number formats, conditional formats, Dashboard,
xlwings.conf — and demo books that carry the formulas with their values cached."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
import python_calamine

from mom_engine.demo import demo_team_data
from mom_engine.domains.formulas import (FIGURES, FORMULA_COLUMNS, TEMPLATE_FORMULA_COLUMNS,
                                 cached_values)
from mom_engine.read import read_book
from mom_engine.report.team_workbook import SPARE_ROWS, write_team_workbook
from mom_engine.sheets import SHEETS

from .conftest import ROOT


@pytest.fixture(scope="module")
def template():
    return openpyxl.load_workbook(ROOT / "workbook_templates" / "team_plan.xlsx")


def headers(sheet):
    return [c.value for c in sheet[1] if c.value is not None]


def test_xlwings_conf_names_the_udf_module(template):
    assert list(template["xlwings.conf"].values) == [("UDF Modules", "mom_udfs")]


def test_formula_columns_follow_the_declared_columns(template):
    for name, formulas in TEMPLATE_FORMULA_COLUMNS.items():
        declared = [c.name for c in SHEETS[name].columns if c.template]
        assert headers(template[name]) == declared + [h for h, _ in formulas], name
    assert [h for h, _ in FORMULA_COLUMNS["Activities"]] == list(SHEETS["Activities"].formula_columns)


def test_table_columns_carry_the_formulas_as_excel_stores_them(template):
    table = template["Activities"].tables["Activities"]
    stored = {c.name: c.calculatedColumnFormula.attr_text for c in table.tableColumns
              if c.calculatedColumnFormula is not None}
    assert set(stored) == set(FIGURES) | {"Activity Key", "Counted", "Planned Ahead",
                                          "Run Rate Ahead", "Projected", "Forecast"}
    assert stored["Remaining"] == (
        'IF(Activities[[#This Row],[Counted]]<>1,"",'
        "Activities[[#This Row],[Budgeted]]-Activities[[#This Row],[Committed]]"
        "-Activities[[#This Row],[Spent]])")
    assert "XLOOKUP" not in "".join(f for fs in FORMULA_COLUMNS.values() for _, f in fs)
    # every table row has the formula, so the spare rows are ready for data
    assert table.ref == f"A1:T{2 + SPARE_ROWS}"
    assert template["Activities"][f"T{2 + SPARE_ROWS}"].value.startswith("=IF(")


def test_formula_sheets_are_protected_without_password_inputs_unlocked(template):
    for name in TEMPLATE_FORMULA_COLUMNS:
        sheet = template[name]
        assert sheet.protection.sheet is True and not sheet.protection.password, name
        assert sheet.protection.formatCells is False           # formatting stays allowed
        first_formula = len(SHEETS[name].columns) + 1
        letter = openpyxl.utils.get_column_letter(first_formula)
        assert sheet[f"{letter}2"].protection.locked is True, name
        assert sheet.column_dimensions["A"].protection.locked is False, name
    # no formulas, no protection (Budget, Tasks, Opportunities, Quotas, Leads and Campaigns
    # carry the Dashboard's helper columns since the native Dashboard)
    plain = [name for name in SHEETS if name not in TEMPLATE_FORMULA_COLUMNS
             and name not in ("Plan", "Lists") and name in template.sheetnames]
    assert "Assets" in plain
    assert all(template[name].protection.sheet is False for name in plain), plain


def test_drop_downs_and_number_formats(template):
    validations = {str(v.sqref): v.formula1 for v in
                   template["PurchaseOrders"].data_validations.dataValidation}
    assert validations["H2:H2001"] == "List_PO_Status"          # Status drop-down
    activities = {str(v.sqref): v.formula1 for v in
                  template["Activities"].data_validations.dataValidation}
    assert activities["E2:E2001"] == "List_GL_Accounts"
    assert template["Activities"]["J2"].number_format == "#,##0.00"
    assert template["Budget"].column_dimensions["C"].number_format == "#,##0.00"


def test_conditional_formats_for_overspend_and_late_tasks(template):
    activities = [(str(r.sqref), rule.formula) for r in template["Activities"].conditional_formatting
                  for rule in r.rules]
    assert activities == [("A2:T2001", ["AND(ISNUMBER($N2),$N2<0)"])]       # N = Remaining
    tasks = [rule.formula for r in template["Tasks"].conditional_formatting for rule in r.rules]
    # I = Planned Finish, L = % Complete, M = Status
    assert tasks == [['AND(ISNUMBER($I2),$I2<TODAY(),N($L2)<1,$M2<>"Done",$M2<>"Cancelled")']]


def test_dashboard_cells_call_the_udfs_and_plan_currency_is_named(template):
    formulas = [c.value.text for row in template["Dashboard"].iter_rows() for c in row
                if isinstance(c.value, openpyxl.worksheet.formula.ArrayFormula)]
    add_in = [f for f in formulas if "MOM_" in f.replace("MOM_Months", "")]
    assert any("MOM_SPEND(Activities[#All],Budget[#All]" in f for f in add_in)
    assert all(f.startswith("=IFERROR(") for f in add_in)
    # the other array formulas are the burn's projected line (array IF), one per month
    assert len(formulas) - len(add_in) == 12
    assert "Plan[Value]" in template.defined_names["MOM_PlanCurrency"].attr_text


def test_blank_template_validates_clean_despite_the_formula_columns():
    book = read_book(ROOT / "workbook_templates" / "team_plan.xlsx")
    assert book.findings == []
    assert book.table("Activities").extra_columns == [*FIGURES, "Activity Key", "Counted",
                                                      "Planned Ahead", "Run Rate Ahead",
                                                      "Projected", "Forecast"]
    assert book.rows("Activities").empty


def test_demo_books_carry_formulas_with_cached_values(tmp_path):
    data = demo_team_data(3, dt.date(2027, 3, 15))
    path = write_team_workbook(tmp_path / "demo.xlsx", **data)
    sheet = openpyxl.load_workbook(path)["Activities"]
    assert sheet["J2"].value.startswith("=IF(")                # a formula …
    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(
        "Activities").to_python()
    header = rows[0]
    cached = {r[0]: {f: r[header.index(f)] for f in FIGURES} for r in rows[1:] if r[0]}
    assert len(cached) == len(data["tables"]["Activities"])    # … with a value for every row
    book = read_book(path)
    from mom_engine.structure import check_structure
    check_structure(book)
    computed = cached_values(book).rows["Activities"]
    for row, figures in computed.items():
        activity = book.table("Activities").frame.set_index("_row").at[row, "Activity ID"]
        for name in FIGURES:
            assert round(cached[activity][name], 2) == figures[name], (activity, name)
        assert cached[activity]["Remaining"] == pytest.approx(
            cached[activity]["Budgeted"] - cached[activity]["Committed"]
            - cached[activity]["Spent"], abs=0.005)
    # … and those values are the engine's figures (no row of this team is rejected)
    from mom_engine.analyze import Context, check_book
    from mom_engine.domains.spend import spend_per_activity
    check_book(book, Context(as_of=dt.date(2027, 3, 15)))
    engine = spend_per_activity(book)
    assert {a: {f: round(v * 100) for f, v in figures.items()} for a, figures in cached.items()} == {
        a: {f: int(engine.at[a, f]) for f in FIGURES} for a in engine.index}
