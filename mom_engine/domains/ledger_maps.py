"""How ERP exports name the ledger's columns: declared header maps (SPEC §12).

A `LedgerMap` says, for one ERP's export, which headers hold our ledger columns (Document Type,
Document No, PO Number, Vendor, GL Account, Posting Date, Amount, Currency), or that the amount
comes as separate Debit and Credit columns (amount = debit − credit); which of its document-type
values are POs and which invoices; how it writes dates (`DD.MM.YYYY`, `MM/DD/YYYY`,
`DD/MM/YYYY`, ISO) and amounts (decimal and thousands separators); and, for columns that carry
more than the value (NetSuite's `Created From` = `Purchase Order #PO-1`, `Account` =
`610200 Marketing Events`), a pattern whose first group is the value.

Built in: MOM's own layout, SAP (German and English headers of a line-item export such as
FBL1N/FBL3N), NetSuite (a transaction saved search) and Dynamics 365 Finance (vendor
transactions). `mom reconcile --ledger-map FILE` gives any other export as TOML:

    name = "Oracle AP"
    date_format = "DD/MM/YYYY"       # or DD.MM.YYYY, MM/DD/YYYY, YYYY-MM-DD
    decimal = ","                    # thousands = "." then
    [columns]                        # our column = the export's header
    "Document Type" = "Doc Category"
    "Document No" = "Doc Number"
    "Posting Date" = "GL Date"
    "Debit" = "Entered Dr"
    "Credit" = "Entered Cr"
    [document_types]
    PO = ["Standard PO"]
    Invoice = ["Standard Invoice", "Credit Memo"]
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..mappings import read_toml
from ..sheets import normalise_name

LEDGER_COLUMNS = ("Document Type", "Document No", "PO Number", "Vendor", "GL Account",
                  "Posting Date", "Amount", "Currency")
DATE_FORMATS = {"YYYY-MM-DD": None, "DD.MM.YYYY": "DMY", "DD/MM/YYYY": "DMY",
                "MM/DD/YYYY": "MDY"}


class LedgerMapError(Exception):
    """A --ledger-map file that cannot be used (bad usage, exit status 2)."""


@dataclass(frozen=True)
class LedgerMap:
    name: str
    columns: dict[str, tuple[str, ...]]               # ours (or Debit/Credit) → their headers
    document_types: dict[str, tuple[str, ...]] = field(default_factory=dict)  # PO/Invoice → theirs
    date_order: str | None = None                     # slash/dot dates: "DMY", "MDY", None
    decimal: str = "."
    thousands: str = ","
    patterns: dict[str, str] = field(default_factory=dict)   # column → regex, group 1 = value

    @property
    def debit_credit(self) -> bool:
        return "Debit" in self.columns or "Credit" in self.columns

    def header_keys(self) -> dict[str, str]:
        """Normalised export header → our column (or Debit / Credit)."""
        return {normalise_name(h): ours for ours, headers in self.columns.items()
                for h in headers}

    def required(self) -> list[tuple[str, ...]]:
        """Header alternatives the export must have for this map to fit it."""
        needed = [self.columns.get(n, ()) for n in ("Document Type", "Document No",
                                                      "Posting Date")]
        needed.append(tuple(h for n in ("Amount", "Debit", "Credit")
                            for h in self.columns.get(n, ())))
        return [tuple(normalise_name(h) for h in headers) for headers in needed]

    def score(self, header: list[Any]) -> int:
        """How many of the export's headers this map knows (the best-fitting map is used)."""
        names = {normalise_name(v) for v in header if v is not None and str(v).strip()}
        return len(names & set(self.header_keys()))

    def fits(self, header: list[Any]) -> bool:
        names = {normalise_name(v) for v in header if v is not None and str(v).strip()}
        return all(set(keys) & names for keys in self.required())

    def document_type(self, value: Any) -> Any:
        """Their document type → PO / Invoice (unknown values stay, for the reader to report)."""
        if not isinstance(value, str):
            return value
        key = normalise_name(value)
        for ours, theirs in self.document_types.items():
            if key in {normalise_name(t) for t in (ours, *theirs)}:
                return ours
        return value

    def cleaned(self, column: str, value: Any) -> Any:
        pattern = self.patterns.get(column)
        if pattern is None or not isinstance(value, str):
            return value
        match = re.match(pattern, value.strip())
        return match[1].strip() if match else value


OWN = LedgerMap(
    "MOM", {
        "Document Type": ("Document Type", "Doc Type", "Type"),
        "Document No": ("Document No", "Document Number", "Doc No", "Document"),
        "PO Number": ("PO Number", "PO No", "Purchase Order"),
        "Vendor": ("Vendor", "Supplier", "Vendor Name"),
        "GL Account": ("GL Account", "GL", "Account"),
        "Posting Date": ("Posting Date", "Date"),
        "Amount": ("Amount",),
        "Currency": ("Currency",),
    })

