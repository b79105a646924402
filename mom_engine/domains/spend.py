"""Spend figures and spend checks (SPEC §5).

Every figure is built from one activity-level *ledger* of movements, each tagged with the
activity it belongs to and the date that places it in a period:

| movement | activity | date | figure |
|---|---|---|---|
| Budget row | its Activity ID | Budget.Month | budgeted, planned |
| realignment | To (+) and From (−) | its Date | budgeted |
| Open PO | its Activity ID | Issue Date | committed = max(PO − invoiced on it, 0) |
| invoice | its PO's activity, else its own Activity ID | Invoice Date | spent |

Every level (campaign, plan, G/L account, month, fiscal quarter, fiscal year) is a group-by of
that one ledger, so every level is the sum of its activities by construction, and committed +
spent never counts a PO twice (an open PO contributes max(amount, invoiced)).

Money is int64 cents in the plan currency. A PO or invoice in another currency (its `Currency`
column; blank = plan currency) is converted with the Rates sheet (plan-currency units per unit)
and rounded to cents half away from zero; without a rate the amount is left out of the figures
and reported as `rate-missing` at its Currency cell — never guessed.

Decisions where the SPEC is silent (also in the report for the README):
- Cancelled POs are void: they commit nothing, are not checked by `po-exceeds-available` or
  `po-before-approval`, and load 0 for later POs. Invoices booked on a cancelled PO still count
  as spent — the money left the company.
- The G/L level groups by the *activity's* G/L account (an invoice booked to another account is
  a `gl-mismatch` warning, not a move of the spend).
- `po-exceeds-available` checks the PO amount (converted) against the budget still available on
  its issue date; PO Numbers break issue-date ties in text order.
- `invoice-exceeds-po` points at the invoice that first takes the PO's invoiced total over the
  limit (invoices in date order, then row order).
- `realign-below-committed` compares the From activity's budget right after the transfer (all
  Budget rows plus realignments up to that one, in date then row order) with its committed +
  spent today, and is only reported when the activity's final budget is also short — a later
  transfer back in that covers the gap clears it. Exactly covered (zero left) is fine.
- Over-budget, over-plan and overplanned compare totals for the whole plan year (not periods).
"""
from __future__ import annotations

import calendar as calendar_module
import dataclasses
import datetime as dt
import itertools
from decimal import ROUND_HALF_UP, Decimal
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from ..calendar import add_months, fiscal_quarters, fiscal_year, fiscal_year_bounds, fiscal_years
from ..findings import Finding, sort_findings
from ..keys import first_positions, id_key, id_keys
from ..model import Book, frame_of
from ..money import exceeds, exchange_rates, format_money, in_plan_currency, units

SPEND_LEVELS = ("activity", "campaign", "plan", "gl", "month", "quarter", "year")
FIGURES = ("budgeted", "planned", "committed", "spent", "remaining", "unplanned")
LEDGER_FIGURES = ("budgeted", "planned", "committed", "spent")


# --- small helpers -------------------------------------------------------------------------

def positions_of(keys: list[str | None], lookup: dict[str, int]) -> np.ndarray:
    """Folded keys → positions (−1 when unknown or blank; `lookup` holds no blank key, as
    `keys.first_positions` makes it)."""
    known: dict[Any, int] = lookup
    return np.fromiter(map(known.get, keys, itertools.repeat(-1)), dtype=np.int64,
                       count=len(keys))


def _texts(column: pd.Series) -> Any:
    """The column as pandas' str array: exactly `column.astype(str).array`, which for a column
    that is text already is its own array (pandas spends ~100 µs a call finding that out)."""
    return column.array if column.dtype == "str" else column.astype(str).array


def _days(values: pd.Series) -> np.ndarray:
    return values.to_numpy().astype("datetime64[D]")


def _day_stamps(values: pd.Series) -> np.ndarray:
    """The days as a frame column holds them (pandas keeps datetime64[D] as seconds)."""
    return _days(values).astype("datetime64[s]")


# --- the normalised spend data -------------------------------------------------------------

@dataclass
class SpendData:
    """A book's spend tables, resolved to activity positions and converted to plan currency.

    `activities` — one row per accepted activity: activity_id, campaign_id, gl_account, _row.
    `pos` — accepted POs: activity (position), po_key, po_number, amount (plan cents; 0 when
    unpriced), priced, status, issue (datetime64[D]), invoiced (plan cents), _row.
    `invoices` — accepted invoices: activity, po (position in `pos` or -1), amount (plan cents;
    0 when unpriced), priced, date, invoice_no, gl_account, _row.
    `realignments` — from_activity, to_activity, amount, date, _row.
    `budget` — activity, month, budgeted, planned.
    """

    activities: pd.DataFrame
    campaigns: pd.DataFrame
    budget: pd.DataFrame
    realignments: pd.DataFrame
    pos: pd.DataFrame
    invoices: pd.DataFrame
    findings: list[Finding] = field(default_factory=list)


def _rates(book: Book) -> dict[str, float]:
    return exchange_rates(book.rows("Rates"), book.plan.currency)


def _priced(book: Book, sheet: str, frame: pd.DataFrame, rates: dict[str, float],
            findings: list[Finding]) -> tuple[np.ndarray, np.ndarray]:
    """Plan-currency cents of `frame.Amount` and which rows could be priced."""
    cents, priced, codes = in_plan_currency(frame["Amount"].to_numpy(dtype=np.float64, na_value=0),
                                            frame["Currency"], rates, book.plan.currency)
    for position in np.flatnonzero(~priced):
        code = codes[position]
        findings.append(book.finding(
            "rate-missing",
            f"no exchange rate for {code} on the Rates sheet, so this {sheet} amount is left "
            f"out of the spend figures; add a row Currency {code}, Rate = "
            f"{book.plan.currency} per 1 {code}",
            sheet=sheet, column="Currency", row=int(frame["_row"].iat[position]), value=code))
    return cents, priced


def spend_data(book: Book, as_of: dt.date | None = None) -> SpendData:
    """The book's spend movements, priced in plan currency (computed once per book and date).
    With `as_of`, as they stood on that day (`dated_on_or_before`)."""
    return book.memo(("spend-data", as_of), lambda: _spend_data(book, as_of))


def dated_on_or_before(rows: pd.DataFrame, column: str, as_of: dt.date | None) -> pd.DataFrame:
    """The rows dated on or before `as_of` (all of them without a date to cut at)."""
    if as_of is None:
        return rows
    return rows[(_days(rows[column]) <= np.datetime64(as_of, "D"))]


def status_on(rows: pd.DataFrame, as_of: dt.date | None) -> np.ndarray:
    """Each PO's status on `as_of` (SPEC §5): a Closed or Cancelled PO whose Closed On is after
    it was still Open then. Without Closed On the recorded status is taken as it stands — the
    workbook does not say when it changed (README: as-of rules)."""
    status = _texts(rows["Status"].fillna("Open")).to_numpy()
    if as_of is None:
        return status
    closed_on = _days(rows["Closed On"])
    reopened = (status != "Open") & ~np.isnat(closed_on) & (closed_on > np.datetime64(as_of, "D"))
    return np.where(reopened, "Open", status).astype(object)


