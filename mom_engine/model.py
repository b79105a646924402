"""The typed form of a team workbook: plan settings, tables that remember their cells, a Book.

A `Table` holds one sheet as a pandas DataFrame with the canonical column names of its
declaration (every declared column is there, blank when the sheet lacks it), plus `_row`
(the Excel row each record came from) and `_rejected` (rows that a required value, a duplicate
ID or an unknown reference make unusable). Rollups read `table.rows` — the accepted rows — and
point findings at cells with `table.cell(column, row)`.

Column types: text, ID, enum, currency and quarter columns are pandas string columns (blank =
missing: test with `isna()`, never `is None`); money is int64 cents (nullable Int64 when a blank
has no default); numbers and percents float (NaN blank); dates and months datetime64 (NaT
blank); yes/no bool; Lead Stages-style lists are tuples.
"""
from __future__ import annotations

import datetime as dt
import functools
import operator
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api.extensions import ExtensionArray, no_default
from pandas.arrays import DatetimeArray, NumpyExtensionArray
from pandas.core.arrays.string_arrow import ArrowStringArray
from pandas.core.construction import sanitize_array
from pandas.core.internals.managers import create_block_manager_from_column_arrays

from .findings import Finding, make_finding
from .plan import PlanSettings
from .sheets import SHEETS, Kind, Sheet

if TYPE_CHECKING:  # mappings imports this module
    from .mappings import Mapping


@dataclass(frozen=True)
class ExportFiles:
    """The exports given on the command line: --crm, --leads, --map (already read)."""

    crm: Path | None = None
    leads: Path | None = None
    mapping: Mapping | None = None

    def __bool__(self) -> bool:
        return self.crm is not None or self.leads is not None


@dataclass(frozen=True)
class Context:
    """What a check needs besides the book: the as-of date and command-line overrides."""

    as_of: dt.date = field(default_factory=dt.date.today)
    coverage_target: float | None = None
    exports: ExportFiles = field(default_factory=ExportFiles)   # --crm, --leads, --map
    # Spend figures as they stood on this day (`--as-of` given to spend, realign, reconcile,
    # consolidate); None: every document, whatever its date (SPEC §5).
    spend_as_of: dt.date | None = None


