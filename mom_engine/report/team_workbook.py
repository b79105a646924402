"""The team workbook, written from the sheet declarations (SPEC §3, §14).

`mom template` writes it blank; `mom demo` writes it with data through the very same function,
so demo workbooks are template workbooks. Each sheet is an Excel table with a header style,
frozen header, column widths and number formats; every enumeration gets a drop-down list fed
from the Lists sheet; an Instructions sheet comes first, then the native Dashboard
(`team_dashboard`: Excel formulas, live without Python) with, below it, the cells that call the
MOM worksheet functions (xlwings UDFs) for what formulas cannot do.

The Excel face (SPEC §14):
- Formula columns (`formulas.TEMPLATE_FORMULA_COLUMNS`): the five §5 figures on Activities, fed
  by helper columns on Realignments, PurchaseOrders and Invoices, written with the engine's
  figures cached (`formulas.cached_values`) so a viewer that does not recalculate shows the
  right numbers; and the Dashboard's helpers on Budget, Tasks, Opportunities and Quotas.
- Those sheets are protected without a password: formula cells locked, input cells
  unlocked; formatting, sorting and filtering stay allowed. Excel cannot grow a table on a
  protected sheet, so their tables carry `SPARE_ROWS` empty rows (formulas ready, reading as
  blank rows); beyond that, Review ▸ Unprotect Sheet, add rows, protect again.
- Conditional formats: an activity row turns red when Remaining < 0; a task row turns orange
  when late (Planned Finish before today, % Complete < 1, not Done/Cancelled — §6 task-late).
- An `xlwings.conf` sheet names the UDF module (`UDF Modules` = `mom_udfs`).
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path
from collections.abc import Iterable
from typing import Any

from ..plan import PLAN_DROPDOWNS, PLAN_FIELDS, PLAN_HELP
from ..sheets import (BUDGET_CONTROLS, DEFAULT_LEAD_STAGES, LIST_NAMES, PLAN_STATUSES,
                      PO_CONTROLS, SHEETS, Column, Kind, Sheet, leads_sheet)
from ..findings import column_letter
from ..domains.formulas import (MONEY_FORMULA_COLUMNS, PLAN_CURRENCY_FORMULA, PLAN_CURRENCY_NAME,
                        TEMPLATE_FORMULA_COLUMNS, FormulaValues)
from . import team_dashboard
from .files import atomic_path, new_workbook, set_up_printing

TEMPLATE_CREATED = dt.datetime(2026, 1, 1)   # fixed, so a regenerated template is byte-equal
DATA_VALIDATION_ROWS = 2000
TABLE_STYLE = "Table Style Medium 2"
SPARE_ROWS = 100           # empty, formula-ready rows in the tables of protected sheets
UDF_MODULE = "mom_udfs"
# xlwings reads A1:B… of this sheet as settings (see xlwings docs, "xlwings.conf sheet").
XLWINGS_CONF = (("UDF Modules", UDF_MODULE),)
PROTECTION = {"format_cells": True, "format_columns": True, "format_rows": True,
              "sort": True, "autofilter": True, "select_locked_cells": True,
              "select_unlocked_cells": True}
NEEDS_ADD_IN = "needs the MOM add-in (xlwings): see Instructions"

# Drop-down lists for enumerations live on the Lists sheet after the planner's own lists.
ENUM_LISTS: dict[str, tuple[str, ...]] = {
    "Plan Status": PLAN_STATUSES,
    "Campaign Status": SHEETS["Campaigns"].column("Status").choices,
    "Task Status": SHEETS["Tasks"].column("Status").choices,
    "Resource Type": SHEETS["Tasks"].column("Resource Type").choices,
    "PO Status": SHEETS["PurchaseOrders"].column("Status").choices,
    "Invoice Status": SHEETS["Invoices"].column("Status").choices,
    "Opportunity Stage": SHEETS["Opportunities"].column("Stage").choices,
    "Lead Status": SHEETS["Leads"].column("Status").choices,
    "Asset Status": SHEETS["Assets"].column("Status").choices,
    "Yes No": ("Yes", "No"),
    "Overspend Severity": ("error", "warning"),
    "Budget Control": BUDGET_CONTROLS,
    "PO Control": PO_CONTROLS,
}

# (sheet, column) → the planner's list that suggests values (not enforced in Excel;
# GL Accounts is enforced by `mom validate` once the list is filled).
SUGGESTION_LISTS: dict[tuple[str, str], str] = {
    ("Campaigns", "Channel"): "Channels", ("Campaigns", "Segment"): "Segments",
    ("Campaigns", "Product"): "Products", ("Activities", "GL Account"): "GL Accounts",
    ("Activities", "Type"): "Activity Types", ("Activities", "Vendor"): "Vendors",
    ("Invoices", "GL Account"): "GL Accounts", ("Invoices", "Vendor"): "Vendors",
    ("PurchaseOrders", "Vendor"): "Vendors", ("Tasks", "Role"): "Roles",
    ("Opportunities", "Rep"): "Reps", ("Quotas", "Rep"): "Reps",
    ("Assets", "Type"): "Asset Types", ("Assets", "Product"): "Products",
    ("Assets", "Segment"): "Segments", ("Assets", "Region"): "Regions",
    ("People", "Role"): "Roles",
}

ENUM_FOR_COLUMN: dict[tuple[str, str], str] = {
    ("Campaigns", "Status"): "Campaign Status", ("Tasks", "Status"): "Task Status",
    ("Tasks", "Resource Type"): "Resource Type", ("PurchaseOrders", "Status"): "PO Status",
    ("Invoices", "Status"): "Invoice Status", ("Opportunities", "Stage"): "Opportunity Stage",
    ("Leads", "Status"): "Lead Status", ("Leads", "Opted Out"): "Yes No",
    ("Assets", "Status"): "Asset Status", ("People", "Resource Type"): "Resource Type",
}

# Dashboard blocks: (title, UDF call, rows to leave for the spilled table).
SPEND_TABLES = ("Activities[#All],Budget[#All],PurchaseOrders[#All],Invoices[#All],"
                "Realignments[#All],Rates[#All]")
DASHBOARD: tuple[tuple[str, str, int], ...] = (
    ("Spend by campaign", f'MOM_SPEND({SPEND_TABLES},"campaign",Plan[#All])', 20),
    ("Remaining (plan)", f'MOM_REMAINING({SPEND_TABLES},"",Plan[#All])', 4),
    ("Schedule by campaign",
     'MOM_SCHEDULE(Tasks[#All],Activities[#All],"campaign",TODAY(),Plan[#All])', 20),
    ("Pipeline coverage by rep (this quarter)",
     'MOM_COVERAGE(Opportunities[#All],Quotas[#All],TODAY(),"",Plan[#All])', 20),
)

PLAN_PLACEHOLDERS = {"Plan ID": "NEW-PLAN", "Team": "Team name", "Status": "Draft"}
INSTRUCTIONS = (
    "MOM team workbook — how to use it",
    "",
    "1. Plan: fill Plan ID, Team, Fiscal Year and Status (the placeholders are there to be "
    "overwritten).",
    "2. Campaigns and Activities: one row each; every activity has a GL account.",
    "3. Budget: one row per activity and month (Budgeted and Planned amounts, plan currency).",
    "4. Tasks, PurchaseOrders, Invoices, Opportunities, Quotas, Leads, Assets, People: fill what "
    "your team tracks; empty sheets are fine.",
    "5. Lists: your reference lists (channels, GL accounts, vendors, reps…); a filled GL "
    "Accounts list is the chart of accounts.",
    "6. Run Validate (MOM add-in) or `mom validate this.xlsx`: every problem is listed with a "
    "link to its cell.",
    "",
    "Headers may be renamed only in case, spaces, underscores and hyphens; extra columns are "
    "kept and ignored. Amounts are in the plan currency unless a Currency column says "
    "otherwise (add its rate on Rates).",
    "",
    "Grey columns are formulas (Activities: Budgeted, Planned, Committed, Spent, Remaining; "
    "helpers on Realignments, PurchaseOrders and Invoices). A row MOM leaves out of the "
    "figures (a repeated ID, an unknown activity, PO or campaign, a required value blank) shows "
    "Counted 0 and blank figures; Validate says why. Those sheets are protected without a password so "
    "the formulas are not typed over; their tables have spare rows. To add more rows: Review ▸ "
    "Unprotect Sheet, extend the table, Review ▸ Protect Sheet.",
    "Red activity rows are over budget (Remaining < 0); orange task rows are late.",
    "",
    "Dashboard: live figures from formulas, nothing to install — the plan headline with the "
    "year-end forecast, one row per campaign (red when over budget; delayed or underperforming "
    "ones marked At risk, with why), the fiscal year by month "
    "with the burn projected to year end, schedule and pipeline coverage. They are measured "
    "on its As of date (today; type a date to look at another day or quarter).",
    "",
    "The MOM add-in (cells at the bottom of the Dashboard) adds findings and what-if: install "
    "xlwings (pip install mom, then xlwings addin "
    "install), open this workbook, xlwings ribbon ▸ Import Functions, save as .xlsm. The "
    "xlwings.conf sheet already names the function module (mom_udfs). Functions: MOM_SPEND, "
    "MOM_REMAINING, MOM_SCHEDULE, MOM_COVERAGE, MOM_FUNNEL, MOM_ASSETS, MOM_CAPACITY, "
    "MOM_VALIDATE — each takes whole tables, e.g. =MOM_SPEND(Activities[#All], Budget[#All], …).",
)


def _number_format(column: Column) -> str | None:
    return {
        Kind.MONEY: "#,##0.00", Kind.DATE: "yyyy-mm-dd", Kind.MONTH: "yyyy-mm",
        Kind.PERCENT: "0%", Kind.NUMBER: "General",
    }.get(column.kind)


def _table_name(sheet_name: str) -> str:
    return re.sub(r"\W", "", sheet_name)


def _list_name(list_name: str) -> str:
    return "List_" + re.sub(r"\W", "_", list_name)


def write_team_workbook(
    path: str | Path,
    *,
    plan: dict[str, Any] | None = None,
    tables: dict[str, list[dict[str, Any]]] | None = None,
    lists: dict[str, list[str]] | None = None,
    fiscal_year: int | None = None,
    dashboard_as_of: dt.date | None = None,
) -> Path:
    """Write a team workbook (blank when no data is given), atomically. The Dashboard's As of
    is `=TODAY()` unless `dashboard_as_of` fixes it."""
    path = Path(path)
    tables = tables or {}
    lists = lists or {}
    if fiscal_year is None:
        fiscal_year = dt.date.today().year + 1
    plan_values = {**PLAN_PLACEHOLDERS, "Fiscal Year": fiscal_year, **(plan or {})}
    with atomic_path(path) as temporary:
        workbook = new_workbook(temporary)
        workbook.set_properties({"title": "MOM team workbook", "created": TEMPLATE_CREATED,
                                 "comments": "Made by mom template"})
        book = _engine_book(plan_values, tables, lists)
        from ..domains.formulas import cached_values
        writer = _Writer(workbook, cached_values(book))
        writer.instructions()
        writer.dashboard(book, dashboard_as_of, len(tables.get("Campaigns", [])),
                         _quota_reps(tables.get("Quotas", [])))
        writer.plan(plan_values)
        stages = _lead_stages(plan_values.get("Lead Stages"))
        for sheet in SHEETS.values():
            if sheet.name in ("Plan", "Lists"):
                continue
            if sheet.name == "Leads":
                sheet = leads_sheet(stages)
            writer.table(sheet, tables.get(sheet.name, []))
        writer.lists(lists)
        writer.xlwings_conf()
        workbook.define_name(PLAN_CURRENCY_NAME, PLAN_CURRENCY_FORMULA)
        for name, formula in team_dashboard.NAMES.items():
            workbook.define_name(name, formula)
        set_up_printing(workbook, f"{plan_values.get('Team') or 'Team'} — "
                                  f"{plan_values.get('Plan ID') or 'plan'}",
                        dashboard_as_of.isoformat() if dashboard_as_of else None)
        workbook.close()
    return path


def _engine_book(plan: dict[str, Any], tables: dict[str, list[dict[str, Any]]],
                 lists: dict[str, list[str]] | None) -> Any:
    """The rows about to be written, read and structure-checked as the engine reads the file:
    the source of every cached value (SPEC §14: one definition per figure)."""
    from itertools import zip_longest

    from ..frames import book_from_tables
    given: dict[str, Any] = {name: _rows_for(name, tables.get(name, []))
                             for name in ("Activities", "Budget", "Realignments", "PurchaseOrders",
                                          "Invoices", "Rates", "Campaigns")}
    if lists:
        given["Lists"] = [list(lists), *map(list, zip_longest(*lists.values()))]
    plan_rows = {k: v for k, v in plan.items() if not isinstance(v, (list, tuple))}
    return book_from_tables(given, plan_rows, name="cached", check=True)


def _quota_reps(quotas: list[dict[str, Any]]) -> int:
    """How many rep rows the coverage chart spans: the most quota rows of one quarter."""
    counts: dict[str, int] = {}
    for record in quotas:
        quarter = str(record.get("Quarter"))
        counts[quarter] = counts.get(quarter, 0) + 1
    return max(counts.values(), default=0)


def _rows_for(sheet_name: str, records: list[dict[str, Any]]) -> list[list[Any]]:
    """Records as sheet rows (header first) the way `table()` writes them: row i → Excel row
    i + 2, so `_row` of the read Book points at the written row."""
    declared = [c.name for c in SHEETS[sheet_name].columns]
    header = declared + list(dict.fromkeys(
        k for r in records for k in r if k not in declared))
    rows: list[list[Any]] = [header]
    for record in records:
        row = [record.get(h) for h in header]
        rows.append(row)
    return rows


def _lead_stages(value: Any) -> tuple[str, ...]:
    if not value:
        return DEFAULT_LEAD_STAGES
    if isinstance(value, str):
        return tuple(s.strip() for s in re.split(r"[,;]", value) if s.strip())
    return tuple(value)


class _Writer:
    def __init__(self, workbook: Any, values: FormulaValues | None = None) -> None:
        self.workbook = workbook
        self.values = values or FormulaValues({})
        # Table header cells carry their fill and font themselves, not only through the table
        # style: LibreOffice and Excel for the web do not draw table styles' headers.
        self.header = workbook.add_format({"bold": True, "font_color": "#FFFFFF",
                                           "bg_color": "#1F4E78", "border": 1})
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        self.formats: dict[tuple[str | None, bool], Any] = {}
        self.list_columns: dict[str, str] = {}   # list name → absolute range on Lists
        self.over_budget = workbook.add_format({"bg_color": "#F8CBAD", "font_color": "#9C0006"})
        self.late = workbook.add_format({"bg_color": "#FCE4D6", "font_color": "#833C0B"})

    def fmt(self, number_format: str | None, *, locked: bool = False) -> Any:
        """Input cells are unlocked (editable on protected sheets); formula cells locked, grey."""
        key = (number_format, locked)
        if key not in self.formats:
            spec: dict[str, Any] = {"locked": locked}
            if number_format:
                spec["num_format"] = number_format
            if locked:
                spec.update({"bg_color": "#EDEDED", "font_color": "#404040"})
            self.formats[key] = self.workbook.add_format(spec)
        return self.formats[key]

    def instructions(self) -> None:
        sheet = self.workbook.add_worksheet("Instructions")
        sheet.set_column(0, 0, 110)
        for row, line in enumerate(INSTRUCTIONS):
            sheet.write_string(row, 0, line, self.title if row == 0 else self.wrap)

    # -- cells ---------------------------------------------------------------------------
    def write_value(self, sheet: Any, row: int, col: int, value: Any, column: Column | None) -> None:
        if value is None or value == "":
            return
        number_format = self.fmt(_number_format(column) if column else None)
        if isinstance(value, bool):
            sheet.write_string(row, col, "Yes" if value else "No")
        elif isinstance(value, (dt.date, dt.datetime)):
            if not isinstance(value, dt.datetime):
                value = dt.datetime.combine(value, dt.time())
            sheet.write_datetime(row, col, value, number_format or self.fmt("yyyy-mm-dd"))
        elif isinstance(value, (int, float)):
            sheet.write_number(row, col, value, number_format)
        elif isinstance(value, (tuple, list)):
            sheet.write_string(row, col, ", ".join(map(str, value)))
        else:
            sheet.write_string(row, col, str(value))

    # -- sheets --------------------------------------------------------------------------
    def plan(self, values: dict[str, Any]) -> None:
        sheet = self.workbook.add_worksheet("Plan")
        sheet.set_column(0, 0, 24)
        sheet.set_column(1, 1, 30)
        sheet.set_column(2, 2, 60)
        rows = len(PLAN_FIELDS)
        sheet.add_table(0, 0, rows, 2, {
            "name": "Plan", "style": TABLE_STYLE,
            "columns": [{"header": h, "header_format": self.header}
                        for h in ("Field", "Value", "Help")],
        })
        for index, column in enumerate(PLAN_FIELDS, start=1):
            sheet.write_string(index, 0, column.name)
            value = values.get(column.name, column.default)
            if column.kind is Kind.PERCENT and isinstance(value, float):
                sheet.write_number(index, 1, value, self.fmt("0%"))
            else:
                self.write_value(sheet, index, 1, value, column)
            sheet.write_string(index, 2, PLAN_HELP.get(column.name, ""))
            if column.name in PLAN_DROPDOWNS:
                sheet.data_validation(index, 1, index, 1, {
                    "validate": "list", "source": f"={_list_name(PLAN_DROPDOWNS[column.name])}"})
        sheet.freeze_panes(1, 0)

    def table(self, declaration: Sheet, rows: list[dict[str, Any]]) -> None:
        sheet = self.workbook.add_worksheet(declaration.name)
        columns = [c for c in declaration.columns if c.template]
        formulas = TEMPLATE_FORMULA_COLUMNS.get(declaration.name, [])
        if formulas:
            # XlsxWriter runs ~30 regular expressions over every formula it writes (future
            # function names); the same few formulas repeat on every row, so remember them.
            sheet._prepare_formula = functools.lru_cache(maxsize=64)(sheet._prepare_formula)
        formula_names = {name for name, _ in formulas}
        extra = [key for row in rows for key in row
                 if key not in {c.name for c in columns} and key not in formula_names]
        extra = list(dict.fromkeys(extra))
        headers = [c.name for c in columns] + extra
        first_formula = len(headers)
        last_row = max(len(rows), 1) + (SPARE_ROWS if formulas else 0)
        table_name = _table_name(declaration.name)
        sheet.add_table(0, 0, last_row, len(headers) + len(formulas) - 1, {
            "name": table_name, "style": TABLE_STYLE,
            "columns": [{"header": h, "header_format": self.header} for h in headers] + [
                {"header": name, "formula": formula, "format": self.formula_format(name),
                 "header_format": self.header} for name, formula in formulas],
        })
        for col, column in enumerate(columns):
            sheet.set_column(col, col, column.width, self.fmt(_number_format(column)))
            self.validation(sheet, declaration.name, column, col)
        for col in range(len(columns), len(headers)):
            sheet.set_column(col, col, 14, self.fmt(None))
        for index, record in enumerate(rows, start=1):
            for col, column in enumerate(columns):
                self.write_value(sheet, index, col, record.get(column.name), column)
            for col, name in enumerate(extra, start=len(columns)):
                self.write_value(sheet, index, col, record.get(name), None)
        if formulas:
            self.formula_cells(sheet, declaration.name, formulas, first_formula, last_row)
            sheet.protect("", PROTECTION)
        self.conditional_formats(sheet, declaration, headers, first_formula, formulas)
        sheet.freeze_panes(1, 0)

    def formula_format(self, name: str) -> Any:
        return self.fmt("#,##0.00" if name in MONEY_FORMULA_COLUMNS else None, locked=True)

    def formula_cells(self, sheet: Any, sheet_name: str, formulas: list[tuple[str, str]],
                      first_col: int, last_row: int) -> None:
        """Every table row gets its formulas with the cached value a recalculation would give
        ("" on rows without data, so they read as blank rows)."""
        values = self.values.rows.get(sheet_name, {})
        for offset, (name, formula) in enumerate(formulas):
            col = first_col + offset
            sheet.set_column(col, col, max(14, len(name) + 2), self.formula_format(name))
            cell_format = self.formula_format(name)
            for row in range(1, last_row + 1):
                value = values.get(row + 1, {}).get(name, "")
                sheet.write_formula(row, col, formula, cell_format,
                                    "" if value is None else value)

    def conditional_formats(self, sheet: Any, declaration: Sheet, headers: list[str],
                            first_formula: int, formulas: list[tuple[str, str]]) -> None:
        last_col = len(headers) + len(formulas) - 1
        if declaration.name == "Activities":
            remaining = column_letter(first_formula + [n for n, _ in formulas].index("Remaining"))
            sheet.conditional_format(1, 0, DATA_VALIDATION_ROWS, last_col, {
                "type": "formula", "criteria": f"=AND(ISNUMBER(${remaining}2),${remaining}2<0)",
                "format": self.over_budget})
        elif declaration.name == "Tasks":
            letter = {name: column_letter(headers.index(name))
                      for name in ("Planned Finish", "% Complete", "Status")}
            finish, done, status = letter["Planned Finish"], letter["% Complete"], letter["Status"]
            sheet.conditional_format(1, 0, DATA_VALIDATION_ROWS, last_col, {
                "type": "formula",
                "criteria": (f'=AND(ISNUMBER(${finish}2),${finish}2<TODAY(),N(${done}2)<1,'
                             f'${status}2<>"Done",${status}2<>"Cancelled")'),
                "format": self.late})

    def dashboard(self, book: Any, as_of: dt.date | None, campaigns: int, reps: int) -> None:
        """The native Dashboard (`team_dashboard`), its spend figures cached from the engine;
        below it the add-in's functions, with a hint instead of #NAME? without the add-in."""
        sheet = self.workbook.add_worksheet("Dashboard")
        writer = team_dashboard.DashboardWriter(self.workbook, self.dashboard_formats())
        writer.write(sheet, as_of=as_of, cached=team_dashboard.cached_cells(book),
                     campaigns=campaigns, reps=reps, add_in=list(DASHBOARD),
                     needs_add_in=NEEDS_ADD_IN)

    def dashboard_formats(self) -> dict[str, Any]:
        add = self.workbook.add_format
        money, percent = "#,##0.00", "0.0%"
        team = {"bold": True, "top": 1}
        return {
            "title": self.title, "bold": add({"bold": True}), "header": self.header,
            "subtitle": add({"bold": True, "font_size": 12, "font_color": "#1F4E78"}),
            "label": add({"bold": True, "align": "left"}),
            "value": add({"align": "right"}), "note": add({"italic": True, "font_color": "#7F7F7F"}),
            "as_of": add({"num_format": "yyyy-mm-dd", "bg_color": "#FFF2CC", "border": 1,
                          "locked": False}),
            "money": add({"num_format": money}), "percent": add({"num_format": percent}),
            "coverage": add({"num_format": '0.00"×"'}), "count": add({"num_format": "0"}),
            "month": add({"num_format": "yyyy-mm", "align": "left"}), "text": add({}),
            "flag": add({"bold": True, "font_color": "#9C0006"}),
            "team_text": add(team), "team_money": add({**team, "num_format": money}),
            "team_coverage": add({**team, "num_format": '0.00"×"'}),
            "team_flag": add({**team, "font_color": "#9C0006"}),
            "over": self.over_budget, "late": self.late,
        }

    def xlwings_conf(self) -> None:
        sheet = self.workbook.add_worksheet("xlwings.conf")
        sheet.set_column(0, 1, 24)
        for row, (key, value) in enumerate(XLWINGS_CONF):
            sheet.write_string(row, 0, key)
            sheet.write_string(row, 1, value)

    def validation(self, sheet: Any, sheet_name: str, column: Column, col: int) -> None:
        enum = ENUM_FOR_COLUMN.get((sheet_name, column.name))
        if enum:
            sheet.data_validation(1, col, DATA_VALIDATION_ROWS, col, {
                "validate": "list", "source": f"={_list_name(enum)}",
                "error_title": column.name,
                "error_message": f"Choose one of: {', '.join(ENUM_LISTS[enum])}"})
            return
        suggestion = SUGGESTION_LISTS.get((sheet_name, column.name))
        if suggestion:
            sheet.data_validation(1, col, DATA_VALIDATION_ROWS, col, {
                "validate": "list", "source": f"={_list_name(suggestion)}",
                "show_error": False})
            return
        if column.kind in (Kind.DATE, Kind.MONTH):
            sheet.data_validation(1, col, DATA_VALIDATION_ROWS, col, {
                "validate": "date", "criteria": "between",
                "minimum": dt.date(1950, 1, 1), "maximum": dt.date(2100, 12, 31),
                "error_title": column.name, "error_message": "Type a date, e.g. 2027-03-01"})
        elif column.kind in (Kind.MONEY, Kind.NUMBER) and column.minimum == 0:
            sheet.data_validation(1, col, DATA_VALIDATION_ROWS, col, {
                "validate": "decimal", "criteria": ">=", "value": 0,
                "error_title": column.name, "error_message": "Type a number of 0 or more"})
        elif column.kind is Kind.PERCENT:
            sheet.data_validation(1, col, DATA_VALIDATION_ROWS, col, {
                "validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 1,
                "error_title": column.name, "error_message": "Type a percent, 0% to 100%"})

    def lists(self, user_lists: dict[str, list[str]]) -> None:
        sheet = self.workbook.add_worksheet("Lists")
        names = list(LIST_NAMES) + [n for n in user_lists if n not in LIST_NAMES] + list(ENUM_LISTS)
        height = max([len(v) for v in user_lists.values()] + [len(v) for v in ENUM_LISTS.values()]
                     + [1])
        sheet.add_table(0, 0, height, len(names) - 1, {
            "name": "Lists", "style": TABLE_STYLE,
            "columns": [{"header": n, "header_format": self.header} for n in names],
        })
        for col, name in enumerate(names):
            items: Iterable[str] = ENUM_LISTS.get(name) or user_lists.get(name, [])
            sheet.set_column(col, col, max(14, len(name) + 4))
            for row, item in enumerate(items, start=1):
                sheet.write_string(row, col, str(item))
            letter = column_letter(col)
            # Fixed enumerations name exactly their items (no blank entries in the drop-down);
            # the planner's own lists leave room to grow.
            last = 1 + len(ENUM_LISTS[name]) if name in ENUM_LISTS else DATA_VALIDATION_ROWS
            self.workbook.define_name(_list_name(name), f"=Lists!${letter}$2:${letter}${last}")
        sheet.freeze_panes(1, 0)
