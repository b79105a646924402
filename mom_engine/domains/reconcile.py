"""Finance reconciliation: the POs and invoices of team workbooks against an ERP export (SPEC §12).

The ERP export (CSV or a workbook's first sheet) has Document Type (PO | Invoice), Document No,
PO Number, Vendor, GL Account, Posting Date, Amount, Currency. It is declared like a team sheet
(`LEDGER`) and read by the same reader, so a bad ledger cell becomes a located finding (book =
the ledger file, sheet, cell) and the row is left out — never a traceback. A ledger without its
required columns (or that cannot be opened) is a `LedgerError`: bad usage, exit status 2.

Matching (keys trimmed, case-insensitive, inner spaces collapsed):
- POs on PO Number (the ERP's PO Number column, else its Document No);
- invoices on Invoice No + Vendor (ERP Document No + Vendor).
Classes: `matched`, `amount-mismatch` (|workbook − ERP| > 0.01, or different currencies),
`workbook-only`, `erp-only`.

Decisions where the SPEC is silent:
- Amounts are compared in the document's own currency (blank = the book's plan currency on the
  workbook side; a blank ERP currency is taken to be the workbook document's). A ledger posts in
  document currency, and converting both sides with the planner's rates would hide differences.
  Documents in different currencies are an `amount-mismatch` with a note.
- Several ERP lines with the same document key (an invoice split over G/L lines) are summed into
  one document; the same holds across books for the workbook side (the first book's location is
  kept; the duplicate itself is `duplicate-po` in consolidation).
- G/L × month: per currency, G/L account and calendar month (`2027-03`, with the fiscal quarter
  of the first book's FY start): workbook spent = Σ workbook invoices (G/L Account of the
  invoice, else of its activity) by invoice month; ERP actual = Σ ERP invoice lines by posting
  month; variance = ERP actual − workbook spent (positive: the ledger shows more than the team
  recorded).
- Findings reported with the reconciliation are the ledger's own and the books' findings on
  the sheets it uses (PurchaseOrders, Invoices, Rates) and book-level ones: those are what
  make a document go missing from one side.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..calendar import fiscal_quarters, fiscal_years
from ..findings import Finding, make_finding, sort_findings
from ..keys import id_key_series, id_keys
from ..model import Book
from ..exports import Dialect, ExportError, export_bytes, load_rows, number_of_text, typed_cells
from .ledger_maps import BUILT_IN_MAPS, OWN, LedgerMap
from ..read import SheetReader, find_header
from ..sheets import Column, Kind, Sheet, normalise_name
from ..values import is_blank

CLASSES = ("matched", "amount-mismatch", "workbook-only", "erp-only")
TOLERANCE_CENTS = 1          # |difference| > 0.01 is a mismatch (SPEC §12)

LEDGER = Sheet(
    "Ledger",
    (
        Column("Document Type", Kind.ENUM, required=True, choices=("PO", "Invoice")),
        Column("Document No", Kind.ID, required=True),
        Column("PO Number", Kind.ID),
        Column("Vendor", Kind.TEXT),
        Column("GL Account", Kind.ID),
        Column("Posting Date", Kind.DATE, required=True),
        Column("Amount", Kind.MONEY, required=True),
        Column("Currency", Kind.CURRENCY),
    ),
    description="ERP export: one line per posted PO or invoice, under our headers (each ERP's "
                "own headers are placed by its map in ledger_maps.py).",
)

DOCUMENT_COLUMNS = ("class", "document_type", "document_no", "po_number", "vendor",
                    "gl_account", "currency", "workbook_amount", "erp_amount", "difference",
                    "workbook_date", "erp_date", "book", "sheet", "cell", "erp_rows", "note")


class LedgerError(Exception):
    """The ERP export cannot be used at all (missing file, unreadable, required columns
    missing): a usage problem, exit status 2."""


@dataclass
class Ledger:
    name: str
    frame: pd.DataFrame          # accepted lines, LEDGER columns + _row
    findings: list[Finding]
    sheet: str
    layout: str = "MOM"          # the header map it was read with (MOM, SAP, NetSuite…)


# --- reading the ledger ----------------------------------------------------------------------

def _header_sheet(ledger_map: LedgerMap) -> Sheet:
    """An ERP map's headers as a sheet declaration, to find its header row and delimiter."""
    return Sheet("Ledger", tuple(
        Column(ours, required=ours in ("Document Type", "Document No", "Posting Date"),
               aliases=headers) for ours, headers in ledger_map.columns.items()))