@dataclass
class Table:
    sheet: Sheet
    frame: pd.DataFrame
    title: str | None = None            # the sheet's name in the workbook; None when absent
    letters: dict[str, str] = field(default_factory=dict)   # column → Excel column letter
    header_row: int | None = None
    extra_columns: list[str] = field(default_factory=list)
    # Excel row → code of the finding that rejected it, for rows the normalise stage rejects
    reasons: dict[int, str] = field(default_factory=dict)
    # The file the rows came from when it is not the book itself (a --crm / --leads export):
    # findings on this table name that file.
    origin: str | None = None
    # Columns read from a stand-in header (`Original Source` for Campaign ID) → that header.
    fallbacks: dict[str, str] = field(default_factory=dict)
    # (frame, its accepted rows, their columns read by `column`), computed once: rollups ask
    # for `rows` dozens of times a book and for the same columns again and again. `reject` and
    # `replace_column` forget it; assigning a new frame makes it stale by itself.
    _accepted: tuple[pd.DataFrame, pd.DataFrame, dict[Any, np.ndarray]] | None = field(
        default=None, init=False, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.sheet.name

    @property
    def present(self) -> bool:
        return self.title is not None

    @property
    def rows(self) -> pd.DataFrame:
        """Accepted rows only: what rollups use."""
        return self._accepted_rows()[1]

    def column(self, name: str, dtype: Any = None, na_value: Any = no_default) -> np.ndarray:
        """One column of the accepted rows as a numpy array — exactly
        `rows[name].to_numpy(dtype, na_value=na_value)` — read once per state of the rows (a
        rollup reads the same columns many times a book; pandas spends ~35 µs on each
        `rows[name]` alone). Read-only: copy it to change it."""
        columns = self._accepted_rows()[2]
        key = (name, dtype, na_value)
        values = columns.get(key)
        if values is None:
            values = to_numpy(self.rows[name], dtype, na_value)
            values.flags.writeable = False
            columns[key] = values
        return values

    def _accepted_rows(self) -> tuple[pd.DataFrame, pd.DataFrame, dict[Any, np.ndarray]]:
        frame = self.frame
        if self._accepted is None or self._accepted[0] is not frame:
            rejected = frame["_rejected"].to_numpy()
            self._accepted = (frame, frame if not rejected.any() else frame[~rejected], {})
        return self._accepted

    @property
    def rows_read(self) -> int:
        return len(self.frame)

    @property
    def rows_rejected(self) -> int:
        return len(self.frame) - len(self.rows)

    def cell(self, column: str | None, row: int | None) -> str | None:
        letter = self.letters.get(column) if column else None
        return f"{letter}{row}" if letter and row else None

    def reject(self, positions: np.ndarray | list[int], reason: str | None = None) -> None:
        """Mark rows (by position in `frame`) as rejected; `reason`: the code of the finding
        that says why, recorded per row (the first reason stays)."""
        if len(positions):
            positions = np.asarray(positions, dtype=int)
            values = self.frame["_rejected"].to_numpy(copy=True)
            values[positions] = True
            self.frame["_rejected"] = values
            self._accepted = None
            if reason:
                rows = self.frame["_row"].to_numpy()[positions]
                for row in rows:
                    self.reasons.setdefault(int(row), reason)


    def replace_column(self, column: str, values: Any) -> None:
        """Put new values in one column of `frame` (the normalise stage's respelling)."""
        self.frame[column] = values
        self._accepted = None


def frame_of(columns: dict[str, Any]) -> pd.DataFrame:
    """The frame `pd.DataFrame(columns, copy=False)` builds — the same dtypes and blocks, one
    block per column, a RangeIndex — from columns of equal length, without pandas' checks of
    every column. A typed numpy array (int, float, bool, datetime64 in s, ms, us or ns), a
    pandas array (str, Int64), an object array of blanks or a list of floats or of texts
    becomes its block as the constructor would make it; anything else (other lists and object
    arrays) is typed by pandas' own inference, as the constructor types it. The column labels
    are built once per set of names. (The reader builds ~16 frames a book; pandas' constructor
    spends ~0.6 ms on each, most of it on checks these arrays do not need.) Unlike the
    constructor, it shares the arrays it is given: a caller that goes on changing an array in
    place copies it first."""
    arrays = [_column_array(values) for values in columns.values()]
    count = len(arrays[0]) if arrays else 0
    if any(len(array) != count for array in arrays):
        raise ValueError(f"columns of unequal length: {[len(a) for a in arrays]}")
    manager = create_block_manager_from_column_arrays(
        arrays, [_column_labels(tuple(columns)).copy(), pd.RangeIndex(count)],
        consolidate=False, refs=[None] * len(arrays))
    return pd.DataFrame._from_mgr(manager, axes=manager.axes)


def _column_array(values: Any) -> Any:
    if isinstance(values, np.ndarray) and values.ndim == 1 and values.dtype.kind in "iufb":
        return values
    if isinstance(values, np.ndarray) and values.ndim == 1 and values.dtype.kind == "M" and \
            np.datetime_data(values.dtype)[0] in ("s", "ms", "us", "ns"):
        return DatetimeArray._simple_new(values, dtype=values.dtype)
    if isinstance(values, ExtensionArray) and not isinstance(values, NumpyExtensionArray):
        return values
    if isinstance(values, np.ndarray) and values.dtype == object and \
            not any(map(operator.is_not, values.tolist(), repeat(None))):
        return values                 # a blank column (C-level test): pandas keeps it as it is
    if isinstance(values, list) and values:     # an extra column: cells as calamine gave them
        kinds = set(map(type, values))
        if kinds == {float}:
            return np.array(values, dtype=np.float64)
        if kinds == {str}:
            return text_array(values)
    return sanitize_array(values, None)


@functools.lru_cache(maxsize=512)
def _column_labels(names: tuple[str, ...]) -> pd.Index:
    return pd.Index(list(names)) if names else pd.RangeIndex(0)


_STR_DTYPE = pd.Series(["x"]).dtype   # the `str` dtype pandas infers for text columns
# pandas' own light constructor (`_from_pyarrow_array`) hangs off an array of that dtype
_STR_ARRAY = ArrowStringArray(pa.array([], type=pa.large_string()), dtype=_STR_DTYPE)


def text_array(values: list[Any]) -> Any:
    """A text column as pandas' `str` array built straight from Arrow — what DataFrame
    construction would infer from the object array (when it holds a str and nothing but str
    and blanks), without the per-column inference (a speed-up, SPEC §15). Anything else is left
    as the object array for pandas to type as before."""
    if str in set(map(type, values)):
        try:
            arrow = pa.array(values, type=pa.large_string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
        else:
            return _STR_ARRAY._from_pyarrow_array(arrow)
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def text_values(column: pd.Series) -> np.ndarray:
    """A column as an object array with None where it is blank — exactly
    `column.to_numpy(dtype=object, na_value=None)`."""
    return to_numpy(column, object, None)


def to_numpy(column: pd.Series, dtype: Any = None, na_value: Any = no_default) -> np.ndarray:
    """Exactly `column.to_numpy(dtype, na_value=na_value)`, with a text column read out of
    Arrow in one step: pandas' own conversion costs ~120 µs more for a text column holding a
    blank, however short it is, and a book converts ~150 of them."""
    array = column.array
    if not isinstance(array, ArrowStringArray) or (dtype is not None and dtype is not object):
        return column.to_numpy(dtype=dtype, na_value=na_value)
    chunks = array._pa_array
    values = chunks.to_numpy(zero_copy_only=False)      # str, and None where blank
    if na_value is no_default:
        na_value = array.dtype.na_value                  # NaN for pandas' `str` columns
    if na_value is not None and chunks.null_count:
        values[chunks.is_null().to_numpy(zero_copy_only=False)] = na_value
    return values


def empty_frame(sheet: Sheet) -> pd.DataFrame:
    """A frame with every declared column and no rows, typed as the reader types them (a copy
    of one made once per sheet: a book built from two UDF ranges has sixteen empty sheets)."""
    return _empty_frame(sheet).copy()


@functools.cache
def _empty_frame(sheet: Sheet) -> pd.DataFrame:
    data: dict[str, Any] = {}
    for column in sheet.columns:
        if column.kind in (Kind.DATE, Kind.MONTH):
            data[column.name] = np.array([], dtype="datetime64[s]")
        elif column.kind is Kind.MONEY:
            data[column.name] = np.array([], dtype=np.int64)
        elif column.kind in (Kind.NUMBER, Kind.PERCENT):
            data[column.name] = np.array([], dtype=float)
        elif column.kind is Kind.YESNO:
            data[column.name] = np.array([], dtype=bool)
        else:
            data[column.name] = np.array([], dtype=object)
    data["_row"] = np.array([], dtype=np.int64)
    data["_rejected"] = np.array([], dtype=bool)
    return pd.DataFrame(data)


@dataclass
class Book:
    """One team workbook, read: plan settings, typed tables and what was found on the way."""

    path: Path
    name: str
    plan: PlanSettings = field(default_factory=PlanSettings)
    tables: dict[str, Table] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    readable: bool = True
    date1904: bool = False
    plan_cells: dict[str, str] = field(default_factory=dict)   # plan field → its Value cell
    plan_sheet: str | None = None
    # How an export's names map onto ours (Mappings sheet + --map): a mappings.Mapping.
    mapping: Any = None
    # Rollups computed once per book state and shared by checks, reports and consolidation.
    # init=False: a Book made with dataclasses.replace (a what-if) starts with an empty memo.
    _memo: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def memo(self, key: Any, compute: Any) -> Any:
        """`compute()` once for this book. Rows are rejected only by reading and the normalise
        stage (which forgets what was computed before it), so a result stays true."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def forget_rollups(self) -> None:
        """Drop the memoised rollups (the tables' rows changed)."""
        self._memo.clear()

    def table(self, name: str) -> Table:
        """The table for a canonical sheet name; an empty one when the book lacks the sheet."""
        table = self.tables.get(name)
        if table is None:
            table = Table(SHEETS[name], empty_frame(SHEETS[name]))
            self.tables[name] = table
        return table

    def rows(self, name: str) -> pd.DataFrame:
        return self.table(name).rows

    def finding(self, code: str, message: str, *, sheet: str | None = None,
                column: str | None = None, row: int | None = None, value: Any = None,
                severity: str | None = None, cell: str | None = None) -> Finding:
        """A finding in this book; the cell comes from the sheet's column letters."""
        title = sheet
        if sheet is not None and sheet in self.tables:
            table = self.tables[sheet]
            title = table.title or sheet
            if cell is None:
                cell = table.cell(column, row)
            if table.origin:
                return make_finding(code, message, book=table.origin, sheet=title, row=row,
                                    column=column, value=value, severity=severity, cell=cell)
        return make_finding(code, message, book=self.name, sheet=title, row=row, column=column,
                            value=value, severity=severity, cell=cell)

    def plan_finding(self, code: str, message: str, field_name: str, *, value: Any = None,
                     severity: str | None = None) -> Finding:
        """A finding on a Plan field, pointing at its Value cell when the field is there."""
        cell = self.plan_cells.get(field_name)
        row = int("".join(ch for ch in cell if ch.isdigit())) if cell else None
        return make_finding(code, message, book=self.name, sheet=self.plan_sheet or "Plan",
                            cell=cell, row=row, column=field_name, value=value,
                            severity=severity)
