"""The consolidated workbook (SPEC §11): a manager's view of many team workbooks.

Sheets: Dashboard (headline figures and native Excel charts), Teams, then one sheet per domain
rollup that is available (Campaigns, GL by Month, Schedule, Coverage, Funnel, Scorecard, Assets),
Findings (each linked to the cell in its source workbook; past Excel's row limit they go on
in Findings (2), Findings (3)…) and Sources (file identity and rows
read / consolidated / rejected per sheet). It holds rollups and findings, never every source
row (`--detail DIR` writes those as Parquet). Written with XlsxWriter through
`files.new_workbook` (user text never becomes a formula) into `files.atomic_path` (a crash
never leaves half a file). Money arrives as integer cents and is written as currency units.
"""
from __future__ import annotations

import math
import os
import urllib.parse
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from xlsxwriter.url import Url

from ..consolidate import MONEY_FIGURES, ConsolidatedReport
from ..findings import Finding, Severity
from .calendar_sheet import calendar_start_month, write_calendar_sheet
from .cells import CellKind, Cells, date_cells, flag_cells, write_rows
from .specs import (ACCOUNTS, ASSETS, AT_RISK, CAMPAIGN_HOURS, CAPACITY_WEEKS, COVERAGE,
                    EFFECTIVENESS, EFFICIENCY, FUNNEL, SCHEDULE, SOURCES, SPEND, SPEND_FORECAST,
                    sheet_columns)
from .table import Column, Kind, TableSpec
from .charts import ALL_OTHERS, ITEMS, MONEY_AXIS, RATIO_AXIS, TOP, set_axes, top_and_rest
from .files import atomic_path, new_workbook, set_up_printing

MAX_URLS = 65_000          # Excel allows 65,530 hyperlinks per sheet; the rest stay text
MAX_URL_LENGTH = 2_000
SPI_CHART_CAMPAIGNS = 30
AT_RISK_SHOWN = 15         # at-risk campaigns listed on the Dashboard (all on At Risk)

# The rollup sheets in workbook order: (sheet title, report.tables key, the specs its headers
# and kinds come from, what the sheet says when it has nothing to show).
DOMAIN_SHEETS: tuple[tuple[str, str, tuple[TableSpec, ...], str], ...] = (
    ("Campaigns", "campaigns", (SPEND,), "no workbook read has a campaign"),
    ("GL by Month", "gl_month", (SPEND,),
     "no workbook read has a budget, PO or invoice amount in the reporting currency"),
    ("Schedule", "schedule", (SCHEDULE,), "no workbook read has a campaign"),
    ("At Risk", "at_risk", (AT_RISK,),
     "no campaign is behind schedule or underperforming as of {as_of}"),
    ("Coverage", "coverage", (COVERAGE,),
     "no workbook read has a quota or open pipeline in the fiscal quarter containing {as_of}"),
    ("Funnel", "funnel", (FUNNEL,), "no workbook read has leads"),
    ("Scorecard", "scorecard", (EFFECTIVENESS, EFFICIENCY), "no workbook read has a campaign"),
    ("Scorecard by Quarter", "scorecard_quarters", (EFFECTIVENESS, EFFICIENCY),
     "no workbook read has a campaign"),
    ("Capacity", "capacity", (CAPACITY_WEEKS,), "no task has an assignee with planned hours"),
    ("Hours by Campaign", "campaign_hours", (CAMPAIGN_HOURS,),
     "no task has planned or actual hours"),
    ("Target Accounts", "accounts", (ACCOUNTS,), "no workbook read has a target account"),
    ("Assets", "assets", (ASSETS,), "no workbook read has an asset"),
)
TEAMS_SPECS = (SPEND, SPEND_FORECAST, SCHEDULE)

# Number formats of the cells by the kind of their column (money in cents is shown in units).
NUMBER_FORMATS = {Kind.MONEY: "#,##0.00", Kind.AMOUNT: "#,##0.00", Kind.RATIO: "0.00",
                  Kind.PERCENT: "0.0%", Kind.DAYS: "#,##0.0", Kind.HOURS: "#,##0.0",
                  Kind.COUNT: "#,##0"}
UNROUNDED = {"rate"}          # an exchange rate is shown with every decimal it has


