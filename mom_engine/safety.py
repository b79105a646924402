"""Refuse unsafe or hopeless files before any parser inflates them (SPEC §15).

Input workbooks are data, never code: nothing here (or anywhere in MOM) runs a macro, and a
`vbaProject.bin` is never opened. Before calamine opens a package we check, in this order:

1. the file itself: exists, not empty, at most `MAX_FILE_BYTES`;
2. an OLE container (legacy .xls, or an encrypted OOXML/ODF package): its directory is read and
   an `EncryptedPackage` / `EncryptionInfo` stream means "password-protected" (`book-encrypted`);
3. a zip package, from its directory: number of parts, declared size of each part and of all
   parts together, and the compression ratio of the whole package (zip bombs);
4. every XML part is then inflated *as a stream* (1 MB at a time, never held whole) to check
   what the directory only claims: that it inflates to its declared size with a good CRC (a
   part that lies about its size is refused, so no parser after us inflates more than the
   limits), that it declares no DTD anywhere (entity expansion — "billion laughs"; OOXML and
   ODF never need one; a DTD hidden after a long comment is found too), and, for worksheets,
   how far its cells reach (below);
5. ODF packages whose manifest declares encryption are `book-encrypted` too.

**Sheet extent.** calamine builds each sheet as a dense rectangle from the first to the last
cell holding a value, so one value at `XFD1048576` asks for 17 billion cells and aborts the
process (a Rust allocation failure cannot be caught). So before calamine runs, the farthest
value cell of every sheet is found — in the worksheet XML of .xlsx/.xlsm (styled empty cells
`<c r=".." s=".."/>` hold no value and are ignored, as calamine ignores them), in the records
of .xlsb worksheets and of the .xls Workbook stream, and in an .ods `content.xml` with its
row/column repeats expanded — and a workbook whose sheet spans more than `MAX_SHEET_ROWS` rows
or `MAX_SHEET_CELLS` cells is refused. Refused whole rather than truncated: calamine cannot
read part of a sheet, and a silently shortened table would lose rows. `check_sheet_size`
repeats the bound after calamine has built a sheet, before it becomes Python objects.

Every refusal is `(code, message)`; the message names the file, the reason and the fix.
"""
from __future__ import annotations

import errno
import html
import io
import os
import posixpath
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterator

MAX_FILE_BYTES = 200 * 1024 * 1024          # a team workbook is a few MB; 200 MB is absurd
MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024  # all parts together, as declared in the zip
MAX_PART_BYTES = 512 * 1024 * 1024           # one part
MAX_RATIO = 200            # uncompressed ÷ compressed, for one part or the whole package …
RATIO_FLOOR_BYTES = 1024 * 1024  # … once it inflates to more than this (tiny parts may be 1000:1)
MAX_PARTS = 10_000
MAX_SHEET_ROWS = 1_048_576          # Excel's own limit: a far-down row alone is fine
MAX_SHEET_CELLS = 5_000_000         # rows × columns of one sheet's rectangle (~0.5 GB)
SCAN_CHUNK = 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ZIP_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".ods")

ENCRYPTED_MESSAGE = ("the workbook is password-protected (encrypted); save a copy without a "
                     "password (File > Info > Protect Workbook > Encrypt with Password, clear "
                     "it) and run again")

_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_WORKSHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$", re.IGNORECASE)
_XML_PART = re.compile(r"\.(xml|rels|vml)$", re.IGNORECASE)
# Parts no reader of ours inflates (calamine reads the workbook, its relationships, shared
# strings, styles, tables and the sheets asked for): not scanned, to save time.
# Their declared sizes still count against the limits.
_UNREAD_PART = re.compile(r"^(docProps/|xl/theme/|xl/drawings/|xl/charts/|xl/media/|customXml/"
                          r"|xl/printerSettings/|xl/worksheets/_rels/|Thumbnails/|Configurations2/)",
                          re.IGNORECASE)


