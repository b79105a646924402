"""Checks any sheet can fail once it is read: unique IDs, references, dates in order, months
inside the fiscal year, complete approvals (SPEC §3, §4, §10).

Value-level checks (types, enums, ranges, required values) happen while reading; these need
the whole book. Rows a duplicate ID or an unknown required reference make unusable are rejected
(left out of every rollup) — and always with a finding, so nothing disappears silently. A row
left out for one problem is still checked by every other rule here (SPEC §3), so one run
reports every problem; only accepted rows count as IDs other rows may refer to.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .calendar import fiscal_year_bounds
from .findings import Finding
from .model import Book, Table
from .sheets import Kind

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


def _folded(values: pd.Series) -> list[str | None]:
    """Text values casefolded and trimmed for comparison; None for blanks.

    Plain Python over the (few hundred) values: on frames this small, pandas' string methods
    cost more in call overhead than the work itself.
    """
    return [v.strip().casefold() if isinstance(v, str) else None
            for v in values.to_numpy(dtype=object, na_value=None)]


def _row_keys(frame: pd.DataFrame, columns: tuple[str, ...]) -> list[tuple | None]:
    """Each row's key (casefolded, trimmed); None when any part of it is blank."""
    parts = [_folded(frame[c]) for c in columns]
    return [None if None in key else key for key in zip(*parts, strict=True)]


def check_unique_keys(book: Book, table: Table) -> list[Finding]:
    """`id-duplicate`: later rows with an ID already used are rejected."""
    key_columns = table.sheet.key
    frame = table.frame
    if not key_columns or frame.empty:
        return []
    rejected = frame["_rejected"].to_numpy()
    rows = frame["_row"].to_numpy()
    first_row: dict[tuple, int] = {}
    duplicates: list[tuple[int, int]] = []          # (position, row of the first use)
    for position, key in enumerate(_row_keys(frame, key_columns)):
        if key is None or rejected[position]:
            continue
        if key in first_row:
            duplicates.append((position, first_row[key]))
        else:
            first_row[key] = int(rows[position])
    label = " + ".join(key_columns)
    findings = []
    for position, first in duplicates:
        value = " / ".join(str(frame[c].iat[position]) for c in key_columns)
        findings.append(book.finding(
            "id-duplicate", f"{label} '{value}' is already used in row {first}; this row is "
                            "left out — give it its own ID or merge the rows",
            sheet=table.name, column=key_columns[-1], row=int(rows[position]), value=value))
    table.reject([position for position, _ in duplicates])
    return findings


def _known_values(book: Book, sheet: str, column: str,
                  accepted_only: bool = True) -> dict[str, str] | None:
    """IDs a reference may point to, casefolded → as spelled where they are defined; None when
    there is nothing to check against (an empty Lists column means "no chart of accounts")."""
    if sheet == "Lists":
        items = book.lists.get(column)
        if not items:
            return None
        spelled = [str(v).strip() for v in items]
    else:
        target = book.table(sheet)
        frame = target.rows if accepted_only else target.frame
        spelled = list(frame[column].to_numpy(dtype=object, na_value=None))
    known: dict[str, str] = {}
    for value in spelled:
        if isinstance(value, str):
            known.setdefault(value.strip().casefold(), value)
    return known


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
        folded = _folded(frame[column.name])
        # rows already left out for another reason are checked too (one run, every problem)
        unknown_positions = [
            position for position, value in enumerate(folded)
            if value is not None and value not in known
        ]
        _respell(frame, column.name, folded, known)
        if not unknown_positions:
            continue
        left_out = set(_known_values(book, target_sheet, target_column, accepted_only=False)
                       or {}) - set(known)
        rejects = column.required or (table.name, column.name) in REJECTING_REFERENCES
        where = (f"the {target_column} list on the Lists sheet" if target_sheet == "Lists"
                 else f"{target_sheet}")
        consequence = "; this row is left out of the figures" if rejects else ""
        values = frame[column.name]
        for position in unknown_positions:
            value = values.iat[position]
            if str(value).strip().casefold() in left_out:
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


def _respell(frame: pd.DataFrame, column: str, folded: list[str | None],
             known: dict[str, str]) -> None:
    """A reference that matched ignoring case takes the spelling of the ID it names, so every
    later stage can join on exact values ('a1 ' on Budget → 'A1' as on Activities)."""
    values = frame[column].to_numpy(dtype=object, na_value=None)
    respelled = [known.get(key, value) if key is not None else value
                 for key, value in zip(folded, values, strict=True)]
    if respelled != list(values):
        frame[column] = pd.array(respelled, dtype=frame[column].dtype)


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
    frame = table.frame          # rows left out for another reason are checked too
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
