"""The macro code end to end through the file adapter (SPEC §14): a real workbook on disk in,
a NEW workbook out, read back with openpyxl."""
from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from collections import Counter

import openpyxl
import pytest

from udfs import mom_macros
from udfs.port import FileWorkbook
from mom_engine.report.files import OutputError

D = dt.date


@pytest.fixture
def bad_book(make_book):
    return make_book(Budget=[
        {"Activity ID": "A1", "Month": D(2027, 1, 1), "Budgeted": "1,000", "Planned": 900},
        {"Activity ID": "A9", "Month": D(2027, 1, 1), "Budgeted": 5, "Planned": 1},
        {"Activity ID": "A1", "Month": D(2027, 2, 1), "Budgeted": "=1+1", "Planned": 0},
    ])


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_validate_writes_a_findings_sheet_with_links_and_highlights(bad_book, tmp_path):
    before = digest(bad_book)
    output = tmp_path / "checked.xlsx"
    status = mom_macros.main(["validate", str(bad_book), "-o", str(output),
                              "--as-of", "2027-03-01"])
    assert status == 1                           # a ref-unknown error
    assert digest(bad_book) == before            # the input is never changed
    workbook = openpyxl.load_workbook(output)
    assert workbook.sheetnames[0] == "Findings"
    rows = list(workbook["Findings"].iter_rows(values_only=True))
    assert rows[0] == mom_macros.FINDINGS_HEADER
    located = [(r[2], r[3], r[1]) for r in rows[1:]]
    assert located == [("Budget", "C2", "number-as-text"),
                       ("Budget", "A3", "ref-unknown"),
                       ("Budget", "C4", "formula-not-calculated")]
    links = {workbook["Findings"].cell(r, 4).hyperlink.location
             for r in range(2, len(rows) + 1)}
    assert links == {"'Budget'!C2", "'Budget'!A3", "'Budget'!C4"}
    budget = workbook["Budget"]
    assert budget["A3"].fill.fgColor.rgb == "00FFC7CE"      # error: red
    assert budget["C2"].fill.fgColor.rgb == "00FFEB9C"      # warning: yellow
    assert budget["A3"].comment.text.startswith("MOM: ref-unknown")
    assert budget["B2"].fill.fgColor.rgb != "00FFC7CE"      # untouched cells stay as they were


def test_text_that_looks_like_a_formula_stays_text(make_book, tmp_path):
    """SPEC §15: text written into an output workbook is never turned into a formula."""
    port = FileWorkbook(make_book(), tmp_path / "out.xlsx")
    port.replace_sheet("Findings", [["Message", "Value"], ["=HYPERLINK(\"x\")", "+1"],
                                    ["@SUM(A1)", "-2"]])
    sheet = openpyxl.load_workbook(port.save())["Findings"]
    assert [(c.value, c.data_type) for row in sheet.iter_rows(min_row=2) for c in row] == [
        ('=HYPERLINK("x")', "s"), ("+1", "s"), ("@SUM(A1)", "s"), ("-2", "s")]


def test_a_clean_book_says_so_and_exits_0(make_book, tmp_path):
    output = tmp_path / "out.xlsx"
    assert mom_macros.main(["validate", str(make_book()), "-o", str(output),
                            "--as-of", "2027-03-01"]) == 0
    rows = list(openpyxl.load_workbook(output)["Findings"].iter_rows(values_only=True))
    assert rows[1][5] == "No problems found."


def test_output_equal_to_input_is_refused(make_book, capsys):
    book = make_book()
    with pytest.raises(OutputError):
        FileWorkbook(book, book)
    assert mom_macros.main(["validate", str(book), "-o", str(book)]) == 2
    assert "never written" in capsys.readouterr().err


def test_a_missing_book_is_bad_usage(tmp_path):
    assert mom_macros.main(["validate", str(tmp_path / "nope.xlsx"),
                            "-o", str(tmp_path / "o.xlsx")]) == 2


def test_validate_on_the_team_template_keeps_its_tables_and_protection(tmp_path):
    from mom_engine.report.team_workbook import write_team_workbook
    template = write_team_workbook(tmp_path / "team.xlsx", fiscal_year=2027)
    output = tmp_path / "checked.xlsx"
    assert mom_macros.main(["validate", str(template), "-o", str(output)]) == 0
    workbook = openpyxl.load_workbook(output)
    assert workbook["Activities"].protection.sheet
    assert "Activities" in workbook["Activities"].tables


