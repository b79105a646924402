"""Properties of coverage (SPEC §7) over random opportunities and quotas, in memory.

Books are built by putting generated rows into the tables of a real workbook read once from
disk, so the frames have exactly the reader's types.
"""
from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mom_engine.domains.pipeline import coverage
from mom_engine.read import read_book
from mom_engine.sheets import OPPORTUNITY_STAGES

from .builders import D

AS_OF = D(2027, 2, 15)
REPS = ("Ann", "ann ", "ANN", "Bob", "Cara")

opportunity = st.fixed_dictionaries({
    "Rep": st.sampled_from(REPS),
    "Stage": st.sampled_from(tuple(OPPORTUNITY_STAGES)),
    "Amount": st.integers(0, 10_000_000),                       # cents
    "Close Date": st.dates(D(2026, 1, 1), D(2027, 6, 30)),
    "Probability": st.one_of(st.none(), st.floats(0, 1)),
})
quota = st.fixed_dictionaries({"Rep": st.sampled_from(("Ann", "Bob", "Dan")),
                               "Quota": st.integers(0, 20_000_000)})


@pytest.fixture(scope="module")
def base_book(tmp_path_factory):
    path = tmp_path_factory.mktemp("base") / "base.xlsx"
    from .builders import team_book
    team_book(path, Opportunities=[{"Opportunity ID": "O1", "Rep": "Ann", "Stage": "Proposal",
                                    "Amount": 1, "Close Date": AS_OF, "Probability": 0.5}],
              Quotas=[{"Rep": "Ann", "Quarter": "FY2027-Q1", "Quota": 1}])
    return read_book(path)


def with_rows(base, name, opportunities, quotas):
    book = copy.deepcopy(base)
    book.name = name
    opps = book.tables["Opportunities"]
    opps.frame = pd.DataFrame({
        "Opportunity ID": pd.array([f"O{i}" for i in range(len(opportunities))], dtype="str"),
        "Rep": pd.array([o["Rep"].strip() for o in opportunities], dtype="str"),
        "Account": pd.Series([None] * len(opportunities), dtype=object),
        "Campaign ID": pd.array([None] * len(opportunities), dtype="str"),
        "Stage": pd.array([o["Stage"] for o in opportunities], dtype="str"),
        "Amount": np.array([o["Amount"] for o in opportunities], dtype=np.int64),
        "Created": np.array([np.datetime64("NaT")] * len(opportunities), dtype="datetime64[s]"),
        "Close Date": np.array([np.datetime64(o["Close Date"]) for o in opportunities],
                               dtype="datetime64[s]"),
        "Probability": np.array([np.nan if o["Probability"] is None else o["Probability"]
                                 for o in opportunities], dtype=float),
        "_row": np.arange(2, len(opportunities) + 2, dtype=np.int64),
        "_rejected": np.zeros(len(opportunities), dtype=bool),
    })
    table = book.tables["Quotas"]
    unique = list({q["Rep"]: q for q in quotas}.values())
    table.frame = pd.DataFrame({
        "Rep": pd.array([q["Rep"] for q in unique], dtype="str"),
        "Quarter": pd.array(["FY2027-Q1"] * len(unique), dtype="str"),
        "Quota": np.array([q["Quota"] for q in unique], dtype=np.int64),
        "_row": np.arange(2, len(unique) + 2, dtype=np.int64),
        "_rejected": np.zeros(len(unique), dtype=bool),
    })
    return book


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(opportunity, max_size=25), st.lists(quota, max_size=3),
       st.floats(0.5, 5), st.data())
def test_coverage_invariants_and_splitting_books(base_book, opportunities, quotas, target, data):
    whole = coverage([with_rows(base_book, "one.xlsx", opportunities, quotas)], AS_OF, target)
    reps = whole.reps
    # the team adds up its reps, exactly, in cents
    assert whole.team["open"] == int(reps["open"].sum())
    assert whole.team["reps_below_target"] == int(reps["below_target"].sum())
    assert whole.team["reps_below_target"] == sum(
        f.code == "coverage-below-target" for f in whole.findings)
    # a rep is one rep whatever the case or spaces of the name
    assert reps["rep"].str.casefold().is_unique
    assert (reps["weighted"] <= reps["open"]).all() and (reps["weighted"] >= 0).all()
    quota_known = reps["quota"].notna()
    assert (reps.loc[quota_known, "gap"] >= 0).all()
    assert not reps.loc[~quota_known, "below_target"].any()
    assert (reps["quota_met"] == (quota_known & (reps["remaining_quota"] <= 0).fillna(False))).all()
    below = reps["below_target"].to_numpy(dtype=bool)
    assert (reps["coverage"].to_numpy()[below] < target).all()

    # splitting the deals between two books (the quotas in both) changes nothing
    cut = data.draw(st.integers(0, len(opportunities)))
    split = coverage([with_rows(base_book, "a.xlsx", opportunities[:cut], quotas),
                      with_rows(base_book, "b.xlsx", opportunities[cut:], quotas)], AS_OF, target)
    def key(frame):
        return frame.assign(rep=frame["rep"].str.casefold()).sort_values("rep").reset_index(drop=True)

    pd.testing.assert_frame_equal(key(split.reps).drop(columns="rep"),
                                  key(reps).drop(columns="rep"))
    assert split.team == whole.team
    assert split.win_rate == whole.win_rate
