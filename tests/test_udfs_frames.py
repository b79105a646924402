"""`frames.book_from_tables`: ranges read through the reader's own stages; its bulk paths give
exactly what the cell-by-cell parser gives."""
from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mom_engine.frames import book_from_tables

from .conftest import located
from .xlwings_windows import NA_ERROR, VALUE_ERROR, _TimeType

cell = st.one_of(
    st.none(), st.just(""), st.just("  A1 "), st.just("#N/A"), st.just("1,200.50"),
    st.just("2027-03"), st.just("2027-03-04"), st.text(max_size=6),
    st.floats(min_value=-1e6, max_value=1e12), st.just(float("nan")), st.just(float("inf")),
    st.integers(-5, 50000).map(lambda c: c / 100),
    st.integers(4500000000, 4500000009).map(float),
    st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    st.booleans())
HEADERS = {
    "Budget": ("Activity ID", "Month", "Budgeted", "Planned"),
    "PurchaseOrders": ("PO Number", "Activity ID", "Vendor", "Amount", "Issue Date", "Status"),
    "Activities": ("Activity ID", "Campaign ID", "Activity", "GL Account", "Start", "End"),
    # dates that may be blank, a percent, a number, a choice: the coded columns' other kinds
    "Tasks": ("Task ID", "Activity ID", "Task", "Planned Start", "Actual Start", "% Complete",
              "Planned Hours", "Status"),
}


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(HEADERS)), st.data())
def test_bulk_paths_read_exactly_like_the_cell_by_cell_reader(sheet, data):
    header = HEADERS[sheet]
    # uniform columns (what the bulk paths take) or mixed ones (what they must refuse)
    kinds = data.draw(st.lists(st.sampled_from(["text", "float", "cents", "date", "any"]),
                               min_size=len(header), max_size=len(header)))
    makers = {"text": st.sampled_from(["A1", "A2", "x y", "PO-1"]),
              "float": st.integers(4500000000, 4500000009).map(float),
              "cents": st.integers(0, 10**7).map(lambda c: c / 100),
              "date": st.datetimes(min_value=dt.datetime(2026, 1, 1),
                                   max_value=dt.datetime(2028, 1, 1)),
              "any": cell}
    rows = [header] + [tuple(data.draw(makers[k]) for k in kinds)
                       for _ in range(data.draw(st.integers(1, 6)))]
    fast = book_from_tables({sheet: rows}, check=False, fast=True)
    slow = book_from_tables({sheet: rows}, check=False, fast=False)
    assert [(f.code, f.cell, f.message) for f in fast.findings] == [
        (f.code, f.cell, f.message) for f in slow.findings]
    pd.testing.assert_frame_equal(fast.table(sheet).frame, slow.table(sheet).frame)


def test_amounts_beyond_ten_trillion_are_a_finding_in_ranges_as_in_files():
    """The bulk path keeps the reader's bound: a clean column of floats with one amount past
    ±10,000,000,000,000 gives the same value-range finding (and the default 0) cell by cell."""
    rows = [HEADERS["Budget"], ("A1", dt.datetime(2027, 1, 1), 2e13, 5.0),
            ("A1", dt.datetime(2027, 2, 1), 100.0, 5.0)]
    for fast in (True, False):
        book = book_from_tables({"Budget": rows}, check=False, fast=fast)
        assert located(book.findings) == [("Budget", "C2", "value-range")]
        assert book.table("Budget").frame["Budgeted"].tolist() == [0, 10000]


def test_references_into_sheets_not_handed_in_are_not_checked():
    activities = [("Activity ID", "Campaign ID", "Activity", "GL Account"),
                  ("A1", "C-unknown", "Booth", "610200"), ("A1", "C1", "Dup", "610200")]
    budget = [("Activity ID", "Month", "Budgeted"), ("A1", "2027-01", 10.0),
              ("A9", "2027-01", 5.0)]
    book = book_from_tables({"Activities": activities, "Budget": budget})
    # no Campaigns range: C-unknown is not an error; the duplicate and the unknown A9 are
    assert located(book.findings) == [("Activities", "A3", "id-duplicate"),
                                      ("Budget", "A3", "ref-unknown")]
    assert list(book.rows("Activities")["Activity ID"]) == ["A1"]
    assert list(book.rows("Budget")["Budgeted"]) == [1000]
    # the sheet declarations are untouched afterwards
    assert book.table("Activities").sheet.column("Campaign ID").references == (
        "Campaigns", "Campaign ID")


def test_table_names_follow_sheet_aliases_and_findings_name_the_title():
    pos = [("PO Number", "Activity ID", "Vendor", "Amount", "Issue Date"),
           ("PO-1", "A1", "V", "abc", dt.datetime(2027, 1, 5))]
    book = book_from_tables({"Purchase Orders": pos}, check=False)
    assert located(book.findings) == [("Purchase Orders", "D2", "value-type")]


def test_a_title_row_above_the_header_is_fine():
    budget = [("My budget", None, None), ("Activity ID", "Month", "Budgeted"),
              ("A1", "2027-01", 10.0)]
    book = book_from_tables({"Budget": budget}, check=False)
    assert list(book.rows("Budget")["_row"]) == [3]


com_date = st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2028, 1, 1)).map(
    lambda d: _TimeType(d.year, d.month, d.day, tzinfo=dt.UTC))      # a date cell through COM
com_cell = st.one_of(cell, st.just(NA_ERROR), st.just(VALUE_ERROR), st.just("   "), st.just(7),
                     com_date)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(sorted(HEADERS)), st.data())
