"""Checks any sheet can fail once it is read: unique IDs, references, dates in order, months
inside the fiscal year, complete approvals (SPEC §3, §4, §10).

Value-level checks (types, enums, ranges, required values) happen while reading; these need
the whole book. Rows a duplicate ID or an unknown required reference make unusable are rejected
(left out of every rollup) — and always with a finding, so nothing disappears silently.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .calendar import fiscal_year_bounds
from .findings import Finding
from .model import Book, Table
from .sheets import GL_LIST, Kind

# Reference columns whose unknown value makes the row unusable even though the column is
# optional: an invoice on an unknown PO or activity is money with nowhere to go.
REJECTING_REFERENCES = {("Invoices", "PO Number"), ("Invoices", "Activity ID")}


def check_structure(book: Book) -> list[Finding]:
    """All book-level structure checks, in a stable order."""
    findings: list[Finding] = []
    findings += check_approval(book)
    for table in list(book.tables.values()):
        findings += check_unique_keys(book, table)
    for table in list(book.tables.values()):
        findings += check_references(book, table)
    findings += check_invoice_targets(book)
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


def _key_text(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    """A row's key as one comparable string (case-insensitive, trimmed)."""
    if len(columns) == 1:
        return frame[columns[0]].astype("string").str.casefold()
    parts = [frame[c].astype("string").str.strip().str.casefold() for c in columns]
    key = parts[0]
    for part in parts[1:]:
        key = key + "\x1f" + part
    return key


def check_unique_keys(book: Book, table: Table) -> list[Finding]:
    """`id-duplicate`: later rows with an ID already used are rejected."""
    key_columns = table.sheet.key
    frame = table.frame
    if not key_columns or frame.empty:
        return []
    accepted = ~frame["_rejected"].to_numpy()
    keys = _key_text(frame, key_columns)
    present = keys.notna().to_numpy() & accepted
    duplicated = keys.where(present).duplicated(keep="first").to_numpy() & present
    if not duplicated.any():
        return []
    first_row = {}
    for key, row in zip(keys[present], frame["_row"][present]):
        first_row.setdefault(key, int(row))
    findings = []
    column = key_columns[-1]
    label = " + ".join(key_columns)
    for position in np.flatnonzero(duplicated):
        row = int(frame["_row"].iat[position])
        value = " / ".join(str(frame[c].iat[position]) for c in key_columns)
        findings.append(book.finding(
            "id-duplicate", f"{label} '{value}' is already used in row "
                            f"{first_row[keys.iat[position]]}; this row is left out — give it "
                            "its own ID or merge the rows",
            sheet=table.name, column=column, row=row, value=value))
    table.reject(np.flatnonzero(duplicated))
    return findings


def _known_values(book: Book, sheet: str, column: str,
                  accepted_only: bool = True) -> set[str] | None:
    """Casefolded IDs a reference may point to; None when there is nothing to check against
    (an empty Lists column means "no chart of accounts": anything goes)."""
    if sheet == "Lists":
        items = book.lists.get(column)
        return {str(v).strip().casefold() for v in items} if items else None
    target = book.table(sheet)
    values = (target.rows if accepted_only else target.frame)[column].dropna()
    return set(values.astype(str).str.casefold())


def check_references(book: Book, table: Table) -> list[Finding]:
    """`ref-unknown`: every reference column must name an existing ID."""
    findings: list[Finding] = []
    frame = table.frame
    if frame.empty:
        return findings
    for column in table.sheet.columns:
        if column.references is None:
            continue
        target_sheet, target_column = column.references
        known = _known_values(book, target_sheet, target_column)
        if known is None:
            continue
        left_out = (_known_values(book, target_sheet, target_column, accepted_only=False)
                    or set()) - known
        values = frame[column.name]
        present = values.notna().to_numpy() & ~frame["_rejected"].to_numpy()
        folded = values.astype("string").str.casefold()
        unknown_positions = np.flatnonzero(present & ~folded.isin(known).to_numpy())
        if not len(unknown_positions):
            continue
        rejects = column.required or (table.name, column.name) in REJECTING_REFERENCES
        where = (f"the {target_column} list on the Lists sheet" if target_sheet == "Lists"
                 else f"{target_sheet}")
        for position in unknown_positions:
            value = values.iat[position]
            consequence = "; this row is left out of the figures" if rejects else ""
            if str(value).casefold() in left_out:
                problem = (f"{column.name} '{value}' is a row of {target_sheet} that is itself "
                           f"left out (see its finding){consequence}; fix that row first")
            else:
                problem = (f"{column.name} '{value}' is not in {where}{consequence}; fix the "
                           "ID or add it there")
            findings.append(book.finding(
                "ref-unknown", problem,
                sheet=table.name, column=column.name, row=int(frame["_row"].iat[position]),
                value=value))
        if rejects:
            table.reject(unknown_positions)
    return findings


def check_invoice_targets(book: Book) -> list[Finding]:
    """An invoice needs a PO Number or, without one, an Activity ID (SPEC §3 Invoices)."""
    table = book.table("Invoices")
    frame = table.frame
    if frame.empty:
        return []
    lost = frame["PO Number"].isna() & frame["Activity ID"].isna() & ~frame["_rejected"]
    positions = np.flatnonzero(lost.to_numpy())
    findings = [
        book.finding("value-required",
                     "an invoice without a PO Number needs an Activity ID; fill one of them",
                     sheet="Invoices", column="Activity ID", row=int(frame["_row"].iat[p]))
        for p in positions
    ]
    table.reject(positions)
    return findings


def check_date_order(book: Book, table: Table) -> list[Finding]:
    """`dates-reversed`: a finish (end) before its start."""
    findings: list[Finding] = []
    frame = table.rows
    for start, finish in table.sheet.date_pairs:
        if frame.empty:
            break
        reversed_ = (frame[finish] < frame[start]).to_numpy()
        for position in np.flatnonzero(reversed_):
            row = int(frame["_row"].iat[position])
            first = frame[start].iat[position].date()
            last = frame[finish].iat[position].date()
            findings.append(book.finding(
                "dates-reversed", f"{finish} {last} is before {start} {first}; swap or fix them",
                sheet=table.name, column=finish, row=row, value=last.isoformat()))
    return findings


def check_fiscal_year(book: Book) -> list[Finding]:
    """`outside-fiscal-year`: budget months and realignment dates outside the plan's FY."""
    plan = book.plan
    if plan.fiscal_year is None:
        return []
    first, last = fiscal_year_bounds(plan.fiscal_year, plan.fy_start_month)
    findings: list[Finding] = []
    for sheet, column in (("Budget", "Month"), ("Realignments", "Date")):
        frame = book.rows(sheet)
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