def _spend_data(book: Book, as_of: dt.date | None = None) -> SpendData:
    """Resolve and convert the spend tables of a (structure-checked) book; with `as_of`, only
    the realignments, POs and invoices dated on or before it, POs with their status then."""
    findings: list[Finding] = []
    rates = _rates(book)

    frame = book.rows("Activities")
    campaign_rows = book.rows("Campaigns")
    campaign_lookup = dict(zip(id_keys(campaign_rows["Campaign ID"]),
                               campaign_rows["Campaign ID"], strict=True))
    campaign_of = frame["Campaign ID"].to_numpy(dtype=object).tolist()
    if campaign_lookup:
        campaign_of = [campaign_lookup.get(key, raw) for key, raw in
                       zip(id_keys(frame["Campaign ID"]), campaign_of, strict=True)]
    if set(map(type, campaign_of)) != {str}:
        campaign_of = [str(c) for c in campaign_of]
    activities = frame_of({
        "activity_id": _texts(frame["Activity ID"]),
        "campaign_id": np.array(campaign_of, dtype=object),
        "gl_account": _texts(frame["GL Account"]),
        "_row": frame["_row"].to_numpy(dtype=np.int64, copy=True),
    })
    campaigns = frame_of({
        "campaign_id": _texts(campaign_rows["Campaign ID"]).to_numpy(),
        "_row": campaign_rows["_row"].to_numpy(dtype=np.int64, copy=True),
    })
    activity_lookup = first_positions(id_keys(activities["activity_id"]))

    def activity_positions(ids: pd.Series) -> np.ndarray:
        """Activity IDs → position in `activities` (−1 when unknown)."""
        return positions_of(id_keys(ids), activity_lookup)

    rows = book.rows("Budget")
    position = activity_positions(rows["Activity ID"])
    known = position >= 0
    budget = frame_of({
        "activity": position[known],
        "date": _day_stamps(rows["Month"])[known],
        "budgeted": rows["Budgeted"].to_numpy(dtype=np.int64, na_value=0)[known],
        "planned": rows["Planned"].to_numpy(dtype=np.int64, na_value=0)[known],
    })

    rows = dated_on_or_before(book.rows("Realignments"), "Date", as_of)
    source = activity_positions(rows["From Activity ID"])
    target = activity_positions(rows["To Activity ID"])
    known = (source >= 0) & (target >= 0)
    realignments = frame_of({
        "from_activity": source[known], "to_activity": target[known],
        "amount": rows["Amount"].to_numpy(dtype=np.int64, na_value=0)[known],
        "date": _day_stamps(rows["Date"])[known],
        "_row": rows["_row"].to_numpy(dtype=np.int64)[known],
    })

    every_po = book.rows("PurchaseOrders")
    rows = dated_on_or_before(every_po, "Issue Date", as_of)
    amount, priced = _priced(book, "PurchaseOrders", rows, rates, findings)
    position = activity_positions(rows["Activity ID"])
    known = position >= 0
    po_keys = np.array(id_keys(rows["PO Number"]), dtype=object)[known]
    po_activity = position[known]
    po_columns = {
        "activity": po_activity,
        "po_number": _texts(rows["PO Number"])[known],
        "po_key": po_keys,
        "amount": np.where(priced, amount, 0)[known],
        "priced": priced[known],
        "status": status_on(rows, as_of)[known],
        "issue": _day_stamps(rows["Issue Date"])[known],
        "_row": rows["_row"].to_numpy(dtype=np.int64)[known],
    }

    rows = dated_on_or_before(book.rows("Invoices"), "Invoice Date", as_of)
    amount, priced = _priced(book, "Invoices", rows, rates, findings)
    po_lookup = first_positions(po_keys.tolist())
    po = positions_of(id_keys(rows["PO Number"]), po_lookup)
    own = activity_positions(rows["Activity ID"])
    if as_of is not None:
        # an invoice dated before its PO was issued (on the as-of day the PO did not exist
        # yet) is still spent on the PO's activity, as an invoice without PO
        later = dict(zip(id_keys(every_po["PO Number"]),
                         activity_positions(every_po["Activity ID"]), strict=True))
        own = np.where(po < 0, np.array([later.get(key, -1) if key is not None else -1
                                         for key in id_keys(rows["PO Number"])],
                                        dtype=np.int64), own)
        own = np.where(own < 0, activity_positions(rows["Activity ID"]), own)
    activity = np.where(po >= 0, po_activity[np.maximum(po, 0)] if len(po_activity) else -1,
                        own)
    has_po_number = rows["PO Number"].notna().to_numpy()
    # An invoice naming a PO that is not an accepted PO of this book is rejected by structure;
    # the guard keeps one that slipped through from landing on the wrong activity.
    # An invoice without a rate stays (amount 0, priced False): it is still checked by every
    # rule that is not about money (gl-mismatch), and reported as rate-missing.
    keep = (activity >= 0) & ~(has_po_number & (po < 0) & (as_of is None))
    invoice_po, invoice_amount = po[keep], np.where(priced, amount, 0)[keep]
    invoices = frame_of({
        "activity": activity[keep], "po": invoice_po, "amount": invoice_amount,
        "priced": priced[keep],
        "date": _day_stamps(rows["Invoice Date"])[keep],
        "invoice_no": _texts(rows["Invoice No"])[keep],
        "gl_account": rows["GL Account"].astype("string").to_numpy()[keep],
        "_row": rows["_row"].to_numpy(dtype=np.int64)[keep],
    })
    on_po = invoice_po >= 0          # what is invoiced on each PO (exact int64 sums)
    invoiced = np.zeros(len(po_activity), dtype=np.int64)
    np.add.at(invoiced, invoice_po[on_po], invoice_amount[on_po].astype(np.int64))
    pos = frame_of({**po_columns, "invoiced": invoiced})
    return SpendData(activities, campaigns, budget, realignments, pos, invoices, findings)


def po_committed(pos: pd.DataFrame) -> np.ndarray:
    """Open POs commit max(amount − invoiced, 0); Closed and Cancelled commit nothing."""
    open_ = (pos["status"].to_numpy() == "Open") & pos["priced"].to_numpy()
    rest = pos["amount"].to_numpy(dtype=np.int64) - pos["invoiced"].to_numpy(dtype=np.int64)
    return np.where(open_, np.maximum(rest, 0), 0).astype(np.int64)


def po_load(pos: pd.DataFrame) -> np.ndarray:
    """What a PO takes from the budget for later POs (SPEC §5 po-exceeds-available)."""
    status = pos["status"].to_numpy()
    amount = pos["amount"].to_numpy(dtype=np.int64)
    invoiced = pos["invoiced"].to_numpy(dtype=np.int64)
    return np.select([status == "Open", status == "Closed"],
                     [np.maximum(amount, invoiced), invoiced], 0).astype(np.int64)


