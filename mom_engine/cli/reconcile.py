"""`mom reconcile BOOK... --ledger ERP.csv|.xlsx [-o reconciliation.xlsx] [--json]` (SPEC §12).

Matches the workbooks' POs (on PO Number) and invoices (on Invoice No + Vendor) with an ERP
export, and compares workbook spent with ERP actuals per G/L account and month. Exit 0: no
error findings; 1: error findings in the ledger or in the books' PO/invoice sheets; 2: bad
usage (ledger unusable, output equal to an input) or no readable workbook.
"""
from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from ..analyze import Context, analyze_book
from ..ledger_maps import LedgerMapError, read_ledger_map
from ..reconcile import LedgerError, Reconciliation, read_ledger, reconcile
from ..report.files import OutputError, refuse_overwriting_inputs
from ..report.json import money
from . import EXIT_USAGE, UsageError
from .common import add_as_of, add_json, book_names, emit, input_books


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("reconcile", help="match POs and invoices with an ERP export",
                                   description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("books", nargs="+", metavar="BOOK", help="team workbooks or folders")
    parser.add_argument("--ledger", required=True, metavar="FILE",
                        help="ERP export, .csv or .xlsx: MOM's headers, or an SAP, NetSuite or "
                             "Dynamics 365 export as it comes")
    parser.add_argument("--ledger-map", default=None, metavar="FILE",
                        help="a TOML file naming another ERP export's headers, document types, "
                             "date format and separators")
    parser.add_argument("-o", "--output", default=None, metavar="OUT",
                        help="write the reconciliation workbook here (.xlsx)")
    add_as_of(parser, "reconcile as things stood on this date: workbook POs and invoices and "
                      "ERP lines dated on or before it (default: every document)")
    add_json(parser)
    parser.set_defaults(run=run)


def _amount(value):
    return None if value is None else money(value)


def reconciliation_document(result: Reconciliation, output: Path | None) -> dict:
    documents = []
    for record in result.records():
        documents.append({
            "class": record["class"], "document_type": record["document_type"],
            "document_no": record["document_no"], "po_number": record["po_number"],
            "vendor": record["vendor"], "gl_account": record["gl_account"],
            "currency": record["currency"],
            "workbook_amount": _amount(record["workbook_amount"]),
            "erp_amount": _amount(record["erp_amount"]),
            "difference": _amount(record["difference"]),
            "book": record["book"], "sheet": record["sheet"], "cell": record["cell"],
            "erp_rows": record["erp_rows"], "note": record["note"] or None,
        })
    summary = {name: {"count": values["count"],
                      "workbook_amount": money(values["workbook_amount"]),
                      "erp_amount": money(values["erp_amount"])}
               for name, values in result.summary.items()}
    gl_months = [{"currency": r["currency"], "gl_account": r["gl_account"], "month": r["month"],
                  "quarter": r["quarter"], "workbook_spent": money(r["workbook_spent"]),
                  "erp_actual": money(r["erp_actual"]), "variance": money(r["variance"])}
                 for r in result.gl_months.to_dict("records")]
    return {"ledger": result.ledger, "books": result.books, "summary": summary,
            "documents": documents, "gl_months": gl_months,
            "totals": {k: money(v) for k, v in result.totals.items()},
            "output": str(output) if output else None}


def run(args: argparse.Namespace) -> int:
    files = input_books(args.books)
    ledger_path = Path(args.ledger)
    output = Path(args.output) if args.output else None
    if output is not None:
        if output.suffix.lower() != ".xlsx":
            raise UsageError(f"the output {output} must be an .xlsx file")
        try:
            refuse_overwriting_inputs(output, [*files, ledger_path])
        except OutputError as error:
            raise UsageError(str(error)) from None
    try:
        ledger_map = read_ledger_map(args.ledger_map) if args.ledger_map else None
        ledger = read_ledger(ledger_path, ledger_map)
    except (LedgerError, LedgerMapError) as error:
        raise UsageError(str(error)) from None
    names = book_names(files)
    books, findings = [], []
    for path in files:
        context = Context(as_of=args.as_of or dt.date.today(), spend_as_of=args.as_of)
        analysis = analyze_book(path, name=names[path], context=context)
        books.append(analysis.book)
        findings += analysis.findings
    result = reconcile(books, ledger, findings, as_of=args.as_of)
    if output is not None and any(b.readable for b in books):
        from ..report.reconciliation import write_reconciliation
        write_reconciliation(output, result)
    document = {**reconciliation_document(result, output), "ledger_layout": ledger.layout}

    def render(out):
        from ..report.text import print_table
        rows = [{"result": name, **values} for name, values in document["summary"].items()]
        print_table(rows, ["result", "count", "workbook_amount", "erp_amount"],
                    title=f"Reconciliation with {result.ledger}", out=out)
        differing = [d for d in document["documents"] if d["class"] != "matched"]
        if differing:
            print_table(differing, ["class", "document_no", "vendor", "workbook_amount",
                                "erp_amount", "difference", "cell"],
                    title="Documents to look at", out=out)
        print_table(document["gl_months"], ["currency", "gl_account", "month", "workbook_spent",
                                            "erp_actual", "variance"],
                    title="G/L account × month", out=out)
        if output is not None:
            out.print(f"wrote {output}")

    status = emit(document, result.findings, args.json, render)
    if not any(b.readable for b in books):
        return EXIT_USAGE
    return status
