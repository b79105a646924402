"""The consolidated workbook's rollup sheets (SPEC §11, issue 13): Excel tables a manager filters
and pivots, with the headers the terminal and CSV show (the report specs), percents as
percents, money to the cent; a sheet with nothing to show is there and says why."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import zipfile

import openpyxl
import pandas as pd
import pytest

from mom_engine.consolidate import MONEY_COLUMNS, MONEY_FIGURES, Options, consolidate
from mom_engine.report.consolidated import DOMAIN_SHEETS, frame_spec, write_consolidated
from mom_engine.report.specs import EFFECTIVENESS, EFFICIENCY
from mom_engine.report.table import Kind

from .builders import D

AS_OF = dt.date(2027, 3, 15)
TABLE_SHEETS = ["Teams", "Campaigns", "GL by Month", "Schedule", "Coverage", "Funnel",
                "Scorecard", "Scorecard by Quarter", "Hours by Campaign", "Assets", "Sources"]

NORTH = dict(
    plan={"Plan ID": "P-N", "Team": "North"},
    Campaigns=[{"Campaign ID": "C1", "Campaign": "Launch", "Channel": "Events",
                "Start": D(2027, 1, 4), "End": D(2027, 2, 26), "Status": "Completed",
                "Expected Leads": 4, "Expected Pipeline": 4000, "Expected Revenue": 2000}],
    Budget=[{"Activity ID": "A1", "Month": D(2027, 1, 1), "Budgeted": 1000, "Planned": 900}],
    PurchaseOrders=[{"PO Number": "PO-1", "Activity ID": "A1", "Vendor": "Acme",
                     "Amount": 400, "Issue Date": D(2027, 1, 10), "Status": "Open"}],
    Invoices=[{"Invoice No": "INV-1", "PO Number": "PO-1", "Vendor": "Acme", "Amount": 150.25,
               "Invoice Date": D(2027, 2, 1)}],
    Tasks=[{"Task ID": "T1", "Activity ID": "A1", "Task": "Artwork", "Assignee": "Ann",
            "Planned Start": D(2027, 1, 4), "Planned Finish": D(2027, 1, 8),
            "Planned Hours": 10, "% Complete": 1, "Status": "Done"}],
    Opportunities=[{"Opportunity ID": "O1", "Rep": "Maya", "Campaign ID": "C1",
                    "Stage": "Closed Won", "Amount": 1000, "Close Date": D(2027, 2, 15)},
                   {"Opportunity ID": "O2", "Rep": "Maya", "Campaign ID": "C1",
                    "Stage": "Proposal", "Amount": 2500, "Close Date": D(2027, 3, 20)}],
    Quotas=[{"Rep": "Maya", "Quarter": "FY2027-Q1", "Quota": 3000}],
    Leads=[{"Lead ID": f"L{n}", "Campaign ID": "C1", "Inquiry Date": D(2027, 1, 11),
            "MQL Date": D(2027, 1, 12) if n < 2 else None} for n in range(3)],
    Assets=[{"Asset ID": "AS-1", "Asset": "Launch eBook", "Type": "eBook"}],
)


@pytest.fixture
def north(tmp_path, make_book):
    folder = tmp_path / "teams"
    folder.mkdir()
    shutil.move(make_book("north.xlsx", **NORTH), folder / "north.xlsx")
    report = consolidate([folder / "north.xlsx"], options=Options(as_of=AS_OF), workers=1)
    return report, write_consolidated(tmp_path / "consolidated.xlsx", report)


def records(sheet) -> list[dict]:
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_rollup_sheets_are_excel_tables_over_every_row(north):
    _, path = north
    workbook = openpyxl.load_workbook(path)
    for title in TABLE_SHEETS:
        sheet = workbook[title]
        (name, ref), = sheet.tables.items()
        assert name == title.replace(" ", "_")
        assert ref == f"A1:{openpyxl.utils.get_column_letter(sheet.max_column)}{sheet.max_row}"
        table = sheet.tables[name]
        assert [c.name for c in table.tableColumns] == [c.value for c in sheet[1]]
        assert sheet.auto_filter.ref is None        # the table's own filter, not a second one
        fill = sheet["A1"].fill.fgColor.rgb
        assert (fill, sheet["A1"].font.b, sheet["A1"].font.color.rgb) == (
            "FF1F3864", True, "FFFFFFFF")                     # explicit, whatever the style


def test_headers_are_the_report_specs_headers(north):
    report, path = north
    header = [c.value for c in openpyxl.load_workbook(path)["Scorecard"][1]]
    assert header[:11] == ["Book", "Team", "Rank", "Campaign ID", "Campaign", "Cost", "Leads",
                           "MQLs", "Pipeline", "Won", "ROI"]
    assert {"Cost per MQL", "Cost per lead", "Leads attainment", "Pipeline per cost",
            "Median review cycle (days)"} <= set(header)
    for name in report.tables["scorecard"].columns:
        if name not in ("book", "team"):
            spec = EFFECTIVENESS if name in EFFECTIVENESS.names else EFFICIENCY
            assert spec.column(name).header in header, name
    assert not {"Roi", "Mqls", "Cost per mql"} & set(header)
    quarters = [c.value for c in openpyxl.load_workbook(path)["Scorecard by Quarter"][1]]
    assert {"ROI", "ROI change", "MQLs change", "Cost per MQL change"} <= set(quarters)


def test_percents_money_and_counts_are_formatted_exactly(north):
    _, path = north
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Scorecard"]
    header = [c.value for c in sheet[1]]

    def cell(column: str):
        return sheet.cell(2, header.index(column) + 1)
    # cost = committed 249.75 + spent 150.25 = 400.00; won 1,000.00; ROI (1000 − 400) ÷ 400
    assert (cell("Cost").value, cell("Cost").number_format) == (400.0, "#,##0.00")
    assert (cell("Won").value, cell("ROI").value, cell("ROI").number_format) == (
        1000.0, 1.5, "0.0%")
    assert (cell("Revenue attainment").value, cell("Revenue attainment").number_format) == (
        0.5, "0.0%")
    assert (cell("Leads attainment").value, cell("Pipeline attainment").value) == (0.75, 0.875)
    assert (cell("MQLs").value, cell("MQLs").number_format) == (2, "#,##0")
    assert (cell("Cost per MQL").value, cell("Cost per MQL").number_format) == (
        200.0, "#,##0.00")
    campaigns = records(workbook["Campaigns"])
    assert [(r["Campaign ID"], r["Budgeted"], r["Committed"], r["Spent"], r["Remaining"])
            for r in campaigns] == [("C1", 1000.0, 249.75, 150.25, 600.0)]
    coverage = workbook["Coverage"]
    row = records(coverage)[0]
    assert (row["Rep"], row["Quota"], row["Won"], row["Open pipeline"], row["Coverage"]) == (
        "Maya", 3000.0, 1000.0, 2500.0, 1.25)
    assert coverage.cell(2, [c.value for c in coverage[1]].index("Coverage") + 1) \
        .number_format == "0.00"
    schedule = workbook["Schedule"]
    complete = [c.value for c in schedule[1]].index("% complete") + 1
    assert (schedule.cell(2, complete).value, schedule.cell(2, complete).number_format) == (
        1.0, "0.0%")


def test_money_columns_are_the_cents_columns(north):
    """A column the specs call money is written as cents ÷ 100: it must be one the
    consolidation keeps in cents, and every cents column must be shown as money."""
    report, _ = north
    cents = set(MONEY_FIGURES) | set(MONEY_COLUMNS)
    for _, key, specs, _ in DOMAIN_SHEETS:
        frame = report.tables.get(key)
        if frame is None:
            continue
        for column in frame_spec(frame, specs).columns:
            assert (column.kind is Kind.MONEY) == (column.name in cents), (key, column.name)


def test_a_sheet_with_nothing_to_show_is_there_and_says_why(tmp_path, make_book):
    """No quota and no pipeline: Coverage says so in one line; At Risk (no campaign at risk)
    keeps its headers and says why under them, without an empty table."""
    book = make_book("plain.xlsx", plan={"Plan ID": "P-1", "Team": "Plain"})
    report = consolidate([book], options=Options(as_of=AS_OF), workers=1)
    assert "coverage" not in report.tables
    workbook = openpyxl.load_workbook(write_consolidated(tmp_path / "c.xlsx", report))
    assert [title for title, *_ in DOMAIN_SHEETS] == [
        n for n in workbook.sheetnames if n not in ("Dashboard", "Teams", "Calendar",
                                                    "Findings", "Sources")]
    coverage = workbook["Coverage"]
    assert [[c.value for c in row] for row in coverage.iter_rows()] == [[
        "Nothing to show: no workbook read has a quota or open pipeline in the fiscal quarter "
        "containing 2027-03-15."]]
    at_risk = workbook["At Risk"]
    assert [c.value for c in at_risk[1]][:4] == ["Book", "Team", "Campaign ID", "Campaign"]
    assert at_risk["A2"].value == ("Nothing to show: no campaign is behind schedule or "
                                   "underperforming as of 2027-03-15.")
    assert at_risk.max_row == 2 and not at_risk.tables


@pytest.mark.libreoffice
def test_libreoffice_reads_the_tables(north, tmp_path):
    """LibreOffice opens the workbook and keeps every table as a named range with its
    filter (a file Excel would have to repair would lose them)."""
    _, path = north
    out = tmp_path / "lo"
    subprocess.run(["soffice", "--headless", "--convert-to", "ods", "--outdir", str(out),
                    str(path)], check=True, capture_output=True, timeout=180)
    with zipfile.ZipFile(out / "consolidated.ods") as archive:
        content = archive.read("content.xml").decode()
    for title in TABLE_SHEETS:
        name = title.replace(" ", "_")
        assert f'table:name="{name}"' in content, name


@pytest.mark.libreoffice
def test_findings_links_lead_to_the_books_from_the_workbooks_folder(tmp_path, make_book):
    """The links are relative to the folder the consolidated workbook is in, with forward
    slashes: LibreOffice resolves each to the source book, also after both folders moved."""
    import re
    import urllib.parse
    teams = tmp_path / "old" / "teams" / "emea"
    teams.mkdir(parents=True)
    bad = [{"Activity ID": "A9", "Month": D(2027, 1, 1), "Budgeted": 10, "Planned": 10}]
    shutil.move(make_book("a b#1.xlsx", Budget=bad), teams / "a b#1.xlsx")
    report = consolidate([teams / "a b#1.xlsx"], options=Options(as_of=AS_OF), workers=1)
    write_consolidated(tmp_path / "old" / "reports" / "consolidated.xlsx", report)
    with zipfile.ZipFile(tmp_path / "old" / "reports" / "consolidated.xlsx") as archive:
        rels = "".join(archive.read(n).decode() for n in archive.namelist()
                       if n.startswith("xl/worksheets/_rels/"))
    assert "../teams/emea/a%20b%231.xlsx" in rels and "\\" not in rels
    shutil.move(tmp_path / "old", tmp_path / "moved")           # both folders move together
    folder = tmp_path / "moved" / "reports"
    subprocess.run(["soffice", "--headless", "--convert-to", "ods", "--outdir", str(folder),
                    str(folder / "consolidated.xlsx")], check=True, capture_output=True,
                   timeout=180)
    with zipfile.ZipFile(folder / "consolidated.ods") as archive:
        content = archive.read("content.xml").decode()
    links = [urllib.parse.unquote(h) for h in re.findall(r'xlink:href="(\.\./[^"#]+)[#"]',
                                                         content)]
    assert links
    for link in links:     # an ODF link is relative to the document as if it were a folder
        target = (folder / "consolidated.ods" / link).resolve()
        assert target == (tmp_path / "moved" / "teams" / "emea" / "a b#1.xlsx").resolve()


# --- the consolidated Dashboard's burn and per-campaign / per-rep charts ------------------------

def test_burn_is_the_books_spend_burn_added_up_by_calendar_month(tmp_path, make_book):
    """North's fiscal year is Jan–Dec 2027, South's Oct 2026–Sep 2027: over Oct 2026–Dec 2027
    each book counts 0 before its year and its final figures after; actual runs through the
    as-of month (2027-03), projected from it; the last budget is the plans' total budget."""
    from mom_engine.analyze import Context, analyze_book
    from mom_engine.domains.spend import spend_burn
    south = dict(NORTH, plan={"Plan ID": "P-S", "Team": "South", "FY Start Month": 10},
                 Budget=[{"Activity ID": "A1", "Month": D(2026, 11, 1), "Budgeted": 700,
                          "Planned": 700},
                         {"Activity ID": "A1", "Month": D(2027, 5, 1), "Budgeted": 300,
                          "Planned": 300}])
    paths = [make_book("north.xlsx", **NORTH), make_book("south.xlsx", **south)]
    report = consolidate(paths, options=Options(as_of=AS_OF), workers=1)
    burns = [spend_burn(analyze_book(p, context=Context(as_of=AS_OF)).book, AS_OF)
             .set_index("month") for p in paths]
    calendar = [f"{y}-{m:02d}" for y, m in [(2026, 10), (2026, 11), (2026, 12)]
                + [(2027, m) for m in range(1, 13)]]

    def placed(burn, figure, month):
        if month < burn.index[0]:
            return 0
        return int(burn[figure].loc[min(month, burn.index[-1])])
    burn = report.tables["burn"]
    assert burn["month"].tolist() == calendar
    for row in burn.to_dict("records"):
        month = row["month"]
        assert row["budget"] == sum(placed(b, "budget", month) for b in burns), month
        if month <= "2027-03":
            assert row["actual"] == sum(placed(b, "actual", month) for b in burns), month
        else:
            assert pd.isna(row["actual"]), month
        if month >= "2027-03":
            assert row["projected"] == sum(placed(b, "projected", month) for b in burns), month
        else:
            assert pd.isna(row["projected"]), month
    assert burn["budget"].iloc[-1] == report.totals["budgeted"] == 200_000
    assert burn.set_index("month").loc["2027-03", "actual"] == (
        report.totals["committed"] + report.totals["spent"])
    # the Dashboard's chart reads these figures, in units
    workbook = openpyxl.load_workbook(write_consolidated(tmp_path / "c.xlsx", report))
    cells = [[c for c in row] for row in workbook["Dashboard"].iter_rows(values_only=True)]
    top = next(i for i, row in enumerate(cells) if row[1] == "Month" and row[2] == "Budget")
    assert [tuple(row[1:5]) for row in cells[top + 1:top + 1 + len(calendar)]] == [
        (r["month"], r["budget"] / 100, None if pd.isna(r["actual"]) else r["actual"] / 100,
         None if pd.isna(r["projected"]) else r["projected"] / 100)
        for r in burn.to_dict("records")]


