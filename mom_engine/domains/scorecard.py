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
import functools
from dataclasses import dataclass, field
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..calendar import code_label, fiscal_quarter_codes, parse_quarter_label, quarter_code
from ..findings import Finding
from .funnel import campaign_ids, mql_stage, stage_column
from ..keys import first_positions, first_rows, id_keys
from ..model import Book, Context, frame_of, text_array
from .schedule import execution_metrics
from .spend import roll_up_spend
from ..money import round_cents

EFFECTIVENESS_COLUMNS = ["rank", "campaign_id", "campaign", "cost", "leads", "mqls",
                         "pipeline", "won", "roi", "pipeline_per_cost", "leads_attainment",
                         "pipeline_attainment", "revenue_attainment"]
EFFICIENCY_COLUMNS = ["campaign_id", "campaign", "cost", "leads", "mqls", "cost_per_lead",
                      "cost_per_mql", "tasks", "median_task_cycle", "reviews",
                      "median_review_cycle", "hours_variance"]


class _Card:
    """Effectiveness and efficiency as columns (name → one value per row), framed when first
    asked for: the checks read the columns, a consolidation the two side by side."""

    effectiveness_columns: dict[str, Any]
    if TYPE_CHECKING:     # a field of one subclass, computed when first asked for in another
        @property
        def efficiency_columns(self) -> dict[str, Any]: ...

    @functools.cached_property
    def effectiveness(self) -> pd.DataFrame:
        return _card_frame(self.effectiveness_columns)

    @functools.cached_property
    def efficiency(self) -> pd.DataFrame:
        return _card_frame(self.efficiency_columns)

    def side_by_side(self) -> pd.DataFrame:
        """The effectiveness columns, then the efficiency columns they lack: separate
        columns in one table, never blended."""
        effectiveness = self.effectiveness_columns
        return _card_frame({**effectiveness, **{
            name: values for name, values in self.efficiency_columns.items()
            if name not in effectiveness}})


def _card_frame(columns: dict[str, Any]) -> pd.DataFrame:
    """A card's frame, built once: its campaign IDs and names typed as text straight from
    Arrow (`text_array`), as the constructor would type them."""
    return frame_of({name: text_array(values.tolist()) if name in ("campaign_id", "campaign")
                     else values for name, values in columns.items()})


@dataclass
class Scorecard(_Card):
    """`effectiveness` (EFFECTIVENESS_COLUMNS) and `efficiency` (EFFICIENCY_COLUMNS): one row
    per campaign (ranked); `plan_*`: the plan. The efficiency figures are computed when first
    asked for (`efficiency_of`): the checks need only the effectiveness."""

    plan_id: str | None
    currency: str
    effectiveness_columns: dict[str, Any]
    plan_effectiveness: dict
    efficiency_of: Callable[[], tuple[dict[str, Any], dict]] = field(repr=False, compare=False)
    findings: list[Finding] = field(default_factory=list)

    @functools.cached_property
    def _efficiency(self) -> tuple[dict[str, Any], dict]:
        return self.efficiency_of()

    @functools.cached_property
    def efficiency_columns(self) -> dict[str, Any]:
        return self._efficiency[0]

    @property
    def plan_efficiency(self) -> dict:
        return self._efficiency[1]


def _ratio(numerator, denominator) -> np.ndarray:
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    ok = ~np.isnan(denominator) & (denominator != 0)
    return np.where(ok, numerator / np.where(ok, denominator, 1.0), np.nan)


def _money_per(cents, count) -> pd.arrays.IntegerArray:
    """Cents per unit, rounded half away from zero; blank when the count is 0."""
    value = _ratio(cents, count)
    return pd.arrays.IntegerArray(round_cents(np.nan_to_num(value)), np.isnan(value))


# --- grouping on plain arrays ----------------------------------------------------------------
# A team's book has a handful of campaigns and quarters and a few hundred rows: pandas' fixed
# cost per groupby / reindex / frame is what a scorecard paid for, so groups are positions
# found with a dict and reduced with numpy.