SAP = LedgerMap(
    "SAP", {
        "Document Type": ("Belegart", "Document Type", "Doc. Type"),
        "Document No": ("Belegnummer", "Document Number", "DocumentNo"),
        "PO Number": ("Einkaufsbeleg", "Bestellung", "Purchasing Document", "Purchase Order"),
        "Vendor": ("Name des Lieferanten", "Lieferant", "Kreditor", "Vendor", "Supplier",
                   "Name of vendor"),
        "GL Account": ("Sachkonto", "Hauptbuchkonto", "G/L Account", "G/L"),
        "Posting Date": ("Buchungsdatum", "Posting Date"),
        "Amount": ("Betrag in Hauswährung", "Betrag in HW", "Amount in Local Currency",
                   "Amount in LC"),
        "Debit": ("Soll", "Debit"),
        "Credit": ("Haben", "Credit"),
        "Currency": ("Hauswährung", "Währung", "Local Currency", "Currency"),
    },
    document_types={"PO": ("NB", "FO", "UB", "Bestellung", "Purchase Order"),
                    "Invoice": ("RE", "KR", "RN", "Rechnung", "Vendor Invoice", "Invoice")},
    date_order="DMY", decimal=",", thousands=".")

NETSUITE = LedgerMap(
    "NetSuite", {
        "Document Type": ("Type", "Transaction Type"),
        "Document No": ("Document Number", "Document Number/ID", "Transaction Number"),
        "PO Number": ("Created From", "PO #", "Purchase Order"),
        "Vendor": ("Vendor", "Name", "Vendor Name"),
        "GL Account": ("Account",),
        "Posting Date": ("Date", "Posting Date"),
        "Amount": ("Amount", "Amount (Foreign Currency)"),
        "Currency": ("Currency",),
    },
    document_types={"PO": ("Purchase Order", "PurchOrd"),
                    "Invoice": ("Bill", "VendBill", "Vendor Bill")},
    date_order="MDY",
    patterns={"PO Number": r"^(?:Purchase Order\s*#\s*)?(.+)$", "GL Account": r"^(\S+)\b"})

DYNAMICS = LedgerMap(
    "Dynamics 365", {
        "Document Type": ("Transaction type", "Document type"),
        "Document No": ("Invoice", "Invoice number", "Voucher", "Document number"),
        "PO Number": ("Purchase order", "Purchase order number"),
        "Vendor": ("Vendor name", "Vendor account", "Name"),
        "GL Account": ("Main account", "Ledger account"),
        "Posting Date": ("Date", "Posting date", "Accounting date"),
        "Amount": ("Amount in transaction currency", "Amount"),
        "Debit": ("Debit",),
        "Credit": ("Credit",),
        "Currency": ("Currency",),
    },
    document_types={"PO": ("Purchase order", "Purchase Order"),
                    "Invoice": ("Vendor invoice", "Invoice", "Purchase invoice")},
    date_order="MDY", patterns={"GL Account": r"^([^-\s]+)"})

BUILT_IN_MAPS = (OWN, SAP, NETSUITE, DYNAMICS)


def read_ledger_map(path: str | Path) -> LedgerMap:
    """A --ledger-map TOML file → LedgerMap; anything wrong is a LedgerMapError naming it."""
    path = Path(path)
    data = read_toml(path, "ledger map", LedgerMapError)
    where = f"ledger map {path.name}"
    columns = data.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise LedgerMapError(f"{where} needs a [columns] table: our column = the export's header")
    known = (*LEDGER_COLUMNS, "Debit", "Credit")
    by_key = {normalise_name(c): c for c in known}
    mapped: dict[str, tuple[str, ...]] = {}
    for ours, theirs in columns.items():
        if normalise_name(ours) not in by_key:
            raise LedgerMapError(f"{where}: '{ours}' is not a ledger column; use "
                                 f"{', '.join(known)}")
        headers = (theirs,) if isinstance(theirs, str) else theirs
        if not isinstance(headers, list | tuple) or not all(isinstance(h, str) for h in headers):
            raise LedgerMapError(f"{where}: '{ours}' must name a header or a list of headers")
        mapped[by_key[normalise_name(ours)]] = tuple(headers)
    date_format = str(data.get("date_format", "YYYY-MM-DD")).upper()
    if date_format not in DATE_FORMATS:
        raise LedgerMapError(f"{where}: date_format '{date_format}' is not one of "
                             f"{', '.join(DATE_FORMATS)}")
    decimal = str(data.get("decimal", "."))
    if decimal not in (".", ","):
        raise LedgerMapError(f"{where}: decimal must be \".\" or \",\"")
    thousands = str(data.get("thousands", "." if decimal == "," else ","))
    types: dict[str, tuple[str, ...]] = {}
    for ours, theirs in (data.get("document_types") or {}).items():
        if ours not in ("PO", "Invoice"):
            raise LedgerMapError(f"{where}: document_types are PO and Invoice, not '{ours}'")
        types[ours] = (theirs,) if isinstance(theirs, str) else tuple(map(str, theirs))
    ledger_map = LedgerMap(str(data.get("name", path.stem)), mapped, types,
                           DATE_FORMATS[date_format], decimal, thousands)
    missing = [name for name, keys in zip(("Document Type", "Document No", "Posting Date",
                                           "Amount or Debit/Credit"),
                                          ledger_map.required(), strict=True) if not keys]
    if missing:
        raise LedgerMapError(f"{where}: [columns] lacks {', '.join(missing)}")
    return ledger_map
