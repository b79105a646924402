"""Tables handed over in memory (live Excel ranges, DataFrames) → `Book` (SPEC §3, §14).

The Excel UDFs and the macros do not read a file: they get each table as a header row plus data
rows. `book_from_tables` runs those rows through the very reader stages a workbook file goes
through (`read.SheetReader`, `read.read_plan`, then `normalise.normalise` and
`structure.check_structure`), so a value
means the same thing in a cell formula as in `mom validate`: same header matching, same parsers
(`values.parse_value`), same rejected rows. Pure: no xlwings, no file.

Decisions where the SPEC is silent:
- A table may come as a DataFrame (header = its columns) or as rows (first row = header). The
  header need not be the first row: as in a sheet, the first of the first 10 rows that holds the
  required headers is the header, so a range that includes a title row still works.
- Plan settings may be a `{field: value}` mapping, a Field/Value table, or nothing (defaults,
  no findings about missing Plan fields: a UDF over a Budget range has no Plan to speak of).
- Table names match like sheet names (`Purchase Orders` = `POs` = `PurchaseOrders`).

Ranges are read column by column (`TableReader`): a column of plain text, numbers or dates is
typed in one step; only the odd cells take the careful per-cell path. The caller may hand over
its cells untouched and say how its odd cells are cleaned (`clean`): the UDFs pass COM's values
straight from Excel and xlwings' own cleaning for the few that need it (dates, error codes,
empty strings), so a cell means exactly what it meant through xlwings' converter.
"""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from .findings import Finding, column_letter, make_finding
from .model import Book, PlanSettings, Table, empty_frame
from .normalise import normalise
from .read import (HEADER_SEARCH_ROWS, NO_CELLS, SheetCells, SheetReader, _trimmed_texts, _typed,
                   read_lists, read_plan)
from .sheets import SHEET_NAMES, SHEETS, Column, Kind, Sheet, leads_sheet, normalise_name
from .structure import check_structure

TableInput: TypeAlias = "pd.DataFrame | Sequence[Sequence[Any]]"
# How a caller's odd cells become reader values: a list of cells in, the cleaned list out.
Clean: TypeAlias = Callable[[list[Any]], list[Any]]


class TableNameError(ValueError):
    """A table was handed over under a name that is no sheet of the team workbook."""


def rows_of(table: TableInput | None) -> list[list[Any]]:
    """A DataFrame or a 2-D sequence as rows, header first; NaN/NaT become None."""
    if table is None:
        return []
    if isinstance(table, pd.DataFrame):
        header = [None if _missing(c) else c for c in table.columns]
        body = table.astype(object).where(table.notna(), None).to_numpy().tolist()
        return [header, *body]
    rows: list[list[Any]] = []
    for row in table:
        if isinstance(row, (list, tuple)):
            rows.append([None if _missing(v) else v for v in row])
        else:  # a single column arrives as a flat sequence
            rows.append([None if _missing(row) else row])
    return rows


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return value is pd.NaT


def canonical_sheet(name: str) -> str:
    """The declared sheet a table name stands for (aliases and spelling allowed)."""
    canonical = SHEET_NAMES.get(normalise_name(name))
    if canonical is None:
        raise TableNameError(f"'{name}' is not a sheet of the team workbook")
    return canonical


