"""The engine against the Decimal reference (tests/reference), on generated workbooks with the
cases that break engines (issue 12): ties at the tolerance and at the available budget, x.005
amounts, text money, rates 1.005 and 0.0067 (and a currency with no rate), FY start months 1–12,
quarter and year edges, weekends, partial and excess invoices, every PO status, realignments on
a PO's issue date, Budget Control and PO Control, negative Budget rows (budget cuts), reps
differing only in case. Every activity's figures to the cent, the year-end forecast, every
rep's coverage figures and every finding's (code, sheet, cell) must agree.

CI runs 25 examples; a long local run: `pytest tests/test_reference_differential.py
--hypothesis-profile=long` (profile registered in tests/conftest.py).
"""
from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mom_engine.analyze import Context, analyze_book
from mom_engine.domains.pipeline import coverage
from mom_engine.domains.spend import forecast_spend, roll_up_spend

from .builders import team_book
from .reference.implementation import fiscal_year_start, month_after, reference

LONG = getattr(settings, "_current_profile", None) == "long"
SETTINGS = settings(max_examples=settings().max_examples if LONG else 25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

COMPARED = {"over-budget", "over-plan", "overplanned", "po-exceeds-available",
            "invoice-exceeds-po", "invoice-without-po", "po-before-approval", "gl-mismatch",
            "rate-missing", "realign-below-committed", "forecast-over-budget", "quota-missing",
            "coverage-below-target"}
MONEY_SHEETS = {"Budget", "PurchaseOrders", "Invoices"}      # number-as-text compared there
ACTIVITIES = [
    {"Activity ID": "A1", "Campaign ID": "C1", "Activity": "Booth", "GL Account": "610100"},
    {"Activity ID": "A2", "Campaign ID": "C1", "Activity": "Ads", "GL Account": "610200"},
    {"Activity ID": "A3", "Campaign ID": "C2", "Activity": "Web", "GL Account": "610300"},
    {"Activity ID": "A4", "Campaign ID": "C2", "Activity": "Tie", "GL Account": "610400"},
]
LIMITS = {None: "1000", 0.025: "1025", 0.015: "1015", 0.035: "1035", 0.15: "1150", 2.5: "1025"}
CAMPAIGNS = [{"Campaign ID": "C1", "Campaign": "Launch"}, {"Campaign ID": "C2", "Campaign": "Grow"}]
ACTIVITY_IDS = ["A1", "A2", "A3", "a2 "]

amounts = st.one_of(
    st.sampled_from([0.01, 1, 100.01, 999.995, 1000, 1000.005, 1015, 1025, 1035, 1150, 0.005,
                     2.675, 333.33, 16666.67, 50000, 50000.01]),
    st.integers(0, 500_000).map(lambda c: c / 100),
    st.integers(0, 5_000_000).map(lambda m: m / 1000))           # x.xx5 half cents
money_cells = amounts.flatmap(lambda a: st.sampled_from([a, a, f"{a:,.2f}", f"${a:,.2f}"]))
currencies = st.sampled_from([None, None, "USD", "usd", "CHF", "JPY", "GBP"])


@st.composite
def workbooks(draw):
    start = draw(st.integers(1, 12))
    first = fiscal_year_start(2027, start)
    last = month_after(first, 12) - dt.timedelta(days=1)
    edges = [first, last, month_after(first, 3) - dt.timedelta(days=1), month_after(first, 3),
             month_after(first, 6), month_after(first, 9) - dt.timedelta(days=1)]
    days = st.one_of(st.sampled_from(edges),
                     st.integers(0, (last - first).days).map(lambda n: first + dt.timedelta(n)))
    months = st.integers(0, 11).map(lambda n: month_after(first, n))
    approved = draw(st.booleans())
    plan = {"FY Start Month": start,
            "Overspend Tolerance %": draw(st.sampled_from([None, 0.025, 0.015, 0.035, 0.15,
                                                           2.5])),
            "Budget Control": draw(st.sampled_from([None, "Annual", "Accumulated Monthly"])),
            "PO Control": draw(st.sampled_from([None, "Stop", "Warn"])),
            "PO Required": draw(st.sampled_from(["Yes", "No"])),
            "Status": "Approved" if approved else "Draft",
            "Approved By": "CMO" if approved else None,
            "Approved On": draw(days) if approved else None}
    budget = [{"Activity ID": draw(st.sampled_from(ACTIVITY_IDS)),
               "Month": draw(st.one_of(months, months.map(lambda m: m.strftime("%Y-%m")))),
               "Budgeted": draw(st.one_of(money_cells, amounts.map(lambda a: -a))),
               "Planned": draw(st.one_of(st.none(), amounts))}
              for _ in range(draw(st.integers(1, 6)))]
    moves = []
    for _ in range(draw(st.integers(0, 3))):
        source, target = draw(st.permutations(["A1", "A2", "A3"]))[:2]
        moves.append({"Date": draw(days), "From Activity ID": source, "To Activity ID": target,
                      "Amount": draw(amounts.filter(lambda a: a >= 0.01))})
    pos = []
    for index in range(draw(st.integers(0, 5))):
        number = draw(st.sampled_from([f"PO-{index}", 4500000000 + index]))
        pos.append({"PO Number": number, "Activity ID": draw(st.sampled_from(ACTIVITY_IDS)),
                    "Vendor": "Acme", "Amount": draw(money_cells),
                    "Currency": draw(currencies), "Issue Date": draw(days),
                    "Status": draw(st.sampled_from([None, "Open", "open", "Closed",
                                                    "Cancelled"]))})
        if moves and draw(st.booleans()):
            moves[0]["Date"] = pos[-1]["Issue Date"]       # a realignment on an issue date
    invoices = []
    for index in range(draw(st.integers(0, 6))):
        on_po = pos and draw(st.booleans())
        invoices.append({
            "Invoice No": f"I-{index}",
            "PO Number": str(draw(st.sampled_from(pos))["PO Number"]) if on_po else None,
            "Activity ID": None if on_po else draw(st.sampled_from(ACTIVITY_IDS)),
            "Vendor": "Acme", "Amount": draw(money_cells), "Currency": draw(currencies),
            "Invoice Date": draw(days),
            "GL Account": draw(st.sampled_from([None, "610100", "610200", "999999"]))})
    deals = [{"Opportunity ID": f"O{index}", "Rep": draw(st.sampled_from(["Ann", "ann ", "ANN",
                                                                          "Bob"])),
              "Stage": draw(st.sampled_from(["Prospecting", "Proposal", "Negotiation",
                                             "Closed Won", "Closed Lost"])),
              "Amount": draw(st.sampled_from([100.01, 1000, 2500, 0.05])),
              "Close Date": draw(days),
              "Probability": draw(st.sampled_from([None, 0.5, 0.35, 0.0067]))}
             for index in range(draw(st.integers(0, 6)))]
    quotas = [{"Rep": rep, "Quarter": f"FY2027-Q{quarter}",
               "Quota": draw(st.sampled_from([1000, 400.02, 250]))}
              for rep in draw(st.sets(st.sampled_from(["Ann", "Bob"])))
              for quarter in (1, 2, 3, 4)]
    if draw(st.booleans()):
        # A4 lands every tie at once: a PO of exactly its 1,000.00 budget (available), invoiced
        # exactly 1,000 × (1 + tolerance) (invoice-exceeds-po and over-budget on the limit)
        limit = LIMITS[plan["Overspend Tolerance %"]]
        issued = draw(days)
        budget.append({"Activity ID": "A4", "Month": first, "Budgeted": 1000, "Planned": 2000})
        pos.append({"PO Number": "TIE", "Activity ID": "A4", "Vendor": "Acme", "Amount": 1000,
                    "Issue Date": issued, "Status": "Open"})
        for index, amount in enumerate(draw(st.sampled_from(
                [[limit], [str(int(limit) - 1), "1"], ["0.01", str(float(limit) - 0.01)]]))):
            invoices.append({"Invoice No": f"T-{index}", "PO Number": "TIE", "Vendor": "Acme",
                             "Amount": draw(st.sampled_from([float(amount), f"{float(amount):,.2f}"])),
                             "Invoice Date": issued + dt.timedelta(days=index)})
    as_of = draw(days)
    sheets = {"Campaigns": CAMPAIGNS, "Activities": ACTIVITIES, "Budget": budget,
              "Realignments": moves or None, "PurchaseOrders": pos or None,
              "Invoices": invoices or None, "Opportunities": deals or None,
              "Quotas": quotas or None,
              "Rates": [{"Currency": "CHF", "Rate": 1.005}, {"Currency": "JPY", "Rate": 0.0067}]}
    return plan, sheets, as_of


def engine(path: Path, as_of: dt.date):
    analysis = analyze_book(path, context=Context(as_of=as_of))
    book = analysis.book
    frame = roll_up_spend(book).by("activity")
    figures = {row["key"]: (int(row["budgeted"]), int(row["planned"]), int(row["committed"]),
                            int(row["spent"])) for row in frame.to_dict("records")}
    forecast = {row["key"]: int(row["forecast"])
                for row in forecast_spend(book, as_of).by("activity").to_dict("records")}
    findings = {(f.code, f.sheet, f.cell) for f in analysis.findings
                if f.code in COMPARED or (f.code == "number-as-text" and f.sheet in MONEY_SHEETS)
                or (f.code == "value-range" and f.sheet == "Activities")}
    reps = {}
    for row in coverage([book], as_of).reps.to_dict("records"):
        remaining = row["remaining_quota"]
        reps[str(row["rep"]).strip().casefold()] = (
            int(row["open"]), int(row["won"]), int(row["weighted"]),
            None if remaining is None or remaining is pd.NA else int(remaining))
    return figures, forecast, findings, reps


@SETTINGS
@given(case=workbooks())
def test_the_engine_agrees_with_the_reference(case):
    plan, sheets, as_of = case
    with tempfile.TemporaryDirectory() as folder:
        path = team_book(Path(folder) / "generated.xlsx", plan=plan, **sheets)
        expected = reference(path, as_of)
        figures, forecast, findings, reps = engine(path, as_of)
    assert figures == expected.figures
    assert forecast == expected.forecast
    assert sorted(findings, key=str) == sorted(expected.findings, key=str)
    assert reps == expected.reps
