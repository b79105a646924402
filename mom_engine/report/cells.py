"""Streaming a table into a constant-memory XlsxWriter sheet, a column's cells at a time.

A writer describes each column once (`Cells`: its values, None where blank, their kind and
format), and `write_rows` writes the whole table's row XML in one pass: each distinct value's
cell XML is made once per column (text escaped, a date turned into its serial number, by
XlsxWriter's own helpers), then each row is joined from its cells and its number filled in.
Cell by cell through `write_string` / `write_number`, XlsxWriter's generic path cost ~22 µs a
cell: 8.8 s CPU to write the consolidated workbook of 200 demo books (360,000 cells), the
largest part of a consolidation's tail; now 2.4 s.

The XML is the one XlsxWriter writes for the same cells, styles taken in the same order
(`tests/test_report_cells.py` compares the packages byte for byte, every kind of cell), so the
workbook is what it was. It relies on the constant-memory worksheet's row stream (`fh`,
`previous_row`, the dimensions), which is why `constraints.txt` pins XlsxWriter and the test
runs on that version. One deliberate difference: a text that looks like rich-string XML
(`<r>…</r>`) is written as the text it is, where XlsxWriter copies it into the file unescaped.
"""
from __future__ import annotations

import datetime as dt
import enum
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from xlsxwriter.utility import _preserve_whitespace, _utf16_len, _utf16_truncate, xl_col_to_name
from xlsxwriter.xmlwriter import XMLwriter

ROWS_PER_WRITE = 2_000
HYPERLINKS = 65_530       # links one sheet may hold (Excel's limit)
# where a cell's row number goes in XML made column by column: a character no cell holds
# (control characters are written as _xHHHH_ escapes)
ROW = "\0"
STRING_LIMIT = 32_767     # UTF-16 units in one cell (Excel's limit; XlsxWriter truncates)


class CellKind(enum.Enum):
    STRING = "string"      # str
    NUMBER = "number"      # int or float
    DATE = "date"          # datetime.date / datetime.datetime
    BOOLEAN = "boolean"
    ANY = "any"            # per value: a date (in the column's format), a number, or str(v)
    PLACED = "placed"      # (sheet column, text): a text right of the table's other columns
    LINK = "link"          # an xlsxwriter Url: its text, linked (as write_url writes it)


@dataclass(frozen=True)
class Cells:
    """One column of a streamed table: its values (None where blank) of one kind, and the
    format they are written in (None: the sheet column's own, as XlsxWriter does) — or, with
    `formats`, each row's own."""
    values: list[Any]
    kind: CellKind
    format: Any = None
    formats: list[Any] | None = None

    def row_formats(self) -> list[Any]:
        """Each row's format."""
        return self.formats or [self.format] * len(self.values)


def date_cells(series: pd.Series, fmt: Any) -> Cells:
    """A column of dates (datetime64 or date objects) as date cells in `fmt`; blank: None."""
    blank = series.isna().to_numpy().tolist()
    return Cells([None if b else pd.Timestamp(v).to_pydatetime()
                  for v, b in zip(series.tolist(), blank, strict=True)], CellKind.DATE, fmt)


def flag_cells(series: pd.Series) -> Cells:
    """A column of yes/no values as boolean cells; blank: None."""
    blank = series.isna().to_numpy().tolist()
    return Cells([None if b else bool(v) for v, b in zip(series.tolist(), blank, strict=True)],
                 CellKind.BOOLEAN)