def _choose_map(path: Path, data: bytes, candidates: Sequence[LedgerMap]):
    """The map that fits the export's header best: (map, title, rows, header index, dialect)."""
    best = None
    for candidate in candidates:
        sheet = _header_sheet(candidate)
        title, rows, dialect, delimiter = load_rows(path, sheet, candidate.date_order, data)
        header = find_header(rows, sheet)
        if header is None or not candidate.fits(rows[header]):
            continue
        score = candidate.score(rows[header])
        if best is None or score > best[0]:
            if candidate is OWN:    # MOM's layout: separators as the file's delimiter says
                dialect = Dialect.of_delimiter(delimiter, None) if delimiter else dialect
            else:
                dialect = Dialect(candidate.decimal, candidate.thousands, candidate.date_order)
            best = (score, candidate, title, rows, header, dialect)
    return None if best is None else best[1:]


def _missing_columns(path: Path, data: bytes, ledger_map: LedgerMap) -> str:
    sheet = _header_sheet(ledger_map)
    _, rows, _, _ = load_rows(path, sheet, ledger_map.date_order, data)
    header = find_header(rows, sheet)
    names = {normalise_name(v) for v in (rows[header] if header is not None else [])
             if not is_blank(v)}
    wanted = ("Document Type", "Document No", "Posting Date", "Amount")
    return ", ".join(name for name, keys in zip(wanted, ledger_map.required(), strict=True)
                     if not set(keys) & names)


def canonical_rows(rows: list[list[Any]], header: int, ledger_map: LedgerMap,
                   dialect: Dialect) -> list[list[Any]]:
    """The export's rows under our headers: each ledger column from the header the map prefers,
    document types as PO / Invoice, values cut out by the map's patterns, and Debit − Credit as
    Amount (in the Debit column's place, so a finding points at the export's own cell)."""
    keys = ledger_map.header_keys()
    preference = {normalise_name(h): i for headers in ledger_map.columns.values()
                  for i, h in enumerate(headers)}
    chosen: dict[str, int] = {}
    for position, value in enumerate(rows[header]):
        ours = None if is_blank(value) else keys.get(normalise_name(value))
        if ours and (ours not in chosen or preference[normalise_name(value)] <
                     preference[normalise_name(rows[header][chosen[ours]])]):
            chosen[ours] = position
    split = "Amount" not in chosen and ("Debit" in chosen or "Credit" in chosen)
    names = {normalise_name(c.name) for c in LEDGER.columns}
    out_header = [(f"{v} (export)" if not is_blank(v) and normalise_name(v) in names else v)
                  for v in rows[header]]
    for ours, position in chosen.items():
        if ours in ("Debit", "Credit"):
            continue
        out_header[position] = ours
    amount_at = chosen.get("Debit", chosen.get("Credit")) if split else None
    if amount_at is not None:
        out_header[amount_at] = "Amount"
    out = [list(row) for row in rows[:header]] + [out_header]
    for row in rows[header + 1:]:
        row = list(row)
        for ours, position in chosen.items():
            if position >= len(row):
                continue
            if ours == "Document Type":
                row[position] = ledger_map.document_type(row[position])
            elif ours in ledger_map.patterns:
                row[position] = ledger_map.cleaned(ours, row[position])
        if amount_at is not None and amount_at < len(row):
            row[amount_at] = _debit_minus_credit(row, chosen, dialect)
        out.append(row)
    return out


