"""report/cells.write_rows writes exactly the package XlsxWriter writes cell by cell."""
from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from xlsxwriter.url import Url

from mom_engine.report.cells import CellKind, Cells, write_rows
from mom_engine.report.consolidated import FileLink

CREATED = dt.datetime(2027, 3, 15, 9, 30)


def cell_by_cell(sheet: Any, columns: list[Cells], first_row: int) -> None:
    """The reference: XlsxWriter's own public writers, one cell at a time."""
    for row, values in enumerate(zip(*(c.values for c in columns), strict=True), start=first_row):
        for index, (cells, value) in enumerate(zip(columns, values, strict=True)):
            if value is None:
                continue
            kind = cells.kind
            fmt = cells.formats[row - first_row] if cells.formats else cells.format
            if kind is CellKind.STRING:
                sheet.write_string(row, index, value, fmt)
            elif kind is CellKind.NUMBER:
                sheet.write_number(row, index, value, fmt)
            elif kind is CellKind.DATE:
                sheet.write_datetime(row, index, value, fmt)
            elif kind is CellKind.BOOLEAN:
                sheet.write_boolean(row, index, value, fmt)
            elif kind is CellKind.PLACED:
                sheet.write_string(row, value[0], value[1], fmt)
            elif kind is CellKind.LINK:
                sheet.write_url(row, index, value, fmt)
            elif isinstance(value, (dt.date, dt.datetime)):
                sheet.write_datetime(row, index, value, fmt)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                sheet.write_number(row, index, value)
            else:
                sheet.write_string(row, index, str(value))


def build(path: Path, writer: Any, columns_of: Any) -> Path:
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "nan_inf_to_errors": True})
    workbook.set_properties({"created": CREATED})
    header = workbook.add_format({"bold": True})
    money = workbook.add_format({"num_format": "#,##0.00"})
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    mark = workbook.add_format({"align": "center"})
    shaded = workbook.add_format({"bg_color": "#DDDDDD"})
    sheet = workbook.add_worksheet("Data")
    sheet.set_column(1, 1, 14, shaded)          # a column format: unformatted cells take it
    for index, title in enumerate(("Text", "Amount", "When", "Flag", "Any")):
        sheet.write_string(0, index, title, header)
    writer(sheet, columns_of(money, date, mark), 1)
    assert sheet.write_string(2, 0, "too late") == -1      # refused: a streamed row is final
    sheet.write_string(20, 0, "after the table", header)     # the stream goes on after it
    sheet.write_number(20, 1, 1.5)
    other = workbook.add_worksheet("Other")       # a second sheet: its stream reopens
    other.write_string(0, 0, "x")
    writer(other, [Cells(["a", None, "b"], CellKind.STRING, mark)], 3)
    workbook.close()
    return path


def columns_of(money: Any, date: Any, mark: Any) -> list[Cells]:
    long_text = "é" * 20_000 + "😀" * 7_000          # over 32,767 UTF-16 units: truncated
    return [
        Cells([None, "plain", " leading", "trailing ", "a & b < c > d \"q\" 'x'", "ctrl\x01\x1f",
               "_x0041_ literal", "line\nbreak", "", long_text, "plain", None, "😀 emoji"],
              CellKind.STRING),
        Cells([None, 0, 1234.5, -0.01, 1e-20, 123456789012345.67, math.inf, -math.inf,
               math.nan, 7, 0.1 + 0.2, None, 2**53 + 1], CellKind.NUMBER, money),
        Cells([dt.date(2027, 1, 1), None, dt.datetime(2027, 3, 15, 13, 45, 30, 250_000),
               dt.date(1900, 2, 28), dt.date(1900, 3, 1), dt.datetime(1900, 1, 1, 6),
               dt.date(9999, 12, 31), None, None, None, None, None, dt.date(2027, 1, 1)],
              CellKind.DATE, date),
        Cells([True, False, None, True, None, None, None, None, None, None, None, None, False],
              CellKind.BOOLEAN),
        Cells([None, dt.date(2027, 2, 2), 3, 2.5, True, "text", ("a", 1), None, None, None,
               None, None, dt.datetime(2027, 2, 2, 8)], CellKind.ANY, date),
        Cells(["error", "warning", None, "error", "info", None, None, None, None, None, None,
               None, "warning"], CellKind.STRING,
              formats=[money, date, None, money, None, None, None, None, None, None, None,
                       None, date]),
        Cells([FileLink("external:teams/a%20b.xlsx#'Budget'!C7", "C7", "open a b at Budget!C7"),
               None, Url("internal:Data!A1"),
               None, None, None, None, None, None, None, None, None, Url("https://example.com")],
              CellKind.LINK),
        Cells([None, (9, "◆"), None, (11, "◆"), None, None, None, None, None, None, None, None,
               (14, "◆")], CellKind.PLACED, mark),
    ]