def write_rows(sheet: Any, columns: list[Cells], first_row: int) -> None:
    """Write the columns' cells row by row from `first_row` (entry i of `columns` is sheet
    column i), leaving blank cells (None) out. The sheet must be a constant-memory one with
    nothing written at or below `first_row` yet; rows above it still buffered go out first."""
    rows = len(columns[0].values) if columns else 0
    if any(len(column.values) != rows for column in columns):
        raise ValueError("every column of a streamed table needs one value per row")
    if not rows:
        return
    if not sheet.constant_memory:
        raise ValueError("write_rows streams into a constant-memory worksheet only")
    last_row = first_row + rows - 1
    if last_row >= sheet.xls_rowmax:
        raise ValueError(f"{rows:,} rows from row {first_row + 1:,} do not fit on one sheet "
                         f"(Excel's limit is {sheet.xls_rowmax:,} rows)")
    if first_row > sheet.previous_row:
        sheet._write_single_row(first_row)
    elif first_row < sheet.previous_row or sheet.table:
        raise ValueError(f"row {first_row + 1} of the sheet is already written")
    if sheet.comments or any(first_row <= row <= last_row for row in sheet.row_info):
        raise ValueError("a streamed table's rows take no row settings or comments")
    sheet._opt_reopen()
    cells = _Cells(sheet)
    cells.take_styles(columns, first_row)
    made = [cells.column(index, column, first_row) for index, column in enumerate(columns)]
    open_row = _row_open_tag(sheet, first_row)
    written: list[int] = []
    chunk: list[str] = []
    for row, parts in enumerate(zip(*made, strict=True), start=first_row):
        present = [part for part in parts if part is not None]
        if not present:
            continue
        written.append(row)
        chunk.append((open_row + "".join(present) + "</row>").replace(ROW, str(row + 1)))
        if len(chunk) == ROWS_PER_WRITE:
            sheet.fh.write("".join(chunk))
            chunk.clear()
    sheet.fh.write("".join(chunk))
    if written:   # the sheet's extent and stream position, as its own writes would leave them
        sheet._check_dimensions(written[0], min(cells.used))
        sheet._check_dimensions(written[-1], max(cells.used))
        sheet.previous_row = written[-1]


def _row_open_tag(sheet: Any, row: int) -> str:
    """`<row r="N" …>` of a plain row of this sheet as XlsxWriter writes it, N left as ROW
    (what follows r — a default height, Excel 2010's dyDescent — is the same on every plain
    row)."""
    stream, sheet.fh = sheet.fh, io.StringIO()
    try:
        sheet._write_row(row, None)
        tag = sheet.fh.getvalue()
    finally:
        sheet.fh = stream
    return f'<row r="{ROW}"' + tag[len(f'<row r="{row + 1}"'):]


