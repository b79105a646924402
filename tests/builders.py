"""Small team workbooks built inline for tests (STYLE 7).

`write_book` writes raw cells with openpyxl (any value a user could type, formulas included);
`team_book` starts from a small valid plan and lets a test replace or drop any sheet.
Rows are lists of dicts (header = the keys, in order of first appearance) or raw lists of lists.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl

D = dt.date

DEFAULT_PLAN: dict[str, Any] = {
    "Plan ID": "P-1", "Team": "Demand Gen", "Owner": "Ana", "Fiscal Year": 2027,
    "FY Start Month": 1, "Currency": "USD", "Status": "Approved", "Approved By": "CMO",
    "Approved On": D(2026, 12, 1),
}

DEFAULT_SHEETS: dict[str, list[dict[str, Any]]] = {
    "Campaigns": [{"Campaign ID": "C1", "Campaign": "Launch", "Channel": "Events"}],
    "Activities": [{"Activity ID": "A1", "Campaign ID": "C1", "Activity": "Booth",
                    "GL Account": "610200"}],
    "Budget": [{"Activity ID": "A1", "Month": D(2027, 1, 1), "Budgeted": 1000, "Planned": 900}],
}


def rows_of(records: list[dict[str, Any]] | list[list[Any]]) -> list[list[Any]]:
    if not records or isinstance(records[0], (list, tuple)):
        return [list(r) for r in records]
    header: list[str] = []
    for record in records:
        for key in record:
            if key not in header:
                header.append(key)
    return [header] + [[record.get(h) for h in header] for record in records]


def write_book(path: Path, sheets: dict[str, list[list[Any]]], *, date1904: bool = False) -> Path:
    """Write raw rows per sheet; a string starting with '=' becomes a formula (no cached value)."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    if date1904:
        workbook.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = sheet.cell(r, c, value)
                if isinstance(value, dt.datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
    workbook.save(path)
    return path


def plan_rows(plan: dict[str, Any]) -> list[list[Any]]:
    return [["Field", "Value"]] + [[k, v] for k, v in plan.items()]


def team_book(path: Path, *, plan: dict[str, Any] | None = None, drop_plan: tuple[str, ...] = (),
              date1904: bool = False, **sheets: list | None) -> Path:
    """A small valid team workbook; keyword sheets replace defaults, None drops a sheet.

    `plan` updates the default Plan fields (a value of None removes the field row).
    """
    fields = {**DEFAULT_PLAN, **(plan or {})}
    fields = {k: v for k, v in fields.items() if v is not None and k not in drop_plan}
    content: dict[str, list[list[Any]]] = {"Plan": plan_rows(fields)}
    merged: dict[str, Any] = {**DEFAULT_SHEETS, **sheets}
    for name, records in merged.items():
        if records is None:
            continue
        content[name] = rows_of(records)
    return write_book(path, content, date1904=date1904)
