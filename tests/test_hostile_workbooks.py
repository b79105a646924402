"""Hostile files are refused with a finding, in bounded time and memory (SPEC §15).

Every case is a real file built here (no mocks) and read by `read_book` in a child process, so
a crash, a hang or a memory blow-up would show as such: the child must finish within its
timeout and report its own peak resident memory (`ru_maxrss`), which stays bounded.
"""
from __future__ import annotations

import hashlib
import shutil
import tempfile
import io
import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from mom_engine import safety
from mom_engine.read import read_book
from mom_engine.report.team_workbook import write_team_workbook

from .builders import team_book
from .conftest import ROOT, located

REFUSED = [(None, None, "book-unreadable")]
ENCRYPTED = [(None, None, "book-encrypted")]
PEAK_MB = 400        # python + pandas + calamine take ~120 MB; a refused file adds ~nothing

PROBE = """
import json, resource, sys
from mom_engine.read import read_book
book = read_book(sys.argv[1])
print(json.dumps({
    "readable": book.readable,
    "findings": [[f.sheet, f.cell, f.code, f.message] for f in book.findings],
    "rows": {name: len(table.frame) for name, table in book.tables.items()},
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def probe(path: Path, timeout: float = 60) -> dict:
    """read_book(path) in a fresh interpreter: its findings and its peak memory."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True,
                          text=True, timeout=timeout, env=env, cwd=path.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    result = json.loads(done.stdout)
    result["located"] = [tuple(f[:3]) for f in result["findings"]]
    return result


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- building hostile packages ----------------------------------------------------------------

@pytest.fixture
def base(tmp_path) -> Path:
    """A small valid team workbook (openpyxl): Plan, Campaigns, Activities, Budget."""
    return team_book(tmp_path / "base.xlsx")


def part_of(path: Path, title: str) -> str:
    with zipfile.ZipFile(path) as archive:
        return safety.sheet_parts(archive.read("xl/workbook.xml"),
                                  archive.read("xl/_rels/workbook.xml.rels"))[title]


