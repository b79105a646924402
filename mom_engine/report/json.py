"""JSON documents for `--json` (SPEC §13): one document on stdout, amounts with 2 decimals."""
from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable
from typing import Any

from ..findings import Finding


def money(cents: int | None) -> float | None:
    """Integer cents → a JSON number with at most 2 decimals."""
    if cents is None:
        return None
    return round(int(cents) / 100, 2)


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
        return value.item()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, default=_default, ensure_ascii=False, indent=2)
