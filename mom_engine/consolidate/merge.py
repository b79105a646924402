"""The merge: `Consolidation.add(result)` folds each BookResult in as it arrives (row
accounting, small rollup tables, the keys for cross-book checks) and `Consolidation.report()`
returns a `ConsolidatedReport` of DataFrames, money in the reporting currency (SPEC §11).
Rendering (xlsx, JSON, text) lives in `report/`."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..domains.accounts import combine_accounts
from ..findings import Finding, Severity, make_finding, sort_findings
from ..domains.pipeline import coverage_figures
from ..plan import PlanSettings
from .crossbook import CrossBookChecks, CrossBookKeys
from .currency import convert_cents, convert_rows
from .results import MONEY_COLUMNS, MONEY_FIGURES, TOTAL_FIGURES, BookResult

CHUNK_BOOKS = 64   # the merge folds per-book rollup frames into one every this many books


@dataclass
class ConsolidatedReport:
    """The consolidation as data (SPEC §11); writers render it."""

    as_of: dt.date
    currency: str | None
    books_read: int
    books_failed: int
    rows: dict[str, int]
    totals: dict[str, int] | None
    sources: pd.DataFrame
    teams: pd.DataFrame
    tables: dict[str, pd.DataFrame]
    findings: list[Finding]
    paths: dict[str, str]             # book name → path (for links)
    coverage_target: float | None = None

    def headline(self) -> dict[str, Any]:
        return {"books_read": self.books_read, "books_failed": self.books_failed,
                "currency": self.currency, **(self.totals or {}),
                "findings": len(self.findings),
                "errors": sum(f.severity is Severity.ERROR for f in self.findings)}


class Consolidation:
    """Folds BookResults in one at a time; holds only small per-book aggregates."""

    def __init__(self, *, as_of: dt.date, currency: str | None = None,
                 rates: dict[str, Decimal] | None = None,
                 coverage_target: float | None = None) -> None:
        self.as_of, self.currency, self.rates = as_of, currency, rates
        self.coverage_target = coverage_target
        self.results: list[BookResult] = []
        self.findings: list[Finding] = []
        self.sources: list[dict[str, Any]] = []
        self.crossbook = CrossBookChecks()
        self.frames: dict[str, list[pd.DataFrame]] = defaultdict(list)    # chunks of books
        # not yet chunked: (book index, frame) — the index column is added once per chunk
        self.pending: dict[str, list[tuple[int, pd.DataFrame]]] = defaultdict(list)
        self.rows = {"read": 0, "consolidated": 0, "rejected": 0}
        self.keys: list[CrossBookKeys] = []

    def add(self, result: BookResult) -> None:
        """Cross-book checks and accounting for one more book; keeps no row-level data."""
        self.findings.extend(result.findings)
        for count in result.sheets:
            self.rows["read"] += count.read
            self.rows["consolidated"] += count.consolidated
            self.rows["rejected"] += count.rejected
        self.sources.extend({**row, "_index": result.index} for row in source_rows(result))
        if not result.readable:
            self.results.append(_summary_only(result))
            return
        self.keys.append(CrossBookKeys.of(result))
        for key, frame in result.tables.items():
            pending = self.pending[key]
            pending.append((result.index, frame))
            if len(pending) >= CHUNK_BOOKS:   # many small frames → one: little overhead each
                self.frames[key].append(_chunk(pending))
                pending.clear()
        self.results.append(_summary_only(result))

    def check_across_books(self) -> None:
        """Cross-book checks of the books added so far (see `crossbook`)."""
        self.findings.extend(self.crossbook.check(self.keys))
        self.keys.clear()

    # -- the report --------------------------------------------------------------------------

    def reporting_currency(self) -> str | None:
        if self.currency:
            return self.currency.upper()
        counts: dict[str, int] = defaultdict(int)
        for result in self.results:
            if result.readable:
                counts[result.currency] += 1
        if not counts:
            return None
        return sorted(counts, key=lambda c: (-counts[c], c))[0]

    def rate_of(self, currency: str, reporting: str) -> Decimal | None:
        if currency.upper() == reporting:
            return Decimal(1)
        return (self.rates or {}).get(currency.upper())

    def report(self) -> ConsolidatedReport:
        self.check_across_books()
        reporting = self.reporting_currency()
        findings = list(self.findings)
        teams, totals = [], None
        rates: dict[int, Decimal] = {}
        for result in sorted(self.results, key=lambda r: r.index):
            if not result.readable:
                continue
            rate = self.rate_of(result.currency, reporting) if reporting else None
            row = {"book": result.name, "team": result.team, "plan_id": result.plan_id,
                   "currency": result.currency, "rate": None if rate is None else float(rate),
                   "errors": 0, "warnings": 0}
            if rate is None:
                findings.append(make_finding(
                    "rate-missing", f"{result.name} is in {result.currency} and no rate to "
                                    f"{reporting} was given"
                                    + (" in --rates" if self.currency else
                                       " (books are in several currencies; pass --currency and "
                                       "--rates)")
                                    + f"; its amounts are left out of the {reporting} totals",
                    book=result.name, value=result.currency))
            else:
                rates[result.index] = rate
            if result.totals is not None:
                for figure in MONEY_FIGURES:
                    row[f"{figure}_local"] = result.totals.get(figure)
                    row[figure] = (None if rate is None or result.totals.get(figure) is None
                                   else convert_cents(result.totals[figure], rate))
                row["overspend"] = (None if rate is None or result.overspend is None
                                    else convert_cents(result.overspend, rate))
                if rate is not None:
                    totals = totals or {figure: 0 for figure in TOTAL_FIGURES}
                    for figure in TOTAL_FIGURES:
                        totals[figure] += row[figure] or 0
            for figure, cents in (result.forecast or {}).items():   # year-end (SPEC §5)
                row[figure] = None if rate is None else convert_cents(cents, rate)
            if result.schedule is not None:
                row.update(result.schedule)
            teams.append(row)
        books = BookColumns.of(self.results)
        tables = {key: self.combine(key, frames, rates, books)
                  for key, frames in self.all_frames().items()}
        summed = {"gl_month": sum_gl_months,      # per-book rows → one across the books
                  "burn": lambda frame: sum_burns(frame, self.as_of)}
        tables.update({key: add_up(tables[key]) for key, add_up in summed.items()
                       if key in tables})
        parts = tables.pop("coverage_parts", None)
        first = min((r for r in self.results if r.readable), key=lambda r: r.index,
                    default=None)
        target = self.coverage_target if self.coverage_target is not None else (
            first.coverage_target if first else PlanSettings().coverage_target)
        if parts is not None and not parts.empty:
            tables["coverage"] = combine_coverage(parts, target)
        if "capacity_parts" in tables:   # one person across teams is one person (SPEC §6)
            from ..domains.capacity import merge_consolidated
            tables["capacity"], over = merge_consolidated(tables.pop("capacity_parts"),
                                                          tables.pop("capacity_people", None))
            findings = [*findings, *over]   # sorted once, below
        if "account_listed" in tables:   # one account across teams is one account (SPEC §7)
            tables["accounts"], uncovered = combine_accounts(
                tables.pop("account_listed"), tables.pop("account_figures"),
                (first.quarter or "") if first else "")
            findings = [*(f for f in findings if f.code != "target-account-uncovered"),
                        *uncovered]
        counts = _severity_counts(findings)   # with the findings only the merge shows
        for row in teams:
            row["errors"], row["warnings"] = counts.get(row["book"], (0, 0))
        paths = {r.name: r.path for r in self.results}
        return ConsolidatedReport(
            as_of=self.as_of, currency=reporting,
            books_read=sum(r.readable for r in self.results),
            books_failed=sum(not r.readable for r in self.results),
            rows=dict(self.rows), totals=totals,
            sources=pd.DataFrame(sorted(self.sources, key=lambda row: row["_index"]),
                                 columns=SOURCE_COLUMNS),
            teams=pd.DataFrame(teams), tables=tables, findings=sort_findings(findings),
            paths=paths, coverage_target=self.coverage_target)

    def all_frames(self) -> dict[str, list[pd.DataFrame]]:
        keys = list(dict.fromkeys([*self.frames, *self.pending]))
        return {key: [*self.frames.get(key, []),
                      *([_chunk(self.pending[key])] if self.pending.get(key) else [])]
                for key in keys}

    def combine(self, key: str, frames: list[pd.DataFrame], rates: dict[int, Decimal],
                books: BookColumns) -> pd.DataFrame:
        """One table across books, money converted to the reporting currency (rows of books
        with no rate keep their local figures in `*_local` and are blank in the converted)."""
        frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        if "_index" not in frame.columns:
            return frame
        # input order, whatever order the books arrived in (a book's rows keep their order)
        frame = frame.sort_values("_index", kind="stable", ignore_index=True)
        indexes = frame.pop("_index").to_numpy(dtype=np.int64)
        positions = books.positions(indexes)
        frame.insert(0, "team", books.teams.take(positions))
        frame.insert(0, "book", books.names.take(positions))
        money = [c for c in frame.columns if c in MONEY_FIGURES or c in MONEY_COLUMNS]
        for column in money:
            frame[column] = convert_rows(frame[column], indexes, rates)
        if key == "assets":
            frame = mark_duplicate_assets(frame)
        if key == "schedule":   # lowest SPI first: what a manager looks at (blank SPI last)
            frame = frame.sort_values("spi", kind="stable", na_position="last",
                                      ignore_index=True)
        return frame


@dataclass(frozen=True)
class BookColumns:
    """Every book's name and team as string arrays in index order, built once a report, so a
    table's `book` and `team` columns are one `take` each, not a lookup per row."""

    indexes: np.ndarray
    names: Any
    teams: Any

    @classmethod
    def of(cls, results: Iterable[BookResult]) -> BookColumns:
        ordered = sorted(results, key=lambda r: r.index)
        return cls(np.array([r.index for r in ordered], dtype=np.int64),
                   pd.array([r.name for r in ordered], dtype="string"),
                   pd.array([r.team for r in ordered], dtype="string"))

    def positions(self, indexes: np.ndarray) -> np.ndarray:
        """Where each book index is; a row of a book the merge never saw is a bug (KeyError),
        never another book's name."""
        found = np.searchsorted(self.indexes, indexes)
        known = found < len(self.indexes)
        known[known] = self.indexes[found[known]] == indexes[known]
        if not known.all():
            raise KeyError(f"rows of books the merge was not given: "
                           f"{sorted(set(indexes.tolist()) - set(self.indexes.tolist()))}")
        return found


