"""Pipeline coverage per rep for the current fiscal quarter (SPEC §7).

For the fiscal quarter that contains the as-of date (the plan's FY Start Month):

- open      = Σ Amount of opportunities in the plan's Pipeline Stages (default every open
  stage) whose Close Date is inside the quarter
- won       = Σ Amount of Closed Won whose Close Date is inside the quarter
- remaining quota = quota − won
- coverage  = open ÷ remaining quota; blank and `quota_met` when remaining quota ≤ 0
- weighted  = Σ Amount × Probability (the column, else the stage default) of the same open deals
- gap       = max(0, target × remaining quota − open)
- marketing-sourced = the part of open with a Campaign ID; sales-sourced = the rest (per rep
  and for the team, next to coverage)

A rep with a quota and no pipeline has coverage 0. A past-due open deal (Close Date before the
quarter) is not pipeline for this quarter: it has to be re-dated to count.

Decisions where the SPEC is silent (also in the README):

- Several books: one rep across teams is one rep. Reps are matched on the trimmed,
  case-insensitive name; the spelling shown is the first seen (books in the order given, a
  book's Quotas before its Opportunities). Opportunity amounts are summed across books. A quota
  is one number per rep and quarter (SPEC §11 calls different values a `quota-conflict`): the
  same quota in several books counts once; different values are reported as `quota-conflict`
  and the largest is used, so coverage is never overstated.
- Each book is measured in its own fiscal quarter containing the as-of date (its own FY Start
  Month), and its quotas are those of that quarter; the `quarter` label shown is the first
  book's. The default target is the first book's Coverage Target.
- Team figures: Σ open over every rep ÷ Σ remaining quota over reps with a quota, each rep's
  remaining quota floored at 0 — one rep's surplus does not pay another rep's quota, so an
  over-quota rep cannot make the team look covered. Blank when nothing remains.
- Win rate: by amount, over Closed Won and Closed Lost deals whose Close Date falls in the four
  fiscal quarters before the current one, all reps together; blank when there are none.
  Implied multiple = 1 ÷ win rate (blank when the win rate is blank or 0).
- Money is integer cents. Weighted is Σ Amount × Probability summed exactly (Decimal, each
  probability as typed) and rounded to cents half away from zero once per rep; the gap's
  target × remaining quota is exact too (values.multiply_cents).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

from ..calendar import fiscal_quarter, previous_quarters, quarter_bounds, quarter_label
from ..findings import Finding
from ..keys import id_keys
from ..model import Book, Context, frame_of
from ..money import decimal_of, format_money, multiply_cents
from ..plan import PlanSettings
from ..sheets import OPPORTUNITY_STAGES
from .spend import sum_by

COVERAGE_CODES = ("coverage-below-target", "quota-missing", "quota-conflict")

REP_COLUMNS = ["rep", "quota", "won", "remaining_quota", "open", "weighted", "coverage", "gap",
               "below_target", "quota_met", "marketing_sourced", "sales_sourced"]


@dataclass
class CoverageReport:
    """Coverage of one fiscal quarter. `reps` money columns are integer cents (blank = <NA>)."""

    as_of: dt.date
    quarter: str
    target: float
    reps: pd.DataFrame
    team: dict
    win_rate: float | None
    implied_multiple: float | None
    findings: list[Finding] = field(default_factory=list)


@dataclass(frozen=True)
class BookQuarter:
    """A book's own fiscal quarter containing the as-of date, and its win-rate window."""

    label: str
    first: np.datetime64          # first day of the quarter
    last: np.datetime64           # last day of the quarter
    since: np.datetime64          # first day of the four quarters before it

    @classmethod
    def of(cls, book: Book, as_of: dt.date) -> BookQuarter:
        start_month = int(book.plan.fy_start_month or 1)
        year, number = fiscal_quarter(as_of, start_month)
        first, last = quarter_bounds(year, number, start_month)
        earliest = previous_quarters(year, number, 4)[-1]
        since = quarter_bounds(*earliest, start_month)[0]
        return cls(quarter_label(year, number), np.datetime64(first, "D"),
                   np.datetime64(last, "D"), np.datetime64(since, "D"))


