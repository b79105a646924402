"""The native Excel formulas of the team template, their values, and `formula-overwritten`
(SPEC §5, §14).

The template carries formula columns so a planner sees the core spend figures before Python
runs: on `Activities` the five §5 figures, fed by helper columns on `PurchaseOrders` and
`Invoices`. The formulas are written here once, in the form Excel stores in a file (structured
references with `[#This Row]`), and evaluated here once in Python (`formula_values`) so a
written workbook carries the values a recalculating spreadsheet would show — a viewer that does
not recalculate shows the right numbers. LibreOffice recalculation checks both against the
engine (tests/test_libreoffice_formulas.py).

Formula decisions (LibreOffice 7.4 has no XLOOKUP; both it and Excel must agree):
- IDs are compared as trimmed text (`TRIM(""&x)`), case-insensitively, inside SUMPRODUCT: a PO
  Number stored as a number on one sheet and as text on another still matches, as in the engine.
  SUMIFS is avoided: its criteria treat `*`, `?`, `<`… as operators and, in LibreOffice, a
  numeric-looking criterion never matches a text cell.
- Amounts are rounded to cents per row (ROUND, half away from zero like the engine); a foreign
  amount is converted row by row (`ROUND(amount × rate, 2)`).
- A helper or figure cell is "" on a row with no ID, so unused table rows read as blank rows.
- A missing rate shows #N/A in the converted amount (and in the sums it feeds): a visible gap,
  never a guessed figure; `mom validate` reports `rate-missing`.
- Rows the engine rejects (duplicate IDs, unknown references) still count in the formulas; the
  figures of activities such rows touch may differ, so `formula-overwritten` skips them.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .findings import Finding
from .model import Book
from .values import cents_of_decimal

FIGURES = ("Budgeted", "Planned", "Committed", "Spent", "Remaining")
PLAN_CURRENCY_NAME = "MOM_PlanCurrency"
# Defined name: the Plan's Currency (USD when blank or absent), read from the Plan table.
PLAN_CURRENCY_FORMULA = (
    '=IFERROR(IF(INDEX(Plan[Value],MATCH("Currency",Plan[Field],0))&""="","USD",'
    'TRIM(INDEX(Plan[Value],MATCH("Currency",Plan[Field],0))&"")),"USD")')
TOLERANCE_CENTS = 1


def this_row(table: str, column: str) -> str:
    """A same-row structured reference as Excel stores it: Table[[#This Row],[Column]]."""
    return f"{table}[[#This Row],[{column}]]"


def key_of(table: str, column: str) -> str:
    return f'TRIM(""&{this_row(table, column)})'


def _sum_where(key_column: str, value_column: str, key: str, *, coerce: bool) -> str:
    """Σ value_column over the rows whose key_column equals `key` (trimmed text).
    `coerce` multiplies (numeric text such as "1,200.50" counts, as in the engine); otherwise
    the comma form (a "" helper cell counts as 0)."""
    match = f'(TRIM(""&{key_column})={key})'
    if coerce:
        return f"SUMPRODUCT({match}*{value_column})"
    return f"SUMPRODUCT(--{match},{value_column})"


def _converted(table: str) -> str:
    amount = this_row(table, "Amount")
    currency = this_row(table, "Currency")
    rate = f"INDEX(Rates[Rate],MATCH(TRIM({currency}),Rates[Currency],0))"
    return (f'ROUND({amount}*IF(OR(TRIM(""&{currency})="",'
            f'UPPER(TRIM(""&{currency}))=UPPER({PLAN_CURRENCY_NAME})),1,{rate}),2)')


def _blank_unless(key: str, formula: str) -> str:
    return f'=IF({key}="","",{formula})'


ACTIVITY = key_of("Activities", "Activity ID")
PO_KEY = key_of("PurchaseOrders", "PO Number")
INVOICE_KEY = key_of("Invoices", "Invoice No")

# sheet → [(header, formula)], in column order after the declared columns.
FORMULA_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "PurchaseOrders": [
        ("PO Key", _blank_unless(PO_KEY, PO_KEY)),
        ("Amount in Plan Currency", _blank_unless(PO_KEY, _converted("PurchaseOrders"))),
        ("Invoiced in Plan Currency", _blank_unless(PO_KEY, _sum_where(
            "Invoices[PO Number]", "Invoices[Amount in Plan Currency]", PO_KEY, coerce=False))),
        ("Open Commitment", _blank_unless(PO_KEY, (
            f'IF(OR(TRIM(""&{this_row("PurchaseOrders", "Status")})="",'
            f'UPPER(TRIM(""&{this_row("PurchaseOrders", "Status")}))="OPEN"),'
            f'MAX({this_row("PurchaseOrders", "Amount in Plan Currency")}'
            f'-{this_row("PurchaseOrders", "Invoiced in Plan Currency")},0),0)'))),
    ],
    "Invoices": [
        ("Activity via PO", _blank_unless(INVOICE_KEY, (
            f'IF({key_of("Invoices", "PO Number")}="",{key_of("Invoices", "Activity ID")},'
            f'IFERROR(TRIM(""&INDEX(PurchaseOrders[Activity ID],MATCH('
            f'{key_of("Invoices", "PO Number")},PurchaseOrders[PO Key],0))),""))'))),
        ("Amount in Plan Currency", _blank_unless(INVOICE_KEY, _converted("Invoices"))),
    ],
    "Activities": [
        ("Budgeted", _blank_unless(ACTIVITY, "ROUND(" + "+".join((
            _sum_where("Budget[Activity ID]", "Budget[Budgeted]", ACTIVITY, coerce=True),
            _sum_where("Realignments[To Activity ID]", "Realignments[Amount]", ACTIVITY,
                       coerce=True))) + "-" + _sum_where(
            "Realignments[From Activity ID]", "Realignments[Amount]", ACTIVITY,
            coerce=True) + ",2)")),
        ("Planned", _blank_unless(ACTIVITY, "ROUND(" + _sum_where(
            "Budget[Activity ID]", "Budget[Planned]", ACTIVITY, coerce=True) + ",2)")),
        ("Committed", _blank_unless(ACTIVITY, "ROUND(" + _sum_where(
            "PurchaseOrders[Activity ID]", "PurchaseOrders[Open Commitment]", ACTIVITY,
            coerce=False) + ",2)")),
        ("Spent", _blank_unless(ACTIVITY, "ROUND(" + _sum_where(
            "Invoices[Activity via PO]", "Invoices[Amount in Plan Currency]", ACTIVITY,
            coerce=False) + ",2)")),
        ("Remaining", _blank_unless(ACTIVITY, (
            f'{this_row("Activities", "Budgeted")}-{this_row("Activities", "Committed")}'
            f'-{this_row("Activities", "Spent")}'))),
    ],
}
MONEY_FORMULA_COLUMNS = {"Amount in Plan Currency", "Invoiced in Plan Currency",
                         "Open Commitment", *FIGURES}


# --- what the formulas compute, in Python ------------------------------------------------------

def _key(value: Any) -> str:
    """TRIM(""&x) compared case-insensitively: the formulas' notion of an equal ID."""
    return _trimmed(value).casefold()


@dataclass
class FormulaValues:
    """Per sheet, by Excel row number (`_row`): header → value; None where the formula gives an
    error (a missing rate)."""

    rows: dict[str, dict[int, dict[str, Any]]]


def _converter(book: Book) -> Callable[[Any, Any], int | None]:
    """(cents, currency) → plan-currency cents as the template's rate lookup computes them:
    blank cents count 0, a missing or blank rate gives None (the formula's #N/A)."""
    plan_currency = (book.plan.currency or "USD").casefold()
    rates: dict[str, float] = {}
    rates_frame = book.table("Rates").frame
    for currency, rate in zip(rates_frame["Currency"], rates_frame["Rate"], strict=True):
        key = _key(currency)
        if key and key not in rates:
            rates[key] = rate

    def converted(cents: Any, currency: Any) -> int | None:
        if cents is None or cents is pd.NA or (isinstance(cents, float) and math.isnan(cents)):
            return 0
        key = _key(currency)
        if key in ("", plan_currency):
            return int(cents)
        rate = rates.get(key)
        if rate is None or (isinstance(rate, float) and math.isnan(rate)):
            return None
        return cents_of_decimal(Decimal(int(cents)) * Decimal(repr(float(rate))) / 100)

    return converted


def formula_values(book: Book) -> FormulaValues:
    """Evaluate the template formulas over a Book read from the rows a writer is about to write
    (`frames.book_from_tables`): every row counts, rejected or not, exactly as in Excel.
    Values are in plan-currency units (floats with 2 decimals)."""
    converted = _converter(book)
    pos = _ordered(book, "PurchaseOrders")
    invoices = _ordered(book, "Invoices")
    po_activity: dict[str, str] = {}          # PO key → the PO's Activity ID as TRIM shows it
    for record in pos:
        po_activity.setdefault(_key(record["PO Number"]), _trimmed(record["Activity ID"]))
    invoice_rows, invoiced = [], {}
    for record in invoices:
        po = _key(record["PO Number"])
        if not _key(record["Invoice No"]):     # the formulas leave a row without its key blank
            invoice_rows.append(("", "", "", record["_row"]))
            continue
        shown = _trimmed(record["Activity ID"]) if po == "" else po_activity.get(po, "")
        amount = converted(record["Amount"], record["Currency"])
        invoice_rows.append((shown, po, amount, record["_row"]))
        if po:
            invoiced[po] = _add(invoiced.get(po, 0), amount)
    po_rows = []
    for record in pos:
        po = _key(record["PO Number"])
        amount = converted(record["Amount"], record["Currency"])
        billed = invoiced.get(po, 0)
        commitment = _open_commitment(amount, billed, _key(record["Status"]))
        po_rows.append((po, _key(record["Activity ID"]), amount, billed, commitment,
                        _trimmed(record["PO Number"]), record["_row"]))

    # Σ per activity key, as the SUMPRODUCTs compute them (one pass over each table).
    budgeted_by: dict[str, int] = {}
    planned_by: dict[str, int] = {}
    for record in _ordered(book, "Budget"):
        key = _key(record["Activity ID"])
        budgeted_by[key] = budgeted_by.get(key, 0) + _cents(record["Budgeted"])
        planned_by[key] = planned_by.get(key, 0) + _cents(record["Planned"])
    for record in _ordered(book, "Realignments"):
        amount = _cents(record["Amount"])
        to_key, from_key = _key(record["To Activity ID"]), _key(record["From Activity ID"])
        budgeted_by[to_key] = budgeted_by.get(to_key, 0) + amount
        budgeted_by[from_key] = budgeted_by.get(from_key, 0) - amount
    committed_by: dict[str, int | None] = {}
    for po, po_act, _, _, commitment, _, _ in po_rows:
        if po:                                  # a row without PO Number shows "" (counts 0)
            committed_by[po_act] = _add(committed_by.get(po_act, 0), commitment)
    spent_by: dict[str, int | None] = {}
    for shown, _, amount, _ in invoice_rows:
        if amount != "":
            key = shown.casefold()
            spent_by[key] = _add(spent_by.get(key, 0), amount)
    figures: dict[int, dict[str, Any]] = {}
    for record in _ordered(book, "Activities"):
        activity = _key(record["Activity ID"])
        if not activity:
            figures[record["_row"]] = dict.fromkeys(FIGURES, "")
            continue
        budgeted = budgeted_by.get(activity, 0)
        committed, spent = committed_by.get(activity, 0), spent_by.get(activity, 0)
        remaining = None if committed is None or spent is None else budgeted - committed - spent
        figures[record["_row"]] = {
            "Budgeted": _units(budgeted), "Planned": _units(planned_by.get(activity, 0)),
            "Committed": _units(committed), "Spent": _units(spent),
            "Remaining": _units(remaining)}
    return FormulaValues({
        "Activities": figures,
        "PurchaseOrders": {
            row: {"PO Key": text, "Amount in Plan Currency": _units(amount),
                  "Invoiced in Plan Currency": _units(billed),
                  "Open Commitment": _units(commitment)}
            if po else dict.fromkeys((h for h, _ in FORMULA_COLUMNS["PurchaseOrders"]), "")
            for po, _, amount, billed, commitment, text, row in po_rows},
        "Invoices": {
            row: {"Activity via PO": activity, "Amount in Plan Currency": _units(amount)}
            for activity, _, amount, row in invoice_rows},
    })


def _open_commitment(amount: int | None, billed: int | None, status: str) -> int | None:
    """The PO sheet's Open Commitment formula: an open (or blank-status) PO commits what is not
    yet invoiced, never below zero; None when either amount cannot be converted."""
    if amount is None or billed is None:
        return None
    return max(amount - billed, 0) if status in ("", "open") else 0


def _ordered(book: Book, sheet: str) -> list[dict[str, Any]]:
    """Every row of a table (rejected ones too), in sheet order, as dicts."""
    frame = book.table(sheet).frame.sort_values("_row", kind="stable")
    return frame.to_dict("records")


def _trimmed(value: Any) -> str:
    """TRIM(""&x): whole numbers as digits, runs of spaces collapsed, ends trimmed."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _cents(value: Any) -> int:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return 0
    return int(value)


def _add(total: int | None, amount: int | None) -> int | None:
    return None if total is None or amount is None else total + amount


def _units(cents: int | None) -> float | None:
    return None if cents is None else cents / 100


# --- formula-overwritten -----------------------------------------------------------------------

def check_formulas(book: Book, context: Any = None) -> list[Finding]:
    """`formula-overwritten` (warning, SPEC §14): an Activities formula column whose cached value
    differs from the engine's figure (`spend.spend_per_activity`) by more than 0.01 — someone
    typed over a formula. No cached value, no finding. Activities touched by rows the engine
    rejects are skipped: there the formula and the engine legitimately disagree, and the
    rejected rows have their own findings."""
    table = book.table("Activities")
    present = [name for name in FIGURES if name in table.extra_columns]
    rows = table.rows
    if not present or rows.empty:
        return []
    from .spend import spend_per_activity
    engine = spend_per_activity(book)
    skip = _activities_touched_by_rejected_rows(book)
    findings: list[Finding] = []
    for name in present:
        cached = pd.to_numeric(rows[name].map(_number), errors="coerce")
        for activity, value, row in zip(rows["Activity ID"], cached, rows["_row"], strict=True):
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            if _key(activity) in skip or activity not in engine.index:
                continue
            figure_cents = int(engine.at[activity, name])
            cached_cents = round(float(value) * 100)
            if abs(cached_cents - figure_cents) > TOLERANCE_CENTS:
                cell = table.cell(name, int(row))
                findings.append(book.finding(
                    "formula-overwritten",
                    f"{name} of activity {activity} shows {float(value):,.2f} but the plan's "
                    f"figures give {figure_cents / 100:,.2f}; the formula was probably typed "
                    "over — copy the formula back from the row above (or from the template)",
                    sheet="Activities", column=name, row=int(row), cell=cell, value=value))
    return findings


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return None
    return None


def _activities_touched_by_rejected_rows(book: Book) -> set[str]:
    touched: set[str] = set()
    po_activity = {}
    for po, activity in zip(book.table("PurchaseOrders").frame["PO Number"],
                            book.table("PurchaseOrders").frame["Activity ID"], strict=True):
        po_activity.setdefault(_key(po), _key(activity))
    for sheet, columns in (("Activities", ("Activity ID",)), ("Budget", ("Activity ID",)),
                           ("Realignments", ("From Activity ID", "To Activity ID")),
                           ("PurchaseOrders", ("Activity ID",)),
                           ("Invoices", ("Activity ID",))):
        frame = book.table(sheet).frame
        rejected = frame[frame["_rejected"].to_numpy(dtype=bool)]
        for column in columns:
            touched.update(_key(v) for v in rejected[column])
        if sheet == "Invoices":
            touched.update(po_activity.get(_key(v), "") for v in rejected["PO Number"])
        if sheet == "PurchaseOrders" and len(rejected):
            # a rejected PO still draws its PO Number's invoices in the formulas
            touched.update(_key(v) for v in rejected["Activity ID"])
    touched.discard("")
    return touched
