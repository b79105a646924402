"""Campaign scorecard: effectiveness and efficiency, kept apart and never blended (SPEC §8).

Effectiveness (did the money produce results?) per campaign and for the plan:
cost = committed + spent (the spend engine, SPEC §5), leads, MQLs, pipeline sourced
(Σ opportunity Amount with that Campaign ID, every stage), won revenue (Closed Won), ROI =
(won − cost) ÷ cost, pipeline per unit of cost, and attainment of Expected Leads / Pipeline /
Revenue. Campaigns are ranked by ROI, then by pipeline attainment.

Efficiency (how economically and quickly was the work done?) per campaign and for the plan:
cost per lead, cost per MQL, median task cycle, median review cycle and hours variance, using
the schedule engine's execution conventions (SPEC §6): task cycle = working days Actual Start …
Actual Finish inclusive, at least 1; review cycle = working days after Submitted On through
Approved On; hours variance = Σ(Actual − Planned Hours) over tasks that have both. Cost comes
from `spend.roll_up_spend(book).by("campaign")`, cycle times from `schedule.execution_metrics`.

The two are separate tables on purpose: a cheap campaign that produced nothing must not look
good because it was cheap.

Decisions where the SPEC is silent (also in the README):

- MQLs = leads that reached the Lead Stage named `MQL` (or the first Lead Stage when none is
  named so), "reached" as in the funnel: that stage or a later one is dated.
- Plan figures are ratios of sums over the campaigns of the plan (leads, opportunities and tasks
  that belong to no campaign of the plan are not in them); the plan's medians are over all of
  its campaigns' tasks, never a median of medians. Plan attainment sums actuals and expectations
  over the campaigns that have that expectation, so a campaign without a target does not inflate
  the plan's attainment.
- Ratios with a zero (or blank) denominator are blank, not infinite; money ratios per unit
  (cost per lead / MQL) are cents rounded half away from zero.
- Ranking: ROI descending, then pipeline attainment descending (blanks last in both), then
  Campaign ID; rank 1 is best. The efficiency table lists campaigns in the same order.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .calendar import fiscal_quarters, fiscal_years, parse_quarter_label, quarter_label
from .findings import Finding
from .funnel import campaign_ids, canonical_ids, mql_stage, stage_column
from .keys import id_key_index
from .model import Book
from .schedule import execution_metrics
from .spend import roll_up_spend
from .money import round_cents

if TYPE_CHECKING:  # analyze imports this module; the type is only for readers
    from .analyze import Context

EFFECTIVENESS_COLUMNS = ["rank", "campaign_id", "campaign", "cost", "leads", "mqls",
                         "pipeline", "won", "roi", "pipeline_per_cost", "leads_attainment",
                         "pipeline_attainment", "revenue_attainment"]
EFFICIENCY_COLUMNS = ["campaign_id", "campaign", "cost", "leads", "mqls", "cost_per_lead",
                      "cost_per_mql", "tasks", "median_task_cycle", "reviews",
                      "median_review_cycle", "hours_variance"]


@dataclass
class Scorecard:
    """`effectiveness` and `efficiency`: one row per campaign (ranked); `plan_*`: the plan."""

    plan_id: str | None
    currency: str
    effectiveness: pd.DataFrame
    efficiency: pd.DataFrame
    plan_effectiveness: dict
    plan_efficiency: dict
    findings: list[Finding] = field(default_factory=list)


def _ratio(numerator, denominator) -> np.ndarray:
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    ok = ~np.isnan(denominator) & (denominator != 0)
    return np.where(ok, numerator / np.where(ok, denominator, 1.0), np.nan)


def _money_per(cents, count) -> pd.array:
    """Cents per unit, rounded half away from zero; blank when the count is 0."""
    value = _ratio(cents, count)
    out = pd.array(round_cents(np.nan_to_num(value)), dtype="Int64")
    out[np.isnan(value)] = pd.NA
    return out


def _lead_counts(book: Book) -> pd.DataFrame:
    """leads and mqls per Campaign ID."""
    leads = book.rows("Leads")
    stages = tuple(book.plan.lead_stages)
    mql = mql_stage(book)
    reached: np.ndarray
    if mql is None:
        reached = np.zeros(len(leads), dtype=bool)
    else:
        later = stages[stages.index(mql):]
        reached = np.asarray(np.column_stack(
            [leads[stage_column(s)].notna().to_numpy() for s in later]).any(axis=1))
    frame = pd.DataFrame({"campaign_id": campaign_ids(book, leads["Campaign ID"]),
                          "leads": 1, "mqls": reached.astype(np.int64)})
    return frame.groupby("campaign_id").sum()


def _opportunity_sums(book: Book) -> pd.DataFrame:
    """pipeline (every stage) and won per Campaign ID, cents."""
    opps = book.rows("Opportunities")
    amount = opps["Amount"].to_numpy(dtype=np.int64)
    frame = pd.DataFrame({
        "campaign_id": campaign_ids(book, opps["Campaign ID"]),
        "pipeline": amount,
        "won": np.where(opps["Stage"].to_numpy(dtype=object) == "Closed Won", amount, 0),
    })
    return frame.groupby("campaign_id").sum()


def _campaign_of_activities(book: Book, activity_ids: pd.Series) -> np.ndarray:
    """Activity IDs (any case) → the Campaign ID of that activity, Campaigns spelling."""
    activities = book.rows("Activities").drop_duplicates("Activity ID")
    campaign_of = pd.Series(campaign_ids(book, activities["Campaign ID"]),
                            index=activities["Activity ID"].to_numpy(dtype=object))
    ids = canonical_ids(pd.Series(activity_ids, dtype=object), activities["Activity ID"])
    return pd.Series(ids, dtype=object).map(campaign_of).to_numpy(dtype=object)


def _cost_by_campaign(book: Book) -> pd.Series:
    """Committed + spent per Campaign ID in plan cents, from the spend engine (SPEC §5)."""
    by_campaign = roll_up_spend(book).by("campaign")
    cost = by_campaign["committed"].to_numpy(dtype=np.int64) + by_campaign["spent"].to_numpy(
        dtype=np.int64)
    return pd.Series(cost, index=by_campaign["key"].to_numpy(dtype=object))


def _execution_by_campaign(book: Book) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(task cycles, review cycles, hours variances), each with the task's campaign_id.

    Cycle times come from the schedule engine (`schedule.execution_metrics`, SPEC §6); tasks are
    attributed to campaigns here by Task ID, matching IDs ignoring case like the reference
    checks do. Hours variance per campaign = Σ(Actual − Planned Hours) over non-cancelled tasks
    that have both (the schedule engine's rule; it reports it by deliverable and assignee).
    """
    metrics = execution_metrics(book)
    tasks = book.rows("Tasks")
    task_campaign = _campaign_of_activities(book, tasks["Activity ID"])
    campaign_of_task = pd.Series(task_campaign,
                                 index=id_key_index(tasks["Task ID"].to_numpy(dtype=object)))

    def campaigns_of(task_ids: pd.Series) -> np.ndarray:
        position = campaign_of_task.index.get_indexer(id_key_index(task_ids.to_numpy(dtype=object)))
        values = campaign_of_task.to_numpy(dtype=object)
        campaigns = np.full(len(position), None, dtype=object)
        campaigns[position >= 0] = values[position[position >= 0]]
        return campaigns

    task_cycle = pd.DataFrame({"campaign_id": campaigns_of(metrics.task_cycle["key"]),
                               "days": metrics.task_cycle["cycle_days"].to_numpy(dtype=float)})
    done = ~metrics.reviews["open"].to_numpy(dtype=bool)
    review_cycle = pd.DataFrame({
        "campaign_id": campaigns_of(metrics.reviews["task_id"])[done],
        "days": metrics.reviews["cycle_days"].to_numpy(dtype=float)[done]})
    booked = ((tasks["Status"] != "Cancelled") & tasks["Planned Hours"].notna()
              & tasks["Actual Hours"].notna()).to_numpy()
    hours = pd.DataFrame({
        "campaign_id": task_campaign[booked],
        "variance": (tasks["Actual Hours"] - tasks["Planned Hours"]).to_numpy(dtype=float)[booked]})
    return task_cycle, review_cycle, hours


