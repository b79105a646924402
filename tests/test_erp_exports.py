"""ERP exports as finance has them (SPEC §12): SAP, NetSuite and Dynamics 365 exports with their
own headers, Debit/Credit columns, date formats and number separators, and --ledger-map for
any other. The documents are those of test_reconcile (same golden classes)."""
from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest

from mom_engine.analyze import analyze_book
from mom_engine.domains.ledger_maps import LedgerMapError, read_ledger_map
from mom_engine.domains.reconcile import read_ledger, reconcile

from .conftest import located
from .test_reconcile import INVOICES, POS, classes

GOLDEN = {
    ("PO", "4500000001"): ("matched", 0),
    ("PO", "PO-B"): ("matched", 1),                 # 200.00 − 199.99
    ("Invoice", "INV-1"): ("matched", -1),          # 100.00 − 100.01
    ("Invoice", "INV-2"): ("amount-mismatch", -2),  # 50.00 − 50.02
    ("Invoice", "INV-3"): ("workbook-only", None),
    ("Invoice", "INV-9"): ("erp-only", None),
}


SAP_CSV = (  # FBL1N-style line items from a German SAP: BOM, ';', DD.MM.YYYY, 1.234,56, Soll/Haben
    "Belegart;Belegnummer;Einkaufsbeleg;Name des Lieferanten;Sachkonto;Buchungsdatum;Soll;Haben;"
    "Hauswährung\r\n"
    "NB;4500000001;4500000001;ACME MEDIA;0000610200;06.01.2027;500,00;;USD\r\n"       # line 2
    "NB;PO-B;PO-B;Globex Ads;0000610200;07.01.2027;199,99;;USD\r\n"                   # 3
    "RE;INV-1;4500000001; acme   MEDIA ;0000610200;22.01.2027;100,01;;USD\r\n"        # 4
    "RE;inv-2;PO-B;GLOBEX ADS;0000610200;05.02.2027;1.050,02;1.000,00;USD\r\n"        # 5: split
    "KR;INV-9;;Umbrella Venues;0000610200;10.02.2027;1.070,00;;USD\r\n"               # 6
    "RE;INV-10;;Umbrella Venues;0000610200;31.02.2027;5,00;;USD\r\n"                  # 7: no date
)


@pytest.fixture
def book(make_book):      # the workbook of test_reconcile
    return analyze_book(make_book(PurchaseOrders=POS, Invoices=INVOICES))


def test_sap_export_with_debit_credit_and_german_formats(tmp_path, book):
    path = tmp_path / "FBL1N.csv"
    path.write_bytes(("\ufeff" + SAP_CSV).encode("utf-8"))
    ledger = read_ledger(path)
    assert ledger.layout == "SAP"
    assert located(ledger.findings) == [("FBL1N.csv", "F7", "value-type")]   # 31.02.2027
    assert ledger.findings[0].row == 7                                        # its line
    result = reconcile([book.book], ledger, book.findings)
    assert classes(result) == GOLDEN
    assert result.summary["erp-only"]["erp_amount"] == 107000
    # G/L: the ERP posts to 0000610200, the workbook to 610200 — kept apart, never guessed
    assert result.gl_months["erp_actual"].sum() == 10001 + 5002 + 107000


NETSUITE_CSV = (  # a NetSuite transaction saved search: US dates, 'Created From', 'Account' names
    "Type,Date,Document Number,Name,Account,Created From,Amount,Currency\n"
    "Purchase Order,1/6/2027,4500000001,Acme Media,610200 Marketing Events,,500.00,USD\n"
    "Purchase Order,1/7/2027,PO-B,Globex Ads,610200 Marketing Events,,199.99,USD\n"
    "Bill,1/22/2027,INV-1,acme media,610200 Marketing Events,Purchase Order #4500000001,"
    "100.01,USD\n"
    "Bill,2/5/2027,inv-2,Globex Ads,610200 Marketing Events,Purchase Order #PO-B,50.02,USD\n"
    'Bill,2/10/2027,INV-9,Umbrella Venues,610200 Marketing Events,,"1,070.00",USD\n'
)


def test_netsuite_saved_search_export(tmp_path, book):
    path = tmp_path / "netsuite.csv"
    path.write_text(NETSUITE_CSV, encoding="utf-8")
    ledger = read_ledger(path)
    assert (ledger.layout, located(ledger.findings)) == ("NetSuite", [])
    assert ledger.frame["GL Account"].unique().tolist() == ["610200"]
    assert ledger.frame["PO Number"].fillna("").tolist() == ["", "", "4500000001", "PO-B", ""]
    result = reconcile([book.book], ledger, book.findings)
    assert classes(result) == GOLDEN
    assert result.gl_months[["month", "workbook_spent", "erp_actual", "variance"]].values \
        .tolist() == [["2027-01", 10000, 10001, 1], ["2027-02", 8000, 112002, 104002]]