class Refused(Exception):
    """A file (or one of its sheets) is refused; `code` and `message` make the finding."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def inspect_file(path: Path) -> tuple[str, str] | None:
    """(code, message) when the file must not be opened, else None."""
    try:
        checked_bytes(path)
    except Refused as refusal:
        return refusal.code, refusal.message
    return None


def checked_bytes(path: Path, kept: KeptParts | None = None) -> bytes:
    """The file's bytes, read once and checked; raises `Refused`.

    Whoever parses the file afterwards parses these bytes, never the path again: a file
    swapped between the check and the read cannot slip past the check. With `kept`, the
    inflated text of the parts the reader scans again is handed over (see `KeptParts`)."""
    path = Path(path)
    data = read_regular_file(path, "book-unreadable", MAX_FILE_BYTES, "a team workbook")
    try:
        inspect_data(path.name, path.suffix, data, kept)
    except Refused:
        raise
    except Exception as error:  # noqa: BLE001 - a check must not crash the read (SPEC §15)
        raise Refused("book-unreadable", f"{path.name} cannot be checked safely "
                                         f"({type(error).__name__}: {error}); refused") from None
    return data


_FILE_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"),
               (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
               (stat.S_ISSOCK, "a socket"))


def read_side_file(path: Path, limit: int, what: str) -> bytes:
    """A file given beside the workbooks (--crm, --leads, --ledger, --map, --ledger-map): read as
    `read_regular_file` reads it; `Refused` saying `PATH not found` when nothing is there."""
    if not path.exists() and not path.is_symlink():
        raise Refused("side-file", f"{path} not found")
    return read_regular_file(path, "side-file", limit, what)


def read_regular_file(path: Path, code: str, limit: int, what: str) -> bytes:
    """Open once, refuse anything but a regular file (a FIFO or a device would block or never
    end), bound the size, read it whole: `Refused(code, ...)` naming the file otherwise."""
    name = display_name(path)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise Refused(code, f"{name} is a link to a file that does not exist"
                      if os.path.islink(path) else f"{name} does not exist") from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise Refused(code, f"{name} is a link that loops (it leads back to "
                                "itself)") from None
        raise Refused(code, f"{name} cannot be opened ({error.strerror or error})") from None
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        kind = next((label for test, label in _FILE_KINDS if test(mode)), "not a file")
        only = "workbook" if code == "book-unreadable" else "regular"
        raise Refused(code, f"{name} is not a regular file ({kind}); only {only} files "
                            "are read")
    with os.fdopen(descriptor, "rb") as handle:
        size = os.fstat(descriptor).st_size
        if size == 0:
            raise Refused(code, f"{name} is empty (0 bytes)")
        if size > limit:
            raise Refused(code, _too_big(name, size, limit, what))
        try:
            data = handle.read(limit + 1)
        except OSError as error:
            raise Refused(code, f"{name} cannot be read ({error.strerror or error})") from None
    if len(data) > limit:
        raise Refused(code, _too_big(name, len(data), limit, what))
    return data


def _too_big(name: str, size: int, limit: int, what: str) -> str:
    return (f"{name} is {size / 2**20:.0f} MB, over the {limit / 2**20:.0f} MB limit for "
            f"{what}")


def display_name(path: Path) -> str:
    """A file's name as the user can read it: bytes that are not UTF-8 (a name the OS gave us
    as bytes) are shown escaped, `caf\\xe9.xlsx`, never as a crash."""
    return readable_text(Path(path).name)


def readable_text(text: str) -> str:
    """Lone surrogates (undecodable bytes the OS handed over, kept by Python's
    `surrogateescape`) → `\\xe9`; any other text unchanged."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace") \
            .encode("utf-8", "backslashreplace").decode("utf-8")
    return text


class KeptParts(dict[str, bytes]):
    """Part name → inflated text of the parts of a zip package that the reader scans again
    (every worksheet, xl/workbook.xml and its relationships), kept from the check's own
    inflation so no part is inflated twice; only while they add up to `KEPT_BYTES` (a part
    not kept is inflated again by whoever needs it)."""

    def wants(self, key: str, sheet: bool, size: int) -> bool:
        return (sheet or key in _WORKBOOK_PARTS) and \
            sum(map(len, self.values())) + size <= KEPT_BYTES


KEPT_BYTES = 64 * 1024 * 1024
_WORKBOOK_PARTS = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")


def inspect_data(name: str, suffix: str, data: bytes, kept: KeptParts | None = None) -> None:
    """Check a file's bytes before any parser sees them; raises `Refused`."""
    name = display_name(Path(name))
    if data[:8] == OLE_MAGIC:
        _inspect_ole(name, data)
    elif data.startswith(ZIP_MAGIC) or zipfile.is_zipfile(io.BytesIO(data)):
        _inspect_zip(name, data, kept)
    elif suffix.lower() in ZIP_SUFFIXES:
        raise Refused("book-unreadable", f"{name} is not a workbook (an {suffix} file is a "
                                         "zip package; this one is not); it may be truncated "
                                         "or renamed")


# --- OLE (compound file): legacy .xls, or an encrypted OOXML package -------------------------

def _data_of(source: Path | bytes) -> bytes:
    return source if isinstance(source, bytes) else Path(source).read_bytes()