def _columns(books: list[Book], sheet: str, pick) -> dict[str, np.ndarray]:
    """Plain arrays of one sheet across (at least one) books: `pick(index, rows)` → dict of
    equal-length arrays per book, concatenated (numpy, not DataFrames: this runs per book)."""
    parts: dict[str, list[np.ndarray]] = {}
    for index, book in enumerate(books):
        rows = book.rows(sheet)
        for name, values in pick(index, rows).items():
            parts.setdefault(name, []).append(values)
    return {name: np.concatenate(values) for name, values in parts.items()}


def counted_open(book: Book, stage: np.ndarray) -> np.ndarray:
    """Which opportunities (by canonical stage) are open pipeline: those in the plan's Pipeline
    Stages (default every open stage). The one definition used by coverage, weighted and
    sourced pipeline, target accounts and the consolidated figures (SPEC §7)."""
    codes, distinct = pd.factorize(stage)          # each distinct stage looked up once
    counted = np.isin(np.asarray(distinct, dtype=object), book.plan.pipeline_stages)
    return np.append(counted, False)[codes]        # a blank stage (code −1) is not counted


def _deals(books: list[Book], quarters: list[BookQuarter]) -> dict[str, np.ndarray]:
    """Every accepted opportunity of every book, with its book's quarter bounds."""
    def pick(index: int, rows: pd.DataFrame) -> dict[str, np.ndarray]:
        quarter, count = quarters[index], len(rows)
        stage = rows["Stage"].to_numpy(dtype=object)
        return {
            "counted": counted_open(books[index], stage),
            "book": np.full(count, index, dtype=np.int64),
            "rep_name": rows["Rep"].to_numpy(dtype=object),
            "stage": stage,
            "amount": rows["Amount"].to_numpy(dtype=np.int64),
            "close": rows["Close Date"].to_numpy().astype("datetime64[D]"),
            "probability": rows["Probability"].to_numpy(dtype=float),
            "sourced": rows["Campaign ID"].notna().to_numpy(dtype=bool),
            "row": rows["_row"].to_numpy(dtype=np.int64),
            "first": np.full(count, quarter.first, dtype="datetime64[D]"),
            "last": np.full(count, quarter.last, dtype="datetime64[D]"),
            "since": np.full(count, quarter.since, dtype="datetime64[D]"),
        }
    return _columns(books, "Opportunities", pick) if books else _empty_deals()


def _empty_deals() -> dict[str, np.ndarray]:
    empty: dict[str, Any] = {
        "counted": bool, "book": np.int64, "rep_name": object, "stage": object, "amount": np.int64,
        "close": "datetime64[D]", "probability": float, "sourced": bool,
        "row": np.int64,
        "first": "datetime64[D]", "last": "datetime64[D]", "since": "datetime64[D]"}
    return {name: np.array([], dtype=dtype) for name, dtype in empty.items()}


def _quota_rows(books: list[Book], quarters: list[BookQuarter]) -> dict[str, np.ndarray]:
    """Quota rows of each book's own current quarter."""
    def pick(index: int, rows: pd.DataFrame) -> dict[str, np.ndarray]:
        label = quarters[index].label if quarters else ""
        current = rows["Quarter"].to_numpy(dtype=object) == label
        return {
            "book": np.full(int(current.sum()), index, dtype=np.int64),
            "rep_name": rows["Rep"].to_numpy(dtype=object)[current],
            "quota": rows["Quota"].to_numpy(dtype=np.int64)[current],
            "row": rows["_row"].to_numpy(dtype=np.int64)[current],
        }
    if not books:
        return {"book": np.array([], np.int64), "rep_name": np.array([], object),
                "quota": np.array([], np.int64), "row": np.array([], np.int64)}
    return _columns(books, "Quotas", pick)


