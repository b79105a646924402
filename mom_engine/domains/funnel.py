"""Lead funnel per campaign and its checks (SPEC §7).

Stage order comes from the plan's Lead Stages; the Leads sheet has one `<Stage> Date` column per
stage (`sheets.leads_sheet`). Per campaign and for the plan: how many leads reached each stage,
the conversion from the stage before, and the median working days from the stage before.

Decisions where the SPEC is silent (also in the README):

- **Working days between two dates** are the Monday–Friday days *after* the first date up to and
  including the second: Friday → Monday is 1, the same day is 0. The same count is used for
  the stage-to-stage medians and for the SLA wait (entry into the SLA Stage → as-of date).
- **Reached** a stage means its date or any later stage's date is filled, so the funnel never
  widens; a skipped stage is reported separately as `lead-stage-order`. Conversion of a stage is
  reached ÷ reached at the stage before (the first stage: ÷ leads); its median days run from the
  stage before (the first stage: from Inquiry Date), over leads with both dates in order.
- Leads without a Campaign ID are one group, `campaign_id` blank, named "(no campaign)".
- **`lead-stage-order`**: one finding per offending cell — a stage dated before the latest earlier
  stage, or a stage filled right after a blank one (one finding per gap, naming the blank stages).
- **`lead-sla-breach`**: Status Open, SLA Stage dated, no later stage dated, and more than SLA
  Days working days waited through the as-of date. An SLA Stage that is not one of the Lead
  Stages is reported once on the Plan (`value-enum`, as a warning, when there are leads)
  instead of never firing silently.
- **`consent-violation`**: Opted Out = Yes and the lead's campaign has Channel Email (matched
  ignoring case, spaces and hyphens, so `E-mail` counts).
- Plan figures are ratios of sums and medians over all leads, never averages of campaign figures.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from ..calendar import working_days
from ..findings import Finding
from ..keys import id_keys, text_groups
from ..model import Book, Context, frame_of
from ..sheets import normalise_name

NO_CAMPAIGN = "(no campaign)"
FUNNEL_COLUMNS = ["campaign_id", "campaign", "leads", "stage", "reached", "conversion",
                  "median_days"]


@dataclass
class FunnelReport:
    """Funnel of one book: `campaigns` has one row per campaign and stage; `plan` likewise."""

    as_of: dt.date
    stages: tuple[str, ...]
    campaigns: pd.DataFrame
    plan: pd.DataFrame
    book: Book = field(repr=False, compare=False)

    @cached_property
    def findings(self) -> list[Finding]:
        """The funnel checks over the same leads, worked out when first asked for (a UDF
        wants only the tables)."""
        leads, dates, campaign = _lead_inputs(self.book)
        return check_funnel_rules(self.book, self.as_of, leads, dates, campaign)


def stage_column(stage: str) -> str:
    return f"{stage} Date"


def mql_stage(book: Book) -> str | None:
    """The plan's MQL stage: the Lead Stage named MQL, else the first one (None: no stages)."""
    stages = tuple(book.plan.lead_stages)
    named = [s for s in stages if normalise_name(s) == "mql"]
    return named[0] if named else (stages[0] if stages else None)


def canonical_ids(values: pd.Series, known: pd.Series) -> np.ndarray:
    """IDs as their target sheet spells them (references match ignoring case, SPEC §3);
    an ID not in `known` stays as typed, a blank stays missing (None)."""
    return _respelled(values, _spellings(known))


def _spellings(known: pd.Series) -> dict[str | None, object]:
    """key → spelling of each distinct ID of `known`, its first spelling."""
    spelled = known.to_numpy(dtype=object)
    spellings: dict[str | None, object] = {}
    for key, spelling in zip(id_keys(spelled), spelled, strict=True):
        spellings.setdefault(key, spelling)
    return spellings


def _respelled(values: pd.Series, spellings: dict[str | None, object]) -> np.ndarray:
    """Each value's known spelling; unknown values as typed, blanks None. Each distinct value
    is folded once (a dict lookup, not pandas' string methods), then spread to its rows."""
    codes, distinct = pd.factorize(values)          # blank → code -1
    typed = np.asarray(distinct, dtype=object)
    respelled = np.empty(len(typed) + 1, dtype=object)
    respelled[:-1] = [spellings.get(key, value)
                      for key, value in zip(id_keys(typed), typed, strict=True)]
    respelled[-1] = spellings.get(None)
    return respelled[codes]