def ole_stream_names(source: Path | bytes) -> list[str]:
    """Names in an OLE compound file's directory (MS-CFB), read by following the FAT chain of
    the directory sectors. Bounded: at most as many sectors as the file holds."""
    data = _data_of(source)
    with io.BytesIO(data) as handle:
        header = handle.read(512)
        if len(header) < 512 or header[:8] != OLE_MAGIC:
            return []
        sector_size = 1 << struct.unpack_from("<H", header, 30)[0]
        if sector_size not in (512, 4096):
            return []
        fat_sectors, first_directory = struct.unpack_from("<II", header, 44)
        first_difat, difat_count = struct.unpack_from("<II", header, 68)
        total_sectors = max(1, (len(data) - 512) // sector_size + 1)

        def sector(index: int) -> bytes:
            handle.seek(512 + index * sector_size if sector_size == 512
                        else (index + 1) * sector_size)
            return handle.read(sector_size)

        difat = list(struct.unpack_from("<109I", header, 76))
        next_difat, seen = first_difat, 0
        while next_difat < 0xFFFFFFFA and seen <= min(difat_count, total_sectors):
            block = sector(next_difat)
            entries = struct.unpack(f"<{sector_size // 4}I", block.ljust(sector_size, b"\xff"))
            difat.extend(entries[:-1])
            next_difat, seen = entries[-1], seen + 1
        fat: list[int] = []
        for index in difat[:min(fat_sectors, total_sectors)]:
            if index >= 0xFFFFFFFA:
                continue
            block = sector(index).ljust(sector_size, b"\xff")
            fat.extend(struct.unpack(f"<{sector_size // 4}I", block))
        names: list[str] = []
        current, steps = first_directory, 0
        while current < 0xFFFFFFFA and steps <= total_sectors:
            block = sector(current)
            for offset in range(0, len(block) - 127, 128):
                length = struct.unpack_from("<H", block, offset + 64)[0]
                if 2 <= length <= 64:
                    names.append(block[offset:offset + length - 2].decode("utf-16-le", "replace"))
            current = fat[current] if current < len(fat) else 0xFFFFFFFE
            steps += 1
        return names


def _inspect_ole(name: str, data: bytes) -> None:
    """Legacy .xls and encrypted OOXML share the OLE container; tell them apart by the names
    in its directory (`EncryptedPackage` + `EncryptionInfo` is an encrypted .xlsx/.xlsm)."""
    try:
        names = ole_stream_names(data)
    except (OSError, struct.error) as error:
        raise Refused("book-unreadable",
                      f"{name} is a damaged OLE (.xls) file ({error})") from None
    if not names:  # a header we cannot follow: look for the UTF-16 names in the first 4 MB
        head = data[:4 * 2**20]
        names = [stream for stream in ("EncryptedPackage", "EncryptionInfo")
                 if stream.encode("utf-16-le") in head]
    if "EncryptedPackage" in names or "EncryptionInfo" in names:
        raise Refused("book-encrypted", f"{name}: {ENCRYPTED_MESSAGE}")
    if "Workbook" in names or "Book" in names:
        _inspect_biff(name, data)


# BIFF8 cell records holding a value: (row, column) are their first two 16-bit fields.
_BIFF_CELLS = {0x0203, 0x027E, 0x00FD, 0x0204, 0x0205, 0x0006, 0x00D6}
_BIFF_MULRK, _BIFF_BOF, _BIFF_EOF, _BIFF_SHEET = 0x00BD, 0x0809, 0x000A, 0x0085
_BIFF_FILEPASS = 0x002F   # "the records after me are encrypted": a password-protected .xls


_BIFF_BOOLERR, _BIFF_FORMULA = 0x0205, 0x0006
BIFF_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!",
               0x1D: "#NAME?", 0x24: "#NUM!", 0x2A: "#N/A"}


@dataclass
class BiffSheet:
    """What the records of one .xls sheet say: its extent, its error and formula cells."""

    rows: int = 0
    columns: int = 0
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row 1-based, col 0-based)
    formulas: set[tuple[int, int]] = field(default_factory=set)        # cells holding a formula


def biff_sheets(source: Path | bytes) -> dict[str, BiffSheet]:
    """Sheet title → extent and error cells of a legacy .xls, from one pass over the records of
    its Workbook stream (read with olefile: FAT, mini stream, DIFAT). Empty when unreadable."""
    return _biff_records(source)[0]