def test_lowest_spis_twenty_then_all_others_as_a_ratio_of_sums():
    from mom_engine.report.consolidated import lowest_spis
    schedule = pd.DataFrame({
        "team": ["T"] * 24, "campaign_id": [f"C{n:02d}" for n in range(24)],
        "spi": [0.5 + n / 100 for n in range(22)] + [None, None],
        "ev": [10.0] * 22 + [3.0, 0.0], "pv": [20.0] * 22 + [0.0, 0.0]})
    shown = lowest_spis(schedule)
    assert shown["campaign"].tolist()[:2] == ["T · C00", "T · C01"]
    assert len(shown) == 21 and shown["campaign"].iloc[-1] == "All others (4)"
    # C20, C21: EV 10 + 10, PV 20 + 20; C22 earned 3 with nothing planned, C23 nothing
    assert shown["spi"].iloc[-1] == pytest.approx((10 + 10 + 3) / 40)
    assert len(lowest_spis(schedule.iloc[:20])) == 20        # no rest, no "All others"


def test_reps_below_target_first_twenty_then_all_others():
    from mom_engine.report.consolidated import reps_below_target_first
    reps = 23
    coverage = pd.DataFrame({
        "rep": [f"R{n:02d}" for n in range(reps)],
        "coverage": [3.0 - n / 10 for n in range(reps)],
        "below_target": [3.0 - n / 10 < 2.5 for n in range(reps)],
        "open": [100_00] * reps, "remaining_quota": [50_00] * (reps - 1) + [-10_00],
        "target": 2.5})
    shown = reps_below_target_first(coverage)
    assert shown["rep"].tolist()[:3] == ["R22", "R21", "R20"]        # lowest coverage first
    assert len(shown) == 21 and shown["rep"].iloc[-1] == "All others (3)"
    # the rest: R00–R02 (above target), open 300.00 over remaining 150.00
    assert shown["coverage"].iloc[-1] == pytest.approx(2.0)
    assert set(shown["target"]) == {2.5}