def campaign_ids(book: Book, sheet: str) -> np.ndarray:
    """The Campaign ID column of `sheet`'s accepted rows in the Campaigns sheet's spelling,
    once per book state (read-only: the funnel, its checks and the scorecard share it)."""
    def respell() -> np.ndarray:
        spellings = book.memo("campaign-spellings",
                              lambda: _spellings(book.rows("Campaigns")["Campaign ID"]))
        ids = _respelled(book.rows(sheet)["Campaign ID"], spellings)
        ids.setflags(write=False)
        return ids
    return book.memo(("campaign-ids", sheet), respell)


def working_days_after(start, end) -> np.ndarray:
    """Working days after `start` through `end` (Fri → Mon = 1, same day = 0); NaT → 0."""
    start = np.asarray(start, dtype="datetime64[D]")
    return working_days(start + np.timedelta64(1, "D"), np.asarray(end, dtype="datetime64[D]"))


def _stage_dates(leads: pd.DataFrame, stages: tuple[str, ...]) -> np.ndarray:
    """(leads × stages) datetime64[D] matrix, NaT where blank."""
    if not stages:
        return np.empty((len(leads), 0), dtype="datetime64[D]")
    return np.column_stack([leads[stage_column(s)].to_numpy().astype("datetime64[D]")
                            for s in stages]).astype("datetime64[D]")


def _lead_inputs(book: Book) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """(accepted leads, their stage dates, their Campaign IDs in the Campaigns spelling), once
    per book state: the funnel and its checks share them."""
    def inputs() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        leads = book.rows("Leads")
        return (leads, _stage_dates(leads, tuple(book.plan.lead_stages)),
                campaign_ids(book, "Leads"))
    return book.memo("funnel-leads", inputs)


def roll_up_funnel(book: Book, as_of: dt.date) -> FunnelReport:
    """Per-campaign and plan funnel of one book, with its findings (SPEC §7)."""
    stages = tuple(book.plan.lead_stages)
    leads, dates, campaign = _lead_inputs(book)
    reached = np.flip(np.logical_or.accumulate(np.flip(~np.isnat(dates), axis=1), axis=1),
                      axis=1) if len(stages) else np.zeros((len(leads), 0), dtype=bool)
    before = np.column_stack([leads["Inquiry Date"].to_numpy().astype("datetime64[D]"),
                              dates[:, :-1]]) if len(stages) else dates
    both = ~np.isnat(before) & ~np.isnat(dates) & (dates >= before)
    days = np.where(both, working_days_after(before, dates), 0).astype(float)
    days[~both] = np.nan

    keys, group = text_groups(np.where(pd.isna(campaign), "", campaign))
    counts = np.bincount(group, minlength=len(keys))
    reached_sums = np.zeros((len(stages), len(keys)), dtype=np.int64)
    for sums, column in zip(reached_sums, reached.T, strict=True):
        np.add.at(sums, group, column.astype(np.int64))
    reached_sums = reached_sums.T
    campaigns = book.rows("Campaigns")
    names = dict(zip(campaigns["Campaign ID"].to_numpy(dtype=object),
                     campaigns["Campaign"].to_numpy(dtype=object), strict=True))

    order = sorted(range(len(keys)), key=lambda k: (keys[k] == "", keys[k]))  # blank last
    campaign_table = _stage_table(
        [keys[k] for k in order],
        [NO_CAMPAIGN if keys[k] == "" else names.get(keys[k], "") for k in order],
        counts[order], stages, reached_sums[order], _group_medians(group, len(keys), days)[order])
    plan_table = _stage_table([""], ["(plan)"], np.array([len(leads)]), stages,
                              reached.sum(axis=0).astype(int)[np.newaxis],
                              _group_medians(np.zeros(len(leads), dtype=np.int64), 1, days))
    return FunnelReport(as_of=as_of, stages=stages, campaigns=campaign_table, plan=plan_table,
                        book=book)


