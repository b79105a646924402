"""Reporting currency: the --rates file and exact cents × rate conversion (SPEC §11)."""
from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import pandas as pd

from ..sheets import normalise_name


class RatesError(ValueError):
    """The --rates file cannot be used (a usage problem)."""


def read_rates(path: str | Path, currency: str) -> dict[str, Decimal]:
    """CSV with Currency, Rate (reporting-currency units per one unit of Currency)."""
    rates = {currency.upper(): Decimal(1)}
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [normalise_name(h) for h in next(reader, [])]
            if "currency" not in header or "rate" not in header:
                raise RatesError(f"{path} needs the headers Currency and Rate")
            c, r = header.index("currency"), header.index("rate")
            for number, row in enumerate(reader, start=2):
                if len(row) <= max(c, r) or not row[c].strip():
                    continue
                try:
                    rate = Decimal(row[r].strip().replace(",", ""))
                except InvalidOperation:
                    raise RatesError(f"{path} line {number}: rate '{row[r]}' is not a number") \
                        from None
                if not rate.is_finite() or rate <= 0:
                    raise RatesError(f"{path} line {number}: rate must be a positive number")
                rates[row[c].strip().upper()] = rate
    except OSError as error:
        raise RatesError(f"cannot read {path}: {error.strerror or error}") from None
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
