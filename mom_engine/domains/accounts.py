"""Target accounts: the named accounts sales goes after, and what marketing and sales have on
each of them for the quarter (SPEC §3 Target Accounts, §7).

Per target account, for each book's fiscal quarter containing the as-of date (as coverage):
- leads = leads whose Inquiry Date is in the quarter (blank Inquiry Date: its first stage date)
- mqls  = leads whose MQL stage date (the Lead Stage named MQL, else the first) is in the quarter
- open  = Σ Amount of open opportunities closing in the quarter, counted as coverage counts them
- won   = Σ Amount of Closed Won opportunities closing in the quarter

Decisions where the SPEC is silent:
- Accounts match trimmed, ignoring case and inner runs of spaces (`ACME  corp` = `Acme Corp`);
  a lead or opportunity without an Account is on no target account.
- Several books: one account across teams is one account (the first book's spelling, Tier and
  Rep); its figures add up over every book, and `target-account-uncovered` (warning) is
  reported once, at the first book's Target Accounts row, when no book has a lead in the quarter
  or open pipeline for it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ..findings import Finding
from .funnel import mql_stage, stage_column
from ..mappings import fold
from ..model import Book
from .pipeline import BookQuarter, counted_open

ACCOUNT_COLUMNS = ["account", "tier", "rep", "leads", "mqls", "open", "won", "covered"]


@dataclass
class AccountsReport:
    """Target accounts of one or more books; money in integer cents."""

    as_of: dt.date
    quarter: str
    accounts: pd.DataFrame           # ACCOUNT_COLUMNS
    findings: list[Finding] = field(default_factory=list)


def _inside(days: np.ndarray, quarter: BookQuarter) -> np.ndarray:
    days = days.astype("datetime64[D]")
    return (days >= quarter.first) & (days <= quarter.last)


def _account_keys(rows: pd.DataFrame) -> list[str | None]:
    """Each row's folded Account (None: no account)."""
    return [None if a is None else fold(a)
            for a in rows["Account"].to_numpy(dtype=object, na_value=None).tolist()]


def _add_up(keys: list[str | None], *figures: np.ndarray) -> dict[str, list[int]]:
    """Per folded account (rows without one left out), the sums of `figures`."""
    sums: dict[str, list[int]] = {}
    for key, *values in zip(keys, *(f.tolist() for f in figures), strict=True):
        if key is not None:
            total = sums.setdefault(key, [0] * len(figures))
            for index, value in enumerate(values):
                total[index] += value
    return sums


def _lead_figures(book: Book, quarter: BookQuarter) -> dict[str, list[int]]:
    """leads and mqls in the quarter per folded account."""
    leads = book.rows("Leads")
    stages = tuple(book.plan.lead_stages)
    inquiry = leads["Inquiry Date"].to_numpy().astype("datetime64[D]")
    for stage in stages:                   # blank Inquiry Date: the first stage date
        inquiry = np.where(np.isnat(inquiry), leads[stage_column(stage)].to_numpy()
                           .astype("datetime64[D]"), inquiry)
    mql = mql_stage(book)
    mql_dates = (leads[stage_column(mql)].to_numpy().astype("datetime64[D]") if mql
                 else np.full(len(leads), np.datetime64("NaT"), dtype="datetime64[D]"))
    return _add_up(_account_keys(leads), _inside(inquiry, quarter).astype(np.int64),
                   _inside(mql_dates, quarter).astype(np.int64))


def _deal_figures(book: Book, quarter: BookQuarter) -> dict[str, list[int]]:
    """open and won in the quarter per folded account, cents."""
    deals = book.rows("Opportunities")
    stage = deals["Stage"].to_numpy(dtype=object)
    inside = _inside(deals["Close Date"].to_numpy(), quarter)
    amount = deals["Amount"].to_numpy(dtype=np.int64)
    is_open = inside & counted_open(book, stage)
    return _add_up(_account_keys(deals), np.where(is_open, amount, 0),
                   np.where(inside & (stage == "Closed Won"), amount, 0))


