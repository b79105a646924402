"""Domain roll-ups of one book for a consolidation: each fills its small tables into the
`BookResult`, in plan cents, by calling the domain's own functions (SPEC §5–§9). `DOMAINS`
(in `__init__`) says which domain each belongs to and runs them in its order.

Each imports its domain's functions when it runs: `analyze` imports this module through
`DOMAINS`, and checking one book (the UDFs, the CLI) should load no more than its checks need
(the marketing calendar's .ics writer would bring in xlsxwriter)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..model import Book

if TYPE_CHECKING:   # the consolidation's types; its worker imports this module
    from ..consolidate.results import BookResult, Options


def roll_up_spend_tables(book: Book, result: BookResult, options: Options) -> None:
    """Spend (SPEC §5): plan totals, per-campaign figures, G/L account × month and the burn
    (`spend.spend_burn`), in plan cents, as they stood on `options.spend_as_of` (every
    document when None) — the figures `mom spend --as-of` shows; the plan's year-end forecast
    and burn seen from `options.as_of`. Overspend is Σ over activities of max(0, committed +
    spent − budgeted), so an activity under budget never hides one over it."""
    from .spend import forecast_spend, roll_up_spend
    spend = roll_up_spend(book, options.spend_as_of)
    result.totals = spend.total
    plan = forecast_spend(book, options.as_of, options.spend_as_of).by("plan").iloc[0]
    result.forecast = {"projected": int(plan["projected"]), "forecast": int(plan["forecast"])}
    activity = spend.by("activity")
    excess = (activity["committed"] + activity["spent"] - activity["budgeted"]).to_numpy()
    result.overspend = int(np.maximum(excess, 0).sum())
    by_campaign = spend.by("campaign")
    result.tables["campaigns"] = _named_campaigns(book, by_campaign, overspend=np.maximum(
        (by_campaign["committed"] + by_campaign["spent"] - by_campaign["budgeted"]).to_numpy(),
        0))
    ledger = spend.ledger
    moving = ledger.figures.any(axis=1)
    gl = spend.activities["gl_account"].to_numpy(dtype=object)[ledger.activity[moving]]
    months = np.datetime_as_string(ledger.date[moving].astype("datetime64[M]"), unit="M")
    figures = pd.DataFrame(ledger.figures[moving], columns=["budgeted", "planned", "committed",
                                                            "spent"])
    figures.insert(0, "month", months)
    figures.insert(0, "gl_account", gl)
    by_month = figures.groupby(["gl_account", "month"], sort=True, as_index=False).sum()
    by_month["remaining"] = by_month["budgeted"] - by_month["committed"] - by_month["spent"]
    result.tables["gl_month"] = by_month
    from .spend import spend_burn   # the plan's, by fiscal month
    result.tables["burn"] = spend_burn(book, options.as_of, options.spend_as_of)


def roll_up_schedule_tables(book: Book, result: BookResult, options: Options) -> None:
    """Schedule (SPEC §6): per-campaign figures; the plan's % complete, SPI and late tasks."""
    from .schedule import roll_up_schedule
    schedule = roll_up_schedule(book, options.as_of)
    result.tables["schedule"] = _named_campaigns(book, schedule.by("campaign"))
    plan = schedule.by("plan")
    if len(plan):
        row = plan.iloc[0]
        result.schedule = {"percent_complete": _number(row["percent_complete"]),
                           "spi": _number(row["spi"]), "late_tasks": int(row["late_tasks"])}


def roll_up_coverage_parts(book: Book, result: BookResult, options: Options) -> None:
    """Pipeline (SPEC §7): this book's per-rep quota, won, open and weighted for its fiscal
    quarter containing the as-of date; the merge adds reps up across books."""
    from .pipeline import book_coverage
    report = book_coverage(book, options.as_of, options.coverage_target)
    reps = report.reps[["rep", "quota", "won", "open", "weighted"]].copy()
    reps.insert(1, "quarter", report.quarter)
    result.tables["coverage_parts"] = reps


def roll_up_funnel_tables(book: Book, result: BookResult, options: Options) -> None:
    """Lead funnel (SPEC §7): the plan's stages — reached, conversion, median days."""
    from .funnel import roll_up_funnel
    plan = roll_up_funnel(book, options.as_of).plan
    result.tables["funnel"] = plan.drop(columns=["campaign_id", "campaign"]).reset_index(
        drop=True)


def roll_up_scorecard_tables(book: Book, result: BookResult, options: Options) -> None:
    """Scorecard (SPEC §8): effectiveness and efficiency per campaign, side by side as
    separate columns (never blended into one score)."""
    from .scorecard import score_campaigns
    result.tables["scorecard"] = score_campaigns(book).side_by_side()


def roll_up_operations_tables(book: Book, result: BookResult, options: Options) -> None:
    """Capacity (SPEC §6: loads, People, campaign hours — merged by `capacity`), the marketing
    calendar, the campaigns at risk and the quarterly scorecard (SPEC §8)."""
    from .capacity import consolidation_parts
    from .marketing_calendar import calendar_columns, calendar_frame
    from .scorecard import campaigns_at_risk, score_quarters
    result.tables.update(consolidation_parts(book))
    calendar = calendar_columns(book, options.as_of)
    del calendar["book"], calendar["team"]
    result.tables["calendar"] = calendar_frame({**calendar,
                                                "fy_start_month": book.plan.fy_start_month})
    result.tables["at_risk"] = campaigns_at_risk(book, options.as_of)
    result.tables["scorecard_quarters"] = score_quarters(book).side_by_side()


def roll_up_accounts(book: Book, result: BookResult, options: Options) -> None:
    """Target accounts (SPEC §7): the accounts this book lists and its leads, MQLs, open and
    won per account for its quarter (`accounts.account_parts`); the merge adds them up across
    teams as `mom accounts` does."""
    from .accounts import account_parts
    from .pipeline import BookQuarter
    result.quarter = BookQuarter.of(book, options.as_of).label
    result.tables["account_listed"], result.tables["account_figures"] = account_parts(
        book, options.as_of)


def roll_up_assets(book: Book, result: BookResult, options: Options) -> None:
    """The asset catalogue rows (SPEC §9); duplicates are marked across books at the merge."""
    rows = book.rows("Assets")
    keep = [c for c in ("Asset ID", "Asset", "Type", "Product", "Segment", "Region", "Tags",
                        "Status", "Expires", "Location") if c in rows.columns]
    result.tables["assets"] = rows[keep].reset_index(drop=True)


def _named_campaigns(book: Book, table: pd.DataFrame, **extra: Any) -> pd.DataFrame:
    """A domain's per-campaign table (`key` first) as the consolidation keeps it: `key` named
    campaign_id, then the campaign's name (the Campaigns sheet's first row of that ID; blank
    for an ID not there), the table's other columns, then `extra` — one frame, built once."""
    from .scorecard import plan_campaigns
    listed = plan_campaigns(book)
    names = dict(zip(listed.ids.tolist(), listed.names.tolist(), strict=True))
    ids = table["key"]
    return pd.DataFrame({
        "campaign_id": ids.array,
        "campaign": pd.array([names.get(key) for key in ids.to_numpy(dtype=object).tolist()],
                             dtype="string"),
        **{column: table[column].array for column in table.columns if column != "key"},
        **extra}, index=table.index)


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
