"""Workbooks written by other programs read the same as ours (SPEC §3, §15).

One reference team workbook (openpyxl: inline strings, the 1900 date system) holds real
figures and a few real mistakes. Each variant below is the same plan as another program or
another hand would save it; it must give the same typed tables (exact cents, dates) and the
same `(sheet, cell, code)` findings — or, where the variant moves cells, exactly the moved ones.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import xlsxwriter

from mom_engine.analyze import Context, analyze_book
from mom_engine.read import read_book
from mom_engine.sheets import SHEETS

from .builders import DEFAULT_PLAN, plan_rows, rows_of, write_book
from .conftest import located

D = dt.date
AS_OF = Context(as_of=D(2027, 3, 15))

RECORDS: dict[str, list[dict[str, Any]]] = {
    "Campaigns": [
        {"Campaign ID": "C1", "Campaign": "Launch", "Channel": "Events", "Status": "Active",
         "Start": D(2027, 1, 10), "End": D(2027, 6, 30)},
        {"Campaign ID": "C2", "Campaign": "Webinars", "Channel": "Digital",
         "Status": "Actve"},                                        # value-enum at D3
    ],
    "Activities": [
        {"Activity ID": "A1", "Campaign ID": "C1", "Activity": "Booth",
         "GL Account": "0610200", "Start": D(2027, 2, 1), "End": D(2027, 2, 3)},
        {"Activity ID": "A2", "Campaign ID": "C2", "Activity": "Webinar series",
         "GL Account": "610300"},
    ],
    "Budget": [
        {"Activity ID": "A1", "Month": D(2027, 1, 1), "Budgeted": 1000, "Planned": 900},
        {"Activity ID": "A1", "Month": D(2027, 2, 1), "Budgeted": 1234.56, "Planned": 1200},
        {"Activity ID": "A2", "Month": "2027-03", "Budgeted": 99.99, "Planned": 0.1},
        {"Activity ID": "A9", "Month": D(2027, 4, 1), "Budgeted": 50, "Planned": 50},  # A9 unknown
    ],
    "PurchaseOrders": [
        {"PO Number": 4500012345, "Activity ID": "A1", "Vendor": "Expo GmbH",
         "Amount": "$1,200.50", "Issue Date": D(2027, 1, 15), "Status": "Open"},  # number-as-text
        {"PO Number": "0045", "Activity ID": "A2", "Vendor": "Zoomers", "Amount": 80.1,
         "Issue Date": "2027-02-20", "Status": "Closed"},
    ],
    "Invoices": [
        {"Invoice No": "INV-1", "PO Number": 4500012345, "Vendor": "Expo GmbH",
         "Amount": 600.25, "Invoice Date": D(2027, 2, 10), "Status": "Paid"},
        {"Invoice No": "INV-2", "PO Number": "0045", "Vendor": "Zoomers", "Amount": 80.1,
         "Invoice Date": "03/01/2027", "Status": "Received"},   # value-type at E3
    ],
}


def sheets_of(records: dict[str, list[dict[str, Any]]]) -> dict[str, list[list[Any]]]:
    return {"Plan": plan_rows(DEFAULT_PLAN), **{k: rows_of(v) for k, v in records.items()}}


def figures(path: Path) -> dict[str, pd.DataFrame]:
    """Every declared column of every sheet, typed, with its Excel row and rejection flag."""
    book = read_book(path)
    assert book.readable, [f.message for f in book.findings]
    result = {"Plan": pd.DataFrame([book.plan.model_dump()])}
    for name in RECORDS:
        frame = book.tables[name].frame
        columns = [c.name for c in SHEETS[name].columns] + ["_row", "_rejected"]
        result[name] = frame[columns].reset_index(drop=True)
    return result


def findings_of(path: Path) -> list[tuple]:
    return sorted(located(analyze_book(path, context=AS_OF).findings), key=repr)


def assert_same_book(variant: Path, reference: Path) -> None:
    """Same typed tables, same findings — and the variant file is byte-identical after."""
    before = hashlib.sha256(variant.read_bytes()).hexdigest()
    expected, actual = figures(reference), figures(variant)
    for name in expected:
        pd.testing.assert_frame_equal(actual[name], expected[name], check_dtype=False,
                                      obj=f"{variant.name}: {name}")
    assert findings_of(variant) == findings_of(reference)
    assert hashlib.sha256(variant.read_bytes()).hexdigest() == before


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("foreign")


@pytest.fixture(scope="module")
def reference(folder) -> Path:
    return write_book(folder / "reference.xlsx", sheets_of(RECORDS))


def test_the_reference_book_has_the_figures_and_findings_we_expect(reference):
    """The golden figures, hand-computed, so the variants are compared with something known."""
    tables = figures(reference)
    # Budgeted cents: 1000.00 → 100000, 1234.56 → 123456, 99.99 → 9999, 50 → 5000.
    assert tables["Budget"]["Budgeted"].tolist() == [100000, 123456, 9999, 5000]
    assert tables["Budget"]["Planned"].tolist() == [90000, 120000, 10, 5000]
    assert tables["Budget"]["Month"].tolist() == [pd.Timestamp(2027, m, 1) for m in (1, 2, 3, 4)]
    assert tables["PurchaseOrders"]["PO Number"].tolist() == ["4500012345", "0045"]
    assert tables["PurchaseOrders"]["Amount"].tolist() == [120050, 8010]
    assert tables["Invoices"]["Amount"].tolist() == [60025, 8010]
    assert tables["Activities"]["GL Account"].tolist() == ["0610200", "610300"]
    assert tables["PurchaseOrders"]["Issue Date"].tolist() == [pd.Timestamp(2027, 1, 15),
                                                               pd.Timestamp(2027, 2, 20)]
    found = findings_of(reference)
    for expected in [("Campaigns", "D3", "value-enum"), ("Budget", "A5", "ref-unknown"),
                     ("PurchaseOrders", "D2", "number-as-text"),
                     ("Invoices", "E3", "value-type")]:
        assert expected in found, (expected, found)


# --- other writers ------------------------------------------------------------------------

def write_with_xlsxwriter(path: Path, sheets: dict[str, list[list[Any]]], *,
                          date1904: bool = False, titles: dict[str, str] | None = None,
                          formulas: bool = False, hidden: bool = False,
                          autofilter: bool = False, extra_column: bool = False,
                          merged_title: bool = False) -> Path:
    """The same rows as XlsxWriter writes them (shared strings), with a foreign habit or two."""
    workbook = xlsxwriter.Workbook(str(path), {"date_1904": date1904,
                                               "strings_to_numbers": False})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet((titles or {}).get(name, name))
        offset = 0
        if merged_title and name != "Plan":
            sheet.merge_range(0, 0, 0, len(rows[0]) - 1, f"{name} — FY2027")
            offset = 1
        header = list(rows[0]) + (["Notes"] if extra_column else [])
        for r, row in enumerate([header] + rows[1:]):
            row = list(row) + ([f"note {r}"] if extra_column and r else [])
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, dt.date):
                    sheet.write_datetime(r + offset, c, dt.datetime.combine(value, dt.time()),
                                         date_format)
                elif formulas and isinstance(value, (int, float)) and not isinstance(value, bool) \
                        and r and header[c] in ("Budgeted", "Planned", "Amount"):
                    # a formula with its cached value, as Excel saves it
                    sheet.write_formula(r + offset, c, f"={value}*2/2", None, value)
                else:
                    sheet.write(r + offset, c, value)
        if hidden and name == "Budget":
            sheet.set_row(offset + 2, None, None, {"hidden": True})
            sheet.set_column(2, 2, None, None, {"hidden": True})
        if autofilter and name == "Budget":
            # A filter showing only A1's rows: A2 and A9 are hidden by the filter, not deleted.
            sheet.autofilter(offset, 0, offset + len(rows) - 1, len(header) - 1)
            sheet.filter_column(0, "x == A1")
            for r, row in enumerate(rows[1:], start=1):
                if row[0] != "A1":
                    sheet.set_row(r + offset, None, None, {"hidden": True})
    workbook.close()
    return path


def test_xlsxwriter_shared_strings_read_the_same(reference, folder):
    assert_same_book(write_with_xlsxwriter(folder / "xlsxwriter.xlsx", sheets_of(RECORDS)),
                     reference)


def test_the_1904_date_system_reads_the_same_dates(reference, folder):
    mac = write_with_xlsxwriter(folder / "mac1904.xlsx", sheets_of(RECORDS), date1904=True)
    assert read_book(mac).date1904
    assert_same_book(mac, reference)
    openpyxl_mac = write_book(folder / "mac1904-openpyxl.xlsx", sheets_of(RECORDS),
                              date1904=True)
    assert_same_book(openpyxl_mac, reference)


def test_formula_cells_with_cached_values_read_as_their_values(reference, folder):
    calculated = write_with_xlsxwriter(folder / "formulas.xlsx", sheets_of(RECORDS),
                                       formulas=True)
    assert_same_book(calculated, reference)


def test_hidden_rows_and_columns_are_still_data(reference, folder):
    """Hidden is not deleted: Excel's own SUM counts hidden rows, so do we."""
    assert_same_book(write_with_xlsxwriter(folder / "hidden.xlsx", sheets_of(RECORDS),
                                           hidden=True), reference)


