"""How IDs and names are matched, defined once (SPEC §3 "IDs"): an ID's key is its text trimmed
and case-folded; a blank ID has no key (None / missing) and matches nothing.

`normalise.py` respells every reference to the spelling its ID is defined with, so joins after
that stage could be exact; the rollups still join on keys so that a table handed in without
its referenced sheet (a UDF range) matches the same way. Every place that compares IDs, rep
names, PO numbers or Plan IDs goes through these functions — none folds text itself.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def id_key(value: Any) -> str | None:
    """One ID's key: trimmed and case-folded text; None for a blank (None, NA, NaN)."""
    if value is None or value is pd.NA or value != value:
        return None
    return str(value).strip().casefold()


def id_keys(values: Any) -> list[str | None]:
    """`id_key` of each value, as a list. A column of ASCII text (the usual IDs) is keyed in
    one Arrow step — for ASCII, `str.casefold` is lower-casing and `str.strip` removes exactly
    `_ASCII_SPACE` — anything else one value at a time (pandas' string methods cost more per
    call than the comprehension on team-sized tables)."""
    keys = _ascii_keys(values)
    if keys is not None:
        return keys
    if isinstance(values, (pd.Series, pd.Index)):
        values = values.to_numpy(dtype=object)   # iterating an Arrow-backed column is slow
    return [id_key(v) for v in values]


_ASCII_SPACE = "".join(chr(c) for c in range(128) if chr(c).isspace())   # str.strip's ASCII


def _ascii_keys(values: Any) -> list[str | None] | None:
    """The keys of values that are all text (or blank) and all ASCII, else None."""
    if isinstance(values, (pd.Series, pd.Index)):
        values = values.array
    if not (len(values) and (isinstance(values, pd.api.extensions.ExtensionArray)
                             or isinstance(values, (list, np.ndarray)))):
        return None
    try:
        text = pa.array(values, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        return None
    if pc.all(pc.string_is_ascii(text)).as_py() is False:     # (None: every value blank)
        return None
    return pc.ascii_lower(pc.ascii_trim(text, _ASCII_SPACE)).to_pylist()


def id_key_series(values: pd.Series) -> pd.Series:
    """`id_key` of each value, as an object Series on the same index (None for blanks)."""
    return pd.Series(id_keys(values), index=values.index, dtype=object)


def id_key_index(values: Any) -> pd.Index:
    """The keys as a pandas string Index (blank stays missing), for `get_indexer` lookups."""
    return pd.Index(pd.Series(values, dtype="string").str.strip().str.casefold())


def id_key_array(values: Any) -> np.ndarray:
    """The keys as an object array (blank stays missing), for vectorised equality."""
    return pd.Series(values, dtype=object).str.strip().str.casefold().to_numpy(dtype=object)


def text_groups(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`np.unique(values.astype(str), return_inverse=True)`: the distinct values as text,
    sorted, and each value's position among them — with each distinct value made text once
    (`pd.factorize` first), not each value. `values`: an object array with no blank."""
    codes, distinct = pd.factorize(values)
    labels, inverse = np.unique(np.array([str(v) for v in distinct.tolist()], dtype=str),
                                return_inverse=True)
    return labels, inverse.reshape(-1)[codes]
