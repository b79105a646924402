"""How IDs and names are matched, defined once (SPEC §3 "IDs"): an ID's key is its text trimmed
and case-folded; a blank ID has no key (None / missing) and matches nothing.

`normalise.py` respells every reference to the spelling its ID is defined with, so joins after
that stage could be exact; the rollups still join on keys so that a table handed in without
its referenced sheet (a UDF range) matches the same way. Every place that compares IDs, rep
names, PO numbers or Plan IDs goes through these functions — none folds text itself.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.core.arrays.string_arrow import ArrowStringArray


def id_key(value: Any) -> str | None:
    """One ID's key: trimmed and case-folded text; None for a blank (None, NA, NaN)."""
    if value is None or value is pd.NA or value != value:
        return None
    return str(value).strip().casefold()


def id_keys(values: Any) -> list[str | None]:
    """`id_key` of each value, as a list. An Arrow-backed text column (what the reader builds)
    is read out of Arrow in one step and keyed by the comprehension; Arrow's own string
    kernels and pandas' string methods cost more per call than that on team-sized tables, and
    reading such a column as an object array costs ~130 µs however short it is."""
    if isinstance(values, (pd.Series, pd.Index)):
        values = values.array
    if isinstance(values, ArrowStringArray):
        texts = pa.array(values, type=pa.large_string(), from_pandas=True).to_pylist()
        return [None if text is None else text.strip().casefold() for text in texts]
    if isinstance(values, pd.api.extensions.ExtensionArray):
        values = values.to_numpy(dtype=object)
    return [id_key(v) for v in values]


def id_key_series(values: pd.Series) -> pd.Series:
    """`id_key` of each value, as an object Series on the same index (None for blanks)."""
    return pd.Series(id_keys(values), index=values.index, dtype=object)


def text_groups(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`np.unique(values.astype(str), return_inverse=True)`: the distinct values as text,
    sorted, and each value's position among them. When every value is text (the usual case),
    each distinct value is made text once (`pd.factorize` first), not each value; other kinds
    go the direct way (1, 1.0 and True are one value to factorize but three texts)."""
    if set(map(type, values.tolist())) != {str}:
        labels, inverse = np.unique(values.astype(str), return_inverse=True)
        return labels, inverse.reshape(-1)
    codes, distinct = pd.factorize(values)
    labels, inverse = np.unique(np.array([str(v) for v in distinct.tolist()], dtype=str),
                                return_inverse=True)
    return labels, inverse.reshape(-1)[codes]


def first_positions(keys: Iterable[Any]) -> dict[Any, int]:
    """"The first row per ID", defined once: each key → the position of its first row, in the
    order the keys first appear. A blank key (None, NA, NaN) is left out: it matches nothing.
    Keys are compared exactly — pass `id_keys` of a column to match IDs ignoring case."""
    first: dict[Any, int] = {}
    for position, key in enumerate(keys):
        if key is not None and key is not pd.NA and key == key:
            first.setdefault(key, position)
    return first


def first_rows(keys: Iterable[Any]) -> np.ndarray:
    """The positions of `first_positions`, in row order, as an int64 array."""
    first = first_positions(keys)
    return np.fromiter(first.values(), dtype=np.int64, count=len(first))
