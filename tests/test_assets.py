"""The asset register (SPEC §9): unique IDs, asset-expired, search ranking, duplicates."""
from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from mom_engine.domains.assets import check_assets, find_duplicate_assets, query_words, search_assets
from mom_engine.analyze import DOMAIN_CHECKS

from .conftest import located

D = dt.date
AS_OF = D(2027, 3, 10)

ASSETS = [  # rows 2..8; columns A Asset ID, B Asset, C Type, D Tags, E Status, F Expires, G Region
    {"Asset ID": "AS1", "Asset": "Launch deck", "Type": "Deck", "Tags": "launch, product",
     "Status": "Approved", "Expires": D(2027, 3, 9), "Region": "EMEA"},       # expired yesterday
    {"Asset ID": "AS2", "Asset": "Launch video", "Type": "Video", "Tags": "launch",
     "Status": "Approved", "Expires": D(2027, 3, 10), "Region": "NA"},        # expires today: ok
    {"Asset ID": "AS3", "Asset": "Product one-pager", "Type": "PDF", "Tags": "product launch",
     "Status": "Draft", "Expires": D(2027, 1, 1), "Region": "EMEA"},          # draft: not checked
    {"Asset ID": "AS4", "Asset": "Webinar deck", "Type": "Deck", "Tags": "webinar",
     "Status": "Approved", "Region": "NA"},                                   # no expiry
    {"Asset ID": "AS1", "Asset": "Copy of launch deck", "Type": "Deck",
     "Status": "Approved", "Expires": D(2026, 1, 1)},                        # duplicate ID
    {"Asset ID": "AS6", "Asset": "Launching soon banner", "Type": "Banner", "Tags": "prelaunch",
     "Status": "Retired", "Expires": D(2026, 1, 1), "Region": "APAC"},        # retired: ok
    {"Asset ID": "AS0", "Asset": "Brand guidelines", "Type": "PDF", "Tags": "brand",
     "Status": "Approved", "Expires": D(2026, 12, 31), "Region": "Global"},   # expired
]


def test_asset_expired_and_duplicate_id(make_book, analyze):
    analysis = analyze(make_book(Assets=ASSETS), as_of=AS_OF)
    assert located(analysis.findings, "asset-expired", "id-duplicate") == [
        ("Assets", "F2", "asset-expired"),   # AS1 expired 03-09
        ("Assets", "A6", "id-duplicate"),    # the second AS1 is rejected, so not checked
        ("Assets", "F8", "asset-expired"),   # AS0 expired 2026-12-31
    ]
    expired = [f for f in analysis.findings if f.code == "asset-expired"]
    assert [(f.value, f.severity.value) for f in expired] == [
        ("2027-03-09", "warning"), ("2026-12-31", "warning")]
    assert check_assets in DOMAIN_CHECKS


def test_search_ranks_by_matched_words_then_id(make_book, analyze):
    frame = analyze(make_book(Assets=ASSETS), as_of=AS_OF).book.rows("Assets")
    found = search_assets(frame, "Launch PRODUCT")
    # AS1: launch + product (tags) = 2; AS3: product (name) + launch (tags) = 2; AS2: launch = 1.
    # AS6 "Launching" / "prelaunch" are other words; the rejected AS1 copy is not searched.
    assert list(zip(found["Asset ID"], found["matches"], strict=True)) == [
        ("AS1", 2), ("AS3", 2), ("AS2", 1)]


def test_search_filters_are_exact_and_case_insensitive(make_book, analyze):
    frame = analyze(make_book(Assets=ASSETS), as_of=AS_OF).book.rows("Assets")
    assert list(search_assets(frame, type="deck")["Asset ID"]) == ["AS1", "AS4"]
    assert list(search_assets(frame, "deck", type="DECK", region="na")["Asset ID"]) == ["AS4"]
    assert list(search_assets(frame, region="emea")["Asset ID"]) == ["AS1", "AS3"]
    assert list(search_assets(frame, type="Dec")["Asset ID"]) == []   # exact, not prefix
    assert list(search_assets(frame, "launching")["Asset ID"]) == ["AS6"]
    assert list(search_assets(frame, "nothing-like-this")["Asset ID"]) == []
    # No words and no filters: every accepted asset, by ID.
    assert list(search_assets(frame)["Asset ID"]) == ["AS0", "AS1", "AS2", "AS3", "AS4", "AS6"]


WORDY = [  # (Asset ID, Asset, Tags): whole words in ASCII and other scripts, punctuation, lines
    ("W01", "Launch deck", "cloud"), ("W02", "pre-launch plan", None), ("W03", "launch_deck", ""),
    ("W04", "relaunch", "launch2, 2launch"), ("W05", "LAUNCH!", "x\nlaunch"),
    ("W06", "Kelvin \u212a scale", None), ("W07", "\u017fale banner", "ſale"),
    ("W08", "Café launch", "naïve-launch"), ("W09", "sale", "don't stop"),
    ("W10", "launch's deck", "dont"), ("W11", None, "Cloud-Launch"), ("W12", "CAFÉ", "k"),
]


def test_search_finds_whole_words_ignoring_case_whatever_the_text_holds():
    """A word matches where no letter, digit or _ stands right before or after it, in any case:
    the search agrees with that rule written as one regex per row, on ASCII and other text."""
    frame = pd.DataFrame(WORDY, columns=["Asset ID", "Asset", "Tags"]).astype("str")
    found = search_assets(frame, "launch")
    assert list(zip(found["Asset ID"], found["matches"], strict=True)) == [
        ("W01", 1), ("W02", 1), ("W05", 1), ("W08", 1), ("W10", 1), ("W11", 1)]
    for words in ("launch", "k", "sale", "ſale", "pre-launch", "don't", "café", "deck cloud",
                  "launch deck cloud k", "x", "2launch", "kelvin"):
        expected = []
        for asset_id, asset, tags in WORDY:
            text = f"{asset or ''} \n {tags or ''}"
            count = sum(re.search(rf"(?<![\w]){re.escape(w)}(?![\w])", text, re.IGNORECASE)
                        is not None for w in query_words(words))
            if count:
                expected.append((asset_id, count))
        expected.sort(key=lambda pair: (-pair[1], pair[0]))
        found = search_assets(frame, words)
        assert list(zip(found["Asset ID"], found["matches"], strict=True)) == expected, words