# ---------------------------------------------------------------------------------------------

def score_campaigns(book: Book) -> Scorecard:
    """Effectiveness and efficiency per campaign and for the plan (SPEC §8); computed once per
    book state and shared by the CLI, the checks and consolidation."""
    return book.memo("scorecard", lambda: _score_campaigns(book))


def _score_campaigns(book: Book) -> Scorecard:
    campaigns = book.rows("Campaigns").drop_duplicates("Campaign ID")
    ids = campaigns["Campaign ID"].to_numpy(dtype=object)
    cost = _cost_by_campaign(book).reindex(ids).fillna(0).to_numpy(dtype=np.int64)
    leads = _lead_counts(book).reindex(ids).fillna(0).astype(np.int64)
    opps = _opportunity_sums(book).reindex(ids).fillna(0).astype(np.int64)
    expected_leads = campaigns["Expected Leads"].to_numpy(dtype=float)
    expected_pipeline = campaigns["Expected Pipeline"].to_numpy(dtype=float, na_value=np.nan)
    expected_revenue = campaigns["Expected Revenue"].to_numpy(dtype=float, na_value=np.nan)

    effect = pd.DataFrame({
        "campaign_id": ids,
        "campaign": campaigns["Campaign"].to_numpy(dtype=object),
        "cost": cost,
        "leads": leads["leads"].to_numpy(),
        "mqls": leads["mqls"].to_numpy(),
        "pipeline": opps["pipeline"].to_numpy(),
        "won": opps["won"].to_numpy(),
    })
    effect["roi"] = _ratio(effect["won"] - cost, cost)
    effect["pipeline_per_cost"] = _ratio(effect["pipeline"], cost)
    effect["leads_attainment"] = _ratio(effect["leads"], expected_leads)
    effect["pipeline_attainment"] = _ratio(effect["pipeline"], expected_pipeline)
    effect["revenue_attainment"] = _ratio(effect["won"], expected_revenue)
    order = effect.assign(
        _roi=effect["roi"].fillna(-np.inf), _pipe=effect["pipeline_attainment"].fillna(-np.inf)
    ).sort_values(["_roi", "_pipe", "campaign_id"], ascending=[False, False, True],
                  kind="stable").index
    effect = effect.loc[order].reset_index(drop=True)
    effect.insert(0, "rank", np.arange(1, len(effect) + 1))

    task_cycle, review_cycle, hours = _execution_by_campaign(book)
    order = effect["campaign_id"].to_numpy(dtype=object)
    task_stats = task_cycle.groupby("campaign_id")["days"].agg(["count", "median"]).reindex(order)
    review_stats = review_cycle.groupby("campaign_id")["days"].agg(["count", "median"]).reindex(
        order)
    hours_stats = hours.groupby("campaign_id")["variance"].agg(["count", "sum"]).reindex(order)
    efficiency = pd.DataFrame({
        "campaign_id": effect["campaign_id"], "campaign": effect["campaign"],
        **_efficiency_figures(effect, task_stats, review_stats, np.where(
            hours_stats["count"].fillna(0).to_numpy() > 0,
            hours_stats["sum"].to_numpy(dtype=float), np.nan)),
    })[EFFICIENCY_COLUMNS]

    known = set(ids)
    in_plan = [frame[frame["campaign_id"].isin(known).to_numpy()]
               for frame in (task_cycle, review_cycle, hours)]
    plan_effect, plan_efficiency = _plan_figures(effect, expected_leads, expected_pipeline,
                                                 expected_revenue, campaigns, *in_plan)
    return Scorecard(book.plan.plan_id, book.plan.currency, effect[EFFECTIVENESS_COLUMNS],
                     efficiency, plan_effect, plan_efficiency)


