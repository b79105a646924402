"""UDF timings over 10,000 rows, each call as Excel makes it (SPEC §15: < 50 ms).

    python benchmarks/udfs.py            # prints a table and each goal; no assertions

Every table argument is a 2-D block of cell values as COM hands it to xlwings (str, float, COM
dates, None), and each call goes through xlwings' own conversion both ways
(`tests/xlwings_windows.call_udf`: the real `xlwings.udfs` decorators and the real Excel
engine's value cleaning), so the figure is the whole call. Figures per function, medians:
- convert: xlwings' conversion of the arguments alone, as the UDFs declare them (raw: COM's
  values untouched), and, for comparison, through xlwings' DataFrame converter (how the UDFs
  read at first);
- tables:  raw rows → Book (`udfs.mom_udfs._book`: `frames.book_from_tables` with xlwings'
  cleaning of the odd cells — header matching, typed columns, checks);
- engine:  the rollup on that Book, computed afresh;
- udf:     the whole call, wall and CPU time (goal < 50 ms; on a shared machine read CPU).
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
    return timed_ms(function, runs)[0]


def timed_ms(function, runs: int = RUNS) -> tuple[float, float]:
    """Median wall and CPU milliseconds of `runs` calls."""
    wall, cpu = [], []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def _engine(module: str) -> Any:
    """An engine module imported when its case runs (a missing one is reported, not fatal)."""
    return importlib.import_module(f"mom_engine.domains.{module}")


def excel_values(frame: pd.DataFrame) -> tuple[tuple[Any, ...], ...]:
    """A table as COM hands a range to xlwings: header row first, dates as COM time objects."""
    from tests.xlwings_windows import _TimeType

    def cell(value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return _TimeType(value.year, value.month, value.day, tzinfo=dt.UTC)
        return value
    rows = frame.astype(object).where(frame.notna(), None).to_numpy().tolist()
    return (tuple(frame.columns), *(tuple(cell(v) for v in row) for row in rows))


def main() -> None:
    from tests import xlwings_windows
    from tests.xlwings_windows import MISSING, call_udf
    xlwings_windows.install()
    from xlwings import conversion

    from udfs import mom_udfs
    data = frames()
    raw = {name: excel_values(frame) for name, frame in data.items()}
    as_of = AS_OF.isoformat()
    cases = {
        "MOM_SPEND": (("Activities", "Budget", "PurchaseOrders", "Invoices"),
                      lambda b: _engine("spend").roll_up_spend(b).by("campaign"),
                      lambda: call_udf(mom_udfs.MOM_SPEND, raw["Activities"], raw["Budget"],
                                       raw["PurchaseOrders"], raw["Invoices"], MISSING, MISSING,
                                       "campaign", MISSING)),
        "MOM_SCHEDULE": (("Tasks", "Activities"),
                         lambda b: _engine("schedule").roll_up_schedule(b, AS_OF).by("activity"),
                         lambda: call_udf(mom_udfs.MOM_SCHEDULE, raw["Tasks"], raw["Activities"],
                                          "activity", as_of, MISSING)),
        "MOM_COVERAGE": (("Opportunities", "Quotas"),
                         lambda b: _engine("pipeline").coverage([b], AS_OF),
                         lambda: call_udf(mom_udfs.MOM_COVERAGE, raw["Opportunities"],
                                          raw["Quotas"], as_of, MISSING, MISSING)),
        "MOM_FUNNEL": (("Leads",),
                       lambda b: _engine("funnel").roll_up_funnel(b, AS_OF),
                       lambda: call_udf(mom_udfs.MOM_FUNNEL, raw["Leads"], MISSING, as_of,
                                        MISSING)),
        "MOM_ASSETS": (("Assets",),
                       lambda b: _engine("assets").search_assets(b.rows("Assets"), "cloud launch"),
                       lambda: call_udf(mom_udfs.MOM_ASSETS, raw["Assets"], "cloud launch",
                                        MISSING, MISSING, MISSING, MISSING)),
    }
    options = mom_udfs.TABLE
    as_frame = {"convert": pd.DataFrame, "index": False, "header": True, "empty": None,
                "err_to_str": True}
    print(f"{'function':<14} {'rows':>6} {'convert ms':>10} {'(as DataFrame)':>14} "
          f"{'tables ms':>10} {'engine ms':>10} {'udf ms':>8} {'udf CPU ms':>10}")
    goals = []
    for name, (sheets, engine, udf) in cases.items():
        cells = [raw[s] for s in sheets]
        try:
            given = {s: conversion.read(None, raw[s], options) for s in sheets}
            convert_ms = median_ms(lambda cells=cells: [conversion.read(None, c, options)
                                                        for c in cells])
            frame_ms = median_ms(lambda cells=cells: [conversion.read(None, c, as_frame)
                                                      for c in cells])
            book = mom_udfs._book(given)
            tables_ms = median_ms(lambda given=given: mom_udfs._book(given))
            # A fresh computation each run: the Book memoises its rollups (Book.memo), which
            # would otherwise time a dictionary lookup from the second run on.
            engine_ms = median_ms(lambda book=book, engine=engine: (book._memo.clear(),
                                                                    engine(book)))
            answer = udf()
            if str(answer[0][0]).startswith("MOM:"):
                raise RuntimeError(f"{name}: {answer[0][0]}")
            udf_ms, udf_cpu_ms = timed_ms(udf)
        except ImportError as error:
            print(f"{name:<14} not available: {error}")
            continue
        rows = max(len(data[s]) for s in sheets)
        print(f"{name:<14} {rows:>6} {convert_ms:>10.1f} {frame_ms:>14.1f} {tables_ms:>10.1f} "
              f"{engine_ms:>10.1f} {udf_ms:>8.1f} {udf_cpu_ms:>10.1f}")
        goals.append(f"GOAL {name} whole call over {rows:,} rows: {udf_ms:.1f} ms wall, "
                     f"{udf_cpu_ms:.1f} ms CPU (goal < 50) — "
                     + ("met" if udf_cpu_ms < 50 else "MISSED"))
    print("\n".join(goals))


if __name__ == "__main__":
    main()
