"""JSON documents for `--json` / `--format json` (SPEC §13): one strict document on stdout.

Strict: no NaN or Infinity (a blank figure is null), dates in ISO form, numpy scalars as plain
numbers. Figures arrive already converted by their table spec (`report.table`), so money has
at most 2 decimals.
"""
from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable
from typing import Any

from ..findings import Finding
from ..money import units
from ..safety import readable_text

money = units      # integer cents → a JSON number with at most 2 decimals


def ratio(value: float | None, digits: int = 4) -> float | None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return round(float(value), digits)


def findings_json(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    return [f.to_json() for f in findings]


def _default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return strict(value.item())
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def strict(value: Any) -> Any:
    """The document as strict JSON holds it: NaN and ±Infinity (a blank cell of a table, a
    ratio over nothing) become null, text the OS gave as undecodable bytes (a file name like
    `caf\\xe9.xlsx`) is shown escaped — never `NaN`, never an encoding crash."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return value if value.isascii() else readable_text(value)
    if isinstance(value, dict):
        return {strict(key): strict(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [strict(item) for item in value]
    if hasattr(value, "item") and not isinstance(value, (bytes, bytearray)):  # numpy scalars
        return strict(value.item())
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int)):
        return value
    if type(value).__name__ in ("NAType", "NaTType"):     # pandas' missing values
        return None
    return strict(str(value))


def dumps(document: dict[str, Any]) -> str:
    """One strict JSON document (no NaN/Infinity: `allow_nan=False` proves it)."""
    return json.dumps(strict(document), default=_default, ensure_ascii=False, indent=2,
                      allow_nan=False)