def book_from_tables(tables: Mapping[str, TableInput | None],
                     plan: Mapping[str, Any] | TableInput | None = None, *,
                     name: str = "ranges", check: bool = True, fast: bool = True,
                     clean: Clean | None = None) -> Book:
    """A Book from in-memory tables, read and (with `check`) structure-checked like a file.

    Findings (value types, missing headers, duplicate IDs, unknown references…) are on
    `book.findings`; sheets absent from `tables` are empty. Never raises for bad cell data;
    raises `TableNameError` only for a table name that is no sheet (a programming slip).
    `fast` reads column by column (`TableReader`); the result is the same. `clean` turns the
    odd cells — anything but non-empty text, a float, a yes/no or a blank — into reader values
    (xlwings' cleaning of COM values, for the UDFs); every cell of the Plan and Lists tables and
    of the rows a header is looked for in goes through it too, as all cells would without `fast`.
    """
    book = Book(path=Path(name), name=name)
    by_sheet: dict[str, tuple[str, Any]] = {}
    for key, value in tables.items():     # the key is the title findings will name
        by_sheet.setdefault(canonical_sheet(key), (key, value))
    if plan is None and "Plan" in by_sheet:
        book.plan_sheet, plan = by_sheet["Plan"]
    book.plan = _plan_settings(book, plan, clean)
    if "Lists" in by_sheet:
        book.lists = read_lists(_cleaned_rows(rows_of(by_sheet["Lists"][1]), clean))
    for sheet in SHEETS.values():
        if sheet.name in ("Plan", "Lists"):
            continue
        if sheet.name == "Leads":
            sheet = leads_sheet(book.plan.lead_stages)
        if sheet.name not in by_sheet and sheet is SHEETS[sheet.name]:
            continue        # not handed in: `Book.table` gives the same empty table if asked
        title, table = by_sheet.get(sheet.name, (sheet.name, None))
        raw = None
        if fast and not isinstance(table, pd.DataFrame):
            raw = _row_lists(table)      # cleaned column by column in TableReader, but for
            rows = [*_cleaned_rows(rows_of(raw[:HEADER_SEARCH_ROWS]), clean),   # the header
                    *raw[HEADER_SEARCH_ROWS:]]
        else:
            rows = _cleaned_rows(rows_of(table), clean)
        if not rows:
            book.tables[sheet.name] = Table(sheet, empty_frame(sheet))
            continue
        book.tables[sheet.name] = _read_table(book, sheet, title, rows, raw, fast, clean)
    if check:
        book.findings.extend(check_given(book, set(by_sheet)))
    return book


def _read_table(book: Book, sheet: Sheet, title: str, rows: list[Any], raw: list[Any] | None,
                fast: bool, clean: Clean | None) -> Table:
    """One range read into its Table (`TableReader`, or `SheetReader` cell by cell). Excel's
    text is UTF-16 and may hold half of a surrogate pair, which is no Unicode text (Arrow
    refuses it): only when reading meets one are such cells looked for, each reported as a
    value-type error at its cell and read as blank (a required one rejects its row), and the
    range read again."""
    def read(rows: list[Any], raw: list[Any] | None) -> Table:
        if fast:
            return TableReader(book, sheet, title, clean=clean, raw=raw).read(rows)
        return SheetReader(book, sheet, title).read(rows)
    count = len(book.findings)
    try:
        return read(rows, raw)
    except UnicodeEncodeError:
        del book.findings[count:]
    rows, unreadable = _without_lone_surrogates(rows)
    if raw is not None:
        raw, _ = _without_lone_surrogates(raw)
    table = read(rows, raw)
    declared = {table.letters[c.name]: c.name for c in sheet.columns if c.name in table.letters}
    _report_surrogates(book, count, title, unreadable, declared)
    return table


def _report_surrogates(book: Book, count: int, title: str,
                       unreadable: dict[tuple[int, int], str],
                       declared: Mapping[str, str]) -> None:
    """A value-type error at each cell `_without_lone_surrogates` blanked, first among the
    findings from `count` on, in place of a value-required one at the same cell (`declared`:
    column letter → the column's name)."""
    surrogates = [make_finding(
        "value-type", f"the text here holds half of a surrogate pair ('{_escaped(text)}'), "
        "which is no Unicode text; it reads as blank — retype it",
        book=book.name, sheet=title, row=index + 1, cell=f"{column_letter(position)}{index + 1}",
        value=_escaped(text), column=declared.get(column_letter(position)))
        for (index, position), text in unreadable.items()]
    cells = {f.cell for f in surrogates}
    book.findings[count:] = surrogates + [f for f in book.findings[count:]
                                          if not (f.code == "value-required" and f.cell in cells)]


def _without_lone_surrogates(rows: list[Any]) -> tuple[list[Any], dict[tuple[int, int], str]]:
    """The rows with every text that holds a lone surrogate blank, and those texts by (row
    index, position)."""
    unreadable: dict[tuple[int, int], str] = {}
    cleared = list(rows)
    for index, row in enumerate(rows):
        bad = [position for position, value in enumerate(row)
               if isinstance(value, str) and not _encodes(value)]
        if bad:
            cleared[index] = [None if position in bad else value
                              for position, value in enumerate(row)]
            unreadable.update({(index, position): row[position] for position in bad})
    return cleared, unreadable


