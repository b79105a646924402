"""Finance reconciliation against an ERP export (SPEC §12): classes, keys, G/L × month."""
from __future__ import annotations

import csv
import json

import openpyxl
import pytest

from mom_engine.analyze import analyze_book
from mom_engine.cli import main
from mom_engine.domains.reconcile import (EXAMPLE_DEMO_TEAM, EXAMPLE_TODAY, LedgerError, example_ledger,
                                  read_ledger, reconcile)

from .builders import D, write_book
from .conftest import ROOT, located

POS = [
    {"PO Number": 4500000001, "Activity ID": "A1", "Vendor": "Acme Media", "Amount": 500,
     "Issue Date": D(2027, 1, 5)},
    {"PO Number": "PO-B", "Activity ID": "A1", "Vendor": "Globex Ads", "Amount": 200,
     "Issue Date": D(2027, 1, 6)},
]
INVOICES = [  # rows 2..4, Amount in column D
    {"Invoice No": "INV-1", "PO Number": "4500000001", "Vendor": "Acme Media", "Amount": 100,
     "Invoice Date": D(2027, 1, 20)},
    {"Invoice No": "INV-2", "PO Number": "PO-B", "Vendor": "Globex  Ads", "Amount": 50,
     "Invoice Date": D(2027, 2, 3)},
    {"Invoice No": "INV-3", "PO Number": "PO-B", "Vendor": "Fabrikam", "Amount": 30,
     "Invoice Date": D(2027, 2, 10)},
]
HEADER = ["Document Type", "Document No", "PO Number", "Vendor", "GL Account", "Posting Date",
          "Amount", "Currency"]
LEDGER = [  # rows 2..8
    ["PO", "4500000001", "4500000001", "ACME MEDIA", "610200", "2027-01-06", "500.00", "USD"],
    ["PO", "PO-B", "", "Globex Ads", "610200", "2027-01-07", "199.99", ""],     # one cent off
    ["Invoice", "INV-1", "4500000001", " acme   MEDIA ", "610200", "2027-01-22", "100.01", "USD"],
    ["Invoice", "inv-2", "PO-B", "GLOBEX ADS", "610200", "2027-02-05", "50.02", "USD"],  # 2 cents
    ["Invoice", "INV-9", "", "Umbrella Venues", "610200", "2027-02-10", "1,070.00", ""],
    ["Invoice", "INV-10", "", "Umbrella Venues", "610200", "2027-02-11", "abc", ""],   # bad amount
    ["Credit", "CN-1", "", "Umbrella Venues", "610200", "2027-02-12", "5.00", ""],     # bad type
]


def write_csv(path, rows, header=HEADER):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def book(make_book):
    return analyze_book(make_book(PurchaseOrders=POS, Invoices=INVOICES))


