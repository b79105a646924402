"""The workbook port the macros run through (SPEC §14): one small interface, two adapters.

- `LiveWorkbook`: the workbook open in Excel (`xw.Book.caller()` under RunPython, Windows and
  macOS). Reads sheet values from the open book, so unsaved edits count.
- `FileWorkbook`: a workbook file on disk, through openpyxl. The input is only ever read; the
  result is written to a NEW file (`save_as`, refused when it is the input, written to a temporary
  file and renamed). This is what the CLI entry and the tests drive.

The macro code (`mom_macros`) only ever calls the port: `rows`, `book`, `replace_sheet`,
`highlight`, `unhighlight`, `save`. Only `LiveWorkbook` imports xlwings.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Sequence
from typing import Any, Protocol

from mom_engine import safety
from mom_engine.frames import book_from_tables
from mom_engine.model import Book
from mom_engine.read import read_book
from mom_engine.report.files import FORMULA_TRIGGERS, atomic_path, refuse_overwriting_inputs
from mom_engine.sheets import SHEET_NAMES, normalise_name

HIGHLIGHT = {"error": "FFC7CE", "warning": "FFEB9C", "info": "DDEBF7"}   # fill colours (RGB)
HEADER_FILL = "1F4E78"


@dataclass(frozen=True)
class Link:
    """A cell of an output sheet that links to a cell of the workbook (`#'Budget'!C7`)."""

    row: int          # 1-based row in the written sheet
    column: int       # 1-based column in the written sheet
    sheet: str
    cell: str

    @property
    def location(self) -> str:
        return f"'{self.sheet.replace(chr(39), chr(39) * 2)}'!{self.cell}"


class WorkbookPort(Protocol):
    name: str
    folder: Path      # where the workbook lives: relative paths in its settings start here

    def book(self) -> Book:
        """The workbook as the engine sees it (reader stages, findings included)."""

    def sheet_names(self) -> list[str]: ...

    def rows(self, sheet: str) -> list[list[Any]]:
        """A sheet's values from A1 (blank = None)."""

    def replace_sheet(self, title: str, rows: Sequence[Sequence[Any]], *,
                      links: Sequence[Link] = (), widths: Sequence[int] = ()) -> None:
        """Create (or empty and reuse) a sheet and write rows, header first; links clickable."""

    def unhighlight(self, sheet: str, cell: str) -> None:
        """Undo `highlight` on a cell a previous run marked (fill and MOM note)."""

    def highlight(self, sheet: str, cell: str, severity: str, note: str) -> None: ...

    def save(self) -> Path | None: ...


def _is_team_sheet(title: str) -> bool:
    return normalise_name(title) in SHEET_NAMES


class FileWorkbook:
    """A workbook on disk (openpyxl). Changes go to `output`, never to the input file."""

    def __init__(self, path: str | Path, output: str | Path) -> None:
        import openpyxl
        self.path = Path(path)
        self.output = Path(output)
        refuse_overwriting_inputs(self.output, [self.path])
        # openpyxl must not meet what mom's reader refuses (zip bombs, DTDs, encrypted files).
        refusal = safety.inspect_file(self.path)
        if refusal is not None:
            raise safety.Refused(*refusal)
        self.name = self.path.name
        self.folder = self.path.resolve().parent
        keep_vba = self.path.suffix.lower() == ".xlsm"
        self.workbook = openpyxl.load_workbook(self.path, keep_vba=keep_vba, keep_links=True)
        self._highlighted: dict[tuple[str, str], Any] = {}

    def book(self) -> Book:
        return read_book(self.path, name=self.name)

    def sheet_names(self) -> list[str]:
        return list(self.workbook.sheetnames)

    def rows(self, sheet: str) -> list[list[Any]]:
        return [list(row) for row in self.workbook[sheet].iter_rows(values_only=True)]

    def replace_sheet(self, title: str, rows: Sequence[Sequence[Any]], *,
                      links: Sequence[Link] = (), widths: Sequence[int] = ()) -> None:
        from openpyxl.styles import Font, PatternFill
        from openpyxl.utils import get_column_letter
        from openpyxl.worksheet.hyperlink import Hyperlink
        if title in self.workbook.sheetnames:
            del self.workbook[title]
        sheet = self.workbook.create_sheet(title, 0)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                cell = sheet.cell(r, c)
                _set_value(cell, value)
                if r == 1:
                    cell.font = Font(bold=True, color="FFFFFF")
                    cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        for link in links:
            cell = sheet.cell(link.row, link.column)
            cell.hyperlink = Hyperlink(ref=cell.coordinate, location=link.location,
                                       display=str(cell.value or link.cell))
            cell.font = Font(color="0563C1", underline="single")
        for c, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(c)].width = width
        sheet.freeze_panes = "A2"
        self.workbook.active = 0

    def unhighlight(self, sheet: str, cell: str) -> None:
        from openpyxl.styles import PatternFill
        if sheet not in self.workbook.sheetnames:
            return
        target = self.workbook[sheet][cell]
        target.fill = PatternFill(fill_type=None)
        if target.comment is not None and target.comment.text.startswith("MOM:"):
            target.comment = None

    def highlight(self, sheet: str, cell: str, severity: str, note: str) -> None:
        from openpyxl.comments import Comment
        from openpyxl.styles import PatternFill
        if sheet not in self.workbook.sheetnames:
            return
        target = self.workbook[sheet][cell]
        target.fill = PatternFill("solid", fgColor=HIGHLIGHT.get(severity, HIGHLIGHT["info"]))
        previous = target.comment.text + "\n" if target.comment else ""
        target.comment = Comment(previous + "MOM: " + note, "MOM")

    def save(self) -> Path:
        with atomic_path(self.output) as temporary:
            self.workbook.save(temporary)
        return self.output