def _positions(keys, labels) -> np.ndarray:
    """Position in `labels` of each key (exact match); -1 for a key not there or blank."""
    where = first_positions(labels)
    return np.array([where.get(key, -1) if key == key else -1 for key in keys], dtype=np.int64)


def _taken(values: np.ndarray, positions: np.ndarray, missing: object) -> np.ndarray:
    """values[position] for each position; `missing` where the position is -1."""
    out = np.full(len(positions), missing, dtype=values.dtype)
    out[positions >= 0] = values[positions[positions >= 0]]
    return out


def _int_sums(positions: np.ndarray, size: int, weights=None) -> np.ndarray:
    """Σ integer weights (count when None) per group position, exact; 0 for an empty group."""
    hit = positions >= 0
    if weights is None:
        return np.bincount(positions[hit], minlength=size).astype(np.int64)
    sums = np.zeros(size, dtype=np.int64)
    np.add.at(sums, positions[hit], np.asarray(weights, dtype=np.int64)[hit])
    return sums


def _float_sums(positions: np.ndarray, size: int, values) -> np.ndarray:
    """Σ values per group position, NaN for a group without one; a blank value is left out.
    Compensated exactly as pandas' group sum adds (`capacity.compensated_sums`), so an hours
    variance reads the same to the last bit."""
    from .capacity import compensated_sums    # capacity imports this module
    values = np.asarray(values, dtype=float)
    positions = np.where(np.isnan(values), -1, positions)
    sums = compensated_sums(positions, values.reshape(-1, 1), size)[:, 0]
    seen = np.bincount(positions[positions >= 0], minlength=size) > 0
    return np.where(seen, sums, np.nan)


def _count_median(positions: np.ndarray, size: int, days) -> tuple[np.ndarray, np.ndarray]:
    """(count, median) of the non-blank days per group position; median NaN when none."""
    days = np.asarray(days, dtype=float)
    hit = (positions >= 0) & ~np.isnan(days)
    counts = np.bincount(positions[hit], minlength=size).astype(np.int64)
    medians = np.full(size, np.nan)
    groups, values = positions[hit], days[hit]
    for group in np.flatnonzero(counts):
        medians[group] = np.median(values[groups == group])
    return counts, medians


@dataclass(frozen=True)
class PlanCampaigns:
    """The Campaigns sheet's accepted rows, first row per Campaign ID, as plain arrays."""

    ids: np.ndarray
    names: np.ndarray
    status: np.ndarray
    start: np.ndarray             # datetime64[D]
    end: np.ndarray
    expected_leads: np.ndarray    # float, NaN where blank
    expected_pipeline: np.ndarray
    expected_revenue: np.ndarray
    rows: np.ndarray              # Excel row numbers
    positions: np.ndarray         # in the accepted rows, for any other column


def plan_campaigns(book: Book) -> PlanCampaigns:
    """The plan's campaigns (see PlanCampaigns), once per book state."""
    return book.memo("scorecard-campaigns", lambda: _plan_campaigns(book))


def _plan_campaigns(book: Book) -> PlanCampaigns:
    campaigns = book.table("Campaigns")
    ids = campaigns.column("Campaign ID", object)
    first = first_rows(ids.tolist())
    return PlanCampaigns(
        ids=ids[first], names=campaigns.column("Campaign", object)[first],
        status=campaigns.column("Status", object)[first],
        start=column_days(book, "Campaigns", "Start")[first],
        end=column_days(book, "Campaigns", "End")[first],
        expected_leads=campaigns.column("Expected Leads", float)[first],
        **{name: campaigns.column(column, float, np.nan)[first]
           for name, column in (("expected_pipeline", "Expected Pipeline"),
                                ("expected_revenue", "Expected Revenue"))},
        rows=campaigns.column("_row", np.int64)[first], positions=first)


