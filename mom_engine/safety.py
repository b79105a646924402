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

import html
import re
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
    path = Path(path)
    try:
        _inspect(path)
    except Refused as refusal:
        return refusal.code, refusal.message
    except Exception as error:  # noqa: BLE001 - a check must not crash the read (SPEC §15)
        return "book-unreadable", (f"{path.name} cannot be checked safely "
                                   f"({type(error).__name__}: {error}); refused")
    return None


def _inspect(path: Path) -> None:
    name = path.name
    if not path.exists():
        raise Refused("book-unreadable", f"{name} does not exist")
    if not path.is_file():
        raise Refused("book-unreadable", f"{name} is not a file")
    size = path.stat().st_size
    if size == 0:
        raise Refused("book-unreadable", f"{name} is empty (0 bytes)")
    if size > MAX_FILE_BYTES:
        raise Refused("book-unreadable", f"{name} is {size / 2**20:.0f} MB, over the "
                                         f"{MAX_FILE_BYTES / 2**20:.0f} MB limit for a team "
                                         "workbook")
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as error:
        raise Refused("book-unreadable",
                      f"{name} cannot be opened ({error.strerror or error})") from None
    if head == OLE_MAGIC:
        _inspect_ole(path)
    elif head.startswith(ZIP_MAGIC) or zipfile.is_zipfile(path):
        _inspect_zip(path)
    elif path.suffix.lower() in ZIP_SUFFIXES:
        raise Refused("book-unreadable", f"{name} is not a workbook (an {path.suffix} file is a "
                                         "zip package; this one is not); it may be truncated "
                                         "or renamed")


# --- OLE (compound file): legacy .xls, or an encrypted OOXML package -------------------------

def ole_stream_names(path: Path) -> list[str]:
    """Names in an OLE compound file's directory (MS-CFB), read by following the FAT chain of
    the directory sectors. Bounded: at most as many sectors as the file holds."""
    with path.open("rb") as handle:
        header = handle.read(512)
        if len(header) < 512 or header[:8] != OLE_MAGIC:
            return []
        sector_size = 1 << struct.unpack_from("<H", header, 30)[0]
        if sector_size not in (512, 4096):
            return []
        fat_sectors, first_directory = struct.unpack_from("<II", header, 44)
        first_difat, difat_count = struct.unpack_from("<II", header, 68)
        total_sectors = max(1, (path.stat().st_size - 512) // sector_size + 1)

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


def _inspect_ole(path: Path) -> None:
    """Legacy .xls and encrypted OOXML share the OLE container; tell them apart by the names
    in its directory (`EncryptedPackage` + `EncryptionInfo` is an encrypted .xlsx/.xlsm)."""
    try:
        names = ole_stream_names(path)
    except (OSError, struct.error) as error:
        raise Refused("book-unreadable",
                      f"{path.name} is a damaged OLE (.xls) file ({error})") from None
    if not names:  # a header we cannot follow: look for the UTF-16 names in the first 4 MB
        with path.open("rb") as handle:
            head = handle.read(4 * 2**20)
        names = [name for name in ("EncryptedPackage", "EncryptionInfo")
                 if name.encode("utf-16-le") in head]
    if "EncryptedPackage" in names or "EncryptionInfo" in names:
        raise Refused("book-encrypted", f"{path.name}: {ENCRYPTED_MESSAGE}")
    if "Workbook" in names or "Book" in names:
        _inspect_biff(path)


# BIFF8 cell records holding a value: (row, column) are their first two 16-bit fields.
_BIFF_CELLS = {0x0203, 0x027E, 0x00FD, 0x0204, 0x0205, 0x0006, 0x00D6}
_BIFF_MULRK, _BIFF_BOF, _BIFF_EOF, _BIFF_SHEET = 0x00BD, 0x0809, 0x000A, 0x0085


_BIFF_BOOLERR, _BIFF_FORMULA = 0x0205, 0x0006
BIFF_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!",
               0x1D: "#NAME?", 0x24: "#NUM!", 0x2A: "#N/A"}


@dataclass
class BiffSheet:
    """What the records of one .xls sheet say: its extent and its error cells."""

    rows: int = 0
    columns: int = 0
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row 1-based, col 0-based)


