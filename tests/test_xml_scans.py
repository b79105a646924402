"""The XML scans of a workbook package give what a full read of every cell would give.

The sheet-extent check (`safety`) bounds a worksheet with one search per 1 MB piece and counts
cells only when that bound is over the limit; these cases put the cheap piece and the costly
piece in one sheet, so the bound of one piece must never hide the cells of another.
"""
from __future__ import annotations

import io
import zipfile

import pytest

from mom_engine import safety


def package(sheet_xml: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return buffer.getvalue()


def sheet(rows: list[bytes]) -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
            b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + b"".join(rows)
            + b"</sheetData></worksheet>")


# More than one 1 MB piece of rows within column Z and row 999, then one far cell.
FIRST_MB = [b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>%s</t></is></c></row>'
            % (n, n, b"x" * 2000) for n in range(1, 900)]


@pytest.mark.parametrize("far_cell, refused", [
    (b'<row r="999"><c r="ZZ999"><v>1</v></c></row>', False),      # 999 × 702 cells
    (b'<row r="9000"><c r="ZZ9000"><v>1</v></c></row>', True),      # 9,000 × 702 > 5 million
    (b'<row r="1048576"><c r="A1048576"><v>1</v></c></row>', False),  # one column, every row
    (b'<row r="200000"><c r="Z200000"><v>1</v></c></row>', True),   # 200,000 × 26
    (b'<row r="9000"><c r="ZZ9000" s="1"/></row>', False),          # styled, no value
])
def test_a_far_cell_after_the_first_piece_is_counted(far_cell, refused):
    xml = sheet([*FIRST_MB, far_cell])
    assert len(xml) > 1.5 * safety.SCAN_CHUNK
    try:
        safety.inspect_data("far.xlsx", ".xlsx", package(xml))
    except safety.Refused as refusal:
        assert refused, refusal.message
        assert refusal.code == "book-unreadable" and "far.xlsx" in refusal.message
        assert far_cell.split(b'r="')[2].split(b'"')[0].decode() in refusal.message
    else:
        assert not refused