def _lead_counts(book: Book, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(leads, mqls) per campaign of `ids`."""
    leads = book.table("Leads")
    stages = tuple(book.plan.lead_stages)
    mql = mql_stage(book)
    reached: np.ndarray
    if mql is None:
        reached = np.zeros(len(leads.rows), dtype=bool)
    else:
        later = stages[stages.index(mql):]
        reached = np.asarray(np.column_stack(
            [pd.notna(leads.column(stage_column(s))) for s in later]).any(axis=1))
    positions = _positions(campaign_ids(book, "Leads"), ids)
    return _int_sums(positions, len(ids)), _int_sums(positions, len(ids), reached)


def _opportunity_sums(book: Book, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(pipeline (every stage), won) per campaign of `ids`, cents."""
    opps = book.table("Opportunities")
    amount = opps.column("Amount", np.int64)
    won = np.where(opps.column("Stage", object) == "Closed Won", amount, 0)
    positions = _positions(campaign_ids(book, "Opportunities"), ids)
    return _int_sums(positions, len(ids), amount), _int_sums(positions, len(ids), won)


def _campaign_of_activities(book: Book, activity_ids: pd.Series) -> np.ndarray:
    """Activity IDs (any case) → the Campaign ID of that activity (the first row with that
    ID ignoring case), Campaigns spelling; None where the activity is unknown."""
    activities = book.rows("Activities")
    first = first_positions(id_keys(activities["Activity ID"]))
    campaigns = np.asarray(campaign_ids(book, "Activities"), dtype=object)
    return np.array([campaigns[first[key]] if key in first else None
                     for key in id_keys(activity_ids)], dtype=object)


def _cost_by_campaign(book: Book, ids: np.ndarray) -> np.ndarray:
    """Committed + spent per campaign of `ids` in plan cents, from the spend engine (SPEC §5)."""
    by_campaign = roll_up_spend(book).by("campaign")
    cost = by_campaign["committed"].to_numpy(dtype=np.int64) + by_campaign["spent"].to_numpy(
        dtype=np.int64)
    return _int_sums(_positions(by_campaign["key"].to_numpy(dtype=object), ids), len(ids), cost)


@dataclass(frozen=True)
class _Execution:
    """Per finished task / done review / booked task: its campaign and figure."""

    cycle_campaigns: np.ndarray
    cycle_days: np.ndarray
    review_campaigns: np.ndarray
    review_days: np.ndarray
    hours_campaigns: np.ndarray
    hours_variance: np.ndarray


@dataclass(frozen=True)
class _ExecutionTasks:
    """The Tasks row (position in the accepted rows) of each of the schedule engine's cycle
    rows and review rows, matched by Task ID ignoring case: the last row with that ID, and
    the last one not cancelled; -1 for none."""

    cycles: np.ndarray
    reviews: np.ndarray
    live_cycles: np.ndarray
    live_reviews: np.ndarray


def _execution_tasks(book: Book) -> _ExecutionTasks:
    """`_ExecutionTasks`, once per book state: the campaign scorecard and the quarters share it."""
    def match() -> _ExecutionTasks:
        keys = id_keys(book.rows("Tasks")["Task ID"])
        live = (book.table("Tasks").column("Status", object) != "Cancelled").tolist()
        last = {key: position for position, key in enumerate(keys)}
        last_live = {key: position for position, (key, alive) in enumerate(zip(
            keys, live, strict=True)) if alive}
        metrics = execution_metrics(book)
        cycles = id_keys(metrics.cycle_columns["key"])
        reviews = id_keys(metrics.review_columns["task_id"])

        def rows(found: dict[str | None, int], wanted: list[str | None]) -> np.ndarray:
            return np.array([found.get(key, -1) for key in wanted], dtype=np.int64)

        return _ExecutionTasks(rows(last, cycles), rows(last, reviews), rows(last_live, cycles),
                               rows(last_live, reviews))
    return book.memo("scorecard-execution-tasks", match)


def _execution_by_campaign(book: Book) -> _Execution:
    """Task cycles, review cycles and hours variances, each with the task's campaign.

    Cycle times come from the schedule engine (`schedule.execution_metrics`, SPEC §6); tasks are
    attributed to campaigns here by Task ID, matching IDs ignoring case like the reference
    checks do. Hours variance per campaign = Σ(Actual − Planned Hours) over non-cancelled tasks
    that have both (the schedule engine's rule; it reports it by deliverable and assignee).
    """
    metrics = execution_metrics(book)
    task_campaign = _campaign_of_activities(book, book.rows("Tasks")["Activity ID"])
    matched = _execution_tasks(book)
    reviews, cycles = metrics.review_columns, metrics.cycle_columns
    done = ~reviews["open"]
    booked, variance = _booked_hours(book)
    return _Execution(
        cycle_campaigns=_taken(task_campaign, matched.cycles, None),
        cycle_days=cycles["cycle_days"].astype(float),
        review_campaigns=_taken(task_campaign, matched.reviews, None)[done],
        review_days=reviews["cycle_days"][done],
        hours_campaigns=task_campaign[booked], hours_variance=variance)


def _booked_hours(book: Book) -> tuple[np.ndarray, np.ndarray]:
    """The Tasks rows an hours variance counts (not cancelled, with Planned and Actual Hours)
    and their Actual − Planned Hours: one definition for campaigns and quarters."""
    tasks = book.table("Tasks")
    planned = tasks.column("Planned Hours", float, np.nan)
    actual = tasks.column("Actual Hours", float, np.nan)
    booked = ((tasks.column("Status", object) != "Cancelled") & ~np.isnan(planned)
              & ~np.isnan(actual))
    return booked, (actual - planned)[booked]


# ---------------------------------------------------------------------------------------------

def score_campaigns(book: Book) -> Scorecard:
    """Effectiveness and efficiency per campaign and for the plan (SPEC §8); computed once per
    book state and shared by the CLI, the checks and consolidation."""
    return book.memo("scorecard", lambda: _score_campaigns(book))


def _score_campaigns(book: Book) -> Scorecard:
    campaigns = plan_campaigns(book)
    ids = campaigns.ids
    cost = _cost_by_campaign(book, ids)
    leads, mqls = _lead_counts(book, ids)
    pipeline, won = _opportunity_sums(book, ids)
    figures = {"cost": cost, "leads": leads, "mqls": mqls, "pipeline": pipeline, "won": won,
               "roi": _ratio(won - cost, cost), "pipeline_per_cost": _ratio(pipeline, cost),
               "leads_attainment": _ratio(leads, campaigns.expected_leads),
               "pipeline_attainment": _ratio(pipeline, campaigns.expected_pipeline),
               "revenue_attainment": _ratio(won, campaigns.expected_revenue)}
    order = _ranking(ids, figures["roi"], figures["pipeline_attainment"])
    ranked = ids[order]
    effect = _ordered(EFFECTIVENESS_COLUMNS, {
        "rank": np.arange(1, len(ids) + 1), "campaign_id": ranked,
        "campaign": campaigns.names[order],
        **{name: values[order] for name, values in figures.items()}})
    return Scorecard(book.plan.plan_id, book.plan.currency, effect,
                     _plan_effectiveness(figures, campaigns),
                     lambda: _campaign_efficiency(book, campaigns, figures, order))


def _campaign_efficiency(book: Book, campaigns: PlanCampaigns, figures: dict[str, np.ndarray],
                         order: np.ndarray) -> tuple[dict[str, Any], dict]:
    """The efficiency columns per campaign (in rank `order`) and the plan's efficiency row."""
    ranked = campaigns.ids[order]
    execution = _execution_by_campaign(book)
    cycles = _count_median(_positions(execution.cycle_campaigns, ranked), len(ranked),
                           execution.cycle_days)
    reviews = _count_median(_positions(execution.review_campaigns, ranked), len(ranked),
                            execution.review_days)
    hours = _float_sums(_positions(execution.hours_campaigns, ranked), len(ranked),
                        execution.hours_variance)
    cost, leads, mqls = (figures[name][order] for name in ("cost", "leads", "mqls"))
    efficiency = _ordered(EFFICIENCY_COLUMNS, {
        "campaign_id": ranked, "campaign": campaigns.names[order],
        **_efficiency_figures(cost, leads, mqls, cycles, reviews, hours)})
    return efficiency, _plan_efficiency(figures, campaigns, execution)


def _ordered(columns: list[str], values: dict[str, Any]) -> dict[str, Any]:
    """`values` of exactly `columns`, in that order."""
    return {column: values[column] for column in columns}


def _ranking(ids: np.ndarray, roi: np.ndarray, pipeline_attainment: np.ndarray) -> np.ndarray:
    """Positions in rank order: ROI descending, then pipeline attainment descending (blanks
    last in both), then Campaign ID (the IDs are distinct: the plan's campaigns)."""
    id_rank = np.empty(len(ids), dtype=np.int64)
    id_rank[np.argsort(ids, kind="stable")] = np.arange(len(ids))
    return np.lexsort((id_rank, -np.nan_to_num(pipeline_attainment, nan=-np.inf),
                       -np.nan_to_num(roi, nan=-np.inf)))


def _efficiency_figures(cost: np.ndarray, leads: np.ndarray, mqls: np.ndarray,
                        cycles: tuple[np.ndarray, np.ndarray],
                        reviews: tuple[np.ndarray, np.ndarray],
                        hours_variance: np.ndarray) -> dict:
    """The efficiency columns from cost, leads, MQLs and per-row cycle statistics (count,
    median): one definition for campaigns and quarters."""
    return {
        "cost": cost, "leads": leads, "mqls": mqls,
        "cost_per_lead": _money_per(cost, leads),
        "cost_per_mql": _money_per(cost, mqls),
        "tasks": cycles[0], "median_task_cycle": cycles[1],
        "reviews": reviews[0], "median_review_cycle": reviews[1],
        "hours_variance": hours_variance,
    }


def _plan_totals(figures: dict[str, np.ndarray]) -> tuple[int, ...]:
    """The plan's cost, leads, MQLs, pipeline and won: sums over its campaigns."""
    return tuple(int(figures[c].sum()) for c in ("cost", "leads", "mqls", "pipeline", "won"))


def _plan_effectiveness(figures: dict[str, np.ndarray], campaigns: PlanCampaigns) -> dict:
    """The plan's effectiveness row: ratios of sums; attainment over the campaigns that carry
    the expectation."""
    cost, leads, mqls, pipeline, won = _plan_totals(figures)

    def attainment(actual: str, expected: np.ndarray) -> float | None:
        has = ~np.isnan(expected)
        total = float(expected[has].sum())
        return float(figures[actual][has].sum()) / total if total else None

    return {
        "cost": cost, "leads": leads, "mqls": mqls, "pipeline": pipeline, "won": won,
        "roi": (won - cost) / cost if cost else None,
        "pipeline_per_cost": pipeline / cost if cost else None,
        "leads_attainment": attainment("leads", campaigns.expected_leads),
        "pipeline_attainment": attainment("pipeline", campaigns.expected_pipeline),
        "revenue_attainment": attainment("won", campaigns.expected_revenue),
    }


def _plan_efficiency(figures: dict[str, np.ndarray], campaigns: PlanCampaigns,
                     execution: _Execution) -> dict:
    """The plan's efficiency row: ratios of sums; the medians and hours over the tasks of the
    plan's campaigns (never a median of medians)."""
    cost, leads, mqls, _, _ = _plan_totals(figures)

    def in_plan(campaign_of: np.ndarray, values: np.ndarray) -> np.ndarray:
        return values[_positions(campaign_of, campaigns.ids) >= 0]

    def median(values: np.ndarray) -> float | None:
        values = values[~np.isnan(values)]
        return float(np.median(values)) if len(values) else None

    cycle_days = in_plan(execution.cycle_campaigns, execution.cycle_days)
    review_days = in_plan(execution.review_campaigns, execution.review_days)
    variance = in_plan(execution.hours_campaigns, execution.hours_variance)
    return {
        "cost": cost, "leads": leads, "mqls": mqls,
        "cost_per_lead": int(round_cents(cost / leads)) if leads else None,
        "cost_per_mql": int(round_cents(cost / mqls)) if mqls else None,
        "tasks": len(cycle_days), "median_task_cycle": median(cycle_days),
        "reviews": len(review_days), "median_review_cycle": median(review_days),
        "hours_variance": float(variance.sum()) if len(variance) else None,
    }


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
    campaigns = plan_campaigns(book)
    return pd.DataFrame({"campaign_id": campaigns.ids, "status": campaigns.status,
                         "start": campaigns.start, "end": campaigns.end,
                         "share": _due_shares(campaigns, as_of), "_row": campaigns.rows})


def _due_shares(campaigns: PlanCampaigns, as_of: dt.date) -> np.ndarray:
    """`expected_shares`' share column, per campaign of `campaigns`."""
    start, end, status = campaigns.start, campaigns.end, campaigns.status
    day = np.datetime64(as_of, "D")
    ended = (status == "Completed") | ((status == "Active") & ~np.isnat(end) & (end < day))
    active = (status == "Active") & ~np.isnat(start) & ~np.isnat(end) & ~ended & (start <= day)
    length = np.maximum((end - start).astype(np.int64) + 1, 1)
    elapsed = np.clip((day - start).astype(np.int64) + 1, 0, length)
    return np.where(ended, 1.0, np.where(active, elapsed / length, np.nan))


@dataclass(frozen=True)
class Underperformance:
    """Per campaign of the plan (`PlanCampaigns` order): the share due by as-of, the three
    attainments and the names of the figures below Attainment Threshold × that share."""

    share: np.ndarray
    attainments: dict[str, np.ndarray]     # attainment column → per campaign
    below: list[tuple[str, ...]]


def underperforming_campaigns(book: Book, as_of: dt.date) -> Underperformance:
    """Campaigns with an attainment below Attainment Threshold × the share due by as-of;
    computed once per book state and as-of: the check and the campaigns at risk share it."""
    return book.memo(("underperforming", as_of), lambda: _underperforming(book, as_of))


def _underperforming(book: Book, as_of: dt.date) -> Underperformance:
    threshold = book.plan.attainment_threshold
    campaigns = plan_campaigns(book)
    effect = score_campaigns(book).effectiveness_columns
    ranked = _positions(campaigns.ids, effect["campaign_id"])
    due = _due_shares(campaigns, as_of)
    below: list[tuple[str, ...]] = [() for _ in range(len(due))]
    attainments = {}
    for name, _, column in ATTAINMENT_FIGURES:
        attainment = _taken(np.asarray(effect[column], dtype=float), ranked, np.nan)
        attainments[column] = attainment
        short = ~np.isnan(due) & (due > 0) & ~np.isnan(attainment) & (
            attainment < threshold * due)
        below = [b + (name,) if s else b for b, s in zip(below, short, strict=True)]
    return Underperformance(due, attainments, below)


def check_performance(book: Book, context: Context) -> list[Finding]:
    """`campaign-underperforming` (warning) at the Campaign ID cell (SPEC §8)."""
    if book.rows("Campaigns").empty:
        return []
    threshold = book.plan.attainment_threshold
    campaigns = plan_campaigns(book)
    performance = underperforming_campaigns(book, context.as_of)
    findings = []
    for position in (p for p, below in enumerate(performance.below) if below):
        below = performance.below[position]
        reached = {name: float(performance.attainments[column][position])
                   for name, _, column in ATTAINMENT_FIGURES if name in below}
        parts = [f"{name} {value:.0%}" for name, value in reached.items()]
        share = float(performance.share[position])
        due = ("it has ended" if share >= 1 else
               f"pro rata: {threshold * share:.0%} is due with {share:.0%} of its run elapsed")
        findings.append(book.finding(
            "campaign-underperforming",
            f"campaign {campaigns.ids[position]} has reached {', '.join(parts)} of what it "
            f"expected on {context.as_of}, below the plan's Attainment Threshold {threshold:g} "
            f"({due}); review its channel and spend, or re-forecast its expectations",
            sheet="Campaigns", column="Campaign ID", row=int(campaigns.rows[position]),
            value=round(min(reached.values()), 4)))
    return findings


def campaigns_at_risk(book: Book, as_of: dt.date) -> pd.DataFrame:
    """Delayed (schedule-behind) and underperforming campaigns listed together, one row per
    campaign that is either, with the reasons in words: the table the Dashboards show."""
    from .schedule import roll_up_schedule
    campaigns = plan_campaigns(book)
    performance = underperforming_campaigns(book, as_of)
    schedule = roll_up_schedule(book, as_of).by("campaign")
    ids = campaigns.ids
    scheduled = _positions(ids, schedule["key"].to_numpy(dtype=object))
    spi = _taken(schedule["spi"].to_numpy(dtype=float), scheduled, np.nan)
    late = _taken(schedule["late_tasks"].to_numpy(dtype=np.int64), scheduled, 0)
    behind = ~np.isnan(spi) & (spi < book.plan.spi_threshold) & (campaigns.status != "Cancelled")
    underperforming = np.array([bool(b) for b in performance.below], dtype=bool)
    reasons = [", ".join(([f"SPI {s:.2f}"] if b else [])
                         + [f"{name} below target" for name in short])
               for s, b, short in zip(spi, behind, performance.below, strict=True)]
    columns = _ordered(AT_RISK_COLUMNS, {
        "campaign_id": text_array(ids.tolist()), "campaign": text_array(campaigns.names.tolist()),
        "status": text_array(campaigns.status.tolist()),
        "start": campaigns.start.astype("datetime64[s]"),
        "end": campaigns.end.astype("datetime64[s]"), "expected_share": performance.share,
        **performance.attainments, "underperforming": underperforming, "spi": spi,
        "behind_schedule": behind, "late_tasks": late, "reasons": reasons,
    })
    keep = underperforming | behind
    if not keep.all():     # each column typed from every campaign, as it always was
        columns = {name: (text_array(values) if isinstance(values, list) else values)[keep]
                   for name, values in columns.items()}
    return frame_of(columns)


# --- by fiscal quarter (SPEC §8 "by fiscal quarter too, with the change from the previous") ---

QUARTER_EFFECTIVENESS = ["quarter", "cost", "leads", "mqls", "pipeline", "won", "roi",
                         "pipeline_per_cost"]
QUARTER_EFFICIENCY = ["quarter", "cost", "leads", "mqls", "cost_per_lead", "cost_per_mql",
                      "tasks", "median_task_cycle", "reviews", "median_review_cycle",
                      "hours_variance"]


@dataclass
class QuarterScorecard(_Card):
    """The plan's effectiveness and efficiency per fiscal quarter, apart; each figure has a
    `<figure>_change` column: this quarter minus the previous one (blank for the first)."""

    plan_id: str | None
    currency: str
    effectiveness_columns: dict[str, Any]
    efficiency_columns: dict[str, Any]


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

    def quarter_of(sheet: str, column: str) -> np.ndarray:
        """The `quarter_code` of each row's date (−1 when blank)."""
        return fiscal_quarter_codes(column_days(book, sheet, column), start_month)

    spend = roll_up_spend(book).by("quarter")
    spend_cost = (spend["committed"].to_numpy(dtype=np.int64)
                  + spend["spent"].to_numpy(dtype=np.int64))
    known = {i for i in plan_campaigns(book).ids if i is not None and i == i}

    def of_plan(sheet: str) -> np.ndarray:
        return np.array([c in known for c in campaign_ids(book, sheet)], dtype=bool)

    lead_in_plan = of_plan("Leads")
    mql = mql_stage(book)
    mql_quarters = (quarter_of("Leads", stage_column(mql))[lead_in_plan]
                    if mql is not None and stage_column(mql) in book.rows("Leads").columns
                    else np.array([], dtype=np.int64))

    opps = book.table("Opportunities")
    opp_in_plan = of_plan("Opportunities")
    amount = opps.column("Amount", np.int64)[opp_in_plan]
    won_rows = (opps.column("Stage", object) == "Closed Won")[opp_in_plan]

    finished = quarter_of("Tasks", "Actual Finish")
    matched = _execution_tasks(book)
    metrics = execution_metrics(book)
    reviews, cycles = metrics.review_columns, metrics.cycle_columns
    done = ~reviews["open"]
    booked, variance = _booked_hours(book)

    dated = {   # the quarter of each row of each figure
        "cost": np.array([-1 if key is None or key != key else
                          quarter_code(*parse_quarter_label(key))
                          for key in spend["key"].to_numpy(dtype=object).tolist()],
                         dtype=np.int64),
        "leads": quarter_of("Leads", "Inquiry Date")[lead_in_plan],
        "mqls": mql_quarters,
        "pipeline": quarter_of("Opportunities", "Created")[opp_in_plan],
        "won": quarter_of("Opportunities", "Close Date")[opp_in_plan][won_rows],
        "hours": finished[booked],
        "cycles": _taken(finished, matched.live_cycles, -1),
        "reviews": _taken(quarter_of("Tasks", "Approved On"), matched.live_reviews, -1)[done],
    }
    listed = _quarters_listed(book, list(dated.values()))
    at = {figure: np.where(codes >= 0, np.searchsorted(listed, codes), -1)
          for figure, codes in dated.items()}
    count = len(listed)
    quarters = [code_label(code) for code in listed.tolist()]
    cost = _int_sums(at["cost"], count, spend_cost)
    lead_counts, mql_counts = _int_sums(at["leads"], count), _int_sums(at["mqls"], count)
    pipeline = _int_sums(at["pipeline"], count, amount)
    won = _int_sums(at["won"], count, amount[won_rows])
    effect = {"quarter": quarters, "cost": cost, "leads": lead_counts, "mqls": mql_counts,
              "pipeline": pipeline, "won": won, "roi": _ratio(won - cost, cost),
              "pipeline_per_cost": _ratio(pipeline, cost)}
    efficiency = {"quarter": quarters, **_efficiency_figures(
        cost, lead_counts, mql_counts,
        _count_median(at["cycles"], count, cycles["cycle_days"].astype(float)),
        _count_median(at["reviews"], count, reviews["cycle_days"][done]),
        _float_sums(at["hours"], count, variance))}
    return QuarterScorecard(book.plan.plan_id, book.plan.currency, _with_changes(effect),
                            _with_changes(efficiency))


def column_days(book: Book, sheet: str, column: str) -> np.ndarray:
    """A date column of a sheet's accepted rows as datetime64[D] (NaT where blank)."""
    return book.table(sheet).column(column, "datetime64[s]").astype("datetime64[D]")


def _quarters_listed(book: Book, codes: list[np.ndarray]) -> np.ndarray:
    """The `quarter_code`s of the plan's four fiscal quarters and of every other quarter a
    figure falls in (−1: none), in order."""
    plan = ([quarter_code(book.plan.fiscal_year, q) for q in (1, 2, 3, 4)]
            if book.plan.fiscal_year is not None else [])
    every = np.concatenate([*codes, np.array(plan, dtype=np.int64)])
    return np.unique(every[every >= 0])


def _with_changes(columns: dict[str, Any]) -> dict[str, Any]:
    """The quarters' figures (`quarter` first), each followed by `<figure>_change` = this
    quarter − the previous listed one. Integer figures (int64 or Int64) change as Int64 (blank
    for the first quarter), others as float."""
    figures = [name for name in columns if name != "quarter"]
    integer = [isinstance(columns[name], pd.arrays.IntegerArray)
               or np.asarray(columns[name]).dtype.kind in "iu" for name in figures]
    numbers = np.array([columns[name].to_numpy(dtype=float, na_value=np.nan)
                        if isinstance(columns[name], pd.arrays.IntegerArray)
                        else np.asarray(columns[name], dtype=float) for name in figures])
    change = np.full(numbers.shape, np.nan)          # one row per figure, one column a quarter
    change[:, 1:] = numbers[:, 1:] - numbers[:, :-1]
    blank = np.isnan(change)
    whole = np.where(blank, 0.0, change).astype(np.int64)
    out: dict[str, Any] = {}
    for name, values in columns.items():
        out[name] = values
        if name != "quarter":
            at = figures.index(name)
            out[f"{name}_change"] = (pd.arrays.IntegerArray(whole[at], blank[at])
                                     if integer[at] else change[at])
    return out
