"""The reference: SPEC §5 figures and checks and §7 coverage, in Decimal and plain loops.

Read like the SPEC, not like the engine: every rule below quotes (or paraphrases) the sentence
it implements. Only what the differential test generates is supported: one header row, the
canonical headers, clean IDs — the engine's reader is tested elsewhere; here the figures and
checks are. Money: rounded to cents half away from zero on read (SPEC §3), then integer cents;
a tolerance, rate or probability meets money as the Decimal of what was typed.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter

STAGE_PROBABILITY = {"prospecting": Decimal("0.10"), "qualification": Decimal("0.25"),
                     "proposal": Decimal("0.50"), "negotiation": Decimal("0.75"),
                     "closed won": Decimal("1.00"), "closed lost": Decimal("0.00")}


@dataclass
class Row:
    number: int                     # the Excel row
    values: dict[str, Any]
    letters: dict[str, str]

    def __getitem__(self, column: str) -> Any:
        value = self.values.get(column)
        if isinstance(value, str) and not value.strip():
            return None
        return value

    def cell(self, column: str) -> str:
        return f"{self.letters[column]}{self.number}"


@dataclass
class Result:
    figures: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)
    forecast: dict[str, int] = field(default_factory=dict)
    findings: set[tuple[str, str, str | None]] = field(default_factory=set)
    reps: dict[str, tuple[int, int, int, int | None]] = field(default_factory=dict)


# --- reading raw cells -----------------------------------------------------------------------

def read_sheets(path: Path) -> dict[str, list[Row]]:
    workbook = openpyxl.load_workbook(path, data_only=True)
    sheets = {}
    for sheet in workbook.worksheets:
        cells = list(sheet.iter_rows(values_only=True))
        if not cells:
            sheets[sheet.title] = []
            continue
        header = [str(h).strip() if h is not None else None for h in cells[0]]
        letters = {h: get_column_letter(i + 1) for i, h in enumerate(header) if h}
        rows = []
        for number, values in enumerate(cells[1:], start=2):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            rows.append(Row(number, {h: v for h, v in zip(header, values, strict=False) if h},
                            letters))
        sheets[sheet.title] = rows
    return sheets


def to_decimal(value: Any) -> tuple[Decimal | None, bool]:
    """A typed number → (Decimal of what was typed, typed as text?)."""
    if value is None:
        return None, False
    if isinstance(value, bool):
        return None, False
    if isinstance(value, int):
        return Decimal(value), False
    if isinstance(value, float):
        return Decimal(repr(value)), False
    text = str(value).strip().replace(",", "").replace("$", "")
    negative = text.startswith("(") and text.endswith(")")
    text = text.strip("()")
    number = Decimal(text)
    return (-number if negative else number), True


def cents(value: Any) -> tuple[int, bool]:
    """Money → integer cents, half away from zero (ROUND_HALF_UP is away from zero)."""
    number, as_text = to_decimal(value)
    if number is None:
        return 0, False
    return int((number * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)), as_text


def times(amount_cents: int, factor: Decimal) -> int:
    return int((Decimal(amount_cents) * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def to_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if len(text) == 7:
        text += "-01"
    return dt.date.fromisoformat(text)


def key(value: Any) -> str | None:
    """IDs and names as compared: trimmed, case-insensitive; whole numbers are their digits."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text.casefold() if text else None


# --- the calendar (SPEC §4) -------------------------------------------------------------------

def fiscal_year_of(day: dt.date, start: int) -> int:
    return day.year + 1 if start > 1 and day.month >= start else day.year


def fiscal_year_start(year: int, start: int) -> dt.date:
    return dt.date(year if start == 1 else year - 1, start, 1)