def rewrite(source: Path, target: Path, replace: dict[str, bytes | None],
            add: dict[str, bytes] | None = None) -> Path:
    """Copy a package, replacing (or with None dropping) some parts and adding others."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = replace.get(info.filename, old.read(info.filename))
            if data is not None:
                new.writestr(info.filename, data)
        for name, data in (add or {}).items():
            new.writestr(name, data)
    return target


def laughs(levels: int = 9) -> bytes:
    """The "billion laughs" DTD: 10 entities each 10× the previous (10^9 'lol's expanded)."""
    entities = [b'<!ENTITY lol0 "lol">']
    for level in range(1, levels + 1):
        entities.append(b'<!ENTITY lol%d "' % level + b"&lol%d;" % (level - 1) * 10 + b'">')
    return b"<!DOCTYPE worksheet [" + b"".join(entities) + b"]>"


def with_dtd(xml: bytes, *, preamble: bytes = b"") -> bytes:
    """Insert preamble + the laughs DTD right after the XML declaration; use the entity."""
    declaration_end = xml.index(b"?>") + 2 if xml.startswith(b"<?xml") else 0
    body = xml[declaration_end:].replace(b"<t>", b"<t>&lol9;", 1)
    return xml[:declaration_end] + preamble + laughs() + body


def write_raw_zip(path: Path, entries: list[tuple[str, bytes, int, int]]) -> Path:
    """A zip written by hand: (name, raw deflate stream, crc32, declared size) per part, so a
    test can declare any size and ship any stream (what a hostile tool would do)."""
    out = io.BytesIO()
    central = []
    for name, stream, crc, size in entries:
        offset = out.tell()
        encoded = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(stream),
                              size, len(encoded), 0) + encoded + stream)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21,
                                   crc, len(stream), size, len(encoded), 0, 0, 0, 0, 0,
                                   offset) + encoded)
    directory_offset = out.tell()
    directory = b"".join(central)
    out.write(directory + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries),
                                      len(directory), directory_offset, 0))
    path.write_bytes(out.getvalue())
    return path


def deflated(data: bytes) -> tuple[str, bytes, int, int]:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data)


def spaces_stream(megabytes: int) -> tuple[bytes, int]:
    """A raw deflate stream inflating to `megabytes` MiB of spaces, built in milliseconds: after
    the first block every full-flushed 1 MiB block compresses to the same ~1 KB."""
    block = b" " * 2**20
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(block, crc)
    return first + repeated * (megabytes - 1) + compressor.flush(), crc


def bomb_book(base: Path, target: Path, *, megabytes: int, declared: int | None = None) -> Path:
    """The base workbook with its Budget sheet replaced by `megabytes` MiB of spaces."""
    budget = part_of(base, "Budget")
    stream, crc = spaces_stream(megabytes)
    entries = []
    with zipfile.ZipFile(base) as archive:
        for info in archive.infolist():
            if info.filename == budget:
                entries.append((budget, stream, crc,
                                megabytes * 2**20 if declared is None else declared))
            else:
                entries.append((info.filename, *deflated(archive.read(info.filename))))
    return write_raw_zip(target, entries)


# --- XML entity expansion -----------------------------------------------------------------

def test_billion_laughs_in_a_sheet_is_refused(base, tmp_path):
    budget = part_of(base, "Budget")
    with zipfile.ZipFile(base) as archive:
        xml = archive.read(budget)
    hostile = rewrite(base, tmp_path / "laughs-sheet.xlsx", {budget: with_dtd(xml)})
    result = probe(hostile)
    assert result["located"] == REFUSED
    assert "DTD" in result["findings"][0][3] and "laughs-sheet.xlsx" in result["findings"][0][3]
    assert result["peak_mb"] < PEAK_MB


def test_billion_laughs_in_shared_strings_is_refused(tmp_path):
    base = write_team_workbook(tmp_path / "xlsxwriter.xlsx", fiscal_year=2027)  # shared strings
    with zipfile.ZipFile(base) as archive:
        xml = archive.read("xl/sharedStrings.xml")
    assert b"<t>" in xml
    hostile = rewrite(base, tmp_path / "laughs-strings.xlsx",
                      {"xl/sharedStrings.xml": with_dtd(xml)})
    result = probe(hostile)
    assert result["located"] == REFUSED
    assert "xl/sharedStrings.xml" in result["findings"][0][3]
    assert result["peak_mb"] < PEAK_MB


def test_a_dtd_hidden_after_a_long_comment_is_refused(base, tmp_path):
    """The first 2 KB are innocent: the DTD comes after a 100 KB comment (and after a 1 MB
    chunk boundary does not hide it either: the scan carries a cut tag to the next chunk)."""
    budget = part_of(base, "Budget")
    with zipfile.ZipFile(base) as archive:
        xml = archive.read(budget)
    for padding in (100_000, safety.SCAN_CHUNK - 11):   # the second: "<!DOCTYPE" straddles
        preamble = b"<!--" + b"x" * padding + b"-->"
        hostile = rewrite(base, tmp_path / f"comment-{padding}.xlsx",
                          {budget: with_dtd(xml, preamble=preamble)})
        assert located(read_book(hostile).findings) == REFUSED


def test_a_lower_case_or_spaced_doctype_is_refused_too(base, tmp_path):
    budget = part_of(base, "Budget")
    with zipfile.ZipFile(base) as archive:
        xml = archive.read(budget)
    for variant in (b"<!doctype", b"<! DOCTYPE", b"<!Entity"):
        hostile_xml = with_dtd(xml).replace(b"<!DOCTYPE", variant, 1)
        if variant == b"<!Entity":
            hostile_xml = with_dtd(xml).replace(b"<!DOCTYPE worksheet [", b"", 1) \
                .replace(b"<!ENTITY", variant, 1)
        hostile = rewrite(base, tmp_path / "variant.xlsx", {budget: hostile_xml})
        assert located(read_book(hostile).findings) == REFUSED, variant


# --- zip bombs -------------------------------------------------------------------------------

def test_a_sheet_inflating_to_two_gigabytes_is_refused_before_inflating(base, tmp_path):
    hostile = bomb_book(base, tmp_path / "bomb.xlsx", megabytes=2048)
    assert hostile.stat().st_size < 5 * 2**20          # 2 GiB of spaces in ~2 MB
    result = probe(hostile)
    assert result["located"] == REFUSED
    assert "zip bomb" in result["findings"][0][3]
    assert result["peak_mb"] < PEAK_MB


def test_a_part_that_lies_about_its_size_is_refused(base, tmp_path):
    """The directory declares 64 KB, the stream inflates to 2 GiB: the scan stops at the
    declared size, the CRC does not match, the file is refused as damaged — and no later
    parser is ever given it."""
    hostile = bomb_book(base, tmp_path / "liar.xlsx", megabytes=2048, declared=65_536)
    result = probe(hostile)
    assert result["located"] == REFUSED
    assert "damaged" in result["findings"][0][3]
    assert result["peak_mb"] < PEAK_MB


def test_a_highly_compressed_part_under_the_size_limits_is_refused_by_its_ratio(base, tmp_path):
    # 64 MiB of spaces in ~70 KB: about 1000:1, far over the 200:1 limit (real XML: 5–50:1).
    hostile = bomb_book(base, tmp_path / "ratio.xlsx", megabytes=64)
    assert located(read_book(hostile).findings) == REFUSED
    assert "compressed" in read_book(hostile).findings[0].message


def test_many_small_highly_compressed_parts_are_refused_by_the_package_ratio(tmp_path):
    """No part exceeds 1 MB (so no per-part ratio check applies) but together they inflate
    1000:1."""
    block = b" " * (2**20 - 1)
    entries = [(f"xl/media/part{i}.xml", *deflated(block)) for i in range(40)]
    hostile = write_raw_zip(tmp_path / "many.xlsx", entries)
    refusal = safety.inspect_file(hostile)
    assert refusal is not None and refusal[0] == "book-unreadable"
    assert "inflates" in refusal[1]


def test_too_many_parts_are_refused(tmp_path):
    hostile = tmp_path / "parts.xlsx"
    with zipfile.ZipFile(hostile, "w") as archive:
        for index in range(safety.MAX_PARTS + 1):
            archive.writestr(f"p{index}", b"")
    assert located(read_book(hostile).findings) == REFUSED


def test_a_file_over_the_size_limit_is_refused_without_reading_it(tmp_path):
    huge = tmp_path / "huge.xlsx"
    with huge.open("wb") as handle:          # sparse: no disk space is used
        handle.truncate(safety.MAX_FILE_BYTES + 1)
    book = read_book(huge)
    assert located(book.findings) == REFUSED
    assert "limit" in book.findings[0].message


# --- sheet extent: calamine builds a dense rectangle up to the farthest cell -----------------

def add_cells(base: Path, target: Path, title: str, cells: bytes,
              dimension: bytes | None = None) -> Path:
    part = part_of(base, title)
    with zipfile.ZipFile(base) as archive:
        xml = archive.read(part)
    xml = xml.replace(b"</sheetData>", cells + b"</sheetData>")
    if dimension is not None:
        start = xml.index(b"<dimension")
        xml = xml[:start] + dimension + xml[xml.index(b"/>", start) + 2:]
    return rewrite(base, target, {part: xml})


def test_a_value_in_the_last_cell_of_the_grid_is_refused_not_a_crash(base, tmp_path):
    """Without the scan calamine would ask for 1,048,576 × 16,384 cells (512 GB) and abort
    the whole process (a Rust allocation failure cannot be caught)."""
    hostile = add_cells(base, tmp_path / "corner.xlsx", "Budget",
                        b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    result = probe(hostile)
    assert result["located"] == REFUSED
    message = result["findings"][0][3]
    assert "sheet 'Budget'" in message and "XFD1048576" in message
    assert result["peak_mb"] < PEAK_MB


def test_a_huge_sparse_sheet_is_refused(base, tmp_path):
    # A2 … Z400000: 400,000 rows × 26 columns = 10.4 million cells > the 5 million limit.
    hostile = add_cells(base, tmp_path / "sparse.xlsx", "Activities",
                        b'<row r="400000"><c r="Z400000" t="inlineStr"><is><t>x</t></is></c>'
                        b"</row>")
    result = probe(hostile)
    assert result["located"] == REFUSED
    assert "Z400000" in result["findings"][0][3]
    assert result["peak_mb"] < PEAK_MB


def test_styled_empty_cells_far_away_are_not_values(base, tmp_path):
    """Excel writes `<c r="XFD1048576" s="3"/>` for a formatted empty cell; calamine ignores it
    and so do we: the book reads as the base book."""
    styled = add_cells(base, tmp_path / "styled.xlsx", "Budget",
                       b'<row r="1048576"><c r="XFD1048576" s="0"/></row>')
    result = probe(styled)
    assert result["located"] == located(read_book(base).findings)
    assert result["rows"]["Budget"] == 1
    assert result["peak_mb"] < PEAK_MB


def test_an_absurd_declared_dimension_is_ignored(base, tmp_path):
    """`<dimension ref="A1:XFD1048576"/>` is only a claim; the cells decide: same book."""
    claimed = add_cells(base, tmp_path / "dimension.xlsx", "Budget", b"",
                        dimension=b'<dimension ref="A1:XFD1048576"/>')
    with zipfile.ZipFile(claimed) as archive:
        assert b"A1:XFD1048576" in archive.read(part_of(base, "Budget"))
    result = probe(claimed)
    assert result["located"] == located(read_book(base).findings) == []
    assert result["rows"]["Budget"] == 1
    assert result["peak_mb"] < PEAK_MB


def test_a_value_in_the_last_row_of_column_a_is_read(base, tmp_path):
    """Four columns down to row 1,048,576 are 4.2 million cells: within the limits, read, and the
    stray row is reported where it is (its Month is missing)."""
    far = add_cells(base, tmp_path / "far-row.xlsx", "Budget",
                    b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>A1</t></is></c>'
                    b"</row>")
    result = probe(far, timeout=120)
    assert result["located"] == [("Budget", "B1048576", "value-required")]
    assert result["rows"]["Budget"] == 2
    assert result["peak_mb"] < 1000


# --- broken, encrypted, macro-enabled --------------------------------------------------------

def test_a_truncated_workbook_is_refused(base, tmp_path):
    data = base.read_bytes()
    for fraction in (0.3, 0.6, 0.95):
        truncated = tmp_path / f"truncated-{fraction}.xlsx"
        truncated.write_bytes(data[:int(len(data) * fraction)])
        book = read_book(truncated)
        assert located(book.findings) == REFUSED, fraction
        assert book.findings[0].message.startswith(truncated.name)
        assert not book.readable and book.tables == {}


def test_a_corrupted_part_is_refused(base, tmp_path):
    """Flip bytes in the middle of the compressed Budget sheet: the CRC check refuses it."""
    data = bytearray(base.read_bytes())
    with zipfile.ZipFile(base) as archive:
        info = archive.getinfo(part_of(base, "Budget"))
    start = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    data[start:start + 8] = b"\x00" * 8
    corrupted = tmp_path / "corrupted.xlsx"
    corrupted.write_bytes(bytes(data))
    assert located(read_book(corrupted).findings) == REFUSED


@pytest.mark.parametrize("content, name", [
    (b"", "empty.xlsx"), (b"Activity ID,Month\nA1,2027-01\n", "renamed-csv.xlsx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "broken-ole.xls"),
    (b"PK\x03\x04" + b"\x00" * 100, "fake-zip.xlsx"),
])
def test_junk_files_are_refused_with_the_file_named(tmp_path, content, name):
    junk = tmp_path / name
    junk.write_bytes(content)
    book = read_book(junk)
    assert located(book.findings) == REFUSED
    assert name in book.findings[0].message
    assert not book.readable


def test_a_missing_file_and_a_folder_are_refused(tmp_path):
    assert located(read_book(tmp_path / "nowhere.xlsx").findings) == REFUSED
    assert located(read_book(tmp_path).findings) == REFUSED


def test_an_encrypted_workbook_says_save_without_a_password(base, tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile
    encrypted = tmp_path / "secret.xlsx"
    with base.open("rb") as plain, encrypted.open("wb") as out:
        OOXMLFile(plain).encrypt("Secret1!", out)
    assert encrypted.read_bytes()[:8] == safety.OLE_MAGIC
    assert {"EncryptedPackage", "EncryptionInfo"} <= set(safety.ole_stream_names(encrypted))
    result = probe(encrypted)
    assert result["located"] == ENCRYPTED
    assert "without a password" in result["findings"][0][3]
    assert "secret.xlsx" in result["findings"][0][3]


def test_an_encrypted_ods_package_is_book_encrypted(tmp_path):
    manifest = (b'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
                b'"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry '
                b'manifest:full-path="content.xml" manifest:media-type="text/xml">'
                b'<manifest:encryption-data manifest:checksum-type="SHA1"/>'
                b"</manifest:file-entry></manifest:manifest>")
    encrypted = tmp_path / "secret.ods"
    with zipfile.ZipFile(encrypted, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", os.urandom(2000))
    assert located(read_book(encrypted).findings) == ENCRYPTED


def test_a_plain_ole_file_without_encryption_streams_is_not_called_encrypted(tmp_path):
    """An OLE container with other streams (here a bare `Workbook` stream) is not encrypted:
    it is left to calamine, which finds no sheet in it."""
    encrypted_names = {"EncryptedPackage", "EncryptionInfo"}
    ole = tmp_path / "plain.xls"
    ole.write_bytes(_minimal_ole({"Workbook": b"\x00" * 64}))
    assert encrypted_names.isdisjoint(safety.ole_stream_names(ole))
    assert safety.ole_stream_names(ole)[:2] == ["Root Entry", "Workbook"]
    book = read_book(ole)      # calamine opens it and finds no sheet at all
    assert located(book.findings)[0] == (None, None, "sheet-missing")
    assert "book-encrypted" not in {f.code for f in book.findings}


def _minimal_ole(streams: dict[str, bytes]) -> bytes:
    """A tiny MS-CFB file: header, one FAT sector, one directory sector, data sectors (each
    stream stored as ≥4096 bytes so it lives in regular sectors)."""
    sector = 512
    names = ["Root Entry", *streams]
    data_sectors = [payload.ljust(4096, b"\x00") for payload in streams.values()]
    fat = [0xFFFFFFFD, 0xFFFFFFFE]  # sector 0: FAT, sector 1: directory
    starts = []
    for payload in data_sectors:
        count = len(payload) // sector
        start = len(fat)
        starts.append(start)
        fat.extend(range(start + 1, start + count))
        fat.append(0xFFFFFFFE)
    fat_sector = struct.pack(f"<{sector // 4}I", *(fat + [0xFFFFFFFF] * (sector // 4 - len(fat))))
    directory = b""
    for index, name in enumerate(names):
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        kind = 5 if index == 0 else 2
        start = 0xFFFFFFFE if index == 0 else starts[index - 1]
        size = 0 if index == 0 else len(data_sectors[index - 1])
        child = 1 if index == 0 and len(names) > 1 else 0xFFFFFFFF
        entry = encoded.ljust(64, b"\x00") + struct.pack(
            "<HBBIII16sIQQIIi", len(encoded), kind, 1, 0xFFFFFFFF, 0xFFFFFFFF, child,
            b"\x00" * 16, 0, 0, 0, start, size, 0)
        directory += entry
    directory = directory.ljust(sector, b"\x00")
    header = OLE_HEADER(sector_count=1, directory_start=1)
    return header + fat_sector + directory + b"".join(data_sectors)


def OLE_HEADER(*, sector_count: int, directory_start: int) -> bytes:  # noqa: N802
    header = safety.OLE_MAGIC + b"\x00" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
    header += b"\x00" * 6 + struct.pack("<IIIIIIIII", 0, sector_count, directory_start, 0,
                                        4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    header += struct.pack("<109I", 0, *[0xFFFFFFFF] * 108)
    return header


def test_macros_never_run_and_the_vba_project_is_never_opened(base, tmp_path):
    """An .xlsm whose vbaProject.bin is a deflate stream of garbage: anything that inflated it
    would fail, so reading the data proves nothing opened it. An audit hook in the child
    proves no process was started and nothing was executed; the file is byte-identical."""
    content_types_extra = (b'<Default Extension="bin" ContentType="application/'
                           b'vnd.ms-office.vbaProject"/>')
    with zipfile.ZipFile(base) as archive:
        types = archive.read("[Content_Types].xml")
    types = types.replace(b"<Default ", content_types_extra + b"<Default ", 1)
    macro = tmp_path / "macro.xlsm"
    rewrite(base, macro, {"[Content_Types].xml": types},
            add={"xl/vbaProject.bin": b"Attribute VB_Name = \"Auto_Open\"\nShell \"calc\"\n"})
    raw = bytearray(macro.read_bytes())
    with zipfile.ZipFile(macro) as archive:
        info = archive.getinfo("xl/vbaProject.bin")
    start = info.header_offset + 30 + len(info.filename)
    raw[start:start + info.compress_size] = b"\xff" * info.compress_size  # not inflatable
    macro.write_bytes(bytes(raw))
    with zipfile.ZipFile(macro) as archive, pytest.raises((zlib.error, zipfile.BadZipFile)):
        archive.read("xl/vbaProject.bin")
    before = sha256(macro)

    audited = PROBE.replace("from mom_engine.read import read_book", """
