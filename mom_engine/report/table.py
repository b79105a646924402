"""Reports as data: a table is rows plus a spec of its columns (STYLE "Render from table specs").

A `Column` names a figure, gives it a human header and a kind (money, ratio, percent, date,
text, count, days, hours, flag) and a priority. `TableSpec.rows` turns engine values (integer cents,
numpy dates, NaN for blank) into plain values once: money in units with 2 decimals, ratios
with 4, dates in ISO form, blanks as None — the JSON document carries exactly these. Every
writer (JSON, terminal, CSV, Markdown) reads the spec; no command converts a figure itself.

Priority orders what a narrow terminal keeps on the first table: 0 is the row's key (repeated
on every part of a split table), 1 the figures the report is about, 2 and 3 the detail that may
move to a second table.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..money import units


class Kind(str, Enum):
    MONEY = "money"        # integer cents in, units with 2 decimals out
    AMOUNT = "amount"      # already in units (a document figure), 2 decimals
    RATIO = "ratio"        # a multiple such as SPI or coverage, 4 decimals
    PERCENT = "percent"    # a fraction shown as a percent, 4 decimals
    DAYS = "days"          # working days, a median may be fractional: 2 decimals
    HOURS = "hours"        # hours of work, 2 decimals
    COUNT = "count"        # a whole number
    DATE = "date"          # ISO date text
    TEXT = "text"
    FLAG = "flag"          # yes / no

    @property
    def numeric(self) -> bool:
        return self in NUMERIC_KINDS


NUMERIC_KINDS = frozenset({Kind.MONEY, Kind.AMOUNT, Kind.RATIO, Kind.PERCENT, Kind.DAYS,
                           Kind.HOURS, Kind.COUNT})


@dataclass(frozen=True)
class Column:
    """One column of a report: its JSON key, its header, what kind of figure it holds."""

    name: str
    header: str
    kind: Kind = Kind.TEXT
    priority: int = 1
    shown: str | None = None     # display format for the text writers, e.g. "+.1f"

    def value(self, raw: Any) -> Any:
        """An engine value → the plain value JSON and every writer shows."""
        return CONVERT[self.kind](raw)

    def text(self, value: Any) -> str:
        """A plain value as a person reads it (terminal, Markdown): never shortened."""
        if value is None:
            return ""
        if self.shown:
            return format(value, self.shown)
        return DISPLAY[self.kind](value)


@dataclass(frozen=True)
class TableSpec:
    columns: tuple[Column, ...]

    def __init__(self, *columns: Column) -> None:
        object.__setattr__(self, "columns", tuple(columns))

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    def row(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """One record of engine values → a row of plain values, for the columns it has."""
        return {c.name: c.value(raw[c.name]) for c in self.columns if c.name in raw}

    def rows(self, records: pd.DataFrame | Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        if isinstance(records, pd.DataFrame):
            records = records.to_dict("records")  # output rendering: one dict per output row
        return [self.row(record) for record in records]

    def only(self, *names: str) -> TableSpec:
        return TableSpec(*(self.column(n) for n in names))

    def without(self, *names: str) -> TableSpec:
        return TableSpec(*(c for c in self.columns if c.name not in names))

    def extended(self, other: TableSpec) -> TableSpec:
        return TableSpec(*self.columns, *other.columns)

    def with_header(self, name: str, header: str) -> TableSpec:
        return TableSpec(*(replace(c, header=header) if c.name == name else c
                           for c in self.columns))


@dataclass
class Table:
    """Rows of plain values under a spec, with a title and the lines that explain it."""

    spec: TableSpec
    rows: list[dict[str, Any]]
    title: str = ""
    notes: list[str] = field(default_factory=list)
    empty: str = "nothing to show"      # what the text writers say when there is no row


@dataclass
class Report:
    """What a report command shows: its tables (and lines) for people, its document for JSON."""

    document: dict[str, Any]
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # headline lines before the tables


# --- converting engine values ----------------------------------------------------------------

def is_blank(value: Any) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, (np.floating, np.datetime64)):
        return bool(np.isnat(value)) if isinstance(value, np.datetime64) else not np.isfinite(value)
    return False


def _blank_or(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda raw: None if is_blank(raw) else convert(raw)


def iso_date(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(np.datetime64(value, "D"))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


CONVERT: dict[Kind, Callable[[Any], Any]] = {
    Kind.MONEY: _blank_or(units),
    Kind.AMOUNT: _blank_or(lambda v: round(float(v), 2)),
    Kind.RATIO: _blank_or(lambda v: round(float(v), 4)),
    Kind.PERCENT: _blank_or(lambda v: round(float(v), 4)),
    Kind.DAYS: _blank_or(lambda v: round(float(v), 2)),
    Kind.HOURS: _blank_or(lambda v: round(float(v), 2)),
    Kind.COUNT: _blank_or(int),
    Kind.DATE: _blank_or(iso_date),
    Kind.TEXT: _blank_or(_text),
    Kind.FLAG: _blank_or(bool),
}

DISPLAY: dict[Kind, Callable[[Any], str]] = {
    Kind.MONEY: lambda v: f"{v:,.2f}",
    Kind.AMOUNT: lambda v: f"{v:,.2f}",
    Kind.RATIO: lambda v: f"{v:,.2f}",
    Kind.PERCENT: lambda v: f"{v:.1%}",
    Kind.DAYS: lambda v: f"{v:,.1f}",
    Kind.HOURS: lambda v: f"{v:,.1f}",
    Kind.COUNT: lambda v: f"{v:,}",
    Kind.DATE: str,
    Kind.TEXT: str,
    Kind.FLAG: lambda v: "yes" if v else "no",
}


def plain(columns: Sequence[Column], row: Mapping[str, Any]) -> list[str]:
    """A row's cells as display text, in column order."""
    return [c.text(row.get(c.name)) for c in columns]
