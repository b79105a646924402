"""MOM macros — Validate, Refresh, Reconcile (SPEC §14) — written once against the workbook port.

In Excel (RunPython, Windows/macOS) a button or the xlwings ribbon calls e.g.
`RunPython "import mom_macros; mom_macros.validate()"`: the port is the open workbook
(`port.LiveWorkbook`). From a shell the same code runs on a file and writes a NEW file:

    python -m udfs.mom_macros validate team.xlsx -o team-checked.xlsx [--as-of 2027-03-15]
    python -m udfs.mom_macros refresh  team.xlsx -o team-figures.xlsx
    python -m udfs.mom_macros reconcile mom_reconcile.xlsm -o reconciled.xlsm

- validate: every finding of `mom validate` on a `Findings` sheet (first sheet), each with a link
  to its cell; the cells themselves are filled (red error, yellow warning) with a note.
- refresh: a `MOM Figures` sheet with the engine's spend figures per activity and the plan total
  (§5), stamped with the as-of date — the numbers the formulas and UDFs should agree with.
- reconcile (the finance workbook mom_reconcile.xlsm): reads the ERP export and the team
  workbooks named on its Reconcile sheet (paths relative to the workbook's folder) and writes
  Documents, GL by Month and Recon Findings sheets (SPEC §12).

Exit status of the shell entry as `mom`: 0 no error findings, 1 error findings, 2 bad usage.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from collections.abc import Sequence
from typing import Any

from mom_engine.analyze import Context, check_book
from mom_engine.findings import Finding, has_errors
from mom_engine.report.files import OutputError

try:                                     # run as `udfs.mom_macros` or as `mom_macros` in Excel
    from .port import FileWorkbook, Link, LiveWorkbook, WorkbookPort
except ImportError:                      # pragma: no cover - RunPython imports it top-level
    from port import FileWorkbook, Link, LiveWorkbook, WorkbookPort  # type: ignore

FINDINGS_SHEET = "Findings"
FIGURES_SHEET = "MOM Figures"
FINDINGS_HEADER = ("Severity", "Code", "Sheet", "Cell", "Column", "Message", "Value")
FINDINGS_WIDTHS = (10, 24, 16, 8, 18, 90, 18)


def validate(port: WorkbookPort | None = None, as_of: dt.date | None = None) -> list[Finding]:
    """Check the workbook; write the Findings sheet with links; highlight the bad cells."""
    port = port if port is not None else LiveWorkbook()
    book = port.book()
    findings = check_book(book, Context(as_of=as_of or dt.date.today()))
    sheets = set(port.sheet_names())
    rows: list[list[Any]] = [list(FINDINGS_HEADER)]
    links: list[Link] = []
    for finding in findings:
        rows.append([finding.severity.value, finding.code, finding.sheet or "", finding.cell or "",
                     finding.column or "", finding.message, _shown(finding.value)])
        if finding.sheet in sheets and finding.cell:
            links.append(Link(len(rows), 4, finding.sheet, finding.cell))
    if FINDINGS_SHEET in sheets:           # cells the previous run marked: unmark them first
        for row in port.rows(FINDINGS_SHEET)[1:]:
            if len(row) > 3 and row[2] in sheets and row[2] != FINDINGS_SHEET and row[3]:
                port.unhighlight(str(row[2]), str(row[3]))
    for finding in reversed(findings):       # the most severe fill wins: errors come first
        if finding.sheet in sheets and finding.cell:
            port.highlight(finding.sheet, finding.cell, finding.severity.value,
                           f"{finding.code}: {finding.message}")
    if len(rows) == 1:
        rows.append(["", "", "", "", "", "No problems found.", ""])
    port.replace_sheet(FINDINGS_SHEET, rows, links=links, widths=FINDINGS_WIDTHS)
    port.save()
    return findings


def refresh(port: WorkbookPort | None = None, as_of: dt.date | None = None) -> list[Finding]:
    """Write the engine's spend figures per activity and the plan total (SPEC §5): the same
    numbers as the Activities formula columns, the Dashboard and the UDFs (`roll_up_spend`)."""
    from mom_engine.domains.spend import roll_up_spend
    port = port if port is not None else LiveWorkbook()
    book = port.book()
    as_of = as_of or dt.date.today()
    findings = check_book(book, Context(as_of=as_of))
    report = roll_up_spend(book)
    names = ("Budgeted", "Planned", "Committed", "Spent", "Remaining")
    columns = [name.lower() for name in names]
    rows: list[list[Any]] = [["Activity ID", *names]]
    for record in report.by("activity").to_dict("records"):
        rows.append([str(record["key"]), *(int(record[c]) / 100 for c in columns)])
    total = report.total
    rows.append([f"Plan total (as of {as_of.isoformat()})", *(total[c] / 100 for c in columns)])
    port.replace_sheet(FIGURES_SHEET, rows, widths=(28, 14, 14, 14, 14, 14))
    port.save()
    return findings


RECONCILE_SHEET = "Reconcile"
DOCUMENT_HEADERS = {
    "class": "Class", "document_type": "Document Type", "document_no": "Document No",
    "po_number": "PO Number", "vendor": "Vendor", "gl_account": "GL Account",
    "currency": "Currency", "workbook_amount": "Workbook Amount", "erp_amount": "ERP Amount",
    "difference": "Difference", "workbook_date": "Workbook Date", "erp_date": "ERP Date",
    "book": "Book", "sheet": "Sheet", "cell": "Cell", "erp_rows": "ERP Rows", "note": "Note"}
GL_HEADERS = {"currency": "Currency", "gl_account": "GL Account", "month": "Month",
              "quarter": "Quarter", "workbook_spent": "Workbook Spent",
              "erp_actual": "ERP Actual", "variance": "Variance"}
MONEY_KEYS = {"workbook_amount", "erp_amount", "difference", "workbook_spent", "erp_actual",
              "variance"}


class MacroInputError(Exception):
    """The settings a macro reads from the workbook are unusable; its text is shown."""


def reconcile(port: WorkbookPort | None = None, as_of: dt.date | None = None) -> list[Finding]:
    """Reconcile the team workbooks named on the Reconcile sheet with the ERP export (SPEC §12):
    Documents (by class), GL by Month, Recon Findings sheets."""
    from mom_engine.analyze import analyze_book
    from mom_engine.read import workbook_files
    from mom_engine.domains.reconcile import read_ledger, reconcile as match_documents
    port = port if port is not None else LiveWorkbook()
    settings = _settings(port, RECONCILE_SHEET)
    folder = port.folder
    ledger_path = _setting_path(settings, "ERP export", folder)
    teams = _setting_path(settings, "Team workbooks", folder)
    has_pattern = any(ch in str(teams) for ch in "*?[")
    files = workbook_files([str(teams)]) if has_pattern or teams.exists() else []
    if not files:
        raise MacroInputError(f"no team workbooks found at {teams} (setting 'Team workbooks')")
    context = Context(as_of=as_of or dt.date.today())
    analyses = [analyze_book(path, context=context) for path in files]
    findings = [f for a in analyses for f in a.findings]
    result = match_documents([a.book for a in analyses], read_ledger(ledger_path), findings)
    port.replace_sheet("Documents", _table(result.documents, DOCUMENT_HEADERS),
                       widths=(16, 14, 16, 14, 20, 12, 9, 16, 16, 12, 12, 12, 28, 14, 8, 9, 30))
    port.replace_sheet("GL by Month", _table(result.gl_months, GL_HEADERS),
                       widths=(9, 12, 10, 12, 16, 16, 14))
    rows: list[list[Any]] = [list(FINDINGS_HEADER[:2]) + ["Book"] + list(FINDINGS_HEADER[2:])]
    for finding in result.findings:
        rows.append([finding.severity.value, finding.code, finding.book or "", finding.sheet or "",
                     finding.cell or "", finding.column or "", finding.message,
                     _shown(finding.value)])
    port.replace_sheet("Recon Findings", rows, widths=(10, 22, 28, 16, 8, 18, 90, 18))
    port.save()
    return list(result.findings)


def _settings(port: WorkbookPort, sheet: str) -> dict[str, Any]:
    if sheet not in port.sheet_names():
        raise MacroInputError(f"the workbook has no '{sheet}' sheet with the settings")
    from mom_engine.sheets import normalise_name
    return {normalise_name(row[0]): row[1] for row in port.rows(sheet)
            if len(row) > 1 and isinstance(row[0], str) and row[1] not in (None, "")}


def _setting_path(settings: dict[str, Any], label: str, folder: Path) -> Path:
    from mom_engine.sheets import normalise_name
    value = settings.get(normalise_name(label))
    if value is None:
        raise MacroInputError(f"'{label}' is blank on the settings sheet; fill it in")
    path = Path(str(value).strip()).expanduser()
    return path if path.is_absolute() else folder / path


def _table(frame: Any, headers: dict[str, str]) -> list[list[Any]]:
    """A result frame as sheet rows: money cents → units, blanks → None, dates → dates."""
    import pandas as pd
    rows: list[list[Any]] = [list(headers.values())]
    for record in frame[list(headers)].to_dict("records"):
        row = []
        for key, value in record.items():
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                row.append(None)
            elif key in MONEY_KEYS:
                row.append(int(value) / 100)
            elif isinstance(value, pd.Timestamp):
                row.append(value.to_pydatetime())
            elif hasattr(value, "item"):
                row.append(value.item())
            else:
                row.append(value)
        rows.append(row)
    return rows


def _shown(value: Any) -> Any:
    if value is None or isinstance(value, (int, float, str)):
        return value
    return str(value)


# --- shell entry ---------------------------------------------------------------------------

MACROS = {"validate": validate, "refresh": refresh, "reconcile": reconcile}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m udfs.mom_macros",
        description="Run a MOM Excel macro on a workbook file; the result goes to a new file.")
    parser.add_argument("macro", choices=sorted(MACROS))
    parser.add_argument("book", type=Path)
    parser.add_argument("-o", "--output", type=Path, required=True,
                        help="the new workbook to write (never the input)")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
    args = parser.parse_args(argv)
    if not args.book.is_file():
        print(f"error: {args.book} does not exist", file=sys.stderr)
        return 2
    try:
        port = FileWorkbook(args.book, args.output)
    except OutputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # openpyxl cannot open it: say so, like mom does
        print(f"error: {args.book} cannot be opened ({type(error).__name__}: {error})",
              file=sys.stderr)
        return 2
    try:
        findings = MACROS[args.macro](port, args.as_of)
    except MacroInputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        if type(error).__name__ != "LedgerError":
            raise
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {args.output} ({len(findings)} findings)")
    return 1 if has_errors(findings) else 0


if __name__ == "__main__":   # pragma: no cover
    sys.exit(main())
