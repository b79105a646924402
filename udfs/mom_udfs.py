"""MOM worksheet functions for Excel, through xlwings (SPEC §14).

Each function takes table ranges — pass a whole table with its header, e.g. `Budget[#All]` —
and returns a table with a header row that spills (Excel 365/2021 dynamic arrays; in older Excel
enter it as an array formula over a range). They are thin: the ranges become a `Book` through the
engine's own reader stages (`mom_engine.frames.book_from_tables`: same header matching and value
parsers as `mom validate`), then the engine's rollups answer. Money comes back in plan currency
with 2 decimals.

A function never raises into a cell: a bad input gives one short readable line starting with
"MOM:", e.g. `MOM: Budget range has no 'Activity ID' header`. Rows the engine rejects (unknown
activity, duplicate ID, unreadable required value) are left out of the figures exactly as in
`mom validate`; `MOM_VALIDATE` lists why.

Install (Windows; xlwings runs UDFs on Windows only): the xlwings add-in with its PYTHONPATH on
this folder, `UDF Modules` = `mom_udfs` on the workbook's `xlwings.conf` sheet (the team
template has it), then *Import Functions* on the xlwings ribbon — see udfs/README.md.
"""
import contextlib
import datetime as dt
import functools
import gc
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd
import xlwings as xw
from xlwings import conversion

from mom_engine.findings import sort_findings
from mom_engine.frames import book_from_tables, canonical_sheet
from mom_engine.model import Book
from mom_engine.plan import PLAN_DEFAULTS
from mom_engine.values import parse_date

CATEGORY = "MOM"
# How every table argument is read: the range's values exactly as COM hands them over
# (`convert="raw"`: rows of str, float, bool, None, COM dates, error codes), with no per-cell
# cleaning by xlwings. `book_from_tables` types each column in one step where it is clean and
# hands the odd cells (dates, error codes, empty strings) to xlwings' own standard cleaning
# (`_excel_cells`), so a cell means what it meant through xlwings' converter: blanks None,
# errors their text (#N/A…). xlwings' per-cell cleaning cost 31–216 ms on 10,000 rows.
TABLE = {"convert": "raw"}
# What xlwings' standard reader does with a range (2-D, blanks None, errors as text): applied
# here to the odd cells only.
STANDARD = {"ndim": 2, "empty": None, "err_to_str": True}
# Results go back as the rows COM takes (`convert="raw"`): `_cells` builds them per column and
# runs only the cells that are not plain text or numbers through xlwings' standard writer
# (blanks → empty cells, dates → COM dates), per distinct value. They spill natively in Excel
# 365/2021 (dynamic arrays). No `expand="table"`: that is xlwings' resize emulation for older
# Excel, and its docs say not to use it where native dynamic arrays exist (it rewrites the
# formula as a fixed-size array formula). In older Excel, select the output range and enter the
# formula with Ctrl+Shift+Enter.
OUT = {"convert": "raw"}
ERROR_PREFIX = "MOM: "


class InputError(Exception):
    """A problem with the ranges handed in; its text is what the cell shows."""


def cell_function(function: Callable[..., Any]) -> Callable[..., Any]:
    """Turn any exception into a short "MOM: …" text, so nothing raises into a cell. The call
    runs with Python's cycle collector paused (`_collector_paused`)."""
    @functools.wraps(function)
    def guarded(*args: Any) -> Any:
        try:
            with _collector_paused():
                return function(*args)
        except InputError as problem:
            return [[ERROR_PREFIX + str(problem)]]
        except Exception as error:   # a bug: still a readable cell, never a Python traceback
            return [[f"{ERROR_PREFIX}internal error {type(error).__name__}: {error}"[:250]]]
    return guarded


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused for one call. A call over 10,000 rows makes a few
    hundred thousand lists and tuples (the rows in and out), and each few hundred of them set
    off a collection that walks the objects of the whole Excel Python process: with the
    collector on, MOM_ASSETS over 10,000 rows took ~45 ms more (benchmarks/README.md).
    Nothing is lost: cycles the call leaves behind are collected once it is back on."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# --- inputs --------------------------------------------------------------------------------

