"""The reader's value rules (SPEC §3 "Values"), with exact results."""
import datetime as dt

import pytest

from mom_engine.read import read_book
from mom_engine.sheets import SHEETS
from mom_engine.values import cents_of_float, parse_value

from .builders import D, write_book, plan_rows, DEFAULT_PLAN, rows_of
from .conftest import located


def book_with(tmp_path, name="team.xlsx", date1904=False, **sheets):
    content = {"Plan": plan_rows(DEFAULT_PLAN),
               "Campaigns": rows_of([{"Campaign ID": "C1", "Campaign": "Launch"}]),
               "Activities": rows_of([{"Activity ID": "A1", "Campaign ID": "C1",
                                       "Activity": "Booth", "GL Account": "610200"}]),
               "Budget": rows_of([{"Activity ID": "A1", "Month": D(2027, 1, 1), "Budgeted": 1}])}
    content.update(sheets)
    return read_book(write_book(tmp_path / name, content, date1904=date1904))


def test_ids_stored_as_numbers_are_their_digits_and_leading_zeros_stay(tmp_path):
    book = book_with(tmp_path, PurchaseOrders=[
        ["PO Number", "Activity ID", "Vendor", "Amount", "Issue Date"],
        [4500012345, "A1", "Acme", 10, D(2027, 1, 5)],
        ["  0045001 ", "A1", "Acme", 10, D(2027, 1, 5)],
    ], Activities=[
        ["Activity ID", "Campaign ID", "Activity", "GL Account"],
        ["A1", "C1", "Booth", "0061020"],
    ])
    assert book.rows("PurchaseOrders")["PO Number"].tolist() == ["4500012345", "0045001"]
    assert book.rows("Activities")["GL Account"].tolist() == ["0061020"]


@pytest.mark.parametrize("raw, cents, code", [
    (1200.5, 120050, None),
    (1.005, 101, None),            # half away from zero, on the number as typed
    (-1.005, -101, None),
    (2.675, 268, None),
    (0.125, 13, None),
    (-0.125, -13, None),
    ("1,200.50", 120050, "number-as-text"),
    ("$1,200", 120000, "number-as-text"),
    ("(1,200.00)", -120000, "number-as-text"),
    ("EUR 99.999", 10000, "number-as-text"),
    ("12O", None, "value-type"),
    ("1,20,0", None, "value-type"),
])
def test_money_is_cents_half_away_from_zero(raw, cents, code):
    column = SHEETS["Invoices"].column("Amount")
    parsed = parse_value(column, raw)
    assert (parsed.value, parsed.code) == (cents, code)


def test_money_sums_are_exact_in_cents():
    assert sum(cents_of_float(0.1) for _ in range(10)) == 100
    assert cents_of_float(1e9 + 0.005) == 100000000001


def test_money_cells_read_from_a_workbook(tmp_path):
    book = book_with(tmp_path, Budget=[
        ["Activity ID", "Month", "Budgeted", "Planned"],
        ["A1", D(2027, 1, 1), "1,200.50", 0.125],
        ["A1", D(2027, 2, 1), "(300)", -5],
    ])
    budget = book.rows("Budget")
    assert located(book.findings) == [
        ("Budget", "C2", "number-as-text"),
        ("Budget", "C3", "number-as-text"),   # a negative Budgeted row is a budget cut
        ("Budget", "D3", "value-range"),      # a negative Planned amount is out of range
    ]
    assert budget["Budgeted"].tolist() == [120050, -30000]
    assert budget["Planned"].tolist() == [13, 0]   # default 0 for the rejected value


def test_dates_in_both_date_systems_and_iso_text(tmp_path):
    rows = [["Activity ID", "Month", "Budgeted"],
            ["A1", D(2027, 3, 17), 1], ["A1", "2027-04", 1], ["A1", "2027-05-31", 1],
            ["A1", "03/06/2027", 1], ["A1", dt.datetime(2027, 7, 1, 13, 30), 1]]
    for date1904 in (False, True):
        book = book_with(tmp_path, name=f"d{date1904}.xlsx", date1904=date1904, Budget=rows)
        months = [d.date() for d in book.table("Budget").frame["Month"] if d == d]
        assert months == [D(2027, 3, 1), D(2027, 4, 1), D(2027, 5, 1), D(2027, 7, 1)]
        assert located(book.findings) == [("Budget", "B5", "value-type")]
        assert book.table("Budget").rows_rejected == 1


def test_a_bare_serial_in_a_date_column_is_an_excel_date():
    column = SHEETS["Tasks"].column("Planned Start")
    assert parse_value(column, 46447.0).value == D(2027, 3, 1)
    assert parse_value(column, 46447.0, date1904=True).value == D(2031, 3, 2)
    assert parse_value(column, 2027.0).code == "value-type"