def write_consolidated(path: str | Path, report: ConsolidatedReport) -> Path:
    """Write the consolidated workbook atomically; returns its path."""
    path = Path(path)
    with atomic_path(path) as temporary:
        workbook = new_workbook(temporary, constant_memory=True)   # rows stream to disk
        styles = Styles(workbook)
        dashboard = workbook.add_worksheet("Dashboard")
        positions: dict[str, tuple[str, int, dict[str, int]]] = {}
        teams = _teams_frame(report)
        positions["teams"] = write_frame(workbook, styles, "Teams", teams, TEAMS_SPECS,
                                         "no workbook could be read")
        for title, key, specs, empty in DOMAIN_SHEETS:
            positions[key] = write_frame(workbook, styles, title, report.tables.get(key), specs,
                                         empty.format(as_of=report.as_of.isoformat()))
        if "calendar" in report.tables:
            calendar = report.tables["calendar"]
            start_month = calendar_start_month(calendar)
            for title, rows in sheet_parts("Calendar", len(calendar), header_rows=2):
                write_calendar_sheet(workbook, part_of(calendar, rows), report.as_of, title,
                                     start_month=start_month)
        write_findings(workbook, styles, report, path.parent)
        write_frame(workbook, styles, "Sources", report.sources, (SOURCES,),
                    "no workbook was given")
        write_dashboard(workbook, dashboard, styles, report, positions)
        set_up_printing(workbook, "MOM consolidated plans", report.as_of.isoformat())
        workbook.close()
    return path


