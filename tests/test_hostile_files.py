"""What a file does to the reader cannot abort, hang or silently shrink a read (SPEC §15).

Every hostile file is built here (no mocks) and read in a child process where a crash would
show: a Rust allocation failure aborts the process (exit 134), which no `except` can catch, so
the safety scan and calamine must agree on what a sheet is and how far it reaches.
"""
from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import zipfile
from pathlib import Path

import pytest

from mom_engine import safety
from mom_engine.read import read_book

from .builders import team_book
from .conftest import ROOT, located
from .test_hostile_workbooks import PEAK_MB, REFUSED, add_cells, part_of, probe

FAR_ROW = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'


@pytest.fixture
def base(tmp_path) -> Path:
    return team_book(tmp_path / "base.xlsx")


def assert_refused_far(result: dict, name: str) -> None:
    assert result["located"] == REFUSED, result["findings"]
    message = result["findings"][0][3]
    assert message.startswith(name) and "1,048,576 rows" in message, message
    assert result["peak_mb"] < PEAK_MB


def moved_sheet(base: Path, target: Path, *, folder: str = "xl/other") -> Path:
    """The Budget sheet, with a far-away cell, moved to another folder; rels and content
    types updated so calamine finds it there."""
    part = part_of(base, "Budget")
    moved = f"{folder}/{part.rsplit('/', 1)[1]}"
    with zipfile.ZipFile(base) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            name, data = info.filename, old.read(info.filename)
            if name == part:
                name, data = moved, data.replace(b"</sheetData>", FAR_ROW + b"</sheetData>")
            elif name == "xl/_rels/workbook.xml.rels":
                data = data.replace(part.removeprefix("xl/").encode(),
                                    moved.removeprefix("xl/").encode())
            elif name == "[Content_Types].xml":
                data = data.replace(f"/{part}".encode(), f"/{moved}".encode())
            new.writestr(name, data)
    return target


def backslash_sheet(base: Path, target: Path) -> Path:
    """The Budget sheet, with a far-away cell, stored under a zip name with backslashes
    (`xl\\worksheets\\sheet4.xml`, as some Windows tools write); calamine still finds it."""
    part = part_of(base, "Budget")
    with zipfile.ZipFile(base) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            name, data = info.filename, old.read(info.filename)
            if name == part:
                name = part.replace("/", "\\")
                data = data.replace(b"</sheetData>", FAR_ROW + b"</sheetData>")
            new.writestr(name, data)
    return target


# --- far-away cells, however spelled --------------------------------------------------------

@pytest.mark.parametrize("cells", [
    pytest.param(b"<row r='1048576'><c r='XFD1048576'><v>1</v></c></row>", id="single-quoted"),
    pytest.param(b'<row r="1048576"><c r="xfd1048576"><v>1</v></c></row>', id="lowercase"),
    pytest.param(b'<row r="1048576">' + b"<c><v>1</v></c>" * 16_384 + b"</row>",
                 id="cells-without-r"),
    pytest.param(b'<row r = "1048576"><c  r = "XFD1048576" ><v>1</v></c></row>', id="spaced"),
    pytest.param(b'<row r="1048576"><c t="n" r="XFD1048576"><v>1</v></c></row>',
                 id="r-not-first"),
    pytest.param(b'<x:row r="1048576" xmlns:x="http://schemas.openxmlformats.org/'
                 b'spreadsheetml/2006/main"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>',
                 id="prefixed"),
])
def test_a_far_away_cell_in_any_spelling_is_refused_not_an_abort(base, tmp_path, cells):
    hostile = add_cells(base, tmp_path / "far.xlsx", "Budget", cells)
    assert_refused_far(probe(hostile), "far.xlsx")


def test_rows_without_r_are_counted_like_calamine_counts_them(base, tmp_path):
    """1,048,577 rows without `r` put a value on row 1,048,578 (plus the header rows)."""
    rows = b"<row><c><v>1</v></c></row>" * 1_048_577
    hostile = add_cells(base, tmp_path / "tall.xlsx", "Budget", rows)
    result = probe(hostile, timeout=180)
    assert result["located"] == REFUSED
    assert "tall.xlsx" in result["findings"][0][3]


def test_a_sheet_moved_to_another_folder_is_scanned_like_any_sheet(base, tmp_path):
    for folder in ("xl/other", "xl/theme", "elsewhere"):
        hostile = moved_sheet(base, tmp_path / "moved.xlsx", folder=folder)
        assert_refused_far(probe(hostile), "moved.xlsx")