events = []
def hook(event, args):
    if event.startswith(("subprocess", "os.system", "os.exec", "os.spawn", "os.posix_spawn",
                         "os.startfile", "os.fork")) or (
            event == "open" and isinstance(args[0], str) and args[0].endswith(".xlsm")
            and args[1] not in ("r", "rb", None)):
        events.append(event)
from mom_engine.read import read_book
sys.addaudithook(hook)
""").replace('"peak_mb"', '"events": events, "peak_mb"')
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", audited, str(macro)], capture_output=True,
                          text=True, timeout=60, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["readable"] and result["events"] == []
    assert [tuple(f[:3]) for f in result["findings"]] == located(read_book(base).findings) == []
    assert result["rows"]["Budget"] == 1
    assert sha256(macro) == before
    budget = read_book(macro).rows("Budget")
    assert budget["Budgeted"].tolist() == [100000]   # 1000.00 → 100,000 cents


def test_a_large_encrypted_workbook_is_found_by_its_ole_directory(base, tmp_path):
    """The OLE directory may sit past the first megabytes of a big encrypted file: it is found
    by following the FAT chain, not by searching the file's head."""
    from msoffcrypto.format.ooxml import OOXMLFile
    padded = rewrite(base, tmp_path / "padded.xlsx", {},
                     add={"xl/media/photo.bin": os.urandom(6 * 2**20)})  # incompressible
    encrypted = tmp_path / "big-secret.xlsx"
    with padded.open("rb") as plain, encrypted.open("wb") as out:
        OOXMLFile(plain).encrypt("Secret1!", out)
    assert encrypted.stat().st_size > 6 * 2**20
    assert {"EncryptedPackage", "EncryptionInfo"} <= set(safety.ole_stream_names(encrypted))
    assert located(read_book(encrypted).findings) == ENCRYPTED