def _biff_records(source: Path | bytes) -> tuple[dict[str, BiffSheet], bool]:
    """(sheets, encrypted): what `biff_sheets` returns, and whether the workbook globals hold
    a FILEPASS record (then every record after it is ciphertext, and its "cells" are noise)."""
    import olefile  # only .xls files need it

    data = _data_of(source)
    if len(data) < olefile.MINIMAL_OLEFILE_SIZE:   # olefile would take short bytes for a name
        return {}, False
    try:
        with olefile.OleFileIO(data) as ole:
            stream = "Workbook" if ole.exists("Workbook") else "Book"
            data = ole.openstream(stream).read()
    except Exception:  # noqa: BLE001 - olefile raises many types; calamine will judge it
        return {}, False
    names: dict[int, str] = {}
    found: list[tuple[int, BiffSheet]] = []     # (stream offset of the sheet's BOF, facts)
    position, size = 0, len(data)
    start, sheet = None, BiffSheet()
    while position + 4 <= size:
        kind, length = struct.unpack_from("<HH", data, position)
        body = data[position + 4:position + 4 + length]
        if kind == _BIFF_FILEPASS and not found:
            return {}, True
        if kind == _BIFF_BOF:
            start, sheet = position, BiffSheet()
        elif kind == _BIFF_EOF and start is not None:
            found.append((start, sheet))
            start = None
        elif kind == _BIFF_SHEET and len(body) >= 8:
            offset, count, flags = struct.unpack_from("<I", body)[0], body[6], body[7]
            raw = body[8:8 + (2 * count if flags & 1 else count)]
            names[offset] = raw.decode("utf-16-le" if flags & 1 else "latin-1", "replace")
        elif (kind in _BIFF_CELLS or kind == _BIFF_MULRK) and len(body) >= 4:
            row, column = struct.unpack_from("<HH", body)
            if kind == _BIFF_MULRK and len(body) >= 6:
                column = struct.unpack_from("<H", body, len(body) - 2)[0]
            sheet.rows, sheet.columns = max(sheet.rows, row + 1), max(sheet.columns, column + 1)
            if kind == _BIFF_BOOLERR and len(body) >= 8 and body[7] == 1:
                sheet.errors[(row + 1, column)] = BIFF_ERRORS.get(body[6], "#N/A")
            elif kind == _BIFF_FORMULA:
                sheet.formulas.add((row + 1, column))
                if len(body) >= 14 and body[6] == 2 and body[12:14] == b"\xff\xff":
                    sheet.errors[(row + 1, column)] = BIFF_ERRORS.get(body[8], "#N/A")
        position += 4 + length
    return {names[offset]: facts for offset, facts in found if offset in names}, False


def _inspect_biff(name: str, data: bytes) -> None:
    """A legacy .xls: calamine builds the same dense rectangle as for .xlsx (up to 65,536 ×
    256 cells, over 1 GB), so each sheet's extent is checked from its records first — unless
    the workbook is encrypted, which is said as such."""
    sheets, encrypted = _biff_records(data)
    if encrypted:
        raise Refused("book-encrypted", f"{name}: {ENCRYPTED_MESSAGE}")
    for title, facts in sheets.items():
        check_extent(name, f"sheet '{title}'", facts.rows, facts.columns)


# --- zip packages: .xlsx, .xlsm, .xlsb, .ods -----------------------------------------------

def sheet_parts(workbook: bytes, rels: bytes) -> dict[str, str]:
    """Sheet title → its part in the package, from xl/workbook.xml and its .rels."""
    targets = {m[0]: m[1] for m in re.findall(
        rb'<(?:\w+:)?Relationship\b[^>]*?\bId\s*=\s*["\']([^"\']+)["\'][^>]*?'
        rb'\bTarget\s*=\s*["\']([^"\']+)["\']', rels)}
    targets.update({m[1]: m[0] for m in re.findall(
        rb'<(?:\w+:)?Relationship\b[^>]*?\bTarget\s*=\s*["\']([^"\']+)["\'][^>]*?'
        rb'\bId\s*=\s*["\']([^"\']+)["\']', rels)})
    sheets: dict[str, str] = {}
    for tag in re.findall(rb"<(?:\w+:)?sheet\b[^>]*>", workbook):
        name = re.search(rb'\bname\s*=\s*(?:"([^"]*)"|\'([^\']*)\')', tag)
        rid = re.search(rb'\b\w+:id\s*=\s*(?:"([^"]*)"|\'([^\']*)\')', tag)
        if not name or not rid or (rid[1] or rid[2]) not in targets:
            continue
        target = targets[rid[1] or rid[2]].decode("utf-8", "replace")
        target = target.lstrip("/") if target.startswith("/") else "xl/" + target
        sheets[html.unescape((name[1] or name[2] or b"").decode("utf-8", "replace"))] = target
    return sheets


def part_key(name: str) -> str:
    """A zip part's name as calamine looks it up: case-insensitive, `\\` read as `/`."""
    return name.replace("\\", "/").lstrip("/").lower()


def _sheet_targets(archive: zipfile.ZipFile, by_key: dict[str, zipfile.ZipInfo]
                   ) -> dict[str, str]:
    """part key → "sheet 'Title'" for every sheet xl/workbook.xml names, its target resolved
    both as calamine does (`xl/` + target) and as the OPC rules do (`..` collapsed)."""
    workbook, rels = by_key.get("xl/workbook.xml"), by_key.get("xl/_rels/workbook.xml.rels")
    if workbook is None or rels is None:
        return {}
    found: dict[str, str] = {}
    for title, target in sheet_parts(archive.read(workbook), archive.read(rels)).items():
        for candidate in (target, posixpath.normpath(target)):
            found[part_key(candidate)] = f"sheet '{title}'"
    return found