def _escaped(text: str) -> str:
    """The text with each lone surrogate written as its escape, `\\ud800`."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_given(book: Book, given: set[str]) -> list[Finding]:
    """The stages after reading, for the sheets handed in: normalise (a reference into a sheet
    that was not handed in is not checked — a UDF over Activities and Budget has no Campaigns
    range: its Campaign IDs are unknown, not wrong), then the structure checks."""
    return normalise(book, given) + check_structure(book)


class TableReader(SheetReader):
    """`read.SheetReader` reading column by column: the rows below the header are turned into
    columns once, blank rows are found per column, odd cells are cleaned (`clean`) and NaN/NaT
    become blanks per column, and the columns live ranges mostly hold — all plain text, all
    dates, all amounts in whole cents, all whole-number IDs — are typed in bulk with exactly
    what the cell-by-cell parser gives (tests/test_udfs_frames.py checks it on random input);
    anything else takes the cell-by-cell path. A UDF over 10,000 rows spends its time here."""

    def __init__(self, book: Book, sheet: Any, title: str, cells: SheetCells | None = None,
                 clean: Clean | None = None, raw: list[Any] | None = None) -> None:
        super().__init__(book, sheet, title, cells)
        self.clean = clean
        self.raw = raw      # the rows as they came, when only the header rows were cleaned

    def data_cells(self, rows: list[list[Any]], header: int
                   ) -> tuple[np.ndarray, Callable[[int, Any], list[Any]]]:
        # the data rows as they came (a column's cells are cleaned together in `_cells_of`)
        body = (rows if self.raw is None else self.raw)[header + 1:]
        width = max(map(len, body), default=0)
        ragged = len(set(map(len, body))) > 1
        if ragged:
            body = [[*row, *[_PAST_END] * (width - len(row))] for row in body]
        # one comprehension per column: a few times cheaper than transposing with zip(*body)
        columns = [_cells_of([row[position] for row in body], self.clean)
                   for position in range(width)]
        filled: np.ndarray | None = np.zeros(len(body), dtype=bool)
        for column in columns:
            column_filled = _filled(column)
            if column_filled is True:
                filled = None                      # no blank row: the usual case
                break
            filled |= column_filled
        keep = None if filled is None else np.flatnonzero(filled)
        count = len(body) if keep is None else len(keep)
        numbers = (np.arange(count, dtype=np.int64) if keep is None else keep.astype(np.int64)) \
            + (header + 2)

        def cells(position: int, missing: Any) -> list[Any]:
            if position >= width:
                return [missing] * count
            column = columns[position]
            if ragged:
                values = list(column) if keep is None else [column[i] for i in keep.tolist()]
                return [missing if v is _PAST_END else v for v in values]
            if isinstance(column, _Coded):
                return column if keep is None else column.take(keep)
            kept = list(column) if keep is None else [column[i] for i in keep.tolist()]
            return _Texts(kept) if isinstance(column, _Texts) else kept
        return numbers, cells

    def parse_column(self, column: Column, raw: list[Any], numbers: np.ndarray,
                     rejected: np.ndarray, letter: str) -> list[Any] | np.ndarray:
        """Two bulk paths of the ranges' own (numeric IDs, months as dates) on top of the
        reader's, which takes clean text, dates and amounts in bulk for files and ranges alike;
        a column of few distinct dates is parsed once per distinct value (`_Coded`)."""
        kind = column.kind
        if isinstance(raw, _Texts) and kind in (Kind.TEXT, Kind.ID) and self.cells is NO_CELLS:
            return raw                  # plain text reads as it is (`read._quick_texts`)
        if self.cells is NO_CELLS:
            coded = raw if isinstance(raw, _Coded) else \
                _coded_floats(raw) if kind in _TYPED_ONCE else None
            typed = None if coded is None else self.parse_distinct(column, coded, letter)
            if typed is not None:
                return typed
        kinds = set(map(type, raw)) if kind in (Kind.ID, Kind.MONTH) else None
        if kind is Kind.ID and kinds == {float}:
            whole = np.array(raw, dtype=np.float64)
            if np.isfinite(whole).all() and (whole == np.floor(whole)).all():
                # 4500012345.0 → "4500012345", each distinct number spelled once
                distinct, codes = np.unique(whole, return_inverse=True)
                return _spread([str(int(v)) for v in distinct.tolist()], codes.reshape(-1))
        if kind is Kind.MONTH and kinds == {dt.datetime}:
            return [v.date().replace(day=1) for v in raw]
        return super().parse_column(column, raw, numbers, rejected, letter)

    def parse_distinct(self, column: Column, raw: _Coded, letter: str
                       ) -> list[Any] | np.ndarray | None:
        """A coded column's distinct values parsed as its cells would be, typed, and spread
        over the cells — or None when a distinct value needs a finding or rejects its row (the
        cell-by-cell path then says where). Parsing is a function of the cell's value alone,
        so a value that parses cleanly once parses cleanly in every cell that holds it."""
        distinct = raw.distinct
        findings = len(self.book.findings)
        scratch = np.zeros(len(distinct), dtype=bool)
        values = super().parse_column(column, list(distinct),
                                   np.zeros(len(distinct), dtype=np.int64), scratch, letter)
        if len(self.book.findings) != findings or scratch.any():
            del self.book.findings[findings:]
            return None
        if column.kind in _TYPED_ONCE:
            return _typed(values, column)[raw.codes]
        return _spread(list(values), raw.codes)


# kinds whose typed column is a plain numpy array (dates, numbers): a coded column of these is
# typed once per distinct value
_TYPED_ONCE = (Kind.DATE, Kind.MONTH, Kind.NUMBER, Kind.PERCENT)


def _spread(distinct: list[Any], codes: np.ndarray) -> list[Any]:
    """Each cell's value from the distinct values and the cells' codes."""
    spread = np.empty(len(distinct), dtype=object)
    spread[:] = distinct
    return spread[codes].tolist()


def _coded_floats(raw: list[Any]) -> _Coded | None:
    """A column of numbers (floats, no blank) coded by their bits (0.0 and -0.0 stay apart)."""
    if not raw or set(map(type, raw)) != {float}:
        return None
    bits, codes = np.unique(np.array(raw, dtype=np.float64).view(np.int64), return_inverse=True)
    coded = _Coded.__new__(_Coded)
    list.__init__(coded, raw)
    coded.distinct, coded.codes = bits.view(np.float64).tolist(), codes.reshape(-1)
    return coded


class _Coded(list[Any]):
    """A column's cells (the list the reader takes) that are few distinct values of one kind —
    a column of dates, of numbers, of blanks — with those values (`distinct`) and where each
    cell's is (`codes`), so they are parsed and typed once per distinct value."""

    def __init__(self, distinct: list[Any], codes: np.ndarray) -> None:
        super().__init__(_spread(distinct, codes))
        self.distinct, self.codes = distinct, codes

    def take(self, keep: np.ndarray) -> _Coded:
        return _Coded(self.distinct, self.codes[keep])


