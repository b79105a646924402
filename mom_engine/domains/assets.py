"""The asset register: expiry check, search, and likely duplicates across teams (SPEC §9).

Unique Asset ID is the structure check `id-duplicate` (structure.py); this module adds
`asset-expired` (an Approved asset whose Expires date is before the as-of date — an asset that
expires today is still valid today).

Search ranks assets by how many distinct query words appear as whole words (case-insensitive)
in Asset or Tags; rows matching none are dropped when words are given; ties are ordered by
Asset ID. Filters (Type, Product, Segment, Region) are exact, case-insensitive, trimmed.

Duplicates for the consolidation catalogue: the same normalised name (case-folded, punctuation
and repeated spaces removed) and the same normalised type in two or more different teams.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..findings import Finding
from ..model import Book, Context


FILTER_COLUMNS = {"type": "Type", "product": "Product", "segment": "Segment", "region": "Region"}


def check_assets(book: Book, context: Context) -> list[Finding]:
    """`asset-expired`: Approved assets whose Expires date is before the as-of date."""
    assets = book.rows("Assets")
    if assets.empty:
        return []
    as_of = np.datetime64(context.as_of, "D")
    expires = assets["Expires"].to_numpy(dtype="datetime64[s]").astype("datetime64[D]")
    expired = (assets["Status"] == "Approved").to_numpy() & ~np.isnat(expires) & (expires < as_of)
    findings = []
    for position in np.flatnonzero(expired):
        day = assets["Expires"].iat[position].date()
        findings.append(book.finding(
            "asset-expired",
            f"asset {assets['Asset ID'].iat[position]} ({assets['Asset'].iat[position]}) is "
            f"Approved but expired on {day}; set its Status to Retired or renew it with a new "
            f"Expires date",
            sheet="Assets", column="Expires", row=int(assets["_row"].iat[position]),
            value=day.isoformat()))
    return findings


def query_words(words: str) -> list[str]:
    """The distinct words of a query, case-folded, in order (letters, digits, ' and -)."""
    seen: list[str] = []
    for word in re.findall(r"[\w'-]+", words.casefold()):
        if word not in seen:
            seen.append(word)
    return seen


def search_assets(frame: pd.DataFrame, words: str = "", type: str | None = None,
                  product: str | None = None, segment: str | None = None,
                  region: str | None = None) -> pd.DataFrame:
    """Assets matching the filters, ranked by matched words in Asset/Tags (SPEC §9).

    Returns the matching rows with a `matches` column (distinct query words found), best
    first, ties by Asset ID (blank IDs last).
    """
    keep = np.ones(len(frame), dtype=bool)
    filters = {"type": type, "product": product, "segment": segment, "region": region}
    for name, wanted in filters.items():
        if wanted is None or not str(wanted).strip():
            continue
        keep &= _equals_folded(frame[FILTER_COLUMNS[name]], str(wanted).strip().casefold())
    terms = query_words(words)
    matches = np.zeros(len(frame), dtype=np.int64)
    if terms:
        texts = _search_texts(frame)
        ascii_rows = pc.string_is_ascii(texts).to_numpy(zero_copy_only=False)
        for word in terms:  # a loop over the few query words, vectorised over the rows
            matches += _holds_word(texts, ascii_rows, word)
        keep &= matches > 0
    kept = np.flatnonzero(keep)
    chosen = kept[_ranked(frame["Asset ID"], kept, matches[kept])]
    return frame.iloc[chosen].assign(matches=matches[chosen]).reset_index(drop=True)


def _ranked(ids: pd.Series, kept: np.ndarray, matches: np.ndarray) -> np.ndarray:
    """The order of the kept rows: most matches first, then by Asset ID (code point order,
    blank IDs last), in one stable Arrow sort."""
    table = pa.table({"matches": pa.array(-matches), "id": _sort_texts(ids, kept)})
    return pc.sort_indices(table, sort_keys=[("matches", "ascending"),
                                             ("id", "ascending", "at_end")]).to_numpy()


def _sort_texts(ids: pd.Series, kept: np.ndarray) -> pa.Array:
    """The kept rows' Asset IDs as the text they sort by: each ID as str() writes it, trailing
    NUL characters not counted (numpy's text ordering, which the ranking has always used),
    a blank ID null. A text column without NULs goes to Arrow as it is."""
    if pd.api.types.is_string_dtype(ids.dtype) and ids.dtype != object:
        texts = pa.array(ids, type=pa.large_string(), from_pandas=True).take(pa.array(kept))
        if not pc.any(pc.ends_with(texts, "\x00")).as_py():
            return texts
    values = ids.to_numpy(dtype=object)[kept].tolist()
    return pa.array([None if pd.isna(value) else str(value).rstrip("\x00") for value in values],
                    type=pa.large_string())


def _search_texts(frame: pd.DataFrame) -> pa.Array:
    """What a query searches, per row: Asset and Tags, apart by a line break."""
    asset, tags = (pa.array(frame[column].fillna("").astype(str), type=pa.large_string())
                   for column in ("Asset", "Tags"))
    return pc.binary_join_element_wise(asset, tags, pa.scalar(" \n ", pa.large_string()))


def _holds_word(texts: pa.Array, ascii_rows: np.ndarray, word: str) -> np.ndarray:
    """Rows whose text holds `word` as a whole word, ignoring case: no word character (letter,
    digit, _) right before or after it — the regex `(?<!\\w)word(?!\\w)`, case-insensitive.
    Where both the word and a row are ASCII, Arrow's RE2 decides it in one pass over the
    column (for ASCII text the same test, spelled with explicit neighbours, as RE2 has no
    look-behind); any other row is searched with Python's `re`, exactly as written."""
    exact = re.compile(rf"(?<![\w]){re.escape(word)}(?![\w])", re.IGNORECASE)
    if word.isascii():
        ascii_word = f"(?:^|[^0-9A-Za-z_]){re.escape(word)}(?:$|[^0-9A-Za-z_])"
        found = pc.match_substring_regex(texts, ascii_word, ignore_case=True).to_numpy(
            zero_copy_only=False)
        others = np.flatnonzero(~ascii_rows)
    else:
        found = np.zeros(len(texts), dtype=bool)
        others = np.arange(len(texts))
    for position, text in zip(others.tolist(), texts.take(others).to_pylist(), strict=True):
        found[position] = exact.search(text) is not None
    return found


def _equals_folded(column: pd.Series, wanted: str) -> np.ndarray:
    """Which values equal `wanted` trimmed and case-folded (blank: never); each distinct value
    is folded once."""
    codes, distinct = pd.factorize(column)
    equal = [str(value).strip().casefold() == wanted for value in distinct.tolist()]
    return np.array(equal + [False], dtype=bool)[codes]


def normalised_name(series: pd.Series) -> pd.Series:
    """Case-folded, punctuation removed, spaces collapsed: 'Q3  Launch-Deck!' → 'q3 launch deck'."""
    text = series.fillna("").astype(str).str.casefold()
    text = text.str.replace(r"[\W_]+", " ", regex=True)
    return text.str.strip()


def find_duplicate_assets(frames_by_team: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Assets with the same normalised name and type in different teams (SPEC §9).

    Returns team, Asset ID, Asset, Type, name_key, type_key, teams (how many teams share it),
    ordered by (name_key, type_key, team, Asset ID): reuse before re-creating.
    """
    columns = ["team", "Asset ID", "Asset", "Type", "name_key", "type_key", "teams"]
    parts = [pd.DataFrame({"team": team, "Asset ID": frame["Asset ID"].to_numpy(dtype=object),
                           "Asset": frame["Asset"].to_numpy(dtype=object),
                           "Type": frame["Type"].to_numpy(dtype=object)})
             for team, frame in frames_by_team.items() if len(frame)]
    if not parts:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    assets = sharing_teams(pd.concat(parts, ignore_index=True))
    duplicates = assets[assets["teams"] > 1]
    return duplicates.sort_values(["name_key", "type_key", "team", "Asset ID"],
                                  ignore_index=True)[columns]


def sharing_teams(assets: pd.DataFrame) -> pd.DataFrame:
    """The named rows of `assets` (columns team, Asset, Type, …) with their `name_key`,
    `type_key` and `teams`: how many teams have an asset of that normalised name and type —
    more than one makes the rows likely duplicates. The index is kept."""
    assets = assets.assign(name_key=normalised_name(assets["Asset"]),
                           type_key=normalised_name(assets["Type"]))
    assets = assets[(assets["name_key"] != "").to_numpy()]
    return assets.assign(teams=assets.groupby(["name_key", "type_key"])["team"]
                         .transform("nunique"))
