"""Streaming a table into a constant-memory XlsxWriter sheet, a column's cells at a time.

A writer describes each column once (`Cells`: its values, None where blank, their kind and
format), and `write_rows` writes the whole table's row XML in one pass: each distinct value's
cell body is made once per column (text escaped, a date turned into its serial number, by
XlsxWriter's own helpers), then every row is joined from its cells. Cell by cell through
`write_string` / `write_number`, XlsxWriter's generic path cost ~22 µs a cell — 8 s for the
360,000 cells of 200 books, the largest part of a consolidation's tail.

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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from xlsxwriter.utility import _preserve_whitespace, _utf16_len, _utf16_truncate, xl_col_to_name
from xlsxwriter.xmlwriter import XMLwriter

ROWS_PER_WRITE = 2_000
HYPERLINKS = 65_530       # links one sheet may hold (Excel's limit)
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
    bodies = _Bodies(sheet)
    open_row = _row_open_tag(sheet, first_row)
    written: list[int] = []
    lowest, highest = sheet.xls_colmax, -1
    chunk: list[str] = []
    for row, cells in enumerate(bodies.rows(columns, first_row), start=first_row):
        if not cells:
            continue
        number = str(row + 1)
        written.append(row)
        lowest, highest = min(lowest, cells[0][0]), max(highest, cells[-1][0])
        chunk.append(open_row(number) + "".join(
            f'<c r="{bodies.letter(column)}{number}"{body}' for column, body in cells)
            + "</row>")
        if len(chunk) == ROWS_PER_WRITE:
            sheet.fh.write("".join(chunk))
            chunk.clear()
    sheet.fh.write("".join(chunk))
    if written:   # the sheet's extent and stream position, as its own writes would leave them
        sheet._check_dimensions(written[0], lowest)
        sheet._check_dimensions(written[-1], highest)
        sheet.previous_row = written[-1]


def _row_open_tag(sheet: Any, row: int) -> Callable[[str], str]:
    """`<row r="N" …>` of a plain row of this sheet, as XlsxWriter writes it (what follows r —
    a default height, Excel 2010's dyDescent — is the same on every plain row)."""
    stream, sheet.fh = sheet.fh, io.StringIO()
    try:
        sheet._write_row(row, None)
        tag = sheet.fh.getvalue()
    finally:
        sheet.fh = stream
    rest = tag[len(f'<row r="{row + 1}"'):]
    return lambda number: f'<row r="{number}"{rest}'


class _Bodies:
    """Each cell's XML after its reference (`<c r="B7"` + body), made once per distinct value of
    a column. Bodies are made row by row, left to right, so each format's style index is taken
    when XlsxWriter would first take it."""

    def __init__(self, sheet: Any) -> None:
        self.sheet = sheet
        self._letters: dict[int, str] = {}
        self._styles: dict[tuple[int, int], str] = {}

    def rows(self, columns: list[Cells], first_row: int) -> Iterator[list[tuple[int, str]]]:
        """Each row's (sheet column, body) pairs, left to right; a link's cell is recorded among
        the sheet's hyperlinks, as `write_url` records it."""
        makers = [self._maker(index, column) for index, column in enumerate(columns)]
        formats = [column.formats or [column.format] * len(column.values) for column in columns]
        links = [index for index, column in enumerate(columns) if column.kind is CellKind.LINK]
        for row, (values, fmts) in enumerate(zip(zip(*(c.values for c in columns), strict=True),
                                                 zip(*formats, strict=True), strict=True),
                                             start=first_row):
            for index in links:
                if values[index] is not None:
                    self._link(row, index, values[index])
            yield [make(value, fmt) for make, value, fmt in zip(makers, values, fmts, strict=True)
                   if value is not None]

    def _link(self, row: int, column: int, url: Any) -> None:
        self.sheet.hlink_count += 1
        if self.sheet.hlink_count > HYPERLINKS:
            raise ValueError(f"more than {HYPERLINKS:,} links on one sheet (Excel's limit)")
        self.sheet.hyperlinks[row][column] = url

    def letter(self, column: int) -> str:
        found = self._letters.get(column)
        if found is None:
            found = self._letters[column] = xl_col_to_name(column)
        return found

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

    def _maker(self, column: int, cells: Cells) -> Callable[[Any, Any], tuple[int, str]]:
        kind = cells.kind
        if kind is CellKind.PLACED:
            def placed(value: tuple[int, str], fmt: Any) -> tuple[int, str]:
                at, text = value
                return at, _string(self.style(at, fmt), text)
            return placed
        if kind is CellKind.LINK:
            def link(value: Any, fmt: Any) -> tuple[int, str]:
                fmt = self.sheet.default_url_format if fmt is None else fmt
                return column, _string(self.style(column, fmt), value.text)
            return link
        convert = self.sheet._convert_date_time

        def body(value: Any, fmt: Any) -> str:
            if kind is CellKind.STRING:
                return _string(self.style(column, fmt), value)
            if kind is CellKind.NUMBER:
                return _number(self.style(column, fmt), value)
            if kind is CellKind.BOOLEAN:
                return f'{self.style(column, fmt)} t="b"><v>{1 if value else 0}</v></c>'
            if kind is CellKind.DATE or isinstance(value, (dt.date, dt.datetime)):
                return _number(self.style(column, fmt), convert(value))
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return _number(self.style(column, None), value)
            return _string(self.style(column, None), str(value))

        made: dict[tuple[type, Any, int], str] = {}

        def make(value: Any, fmt: Any) -> tuple[int, str]:
            key = (type(value), value, id(fmt))
            try:
                found = made.get(key)
            except TypeError:         # an unhashable value: made for its cell alone
                return column, body(value, fmt)
            if found is None:
                found = made[key] = body(value, fmt)
            return column, found
        return make


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