class _Texts(list[Any]):
    """A column's cells that are all plain text (text, not empty, trimmed, no error text:
    `read._trimmed_texts` and none empty), as `_cells_of` found them: no blank cell, and a
    text or ID column of them reads as it is — known once, not tested again by each stage."""


class _PastEnd:
    """A cell beyond the end of a short row: blank, never cleaned, `missing` when handed out."""


_PAST_END = _PastEnd()
_PLAIN = frozenset({str, float, bool, type(None), _PastEnd})   # cells no caller needs to clean


def _cells_of(column: list[Any], clean: Clean | None) -> list[Any]:
    """One column's cells as the reader takes them: the odd cells through `clean` (each distinct
    value once: a column of dates holds a few hundred days), then NaN and NaT as blanks. A
    column of one odd kind (and blanks), or of blanks only, comes back `_Coded`."""
    values = column
    kinds = set(map(type, values))
    if kinds == {str} and "" not in values and _trimmed_texts(values):
        return _Texts(values)
    odd_kinds = kinds - _PLAIN
    if kinds == {type(None)} or len(odd_kinds) == 1 and kinds <= odd_kinds | {type(None)} \
            and next(iter(odd_kinds)).__hash__ is not None:
        return _coded(values, clean)
    if clean is not None and len(odd_kinds) == 1 and not (str in kinds and "" in values):
        odd_kind = odd_kinds.pop()     # one odd type (a column of dates): its values are keys
        distinct = list(dict.fromkeys(v for v in values if v.__class__ is odd_kind))
        cleaned = dict(zip(distinct, clean(distinct), strict=True))
        values = [cleaned[v] if v.__class__ is odd_kind else v for v in values]
        kinds = set(map(type, values))
    elif clean is not None and (odd_kinds or (str in kinds and "" in values)):
        odd = [i for i, v in enumerate(values)
               if v.__class__ not in _PLAIN or v.__class__ is str and v == ""]
        keys = list(dict.fromkeys((values[i].__class__, values[i]) for i in odd))
        cleaned = dict(zip(keys, clean([v for _, v in keys]), strict=True))
        for i in odd:
            values[i] = cleaned[values[i].__class__, values[i]]
        kinds = set(map(type, values))
    return _blanks(values, kinds)