@dataclass
class SpendLedger:
    """One row per movement: the activity (position), the day that places it in a period and
    its four figures (int64 cents, columns in LEDGER_FIGURES order)."""

    activity: np.ndarray      # int64
    date: np.ndarray          # datetime64[D]
    figures: np.ndarray       # int64, shape (n, 4)

    def frame(self) -> pd.DataFrame:
        out = pd.DataFrame({"activity": self.activity, "date": self.date})
        for index, name in enumerate(LEDGER_FIGURES):
            out[name] = self.figures[:, index]
        return out


def spend_ledger(data: SpendData) -> SpendLedger:
    """The movements of SPEC §5: Budget rows, realignments (+To, −From), open POs' commitment,
    invoices (see the module docstring table)."""
    budget, moves, pos, invoices = data.budget, data.realignments, data.pos, data.invoices

    def as_int(values: Any) -> np.ndarray:
        return np.asarray(values, dtype=np.int64)

    def as_day(values: Any) -> np.ndarray:
        return np.asarray(values).astype("datetime64[D]")

    blocks = []   # (activity, date, column, amount) per source; column −1 = budget + planned

    def block(activity, date, **amounts) -> None:
        matrix = np.zeros((len(activity), len(LEDGER_FIGURES)), dtype=np.int64)
        for name, values in amounts.items():
            matrix[:, LEDGER_FIGURES.index(name)] = as_int(values)
        blocks.append((as_int(activity), as_day(date), matrix))

    block(budget["activity"], budget["date"], budgeted=budget["budgeted"],
          planned=budget["planned"])
    block(moves["to_activity"], moves["date"], budgeted=moves["amount"])
    block(moves["from_activity"], moves["date"], budgeted=-as_int(moves["amount"]))
    block(pos["activity"], pos["issue"], committed=po_committed(pos))
    block(invoices["activity"], invoices["date"], spent=invoices["amount"])
    return SpendLedger(np.concatenate([b[0] for b in blocks]),
                       np.concatenate([b[1] for b in blocks]),
                       np.concatenate([b[2] for b in blocks]))


