"""How long coverage, the lead funnel and the scorecard take on large tables.

Run: `python benchmarks/bench_pipeline.py [ROWS]` (default 200,000 opportunities and 200,000
leads over 500 reps and 200 campaigns). Built in memory, so this times our code, not the reader.
"""
from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np

from mom_engine.analyze import Context
from mom_engine.domains.funnel import check_funnel, roll_up_funnel
from mom_engine.model import Book, PlanSettings
from mom_engine.domains.pipeline import check_pipeline, coverage
from mom_engine.domains.scorecard import score_campaigns
from mom_engine.sheets import OPPORTUNITY_STAGES

from synthetic import table  # benchmarks/synthetic.py, beside this script


def large_book(rows: int, seed: int = 1) -> Book:
    rng = np.random.default_rng(seed)
    reps = np.array([f"Rep {n}" for n in range(500)], dtype=object)
    campaigns = np.array([f"C{n}" for n in range(200)], dtype=object)
    close = np.datetime64("2026-07-01") + rng.integers(0, 365, rows)
    probability = np.where(rng.random(rows) < 0.3, rng.random(rows), np.nan)
    opportunities = {
        "Opportunity ID": np.array([f"O{n}" for n in range(rows)], dtype=object),
        "Rep": reps[rng.integers(0, len(reps), rows)],
        "Campaign ID": campaigns[rng.integers(0, len(campaigns), rows)],
        "Stage": rng.choice(np.array(list(OPPORTUNITY_STAGES), dtype=object), rows),
        "Amount": rng.integers(0, 10_000_000, rows),
        "Close Date": close.astype("datetime64[s]"),
        "Probability": probability,
    }
    quotas = {"Rep": reps, "Quarter": np.full(len(reps), "FY2027-Q1", dtype=object),
              "Quota": rng.integers(1, 100_000_000, len(reps))}
    inquiry = np.datetime64("2027-01-01") + rng.integers(0, 60, rows)
    leads = {"Lead ID": np.array([f"L{n}" for n in range(rows)], dtype=object),
             "Campaign ID": campaigns[rng.integers(0, len(campaigns), rows)],
             "Inquiry Date": inquiry.astype("datetime64[s]"),
             "Status": rng.choice(np.array(["Open", "Recycled", "Converted"], dtype=object), rows),
             "Opted Out": rng.random(rows) < 0.02}
    day = inquiry
    for stage in ("MQL", "SQL", "SAL", "Opportunity"):
        day = day + rng.integers(0, 15, rows)
        leads[f"{stage} Date"] = np.where(rng.random(rows) < 0.7, day,
                                          np.datetime64("NaT")).astype("datetime64[s]")
    campaign_rows = {"Campaign ID": campaigns, "Campaign": campaigns,
                     "Channel": np.where(np.arange(200) % 5 == 0, "Email", "Events").astype(object)}
    return Book(Path("large.xlsx"), "large.xlsx",
                plan=PlanSettings(plan_id="P-1", status="Approved"),
                tables={"Opportunities": table("Opportunities", opportunities, rows),
                        "Quotas": table("Quotas", quotas, len(reps)),
                        "Leads": table("Leads", leads, rows),
                        "Campaigns": table("Campaigns", campaign_rows, len(campaigns))})


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    book = large_book(rows)
    as_of = dt.date(2027, 2, 15)
    context = Context(as_of=as_of)
    for label, step in (("coverage", lambda: coverage([book], as_of)),
                        ("check_pipeline", lambda: check_pipeline(book, context)),
                        ("roll_up_funnel", lambda: roll_up_funnel(book, as_of)),
                        ("check_funnel", lambda: check_funnel(book, context)),
                        ("score_campaigns", lambda: score_campaigns(book))):
        book._memo.clear()        # time the work, not the per-book memo of an earlier step
        began = time.perf_counter()
        result = step()
        size = len(result) if isinstance(result, list) else ""
        print(f"{label:<16} {time.perf_counter() - began:7.3f} s  {size}")


if __name__ == "__main__":
    main()
