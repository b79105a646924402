"""Safe output files: atomic writes and workbooks that never turn text into formulas (SPEC §15)."""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from collections.abc import Iterable, Iterator

import xlsxwriter

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


class OutputError(Exception):
    """An output cannot be written where asked (a usage problem, exit status 2)."""


def refuse_overwriting_inputs(output: str | Path, inputs: Iterable[str | Path]) -> None:
    """An output path equal to an input path is refused: inputs are only ever read (SPEC §15).

    "Equal" means the same file, however it is spelled: resolved paths (symlinks, `..`) and,
    when both exist, the same inode (hard links, case-insensitive file systems)."""
    target = Path(output).resolve()
    for path in inputs:
        path = Path(path)
        same = path.resolve() == target
        if not same and target.exists() and path.exists():
            try:
                same = os.path.samefile(path, target)
            except OSError:
                same = False
        if same:
            raise OutputError(f"the output {output} is one of the input workbooks ({path}); "
                              "inputs are never written — choose another output name")


TEMPORARY_SUFFIX = ".tmp"


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success rename it over `target`.

    A crash (or an exception) mid-write leaves the previous `target` as it was: the rename is
    atomic on one file system, which is why the temporary file sits in the same folder. The
    temporary name carries our process id (`.report.<pid>.<random>.xlsx.tmp`); a process killed
    outright (SIGKILL, power loss) cannot clean up, so the next write of the same target
    removes leftovers whose process is gone. The file gets the usual permissions (umask), not
    mkstemp's private 0600, and is flushed to disk before the rename.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(target)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.stem}.{os.getpid()}.",
                                         suffix=target.suffix + TEMPORARY_SUFFIX,
                                         dir=target.parent)
    os.close(handle)
    temporary_path = Path(temporary)
    try:
        yield temporary_path
        _flush_to_disk(temporary_path)
        os.chmod(temporary_path, 0o666 & ~_umask())
        os.replace(temporary_path, target)
    finally:
        temporary_path.unlink(missing_ok=True)


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Delete temporaries of `target` left by processes that no longer run."""
    removed = []
    pattern = f".{target.stem}.*{target.suffix}{TEMPORARY_SUFFIX}"
    for leftover in target.parent.glob(pattern):
        parts = leftover.name[len(target.stem) + 2:].split(".", 1)
        if not parts[0].isdigit() or _process_alive(int(parts[0])):
            continue
        try:
            leftover.unlink()
            removed.append(leftover)
        except OSError:
            pass
    return removed


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":  # pragma: no cover - no cheap liveness test; keep the file
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _flush_to_disk(path: Path) -> None:
    try:
        with path.open("rb+") as handle:
            os.fsync(handle.fileno())
    except OSError:  # pragma: no cover - e.g. a file system without fsync
        pass


def _umask() -> int:
    """The process umask, read without changing it where the OS tells it (Linux): setting it
    to read it would briefly give other threads' new files no protection."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # pragma: no cover - not Linux
    os.umask(mask)  # pragma: no cover
    return mask  # pragma: no cover


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


WIDE_COLUMNS = 7          # a sheet with more used columns than this prints landscape


def set_up_printing(workbook: xlsxwriter.Workbook, title: str,
                    as_of: str | None = None) -> None:
    """Print setup on every sheet of a workbook MOM writes (issue 13): one page wide (as many
    pages tall as it takes), landscape when wide, the header row of the sheet's first table (or
    row 1 of a rollup sheet) repeated on every page, the title and as-of date in the page header,
    sheet name and page number in the footer. Call it just before `close()`: it reads each
    sheet's used range, so every sheet a writer adds gets it without asking."""
    shown = _header_text(title)
    stamp = f"as of {as_of}" if as_of else "&D"
    for sheet in workbook.worksheets():
        sheet.fit_to_pages(1, 0)
        columns = (sheet.dim_colmax or 0) + 1
        if columns > WIDE_COLUMNS or sheet.name == "Dashboard" or sheet.charts:
            sheet.set_landscape()
        header_row = _header_row(sheet)
        if header_row is not None:
            sheet.repeat_rows(header_row)
        sheet.set_header(f'&L&"-,Bold"{shown}&R{stamp}')
        sheet.set_footer(f"&L{_header_text(sheet.name)}&RPage &P of &N")
        sheet.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)


def _header_text(text: str) -> str:
    """Text for a page header: `&` doubled (it starts a code), at most 100 characters."""
    return text.replace("&", "&&")[:100]


def _header_row(sheet: object) -> int | None:
    """The row to repeat: the first table's header, else row 1 of a sheet with a frozen header."""
    tables = getattr(sheet, "tables", [])
    if tables:
        first = tables[0]["range"].split(":")[0]
        return int("".join(ch for ch in first if ch.isdigit())) - 1
    if getattr(sheet, "name", "") in ("Dashboard", "Instructions"):
        return None
    return 0
