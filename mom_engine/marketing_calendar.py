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

import numpy as np
import pandas as pd

from .calendar import fiscal_weeks, week_label, week_starts
from .model import Book
from .report.files import atomic_path
from .schedule import CLOSED_TASK_STATUSES

ROW_COLUMNS = ["book", "plan_id", "team", "kind", "campaign_id", "activity_id", "task_id",
               "name", "channel", "segment", "owner", "status", "start", "end", "late",
               "start_week", "end_week"]
KINDS = ("campaign", "activity", "milestone")
PRODID = "-//MOM marketing operations//marketing calendar//EN"


def _days(series: pd.Series) -> np.ndarray:
    return series.to_numpy(dtype="datetime64[s]").astype("datetime64[D]")


def _task_spans(tasks: pd.DataFrame, by: str) -> tuple[pd.Series, pd.Series]:
    """Earliest Planned Start and latest Planned Finish per `by` key."""
    frame = pd.DataFrame({"key": tasks[by].to_numpy(dtype=object),
                          "start": _days(tasks["Planned Start"]),
                          "finish": _days(tasks["Planned Finish"])})
    grouped = frame.groupby("key", sort=False)
    return grouped["start"].min(), grouped["finish"].max()


def _filled(dates: np.ndarray, keys: np.ndarray, fallback: pd.Series) -> np.ndarray:
    """Dates with blanks filled from the task span of their key."""
    spare = fallback.reindex(pd.Index(keys, dtype=object)).to_numpy(dtype="datetime64[D]")
    return np.where(np.isnat(dates), spare, dates)


def calendar_rows(book: Book, as_of: dt.date) -> pd.DataFrame:
    """Campaigns, their activities and milestones, in that order within each campaign."""
    plan = book.plan
    campaigns = book.rows("Campaigns").drop_duplicates("Campaign ID")
    campaigns = campaigns[(campaigns["Status"] != "Cancelled").to_numpy()]
    live = set(campaigns["Campaign ID"].to_numpy(dtype=object))
    activities = book.rows("Activities").drop_duplicates("Activity ID")
    activities = activities[activities["Campaign ID"].isin(live).to_numpy()]
    campaign_of = pd.Series(activities["Campaign ID"].to_numpy(dtype=object),
                            index=activities["Activity ID"].to_numpy(dtype=object))
    tasks = book.rows("Tasks")
    tasks = tasks[(tasks["Status"] != "Cancelled").to_numpy()
                  & tasks["Activity ID"].isin(set(campaign_of.index)).to_numpy()]
    tasks = tasks.assign(**{"Campaign ID": tasks["Activity ID"].map(campaign_of)})
    campaign_start, campaign_finish = _task_spans(tasks, "Campaign ID")
    activity_start, activity_finish = _task_spans(tasks, "Activity ID")
    channel = pd.Series(campaigns["Channel"].to_numpy(dtype=object),
                        index=campaigns["Campaign ID"].to_numpy(dtype=object))
    segment = pd.Series(campaigns["Segment"].to_numpy(dtype=object), index=channel.index)
    names = pd.Series(campaigns["Campaign"].to_numpy(dtype=object), index=channel.index)

    campaign_ids = campaigns["Campaign ID"].to_numpy(dtype=object)
    parts = [pd.DataFrame({
        "kind": "campaign", "campaign_id": campaign_ids, "activity_id": None, "task_id": None,
        "name": campaigns["Campaign"].to_numpy(dtype=object),
        "owner": campaigns["Owner"].to_numpy(dtype=object),
        "status": campaigns["Status"].to_numpy(dtype=object),
        "start": _filled(_days(campaigns["Start"]), campaign_ids, campaign_start),
        "end": _filled(_days(campaigns["End"]), campaign_ids, campaign_finish),
        "late": False, "_order": 0, "_row": campaigns["_row"].to_numpy()})]
    activity_ids = activities["Activity ID"].to_numpy(dtype=object)
    parts.append(pd.DataFrame({
        "kind": "activity", "campaign_id": activities["Campaign ID"].to_numpy(dtype=object),
        "activity_id": activity_ids, "task_id": None,
        "name": activities["Activity"].to_numpy(dtype=object),
        "owner": activities["Owner"].to_numpy(dtype=object), "status": None,
        "start": _filled(_days(activities["Start"]), activity_ids, activity_start),
        "end": _filled(_days(activities["End"]), activity_ids, activity_finish),
        "late": False, "_order": 1, "_row": activities["_row"].to_numpy()}))
    milestones = tasks[(tasks["Deliverable"].notna() | tasks["Approver"].notna()).to_numpy()]
    finish = _days(milestones["Planned Finish"])
    done = milestones["% Complete"].fillna(0.0).to_numpy(dtype=float) >= 1.0
    late = (finish < np.datetime64(as_of, "D")) & ~done & ~milestones["Status"].isin(
        CLOSED_TASK_STATUSES).to_numpy()
    parts.append(pd.DataFrame({
        "kind": "milestone", "campaign_id": milestones["Campaign ID"].to_numpy(dtype=object),
        "activity_id": milestones["Activity ID"].to_numpy(dtype=object),
        "task_id": milestones["Task ID"].to_numpy(dtype=object),
        "name": milestones["Deliverable"].fillna(milestones["Task"]).to_numpy(dtype=object),
        "owner": milestones["Assignee"].to_numpy(dtype=object),
        "status": milestones["Status"].to_numpy(dtype=object),
        "start": finish, "end": finish, "late": late, "_order": 2,
        "_row": milestones["_row"].to_numpy()}))
    rows = pd.concat(parts, ignore_index=True)
    rank = pd.Series(np.arange(len(campaign_ids)), index=pd.Index(campaign_ids, dtype=object))
    rows["_campaign"] = rows["campaign_id"].map(rank)
    rows = rows.sort_values(["_campaign", "_order", "start", "_row"], kind="stable",
                            na_position="last").reset_index(drop=True)
    rows["channel"] = rows["campaign_id"].map(channel).to_numpy(dtype=object)
    rows["segment"] = rows["campaign_id"].map(segment).to_numpy(dtype=object)
    rows["campaign"] = rows["campaign_id"].map(names).to_numpy(dtype=object)
    rows["book"], rows["plan_id"], rows["team"] = book.name, plan.plan_id, plan.team
    for end in ("start", "end"):
        days = rows[end].to_numpy(dtype="datetime64[D]")
        years, numbers = fiscal_weeks(week_starts(days), plan.fy_start_month)
        rows[f"{end}_week"] = [None if blank else week_label(y, n) for blank, y, n in zip(
            np.isnat(days).tolist(), years.tolist(), numbers.tolist(), strict=True)]
    rows["late"] = rows["late"].astype(bool)
    return rows[[*ROW_COLUMNS, "campaign"]]


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