def _debit_minus_credit(row: list[Any], chosen: dict[str, int], dialect: Dialect) -> Any:
    """Debit − Credit of a line; a cell that does not read is returned as it is (a finding)."""
    total = 0.0
    for name, sign in (("Debit", 1), ("Credit", -1)):
        position = chosen.get(name)
        value = row[position] if position is not None and position < len(row) else None
        if is_blank(value):
            continue
        number = value if isinstance(value, int | float) and not isinstance(value, bool) else \
            number_of_text(str(value), dialect)
        if number is None:
            return value
        total += sign * float(number)
    blank = all(is_blank(row[p]) for n, p in chosen.items() if n in ("Debit", "Credit")
                and p < len(row))
    return None if blank else round(total, 2)


def read_ledger(path: str | Path, ledger_map: LedgerMap | None = None) -> Ledger:
    """Read an ERP export through its header map (the one given, else the built-in map that
    fits it best); bad cells become findings at their line, an unusable file a LedgerError."""
    path = Path(path)
    candidates = (ledger_map,) if ledger_map else BUILT_IN_MAPS
    try:
        data = export_bytes(path, "a ledger")   # read once, as every export is
        chosen = _choose_map(path, data, candidates)
        if chosen is None:
            missing = _missing_columns(path, data, ledger_map or OWN)
            raise LedgerError(
                f"ledger {path.name} lacks the column(s) {missing}; it needs Document Type, "
                "Document No, Posting Date and Amount (or Debit and Credit), plus PO Number, "
                "Vendor, GL Account, Currency — in MOM's, SAP's, NetSuite's or Dynamics 365's "
                "spelling, or as a --ledger-map file says")
    except ExportError as error:
        raise LedgerError(f"ledger {error}") from None
    used, title, rows, header, dialect = chosen
    rows = typed_cells(canonical_rows(rows, header, used, dialect), LEDGER, dialect)
    holder = Book(path=path, name=path.name)
    table = SheetReader(holder, LEDGER, title).read(rows)
    frame = table.frame
    findings = list(holder.findings)
    # An invoice line needs its vendor: invoices match on Invoice No + Vendor.
    no_vendor = ((frame["Document Type"] == "Invoice") & frame["Vendor"].isna()
                 & ~frame["_rejected"]).to_numpy()
    for position in np.flatnonzero(no_vendor):
        row = int(frame["_row"].iat[position])
        findings.append(make_finding(
            "value-required", "an invoice line needs a Vendor (invoices match on Invoice No + "
                              "Vendor); this line is left out", book=path.name, sheet=title,
            row=row, column="Vendor", cell=table.cell("Vendor", row) or None))
    table.reject(np.flatnonzero(no_vendor), "value-required")
    return Ledger(path.name, table.rows.reset_index(drop=True), findings, title, used.name)


# --- documents on each side ------------------------------------------------------------------

def normalise_key(values: pd.Series) -> pd.Series:
    """Trimmed, case-insensitive, inner spaces collapsed (SPEC §12 matching)."""
    return (values.astype("string").str.strip().str.replace(r"\s+", " ", regex=True)
            .str.casefold())


