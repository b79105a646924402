"""Pipeline coverage per rep for the current fiscal quarter (SPEC §7).

For the fiscal quarter that contains the as-of date (the plan's FY Start Month):

- open      = Σ Amount of opportunities not closed whose Close Date is inside the quarter
- won       = Σ Amount of Closed Won whose Close Date is inside the quarter
- remaining quota = quota − won
- coverage  = open ÷ remaining quota; blank and `quota_met` when remaining quota ≤ 0
- weighted  = Σ Amount × Probability (the column, else the stage default) of the same open deals
- gap       = max(0, target × remaining quota − open)

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
- Money is integer cents; weighted amounts and gaps are rounded to cents half away from zero per
  deal / per rep, then summed exactly.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .calendar import fiscal_quarter, previous_quarters, quarter_bounds, quarter_label
from .findings import Finding
from .model import Book
from .sheets import CLOSED_STAGES, OPPORTUNITY_STAGES

COVERAGE_CODES = ("coverage-below-target", "quota-missing", "quota-conflict")

REP_COLUMNS = ["rep", "quota", "won", "remaining_quota", "open", "weighted", "coverage", "gap",
               "below_target", "quota_met"]


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


def round_half_away(values: np.ndarray) -> np.ndarray:
    """Float amounts in cents → int64 cents, half away from zero (SPEC §3).

    Rounded to 6 decimals first so binary noise (1000010 × 0.35 = 350003.49999…) does not
    decide the half-cent: the user typed 35 %, and 350003.5 rounds to 350004.
    """
    values = np.round(np.asarray(values, dtype=float), 6)
    return (np.sign(values) * np.floor(np.abs(values) + 0.5)).astype(np.int64)


def rep_key(names: pd.Series) -> pd.Series:
    """How reps are matched: trimmed, case-folded name."""
    return names.astype(str).str.strip().str.casefold()


@dataclass(frozen=True)
class BookQuarter:
    """A book's own fiscal quarter containing the as-of date, and its win-rate window."""

    label: str
    first: np.datetime64          # first day of the quarter
    last: np.datetime64           # last day of the quarter
    since: np.datetime64          # first day of the four quarters before it

    @classmethod
    def of(cls, book: Book, as_of: dt.date) -> "BookQuarter":
        start_month = int(book.plan.fy_start_month or 1)
        year, number = fiscal_quarter(as_of, start_month)
        first, last = quarter_bounds(year, number, start_month)
        earliest = previous_quarters(year, number, 4)[-1]
        since = quarter_bounds(*earliest, start_month)[0]
        return cls(quarter_label(year, number), np.datetime64(first, "D"),
                   np.datetime64(last, "D"), np.datetime64(since, "D"))


def _opportunities(books: list[Book], quarters: list[BookQuarter]) -> pd.DataFrame:
    """Every accepted opportunity of every book, with its book's quarter bounds."""
    frames = [pd.DataFrame({
        "book": pd.Series(dtype=np.int64), "rep_name": pd.Series(dtype=object),
        "stage": pd.Series(dtype=object), "amount": pd.Series(dtype=np.int64),
        "close": pd.Series(dtype="datetime64[s]"), "probability": pd.Series(dtype=float),
        "_row": pd.Series(dtype=np.int64), "first": pd.Series(dtype="datetime64[s]"),
        "last": pd.Series(dtype="datetime64[s]"), "since": pd.Series(dtype="datetime64[s]")})]
    for index, (book, quarter) in enumerate(zip(books, quarters)):
        rows = book.rows("Opportunities")
        frames.append(pd.DataFrame({
            "book": index,
            "rep_name": rows["Rep"].astype(str).str.strip().to_numpy(dtype=object),
            "stage": rows["Stage"].astype(str).to_numpy(dtype=object),
            "amount": rows["Amount"].to_numpy(dtype=np.int64),
            "close": rows["Close Date"].to_numpy().astype("datetime64[s]"),
            "probability": rows["Probability"].to_numpy(dtype=float),
            "_row": rows["_row"].to_numpy(dtype=np.int64),
            "first": quarter.first.astype("datetime64[s]"),
            "last": quarter.last.astype("datetime64[s]"),
            "since": quarter.since.astype("datetime64[s]"),
        }))
    frame = pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)
    frame["rep"] = rep_key(frame["rep_name"]).to_numpy(dtype=object)
    return frame


