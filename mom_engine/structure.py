"""Checks any sheet can fail once it is read and normalised: dates in order, months inside
the fiscal year, complete approvals (SPEC §3, §4, §10).

Value-level checks (types, enums, ranges, required values) happen while reading; unique IDs and
references are the normalise stage (`normalise.py`), which rejects the rows they make unusable.
These checks need the whole book and only report: they change no table. A row left out for
one problem is still checked by every rule here (SPEC §3), so one run reports every problem.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .calendar import fiscal_year_bounds
from .findings import Finding
from .model import Book, Table
from .sheets import Kind

def check_structure(book: Book) -> list[Finding]:
    """All book-level structure checks, in a stable order. Pure: they read the normalised
    tables (`normalise.normalise` has rejected and respelled rows) and change nothing."""
    findings: list[Finding] = []
    findings += check_approval(book)
    for table in list(book.tables.values()):
        findings += check_date_order(book, table)
    findings += check_fiscal_year(book)
    return findings


def check_approval(book: Book) -> list[Finding]:
    plan = book.plan
    if not plan.approved:
        return []
    return [
        book.plan_finding("approval-incomplete",
                          f"the plan is {plan.status} but '{field}' is blank; fill it in",
                          field)
        for field, value in (("Approved By", plan.approved_by), ("Approved On", plan.approved_on))
        if value is None
    ]


def check_date_order(book: Book, table: Table) -> list[Finding]:
    """`dates-reversed`: a finish (end) before its start."""
    findings: list[Finding] = []
    frame = table.frame          # rows left out for another reason are checked too
    for start, finish in table.sheet.date_pairs:
        if frame.empty:
            break
        reversed_ = _before(frame[finish], frame[start])
        for position in np.flatnonzero(reversed_):
            row = int(frame["_row"].iat[position])
            first = frame[start].iat[position].date()
            last = frame[finish].iat[position].date()
            findings.append(book.finding(
                "dates-reversed", f"{finish} {last} is before {start} {first}; swap or fix them",
                sheet=table.name, column=finish, row=row, value=last.isoformat()))
    return findings


def _before(finish: pd.Series, start: pd.Series) -> np.ndarray:
    """finish < start, row by row; a blank (NaT) on either side is never before. Date columns
    compare as their datetime64 arrays (a tenth of pandas' cost for a Series comparison)."""
    last, first = finish.to_numpy(), start.to_numpy()
    if last.dtype.kind == "M" and first.dtype.kind == "M":
        return last < first
    return (finish < start).to_numpy()


def check_fiscal_year(book: Book) -> list[Finding]:
    """`outside-fiscal-year`: budget months and realignment dates outside the plan's FY."""
    plan = book.plan
    if plan.fiscal_year is None:
        return []
    first, last = fiscal_year_bounds(plan.fiscal_year, plan.fy_start_month)
    findings: list[Finding] = []
    for sheet, column in (("Budget", "Month"), ("Realignments", "Date")):
        frame = book.table(sheet).frame   # rows left out for another reason are checked too
        if frame.empty:
            continue
        days = frame[column].to_numpy().astype("datetime64[D]")
        outside = ~np.isnat(days) & ((days < np.datetime64(first)) | (days > np.datetime64(last)))
        for position in np.flatnonzero(outside):
            day = days[position].astype(object)
            shown = day.strftime("%Y-%m") if sheet == "Budget" else day.isoformat()
            findings.append(book.finding(
                "outside-fiscal-year",
                f"{shown} is outside FY{plan.fiscal_year} ({first} to {last}); move it into "
                "the fiscal year or to next year's plan",
                sheet=sheet, column=column, row=int(frame["_row"].iat[position]), value=shown))
    return findings


__all__ = ["check_structure", "Kind"]