def _probabilities(stage: np.ndarray, probability: np.ndarray) -> np.ndarray:
    """The Probability column, else the stage's default (SPEC §3)."""
    codes, stages = pd.factorize(stage)
    defaults = np.array([OPPORTUNITY_STAGES.get(s, np.nan) for s in stages.tolist()] + [np.nan],
                        dtype=float)[codes]
    return np.where(np.isnan(probability), defaults, probability)


def _weighted_sums(index: np.ndarray, amount: np.ndarray, probability: np.ndarray,
                   is_open: np.ndarray, size: int) -> np.ndarray:
    """Σ Amount × Probability per rep, summed exactly (each probability as typed) and rounded
    to cents half away from zero once, at the rep's figure (SPEC §7) — never per deal. The
    amounts of a rep's deals with one probability are added first (integers, exact), so the
    Decimal work is per rep and probability, not per deal."""
    counted = np.flatnonzero(is_open & (index >= 0))
    if not len(counted):
        return np.zeros(size, dtype=np.int64)
    reps, chances = index[counted], probability[counted]
    order = np.lexsort((chances, reps))
    reps, chances = reps[order], chances[order]
    starts = np.flatnonzero(np.r_[True, (reps[1:] != reps[:-1]) | (chances[1:] != chances[:-1])])
    totals = np.add.reduceat(amount[counted][order].astype(np.int64), starts)
    sums = [Decimal(0)] * size
    for rep, chance, total in zip(reps[starts].tolist(), chances[starts].tolist(),
                                  totals.tolist(), strict=True):
        sums[rep] += Decimal(total) * decimal_of(chance)
    return np.array([int(s.quantize(Decimal(1), rounding=ROUND_HALF_UP)) for s in sums],
                    dtype=np.int64)


def coverage_figures(quota: np.ndarray, has_quota: np.ndarray, won: np.ndarray,
                     open_: np.ndarray, target: float) -> dict[str, np.ndarray]:
    """Per-rep coverage from quota, won and open pipeline (int64 cents), defined once for a
    book's pipeline and for consolidation (SPEC §7): remaining quota = quota − won; coverage =
    open ÷ remaining where something remains (NaN otherwise: the quota is met or there is
    none); gap = remaining × target, exact and half away from zero, minus open, never below 0;
    below target when coverage < target."""
    remaining = quota - won
    owes = has_quota & (remaining > 0)
    ratio = np.where(owes, open_ / np.where(owes, remaining, 1), np.nan)
    return {"remaining_quota": remaining, "coverage": ratio,
            "gap": np.maximum(0, multiply_cents(remaining, target) - open_),
            "below_target": owes & (np.nan_to_num(ratio) < target),
            "quota_met": has_quota & (remaining <= 0)}


def book_coverage(book: Book, as_of: dt.date, target: float | None = None) -> CoverageReport:
    """`coverage` of one book, computed once per book state (the check and the consolidation
    roll-up both ask for it)."""
    return book.memo(("coverage", as_of, target), lambda: coverage([book], as_of, target))


