"""`--detail DIR`: every sheet's accepted rows as one Parquet dataset per sheet (SPEC §11).

The worker turns a book's accepted rows into Arrow tables (`detail_tables`), which travel back
with its `BookResult`; the parent's `DetailWriter` appends them to one file per sheet,
`DIR/<Sheet>/part-000000.parquet`, in row groups of about `ROW_GROUP_ROWS` rows — a few large
files however many books there are, written by one process, so with `--scheduler` DIR need only
be reachable from this machine. Each file is written beside its target and renamed into place
when the run completes (flushed to disk once); parts an earlier run left are removed then, so
the folder holds this run's dataset only. A book whose sheet brings extra (undeclared) columns
the open file does not have starts the sheet's next part, so nothing is dropped; rows are in
the order the books finished.
"""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pandas as pd

from ..model import Book
from .results import BookResult

ROW_GROUP_ROWS = 65_536
PART_NAME = "part-{:06d}.parquet"


def detail_tables(book: Book, result: BookResult) -> dict[str, Any]:
    """Each present sheet's accepted rows as an Arrow table (pyarrow).

    Extra (undeclared) columns are kept, as text, so nothing is dropped (SPEC §3); `_book` and
    `_plan_id` say where each row came from; `_row` is its Excel row.
    """
    import pyarrow as pa

    tables = {}
    for name, table in book.tables.items():
        if not table.present:
            continue
        rows = table.rows
        count = len(rows)
        names, arrays = ["_book", "_plan_id"], [pa.array([result.name] * count, pa.large_string()),
                                                pa.array([result.plan_id] * count, pa.large_string())]
        for column in rows.columns:
            if column == "_rejected":       # every row here is accepted
                continue
            names.append(column)
            arrays.append(_arrow_column(rows[column], column in table.extra_columns))
        tables[name] = pa.Table.from_arrays(arrays, names=names)
    return tables


def _arrow_column(values: pd.Series, extra: bool) -> Any:
    """One column as Arrow: extra columns as text (blank → null), object columns as text, the
    rest as pandas converts them. Straight to Arrow, no DataFrame in between (a speed-up,
    SPEC §15); a column of mixed objects takes pandas' "string" conversion as before."""
    import pyarrow as pa
    if extra:
        return pa.array([_extra_text(value) for value in values.tolist()], type=pa.large_string())
    if values.dtype == object:
        try:
            return pa.array(values.to_numpy(), type=pa.large_string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            values = values.astype("string")
    return pa.Array.from_pandas(values)


def _extra_text(value: Any) -> str | None:
    """An extra column's cell as text; a blank cell (None, NaN, NA, "") is null, not "nan"."""
    if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "":
        return None
    return str(value)


class DetailWriter:
    """Appends each book's detail tables to one Parquet file per sheet (see the module)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.files = contextlib.ExitStack()
        self.writers: dict[str, Any] = {}      # sheet → open pq.ParquetWriter
        self.parts: dict[str, int] = {}        # sheet → number of its current part
        self.pending: dict[str, list[Any]] = {}
        self.pending_rows: dict[str, int] = {}

    def __enter__(self) -> DetailWriter:
        return self

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        if kind is None:
            self.close()
        else:   # a failed run leaves the earlier dataset as it was
            self.files.__exit__(kind, error, trace)

    def add(self, result: BookResult) -> None:
        """Buffer one book's tables; a sheet's buffer becomes a row group when it is large."""
        for sheet, table in result.detail.items():
            self.pending.setdefault(sheet, []).append(table)
            self.pending_rows[sheet] = self.pending_rows.get(sheet, 0) + table.num_rows
            if self.pending_rows[sheet] >= ROW_GROUP_ROWS:
                self.flush(sheet)
        result.detail = {}

    def flush(self, sheet: str) -> None:
        import pyarrow as pa
        tables = self.pending.pop(sheet, [])
        self.pending_rows.pop(sheet, None)
        if not tables:
            return
        table = pa.concat_tables(tables, promote_options="permissive")
        writer = self.writers.get(sheet)
        if writer is not None:
            fitted = _fit(table, writer.schema)
            if fitted is None:   # new columns: this sheet's next part
                writer.close()
                writer = None
            else:
                table = fitted
        if writer is None:
            writer = self.open(sheet, table.schema)
        writer.write_table(table)

    def open(self, sheet: str, schema: Any) -> Any:
        import pyarrow.parquet as pq

        from ..report.files import atomic_path
        number = self.parts.get(sheet, -1) + 1
        self.parts[sheet] = number
        target = self.folder / sheet / PART_NAME.format(number)
        temporary = self.files.enter_context(atomic_path(target))
        writer = pq.ParquetWriter(str(temporary), schema)
        self.files.callback(writer.close)
        self.writers[sheet] = writer
        return writer

    def close(self) -> None:
        """Write what is buffered, close every file, remove the earlier run's parts and rename
        this run's into place."""
        for sheet in list(self.pending):
            self.flush(sheet)
        for writer in self.writers.values():
            writer.close()
        clear_detail(self.folder)
        self.files.close()


def _fit(table: Any, schema: Any) -> Any:
    """`table` with `schema`'s columns (missing ones null) when it has no column of its own
    that `schema` lacks and the types agree; else None."""
    import pyarrow as pa
    if not set(table.schema.names) <= set(schema.names):
        return None
    columns = []
    for field in schema:
        if field.name in table.schema.names:
            column = table.column(field.name)
            if column.type != field.type:
                try:   # e.g. string ↔ large_string, or a column that is null in every row
                    column = column.cast(field.type)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                    return None
            columns.append(column)
        else:
            columns.append(pa.nulls(len(table), field.type))
    return pa.Table.from_arrays(columns, schema=schema)


def clear_detail(folder: Path) -> None:
    """Remove the parts an earlier run left (only our own `part-*.parquet` names)."""
    if folder.is_dir():
        for part in folder.glob("*/part-*.parquet"):
            part.unlink()
