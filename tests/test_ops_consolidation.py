"""Capacity, the marketing calendar, the campaigns at risk and the quarterly scorecard in the
consolidated workbook (SPEC §6, §8, §11): one person across teams is one person."""
import datetime as dt
import zipfile

import openpyxl

from mom_engine.consolidate import Options, consolidate
from mom_engine.report.consolidated import write_consolidated

D = dt.date
AS_OF = D(2027, 3, 10)


def dana(task_id, start, finish, hours, **extra):
    return {"Task ID": task_id, "Activity ID": "A1", "Task": "Design", "Assignee": "Dana Kim",
            "Deliverable": "Artwork", "Planned Start": start, "Planned Finish": finish,
            "Planned Hours": hours, **extra}


def books(make_book):
    campaigns = [{"Campaign ID": "C1", "Campaign": "Launch", "Channel": "Events",
                  "Segment": "SMB", "Start": D(2027, 3, 1), "End": D(2027, 3, 31),
                  "Status": "Active", "Expected Leads": 100}]
    first = make_book("a.xlsx", Campaigns=campaigns,
                      Tasks=[dana("T1", D(2027, 3, 1), D(2027, 3, 5), 30)],
                      People=[{"Person": "Dana Kim", "Hours per Week": 40, "Cost Rate": 50}])
    second = make_book("b.xlsx", plan={"Plan ID": "P-2", "Team": "Brand"},
                       Tasks=[dana("X9", D(2027, 3, 3), D(2027, 3, 4), 20)])
    return [first, second]


def test_one_person_across_teams_is_one_person_in_the_capacity_sheet(make_book):
    report = consolidate(books(make_book), options=Options(as_of=AS_OF), workers=1)
    capacity = report.tables["capacity"].to_dict("records")
    assert [(r["person"], str(r["week"])[:10], r["hours"], r["capacity"], r["utilisation"],
             r["tasks"], r["books"]) for r in capacity] == [
        ("Dana Kim", "2027-03-01", 50.0, 40.0, 1.25, "a.xlsx: T1, b.xlsx: X9",
         "a.xlsx, b.xlsx")]
    over = [(f.book, f.sheet, f.cell, f.code) for f in report.findings
            if f.code == "over-allocated"]
    assert over == [("a.xlsx", "Tasks", "D2", "over-allocated")]   # only the sum is over
    hours = report.tables["campaign_hours"].to_dict("records")
    assert [(r["book"], r["internal_hours"], r["internal_cost"]) for r in hours] == [
        ("a.xlsx", 30.0, 150_000), ("b.xlsx", 20.0, 0)]


def test_consolidated_workbook_has_calendar_capacity_at_risk_and_quarter_sheets(
        make_book, tmp_path):
    report = consolidate(books(make_book), options=Options(as_of=AS_OF), workers=1)
    path = write_consolidated(tmp_path / "consolidated.xlsx", report)
    workbook = openpyxl.load_workbook(path)
    for title in ("At Risk", "Scorecard by Quarter", "Capacity", "Hours by Campaign",
                  "Calendar"):
        assert title in workbook.sheetnames
    calendar = workbook["Calendar"]
    header = [c.value for c in calendar[1]]
    assert header[:12] == ["Team", "Kind", "Campaign ID", "Activity ID", "Task ID", "Name",
                           "Channel", "Segment", "Owner", "Start", "End", "Late"]
    assert header[12] == "W01" and len(header) == 12 + 52          # FY2027, weeks as columns
    assert calendar["M2"].value == dt.datetime(2026, 12, 28)         # W01's Monday
    rows = [[c.value for c in row[:6]] for row in calendar.iter_rows(min_row=3)]
    assert rows[:3] == [["Demand Gen", "campaign", "C1", None, None, "Launch"],
                        ["Demand Gen", "activity", "C1", "A1", None, "Booth"],
                        ["Demand Gen", "milestone", "C1", "A1", "T1", "Artwork"]]
    # T1 is due Fri 2027-03-05: its ◆ sits in W10 (Monday 2027-03-01), and it is late.
    week10 = 12 + 9
    assert calendar.cell(5, week10 + 1).value == "◆" and calendar["L5"].value is True
    assert calendar.auto_filter.ref == "A1:L8"                    # 2 header rows, 6 rows
    with zipfile.ZipFile(path) as archive:
        names = {n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")}
        xml = next(archive.read(n).decode() for n in names
                   if "milestone" in archive.read(n).decode())
    assert xml.count("<cfRule") == 4 and "#C00000" not in xml       # colours in styles
    at_risk = workbook["At Risk"]
    assert [c.value for c in at_risk[2]][2:5] == ["C1", "Launch", "Active"]


def test_cross_book_over_allocation_counts_with_the_teams_warnings(make_book):
    report = consolidate(books(make_book), options=Options(as_of=AS_OF), workers=1)
    warnings = {book: sum(f.book == book and f.severity.value == "warning"
                          for f in report.findings) for book in ("a.xlsx", "b.xlsx")}
    # a.xlsx: campaign-underperforming, schedule-behind, task-start-missed, task-late and the
    # over-allocated that only Dana's hours of both books added up show
    assert warnings == {"a.xlsx": 5, "b.xlsx": 3}
    assert dict(zip(report.teams["book"], report.teams["warnings"], strict=True)) == warnings


def test_campaigns_at_risk_in_the_json_and_on_the_dashboard(make_book, tmp_path):
    from mom_engine.cli.consolidate import consolidation_json
    report = consolidate(books(make_book), options=Options(as_of=AS_OF), workers=1)
    at_risk = consolidation_json(report, None)["at_risk"]
    assert [(r["book"], r["team"], r["campaign_id"], r["status"], r["expected_share"],
             r["leads_attainment"], r["spi"], r["underperforming"], r["behind_schedule"],
             r["late_tasks"], r["reasons"]) for r in at_risk] == [
        # 10 of C1's 31 days gone: 0.3226 of 100 leads expected, none yet; T1 late
        ("a.xlsx", "Demand Gen", "C1", "Active", 0.3226, 0.0, 0.0, True, True, 1,
         "SPI 0.00, leads below target"),
        ("b.xlsx", "Brand", "C1", "Planned", None, None, 0.0, False, True, 1, "SPI 0.00")]
    path = write_consolidated(tmp_path / "consolidated.xlsx", report)
    dashboard = openpyxl.load_workbook(path)["Dashboard"]
    cells = [(row[0].value, row[1].value) for row in dashboard.iter_rows(max_col=2)]
    start = cells.index(("Campaigns at risk (delayed or underperforming)", 2))
    assert cells[start + 1:start + 3] == [
        ("Demand Gen · C1 Launch", "SPI 0.00, leads below target"),
        ("Brand · C1 Launch", "SPI 0.00")]
