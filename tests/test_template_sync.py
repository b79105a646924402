"""The committed template equals a freshly generated one (SPEC §2: kept in sync by a test)."""
import zipfile

import python_calamine

from mom_engine.report.team_workbook import write_team_workbook

from .conftest import ROOT

COMMITTED = ROOT / "workbook_templates" / "team_plan.xlsx"


def committed_fiscal_year() -> int:
    rows = python_calamine.CalamineWorkbook.from_path(str(COMMITTED)).get_sheet_by_name(
        "Plan").to_python()
    return int(next(r[1] for r in rows if r[0] == "Fiscal Year"))


def test_committed_template_is_what_mom_template_writes(tmp_path):
    fresh = write_team_workbook(tmp_path / "team_plan.xlsx", fiscal_year=committed_fiscal_year())
    with zipfile.ZipFile(COMMITTED) as old, zipfile.ZipFile(fresh) as new:
        assert sorted(old.namelist()) == sorted(new.namelist())
        changed = [n for n in old.namelist() if old.read(n) != new.read(n)]
    assert changed == [], f"regenerate with `mom template --fiscal-year {committed_fiscal_year()}`"