def biff_sheets(path: Path) -> dict[str, BiffSheet]:
    """Sheet title → extent and error cells of a legacy .xls, from one pass over the records of
    its Workbook stream (read with olefile: FAT, mini stream, DIFAT). Empty when unreadable."""
    import olefile  # only .xls files need it

    try:
        with olefile.OleFileIO(str(path)) as ole:
            stream = "Workbook" if ole.exists("Workbook") else "Book"
            data = ole.openstream(stream).read()
    except Exception:  # noqa: BLE001 - olefile raises many types; calamine will judge it
        return {}
    names: dict[int, str] = {}
    found: list[tuple[int, BiffSheet]] = []     # (stream offset of the sheet's BOF, facts)
    position, size = 0, len(data)
    start, sheet = None, BiffSheet()
    while position + 4 <= size:
        kind, length = struct.unpack_from("<HH", data, position)
        body = data[position + 4:position + 4 + length]
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
            elif kind == _BIFF_FORMULA and len(body) >= 14 and body[6] == 2 \
                    and body[12:14] == b"\xff\xff":
                sheet.errors[(row + 1, column)] = BIFF_ERRORS.get(body[8], "#N/A")
        position += 4 + length
    return {names[offset]: facts for offset, facts in found if offset in names}


def _inspect_biff(path: Path) -> None:
    """A legacy .xls: calamine builds the same dense rectangle as for .xlsx (up to 65,536 ×
    256 cells, over 1 GB), so each sheet's extent is checked from its records first."""
    for title, facts in biff_sheets(path).items():
        check_extent(path.name, f"sheet '{title}'", facts.rows, facts.columns)


# --- zip packages: .xlsx, .xlsm, .xlsb, .ods -----------------------------------------------