def account_parts(book: Book, as_of: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One book's share of the target accounts: the accounts it lists (key, account, tier,
    rep and the `target-account-uncovered` finding at its row, should no book cover it) and
    its figures per folded account (leads, mqls, open, won, and whether it has open pipeline
    at all) — what a consolidation worker sends; `combine_accounts` adds books up."""
    quarter = BookQuarter.of(book, as_of)
    rows = book.rows("Target Accounts")
    listed = pd.DataFrame({
        "key": [fold(a) for a in rows["Account"].to_numpy(dtype=object)],
        "account": [str(a).strip() for a in rows["Account"].to_numpy(dtype=object)],
        "tier": [_text(t) for t in rows["Tier"].to_numpy(dtype=object)],
        "rep": [_text(r) for r in rows["Rep"].to_numpy(dtype=object)],
        "finding": [book.finding("target-account-uncovered", "", sheet="Target Accounts",
                                 column="Account", row=int(row), value=str(account).strip())
                    for account, row in zip(rows["Account"].to_numpy(dtype=object),
                                            rows["_row"].to_numpy(), strict=True)],
    }, columns=["key", "account", "tier", "rep", "finding"])
    leads, deals = _lead_figures(book, quarter), _deal_figures(book, quarter)
    # accounts with leads (in order), then those with only deals (in order)
    keys = sorted(leads) + sorted(key for key in deals if key not in leads)
    figures = np.array([leads.get(key, [0, 0]) + deals.get(key, [0, 0]) for key in keys],
                       dtype=np.int64).reshape(len(keys), 4)
    key_column: Any = keys
    if not keys:             # typed as the grouped tables always gave it
        key_column = (np.array([], dtype=float) if book.rows("Leads").empty
                      else pd.Series([], dtype=object))
    return listed, pd.DataFrame({
        "key": key_column, "leads": figures[:, 0], "mqls": figures[:, 1],
        "open": figures[:, 2], "won": figures[:, 3], "has_open": figures[:, 2] > 0})


def combine_accounts(listed: pd.DataFrame, figures: pd.DataFrame,
                     label: str) -> tuple[pd.DataFrame, list[Finding]]:
    """Target accounts across books, from their `account_parts` in book order: one account
    across teams is one account (the first book's spelling, Tier and Rep); leads, MQLs, open
    and won add up (money left blank by a book stays out of the sums); an account no book
    covers is `target-account-uncovered` once, at the first book's row."""
    first = listed.drop_duplicates("key", keep="first")
    keys = first["key"].tolist()
    sums = figures.groupby("key", sort=False)[["leads", "mqls", "open", "won"]].sum()
    found = sums.reindex(keys).fillna(0).astype(np.int64)
    has_open = figures.groupby("key", sort=False)["has_open"].any().reindex(keys)
    accounts = pd.DataFrame({
        "account": first["account"].to_numpy(dtype=object),
        "tier": first["tier"].to_numpy(dtype=object),
        "rep": first["rep"].to_numpy(dtype=object),
        "leads": found["leads"].to_numpy(), "mqls": found["mqls"].to_numpy(),
        "open": found["open"].to_numpy(), "won": found["won"].to_numpy(),
    }, columns=ACCOUNT_COLUMNS[:-1])
    accounts["covered"] = (accounts["leads"].to_numpy() > 0) | has_open.fillna(False).to_numpy(
        dtype=bool)
    findings = [replace(finding, message=(
                    f"target account {account} has no lead in {label} and no open pipeline "
                    f"closing in it; plan marketing for it or open an opportunity"))
                for finding, account, covered in zip(first["finding"], first["account"],
                                                     accounts["covered"], strict=True)
                if not covered]
    return accounts, findings


def target_accounts(books: list[Book], as_of: dt.date) -> AccountsReport:
    """Per target account across `books`: leads, MQLs, open and won for the quarter."""
    books = [b for b in books if b.readable]
    parts = [account_parts(book, as_of) for book in books]
    label = BookQuarter.of(books[0], as_of).label if books else ""
    listed = pd.concat([p[0] for p in parts], ignore_index=True) if parts else \
        account_parts_empty()[0]
    figures = pd.concat([p[1] for p in parts], ignore_index=True) if parts else \
        account_parts_empty()[1]
    accounts, findings = combine_accounts(listed, figures, label)
    return AccountsReport(as_of, label, accounts, findings)


def account_parts_empty() -> tuple[pd.DataFrame, pd.DataFrame]:
    return (pd.DataFrame(columns=["key", "account", "tier", "rep", "finding"]),
            pd.DataFrame(columns=["key", "leads", "mqls", "open", "won", "has_open"]))


def _text(value) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def check_accounts(book: Book, context) -> list[Finding]:
    """Per-book `target-account-uncovered` for `analyze_book` (SPEC §7)."""
    if book.rows("Target Accounts").empty:
        return []
    return target_accounts([book], context.as_of).findings