def test_a_filtered_table_reads_every_row_not_only_the_visible_ones(reference, folder):
    filtered = write_with_xlsxwriter(folder / "filtered.xlsx", sheets_of(RECORDS),
                                     autofilter=True)
    assert_same_book(filtered, reference)
    assert read_book(filtered).tables["Budget"].frame["Activity ID"].tolist() == \
        ["A1", "A1", "A2", "A9"]


def test_extra_columns_are_kept_and_ignored(reference, folder):
    extra = write_with_xlsxwriter(folder / "extra.xlsx", sheets_of(RECORDS), extra_column=True)
    assert_same_book(extra, reference)
    budget = read_book(extra).tables["Budget"]
    assert budget.extra_columns == ["Notes"]
    assert budget.frame["Notes"].tolist() == ["note 1", "note 2", "note 3", "note 4"]


def test_sheets_renamed_with_other_case_and_spaces_read_the_same(reference, folder):
    titles = {"PurchaseOrders": "purchase orders", "Budget": " BUDGET "}
    renamed = write_with_xlsxwriter(folder / "renamed.xlsx", sheets_of(RECORDS), titles=titles)
    assert_same_book_modulo_titles(renamed, reference, titles)


def assert_same_book_modulo_titles(variant: Path, reference: Path, titles: dict[str, str]):
    expected, actual = figures(reference), figures(variant)
    for name in expected:
        pd.testing.assert_frame_equal(actual[name], expected[name], check_dtype=False)
    back = {title: name for name, title in titles.items()}
    renamed = sorted(((back.get(s, s), c, code) for s, c, code in findings_of(variant)), key=repr)
    assert renamed == findings_of(reference)
    assert {s for s, _, _ in findings_of(variant)} & set(titles.values()) == set(titles.values())