def _inspect_zip(name: str, data: bytes, kept: KeptParts | None = None) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            _check_directory(name, len(data), members)
            by_key = {part_key(m.filename): m for m in members}
            if "meta-inf/manifest.xml" in by_key:   # an encrypted .ods: its parts are noise
                with archive.open(by_key["meta-inf/manifest.xml"]) as part:
                    if b"encryption-data" in part.read(MAX_PART_BYTES):
                        raise Refused("book-encrypted", f"{name}: {ENCRYPTED_MESSAGE}")
            titles = _sheet_targets(archive, by_key)
            for member in members:
                key = part_key(member.filename)
                sheet = _WORKSHEET.match(key) is not None or key in titles
                if not member.file_size:
                    continue
                if _BINARY_WORKSHEET.match(key) or (sheet and key.endswith(".bin")):
                    _scan_binary_sheet(name, archive, member)
                elif (_XML_PART.search(key) and not _UNREAD_PART.match(key)) or sheet:
                    keep = kept is not None and kept.wants(key, sheet, member.file_size)
                    text = _scan_part(name, archive, member, titles.get(key), sheet=sheet,
                                      keep=keep)
                    if kept is not None and text is not None:
                        kept[member.filename] = text
    except Refused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error) as error:
        raise Refused("book-unreadable", f"{name} is damaged or truncated ({error}); open it "
                                         "in Excel and save it again") from None
    except (OSError, RuntimeError, NotImplementedError, ValueError) as error:
        raise Refused("book-unreadable", f"{name} cannot be read ({error})") from None


def _check_directory(name: str, file_size: int, members: list[zipfile.ZipInfo]) -> None:
    """Declared sizes only: cheap, and enough to refuse an honest zip bomb at once."""
    if len(members) > MAX_PARTS:
        raise Refused("book-unreadable", f"{name} has {len(members)} parts (limit {MAX_PARTS}); "
                                         "refused as unsafe")
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > MAX_PART_BYTES or total > MAX_UNCOMPRESSED_BYTES:
            raise Refused("book-unreadable", (
                f"{name} would inflate to more than {MAX_UNCOMPRESSED_BYTES // 2**20} MB (part "
                f"{member.filename}); refused as a possible zip bomb"))
        if member.file_size > RATIO_FLOOR_BYTES and \
                member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise Refused("book-unreadable", (
                f"{name}: part {member.filename} is compressed "
                f"{member.file_size // max(member.compress_size, 1)}:1 (limit {MAX_RATIO}:1); "
                "refused as a possible zip bomb"))
    if total > RATIO_FLOOR_BYTES and total > MAX_RATIO * file_size:
        raise Refused("book-unreadable", (
            f"{name} inflates {total // file_size}:1 (limit {MAX_RATIO}:1); refused as a "
            "possible zip bomb"))


# The fast pass reads only the common spelling every writer uses: `<c r="AB12"` (r first,
# double quotes) and `<row r="12"`. `_WorksheetExtent.feed` checks that a part holds nothing
# else — every `<c` tag is `<c r="`, and no reference has another
# shape — and any other spelling (single quotes, lowercase, spaces around `=`, a prefix the
# root did not declare, cells or rows without `r`, a reference of 8 digits) sends the part to
# the exact pass, which reads every tag the way calamine does.
_VALUE_CELL = re.compile(rb'r="([A-Za-z]+)([0-9]+)"[^>]*(?<!/)>')
# (the longest classes are open-ended: 7 digits or more, 3 letters or more — past any grid)
_ROW_DIGITS = {length: re.compile(rb'r="[A-Za-z]+[0-9]{%d%s}"[^>]*(?<!/)>'
                                  % (length, b"," if length == 7 else b""))
               for length in range(1, 8)}
_COLUMN_LETTERS = {length: re.compile(rb'r="[A-Za-z]{%d%s}[0-9]+"[^>]*(?<!/)>'
                                      % (length, b"," if length == 3 else b""))
                   for length in (2, 3)}
# a value cell past column Z or row 99,999: only then are the digits and letters counted
_FAR_CELL = re.compile(rb'r="(?:[A-Za-z]{2,}[0-9]|[A-Za-z][0-9]{6})[0-9]*"[^>]*(?<!/)>')
_PREFIXED_TAG = re.compile(rb":(?:c|row)[\s/>]")
# `<c` / `<row` not followed by ` r="`: another spelling of a cell or a row — unless the tag is
# <col(s)>, <cfRule>, <customSheetView>, <chartsheet>, <ce…> or <rowBreaks>
_OTHER_CELL_TAG = re.compile(rb'<(?:c(?! r="|[ofuhe])|row(?! r="|B))')
_SHEET_DATA = re.compile(rb"<([\w.-]+:)?sheetData[\s>/]")
_TAG = re.compile(rb"<(?:[\w.-]+:)?(row|c)(?=[\s/>])([^>]*?)(/?)>")
_R_ATTRIBUTE = re.compile(rb"(?:^|\s)r\s*=\s*([\"'])(.*?)\1", re.DOTALL)
_REFERENCE = re.compile(rb"\s*([A-Za-z]*)\s*([0-9]*)")


