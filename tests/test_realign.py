"""What-if realignment (SPEC §5): before/after figures and only the findings it creates."""
from __future__ import annotations

import json

import pytest

from mom_engine.analyze import analyze_book
from mom_engine.cli import main
from mom_engine.domains.spend import realign

from .builders import D
from .conftest import located

SHEETS = dict(
    Campaigns=[{"Campaign ID": "C1", "Campaign": "Launch"},
               {"Campaign ID": "C2", "Campaign": "Nurture"}],
    Activities=[{"Activity ID": "A1", "Campaign ID": "C1", "Activity": "Booth", "GL Account": "610200"},
                {"Activity ID": "A2", "Campaign ID": "C2", "Activity": "Ads", "GL Account": "610100"}],
    Budget=[{"Activity ID": "A1", "Month": D(2027, 1, 1), "Budgeted": 1000, "Planned": 800},
            {"Activity ID": "A2", "Month": D(2027, 1, 1), "Budgeted": 500, "Planned": 500}],
    # A1: 800 committed (open PO, nothing invoiced); 200 free
    PurchaseOrders=[{"PO Number": "PO-1", "Activity ID": "A1", "Vendor": "Acme", "Amount": 800,
                     "Issue Date": D(2027, 1, 5)}],
)


@pytest.fixture
def book(make_book):
    analysis = analyze_book(make_book(**SHEETS))
    assert located(analysis.findings) == []
    return analysis.book


def figures(frame):
    return {(r["level"], r["key"]): (r["budgeted"], r["committed"], r["remaining"])
            for r in frame.to_dict("records")}


def test_transfer_that_leaves_exactly_zero_creates_no_finding(book):
    impact = realign(book, "a1", "A2", 20000, D(2027, 2, 1))   # IDs match ignoring case
    assert (impact.from_id, impact.to_id, impact.amount) == ("A1", "A2", 20000)
    assert figures(impact.before) == {
        ("activity", "A1"): (100000, 80000, 20000), ("activity", "A2"): (50000, 0, 50000),
        ("campaign", "C1"): (100000, 80000, 20000), ("campaign", "C2"): (50000, 0, 50000),
        ("plan", "P-1"): (150000, 80000, 70000)}
    assert figures(impact.after) == {
        ("activity", "A1"): (80000, 80000, 0), ("activity", "A2"): (70000, 0, 70000),
        ("campaign", "C1"): (80000, 80000, 0), ("campaign", "C2"): (70000, 0, 70000),
        ("plan", "P-1"): (150000, 80000, 70000)}
    assert impact.new_findings == []
    # the workbook in memory is unchanged
    assert book.rows("Realignments").empty


def test_transfer_that_uncovers_committed_spend(book):
    impact = realign(book, "A1", "A2", 30000, D(2027, 2, 1))
    # A1: 1000 − 300 = 700 < 800 committed; campaign C1 likewise; plan total unchanged.
    # The proposed transfer has no cell yet; the activity/campaign findings point at their IDs.
    assert sorted(located(impact.new_findings)) == sorted([
        ("Realignments", None, "realign-below-committed"),
        ("Activities", "A2", "over-budget"),
        ("Campaigns", "A2", "over-budget"),
        ("Activities", "A2", "overplanned"),       # planned 800 > 700
    ])
    assert figures(impact.after)[("activity", "A1")] == (70000, 80000, -10000)


def test_only_new_findings_are_reported(make_book):
    # A2 is already over budget (PO 600 against 500): moving more out of A1 must not repeat it
    sheets = {**SHEETS, "PurchaseOrders": SHEETS["PurchaseOrders"] + [
        {"PO Number": "PO-2", "Activity ID": "A2", "Vendor": "Acme", "Amount": 600,
         "Issue Date": D(2027, 1, 5)}]}
    book = analyze_book(make_book(**sheets)).book
    impact = realign(book, "A1", "A2", 5000, D(2027, 2, 1))   # A2 still over (600 > 550)
    assert impact.new_findings == []


@pytest.mark.parametrize("args, message", [
    (("A1", "A9", 100), "A9"), (("A1", "A1", 100), "same"), (("A1", "A2", 0), "greater than 0"),
])
def test_impossible_proposals(book, args, message):
    with pytest.raises(ValueError, match=message):
        realign(book, *args, D(2027, 2, 1))


def mom(capsys, *args):
    """The CLI in-process: (exit status, stdout, stderr)."""
    status = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_realign(make_book, run_mom, capsys):
    path = make_book(**SHEETS)
    ok = run_mom("realign", path, "--from", "A1", "--to", "A2", "--amount", "200",
                 "--date", "2027-02-01", "--json")
    assert ok.returncode == 0, ok.stderr
    document = json.loads(ok.stdout)
    assert {"plan_id", "currency", "from", "to", "amount", "date", "before", "after",
            "findings"} <= set(document)
    assert document["amount"] == 200.0 and document["findings"] == []
    assert document["after"][0] == {"level": "activity", "key": "A1", "budgeted": 800.0,
                                    "planned": 800.0, "committed": 800.0, "spent": 0.0,
                                    "remaining": 0.0, "unplanned": 0.0}
    status, out, _ = mom(capsys, "realign", path, "--from", "A1", "--to", "A2", "--amount",
                         "1,000.00", "--json")
    assert status == 1
    assert "realign-below-committed" in {f["code"] for f in json.loads(out)["findings"]}
    status, out, _ = mom(capsys, "realign", path, "--from", "A1", "--to", "A2", "--amount", "200")
    assert status == 0 and "A1" in out
    status, _, err = mom(capsys, "realign", path, "--from", "A1", "--to", "NOPE", "--amount", "10")
    assert status == 2 and "NOPE" in err
    with pytest.raises(SystemExit) as bad_amount:   # argparse: exit status 2
        main(["realign", str(path), "--from", "A1", "--to", "A2", "--amount", "ten"])
    assert bad_amount.value.code == 2