def workbook_documents(book: Book) -> pd.DataFrame:
    """A structure-checked book's POs and invoices as reconciliation documents."""
    plan_currency = book.plan.currency
    activities = book.rows("Activities")
    gl_of = dict(zip(id_keys(activities["Activity ID"]), activities["GL Account"].astype(str),
                     strict=True))
    pos = book.rows("PurchaseOrders")
    po_gl = id_key_series(pos["Activity ID"]).map(gl_of)
    po_activity = dict(zip(normalise_key(pos["PO Number"]), pos["Activity ID"].astype(str), strict=True))
    po_table, invoice_table = book.table("PurchaseOrders"), book.table("Invoices")
    po_docs = pd.DataFrame({
        "document_type": "PO",
        "key": normalise_key(pos["PO Number"]).to_numpy(dtype=object),
        "document_no": pos["PO Number"].astype(str).to_numpy(),
        "po_number": pos["PO Number"].astype(str).to_numpy(),
        "vendor": pos["Vendor"].astype(str).to_numpy(),
        "gl_account": po_gl.to_numpy(dtype=object),
        "currency": pos["Currency"].astype("string").fillna(plan_currency).to_numpy(dtype=object),
        "amount": pos["Amount"].to_numpy(dtype=np.int64, na_value=0),
        "date": pos["Issue Date"].to_numpy().astype("datetime64[D]"),
        "book": book.name, "sheet": po_table.title or "PurchaseOrders",
        "cell": [po_table.cell("Amount", int(r)) for r in pos["_row"]],
    })
    invoices = book.rows("Invoices")
    po_key = normalise_key(invoices["PO Number"])
    activity = po_key.map(po_activity).fillna(invoices["Activity ID"].astype("string"))
    activity_gl = id_key_series(activity).map(gl_of)
    gl = invoices["GL Account"].astype("string").fillna(activity_gl.astype("string"))
    invoice_docs = pd.DataFrame({
        "document_type": "Invoice",
        "key": (normalise_key(invoices["Invoice No"]) + "\x1f"
                + normalise_key(invoices["Vendor"])).to_numpy(dtype=object),
        "document_no": invoices["Invoice No"].astype(str).to_numpy(),
        "po_number": invoices["PO Number"].astype("string").to_numpy(dtype=object),
        "vendor": invoices["Vendor"].astype(str).to_numpy(),
        "gl_account": gl.to_numpy(dtype=object),
        "currency": invoices["Currency"].astype("string").fillna(plan_currency)
                                        .to_numpy(dtype=object),
        "amount": invoices["Amount"].to_numpy(dtype=np.int64, na_value=0),
        "date": invoices["Invoice Date"].to_numpy().astype("datetime64[D]"),
        "book": book.name, "sheet": invoice_table.title or "Invoices",
        "cell": [invoice_table.cell("Amount", int(r)) for r in invoices["_row"]],
    })
    return pd.concat([po_docs, invoice_docs], ignore_index=True)


def ledger_documents(ledger: Ledger) -> pd.DataFrame:
    frame = ledger.frame
    is_po = (frame["Document Type"] == "PO").to_numpy()
    po_number = frame["PO Number"].astype("string")
    po_key = normalise_key(po_number.where(po_number.notna(), frame["Document No"]))
    invoice_key = normalise_key(frame["Document No"]) + "\x1f" + normalise_key(frame["Vendor"])
    return pd.DataFrame({
        "document_type": frame["Document Type"].astype(str).to_numpy(),
        "key": np.where(is_po, po_key.to_numpy(dtype=object), invoice_key.to_numpy(dtype=object)),
        "document_no": np.where(is_po, po_number.fillna(frame["Document No"]).to_numpy(dtype=object),
                                frame["Document No"].astype(str).to_numpy(dtype=object)),
        "po_number": po_number.to_numpy(dtype=object),
        "vendor": frame["Vendor"].astype("string").to_numpy(dtype=object),
        "gl_account": frame["GL Account"].astype("string").to_numpy(dtype=object),
        "currency": frame["Currency"].astype("string").to_numpy(dtype=object),
        "amount": frame["Amount"].to_numpy(dtype=np.int64, na_value=0),
        "date": frame["Posting Date"].to_numpy().astype("datetime64[D]"),
        "row": frame["_row"].to_numpy(dtype=np.int64),
    })