def test_duplicates_across_teams():
    def frame(rows):
        return pd.DataFrame(rows, columns=["Asset ID", "Asset", "Type"])
    teams = {
        "Brand": frame([("B1", "Launch Deck", "Deck"), ("B2", "Brand book", "PDF"),
                        ("B3", "Webinar kit", None)]),
        "Demand": frame([("D7", "launch   deck!", "deck"), ("D8", "Brand book", "Video"),
                         ("D9", "Webinar-kit", None)]),
        "Field": frame([("F1", "Launch deck", "Video"), ("F2", "Brand book", "PDF")]),
        "Solo": frame([("S1", "Launch deck", "Deck"), ("S2", "Launch deck", "Deck")]),
    }
    duplicates = find_duplicate_assets(teams)
    # Launch deck/deck: Brand, Demand, Solo (both of Solo's rows); Brand book/PDF: Brand, Field;
    # webinar kit/(no type): Brand, Demand. F1 (video) and D8 (video) are alone.
    assert list(zip(duplicates["team"], duplicates["Asset ID"], duplicates["teams"], strict=True)) == [
        ("Brand", "B2", 2), ("Field", "F2", 2),
        ("Brand", "B1", 3), ("Demand", "D7", 3), ("Solo", "S1", 3), ("Solo", "S2", 3),
        ("Brand", "B3", 2), ("Demand", "D9", 2),
    ]
    assert find_duplicate_assets({"Only": teams["Solo"]}).empty
    assert find_duplicate_assets({}).empty


# --- command line ---------------------------------------------------------------------------

def test_mom_assets_search_across_books(make_book, run_mom):
    import json
    first = make_book("brand.xlsx", plan={"Team": "Brand"}, Assets=ASSETS)
    second = make_book("field.xlsx", plan={"Plan ID": "P-2", "Team": "Field"}, Assets=[
        {"Asset ID": "F1", "Asset": "Launch Deck!", "Type": "deck", "Tags": "launch",
         "Status": "Draft"},
        {"Asset ID": "F2", "Asset": "Event banner", "Type": "Banner", "Status": "Draft"}])
    result = run_mom("assets", first, second, "--search", "launch product", "--as-of",
                     "2027-03-10", "--json")
    assert result.returncode == 1, result.stderr     # the duplicate Asset ID is an error
    document = json.loads(result.stdout)
    assert {"as_of", "search", "filters", "assets", "duplicates", "findings"} <= set(document)
    # AS1, AS3: 2 matches; then AS2 and F1 with 1, ties by Asset ID.
    assert [(a["team"], a["asset_id"], a["matches"]) for a in document["assets"]] == [
        ("Brand", "AS1", 2), ("Brand", "AS3", 2), ("Brand", "AS2", 1), ("Field", "F1", 1)]
    assert document["assets"][0]["expires"] == "2027-03-09"
    # "Launch deck"/Deck (Brand AS1) and "Launch Deck!"/deck (Field F1).
    assert [(d["team"], d["asset_id"], d["teams"]) for d in document["duplicates"]] == [
        ("Brand", "AS1", 2), ("Field", "F1", 2)]
    assert sorted((f["book"], f["cell"], f["code"]) for f in document["findings"]) == [
        ("brand.xlsx", "A6", "id-duplicate"), ("brand.xlsx", "F2", "asset-expired"),
        ("brand.xlsx", "F8", "asset-expired")]


def test_mom_assets_filters_and_text(make_book, run_mom):
    path = make_book(Assets=ASSETS[:4])
    result = run_mom("assets", path, "--type", "DECK", "--as-of", "2027-03-01")
    assert result.returncode == 0, result.stderr
    assert "AS1" in result.stdout and "AS4" in result.stdout and "AS2" not in result.stdout
    assert "no problems found" in result.stdout    # nothing expired on 2027-03-01


def _assets_with_ids(ids: list, dtype: str | None = None) -> pd.DataFrame:
    count = len(ids)
    return pd.DataFrame({"Asset ID": pd.Series(ids, dtype=dtype), "Asset": ["deck"] * count,
                         **{column: [None] * count
                            for column in ("Tags", "Type", "Product", "Segment", "Region")}})


def test_search_ranks_ids_of_any_kind_by_their_text_blank_last() -> None:
    """Ties in matches go by the Asset ID as text (code points; trailing NULs not counted, as
    numpy's text order always ranked them), blank last — numbers too, never an error."""
    def ranked(ids: list, dtype: str | None = None) -> list:
        return search_assets(_assets_with_ids(ids, dtype), "deck")["Asset ID"].tolist()
    assert ranked([3, 1, 2]) == [1, 2, 3]
    assert ranked(["b", 1, None, "a", 2.5], dtype="object") == [1, 2.5, "a", "b", None]
    nul = ranked(["a\x00", "a", "a\x00b", None, "B", "b", ""])
    assert nul[:6] == ["", "B", "a\x00", "a", "a\x00b", "b"] and pd.isna(nul[6])
    assert ranked(["\uffff", "\U0001F600", "\ue000", "z"]) == ["z", "\ue000", "\uffff", "\U0001F600"]
