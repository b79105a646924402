"""The template's formulas, recalculated by a real spreadsheet (SPEC §14).

LibreOffice headless opens each workbook with "always recalculate" (a private profile whose
registrymodifications.xcu sets Calc's OOXMLRecalcMode to 0), saves it as xlsx, and we read the
values it computed with python-calamine. The Activities formula columns must equal the figures
computed by hand (§5) and the engine's to the cent, the cached values MOM wrote must equal what
LibreOffice computes, and no formula cell in any sheet may end in an error.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
import python_calamine

from mom_engine.demo import demo_team_data
from mom_engine.formulas import FIGURES, FORMULA_COLUMNS
from mom_engine.read import read_book
from mom_engine.report.team_workbook import write_team_workbook

pytestmark = pytest.mark.libreoffice

D = dt.date
RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
{items}
</oor:items>
""".format(items="\n".join(
    f'<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="{mode}" '
    f'oor:op="fuse"><value>0</value></prop></item>' for mode in ("OOXMLRecalcMode", "ODFRecalcMode")))

PLAN = {"Plan ID": "P-LO", "Team": "Demand Gen", "Fiscal Year": 2027, "FY Start Month": 1,
        "Currency": "USD", "Status": "Approved", "Approved By": "CMO",
        "Approved On": D(2026, 12, 1)}
TABLES = {
    "Campaigns": [{"Campaign ID": "C1", "Campaign": "Launch"}],
    "Activities": [
        {"Activity ID": "A1", "Campaign ID": "C1", "Activity": "Booth", "GL Account": "610200"},
        {"Activity ID": "A2", "Campaign ID": "C1", "Activity": "Ads", "GL Account": "610100"},
        {"Activity ID": "A3", "Campaign ID": "C1", "Activity": "Print", "GL Account": "610300"},
    ],
    "Budget": [
        {"Activity ID": "A1", "Month": D(2027, 1, 1), "Budgeted": 1000, "Planned": 900},
        {"Activity ID": "A1", "Month": D(2027, 2, 1), "Budgeted": "1,200.50", "Planned": 1000},
        {"Activity ID": "A2", "Month": D(2027, 1, 1), "Budgeted": 5000, "Planned": 5000},
        {"Activity ID": "A3", "Month": D(2027, 3, 1), "Budgeted": 300, "Planned": 0},
    ],
    "Realignments": [{"Date": D(2027, 2, 1), "From Activity ID": "A2", "To Activity ID": "A1",
                      "Amount": 250, "Reason": "shift"}],
    "PurchaseOrders": [
        {"PO Number": 4500000001, "Activity ID": "A1", "Vendor": "V", "Amount": 800,
         "Issue Date": D(2027, 1, 5), "Status": "Open"},
        {"PO Number": "PO-2", "Activity ID": "A1", "Vendor": "V", "Amount": 500, "Currency": "EUR",
         "Issue Date": D(2027, 1, 6), "Status": "Open"},
        {"PO Number": "PO-3", "Activity ID": "A2", "Vendor": "V", "Amount": 2000,
         "Issue Date": D(2027, 1, 7), "Status": "Closed"},
        {"PO Number": "PO-4", "Activity ID": "A2", "Vendor": "V", "Amount": 700,
         "Issue Date": D(2027, 1, 8), "Status": "Cancelled"},
        {"PO Number": "PO-5", "Activity ID": "A3", "Vendor": "V", "Amount": 100,
         "Issue Date": D(2027, 1, 9)},                                   # Status blank = Open
    ],
    "Invoices": [
        {"Invoice No": "I1", "PO Number": "4500000001", "Vendor": "V", "Amount": 300,
         "Invoice Date": D(2027, 2, 1)},                 # PO Number as text, PO's is a number
        {"Invoice No": "I2", "PO Number": "PO-2", "Vendor": "V", "Amount": 200, "Currency": "EUR",
         "Invoice Date": D(2027, 2, 2)},
        {"Invoice No": "I3", "PO Number": "PO-3", "Vendor": "V", "Amount": 1500,
         "Invoice Date": D(2027, 2, 3)},
        {"Invoice No": "I4", "Activity ID": "A2", "Vendor": "V", "Amount": 99.99,
         "Invoice Date": D(2027, 2, 4)},                 # no PO: its own Activity ID
        {"Invoice No": "I5", "PO Number": "PO-5", "Vendor": "V", "Amount": 150,
         "Invoice Date": D(2027, 2, 5)},                 # more than its PO
    ],
    "Rates": [{"Currency": "EUR", "Rate": 1.1}],
}
# Hand-computed (SPEC §5), plan currency USD; EUR at 1.1:
# A1 budgeted 1000 + 1200.50 + 250 (realigned in) = 2450.50; planned 900 + 1000 = 1900
#    committed: PO 4500000001 800 − 300 invoiced = 500; PO-2 500 EUR = 550.00 − 220.00 = 330
#               → 830; spent 300 + 200 EUR (220.00) = 520; remaining 2450.50 − 830 − 520 = 1100.50
# A2 budgeted 5000 − 250 = 4750; planned 5000; committed 0 (PO-3 Closed, PO-4 Cancelled);
#    spent 1500 (via PO-3) + 99.99 (no PO) = 1599.99; remaining 4750 − 1599.99 = 3150.01
# A3 budgeted 300; planned 0; committed max(100 − 150, 0) = 0; spent 150; remaining 150
GOLDEN = {
    "A1": {"Budgeted": 2450.50, "Planned": 1900.0, "Committed": 830.0, "Spent": 520.0,
           "Remaining": 1100.50},
    "A2": {"Budgeted": 4750.0, "Planned": 5000.0, "Committed": 0.0, "Spent": 1599.99,
           "Remaining": 3150.01},
    "A3": {"Budgeted": 300.0, "Planned": 0.0, "Committed": 0.0, "Spent": 150.0,
           "Remaining": 150.0},
}