class Styles:
    def __init__(self, workbook: Any) -> None:
        add = workbook.add_format
        self.header = add({"bold": True, "bg_color": "#1F3864", "font_color": "#FFFFFF",
                           "text_wrap": True, "valign": "top", "border": 1})
        self.number = {kind: add({"num_format": shown}) for kind, shown in NUMBER_FORMATS.items()}
        self.date = add({"num_format": "yyyy-mm-dd"})
        self.text = add({})
        self.title = add({"bold": True, "font_size": 16, "font_color": "#1F3864"})
        self.label = add({"bold": True})
        self.big_money = add({"num_format": "#,##0.00", "font_size": 13, "bold": True})
        self.big_integer = add({"num_format": "#,##0", "font_size": 13, "bold": True})
        self.bad = add({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
        self.link = add({"font_color": "#0563C1", "underline": 1})
        self.error = add({"font_color": "#9C0006", "bold": True})
        self.warning = add({"font_color": "#9C5700"})


def _teams_frame(report: ConsolidatedReport) -> pd.DataFrame:
    frame = report.teams.copy()
    if frame.empty:
        return pd.DataFrame(columns=["book", "team", "plan_id", "currency", "errors",
                                     "warnings"])
    order = ["team", "plan_id", "book", "currency", "rate", *MONEY_FIGURES, "overspend",
             "projected", "forecast",
             "percent_complete", "spi", "late_tasks", *[f"{f}_local" for f in MONEY_FIGURES],
             "errors", "warnings"]
    return frame[[c for c in order if c in frame.columns]]


def frame_spec(frame: pd.DataFrame, specs: tuple[TableSpec, ...]) -> TableSpec:
    """The sheet's columns from the report specs; a column no spec declares gets its kind from
    its values (dates, yes/no, whole numbers; other numbers as ratios) and keeps its name."""
    spec = sheet_columns([str(c) for c in frame.columns], *specs)
    columns = []
    for column, name in zip(spec.columns, frame.columns, strict=True):
        if column.header == column.name and column.kind is Kind.TEXT:
            series = frame[name]
            kind = (Kind.DATE if pd.api.types.is_datetime64_any_dtype(series) else
                    Kind.FLAG if pd.api.types.is_bool_dtype(series) else
                    Kind.COUNT if pd.api.types.is_integer_dtype(series) else
                    Kind.RATIO if pd.api.types.is_float_dtype(series) else Kind.TEXT)
            column = Column(column.name, column.header, kind, column.priority)
        columns.append(column)
    return TableSpec(*columns)


def table_headers(spec: TableSpec) -> list[str]:
    """The headers of a sheet, unique ignoring case as an Excel table needs ("X (2)")."""
    seen: set[str] = set()
    headers = []
    for column in spec.columns:
        header, number = column.header, 1
        while header.casefold() in seen:
            number += 1
            header = f"{column.header} ({number})"
        seen.add(header.casefold())
        headers.append(header)
    return headers


def write_frame(workbook: Any, styles: Styles, title: str, frame: pd.DataFrame | None,
                specs: tuple[TableSpec, ...], empty: str) -> tuple[str, int, dict[str, int]]:
    """A DataFrame as an Excel table on its sheet (`write_table_sheet`); a frame past Excel's
    row limit continues on numbered sheets, `title (2)`, `title (3)`… (`sheet_parts`), each
    its own table, so no row is dropped. Returns (first sheet, rows, column index)."""
    count = 0 if frame is None else len(frame)
    written = [write_table_sheet(workbook, styles, part, part_of(frame, rows), specs, empty)
               for part, rows in sheet_parts(title, count)]
    return title, count, written[0][2]


def write_table_sheet(workbook: Any, styles: Styles, title: str, frame: pd.DataFrame | None,
                      specs: tuple[TableSpec, ...],
                      empty: str) -> tuple[str, int, dict[str, int]]:
    """A DataFrame as an Excel table (a ListObject users filter, sort and pivot) named after the
    sheet: human headers from the report specs, cells formatted by kind, widths, frozen header,
    overspend/negative remaining highlighted. A frame with no rows keeps its headers and says
    on the next line why there is nothing (`empty`); no frame at all, that line alone.
    Returns (sheet, rows, column index)."""
    sheet = workbook.add_worksheet(title)
    if frame is None or not len(frame.columns):
        sheet.set_column(0, 0, 100)
        sheet.write_string(0, 0, f"Nothing to show: {empty}.", styles.label)
        return title, 0, {}
    spec = frame_spec(frame, specs)
    columns = list(frame.columns)
    headers = table_headers(spec)
    kinds = [c.kind for c in spec.columns]
    rows = len(frame)
    if rows:
        add_streamed_table(sheet, rows, headers, table_name(title))
    for index, header in enumerate(headers):
        sheet.write_string(0, index, header, styles.header)
    for index, column in enumerate(columns):   # widths from the header and the first rows
        head = frame[column].iloc[:200].tolist()
        width = max([len(headers[index])] + [len(str(v)) for v in head])
        width = min(max(width + 2, 10), 60) if kinds[index] is Kind.TEXT else \
            max(len(headers[index]) + 2, 13)
        sheet.set_column(index, index, width)
    if not rows:
        sheet.write_string(1, 0, f"Nothing to show: {empty}.", styles.label)
    # row by row (constant-memory mode flushes each finished row); each column's cells are
    # converted once, column-wise, so what is left per cell is XlsxWriter's own work
    cells = [column_cells(styles, kind, frame[column], str(column) in UNROUNDED)
             for kind, column in zip(kinds, columns, strict=True)]
    write_rows(sheet, cells, first_row=1)
    sheet.freeze_panes(1, 0)
    _highlight(sheet, styles, columns, rows)
    return title, rows, {str(c): i for i, c in enumerate(columns)}


def _highlight(sheet: Any, styles: Styles, columns: list[Any], rows: int) -> None:
    """Overspend, late tasks, a gap, negative remaining, rejected rows, a person above 100 %
    that week and likely duplicate assets in red, by conditional format (it follows edits)."""
    rules = {"overspend": (">", 0), "late_tasks": (">", 0), "gap": (">", 0),
             "remaining": ("<", 0), "rejected": (">", 0), "utilisation": (">", 1),
             "likely_duplicate": ("==", "TRUE")}
    for index, column in enumerate(columns):
        if rows and column in rules:
            criteria, value = rules[column]
            sheet.conditional_format(1, index, rows, index, {
                "type": "cell", "criteria": criteria, "value": value, "format": styles.bad})


def table_name(title: str) -> str:
    """An Excel table name from a sheet title: letters, digits and underscores."""
    return "".join(ch if ch.isalnum() else "_" for ch in title)


class _AnyCells(dict[Any, Any]):
    """A cell index that remembers nothing (see `add_streamed_table`)."""

    def __setitem__(self, key: Any, value: Any) -> None:
        pass


def add_streamed_table(sheet: Any, rows: int, headers: list[str], name: str) -> None:
    """An Excel table over the header row and `rows` rows below it, on a sheet written in
    constant-memory mode. XlsxWriter refuses tables there only because `add_table` writes the
    header cells itself and records every cell of the range to check overlaps (a million dict
    entries at 1,000 books); a sheet of ours has one table, written before any row, and the
    caller writes the header cells right after (so they are the inline strings the stream
    needs). Call it first thing on a fresh sheet."""
    streaming, cells = sheet.constant_memory, sheet.table_cells
    sheet.constant_memory, sheet.table_cells = False, _AnyCells()
    try:
        sheet.add_table(0, 0, rows, len(headers) - 1, {
            "name": name, "style": "Table Style Light 9",
            "columns": [{"header": header} for header in headers]})
    finally:
        sheet.constant_memory, sheet.table_cells = streaming, cells


def column_cells(styles: Styles, kind: Kind, series: pd.Series,
                 unrounded: bool = False) -> Cells:
    """One column of a frame ready to write: its values converted once, column-wise, for its
    kind (None where blank: None, NA, NaT, NaN), and how they are written. Money arrives as
    integer cents and is written in units."""
    blank = series.isna().to_numpy().tolist()
    if kind is Kind.MONEY or kind in NUMBER_FORMATS:
        numbers = series.to_numpy(dtype="float64", na_value=math.nan)
        if kind is Kind.MONEY:
            numbers = np.trunc(numbers) / 100
        fmt = styles.text if unrounded and kind is not Kind.MONEY else styles.number[kind]
        return Cells(_unless_blank(numbers.tolist(), blank), CellKind.NUMBER, fmt)
    if kind is Kind.DATE:
        return date_cells(series, styles.date)
    if kind is Kind.FLAG:
        return flag_cells(series)
    if pd.api.types.is_string_dtype(series.dtype) and series.dtype != object:
        return Cells(_unless_blank(series.tolist(), blank), CellKind.STRING)
    # text of no one type: a date in the date format, a number as it is, anything else as text
    return Cells(_unless_blank(series.tolist(), blank), CellKind.ANY, styles.date)


def _unless_blank(values: list[Any], blank: list[bool]) -> list[Any]:
    return [None if b else v for v, b in zip(values, blank, strict=True)]


def link_target(path: str, sheet: str | None, cell: str | None, base: Path) -> str:
    """`external:teams/x.xlsx#'Budget'!C7` — relative to the output's folder, so the link
    works from the folder the workbook is in and the folders can move together.

    The path is percent-escaped whole (its bytes, so an undecodable name links too): a book
    named `http:evil.example.xlsx` stays a file beside the report, never a web address, and
    a `#` or `%` in a name is part of the name, not an anchor. (XlsxWriter leaves a link
    that is already escaped as it is.)"""
    try:
        relative = os.path.relpath(os.path.realpath(path), os.path.realpath(base))
    except ValueError:  # another drive on Windows
        relative = os.path.realpath(path)   # (realpath: a looping link is no crash)
    safe = "/._-~" + (":" if os.path.isabs(relative) else "")   # C:/… on another drive
    target = "external:" + urllib.parse.quote(os.fsencode(Path(relative).as_posix()), safe=safe)
    return target + link_anchor(sheet, cell)


def link_anchor(sheet: str | None, cell: str | None) -> str:
    """`#'Budget'!C7` — the part of a link that names the cell (none without a sheet)."""
    return "#'" + sheet.replace("'", "''") + "'!" + (cell or "A1") if sheet else ""


class FileLink(Url):
    """A link to a file with forward slashes (`../teams/x.xlsx`): XlsxWriter writes a relative
    file link the way Windows Excel does (`..\\teams\\x.xlsx`), but a backslash separates
    folders only on Windows, while a relationship target is a URI, whose separator `/` every
    client (Windows, Mac, web, LibreOffice) follows."""

    _link: str
    _relationship_link: str

    def __init__(self, target: str, text: str, tip: str) -> None:
        super().__init__(target)
        self.text = text
        self.tip = tip[:120]       # Excel's limit is 255 UTF-16 units

    def _escape_strings(self) -> None:
        super()._escape_strings()
        self._link = self._link.replace("\\", "/")
        self._relationship_link = self._relationship_link.replace("\\", "/")


FINDING_COLUMNS = ("Severity", "Code", "Book", "Sheet", "Cell", "Row", "Column", "Message",
                   "Value", "Link")
SHEET_ROWS = 1_048_575   # Excel's 1,048,576 rows a sheet, less a header row


def sheet_parts(title: str, count: int, header_rows: int = 1) -> list[tuple[str, slice]]:
    """The sheets `count` rows fill below `header_rows` header rows: `title`, then
    `title (2)`, `title (3)`… each holding at most SHEET_ROWS + 1 - header_rows of them, with
    the slice of the rows each holds — never a row dropped at Excel's row limit."""
    size = SHEET_ROWS + 1 - header_rows
    parts = max(1, -(-count // size))
    return [(title if part == 1 else f"{title} ({part})", slice((part - 1) * size, part * size))
            for part in range(1, parts + 1)]


def part_of(frame: pd.DataFrame | None, rows: slice) -> pd.DataFrame | None:
    """The rows of one sheet's part (the frame itself when it fits on one sheet)."""
    if frame is None or (rows.start == 0 and rows.stop >= len(frame)):
        return frame
    return frame.iloc[rows].reset_index(drop=True)


def findings_sheet_titles(count: int) -> list[str]:
    """The sheets `count` findings fill: Findings, then Findings (2), Findings (3)…"""
    return [title for title, _ in sheet_parts("Findings", count)]


def write_findings(workbook: Any, styles: Styles, report: ConsolidatedReport, base: Path) -> None:
    for title, rows in sheet_parts("Findings", len(report.findings)):
        write_findings_sheet(workbook.add_worksheet(title), styles, report,
                             report.findings[rows], base)


def write_findings_sheet(sheet: Any, styles: Styles, report: ConsolidatedReport,
                         findings: list[Finding], base: Path) -> None:
    for index, title in enumerate(FINDING_COLUMNS):
        sheet.write_string(0, index, title, styles.header)
    severity_formats = {Severity.ERROR: styles.error, Severity.WARNING: styles.warning}
    links = FindingLinks(report.paths, base)
    write_rows(sheet, [
        Cells([f.severity.value for f in findings], CellKind.STRING,
              formats=[severity_formats.get(f.severity, styles.text) for f in findings]),
        *(Cells([str(v) if (v := getattr(f, name)) else None for f in findings], CellKind.STRING)
          for name in ("code", "book", "sheet", "cell")),
        Cells([f.row or None for f in findings], CellKind.NUMBER),
        Cells([f.column or None for f in findings], CellKind.STRING),
        Cells([f.message for f in findings], CellKind.STRING),
        Cells([finding_value(f.value) for f in findings], CellKind.ANY),
        Cells([links.link(f) for f in findings], CellKind.LINK, styles.link),
    ] if findings else [], first_row=1)
    for index, width in enumerate((9, 22, 32, 16, 7, 7, 16, 90, 16, 10)):
        sheet.set_column(index, index, width)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(findings), 1), len(FINDING_COLUMNS) - 1)


def finding_value(value: Any) -> Any:
    """A finding's value as its cell shows it: a finite number as a number, anything else as
    its text (None: no cell)."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return value
    return str(value)


class FindingLinks:
    """The link of each finding to its book's cell (`link_target`), for the first MAX_URLS
    findings whose book has a path and whose link fits Excel's length; the book's own part of
    the target is worked out once per book."""

    def __init__(self, paths: dict[str, str], base: Path) -> None:
        self.paths, self.base = paths, base
        self.made = 0
        self._books: dict[str, str] = {}

    def link(self, finding: Finding) -> FileLink | None:
        source = self.paths.get(finding.book or "")
        if not source or self.made >= MAX_URLS:
            return None
        book = self._books.get(source)
        if book is None:
            book = self._books[source] = link_target(source, None, None, self.base)
        target = book + link_anchor(finding.sheet, finding.cell)
        if len(target) > MAX_URL_LENGTH:
            return None
        self.made += 1
        return FileLink(target, finding.cell or finding.sheet or "open",
                        f"open {finding.book} at {finding.sheet or ''}!{finding.cell or ''}")


def findings_sheets_named(titles: list[str]) -> str:
    """`Findings`, or `Findings, Findings (2) and Findings (3)`."""
    return titles[0] if len(titles) == 1 else f"{', '.join(titles[:-1])} and {titles[-1]}"


def write_dashboard(workbook: Any, sheet: Any, styles: Styles, report: ConsolidatedReport,
                    positions: dict[str, tuple[str, int, dict[str, int]]]) -> None:
    """Headline figures on the left; native charts that read the Teams/domain sheets."""
    sheet.set_column(0, 0, 42)
    sheet.set_column(1, 1, 24)
    sheet.write_string(0, 0, "MOM consolidated plans", styles.title)
    sheet.write_string(1, 0, f"as of {report.as_of.isoformat()}")
    lines: list[tuple[str, Any, Any]] = [
        ("Workbooks read", report.books_read, styles.big_integer),
        ("Workbooks that failed", report.books_failed, styles.big_integer),
        ("Rows read", report.rows["read"], styles.big_integer),
        ("Rows consolidated", report.rows["consolidated"], styles.big_integer),
        ("Rows rejected", report.rows["rejected"], styles.big_integer),
        ("Reporting currency", report.currency or "", styles.label),
    ]
    if report.totals is not None:
        for figure in ("budgeted", "committed", "spent", "remaining"):
            lines.append((figure.capitalize(), report.totals[figure] / 100, styles.big_money))
    errors = sum(f.severity is Severity.ERROR for f in report.findings)
    warnings = sum(f.severity is Severity.WARNING for f in report.findings)
    lines += [("Errors", errors, styles.big_integer), ("Warnings", warnings, styles.big_integer)]
    offset = 3
    for offset, (label, value, fmt) in enumerate(lines, start=3):
        sheet.write_string(offset, 0, label, styles.label)
        sheet.write(offset, 1, value, fmt)

    row = _left_out_headline(sheet, styles, report, offset + 1)
    _at_risk_headline(sheet, styles, report, row + 1)
    data = _ChartData(sheet, styles)
    charts = _team_charts(workbook, data, report, positions)
    charts[1:1] = _domain_charts(workbook, data, report, positions)
    for number, chart in enumerate(charts):
        chart.set_size({"width": 620, "height": 300})
        sheet.insert_chart(2 + 16 * (number // 2), 3 + 10 * (number % 2), chart)
    sheet.activate()


def _team_charts(workbook: Any, data: _ChartData, report: ConsolidatedReport,
                 positions: dict[str, tuple[str, int, dict[str, int]]]) -> list[Any]:
    """Budget vs committed vs spent, overspend and findings by team: top 15 + all others."""
    charts: list[Any] = []
    _, team_rows, team_columns = positions["teams"]
    money = f"Amount ({report.currency})" if report.currency else "Amount"
    teams = _teams_frame(report)
    if team_rows and "budgeted" in team_columns:
        figures = ["budgeted", "committed", "spent"]
        block = data.write(top_and_rest(teams, "team", "budgeted", figures),
                           ["Team", "Budgeted", "Committed", "Spent"])
        chart = workbook.add_chart({"type": "column"})
        for offset_column in (1, 2, 3):
            block.series(chart, offset_column)
        set_axes(chart, f"Budget vs committed vs spent, top {TOP} teams by budget",
                 "Team", money, MONEY_AXIS)
        charts.append(chart)
    if team_rows and "overspend" in team_columns:
        over = teams[pd.to_numeric(teams["overspend"], errors="coerce").fillna(0) > 0]
        if len(over):
            block = data.write(top_and_rest(over, "team", "overspend", ["overspend"]),
                               ["Team", "Overspend"])
            chart = workbook.add_chart({"type": "bar"})
            block.series(chart, 1, fill={"color": "#C00000"})
            chart.set_y_axis({"reverse": True})
            set_axes(chart, f"Overspend by team (largest {TOP})", money, "Team", MONEY_AXIS,
                     legend=False)
            chart.set_x_axis({"name": money, "num_format": MONEY_AXIS})
            chart.set_y_axis({"name": "Team", "reverse": True})
            charts.append(chart)
    if team_rows:
        chart = workbook.add_chart({"type": "column", "subtype": "stacked"})
        findings = teams.assign(_all=teams["errors"] + teams["warnings"])
        block = data.write(top_and_rest(findings, "team", "_all", ["errors", "warnings"]),
                           ["Team", "Errors", "Warnings"], cents=False)
        block.series(chart, 1, fill={"color": "#C00000"})
        block.series(chart, 2, fill={"color": "#FFC000"})
        set_axes(chart, f"Findings by team (most {TOP})", "Team", "Findings", "0")
        charts.append(chart)
    return charts


def _domain_charts(workbook: Any, data: _ChartData, report: ConsolidatedReport,
                   positions: dict[str, tuple[str, int, dict[str, int]]]) -> list[Any]:
    """The lowest SPIs, coverage (reps below target first) — 20 each and "All others" — and
    the cumulative burn."""
    charts: list[Any] = []
    schedule = report.tables.get("schedule")
    if schedule is not None and len(schedule) and {"spi", "ev", "pv"} <= set(schedule.columns):
        block = data.write(lowest_spis(schedule), ["Campaign", "SPI"], cents=False)
        chart = workbook.add_chart({"type": "bar"})
        block.series(chart, 1)
        set_axes(chart, f"Lowest {ITEMS} SPIs (team · campaign)", "SPI", "Campaign", "0.00",
                 legend=False)
        chart.set_x_axis({"name": "SPI (earned ÷ planned)", "num_format": "0.00"})
        chart.set_y_axis({"name": "Campaign", "reverse": True})
        charts.append(chart)
    coverage = report.tables.get("coverage")
    if coverage is not None and len(coverage) and {"rep", "coverage"} <= set(coverage.columns):
        shown = reps_below_target_first(coverage)
        block = data.write(shown, ["Rep", "Coverage", "Target"], cents=False)
        chart = workbook.add_chart({"type": "column"})
        block.series(chart, 1)
        line = workbook.add_chart({"type": "line"})
        block.series(line, 2, line={"color": "#C00000", "dash_type": "dash"})
        chart.combine(line)
        set_axes(chart, f"Pipeline coverage, reps below target first (at most {ITEMS})",
                 "Rep", "Coverage (open ÷ remaining quota)", RATIO_AXIS)
        charts.append(chart)
    burn = report.tables.get("burn")
    if burn is not None and len(burn):
        money = f"Amount ({report.currency})" if report.currency else "Amount"
        block = data.write(burn[["month", "budget", "actual", "projected"]],
                           ["Month", "Budget", "Committed + spent", "Projected"])
        chart = workbook.add_chart({"type": "line"})
        block.series(chart, 1, line={"color": "#1F3864"})
        block.series(chart, 2, line={"color": "#C55A11"})
        block.series(chart, 3, line={"color": "#C55A11", "dash_type": "dash"})
        set_axes(chart, f"Cumulative burn, as of {report.as_of.isoformat()}: budget vs "
                        "committed + spent, and the year-end projection", "Month", money,
                 MONEY_AXIS)
        charts.append(chart)
    return charts


def lowest_spis(schedule: pd.DataFrame) -> pd.DataFrame:
    """The Schedule sheet's first campaigns with an SPI (it lists the lowest first), then one
    "All others" bar whose SPI is the rest's ΣEV ÷ ΣPV (a ratio of sums, never an average)."""
    spi = pd.to_numeric(schedule["spi"], errors="coerce")
    labels = schedule["team"].astype("string").fillna("") + " · " + \
        schedule["campaign_id"].astype("string").fillna("")
    has = spi.notna().to_numpy()
    shown = pd.DataFrame({"campaign": labels[has], "spi": spi[has]}).iloc[:ITEMS]
    rest = schedule.drop(index=shown.index)
    planned = float(pd.to_numeric(rest["pv"]).sum())
    if planned:           # (campaigns with nothing planned yet have no SPI, alone or together)
        earned = float(pd.to_numeric(rest["ev"]).sum())
        others = {"campaign": f"{ALL_OTHERS} ({len(rest)})", "spi": earned / planned}
        shown = pd.concat([shown, pd.DataFrame([others])], ignore_index=True)
    return shown.reset_index(drop=True)


def reps_below_target_first(coverage: pd.DataFrame) -> pd.DataFrame:
    """Reps below target first (lowest coverage first), at most 20, then one "All others"
    column whose coverage is the rest's Σ open ÷ Σ remaining quota (floored at 0), as the team
    coverage is; each with the coverage target."""
    below = coverage.get("below_target", pd.Series(False, index=coverage.index))
    ranked = coverage.assign(_above=~below.fillna(False).astype(bool),
                             _coverage=pd.to_numeric(coverage["coverage"], errors="coerce")
                             .fillna(0))
    ranked = ranked.sort_values(["_above", "_coverage"], kind="stable")
    target = coverage["target"].iloc[0] if "target" in coverage.columns else None
    shown = pd.DataFrame({"rep": ranked["rep"].iloc[:ITEMS],
                          "coverage": pd.to_numeric(ranked["coverage"].iloc[:ITEMS],
                                                    errors="coerce"),
                          "target": target})
    rest = ranked.iloc[ITEMS:]
    if len(rest):
        remaining = pd.to_numeric(rest["remaining_quota"]).fillna(0).clip(lower=0).sum()
        open_ = pd.to_numeric(rest["open"]).fillna(0).sum()
        others = {"rep": f"{ALL_OTHERS} ({len(rest)})",
                  "coverage": float(open_) / float(remaining) if remaining else None,
                  "target": target}
        shown = pd.concat([shown, pd.DataFrame([others])], ignore_index=True)
    return shown.reset_index(drop=True)


def _left_out_headline(sheet: Any, styles: Styles, report: ConsolidatedReport, row: int) -> int:
    """Money left out of the totals for a missing rate, as a headline (not only findings):
    one line per currency with the workbooks and their local budget."""
    teams = report.teams
    if teams.empty or "rate" not in teams.columns or "budgeted_local" not in teams.columns:
        return row
    missing = teams[teams["rate"].isna() & teams["budgeted_local"].notna()]
    for currency, group in missing.groupby("currency", sort=True):
        budget = int(pd.to_numeric(group["budgeted_local"]).sum()) / 100
        sheet.write_string(row, 0, f"Left out: {len(group)} workbook(s) in {currency}, no rate",
                           styles.label)
        sheet.write_string(row, 1, f"{currency} {budget:,.2f} budgeted")
        row += 1
    return row


def _at_risk_headline(sheet: Any, styles: Styles, report: ConsolidatedReport, row: int) -> int:
    """The delayed and underperforming campaigns of every team (the At Risk sheet), the first
    ones under the headline: "team · campaign" and the reasons in words."""
    table = report.tables.get("at_risk")
    if table is None or table.empty:
        return row
    sheet.write_string(row, 0, "Campaigns at risk (delayed or underperforming)", styles.label)
    sheet.write_number(row, 1, len(table), styles.big_integer)
    shown = table.iloc[:AT_RISK_SHOWN]
    for record in shown.to_dict("records"):
        row += 1
        team = record["team"] if isinstance(record["team"], str) else record["book"]
        name = record["campaign"] if isinstance(record["campaign"], str) else ""
        sheet.write_string(row, 0, f"{team} · {record['campaign_id']} {name}".rstrip())
        sheet.write_string(row, 1, str(record["reasons"]))
    if len(table) > len(shown):
        row += 1
        sheet.write_url(row, 0, "internal:'At Risk'!A1", styles.link,
                        string=f"… {len(table) - len(shown)} more on the At Risk sheet")
    return row + 1


class _ChartData:
    """Small tables the Dashboard's charts read (top 15 + "All others", reps below target
    first), stacked below the charts in columns the headline does not use — so a chart of
    1,000 teams stays readable. Stacked downwards: the workbook streams rows (constant-memory
    mode), so a row once left cannot be written again."""

    FIRST_ROW, COLUMN = 60, 1

    def __init__(self, sheet: Any, styles: Styles) -> None:
        self.sheet, self.styles, self.row = sheet, styles, self.FIRST_ROW

    def write(self, frame: pd.DataFrame, headers: list[str], *, cents: bool = True) -> _Block:
        """`frame`'s first column as labels, the rest as numbers (cents → units when `cents`)."""
        top, col = self.row, self.COLUMN
        if top == self.FIRST_ROW:
            self.sheet.write_string(top - 1, col, "Chart data", self.styles.label)
        for offset, header in enumerate(headers):
            self.sheet.write_string(top, col + offset, header, self.styles.header)
        for row, record in enumerate(frame.itertuples(index=False), start=top + 1):
            for offset, value in enumerate(record[:len(headers)]):
                if isinstance(value, str):
                    self.sheet.write_string(row, col + offset, value)
                elif value is not None and not pd.isna(value):
                    self.sheet.write_number(row, col + offset,
                                            float(value) / (100 if cents else 1))
        self.row = top + len(frame) + 3
        return _Block(top, col, max(len(frame), 1))


class _Block:
    def __init__(self, top: int, col: int, rows: int) -> None:
        self.top, self.col, self.rows = top, col, rows

    def series(self, chart: Any, offset: int, **extra: Any) -> None:
        sheet, first, last = "Dashboard", self.top + 1, self.top + self.rows
        chart.add_series({"name": [sheet, self.top, self.col + offset],
                          "categories": [sheet, first, self.col, last, self.col],
                          "values": [sheet, first, self.col + offset, last, self.col + offset],
                          **extra})
