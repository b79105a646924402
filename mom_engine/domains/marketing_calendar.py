"""The marketing calendar: campaigns, activities and milestones by week of the fiscal year, and
its iCalendar export (SPEC §6 "Calendar"). `calendar.py` is the fiscal calendar it builds on.

Rows (one table, `calendar_rows`): every campaign (Start–End), each of its activities
(Start–End) and each milestone — the Planned Finish of a task that is a deliverable (a
Deliverable is named) or an approval (an Approver is named). A milestone is late on the same rule
as `task-late`: Planned Finish before the as-of date, less than 100 % complete, not Done.

Decisions where the SPEC is silent (also in the README):
- A campaign or activity without Start or End takes the missing end from its tasks' planned
  span; one with neither dates nor tasks has no bar (it is still listed). Cancelled campaigns,
  their activities and cancelled tasks are left out.
- iCalendar: one all-day event per campaign window (DTEND is the day after End, as RFC 5545
  wants for all-day events) and one per milestone, on its Planned Finish. UIDs are a hash of
  (Plan ID, kind, Campaign ID or Task ID), case-folded, so a re-export after edits gives the
  same UIDs and calendar apps update their events instead of duplicating them; moving a task to
  another plan makes it a new event. SEQUENCE is not tracked (the engine keeps no state between
  runs); LAST-MODIFIED/DTSTAMP are the export time, which subscribed calendars use to refresh.
- The .ics text is written here (RFC 5545 escaping, 75-octet folding, CRLF) rather than with the
  `icalendar` package: thirty lines instead of a runtime dependency; the tests parse every
  export back with `icalendar` to prove it valid.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..calendar import week_labels, week_starts
from ..keys import first_rows
from ..model import Book, frame_of, text_array
from ..report.files import atomic_path
from .schedule import CLOSED_TASK_STATUSES
from .scorecard import column_days, plan_campaigns

ROW_COLUMNS = ["book", "plan_id", "team", "kind", "campaign_id", "activity_id", "task_id",
               "name", "channel", "segment", "owner", "status", "start", "end", "late",
               "start_week", "end_week"]
KINDS = ("campaign", "activity", "milestone")
PRODID = "-//MOM marketing operations//marketing calendar//EN"


def _task_spans(group: np.ndarray, start: np.ndarray, finish: np.ndarray,
                size: int) -> tuple[np.ndarray, np.ndarray]:
    """Earliest Planned Start and latest Planned Finish per group 0..size-1 (NaT: no date)."""
    never = np.iinfo(np.int64).max
    earliest = np.full(size, never, dtype=np.int64)
    dated = ~np.isnat(start)
    np.minimum.at(earliest, group[dated], start[dated].astype(np.int64))
    earliest[earliest == never] = np.datetime64("NaT", "D").astype(np.int64)
    latest = np.full(size, np.datetime64("NaT", "D").astype(np.int64))   # the smallest int64
    np.maximum.at(latest, group, finish.astype(np.int64))
    return earliest.astype("datetime64[D]"), latest.astype("datetime64[D]")


def _filled(dates: np.ndarray, spare: np.ndarray) -> np.ndarray:
    """Dates with blanks filled from the task span."""
    return np.where(np.isnat(dates), spare, dates)


def calendar_rows(book: Book, as_of: dt.date) -> pd.DataFrame:
    """Campaigns, their activities and milestones, in that order within each campaign."""
    return calendar_frame(calendar_columns(book, as_of))


def calendar_frame(columns: dict[str, Any]) -> pd.DataFrame:
    """The frame of calendar columns, typed as `pd.DataFrame(columns)` types them — a value
    every row shares (text, a number or None) repeated — built once (`frame_of`)."""
    count = len(columns["kind"])

    def repeated(value: Any) -> Any:
        if isinstance(value, str):
            return text_array([value] * count) if count else pd.array([], dtype="str")
        return np.full(count, value, dtype=object if value is None else None)

    return frame_of({name: repeated(values) if values is None or np.isscalar(values) else values
                     for name, values in columns.items()})


def calendar_columns(book: Book, as_of: dt.date) -> dict[str, Any]:
    """`calendar_rows`' columns (ROW_COLUMNS + campaign): one array per column, typed as the
    frame holds it, or a value every row shares (book, plan_id, team).

    Each input column is read once from the accepted rows as a plain array and indexed by
    position: on a team's few hundred rows pandas' cost per slice or column is far above the
    arithmetic."""
    plan = book.plan
    campaigns, activities, tasks = (book.table(s) for s in ("Campaigns", "Activities", "Tasks"))
    listed = plan_campaigns(book)
    alive = listed.status != "Cancelled"
    kept = listed.positions[alive]
    campaign_ids = listed.ids[alive]
    known = {"Campaign": listed.names, "Status": listed.status}

    def of_campaigns(column: str) -> np.ndarray:
        if column in known:
            return known[column][alive]
        return campaigns.column(column, object)[kept]

    rank = dict(zip(campaign_ids.tolist(), range(len(campaign_ids)), strict=True))
    activity_ids = activities.column("Activity ID", object)
    in_sheet = first_rows(activity_ids.tolist())
    activity_campaign_ids = activities.column("Campaign ID", object)[in_sheet]
    in_plan = np.array([c in rank for c in activity_campaign_ids.tolist()], dtype=bool)
    in_sheet, activity_campaign_ids = in_sheet[in_plan], activity_campaign_ids[in_plan]
    activity_ids = activity_ids[in_sheet]

    def of_activities(column: str) -> np.ndarray:
        return activities.column(column, object)[in_sheet]

    activity_campaign = np.array([rank[c] for c in activity_campaign_ids.tolist()],
                                 dtype=np.int64)
    position = dict(zip(activity_ids.tolist(), range(len(activity_ids)), strict=True))
    task_activity = np.array([position.get(a, -1) for a in tasks.column("Activity ID", object)
                              .tolist()], dtype=np.int64)
    task_status = tasks.column("Status", object)
    live = np.flatnonzero((task_status != "Cancelled") & (task_activity >= 0))
    task_activity = task_activity[live]
    task_campaign = activity_campaign[task_activity]
    planned_start = column_days(book, "Tasks", "Planned Start")[live]
    planned_finish = column_days(book, "Tasks", "Planned Finish")[live]
    campaign_start, campaign_finish = _task_spans(task_campaign, planned_start, planned_finish,
                                                  len(campaign_ids))
    activity_start, activity_finish = _task_spans(task_activity, planned_start, planned_finish,
                                                  len(activity_ids))

    deliverable = tasks.column("Deliverable", object)[live]
    milestone = pd.notna(deliverable) | pd.notna(tasks.column("Approver", object)[live])
    milestones = live[milestone]                     # positions in the Tasks rows

    def of_milestones(column: str) -> np.ndarray:
        return tasks.column(column, object)[milestones]

    finish = planned_finish[milestone]
    status = task_status[milestones]
    done = np.nan_to_num(tasks.column("% Complete", float)[milestones]) >= 1.0
    late = ((finish < np.datetime64(as_of, "D")) & ~done
            & np.array([s not in CLOSED_TASK_STATUSES for s in status.tolist()], dtype=bool))
    counts = [len(campaign_ids), len(activity_ids), len(milestones)]
    blank = [np.full(count, None, dtype=object) for count in counts]

    campaign_of_row = np.concatenate([np.arange(counts[0]), activity_campaign,
                                      task_campaign[milestone]])
    start = np.concatenate([
        _filled(listed.start[alive], campaign_start),
        _filled(column_days(book, "Activities", "Start")[in_sheet], activity_start), finish])
    end = np.concatenate([
        _filled(listed.end[alive], campaign_finish),
        _filled(column_days(book, "Activities", "End")[in_sheet], activity_finish), finish])
    sheet_row = np.concatenate([listed.rows[alive],
                                activities.column("_row", np.int64)[in_sheet],
                                tasks.column("_row", np.int64)[milestones]])
    undated = np.iinfo(np.int64).max                        # a blank start sorts last
    order = np.lexsort((sheet_row, np.where(np.isnat(start), undated, start.astype(np.int64)),
                        np.repeat(np.arange(3), counts), campaign_of_row))
    start, end, campaign_of_row = start[order], end[order], campaign_of_row[order]

    def text(parts: list[np.ndarray]) -> np.ndarray | pd.Series:
        """The campaigns', activities' and milestones' values in row order; typed as pandas
        typed the three tables joined: text when each holds some text, else object."""
        values = np.concatenate(parts)[order]
        if all(any(isinstance(v, str) for v in part.tolist()) for part in parts):
            return text_array(values.tolist())
        return pd.Series(values, dtype=object)

    def of_campaign(column: str) -> Any:
        return text_array(of_campaigns(column)[campaign_of_row].tolist())

    weeks = {}
    for name, days in (("start_week", start), ("end_week", end)):
        weeks[name] = text_array(week_labels(week_starts(days), plan.fy_start_month))
    names = np.where(pd.notna(deliverable), deliverable, tasks.column("Task", object)[live])
    return {
        "book": book.name, "plan_id": plan.plan_id, "team": plan.team,
        "kind": pd.array(np.repeat(np.array(KINDS, dtype=object), counts)[order], dtype="str"),
        "campaign_id": text([campaign_ids, activity_campaign_ids,
                             campaign_ids[task_campaign[milestone]]]),
        "activity_id": text([blank[0], activity_ids, of_milestones("Activity ID")]),
        "task_id": text([blank[0], blank[1], of_milestones("Task ID")]),
        "name": text([of_campaigns("Campaign"), of_activities("Activity"), names[milestone]]),
        "channel": of_campaign("Channel"), "segment": of_campaign("Segment"),
        "owner": text([of_campaigns("Owner"), of_activities("Owner"),
                       of_milestones("Assignee")]),
        "status": text([of_campaigns("Status"), blank[1], status]),
        "start": start.astype("datetime64[s]"), "end": end.astype("datetime64[s]"),
        "late": np.concatenate([np.zeros(counts[0] + counts[1], dtype=bool), late])[order],
        **weeks, "campaign": of_campaign("Campaign")}


# --- iCalendar (RFC 5545) ---------------------------------------------------------------------

def event_uid(plan_id: str | None, kind: str, key: str | None) -> str:
    """A stable UID: the same plan, kind and ID (ignoring case) always give the same one."""
    text = "|".join(str(part or "").strip().casefold() for part in (plan_id, kind, key))
    return f"{hashlib.sha256(text.encode()).hexdigest()[:32]}@mom"


def escape_text(value: object) -> str:
    """RFC 5545 §3.3.11 TEXT: backslash, semicolon, comma and newlines escaped."""
    text = str(value)
    for raw, escaped in (("\\", "\\\\"), (";", "\\;"), (",", "\\,"), ("\r\n", "\\n"),
                         ("\n", "\\n"), ("\r", "\\n")):
        text = text.replace(raw, escaped)
    return text


def fold_line(line: str) -> str:
    """RFC 5545 §3.1: lines longer than 75 octets are folded (CRLF + a space), never inside a
    UTF-8 character."""
    out: list[str] = []
    current = b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode())
            current = b""
        current += encoded
    out.append(current.decode())
    return "\r\n ".join(out)


def _date(day: np.datetime64) -> str:
    return str(day).replace("-", "")


def calendar_events(rows: pd.DataFrame) -> list[dict[str, str]]:
    """Events of the calendar rows: campaign windows and milestones that have dates."""
    events = []
    kinds = rows["kind"].to_numpy(dtype=object)
    start, end = rows["start"].to_numpy(dtype="datetime64[D]"), rows["end"].to_numpy(
        dtype="datetime64[D]")
    for position, record in enumerate(rows.to_dict("records")):
        kind = kinds[position]
        if kind == "activity" or np.isnat(start[position]) or np.isnat(end[position]):
            continue
        first, last = start[position], max(end[position], start[position])
        where = " · ".join(str(v) for v in (record["team"], record["channel"],
                                             record["segment"]) if isinstance(v, str))
        if kind == "campaign":
            summary = f"{record['name']} ({record['campaign_id']})"
            key = record["campaign_id"]
            description = f"Campaign {record['campaign_id']}, {record['status']}; {where}"
        else:
            summary = (f"{'LATE: ' if record['late'] else ''}{record['name']} — "
                       f"{record['campaign']} ({record['task_id']})")
            key = record["task_id"]
            description = (f"Milestone of task {record['task_id']} (activity "
                           f"{record['activity_id']}, campaign {record['campaign_id']}), "
                           f"{record['status']}; owner {record['owner'] or '-'}; {where}")
        events.append({
            "UID": event_uid(record["plan_id"], kind, key),
            "DTSTART;VALUE=DATE": _date(first),
            "DTEND;VALUE=DATE": _date(last + np.timedelta64(1, "D")),
            "SUMMARY": escape_text(summary),
            "DESCRIPTION": escape_text(description),
            "CATEGORIES": escape_text(f"{kind}{',late' if record['late'] else ''}").replace(
                "\\,", ","),
            "TRANSP": "TRANSPARENT",
        })
    return events


def ics_text(events: Iterable[dict[str, str]], *, stamp: dt.datetime | None = None,
             name: str = "MOM marketing calendar") -> str:
    """A VCALENDAR document (CRLF line ends, folded lines)."""
    stamp = (stamp or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    stamped = stamp.strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text(name)}"]
    for event in events:
        lines += ["BEGIN:VEVENT", f"UID:{event['UID']}", f"DTSTAMP:{stamped}",
                  f"LAST-MODIFIED:{stamped}"]
        lines += [f"{key}:{value}" for key, value in event.items() if key != "UID"]
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) + "\r\n" for line in lines)


def write_ics(path: str | Path, rows: pd.DataFrame, *, stamp: dt.datetime | None = None) -> Path:
    """Write the calendar's events as an .ics file, atomically; returns the path."""
    path = Path(path)
    with atomic_path(path) as temporary:
        Path(temporary).write_bytes(ics_text(calendar_events(rows), stamp=stamp).encode())
    return path