@pytest.mark.parametrize("raw, value, code", [
    (0.5, 0.5, None), (1.0, 1.0, None), (0, 0.0, None),
    (50, 0.5, "percent-scale"), (100, 1.0, "percent-scale"),
    (150, None, "value-range"), (-0.1, None, "value-range"),
    ("40%", 0.4, "number-as-text"), ("lots", None, "value-type"),
])
def test_percent_scale(raw, value, code):
    parsed = parse_value(SHEETS["Tasks"].column("% Complete"), raw)
    assert (parsed.value, parsed.code) == (value, code)


def test_enums_match_case_insensitively_and_output_canonical_spelling():
    column = SHEETS["Tasks"].column("Status")
    assert parse_value(column, "in progress").value == "In Progress"
    assert parse_value(column, "IN-REVIEW").value == "In Review"
    assert parse_value(column, "Finished").code == "value-enum"


def test_headers_match_after_folding_and_title_rows_are_fine(tmp_path):
    book = book_with(tmp_path, Budget=[
        ["Budget FY2027 — Demand Gen"],
        [],
        ["activity_id", "MONTH", "bud-geted", "Notes"],
        [],
        ["A1", "2027-01", 5, "kept"],
    ])
    table = book.table("Budget")
    assert table.header_row == 3
    assert table.rows["Budgeted"].tolist() == [500]
    assert table.rows["_row"].tolist() == [5]
    assert table.extra_columns == ["Notes"]
    assert table.rows["Notes"].tolist() == ["kept"]
    assert located(book.findings) == []


def test_sheet_aliases_and_name_folding(tmp_path):
    book = book_with(tmp_path, **{"Purchase Orders": [
        ["PO Number", "Activity ID", "Vendor", "Amount", "Issue Date"],
        ["PO1", "A1", "Acme", 10, D(2027, 1, 5)]]})
    assert book.table("PurchaseOrders").title == "Purchase Orders"
    assert book.rows("PurchaseOrders")["Amount"].tolist() == [1000]


def test_formula_without_cached_value_is_a_warning_and_blank(tmp_path):
    book = book_with(tmp_path, Budget=[
        ["Activity ID", "Month", "Budgeted"],
        ["A1", D(2027, 1, 1), "=100*2"],
    ])
    assert located(book.findings) == [("Budget", "C2", "formula-not-calculated")]
    assert book.rows("Budget")["Budgeted"].tolist() == [0]


def test_error_cells_are_value_type_errors(tmp_path):
    path = write_book(tmp_path / "e.xlsx", {
        "Plan": plan_rows(DEFAULT_PLAN),
        "Campaigns": [["Campaign ID", "Campaign"], ["C1", "x"]],
        "Activities": [["Activity ID", "Campaign ID", "Activity", "GL Account"],
                       ["A1", "C1", "Booth", "610200"]],
        "Budget": [["Activity ID", "Month", "Budgeted"], ["A1", D(2027, 1, 1), "#N/A"]],
    })
    book = read_book(path)
    assert located(book.findings) == [("Budget", "C2", "value-type")]
    assert book.findings[0].value == "#N/A"


def test_fully_blank_rows_are_skipped_and_rows_keep_their_excel_numbers(tmp_path):
    book = book_with(tmp_path, Budget=[
        ["Activity ID", "Month", "Budgeted"],
        ["A1", D(2027, 1, 1), 1],
        [None, None, None],
        ["   ", None, ""],
        ["A1", D(2027, 2, 1), 2],
    ])
    assert book.rows("Budget")["_row"].tolist() == [2, 5]
    assert book.table("Budget").rows_read == 2


def test_plan_defaults_and_settings(tmp_path):
    book = book_with(tmp_path, Plan=plan_rows({**DEFAULT_PLAN, "FY Start Month": 10,
                                               "Overspend Tolerance %": 0.05,
                                               "Lead Stages": "MQL; SQL; Opportunity",
                                               "PO Required": "no"}))
    plan = book.plan
    assert (plan.plan_id, plan.fiscal_year, plan.fy_start_month, plan.currency) == \
        ("P-1", 2027, 10, "USD")
    assert (plan.overspend_tolerance, plan.po_required, plan.coverage_target) == (0.05, False, 2.5)
    assert plan.lead_stages == ("MQL", "SQL", "Opportunity")
    assert plan.approved_on == D(2026, 12, 1)
    assert [c.name for c in book.table("Leads").sheet.columns][5:8] == \
        ["MQL Date", "SQL Date", "Opportunity Date"]


