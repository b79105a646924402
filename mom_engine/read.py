"""A team workbook on disk → `Book`: typed tables that remember the cell of every value.

Stages: open (refuse what is not a safe workbook) → map sheet names → read Plan settings →
read each declared sheet (find the header, map columns, parse values) → note formula cells
that were never calculated. Values come from python-calamine (Rust), which reads .xlsx, .xlsm,
.xlsb, .xls and .ods. For .xlsx/.xlsm the sheet XML (as the safety check inflated it) is also
scanned with regexes, no DOM, for the two things calamine hides: error cells and formula cells
without a cached value.
Nothing here raises for bad user data; problems become findings on the Book.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import glob
import functools
import io
import os
import re
import zipfile
from pathlib import Path
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd
import python_calamine as calamine

from . import safety
from .findings import column_letter
from .model import Book, Table, empty_frame, frame_of, text_array
from .mappings import Mapping, header_aliases, mapping_of_book, resolve_book
from .plan import PLAN_ATTRIBUTES, PLAN_FIELDS, PlanSettings
from .sheets import (CLOSED_STAGES, LISTS, MAPPINGS, OPEN_STAGES, PLAN, SHEET_NAMES, SHEETS,
                     Column, Kind, Sheet, leads_sheet, normalise_name)
from .values import (ERROR_VALUES, MAX_MONEY_CENTS, Parsed, any_blank, cents_of_float, is_blank,
                     parse_value, range_problem, text_of)

HEADER_SEARCH_ROWS = 10
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")


def read_book(path: str | Path, *, name: str | None = None,
              mapping: Mapping | None = None) -> Book:
    """Read one team workbook. Never raises for bad input: see `Book.findings`.

    `mapping` (from --map) goes on top of the book's own Mappings sheet; after every sheet is
    read, the resolving stage (`mappings.resolve_book`) places export stages and campaigns.

    The opening stage (SPEC §15): `safety` refuses what must not be parsed (zip bombs, DTDs,
    absurd sheet extents, encrypted files) before calamine sees the file; whatever calamine
    still fails on — including a Rust panic, which Python sees as a BaseException — becomes a
    `book-unreadable` finding that names the file and the reason. The file is opened read-only
    and never written.
    """
    path = Path(path)
    book = Book(path=path, name=name or safety.display_name(path), mapping=mapping)
    kept = safety.KeptParts()
    try:
        data = safety.checked_bytes(path, kept)   # read once: calamine parses what was checked
    except safety.Refused as refusal:
        _refuse(book, refusal.code, refusal.message)
        return book
    try:
        workbook = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except calamine.PasswordError:
        _refuse(book, "book-encrypted", f"{book.name}: {safety.ENCRYPTED_MESSAGE}")
        return book
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # calamine raises several types (and panics) for bad input
        _refuse(book, "book-unreadable", f"{book.name} cannot be read as a workbook "
                                         f"({_reason(error)}); open it in Excel and save it "
                                         "as .xlsx")
        return book
    try:
        _read_sheets(book, workbook, XmlFacts.of(book.path, data, kept))
    except safety.Refused as refusal:
        _refuse(book, refusal.code, refusal.message)
    except calamine.PasswordError:
        _refuse(book, "book-encrypted", f"{book.name}: {safety.ENCRYPTED_MESSAGE}")
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # a reader bug or a file calamine chokes on mid-way
        _refuse(book, "book-unreadable",
                f"{book.name} could not be read completely ({_reason(error)})")
    finally:
        workbook.close()
    return book


def _restore_errors(rows: list[list[Any]], errors: dict[tuple[int, int], str]) -> None:
    """Error cells (#N/A, #DIV/0!…) come back from calamine as '': put their text back, so a
    row holding only an error is still read and the error reported — never dropped silently
    as a blank row (SPEC §11). Formula cells without a value stay blank (SheetReader notes
    them)."""
    for (number, position), kind in errors.items():
        if number > len(rows):
            continue
        row = rows[number - 1]
        if position < len(row) and row[position] == "":
            row[position] = kind


def _blank_template_rows(rows: list[list[Any]], formulas: set[tuple[int, int]]) -> None:
    """A row holding nothing but formula cells (the template's formula columns filled down
    below the data, saved with cached values such as 0 or #N/A) is a template row, not a
    record: it reads as blank. A row with one typed value is a record as always, and so is a
    row whose only cells are errors (LibreOffice saves a typed #N/A as a formula: an error
    in a row is reported, never dropped as blank)."""
    for number in {row for row, _ in formulas}:
        if number > len(rows):
            continue
        row = rows[number - 1]
        if all(is_blank(value) or (number, position) in formulas
               for position, value in enumerate(row)) and any(
                not is_blank(value) and value not in ERROR_VALUES for value in row):
            rows[number - 1] = [""] * len(row)


def _refuse(book: Book, code: str, message: str) -> None:
    """The book is not read at all: no tables (half a book would lose rows silently)."""
    book.readable = False
    book.tables.clear()
    book.findings[:] = [f for f in book.findings if f.code in ("book-unreadable",
                                                              "book-encrypted")]
    book.findings.append(book.finding(code, message))


def _reason(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:200]


def _read_sheets(book: Book, workbook: calamine.CalamineWorkbook, xml: XmlFacts) -> None:
    book.date1904 = xml.date1904
    titles: dict[str, str] = {}
    for title in workbook.sheet_names:
        canonical = SHEET_NAMES.get(normalise_name(title))
        if canonical and canonical not in titles:
            titles[canonical] = title
    if not titles:
        book.findings.append(book.finding(
            "sheet-missing", f"{book.name} has none of the team template's sheets (Plan, "
                             "Campaigns, Activities, Budget…); is it a MOM team workbook?"))
    for sheet in SHEETS.values():
        if sheet.required and sheet.name not in titles:
            book.findings.append(book.finding(
                "sheet-missing", f"the required sheet '{sheet.name}' is missing; add it from "
                                 "the team template", sheet=sheet.name))

    def raw_rows(title: str) -> tuple[list[list[Any]], SheetCells]:
        worksheet = workbook.get_sheet_by_name(title)
        last_row, last_column = worksheet.end if worksheet.end else (-1, -1)
        safety.check_sheet_size(book.name, title, last_row + 1, last_column + 1)
        rows = worksheet.to_python(skip_empty_area=False)
        cells = xml.cells(title)
        _restore_errors(rows, cells.errors)
        _blank_template_rows(rows, cells.formulas)
        return rows, cells

    if "Plan" in titles:
        book.plan_sheet = titles["Plan"]
        book.plan = read_plan(book, *raw_rows(titles["Plan"]))
    if "Lists" in titles:
        book.lists = read_lists(raw_rows(titles["Lists"])[0])
    if "Mappings" in titles:   # first: its Header rows say how the other sheets' headers read
        title = titles["Mappings"]
        rows, cells = raw_rows(title)
        book.tables["Mappings"] = SheetReader(book, MAPPINGS, title, cells).read(rows)
    own, problems = mapping_of_book(book)
    book.mapping = own.merged(book.mapping)
    book.findings += problems
    for sheet in SHEETS.values():
        if sheet.name in ("Plan", "Lists", "Mappings"):
            continue
        if sheet.name == "Leads":
            sheet = leads_sheet(book.plan.lead_stages)
        sheet_title = titles.get(sheet.name)
        if sheet_title is None:
            book.tables[sheet.name] = Table(sheet, empty_frame(sheet))
            continue
        rows, cells = raw_rows(sheet_title)
        book.tables[sheet.name] = SheetReader(book, sheet, sheet_title, cells).read(rows)
        if sheet.name == "Leads":
            _check_stage_columns(book, book.tables["Leads"])
    resolve_book(book)


def _check_stage_columns(book: Book, table: Table) -> None:
    """Every Lead Stage needs its date column on the Leads sheet, or the funnel shows 0 there."""
    if table.header_row is None:
        return
    for stage in book.plan.lead_stages:
        column = f"{stage} Date"
        if column not in table.letters:
            book.findings.append(book.finding(
                "column-missing", f"the Plan's Lead Stages name '{stage}' but the Leads sheet "
                                  f"has no '{column}' column; add it or fix Lead Stages",
                sheet="Leads", column=column, row=table.header_row, severity="warning"))


# --- header and columns -------------------------------------------------------------------

def find_header(rows: list[list[Any]], sheet: Sheet) -> int | None:
    """Index of the header row: the first of the first 10 rows holding every required header;
    failing that, the row that matches most declared headers (None when none matches)."""
    wanted = [c.header_keys for c in sheet.required_columns]
    known = sheet.columns_by_header.keys()
    best, best_count = None, 0
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        names = {normalise_name(text_of(v)) for v in row if not is_blank(v)}
        if wanted and all(not names.isdisjoint(keys) for keys in wanted):
            return index
        count = len(names & known)
        if count > best_count:
            best, best_count = index, count
    return best


class SheetReader:
    """Reads one declared sheet of one book into a Table, adding findings to the book."""

    def __init__(self, book: Book, sheet: Sheet, title: str,
                 cells: SheetCells | None = None) -> None:
        self.book, self.sheet, self.title = book, sheet, title
        self.cells = cells or NO_CELLS
        self.fy_start_month = book.plan.fy_start_month
        self.percent_columns: set[str] = set()   # read from a header that says (%)

    def finding(self, code: str, message: str, *, column: str | None = None,
                row: int | None = None, cell: str | None = None, value: Any = None) -> None:
        from .findings import make_finding
        self.book.findings.append(make_finding(
            code, message, book=self.book.name, sheet=self.title, row=row, column=column,
            cell=cell, value=value))

    def read(self, rows: list[list[Any]]) -> Table:
        sheet = self.sheet
        header = find_header(rows, sheet)
        # the frame is set below in both branches; no empty frame is built only to be replaced
        table = Table(sheet, None, title=self.title,
                      header_row=None if header is None else header + 1)
        if header is None:
            for column in sheet.required_columns:
                self.finding("column-missing",
                             f"no header row with '{column.name}' in the first "
                             f"{HEADER_SEARCH_ROWS} rows", column=column.name)
            data = [(i + 1, r) for i, r in enumerate(rows[1:], start=1) if not _blank_row(r)]
            table.frame = _unreadable_rows(sheet, [n for n, _ in data])
            return table

        positions = self.map_columns(rows[header], header + 1, table)
        missing = [c for c in sheet.required_columns if c.name not in positions]
        for column in missing:
            self.finding("column-missing",
                         f"required column '{column.name}' is missing from the header in row "
                         f"{header + 1}; add it", column=column.name,
                         row=header + 1)
        numbers, cells = self.data_cells(rows, header)
        rejected = np.zeros(len(numbers), dtype=bool)
        if missing:
            rejected[:] = True
        raws = {positions[c.name]: cells(positions[c.name], "") for c in sheet.columns
                if c.name in positions}
        # a formula without a cached value reads as blank: only columns with a blank cell
        # need the sheet XML's word on which of their cells those are (tables handed over in
        # memory have no sheet XML: nothing to look for)
        special = self.cells.specials(position for position, raw in raws.items()
                                      if any_blank(raw)) \
            if self.cells.xml or self.cells.errors else {}
        columns: dict[str, Any] = {}
        for column in sheet.columns:
            position = positions.get(column.name)
            if position is None:
                columns[column.name] = _typed_default(column, len(numbers))
                continue
            raw = raws[position]
            if position in special:
                raw = self.apply_special(raw, numbers, position, column, special[position])
            if column.name in self.percent_columns:
                raw = [_hundredth(value) for value in raw]
            if column.mapped:   # resolved through Mappings after reading (mappings.py)
                column = _as_text(column)
            values = self.parse_column(column, raw, numbers, rejected, table.letters[column.name])
            columns[column.name] = _typed(values, column)
        for header_text, position in table_extra(positions, table):
            columns[header_text] = cells(position, None)
        columns["_row"] = numbers
        columns["_rejected"] = rejected
        table.frame = frame_of(columns)   # every array here is its own
        return table

    def data_cells(self, rows: list[list[Any]], header: int
                   ) -> tuple[np.ndarray, Callable[[int, Any], list[Any]]]:
        """The Excel row numbers of the rows below the header that are not blank, and a function
        giving one column's cells in those rows (`missing` where a short row ends first)."""
        kept = [index for index in range(header + 1, len(rows)) if not _blank_row(rows[index])]
        numbers = np.array(kept, dtype=np.int64) + 1
        body = [rows[index] for index in kept]
        # calamine's rows are all as wide: one transposition (up to the shortest row, if not)
        columns = list(zip(*body, strict=False))

        def cells(position: int, missing: Any) -> list[Any]:
            if position < len(columns):
                return list(columns[position])
            return [row[position] if position < len(row) else missing for row in body]
        return numbers, cells

    def map_columns(self, header: list[Any], row_number: int, table: Table) -> dict[str, int]:
        """Header cells → declared column positions; extra and duplicate headers noted.

        A header may be a column's name or alias, a Header mapping (Mappings / --map), a
        percent header (`Probability (%)`: values in percent) or a stand-in header, used only
        when none of the column's own headers is there."""
        columns = self.sheet.columns
        by_key = {**header_aliases(self.book.mapping, columns), **self.sheet.columns_by_header}
        percent = {normalise_name(h): c for c in columns for h in c.percent_headers}
        by_key.update(percent)
        present = {normalise_name(text_of(v)) for v in header if not is_blank(v)}
        stand_ins = {normalise_name(h): c for c in columns for h in c.fallback_headers
                     if present.isdisjoint(c.header_keys)}
        positions: dict[str, int] = {}
        for position, value in enumerate(header):
            if is_blank(value):
                continue
            text = text_of(value)
            key = normalise_name(text)
            column = by_key.get(key)
            if column is None and key in stand_ins and stand_ins[key].name not in positions:
                column = stand_ins[key]
                table.fallbacks[column.name] = text
            letter = column_letter(position)
            if key in percent and column is percent[key]:
                self.percent_columns.add(column.name)
            if column is None:
                table.extra_columns.append(text)
                table.letters[text] = letter
                positions[f"\0extra\0{text}"] = position
            elif column.name in positions:
                self.finding("column-duplicate",
                             f"'{text}' repeats column '{column.name}' (already in "
                             f"{table.letters[column.name]}{row_number}); this copy is ignored — "
                             "rename or delete it", column=column.name, row=row_number,
                             cell=f"{letter}{row_number}", value=text)
            else:
                positions[column.name] = position
                table.letters[column.name] = letter
        return positions

    def apply_special(self, raw: list[Any], numbers: np.ndarray, position: int,
                      column: Column, special: dict[int, str]) -> list[Any]:
        """Formula cells with no cached value count as blank (warning); error cells are typed.
        `special`: row → 'formula' or the error text, for this column."""
        letter = column_letter(position)
        found = np.flatnonzero(np.isin(numbers, np.fromiter(special, dtype=np.int64)))
        for index in found.tolist():
            number = int(numbers[index])
            kind = special[number]
            if not is_blank(raw[index]):
                continue
            if kind == "formula":
                self.finding("formula-not-calculated",
                             "the formula here has no calculated value and counts as blank; "
                             "open and save the workbook in Excel (or LibreOffice)",
                             column=column.name, row=int(number), cell=f"{letter}{number}")
            else:
                raw[index] = kind  # the error text, e.g. '#N/A' → a value-type finding
        return raw

    def parse_column(self, column: Column, raw: list[Any], numbers: np.ndarray,
                     rejected: np.ndarray, letter: str) -> list[Any] | np.ndarray:
        """Parse a column's raw cells; findings for the odd ones; reject rows it makes unusable
        (a reader may hand back a date column already typed: see `_typed`)."""
        cache: dict[tuple[type, Any], Parsed] = {}
        values: list[Any] = []
        append = values.append
        default = column.default
        fy_start = self.fy_start_month
        date1904 = self.book.date1904
        quick = _quick_values(column, raw)
        if _SLOW not in quick:
            return quick                  # a clean column: every cell read in bulk
        for index, value in enumerate(raw):
            if quick[index] is not _SLOW:
                append(quick[index])
                continue
            key = (type(value), value)
            parsed = cache.get(key)
            if parsed is None:
                parsed = parse_value(column, value, fy_start_month=fy_start, date1904=date1904)
                cache[key] = parsed
            if parsed.code is None and parsed.value is not None:
                append(parsed.value)
                continue
            number = int(numbers[index])
            if parsed.code:
                self.finding(parsed.code, parsed.message or parsed.code, column=column.name,
                             row=number, cell=f"{letter}{number}",
                             value=_json_raw(value))
            if parsed.value is None:
                if column.required and not rejected[index]:
                    if parsed.code is None:
                        self.finding("value-required",
                                     f"'{column.name}' is required; fill it in",
                                     column=column.name, row=number,
                                     cell=f"{letter}{number}")
                    rejected[index] = True
                append(default)
            else:
                append(parsed.value)
        return values


@functools.cache
def _as_text(column: Column) -> Column:
    """A mapped column read as plain text (its values are resolved after reading)."""
    return dataclasses.replace(column, kind=Kind.ID if column.kind is Kind.ID else Kind.TEXT,
                               choices=())


_PERCENT_TEXT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*%?\s*$")


def _hundredth(value: Any) -> Any:
    """A cell under a `(%)` header: 25 or '25' or '25%' → 0.25 (anything else unchanged)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value / 100
    if isinstance(value, str):
        match = _PERCENT_TEXT.match(value)
        if match:
            return float(match[1]) / 100
    return value


_SLOW = object()   # "take the general path" marker for _quick_values
_INFINITIES = (float("inf"), float("-inf"))
Cell = Callable[[Any], Any]


def _quick_values(column: Column, raw: list[Any]) -> list[Any]:
    """The common, clean cells of a column parsed without the general machinery — exactly what
    `parse_value` returns for them, with no finding — and its blank cells as the column's
    default (a blank is never a finding, unless the column is required); every other cell is
    `_SLOW` (a speed-up of the reader's hot path, SPEC §15; behaviour is `parse_value`'s)."""
    blank = _SLOW if column.required else column.default

    def other(v: Any) -> Any:        # a cell the kind's own quick test does not take
        return blank if is_blank(v) else _SLOW

    quick = _QUICK.get(column.kind)
    return quick(column, raw, other) if quick else [other(v) for v in raw]


def _quick_texts(column: Column, raw: list[Any], other: Cell) -> list[Any]:
    if _trimmed_texts(raw):
        if "" not in raw:
            return raw
        blank = other("")
        return [v or blank for v in raw]     # the empty cells blank, the rest as they are
    errors = ERROR_VALUES
    return [v if v.__class__ is str and v and not v[0].isspace() and not v[-1].isspace()
            and v not in errors else other(v) for v in raw]


def _quick_dates(column: Column, raw: list[Any], other: Cell) -> list[Any]:
    datetime, date = dt.datetime, dt.date
    return [v.date() if v.__class__ is datetime else v if v.__class__ is date else other(v)
            for v in raw]


def _quick_months(column: Column, raw: list[Any], other: Cell) -> list[Any]:
    datetime, date = dt.datetime, dt.date
    return [v.replace(day=1) if v.__class__ is date else v.date().replace(day=1)
            if v.__class__ is datetime else other(v) for v in raw]


def _quick_money(column: Column, raw: list[Any], other: Cell) -> list[Any]:
    kinds = set(map(type, raw))
    if kinds == {float}:
        return _whole_cents(raw, column)
    if kinds == {float, str}:       # amounts and blank (or text) cells: amounts in bulk
        amounts = _whole_cents([v if v.__class__ is float else 0.0 for v in raw], column)
        return [c if v.__class__ is float else other(v)
                for c, v in zip(amounts, raw, strict=True)]
    ranged = _ranged(column)

    def cents(v: Any) -> Any:
        if (v.__class__ is not float and v.__class__ is not int) or v != v \
                or v in _INFINITIES:
            return other(v)
        value = cents_of_float(float(v))
        if (ranged and range_problem(column, value / 100)) or abs(value) > MAX_MONEY_CENTS:
            return _SLOW
        return value
    return [cents(v) for v in raw]


def _quick_numbers(column: Column, raw: list[Any], other: Cell) -> list[Any]:
    ranged, percent = _ranged(column), column.kind is Kind.PERCENT

    def number(v: Any) -> Any:
        if (v.__class__ is not float and v.__class__ is not int) or v != v:
            return other(v)
        value = float(v)
        if (percent and 1 < value <= 100) or (ranged and range_problem(column, value)):
            return _SLOW
        return value
    return [number(v) for v in raw]


def _quick_spellings(column: Column, raw: list[Any], other: Cell) -> list[Any]:
    known = _clean_spellings(column)
    return [known.get(v, _SLOW) if v.__class__ is str or v.__class__ is bool else other(v)
            for v in raw]


def _quick_currencies(column: Column, raw: list[Any], other: Cell) -> list[Any]:
    return [v.upper() if v.__class__ is str and len(v) == 3 and v.isascii() and v.isalpha()
            else other(v) for v in raw]


_QUICK: dict[Kind, Callable[[Column, list[Any], Cell], list[Any]]] = {
    Kind.TEXT: _quick_texts, Kind.ID: _quick_texts, Kind.DATE: _quick_dates,
    Kind.MONTH: _quick_months, Kind.MONEY: _quick_money, Kind.NUMBER: _quick_numbers,
    Kind.PERCENT: _quick_numbers, Kind.ENUM: _quick_spellings, Kind.YESNO: _quick_spellings,
    Kind.CURRENCY: _quick_currencies,
}


def _ranged(column: Column) -> bool:
    return column.minimum is not None or column.maximum is not None or column.above is not None


@functools.cache
def _clean_spellings(column: Column) -> dict[Any, Any]:
    """An enumeration's or a yes/no column's usual spellings (each choice as declared; yes,
    no, TRUE, FALSE, x…, and Excel's booleans) → what `parse_value` reads them as; the empty
    text → the column's blank reading (its default, or `_SLOW` when required)."""
    if column.kind is Kind.YESNO:
        spellings: list[Any] = [True, False]
        for word in ("yes", "no", "y", "n", "true", "false", "x"):
            spellings += [word, word.upper(), word.title()]
    else:
        spellings = list(column.choices)
    known: dict[Any, Any] = {}
    for spelling in spellings:
        parsed = parse_value(column, spelling)
        if parsed.code is None and parsed.value is not None:
            known[spelling] = parsed.value
    known[""] = _SLOW if column.required else column.default
    return known


def _trimmed_texts(raw: list[Any]) -> bool:
    """Every cell is text, trimmed and no error text: each reads as it is, or blank where
    empty (C-level checks over the whole column)."""
    return set(map(type, raw)) == {str} and ERROR_VALUES.isdisjoint(raw) \
        and list(map(str.strip, raw)) == raw


def _whole_cents(raw: list[float], column: Column) -> list[Any]:
    """A column of floats as cents in one numpy step: what `cents_of_float` gives where the
    amount is within 1e-7 of a whole cent (its first branch, the same float operations), inside
    the column's range and ±`MAX_MONEY_CENTS`; every other cell `_SLOW`."""
    scaled = np.asarray(raw, dtype=np.float64) * 100
    nearest = np.round(scaled)
    with np.errstate(invalid="ignore"):
        usable = np.abs(scaled - nearest) < 1e-7
        usable &= np.abs(nearest) <= MAX_MONEY_CENTS
    cents = np.where(usable, nearest, 0).astype(np.int64)
    units = cents / 100
    if column.minimum is not None:
        usable &= ~(units < column.minimum)
    if column.maximum is not None:
        usable &= ~(units > column.maximum)
    if column.above is not None:
        usable &= ~(units <= column.above)
    return [c if ok else _SLOW for c, ok in zip(cents.tolist(), usable.tolist(), strict=True)]


def table_extra(positions: dict[str, int], table: Table) -> Iterable[tuple[str, int]]:
    for key, position in positions.items():
        if key.startswith("\0extra\0"):
            yield key.removeprefix("\0extra\0"), position


def _blank_row(row: list[Any]) -> bool:
    for value in row:
        if value != "" and value is not None and not (isinstance(value, str) and not value.strip()):
            return False
    return True


def _json_raw(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _typed(values: list[Any] | np.ndarray, column: Column) -> Any:
    """A parsed column as a numpy array of the type rollups expect (a date, number or yes/no
    column a reader has already typed, as it is)."""
    if isinstance(values, np.ndarray):     # typed in bulk by the reader already
        return values
    kind = column.kind
    if kind in (Kind.DATE, Kind.MONTH):
        return _date_array(values)
    if kind is Kind.MONEY:
        if any(v is None for v in values):
            return pd.array(values, dtype="Int64")
        return np.array(values, dtype=np.int64)
    if kind in (Kind.NUMBER, Kind.PERCENT):
        return np.array([np.nan if v is None else v for v in values], dtype=float)
    if kind is Kind.YESNO:
        return np.array([bool(v) for v in values], dtype=bool)
    return text_array(values)


def _typed_default(column: Column, count: int) -> Any:
    """A column the sheet leaves out: its default in every row, typed once and repeated."""
    if count == 0:
        return _typed([], column)
    return _typed([column.default], column).take(np.zeros(count, dtype=np.intp))


_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_NAT_DAYS = np.iinfo(np.int64).min          # NaT, as datetime64 stores it


def _date_array(values: list[Any]) -> np.ndarray:
    """Dates (or None) → datetime64[s] at midnight through their day ordinals: exactly what
    `np.array(values, dtype="datetime64[D]")` gives, without numpy's per-object conversion,
    which costs ~40 µs a value (a speed-up of the reader and the UDFs, SPEC §15)."""
    date = dt.date
    if not all(v is None or isinstance(v, date) for v in values):
        return np.array(values, dtype="datetime64[D]").astype("datetime64[s]")
    days = np.fromiter((_NAT_DAYS if v is None else v.toordinal() - _EPOCH_ORDINAL
                        for v in values), dtype=np.int64, count=len(values))
    return days.view("datetime64[D]").astype("datetime64[s]")


def _unreadable_rows(sheet: Sheet, numbers: list[int]) -> pd.DataFrame:
    """Rows of a sheet whose header was not found: counted as read and rejected."""
    frame = empty_frame(sheet).reindex(range(len(numbers)))
    frame["_row"] = np.array(numbers, dtype=np.int64)
    frame["_rejected"] = True
    return frame


# --- Plan and Lists --------------------------------------------------------------------------

def read_plan(book: Book, rows: list[list[Any]],
              cells: SheetCells | None = None) -> PlanSettings:
    """The Plan sheet's Field/Value rows → PlanSettings, with findings at each Value cell."""
    title = book.plan_sheet or "Plan"
    header = find_header(rows, PLAN)
    if header is None or not {"field", "value"} <= {
            normalise_name(text_of(v)) for v in rows[header] if not is_blank(v)}:
        for needed in PLAN.columns:
            book.findings.append(book.finding(
                "column-missing", f"the Plan sheet needs '{needed.name}' and 'Value' headers "
                                  "with one setting per row", sheet=title, column=needed.name))
        return PlanSettings()
    names = [normalise_name(text_of(v)) for v in rows[header]]
    field_position, value_position = names.index("field"), names.index("value")
    value_letter = column_letter(value_position)
    special = (cells or NO_CELLS).specials([value_position]).get(value_position, {})
    by_key = {c.key: c for c in PLAN_FIELDS}
    found: dict[str, Any] = {}
    fy_start = 1
    pending: list[tuple[Column, Any, int]] = []
    for index in range(header + 1, len(rows)):
        row = rows[index]
        if field_position >= len(row) or is_blank(row[field_position]):
            continue
        column = by_key.get(normalise_name(text_of(row[field_position])))
        if column is None or column.name in book.plan_cells:
            continue
        raw = row[value_position] if value_position < len(row) else None
        number = index + 1
        book.plan_cells[column.name] = f"{value_letter}{number}"
        if is_blank(raw) and special.get(number) == "formula":
            book.findings.append(book.plan_finding(
                "formula-not-calculated", "the formula here has no calculated value and counts "
                                          "as blank; open and save the workbook in Excel",
                column.name))
        pending.append((column, raw, number))
        if column.name == "FY Start Month":
            parsed = parse_value(column, raw)
            if isinstance(parsed.value, float) and parsed.value.is_integer() and not parsed.code:
                fy_start = int(parsed.value)
    invalid: set[str] = set()
    for column, raw, _number in pending:
        parsed = parse_value(column, raw, fy_start_month=fy_start, date1904=book.date1904)
        if parsed.code:
            book.findings.append(book.plan_finding(parsed.code, parsed.message or parsed.code,
                                                   column.name, value=_json_raw(raw)))
        if parsed.value is not None:
            found[column.name] = parsed.value
        elif parsed.code:
            invalid.add(column.name)
    for column in PLAN_FIELDS:
        if column.required and column.name not in found and column.name not in invalid:
            where = "" if column.name in book.plan_cells else " (add a row for it)"
            book.findings.append(book.plan_finding(
                "value-required", f"Plan field '{column.name}' is required{where}", column.name))
    return PlanSettings(**_plan_settings(book, found))


def _plan_settings(book: Book, found: dict[str, Any]) -> dict[str, Any]:
    """The parsed Plan values → PlanSettings keyword arguments: whole-number fields as int (a
    finding where not whole), Lead Stages without unusable names."""
    settings: dict[str, Any] = {}
    for name, value in found.items():
        attribute = PLAN_ATTRIBUTES[name]
        if name in ("Fiscal Year", "FY Start Month"):
            if not float(value).is_integer():
                book.findings.append(book.plan_finding(
                    "value-type", f"'{name}' must be a whole number", name, value=value))
                continue
            value = int(value)
        if name == "Lead Stages":
            value = _usable_stages(book, value)
            if not value:
                continue
        if name == "Pipeline Stages":
            value = _pipeline_stages(book, value)
            if not value:
                continue
        settings[attribute] = value
    return settings


def _usable_stages(book: Book, stages: tuple[str, ...]) -> tuple[str, ...]:
    """Lead Stages without repeats (ignoring case, spaces, hyphens) and without names whose
    date column would be one of the Leads sheet's own columns ('Inquiry' → Inquiry Date)."""
    inquiry = normalise_name("Inquiry Date")       # the one fixed Leads column named '… Date'
    kept: list[str] = []
    seen: set[str] = set()
    for stage in stages:
        key = normalise_name(stage)
        if key in seen or normalise_name(f"{stage} Date") == inquiry:
            why = ("is listed twice" if key in seen else
                   f"would use the Leads column '{stage} Date', which is not a stage")
            book.findings.append(book.plan_finding(
                "value-enum", f"Lead stage '{stage}' {why}; it is left out — list each stage "
                              "once, in funnel order", "Lead Stages", value=", ".join(stages),
                severity="warning"))
            continue
        seen.add(key)
        kept.append(stage)
    return tuple(kept)


def _pipeline_stages(book: Book, stages: tuple[str, ...]) -> tuple[str, ...]:
    """Pipeline Stages in our spelling (ignoring case, spaces, hyphens); a name that is no open
    stage is a warning and left out — none left: every open stage counts."""
    known = {normalise_name(stage): stage for stage in OPEN_STAGES}
    kept = tuple(dict.fromkeys(known[normalise_name(s)] for s in stages
                               if normalise_name(s) in known))
    for stage in (s for s in stages if normalise_name(s) not in known):
        closed = normalise_name(stage) in {normalise_name(c) for c in CLOSED_STAGES}
        why = "is a closed stage" if closed else "is not an opportunity stage"
        left = "it is left out" if kept else "no stage is left, so every open stage counts"
        book.findings.append(book.plan_finding(
            "value-enum", f"Pipeline stage '{stage}' {why}; {left} — list open stages of "
                          f"{', '.join(OPEN_STAGES)}", "Pipeline Stages",
            value=", ".join(stages), severity="warning"))
    return kept


def read_lists(rows: list[list[Any]]) -> dict[str, list[str]]:
    """The Lists sheet: each header names a list; values below it (text, trimmed)."""
    header = next((i for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]) if not _blank_row(row)),
                  None)
    if header is None:
        return {}
    known = {c.key: c.name for c in LISTS.columns}
    lists: dict[str, list[str]] = {}
    for position, value in enumerate(rows[header]):
        if is_blank(value):
            continue
        name = known.get(normalise_name(text_of(value)), text_of(value))
        items = [text_of(row[position]) for row in rows[header + 1:]
                 if position < len(row) and not is_blank(row[position])]
        lists.setdefault(name, []).extend(items)
    return lists


# --- what calamine does not tell: formula cells without values, error cells ------------------

_FORMULA_ONLY = re.compile(rb'^\s*<f[^>]*?(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*$',
                           re.DOTALL)
_ERROR_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[^>]*?t="e"[^>]*(?<!/)>(.*?)</c>',
                         re.DOTALL)
_ERROR_VALUE = re.compile(rb"<v>([^<]*)</v>")


@functools.lru_cache(maxsize=256)
def _uncalculated_cells(letters: tuple[str, ...]) -> re.Pattern[bytes]:
    """The formula cells without a cached value (a formula and at most an empty `<v>`) of the
    columns named `letters`: (letters, row digits) of each, in one pass over the sheet."""
    columns = "|".join(sorted(letters, key=len, reverse=True)).encode()
    return re.compile(rb'<c r="(' + columns + rb')([0-9]{1,7})"[^>]*(?<!/)>\s*<f[^<>]*?'
                      rb'(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>')


class SheetCells:
    """What calamine's values do not show of one sheet's cells.

    calamine reads an error cell (#N/A, #DIV/0!…) and a formula cell without a cached value
    both as blank. For .xlsx/.xlsm the sheet XML says which they are: the error cells are
    found for the whole sheet at once (a row holding only an error is a record, so every read
    needs them); the formula cells without a value only in the columns a reader asks for
    (`specials`) — the template's own formula columns fill most sheets and are never read.
    Other formats give their error cells (and, .xls, every formula cell) as found."""

    def __init__(self, xml: bytes = b"", errors: dict[tuple[int, int], str] | None = None,
                 formulas: set[tuple[int, int]] | None = None) -> None:
        self.xml = xml
        self.errors = _error_cells(xml) if errors is None else errors   # (row, column) → text
        self.formulas = formulas or set()    # .xls: every formula cell, cached values and all

    def specials(self, positions: Iterable[int]) -> dict[int, dict[int, str]]:
        """Column index → {row: 'formula' (no cached value) or the error text}, for the
        columns at `positions` that have any."""
        wanted = {column_letter(position): position for position in positions}
        columns = set(wanted.values())
        found: dict[int, dict[int, str]] = {}
        for (number, position), text in self.errors.items():
            if position in columns:
                found.setdefault(position, {})[number] = text
        if self.xml and wanted:
            for letters, number in _uncalculated_cells(tuple(wanted)).findall(self.xml):
                found.setdefault(wanted[letters.decode()], {})[int(number)] = "formula"
        return found


def _error_cells(xml: bytes) -> dict[tuple[int, int], str]:
    """(row, column index) → the error text of every error cell (`t="e"`) in a sheet's XML
    that is not a formula without a cached value."""
    found: dict[tuple[int, int], str] = {}
    if b't="e"' not in xml:
        return found
    for letters, number, body in _ERROR_CELL.findall(xml):
        if not body or (b"<f" in body and _FORMULA_ONLY.match(body)):
            continue
        error = _ERROR_VALUE.search(body)
        if error:
            found[(int(number), _column_index(letters))] = error[1].decode() or "#N/A"
    return found


NO_CELLS = SheetCells()


class XmlFacts:
    """Facts from a workbook package that values alone do not show: each sheet's `SheetCells`
    and whether dates count from 1904.

    For .xlsx/.xlsm the sheet XML comes from the safety check's own inflation (`kept`); a part
    it did not keep is inflated again from the checked bytes."""

    def __init__(self, data: bytes, sheets: dict[str, str], date1904: bool,
                 kept: dict[str, bytes] | None = None,
                 cells: dict[str, SheetCells] | None = None) -> None:
        self.data, self.sheets, self.date1904 = data, sheets, date1904
        self.kept = kept if kept is not None else {}
        self._cells = cells if cells is not None else {}     # per title, scanned once

    @classmethod
    def of(cls, path: Path, data: bytes, kept: dict[str, bytes] | None = None) -> XmlFacts:
        """The facts of the file's bytes `data` (the ones the safety scan checked)."""
        suffix = path.suffix.lower()
        if suffix == ".ods":
            return cls(b"", {}, False, cells={
                title: SheetCells(errors=errors)
                for title, errors in safety.ods_error_cells(data).items()})
        if suffix == ".xls":
            # Legacy .xls: calamine shows error cells as blanks too; their records tell.
            return cls(b"", {}, False, cells={
                title: SheetCells(errors=dict(sheet.errors), formulas=sheet.formulas)
                for title, sheet in safety.biff_sheets(data).items()})
        if suffix not in (".xlsx", ".xlsm") or not data.startswith(safety.ZIP_MAGIC):
            return cls(b"", {}, False)
        facts = cls(data, {}, False, kept)
        workbook = facts._part("xl/workbook.xml")
        rels = facts._part("xl/_rels/workbook.xml.rels")
        if workbook is None or rels is None:
            return cls(b"", {}, False)
        facts.sheets = safety.sheet_parts(workbook, rels)
        facts.date1904 = bool(re.search(rb'date1904="(1|true)"', workbook))
        return facts

    def _part(self, name: str) -> bytes | None:
        """A part's inflated text: kept by the safety check, else inflated here (None when the
        package has no such part)."""
        text = self.kept.pop(name, None)
        if text is not None:
            return text
        try:
            with zipfile.ZipFile(io.BytesIO(self.data)) as archive:
                return archive.read(name)
        except (KeyError, zipfile.BadZipFile, OSError):
            return None

    def cells(self, title: str) -> SheetCells:
        """The sheet's `SheetCells` (none known: `NO_CELLS`). Asked once per sheet: an .xlsx
        sheet's XML is let go with its `SheetCells` once the sheet is read."""
        if title in self._cells:
            return self._cells[title]
        xml = self._part(self.sheets[title]) if title in self.sheets else None
        return SheetCells(xml) if xml else NO_CELLS


def _column_index(letters: bytes) -> int:
    index = 0
    for char in letters:
        index = index * 26 + (char - 64)
    return index - 1


def workbook_files(paths: Iterable[str | Path]) -> list[Path]:
    """PATHs (files, folders searched recursively, globs) → workbook files, lock files skipped.

    A folder scan keeps every entry named like a workbook, also those that are not regular
    files (a FIFO, a device, a dangling or looping link) and the subfolders it cannot list:
    `read_book` turns each into a finding naming the path, so nothing in a folder vanishes
    silently. Linked subfolders are followed once (a link back up is not a loop of books)."""
    found: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            candidates = _scan_folder(path)
        elif path.exists() or path.is_symlink():
            candidates = [path]
        else:
            candidates = (sorted(Path(p) for p in glob.glob(str(item), recursive=True))
                          if any(ch in str(item) for ch in "*?[") else [path])
        found.extend(p for p in candidates if not p.name.startswith("~$"))
    return list(dict.fromkeys(found))


def _scan_folder(folder: Path) -> list[Path]:
    found: list[Path] = []
    seen: set[tuple[int, int]] = set()

    def unlisted(error: OSError) -> None:
        found.append(Path(error.filename) if error.filename else folder)

    for top, folders, files in os.walk(folder, onerror=unlisted, followlinks=True):
        try:
            status = os.stat(top)
        except OSError:
            folders[:] = []
            continue
        if (status.st_dev, status.st_ino) in seen:     # reached again through a link
            folders[:] = []
            continue
        seen.add((status.st_dev, status.st_ino))
        folders.sort()
        found.extend(Path(top, name) for name in sorted(files)
                     if Path(name).suffix.lower() in WORKBOOK_SUFFIXES)
        # a link that leads nowhere or in a circle is listed among the folders only when
        # it resolves to one; os.walk lists the others as files, kept above by their suffix
    return found
