"""Money, one API (SPEC §3, §5): from the reader on, every amount is integer cents; this module
is where cents meet anything else.

- units: `units(cents)` → a float with 2 decimals, for JSON and workbook cells; `format_money`
  → `1,234.56` for messages (exact, no float).
- exact arithmetic: `multiply_cents` (cents × a rate, probability or target, as typed, half away
  from zero), `cents_of_decimal` / `cents_of_float` (an amount in units → cents), `round_cents`
  (float products already in cents → cents), `exceeds` (over a limit with a tolerance,
  strictly and in integers), `decimal_of` (a float as typed).

The reader's parsers (`values.py`) hold the arithmetic's definitions because parsing a cell
needs them; import them from here.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .values import (CENT, cents_of_decimal, cents_of_float, decimal_of, exceeds, multiply_cents,
                     round_cents)

__all__ = ["CENT", "cents_of_decimal", "cents_of_float", "decimal_of", "exceeds",
           "exchange_rates", "format_money", "in_plan_currency", "multiply_cents", "round_cents",
           "units"]


def units(cents: Any) -> float | None:
    """Integer cents → currency units as a number with at most 2 decimals; None stays None."""
    if cents is None:
        return None
    return round(int(cents) / 100, 2)


def format_money(cents: Any) -> str:
    """Integer cents → `1,234.56` (exact, no float)."""
    cents = int(cents)
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole:,}.{rest:02d}"


# --- other currencies -----------------------------------------------------------------------

def exchange_rates(rates: pd.DataFrame, plan_currency: str) -> dict[str, float]:
    """The Rates sheet's rows → currency → plan-currency units per 1 unit (the plan's own 1)."""
    table = {str(c).upper(): float(r)
             for c, r in zip(rates["Currency"], rates["Rate"], strict=True)
             if not pd.isna(c) and not pd.isna(r) and r > 0}
    table[plan_currency.upper()] = 1.0
    return table


def in_plan_currency(cents: Any, currency: pd.Series, rates: Mapping[str, float],
                     plan_currency: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Amounts (cents) in their row's currency (blank: the plan's) → (plan-currency cents,
    which rows had a rate, each row's currency code). Rows without a rate come out as 0 cents
    and priced False: the caller reports them (`rate-missing`), never guesses a rate."""
    plan = plan_currency.upper()
    if currency.isna().all():          # no currency given anywhere (the usual book): the plan's
        code_of = np.full(len(currency), plan, dtype=object)
        rate = np.full(len(currency), rates.get(plan, np.nan), dtype=np.float64)
    else:
        codes = currency.astype("string").str.strip().str.upper().fillna(plan)
        rate = codes.map(dict(rates)).astype("float64").to_numpy()
        code_of = codes.to_numpy(dtype=object)
    priced = ~np.isnan(rate)
    amount = np.asarray(cents, dtype=np.float64)
    converted = multiply_cents(np.nan_to_num(amount), np.where(priced, rate, 0.0))
    return converted, priced, code_of
