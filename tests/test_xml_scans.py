"""The XML scans of a workbook package give what a full read of every cell would give.

The sheet-extent check (`safety`) bounds a worksheet with one search per 1 MB piece and counts
cells only when that bound is over the limit; these cases put the cheap piece and the costly
piece in one sheet, so the bound of one piece must never hide the cells of another. The reader
finds error cells in the whole sheet and formula cells without a cached value only in the
columns it reads (`SheetCells`): on random sheets, both are what one scan of every cell finds.
"""
from __future__ import annotations

import io
import re
import zipfile
from random import Random

import pytest

from mom_engine import safety
from mom_engine.read import SheetCells
from mom_engine.safety import column_number


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


# --- error cells and formula cells without a cached value ----------------------------------
# What one scan of every cell finds (the reader's scan before it found these two kinds apart):
# each cell `<c r="A1" …>…</c>` matched in document order; a body of a formula and at most an
# empty value is "formula", else an error cell (`t="e"`) with a `<v>` is its text.
EVERY_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"([^>]*?)(?:/>|>(.*?)</c>)', re.DOTALL)
FORMULA_ONLY = re.compile(rb'^\s*<f[^>]*?(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*$',
                          re.DOTALL)


def every_cell_scan(xml: bytes) -> dict[tuple[int, int], str]:
    found: dict[tuple[int, int], str] = {}
    for letters, number, attributes, body in EVERY_CELL.findall(xml):
        key = (int(number), column_number(letters) - 1)
        if body and b"<f" in body and FORMULA_ONLY.match(body):
            found[key] = "formula"
        elif b't="e"' in attributes and body:
            error = re.search(rb"<v>([^<]*)</v>", body)
            if error:
                found[key] = error[1].decode() or "#N/A"
    return found


BODIES = [b"<v>1</v>", b"<v>0</v>", b'<f>SUM(A1:A2)</f><v>3</v>', b"<f>A1&amp;B1</f><v></v>",
          b"<f>1/0</f><v/>", b"<f>NOW()</f>", b'<f t="shared" si="0"/>',
          b'<f t="shared" si="0"/><v></v>', b"\n  <f>A1</f>\n  <v> </v>\n", b"<f>A1</f><v>x</v>",
          b"<is><t>text</t></is>", b"<v>#N/A</v>", b"<v>#DIV/0!</v>", b"<v></v>",
          b"<f>1/0</f><v>#DIV/0!</v>", b"", b"<v>&lt;f</v>"]
ATTRIBUTES = [b"", b' s="3"', b' t="e"', b' s="2" t="e"', b' t="e" s="1"', b' t="s"',
              b' t="str"', b' t="inlineStr"']


def random_sheet(random: Random) -> bytes:
    rows = []
    for number in range(1, random.randint(1, 12)):
        cells = []
        for letters in random.sample(["A", "B", "C", "Z", "AA", "AB", "XFD"], 4):
            reference = b"%s%d" % (letters.encode(), number)
            shape = random.random()
            if shape < 0.1:
                cells.append(b'<c r="%s" s="1"/>' % reference)
            elif shape < 0.15:
                cells.append(b'<c s="1" r="%s"><f>A1</f></c>' % reference)   # r not first
            elif shape < 0.2:
                cells.append(b'<c r="%s"%s/>' % (reference.lower(), random.choice(ATTRIBUTES)))
            else:
                cells.append(b'<c r="%s"%s>%s</c>' % (reference, random.choice(ATTRIBUTES),
                                                        random.choice(BODIES)))
        rows.append(b'<row r="%d">%s</row>' % (number, b"".join(cells)))
    return sheet(rows)


@pytest.mark.parametrize("seed", range(300))
def test_error_and_uncalculated_cells_are_what_a_scan_of_every_cell_finds(seed):
    xml = random_sheet(Random(seed))
    expected = every_cell_scan(xml)
    cells = SheetCells(xml)
    assert cells.errors == {key: kind for key, kind in expected.items() if kind != "formula"}
    positions = [column_number(letters) - 1 for letters in (b"A", b"B", b"C", b"Z", b"AA")]
    found = {(number, position): kind
             for position, column in cells.specials(positions).items()
             for number, kind in column.items()}
    assert found == {key: kind for key, kind in expected.items() if key[1] in positions}
    assert cells.specials([]) == {}