def sum_by(codes: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Exact integer group sums of a (rows, figures) matrix: row i of the result = Σ
    values[codes == i], for codes in 0..size−1 (the one group sum of cents of every domain).
    One 1-D `np.add.at` per figure (numpy's fast path; the 2-D form is ~8× slower)."""
    out = np.zeros((values.shape[1], size), dtype=np.int64)
    for sums, column in zip(out, values.T, strict=True):
        np.add.at(sums, codes, column)
    return np.ascontiguousarray(out.T)


def campaign_codes(campaigns: Any, keys: Any) -> tuple[list[Any], np.ndarray]:
    """The campaign keys in the Campaigns sheet's order, then any other the rows name, and
    each row's position in that order (for `sum_by`)."""
    order = list(dict.fromkeys([*campaigns, *keys]))
    return order, _codes(order, keys)


def _codes(order: list[Any], keys: Any) -> np.ndarray:
    index = {key: i for i, key in enumerate(order)}
    return np.fromiter(map(index.__getitem__, keys), dtype=np.int64, count=len(keys))


# --- the report ----------------------------------------------------------------------------

def figures_frame(keys: Any, sums: np.ndarray) -> pd.DataFrame:
    """key + the six figures from a (n, 4) matrix of budgeted, planned, committed, spent."""
    budgeted, planned, committed, spent = (sums[:, i].copy() for i in range(4))
    return frame_of({
        "key": np.asarray(keys, dtype=object), "budgeted": budgeted, "planned": planned,
        "committed": committed, "spent": spent, "remaining": budgeted - committed - spent,
        "unplanned": budgeted - planned})


@dataclass
class SpendReport:
    """Spend figures of one plan (SPEC §5): `.by(level)` tables and `.total`, in plan cents."""

    plan_id: str | None
    currency: str
    fy_start_month: int
    activities: pd.DataFrame
    campaigns: pd.DataFrame
    ledger: SpendLedger
    findings: list[Finding] = field(default_factory=list)   # rate-missing met on the way
    # memos of what was asked for: no part of the report's value
    _per_activity: np.ndarray | None = field(default=None, repr=False, compare=False)
    _levels: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False, compare=False)

    @property
    def per_activity(self) -> np.ndarray:
        """(activities, 4) int64: budgeted, planned, committed, spent per activity."""
        if self._per_activity is None:
            self._per_activity = sum_by(self.ledger.activity, self.ledger.figures,
                                        len(self.activities))
        return self._per_activity

    def by(self, level: str) -> pd.DataFrame:
        """Columns key, budgeted, planned, committed, spent, remaining, unplanned (int64 cents);
        the activity level also has campaign_id and gl_account. Activities and campaigns in
        sheet order, G/L accounts and periods in key order. A period appears when something
        happens in it (a closed PO's zero commitment opens none)."""
        if level not in SPEND_LEVELS:
            raise ValueError(f"unknown spend level {level!r}; use one of {', '.join(SPEND_LEVELS)}")
        if level not in self._levels:   # each level once; the checks ask for activity thrice
            self._levels[level] = self._figures_by(level)
        return self._levels[level].copy(deep=False)   # copy-on-write: callers may add columns

    def _figures_by(self, level: str) -> pd.DataFrame:
        per_activity = self.per_activity
        if level == "activity":
            frame = figures_frame(self.activities["activity_id"].to_numpy(), per_activity)
            frame["campaign_id"] = self.activities["campaign_id"].to_numpy()
            frame["gl_account"] = self.activities["gl_account"].to_numpy()
            return frame
        if level == "plan":
            return figures_frame([self.plan_id or ""], per_activity.sum(axis=0, keepdims=True))
        if level in ("campaign", "gl"):
            column = "campaign_id" if level == "campaign" else "gl_account"
            keys = self.activities[column].to_numpy(dtype=object)
            if level == "campaign":
                order, codes = campaign_codes(self.campaigns["campaign_id"], keys)
            else:
                order = sorted(set(keys))
                codes = _codes(order, keys)
            return figures_frame(order, sum_by(codes, per_activity, len(order)))
        ledger = self.ledger
        moving = ledger.figures.any(axis=1)
        days = ledger.date[moving]
        if level == "month":
            periods = days.astype("datetime64[M]").astype(np.int64)
        else:
            years = fiscal_years(days, self.fy_start_month).astype(np.int64)
            periods = years if level == "year" else (
                years * 4 + fiscal_quarters(days, self.fy_start_month) - 1)
        unique, codes = np.unique(periods, return_inverse=True)
        sums = sum_by(codes.reshape(-1), ledger.figures[moving], len(unique))
        if level == "month":
            keys = np.datetime_as_string(unique.astype("datetime64[M]"), unit="M")
        elif level == "year":
            keys = [f"FY{y}" for y in unique]
        else:
            keys = [f"FY{p // 4}-Q{p % 4 + 1}" for p in unique]
        return figures_frame(list(keys), sums)

    @property
    def total(self) -> dict[str, int]:
        row = self.by("plan").iloc[0]
        return {column: int(row[column]) for column in FIGURES}


def roll_up_spend(book: Book, as_of: dt.date | None = None) -> SpendReport:
    """The spend figures of a structure-checked book at every level (SPEC §5); computed once
    per book (and as-of date) and shared by the checks, the reports and consolidation. With
    `as_of`, every figure as it stood on that day."""
    def compute() -> SpendReport:
        data = spend_data(book, as_of)
        return SpendReport(
            plan_id=book.plan.plan_id, currency=book.plan.currency,
            fy_start_month=int(book.plan.fy_start_month or 1), activities=data.activities,
            campaigns=data.campaigns, ledger=spend_ledger(data), findings=data.findings)
    return book.memo(("spend-report", as_of), compute)


def spend_per_activity(book: Book) -> pd.DataFrame:
    """Budgeted, Planned, Committed, Spent, Remaining (cents) indexed by Activity ID — the
    figures the team template's Activities formula columns must reproduce (SPEC §14)."""
    frame = roll_up_spend(book).by("activity")
    figures = np.column_stack([frame[c].to_numpy(dtype=np.int64) for c in
                               ("budgeted", "planned", "committed", "spent", "remaining")])
    return pd.DataFrame(figures, index=pd.Index(frame["key"].array, name="Activity ID"),
                        columns=["Budgeted", "Planned", "Committed", "Spent", "Remaining"])


# --- checks --------------------------------------------------------------------------------

def check_spend(book: Book, context: Any = None) -> list[Finding]:
    """Every spend check of SPEC §5 for one book (listed in `domains.DOMAINS`). With
    the context's `spend_as_of`, on the documents as they stood that day; the year-end
    forecast projects from that day, else from the context's as-of date (default today)."""
    as_of = getattr(context, "spend_as_of", None)
    data = spend_data(book, as_of)
    report = roll_up_spend(book, as_of)
    findings = list(data.findings)
    findings += check_budget_total(book, report)
    findings += check_over_budget(book, report)
    findings += check_plan_figures(book, report)
    findings += check_po_against_budget(book, data)
    findings += check_invoices_against_po(book, data)
    findings += check_invoice_targets(book, data)
    findings += check_po_approval(book, data)
    findings += check_realignments(book, data, report)
    today = as_of or getattr(context, "as_of", None) or dt.date.today()
    findings += check_forecast(book, forecast_spend(book, today, as_of))
    return findings


def _tolerance(book: Book) -> float:
    return max(float(book.plan.overspend_tolerance or 0.0), 0.0)


def _over(load: np.ndarray, limit: np.ndarray, tolerance: float) -> np.ndarray:
    """load > limit × (1 + tolerance), exact and strict (values.exceeds)."""
    return exceeds(load, limit, tolerance)


def _tolerance_text(tolerance: float) -> str:
    return f" + {tolerance:.4g} tolerance" if tolerance else ""


def check_over_budget(book: Book, report: SpendReport) -> list[Finding]:
    """`over-budget` per activity, campaign and plan that is over (severity from the plan)."""
    tolerance = _tolerance(book)
    severity = book.plan.overspend_severity or "error"
    findings: list[Finding] = []
    currency = book.plan.currency
    rows_of = {"activity": dict(zip(report.activities["activity_id"], report.activities["_row"],
                                    strict=True)),
               "campaign": dict(zip(report.campaigns["campaign_id"], report.campaigns["_row"],
                                    strict=True))}
    for level, sheet, column in (("activity", "Activities", "Activity ID"),
                                 ("campaign", "Campaigns", "Campaign ID"),
                                 ("plan", "Plan", "Plan ID")):
        frame = report.by(level)
        load = frame["committed"].to_numpy() + frame["spent"].to_numpy()
        budget = frame["budgeted"].to_numpy()
        for position in np.flatnonzero(_over(load, budget, tolerance)):
            key, used, limit = frame["key"].iat[position], int(load[position]), int(budget[position])
            message = (f"{level} {key} has committed + spent {format_money(used)} {currency} "
                       f"against a budget of {format_money(limit)}{_tolerance_text(tolerance)}: "
                       f"over by {format_money(used - limit)}; realign budget to it, cancel or "
                       "reduce POs, or raise the budget")
            if level == "plan":
                findings.append(book.plan_finding("over-budget", message, "Plan ID", value=key,
                                                  severity=severity))
            else:
                findings.append(book.finding("over-budget", message, sheet=sheet, column=column,
                                             row=rows_of[level].get(key), value=key,
                                             severity=severity))
    return findings


def check_budget_total(book: Book, report: SpendReport) -> list[Finding]:
    """`value-range` at an activity whose total budgeted (Budget rows, negative ones being
    budget cuts, plus realignments in minus out) is below 0 (SPEC §3 Budget)."""
    frame = report.by("activity")
    rows = report.activities["_row"].to_numpy()
    budgeted = frame["budgeted"].to_numpy()
    return [book.finding(
        "value-range",
        f"activity {frame['key'].iat[position]} is budgeted "
        f"{format_money(budgeted[position])} {book.plan.currency} in all (Budget rows with "
        "realignments): a budget cannot be below 0; lower the cuts or the transfers out",
        sheet="Activities", column="Activity ID", row=int(rows[position]),
        value=units(budgeted[position]))
        for position in np.flatnonzero(budgeted < 0)]


def check_plan_figures(book: Book, report: SpendReport) -> list[Finding]:
    """`over-plan` (committed + spent > planned) and `overplanned` (planned > budgeted)."""
    frame = report.by("activity")
    rows = report.activities["_row"].to_numpy()
    findings: list[Finding] = []
    used = (frame["committed"] + frame["spent"]).to_numpy()
    planned, budgeted = frame["planned"].to_numpy(), frame["budgeted"].to_numpy()
    currency = book.plan.currency
    for position in np.flatnonzero(used > planned):
        key = frame["key"].iat[position]
        findings.append(book.finding(
            "over-plan",
            f"activity {key} has committed + spent {format_money(used[position])} {currency}, "
            f"above its planned {format_money(planned[position])} by "
            f"{format_money(used[position] - planned[position])}; update the plan on the Budget "
            "sheet or hold back spend",
            sheet="Activities", column="Activity ID", row=int(rows[position]), value=key))
    for position in np.flatnonzero(planned > budgeted):
        key = frame["key"].iat[position]
        findings.append(book.finding(
            "overplanned",
            f"activity {key} plans {format_money(planned[position])} {currency} but has only "
            f"{format_money(budgeted[position])} budgeted (short by "
            f"{format_money(planned[position] - budgeted[position])}); lower the Planned "
            "amounts or realign budget to it",
            sheet="Activities", column="Activity ID", row=int(rows[position]), value=key))
    return findings


def _as_of_sums(events: pd.DataFrame, queries: pd.DataFrame) -> np.ndarray:
    """For each query (activity, date): Σ event amounts of that activity dated on or before."""
    if events.empty or queries.empty:
        return np.zeros(len(queries), dtype=np.int64)
    events = events.sort_values("date", kind="stable").copy()
    events["running"] = events.groupby("activity")["amount"].cumsum()
    # keep the last running total per (activity, date): merge_asof then sees the day's total
    events = events.drop_duplicates(["activity", "date"], keep="last")
    order = np.argsort(queries["date"].to_numpy(), kind="stable")
    left = queries.iloc[order][["activity", "date"]].reset_index(drop=True)
    merged = pd.merge_asof(left, events[["activity", "date", "running"]], on="date",
                           by="activity", direction="backward", allow_exact_matches=True)
    out = np.zeros(len(queries), dtype=np.int64)
    out[order] = merged["running"].fillna(0).to_numpy(dtype=np.int64)
    return out


def budget_sequence(book: Book, data: SpendData) -> pd.DataFrame:
    """Every document that draws on an activity's budget, in the order `po-exceeds-available`
    takes them (SPEC §5): per activity by date; on one day invoices without PO first (row
    order), then POs by PO Number. Columns: kind ("invoice" | "PO"), activity, date, number,
    amount, load (what it takes from the budget for the documents after it: an Open PO
    max(amount, invoiced), a Closed one invoiced, a Cancelled one 0, an invoice its amount),
    checked, _row, budget (the budget counted for it: every Budget row under Budget Control
    Annual, the rows of months up to and including its month under Accumulated Monthly — plus
    realignments dated on or before it) and available (budget − loads of the documents before
    it)."""
    monthly = book.plan.budget_control == "Accumulated Monthly"
    pos = data.pos
    loose = data.invoices[data.invoices["po"] < 0]
    status = pos["status"].to_numpy()
    docs = pd.DataFrame({
        "kind": np.r_[np.full(len(loose), "invoice"), np.full(len(pos), "PO")].astype(object),
        "order": np.r_[np.zeros(len(loose), np.int64), np.ones(len(pos), np.int64)],
        "activity": np.r_[loose["activity"].to_numpy(np.int64), pos["activity"].to_numpy(np.int64)],
        "date": np.r_[loose["date"].to_numpy().astype("datetime64[D]"),
                      pos["issue"].to_numpy().astype("datetime64[D]")],
        "number": np.r_[loose["invoice_no"].to_numpy(object), pos["po_number"].to_numpy(object)],
        "amount": np.r_[loose["amount"].to_numpy(np.int64), pos["amount"].to_numpy(np.int64)],
        "load": np.r_[loose["amount"].to_numpy(np.int64), po_load(pos)],
        "checked": np.r_[loose["priced"].to_numpy(bool) & monthly,
                         (status != "Cancelled") & pos["priced"].to_numpy(bool)],
        "_row": np.r_[loose["_row"].to_numpy(np.int64), pos["_row"].to_numpy(np.int64)],
    })
    docs["tie"] = np.where(docs["order"] == 1, docs["number"], "")
    docs = docs.sort_values(["activity", "date", "order", "tie", "_row"],
                            kind="stable").reset_index(drop=True)
    earlier = docs.groupby("activity")["load"].cumsum().to_numpy() - docs["load"].to_numpy()
    queries = pd.DataFrame({"activity": docs["activity"].to_numpy(),
                            "date": docs["date"].to_numpy().astype("datetime64[ns]")})
    rows = data.budget
    if monthly:
        budget = _as_of_sums(pd.DataFrame({
            "activity": rows["activity"].to_numpy(), "amount": rows["budgeted"].to_numpy(),
            "date": rows["date"].to_numpy().astype("datetime64[ns]")}), queries)
    else:
        base = rows.groupby("activity")["budgeted"].sum()
        budget = base.reindex(docs["activity"]).fillna(0).to_numpy(dtype=np.int64)
    moves = data.realignments
    moves = pd.DataFrame({
        "activity": np.r_[moves["to_activity"].to_numpy(np.int64),
                          moves["from_activity"].to_numpy(np.int64)],
        "date": np.r_[moves["date"].to_numpy(), moves["date"].to_numpy()].astype("datetime64[ns]"),
        "amount": np.r_[moves["amount"].to_numpy(np.int64), -moves["amount"].to_numpy(np.int64)]})
    docs["budget"] = budget + _as_of_sums(moves, queries)
    docs["available"] = docs["budget"].to_numpy() - earlier
    return docs.drop(columns=["order", "tie"])


def _budget_name(book: Book, day: np.datetime64) -> str:
    """'the annual budget' or 'the budget to date for Apr–Jun' (the fiscal months up to and
    including the document's month)."""
    if book.plan.budget_control != "Accumulated Monthly":
        return "the annual budget"
    month = int(str(day)[5:7])
    first = int(book.plan.fy_start_month or 1)
    names = calendar_module.month_abbr
    span = names[month] if month == first else f"{names[first]}–{names[month]}"
    return f"the budget to date for {span}"


def check_po_against_budget(book: Book, data: SpendData) -> list[Finding]:
    """`po-exceeds-available`: a PO (and, under Budget Control Accumulated Monthly, an invoice
    without PO) larger than the activity's budget still available on its date; an error, a
    warning when PO Control is Warn."""
    if data.pos.empty and not (data.invoices["po"] < 0).any():
        return []      # no document draws on a budget
    docs = budget_sequence(book, data)
    over = docs["checked"].to_numpy() & (docs["amount"].to_numpy() > docs["available"].to_numpy())
    control = book.plan.po_control or "Stop"
    severity = "warning" if control == "Warn" else "error"
    currency = book.plan.currency
    names = data.activities["activity_id"].to_numpy()
    findings = []
    for doc in docs[over].to_dict("records"):
        amount, available = int(doc["amount"]), int(doc["available"])
        day = np.datetime64(doc["date"], "D")
        is_po = doc["kind"] == "PO"
        label = f"PO {doc['number']}" if is_po else f"invoice {doc['number']} (no PO)"
        budget = (f"{_budget_name(book, day)} of activity {names[doc['activity']]}, "
                  f"{format_money(int(doc['budget']))},")
        if available <= 0:
            what = (f"{budget} was already exceeded when {label} ({format_money(amount)} "
                    f"{currency}) was {'issued' if is_po else 'dated'} {day} (available "
                    f"{format_money(available)})")
        else:
            what = (f"{label} ({format_money(amount)} {currency}, {'issued' if is_po else 'dated'}"
                    f" {day}) finds {format_money(available)} available: {budget} will be "
                    f"exceeded by {format_money(amount - available)}")
        advice = "realign budget before issuing, or reduce the PO" if is_po else \
            "realign budget to the activity, or book the invoice to another one"
        findings.append(book.finding(
            "po-exceeds-available", f"{what} (PO Control {control}); {advice}",
            sheet="PurchaseOrders" if is_po else "Invoices", column="Amount",
            row=int(doc["_row"]), value=units(amount), severity=severity))
    return findings


def check_invoices_against_po(book: Book, data: SpendData) -> list[Finding]:
    """`invoice-exceeds-po` at the invoice that first takes a PO over its amount + tolerance."""
    invoices = data.invoices[data.invoices["po"] >= 0]
    pos = data.pos
    if invoices.empty:
        return []
    invoices = invoices.sort_values(["po", "date", "_row"], kind="stable").copy()
    invoices["running"] = invoices.groupby("po")["amount"].cumsum()
    po = invoices["po"].to_numpy()
    limit = pos["amount"].to_numpy(dtype=np.int64)[po]
    priced = pos["priced"].to_numpy()[po]
    over = priced & _over(invoices["running"].to_numpy(), limit, _tolerance(book))
    first = invoices[over].drop_duplicates("po", keep="first")
    findings = []
    currency = book.plan.currency
    tolerance = _tolerance(book)
    numbers, invoiced = pos["po_number"].to_numpy(), pos["invoiced"].to_numpy()
    amounts = pos["amount"].to_numpy()
    for row in first[["po", "running", "_row"]].to_dict("records"):
        number = numbers[int(row["po"])]
        total = int(invoiced[int(row["po"])])
        amount = int(amounts[int(row["po"])])
        findings.append(book.finding(
            "invoice-exceeds-po",
            f"invoices on PO {number} reach {format_money(int(row['running']))} {currency} with "
            f"this one ({format_money(total)} in all) against a PO of {format_money(amount)}"
            f"{_tolerance_text(tolerance)}; raise a PO change or dispute the invoice",
            sheet="Invoices", column="Amount", row=int(row["_row"]), value=number))
    return findings


def check_invoice_targets(book: Book, data: SpendData) -> list[Finding]:
    """`invoice-without-po` (only when the plan requires POs) and `gl-mismatch`."""
    findings: list[Finding] = []
    rows = book.rows("Invoices")
    if rows.empty and data.invoices.empty:
        return findings
    if book.plan.po_required:
        for position in np.flatnonzero(rows["PO Number"].isna().to_numpy()):
            row = rows.iloc[position]
            findings.append(book.finding(
                "invoice-without-po",
                f"invoice {row['Invoice No']} from {row['Vendor']} has no PO Number and the plan "
                "requires POs; enter the PO it belongs to, or raise a PO",
                sheet="Invoices", column="PO Number", row=int(row["_row"]),
                value=row["Invoice No"]))
    invoices = data.invoices
    gl = invoices["gl_account"].astype("string")
    expected = data.activities["gl_account"].to_numpy()[invoices["activity"].to_numpy()]
    given = gl.str.strip().str.casefold().fillna("").to_numpy(dtype=object)
    wanted = pd.Series(expected, dtype="string").str.strip().str.casefold().fillna("")
    differs = gl.notna().to_numpy() & (given != wanted.to_numpy(dtype=object))
    for position in np.flatnonzero(differs):
        activity = data.activities["activity_id"].iat[int(invoices["activity"].iat[position])]
        findings.append(book.finding(
            "gl-mismatch",
            f"invoice booked to GL {gl.iat[position]} but its activity {activity} uses GL "
            f"{expected[position]}; correct the GL Account or the activity",
            sheet="Invoices", column="GL Account", row=int(invoices["_row"].iat[position]),
            value=gl.iat[position]))
    return findings


def check_po_approval(book: Book, data: SpendData) -> list[Finding]:
    """`po-before-approval`: a (non-cancelled) PO issued while the plan was not approved."""
    plan = book.plan
    pos = data.pos
    if pos.empty:
        return []
    live = pos["status"].to_numpy() != "Cancelled"
    if not plan.approved:
        early = live
        reason = f"the plan is {plan.status or 'not approved'}"
    elif plan.approved_on is not None:
        early = live & (pos["issue"].to_numpy().astype("datetime64[D]")
                        < np.datetime64(plan.approved_on, "D"))
        reason = f"the plan was approved only on {plan.approved_on}"
    else:
        return []   # approval-incomplete already says the date is missing
    findings = []
    for position in np.flatnonzero(early):
        row = pos.iloc[position]
        issued = np.datetime64(row["issue"], "D")
        findings.append(book.finding(
            "po-before-approval",
            f"PO {row['po_number']} was issued on {issued} but {reason}; get the plan approved "
            "before committing money, or correct the Issue Date",
            sheet="PurchaseOrders", column="Issue Date", row=int(row["_row"]),
            value=str(issued)))
    return findings


def check_realignments(book: Book, data: SpendData, report: SpendReport) -> list[Finding]:
    """`realign-below-committed`: a transfer that leaves its From activity's budget below its
    committed + spent (see the module docstring for the exact reading)."""
    moves = data.realignments
    if moves.empty:
        return []
    figures = report.by("activity")
    used = (figures["committed"] + figures["spent"]).to_numpy(dtype=np.int64)
    final = figures["budgeted"].to_numpy(dtype=np.int64)
    base = data.budget.groupby("activity")["budgeted"].sum().reindex(
        np.arange(len(data.activities)), fill_value=0).to_numpy(dtype=np.int64)
    signed = pd.concat([
        pd.DataFrame({"activity": moves["to_activity"], "date": moves["date"],
                      "_row": moves["_row"], "amount": moves["amount"], "own": -1}),
        pd.DataFrame({"activity": moves["from_activity"], "date": moves["date"],
                      "_row": moves["_row"], "amount": -moves["amount"].to_numpy(np.int64),
                      "own": np.arange(len(moves))}),
    ], ignore_index=True).sort_values(["date", "_row", "own"], kind="stable")
    signed["after"] = signed.groupby("activity")["amount"].cumsum().to_numpy() + \
        base[signed["activity"].to_numpy()]
    outgoing = signed[signed["own"] >= 0]
    activity = outgoing["activity"].to_numpy()
    short = (outgoing["after"].to_numpy() < used[activity]) & (final[activity] < used[activity])
    findings = []
    currency = book.plan.currency
    for position in np.flatnonzero(short):
        row = outgoing.iloc[position]
        key = data.activities["activity_id"].iat[int(row["activity"])]
        findings.append(book.finding(
            "realign-below-committed",
            f"moving {format_money(-int(row['amount']))} {currency} out of activity {key} leaves "
            f"it {format_money(int(row['after']))} budgeted against "
            f"{format_money(int(used[row['activity']]))} committed + spent; move less, or "
            "release commitments first",
            sheet="Realignments", column="Amount", row=int(row["_row"]),
            value=units(-int(row["amount"]))))
    return findings


# --- year-end forecast and burn (SPEC §5 "as of", issue 14) --------------------------------

FORECAST_LEVELS = ("activity", "campaign", "plan")


@dataclass
class SpendForecast:
    """Where the fiscal year lands, per activity (SPEC §5): committed + spent to date plus a
    projection of the months after the as-of month.

    Method, per activity: the months ahead are those of the plan's fiscal year after the
    as-of date's month. Their amount is the Budget sheet's Planned amounts for those months
    when the activity has any there; else the run rate — spent to date ÷ the fiscal months
    elapsed (the as-of month included) × the months ahead. Open commitments pay for the months
    ahead first, so projected = max(0, that amount − committed). forecast = committed + spent +
    projected. Every level is the sum of its activities; cents are exact."""

    as_of: dt.date
    months_elapsed: int
    months_ahead: int
    months: list[str]                 # the fiscal year's months, YYYY-MM
    report: SpendReport               # the figures to date
    activities: pd.DataFrame          # key, campaign_id, budgeted, committed, spent, projected,
    #                                   forecast, method ("planned" | "run rate")
    monthly: np.ndarray               # (activities, 12) projected cents per month (0 to date)
    _levels: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False, compare=False)

    def by(self, level: str) -> pd.DataFrame:
        """key, budgeted, committed, spent, projected, forecast (int64 cents) per level (each
        level computed once: the check and the roll-up both ask)."""
        if level == "activity":
            return self.activities.copy()
        if level not in self._levels:
            self._levels[level] = self._figures_by(level)
        return self._levels[level].copy(deep=False)   # copy-on-write: callers may add columns

    def _figures_by(self, level: str) -> pd.DataFrame:
        columns = ["budgeted", "committed", "spent", "projected", "forecast"]
        frame = self.activities
        values = np.column_stack([frame[c].to_numpy(dtype=np.int64) for c in columns])
        if level == "plan":
            return pd.DataFrame({"key": [self.report.plan_id or ""],
                                 **{c: [int(total)] for c, total in
                                    zip(columns, values.sum(axis=0), strict=True)}})
        if level == "campaign":   # the Campaigns sheet's order, then any other named
            ids = frame["campaign_id"].tolist()
            order, codes = campaign_codes(self.report.campaigns["campaign_id"], ids)
            named = np.array([isinstance(key, str) for key in ids], dtype=bool)  # blank: no sum
            sums = sum_by(codes[named], values[named], len(order))
            return pd.DataFrame({"key": pd.Index(order),
                                 **{c: sums[:, i] for i, c in enumerate(columns)}})
        raise ValueError(f"unknown forecast level {level!r}; use one of "
                         f"{', '.join(FORECAST_LEVELS)}")