class _WorksheetExtent:
    """How far the value cells of an OOXML worksheet part reach.

    Collecting every cell reference in Python costs about as much as calamine's whole read,
    so a first, cheap pass only bounds the extent with C-level searches: the longest row
    number (10^digits − 1 rows) and the longest column name (Z, ZZ or XFD). Only when that
    bound is over the limit (sheets past 9,999 rows with more than 26 columns, or past 99,999
    rows, or a far-away cell), or the part is not spelled the common way (see above; a
    reference of any other shape makes calamine fail, not allocate), does `feed_exact`
    read every row and cell tag in a second pass, positioned as calamine positions them: by
    their `r`, else one after the previous row or cell."""

    def __init__(self, name: str, where: str) -> None:
        self.name, self.where = name, where
        self.row_digits = self.column_letters = 0
        self.regular = True
        self.prefix: bytes | None = None
        self.row = self.column = self.last_row = self.last_column = 0

    def feed(self, text: bytes) -> None:
        if self.prefix is None:
            found = _SHEET_DATA.search(text)
            if found is None:
                return
            self.prefix = found[1] or b""
        if self.regular:
            self.regular = self._regular(text)
        if not self.regular:
            return            # the exact pass decides
        if not _FAR_CELL.search(text):
            # every value cell here is within column Z and row 99,999: one search bounds
            # the piece (the common case) — within the limit, so no count is needed
            self.row_digits = max(self.row_digits, 5)
            self.column_letters = max(self.column_letters, 1)
            return
        self.row_digits = max([self.row_digits] + [
            length for length in range(7, self.row_digits, -1)
            if _ROW_DIGITS[length].search(text)][:1])
        if self.column_letters < 3:
            self.column_letters = max([self.column_letters] + [
                length for length in (3, 2) if length > self.column_letters
                and _COLUMN_LETTERS[length].search(text)][:1])
        if self.row_digits and not self.column_letters:
            self.column_letters = 1

    def _regular(self, text: bytes) -> bool:
        """Every cell and row tag of this piece is `<c r="…"` / `<row r="…"` with a reference
        of the common shape: one search, at C speed, for a `<c` or `<row` tag spelled any
        other way (a tag name that only starts with c or row — `<cols>`, `<cfRule>`,
        `<rowBreaks>` — is not a cell or a row)."""
        if self.prefix or _PREFIXED_TAG.search(text):
            return False
        return _OTHER_CELL_TAG.search(text) is None

    def bounded(self) -> bool:
        if not self.regular:
            return False
        rows = 10 ** self.row_digits - 1
        columns = {0: 0, 1: 26, 2: 702, 3: 16_384}[self.column_letters]
        return rows <= MAX_SHEET_ROWS and rows * columns <= MAX_SHEET_CELLS

    def feed_exact(self, text: bytes) -> None:
        if self.regular:   # every cell has its reference: collect them at C speed
            cells = _VALUE_CELL.findall(text)
            self.last_row = max([self.last_row] + [int(d) for d in {d for _, d in cells}])
            self.last_column = max([self.last_column] + [
                column_number(c.upper()) for c in {c for c, _ in cells}])
            return
        for kind, attributes, closed in _TAG.findall(text):
            found = _R_ATTRIBUTE.search(attributes)
            reference = _REFERENCE.match(found[2]) if found else None
            letters, digits = reference.groups() if reference else (b"", b"")
            if kind == b"row":
                self.row = int(digits) if digits else self.row + 1
                self.column = 0
                continue
            self.column = column_number(letters.upper()) if letters else self.column + 1
            row = int(digits) if digits else self.row
            if not closed:
                self.last_row = max(self.last_row, row)
                self.last_column = max(self.last_column, self.column)

    def finish(self) -> None:
        check_extent(self.name, self.where, self.last_row, self.last_column)


_ODS_TOKEN = re.compile(rb"<table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])"
                        rb"([^>]*?)(/?)>|</table:(table-row|table)>")
_ODS_NAME = re.compile(rb'table:name="([^"]*)"')
_ODS_ROWS = re.compile(rb'number-rows-repeated="([0-9]+)"')
_ODS_COLUMNS = re.compile(rb'number-columns-repeated="([0-9]+)"')
_ODS_TEXT = re.compile(rb'\s*<text:p[^>]*>([^<]*)</text:p>')