def test_a_sheet_named_with_backslashes_in_the_zip_is_scanned_too(base, tmp_path):
    hostile = backslash_sheet(base, tmp_path / "backslash.xlsx")
    assert_refused_far(probe(hostile), "backslash.xlsx")


def test_a_far_away_cell_never_reaches_consolidation_stderr(base, tmp_path, run_mom):
    teams = tmp_path / "teams"
    teams.mkdir()
    shutil.copy(base, teams / "good.xlsx")
    add_cells(base, teams / "far.xlsx", "Budget",
              b"<row r='1048576'><c r='XFD1048576'><v>1</v></c></row>")
    done = run_mom("consolidate", teams, "-o", tmp_path / "out.xlsx", "--json", "--workers", "1")
    assert done.returncode == 1, done.stderr[-2000:]
    assert "memory allocation" not in done.stderr and "panicked" not in done.stderr
    report = json.loads(done.stdout)
    assert report["books"] == {"read": 1, "failed": 1}
    assert [(f["book"], f["code"]) for f in report["findings"]
            if f["code"] == "book-unreadable"] == [("far.xlsx", "book-unreadable")]


def test_an_ordinary_sheet_is_still_read_after_the_stricter_scan(base, tmp_path):
    """Regular spellings that stay in bounds are read as before (no false refusal)."""
    near = add_cells(base, tmp_path / "near.xlsx", "Budget",
                     b"<row r='3'><c r='a3' t='inlineStr'><is><t>A1</t></is></c>"
                     b"<c r='b3'><v>46023</v></c></row>")
    book = read_book(near)
    assert book.readable and located(book.findings) == []
    assert len(book.rows("Budget")) == 2


# --- one read of one file: what is checked is what is read -----------------------------------

OPENS = """
import json, sys
opened = []
def hook(event, args):
    if event == "open" and str(args[0]) == sys.argv[1]:
        opened.append(str(args[1]))
sys.addaudithook(hook)
from mom_engine.read import read_book
book = read_book(sys.argv[1])
print(json.dumps({"readable": book.readable, "opens": opened}))
"""


def test_the_file_is_opened_once_and_checked_and_read_from_the_same_bytes(base, tmp_path):
    done = subprocess.run([sys.executable, "-c", OPENS, str(base)], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["readable"] and len(result["opens"]) == 1


def test_a_file_swapped_while_it_is_read_never_aborts(base, tmp_path):
    """A thread swaps a good book and a far-away one under the same name while a child reads
    it 40 times: every read is either the good book or a refusal, never an abort."""
    far = add_cells(base, tmp_path / "far-source.xlsx", "Budget", FAR_ROW)
    target = tmp_path / "swapped.xlsx"
    shutil.copy(base, target)
    stop = threading.Event()

    def swap() -> None:
        while not stop.is_set():
            for source in (base, far):
                staging = tmp_path / "staging.xlsx"
                shutil.copy(source, staging)
                os.replace(staging, target)

    script = ("import sys\nfrom mom_engine.read import read_book\n"
              "for _ in range(40):\n    book = read_book(sys.argv[1])\n"
              "    assert book.readable or book.findings[0].code == 'book-unreadable'\n")
    thread = threading.Thread(target=swap, daemon=True)
    thread.start()
    try:
        done = subprocess.run([sys.executable, "-c", script, str(target)], capture_output=True,
                              text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    finally:
        stop.set()
        thread.join()
    assert done.returncode == 0, done.stderr[-2000:]


# --- only regular files ------------------------------------------------------------------------

def test_a_fifo_named_xlsx_is_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    result = probe(fifo, timeout=30)
    assert result["located"] == REFUSED
    assert result["findings"][0][3] == "pipe.xlsx is not a regular file (a named pipe); " \
                                       "only workbook files are read"


def test_a_symlink_to_dev_zero_named_xlsx_is_refused_at_once(tmp_path):
    link = tmp_path / "zero.xlsx"
    link.symlink_to("/dev/zero")
    result = probe(link, timeout=30)
    assert result["located"] == REFUSED
    assert result["findings"][0][3] == "zero.xlsx is not a regular file (a device); " \
                                       "only workbook files are read"


# --- what calamine would read as empty -----------------------------------------------------------

def test_a_utf16_sheet_part_is_refused_with_the_reason(base, tmp_path):
    part = part_of(base, "Budget")
    with zipfile.ZipFile(base) as archive:
        xml = archive.read(part).decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    hostile = add_cells(base, tmp_path / "utf16.xlsx", "Budget", b"")
    from .test_hostile_workbooks import rewrite
    rewrite(base, hostile, {part: xml.encode("utf-16")})
    result = probe(hostile)
    assert result["located"] == REFUSED
    message = result["findings"][0][3]
    assert message.startswith("utf16.xlsx: sheet 'Budget' is encoded as UTF-16"), message
    assert safety.inspect_file(hostile) == ("book-unreadable", message)


# --- legacy .xls -----------------------------------------------------------------------------------

def libreoffice_xls(source: Path, folder: Path) -> Path:
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                        "--convert-to", "xls", "--outdir", str(folder), str(source)],
                       capture_output=True, timeout=180)
    converted = folder / (source.stem + ".xls")
    assert converted.exists()
    return converted