def _range(value: Any) -> Any:
    """A raw table argument as rows, shaped as xlwings' standard reader shapes it (its
    Ensure2DStage): COM hands one cell over as the bare value and a one-row array as a flat
    tuple. None is a left-out argument — or a single blank cell, which COM hands over the same
    way (through the standard reader it was a table without a header)."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return [value] if value and not isinstance(value[0], (list, tuple)) else value
    return [[value]]


def _excel_cells(cells: list[Any]) -> list[Any]:
    """Odd cells (COM dates, error codes, empty strings…) as xlwings' standard reader cleans
    them: its own pipeline, the Excel engine's cleaning included."""
    return conversion.read(None, (tuple(cells),), STANDARD)[0]


def _book(tables: dict[str, Any], plan: Any = None, *,
          required: tuple[str, ...] = ()) -> Book:
    """Ranges → Book; refuse ranges whose header lacks a required column (one readable line)."""
    tables = {name: _range(table) for name, table in tables.items()}
    for name in required:
        table = tables.get(name)
        if table is None or _no_header(table):
            raise InputError(f"the {name} range is missing; pass the whole table, e.g. {name}[#All]")
    given = {name: table for name, table in tables.items() if table is not None}
    book = book_from_tables(given, _plan_input(_range(plan)), name="ranges", clean=_excel_cells)
    for finding in book.findings:
        if finding.code == "column-missing" and finding.sheet in given:
            raise InputError(f"{finding.sheet} range has no '{finding.column}' header")
        if finding.code == "column-missing" and finding.sheet == "Plan":
            raise InputError("Plan range needs 'Field' and 'Value' headers")
    return book


def _no_header(table: Any) -> bool:
    """A range with no header row at all."""
    return not table


def _plan_input(plan: Any) -> Any:
    if plan is None:
        return None
    if plan and all(isinstance(r, (list, tuple)) for r in plan):
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

def _money(cents: pd.Series) -> list[Any]:
    """Cents → units with 2 decimals, as the writer hands them on (a blank: an empty cell)."""
    units = np.round(cents.to_numpy(dtype=np.float64, na_value=np.nan) / 100, 2)
    return _floats_out(units)


def _floats_out(array: np.ndarray) -> list[Any]:
    """A float array's cells as the writer hands them to COM: each float as it is, NaN (a
    blank) as an empty cell."""
    values = array.tolist()
    blank = np.isnan(array)
    if blank.any():
        empty = _excel_written([None])[0]
        values = [empty if gone else v for v, gone in zip(values, blank.tolist(), strict=True)]
    return values


def _excel_written(values: list[Any]) -> list[Any]:
    """Values as xlwings' standard writer hands them to COM (its own pipeline, the Excel
    engine's `prepare_xl_data_element` included): blanks "", dates COM dates…"""
    return conversion.write([values], None, {})[0] if values else []


def _dates(series: pd.Series) -> list[Any]:
    """A date column as the writer hands it to COM, written once per distinct day."""
    stamps = series.to_numpy(dtype="datetime64[us]")
    distinct, where = np.unique(stamps, return_inverse=True)
    days = [None if np.isnat(d) else d.astype(dt.datetime) for d in distinct]
    written = np.empty(len(days), dtype=object)
    written[:] = _excel_written(days)
    return written[where.reshape(-1)].tolist()


_PLAIN_OUT = frozenset({str, int, bool, float})   # the writer hands these on (a float not NaN)