class _OdsExtent:
    """How far each table of an ODF content.xml reaches once repeats are expanded.

    `table:number-rows-repeated` / `number-columns-repeated` let 200 bytes stand for a billion
    cells, and calamine expands repeated cells that hold a value (it reads every sheet of an
    .ods when the file is opened). Empty repeats — LibreOffice writes them to each sheet's
    end — are not values and are ignored here as there."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.table = ""
        self.row = self.last_row = self.last_column = 0
        self.repeat = 1
        self.column = self.row_last_column = 0
        # Error cells (`calcext:value-type="error"`, text like #N/A) per table, which calamine
        # shows as blanks: (row 1-based, column 0-based) → text. First cell of a repeat only.
        self.errors: dict[str, dict[tuple[int, int], str]] = {}

    def feed(self, text: bytes) -> None:
        for match in _ODS_TOKEN.finditer(text):
            kind, attributes, closed, end = match.groups()
            if kind in (b"table-cell", b"covered-table-cell") and not closed \
                    and b'value-type="error"' in attributes:
                shown = _ODS_TEXT.match(text, match.end())
                self.errors.setdefault(self.table, {})[(self.row + 1, self.column)] = (
                    shown[1].decode("utf-8", "replace").strip() if shown else "#N/A") or "#N/A"
            if end == b"table":
                self.finish()
            elif end == b"table-row":
                self.close_row()
            elif kind == b"table":
                named = _ODS_NAME.search(attributes)
                self.table = named[1].decode("utf-8", "replace") if named else "?"
                self.row = self.last_row = self.last_column = 0
            elif kind == b"table-row":
                repeated = _ODS_ROWS.search(attributes)
                self.repeat = int(repeated[1]) if repeated else 1
                self.column = self.row_last_column = 0
                if closed:
                    self.close_row()
            elif kind:
                repeated = _ODS_COLUMNS.search(attributes)
                self.column += int(repeated[1]) if repeated else 1
                if not closed or b"value-type" in attributes:
                    self.row_last_column = self.column

    def close_row(self) -> None:
        self.row += self.repeat
        if self.row_last_column:
            self.last_row = self.row
            self.last_column = max(self.last_column, self.row_last_column)
        self.repeat, self.column, self.row_last_column = 1, 0, 0

    def finish(self) -> None:
        check_extent(self.name, f"sheet '{self.table}'", self.last_row, self.last_column)
        self.last_row = self.last_column = 0


def ods_error_cells(source: Path | bytes) -> dict[str, dict[tuple[int, int], str]]:
    """Sheet title → error cells of an .ods (one more streamed pass over content.xml)."""
    try:
        with zipfile.ZipFile(io.BytesIO(_data_of(source))) as archive:
            scanner = _OdsExtent("")
            for text in _xml_texts(archive, archive.getinfo("content.xml")):
                scanner.feed(text)
            return scanner.errors
    except (KeyError, OSError, zipfile.BadZipFile, zlib.error, Refused):
        return {}


def _scan_part(name: str, archive: zipfile.ZipFile, member: zipfile.ZipInfo,
               title: str | None = None, *, sheet: bool = False,
               keep: bool = False) -> bytes | None:
    """Inflate one XML part as a stream: no DTD anywhere; a sheet's cells stay in bounds.

    zipfile stops at the declared size and checks the CRC, so a part that lies about its size
    raises BadZipFile here (→ refused) instead of inflating without end in a later parser.
    Any part holding a `<sheetData>` is measured as a worksheet, whatever its name or folder:
    what calamine reads as a sheet is decided by relationships this scan need not follow.
    With `keep`, the part's text is returned once it passed (else None)."""
    where = title or f"part {member.filename}"
    extent: _WorksheetExtent | _OdsExtent | None = None
    if sheet:
        extent = _WorksheetExtent(name, where)
    elif member.filename == "content.xml":
        extent = _OdsExtent(name)
    pieces: list[bytes] = []
    first = True
    for text in _xml_texts(archive, member, name):
        if first:
            _check_encoding(name, where, text)
            first = False
        if keep:
            pieces.append(text)
        if extent is None and b"sheetData" in text:
            extent = _WorksheetExtent(name, where)
        _scan_text(name, member.filename, text, extent)
    if isinstance(extent, _WorksheetExtent) and not extent.bounded():
        for text in _xml_texts(archive, member, name):   # the rare second pass: count exactly
            extent.feed_exact(text)
        extent.finish()
    elif isinstance(extent, _OdsExtent):
        extent.finish()
    return b"".join(pieces) if keep else None


def _check_encoding(name: str, where: str, head: bytes) -> None:
    """OOXML parts are UTF-8 in practice; calamine reads a UTF-16 part as empty (84 Budget
    rows would become 0), and no byte pattern of this scan would see its cells. Refused."""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head[:64]:
        raise Refused("book-unreadable", (
            f"{name}: {where} is encoded as UTF-16, which MOM cannot read (its rows would "
            "read as empty); open the file in Excel and save it again as .xlsx"))


