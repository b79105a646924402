"""Terminal output that reads the same in a terminal, a pipe and an email.

Tables are laid out from their spec: figures are never cut (a number, a date or a yes/no keeps
its full width), text wraps inside its column, and when the columns cannot fit the width the
ones of lower priority move to a second table that repeats the row key — or, when even that
cannot fit, each row is shown as a block of `header: value` lines.

Finding lines read location first, then the severity word, then the code, then the message;
errors come before warnings; a count closes the list. Colour only adds to that, and only on a
terminal that has not asked for none (NO_COLOR).
"""
from __future__ import annotations

import os
import shutil
import sys
import textwrap
from collections import Counter
from typing import IO, Any
from collections.abc import Iterable, Sequence

from rich.console import Console

from ..findings import Finding, Severity, sort_findings
from .table import Column, Kind, Table, plain

GAP = "  "
PIPED_WIDTH = 100          # a pipe or a file has no width: what reads well in an email
MIN_WIDTH = 40
TEXT_MIN = 12              # a text column is never squeezed below this (or its header's words)
WORD_MAX = 24              # … nor below its longest word, up to this many characters

SEVERITY_COLOUR = {Severity.ERROR: "\033[1;31m", Severity.WARNING: "\033[33m",
                   Severity.INFO: "\033[36m"}
RESET = "\033[0m"


def console(stderr: bool = False) -> Console:
    """A rich console (progress bars and the demo's closing lines)."""
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def output_width(stream: IO[str] | None = None) -> int:
    """COLUMNS when set, else the terminal's width, else PIPED_WIDTH."""
    stream = stream or sys.stdout
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return max(int(columns), MIN_WIDTH)
    try:
        if stream.isatty():
            return max(shutil.get_terminal_size().columns, MIN_WIDTH)
    except (AttributeError, ValueError, OSError):
        pass
    return PIPED_WIDTH


def use_colour(stream: IO[str] | None = None) -> bool:
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


# --- tables ----------------------------------------------------------------------------------

def _longest_word(text: str) -> int:
    return max((len(word) for word in text.split()), default=0)


def _widths(columns: Sequence[Column], cells: list[list[str]]) -> tuple[list[int], list[int]]:
    """(narrowest, natural) width of each column: figures never below their widest cell."""
    narrow, natural = [], []
    for i, column in enumerate(columns):
        widest = max((len(row[i]) for row in cells), default=0)
        header_word = _longest_word(column.header)
        if column.kind is Kind.TEXT:
            longest_cell_word = max((_longest_word(row[i]) for row in cells), default=0)
            full = max(widest, len(column.header))
            narrow.append(min(full, max(header_word, min(longest_cell_word, WORD_MAX),
                                        TEXT_MIN)))
        else:
            full = max(widest, len(column.header))
            narrow.append(max(widest, header_word))
        natural.append(full)
    return narrow, natural


def _fits(widths: Iterable[int], width: int) -> bool:
    widths = list(widths)
    return sum(widths) + len(GAP) * (len(widths) - 1) <= width


def _parts(columns: Sequence[Column], narrow: list[int], width: int) -> list[list[int]] | None:
    """Column indexes of each table part; None when even the key and one figure cannot fit."""
    keys = [i for i, c in enumerate(columns) if c.priority == 0]
    rest = sorted((i for i, c in enumerate(columns) if c.priority != 0),
                  key=lambda i: (columns[i].priority, i))
    if not _fits((narrow[i] for i in range(len(columns))), width):
        if not rest:
            return None
        parts: list[list[int]] = []
        current = list(keys)
        for i in rest:
            if _fits((narrow[j] for j in [*current, i]), width):
                current.append(i)
                continue
            if len(current) == len(keys):
                return None
            parts.append(sorted(current))
            current = [*keys, i]
            if not _fits((narrow[j] for j in current), width):
                return None
        parts.append(sorted(current))
        return parts
    return [list(range(len(columns)))]


def _spread(indexes: list[int], columns: Sequence[Column], narrow: list[int],
            natural: list[int], width: int) -> list[int]:
    """Give the room left to text columns, up to their natural width, left to right."""
    widths = [narrow[i] for i in indexes]
    spare = width - sum(widths) - len(GAP) * (len(indexes) - 1)
    for position, i in enumerate(indexes):
        if columns[i].kind is Kind.TEXT and spare > 0:
            extra = min(spare, natural[i] - widths[position])
            widths[position] += extra
            spare -= extra
    return widths


def _wrap(text: str, width: int) -> list[str]:
    if len(text) <= width:
        return [text]
    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]