def _efficiency_figures(effect: pd.DataFrame, task_stats: pd.DataFrame,
                        review_stats: pd.DataFrame, hours_variance: np.ndarray) -> dict:
    """The efficiency columns from effectiveness rows and per-row cycle statistics (count,
    median): one definition for campaigns and quarters."""
    return {
        "cost": effect["cost"], "leads": effect["leads"], "mqls": effect["mqls"],
        "cost_per_lead": _money_per(effect["cost"], effect["leads"]),
        "cost_per_mql": _money_per(effect["cost"], effect["mqls"]),
        "tasks": task_stats["count"].fillna(0).to_numpy(dtype=np.int64),
        "median_task_cycle": task_stats["median"].to_numpy(dtype=float),
        "reviews": review_stats["count"].fillna(0).to_numpy(dtype=np.int64),
        "median_review_cycle": review_stats["median"].to_numpy(dtype=float),
        "hours_variance": hours_variance,
    }


def _plan_figures(effect: pd.DataFrame, expected_leads: np.ndarray,
                  expected_pipeline: np.ndarray, expected_revenue: np.ndarray,
                  campaigns: pd.DataFrame, task_cycle: pd.DataFrame,
                  review_cycle: pd.DataFrame, hours: pd.DataFrame) -> tuple[dict, dict]:
    """Plan rows: ratios of sums; attainment over campaigns that carry the expectation."""
    by_id = effect.set_index("campaign_id").reindex(campaigns["Campaign ID"].to_numpy(dtype=object))
    cost, leads, mqls = (int(effect[c].sum()) for c in ("cost", "leads", "mqls"))
    pipeline, won = int(effect["pipeline"].sum()), int(effect["won"].sum())

    def attainment(actual: str, expected: np.ndarray) -> float | None:
        has = ~np.isnan(expected)
        total = float(expected[has].sum())
        return float(by_id[actual].to_numpy()[has].sum()) / total if total else None

    def one(value) -> float | None:
        value = float(value)
        return None if np.isnan(value) else value

    plan_effect = {
        "cost": cost, "leads": leads, "mqls": mqls, "pipeline": pipeline, "won": won,
        "roi": (won - cost) / cost if cost else None,
        "pipeline_per_cost": pipeline / cost if cost else None,
        "leads_attainment": attainment("leads", expected_leads),
        "pipeline_attainment": attainment("pipeline", expected_pipeline),
        "revenue_attainment": attainment("won", expected_revenue),
    }
    plan_efficiency = {
        "cost": cost, "leads": leads, "mqls": mqls,
        "cost_per_lead": int(round_cents(cost / leads)) if leads else None,
        "cost_per_mql": int(round_cents(cost / mqls)) if mqls else None,
        "tasks": len(task_cycle),
        "median_task_cycle": one(task_cycle["days"].median()) if len(task_cycle) else None,
        "reviews": len(review_cycle),
        "median_review_cycle": one(review_cycle["days"].median()) if len(review_cycle) else None,
        "hours_variance": float(hours["variance"].sum()) if len(hours) else None,
    }
    return plan_effect, plan_efficiency