def _one_per_key(docs: pd.DataFrame, first: list[str], joined: str | None = None) -> pd.DataFrame:
    """Documents summed by (type, key), the first line's descriptive columns kept."""
    grouped = docs.groupby(["document_type", "key"], sort=False)
    out = grouped[first].first()
    out["amount"] = grouped["amount"].sum().astype(np.int64)
    if joined:
        out[joined] = grouped[joined].agg(lambda rows: ", ".join(str(r) for r in rows))
    return out.reset_index()


# --- the reconciliation ----------------------------------------------------------------------

@dataclass
class Reconciliation:
    """Document-level results and G/L × month variances (SPEC §12). Amounts in cents."""

    ledger: str
    books: list[str]
    documents: pd.DataFrame          # DOCUMENT_COLUMNS
    # currency, gl_account, month, quarter, workbook_spent, erp_actual, variance
    gl_months: pd.DataFrame
    findings: list[Finding] = field(default_factory=list)

    def records(self, name: str | None = None) -> list[dict[str, Any]]:
        """Documents (of one class) as dicts, blanks as None."""
        frame = self.documents if name is None else self.of_class(name)
        return [{key: (None if _blank(value) else value) for key, value in record.items()}
                for record in frame.to_dict("records")]

    def of_class(self, name: str) -> pd.DataFrame:
        return self.documents[self.documents["class"] == name].reset_index(drop=True)

    @property
    def summary(self) -> dict[str, dict[str, int]]:
        out = {}
        for name in CLASSES:
            rows = self.of_class(name)
            out[name] = {"count": len(rows),
                         "workbook_amount": int(rows["workbook_amount"].fillna(0).sum()),
                         "erp_amount": int(rows["erp_amount"].fillna(0).sum())}
        return out

    @property
    def totals(self) -> dict[str, int]:
        return {"workbook_spent": int(self.gl_months["workbook_spent"].sum()),
                "erp_actual": int(self.gl_months["erp_actual"].sum()),
                "variance": int(self.gl_months["variance"].sum())}