def _fiscal_months(book: Book, day: dt.date) -> list[dt.date]:
    start = int(book.plan.fy_start_month or 1)
    year = book.plan.fiscal_year or fiscal_year(day, start)
    first = fiscal_year_bounds(int(year), start)[0]
    return [add_months(first, index) for index in range(12)]


def _share(total: int, part: int, whole: int) -> int:
    """round(total × part ÷ whole) half away from zero, in integers."""
    value = Decimal(total) * part / whole
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def forecast_spend(book: Book, today: dt.date, as_of: dt.date | None = None) -> SpendForecast:
    """The year-end forecast seen from `today` (see SpendForecast for the method), on the
    documents as they stood on `as_of` (all of them when None); computed once per book and
    dates, shared by the check, the burn and consolidation."""
    return book.memo(("spend-forecast", today, as_of),
                     lambda: _forecast_spend(book, today, as_of))


def _forecast_spend(book: Book, today: dt.date, as_of: dt.date | None) -> SpendForecast:
    report = roll_up_spend(book, as_of)
    data = spend_data(book, as_of)
    months = _fiscal_months(book, today)
    current = today.replace(day=1)
    elapsed = sum(month <= current for month in months)
    ahead = 12 - elapsed
    sums = report.per_activity
    budgeted, committed, spent = sums[:, 0], sums[:, 2], sums[:, 3]
    count = len(report.activities)
    planned = np.zeros((count, 12), dtype=np.int64)
    index = {np.datetime64(m, "D"): i for i, m in enumerate(months)}
    for activity, day, amount in zip(data.budget["activity"].to_numpy(),
                                     data.budget["date"].to_numpy().astype("datetime64[D]"),
                                     data.budget["planned"].to_numpy(), strict=True):
        column = index.get(day)
        if column is not None and column >= elapsed:
            planned[activity, column] += int(amount)
    has_plan = planned.any(axis=1)
    monthly = planned.copy()
    for activity in np.flatnonzero(~has_plan):
        if not elapsed or not ahead:
            continue
        total = _share(int(spent[activity]), ahead, elapsed)
        cumulative = [_share(total, k, ahead) for k in range(ahead + 1)]
        monthly[activity, elapsed:] = np.diff(cumulative)
    # open commitments pay for the months ahead first
    ahead_cumulative = np.cumsum(monthly, axis=1)
    projected_cumulative = np.maximum(0, ahead_cumulative - committed[:, None])
    monthly = np.diff(projected_cumulative, axis=1, prepend=0)
    projected = projected_cumulative[:, -1] if count else np.zeros(0, dtype=np.int64)
    frame = pd.DataFrame({
        "key": report.activities["activity_id"].to_numpy(),
        "campaign_id": report.activities["campaign_id"].to_numpy(),
        "budgeted": budgeted, "committed": committed, "spent": spent,
        "projected": projected.astype(np.int64),
        "forecast": (committed + spent + projected).astype(np.int64),
        "method": np.where(has_plan, "planned", "run rate"),
    })
    return SpendForecast(today, elapsed, ahead, [m.strftime("%Y-%m") for m in months], report,
                         frame, monthly.astype(np.int64))


