"""UDF timings over 10,000 activity rows (SPEC §15: engine calls answer in < 50 ms).

    python benchmarks/udfs.py            # prints a table; no assertions (not a test)

Each UDF gets its ranges as xlwings hands them over with `@xw.arg(pd.DataFrame, index=False,
header=True)`: a DataFrame of object columns (str, float, datetime, None). Three figures per
function, median of several runs:
- tables: ranges → Book (`frames.book_from_tables`: header matching, parsing, structure checks)
- engine: the rollup on that Book (what SPEC §15 bounds at 50 ms)
- udf:    the whole function as Excel calls it (both, plus building the result table)
"""
from __future__ import annotations

import datetime as dt
import importlib
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mom_engine.frames import book_from_tables  # noqa: E402

N = 10_000
AS_OF = dt.date(2027, 3, 15)
RUNS = 5


def frames(n: int = N) -> dict[str, pd.DataFrame]:
    """Ranges as xlwings hands them over: object columns of str, float, datetime, None."""
    start = dt.datetime(2027, 1, 4)
    activities = pd.DataFrame({
        "Activity ID": [f"A{i}" for i in range(n)],
        "Campaign ID": [f"C{i // 10}" for i in range(n)],
        "Activity": [f"Activity {i}" for i in range(n)],
        "GL Account": [610100.0 + (i % 6) * 100 for i in range(n)],
        "Start": [start] * n, "End": [start + dt.timedelta(days=90)] * n}, dtype=object)
    budget = pd.DataFrame({
        "Activity ID": [f"A{i}" for i in range(n)],
        "Month": [dt.datetime(2027, 1 + i % 12, 1) for i in range(n)],
        "Budgeted": [1000.0 + i % 500 for i in range(n)],
        "Planned": [900.0 + i % 400 for i in range(n)]}, dtype=object)
    pos = pd.DataFrame({
        "PO Number": [4500000000.0 + i for i in range(n // 5)],
        "Activity ID": [f"A{i * 5}" for i in range(n // 5)],
        "Vendor": ["Acme"] * (n // 5), "Amount": [700.0] * (n // 5),
        "Issue Date": [start] * (n // 5), "Status": ["Open"] * (n // 5)}, dtype=object)
    invoices = pd.DataFrame({
        "Invoice No": [f"I{i}" for i in range(n // 4)],
        "PO Number": [str(4500000000 + i % (n // 5)) for i in range(n // 4)],
        "Vendor": ["Acme"] * (n // 4), "Amount": [100.0] * (n // 4),
        "Invoice Date": [start + dt.timedelta(days=30)] * (n // 4)}, dtype=object)
    tasks = pd.DataFrame({
        "Task ID": [f"T{i}" for i in range(n)], "Activity ID": [f"A{i}" for i in range(n)],
        "Task": ["Copy"] * n, "Planned Start": [start + dt.timedelta(days=i % 60) for i in range(n)],
        "Planned Finish": [start + dt.timedelta(days=i % 60 + 10) for i in range(n)],
        "% Complete": [(i % 10) / 10 for i in range(n)], "Status": [None] * n}, dtype=object)
    opportunities = pd.DataFrame({
        "Opportunity ID": [f"O{i}" for i in range(n)], "Rep": [f"Rep {i % 40}" for i in range(n)],
        "Stage": ["Proposal", "Closed Won", "Negotiation", "Closed Lost"] * (n // 4),
        "Amount": [25000.0] * n,
        "Close Date": [dt.datetime(2027, 1 + i % 6, 10) for i in range(n)]}, dtype=object)
    quotas = pd.DataFrame({"Rep": [f"Rep {i}" for i in range(40)],
                           "Quarter": ["FY2027-Q1"] * 40, "Quota": [300000.0] * 40}, dtype=object)
    leads = pd.DataFrame({
        "Lead ID": [f"L{i}" for i in range(n)], "Campaign ID": [f"C{i % 50}" for i in range(n)],
        "Inquiry Date": [start] * n, "MQL Date": [start + dt.timedelta(days=3)] * n,
        "SQL Date": [start + dt.timedelta(days=8) if i % 2 else None for i in range(n)]},
        dtype=object)
    assets = pd.DataFrame({
        "Asset ID": [f"AS{i}" for i in range(n)],
        "Asset": [f"{('Cloud', 'Security', 'Data')[i % 3]} launch deck {i}" for i in range(n)],
        "Type": ["Slide Deck", "eBook"] * (n // 2), "Tags": ["launch, cloud"] * n}, dtype=object)
    return {"Activities": activities, "Budget": budget, "PurchaseOrders": pos,
            "Invoices": invoices, "Tasks": tasks, "Opportunities": opportunities,
            "Quotas": quotas, "Leads": leads, "Assets": assets}


def median_ms(function, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        function()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def _engine(module: str) -> Any:
    """An engine module imported when its case runs (a missing one is reported, not fatal)."""
    return importlib.import_module(f"mom_engine.{module}")


def main() -> None:
    from udfs import mom_udfs
    data = frames()
    cases = {
        "MOM_SPEND": (("Activities", "Budget", "PurchaseOrders", "Invoices"),
                      lambda b: _engine("spend").roll_up_spend(b).by("campaign"),
                      lambda: mom_udfs.MOM_SPEND(data["Activities"], data["Budget"],
                                                 data["PurchaseOrders"], data["Invoices"],
                                                 None, None, "campaign", None)),
        "MOM_SCHEDULE": (("Tasks", "Activities"),
                         lambda b: _engine("schedule").roll_up_schedule(b, AS_OF).by("activity"),
                         lambda: mom_udfs.MOM_SCHEDULE(data["Tasks"], data["Activities"],
                                                       "activity", AS_OF, None)),
        "MOM_COVERAGE": (("Opportunities", "Quotas"),
                         lambda b: _engine("pipeline").coverage([b], AS_OF),
                         lambda: mom_udfs.MOM_COVERAGE(data["Opportunities"], data["Quotas"],
                                                       AS_OF, None, None)),
        "MOM_FUNNEL": (("Leads",),
                       lambda b: _engine("funnel").roll_up_funnel(b, AS_OF),
                       lambda: mom_udfs.MOM_FUNNEL(data["Leads"], None, AS_OF, None)),
        "MOM_ASSETS": (("Assets",),
                       lambda b: _engine("assets").search_assets(b.rows("Assets"), "cloud launch"),
                       lambda: mom_udfs.MOM_ASSETS(data["Assets"], "cloud launch", None, None,
                                                   None, None)),
    }
    print(f"{'function':<14} {'rows':>7} {'tables ms':>10} {'engine ms':>10} {'udf ms':>8}")
    for name, (sheets, engine, udf) in cases.items():
        given = {s: data[s] for s in sheets}
        try:
            book = book_from_tables(given)
            tables_ms = median_ms(lambda given=given: book_from_tables(given))
            # A fresh computation each run: the Book memoises its rollups (Book.memo), which
            # would otherwise time a dictionary lookup from the second run on.
            engine_ms = median_ms(lambda book=book, engine=engine: (book._memo.clear(), engine(book)))
            udf_ms = median_ms(udf)
        except ImportError as error:
            print(f"{name:<14} not available: {error}")
            continue
        rows = max(len(data[s]) for s in sheets)
        print(f"{name:<14} {rows:>7} {tables_ms:>10.1f} {engine_ms:>10.1f} {udf_ms:>8.1f}")


if __name__ == "__main__":
    main()
