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

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .findings import Finding
from .funnel import campaign_ids, canonical_ids, folded_index, mql_stage, stage_column
from .model import Book
from .schedule import execution_metrics
from .spend import roll_up_spend
from .values import round_cents

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
    if mql is None:
        reached = np.zeros(len(leads), dtype=bool)
    else:
        later = stages[stages.index(mql):]
        reached = np.column_stack(
            [leads[stage_column(s)].notna().to_numpy() for s in later]).any(axis=1)
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
                                 index=folded_index(tasks["Task ID"].to_numpy(dtype=object)))

    def campaigns_of(task_ids: pd.Series) -> np.ndarray:
        position = campaign_of_task.index.get_indexer(folded_index(task_ids.to_numpy(dtype=object)))
        values = campaign_of_task.to_numpy(dtype=object)
        return np.where(position >= 0, values[np.maximum(position, 0)] if len(values) else None,
                        None)

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
    """Effectiveness and efficiency per campaign and for the plan (SPEC §8)."""
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
        "cost": effect["cost"], "leads": effect["leads"], "mqls": effect["mqls"],
        "cost_per_lead": _money_per(effect["cost"], effect["leads"]),
        "cost_per_mql": _money_per(effect["cost"], effect["mqls"]),
        "tasks": task_stats["count"].fillna(0).to_numpy(dtype=np.int64),
        "median_task_cycle": task_stats["median"].to_numpy(dtype=float),
        "reviews": review_stats["count"].fillna(0).to_numpy(dtype=np.int64),
        "median_review_cycle": review_stats["median"].to_numpy(dtype=float),
        "hours_variance": np.where(hours_stats["count"].fillna(0).to_numpy() > 0,
                                   hours_stats["sum"].to_numpy(dtype=float), np.nan),
    })[EFFICIENCY_COLUMNS]

    known = set(ids)
    in_plan = [frame[frame["campaign_id"].isin(known).to_numpy()]
               for frame in (task_cycle, review_cycle, hours)]
    plan_effect, plan_efficiency = _plan_figures(effect, expected_leads, expected_pipeline,
                                                 expected_revenue, campaigns, *in_plan)
    return Scorecard(book.plan.plan_id, book.plan.currency, effect[EFFECTIVENESS_COLUMNS],
                     efficiency, plan_effect, plan_efficiency)


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