def month_after(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def fiscal_quarter_of(day: dt.date, start: int) -> tuple[int, int]:
    year = fiscal_year_of(day, start)
    first = fiscal_year_start(year, start)
    months = (day.year - first.year) * 12 + day.month - first.month
    return year, months // 3 + 1


# --- the reference --------------------------------------------------------------------------

def over(amount: int, limit: int, tolerance: Decimal) -> bool:
    """"greater than" limit × (1 + tolerance), exactly."""
    return Decimal(amount) > Decimal(limit) * (1 + tolerance)


def reference(path: Path, as_of: dt.date) -> Result:
    """Every figure and finding the differential test compares, for one workbook."""
    spend = Spend(read_sheets(path), as_of)
    spend.read_budget()
    spend.read_documents()
    spend.roll_up()
    spend.check_levels()
    spend.check_invoices_on_pos()
    spend.check_approval()
    for activity in spend.activities:
        spend.check_available(activity)
    spend.check_realignments()
    spend.check_forecast()
    target = Decimal(repr(float(spend.plan.get("Coverage Target") or 2.5)))
    spend.result.reps = coverage(spend.sheets, spend.start, as_of, target, spend.found)
    return spend.result


class Spend:
    """SPEC §5 for one plan, rule by rule."""

    def __init__(self, sheets: dict[str, list[Row]], as_of: dt.date) -> None:
        self.sheets, self.as_of = sheets, as_of
        self.plan_rows = {str(r["Field"]).strip(): r for r in sheets["Plan"]}
        plan = self.plan = {name: row["Value"] for name, row in self.plan_rows.items()}
        self.currency = str(plan.get("Currency") or "USD").strip().upper()
        self.start = int(plan.get("FY Start Month") or 1)
        self.fiscal_year = int(plan["Fiscal Year"])
        tolerance = to_decimal(plan.get("Overspend Tolerance %"))[0] or Decimal(0)
        self.tolerance = tolerance / 100 if tolerance > 1 else tolerance   # 2.5 = 2.5 %
        self.monthly = str(plan.get("Budget Control") or "Annual").strip().casefold() == \
            "accumulated monthly"
        self.po_required = str(plan.get("PO Required") or "Yes").strip().casefold() == "yes"
        self.approved = str(plan.get("Status")).strip().casefold() in ("approved", "closed")
        self.approved_on = to_date(plan.get("Approved On"))
        self.result = Result()
        self.found = self.result.findings
        self.rates = {self.currency: Decimal(1)}
        for row in sheets.get("Rates", []):
            self.rates[str(row["Currency"]).strip().upper()] = Decimal(repr(float(row["Rate"])))
        self.activities = {key(r["Activity ID"]): r for r in sheets["Activities"]}
        self.campaigns = {key(r["Campaign ID"]): r for r in sheets["Campaigns"]}
        self.budgeted = dict.fromkeys(self.activities, 0)
        self.planned = dict.fromkeys(self.activities, 0)
        self.committed = dict.fromkeys(self.activities, 0)
        self.spent = dict.fromkeys(self.activities, 0)
        self.realignments = sheets.get("Realignments", [])
        self.pos: dict[str | None, dict] = {}
        self.invoices: list[dict] = []

    def read_budget(self) -> None:
        """"budgeted = Σ Budget.Budgeted + realignments in − realignments out"."""
        for row in self.sheets["Budget"]:
            amount, as_text = cents(row["Budgeted"])
            if as_text:
                self.found.add(("number-as-text", "Budget", row.cell("Budgeted")))
            self.budgeted[key(row["Activity ID"])] += amount
            self.planned[key(row["Activity ID"])] += cents(row["Planned"])[0]
        for row in self.realignments:
            amount = cents(row["Amount"])[0]
            self.budgeted[key(row["To Activity ID"])] += amount
            self.budgeted[key(row["From Activity ID"])] -= amount

    def in_plan_currency(self, row: Row, sheet: str) -> int | None:
        """"other currencies converted with Rates; missing rate → rate-missing"."""
        amount, as_text = cents(row["Amount"])
        if as_text:
            self.found.add(("number-as-text", sheet, row.cell("Amount")))
        code = str(row["Currency"] or self.currency).strip().upper()
        if code not in self.rates:
            self.found.add(("rate-missing", sheet, row.cell("Currency")))
            return None
        return times(amount, self.rates[code])

    def read_documents(self) -> None:
        """POs, and invoices "through their PO, or their own Activity ID"; invoice-without-po
        and gl-mismatch on the way."""
        for row in self.sheets.get("PurchaseOrders", []):
            self.pos[key(row["PO Number"])] = {
                "row": row, "activity": key(row["Activity ID"]),
                "amount": self.in_plan_currency(row, "PurchaseOrders"),
                "status": str(row["Status"] or "Open").strip().casefold(),
                "issued": to_date(row["Issue Date"]), "invoices": []}
        for row in self.sheets.get("Invoices", []):
            po = self.pos.get(key(row["PO Number"]))
            activity = po["activity"] if po else key(row["Activity ID"])
            invoice = {"row": row, "po": po, "activity": activity,
                       "amount": self.in_plan_currency(row, "Invoices"),
                       "date": to_date(row["Invoice Date"])}
            self.invoices.append(invoice)
            if invoice["amount"] is not None:
                self.spent[activity] += invoice["amount"]
                if po:
                    po["invoices"].append(invoice)
            if po is None and self.po_required:
                self.found.add(("invoice-without-po", "Invoices", row.cell("PO Number")))
            gl = key(row["GL Account"])
            if gl is not None and gl != key(self.activities[activity]["GL Account"]):
                self.found.add(("gl-mismatch", "Invoices", row.cell("GL Account")))

    def roll_up(self) -> None:
        """"committed = Σ over its Open POs of max(PO amount − invoiced on that PO, 0)"."""
        for po in self.pos.values():
            po["invoiced"] = sum(i["amount"] for i in po["invoices"])
            if po["status"] == "open" and po["amount"] is not None:
                self.committed[po["activity"]] += max(po["amount"] - po["invoiced"], 0)
        for a, row in self.activities.items():
            self.result.figures[row["Activity ID"]] = (self.budgeted[a], self.planned[a],
                                                       self.committed[a], self.spent[a])

    def used(self, members: list[str]) -> int:
        return sum(self.committed[a] + self.spent[a] for a in members)

    def levels(self) -> list[tuple[str, str, list[str]]]:
        """(sheet, cell, activities) of every activity, campaign and the plan."""
        out = [("Activities", row.cell("Activity ID"), [a]) for a, row in self.activities.items()]
        out += [("Campaigns", row.cell("Campaign ID"),
                 [a for a in self.activities if key(self.activities[a]["Campaign ID"]) == c])
                for c, row in self.campaigns.items()]
        return out + [("Plan", self.plan_rows["Plan ID"].cell("Value"), list(self.activities))]

    def check_levels(self) -> None:
        """over-budget per level; over-plan, overplanned and value-range per activity."""
        for sheet, cell, members in self.levels():
            if over(self.used(members), sum(self.budgeted[a] for a in members), self.tolerance):
                self.found.add(("over-budget", sheet, cell))
        for a, row in self.activities.items():
            if self.committed[a] + self.spent[a] > self.planned[a]:
                self.found.add(("over-plan", "Activities", row.cell("Activity ID")))
            if self.planned[a] > self.budgeted[a]:
                self.found.add(("overplanned", "Activities", row.cell("Activity ID")))
            if self.budgeted[a] < 0:
                self.found.add(("value-range", "Activities", row.cell("Activity ID")))

    def check_invoices_on_pos(self) -> None:
        """"invoiced on a PO > PO amount × (1 + tolerance)", at the invoice that first takes
        it over (date, then row order)."""
        for po in self.pos.values():
            if po["amount"] is None:
                continue
            running = 0
            for invoice in sorted(po["invoices"], key=lambda i: (i["date"], i["row"].number)):
                running += invoice["amount"]
                if over(running, po["amount"], self.tolerance):
                    self.found.add(("invoice-exceeds-po", "Invoices",
                                    invoice["row"].cell("Amount")))
                    break

    def check_approval(self) -> None:
        """"a PO that is not Cancelled, issued while the plan was not approved"."""
        for po in self.pos.values():
            if po["status"] == "cancelled":
                continue
            if not self.approved or (self.approved_on is not None
                                     and po["issued"] < self.approved_on):
                self.found.add(("po-before-approval", "PurchaseOrders",
                                po["row"].cell("Issue Date")))

    def budget_on(self, activity: str, day: dt.date) -> int:
        """Budget rows (of months up to the document's under Accumulated Monthly) plus
        realignments dated on or before `day`."""
        budget = sum(cents(r["Budgeted"])[0] for r in self.sheets["Budget"]
                     if key(r["Activity ID"]) == activity
                     and (not self.monthly or to_date(r["Month"]) <= day))
        for move in self.realignments:
            if to_date(move["Date"]) <= day:
                if key(move["To Activity ID"]) == activity:
                    budget += cents(move["Amount"])[0]
                if key(move["From Activity ID"]) == activity:
                    budget -= cents(move["Amount"])[0]
        return budget

    def check_available(self, activity: str) -> None:
        """po-exceeds-available in issue-date order (then PO Number); invoices without PO
        dated on or before a PO load it, and are checked too under Accumulated Monthly."""
        documents = []
        for po in self.pos.values():
            if po["activity"] == activity:
                load = {"open": max(po["amount"] or 0, po["invoiced"]),
                        "closed": po["invoiced"]}.get(po["status"], 0)
                checked = po["status"] != "cancelled" and po["amount"] is not None
                documents.append((po["issued"], 1, str(po["row"]["PO Number"]).strip(),
                                  po["row"].number, po["amount"], load, checked,
                                  "PurchaseOrders", po["row"]))
        for invoice in self.invoices:
            if invoice["po"] is None and invoice["activity"] == activity:
                amount = invoice["amount"]
                documents.append((invoice["date"], 0, "", invoice["row"].number, amount,
                                  amount or 0, self.monthly and amount is not None, "Invoices",
                                  invoice["row"]))
        loaded = 0
        for day, _, _, _, amount, load, checked, sheet, row in sorted(
                documents, key=lambda d: (d[0], d[1], d[2], d[3])):
            if checked and amount > self.budget_on(activity, day) - loaded:
                self.found.add(("po-exceeds-available", sheet, row.cell("Amount")))
            loaded += load

    def check_realignments(self) -> None:
        """realign-below-committed (the README's reading): right after the transfer (Budget
        rows plus the transfers up to it, date then row order) and at the end, the From
        activity is short of committed + spent."""
        ordered = sorted(self.realignments, key=lambda r: (to_date(r["Date"]), r.number))
        for index, move in enumerate(ordered):
            a = key(move["From Activity ID"])
            after = sum(cents(r["Budgeted"])[0] for r in self.sheets["Budget"]
                        if key(r["Activity ID"]) == a)
            for earlier in ordered[:index + 1]:
                if key(earlier["To Activity ID"]) == a:
                    after += cents(earlier["Amount"])[0]
                if key(earlier["From Activity ID"]) == a:
                    after -= cents(earlier["Amount"])[0]
            need = self.committed[a] + self.spent[a]
            if after < need and self.budgeted[a] < need:
                self.found.add(("realign-below-committed", "Realignments", move.cell("Amount")))

    def check_forecast(self) -> None:
        """The year-end forecast (README "Year-end forecast") and forecast-over-budget."""
        first = fiscal_year_start(self.fiscal_year, self.start)
        this_month = self.as_of.replace(day=1)
        months = [month_after(first, i) for i in range(12)]
        elapsed = sum(m <= this_month for m in months)
        ahead = 12 - elapsed
        future = [m for m in months if m > this_month]
        lands = {}
        for a, row in self.activities.items():
            plan_ahead = [cents(r["Planned"])[0] for r in self.sheets["Budget"]
                          if key(r["Activity ID"]) == a and to_date(r["Month"]) in future]
            if any(plan_ahead):
                coming = sum(plan_ahead)
            elif elapsed and ahead:
                coming = int((Decimal(self.spent[a]) * ahead / elapsed).quantize(
                    Decimal(1), rounding=ROUND_HALF_UP))
            else:
                coming = 0
            lands[a] = self.committed[a] + self.spent[a] + max(0, coming - self.committed[a])
            self.result.forecast[row["Activity ID"]] = lands[a]
        for sheet, cell, members in self.levels():
            limit = sum(self.budgeted[a] for a in members)
            if over(sum(lands[a] for a in members), limit, self.tolerance) and \
                    not over(self.used(members), limit, self.tolerance):
                self.found.add(("forecast-over-budget", sheet, cell))


def coverage(sheets: dict[str, list[Row]], start: int, as_of: dt.date, target: Decimal,
             found: set) -> dict[str, tuple[int, int, int, int | None]]:
    """SPEC §7 per rep for the fiscal quarter containing the as-of date: open, won, weighted
    ("Σ Amount × Probability … summed exactly and rounded once"), remaining quota."""
    year, quarter = fiscal_quarter_of(as_of, start)
    label = f"FY{year}-Q{quarter}"
    totals: dict[str, list] = {}
    first_open: dict[str, Row] = {}
    for row in sheets.get("Opportunities", []):
        if fiscal_quarter_of(to_date(row["Close Date"]), start) != (year, quarter):
            continue
        rep = key(row["Rep"])
        stage = str(row["Stage"]).strip().casefold()
        if stage == "closed lost":
            continue                     # a rep is on the report for a quota, open or won
        figures = totals.setdefault(rep, [0, 0, Decimal(0)])
        amount = cents(row["Amount"])[0]
        if stage == "closed won":
            figures[1] += amount
        elif stage != "closed lost":
            figures[0] += amount
            probability = row["Probability"]
            factor = Decimal(repr(float(probability))) if probability is not None else \
                STAGE_PROBABILITY[stage]
            figures[2] += Decimal(amount) * factor
            first_open.setdefault(rep, row)
    quotas: dict[str, tuple[int, Row]] = {}
    for row in sheets.get("Quotas", []):
        if str(row["Quarter"]).strip().upper() == label:
            quotas.setdefault(key(row["Rep"]), (cents(row["Quota"])[0], row))
    out = {}
    for rep in dict.fromkeys([*quotas, *totals]):
        open_, won, weighted = totals.get(rep, [0, 0, Decimal(0)])
        quota = quotas.get(rep)
        remaining = quota[0] - won if quota else None
        out[rep] = (open_, won, int(weighted.quantize(Decimal(1), rounding=ROUND_HALF_UP)),
                    remaining)
        if quota is None and open_ > 0:
            found.add(("quota-missing", "Opportunities", first_open[rep].cell("Rep")))
        # "coverage-below-target when remaining quota > 0 and coverage < target"
        if remaining is not None and remaining > 0 and Decimal(open_) / remaining < target:
            found.add(("coverage-below-target", "Quotas", quota[1].cell("Quota")))
    return out