class _Cells:
    """A streamed table's cell XML, made column by column: each distinct value's XML once per
    column and format (`<c r="B{ROW}" s="3"><v>7</v></c>`), the row number filled in per row.
    Values are told apart by their repr, not by ==: -0.0 and 0.0, or Decimal 1.0 and 1.00,
    are equal but written differently."""

    def __init__(self, sheet: Any) -> None:
        self.sheet = sheet
        self.used: set[int] = set()            # sheet columns holding a cell
        self._styles: dict[tuple[int, int], str] = {}

    def take_styles(self, columns: list[Cells], first_row: int) -> None:
        """Give each format its style index in the order XlsxWriter would: at the first cell
        written in it, row by row, left to right."""
        first: dict[tuple[int, int], tuple[int, int, Any]] = {}
        for index, cells in enumerate(columns):
            formats = cells.row_formats()
            for row, (value, fmt) in enumerate(zip(cells.values, formats, strict=True)):
                if value is None:
                    continue
                column, fmt = self._placed(index, cells, value, fmt)
                key = (column, id(fmt))
                if key not in first:
                    first[key] = (row, column, fmt)
                if cells.kind not in (CellKind.ANY, CellKind.PLACED) and not cells.formats:
                    break
        for _, column, fmt in sorted(first.values(), key=lambda use: (use[0], use[1])):
            self.style(column, fmt)

    def _placed(self, index: int, cells: Cells, value: Any, fmt: Any) -> tuple[int, Any]:
        """The sheet column and the format one value of `cells` is written in."""
        if cells.kind is CellKind.PLACED:
            return value[0], fmt
        if cells.kind is CellKind.LINK:
            return index, self.sheet.default_url_format if fmt is None else fmt
        if cells.kind is CellKind.ANY and not isinstance(value, (dt.date, dt.datetime)):
            return index, None
        return index, fmt

    def style(self, column: int, fmt: Any) -> str:
        """` s="7"` for a cell in `column` written in `fmt` (None: the column's format, as
        set_column gave it; none at all: no attribute)."""
        key = (column, id(fmt))
        found = self._styles.get(key)
        if found is None:
            if fmt is None:
                info = self.sheet.col_info.get(column)
                fmt = info.column_format if info is not None else None
            found = self._styles[key] = "" if fmt is None else f' s="{fmt._get_xf_index()}"'
        return found

    def column(self, index: int, cells: Cells, first_row: int) -> list[str | None]:
        """The XML of each of a column's cells (None where blank); a link's cell is recorded
        among the sheet's hyperlinks, as `write_url` records it."""
        kind, convert = cells.kind, self.sheet._convert_date_time
        formats = cells.row_formats()
        made: dict[tuple[type, Any, int], str] = {}
        out: list[str | None] = []
        for row, (value, fmt) in enumerate(zip(cells.values, formats, strict=True),
                                           start=first_row):
            if value is None:
                out.append(None)
                continue
            if kind is CellKind.LINK:
                self._link(row, index, value)
            try:
                key = (type(value), value if value.__class__ is str else repr(value), id(fmt))
                found = made.get(key)
            except TypeError:             # an unhashable value: made for its cell alone
                key, found = None, None
            if found is None:
                column, fmt = self._placed(index, cells, value, fmt)
                self.used.add(column)
                body = self._body(kind, column, fmt, value, convert)
                found = f'<c r="{xl_col_to_name(column)}{ROW}"{body}'
                if key is not None:
                    made[key] = found
            out.append(found)
        return out

    def _body(self, kind: CellKind, column: int, fmt: Any, value: Any,
              convert: Callable[[Any], float]) -> str:
        style = self.style(column, fmt)
        if kind in (CellKind.STRING, CellKind.PLACED, CellKind.LINK):
            return _string(style, value[1] if kind is CellKind.PLACED else
                           value.text if kind is CellKind.LINK else value)
        if kind is CellKind.NUMBER:
            return _number(style, value)
        if kind is CellKind.BOOLEAN:
            return f'{style} t="b"><v>{1 if value else 0}</v></c>'
        if kind is CellKind.DATE or isinstance(value, (dt.date, dt.datetime)):
            return _number(style, convert(value))
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return _number(style, value)
        return _string(style, str(value))

    def _link(self, row: int, column: int, url: Any) -> None:
        self.sheet.hlink_count += 1
        if self.sheet.hlink_count > HYPERLINKS:
            raise ValueError(f"more than {HYPERLINKS:,} links on one sheet (Excel's limit)")
        self.sheet.hyperlinks[row][column] = url


def _string(style: str, text: str) -> str:
    """An inline string cell, as XlsxWriter's constant-memory mode writes one."""
    if len(text) > STRING_LIMIT // 2 and _utf16_len(text) > STRING_LIMIT:
        text = _utf16_truncate(text, STRING_LIMIT)
    text = XMLwriter._escape_control_characters(text)
    space = ' xml:space="preserve"' if _preserve_whitespace(text) else ""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _number(style: str, number: float) -> str:
    """A number cell; NaN and ±inf as the error formulas XlsxWriter's `nan_inf_to_errors`
    writes."""
    if math.isfinite(number):
        return f"{style}><v>{number:.16G}</v></c>"
    if math.isnan(number):
        return f'{style} t="e"><f>#NUM!</f><v>#NUM!</v></c>'
    return f'{style} t="e"><f>{"-" if number < 0 else ""}1/0</f><v>#DIV/0!</v></c>'
