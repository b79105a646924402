"""Cell values → typed values, by column kind (SPEC §3 "Values").

Shared by the workbook reader and the Excel UDFs, so a value means the same thing whether it
came from a file or from a live range. Each parser takes one raw value (what the reader or
Excel hands over: str, float, int, bool, date, datetime, None) and returns a `Parsed`: the typed
value (None for blank or unreadable) and, when something is off, a finding code and a message.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from .calendar import fiscal_quarter, quarter_label
from .sheets import Column, Kind, enum_value


class Parsed(NamedTuple):
    value: Any
    code: str | None = None
    message: str | None = None


BLANK = Parsed(None)

EXCEL_1900 = dt.date(1899, 12, 30)
EXCEL_1904 = dt.date(1904, 1, 1)
# A bare number in a date column is read as an Excel serial date when it lies between
# 1950-01-01 and 2100-12-31 (the cell lost its date format); anything else is a value-type error.
SERIAL_RANGE = (18264, 73415)
ERROR_VALUES = frozenset({"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!",
                          "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!",
                          "#CONNECT!", "#BUSY!", "#UNKNOWN!"})


def is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip()) or (
        isinstance(raw, float) and raw != raw)


_NEVER_BLANK = frozenset({int, bool, dt.date, dt.datetime, dt.time, dt.timedelta})


def any_blank(raw: list[Any]) -> bool:
    """`any(map(is_blank, raw))` — whether a column has a blank cell — with one C-level pass
    over a column of texts, of numbers or of dates (the common cases)."""
    kinds = set(map(type, raw))
    if kinds <= _NEVER_BLANK:
        return False
    if kinds == {str}:
        return not all(map(str.strip, raw))
    if kinds == {float}:
        return not all(map(float.__eq__, raw, raw))     # NaN is the one float not itself
    return any(map(is_blank, raw))


def text_of(raw: Any) -> str:
    """A cell as trimmed text; whole numbers are their digits (4500012345, never …0)."""
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float):
        if raw.is_integer():
            return str(int(raw))
        return repr(raw)
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat(sep=" ")
    if isinstance(raw, dt.date):
        return raw.isoformat()
    return str(raw).strip()


# --- money ---------------------------------------------------------------------------------

CENT = Decimal("0.01")
_MONEY_TEXT = re.compile(
    r"^(?P<neg1>-)?\s*(?P<open>\()?\s*(?P<neg2>-)?\s*(?:[A-Z]{3}\s*)?[$€£¥]?\s*(?P<neg3>-)?\s*"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)\s*(?:[A-Z]{3})?\s*(?P<close>\))?$"
)


def cents_of_decimal(amount: Decimal) -> int:
    """Round to cents half away from zero; return integer cents."""
    return int((amount.quantize(CENT, rounding=ROUND_HALF_UP) * 100).to_integral_value())


def cents_of_float(amount: float) -> int:
    """A float as typed (its shortest decimal form) rounded to cents half away from zero."""
    scaled = amount * 100
    nearest = round(scaled)
    if abs(scaled - nearest) < 1e-7:
        return int(nearest)
    return cents_of_decimal(Decimal(repr(amount)))


def round_cents(amounts: Any) -> np.ndarray:
    """Float amounts in cents (products of cents and rates or probabilities) → int64 cents,
    half away from zero (SPEC §3), vectorised. Rounded to 6 decimals first, so binary noise
    (1000010 × 0.35 = 350003.49999…, 5 × 1.1 = 5.5000000000000004) does not decide the half
    cent: what the user typed does."""
    values = np.round(np.asarray(amounts, dtype=np.float64), 6)
    return (np.sign(values) * np.floor(np.abs(values) + 0.5)).astype(np.int64)


def decimal_of(number: float) -> Decimal:
    """A float as typed: its shortest decimal form (0.025, never 0.025000000000000001)."""
    return Decimal(repr(float(number)))


def multiply_cents(cents: Any, factors: Any) -> np.ndarray:
    """cents × factor (a rate, a probability, a target) rounded to cents half away from zero,
    exactly: the factor is taken as typed (`decimal_of`), so 100.00 × 1.005 is 100.50 → 100.51
    whatever binary noise says (SPEC §3, §5). Vectorised: the float product decides every cent
    that is not within its error bound of a half; those few are recomputed in Decimal."""
    cents = np.asarray(cents, dtype=np.int64)
    factors = np.broadcast_to(np.asarray(factors, dtype=np.float64), cents.shape)
    product = cents.astype(np.float64) * factors
    magnitude = np.abs(product)
    out = (np.sign(product) * np.floor(magnitude + 0.5)).astype(np.int64)
    near_half = np.abs(magnitude - np.floor(magnitude) - 0.5) <= magnitude * 1e-15 + 1e-9
    for index in np.flatnonzero(near_half | (magnitude >= 2.0 ** 52)):
        exact = Decimal(int(cents.flat[index])) * decimal_of(factors.flat[index])
        out.flat[index] = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return out


def exceeds(amounts: Any, limits: Any, tolerance: float = 0.0) -> np.ndarray:
    """amount > limit × (1 + tolerance), exactly and strictly (SPEC §5: an amount exactly on
    the limit is not over). Cents are compared with the tolerance as typed (2.5 % is 25/1000),
    in integers — never a float product."""
    amounts = np.asarray(amounts, dtype=np.int64)
    limits = np.broadcast_to(np.asarray(limits, dtype=np.int64), amounts.shape)
    if not tolerance:
        return amounts > limits
    ratio = decimal_of(tolerance).as_integer_ratio()
    numerator, denominator = ratio[0] + ratio[1], ratio[1]
    return np.fromiter((int(a) * denominator > int(b) * numerator
                        for a, b in zip(amounts.ravel().tolist(), limits.ravel().tolist(),
                                        strict=True)),
                       dtype=bool, count=amounts.size).reshape(amounts.shape)


def parse_money_text(text: str) -> Decimal | None:
    match = _MONEY_TEXT.match(text.strip().upper())
    if not match or bool(match["open"]) != bool(match["close"]):
        return None
    try:
        number = Decimal(match["num"].replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
        return None
    negatives = sum(bool(match[g]) for g in ("neg1", "neg2", "neg3", "open"))
    if negatives > 1:
        return None
    return -number if negatives else number


def parse_money(raw: Any, column: Column | None = None) -> Parsed:
    if is_blank(raw):
        return BLANK
    if isinstance(raw, bool):
        return Parsed(None, "value-type", "a yes/no value is not an amount")
    if isinstance(raw, (int, float)):
        if raw != raw or raw in (float("inf"), float("-inf")):
            return Parsed(None, "value-type", "not a finite amount")
        return Parsed(cents_of_float(float(raw)))
    if isinstance(raw, Decimal):   # a cell formatted as Currency, as Excel's COM hands it over
        if not raw.is_finite():
            return Parsed(None, "value-type", "not a finite amount")
        return Parsed(cents_of_decimal(raw))
    if isinstance(raw, str):
        if raw.strip() in ERROR_VALUES:
            return Parsed(None, "value-type", f"the cell shows the error {raw.strip()}")
        number = parse_money_text(raw)
        if number is None:
            return Parsed(None, "value-type", f"'{raw}' is not an amount; type a number")
        return Parsed(cents_of_decimal(number), "number-as-text",
                      f"'{raw}' is an amount typed as text; it was read as {number:,.2f}")
    return Parsed(None, "value-type", f"'{raw}' is not an amount")


# --- plain numbers and percents ------------------------------------------------------------

def parse_number(raw: Any, column: Column | None = None) -> Parsed:
    if is_blank(raw):
        return BLANK
    if isinstance(raw, bool):
        return Parsed(None, "value-type", "a yes/no value is not a number")
    if isinstance(raw, (int, float)) or (isinstance(raw, Decimal) and raw.is_finite()):
        return Parsed(float(raw))
    if isinstance(raw, str):
        number = parse_money_text(raw)
        if number is None:
            return Parsed(None, "value-type", f"'{raw}' is not a number")
        return Parsed(float(number), "number-as-text",
                      f"'{raw}' is a number typed as text; it was read as {number}")
    return Parsed(None, "value-type", f"'{raw}' is not a number")


def parse_percent(raw: Any, column: Column | None = None) -> Parsed:
    if is_blank(raw):
        return BLANK
    code = message = None
    if isinstance(raw, str) and raw.strip().endswith("%"):
        number = parse_money_text(raw.strip()[:-1])
        if number is None:
            return Parsed(None, "value-type", f"'{raw}' is not a percent")
        value = float(number) / 100
        code, message = "number-as-text", f"'{raw}' is a percent typed as text; read as {raw.strip()}"
    else:
        parsed = parse_number(raw)
        if parsed.value is None:
            return parsed
        value, code, message = parsed
    if 1 < value <= 100:
        return Parsed(value / 100, "percent-scale",
                      f"{value:g} was read as {value:g}%; type {value:g}% or {value / 100:g}")
    return Parsed(value, code, message)


# --- dates ---------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def date_of_serial(serial: float, date1904: bool = False) -> dt.date:
    return (EXCEL_1904 if date1904 else EXCEL_1900) + dt.timedelta(days=int(serial))


def parse_date(raw: Any, column: Column | None = None, *, date1904: bool = False) -> Parsed:
    if is_blank(raw):
        return BLANK
    if isinstance(raw, dt.datetime):
        return Parsed(raw.date())
    if isinstance(raw, dt.date):
        return Parsed(raw)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if SERIAL_RANGE[0] <= raw <= SERIAL_RANGE[1]:
            return Parsed(date_of_serial(raw, date1904))
        return Parsed(None, "value-type", f"{raw:g} is not a date; type a date like 2027-03-01")
    if isinstance(raw, str):
        match = _ISO_DATE.match(raw.strip())
        if match:
            try:
                return Parsed(dt.date(int(match[1]), int(match[2]), int(match[3])))
            except ValueError:
                pass
        return Parsed(None, "value-type",
                      f"'{raw}' is not a date; type an Excel date or ISO text like 2027-03-01")
    return Parsed(None, "value-type", f"'{raw}' is not a date")


def parse_month(raw: Any, column: Column | None = None, *, date1904: bool = False) -> Parsed:
    if isinstance(raw, str):
        match = _ISO_MONTH.match(raw.strip())
        if match and 1 <= int(match[2]) <= 12:
            return Parsed(dt.date(int(match[1]), int(match[2]), 1))
    parsed = parse_date(raw, column, date1904=date1904)
    if parsed.value is None:
        if parsed.code:
            return Parsed(None, "value-type",
                          f"'{raw}' is not a month; type a date in the month or 2027-03")
        return parsed
    return Parsed(parsed.value.replace(day=1))


# --- text-like kinds -----------------------------------------------------------------------

def parse_text(raw: Any, column: Column | None = None) -> Parsed:
    if is_blank(raw):
        return BLANK
    text = text_of(raw)
    if text in ERROR_VALUES:
        return Parsed(None, "value-type", f"the cell shows the error {text}")
    return Parsed(text)


def parse_enum(raw: Any, column: Column) -> Parsed:
    parsed = parse_text(raw)
    if parsed.value is None:
        return parsed
    value = enum_value(column, parsed.value)
    if value is None:
        return Parsed(None, "value-enum",
                      f"'{parsed.value}' is not allowed; use one of: {', '.join(column.choices)}")
    return Parsed(value)


_YES = frozenset({"yes", "y", "true", "1", "x"})
_NO = frozenset({"no", "n", "false", "0"})


def parse_yesno(raw: Any, column: Column | None = None) -> Parsed:
    if is_blank(raw):
        return BLANK
    if isinstance(raw, bool):
        return Parsed(raw)
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return Parsed(bool(raw))
    text = text_of(raw).casefold()
    if text in _YES:
        return Parsed(True)
    if text in _NO:
        return Parsed(False)
    return Parsed(None, "value-enum", f"'{raw}' is not Yes or No")


_CURRENCY = re.compile(r"^[A-Za-z]{3}$")


def parse_currency(raw: Any, column: Column | None = None) -> Parsed:
    parsed = parse_text(raw)
    if parsed.value is None:
        return parsed
    if not _CURRENCY.match(parsed.value):
        return Parsed(None, "value-enum",
                      f"'{parsed.value}' is not an ISO 4217 currency code (like USD, EUR)")
    return Parsed(parsed.value.upper())


_QUARTER = re.compile(r"^FY\s*(\d{4})\s*[-/ ]?\s*Q([1-4])$", re.IGNORECASE)


def parse_quarter(raw: Any, column: Column | None = None, *, fy_start_month: int = 1,
                  date1904: bool = False) -> Parsed:
    if is_blank(raw):
        return BLANK
    if isinstance(raw, str):
        match = _QUARTER.match(raw.strip())
        if match:
            return Parsed(f"FY{match[1]}-Q{match[2]}")
    parsed = parse_date(raw, date1904=date1904)
    if parsed.value is None:
        return Parsed(None, "value-type",
                      f"'{raw}' is not a fiscal quarter; type FY2027-Q2 or a date in the quarter")
    return Parsed(quarter_label(*fiscal_quarter(parsed.value, fy_start_month)))


def parse_list(raw: Any, column: Column | None = None) -> Parsed:
    parsed = parse_text(raw)
    if parsed.value is None:
        return parsed
    items = tuple(item.strip() for item in re.split(r"[,;]", parsed.value) if item.strip())
    return Parsed(items)


PARSERS: dict[Kind, Callable[..., Parsed]] = {
    Kind.TEXT: parse_text,
    Kind.ID: parse_text,
    Kind.MONEY: parse_money,
    Kind.NUMBER: parse_number,
    Kind.DATE: parse_date,
    Kind.MONTH: parse_month,
    Kind.PERCENT: parse_percent,
    Kind.ENUM: parse_enum,
    Kind.YESNO: parse_yesno,
    Kind.CURRENCY: parse_currency,
    Kind.QUARTER: parse_quarter,
    Kind.LIST: parse_list,
}


MAX_MONEY_CENTS = 10**15  # ten trillion in cents: far above any plan, far below int64


def parse_value(column: Column, raw: Any, *, fy_start_month: int = 1,
                date1904: bool = False) -> Parsed:
    """Parse one raw cell for `column`, range checks included."""
    kind = column.kind
    if kind in (Kind.DATE, Kind.MONTH):
        parsed = PARSERS[kind](raw, column, date1904=date1904)
    elif kind is Kind.QUARTER:
        parsed = parse_quarter(raw, column, fy_start_month=fy_start_month, date1904=date1904)
    else:
        parsed = PARSERS[kind](raw, column)
    if kind is Kind.MONEY and parsed.value is not None and abs(parsed.value) > MAX_MONEY_CENTS:
        # Beyond int64 a single cell would break the whole column (SPEC §15: no input crashes).
        return Parsed(None, "value-range", f"{raw!r} is beyond ±{MAX_MONEY_CENTS // 100:,} "
                                           "(ten trillion); check the amount")
    if parsed.value is not None and kind in (Kind.MONEY, Kind.NUMBER, Kind.PERCENT):
        problem = range_problem(column, parsed.value / 100 if kind is Kind.MONEY else parsed.value)
        if problem:
            return Parsed(None, "value-range", problem)
    return parsed


class NumberError(ValueError):
    """A number given on the command line or in a side file is not usable; says why."""


def number_in_range(text: str | float, low: Decimal, high: Decimal, *,
                    low_open: bool = False) -> Decimal:
    """The one check of a number a user types outside a sheet (SPEC §13, §15): a command
    option (`--target`) or a side-file value (a rate): finite, within [low, high] (or
    (low, high] with `low_open`), exactly as typed (Decimal, `1,000.5` accepted). Raises
    `NumberError` saying the range — never a NaN, an infinity or an overflow later on."""
    shown = str(text).strip()
    try:
        value = Decimal(shown.replace(",", ""))
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite() or value > high or value < low or (
            low_open and value == low):
        where = f"above {low:,} and at most {high:,}" if low_open else \
            f"between {low:,} and {high:,}"
        raise NumberError(f"{shown} is not a number {where}")
    return value


RATE_RANGE = (Decimal("0.000001"), Decimal("1000000"))  # a million to one either way


def range_problem(column: Column, number: float) -> str | None:
    """A message when `number` is outside the column's range, else None."""
    if column.minimum is not None and number < column.minimum:
        return f"{number:g} is below the minimum {column.minimum:g}"
    if column.maximum is not None and number > column.maximum:
        return f"{number:g} is above the maximum {column.maximum:g}"
    if column.above is not None and number <= column.above:
        return f"{number:g} must be greater than {column.above:g}"
    return None