def _quotas(books: list[Book], quarters: list[BookQuarter]) -> pd.DataFrame:
    """Quotas of each book's own current quarter."""
    frames = [pd.DataFrame({"book": pd.Series(dtype=np.int64),
                            "rep_name": pd.Series(dtype=object),
                            "quota": pd.Series(dtype=np.int64),
                            "_row": pd.Series(dtype=np.int64)})]
    for index, (book, quarter) in enumerate(zip(books, quarters)):
        rows = book.rows("Quotas")
        rows = rows[rows["Quarter"].astype(str).str.upper().to_numpy() == quarter.label]
        frames.append(pd.DataFrame({
            "book": index,
            "rep_name": rows["Rep"].astype(str).str.strip().to_numpy(dtype=object),
            "quota": rows["Quota"].to_numpy(dtype=np.int64),
            "_row": rows["_row"].to_numpy(dtype=np.int64),
        }))
    frame = pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)
    frame["rep"] = rep_key(frame["rep_name"]).to_numpy(dtype=object)
    return frame


def _probabilities(stage: np.ndarray, probability: np.ndarray) -> np.ndarray:
    """The Probability column, else the stage's default (SPEC §3)."""
    defaults = pd.Series(stage).map(OPPORTUNITY_STAGES).to_numpy(dtype=float)
    return np.where(np.isnan(probability), defaults, probability)


def coverage(books: list[Book], as_of: dt.date, target: float | None = None) -> CoverageReport:
    """Coverage per rep and for the team, for the fiscal quarter containing `as_of` (SPEC §7)."""
    books = [b for b in books if b.readable]
    target = float(target if target is not None else
                   (books[0].plan.coverage_target if books else 2.5))
    quarters = [BookQuarter.of(book, as_of) for book in books]
    label = quarters[0].label if quarters else quarter_label(*fiscal_quarter(as_of))
    opportunities = _opportunities(books, quarters)
    quotas = _quotas(books, quarters)

    close = opportunities["close"].to_numpy().astype("datetime64[D]")
    stage = opportunities["stage"].to_numpy(dtype=object)
    amount = opportunities["amount"].to_numpy(dtype=np.int64)
    first = opportunities["first"].to_numpy().astype("datetime64[D]")
    inside = (close >= first) & (close <= opportunities["last"].to_numpy().astype(
        "datetime64[D]"))
    is_open = inside & ~np.isin(stage, CLOSED_STAGES)
    is_won = inside & (stage == "Closed Won")
    weighted = round_half_away(
        amount * _probabilities(stage, opportunities["probability"].to_numpy(dtype=float)))

    names = pd.concat([quotas[["book", "rep", "rep_name"]].assign(order=0),
                       opportunities.loc[is_open | is_won, ["book", "rep", "rep_name"]]
                       .assign(order=1)])
    names = names.sort_values(["book", "order"], kind="stable").drop_duplicates("rep")

    deals = pd.DataFrame({
        "rep": opportunities["rep"].to_numpy(dtype=object),
        "open": np.where(is_open, amount, 0),
        "won": np.where(is_won, amount, 0),
        "weighted": np.where(is_open, weighted, 0),
    }).groupby("rep", sort=False).sum()
    quota_per_rep = quotas.groupby("rep", sort=False)["quota"].max()

    keys = names["rep"].to_numpy(dtype=object)
    reps = pd.DataFrame({"rep": names["rep_name"].to_numpy(dtype=object)})
    has_quota = pd.Index(quota_per_rep.index).get_indexer(keys) >= 0
    quota = quota_per_rep.reindex(keys).fillna(0).to_numpy(dtype=np.int64)
    sums = deals.reindex(keys).fillna(0).astype(np.int64)
    won = sums["won"].to_numpy()
    open_ = sums["open"].to_numpy()
    remaining = quota - won
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(has_quota & (remaining > 0), open_ / np.where(remaining > 0, remaining, 1),
                         np.nan)
    gap = np.maximum(0, round_half_away(target * remaining) - open_)
    reps["quota"] = pd.array(np.where(has_quota, quota, 0), dtype="Int64")
    reps.loc[~has_quota, "quota"] = pd.NA
    reps["won"] = won
    reps["remaining_quota"] = pd.array(remaining, dtype="Int64")
    reps.loc[~has_quota, "remaining_quota"] = pd.NA
    reps["open"] = open_
    reps["weighted"] = sums["weighted"].to_numpy()
    reps["coverage"] = ratio
    reps["gap"] = pd.array(gap, dtype="Int64")
    reps.loc[~has_quota, "gap"] = pd.NA
    reps["below_target"] = has_quota & (remaining > 0) & (np.nan_to_num(ratio) < target)
    reps["quota_met"] = has_quota & (remaining <= 0)
    reps = reps[REP_COLUMNS].reset_index(drop=True)

    team_open = int(open_.sum())
    team_remaining = int(np.where(has_quota, np.maximum(remaining, 0), 0).sum())
    team = {
        "open": team_open,
        "remaining_quota": team_remaining,
        "coverage": team_open / team_remaining if team_remaining > 0 else None,
        "reps_below_target": int(reps["below_target"].sum()),
    }

    since = opportunities["since"].to_numpy().astype("datetime64[D]")
    window = (close >= since) & (close < first)
    won_before = int(amount[window & (stage == "Closed Won")].sum())
    lost_before = int(amount[window & (stage == "Closed Lost")].sum())
    win_rate = won_before / (won_before + lost_before) if won_before + lost_before else None
    report = CoverageReport(
        as_of=as_of, quarter=label, target=target, reps=reps, team=team, win_rate=win_rate,
        implied_multiple=(1 / win_rate if win_rate else None))
    report.findings = _coverage_findings(report, books, quarters, keys, quotas, opportunities,
                                         is_open)
    return report


