"""`mom consolidate --as-of D`: each team's spend as it stood on D, the figures `mom spend
--as-of D` shows for that book, and each team's year-end forecast seen from D (SPEC §5, §11)."""
from __future__ import annotations

import json

from . import test_spend_as_of as dated

TOTALS = ("budgeted", "committed", "spent", "remaining")


def second_book(make_book):
    """The Brand team: P1 and P2 only (renumbered), so its figures differ from the first's."""
    pos = [{**po, "PO Number": "B" + po["PO Number"]} for po in dated.PURCHASE_ORDERS[:2]]
    invoices = [{**i, "Invoice No": "B" + i["Invoice No"], "PO Number": "B" + i["PO Number"]}
                for i in dated.INVOICES if i["PO Number"] in ("P1", "P2")]
    return make_book("brand.xlsx", plan={**dated.PLAN, "Plan ID": "P-2", "Team": "Brand"},
                     Activities=dated.ACTIVITIES, Budget=dated.BUDGET,
                     PurchaseOrders=pos, Invoices=invoices)


def spend_total(run_mom, book, day):
    done = run_mom("spend", book, "--by", "plan", "--as-of", day, "--json")
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)["total"]


def test_consolidated_spend_as_of_is_the_sum_of_each_books_spend_as_of(make_book, run_mom,
                                                                        tmp_path):
    books = [dated.make(make_book), second_book(make_book)]
    expected = {  # (budgeted, committed, spent, remaining) in cents, worked out per book:
        # 2026-11-30: team A1 600000 / 50000 / 150000, A2 500000 / 170000 / 80000; Brand the
        # same (P3, I4 and the realignment are later); 2027-01-31: team as today — A1 700000 /
        # 0 / 220000, A2 400000 / 10000 / 80000; Brand P1 2000 − 2200 invoiced (0 committed),
        # P2 closed on 2026-12-15.
        "2026-11-30": (2_200_000, 440_000, 460_000, 1_300_000),
        "2027-01-31": (2_200_000, 10_000, 600_000, 1_590_000),
    }
    for day, cents in expected.items():
        done = run_mom("consolidate", *books, "-o", tmp_path / f"c-{day}.xlsx", "--as-of", day,
                       "--json")
        assert done.returncode in (0, 1), done.stderr
        document = json.loads(done.stdout)
        totals = document["totals"]
        assert tuple(round(totals[f] * 100) for f in TOTALS) == cents
        per_book = [spend_total(run_mom, book, day) for book in books]
        assert [round(sum(t[f] for t in per_book) * 100) for f in TOTALS] == list(cents)
        teams = {t["team"]: t for t in document["teams"]}
        for team, total in zip(("Demand Gen", "Brand"), per_book, strict=True):
            assert {f: teams[team][f] for f in (*TOTALS, "projected", "forecast")} == {
                f: total[f] for f in (*TOTALS, "projected", "forecast")}