# --- campaigns that do not meet their planned performance (SPEC §8) -------------------------

ATTAINMENT_FIGURES = (("leads", "Expected Leads", "leads_attainment"),
                      ("pipeline", "Expected Pipeline", "pipeline_attainment"),
                      ("revenue", "Expected Revenue", "revenue_attainment"))
AT_RISK_COLUMNS = ["campaign_id", "campaign", "status", "start", "end", "expected_share",
                   "leads_attainment", "pipeline_attainment", "revenue_attainment",
                   "underperforming", "spi", "behind_schedule", "late_tasks", "reasons"]


def expected_shares(book: Book, as_of: dt.date) -> pd.DataFrame:
    """Per campaign: the share of its expectations due by `as_of` — 1 once it has ended
    (Completed, or End before as-of), the elapsed share of Start–End in calendar days (both
    ends counted) while it is Active, blank otherwise (Planned, Cancelled, or Active without
    dates: nothing can be due yet)."""
    campaigns = book.rows("Campaigns").drop_duplicates("Campaign ID")
    start = campaigns["Start"].to_numpy(dtype="datetime64[s]").astype("datetime64[D]")
    end = campaigns["End"].to_numpy(dtype="datetime64[s]").astype("datetime64[D]")
    status = campaigns["Status"].to_numpy(dtype=object)
    day = np.datetime64(as_of, "D")
    ended = (status == "Completed") | ((status == "Active") & ~np.isnat(end) & (end < day))
    active = (status == "Active") & ~np.isnat(start) & ~np.isnat(end) & ~ended & (start <= day)
    length = np.maximum((end - start).astype(np.int64) + 1, 1)
    elapsed = np.clip((day - start).astype(np.int64) + 1, 0, length)
    share = np.where(ended, 1.0, np.where(active, elapsed / length, np.nan))
    return pd.DataFrame({"campaign_id": campaigns["Campaign ID"].to_numpy(dtype=object),
                         "status": status, "start": start, "end": end, "share": share,
                         "_row": campaigns["_row"].to_numpy(dtype=np.int64)})