def _excel_out(values: list[Any]) -> list[Any]:
    """One column's cells as xlwings' standard writer hands them to COM: text, whole numbers,
    yes/no and floats as they are; everything else — blanks (None, NaN), dates, numpy numbers —
    through the writer itself, once per distinct value."""
    kinds = set(map(type, values))
    if kinds == {type(None)}:
        return [_excel_written([None])[0]] * len(values)
    if kinds <= _PLAIN_OUT | {type(None)} and not (float in kinds and _has_nan(values, kinds)):
        if type(None) in kinds:                # only blanks to write: the usual case
            blank = _excel_written([None])[0]
            values = [blank if v is None else v for v in values]
        return values
    odd = [i for i, v in enumerate(values)
           if v.__class__ not in _PLAIN_OUT or v != v]
    distinct = list(dict.fromkeys((values[i].__class__, _key(values[i])) for i in odd))
    cleaned = dict(zip(distinct, _excel_written([v for _, v in distinct]), strict=True))
    for i in odd:
        values[i] = cleaned[values[i].__class__, _key(values[i])]
    return values


def _has_nan(values: list[Any], kinds: set[type]) -> bool:
    if kinds == {float}:
        return bool(np.isnan(np.array(values, dtype=np.float64)).any())
    return any(v != v for v in values)


def _key(value: Any) -> Any:
    """A value as a dictionary key: NaN is not equal to itself, so all NaNs share one key."""
    return "NaN" if value != value else value


def _cells(frame: pd.DataFrame, money: tuple[str, ...] = ()) -> list[list[Any]]:
    """An engine result → the rows Excel receives: a header row, then money in units with 2
    decimals, dates as dates, blanks as empty cells — exactly what xlwings' standard writer makes
    of the same frame, built column by column instead of cell by cell."""
    columns = [_money(frame[column]) if column in money else _column_out(frame[column])
               for column in frame.columns]
    header = _excel_out(list(frame.columns))
    return [header, *map(list, zip(*columns, strict=True))]


def _column_out(series: pd.Series) -> list[Any]:
    """One result column's cells as the writer hands them to COM. Where the dtype alone says
    what the cells are — whole numbers, yes/no, floats, text — they are taken as they are (a
    blank: an empty cell) with no look at each cell; any other column goes through
    `_excel_out`."""
    dtype = series.dtype
    if isinstance(dtype, np.dtype):
        if dtype.kind == "M":
            return _dates(series)
        if dtype.kind in "iub":                 # Python ints and bools, never blank
            return series.to_numpy().tolist()
        if dtype.kind == "f":
            return _floats_out(series.to_numpy())
    missing = series.isna().to_numpy()
    if missing.all():                           # a column nobody filled in: blanks only
        return [_excel_written([None])[0]] * len(series)
    if isinstance(dtype, pd.StringDtype):       # text or blank, nothing else
        values = series.to_numpy(dtype=object, na_value=None).tolist()
        if missing.any():
            empty = _excel_written([None])[0]
            values = [empty if v is None else v for v in values]
        return values
    values = series.to_numpy(dtype=object).tolist()
    if missing.any():
        values = [None if gone else v for v, gone in zip(values, missing, strict=True)]
    return _excel_out(values)


# --- functions -----------------------------------------------------------------------------

@xw.func(category=CATEGORY)
@xw.arg("table", doc="A whole table with its header row, e.g. Budget[#All]", **TABLE)
@xw.arg("sheet", doc="Which sheet the table is: Budget, Activities, PurchaseOrders, …")
@xw.arg("plan", doc="Optional: the Plan table (Field, Value), e.g. Plan[#All]", **TABLE)
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
    book = book_from_tables({name: _range(table)}, _plan_input(_range(plan)), name="ranges",
                            check=False, clean=_excel_cells)
    from mom_engine.normalise import reject_duplicate_ids
    from mom_engine.structure import check_date_order
    findings = list(book.findings)
    findings += reject_duplicate_ids(book, book.table(name))
    findings += check_date_order(book, book.table(name))
    rows = [(f.cell or "", f.code, f.severity.value if hasattr(f.severity, "value") else f.severity,
             f.message) for f in sort_findings(findings) if f.sheet in (name, "Plan")]
    return _cells(pd.DataFrame(rows, columns=["Cell", "Code", "Severity", "Message"], dtype=object))


SPEND_KEYS = {"activity": "Activity ID", "campaign": "Campaign ID", "plan": "Plan ID",
              "gl": "GL Account", "month": "Month", "quarter": "Quarter", "year": "Fiscal Year"}