def test_reconcile_macro_on_the_finance_workbook(tmp_path):
    """The Reconcile macro through the file adapter, on a copy of the committed
    mom_reconcile.xlsm whose settings name an ERP export and a folder of team workbooks."""
    from mom_engine.domains import reconcile
    import shutil

    from mom_engine.demo import demo_team_data
    from mom_engine.report.team_workbook import write_team_workbook

    from .conftest import ROOT
    (tmp_path / "teams").mkdir()
    data = demo_team_data(reconcile.EXAMPLE_DEMO_TEAM, reconcile.EXAMPLE_TODAY)
    write_team_workbook(tmp_path / "teams" / "apac.xlsx", **data)
    reconcile.example_ledger().to_csv(tmp_path / "erp_export.csv", index=False)
    finance = tmp_path / "mom_reconcile.xlsm"
    shutil.copyfile(ROOT / "workbook_templates" / "mom_reconcile.xlsm", finance)
    output = tmp_path / "reconciled.xlsm"
    status = mom_macros.main(["reconcile", str(finance), "-o", str(output),
                              "--as-of", str(reconcile.EXAMPLE_TODAY)])
    assert status == 1      # the demo book's invoice without a PO is an error finding
    workbook = openpyxl.load_workbook(output, keep_vba=True)
    assert {"Documents", "GL by Month", "Recon Findings", "Reconcile"} <= set(workbook.sheetnames)
    rows = list(workbook["Documents"].iter_rows(values_only=True))
    header, records = rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert header[:3] == ("Class", "Document Type", "Document No")
    assert Counter(r["Class"] for r in records) == {
        "matched": 18, "amount-mismatch": 1, "workbook-only": 3, "erp-only": 1}
    # the example export: one invoice 250 short; not in the ERP (workbook-only): an invoice not
    # posted yet, the latest PO, and the demo's invoice without PO (INV-…-X); one posting the
    # team does not know (erp-only)
    assert [r["Document No"] for r in records if r["Class"] == "amount-mismatch"] == ["INV-2002-3"]
    assert [(r["Document Type"], r["Document No"]) for r in records
            if r["Class"] == "workbook-only"] == [
        ("Invoice", "INV-2002-1"), ("Invoice", "INV-2007-2-X"), ("PO", "4500002007")]
    assert [r["Document No"] for r in records if r["Class"] == "erp-only"] == ["INV-ERP-0001"]
    mismatch = next(r for r in records if r["Class"] == "amount-mismatch")
    assert (mismatch["Workbook Amount"], mismatch["ERP Amount"], mismatch["Difference"]) == (
        14510.77, 14260.77, 250.0)                                  # workbook − ERP
    with zipfile.ZipFile(output) as archive:                     # still a macro workbook
        assert "xl/vbaProject.bin" in archive.namelist()


def test_reconcile_says_which_setting_is_missing(tmp_path, capsys):
    import shutil

    from .conftest import ROOT
    finance = tmp_path / "mom_reconcile.xlsm"
    shutil.copyfile(ROOT / "workbook_templates" / "mom_reconcile.xlsm", finance)
    assert mom_macros.main(["reconcile", str(finance), "-o", str(tmp_path / "o.xlsm")]) == 2
    assert "no team workbooks found" in capsys.readouterr().err


def test_validating_a_validated_copy_unmarks_fixed_cells(bad_book, tmp_path):
    first = tmp_path / "first.xlsx"
    mom_macros.main(["validate", str(bad_book), "-o", str(first), "--as-of", "2027-03-01"])
    # the planner fixes the unknown activity in the checked copy, then validates that copy
    workbook = openpyxl.load_workbook(first)
    workbook["Budget"]["A3"] = "A1"
    fixed = tmp_path / "fixed.xlsx"
    workbook.save(fixed)
    second = tmp_path / "second.xlsx"
    mom_macros.main(["validate", str(fixed), "-o", str(second), "--as-of", "2027-03-01"])
    budget = openpyxl.load_workbook(second)["Budget"]
    assert budget["A3"].fill.fill_type is None and budget["A3"].comment is None
    assert budget["C2"].fill.fgColor.rgb == "00FFEB9C"         # still number-as-text


def test_refresh_writes_the_engine_figures(make_book, tmp_path):
    pos = [{"PO Number": "PO-1", "Activity ID": "A1", "Vendor": "V", "Amount": 400,
            "Issue Date": D(2027, 1, 5), "Status": "Open"}]
    invoices = [{"Invoice No": "I1", "PO Number": "PO-1", "Vendor": "V", "Amount": 150,
                 "Invoice Date": D(2027, 2, 1)}]
    book = make_book(PurchaseOrders=pos, Invoices=invoices)
    output = tmp_path / "figures.xlsx"
    assert mom_macros.main(["refresh", str(book), "-o", str(output),
                            "--as-of", "2027-03-01"]) == 0
    rows = list(openpyxl.load_workbook(output)[mom_macros.FIGURES_SHEET].iter_rows(
        values_only=True))
    # A1: budgeted 1000, planned 900, committed 400 − 150 = 250, spent 150, remaining 600
    assert rows == [("Activity ID", "Budgeted", "Planned", "Committed", "Spent", "Remaining"),
                    ("A1", 1000, 900, 250, 150, 600),
                    ("Plan total (as of 2027-03-01)", 1000, 900, 250, 150, 600)]