def test_an_ole_header_we_cannot_follow_still_tells_encryption_by_name(tmp_path):
    damaged = tmp_path / "damaged-header.xlsx"
    damaged.write_bytes(safety.OLE_MAGIC + b"\0" * 504 + "EncryptedPackage".encode("utf-16-le")
                        + b"\0" * 2048)
    assert safety.ole_stream_names(damaged) == []
    assert located(read_book(damaged).findings) == ENCRYPTED


def ods_book(path: Path, rows: int, columns: int) -> Path:
    """An .ods whose Budget table has a header and one row of value cells repeated
    `rows` × `columns` times (a few hundred bytes on disk)."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Budget"><table:table-row>'
        '<table:table-cell office:value-type="string"><text:p>Activity ID</text:p>'
        '</table:table-cell></table:table-row>'
        f'<table:table-row table:number-rows-repeated="{rows}"><table:table-cell '
        f'table:number-columns-repeated="{columns}" office:value-type="float" office:value="1">'
        "<text:p>1</text:p></table:table-cell></table:table-row>"
        # what LibreOffice writes to every sheet's end: empty repeats, not values
        '<table:table-row table:number-rows-repeated="1048000"><table:table-cell '
        'table:number-columns-repeated="1024"/></table:table-row>'
        "</table:table></office:spreadsheet></office:body></office:document-content>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
            '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry '
            'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.'
            'spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" '
            'manifest:media-type="text/xml"/></manifest:manifest>'))
    return path


def test_an_ods_whose_repeats_expand_to_millions_of_cells_is_refused(tmp_path):
    """100,000 rows × 100 columns of one repeated value cell: a 700-byte file that made
    calamine build 10 million cells (625 MB) when it was opened."""
    hostile = ods_book(tmp_path / "repeats.ods", 100_000, 100)
    assert hostile.stat().st_size < 2000
    result = probe(hostile)
    assert result["located"] == REFUSED
    assert "sheet 'Budget'" in result["findings"][0][3]
    assert result["peak_mb"] < PEAK_MB


def test_an_ods_with_a_few_repeated_values_and_empty_repeats_is_read(tmp_path):
    """Repeats within the limits (and LibreOffice's empty tail) read normally: 3 rows × 2."""
    book = read_book(ods_book(tmp_path / "small.ods", 3, 2))
    assert book.readable, [f.message for f in book.findings]
    assert book.tables["Budget"].frame["Activity ID"].tolist() == ["1", "1", "1"]


def test_a_hostile_ledger_is_refused_by_reconcile_not_a_crash(base, tmp_path, run_mom):
    """The ERP export is an input too: a .xlsx ledger with a value at XFD1048576 would abort
    calamine; `mom reconcile` refuses it (exit 2, the file and the reason on stderr)."""
    ledger = add_cells(base, tmp_path / "erp.xlsx", "Budget",
                       b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    done = run_mom("reconcile", base, "--ledger", ledger)
    assert done.returncode == 2, done.stderr
    assert "erp.xlsx" in done.stderr and "XFD1048576" in done.stderr
    assert "Traceback" not in done.stderr


def test_parts_that_together_declare_more_than_the_limit_are_refused(tmp_path):
    """Three parts of 400 MB each, compressed only 190:1 (under the ratio limit): the total
    declared size (1.2 GB > 1 GB) refuses the file from its directory, before inflating."""
    declared = 400 * 2**20
    stream = os.urandom(declared // 190)        # never inflated: the directory is enough
    entries = [(f"xl/worksheets/sheet{i}.xml", stream, 0, declared) for i in range(3)]
    hostile = write_raw_zip(tmp_path / "total.xlsx", entries)
    refusal = safety.inspect_file(hostile)
    assert refusal is not None and refusal[0] == "book-unreadable"
    assert "would inflate to more than 1024 MB" in refusal[1]


def test_a_package_without_a_workbook_part_names_the_sheet_part(tmp_path):
    hostile = tmp_path / "parts-only.xlsx"
    with zipfile.ZipFile(hostile, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml",
                         '<worksheet><sheetData><row r="1048576"><c r="XFD1048576"><v>1</v>'
                         "</c></row></sheetData></worksheet>")
    refusal = safety.inspect_file(hostile)
    assert refusal is not None and "xl/worksheets/sheet1.xml" in refusal[1]


def test_column_names_and_numbers_round_trip():
    for number, name in [(1, "A"), (26, "Z"), (27, "AA"), (702, "ZZ"), (703, "AAA"),
                         (16384, "XFD")]:
        assert safety.column_name(number) == name
        assert safety.column_number(name) == number == safety.column_number(name.encode())


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice")
def test_a_far_cell_in_an_xls_is_refused_before_calamine_builds_the_sheet(tmp_path):
    """A legacy .xls (written by LibreOffice) with a value at IV65536, the last cell of its
    65,536 × 256 grid: calamine would build 16.7 million cells (1.1 GB peak measured); the
    BIFF record scan refuses it first."""
    import openpyxl
    source = tmp_path / "far.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "Budget"
    workbook.active["A1"] = "Activity ID"
    workbook.active["IV65536"] = 1
    workbook.save(source)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                        "--convert-to", "xls", "--outdir", str(tmp_path / "xls"), str(source)],
                       capture_output=True, timeout=180)
    far = tmp_path / "xls" / "far.xls"
    assert far.exists()
    result = probe(far)
    assert result["located"] == REFUSED
    assert "sheet 'Budget'" in result["findings"][0][3] and "IV65536" in result["findings"][0][3]
    assert result["peak_mb"] < PEAK_MB


# --- .xlsb: binary records, written by hand (no program here writes .xlsb) -------------------

def _varint(number: int) -> bytes:
    out = b""
    while True:
        low, number = number & 0x7F, number >> 7
        if not number:
            return out + bytes([low])
        out += bytes([low | 0x80])


def _record(kind: int, body: bytes = b"") -> bytes:
    return _varint(kind) + _varint(len(body)) + body


def _wide(text: str) -> bytes:
    return struct.pack("<I", len(text)) + text.encode("utf-16-le")


def xlsb_book(path: Path, cells: list[tuple[int, int, float]]) -> Path:
    """A minimal .xlsb: one sheet 'Budget' of numbers at (row, column), 0-based (BIFF12
    records: BrtBeginSheet, BrtWsDim, BrtBeginSheetData, BrtRowHdr + BrtCellReal …)."""
    last_row, last_column = max(r for r, _, _ in cells), max(c for _, c, _ in cells)
    sheet = _record(129) + _record(148, struct.pack("<IIII", 0, last_row, 0, last_column))
    sheet += _record(145)
    rows: dict[int, list[tuple[int, float]]] = {}
    for row, column, value in cells:
        rows.setdefault(row, []).append((column, value))
    for row in sorted(rows):
        sheet += _record(0, struct.pack("<IIH3sI", row, 0, 300, b"\0\0\0", 0))
        for column, value in rows[row]:
            sheet += _record(5, struct.pack("<IId", column, 0, value))
    sheet += _record(146) + _record(130)
    workbook = (_record(131) + _record(143)
                + _record(156, struct.pack("<II", 0, 1) + _wide("rId1") + _wide("Budget"))
                + _record(144) + _record(132))
    relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.'
            'org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="bin" '
            'ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/></Types>'))
        archive.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
            f'{relationships}/officeDocument" Target="xl/workbook.bin"/></Relationships>'))
        archive.writestr("xl/workbook.bin", workbook)
        archive.writestr("xl/_rels/workbook.bin.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
            f'{relationships}/worksheet" Target="worksheets/sheet1.bin"/></Relationships>'))
        archive.writestr("xl/worksheets/sheet1.bin", sheet)
    return path