def coverage(books: list[Book], as_of: dt.date, target: float | None = None) -> CoverageReport:
    """Coverage per rep and for the team, for the fiscal quarter containing `as_of` (SPEC §7)."""
    books = [b for b in books if b.readable]
    target = float(target if target is not None else
                   (books[0].plan if books else PlanSettings()).coverage_target)
    quarters = [BookQuarter.of(book, as_of) for book in books]
    label = quarters[0].label if quarters else quarter_label(*fiscal_quarter(as_of))
    deals = _deals(books, quarters)
    quotas = _quota_rows(books, quarters)
    close, stage, amount = deals["close"], deals["stage"], deals["amount"]
    inside = (close >= deals["first"]) & (close <= deals["last"])
    is_open = inside & deals["counted"]
    is_won = inside & (stage == "Closed Won")

    # Reps in first-seen order: books in order, a book's Quotas before its Opportunities.
    quota_rep, deal_rep = _rep_codes(quotas["rep_name"], deals["rep_name"])
    seen = np.flatnonzero(is_open | is_won)
    order = np.lexsort((np.r_[np.zeros(len(quota_rep)), np.ones(len(seen))],
                        np.concatenate([quotas["book"], deals["book"][seen]])))
    candidates = np.concatenate([quota_rep, deal_rep[seen]])[order]
    _, firsts = np.unique(candidates, return_index=True)
    chosen = np.sort(firsts)
    rep_of_code = np.full(len(quota_rep) + len(deal_rep) + 1, -1, dtype=np.int64)
    rep_of_code[candidates[chosen]] = np.arange(len(chosen))
    names = [str(name).strip() for name in np.concatenate(
        [quotas["rep_name"], deals["rep_name"][seen]])[order][chosen].tolist()]
    deal_index, quota_index = rep_of_code[deal_rep], rep_of_code[quota_rep]

    size = len(names)
    counted = deal_index >= 0        # every rep's open, won and marketing-sourced cents
    open_, won, marketing = (sums.copy() for sums in sum_by(
        deal_index[counted], np.column_stack([
            np.where(is_open, amount, 0), np.where(is_won, amount, 0),
            np.where(is_open & deals["sourced"], amount, 0)])[counted].astype(np.int64),
        size).T)
    weighted_sum = _weighted_sums(deal_index, amount, _probabilities(stage, deals["probability"]),
                                  is_open, size)
    quota = np.full(size, -1, dtype=np.int64)
    np.maximum.at(quota, quota_index, quotas["quota"])
    has_quota = quota >= 0
    quota = np.where(has_quota, quota, 0)
    figures = coverage_figures(quota, has_quota, won, open_, target)
    remaining = figures["remaining_quota"]

    reps = frame_of({
        "rep": np.array(names, dtype=object), "quota": _masked(quota, has_quota), "won": won,
        "remaining_quota": _masked(remaining, has_quota), "open": open_,
        "weighted": weighted_sum, "coverage": figures["coverage"],
        "gap": _masked(figures["gap"], has_quota), "below_target": figures["below_target"],
        "quota_met": figures["quota_met"],
        "marketing_sourced": marketing, "sales_sourced": open_ - marketing,
    })   # REP_COLUMNS, in that order

    team_open = int(open_.sum())
    team_remaining = int(np.where(has_quota, np.maximum(remaining, 0), 0).sum())
    team = {
        "open": team_open,
        "remaining_quota": team_remaining,
        "coverage": team_open / team_remaining if team_remaining > 0 else None,
        "reps_below_target": int(figures["below_target"].sum()),
        "marketing_sourced": int(marketing.sum()),
        "sales_sourced": team_open - int(marketing.sum()),
    }

    window = (close >= deals["since"]) & (close < deals["first"])
    won_before = int(amount[window & (stage == "Closed Won")].sum())
    lost_before = int(amount[window & (stage == "Closed Lost")].sum())
    win_rate = won_before / (won_before + lost_before) if won_before + lost_before else None
    report = CoverageReport(
        as_of=as_of, quarter=label, target=target, reps=reps, team=team, win_rate=win_rate,
        implied_multiple=(1 / win_rate if win_rate else None))
    rep_figures = {"rep": names, "quota": quota, "has_quota": has_quota, "open": open_,
                   **figures}
    report.findings = _coverage_findings(report, rep_figures, books, quarters, quotas,
                                         quota_index, deals, deal_index, is_open)
    return report


def _rep_codes(*names: np.ndarray) -> list[np.ndarray]:
    """Rep names → one integer code per rep key (names match trimmed, ignoring case), for each
    array given. Each distinct spelling is keyed once, so a large table costs one hash pass."""
    spellings, distinct = pd.factorize(np.concatenate(names))
    keys, _ = pd.factorize(np.array(id_keys(distinct), dtype=object))
    keys = np.append(keys, len(distinct))           # a blank name (spelling −1): a code of its own
    return np.split(keys[spellings], np.cumsum([len(n) for n in names])[:-1])


