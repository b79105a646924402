"""`mom spend` (SPEC §13): JSON keys, amounts with 2 decimals, exit codes 0/1/2."""
from __future__ import annotations

import json

import pytest

from mom_engine.cli import main

from .builders import D

FIGURES = ["budgeted", "planned", "committed", "spent", "remaining", "unplanned"]


def test_spend_json_by_quarter(make_book, run_mom):
    path = make_book(plan={"FY Start Month": 10, "Approved On": D(2026, 9, 1)},
                     Budget=[{"Activity ID": "A1", "Month": D(2026, 12, 1), "Budgeted": 1000.5,
                              "Planned": 900},
                             {"Activity ID": "A1", "Month": D(2027, 1, 1), "Budgeted": 500,
                              "Planned": 500}],
                     PurchaseOrders=[{"PO Number": "PO-1", "Activity ID": "A1", "Vendor": "Acme",
                                      "Amount": 300.25, "Issue Date": D(2027, 1, 5)}])
    result = run_mom("spend", path, "--by", "quarter", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert {"plan_id", "currency", "by", "rows", "total", "findings"} <= set(document)
    assert (document["plan_id"], document["currency"], document["by"]) == ("P-1", "USD", "quarter")
    assert document["rows"] == [
        # Dec 2026 is FY2027-Q1 with an October start; January FY2027-Q2
        {"key": "FY2027-Q1", "budgeted": 1000.5, "planned": 900.0, "committed": 0.0,
         "spent": 0.0, "remaining": 1000.5, "unplanned": 100.5},
        {"key": "FY2027-Q2", "budgeted": 500.0, "planned": 500.0, "committed": 300.25,
         "spent": 0.0, "remaining": 199.75, "unplanned": 0.0},
    ]
    assert document["total"] == {"budgeted": 1500.5, "planned": 1400.0, "committed": 300.25,
                                 "spent": 0.0, "remaining": 1200.25, "unplanned": 100.5}
    assert document["findings"] == []


@pytest.mark.parametrize("level", ["activity", "campaign", "plan", "gl", "month", "year"])
def test_spend_every_level_prints(make_book, capsys, level):
    assert main(["spend", str(make_book()), "--by", level, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [set(r) >= {"key", *FIGURES} for r in rows] == [True]
    assert rows[0]["budgeted"] == 1000.0


def test_spend_exit_codes(tmp_path, make_book, run_mom):
    over = make_book("over.xlsx", PurchaseOrders=[
        {"PO Number": "PO-1", "Activity ID": "A1", "Vendor": "Acme", "Amount": 1200,
         "Issue Date": D(2027, 1, 5)}])
    result = run_mom("spend", over)
    assert result.returncode == 1
    assert "over-budget" in result.stdout and "Total" in result.stdout
    (tmp_path / "junk.xlsx").write_bytes(b"not a workbook")
    assert main(["spend", str(tmp_path / "junk.xlsx"), "--json"]) == 2
    assert main(["spend", str(tmp_path / "missing.xlsx")]) == 2
    with pytest.raises(SystemExit) as bad_level:
        main(["spend", str(over), "--by", "week"])
    assert bad_level.value.code == 2


def test_spend_shows_only_findings_that_bear_on_spend(make_book, capsys):
    # a reversed task is a schedule error: `mom validate` reports it, `mom spend` does not
    path = make_book(Tasks=[{"Task ID": "T1", "Activity ID": "A1", "Task": "Copy",
                             "Planned Start": D(2027, 2, 10), "Planned Finish": D(2027, 2, 1)}],
                     Budget=[{"Activity ID": "A1", "Month": "2027-01", "Budgeted": "1,000"}])
    assert main(["spend", str(path), "--json"]) == 0
    codes = {f["code"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert codes == {"number-as-text"}
    assert main(["validate", str(path)]) == 1
