"""Synthetic in-memory tables for the engine benchmarks (no workbook I/O in the timing)."""
from __future__ import annotations

import numpy as np

from mom_engine.model import Table, empty_frame
from mom_engine.sheets import SHEETS


def table(name: str, columns: dict[str, np.ndarray], count: int) -> Table:
    """A declared sheet of `count` accepted rows (Excel rows 2…) with the given columns."""
    frame = empty_frame(SHEETS[name]).reindex(range(count))
    for column, values in columns.items():
        frame[column] = values
    frame["_row"] = np.arange(2, count + 2)
    frame["_rejected"] = False
    return Table(SHEETS[name], frame, title=name, letters={c: "A" for c in columns})