def test_raw_com_rows_read_like_the_standard_reader_cell_by_cell(excel_udfs, sheet, data):
    """COM's values cleaned column by column (the odd cells through xlwings' cleaning) read
    exactly like every cell cleaned by xlwings first and parsed one by one — blank and short
    rows, COM dates and error codes included."""
    module, _ = excel_udfs
    header = (*HEADERS[sheet], "Note")
    kinds = data.draw(st.lists(st.sampled_from(["text", "date", "any"]), min_size=len(header),
                               max_size=len(header)))
    makers = {"text": st.sampled_from(["A1", "A2", "x y", "PO-1"]),
              "date": com_date | st.none(),
              "any": com_cell}
    rows = [header] + [tuple(data.draw(makers[k]) for k in kinds)[:data.draw(
        st.integers(len(header) - 2, len(header)))] for _ in range(data.draw(st.integers(1, 14)))]
    raw = book_from_tables({sheet: rows}, check=False, clean=module._excel_cells)
    cleaned = [module._excel_cells(list(row)) for row in rows]
    slow = book_from_tables({sheet: cleaned}, check=False, fast=False)
    assert [(f.code, f.cell, f.message, f.value) for f in raw.findings] == [
        (f.code, f.cell, f.message, f.value) for f in slow.findings]
    pd.testing.assert_frame_equal(raw.table(sheet).frame, slow.table(sheet).frame)


def test_coded_columns_read_like_the_cell_by_cell_reader():
    """Columns of few distinct values — numbers, COM dates with blanks, blanks only — are parsed
    once per distinct value; the frame and findings are the cell-by-cell reader's, a value that
    needs a finding (150 % complete) included."""
    header = ("Task ID", "Activity ID", "Task", "Planned Start", "Planned Finish",
              "Actual Start", "% Complete", "Planned Hours", "Status")
    start = dt.datetime(2027, 1, 4)
    for percent in (0.5, 1.5):
        rows = [header] + [(f"T{i}", "A1", "Copy", start, start + dt.timedelta(days=i % 3),
                            None if i % 2 else start, percent if i == 7 else (i % 4) / 4,
                            float(i % 3), None) for i in range(30)]
        fast = book_from_tables({"Tasks": rows}, check=False, fast=True)
        slow = book_from_tables({"Tasks": rows}, check=False, fast=False)
        assert [(f.code, f.cell) for f in fast.findings] == [
            (f.code, f.cell) for f in slow.findings]
        pd.testing.assert_frame_equal(fast.table("Tasks").frame, slow.table("Tasks").frame)
    assert [(f.code, f.cell) for f in fast.findings] == [("percent-scale", "G9")]
    assert fast.table("Tasks").frame["% Complete"].tolist()[:4] == [0.0, 0.25, 0.5, 0.75]


def test_rows_given_one_by_one_are_read_like_a_list():
    rows = [["Activity ID", "Campaign ID", "Activity", "GL Account"], ["A1", "C1", "x", "610200"]]
    book = book_from_tables({"Activities": (row for row in rows)}, check=False)
    listed = book_from_tables({"Activities": rows}, check=False)
    assert book.rows("Activities")["Activity ID"].tolist() == ["A1"]
    pd.testing.assert_frame_equal(book.table("Activities").frame,
                                  listed.table("Activities").frame)


def test_a_lone_surrogate_is_a_value_type_finding_at_its_cell_not_a_crash():
    """Excel text is UTF-16 and may hold half of a surrogate pair, which is no Unicode text:
    the cell is a value-type error at its cell and reads as blank (a required one rejects its
    row, with no second finding), in a declared or an extra column, on either reading path."""
    activities = [("Activity ID", "Campaign ID", "Activity", "GL Account", "Note"),
                  ("A1", "C1", "Booth \ud800", "610200", "ok"),
                  ("A\udc00", "C1", "Ads", "610200", "x"),
                  ("A3", "C1", "Mail", "610200", "bad \ud83d")]
    for fast in (True, False):
        book = book_from_tables({"Activities": activities}, check=False, fast=fast)
        assert located(book.findings) == [("Activities", "C2", "value-type"),
                                          ("Activities", "A3", "value-type"),
                                          ("Activities", "E4", "value-type")]
        assert [f.column for f in book.findings] == ["Activity", "Activity ID", None]
        assert book.findings[0].value == "Booth \\ud800"
        frame = book.table("Activities").frame
        assert frame["Activity ID"].fillna("").tolist() == ["A1", "", "A3"]
        assert frame["Activity"].fillna("").tolist() == ["", "Ads", "Mail"]
        assert frame["_rejected"].tolist() == [True, True, False]      # Activity is required
        assert frame["Note"].fillna("").tolist() == ["ok", "x", ""]


def test_a_lone_surrogate_in_the_plan_range_is_a_value_type_finding_not_a_crash():
    """The Plan range (rows or a mapping) as the table ranges: a value-type error at the cell,
    read as blank, instead of the value-required one a blank required field would give."""
    rows = [("Field", "Value"), ("Plan ID", "P-1"), ("Team", "T\ud800"), ("Fiscal Year", 2027)]
    book = book_from_tables({}, plan=rows, check=False)
    assert [(f.sheet, f.cell, f.code) for f in book.findings if f.cell] == [
        ("Plan", "B3", "value-type")]
    assert book.findings[0].value == "T\\ud800"
    assert (book.plan.plan_id, book.plan.team) == ("P-1", None)
    book = book_from_tables({}, plan={"Plan ID": "P\ud800"}, check=False)
    assert [(f.sheet, f.cell, f.code, f.value) for f in book.findings] == [
        ("Plan", "B2", "value-type", "P\\ud800")]
    assert book.plan.plan_id is None
