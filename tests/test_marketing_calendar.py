"""The marketing calendar (SPEC §6 "Calendar"): campaigns, activities and milestones by fiscal
week, exported as iCalendar with stable UIDs — every export parsed back with `icalendar`."""
import datetime as dt
import json

import icalendar

from mom_engine.domains.marketing_calendar import calendar_rows, fold_line, ics_text, write_ics

D = dt.date
AS_OF = D(2027, 3, 10)
CAMPAIGNS = [
    {"Campaign ID": "C1", "Campaign": "Launch, spring; EU", "Channel": "Events",
     "Segment": "SMB", "Start": D(2027, 3, 1), "End": D(2027, 3, 31), "Status": "Active"},
    {"Campaign ID": "C2", "Campaign": "Nurture", "Channel": "Email", "Status": "Planned"},
    {"Campaign ID": "C3", "Campaign": "Dropped", "Status": "Cancelled", "Start": D(2027, 1, 1),
     "End": D(2027, 1, 2)},
]
ACTIVITIES = [
    {"Activity ID": "A1", "Campaign ID": "C1", "Activity": "Booth", "GL Account": "610200",
     "Start": D(2027, 3, 8), "End": D(2027, 3, 12)},
    {"Activity ID": "A2", "Campaign ID": "C2", "Activity": "Mails", "GL Account": "610200"},
]
TASKS = [
    {"Task ID": "T1", "Activity ID": "A1", "Task": "Design", "Deliverable": "Booth artwork",
     "Planned Start": D(2027, 3, 1), "Planned Finish": D(2027, 3, 5), "% Complete": 0.5},
    {"Task ID": "T2", "Activity ID": "A2", "Task": "Legal", "Approver": "Lee",
     "Planned Start": D(2027, 4, 1), "Planned Finish": D(2027, 4, 20)},
    {"Task ID": "T3", "Activity ID": "A2", "Task": "Send", "Planned Start": D(2027, 4, 21),
     "Planned Finish": D(2027, 4, 22)},
]


def rows_of(make_book, analyze, tasks=TASKS, **plan):
    analysis = analyze(make_book(plan=plan, Campaigns=CAMPAIGNS, Activities=ACTIVITIES,
                                 Tasks=tasks), as_of=AS_OF)
    return calendar_rows(analysis.book, AS_OF)


def test_campaigns_activities_and_milestones_by_fiscal_week(make_book, analyze):
    rows = rows_of(make_book, analyze)
    assert [(r["kind"], r["campaign_id"], r["name"], str(r["start"])[:10], str(r["end"])[:10],
             r["start_week"], r["end_week"], r["late"]) for r in rows.to_dict("records")] == [
        ("campaign", "C1", "Launch, spring; EU", "2027-03-01", "2027-03-31", "FY2027-W10",
         "FY2027-W14", False),
        ("activity", "C1", "Booth", "2027-03-08", "2027-03-12", "FY2027-W11", "FY2027-W11",
         False),
        ("milestone", "C1", "Booth artwork", "2027-03-05", "2027-03-05", "FY2027-W10",
         "FY2027-W10", True),                           # due before the as-of, 50 % done: late
        # C2 has no dates: its tasks' span (T2 and T3) gives the bar; T3 is no milestone.
        ("campaign", "C2", "Nurture", "2027-04-01", "2027-04-22", "FY2027-W14", "FY2027-W17",
         False),
        ("activity", "C2", "Mails", "2027-04-01", "2027-04-22", "FY2027-W14", "FY2027-W17",
         False),
        ("milestone", "C2", "Legal", "2027-04-20", "2027-04-20", "FY2027-W17", "FY2027-W17",
         False),                                        # an approval: Approver named
    ]
    assert set(rows["channel"]) == {"Events", "Email"} and set(rows["team"]) == {"Demand Gen"}


def test_fiscal_weeks_follow_the_plans_fy_start_month(make_book, analyze):
    rows = rows_of(make_book, analyze, **{"FY Start Month": 10, "Fiscal Year": 2027})
    assert list(rows["start_week"][:3]) == ["FY2027-W23", "FY2027-W24", "FY2027-W23"]