def sheet_parts(workbook: bytes, rels: bytes) -> dict[str, str]:
    """Sheet title → its part in the package, from xl/workbook.xml and its .rels."""
    targets = {m[0]: m[1] for m in re.findall(
        rb'<(?:\w+:)?Relationship\b[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels)}
    targets.update({m[1]: m[0] for m in re.findall(
        rb'<(?:\w+:)?Relationship\b[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)})
    sheets: dict[str, str] = {}
    for tag in re.findall(rb"<(?:\w+:)?sheet\b[^>]*>", workbook):
        name = re.search(rb'\bname="([^"]*)"', tag)
        rid = re.search(rb'\br:id="([^"]*)"', tag) or re.search(rb'\b\w+:id="([^"]*)"', tag)
        if not name or not rid or rid[1] not in targets:
            continue
        target = targets[rid[1]].decode()
        target = target.lstrip("/") if target.startswith("/") else "xl/" + target
        sheets[html.unescape(name[1].decode())] = target
    return sheets


def _inspect_zip(path: Path) -> None:
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            _check_directory(name, path.stat().st_size, members)
            titles: dict[str, str] = {}
            for member in members:
                if _XML_PART.search(member.filename) and member.file_size and \
                        not _UNREAD_PART.match(member.filename):
                    if _WORKSHEET.match(member.filename) and not titles:
                        titles = _sheet_titles(archive)
                    _scan_part(name, archive, member, titles.get(member.filename))
                elif _BINARY_WORKSHEET.match(member.filename) and member.file_size:
                    _scan_binary_sheet(name, archive, member)
            if "META-INF/manifest.xml" in archive.NameToInfo:
                with archive.open("META-INF/manifest.xml") as part:
                    if b"encryption-data" in part.read(MAX_PART_BYTES):
                        raise Refused("book-encrypted", f"{name}: {ENCRYPTED_MESSAGE}")
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


# A value cell's reference: `r="AB12"` in any attribute order, in a tag that is not
# self-closing (a styled empty cell `<c r="AB12" s="1"/>` holds no value; calamine skips it).
# (The patterns start with the literal `r="` so the regex engine can skip ahead fast; an
# attribute whose name merely ends in r could only make the bound more careful.)
_VALUE_CELL = re.compile(rb'r="([A-Z]{1,3})([0-9]{1,7})"[^>]*(?<!/)>')
_ROW_DIGITS = {length: re.compile(rb'r="[A-Z]{1,3}[0-9]{%d}"[^>]*(?<!/)>' % length)
               for length in range(1, 8)}
_COLUMN_LETTERS = {length: re.compile(rb'r="[A-Z]{%d}[0-9]{1,7}"[^>]*(?<!/)>' % length)
                   for length in (2, 3)}


class _WorksheetExtent:
    """How far the value cells of an OOXML worksheet part reach.

    Collecting every cell reference in Python costs about as much as calamine's whole read,
    so a first, cheap pass only bounds the extent with C-level searches: the longest row
    number (10^digits − 1 rows) and the longest column name (Z, ZZ or XFD). Only when that
    bound is over the limit (sheets past 9,999 rows with more than 26 columns, or past 99,999
    rows, or a far-away cell) does `exact` count every value cell in a second pass."""

    def __init__(self, name: str, where: str) -> None:
        self.name, self.where = name, where
        self.row_digits = self.column_letters = 0
        self.rows: set[bytes] = set()
        self.letters: set[bytes] = set()

    def feed(self, text: bytes) -> None:
        self.row_digits = max([self.row_digits] + [
            length for length in range(7, self.row_digits, -1)
            if _ROW_DIGITS[length].search(text)][:1])
        if self.column_letters < 3:
            self.column_letters = max([self.column_letters] + [
                length for length in (3, 2) if length > self.column_letters
                and _COLUMN_LETTERS[length].search(text)][:1])
        if self.row_digits and not self.column_letters:
            self.column_letters = 1

    def bounded(self) -> bool:
        rows = 10 ** self.row_digits - 1
        columns = {0: 0, 1: 26, 2: 702, 3: 16_384}[self.column_letters]
        return rows <= MAX_SHEET_ROWS and rows * columns <= MAX_SHEET_CELLS

    def feed_exact(self, text: bytes) -> None:
        for letters, digits in _VALUE_CELL.findall(text):
            self.letters.add(letters)
            self.rows.add(digits)

    def finish(self) -> None:
        last_row = max((int(r) for r in self.rows), default=0)
        last_column = max((column_number(c) for c in self.letters), default=0)
        check_extent(self.name, self.where, last_row, last_column)


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


def ods_error_cells(path: Path) -> dict[str, dict[tuple[int, int], str]]:
    """Sheet title → error cells of an .ods (one more streamed pass over content.xml)."""
    try:
        with zipfile.ZipFile(path) as archive:
            scanner = _OdsExtent(path.name)
            for text in _xml_texts(archive, archive.getinfo("content.xml")):
                scanner.feed(text)
            return scanner.errors
    except (KeyError, OSError, zipfile.BadZipFile, zlib.error, Refused):
        return {}


def _sheet_titles(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part → "sheet 'Title'", so a refusal names the sheet the user sees."""
    try:
        parts = sheet_parts(archive.read("xl/workbook.xml"),
                            archive.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        return {"": ""}
    return {part: f"sheet '{title}'" for title, part in parts.items()} or {"": ""}


def _scan_part(name: str, archive: zipfile.ZipFile, member: zipfile.ZipInfo,
               title: str | None = None) -> None:
    """Inflate one XML part as a stream: no DTD anywhere; a sheet's cells stay in bounds.

    zipfile stops at the declared size and checks the CRC, so a part that lies about its size
    raises BadZipFile here (→ refused) instead of inflating without end in a later parser."""
    extent: _WorksheetExtent | _OdsExtent | None = None
    if _WORKSHEET.match(member.filename):
        extent = _WorksheetExtent(name, title or member.filename)
    elif member.filename == "content.xml":
        extent = _OdsExtent(name)
    for text in _xml_texts(archive, member):
        _scan_text(name, member.filename, text, extent)
    if isinstance(extent, _WorksheetExtent):
        if extent.bounded():
            return
        for text in _xml_texts(archive, member):   # the rare second pass: count exactly
            extent.feed_exact(text)
    if extent is not None:
        extent.finish()


def _xml_texts(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> Iterator[bytes]:
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
            if cut < len(text) - 4096:
                cut = len(text)
            head, carry = (text[:cut], text[cut:]) if cut > 0 else (b"", text)
            if head:
                yield head
    if carry:
        yield carry


def _scan_text(name: str, part: str, text: bytes,
               extent: _WorksheetExtent | _OdsExtent | None) -> None:
    if b"<!" in text and _DTD.search(text):
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
