"""MOM worksheet functions for Excel, through xlwings (SPEC §14).

Each function takes table ranges — pass a whole table with its header, e.g. `Budget[#All]` —
and returns a table with a header row that spills (dynamic arrays; in older Excel enter it as an
array formula). They are thin: the ranges become a `Book` through the engine's own reader stages
(`mom_engine.frames.book_from_tables`: same header matching and value parsers as `mom validate`),
then the engine's rollups answer. Money comes back in plan currency with 2 decimals.

A function never raises into a cell: a bad input gives one short readable line starting with
"MOM:", e.g. `MOM: Budget range has no 'Activity ID' header`. Rows the engine rejects (unknown
activity, duplicate ID, unreadable required value) are left out of the figures exactly as in
`mom validate`; `MOM_VALIDATE` lists why.

Install: xlwings add-in, `UDF Modules` = `mom_udfs` on the workbook's `xlwings.conf` sheet (the
team template has it), then *Import Functions* on the xlwings ribbon.
"""
import datetime as dt
import functools
from typing import Any, Callable

import pandas as pd
import xlwings as xw

from mom_engine.findings import sort_findings
from mom_engine.frames import book_from_tables, canonical_sheet
from mom_engine.model import Book
from mom_engine.sheets import SHEETS, normalise_name
from mom_engine.values import parse_date

CATEGORY = "MOM"
# How every table argument is read: a DataFrame with the range's first row as header, blanks as
# None and error cells as their text (#N/A…) so the engine reports them as value-type problems.
TABLE = {"index": False, "header": True, "empty": None, "err_to_str": True}
OUT = {"index": False, "header": True, "expand": "table"}
ERROR_PREFIX = "MOM: "


class InputError(Exception):
    """A problem with the ranges handed in; its text is what the cell shows."""


def cell_function(function: Callable[..., Any]) -> Callable[..., Any]:
    """Turn any exception into a short "MOM: …" text, so nothing raises into a cell."""
    @functools.wraps(function)
    def guarded(*args: Any) -> Any:
        try:
            return function(*args)
        except InputError as problem:
            return ERROR_PREFIX + str(problem)
        except Exception as error:   # a bug: still a readable cell, never a Python traceback
            return f"{ERROR_PREFIX}internal error {type(error).__name__}: {error}"[:250]
    return guarded


# --- inputs --------------------------------------------------------------------------------

def _book(tables: dict[str, Any], plan: Any = None, *, required: tuple[str, ...] = ()) -> Book:
    """Ranges → Book; refuse ranges whose header lacks a required column (one readable line)."""
    for name in required:
        frame = tables.get(name)
        if frame is None or (isinstance(frame, pd.DataFrame) and frame.columns.empty):
            raise InputError(f"the {name} range is missing; pass the whole table, e.g. {name}[#All]")
    given = {name: frame for name, frame in tables.items() if frame is not None}
    book = book_from_tables(given, _plan_input(plan), name="ranges")
    for finding in book.findings:
        if finding.code == "column-missing" and finding.sheet in given:
            raise InputError(f"{finding.sheet} range has no '{finding.column}' header")
        if finding.code == "column-missing" and finding.sheet == "Plan":
            raise InputError("Plan range needs 'Field' and 'Value' headers")
    return book


def _plan_input(plan: Any) -> Any:
    if plan is None:
        return None
    if isinstance(plan, pd.DataFrame):
        return plan
    raise InputError("Plan must be the Plan table (Field and Value columns), e.g. Plan[#All]")


def _as_of(value: Any) -> dt.date:
    """An as-of argument: a date cell, a serial number (TODAY() arrives as a float) or ISO text;
    blank means today."""
    if value is None or value == "":
        return dt.date.today()
    parsed = parse_date(value)
    if parsed.value is None:
        raise InputError(f"as_of {value!r} is not a date")
    return parsed.value


def _choice(value: Any, name: str, choices: tuple[str, ...], default: str) -> str:
    if value is None or value == "":
        return default
    text = str(value).strip().casefold()
    for choice in choices:
        if text == choice.casefold():
            return choice
    raise InputError(f"{name} must be one of {', '.join(choices)} (not {value!r})")


# --- outputs -------------------------------------------------------------------------------

def _money(cents: pd.Series) -> pd.Series:
    return cents.astype("Float64").div(100).round(2).astype(object).where(cents.notna(), None)


def _sheet_frame(frame: pd.DataFrame, money: tuple[str, ...] = (),
                 dates: tuple[str, ...] = ()) -> pd.DataFrame:
    """An engine result → what a cell shows: money in units with 2 decimals, dates as dates,
    blanks as empty cells."""
    out = frame.copy()
    for column in out.columns:
        if column in money:
            out[column] = _money(out[column])
        elif column in dates or pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = [None if pd.isna(v) else pd.Timestamp(v).to_pydatetime()
                           for v in out[column]]
        else:
            out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out.reset_index(drop=True)


# --- functions -----------------------------------------------------------------------------

@xw.func(category=CATEGORY)
@xw.arg("table", pd.DataFrame, doc="A whole table with its header row, e.g. Budget[#All]", **TABLE)
@xw.arg("sheet", doc="Which sheet the table is: Budget, Activities, PurchaseOrders, …")
@xw.arg("plan", pd.DataFrame, doc="Optional: the Plan table (Field, Value), e.g. Plan[#All]", **TABLE)
@xw.ret(**OUT)
@cell_function
def MOM_VALIDATE(table, sheet, plan=None):
    """Problems in one table as MOM validate sees them: Cell, Code, Severity, Message.

    References to other sheets are not checked here (only this table is handed in); run
    Validate on the workbook for the complete list.
    """
    try:
        name = canonical_sheet(str(sheet or ""))
    except ValueError:
        raise InputError(f"'{sheet}' is not a sheet of the team workbook") from None
    book = book_from_tables({name: table}, _plan_input(plan), name="ranges", check=False)
    from mom_engine.structure import check_date_order, check_unique_keys
    findings = list(book.findings)
    findings += check_unique_keys(book, book.table(name))
    findings += check_date_order(book, book.table(name))
    rows = [(f.cell or "", f.code, f.severity.value if hasattr(f.severity, "value") else f.severity,
             f.message) for f in sort_findings(findings) if f.sheet in (name, "Plan")]
    return pd.DataFrame(rows, columns=["Cell", "Code", "Severity", "Message"], dtype=object)