def test_a_merged_title_row_above_the_header_moves_every_cell_down_one_row(reference, folder):
    titled = write_with_xlsxwriter(folder / "merged.xlsx", sheets_of(RECORDS),
                                   merged_title=True)
    expected, actual = figures(reference), figures(titled)
    for name in RECORDS:
        moved = expected[name].assign(_row=expected[name]["_row"] + 1)
        pd.testing.assert_frame_equal(actual[name], moved, check_dtype=False)

    def down(cell):
        if cell is None:
            return None
        letters = cell.rstrip("0123456789")
        return f"{letters}{int(cell[len(letters):]) + 1}"
    reference_moved = sorted(((s, c if s == "Plan" else down(c), code)
                              for s, c, code in findings_of(reference)), key=repr)
    assert findings_of(titled) == reference_moved


def test_numbers_stored_as_text_read_as_numbers_with_a_warning(reference, folder):
    """Budgeted typed as text ("1,234.56" with a thousands separator, the way a paste from a
    web page lands) reads as the same cents, with a `number-as-text` warning at that cell."""
    records = {**RECORDS, "Budget": [dict(r) for r in RECORDS["Budget"]]}
    records["Budget"][1]["Budgeted"] = "1,234.56"
    records["Budget"][2]["Planned"] = " 0.10 "
    texty = write_with_xlsxwriter(folder / "texty.xlsx", sheets_of(records))
    expected, actual = figures(reference), figures(texty)
    for name in expected:
        pd.testing.assert_frame_equal(actual[name], expected[name], check_dtype=False)
    extra = [("Budget", "C3", "number-as-text"), ("Budget", "D4", "number-as-text")]
    assert findings_of(texty) == sorted(findings_of(reference) + extra, key=repr)