def with_filepass(xls: Path, target: Path) -> Path:
    """The .xls with a FILEPASS record (RC4, as Excel 97–2003 writes for "Encrypt with
    Password") right after the workbook globals' BOF. The records after it are left as they
    are (not really encrypted): what tells an encrypted .xls is this record, and msoffcrypto,
    an independent reader, agrees that the result is encrypted."""
    import olefile
    with olefile.OleFileIO(str(xls)) as ole:
        stream = ole.openstream("Workbook").read()
        size = len(stream)
    bof_length = struct.unpack_from("<H", stream, 2)[0]
    cut = 4 + bof_length
    # FILEPASS: wEncryptionType 1 (RC4), then RC4 header version 1.1, salt, verifier, hash.
    body = struct.pack("<HHH", 1, 1, 1) + bytes(range(16)) + bytes(16) + bytes(16)
    record = struct.pack("<HH", 0x002F, len(body)) + body
    # olefile rewrites a stream in place at its length: make room by shortening the
    # WRITEACCESS record (the user name, 112 bytes) by as much as FILEPASS takes.
    position = cut
    while struct.unpack_from("<H", stream, position)[0] != 0x005C:
        position += 4 + struct.unpack_from("<H", stream, position + 2)[0]
    length = struct.unpack_from("<H", stream, position + 2)[0]
    kept = length - len(record)
    assert kept >= 0
    changed = (stream[:cut] + record + stream[cut:position]
               + struct.pack("<HH", 0x005C, kept) + stream[position + 4:position + 4 + kept]
               + stream[position + 4 + length:])
    assert len(changed) == size
    shutil.copy(xls, target)
    with olefile.OleFileIO(str(target), write_mode=True) as ole:
        ole.write_stream("Workbook", changed)
    return target


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice")
def test_an_encrypted_xls_is_book_encrypted(base, tmp_path):
    import msoffcrypto
    xls = libreoffice_xls(base, tmp_path / "xls")
    encrypted = with_filepass(xls, tmp_path / "locked.xls")
    with encrypted.open("rb") as handle:
        assert msoffcrypto.OfficeFile(handle).is_encrypted()
    result = probe(encrypted)
    assert result["located"] == [(None, None, "book-encrypted")]
    assert result["findings"][0][3].startswith("locked.xls: the workbook is password-protected")


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice")
def test_rows_of_nothing_but_formulas_in_a_libreoffice_xls_are_template_rows(tmp_path):
    """The team template carries formula rows below the data (Activities' Budgeted … Remaining
    columns); LibreOffice saves them in .xls with cached values (0, #N/A). Such a row is a
    template row, not a record: the .xls validates like the .xlsx it was saved from."""
    from mom_engine.report.team_workbook import write_team_workbook
    from .builders import DEFAULT_PLAN, DEFAULT_SHEETS
    source = write_team_workbook(tmp_path / "team-0001.xlsx", plan=DEFAULT_PLAN,
                                 tables=DEFAULT_SHEETS)
    expected = located(read_book(source).findings)
    xls = libreoffice_xls(source, tmp_path / "xls")
    book = read_book(xls)
    assert located(book.findings, "value-required", "value-type") == []
    assert located(book.findings) == expected
    assert len(book.rows("Activities")) == len(read_book(source).rows("Activities")) == 1