def underperforming_campaigns(book: Book, as_of: dt.date) -> pd.DataFrame:
    """Campaigns with an attainment below Attainment Threshold × the share due by as-of.

    Columns: campaign_id, share, the three attainments, below (tuple of figure names), _row.
    Computed once per book state and as-of: the check and the campaigns at risk share it."""
    return book.memo(("underperforming", as_of), lambda: _underperforming(book, as_of))


def _underperforming(book: Book, as_of: dt.date) -> pd.DataFrame:
    threshold = book.plan.attainment_threshold
    shares = expected_shares(book, as_of)
    effect = score_campaigns(book).effectiveness.set_index("campaign_id")
    due = shares["share"].to_numpy(dtype=float)
    below: list[tuple[str, ...]] = [() for _ in range(len(shares))]
    out = shares[["campaign_id", "share", "_row"]].copy()
    for name, _, column in ATTAINMENT_FIGURES:
        attainment = effect[column].reindex(shares["campaign_id"]).to_numpy(dtype=float)
        out[column] = attainment
        short = ~np.isnan(due) & (due > 0) & ~np.isnan(attainment) & (
            attainment < threshold * due)
        below = [b + (name,) if s else b for b, s in zip(below, short, strict=True)]
    out["below"] = below
    return out


def check_performance(book: Book, context: Context) -> list[Finding]:
    """`campaign-underperforming` (warning) at the Campaign ID cell (SPEC §8)."""
    if book.rows("Campaigns").empty:
        return []
    threshold = book.plan.attainment_threshold
    table = underperforming_campaigns(book, context.as_of)
    findings = []
    for record in table[[bool(b) for b in table["below"]]].to_dict("records"):
        parts = [f"{name} {record[column]:.0%}" for name, _, column in ATTAINMENT_FIGURES
                 if name in record["below"]]
        share = record["share"]
        due = ("it has ended" if share >= 1 else
               f"pro rata: {threshold * share:.0%} is due with {share:.0%} of its run elapsed")
        worst = min(record[column] for name, _, column in ATTAINMENT_FIGURES
                    if name in record["below"])
        findings.append(book.finding(
            "campaign-underperforming",
            f"campaign {record['campaign_id']} has reached {', '.join(parts)} of what it "
            f"expected on {context.as_of}, below the plan's Attainment Threshold {threshold:g} "
            f"({due}); review its channel and spend, or re-forecast its expectations",
            sheet="Campaigns", column="Campaign ID", row=int(record["_row"]),
            value=round(float(worst), 4)))
    return findings


def campaigns_at_risk(book: Book, as_of: dt.date) -> pd.DataFrame:
    """Delayed (schedule-behind) and underperforming campaigns listed together, one row per
    campaign that is either, with the reasons in words: the table the Dashboards show."""
    from .schedule import roll_up_schedule
    names = book.rows("Campaigns").drop_duplicates("Campaign ID").set_index("Campaign ID")
    performance = underperforming_campaigns(book, as_of).set_index("campaign_id")
    shares = expected_shares(book, as_of).set_index("campaign_id")
    schedule = roll_up_schedule(book, as_of).by("campaign").set_index("key")
    ids = performance.index.to_numpy(dtype=object)
    spi = schedule["spi"].reindex(ids).to_numpy(dtype=float)
    cancelled = shares["status"].reindex(ids).to_numpy(dtype=object) == "Cancelled"
    behind = ~np.isnan(spi) & (spi < book.plan.spi_threshold) & ~cancelled
    below = performance["below"].to_numpy(dtype=object)
    reasons = [", ".join(([f"SPI {s:.2f}"] if b else [])
                         + [f"{name} below target" for name in short])
               for s, b, short in zip(spi, behind, below, strict=True)]
    table = pd.DataFrame({
        "campaign_id": ids,
        "campaign": names["Campaign"].reindex(ids).to_numpy(dtype=object),
        "status": shares["status"].reindex(ids).to_numpy(dtype=object),
        "start": shares["start"].reindex(ids).to_numpy(),
        "end": shares["end"].reindex(ids).to_numpy(),
        "expected_share": performance["share"].to_numpy(dtype=float),
        **{column: performance[column].to_numpy(dtype=float)
           for _, _, column in ATTAINMENT_FIGURES},
        "underperforming": np.array([bool(b) for b in below], dtype=bool),
        "spi": spi,
        "behind_schedule": behind,
        "late_tasks": schedule["late_tasks"].reindex(ids).fillna(0).to_numpy(dtype=np.int64),
        "reasons": reasons,
    })
    keep = table["underperforming"].to_numpy() | table["behind_schedule"].to_numpy()
    return table[keep].reset_index(drop=True)[AT_RISK_COLUMNS]