def _xml_texts(archive: zipfile.ZipFile, member: zipfile.ZipInfo,
               name: str = "the workbook") -> Iterator[bytes]:
    """The part inflated 1 MB at a time, each piece ending before a tag that was cut in two
    (what follows the last '<' is carried into the next piece)."""
    carry = b""
    with archive.open(member) as part:
        while True:
            chunk = part.read(SCAN_CHUNK)
            if not chunk:
                break
            text = carry + chunk
            cut = text.rfind(b"<")
            if cut < 0 or text.rfind(b">") > cut:
                cut = len(text)                    # no tag open at the end: nothing to carry
            elif len(text) - cut > 2 * SCAN_CHUNK:
                raise Refused("book-unreadable", (
                    f"{name}: part {member.filename} "
                    f"holds a tag longer than {2 * SCAN_CHUNK // 2**20} MB; refused as unsafe"))
            head, carry = text[:cut], text[cut:]
            if head:
                yield head
    if carry:
        yield carry


def _scan_text(name: str, part: str, text: bytes,
               extent: _WorksheetExtent | _OdsExtent | None) -> None:
    if b"!" in text and _DTD.search(text):   # a one-byte search first (memchr)
        raise Refused("book-unreadable", (
            f"{name}: part {part} declares a DTD (XML entities); refused as unsafe — open the "
            "file in Excel and save it again"))
    if extent is not None and b"<" in text:
        extent.feed(text)


_BINARY_WORKSHEET = re.compile(r"^xl/worksheets/[^/]+\.bin$", re.IGNORECASE)
# BIFF12 (.xlsb) records: BrtRowHdr (0) starts a row with its index; cell records holding a
# value start with their column: Rk, Error, Bool, Real, St, Isst, the Fmla* four, RString.
_XLSB_ROW, _XLSB_CELLS = 0, {2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 62}


def _scan_binary_sheet(name: str, archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    """The farthest value cell of an .xlsb worksheet, from its record stream (read in 1 MB
    chunks; record bodies are skipped, not kept). Also checks the CRC, like the XML parts."""
    last_row = last_column = row = 0
    buffer = b""
    with archive.open(member) as part:
        exhausted = False
        position = 0
        while True:
            if len(buffer) - position < 64 and not exhausted:
                chunk = part.read(SCAN_CHUNK)
                exhausted = not chunk
                buffer = buffer[position:] + chunk
                position = 0
            header = _xlsb_header(buffer, position)
            if header is None:
                if exhausted:
                    break
                continue
            kind, size, start = header
            if kind == _XLSB_ROW or kind in _XLSB_CELLS:
                while len(buffer) < start + 4 and not exhausted:
                    chunk = part.read(SCAN_CHUNK)
                    exhausted = not chunk
                    buffer += chunk
                if len(buffer) >= start + 4:
                    value = struct.unpack_from("<I", buffer, start)[0]
                    if kind == _XLSB_ROW:
                        row = value
                    else:
                        last_row, last_column = max(last_row, row + 1), max(last_column,
                                                                            value + 1)
            skip = start + size - len(buffer)
            if skip > 0:  # the body runs past what we hold: read past it
                while skip > 0 and not exhausted:
                    chunk = part.read(min(skip, SCAN_CHUNK))
                    exhausted = not chunk
                    skip -= len(chunk)
                buffer, position = b"", 0
            else:
                position = start + size
    check_extent(name, member.filename, last_row, last_column)


def _xlsb_header(buffer: bytes, position: int) -> tuple[int, int, int] | None:
    """(record type, body size, body start) of the BIFF12 record at `position`, or None when
    the buffer ends first. Type: 1–2 bytes, size: 1–4 bytes, 7 bits each (high bit: more)."""
    values = []
    for limit in (2, 4):
        value = shift = 0
        for _ in range(limit):
            if position >= len(buffer):
                return None
            byte = buffer[position]
            position += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        values.append(value)
    return values[0], values[1], position


def check_extent(name: str, where: str, last_row: int, last_column: int) -> None:
    """Refuse a sheet whose value cells span more rows or cells than `MAX_SHEET_ROWS`/`CELLS`."""
    if last_row > MAX_SHEET_ROWS or last_row * last_column > MAX_SHEET_CELLS:
        raise Refused("book-unreadable", (
            f"{name}: {where} has a value in cell {column_name(last_column)}{last_row}, so the "
            f"sheet spans {last_row:,} rows × {last_column:,} columns (limit "
            f"{MAX_SHEET_CELLS:,} cells); delete the stray far-away cells (Ctrl+End shows the "
            "last one) and save again"))


def check_sheet_size(name: str, title: str, height: int, width: int) -> None:
    """After calamine built a sheet of any format: refuse it before it becomes Python objects."""
    check_extent(name, f"sheet '{title}'", height, width)


def column_number(letters: bytes | str) -> int:
    """'A' → 1, 'XFD' → 16384."""
    number = 0
    for char in letters.encode() if isinstance(letters, str) else letters:
        number = number * 26 + (char - 64)
    return number


def column_name(number: int) -> str:
    """1 → 'A', 16384 → 'XFD'."""
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters or "A"