def test_ics_is_valid_rfc_5545_with_one_event_per_campaign_window_and_milestone(
        make_book, analyze, tmp_path):
    rows = rows_of(make_book, analyze)
    path = write_ics(tmp_path / "marketing.ics", rows, stamp=dt.datetime(2027, 3, 10, 9, 0,
                                                                         tzinfo=dt.UTC))
    raw = path.read_bytes()
    assert raw.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and raw.endswith(
        b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    calendar = icalendar.Calendar.from_ical(raw)
    events = [(str(e["SUMMARY"]), e.decoded("DTSTART"), e.decoded("DTEND"),
               e.decoded("DTSTAMP")) for e in calendar.walk("VEVENT")]
    stamp = dt.datetime(2027, 3, 10, 9, 0, tzinfo=dt.UTC)
    assert events == [
        ("Launch, spring; EU (C1)", D(2027, 3, 1), D(2027, 4, 1), stamp),   # DTEND exclusive
        ("LATE: Booth artwork — Launch, spring; EU (T1)", D(2027, 3, 5), D(2027, 3, 6), stamp),
        ("Nurture (C2)", D(2027, 4, 1), D(2027, 4, 23), stamp),
        ("Legal — Nurture (T2)", D(2027, 4, 20), D(2027, 4, 21), stamp),
    ]
    assert [list(e["CATEGORIES"].cats) for e in calendar.walk("VEVENT")][:2] == [
        ["campaign"], ["milestone", "late"]]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["marketing.ics", "team.xlsx"]


def test_uids_are_stable_so_a_re_export_updates_instead_of_duplicating(make_book, analyze):
    before = icalendar.Calendar.from_ical(ics_text_of(rows_of(make_book, analyze)))
    moved = [{**TASKS[0], "Task ID": "t1", "Planned Finish": D(2027, 3, 19)}, *TASKS[1:]]
    after = icalendar.Calendar.from_ical(ics_text_of(rows_of(make_book, analyze, tasks=moved)))
    uids = {str(e["UID"]): e.decoded("DTSTART") for e in before.walk("VEVENT")}
    again = {str(e["UID"]): e.decoded("DTSTART") for e in after.walk("VEVENT")}
    assert set(uids) == set(again) and len(uids) == 4
    assert sorted(set(again.values()) - set(uids.values())) == [D(2027, 3, 19)]
    other_plan = rows_of(make_book, analyze, **{"Plan ID": "P-2"})
    assert not set(uids) & {str(e["UID"]) for e in icalendar.Calendar.from_ical(
        ics_text_of(other_plan)).walk("VEVENT")}


def ics_text_of(rows):
    from mom_engine.domains.marketing_calendar import calendar_events
    return ics_text(calendar_events(rows), stamp=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))


def test_long_lines_fold_at_75_octets_without_splitting_a_character():
    line = "SUMMARY:" + "é" * 80
    folded = fold_line(line)
    parts = folded.encode().split(b"\r\n")
    assert all(len(p) <= 75 for p in parts) and len(parts) == 3
    assert folded.replace("\r\n ", "") == line


def test_mom_calendar_writes_the_ics_and_reports_the_rows(make_book, run_mom, tmp_path):
    path = make_book(Campaigns=CAMPAIGNS, Activities=ACTIVITIES, Tasks=TASKS)
    result = run_mom("calendar", path, "-o", tmp_path / "out" / "marketing.ics", "--as-of",
                     "2027-03-10", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert (document["events"], len(document["rows"])) == (4, 6)
    assert document["rows"][2] == {**document["rows"][2], "kind": "milestone", "late": True,
                                   "start": "2027-03-05", "task_id": "T1"}
    parsed = icalendar.Calendar.from_ical((tmp_path / "out" / "marketing.ics").read_bytes())
    assert len(parsed.walk("VEVENT")) == 4


def test_planner_text_reaches_the_ics_exactly_whatever_it_holds(make_book, analyze, tmp_path):
    from .test_output_safety import PAYLOADS
    # (the builder writes text starting with "=" as a formula: those are left to the reader)
    names = [*(p for p in PAYLOADS if not p.startswith("=")),
             "Line one\nline two; a, b \\ c", "Zoë’s café — 東京 " * 6]
    campaigns = [{"Campaign ID": f"C{i}", "Campaign": name, "Start": D(2027, 3, 1),
                  "End": D(2027, 3, 2), "Status": "Active"} for i, name in enumerate(names)]
    analysis = analyze(make_book(Campaigns=campaigns, Activities=[
        {"Activity ID": "A1", "Campaign ID": "C0", "Activity": "x", "GL Account": "610200"}]),
        as_of=AS_OF)
    path = write_ics(tmp_path / "m.ics", calendar_rows(analysis.book, AS_OF))
    raw = path.read_bytes()
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    summaries = [str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(raw).walk("VEVENT")]
    assert summaries == [f"{name.strip()} (C{i})" for i, name in enumerate(names)]