SPEND_HEADERS = {"budgeted": "Budgeted", "planned": "Planned", "committed": "Committed",
                 "spent": "Spent", "remaining": "Remaining", "unplanned": "Unplanned"}
SPEND_DOCS = {
    "activities": "The Activities table with its header, e.g. Activities[#All]",
    "budget": "The Budget table, e.g. Budget[#All]",
    "purchase_orders": "Optional: the PurchaseOrders table, e.g. PurchaseOrders[#All]",
    "invoices": "Optional: the Invoices table, e.g. Invoices[#All]",
    "realignments": "Optional: the Realignments table, e.g. Realignments[#All]",
    "rates": "Optional: the Rates table (needed for other currencies), e.g. Rates[#All]",
}
PLAN_DOC = "Optional: the Plan table (Field, Value) for currency and settings, e.g. Plan[#All]"


def _spend_book(activities, budget, purchase_orders, invoices, realignments, rates, plan) -> Book:
    return _book({"Activities": activities, "Budget": budget, "PurchaseOrders": purchase_orders,
                  "Invoices": invoices, "Realignments": realignments, "Rates": rates},
                 plan, required=("Activities", "Budget"))


def spend_table(book: Book, by: str) -> pd.DataFrame:
    """The spend figures at one level, as the cells show them (units, 2 decimals)."""
    from mom_engine.domains.spend import roll_up_spend
    frame = roll_up_spend(book).by(by)
    out = frame[["key", *SPEND_HEADERS]].rename(columns={"key": SPEND_KEYS[by], **SPEND_HEADERS})
    return _cells(out, money=tuple(SPEND_HEADERS.values()))


def _spend_udf(function):
    """The six spend tables as arguments, with their wizard help."""
    for name, doc in reversed(SPEND_DOCS.items()):
        function = xw.arg(name, doc=doc, **TABLE)(function)
    return function


@xw.func(category=CATEGORY)
@_spend_udf
@xw.arg("by", doc="Level: activity (default), campaign, plan, gl, month, quarter or year")
@xw.arg("plan", doc=PLAN_DOC, **TABLE)
@xw.ret(**OUT)
@cell_function
def MOM_SPEND(activities, budget, purchase_orders=None, invoices=None,
              realignments=None, rates=None, by="activity", plan=None):
    """Spend by level: Budgeted, Planned, Committed, Spent, Remaining, Unplanned in
    plan currency. Committed counts open POs net of what is invoiced on them; closed POs
    release their rest."""
    level = _choice(by, "by", tuple(SPEND_KEYS), "activity")
    book = _spend_book(activities, budget, purchase_orders, invoices, realignments, rates, plan)
    return spend_table(book, level)


@xw.func(category=CATEGORY)
@_spend_udf
@xw.arg("activity_id", doc="Optional: one Activity ID; blank gives the plan's remaining budget")
@xw.arg("plan", doc=PLAN_DOC, **TABLE)
@cell_function
def MOM_REMAINING(activities, budget, purchase_orders=None, invoices=None,
                  realignments=None, rates=None, activity_id=None, plan=None):
    """Remaining budget (budgeted − committed − spent) of one activity, or of the plan
    when no Activity ID is given: one number in plan currency."""
    from mom_engine.domains.spend import roll_up_spend, spend_per_activity
    from mom_engine.values import text_of
    book = _spend_book(activities, budget, purchase_orders, invoices, realignments, rates, plan)
    if activity_id is None or text_of(activity_id) == "":
        return roll_up_spend(book).total["remaining"] / 100
    figures = spend_per_activity(book)
    wanted = text_of(activity_id).casefold()
    matches = [key for key in figures.index if str(key).casefold() == wanted]
    if not matches:
        raise InputError(f"activity '{text_of(activity_id)}' is not in the Activities range")
    return int(figures.at[matches[0], "Remaining"]) / 100


