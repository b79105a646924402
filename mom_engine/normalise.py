"""The normalise stage, between reading and the checks (SPEC §3, §10; STYLE 5).

Reading types each cell; normalising makes the tables usable as a whole, once, before any
check or rollup looks at them:

- rows a duplicate ID, an unknown required reference or an invoice with nowhere to go make
  unusable are rejected (left out of every rollup), each with its finding and the code of the
  first finding that left it out recorded per row in `Table.reasons` — nothing disappears
  silently; a row left out for one problem is still checked for the others (SPEC §3), and only
  accepted rows count as IDs other rows may refer to;
- a reference that matches an ID ignoring case and surrounding spaces takes the spelling the
  ID is defined with ('a1 ' on Budget → 'A1' as on Activities), so every later stage joins on
  exact values.

After this stage no check rejects or respells rows: `structure.py` and the domain checks are
pure functions of the normalised tables.
"""
from __future__ import annotations

from collections.abc import Collection
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from .findings import Finding
from .keys import id_key, id_keys
from .model import Book, Table, text_values

# Reference columns whose unknown value makes the row unusable even though the column is
# optional: an invoice on an unknown PO or activity is money with nowhere to go.
REJECTING_REFERENCES = {("Invoices", "PO Number"), ("Invoices", "Activity ID")}


def normalise(book: Book, given: Collection[str] | None = None) -> list[Finding]:
    """Reject and respell rows (see the module docstring); the findings it makes. `given`: the
    sheets handed in when the book is made from ranges (None: a whole workbook)."""
    findings: list[Finding] = []
    for table in list(book.tables.values()):
        findings += reject_duplicate_ids(book, table)
    known_ids: KnownIds = {}        # each referenced table's IDs found once, not per reference
    for table in list(book.tables.values()):
        findings += resolve_references(book, table, given, known_ids)
    if given is None or "Invoices" in given:
        findings += reject_invoices_without_target(book)
    book.forget_rollups()      # anything computed before counted rows now rejected
    return findings


def _row_keys(frame: pd.DataFrame, columns: tuple[str, ...]) -> list[tuple | None]:
    """Each row's key (`keys.id_key` of each part); None when any part of it is blank."""
    parts = [id_keys(frame[c]) for c in columns]
    return [None if None in key else key for key in zip(*parts, strict=True)]


def reject_duplicate_ids(book: Book, table: Table) -> list[Finding]:
    """`id-duplicate`: later rows with an ID already used are rejected."""
    key_columns = table.sheet.key
    frame = table.frame
    if not key_columns or frame.empty:
        return []
    rejected = frame["_rejected"].to_numpy()
    keys: list[Any] = (id_keys(frame[key_columns[0]]) if len(key_columns) == 1
                       else _row_keys(frame, key_columns))
    counted: list[Any]
    if rejected.any() or None in keys:
        counted = [key for key, left_out in zip(keys, rejected.tolist(), strict=True)
                   if key is not None and not left_out]
    else:
        counted = keys             # every row counts (the usual case)
    if len(set(counted)) == len(counted):
        return []                  # no key used twice (the usual case): one set, at C speed
    rows = frame["_row"].to_numpy()
    # rows that count (a key, not rejected); the first of each key is its use, later ones
    # repeat it (a dict: cheaper than array grouping on the tables of a book, fine at 10,000)
    first_of: dict[Any, int] = {}
    duplicates: list[tuple[int, int]] = []          # (position, row of the first use)
    for position, (key, left_out) in enumerate(zip(keys, rejected.tolist(), strict=True)):
        if key is None or left_out:
            continue
        first = first_of.setdefault(key, position)
        if first != position:
            duplicates.append((position, int(rows[first])))
    label = " + ".join(key_columns)
    findings = []
    for position, first in duplicates:
        value = " / ".join(str(frame[c].iat[position]) for c in key_columns)
        findings.append(book.finding(
            "id-duplicate", f"{label} '{value}' is already used in row {first}; this row is "
                            "left out — give it its own ID or merge the rows",
            sheet=table.name, column=key_columns[-1], row=int(rows[position]), value=value))
    table.reject([position for position, _ in duplicates], "id-duplicate")
    return findings


# (sheet, column) → (the accepted rows they were found in, the IDs): `Table.rows` is a new
# frame whenever rows are rejected, so IDs found in the same rows frame are still the IDs.
KnownIds: TypeAlias = "dict[tuple[str, str], tuple[Any, dict[str, str] | None]]"


def _known_ids(book: Book, sheet: str, column: str,
               known_ids: KnownIds | None) -> dict[str, str] | None:
    """`_known_values` of the accepted rows, found again only when those rows changed."""
    if known_ids is None:
        return _known_values(book, sheet, column)
    rows = None if sheet == "Lists" else book.table(sheet).rows
    found = known_ids.get((sheet, column))
    if found is None or found[0] is not rows:
        found = known_ids[sheet, column] = (rows, _known_values(book, sheet, column))
    return found[1]


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
        spelled = (target.column(column, object, None) if accepted_only else
                   text_values(target.frame[column])).tolist()
    keys = id_keys(spelled)
    # the first spelling of each key (later ones are overwritten in reverse); text IDs only
    if None in keys or set(map(type, spelled)) != {str}:
        return {key: value for key, value in zip(reversed(keys), reversed(spelled), strict=True)
                if key is not None and isinstance(value, str)}
    return dict(zip(reversed(keys), reversed(spelled), strict=True))  # type: ignore[arg-type]


def resolve_references(book: Book, table: Table, given: Collection[str] | None = None,
                       known_ids: KnownIds | None = None) -> list[Finding]:
    """`ref-unknown`: every reference column must name an existing ID; a known one takes the
    spelling it is defined with. `given`: the sheets handed in (UDF ranges) — a reference into
    a sheet that was not is not checked (its IDs are unknown, not wrong). `known_ids`: the IDs
    already found by this normalise run."""
    findings: list[Finding] = []
    frame = table.frame
    if frame.empty:
        return findings
    for column in table.sheet.columns:
        if column.references is None:
            continue
        target_sheet, target_column = column.references
        if given is not None and target_sheet not in given and target_sheet != "Lists":
            continue
        known = _known_ids(book, target_sheet, target_column, known_ids)
        if known is None:
            continue
        current = frame[column.name]
        folded = id_keys(current)
        # rows already left out for another reason are checked too (one run, every problem)
        unknown_positions = [] if all(map(known.__contains__, folded)) else [
            position for position, value in enumerate(folded)
            if value is not None and value not in known
        ]
        _respell(table, column.name, current, folded, known)
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
            if id_key(value) in left_out:
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
            table.reject(unknown_positions, "ref-unknown")
    return findings


def _respell(table: Table, column: str, current: pd.Series, folded: list[str | None],
             known: dict[str, str]) -> None:
    """A reference that matched ignoring case takes the spelling of the ID it names, so every
    later stage can join on exact values ('a1 ' on Budget → 'A1' as on Activities). `current`:
    the column as it is, `folded`: its keys."""
    values = text_values(current).tolist()
    # one look-up a row, at C speed: a known key's spelling; a blank (None is no key) and an
    # unknown key keep their value
    respelled = list(map(known.get, folded, values))  # type: ignore[arg-type]
    if respelled != values:   # usually equal: every reference spelled as defined, or blank
        table.replace_column(column, pd.array(respelled, dtype=current.dtype))


def reject_invoices_without_target(book: Book) -> list[Finding]:
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
    table.reject(positions, "value-required")
    return findings