# --- by fiscal quarter (SPEC §8 "by fiscal quarter too, with the change from the previous") ---

QUARTER_EFFECTIVENESS = ["quarter", "cost", "leads", "mqls", "pipeline", "won", "roi",
                         "pipeline_per_cost"]
QUARTER_EFFICIENCY = ["quarter", "cost", "leads", "mqls", "cost_per_lead", "cost_per_mql",
                      "tasks", "median_task_cycle", "reviews", "median_review_cycle",
                      "hours_variance"]


@dataclass
class QuarterScorecard:
    """The plan's effectiveness and efficiency per fiscal quarter, apart; each figure has a
    `<figure>_change` column: this quarter minus the previous one (blank for the first)."""

    plan_id: str | None
    currency: str
    effectiveness: pd.DataFrame
    efficiency: pd.DataFrame


def _quarter_keys(days: np.ndarray, start_month: int) -> np.ndarray:
    """`FY2027-Q2` per date (None for a blank date)."""
    years = fiscal_years(days, start_month)
    quarters = fiscal_quarters(days, start_month)
    return np.array([None if q == 0 else quarter_label(int(y), int(q))
                     for y, q in zip(years, quarters, strict=True)], dtype=object)


def _count_by(keys: np.ndarray, weights: np.ndarray | None = None) -> pd.Series:
    """Σ weights (count when None) per non-blank key, keys sorted. Integer weights are summed
    exactly with numpy; float weights keep pandas' (compensated) group sum."""
    present = pd.notna(keys)
    if weights is not None and np.asarray(weights).dtype.kind not in "iu":
        frame = pd.DataFrame({"key": keys, "value": weights})
        return frame[present].groupby("key")["value"].sum()
    labels, inverse = np.unique(np.asarray(keys, dtype=object)[present], return_inverse=True)
    sums = np.zeros(len(labels), dtype=np.int64)
    np.add.at(sums, inverse, 1 if weights is None else np.asarray(weights)[present])
    return pd.Series(sums, index=pd.Index(labels, dtype=object))


def score_quarters(book: Book) -> QuarterScorecard:
    """Per fiscal quarter of the plan (SPEC §8), each figure dated by when it happened:
    cost = committed + spent booked in the quarter (the spend ledger by quarter, SPEC §5); leads
    by Inquiry Date; MQLs by the date they reached the MQL stage; pipeline sourced by the
    opportunity's Created date; won by the Close Date of Closed Won; task cycle and hours
    variance by Actual Finish; review cycle by Approved On. Leads and opportunities count only
    for the plan's campaigns, as in the campaign scorecard. The quarters listed are the plan's
    four fiscal quarters and any other quarter something happened in."""
    return book.memo("scorecard-quarters", lambda: _score_quarters(book))