def _set_value(cell: Any, value: Any) -> None:
    """Write a value; text is always text, never a formula (SPEC §15)."""
    if value is None:
        return
    if isinstance(value, (dt.date, dt.datetime, int, float)) and not isinstance(value, bool):
        cell.value = value
        return
    text = str(value)
    cell.value = text
    if text.startswith(FORMULA_TRIGGERS):
        cell.data_type = "s"


class LiveWorkbook:
    """The workbook open in Excel, through xlwings (RunPython: `xw.Book.caller()`).

    Not runnable on Linux CI; exercised once by hand per the README checklist. Its methods are
    the same few calls the file adapter makes, in xlwings' API.
    """

    def __init__(self, book: Any = None) -> None:
        import xlwings as xw
        self.xw = xw
        self.xlbook = book if book is not None else xw.Book.caller()
        self.name = self.xlbook.name
        self.folder = Path(self.xlbook.fullname).parent

    def sheet_names(self) -> list[str]:
        return [sheet.name for sheet in self.xlbook.sheets]

    def rows(self, sheet: str) -> list[list[Any]]:
        used = self.xlbook.sheets[sheet].used_range
        last = used.last_cell
        values = self.xlbook.sheets[sheet].range((1, 1), (last.row, last.column)).options(
            ndim=2, err_to_str=True).value
        return [list(row) for row in values or []]

    def book(self) -> Book:
        tables = {title: self.rows(title) for title in self.sheet_names()
                  if _is_team_sheet(title)}
        return book_from_tables(tables, None, name=self.name, check=False)

    def replace_sheet(self, title: str, rows: Sequence[Sequence[Any]], *,
                      links: Sequence[Link] = (), widths: Sequence[int] = ()) -> None:
        names = self.sheet_names()
        sheet = (self.xlbook.sheets[title] if title in names
                 else self.xlbook.sheets.add(title, before=self.xlbook.sheets[0]))
        sheet.clear()
        if rows:
            safe = [[("'" + v) if isinstance(v, str) and v.startswith(FORMULA_TRIGGERS) else v
                     for v in row] for row in rows]
            sheet.range("A1").value = safe
            header = sheet.range((1, 1), (1, len(rows[0])))
            header.font.bold = True
            header.font.color = "#FFFFFF"
            header.color = "#" + HEADER_FILL
        for link in links:
            cell = sheet.range((link.row, link.column))
            cell.add_hyperlink("#" + link.location, str(cell.value or link.cell))
        for c, width in enumerate(widths, start=1):
            sheet.range((1, c)).column_width = width
        sheet.activate()

    def unhighlight(self, sheet: str, cell: str) -> None:
        target = self.xlbook.sheets[sheet].range(cell)
        try:
            target.color = None
            if target.note is not None and target.note.text.startswith("MOM:"):
                target.note.delete()
        except Exception:   # protected sheet: leave it
            pass

    def highlight(self, sheet: str, cell: str, severity: str, note: str) -> None:
        target = self.xlbook.sheets[sheet].range(cell)
        try:
            target.color = "#" + HIGHLIGHT.get(severity, HIGHLIGHT["info"])
            if target.note is not None:
                target.note.delete()
            target.add_note("MOM: " + note)    # xlwings ≥ 0.30
        except Exception:   # a protected sheet refuses formats from code: the link still works
            pass

    def save(self) -> None:
        """Excel keeps the changes in the open workbook; the planner saves when ready."""
        return None