def test_a_small_xlsb_is_read_by_calamine(tmp_path):
    book = read_book(xlsb_book(tmp_path / "small.xlsb", [(0, 0, 1.5), (2, 1, 2.25)]))
    assert book.readable
    assert "book-unreadable" not in {f.code for f in book.findings}


def test_a_far_cell_in_an_xlsb_is_refused_not_a_crash(tmp_path):
    """Without the record scan calamine aborts the process (a 512 GB allocation)."""
    hostile = xlsb_book(tmp_path / "far.xlsb", [(0, 0, 1.5), (1_048_575, 16_383, 2.25)])
    result = probe(hostile)
    assert result["located"] == REFUSED
    assert "XFD1048576" in result["findings"][0][3]
    assert result["peak_mb"] < PEAK_MB


@pytest.mark.parametrize("cells, refused", [
    # 9,000 rows × ZZ (702 columns) = 6.3 million cells: over the 5 million limit.
    (b'<row r="9000"><c r="ZZ9000"><v>1</v></c></row>', True),
    # 7,000 × 702 = 4.9 million: within it (the cheap bound, 9,999 × 702, is not: exact count).
    (b'<row r="7000"><c r="ZZ7000"><v>1</v></c></row>', False),
    # 20,000 rows × AA (27 columns) = 540,000 cells: read.
    (b'<row r="20000"><c r="AA20000"><v>1</v></c></row>', False),
    # 150,000 rows × 4 columns (A–D of Budget) = 600,000 cells: read.
    (b'<row r="150000"><c r="A150000"><v>1</v></c></row>', False),
    # The far cell hidden behind other attributes, a tab, a namespace prefix: all found.
    (b'<row r="1048576"><c t="n" s="0" r="XFD1048576"><v>1</v></c></row>', True),
    (b'<row r="1048576"><c\tr="XFD1048576"><v>1</v></c></row>', True),
    (b'<row r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c></row>', True),
    # A styled empty cell is not a value, wherever it is.
    (b'<row r="1048576"><c r="XFD1048576" s="0" /></row>', False),
])
def test_the_sheet_extent_bound_is_exact_at_the_limit(base, tmp_path, cells, refused):
    book = add_cells(base, tmp_path / "extent.xlsx", "Budget", cells)
    refusal = safety.inspect_file(book)
    assert (refusal is not None) == refused, refusal
    if refused:
        assert refusal[0] == "book-unreadable" and "sheet 'Budget'" in refusal[1]


def test_the_macro_port_refuses_a_hostile_book_before_openpyxl_opens_it(base, tmp_path):
    """`python -m udfs.mom_macros validate` opens the book with openpyxl to write its Findings
    sheet: the same safety checks run first (exit 2, the file and the reason, no output)."""
    budget = part_of(base, "Budget")
    with zipfile.ZipFile(base) as archive:
        xml = archive.read(budget)
    hostile = rewrite(base, tmp_path / "laughs.xlsx", {budget: with_dtd(xml)})
    output = tmp_path / "out.xlsx"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "udfs.mom_macros", "validate", str(hostile),
                           "-o", str(output)], capture_output=True, text=True, timeout=60,
                          env=env, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "laughs.xlsx" in done.stderr and "DTD" in done.stderr
    assert "Traceback" not in done.stderr
    assert not output.exists()
