"""`mom consolidate --crm FILE --leads FILE --map FILE`: each opportunity and lead of the
exports goes to a team as `mom pipeline` / `mom funnel` give it to one of several workbooks
(the first whose Quotas name the owner, the first that knows the campaign, else the first),
and the consolidated coverage and funnel are those of the same books (SPEC §7, §11)."""
from __future__ import annotations

import json

from mom_engine.analyze import Context, analyze_books
from mom_engine.consolidate import Options, consolidate
from mom_engine.exports import ExportFiles
from mom_engine.domains.funnel import roll_up_funnel
from mom_engine.domains.pipeline import coverage

from . import test_exports as crm
from . import test_lead_exports as leads

AS_OF = crm.AS_OF
CAMPAIGN_IDS = ["C-101", "c-101", "C-101", "C-102", "C-102"]


def two_teams(make_book):
    """Ann's team (Ann's quota, campaign C-101) and Bob's (Bob's quota, campaign C-102)."""
    ann = make_book("ann.xlsx", plan=leads.PLAN, Campaigns=leads.CAMPAIGNS[:1],
                    Activities=crm.ACTIVITIES, Budget=crm.BUDGET, Quotas=crm.QUOTAS[:1],
                    Mappings=crm.MAPPINGS)
    bob = make_book("bob.xlsx", plan={**leads.PLAN, "Plan ID": "P-2", "Team": "Field"},
                    Campaigns=leads.CAMPAIGNS[1:],
                    Activities=[{**crm.ACTIVITIES[0], "Campaign ID": "C-102"}],
                    Budget=crm.BUDGET, Quotas=crm.QUOTAS[1:], Mappings=crm.MAPPINGS)
    return [ann, bob]


def located_in(findings, *codes):
    return sorted((f.book, f.sheet, f.cell, f.code) for f in findings if f.code in codes)


def test_exports_shared_out_among_the_teams(make_book, tmp_path):
    books = two_teams(make_book)
    files = ExportFiles(crm=crm.salesforce_csv(tmp_path / "salesforce.csv"),
                        leads=leads.hubspot_csv(tmp_path / "contacts.csv", CAMPAIGN_IDS))
    report = consolidate(books, options=Options(as_of=AS_OF), workers=2, exports=files)
    alone = analyze_books([(b, b.name) for b in books], Context(as_of=AS_OF, exports=files))
    reps = {r["rep"]: r for r in report.tables["coverage"].to_dict("records")}
    # Ann (ann.xlsx): won 20,000.00, open 40,000 + 12,500.50, weighted 29,375.38; Bob
    # (bob.xlsx): open 10,000 at the mapped 0.2 — as in one workbook holding both quotas
    assert {rep: (r["teams"], r["quota"], r["won"], r["open"], r["weighted"])
            for rep, r in reps.items()} == {
        "Ann Lee": (1, 10000000, 2000000, 5250050, 2937538),
        "Bob Ray": (1, 2000000, 0, 1000000, 200000)}
    single = {r["rep"]: r for r in coverage([a.book for a in alone], AS_OF).reps.to_dict(
        "records")}
    assert {rep: (r["won"], r["open"], r["weighted"]) for rep, r in single.items()} == {
        rep: (r["won"], r["open"], r["weighted"]) for rep, r in reps.items()}
    # leads: 101–103 on C-101 (Ann's team), 104–105 on C-102 (Bob's)
    funnel = {(r["book"], r["stage"]): r["reached"]
              for r in report.tables["funnel"].to_dict("records")}
    assert funnel == {("ann.xlsx", "MQL"): 3, ("ann.xlsx", "SQL"): 2,
                      ("ann.xlsx", "Opportunity"): 1, ("bob.xlsx", "MQL"): 1,
                      ("bob.xlsx", "SQL"): 0, ("bob.xlsx", "Opportunity"): 0}
    for analysis, book in zip(alone, ("ann.xlsx", "bob.xlsx"), strict=True):
        plan = roll_up_funnel(analysis.book, AS_OF).plan
        assert {(book, s): n for s, n in zip(plan["stage"], plan["reached"], strict=True)} == {
            k: v for k, v in funnel.items() if k[0] == book}
    # the export's findings, located in the export, exactly as the single-book commands give
    codes = ("stage-unmapped", "lead-sla-breach", "consent-violation")
    assert located_in(report.findings, *codes) == located_in(
        [f for a in alone for f in a.findings], *codes) == [
        ("contacts.csv", "contacts.csv", "I3", "lead-sla-breach"),
        ("contacts.csv", "contacts.csv", "M4", "consent-violation"),
        ("salesforce.csv", "salesforce.csv", "E5", "stage-unmapped"),
        ("salesforce.csv", "salesforce.csv", "E6", "stage-unmapped")]


def test_cli_consolidate_with_crm_and_map_file(make_book, run_mom, tmp_path):
    books = two_teams(make_book)
    export = crm.salesforce_csv(tmp_path / "salesforce.csv")
    stages = tmp_path / "stages.toml"
    stages.write_text('[stages]\n"Discovery" = "Prospecting"\n', encoding="utf-8")
    done = run_mom("consolidate", *books, "-o", tmp_path / "c.xlsx", "--crm", export,
                   "--map", stages, "--as-of", AS_OF.isoformat(), "--json")
    assert done.returncode in (0, 1), done.stderr
    document = json.loads(done.stdout)
    assert [f for f in document["findings"] if f["code"] == "stage-unmapped"] == []
    done = run_mom("consolidate", *books, "-o", tmp_path / "c.xlsx", "--crm",
                   tmp_path / "missing.csv")
    assert done.returncode == 2 and "missing.csv" in done.stderr