def _coded(values: list[Any], clean: Clean | None) -> _Coded:
    """A column of one odd kind and blanks as its distinct values (cleaned) and codes."""
    if values.count(None) == len(values):       # blanks only: a column nobody filled in
        return _Coded([None], np.zeros(len(values), dtype=np.intp))
    index: dict[Any, int] = {}        # each distinct value → its position, in one pass
    codes = np.array([index.setdefault(v, len(index)) for v in values], dtype=np.intp)
    distinct = list(index)
    if clean is not None:
        odd = [v for v in distinct if v is not None]
        cleaned = iter(clean(odd) if odd else [])
        distinct = [None if v is None else next(cleaned) for v in distinct]
    return _Coded(_blanks(distinct, set(map(type, distinct))), codes)


def _blanks(values: list[Any], kinds: set[type]) -> list[Any]:
    """NaN and NaT as blanks (None)."""
    if kinds == {float}:
        if np.isnan(np.array(values, dtype=float)).any():
            values = [None if v != v else v for v in values]
    elif any(issubclass(kind, float) or kind is _NAT for kind in kinds):
        values = [None if _missing(v) else v for v in values]
    return values


_NAT = type(pd.NaT)


def _filled(column: list[Any]) -> Any:
    """True when no cell of the column is blank, else which cells are not (as `_blank_row`
    sees a cell: None, "" or only spaces is blank)."""
    if isinstance(column, _Coded):
        distinct = _filled(column.distinct)
        return True if distinct is True else distinct[column.codes]
    if isinstance(column, _Texts):
        return True
    kinds = set(map(type, column))
    if not kinds & {type(None), str, _PastEnd}:
        return True
    if kinds == {str} and all(map(str.strip, column)):
        return True
    return np.fromiter((v is not None and v is not _PAST_END and v != ""
                        and not (isinstance(v, str) and not v.strip()) for v in column),
                       dtype=bool, count=len(column))


def _plan_settings(book: Book, plan: Mapping[str, Any] | TableInput | None,
                   clean: Clean | None) -> PlanSettings:
    if plan is None:
        return PlanSettings()
    if isinstance(plan, Mapping):
        rows: list[list[Any]] = [["Field", "Value"], *([k, v] for k, v in plan.items())]
    else:
        rows = _cleaned_rows(rows_of(plan), clean)
        if not rows:
            return PlanSettings()
    rows, unreadable = _without_lone_surrogates(rows)    # as in a table's range
    book.plan_sheet = book.plan_sheet or "Plan"
    count = len(book.findings)
    settings = read_plan(book, rows)
    _report_surrogates(book, count, book.plan_sheet, unreadable, {})
    if isinstance(plan, Mapping):
        # A mapping names only what it wants to set: no findings for the fields it leaves out.
        book.findings[:] = [f for f in book.findings if f.code != "value-required"]
    return settings


def _row_lists(table: Sequence[Sequence[Any]] | None) -> list[Any]:
    """Raw rows as they came (a flat sequence is a single column, as in `rows_of`)."""
    if table is None:
        return []
    if isinstance(table, Iterator):     # rows given one by one: the check below would use them up
        table = list(table)
    if set(map(type, table)) <= {tuple, list}:      # rows, as a range comes: one C-level check
        return list(table)
    return [row if isinstance(row, (list, tuple)) else (row,) for row in table]


def _cleaned_rows(rows: list[list[Any]], clean: Clean | None) -> list[list[Any]]:
    """`rows_of` rows with every cell through `clean` (small tables: Plan, Lists, the rows a
    header is looked for in; every table when read cell by cell)."""
    if clean is None:
        return rows
    return [[None if _missing(v) else v for v in clean(row)] for row in rows]
