"""Property test on random plans (SPEC §5): every level is the sum of its activities;
committed + spent = Σ PO loads + invoices without PO; remaining = budgeted − committed − spent."""
from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mom_engine.analyze import analyze_book
from mom_engine.domains.spend import FIGURES, SPEND_LEVELS, roll_up_spend

from .builders import D, team_book

COUNTER = itertools.count()
cents = st.integers(min_value=0, max_value=500_000)
days = st.integers(min_value=0, max_value=364).map(lambda n: D(2026, 7, 1) + dt.timedelta(days=n))


@st.composite
def plans(draw):
    activity_count = draw(st.integers(1, 4))
    activities = [f"A{n}" for n in range(activity_count)]
    budget = [{"Activity ID": draw(st.sampled_from(activities)),
               "Month": draw(days).replace(day=1), "Budgeted": draw(cents) / 100,
               "Planned": draw(cents) / 100}
              for _ in range(draw(st.integers(0, 6)))]
    pos = []
    for n in range(draw(st.integers(0, 5))):
        pos.append({"PO Number": f"PO-{n}", "Activity ID": draw(st.sampled_from(activities)),
                    "Vendor": "V", "Amount": draw(cents) / 100, "Issue Date": draw(days),
                    "Status": draw(st.sampled_from(["Open", "Closed", "Cancelled"]))})
    invoices = []
    for n in range(draw(st.integers(0, 6))):
        on_po = pos and draw(st.booleans())
        invoices.append({"Invoice No": f"I-{n}",
                         "PO Number": draw(st.sampled_from(pos))["PO Number"] if on_po else None,
                         "Activity ID": None if on_po else draw(st.sampled_from(activities)),
                         "Vendor": "V", "Amount": draw(cents) / 100,
                         "Invoice Date": draw(days)})
    moves = [{"Date": draw(days), "From Activity ID": draw(st.sampled_from(activities)),
              "To Activity ID": draw(st.sampled_from(activities)),
              "Amount": draw(st.integers(1, 100_000)) / 100}
             for _ in range(draw(st.integers(0, 2)))]
    return {"Activities": [{"Activity ID": a, "Campaign ID": "C1" if n % 2 else "C2",
                            "Activity": a, "GL Account": "610100" if n < 2 else "610200"}
                           for n, a in enumerate(activities)],
            "Campaigns": [{"Campaign ID": "C1", "Campaign": "x"},
                          {"Campaign ID": "C2", "Campaign": "y"}],
            "Budget": budget or None, "PurchaseOrders": pos or None,
            "Invoices": invoices or None, "Realignments": moves or None}


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(plans())
def test_levels_add_up(tmp_path, sheets):
    if sheets["Budget"] is None:
        sheets["Budget"] = [{"Activity ID": "A0", "Month": D(2027, 1, 1), "Budgeted": 0}]
    path = team_book(tmp_path / f"p{next(COUNTER)}.xlsx", plan={"FY Start Month": 7},
                     **sheets)
    report = roll_up_spend(analyze_book(path).book)
    activity = report.by("activity")
    total = activity[list(FIGURES)].sum()
    for level in SPEND_LEVELS:
        frame = report.by(level)
        assert frame[list(FIGURES)].sum().tolist() == total.tolist(), level
        assert ((frame["remaining"] == frame["budgeted"] - frame["committed"] - frame["spent"])
                .all()), level
        assert (frame["unplanned"] == frame["budgeted"] - frame["planned"]).all(), level
    # the oracle, from the generated rows (cents): PO loads + invoices without PO
    invoiced = {}
    loose = 0
    for invoice in sheets["Invoices"] or []:
        amount = round(invoice["Amount"] * 100)
        if invoice["PO Number"]:
            invoiced[invoice["PO Number"]] = invoiced.get(invoice["PO Number"], 0) + amount
        else:
            loose += amount
    loads = 0
    for po in sheets["PurchaseOrders"] or []:
        amount, billed = round(po["Amount"] * 100), invoiced.get(po["PO Number"], 0)
        # open: max(amount, invoiced); closed: invoiced; cancelled: invoiced on it still spent
        loads += max(amount, billed) if po["Status"] == "Open" else billed
    assert int(total["committed"] + total["spent"]) == loads + loose
    budgeted = sum(round(b["Budgeted"] * 100) for b in sheets["Budget"])
    assert int(total["budgeted"]) == budgeted     # realignments move budget, never create it
