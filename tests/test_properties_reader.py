"""Property-based tests of the reader over random workbooks (SPEC §3, §11, §15).

Hypothesis writes real workbooks (openpyxl) whose Budget sheet holds whatever a user can type:
numbers, amounts as text, dates, `YYYY-MM` months, junk, blanks, whitespace, error cells — in
random column order, with undeclared columns and sheets around them. For every such book:

- reading never raises (and analysing neither);
- every non-blank input row is read, and each is either accepted or rejected, and every
  rejected row has a finding naming its sheet and row (accepted + rejected = rows read);
- every value in a money column is the typed amount rounded to cents half away from zero,
  or has a finding at its exact cell; so the accepted rows' total is exact (integer cents).

The oracle below decides these from the generated values alone, not from the reader's code.
"""
from __future__ import annotations

import datetime as dt
import re
import tempfile
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mom_engine.analyze import analyze_book
from mom_engine.read import read_book

from .builders import DEFAULT_PLAN, DEFAULT_SHEETS, plan_rows, rows_of, write_book

ERRORS = ["#N/A", "#VALUE!", "#DIV/0!", "#REF!", "#NAME?", "#NUM!", "#NULL!"]
MAX_CENTS = 10**15     # amounts beyond ±10 trillion are refused (value-range)
AMOUNT_TEXT = re.compile(r"^\$?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)$")

# --- what a user types ----------------------------------------------------------------------

amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False,
                      allow_infinity=False)
blank = st.sampled_from([None, "", "   "])
errors = st.sampled_from(ERRORS)
junk = st.sampled_from(["abc", "12abc", "N/A", "TBD", "1.2.3", "--", "$", "(5", "1,2,3,,"])
dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 12, 31))

money_cell = st.one_of(
    blank, errors, junk,
    st.integers(min_value=0, max_value=10**9),
    amounts.map(float),
    st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False),
    st.floats(min_value=1e13, max_value=1e300),          # absurd, must not break the book
    st.floats(min_value=-1e6, max_value=-0.01),          # negative: below the minimum
    amounts.map(lambda d: f"{d:,.2f}"), amounts.map(lambda d: f"${d:,.2f}"),
    amounts.map(lambda d: f" {d} "),
    dates,
)
month_cell = st.one_of(
    blank, errors, junk, dates,
    dates.map(lambda d: f"{d:%Y-%m}"), dates.map(lambda d: d.isoformat()),
    st.sampled_from(["2027-13", "13/2027", "March"]),
)
id_cell = st.one_of(blank, st.sampled_from(["A1", " A2 ", "A-3", "0042"]),
                    st.integers(min_value=1, max_value=10**10))
extra_cell = st.one_of(blank, junk, errors, st.integers(), dates,
                       st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=10))

budget_row = st.fixed_dictionaries({"Activity ID": id_cell, "Month": month_cell,
                                    "Budgeted": money_cell, "Planned": money_cell,
                                    "Notes": extra_cell})


@st.composite
def budget_sheets(draw) -> tuple[list[str], list[dict[str, Any]]]:
    columns = draw(st.permutations(["Activity ID", "Month", "Budgeted", "Planned", "Notes"]))
    keep = [c for c in columns
            if c in ("Activity ID", "Month") or draw(st.booleans()) or c == "Budgeted"]
    rows = draw(st.lists(budget_row, min_size=0, max_size=25))
    return keep, rows


# --- the oracle --------------------------------------------------------------------------