def _masked(values: np.ndarray, present: np.ndarray) -> pd.arrays.IntegerArray:
    """int64 cents → nullable Int64, blank where `present` is False."""
    return pd.arrays.IntegerArray(np.asarray(values, dtype=np.int64), ~np.asarray(present))


def _first_position(index: np.ndarray, size: int) -> np.ndarray:
    """For each group 0..size-1, the first position holding it (−1 when none)."""
    first = np.full(size, -1, dtype=np.int64)
    groups, positions = np.unique(index, return_index=True)
    keep = groups >= 0
    first[groups[keep]] = positions[keep]
    return first


def _coverage_findings(report: CoverageReport, reps: dict[str, Any], books: list[Book],
                       quarters: list[BookQuarter], quotas: dict[str, np.ndarray],
                       quota_index: np.ndarray, deals: dict[str, np.ndarray],
                       deal_index: np.ndarray, is_open: np.ndarray) -> list[Finding]:
    """Findings for the few reps that need one (a loop over those reps, not over deals);
    `reps`: the per-rep figures as plain arrays (`rep` names, `coverage_figures` and more)."""
    findings: list[Finding] = []
    target, size = report.target, len(reps["rep"])
    first_quota = _first_position(quota_index, size)
    first_open = _first_position(np.where(is_open, deal_index, -1), size)
    for rep in np.flatnonzero(reps["below_target"]).tolist():
        name, at, ratio = reps["rep"][rep], first_quota[rep], float(reps["coverage"][rep])
        book_index = int(quotas["book"][at])
        quarter = quarters[book_index].label
        findings.append(books[book_index].finding(
            "coverage-below-target",
            f"{name} has {format_money(reps['open'][rep])} open pipeline for {quarter} against "
            f"{format_money(reps['remaining_quota'][rep])} remaining quota: coverage "
            f"{ratio:.2f}× is below the {target:g}× target; {format_money(reps['gap'][rep])} "
            f"more pipeline closing in the quarter is needed",
            sheet="Quotas", column="Quota", row=int(quotas["row"][at]),
            value=round(ratio, 4)))
    missing = (reps["open"] > 0) & ~reps["has_quota"]
    for rep in np.flatnonzero(missing).tolist():
        name, at = reps["rep"][rep], first_open[rep]
        book_index = int(deals["book"][at])
        quarter = quarters[book_index].label
        findings.append(books[book_index].finding(
            "quota-missing",
            f"{name} has {format_money(reps['open'][rep])} open pipeline closing in {quarter} but "
            f"no quota for that quarter; add a Quotas row ({name}, {quarter})",
            sheet="Opportunities", column="Rep", row=int(deals["row"][at]), value=name))
    groups, counts = np.unique(quota_index, return_counts=True)
    for rep in groups[counts > 1].tolist():   # only with several books: one quota row per book
        mine = np.flatnonzero(quota_index == rep)
        if len(set(quotas["quota"][mine].tolist())) < 2:
            continue
        values = ", ".join(f"{books[int(quotas['book'][p])].name}: {format_money(quotas['quota'][p])}"
                           for p in mine)
        for p in mine[1:]:
            findings.append(books[int(quotas["book"][p])].finding(
                "quota-conflict",
                f"{reps['rep'][rep]} has different quotas for the current quarter in different "
                f"workbooks ({values}); the largest is used — make them agree",
                sheet="Quotas", column="Quota", row=int(quotas["row"][p])))
    return findings


def check_pipeline(book: Book, context: Context) -> list[Finding]:
    """Per-book coverage findings for `analyze_book` (SPEC §7)."""
    return list(book_coverage(book, context.as_of, context.coverage_target).findings)