def spend_burn(book: Book, today: dt.date, as_of: dt.date | None = None) -> pd.DataFrame:
    """The plan's cumulative burn by fiscal month, for a burn chart (Dashboards): month
    (YYYY-MM), budget (cumulative budgeted: Budget rows in their month, realignments in their
    date's month), actual (cumulative committed + spent to date, in the PO's issue month and
    the invoice's month; blank after the as-of month) and projected (actual to date plus the
    forecast's projection; blank before the as-of month; it ends at the plan's forecast).
    Amounts in cents; rows outside the fiscal year count in its first or last month."""
    forecast = forecast_spend(book, today, as_of)
    ledger = forecast.report.ledger
    months = np.array(forecast.months, dtype="datetime64[M]")
    position = np.clip(np.searchsorted(months, ledger.date.astype("datetime64[M]"),
                                       side="right") - 1, 0, 11)
    by_month = np.zeros((12, ledger.figures.shape[1]), dtype=np.int64)
    np.add.at(by_month, position, ledger.figures)
    budget = np.cumsum(by_month[:, 0])
    actual = np.cumsum(by_month[:, 2] + by_month[:, 3])
    elapsed = forecast.months_elapsed
    projected = np.cumsum(forecast.monthly.sum(axis=0)) + (actual[-1] if len(actual) else 0)
    last = max(elapsed - 1, 0)
    return pd.DataFrame({
        "month": forecast.months,
        "budget": budget,
        "actual": pd.array([int(actual[i]) if i < elapsed else None for i in range(12)],
                           dtype="Int64"),
        "projected": pd.array([int(projected[i]) if i >= last else None for i in range(12)],
                              dtype="Int64"),
    })


