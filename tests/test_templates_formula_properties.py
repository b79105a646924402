"""Property: on any clean plan, what the template formulas compute (`formulas.formula_values`,
the Python reading of the formulas that LibreOffice confirms in test_libreoffice_formulas) equals
the engine's §5 figures (`spend.spend_per_activity`) to the cent."""
from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from mom_engine.formulas import FIGURES, formula_values
from mom_engine.frames import book_from_tables
from mom_engine.spend import spend_per_activity

CURRENCIES = (None, "USD", "EUR", "gbp")
RATES = [("Currency", "Rate"), ("EUR", 1.0837), ("GBP", 1.27)]
cents = st.integers(min_value=0, max_value=5_000_000).map(lambda c: c / 100)
day = st.dates(min_value=dt.date(2027, 1, 1), max_value=dt.date(2027, 12, 31))


@st.composite
def plans(draw):
    n = draw(st.integers(1, 5))
    activities = [("Activity ID", "Campaign ID", "Activity", "GL Account")] + [
        (f"A{i}", "C1", f"Activity {i}", "610100") for i in range(n)]
    ids = st.sampled_from([f"A{i}" for i in range(n)])
    budget = [("Activity ID", "Month", "Budgeted", "Planned")] + [
        (draw(ids), draw(day).replace(day=1), draw(cents), draw(cents))
        for _ in range(draw(st.integers(0, 8)))]
    realignments = [("Date", "From Activity ID", "To Activity ID", "Amount")] + [
        (draw(day), draw(ids), draw(ids), draw(cents.filter(lambda a: a > 0)))
        for _ in range(draw(st.integers(0, 3)))]
    pos = [("PO Number", "Activity ID", "Vendor", "Amount", "Currency", "Issue Date", "Status")]
    for p in range(draw(st.integers(0, 5))):
        number = 4500000000 + p if p % 2 else f"PO-{p}"       # numbers and text PO Numbers
        pos.append((number, draw(ids), "V", draw(cents), draw(st.sampled_from(CURRENCIES)),
                    draw(day), draw(st.sampled_from([None, "Open", "Closed", "Cancelled"]))))
    invoices = [("Invoice No", "PO Number", "Activity ID", "Vendor", "Amount", "Currency",
                 "Invoice Date")]
    for i in range(draw(st.integers(0, 8))):
        if len(pos) > 1 and draw(st.booleans()):
            po = draw(st.sampled_from([row[0] for row in pos[1:]]))
            invoices.append((f"I{i}", str(po), None, "V", draw(cents),
                             draw(st.sampled_from(CURRENCIES)), draw(day)))
        else:
            invoices.append((f"I{i}", None, draw(ids), "V", draw(cents),
                             draw(st.sampled_from(CURRENCIES)), draw(day)))
    return {"Activities": activities, "Budget": budget, "Realignments": realignments,
            "PurchaseOrders": pos, "Invoices": invoices, "Rates": RATES,
            "Campaigns": [("Campaign ID", "Campaign"), ("C1", "Launch")]}


@settings(max_examples=60, deadline=None)
@given(plans())
def test_formula_figures_equal_the_engine(tables):
    book = book_from_tables(tables, {"Plan ID": "P", "Currency": "USD", "Fiscal Year": 2027})
    assert not any(book.table(s).frame["_rejected"].any() for s in tables)
    engine = spend_per_activity(book)
    formulas = formula_values(book).rows["Activities"]
    activities = book.table("Activities").frame
    for activity, row in zip(activities["Activity ID"], activities["_row"], strict=True):
        for figure in FIGURES:
            assert round(formulas[int(row)][figure] * 100) == int(engine.at[activity, figure]), (
                activity, figure)
