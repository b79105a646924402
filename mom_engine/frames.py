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
"""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from .findings import Finding
from .model import Book, PlanSettings, Table, empty_frame
from .normalise import normalise
from .read import SheetReader, read_lists, read_plan
from .sheets import SHEET_NAMES, SHEETS, Column, Kind, leads_sheet, normalise_name
from .structure import check_structure
from .values import ERROR_VALUES

TableInput: TypeAlias = "pd.DataFrame | Sequence[Sequence[Any]]"


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
                     name: str = "ranges", check: bool = True, fast: bool = True) -> Book:
    """A Book from in-memory tables, read and (with `check`) structure-checked like a file.

    Findings (value types, missing headers, duplicate IDs, unknown references…) are on
    `book.findings`; sheets absent from `tables` are empty. Never raises for bad cell data;
    raises `TableNameError` only for a table name that is no sheet (a programming slip).
    `fast` reads clean columns in bulk (`TableReader`); the result is the same.
    """
    book = Book(path=Path(name), name=name)
    by_sheet: dict[str, tuple[str, Any]] = {}
    for key, value in tables.items():     # the key is the title findings will name
        by_sheet.setdefault(canonical_sheet(key), (key, value))
    if plan is None and "Plan" in by_sheet:
        book.plan_sheet, plan = by_sheet["Plan"]
    book.plan = _plan_settings(book, plan)
    if "Lists" in by_sheet:
        book.lists = read_lists(rows_of(by_sheet["Lists"][1]))
    for sheet in SHEETS.values():
        if sheet.name in ("Plan", "Lists"):
            continue
        if sheet.name == "Leads":
            sheet = leads_sheet(book.plan.lead_stages)
        title, table = by_sheet.get(sheet.name, (sheet.name, None))
        rows = rows_of(table)
        if not rows:
            book.tables[sheet.name] = Table(sheet, empty_frame(sheet))
            continue
        reader = (TableReader if fast else SheetReader)(book, sheet, title)
        book.tables[sheet.name] = reader.read(rows)
    if check:
        book.findings.extend(check_given(book, set(by_sheet)))
    return book


def check_given(book: Book, given: set[str]) -> list[Finding]:
    """The stages after reading, for the sheets handed in: normalise (a reference into a sheet
    that was not handed in is not checked — a UDF over Activities and Budget has no Campaigns
    range: its Campaign IDs are unknown, not wrong), then the structure checks."""
    return normalise(book, given) + check_structure(book)


class TableReader(SheetReader):
    """`read.SheetReader` with bulk paths for the columns live ranges mostly hold — all plain
    text, all dates, all amounts in whole cents — that give exactly what the cell-by-cell parser
    gives (tests/test_udfs_frames.py checks it on random input); anything else takes the
    cell-by-cell path. A UDF over 10,000 rows spends its time here, not in the engine."""

    def parse_column(self, column: Column, raw: list[Any], numbers: np.ndarray,
                     rejected: np.ndarray, letter: str) -> list[Any]:
        kind = column.kind
        if kind in (Kind.TEXT, Kind.ID) and _plain_texts(raw):
            return list(raw)
        if kind is Kind.ID and raw and all(type(v) is float and v.is_integer() for v in raw):
            return [str(int(v)) for v in raw]          # 4500012345.0 → "4500012345"
        if kind is Kind.DATE and all(isinstance(v, dt.datetime) for v in raw):
            return [v.date() for v in raw]
        if kind is Kind.MONTH and all(isinstance(v, dt.datetime) for v in raw):
            return [v.date().replace(day=1) for v in raw]
        if kind is Kind.MONEY and raw and all(type(v) is float for v in raw):
            cents = _whole_cents(raw, column)
            if cents is not None:
                return cents
        return super().parse_column(column, raw, numbers, rejected, letter)


def _plain_texts(raw: list[Any]) -> bool:
    return all(type(v) is str and v and v == v.strip() and v not in ERROR_VALUES for v in raw)


def _whole_cents(raw: list[float], column: Column) -> list[int] | None:
    """Amounts as integer cents when every one is finite, within the column's range and within
    1e-7 of a whole cent (the branch of `values.cents_of_float` that needs no rounding)."""
    amounts = np.asarray(raw, dtype=float)
    if not np.isfinite(amounts).all():
        return None
    if column.minimum is not None and (amounts < column.minimum).any():
        return None
    if column.maximum is not None and (amounts > column.maximum).any():
        return None
    if column.above is not None and (amounts <= column.above).any():
        return None
    scaled = amounts * 100
    nearest = np.round(scaled)
    if (np.abs(scaled - nearest) >= 1e-7).any():
        return None
    return nearest.astype(np.int64).tolist()


def _plan_settings(book: Book, plan: Mapping[str, Any] | TableInput | None) -> PlanSettings:
    if plan is None:
        return PlanSettings()
    if isinstance(plan, Mapping):
        rows: list[list[Any]] = [["Field", "Value"], *([k, v] for k, v in plan.items())]
    else:
        rows = rows_of(plan)
        if not rows:
            return PlanSettings()
    book.plan_sheet = book.plan_sheet or "Plan"
    settings = read_plan(book, rows)
    if isinstance(plan, Mapping):
        # A mapping names only what it wants to set: no findings for the fields it leaves out.
        book.findings[:] = [f for f in book.findings if f.code != "value-required"]
    return settings
