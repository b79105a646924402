"""Behaviour pin for engine work: every typed table and every figure of fixed books, saved once
and compared after a change (issue 11: "behaviour is identical").

    python benchmarks/book_results.py save DIR      # make the books, read + process them, store
    python benchmarks/book_results.py compare DIR   # process DIR's books again with this code

Where `json_snapshot.py` pins what the commands print, this pins what lies under them, with
dtypes: for each book, `read_book`'s tables (every column of every sheet, `_row` and
`_rejected` included) and findings, and the consolidation worker's `BookResult` (every rollup
table, totals, forecast, schedule, sheet counts, findings) under three sets of options (plain,
`--as-of` on spend, a coverage target). The books are `json_snapshot.py`'s (six demo teams and
the tests' small books) plus the LibreOffice tests' golden book and generated filled books
(`tests.test_libreoffice_formulas.generated_plan`, several seeds). Findings are compared
without their tracebacks; frames with `pandas.testing.assert_frame_equal` (exact values and dtypes).
Exit 1 and a list of what differs when anything does.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import pickle
import sys
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

AS_OF = dt.date(2026, 11, 23)
SEEDS = range(6)


def make_books(books: Path) -> None:
    import json_snapshot
    json_snapshot.make_books(ROOT, books)
    from mom_engine.report.team_workbook import write_team_workbook
    from tests.test_libreoffice_formulas import PLAN, TABLES, generated_plan
    out = books / "generated"
    out.mkdir(parents=True, exist_ok=True)
    write_team_workbook(out / "golden.xlsx", plan=PLAN, tables=TABLES, fiscal_year=2027)
    for seed in SEEDS:
        write_team_workbook(out / f"generated-{seed}.xlsx", **generated_plan(seed),
                            fiscal_year=2027)


def option_sets() -> dict[str, Any]:
    from mom_engine.consolidate.results import Options
    return {"plain": Options(as_of=AS_OF),
            "spend-as-of": Options(as_of=AS_OF, spend_as_of=dt.date(2027, 2, 10)),
            "target-3": Options(as_of=dt.date(2027, 5, 2), coverage_target=3.0)}


def plain(value: Any) -> Any:
    """Dataclasses → dicts (tracebacks dropped), so a stored snapshot does not depend on the
    classes' definitions; frames stay frames."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: plain(getattr(value, field.name))
                for field in dataclasses.fields(value) if field.name != "traceback"}
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if hasattr(value, "value") and type(value).__module__.startswith("mom_engine"):
        return value.value      # an enum
    return value


def snapshot(books: Path) -> dict[str, Any]:
    from mom_engine.consolidate.worker import process_book
    from mom_engine.read import read_book
    found: dict[str, Any] = {}
    for path in sorted(books.rglob("*.xlsx")):
        name = str(path.relative_to(books))
        book = read_book(path)
        found[f"{name} read"] = {
            "findings": plain(book.findings),
            "tables": {sheet: table.frame for sheet, table in book.tables.items()},
        }
        for label, options in option_sets().items():
            result = plain(process_book(path, options))
            result.pop("path"), result.pop("detail")
            found[f"{name} {label}"] = result
    return found


def differences(before: Any, after: Any, where: str) -> list[str]:
    if isinstance(before, pd.DataFrame) or isinstance(after, pd.DataFrame):
        if not (isinstance(before, pd.DataFrame) and isinstance(after, pd.DataFrame)):
            return [f"{where}: {type(before).__name__} → {type(after).__name__}"]
        try:
            pd.testing.assert_frame_equal(before, after, check_exact=True)
        except AssertionError as error:
            return [f"{where}: {str(error).splitlines()[0]} …"]
        return []
    if isinstance(before, dict) and isinstance(after, dict):
        out = [f"{where}.{key}: only before" for key in before.keys() - after.keys()]
        out += [f"{where}.{key}: only after" for key in after.keys() - before.keys()]
        for key in before.keys() & after.keys():
            out += differences(before[key], after[key], f"{where}.{key}")
        return out
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [line for index, (one, two) in enumerate(zip(before, after, strict=True))
                for line in differences(one, two, f"{where}[{index}]")]
    same = before == after or (before != before and after != after)   # NaN == NaN here
    return [] if same else [f"{where}: {before!r} → {after!r}"[:400]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["save", "compare"])
    parser.add_argument("dir", type=Path)
    args = parser.parse_args()
    books, stored = args.dir / "books", args.dir / "results.pickle"
    if args.action == "save":
        if not books.exists():
            make_books(books)
        stored.write_bytes(pickle.dumps(snapshot(books)))
        print(f"saved {stored}")
        return 0
    before = pickle.loads(stored.read_bytes())
    found = differences(before, snapshot(books), "")
    for line in found[:200]:
        print(line)
    print(f"{len(found)} difference(s) over {len(before)} snapshots")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