# --- LibreOffice ---------------------------------------------------------------------------

def soffice_convert(source: Path, target_format: str, out_dir: Path) -> Path:
    """Save `source` in another format with LibreOffice headless (a private, fresh profile:
    a shared one locks). soffice exits 0 even when it fails, so the output must exist."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        done = subprocess.run(
            ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
             "--convert-to", target_format, "--outdir", str(out_dir), str(source)],
            capture_output=True, text=True, timeout=180)
    target = out_dir / f"{source.stem}.{target_format}"
    if not target.exists() or target.stat().st_size == 0:
        pytest.fail(f"LibreOffice did not write {target.name}: {done.stdout} {done.stderr}")
    return target


libreoffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice")


@libreoffice
@pytest.mark.libreoffice
@pytest.mark.parametrize("target_format", ["xlsx", "ods", "xls"])
def test_a_book_saved_by_libreoffice_reads_the_same(reference, folder, target_format):
    saved = soffice_convert(reference, target_format, folder / f"lo-{target_format}")
    assert saved.read_bytes() != reference.read_bytes()
    assert_same_book(saved, reference)


@libreoffice
@pytest.mark.libreoffice
def test_xlsb_is_read_only_and_libreoffice_cannot_write_one(reference, folder):
    """calamine reads .xlsb, but nothing here can write one (LibreOffice has no xlsb export,
    XlsxWriter/openpyxl neither): the conversion is attempted and the test skipped."""
    out = folder / "lo-xlsb"
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                        "--convert-to", "xlsb", "--outdir", str(out), str(reference)],
                       capture_output=True, timeout=180)
    produced = out / "reference.xlsb"
    if not produced.exists() or produced.read_bytes()[:4] != b"PK\x03\x04":
        pytest.skip("no program here writes a full .xlsb (the hostile tests read minimal "
                    "hand-made ones)")
    assert_same_book(produced, reference)  # pragma: no cover - if LibreOffice ever can


@libreoffice
@pytest.mark.libreoffice
@pytest.mark.parametrize("target_format", ["xls", "ods"])
def test_error_cells_read_the_same_in_xls_and_ods(folder, target_format):
    """calamine shows error cells (#N/A, #DIV/0!) as blanks in every format; the sheet XML
    (.xlsx), the BIFF records (.xls) and content.xml (.ods) tell them apart, so a row holding
    only an error is still read and reported — never skipped as blank."""
    records = {**RECORDS, "Budget": [
        {"Activity ID": "A1", "Month": D(2027, 1, 1), "Budgeted": 1000, "Planned": 900},
        {"Activity ID": None, "Month": None, "Budgeted": "#N/A", "Planned": None},
        {"Activity ID": "A2", "Month": "#DIV/0!", "Budgeted": 5, "Planned": 5},
    ]}
    source = write_book(folder / f"errors-{target_format}.xlsx", sheets_of(records))
    expected = findings_of(source)
    for cell in [("Budget", "C3", "value-type"), ("Budget", "A3", "value-required"),
                 ("Budget", "B4", "value-type")]:
        assert cell in expected, (cell, expected)
    assert read_book(source).tables["Budget"].frame["_row"].tolist() == [2, 3, 4]
    saved = soffice_convert(source, target_format, folder / f"errors-{target_format}")
    assert findings_of(saved) == expected
    assert read_book(saved).tables["Budget"].frame["_row"].tolist() == [2, 3, 4]
    assert sorted((f.cell, f.value) for f in read_book(saved).findings
                  if f.code == "value-type" and f.sheet == "Budget") == [
        ("B4", "#DIV/0!"), ("C3", "#N/A")]