def classes(result):
    return {(d["document_type"], d["document_no"]): (d["class"], d["difference"])
            for d in result.records()}


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_reconcile_classes_and_gl_months(tmp_path, book, kind):
    if kind == "csv":
        ledger_path = write_csv(tmp_path / "erp.csv", LEDGER)
    else:   # the same export saved from Excel: real numbers and dates
        rows = [[*r[:5], D(*map(int, r[5].split("-"))),
                 float(r[6].replace(",", "")) if r[6] != "abc" else "abc", r[7] or None]
                for r in LEDGER]
        ledger_path = write_book(tmp_path / "erp.xlsx", {"Export": [HEADER, *rows]})
    ledger = read_ledger(ledger_path)
    result = reconcile([book.book], ledger, book.findings)
    assert classes(result) == {
        ("PO", "4500000001"): ("matched", 0),          # number in the book, text in the ERP
        ("PO", "PO-B"): ("matched", 1),                # 200.00 − 199.99: one cent is a match
        ("Invoice", "INV-1"): ("matched", -1),         # vendor differs in case and spaces
        ("Invoice", "INV-2"): ("amount-mismatch", -2),  # 50.00 − 50.02
        ("Invoice", "INV-3"): ("workbook-only", None),
        ("Invoice", "INV-9"): ("erp-only", None),
    }
    sheet = "erp.csv" if kind == "csv" else "Export"
    assert located(result.findings) == [(sheet, "G7", "value-type"), (sheet, "A8", "value-enum")]
    only = result.records("workbook-only")[0]
    assert (only["book"], only["sheet"], only["cell"]) == ("team.xlsx", "Invoices", "D4")
    # G/L × month: workbook INV-1 100 (Jan); INV-2 50 + INV-3 30 (Feb).
    # ERP invoices: INV-1 100.01 (Jan); inv-2 50.02 + INV-9 1,070.00 (Feb); bad lines left out.
    table = result.gl_months
    assert table[["gl_account", "month", "quarter", "workbook_spent", "erp_actual",
                  "variance"]].values.tolist() == [
        ["610200", "2027-01", "FY2027-Q1", 10000, 10001, 1],
        ["610200", "2027-02", "FY2027-Q1", 8000, 112002, 104002],
    ]
    assert result.totals == {"workbook_spent": 18000, "erp_actual": 122003, "variance": 104003}
    # matched: 500 + 200 + 100 in the book; 500.00 + 199.99 + 100.01 in the ERP
    assert result.summary["matched"] == {"count": 3, "workbook_amount": 80000,
                                         "erp_amount": 50000 + 19999 + 10001}


def test_split_erp_lines_are_one_document(tmp_path, book):
    ledger = read_ledger(write_csv(tmp_path / "erp.csv", [
        ["Invoice", "INV-1", "4500000001", "Acme Media", "610200", "2027-01-22", "60.00", ""],
        ["Invoice", "INV-1", "4500000001", "Acme Media", "610300", "2027-01-22", "40.00", ""],
    ]))
    result = reconcile([book.book], ledger)
    assert classes(result)[("Invoice", "INV-1")] == ("matched", 0)
    assert result.records("matched")[0]["erp_rows"] == "2, 3"


def test_currency_difference_is_a_mismatch(tmp_path, book):
    ledger = read_ledger(write_csv(tmp_path / "erp.csv", [
        ["PO", "4500000001", "", "Acme Media", "610200", "2027-01-06", "500.00", "EUR"],
    ]))
    record = reconcile([book.book], ledger).records("amount-mismatch")[0]
    assert (record["document_no"], record["difference"]) == ("4500000001", 0)
    assert "EUR" in record["note"]


def test_ledger_without_required_columns_is_an_error(tmp_path):
    path = write_csv(tmp_path / "erp.csv", [["PO", "1", "2027-01-01"]],
                     header=["Document Type", "Document No", "Posting Date"])
    with pytest.raises(LedgerError, match="Amount"):
        read_ledger(path)
    with pytest.raises(LedgerError, match="not found"):
        read_ledger(tmp_path / "missing.csv")
    (tmp_path / "junk.xlsx").write_bytes(b"not a workbook")
    with pytest.raises(LedgerError, match="cannot be read"):
        read_ledger(tmp_path / "junk.xlsx")


def test_invoice_line_without_vendor_is_left_out(tmp_path):
    ledger = read_ledger(write_csv(tmp_path / "erp.csv", [
        ["Invoice", "INV-1", "", "", "610200", "2027-01-22", "60.00", ""],
        ["PO", "P-1", "", "", "610200", "2027-01-22", "60.00", ""],
    ]))
    assert located(ledger.findings) == [("erp.csv", "D2", "value-required")]
    assert ledger.frame["Document No"].tolist() == ["P-1"]