def _coverage_findings(report: CoverageReport, books: list[Book], quarters: list[BookQuarter],
                       keys: np.ndarray, quotas: pd.DataFrame, opportunities: pd.DataFrame,
                       is_open: np.ndarray) -> list[Finding]:
    """Findings for the few reps that need one (a loop over reps, not over deals)."""
    findings: list[Finding] = []
    target = report.target
    first_quota = quotas.drop_duplicates("rep").set_index("rep")
    open_deals = opportunities[is_open].drop_duplicates("rep").set_index("rep")
    for key, row in zip(keys, report.reps.itertuples(index=False)):
        if row.below_target:
            where = first_quota.loc[key]
            book, quarter = books[int(where["book"])], quarters[int(where["book"])].label
            findings.append(book.finding(
                "coverage-below-target",
                f"{row.rep} has {_money(row.open)} open pipeline for {quarter} against "
                f"{_money(row.remaining_quota)} remaining quota: coverage {row.coverage:.2f}× is "
                f"below the {target:g}× target; {_money(row.gap)} more pipeline closing in the "
                f"quarter is needed", sheet="Quotas", column="Quota", row=int(where["_row"]),
                value=round(float(row.coverage), 4)))
        if row.open > 0 and pd.isna(row.quota):
            where = open_deals.loc[key]
            book, quarter = books[int(where["book"])], quarters[int(where["book"])].label
            findings.append(book.finding(
                "quota-missing",
                f"{row.rep} has {_money(row.open)} open pipeline closing in {quarter} "
                f"but no quota for that quarter; add a Quotas row ({row.rep}, {quarter})",
                sheet="Opportunities", column="Rep", row=int(where["_row"]), value=row.rep))
    conflicts = quotas.groupby("rep", sort=False)["quota"].nunique()
    for key in conflicts[conflicts > 1].index:
        rows = quotas[(quotas["rep"] == key).to_numpy()]
        values = ", ".join(f"{books[int(b)].name}: {_money(q)}"
                           for b, q in zip(rows["book"], rows["quota"]))
        for book_index, quota_row in zip(rows["book"].iloc[1:], rows["_row"].iloc[1:]):
            findings.append(books[int(book_index)].finding(
                "quota-conflict",
                f"{rows['rep_name'].iloc[0]} has different quotas for the current quarter in "
                f"different workbooks ({values}); the largest is used — make them agree",
                sheet="Quotas", column="Quota", row=int(quota_row)))
    return findings


def _money(cents) -> str:
    return f"{int(cents) / 100:,.2f}"


def check_pipeline(book: Book, context) -> list[Finding]:
    """Per-book coverage findings for `analyze_book` (SPEC §7)."""
    return coverage([book], context.as_of, context.coverage_target).findings