def _grid(columns: list[Column], widths: list[int], cells: list[list[str]]) -> list[str]:
    lines: list[str] = []

    def emit(values: list[str], header: bool = False) -> None:
        wrapped = [_wrap(v, w) if (header or c.kind is Kind.TEXT) else [v]
                   for v, w, c in zip(values, widths, columns, strict=True)]
        height = max(len(w) for w in wrapped)
        if header:   # headers sit on their last line, like a spreadsheet's
            wrapped = [[""] * (height - len(w)) + w for w in wrapped]
        for line in range(height):
            parts = []
            for chunks, w, column in zip(wrapped, widths, columns, strict=True):
                piece = chunks[line] if line < len(chunks) else ""
                parts.append(piece.rjust(w) if column.kind.numeric else piece.ljust(w))
            lines.append(GAP.join(parts).rstrip())

    emit([c.header for c in columns], header=True)
    lines.append(GAP.join("-" * w for w in widths))
    for row in cells:
        emit(row)
    return lines


def _vertical(columns: Sequence[Column], cells: list[list[str]], width: int) -> list[str]:
    label = max(len(c.header) for c in columns) + 2
    lines: list[str] = []
    for n, row in enumerate(cells):
        if n:
            lines.append("")
        for column, value in zip(columns, row, strict=True):
            chunks = (_wrap(value, max(width - label, 10)) if column.kind is Kind.TEXT
                      else [value])
            lines.append(f"{column.header + ':':<{label}}{chunks[0]}".rstrip())
            lines += [" " * label + chunk for chunk in chunks[1:]]
    return lines


def table_lines(table: Table, width: int) -> list[str]:
    """A table as lines no wider than `width` (except a figure wider than the whole width)."""
    notes = [line for note in table.notes for line in _wrap(note, width)]
    lines = _wrap(table.title, width) if table.title else []
    if not table.rows:
        return [*lines, table.empty, *notes]
    columns = list(table.spec.columns)
    cells = [plain(columns, row) for row in table.rows]
    narrow, natural = _widths(columns, cells)
    parts = _parts(columns, narrow, width)
    if parts is None:
        lines += _vertical(columns, cells, width)
    else:
        for n, indexes in enumerate(parts):
            if n:
                lines += ["", *_wrap(f"{table.title} (continued)" if table.title
                                     else "(continued)", width)]
            widths = _spread(indexes, columns, narrow, natural, width)
            lines += _grid([columns[i] for i in indexes], widths,
                           [[row[i] for i in indexes] for row in cells])
    return lines + notes


def write_tables(tables: Sequence[Table], notes: Sequence[str] = (),
                 stream: IO[str] | None = None) -> None:
    stream = stream or sys.stdout
    width = output_width(stream)
    blocks = [[line for note in notes for line in _wrap(note, width)]] if notes else []
    blocks += [table_lines(t, width) for t in tables]
    stream.write("\n\n".join("\n".join(b) for b in blocks if b) + ("\n" if blocks else ""))


# --- findings --------------------------------------------------------------------------------

def severity_order(findings: Iterable[Finding]) -> list[Finding]:
    """Errors first, then warnings, then notes; each in reading order."""
    ordered = sort_findings(findings)
    rank = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    return sorted(ordered, key=lambda f: rank[f.severity])


def finding_line(finding: Finding, colour: bool = False) -> str:
    """`team.xlsx!Budget!C7  error  value-type  message`."""
    word = finding.severity.value
    if colour:
        word = f"{SEVERITY_COLOUR[finding.severity]}{word}{RESET}"
    return f"{finding.location}  {word}  {finding.code}  {finding.message}"


def count_line(findings: Iterable[Finding]) -> str:
    counts = Counter(f.severity for f in findings)
    errors, warnings = counts[Severity.ERROR], counts[Severity.WARNING]
    if not errors and not warnings:
        return "no problems found"
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


def findings_lines(shown: Sequence[Finding], others: str = "", colour: bool = False,
                   limit: int | None = None, more: str = "") -> list[str]:
    """The shown findings (errors first), a line on the others (`others` says how many and
    where to see them), and a count. `limit` caps the list; `more` says where the rest are."""
    ordered = severity_order(shown)
    listed = ordered if limit is None else ordered[:limit]
    lines = [finding_line(f, colour) for f in listed]
    if len(listed) < len(ordered):
        lines.append(f"… and {len(ordered) - len(listed)} more" + (f" — {more}" if more else ""))
    if others:
        if not shown:
            return [*lines, f"no findings shown; {others}"]
        lines.append(f"and {others}")
    lines.append(count_line(shown))
    return lines


def print_findings(findings: Sequence[Finding], out: Any = None, *, others: str = "",
                   limit: int | None = None, more: str = "") -> None:
    stream = sys.stdout if out is None or not hasattr(out, "write") else out
    lines = findings_lines(findings, others, use_colour(stream), limit, more)
    stream.write("\n".join(lines) + "\n")
    stream.flush()

