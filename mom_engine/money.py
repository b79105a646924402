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

from typing import Any

from .values import (CENT, cents_of_decimal, cents_of_float, decimal_of, exceeds, multiply_cents,
                     round_cents)

__all__ = ["CENT", "cents_of_decimal", "cents_of_float", "decimal_of", "exceeds", "format_money",
           "multiply_cents", "round_cents", "units"]


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