SCHEDULE_HEADERS = {"key": None, "planned_start": "Planned Start",
                    "planned_finish": "Planned Finish", "actual_start": "Actual Start",
                    "actual_finish": "Actual Finish", "percent_complete": "% Complete",
                    "spi": "SPI", "late_tasks": "Late Tasks"}
SCHEDULE_KEYS = {"task": "Task ID", "activity": "Activity ID", "campaign": "Campaign ID",
                 "plan": "Plan ID"}


@xw.func(category=CATEGORY)
@xw.arg("tasks", doc="The Tasks table with its header, e.g. Tasks[#All]", **TABLE)
@xw.arg("activities",
        doc="Optional: the Activities table (needed for by=campaign), e.g. Activities[#All]",
        **TABLE)
@xw.arg("by", doc="Level: task, activity (default), campaign or plan")
@xw.arg("as_of", doc="Optional: the as-of date (a date or TODAY()); blank = today")
@xw.arg("plan", doc=PLAN_DOC, **TABLE)
@xw.ret(**OUT)
@cell_function
def MOM_SCHEDULE(tasks, activities=None, by="activity", as_of=None, plan=None):
    """Schedule rollup: planned and actual dates, % complete (ΣEV ÷ Σduration),
    SPI (ΣEV ÷ ΣPV) and the number of late tasks, at the as-of date."""
    from mom_engine.domains.schedule import roll_up_schedule
    level = _choice(by, "by", tuple(SCHEDULE_KEYS), "activity")
    day = _as_of(as_of)
    book = _book({"Tasks": tasks, "Activities": activities}, plan, required=("Tasks",))
    frame = roll_up_schedule(book, day).by(level)
    out = frame[list(SCHEDULE_HEADERS)].rename(
        columns={**SCHEDULE_HEADERS, "key": SCHEDULE_KEYS[level]})
    return _cells(out)


COVERAGE_HEADERS = {"rep": "Rep", "quota": "Quota", "won": "Won",
                    "remaining_quota": "Remaining Quota", "open": "Open", "weighted": "Weighted",
                    "coverage": "Coverage", "gap": "Gap", "below_target": "Below Target",
                    "quota_met": "Quota Met"}


@xw.func(category=CATEGORY)
@xw.arg("opportunities",
        doc="The Opportunities table with its header, e.g. Opportunities[#All]", **TABLE)
@xw.arg("quotas", doc="The Quotas table, e.g. Quotas[#All]", **TABLE)
@xw.arg("as_of", doc="Optional: a date inside the quarter (a date or TODAY()); blank = today")
@xw.arg("target", doc="Optional: coverage target; blank = the Plan's Coverage Target "
                      f"({PLAN_DEFAULTS['Coverage Target']})")
@xw.arg("plan", doc=PLAN_DOC, **TABLE)
@xw.ret(**OUT)
@cell_function
def MOM_COVERAGE(opportunities, quotas, as_of=None, target=None, plan=None):
    """Pipeline coverage per rep for the fiscal quarter of the as-of date: open
    pipeline ÷ remaining quota, weighted pipeline, gap to the target."""
    from mom_engine.domains.pipeline import coverage
    day = _as_of(as_of)
    if target is not None and target != "" and not isinstance(target, (int, float)):
        raise InputError(f"target {target!r} is not a number")
    book = _book({"Opportunities": opportunities, "Quotas": quotas}, plan,
                 required=("Opportunities", "Quotas"))
    report = coverage([book], day, None if target in (None, "") else float(target))
    out = report.reps[list(COVERAGE_HEADERS)].rename(columns=COVERAGE_HEADERS)
    return _cells(out, money=("Quota", "Won", "Remaining Quota", "Open", "Weighted", "Gap"))


FUNNEL_HEADERS = {"campaign_id": "Campaign ID", "campaign": "Campaign", "leads": "Leads",
                  "stage": "Stage", "reached": "Reached", "conversion": "Conversion",
                  "median_days": "Median Days"}


@xw.func(category=CATEGORY)
@xw.arg("leads", doc="The Leads table with its header, e.g. Leads[#All]", **TABLE)
@xw.arg("campaigns",
        doc="Optional: the Campaigns table (for campaign names), e.g. Campaigns[#All]", **TABLE)
