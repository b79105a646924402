"""Refuse unsafe or hopeless files before any parser inflates them (SPEC §15).

Input workbooks are data, never code: nothing here (or anywhere in MOM) runs a macro. Before
calamine opens a package we look at the zip directory only: declared sizes and compression
ratios are bounded (zip bombs), and XML parts that declare a DTD are refused (entity expansion;
OOXML never needs one). Encrypted OOXML (an OLE container holding `EncryptedPackage`) is told
apart from a broken file so the user gets the right advice.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

MAX_FILE_BYTES = 200 * 1024 * 1024          # a team workbook is a few MB; 200 MB is absurd
MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024  # all parts together, as declared in the zip
MAX_PART_BYTES = 512 * 1024 * 1024           # one part
MAX_RATIO = 200                              # uncompressed ÷ compressed, for parts over 1 MB
MAX_PARTS = 10_000
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

ENCRYPTED_MESSAGE = ("the workbook is password-protected (encrypted); save a copy without a "
                     "password (File > Info > Protect Workbook > Encrypt with Password, clear "
                     "it) and run again")


def inspect_file(path: Path) -> tuple[str, str] | None:
    """(code, message) when the file must not be opened, else None."""
    name = path.name
    if not path.exists():
        return "book-unreadable", f"{name} does not exist"
    if not path.is_file():
        return "book-unreadable", f"{name} is not a file"
    size = path.stat().st_size
    if size == 0:
        return "book-unreadable", f"{name} is empty (0 bytes)"
    if size > MAX_FILE_BYTES:
        return "book-unreadable", (f"{name} is {size / 2**20:.0f} MB, over the "
                                   f"{MAX_FILE_BYTES / 2**20:.0f} MB limit for a team workbook")
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as error:
        return "book-unreadable", f"{name} cannot be opened ({error.strerror or error})"
    if head == OLE_MAGIC:
        return _inspect_ole(path)
    if head.startswith(ZIP_MAGIC) or zipfile.is_zipfile(path):
        return _inspect_zip(path)
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xlsb", ".ods"):
        return "book-unreadable", (f"{name} is not a workbook (an {path.suffix} file is a zip "
                                   "package; this one is not); it may be truncated or renamed")
    return None


def _inspect_ole(path: Path) -> tuple[str, str] | None:
    """Legacy .xls and encrypted OOXML share the OLE container; tell them apart."""
    try:
        data = path.read_bytes()[:4 * 1024 * 1024]
    except OSError as error:  # pragma: no cover - racing deletion
        return "book-unreadable", f"{path.name} cannot be read ({error})"
    if "EncryptedPackage".encode("utf-16-le") in data:
        return "book-encrypted", ENCRYPTED_MESSAGE
    return None


def _inspect_zip(path: Path) -> tuple[str, str] | None:
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_PARTS:
                return "book-unreadable", f"{name} has {len(members)} parts; refused as unsafe"
            total = 0
            for member in members:
                total += member.file_size
                if member.file_size > MAX_PART_BYTES or total > MAX_UNCOMPRESSED_BYTES:
                    return "book-unreadable", (
                        f"{name} would inflate to more than "
                        f"{MAX_UNCOMPRESSED_BYTES // 2**20} MB (part {member.filename}); "
                        "refused as a possible zip bomb")
                if member.file_size > 2**20 and member.compress_size and \
                        member.file_size / member.compress_size > MAX_RATIO:
                    return "book-unreadable", (
                        f"{name}: part {member.filename} is compressed {member.file_size // max(member.compress_size, 1)}:1; "
                        "refused as a possible zip bomb")
            for member in members:
                if member.filename.endswith((".xml", ".rels")) and member.file_size:
                    with archive.open(member) as part:
                        prolog = part.read(2048)
                    if b"<!DOCTYPE" in prolog.upper() or b"<!ENTITY" in prolog.upper():
                        return "book-unreadable", (
                            f"{name}: part {member.filename} declares a DTD (XML entities); "
                            "refused as unsafe — re-save the file in Excel")
    except zipfile.BadZipFile as error:
        return "book-unreadable", f"{name} is damaged or truncated ({error})"
    except (OSError, EOFError, RuntimeError) as error:
        return "book-unreadable", f"{name} cannot be read ({error})"
    return None