def _group_medians(groups: np.ndarray, count: int, days: np.ndarray) -> np.ndarray:
    """(groups × stages) median of each stage column per group, ignoring blanks (NaN when a
    group has none): one sort per stage, the middle value(s) of each group's run — the same
    number np.median gives (the mean of the two middle values when the count is even)."""
    medians = np.full((count, days.shape[1]), np.nan)
    for stage in range(days.shape[1]):
        filled = ~np.isnan(days[:, stage])
        group, value = groups[filled], days[filled, stage]
        if count == 1:          # one group (the plan): its values sorted are the run
            value = np.sort(value)
        else:
            order = np.lexsort((value, group))
            group, value = group[order], value[order]
        sizes = np.bincount(group, minlength=count)
        starts = np.cumsum(sizes) - sizes
        has = sizes > 0
        low, high = (starts + (sizes - 1) // 2)[has], (starts + sizes // 2)[has]
        medians[has, stage] = (value[low] + value[high]) / 2
    return medians


def _stage_table(keys: list[str], names: list[str], leads: np.ndarray, stages: tuple[str, ...],
                 reached: np.ndarray, medians: np.ndarray) -> pd.DataFrame:
    """One row per group and stage: leads, reached, conversion from the stage before (the
    first stage: from leads; blank after 0), median days. Built once from its columns."""
    if not len(keys) or not stages:
        return pd.DataFrame([], columns=FUNNEL_COLUMNS)    # no rows: the columns it always had
    leads = np.asarray(leads, dtype=np.int64)
    previous = np.column_stack([leads, reached[:, :-1]])
    conversion = np.full(reached.shape, np.nan)
    np.divide(reached, previous, out=conversion, where=previous != 0)
    return frame_of({
        "campaign_id": np.repeat(np.array(keys, dtype=object), len(stages)),
        "campaign": np.repeat(np.array(names, dtype=object), len(stages)),
        "leads": np.repeat(leads, len(stages)),
        "stage": np.tile(np.array(stages, dtype=object), len(keys)),
        "reached": reached.astype(np.int64).ravel(),
        "conversion": conversion.ravel(),
        "median_days": medians.ravel(),
    })


# --- checks --------------------------------------------------------------------------------

def check_funnel(book: Book, context: Context) -> list[Finding]:
    """Funnel findings for `analyze_book`: stage order, SLA, consent (SPEC §7)."""
    leads, dates, campaign = _lead_inputs(book)
    if leads.empty:
        return []
    return check_funnel_rules(book, context.as_of, leads, dates, campaign)


def check_funnel_rules(book: Book, as_of: dt.date, leads: pd.DataFrame, dates: np.ndarray,
                       campaign: np.ndarray) -> list[Finding]:
    """The three funnel checks over the leads' stage dates and (canonical) Campaign IDs."""
    stages = tuple(book.plan.lead_stages)
    # A stage whose date column the sheet lacks (reported as column-missing) says nothing
    # about order: check the order over the stages that are there.
    letters = book.table("Leads").letters
    there = [i for i, stage in enumerate(stages) if stage_column(stage) in letters]
    return (_stage_order(book, leads, tuple(stages[i] for i in there), dates[:, there])
            + _sla(book, as_of, leads, stages, dates) + _consent(book, leads, campaign))


def _stage_order(book: Book, leads: pd.DataFrame, stages: tuple[str, ...],
                 dates: np.ndarray) -> list[Finding]:
    findings: list[Finding] = []
    if len(stages) < 2 or leads.empty:
        return findings
    filled = ~np.isnat(dates)
    ordinal = np.where(filled, dates.astype(np.int64), np.iinfo(np.int64).min)
    latest_before = np.maximum.accumulate(ordinal, axis=1)[:, :-1]
    early = filled[:, 1:] & (ordinal[:, 1:] < latest_before)
    gap = filled[:, 1:] & ~filled[:, :-1]
    lead_ids = leads["Lead ID"].to_numpy(dtype=object)
    row_numbers = leads["_row"].to_numpy()
    for position, j in zip(*np.nonzero(early | gap), strict=True):
        stage = stages[j + 1]
        day = dates[position, j + 1].astype(object)
        if early[position, j]:
            earlier = [s for i, s in enumerate(stages[:j + 1])
                       if filled[position, i] and dates[position, i] > dates[position, j + 1]]
            message = (f"lead {lead_ids[position]} reached {stage} on {day} before "
                       f"{', '.join(earlier)} "
                       f"({dates[position, stages.index(earlier[-1])].astype(object)}); "
                       f"fix the dates so the stages follow {' → '.join(stages)}")
        else:
            blank: list[str] = []
            for i in range(j, -1, -1):
                if filled[position, i]:
                    break
                blank.insert(0, stages[i])
            message = (f"lead {lead_ids[position]} has a {stage} date but no "
                       f"{' / '.join(blank)} date; fill the earlier stage date(s) or clear "
                       f"the {stage} date")
        findings.append(book.finding("lead-stage-order", message, sheet="Leads",
                                     column=stage_column(stage), row=int(row_numbers[position]),
                                     value=day.isoformat()))
    return findings


def _sla(book: Book, as_of: dt.date, leads: pd.DataFrame, stages: tuple[str, ...],
         dates: np.ndarray) -> list[Finding]:
    plan = book.plan
    wanted = normalise_name(plan.sla_stage)
    matches = [i for i, s in enumerate(stages) if normalise_name(s) == wanted]
    if not matches:
        return [book.plan_finding(
            "value-enum", f"SLA Stage '{plan.sla_stage}' is not one of the Lead Stages "
            f"({', '.join(stages)}); no lead SLA can be checked until it names one of them",
            "SLA Stage", value=plan.sla_stage, severity="warning")]
    index = matches[0]
    if index == len(stages) - 1 or leads.empty:
        return []
    entered = dates[:, index]
    moved_on = (~np.isnat(dates[:, index + 1:])).any(axis=1)
    waited = working_days_after(entered, np.full(len(leads), np.datetime64(as_of, "D")))
    breach = ((leads["Status"].to_numpy(dtype=object) == "Open") & ~np.isnat(entered)
              & ~moved_on & (waited > plan.sla_days))
    positions = np.flatnonzero(breach)
    if not len(positions):
        return []
    stage, following = stages[index], stages[index + 1]
    column = stage_column(stage)
    lead_ids = leads["Lead ID"].to_numpy(dtype=object)[positions]
    rows = leads["_row"].to_numpy()[positions].tolist()
    days = entered[positions].astype(object)      # datetime.date, one conversion for all
    return [book.finding(
        "lead-sla-breach",
        f"lead {lead_id} entered {stage} on {day} and has waited {wait} working days by "
        f"{as_of} without reaching {following} (SLA {plan.sla_days:g} days); follow it up, "
        f"or set its Status to Recycled or Disqualified",
        sheet="Leads", column=column, row=row, value=wait)
        for lead_id, day, wait, row in zip(lead_ids, days, waited[positions].tolist(), rows,
                                           strict=True)]


def _consent(book: Book, leads: pd.DataFrame, campaign: np.ndarray) -> list[Finding]:
    campaigns = book.rows("Campaigns")
    email = {campaign_id for campaign_id, channel in zip(
        campaigns["Campaign ID"].to_numpy(dtype=object),
        campaigns["Channel"].to_numpy(dtype=object), strict=True)
        if isinstance(channel, str) and normalise_name(channel) == "email"}
    if not email or leads.empty:
        return []
    violation = leads["Opted Out"].to_numpy(dtype=bool) & np.array(
        [c in email for c in campaign], dtype=bool)
    findings = []
    lead_ids = leads["Lead ID"].to_numpy(dtype=object)
    typed_ids = leads["Campaign ID"].to_numpy(dtype=object)
    row_numbers = leads["_row"].to_numpy()
    for position in np.flatnonzero(violation):
        typed = typed_ids[position]
        findings.append(book.finding(
            "consent-violation",
            f"lead {lead_ids[position]} opted out but is attributed to email "
            f"campaign {typed}; remove it from the campaign (and its send lists) or "
            f"correct Opted Out", sheet="Leads", column="Campaign ID",
            row=int(row_numbers[position]), value=typed))
    return findings
