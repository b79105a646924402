"""Properties of the lead funnel (SPEC §7) over random leads, in memory."""
from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mom_engine.analyze import Context
from mom_engine.domains.funnel import check_funnel, roll_up_funnel
from mom_engine.read import read_book

from .builders import D, team_book

AS_OF = D(2027, 3, 15)
STAGES = ("MQL", "SQL", "SAL", "Opportunity")
CAMPAIGNS = [{"Campaign ID": "C1", "Campaign": "Launch", "Channel": "Events"},
             {"Campaign ID": "C2", "Campaign": "Newsletter", "Channel": "Email"}]

day = st.one_of(st.none(), st.dates(D(2027, 1, 1), D(2027, 4, 30)))
lead = st.fixed_dictionaries({
    "Campaign ID": st.sampled_from(("C1", "c1", "C2", None)),
    "dates": st.lists(day, min_size=5, max_size=5),          # Inquiry + four stages
    "Status": st.sampled_from(("Open", "Recycled", "Disqualified", "Converted")),
    "Opted Out": st.booleans(),
})


@pytest.fixture(scope="module")
def base_book(tmp_path_factory):
    path = tmp_path_factory.mktemp("base") / "base.xlsx"
    team_book(path, Campaigns=CAMPAIGNS, Leads=[{"Lead ID": "L0", "Campaign ID": "C1"}])
    return read_book(path)


def with_leads(base, leads):
    book = copy.deepcopy(base)
    table = book.tables["Leads"]
    count = len(leads)

    def dates(i):
        return np.array([np.datetime64(lead["dates"][i]) if lead["dates"][i] else
                         np.datetime64("NaT") for lead in leads], dtype="datetime64[s]")
    frame = {"Lead ID": pd.array([f"L{i}" for i in range(count)], dtype="str"),
             "Campaign ID": pd.array([lead["Campaign ID"] for lead in leads], dtype="str"),
             "Account": pd.Series([None] * count, dtype=object),
             "Owner": pd.Series([None] * count, dtype=object),
             "Inquiry Date": dates(0)}
    for i, stage in enumerate(STAGES, start=1):
        frame[f"{stage} Date"] = dates(i)
    frame.update({"Status": pd.array([lead["Status"] for lead in leads], dtype="str"),
                  "Opted Out": np.array([lead["Opted Out"] for lead in leads], dtype=bool),
                  "Recycle Reason": pd.Series([None] * count, dtype=object),
                  "_row": np.arange(2, count + 2, dtype=np.int64),
                  "_rejected": np.zeros(count, dtype=bool)})
    table.frame = pd.DataFrame(frame)
    return book


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(lead, max_size=30))
def test_funnel_adds_up_and_never_widens(base_book, leads):
    book = with_leads(base_book, leads)
    report = roll_up_funnel(book, AS_OF)
    campaigns, plan = report.campaigns, report.plan
    # every lead is in exactly one campaign group ("c1" is C1)
    per_campaign = campaigns.drop_duplicates("campaign_id")
    assert int(per_campaign["leads"].sum()) == len(leads)
    assert set(campaigns["campaign_id"]) <= {"C1", "C2", ""}
    # the plan is the sum of its campaigns, stage by stage
    sums = campaigns.groupby("stage", sort=False)["reached"].sum()
    assert plan["reached"].tolist() == [int(sums.get(s, 0)) for s in STAGES]
    # the funnel never widens, conversions are fractions, medians are not negative
    for _, rows in campaigns.groupby("campaign_id"):
        reached = rows["reached"].tolist()
        assert reached == sorted(reached, reverse=True) and reached[0] <= rows["leads"].iat[0]
    conversion = pd.concat([campaigns, plan])["conversion"].dropna()
    assert ((conversion >= 0) & (conversion <= 1)).all()
    assert (pd.concat([campaigns, plan])["median_days"].dropna() >= 0).all()
    # the check registered for analyze_book finds the same as the roll-up
    findings = check_funnel(book, Context(as_of=AS_OF))
    assert [(f.cell, f.code) for f in findings] == [(f.cell, f.code) for f in report.findings]
    # consent: exactly the opted-out leads on the Email campaign (C2)
    consent = sum(lead["Opted Out"] and lead["Campaign ID"] == "C2" for lead in leads)
    assert sum(f.code == "consent-violation" for f in findings) == consent