def test_dynamics_365_vendor_transactions_xlsx(tmp_path, book):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Vendor transactions"
    sheet.append(["Transaction type", "Date", "Invoice", "Purchase order", "Vendor name",
                  "Main account", "Debit", "Credit", "Currency"])
    day = dt.datetime
    for row in (["Purchase order", day(2027, 1, 6), "4500000001", "4500000001", "Acme Media",
                 "610200-100", 500, None, "USD"],
                ["Purchase order", day(2027, 1, 7), "PO-B", "PO-B", "Globex Ads", "610200-100",
                 199.99, None, "USD"],
                ["Vendor invoice", day(2027, 1, 22), "INV-1", "4500000001", "Acme Media",
                 "610200-100", 100.01, None, "USD"],
                ["Vendor invoice", day(2027, 2, 5), "INV-2", "PO-B", "Globex Ads", "610200-100",
                 60.02, 10, "USD"],
                ["Vendor invoice", day(2027, 2, 10), "INV-9", None, "Umbrella Venues",
                 "610200-100", 1070, None, "USD"],
                ["Vendor invoice", day(2027, 2, 11), "INV-11", None, "Umbrella Venues",
                 "610200-100", None, None, "USD"]):                   # row 7: no amount
        sheet.append(row)
    path = tmp_path / "d365.xlsx"
    workbook.save(path)
    ledger = read_ledger(path)
    assert ledger.layout == "Dynamics 365"
    assert located(ledger.findings) == [("Vendor transactions", "G7", "value-required")]
    assert classes(reconcile([book.book], ledger, book.findings)) == GOLDEN


ORACLE_CSV = (
    "Doc Category;Doc Number;Supplier;GL Date;Entered Dr;Entered Cr;PO Ref\n"
    "Standard PO;4500000001;Acme Media;06/01/2027;500,00;;\n"
    "Standard PO;PO-B;Globex Ads;07/01/2027;199,99;;\n"
    "Standard Invoice;INV-1;Acme Media;22/01/2027;100,01;;4500000001\n"
    "Standard Invoice;INV-2;Globex Ads;05/02/2027;50,02;;PO-B\n"
    "Standard Invoice;INV-9;Umbrella Venues;10/02/2027;1.070,00;;\n"
    "Journal;J-1;Umbrella Venues;10/02/2027;1,00;;\n"                        # line 7: not a type
)
ORACLE_MAP = """
name = "Oracle AP"
date_format = "DD/MM/YYYY"
decimal = ","
[columns]
"Document Type" = "Doc Category"
"Document No" = "Doc Number"
"PO Number" = "PO Ref"
"Vendor" = "Supplier"
"Posting Date" = "GL Date"
"Debit" = "Entered Dr"
"Credit" = "Entered Cr"
[document_types]
PO = ["Standard PO"]
Invoice = ["Standard Invoice"]
"""


def test_ledger_map_file_for_another_erp(tmp_path, make_book, run_mom):
    (tmp_path / "oracle.csv").write_text(ORACLE_CSV, encoding="utf-8")
    (tmp_path / "oracle.toml").write_text(ORACLE_MAP, encoding="utf-8")
    team = make_book(PurchaseOrders=POS, Invoices=INVOICES)
    done = run_mom("reconcile", team, "--ledger", tmp_path / "oracle.csv", "--ledger-map",
                   tmp_path / "oracle.toml", "--json")
    assert done.returncode == 1, done.stderr           # the Journal line is a value-enum error
    document = json.loads(done.stdout)
    assert document["ledger_layout"] == "Oracle AP"
    assert {k: v["count"] for k, v in document["summary"].items()} == {
        "matched": 3, "amount-mismatch": 1, "workbook-only": 1, "erp-only": 1}
    assert [(f["book"], f["cell"], f["row"], f["code"]) for f in document["findings"]] == [
        ("oracle.csv", "A7", 7, "value-enum")]
    # without the map the export is not a ledger MOM knows: bad usage, saying what is missing
    done = run_mom("reconcile", team, "--ledger", tmp_path / "oracle.csv")
    assert done.returncode == 2 and "lacks the column(s) Document Type" in done.stderr


def test_unusable_ledger_map(tmp_path):
    path = tmp_path / "map.toml"
    path.write_text('date_format = "YYYY/DD/MM"\n[columns]\n"Document No" = "Doc"\n')
    with pytest.raises(LedgerMapError, match="date_format 'YYYY/DD/MM' is not one of"):
        read_ledger_map(path)
    path.write_text('[columns]\n"Document No" = "Doc"\n"Belegart" = "X"\n')
    with pytest.raises(LedgerMapError, match="'Belegart' is not a ledger column"):
        read_ledger_map(path)