@xw.arg("as_of", doc="Optional: the as-of date; blank = today")
@xw.arg("plan", doc="Optional: the Plan table (its Lead Stages), e.g. Plan[#All]",
        **TABLE)
@xw.ret(**OUT)
@cell_function
def MOM_FUNNEL(leads, campaigns=None, as_of=None, plan=None):
    """Lead funnel per campaign: leads reaching each stage, stage-to-stage
    conversion, median working days between stages."""
    from mom_engine.domains.funnel import roll_up_funnel
    day = _as_of(as_of)
    book = _book({"Leads": leads, "Campaigns": campaigns}, plan, required=("Leads",))
    report = roll_up_funnel(book, day)
    return _cells(report.campaigns[list(FUNNEL_HEADERS)].rename(columns=FUNNEL_HEADERS))


ASSET_COLUMNS = ("Asset ID", "Asset", "Type", "Product", "Segment", "Region", "Tags", "Status",
                 "Expires", "Location")


@xw.func(category=CATEGORY)
@xw.arg("assets", doc="The Assets table with its header, e.g. Assets[#All]",
        **TABLE)
@xw.arg("words", doc="Words to find in Asset and Tags (blank: every asset)")
@xw.arg("asset_type", doc="Optional: only this Type")
@xw.arg("product", doc="Optional: only this Product")
@xw.arg("segment", doc="Optional: only this Segment")
@xw.arg("region", doc="Optional: only this Region")
@xw.ret(**OUT)
@cell_function
def MOM_ASSETS(assets, words="", asset_type=None, product=None, segment=None, region=None):
    """Asset search: assets whose Asset or Tags hold the words, filtered by Type,
    Product, Segment and Region, best match first — reuse before re-creating."""
    from mom_engine.domains.assets import search_assets
    from mom_engine.values import text_of
    book = _book({"Assets": assets}, required=("Assets",))
    filters = [None if v is None else text_of(v) for v in (asset_type, product, segment, region)]
    # only the columns shown are searched and taken in rank order (the filters' among them)
    found = search_assets(book.rows("Assets")[list(ASSET_COLUMNS)],
                          "" if words is None else text_of(words), *filters)
    found.columns = [*ASSET_COLUMNS, "Matches"]
    return _cells(found)


CAPACITY_HEADERS = {"person": "Person", "week": "Week", "fiscal_week": "Fiscal Week",
                    "hours": "Hours", "capacity": "Capacity", "utilisation": "Utilisation",
                    "tasks": "Tasks"}


@xw.func(category=CATEGORY)
@xw.arg("tasks", doc="The Tasks table with its header, e.g. Tasks[#All]", **TABLE)
@xw.arg("people",
        doc="Optional: the People table (Hours per Week; default 40), e.g. People[#All]",
        **TABLE)
@xw.arg("person", doc="Optional: only this person (ignoring case); blank = everybody")
@xw.arg("plan", doc="Optional: the Plan table (its FY Start Month), e.g. Plan[#All]",
        **TABLE)
@xw.ret(**OUT)
@cell_function
def MOM_CAPACITY(tasks, people=None, person=None, plan=None):
    """Load per person and week: each task's Planned Hours spread evenly over its
    working days; utilisation = hours ÷ Hours per Week. Weeks run Monday to Sunday."""
    from mom_engine.domains.capacity import person_keys, roll_up_capacity
    book = _book({"Tasks": tasks, "People": people}, plan, required=("Tasks",))
    loads = roll_up_capacity(book).loads
    if person not in (None, ""):
        loads = loads[loads["person_key"].to_numpy(dtype=object) == person_keys([str(person)])[0]]
    out = loads[list(CAPACITY_HEADERS)].assign(
        week=pd.to_datetime(loads["week"]), tasks=[", ".join(map(str, t)) for t in loads["tasks"]])
    return _cells(out.rename(columns=CAPACITY_HEADERS))
