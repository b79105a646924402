"""`mom assets BOOK... [--search WORDS] [--type T] [--product P] [--segment S] [--region R]`.

Searches the asset registers of one or more team workbooks (SPEC §9): ranked by the number of
query words found in Asset/Tags, filtered exactly (case-insensitive), ties by Asset ID; across
several books, assets with the same normalised name and type in different teams are listed as
likely duplicates — reuse before re-creating. JSON: `{"as_of", "search", "filters", "assets":
[...], "duplicates": [...], "findings"}`.
"""
from __future__ import annotations

import argparse
from typing import Any

import numpy as np
import pandas as pd

from ..assets import find_duplicate_assets, search_assets
from ..report.text import print_table
from . import EXIT_USAGE
from .common import add_as_of, add_json, analyze_inputs, context_of, emit

ASSET_KEYS = ("team", "book", "asset_id", "asset", "type", "product", "segment", "region",
              "tags", "status", "expires", "location", "matches")
SOURCE_COLUMNS = {"asset_id": "Asset ID", "asset": "Asset", "type": "Type", "product": "Product",
                  "segment": "Segment", "region": "Region", "tags": "Tags", "status": "Status",
                  "location": "Location"}
TEXT_COLUMNS = ("team", "asset_id", "asset", "type", "status", "expires", "matches")
DUPLICATE_KEYS = ("team", "asset_id", "asset", "type", "teams")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "assets", help="search the asset registers and list likely duplicates (SPEC §9)",
        description="Search assets by words in Asset and Tags (ranked by matches, ties by "
                    "Asset ID) with exact Type/Product/Segment/Region filters; across several "
                    "workbooks, list assets with the same name and type in different teams.")
    parser.add_argument("books", nargs="+", metavar="BOOK", help="workbook files or folders")
    parser.add_argument("--search", default="", metavar="WORDS",
                        help="words to look for in Asset and Tags, e.g. 'launch deck'")
    for name in ("type", "product", "segment", "region"):
        parser.add_argument(f"--{name}", default=None, metavar=name.upper(),
                            help=f"only assets whose {name.title()} is this (any case)")
    add_as_of(parser)
    add_json(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    context = context_of(args)
    filters = {"type": args.type, "product": args.product, "segment": args.segment,
               "region": args.region}
    findings, found, registers, readable = [], [], {}, 0
    for _, name, analysis in analyze_inputs(args.books, context):
        findings += analysis.findings
        if not analysis.readable:
            continue
        readable += 1
        frame = analysis.book.rows("Assets")
        team = analysis.book.plan.team or name
        registers[team if team not in registers else name] = frame
        hits = search_assets(frame, args.search, **filters)
        found.append(hits.assign(_team=team, _book=name))
    assets = asset_rows(found)
    duplicates = duplicate_rows(find_duplicate_assets(registers)) if len(registers) > 1 else []
    document = {"as_of": context.as_of, "search": args.search,
                "filters": {k: v for k, v in filters.items() if v},
                "assets": assets, "duplicates": duplicates}

    def render(out) -> None:
        out.width = max(out.width, 100)
        print_table(assets, TEXT_COLUMNS, out=out,
                    title=f"Assets{' matching ' + repr(args.search) if args.search else ''}")
        if duplicates:
            print_table(duplicates, DUPLICATE_KEYS, out=out,
                        title="Likely duplicates across teams (same name and type)")

    status = emit(document, findings, args.json, render)
    return status if readable else EXIT_USAGE


def asset_rows(found: list[pd.DataFrame]) -> list[dict[str, Any]]:
    """Search hits of every book as JSON rows: best matches first across books, then ID."""
    if not found:
        return []
    hits = pd.concat(found, ignore_index=True)
    hits = hits.sort_values(["matches", "Asset ID", "_book"], ascending=[False, True, True],
                            kind="stable", ignore_index=True)
    rows = []
    for record in hits.to_dict("records"):  # output rendering: one dict per listed asset
        row = {"team": record["_team"], "book": record["_book"]}
        row.update({key: text(record[column]) for key, column in SOURCE_COLUMNS.items()})
        expires = record["Expires"]
        row["expires"] = None if pd.isna(expires) else str(np.datetime64(expires, "D"))
        row["matches"] = int(record["matches"])
        rows.append({key: row[key] for key in ASSET_KEYS})
    return rows


def duplicate_rows(duplicates: pd.DataFrame) -> list[dict[str, Any]]:
    return [{"team": team, "asset_id": text(asset_id), "asset": text(asset), "type": text(kind),
             "teams": int(teams)}
            for team, asset_id, asset, kind, teams in zip(
                duplicates["team"], duplicates["Asset ID"], duplicates["Asset"],
                duplicates["Type"], duplicates["teams"], strict=True)]


def text(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else str(value)