def test_quota_quarter_from_label_or_any_date_in_the_fiscal_quarter(tmp_path):
    book = book_with(tmp_path, Plan=plan_rows({**DEFAULT_PLAN, "FY Start Month": 10}), Quotas=[
        ["Rep", "Quarter", "Quota"],
        ["Maya", "fy2027-q2", 100], ["Noah", D(2026, 10, 15), 100], ["Olga", D(2027, 9, 30), 1],
    ])
    assert book.rows("Quotas")["Quarter"].tolist() == ["FY2027-Q2", "FY2027-Q1", "FY2027-Q4"]


def test_lead_stages_listed_twice_or_clashing_are_left_out_with_a_warning(make_book):
    from mom_engine.analyze import analyze_book
    path = make_book(plan={"Lead Stages": "mql, MQL, Inquiry, SQL"}, Leads=[
        {"Lead ID": "L1", "MQL Date": D(2027, 1, 4), "SQL Date": D(2027, 1, 5)}])
    result = analyze_book(path)
    assert result.book.plan.lead_stages == ("mql", "SQL")
    plan_cell = result.book.plan_cells["Lead Stages"]
    assert [(f.sheet, f.cell, f.code, f.severity.value) for f in result.findings] == [
        ("Plan", plan_cell, "value-enum", "warning"), ("Plan", plan_cell, "value-enum", "warning")]


def test_a_lead_stage_without_its_date_column_is_reported(make_book):
    from mom_engine.analyze import analyze_book
    path = make_book(plan={"Lead Stages": "MQL, Demo, SQL"}, Leads=[
        {"Lead ID": "L1", "MQL Date": D(2027, 1, 4), "SQL Date": D(2027, 1, 5)}])
    result = analyze_book(path)
    assert [(f.sheet, f.column, f.code, f.severity.value) for f in result.findings] == [
        ("Leads", "Demo Date", "column-missing", "warning")]


def _columns_of_every_kind():
    from mom_engine.model import text_array
    import numpy as np
    import pandas as pd
    return {
        "Text": text_array(["a", None, "c"]),
        "Blank text": np.array([None, None, None], dtype=object),
        "Money": np.array([1, -2, 3], dtype=np.int64),
        "Nullable money": pd.array([1, None, 3], dtype="Int64"),
        "Number": np.array([0.5, np.nan, 2.0]),
        "Date": np.array(["2027-01-05", "NaT", "2027-03-31"], dtype="datetime64[s]"),
        "Yes/no": np.array([True, False, True]),
        "Extra numbers": [1.0, None, 3.5],
        "Extra texts": ["x", None, "z"],
        "Extra dates": [dt.datetime(2027, 1, 5), None, dt.datetime(2027, 2, 1)],
        "Extra mixed": ["x", 2.0, dt.date(2027, 1, 5)],
        "Extra all numbers": [1.0, float("nan"), 2.5],
        "Extra all texts": ["x", "", "z"],
        "Extra whole numbers": [1, 2, 3],
        "Day dates": np.array(["2027-01-05", "NaT", "2027-03-31"], dtype="datetime64[D]"),
        "Object array": pd.array(np.array(["a", None, "b"], dtype=object), dtype=object),
        "_row": np.array([2, 3, 4], dtype=np.int64),
        "_rejected": np.zeros(3, dtype=bool),
    }


@pytest.mark.parametrize("rows", [3, 0])
def test_a_sheets_frame_is_the_one_pandas_builds_from_its_columns(rows):
    import pandas as pd
    from mom_engine.model import frame_of
    columns = {name: values[:rows] for name, values in _columns_of_every_kind().items()}
    ours, theirs = frame_of(columns), pd.DataFrame(columns, copy=False)
    pd.testing.assert_frame_equal(ours, theirs, check_exact=True)
    assert [str(t) for t in ours.dtypes] == [str(t) for t in theirs.dtypes]
    assert [str(t) for t in ours.dtypes][:7] == ["str", "object", "int64", "Int64", "float64",
                                                 "datetime64[s]", "bool"]
    assert ours._mgr.nblocks == theirs._mgr.nblocks == len(columns)
    assert type(ours.index) is type(theirs.index) is pd.RangeIndex
    ours.columns.name = "renamed"          # the labels are shared by no other frame
    assert frame_of(columns).columns.name is None


def test_columns_of_unequal_length_are_a_bug_not_a_frame():
    import numpy as np
    from mom_engine.model import frame_of
    with pytest.raises(ValueError, match="unequal length"):
        frame_of({"A": np.arange(2), "B": np.arange(3)})


