"""The dashboards render and every sheet prints (issue 13): the team workbook and the
consolidated workbook are rendered to PDF by LibreOffice; every chart of both Dashboards reads
ranges that hold numbers (after recalculation for the team workbook's formulas); every sheet of
the team, consolidated and reconciliation workbooks has fit-to-one-page-wide print setup, a
page header and, where it has a header row, that row repeated."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import zipfile

import openpyxl
import pytest

from mom_engine.demo import demo_team_data
from mom_engine.report.team_workbook import write_team_workbook

from .test_libreoffice_formulas import RECALC_ALWAYS, recalculate

pytestmark = pytest.mark.libreoffice
D = dt.date


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    base = tmp_path_factory.mktemp("print")
    team = write_team_workbook(base / "team.xlsx", **demo_team_data(1, D(2027, 3, 15)),
                               dashboard_as_of=D(2027, 3, 15))
    demo = base / "demo"
    from mom_engine.cli import main
    main(["demo", "--teams", "6", "--out", str(demo)])           # books + consolidated.xlsx
    consolidated = demo / "consolidated.xlsx"
    reconciliation = base / "reconciliation.xlsx"
    main(["reconcile", str(demo / "teams" / sorted(p.name for p in (demo / "teams").iterdir())[0]),
          "--ledger", str(demo / "erp_export.csv"), "-o", str(reconciliation)])
    recalculated = recalculate([team], base / "recalculated", base / "profile")[team]
    return {"team": team, "recalculated": recalculated, "consolidated": consolidated,
            "reconciliation": reconciliation, "base": base}


def test_both_dashboards_render_to_pdf(workbooks):
    soffice = shutil.which("soffice")
    profile = workbooks["base"] / "pdf-profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS, encoding="utf-8")
    out = workbooks["base"] / "pdf"
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--norestore", "--convert-to", "pdf", "--outdir", str(out),
                    str(workbooks["team"]), str(workbooks["consolidated"])],
                   capture_output=True, timeout=300, check=False)
    for name in ("team", "consolidated"):
        pdf = (out / f"{name}.pdf").read_bytes()
        assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page[^s]", pdf)) > 1, name


def chart_ranges(path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        return [ref for n in charts
                for ref in re.findall(r"<c:f>([^<]+)</c:f>", archive.read(n).decode())]


def values_of(workbook, reference: str) -> list:
    sheet, cells = reference.rsplit("!", 1)
    ws = workbook[sheet.strip("'")]
    found = ws[cells.replace("$", "")]
    if not isinstance(found, tuple):
        return [found.value]
    return [c.value for row in found for c in (row if isinstance(row, tuple) else (row,))]


@pytest.mark.parametrize("which", ["team", "consolidated"])
def test_every_chart_reads_a_range_with_numbers(workbooks, which):
    references = chart_ranges(workbooks[which])
    assert len(references) >= 8, which          # four charts or more, names + values each
    book = openpyxl.load_workbook(workbooks["recalculated" if which == "team" else which],
                                  data_only=True)
    values = [r for r in references if not r.endswith("1") or ":" in r]
    for reference in values:
        if ":" not in reference:                 # a series name: one header cell
            continue
        cells = values_of(book, reference)
        assert any(v not in (None, "") for v in cells), (which, reference)
    numbers = [r for r in references if ":" in r]
    assert any(isinstance(v, (int, float)) and v for r in numbers for v in values_of(book, r))


@pytest.mark.parametrize("which", ["team", "consolidated", "reconciliation"])
def test_every_sheet_has_print_setup(workbooks, which):
    book = openpyxl.load_workbook(workbooks[which])
    for sheet in book.worksheets:
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True, (which, sheet.title)
        assert sheet.page_setup.fitToWidth in (1, None) and sheet.page_setup.fitToHeight == 0, (
            which, sheet.title)
        assert sheet.oddHeader.left.text, (which, sheet.title)
        if sheet.title not in ("Dashboard", "Instructions"):
            assert sheet.print_title_rows, (which, sheet.title)
    dashboard = book.worksheets[0] if which != "team" else book["Dashboard"]
    if which != "reconciliation":
        assert dashboard.page_setup.orientation == "landscape"
