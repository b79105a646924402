"""Target accounts (SPEC §3, §7): per account for the quarter, across teams; golden figures
by hand in the comments. FY2027-Q1 = 2027-01-01 … 2027-03-31."""
from __future__ import annotations

import json

from mom_engine.domains.accounts import target_accounts
from mom_engine.analyze import Context, analyze_book
from mom_engine.read import read_book

from .builders import D
from .conftest import located

AS_OF = D(2027, 2, 15)


def lead(lead_id, account, inquiry, mql):
    return {"Lead ID": lead_id, "Account": account, "Inquiry Date": inquiry, "MQL Date": mql}


def opp(oid, account, stage, amount, close):
    return {"Opportunity ID": oid, "Rep": "Ann Lee", "Account": account, "Stage": stage,
            "Amount": amount, "Close Date": close}


def book_a(make_book):
    return make_book("a.xlsx", plan={"Lead Stages": "MQL"}, **{
        "Target Accounts": [{"Account": "Acme Corp", "Tier": "1", "Rep": "Ann Lee"},   # row 2
                            {"Account": "Globex", "Tier": "2", "Rep": "Bob Ray"},      # row 3
                            {"Account": "Hooli", "Tier": "1", "Rep": "Ann Lee"}],      # row 4
        "Leads": [lead("L1", "acme  corp", D(2027, 1, 10), D(2027, 1, 12)),  # lead + MQL
                  lead("L2", "Acme Corp", D(2026, 12, 20), D(2027, 1, 5)),   # MQL only
                  lead("L3", "Globex", None, D(2027, 2, 1)),                 # lead (by MQL date)
                  lead("L4", None, D(2027, 1, 3), None)],                    # no account
        "Opportunities": [opp("O1", "Acme Corp", "Proposal", 50000, D(2027, 3, 1)),
                          opp("O2", "ACME CORP", "Closed Won", 20000, D(2027, 1, 20)),
                          opp("O3", "Hooli", "Closed Won", 10000, D(2027, 2, 1))],
    })


def book_b(make_book):
    return make_book("b.xlsx", plan={"Plan ID": "P-2", "Lead Stages": "MQL"}, **{
        "Target Accounts": [{"Account": "Initech", "Tier": "3", "Rep": "Cara"},        # row 2
                            {"Account": "hooli"}],                                     # row 3
        "Opportunities": [opp("O9", "Initech", "Negotiation", 30000, D(2027, 4, 15)),  # next Q
                          opp("O10", "Hooli", "Qualification", 5000, D(2027, 3, 20))],
    })


def test_target_accounts_across_teams(make_book):
    report = target_accounts([read_book(book_a(make_book)), read_book(book_b(make_book))], AS_OF)
    rows = [tuple(r.values()) for r in report.accounts.to_dict("records")]
    assert report.quarter == "FY2027-Q1"
    assert rows == [("Acme Corp", "1", "Ann Lee", 1, 2, 5000000, 2000000, True),
                    ("Globex", "2", "Bob Ray", 1, 1, 0, 0, True),
                    ("Hooli", "1", "Ann Lee", 0, 0, 500000, 1000000, True),   # open in b.xlsx
                    ("Initech", "3", "Cara", 0, 0, 0, 0, False)]
    assert [(f.book, f.sheet, f.cell, f.code) for f in report.findings] == [
        ("b.xlsx", "Target Accounts", "A2", "target-account-uncovered")]


def test_one_book_alone_reports_its_uncovered_account(make_book):
    analysis = analyze_book(book_a(make_book), context=Context(as_of=AS_OF))
    assert located(analysis.findings, "target-account-uncovered") == [
        ("Target Accounts", "A4", "target-account-uncovered")]


def test_cli_accounts_json(make_book, run_mom):
    done = run_mom("accounts", book_a(make_book), book_b(make_book), "--as-of", "2027-02-15",
                   "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["accounts"][0] == {"account": "Acme Corp", "tier": "1", "rep": "Ann Lee",
                                       "leads": 1, "mqls": 2, "open": 50000.0,
                                       "won": 20000.0, "covered": True}
    # across the two books only Initech is uncovered (Hooli has open pipeline in b.xlsx)
    assert [(f["book"], f["cell"], f["code"]) for f in document["findings"]
            if f["code"] == "target-account-uncovered"] == [
        ("b.xlsx", "A2", "target-account-uncovered")]


def test_consolidated_target_accounts_are_those_of_mom_accounts(make_book, tmp_path):
    import openpyxl

    from mom_engine.consolidate import Options, consolidate
    from mom_engine.report.consolidated import write_consolidated
    books = [book_a(make_book), book_b(make_book)]
    report = consolidate(books, options=Options(as_of=AS_OF), workers=1)
    alone = target_accounts([read_book(b) for b in books], AS_OF)
    columns = ["account", "tier", "rep", "leads", "mqls", "open", "won", "covered"]
    assert report.tables["accounts"][columns].to_dict("records") == \
        alone.accounts.to_dict("records")
    assert [tuple(r.values()) for r in report.tables["accounts"].to_dict("records")] == [
        ("Acme Corp", "1", "Ann Lee", 1, 2, 5000000, 2000000, True),
        ("Globex", "2", "Bob Ray", 1, 1, 0, 0, True),
        ("Hooli", "1", "Ann Lee", 0, 0, 500000, 1000000, True),
        ("Initech", "3", "Cara", 0, 0, 0, 0, False)]
    # a.xlsx alone would flag Hooli (A4); across the teams b.xlsx's open deal covers it
    assert [(f.book, f.sheet, f.cell, f.code) for f in report.findings
            if f.code == "target-account-uncovered"] == [
        ("b.xlsx", "Target Accounts", "A2", "target-account-uncovered")]
    assert dict(zip(report.teams["book"], report.teams["warnings"], strict=True))["a.xlsx"] == \
        sum(f.book == "a.xlsx" and f.severity.value == "warning" for f in report.findings)
    sheet = openpyxl.load_workbook(write_consolidated(tmp_path / "c.xlsx", report))[
        "Target Accounts"]
    assert [[c.value for c in row] for row in sheet.iter_rows(max_row=2)] == [
        ["Account", "Tier", "Rep", "Leads", "MQLs", "Open pipeline", "Won", "Covered"],
        ["Acme Corp", "1", "Ann Lee", 1, 2, 50000, 20000, True]]


def test_pipeline_stages_decide_an_accounts_open_pipeline(make_book):
    # Plan Pipeline Stages = Proposal: Hooli's Qualification deal (5,000) is not pipeline, so
    # Hooli (no lead, no open deal) is uncovered; Acme's Proposal deal still counts
    path = make_book("b.xlsx", plan={"Pipeline Stages": "Proposal", "Lead Stages": "MQL"}, **{
        "Target Accounts": [{"Account": "Acme Corp"}, {"Account": "Hooli"}],
        "Opportunities": [opp("O1", "Acme Corp", "Proposal", 50000, D(2027, 3, 1)),
                          opp("O2", "Hooli", "Qualification", 5000, D(2027, 3, 20))]})
    report = target_accounts([read_book(path)], AS_OF)
    assert [(r["account"], r["open"], r["covered"])
            for r in report.accounts.to_dict("records")] == [
        ("Acme Corp", 5000000, True), ("Hooli", 0, False)]
    assert [(f.sheet, f.cell, f.code) for f in report.findings] == [
        ("Target Accounts", "A3", "target-account-uncovered")]
