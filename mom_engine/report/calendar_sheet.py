"""The Calendar sheet of the consolidated workbook (SPEC §6 "Calendar", §11).

Campaigns and their activities (and milestones) as rows, the weeks of one fiscal year as
columns. Bars are drawn by conditional formatting from each row's Start and End against the
week's Monday in the header, so a planner who edits a date sees the bar move; a milestone's week
holds a ◆, red when the milestone is late. The row columns (team, kind, campaign, channel,
segment…) carry an autofilter, so the calendar filters by team, channel or segment.

*Decision:* the fiscal year shown is the one holding the as-of date, in the FY Start Month of
the first book (in input order); rows of books with another FY start still show their dates in
the same Monday-to-Sunday weeks.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from ..calendar import fiscal_weeks, fiscal_year, fiscal_year_weeks, week_starts
from ..findings import column_letter
from .cells import CellKind, Cells, date_cells, flag_cells, write_rows

ROW_COLUMNS = (("team", "Team"), ("kind", "Kind"), ("campaign_id", "Campaign ID"),
               ("activity_id", "Activity ID"), ("task_id", "Task ID"), ("name", "Name"),
               ("channel", "Channel"), ("segment", "Segment"), ("owner", "Owner"),
               ("start", "Start"), ("end", "End"), ("late", "Late"))
MILESTONE = "◆"


def calendar_start_month(frame: pd.DataFrame | None) -> int:
    """The FY Start Month whose weeks the calendar shows: its first row's (January without
    rows)."""
    if frame is None or "fy_start_month" not in frame.columns or not len(frame):
        return 1
    return int(frame["fy_start_month"].iloc[0])


def write_calendar_sheet(workbook: Any, frame: pd.DataFrame | None, as_of: dt.date,
                         title: str = "Calendar", *, start_month: int | None = None) -> None:
    """Write the Calendar sheet (rows in the order given: campaign, its activities, its
    milestones) in the fiscal weeks of `start_month` (default: `calendar_start_month`; a part
    of a calendar continued on another sheet is given its whole calendar's)."""
    frame = frame if frame is not None else pd.DataFrame(columns=[c for c, _ in ROW_COLUMNS])
    start_month = start_month or calendar_start_month(frame)
    sheet = workbook.add_worksheet(title)
    year = fiscal_year(as_of, start_month)
    mondays = fiscal_year_weeks(year, start_month)
    _, numbers = fiscal_weeks(mondays, start_month)
    header = workbook.add_format({"bold": True, "bg_color": "#1F3864", "font_color": "#FFFFFF",
                                  "border": 1, "valign": "top", "text_wrap": True})
    week_date = workbook.add_format({"num_format": "mmm d", "font_size": 8, "bold": True,
                                     "bg_color": "#D9E1F2", "align": "center"})
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    mark = workbook.add_format({"align": "center"})
    first_week = len(ROW_COLUMNS)
    # row by row: the consolidated workbook streams (constant memory), a finished row is final
    for index, (_, label) in enumerate(ROW_COLUMNS):
        sheet.write_string(0, index, label, header)
    for offset, number in enumerate(numbers):
        sheet.write_string(0, first_week + offset, f"W{int(number):02d}", header)
    for index in range(first_week):
        sheet.write_blank(1, index, None, week_date)
    for offset, monday in enumerate(mondays):
        sheet.write_datetime(1, first_week + offset, monday.astype(dt.date), week_date)
        sheet.set_column(first_week + offset, first_week + offset, 3.2)
    widths = {"name": 30, "team": 18, "campaign_id": 12, "channel": 14, "segment": 14,
              "owner": 14, "start": 11, "end": 11, "late": 6, "kind": 10}
    for index, (key, _) in enumerate(ROW_COLUMNS):
        sheet.set_column(index, index, widths.get(key, 11))
    cells = [_row_cells(frame, key, date) for key, _ in ROW_COLUMNS]
    cells.append(_milestone_cells(frame, mondays, first_week, mark))
    write_rows(sheet, cells, first_row=2)
    last_row = max(len(frame) + 1, 2)
    last_column = first_week + len(mondays) - 1
    _bars(workbook, sheet, last_row, first_week, last_column)
    sheet.freeze_panes(2, first_week)
    sheet.autofilter(0, 0, last_row, first_week - 1)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0, 1)


def _row_cells(frame: pd.DataFrame, key: str, date: Any) -> Cells:
    """One row column's cells, converted once (None where blank): dates, the late flag, text."""
    if key not in frame.columns:
        return Cells([None] * len(frame), CellKind.STRING)
    series = frame[key]
    if key in ("start", "end"):
        return date_cells(series, date)
    if key == "late":
        return flag_cells(series)
    blank = series.isna().to_numpy().tolist()
    return Cells([None if b else str(v) for v, b in zip(series.tolist(), blank, strict=True)],
                 CellKind.STRING)


def _milestone_cells(frame: pd.DataFrame, mondays: np.ndarray, first_week: int,
                     mark: Any) -> Cells:
    """The ◆ of each milestone row in the week of its date: (week column, mark) or None; the
    last of a row's cells, right of the row columns as a streamed row needs."""
    week_index = {str(m): first_week + i for i, m in enumerate(mondays)}
    found: list[Any] = [None] * len(frame)
    if len(frame) and {"kind", "start"} <= set(frame.columns):
        starts = pd.to_datetime(frame["start"])
        milestones = ((frame["kind"] == "milestone") & starts.notna()).to_numpy()
        weeks = week_starts(starts[milestones].to_numpy().astype("datetime64[D]"))
        for position, monday in zip(np.flatnonzero(milestones).tolist(), weeks, strict=True):
            column = week_index.get(str(monday))
            if column is not None:
                found[position] = (column, MILESTONE)
    return Cells(found, CellKind.PLACED, mark)


def _bars(workbook: Any, sheet: Any, last_row: int, first: int, last: int) -> None:
    """Conditional formats: a week cell is filled when its Monday–Sunday overlaps Start–End;
    campaigns dark, activities light, milestones orange, late milestones red."""
    letters = {key: column_letter(i) for i, (key, _) in enumerate(ROW_COLUMNS)}
    week = f"{column_letter(first)}$2"
    overlap = (f"AND(${letters['start']}3<>\"\",{week}<=${letters['end']}3,"
               f"{week}+6>=${letters['start']}3)")
    kind = f"${letters['kind']}3"
    late = f"${letters['late']}3"
    rules = ((f"AND({overlap},{kind}=\"milestone\",{late}=TRUE)", "#C00000", "#FFFFFF"),
             (f"AND({overlap},{kind}=\"milestone\")", "#F4B183", "#000000"),
             (f"AND({overlap},{kind}=\"campaign\")", "#2F5597", "#FFFFFF"),
             (f"AND({overlap},{kind}=\"activity\")", "#9DC3E6", "#000000"))
    for formula, fill, font in rules:
        sheet.conditional_format(2, first, last_row, last, {
            "type": "formula", "criteria": "=" + formula, "stop_if_true": True,
            "format": workbook.add_format({"bg_color": fill, "font_color": font})})