SOURCE_COLUMNS = ["book", "path", "sha256", "size", "status", "sheet", "read", "consolidated",
                  "rejected", "reason"]


def source_rows(result: BookResult) -> list[dict[str, Any]]:
    """One Sources row per sheet of the book (one row with no sheet when it was not read)."""
    base = {"book": result.name, "path": result.path, "sha256": result.sha256,
            "size": result.size, "status": result.status, "reason": result.reason}
    if not result.sheets:
        return [{**base, "sheet": None, "read": 0, "consolidated": 0, "rejected": 0}]
    return [{**base, "sheet": c.sheet, "read": c.read, "consolidated": c.consolidated,
             "rejected": c.rejected} for c in result.sheets]


def sum_gl_months(frame: pd.DataFrame) -> pd.DataFrame:
    """G/L account × calendar month across every book, in the reporting currency: the
    manager's view (per-book rows are in --detail). Books without a rate are left out, as in
    the totals; `teams` counts the books that contribute."""
    money = ["budgeted", "planned", "committed", "spent", "remaining"]
    priced = frame[frame["budgeted"].notna().to_numpy()]
    grouped = priced.groupby(["gl_account", "month"], sort=True)
    out = grouped[money].sum().reset_index()
    out.insert(2, "teams", grouped["book"].nunique().to_numpy())
    for column in money:
        out[column] = out[column].astype("Int64")
    return out


