"""Reporting currency: the --rates file and exact cents × rate conversion (SPEC §11)."""
from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from .. import safety
from ..sheets import normalise_name
from ..values import RATE_RANGE, NumberError, number_in_range


class RatesError(ValueError):
    """The --rates file cannot be used (a usage problem)."""


MAX_RATES_BYTES = 2**20   # a rates file is a few lines; 1 MB is absurd already


def read_rates(path: str | Path, currency: str) -> dict[str, Decimal]:
    """CSV with Currency, Rate (reporting-currency units per one unit of Currency).

    A side input like the workbooks: only a regular file of at most `MAX_RATES_BYTES`, read
    once (a FIFO or /dev/zero would hang or fill memory); each rate passes the one number
    check every command uses (`values.number_in_range`, within `RATE_RANGE`)."""
    rates = {currency.upper(): Decimal(1)}
    try:
        data = safety.read_regular_file(Path(path), "rates", MAX_RATES_BYTES, "a rates file")
    except safety.Refused as refusal:
        raise RatesError(refusal.message) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RatesError(f"{path} is not UTF-8 text; save it as CSV (UTF-8)") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [normalise_name(h) for h in next(reader, [])]
        if "currency" not in header or "rate" not in header:
            raise RatesError(f"{path} needs the headers Currency and Rate")
        c, r = header.index("currency"), header.index("rate")
        for number, row in enumerate(reader, start=2):
            if len(row) <= max(c, r) or not row[c].strip():
                continue
            try:
                rate = number_in_range(row[r], *RATE_RANGE)
            except NumberError as error:
                raise RatesError(f"{path} line {number}: rate {error}") from None
            rates[row[c].strip().upper()] = rate
    except csv.Error as error:
        raise RatesError(f"{path} is not a readable CSV ({error})") from None
    return rates


def convert_cents(cents: int, rate: Decimal) -> int:
    """cents × rate, rounded half away from zero, exactly (integers only)."""
    numerator, denominator = rate.as_integer_ratio()
    quotient, remainder = divmod(abs(int(cents)) * numerator, denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return quotient if cents >= 0 else -quotient


def convert_rows(values: pd.Series, books: np.ndarray,
                 rates: dict[int, Decimal]) -> pd.arrays.IntegerArray:
    """Each row's cents × its book's rate (half away from zero), vectorised per rate; blank
    where the book has no rate. Exact: integer arithmetic, Python ints if int64 could
    overflow."""
    cents = values.astype("Int64")
    out = pd.array(np.zeros(len(cents), dtype=np.int64), dtype="Int64")
    out[:] = pd.NA
    present = cents.notna().to_numpy()
    numbers = cents.fillna(0).to_numpy(dtype=np.int64)
    for rate in set(rates.values()):
        rows = present & np.isin(books, [i for i, r in rates.items() if r == rate])
        if not rows.any():
            continue
        numerator, denominator = rate.as_integer_ratio()
        chosen = numbers[rows]
        if int(np.abs(chosen).max()) * numerator < 2 ** 62:
            quotient, remainder = np.divmod(np.abs(chosen) * numerator, denominator)
            quotient += (2 * remainder >= denominator)
            out[rows] = np.where(chosen < 0, -quotient, quotient)
        else:
            out[rows] = [convert_cents(int(v), rate) for v in chosen]
    return out