def check_forecast(book: Book, forecast: SpendForecast) -> list[Finding]:
    """`forecast-over-budget` (warning) per activity, campaign and plan whose year-end forecast
    exceeds budgeted × (1 + tolerance) — exact and strict — and that is not already over
    budget (over-budget says that)."""
    tolerance = _tolerance(book)
    currency = book.plan.currency
    report = forecast.report
    rows_of = {"activity": dict(zip(report.activities["activity_id"], report.activities["_row"],
                                    strict=True)),
               "campaign": dict(zip(report.campaigns["campaign_id"], report.campaigns["_row"],
                                    strict=True))}
    findings: list[Finding] = []
    for level, sheet, column in (("activity", "Activities", "Activity ID"),
                                 ("campaign", "Campaigns", "Campaign ID"),
                                 ("plan", "Plan", "Plan ID")):
        frame = forecast.by(level)
        budget = frame["budgeted"].to_numpy()
        lands = frame["forecast"].to_numpy()
        to_date = frame["committed"].to_numpy() + frame["spent"].to_numpy()
        over = _over(lands, budget, tolerance) & ~_over(to_date, budget, tolerance)
        for position in np.flatnonzero(over):
            key = frame["key"].iat[position]
            message = (f"at the current rate {level} {key} lands at "
                       f"{format_money(int(lands[position]))} against "
                       f"{format_money(int(budget[position]))} {currency}"
                       f"{_tolerance_text(tolerance)} by the end of the fiscal year "
                       f"({format_money(int(to_date[position]))} committed + spent to "
                       f"{forecast.as_of}, {format_money(int(frame['projected'].iat[position]))} "
                       f"projected for the {forecast.months_ahead} months ahead); realign "
                       "budget to it or plan less")
            if level == "plan":
                findings.append(book.plan_finding("forecast-over-budget", message, "Plan ID",
                                                  value=key))
            else:
                findings.append(book.finding("forecast-over-budget", message, sheet=sheet,
                                             column=column, row=rows_of[level].get(key),
                                             value=key))
    return findings


