"""`--detail DIR`: row-level Parquet written by the worker itself (SPEC §11)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..model import Book
from .results import BookResult


def write_detail(book: Book, result: BookResult, folder: Path) -> list[str]:
    """Each present sheet's accepted rows → DIR/<Sheet>/part-<index>.parquet (pyarrow).

    Extra (undeclared) columns are kept, as text, so nothing is dropped (SPEC §3); `_book` and
    `_plan_id` say where each row came from; `_row` is its Excel row.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ..report.files import atomic_path

    parts = []
    for name, table in book.tables.items():
        if not table.present:
            continue
        rows = table.rows.drop(columns="_rejected")
        data = {}
        for column in rows.columns:
            values = rows[column]
            if column in table.extra_columns:
                values = values.map(lambda v: None if v is None or v == "" else str(v))
                values = values.astype("string")
            elif values.dtype == object:
                values = values.astype("string")
            data[column] = values.reset_index(drop=True)
        frame = pd.DataFrame(data)
        frame.insert(0, "_plan_id", pd.Series([result.plan_id] * len(frame), dtype="string"))
        frame.insert(0, "_book", pd.Series([result.name] * len(frame), dtype="string"))
        arrow = pa.Table.from_pandas(frame, preserve_index=False)
        target = folder / name / f"part-{result.index:06d}.parquet"
        with atomic_path(target) as temporary:
            pq.write_table(arrow, temporary)
        parts.append(str(target))
    return parts


def clear_detail(folder: Path) -> None:
    """Remove the parts an earlier run left (only our own `part-*.parquet` names)."""
    if folder.is_dir():
        for part in folder.glob("*/part-*.parquet"):
            part.unlink()