def recalculate(paths: list[Path], out_dir: Path, profile: Path) -> dict[Path, Path]:
    """Open each workbook in LibreOffice headless, recalculate everything, save as xlsx."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("CI"):   # CI must run the real spreadsheet: scripts/test installs it
            pytest.fail("LibreOffice (soffice) is not installed; scripts/test installs it")
        pytest.skip("LibreOffice (soffice) is not installed; scripts/test installs it")
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS, encoding="utf-8")
    out_dir.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", "xlsx", "--outdir", str(out_dir), *map(str, paths)],
        capture_output=True, text=True, timeout=240)
    outputs = {path: out_dir / path.name for path in paths}
    missing = [p for p in outputs.values() if not p.exists()]   # soffice exits 0 on failure
    assert not missing, f"LibreOffice wrote nothing for {missing}: {result.stdout} {result.stderr}"
    return outputs


def sheet_records(path: Path, sheet: str) -> list[dict]:
    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(
        sheet).to_python()
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:] if any(v != "" for v in row)]


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    base = tmp_path_factory.mktemp("lo")
    golden = write_team_workbook(base / "golden.xlsx", plan=PLAN, tables=TABLES,
                                 fiscal_year=2027)
    data = demo_team_data(1, D(2027, 3, 15))     # a realistic team with a duplicate PO
    demo = write_team_workbook(base / "demo.xlsx", **data)
    data = demo_team_data(5, D(2027, 3, 15))     # a realistic team with an overspent PO
    demo5 = write_team_workbook(base / "demo5.xlsx", **data)
    blank = write_team_workbook(base / "blank.xlsx", fiscal_year=2027)
    recalculated = recalculate([golden, demo, demo5, blank], base / "out", base / "profile")
    return {"golden": (golden, recalculated[golden]), "demo": (demo, recalculated[demo]),
            "demo5": (demo5, recalculated[demo5]), "blank": (blank, recalculated[blank])}


def test_recalculated_activity_figures_equal_the_hand_computed_ones(books):
    _, recalculated = books["golden"]
    figures = {r["Activity ID"]: {name: r[name] for name in FIGURES}
               for r in sheet_records(recalculated, "Activities")}
    assert {a: {k: round(v, 2) for k, v in f.items()} for a, f in figures.items()} == GOLDEN


def test_cached_values_equal_what_libreoffice_computes(books):
    """What a viewer that does not recalculate shows = what a spreadsheet computes."""
    for name in ("golden", "demo", "demo5"):
        written, recalculated = books[name]
        for sheet, formulas in FORMULA_COLUMNS.items():
            headers = [h for h, _ in formulas]
            cached = [{h: r[h] for h in headers} for r in sheet_records(written, sheet)]
            computed = [{h: r[h] for h in headers} for r in sheet_records(recalculated, sheet)]
            assert len(cached) == len(computed) > 0, (name, sheet)
            for row, (mine, theirs) in enumerate(zip(cached, computed, strict=True), start=2):
                for header in headers:
                    if isinstance(theirs[header], float):
                        assert round(mine[header], 2) == round(theirs[header], 2), (
                            name, sheet, row, header)
                    else:
                        assert mine[header] == theirs[header], (name, sheet, row, header)


def test_recalculated_figures_equal_the_engine(books):
    from mom_engine import spend
    for name in ("golden", "demo5"):
        written, recalculated = books[name]
        engine = spend.spend_per_activity(read_book(written))
        for record in sheet_records(recalculated, "Activities"):
            for figure in FIGURES:
                assert round(record[figure] * 100) == int(engine.at[record["Activity ID"], figure]), (
                    name, record["Activity ID"], figure)


def test_no_formula_cell_ends_in_an_error_after_recalculation(books):
    for name, (_, recalculated) in books.items():
        workbook = openpyxl.load_workbook(recalculated, data_only=True)
        errors = [(sheet.title, cell.coordinate, cell.value)
                  for sheet in workbook.worksheets for row in sheet.iter_rows()
                  for cell in row if cell.data_type == "e"]
        assert errors == [], name


def test_dashboard_without_the_add_in_shows_a_hint_not_an_error(books):
    _, recalculated = books["blank"]
    rows = python_calamine.CalamineWorkbook.from_path(str(recalculated)).get_sheet_by_name(
        "Dashboard").to_python()
    hints = [v for row in rows for v in row if isinstance(v, str) and "MOM add-in" in v]
    assert len(hints) >= 2


def test_the_recalculated_workbook_still_reads_with_the_same_rows(books):
    """Formula columns are extra columns to the reader and spare rows read as blank."""
    written, recalculated = books["golden"]
    for path in (written, recalculated):
        book = read_book(path)
        assert list(book.rows("Activities")["Activity ID"]) == ["A1", "A2", "A3"]
        assert len(book.rows("PurchaseOrders")) == 5
        assert len(book.rows("Invoices")) == 5
        assert [f.code for f in book.findings] == ["number-as-text"]