# --- what-if realignment --------------------------------------------------------------------

@dataclass
class RealignmentImpact:
    """A proposed transfer, applied in memory (SPEC §5 what-if): figures before and after for
    both activities and their campaigns, and the findings it would create."""

    from_id: str
    to_id: str
    amount: int
    date: dt.date
    currency: str
    before: pd.DataFrame      # level, key, budgeted … unplanned
    after: pd.DataFrame
    new_findings: list[Finding]


def _impact_rows(report: SpendReport, activities: list[str], campaigns: list[str]) -> pd.DataFrame:
    parts = []
    for level, keys in (("activity", activities), ("campaign", campaigns), ("plan", None)):
        frame = report.by(level)[["key", *FIGURES]]
        if keys is not None:
            frame = frame.set_index("key").loc[list(dict.fromkeys(keys))].reset_index()
        frame.insert(0, "level", level)
        parts.append(frame)
    return pd.concat(parts, ignore_index=True)


def realign(book: Book, from_id: str, to_id: str, amount_cents: int,
            date: dt.date | None = None, as_of: dt.date | None = None) -> RealignmentImpact:
    """Apply a proposed transfer of `amount_cents` from one activity to another in memory and
    report before/after figures and the new findings. Never writes the workbook. With
    `as_of`, on the figures as they stood that day (the transfer is dated `date`, default
    `as_of`, else today).

    Raises ValueError for an impossible proposal (unknown activity, same activity, amount ≤ 0):
    that is bad usage of the command, not bad workbook data.
    """
    date = date or as_of or dt.date.today()
    if amount_cents <= 0:
        raise ValueError("the amount to move must be greater than 0")
    activities = book.rows("Activities")
    known = dict(zip(id_keys(activities["Activity ID"]), activities["Activity ID"], strict=True))
    campaigns = dict(zip(activities["Activity ID"], activities["Campaign ID"], strict=True))
    resolved = []
    for label, wanted in (("--from", from_id), ("--to", to_id)):
        match = known.get(id_key(wanted))
        if match is None:
            raise ValueError(f"{label} activity '{wanted}' is not on the Activities sheet")
        resolved.append(match)
    source, target = resolved
    if source == target:
        raise ValueError("the From and To activities are the same")

    context = SimpleNamespace(spend_as_of=as_of, as_of=as_of or dt.date.today())
    before_report = roll_up_spend(book, as_of)
    before_findings = check_spend(book, context)

    table = book.table("Realignments")
    proposed = pd.DataFrame({
        "Date": np.array([np.datetime64(date, "s")]),
        "From Activity ID": pd.array([source], dtype="str"),
        "To Activity ID": pd.array([target], dtype="str"),
        "Amount": np.array([amount_cents], dtype=np.int64),
        "Reason": ["what-if"], "Approved By": [None],
        "_row": np.array([0], dtype=np.int64), "_rejected": np.array([False]),
    })
    # extra columns of the sheet (the template's Counted helper…) stay blank on the proposal
    frame = pd.concat([table.frame, proposed.reindex(columns=table.frame.columns)],
                      ignore_index=True)
    trial = dataclasses.replace(book, tables={**book.tables,
                                              "Realignments": dataclasses.replace(table,
                                                                                  frame=frame)})
    after_report = roll_up_spend(trial, as_of)
    seen = {(f.code, f.sheet, f.cell, f.row, f.column) for f in before_findings}
    new = []
    for finding in check_spend(trial, context):
        if finding.row == 0:   # the proposed realignment itself: it has no cell yet
            finding = dataclasses.replace(finding, row=None, cell=None,
                                          message=finding.message + " (the proposed transfer)")
        if (finding.code, finding.sheet, finding.cell, finding.row, finding.column) not in seen:
            new.append(finding)
    campaign_keys = [str(campaigns[source]), str(campaigns[target])]
    lookup = {id_key(k): k for k in before_report.campaigns["campaign_id"]}
    campaign_keys = [lookup.get(id_key(k), k) for k in campaign_keys]
    return RealignmentImpact(
        from_id=source, to_id=target, amount=int(amount_cents), date=date,
        currency=book.plan.currency,
        before=_impact_rows(before_report, [source, target], campaign_keys),
        after=_impact_rows(after_report, [source, target], campaign_keys),
        new_findings=sort_findings(new))