def test_the_package_is_byte_for_byte_xlsxwriters_own(tmp_path: Path) -> None:
    fast = build(tmp_path / "fast.xlsx", write_rows, columns_of)
    slow = build(tmp_path / "slow.xlsx", cell_by_cell, columns_of)
    with zipfile.ZipFile(fast) as a, zipfile.ZipFile(slow) as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            assert a.read(name) == b.read(name), name
    sheet = openpyxl.load_workbook(fast)["Data"]
    assert sheet["A3"].value == "plain" and sheet["A4"].value == " leading"
    assert sheet["A6"].value == "a & b < c > d \"q\" 'x'"
    assert sheet["B4"].value == 1234.5 and sheet["B4"].number_format == "#,##0.00"
    assert sheet["C4"].value == dt.datetime(2027, 3, 15, 13, 45, 30, 250_000)
    assert sheet["D3"].value is False and sheet["E4"].value == 3
    assert sheet["J3"].value == "◆" and sheet["O14"].value == "◆"
    assert sheet["F2"].value == "error" and sheet["F2"].number_format == "#,##0.00"
    assert sheet["G2"].value == "C7" and sheet["G2"].hyperlink.target == "teams/a%20b.xlsx"
    assert sheet["G2"].hyperlink.location == "'Budget'!C7"
    assert sheet["A21"].value == "after the table" and sheet.max_row == 21


def test_a_row_with_every_cell_blank_is_left_out_as_xlsxwriter_does(tmp_path: Path) -> None:
    def blank_rows(money: Any, date: Any, mark: Any) -> list[Cells]:
        return [Cells([None, "x", None, None], CellKind.STRING),
                Cells([None, None, None, 2.0], CellKind.NUMBER, money)]
    fast = build(tmp_path / "fast.xlsx", write_rows, blank_rows)
    slow = build(tmp_path / "slow.xlsx", cell_by_cell, blank_rows)
    with zipfile.ZipFile(fast) as a, zipfile.ZipFile(slow) as b:
        assert a.read("xl/worksheets/sheet1.xml") == b.read("xl/worksheets/sheet1.xml")
        assert b'<row r="2">' not in a.read("xl/worksheets/sheet1.xml")


def test_text_that_looks_like_rich_string_xml_is_written_as_text(tmp_path: Path) -> None:
    path = tmp_path / "rich.xlsx"
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("Data")
    write_rows(sheet, [Cells(["<r>not markup</r>"], CellKind.STRING)], 0)
    workbook.close()
    assert openpyxl.load_workbook(path)["Data"]["A1"].value == "<r>not markup</r>"


def test_rows_past_excels_limit_are_refused_not_dropped(tmp_path: Path) -> None:
    workbook = xlsxwriter.Workbook(str(tmp_path / "big.xlsx"), {"constant_memory": True})
    sheet = workbook.add_worksheet("Data")
    with pytest.raises(ValueError, match="do not fit on one sheet"):
        write_rows(sheet, [Cells(["x"] * 10, CellKind.STRING)], 1_048_570)
    with pytest.raises(ValueError, match="one value per row"):
        write_rows(sheet, [Cells(["x"], CellKind.STRING), Cells([], CellKind.STRING)], 1)
    sheet.write_string(5, 0, "x")
    with pytest.raises(ValueError, match="row 3 of the sheet is already written"):
        write_rows(sheet, [Cells(["x"], CellKind.STRING)], 2)
    workbook.close()


def test_equal_values_written_differently_stay_apart(tmp_path: Path) -> None:
    """-0.0 after 0.0 (XlsxWriter writes -0), Decimal 1.00 after 1.0 (written as its text)."""
    def equal_values(money: Any, date: Any, mark: Any) -> list[Cells]:
        return [Cells([0.0, -0.0, 1, 1.0, True], CellKind.NUMBER),
                Cells([Decimal("1.0"), Decimal("1.00"), 0.0, -0.0, None], CellKind.ANY, date)]
    fast = build(tmp_path / "fast.xlsx", write_rows, equal_values)
    slow = build(tmp_path / "slow.xlsx", cell_by_cell, equal_values)
    with zipfile.ZipFile(fast) as a, zipfile.ZipFile(slow) as b:
        sheet = a.read("xl/worksheets/sheet1.xml")
        assert sheet == b.read("xl/worksheets/sheet1.xml")
    assert b'<c r="A3"><v>-0</v></c>' in sheet and b"<t>1.00</t>" in sheet
