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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from .findings import Finding, make_finding
from .sheets import DEFAULT_LEAD_STAGES, SHEETS, Kind, Sheet


class PlanSettings(BaseModel):
    """The Plan sheet's fields, defaults applied (SPEC §3)."""

    model_config = ConfigDict(frozen=True)

    plan_id: str | None = None
    team: str | None = None
    owner: str | None = None
    fiscal_year: int | None = None
    fy_start_month: int = 1
    currency: str = "USD"
    status: str | None = None
    approved_by: str | None = None
    approved_on: dt.date | None = None
    coverage_target: float = 2.5
    overspend_tolerance: float = 0.0
    overspend_severity: str = "error"
    po_required: bool = True
    lead_stages: tuple[str, ...] = DEFAULT_LEAD_STAGES
    sla_stage: str = "SQL"
    sla_days: float = 10
    spi_threshold: float = 0.9
    budget_control: str = "Annual"
    po_control: str = "Stop"
    attainment_threshold: float = 0.8

    @property
    def approved(self) -> bool:
        return self.status in ("Approved", "Closed")


# Plan field name → PlanSettings attribute.
PLAN_ATTRIBUTES = {
    "Plan ID": "plan_id", "Team": "team", "Owner": "owner", "Fiscal Year": "fiscal_year",
    "FY Start Month": "fy_start_month", "Currency": "currency", "Status": "status",
    "Approved By": "approved_by", "Approved On": "approved_on",
    "Coverage Target": "coverage_target", "Overspend Tolerance %": "overspend_tolerance",
    "Overspend Severity": "overspend_severity", "PO Required": "po_required",
    "Lead Stages": "lead_stages", "SLA Stage": "sla_stage", "SLA Days": "sla_days",
    "SPI Threshold": "spi_threshold", "Budget Control": "budget_control",
    "PO Control": "po_control", "Attainment Threshold": "attainment_threshold",
}


@dataclass
class Table:
    sheet: Sheet
    frame: pd.DataFrame
    title: str | None = None            # the sheet's name in the workbook; None when absent
    letters: dict[str, str] = field(default_factory=dict)   # column → Excel column letter
    header_row: int | None = None
    extra_columns: list[str] = field(default_factory=list)
    # The file the rows came from when it is not the book itself (a --crm / --leads export):
    # findings on this table name that file.
    origin: str | None = None
    # Columns read from a stand-in header (`Original Source` for Campaign ID) → that header.
    fallbacks: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.sheet.name

    @property
    def present(self) -> bool:
        return self.title is not None

    @property
    def rows(self) -> pd.DataFrame:
        """Accepted rows only: what rollups use."""
        rejected = self.frame["_rejected"].to_numpy()
        return self.frame if not rejected.any() else self.frame[~rejected]

    @property
    def rows_read(self) -> int:
        return len(self.frame)

    @property
    def rows_rejected(self) -> int:
        return int(self.frame["_rejected"].sum())

    def cell(self, column: str | None, row: int | None) -> str | None:
        letter = self.letters.get(column) if column else None
        return f"{letter}{row}" if letter and row else None

    def reject(self, positions: np.ndarray | list[int]) -> None:
        """Mark rows (by position in `frame`) as rejected."""
        if len(positions):
            values = self.frame["_rejected"].to_numpy(copy=True)
            values[np.asarray(positions, dtype=int)] = True
            self.frame["_rejected"] = values


def empty_frame(sheet: Sheet) -> pd.DataFrame:
    """A frame with every declared column and no rows, typed as the reader types them."""
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
        """`compute()` once for this book as it stands: the key includes how many rows each
        table has rejected, so a later check that rejects rows makes the result recomputed."""
        state = (key, tuple(int(t.frame["_rejected"].to_numpy().sum())
                            for t in self.tables.values()))
        if state not in self._memo:
            self._memo[state] = compute()
        return self._memo[state]

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