def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def oracle_cents(value: Any, negative_ok: bool = False) -> int | None:
    """Cents of a clean amount (blank = 0), None when the value must carry a finding.
    `negative_ok`: the column takes negative amounts (Budgeted: a budget cut)."""
    if is_blank(value):
        return 0
    if isinstance(value, bool) or isinstance(value, (dt.date, dt.datetime)):
        return None
    if isinstance(value, (int, float)):
        number = Decimal(repr(float(value))) if isinstance(value, float) else Decimal(value)
    else:
        match = AMOUNT_TEXT.match(value.strip())
        if not match:
            return None
        number = Decimal(match[1].replace(",", ""))
    with localcontext() as context:
        context.prec = 1000                                 # 1e300 has 301 digits
        cents = int((number * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return cents if (-MAX_CENTS if negative_ok else 0) <= cents <= MAX_CENTS else None


def oracle_month_ok(value: Any) -> bool:
    if isinstance(value, dt.date):
        return True
    if isinstance(value, str):
        text = value.strip()
        for pattern in ("%Y-%m", "%Y-%m-%d"):
            try:
                dt.datetime.strptime(text, pattern)
                return True
            except ValueError:
                pass
    return False


def oracle_id_ok(value: Any) -> bool:
    return not is_blank(value)


def write_random_book(folder: Path, columns: list[str], rows: list[dict[str, Any]],
                      extra_sheet: list[list[Any]] | None) -> Path:
    sheets = {"Plan": plan_rows(DEFAULT_PLAN),
              **{name: rows_of(records) for name, records in DEFAULT_SHEETS.items()
                 if name != "Budget"}}
    sheets["Budget"] = [columns] + [[row[c] for c in columns] for row in rows]
    if extra_sheet is not None:
        sheets["Notes & scratch"] = extra_sheet
    return write_book(folder / "random.xlsx", sheets)


SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def example_row(**cells: Any) -> dict[str, Any]:
    return {"Activity ID": None, "Month": None, "Budgeted": None, "Planned": None,
            "Notes": None, **cells}


@SETTINGS
@given(sheet=budget_sheets(),
       extra_sheet=st.one_of(st.none(), st.lists(st.lists(extra_cell, max_size=4), max_size=5)))
# Found by this test: a 301-digit amount broke the whole book (int64 overflow) …
@example(sheet=(["Activity ID", "Month", "Budgeted"],
                [example_row(**{"Activity ID": "A1", "Month": "2027-01", "Budgeted": 1e300})]),
         extra_sheet=None)
# … and a row holding only an error cell (#N/A) was skipped as blank, silently.
@example(sheet=(["Activity ID", "Month", "Budgeted"], [example_row(Budgeted="#N/A")]),
         extra_sheet=None)
def test_every_row_is_accepted_or_rejected_with_a_finding(sheet, extra_sheet):
    columns, rows = sheet
    with tempfile.TemporaryDirectory() as folder:
        path = write_random_book(Path(folder), columns, rows, extra_sheet)
        book = read_book(path)
        analysis = analyze_book(path)               # never raises either

    assert book.readable, [f.message for f in book.findings]
    table = book.tables["Budget"]
    frame = table.frame
    letters = table.letters
    # Rows read: every row with any non-blank cell (declared or not), at its Excel row.
    expected_rows = [number for number, row in enumerate(rows, start=2)
                     if any(not is_blank(row[c]) for c in columns)]
    assert frame["_row"].tolist() == expected_rows
    accepted, rejected = frame[~frame["_rejected"]], frame[frame["_rejected"]]
    assert len(accepted) + len(rejected) == len(expected_rows)

    findings_at = {(f.sheet, f.row) for f in book.findings}
    cells_with_findings = {(f.sheet, f.cell) for f in book.findings}
    for number in rejected["_row"]:
        assert ("Budget", int(number)) in findings_at, number

    # Acceptance by the oracle: a non-blank Activity ID and a month it can read.
    by_number = {number: rows[number - 2] for number in expected_rows}
    for number, is_rejected in zip(frame["_row"], frame["_rejected"], strict=True):
        row = by_number[int(number)]
        expected_ok = oracle_id_ok(row["Activity ID"]) and oracle_month_ok(row["Month"])
        assert (not is_rejected) == expected_ok, (number, row)

    # Money: exact cents, or a finding at the very cell (and the column default, 0).
    money_columns = [c for c in ("Budgeted", "Planned") if c in columns]
    for column in money_columns:
        negative_ok = column == "Budgeted"
        for number, cents in zip(frame["_row"], frame[column], strict=True):
            raw = by_number[int(number)][column]
            expected = oracle_cents(raw, negative_ok)
            if expected is None:   # not a plain amount: the reader must say so at the cell
                assert ("Budget", f"{letters[column]}{number}") in cells_with_findings, raw
            else:
                assert cents == expected, (raw, cents, expected)
        total = int(accepted[column].sum())
        # The total is the exact integer sum of the accepted rows' cents: the oracle's for
        # plain amounts, the reader's (flagged) reading for the rest.
        readings = dict(zip(accepted["_row"].tolist(), accepted[column].tolist(), strict=True))
        expected_total = sum(oracle_cents(by_number[n][column], negative_ok)
                             if oracle_cents(by_number[n][column], negative_ok) is not None
                             else readings[n]
                             for n in readings)
        assert total == expected_total
    for column in {"Budgeted", "Planned"} - set(columns):
        assert (frame[column] == 0).all()          # a missing optional column: its default
    assert {f.code for f in analysis.findings} >= {f.code for f in book.findings}


@SETTINGS
@given(cells=st.lists(st.lists(st.one_of(money_cell, month_cell, id_cell, extra_cell),
                               max_size=6), max_size=12),
       title=st.sampled_from(["Budget", "Campaigns", "Activities", "Tasks", "Plan", "Lists",
                              "Opportunities", "Quotas", "Leads", "Invoices", "Rates"]))
def test_any_cells_in_any_sheet_never_break_the_read(cells, title):
    """Raw junk (no header, or a header in some row) in any declared sheet: never a crash."""
    with tempfile.TemporaryDirectory() as folder:
        sheets = {"Plan": plan_rows(DEFAULT_PLAN),
                  **{name: rows_of(records) for name, records in DEFAULT_SHEETS.items()}}
        sheets[title] = cells
        path = write_book(Path(folder) / "junk.xlsx", sheets)
        analysis = analyze_book(path)
    book = analysis.book
    assert book.readable, [f.message for f in book.findings]
    for table in book.tables.values():
        frame = table.frame
        assert len(frame) == frame["_rejected"].sum() + (~frame["_rejected"]).sum()
        for number in frame.loc[frame["_rejected"], "_row"]:
            assert any(f.row == int(number) and f.sheet == (table.title or table.sheet.name)
                       for f in analysis.findings) or any(
                f.code == "column-missing" and f.sheet == (table.title or table.sheet.name)
                for f in analysis.findings), (table.sheet.name, number)