def _score_quarters(book: Book) -> QuarterScorecard:
    start_month = book.plan.fy_start_month
    spend = roll_up_spend(book).by("quarter")
    cost = pd.Series(spend["committed"].to_numpy(dtype=np.int64)
                     + spend["spent"].to_numpy(dtype=np.int64),
                     index=spend["key"].to_numpy(dtype=object))
    known = set(book.rows("Campaigns")["Campaign ID"].dropna())

    leads = book.rows("Leads")
    in_plan = pd.Series(campaign_ids(book, leads["Campaign ID"])).isin(known).to_numpy()
    leads = leads[in_plan]
    lead_counts = _count_by(_quarter_keys(_dates(leads["Inquiry Date"]), start_month))
    mql = mql_stage(book)
    mql_counts = (_count_by(_quarter_keys(_dates(leads[stage_column(mql)]), start_month))
                  if mql is not None and stage_column(mql) in leads.columns
                  else pd.Series(dtype=np.int64))

    opps = book.rows("Opportunities")
    opps = opps[pd.Series(campaign_ids(book, opps["Campaign ID"])).isin(known).to_numpy()]
    amount = opps["Amount"].to_numpy(dtype=np.int64)
    pipeline = _count_by(_quarter_keys(_dates(opps["Created"]), start_month), amount)
    won_rows = (opps["Stage"] == "Closed Won").to_numpy()
    won = _count_by(_quarter_keys(_dates(opps["Close Date"][won_rows]), start_month),
                    amount[won_rows])

    tasks = book.rows("Tasks")
    tasks = tasks[(tasks["Status"] != "Cancelled").to_numpy()]
    metrics = execution_metrics(book)
    finished = pd.Series(_quarter_keys(_dates(tasks["Actual Finish"]), start_month),
                         index=id_key_index(tasks["Task ID"].to_numpy(dtype=object)))
    approved = pd.Series(_quarter_keys(_dates(tasks["Approved On"]), start_month),
                         index=finished.index)
    cycles = pd.DataFrame({"key": finished.reindex(id_key_index(
        metrics.task_cycle["key"].to_numpy(dtype=object))).to_numpy(dtype=object),
        "days": metrics.task_cycle["cycle_days"].to_numpy(dtype=float)})
    done = ~metrics.reviews["open"].to_numpy(dtype=bool)
    reviews = pd.DataFrame({"key": approved.reindex(id_key_index(
        metrics.reviews["task_id"].to_numpy(dtype=object)[done])).to_numpy(dtype=object),
        "days": metrics.reviews["cycle_days"].to_numpy(dtype=float)[done]})
    booked = (tasks["Planned Hours"].notna() & tasks["Actual Hours"].notna()).to_numpy()
    hours = _count_by(finished.to_numpy(dtype=object)[booked],
                      (tasks["Actual Hours"] - tasks["Planned Hours"]).to_numpy(dtype=float)[
                          booked])

    quarters = _quarters_listed(book, [cost, lead_counts, mql_counts, pipeline, won, hours,
                                       _count_by(cycles["key"].to_numpy(dtype=object)),
                                       _count_by(reviews["key"].to_numpy(dtype=object))])

    def ints(series: pd.Series) -> np.ndarray:
        return series.reindex(quarters).fillna(0).to_numpy(dtype=np.int64)

    effect = pd.DataFrame({"quarter": quarters, "cost": ints(cost), "leads": ints(lead_counts),
                           "mqls": ints(mql_counts), "pipeline": ints(pipeline),
                           "won": ints(won)})
    effect["roi"] = _ratio(effect["won"] - effect["cost"], effect["cost"])
    effect["pipeline_per_cost"] = _ratio(effect["pipeline"], effect["cost"])
    task_stats = cycles.groupby("key")["days"].agg(["count", "median"]).reindex(quarters)
    review_stats = reviews.groupby("key")["days"].agg(["count", "median"]).reindex(quarters)
    hours_sum = hours.reindex(quarters)
    efficiency = pd.DataFrame({
        "quarter": quarters,
        **_efficiency_figures(effect, task_stats, review_stats, hours_sum.to_numpy(dtype=float)),
    })
    return QuarterScorecard(book.plan.plan_id, book.plan.currency, _with_changes(effect),
                            _with_changes(efficiency))


def _dates(series: pd.Series) -> np.ndarray:
    return series.to_numpy(dtype="datetime64[s]").astype("datetime64[D]")


def _quarters_listed(book: Book, figures: list[pd.Series]) -> list[str]:
    """The plan's four fiscal quarters and every other quarter a figure falls in, in order."""
    labels = {str(key) for series in figures for key in series.index}
    if book.plan.fiscal_year is not None:
        labels |= {quarter_label(book.plan.fiscal_year, q) for q in (1, 2, 3, 4)}
    return sorted(labels, key=parse_quarter_label)


def _with_changes(table: pd.DataFrame) -> pd.DataFrame:
    """Each figure followed by `<figure>_change` = this quarter − the previous listed one.
    Integer figures (int64 or Int64) change as Int64 (blank for the first quarter), others as
    float; the frame is built once from its columns (one construction, not one insert each)."""
    columns: dict[str, object] = {"quarter": table["quarter"].array}
    for column in table.columns[1:]:
        values = table[column]
        columns[column] = values.array
        numbers = values.to_numpy(dtype=float, na_value=np.nan)
        change = np.full(len(numbers), np.nan)
        change[1:] = numbers[1:] - numbers[:-1]
        integer = values.dtype.kind in "iu" or values.dtype == "Int64"
        columns[f"{column}_change"] = pd.array(change, dtype="Int64") if integer else change
    return pd.DataFrame(columns, index=table.index)
