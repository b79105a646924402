"""CSV and Markdown writers of a report's tables (the terminal writer is `report.text`).

CSV is data for a spreadsheet or a script: human headers, figures without thousands
separators (money with 2 decimals, ratios and percents as fractions), dates in ISO form.
A report with several tables writes each under a one-cell title row, a blank line between.
Markdown is for a ticket, a wiki page or an email: figures as the terminal shows them.
"""
from __future__ import annotations

import csv
import sys
from typing import IO, Any
from collections.abc import Sequence

from ..findings import Finding
from .table import Column, Kind, Report, Table, plain
from .text import count_line, severity_order

FORMATS = ("table", "csv", "markdown", "json")


def csv_value(column: Column, value: Any) -> str:
    if value is None:
        return ""
    if column.kind in (Kind.MONEY, Kind.AMOUNT):
        return f"{value:.2f}"
    if column.kind is Kind.FLAG:
        return "yes" if value else "no"
    return str(value)


def write_csv(tables: Sequence[Table], stream: IO[str] | None = None) -> None:
    stream = stream or sys.stdout
    writer = csv.writer(stream, lineterminator="\n")
    for n, table in enumerate(tables):
        if n:
            writer.writerow([])
        if len(tables) > 1:
            writer.writerow([table.title])
        columns = table.spec.columns
        writer.writerow([c.header for c in columns])
        for row in table.rows:
            writer.writerow([csv_value(c, row.get(c.name)) for c in columns])


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(table: Table) -> list[str]:
    lines = [f"**{_cell(table.title)}**", ""] if table.title else []
    if not table.rows:
        return [*lines, table.empty, *([""] + table.notes if table.notes else [])]
    columns = table.spec.columns
    lines.append("| " + " | ".join(_cell(c.header) for c in columns) + " |")
    lines.append("|" + "|".join("---:" if c.kind.numeric else "---" for c in columns) + "|")
    for row in table.rows:
        lines.append("| " + " | ".join(_cell(v) for v in plain(columns, row)) + " |")
    if table.notes:
        lines += ["", *table.notes]
    return lines


def markdown_findings(shown: Sequence[Finding], others: str) -> list[str]:
    lines = [f"- `{f.location}` **{f.severity.value}** `{f.code}` {_cell(f.message)}"
             for f in severity_order(shown)]
    if others:
        lines.append(f"- and {others}" if shown else f"- no findings shown; {others}")
    return [*lines, "", count_line(shown)]


def write_markdown(report: Report, shown: Sequence[Finding], others: str,
                   stream: IO[str] | None = None) -> None:
    stream = stream or sys.stdout
    blocks = [list(report.notes)] if report.notes else []
    blocks += [markdown_table(t) for t in report.tables]
    blocks.append(["**Findings**", "", *markdown_findings(shown, others)])
    stream.write("\n\n".join("\n".join(b) for b in blocks) + "\n")
