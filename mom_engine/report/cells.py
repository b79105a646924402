"""Streaming a table into a constant-memory XlsxWriter sheet, one column's cells at a time.

A writer converts each column once, column-wise (`Cells`: the values, None where blank, and
the function that writes one of them), then `write_rows` streams them row by row, left to
right — the order a constant-memory sheet needs — so what is left per cell is XlsxWriter's own
work.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

Cells: TypeAlias = tuple[list[Any], Callable[[int, int, Any], Any]]


def write_rows(columns: list[Cells], first_row: int) -> None:
    """Write the columns' cells row by row from `first_row`, column 0 first, leaving blank
    cells (None) out."""
    writers = [writer for _, writer in columns]
    for row, values in enumerate(zip(*(cells for cells, _ in columns), strict=True),
                                 start=first_row):
        for index, value in enumerate(values):
            if value is not None:
                writers[index](row, index, value)