def _blank(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def reconcile(books: Sequence[Book], ledger: Ledger, book_findings: Sequence[Finding] = (),
              as_of: dt.date | None = None) -> Reconciliation:
    """Match the books' POs and invoices with the ledger's documents (SPEC §12).

    `books` are structure-checked books (from `analyze_book`); `book_findings` their findings,
    of which those that affect reconciliation are kept with the result. With `as_of`, as
    things stood that day: workbook documents (PO Issue Date, Invoice Date) and ledger lines
    (Posting Date) dated on or before it."""
    readable = [b for b in books if b.readable]
    workbook = (pd.concat([workbook_documents(b) for b in readable], ignore_index=True)
                if readable else workbook_documents(Book(path=Path("-"), name="-")))
    erp = ledger_documents(ledger)
    if as_of is not None:
        cut = np.datetime64(as_of, "D")
        workbook = workbook[workbook["date"].to_numpy().astype("datetime64[D]") <= cut]
        erp = erp[erp["date"].to_numpy().astype("datetime64[D]") <= cut]
    left = _one_per_key(workbook, ["document_no", "po_number", "vendor", "gl_account",
                                   "currency", "date", "book", "sheet", "cell"])
    right = _one_per_key(erp, ["document_no", "po_number", "vendor", "gl_account", "currency",
                               "date"], joined="row")
    merged = left.merge(right, on=["document_type", "key"], how="outer",
                        suffixes=("_wb", "_erp"), indicator=True, sort=False)
    both = (merged["_merge"] == "both").to_numpy()
    wb_only = (merged["_merge"] == "left_only").to_numpy()
    wb_currency = merged["currency_wb"].astype("string")
    erp_currency = merged["currency_erp"].astype("string").fillna(wb_currency)
    currency_differs = both & (wb_currency != erp_currency).fillna(False).to_numpy()
    wb_amount = merged["amount_wb"].astype("Int64")
    erp_amount = merged["amount_erp"].astype("Int64")
    difference = wb_amount - erp_amount
    off = both & (difference.abs() > TOLERANCE_CENTS).fillna(False).to_numpy()
    classes = np.select([both & (off | currency_differs), both, wb_only],
                        ["amount-mismatch", "matched", "workbook-only"], "erp-only")
    note = np.where(currency_differs, "currency " + wb_currency.fillna("").to_numpy(dtype=object)
                    + " in the workbook, " + erp_currency.fillna("").to_numpy(dtype=object)
                    + " in the ERP", "")

    def pick(name: str) -> pd.Series:   # the workbook's spelling, else the ERP's
        return merged[f"{name}_wb"].where(merged[f"{name}_wb"].notna(), merged[f"{name}_erp"])

    documents = pd.DataFrame({
        "class": classes,
        "document_type": merged["document_type"].to_numpy(),
        "document_no": pick("document_no").to_numpy(dtype=object),
        "po_number": pick("po_number").to_numpy(dtype=object),
        "vendor": pick("vendor").to_numpy(dtype=object),
        "gl_account": pick("gl_account").to_numpy(dtype=object),
        "currency": wb_currency.fillna(erp_currency).to_numpy(dtype=object),
        "workbook_amount": wb_amount.to_numpy(dtype=object, na_value=None),
        "erp_amount": erp_amount.to_numpy(dtype=object, na_value=None),
        "difference": difference.to_numpy(dtype=object, na_value=None),
        "workbook_date": merged["date_wb"].to_numpy(),
        "erp_date": merged["date_erp"].to_numpy(),
        "book": merged["book"].to_numpy(dtype=object),
        "sheet": merged["sheet"].to_numpy(dtype=object),
        "cell": merged["cell"].to_numpy(dtype=object),
        "erp_rows": merged["row"].to_numpy(dtype=object),
        "note": note,
    })
    order = {name: i for i, name in enumerate(CLASSES)}
    documents = (documents.assign(_order=documents["class"].map(order))
                 .sort_values(["_order", "document_type", "document_no"], kind="stable")
                 .drop(columns="_order").reset_index(drop=True))

    fy_start = int(readable[0].plan.fy_start_month) if readable else 1
    gl_months = gl_month_table(workbook[workbook["document_type"] == "Invoice"],
                               erp[erp["document_type"] == "Invoice"], fy_start)
    findings = sort_findings([*ledger.findings, *relevant_findings(books, book_findings)])
    return Reconciliation(ledger.name, [b.name for b in books], documents, gl_months, findings)


def _by_gl_month(docs: pd.DataFrame, name: str) -> pd.Series:
    months = np.datetime_as_string(docs["date"].to_numpy().astype("datetime64[M]"), unit="M")
    keys = pd.DataFrame({"currency": docs["currency"].astype("string").fillna("").to_numpy(),
                         "gl_account": docs["gl_account"].astype("string").fillna("").to_numpy(),
                         "month": months, name: docs["amount"].to_numpy(dtype=np.int64)})
    return keys.groupby(["currency", "gl_account", "month"])[name].sum()


def gl_month_table(workbook: pd.DataFrame, erp: pd.DataFrame, fy_start: int) -> pd.DataFrame:
    """Per currency, G/L account and month: workbook spent, ERP actual, variance."""
    erp = erp.copy()
    if len(erp):
        # a blank ERP currency is taken to be the (single) workbook currency when there is one
        currencies = workbook["currency"].dropna().unique()
        if len(currencies) == 1:
            erp["currency"] = erp["currency"].astype("string").fillna(currencies[0])
    table = pd.concat([_by_gl_month(workbook, "workbook_spent"), _by_gl_month(erp, "erp_actual")],
                      axis=1).fillna(0).astype(np.int64).sort_index().reset_index()
    table["variance"] = table["erp_actual"] - table["workbook_spent"]
    days = table["month"].to_numpy().astype("datetime64[M]").astype("datetime64[D]")
    years, quarters = fiscal_years(days, fy_start), fiscal_quarters(days, fy_start)
    table.insert(3, "quarter", [f"FY{y}-Q{q}" for y, q in zip(years, quarters, strict=True)])
    return table[["currency", "gl_account", "month", "quarter", "workbook_spent", "erp_actual",
                  "variance"]]


def relevant_findings(books: Sequence[Book], findings: Sequence[Finding]) -> list[Finding]:
    """The books' findings that affect reconciliation (see the module docstring)."""
    titles = {book.name: {book.table(name).title or name
                          for name in ("PurchaseOrders", "Invoices", "Rates")} for book in books}
    return [f for f in findings
            if f.sheet is None or f.sheet in titles.get(f.book or "", set())]


# --- the example ERP export ------------------------------------------------------------------

EXAMPLE_DEMO_TEAM = 2                      # "APAC Demand Gen": approved, GBP, FY from February
EXAMPLE_TODAY = dt.date(2027, 9, 30)


def example_ledger(index: int = EXAMPLE_DEMO_TEAM, today: dt.date = EXAMPLE_TODAY) -> pd.DataFrame:
    """An ERP export that matches demo team `index` (made on `today`) *partly*, the way real
    exports do: most documents match; one invoice is off by one cent (still matched), one by
    more; vendor names differ in case and spacing; one invoice is not posted yet
    (workbook-only); one posting is unknown to the team (erp-only); the latest PO is missing.
    Written to workbook_templates/erp_export_example.csv (a test keeps it in sync)."""
    from ..demo import demo_team_data
    data = demo_team_data(index, today)
    currency = data["plan"]["Currency"]
    activities = {a["Activity ID"]: a for a in data["tables"]["Activities"]}
    lines: list[dict[str, Any]] = []
    seen_po: set[str] = set()
    pos = data["tables"]["PurchaseOrders"]
    for po in pos[:-1]:
        if str(po["PO Number"]) in seen_po:
            continue
        seen_po.add(str(po["PO Number"]))
        lines.append({"Document Type": "PO", "Document No": str(po["PO Number"]),
                      "PO Number": str(po["PO Number"]), "Vendor": po["Vendor"],
                      "GL Account": activities[po["Activity ID"]]["GL Account"],
                      "Posting Date": po["Issue Date"] + dt.timedelta(days=1),
                      "Amount": f"{float(po['Amount']):.2f}", "Currency": currency})
    invoices = [i for i in data["tables"]["Invoices"] if i.get("PO Number")]
    for n, invoice in enumerate(invoices):
        if n == 1:
            continue                                            # not posted yet: workbook-only
        amount = round(float(invoice["Amount"]), 2)
        if n == 2:
            amount = round(amount + 0.01, 2)                    # one cent: still matched
        elif n == 3:
            amount = round(amount - 250, 2)                     # a real difference
        vendor = invoice["Vendor"]
        if n % 2 == 0:
            vendor = "  " + vendor.upper().replace(" ", "  ") + " "   # ERP spelling
        lines.append({"Document Type": "Invoice", "Document No": invoice["Invoice No"],
                      "PO Number": invoice["PO Number"], "Vendor": vendor,
                      "GL Account": invoice["GL Account"],
                      "Posting Date": invoice["Invoice Date"] + dt.timedelta(days=2),
                      "Amount": f"{amount:.2f}", "Currency": currency})
    lines.append({"Document Type": "Invoice", "Document No": "INV-ERP-0001", "PO Number": "",
                  "Vendor": "Umbrella Venues", "GL Account": "610200",
                  "Posting Date": today - dt.timedelta(days=12), "Amount": "1800.00",
                  "Currency": currency})                      # erp-only
    frame = pd.DataFrame(lines, columns=[c.name for c in LEDGER.columns])
    frame["Posting Date"] = [d.isoformat() for d in frame["Posting Date"]]
    return frame