# Cells of every kind a user types, for the differential test below: blanks, numbers in and
# out of range, percents either way, dates, text with spaces, choices in any case, errors.
ANY_CELLS = [None, "", "   ", float("nan"), 0.0, 1.0, -3.0, 0.25, 25.0, 100.0, 100, 150.0, 1e16,
             float("inf"), 7, 0, 1, True, False, dt.date(2027, 3, 15),
             dt.datetime(2027, 3, 15, 0, 0), dt.datetime(2027, 3, 15, 9, 30), "2027-03",
             "2027-03-15", "FY2027-Q2", "fy2027 q2", "USD", "usd", "US", "EUR ", "yes", "No",
             "Y", "x", "TRUE", "maybe", "#N/A", " A1 ", "A1", "1,200.50", "25%", "abc",
             "Planned", "planned", "Done", "In Progress", "Won"]


def _columns_of_every_declared_kind():
    from mom_engine.plan import PLAN_FIELDS
    from mom_engine.sheets import PLAN, Kind
    seen = {}
    for sheet, declared in [*((s, s.columns) for s in SHEETS.values()), (PLAN, PLAN_FIELDS)]:
        for column in declared:
            seen.setdefault((column.kind, column.required, column.choices, column.minimum,
                             column.maximum, column.above, column.default), (sheet, column))
    kinds = {column.kind for _, column in seen.values()}
    assert kinds == set(Kind), kinds       # every kind is exercised
    return list(seen.values())


@pytest.mark.parametrize("sheet, column", _columns_of_every_declared_kind(),
                         ids=lambda value: getattr(value, "name", None))
def test_a_column_read_in_bulk_means_what_each_cell_means_alone(sheet, column):
    """The reader's bulk paths (clean columns, blank cells) give exactly what `parse_value`
    gives cell by cell: the values, their types, the findings at their cells, the rows
    rejected."""
    import numpy as np
    import pandas as pd
    from mom_engine.model import Book
    from mom_engine.read import SheetReader, _typed
    from pathlib import Path
    book = Book(path=Path("team.xlsx"), name="team.xlsx")
    reader = SheetReader(book, sheet, sheet.name)
    columns = [ANY_CELLS, [c for c in ANY_CELLS if c is not None and c != ""],
               [1.5, 2.0, 3.25], ["Planned", "Done"], [dt.date(2027, 1, 5)] * 3,
               [None, "", 2.0], ["", "", ""],
               # the bulk paths of a text column with empty cells, of amounts among text
               ["A1", "", "Planned", ""], ["Done", "", " x", "#N/A"],
               [1.5, "", 2.0, "7,550.00", 1.005, -0.0], [150.0, "", 1e16, 0.25]]
    for raw in columns:
        numbers = np.arange(2, len(raw) + 2, dtype=np.int64)
        rejected = np.zeros(len(raw), dtype=bool)
        book.findings.clear()
        values = reader.parse_column(column, list(raw), numbers, rejected, "C")
        expected, codes, rejects = [], [], []
        for number, cell in zip(numbers.tolist(), raw, strict=True):
            parsed = parse_value(column, cell)
            if parsed.code:
                codes.append((f"C{number}", parsed.code))
            if parsed.value is None:
                if column.required:
                    if parsed.code is None:
                        codes.append((f"C{number}", "value-required"))
                    rejects.append(True)
                else:
                    rejects.append(False)
                expected.append(column.default)
            else:
                expected.append(parsed.value)
                rejects.append(False)
        got, want = _typed(values, column), _typed(expected, column)
        assert pd.Series(got).dtype == pd.Series(want).dtype, raw
        pd.testing.assert_series_equal(pd.Series(got), pd.Series(want), check_exact=True)
        assert [type(v) for v in pd.Series(got).tolist()] == \
            [type(v) for v in pd.Series(want).tolist()], raw
        assert [(f.cell, f.code) for f in book.findings] == codes, raw
        assert rejected.tolist() == rejects, raw


@pytest.mark.parametrize("cells", [
    [], ["a", "b"], ["a", ""], ["a", "  "], [" a ", "b"], [1.0, 2.5], [1.0, float("nan")],
    [float("inf"), -0.0], [7, True, dt.datetime(2027, 1, 1, 9)],
    [None], ["a", None], [1.0, None], [True, 0, 2], [dt.date(2027, 1, 1)],
    ["a", 1.0, float("nan")], ANY_CELLS, "numpy"])
def test_a_column_has_a_blank_cell_exactly_when_one_of_its_cells_is_blank(cells):
    import numpy as np
    if cells == "numpy":           # float subclasses (a UDF range) are blank when NaN too
        cells = [np.float64(1.0), np.float64("nan")]
    from mom_engine.values import any_blank, is_blank
    assert any_blank(cells) is any(map(is_blank, cells))