def sum_burns(frame: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The plans' burns (`spend.spend_burn`, one per book: cumulative budget, actual to date,
    projected) added up by calendar month, in the reporting currency, over every month from
    the first fiscal month of any book to the last: a book counts 0 before its fiscal year and
    its final figures after it. Actual runs through the as-of month, projected from it (as in
    each book's). Books without a rate are left out, as in the totals."""
    figures = ["budget", "actual", "projected"]
    priced = frame[frame["budget"].notna().to_numpy()]
    if priced.empty:
        return pd.DataFrame(columns=["month", "books", *figures])
    calendar = pd.period_range(min(priced["month"]), max(priced["month"]), freq="M").astype(str)
    book = np.unique(priced["book"].astype(object).to_numpy(), return_inverse=True)[1]
    books = int(book.max()) + 1
    column = np.searchsorted(np.asarray(calendar, dtype=object), priced["month"].to_numpy())
    totals = {}
    for figure in figures:   # books × months, each book's figures carried forward, summed
        grid = np.full((books, len(calendar)), np.nan)
        grid[book.reshape(-1), column] = priced[figure].to_numpy(dtype="float64", na_value=np.nan)
        known = np.where(np.isnan(grid), 0, np.arange(len(calendar)))
        carried = grid[np.arange(books)[:, None], np.maximum.accumulate(known, axis=1)]
        totals[figure] = np.nan_to_num(carried, nan=0).astype(np.int64).sum(axis=0)
    month = as_of.strftime("%Y-%m")
    to_date = calendar <= month
    out = pd.DataFrame({"month": calendar, "books": books,
                        "budget": pd.array(totals["budget"], dtype="Int64")})
    out["actual"] = pd.array(np.where(to_date, totals["actual"], 0), dtype="Int64")
    out.loc[~to_date, "actual"] = pd.NA
    out["projected"] = pd.array(np.where(calendar >= month, totals["projected"], 0),
                                dtype="Int64")
    out.loc[calendar < month, "projected"] = pd.NA
    return out


def combine_coverage(parts: pd.DataFrame, target: float) -> pd.DataFrame:
    """Per-rep coverage across books (SPEC §7, §11): one rep across teams is one rep (trimmed,
    case-insensitive name, first spelling shown); open, won and weighted are summed; a quota is
    one number per rep and quarter, so the same quota in several books counts once and
    different ones (`quota-conflict`) use the largest, never overstating coverage. Amounts of
    books without a reporting-currency rate are blank and left out."""
    parts = parts.assign(_key=parts["rep"].astype("string").str.strip().str.casefold())
    grouped = parts.groupby("_key", sort=False)
    frame = pd.DataFrame({
        "rep": grouped["rep"].first().astype("string").str.strip(),
        "quarter": grouped["quarter"].first(),
        "teams": grouped["book"].nunique(),
        "quota": grouped["quota"].max(),
        "won": grouped["won"].sum(min_count=1),
        "open": grouped["open"].sum(min_count=1),
        "weighted": grouped["weighted"].sum(min_count=1),
    }).reset_index(drop=True)
    for column in ("quota", "won", "open", "weighted"):
        frame[column] = frame[column].astype("Int64")
    has_quota = frame["quota"].notna().to_numpy()
    won = frame["won"].fillna(0).to_numpy(dtype=np.int64)
    open_ = frame["open"].fillna(0).to_numpy(dtype=np.int64)
    quota = frame["quota"].fillna(0).to_numpy(dtype=np.int64)
    figures = coverage_figures(quota, has_quota, won, open_, target)   # as for one book
    frame["remaining_quota"] = pd.array(np.where(has_quota, figures["remaining_quota"], 0),
                                        dtype="Int64")
    frame.loc[~has_quota, "remaining_quota"] = pd.NA
    frame["coverage"] = figures["coverage"]
    frame["target"] = float(target)
    gap = pd.array(figures["gap"], dtype="Int64")
    gap[~has_quota] = pd.NA
    frame["gap"] = gap
    frame["below_target"] = figures["below_target"]
    frame["quota_met"] = figures["quota_met"]
    return frame.sort_values(["below_target", "coverage"], ascending=[False, True],
                             kind="stable", na_position="last", ignore_index=True)


def mark_duplicate_assets(frame: pd.DataFrame) -> pd.DataFrame:
    """Likely duplicates: same normalised name and type in different books (SPEC §9), as
    `assets.sharing_teams` defines them for `mom assets` too."""
    from ..domains.assets import sharing_teams
    shared = sharing_teams(pd.DataFrame({"team": frame["book"].astype(object),
                                         "Asset": frame["Asset"], "Type": frame["Type"]}))
    frame["likely_duplicate"] = frame.index.isin(shared.index[(shared["teams"] > 1).to_numpy()])
    return frame


def _chunk(pending: list[tuple[int, pd.DataFrame]]) -> pd.DataFrame:
    """Per-book frames as one, each row with its book's `_index`."""
    chunk = pd.concat([frame for _, frame in pending], ignore_index=True)
    chunk["_index"] = np.repeat(np.array([index for index, _ in pending], dtype=np.int64),
                                [len(frame) for _, frame in pending])
    return chunk


def _summary_only(result: BookResult) -> BookResult:
    """What the merge keeps of a book after folding it in: no tables, no findings, no keys."""
    return BookResult(index=result.index, path=result.path, name=result.name, size=result.size,
                      sha256=result.sha256, status=result.status, reason=result.reason,
                      plan_id=result.plan_id, team=result.team, currency=result.currency,
                      fiscal_year=result.fiscal_year, quarter=result.quarter,
                      coverage_target=result.coverage_target,
                      totals=result.totals, overspend=result.overspend,
                      forecast=result.forecast, schedule=result.schedule)


def _severity_counts(findings: Iterable[Finding]) -> dict[str, tuple[int, int]]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for finding in findings:
        if finding.severity is Severity.ERROR:
            counts[finding.book or ""][0] += 1
        elif finding.severity is Severity.WARNING:
            counts[finding.book or ""][1] += 1
    return {book: (e, w) for book, (e, w) in counts.items()}
