"""Terminal output: findings location-first, tables through rich."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table as RichTable

from ..findings import Finding, Severity

SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def print_findings(findings: Sequence[Finding], out: Console | None = None) -> None:
    """`team.xlsx!Budget!C7  value-type  message` — one line each, then a count."""
    out = out or console()
    for finding in findings:
        style = SEVERITY_STYLE[finding.severity]
        out.print(f"{finding.location}  [{style}]{finding.code}[/]  ", end="")
        out.print(finding.message, markup=False)
    print_summary(findings, out)


def print_summary(findings: Iterable[Finding], out: Console | None = None) -> None:
    out = out or console()
    counts = Counter(f.severity for f in findings)
    errors, warnings = counts[Severity.ERROR], counts[Severity.WARNING]
    if not errors and not warnings:
        out.print("[green]no problems found[/]")
    else:
        out.print(f"{errors} error{'s' * (errors != 1)}, "
                  f"{warnings} warning{'s' * (warnings != 1)}")


def print_table(rows: Sequence[dict[str, Any]], columns: Sequence[str], *,
                title: str | None = None, out: Console | None = None,
                formats: dict[str, str] | None = None) -> None:
    """A list of row dicts as a terminal table; numbers right-aligned."""
    out = out or console()
    formats = formats or {}
    table = RichTable(title=title, show_lines=False)
    for column in columns:
        numeric = any(isinstance(r.get(column), (int, float)) and not isinstance(
            r.get(column), bool) for r in rows)
        table.add_column(column, justify="right" if numeric else "left")
    for row in rows:
        table.add_row(*(format_cell(row.get(c), formats.get(c)) for c in columns))
    out.print(table)


def format_cell(value: Any, spec: str | None = None) -> str:
    if value is None:
        return ""
    if spec and isinstance(value, (int, float)):
        return format(value, spec)
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
