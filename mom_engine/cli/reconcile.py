"""`mom reconcile BOOK... --ledger ERP.csv|.xlsx [-o reconciliation.xlsx] [--json]`.

Matches the workbooks' POs (on PO Number) and invoices (on Invoice No + Vendor) with an ERP
export, and compares workbook spent with ERP actuals per G/L account and month. Exit 0: no
error findings; 1: error findings in the ledger or in the books' PO/invoice sheets; 2: bad
usage (ledger unusable, output equal to an input) or no readable workbook.
"""
from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from ..analyze import analyze_book
from ..model import Context
from ..domains.ledger_maps import LedgerMapError, read_ledger_map
from ..domains.reconcile import LedgerError, Reconciliation, read_ledger, reconcile
from ..report.files import OutputError, refuse_overwriting_inputs
from ..report.json import money
from ..report.specs import (RECONCILE_DOCUMENTS, RECONCILE_DOCUMENTS_SHOWN, RECONCILE_GL_MONTHS,
                            RECONCILE_SUMMARY)
from ..report.table import Report, Table
from . import EXIT_USAGE, UsageError
from .common import FindingScope, add_as_of, add_json, book_names, input_books, show


EXAMPLES = ("mom reconcile mom-demo/teams/team-0003-apac-demand-gen.xlsx "
            "--ledger mom-demo/erp_export.csv",
            "mom reconcile teams/ --ledger erp.xlsx -o reconciliation.xlsx")


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


RECONCILE_SCOPE = FindingScope.of(("Activities", "PurchaseOrders", "Invoices", "Rates", "Lists"),
                                  sections=("§12",))


def reconciliation_tables(result: Reconciliation) -> list[Table]:
    summary = [{"result": name, **values} for name, values in result.summary.items()]
    documents = [{**record, "note": record["note"] or None} for record in result.records()]
    return [Table(RECONCILE_SUMMARY, RECONCILE_SUMMARY.rows(summary),
                  title=f"Reconciliation with {result.ledger}"),
            Table(RECONCILE_DOCUMENTS, RECONCILE_DOCUMENTS.rows(documents),
                  title="Documents"),
            Table(RECONCILE_GL_MONTHS, RECONCILE_GL_MONTHS.rows(result.gl_months),
                  title="G/L account × month", empty="no spend and no ERP actuals")]


def reconciliation_document(result: Reconciliation, output: Path | None,
                            tables: list[Table] | None = None) -> dict:
    summary, documents, gl_months = tables or reconciliation_tables(result)
    return {"ledger": result.ledger, "books": result.books,
            "summary": {row["result"]: {k: v for k, v in row.items() if k != "result"}
                        for row in summary.rows},
            "documents": documents.rows, "gl_months": gl_months.rows,
            "totals": {k: money(v) for k, v in result.totals.items()},
            "output": str(output) if output else None}


def run(args: argparse.Namespace) -> int:
    files = input_books(args.books)
    ledger_path = Path(args.ledger)
    output = Path(args.output) if args.output else None
    if output is not None:
        try:
            refuse_overwriting_inputs(output, [*files, ledger_path])
        except OutputError as error:
            raise UsageError(str(error)) from None
        if output.suffix.lower() != ".xlsx":
            raise UsageError(f"the output {output} must be an .xlsx file")
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
    summary, documents, gl_months = reconciliation_tables(result)
    document = {**reconciliation_document(result, output, [summary, documents, gl_months]),
                "ledger_layout": ledger.layout}
    differing = Table(RECONCILE_DOCUMENTS.only(*RECONCILE_DOCUMENTS_SHOWN),
                      [d for d in documents.rows if d["class"] != "matched"],
                      title="Documents to look at")
    tables = [summary, *([differing] if differing.rows else []), gl_months]
    if output is not None:
        gl_months.notes.append(f"wrote {output}")
    status = show(args, Report(document, tables), result.findings,
                  scope=RECONCILE_SCOPE.with_books(ledger_path.name, result.ledger),
                  paths=args.books)
    if not any(b.readable for b in books):
        return EXIT_USAGE
    return status
