"""MOM macros — Validate, Refresh, Reconcile (SPEC §14) — written once against the workbook port.

In Excel (RunPython, Windows/macOS) a button or the xlwings ribbon calls e.g.
`RunPython "import mom_macros; mom_macros.validate()"`: the port is the open workbook
(`port.LiveWorkbook`). From a shell the same code runs on a file and writes a NEW file:

    python -m udfs.mom_macros validate team.xlsx -o team-checked.xlsx [--as-of 2027-03-15]
    python -m udfs.mom_macros refresh  team.xlsx -o team-figures.xlsx

- validate: every finding of `mom validate` on a `Findings` sheet (first sheet), each with a link
  to its cell; the cells themselves are filled (red error, yellow warning) with a note.
- refresh: a `MOM Figures` sheet with the engine's spend figures per activity and the plan total
  (§5), stamped with the as-of date — the numbers the formulas and UDFs should agree with.
- reconcile: see `reconcile()`.

Exit status of the shell entry as `mom`: 0 no error findings, 1 error findings, 2 bad usage.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any, Sequence

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
    port.clear_highlights([s for s in sheets if s != FINDINGS_SHEET])
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
    """Write the engine's spend figures per activity and the plan total (SPEC §5)."""
    from mom_engine.spend import spend_per_activity
    port = port if port is not None else LiveWorkbook()
    book = port.book()
    as_of = as_of or dt.date.today()
    findings = check_book(book, Context(as_of=as_of))
    figures = spend_per_activity(book)
    names = ("Budgeted", "Planned", "Committed", "Spent", "Remaining")
    rows: list[list[Any]] = [["Activity ID", *names]]
    totals = dict.fromkeys(names, 0)
    for activity, record in figures.iterrows():
        rows.append([str(activity), *(int(record[n]) / 100 for n in names)])
        for n in names:
            totals[n] += int(record[n])
    rows.append([f"Plan total (as of {as_of.isoformat()})", *(totals[n] / 100 for n in names)])
    port.replace_sheet(FIGURES_SHEET, rows, widths=(28, 14, 14, 14, 14, 14))
    port.save()
    return findings


def _shown(value: Any) -> Any:
    if value is None or isinstance(value, (int, float, str)):
        return value
    return str(value)


# --- shell entry ---------------------------------------------------------------------------

MACROS = {"validate": validate, "refresh": refresh}


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
    findings = MACROS[args.macro](port, args.as_of)
    print(f"wrote {args.output} ({len(findings)} findings)")
    return 1 if has_errors(findings) else 0


if __name__ == "__main__":   # pragma: no cover
    sys.exit(main())
