"""Safe output files: atomic writes and workbooks that never turn text into formulas (SPEC §15)."""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

import xlsxwriter

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


class OutputError(Exception):
    """An output cannot be written where asked (a usage problem, exit status 2)."""


def refuse_overwriting_inputs(output: Path, inputs: Iterable[Path]) -> None:
    """An output path equal to an input path is refused: inputs are only ever read."""
    target = output.resolve()
    for path in inputs:
        if Path(path).resolve() == target:
            raise OutputError(f"the output {output} is one of the input workbooks; inputs are "
                              "never written — choose another output name")


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success rename it over `target`.

    A crash (or an exception) mid-write leaves the previous `target` as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix + ".tmp",
                                         dir=target.parent)
    os.close(handle)
    temporary_path = Path(temporary)
    try:
        yield temporary_path
        os.replace(temporary_path, target)
    finally:
        temporary_path.unlink(missing_ok=True)


def new_workbook(path: str | Path, *, constant_memory: bool = False) -> xlsxwriter.Workbook:
    """An XlsxWriter workbook that writes every string as a string: no formula, URL or number
    is ever guessed from user text (formula injection, SPEC §15).

    `constant_memory` flushes each finished row to disk (rows must then be written in order
    within a sheet): for big reports whose size grows with the number of inputs."""
    return xlsxwriter.Workbook(str(path), {
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "nan_inf_to_errors": True,
        "remove_timezone": True,
        "constant_memory": constant_memory,
    })