def test_example_export_is_in_sync_and_matches_the_demo_partly(tmp_path):
    from mom_engine.demo import demo_team_data
    from mom_engine.report.team_workbook import write_team_workbook
    committed = (ROOT / "workbook_templates" / "erp_export_example.csv").read_text()
    assert committed == example_ledger().to_csv(index=False)
    path = write_team_workbook(tmp_path / "demo.xlsx",
                               **demo_team_data(EXAMPLE_DEMO_TEAM, EXAMPLE_TODAY))
    analysis = analyze_book(path)
    result = reconcile([analysis.book],
                       read_ledger(ROOT / "workbook_templates" / "erp_export_example.csv"))
    counts = {name: values["count"] for name, values in result.summary.items()}
    assert counts == {"matched": 18, "amount-mismatch": 1, "workbook-only": 3, "erp-only": 1}
    assert result.records("amount-mismatch")[0]["difference"] == 25000


# --- the command ---------------------------------------------------------------------------

def test_cli_reconcile_json_and_workbook(tmp_path, make_book, run_mom):
    path = make_book(PurchaseOrders=POS, Invoices=INVOICES)
    ledger = write_csv(tmp_path / "erp.csv", LEDGER[:5])
    out = tmp_path / "out" / "reconciliation.xlsx"
    result = run_mom("reconcile", path, "--ledger", ledger, "-o", out, "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert {"ledger", "books", "summary", "documents", "gl_months", "totals",
            "findings"} <= set(document)
    assert document["summary"]["amount-mismatch"] == {"count": 1, "workbook_amount": 50.0,
                                                      "erp_amount": 50.02}
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["Summary", "Matched", "Amount Mismatch", "Workbook Only",
                                   "ERP Only", "GL by Month"]
    mismatch = workbook["Amount Mismatch"]
    assert [c.value for c in mismatch[2]][:9] == ["Invoice", "INV-2", "PO-B", "Globex  Ads",
                                                 "610200", "USD", 50, 50.02, -0.02]
    assert mismatch.freeze_panes == "A2"
    assert mismatch.conditional_formatting   # the difference is highlighted
    gl = workbook["GL by Month"]
    assert [c.value for c in gl[4]][:7] == ["Total", None, None, None, 180, 1220.03, 1040.03]

    text = run_mom("reconcile", path, "--ledger", ledger)
    assert text.returncode == 0 and "amount-mismatch" in text.stdout


def test_cli_reconcile_exit_codes(tmp_path, make_book, run_mom, capsys):
    path = make_book(PurchaseOrders=POS, Invoices=INVOICES)
    ledger = write_csv(tmp_path / "erp.csv", LEDGER)
    assert run_mom("reconcile", path, "--ledger", ledger).returncode == 1   # bad ledger rows
    assert main(["reconcile", str(path), "--ledger", str(ledger), "-o", str(path)]) == 2
    assert "input" in capsys.readouterr().err
    bad = write_csv(tmp_path / "bad.csv", [["x"]], header=["Nothing"])
    assert main(["reconcile", str(path), "--ledger", str(bad)]) == 2
    assert "Document Type" in capsys.readouterr().err
    (tmp_path / "broken.xlsx").write_bytes(b"junk")
    assert main(["reconcile", str(tmp_path / "broken.xlsx"), "--ledger", str(ledger)]) == 2


def test_semicolon_export_with_title_row_and_decimal_commas(tmp_path):
    path = tmp_path / "erp.csv"
    path.write_text("ERP export 2027-03-01\n\n"
                    "Document Type;Document No;Vendor;Posting Date;Amount\n"
                    "Invoice;X1;Acme;2027-01-02;1.234,50\n"
                    "PO;P1;Acme;2027-01-02;(10,00)\n"
                    "PO;P2;Acme;02/01/2027;10\n", encoding="cp1252")
    ledger = read_ledger(path)
    assert ledger.frame[["Document No", "Amount"]].values.tolist() == [["X1", 123450],
                                                                       ["P1", -1000]]
    # a day/month date is ambiguous: a located finding, the line left out
    assert located(ledger.findings) == [("erp.csv", "D6", "value-type")]
