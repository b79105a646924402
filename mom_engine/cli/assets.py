"""`mom assets BOOK... [--search WORDS] [--type T] [--product P] [--segment S] [--region R]`.

Searches the asset registers of one or more team workbooks (the Assets sheet): ranked by the number of
query words found in Asset/Tags, filtered exactly (case-insensitive), ties by Asset ID; across
several books, assets with the same normalised name and type in different teams are listed as
likely duplicates — reuse before re-creating. JSON: `{"as_of", "search", "filters", "assets":
[...], "duplicates": [...], "findings"}`.
"""
from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from ..domains.assets import find_duplicate_assets, search_assets
from ..report.specs import ASSETS, ASSETS_SHOWN, DUPLICATE_ASSETS
from ..report.table import Report, Table
from . import EXIT_USAGE
from .common import (FindingScope, add_as_of, add_json, add_workers, analyze_inputs, context_of,
                     show)

SOURCE_COLUMNS = {"asset_id": "Asset ID", "asset": "Asset", "type": "Type", "product": "Product",
                  "segment": "Segment", "region": "Region", "tags": "Tags", "status": "Status",
                  "expires": "Expires", "location": "Location", "matches": "matches"}
ASSETS_SCOPE = FindingScope.of(("Assets", "Lists"), codes=("asset-expired",))


EXAMPLES = ('mom assets mom-demo/teams/ --search "launch deck" --type "Slide Deck"',
            "mom assets team.xlsx --region EMEA --format csv > assets.csv")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "assets", help="search the asset registers and list likely duplicates",
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
    add_workers(parser)
    add_json(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    context = context_of(args)
    filters = {"type": args.type, "product": args.product, "segment": args.segment,
               "region": args.region}
    findings, found, registers, readable = [], [], {}, 0
    for _, name, analysis in analyze_inputs(args.books, context, args.workers):
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
    duplicates = (DUPLICATE_ASSETS.rows(find_duplicate_assets(registers).rename(
        columns={"Asset ID": "asset_id", "Asset": "asset", "Type": "type"}))
        if len(registers) > 1 else [])
    document = {"as_of": context.as_of, "search": args.search,
                "filters": {k: v for k, v in filters.items() if v},
                "assets": assets, "duplicates": duplicates}
    title = f"Assets{' matching ' + repr(args.search) if args.search else ''}"
    tables = [Table(ASSETS.only(*ASSETS_SHOWN), assets, title=title,
                    empty="no asset matches")]
    if duplicates:
        tables.append(Table(DUPLICATE_ASSETS, duplicates,
                            title="Likely duplicates across teams (same name and type)"))
    status = show(args, Report(document, tables), findings, scope=ASSETS_SCOPE,
                  paths=args.books)
    return status if readable else EXIT_USAGE


def asset_rows(found: list[pd.DataFrame]) -> list[dict[str, Any]]:
    """Search hits of every book as JSON rows: best matches first across books, then ID."""
    if not found:
        return []
    hits = pd.concat(found, ignore_index=True)
    hits = hits.sort_values(["matches", "Asset ID", "_book"], ascending=[False, True, True],
                            kind="stable", ignore_index=True)
    named = hits.rename(columns={"_team": "team", "_book": "book",
                                 **{column: key for key, column in SOURCE_COLUMNS.items()}})
    return ASSETS.rows(named)
