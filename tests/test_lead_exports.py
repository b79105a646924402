"""Marketing-automation exports read as Leads (SPEC §3, §7): a HubSpot contacts export and a
Marketo-style lead export, written the way those systems write them; golden funnel figures
computed by hand in the comments (2027-01-04 is a Monday)."""
from __future__ import annotations

import json

import openpyxl

from mom_engine.analyze import Context, analyze_book
from mom_engine.exports import ExportFiles
from mom_engine.domains.funnel import roll_up_funnel

from .builders import D
from .conftest import located

AS_OF = D(2027, 2, 15)
PLAN = {"Lead Stages": "MQL, SQL, Opportunity"}        # HubSpot has no SAL
CAMPAIGNS = [{"Campaign ID": "C-101", "Campaign": "Spring Webinar", "Channel": "Email"},
             {"Campaign ID": "C-102", "Campaign": "Paid Search Q1", "Channel": "Paid Search"}]
ACTIVITIES = [{"Activity ID": "A1", "Campaign ID": "C-101", "Activity": "Host",
               "GL Account": "610200"}]
BUDGET = [{"Activity ID": "A1", "Month": D(2027, 1, 1), "Budgeted": 1000, "Planned": 900}]

HUBSPOT_HEADER = ("Record ID,First Name,Last Name,Email,Contact owner,Lifecycle Stage,Create Date,"
                  "Became a Marketing Qualified Lead Date,Became a Sales Qualified Lead Date,"
                  "Became an Opportunity Date,Original Source,Unsubscribed from all email")
HUBSPOT_ROWS = [                                                                  # line
    "101,Ann,Ames,ann@acme.test,Ann Lee,opportunity,2027-01-04 09:15,2027-01-05 10:00,"
    "2027-01-08 16:20,2027-01-15 11:00,Organic Search,false",                     # 2
    "102,Ben,Bo,ben@globex.test,Ann Lee,salesqualifiedlead,2027-01-04 12:00,2027-01-06 08:00,"
    "2027-01-13 09:30,,Organic Search,false",                                     # 3
    "103,Cy,Cole,cy@hooli.test,Bob Ray,marketingqualifiedlead,2027-01-05 10:00,"
    "2027-01-11 15:45,,,Organic Search,true",                                     # 4: opted out
    "104,Di,Dunn,di@stark.test,Bob Ray,lead,2027-01-06 10:00,,,,Paid Search,false",   # 5
    "105,Ed,Eng,ed@umbrella.test,,marketingqualifiedlead,2027-01-07 10:00,2027-01-07 17:00,,,"
    "Direct Traffic,false",                                                        # 6
]


def hubspot_csv(path, campaign_ids=None):
    header, rows = HUBSPOT_HEADER, list(HUBSPOT_ROWS)
    if campaign_ids:                 # the custom property most teams add
        header += ",Campaign ID"
        rows = [f"{row},{cid}" for row, cid in zip(rows, campaign_ids, strict=True)]
    path.write_bytes(("\ufeff" + "\r\n".join([header, *rows]) + "\r\n").encode("utf-8"))
    return path


def team(make_book, **sheets):
    return make_book(**{"plan": PLAN, "Campaigns": CAMPAIGNS, "Activities": ACTIVITIES,
                        "Budget": BUDGET, **sheets})


def funnel_rows(report):
    return {(r["campaign_id"], r["stage"]): (r["reached"], r["conversion"], r["median_days"])
            for r in report.campaigns.to_dict("records")}


def test_hubspot_contacts_with_campaign_id_property(make_book, tmp_path):
    export = hubspot_csv(tmp_path / "hubspot-contacts.csv",
                         ["C-101", "c-101", "C-101", "C-102", "C-102"])
    analysis = analyze_book(team(make_book), context=Context(
        as_of=AS_OF, exports=ExportFiles(leads=export)))
    rows = funnel_rows(roll_up_funnel(analysis.book, AS_OF))
    # C-101: leads 101, 102, 103. MQL days from Create Date: 1, 2, 4 → median 2;
    # SQL (101, 102) from MQL: 3 and 5 → 4; Opportunity (101) from SQL: Fri → Fri = 5.
    assert rows[("C-101", "MQL")] == (3, 1.0, 2.0)
    assert rows[("C-101", "SQL")] == (2, 2 / 3, 4.0)
    assert rows[("C-101", "Opportunity")] == (1, 0.5, 5.0)
    # C-102: 104 never qualified, 105 became an MQL the day it was created (0 days).
    assert rows[("C-102", "MQL")][:2] == (1, 0.5) and rows[("C-102", "MQL")][2] == 0.0
    # 103 unsubscribed from all email and is on the Email campaign; 102 has waited in SQL since
    # 2027-01-13, more than 10 working days by the as-of date. Both located in the export.
    assert sorted((f.book, f.sheet, f.cell, f.code) for f in analysis.findings) == [
        ("hubspot-contacts.csv", "hubspot-contacts.csv", "I3", "lead-sla-breach"),
        ("hubspot-contacts.csv", "hubspot-contacts.csv", "M4", "consent-violation")]


def test_hubspot_original_source_mapped_to_campaigns(make_book, tmp_path):
    export = hubspot_csv(tmp_path / "contacts.csv")
    mappings = [{"Kind": "Campaign", "From": "Organic Search", "To": "C-101"},
                {"Kind": "Campaign", "From": "paid search", "To": "C-102"}]
    analysis = analyze_book(team(make_book, Mappings=mappings), context=Context(
        as_of=AS_OF, exports=ExportFiles(leads=export)))
    report = roll_up_funnel(analysis.book, AS_OF)
    rows = funnel_rows(report)
    assert rows[("C-101", "MQL")] == (3, 1.0, 2.0)
    assert rows[("C-102", "MQL")][:2] == (0, 0.0)             # 104 only
    assert rows[("", "MQL")] == (1, 1.0, 0.0)                  # 105: Direct Traffic, unmapped
    unmapped = [f for f in analysis.findings if f.code == "source-unmapped"]
    assert [(f.cell, f.value, f.severity.value) for f in unmapped] == \
        [("K6", "Direct Traffic", "warning")]
    assert "Original Source 'Direct Traffic' (1 leads) names no campaign" in unmapped[0].message
    assert ("contacts.csv", "K4", "consent-violation") in [
        (f.book, f.cell, f.code) for f in analysis.findings]


def marketo_xlsx(path):
    """A Marketo-style lead export saved as xlsx: program names, datetime cells."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Leads Export"
    sheet.append(["Id", "Email Address", "Company Name", "Lead Owner", "Acquisition Program",
                  "Created At", "MQL Date", "SQL Date", "Opportunity Date", "Unsubscribed"])
    dt = __import__("datetime").datetime
    sheet.append([5001, "a@acme.test", "Acme", "Ann Lee", "Spring Webinar",
                  dt(2027, 1, 4, 9), dt(2027, 1, 6, 9), None, None, False])
    sheet.append([5002, "b@acme.test", "Acme", "Ann Lee", "spring webinar ",
                  dt(2027, 1, 4, 9), dt(2027, 1, 5, 9), dt(2027, 1, 7, 9), None, True])
    sheet.append([5003, "c@hooli.test", "Hooli", "Bob Ray", "Paid Search Q1",
                  dt(2027, 1, 5, 9), None, None, None, False])
    workbook.save(path)
    return path


def test_marketo_export_via_cli(make_book, run_mom, tmp_path):
    export = marketo_xlsx(tmp_path / "marketo.xlsx")
    done = run_mom("funnel", team(make_book), "--leads", export, "--as-of", "2027-02-15",
                   "--json")
    assert done.returncode == 1, done.stderr                    # 5002: consent-violation
    document = json.loads(done.stdout)
    [book] = document["books"]
    by_id = {c["campaign_id"]: c for c in book["campaigns"]}
    assert by_id["C-101"]["leads"] == 2 and by_id["C-102"]["leads"] == 1
    assert [s["reached"] for s in by_id["C-101"]["stages"]] == [2, 1, 0]
    # MQL days 2 and 1 → 1.5; SQL 5002: Tue → Thu = 2
    assert [s["median_days"] for s in by_id["C-101"]["stages"]][:2] == [1.5, 2.0]
    # 5002 unsubscribed from the Email campaign, and waits in SQL since 2027-01-07
    assert [(f["book"], f["sheet"], f["cell"], f["code"]) for f in document["findings"]] == [
        ("marketo.xlsx", "Leads Export", "E3", "consent-violation"),
        ("marketo.xlsx", "Leads Export", "H3", "lead-sla-breach")]


def test_leads_export_located_findings_for_bad_cells(make_book, tmp_path):
    export = tmp_path / "contacts.csv"
    export.write_text("Record ID;Create Date;Became a Marketing Qualified Lead Date;"
                      "Campaign ID\n"
                      "1;2027-01-04 09:00;04.01.2027;C-101\n"
                      "2;2027-01-05 09:00;someday;C-101\n", encoding="utf-8")
    analysis = analyze_book(team(make_book), context=Context(
        as_of=AS_OF, exports=ExportFiles(leads=export)))
    assert located(analysis.findings) == [("contacts.csv", "C3", "value-type")]
    assert analysis.book.rows("Leads")["MQL Date"].iloc[0].date() == D(2027, 1, 4)


def test_hubspot_marketing_contact_status_non_marketing_is_an_opt_out(make_book, tmp_path):
    # HubSpot's "Marketing contact status" column (values as HubSpot writes them) next to
    # Unsubscribed: 101 is a non-marketing contact, 103 unsubscribed; both on the Email campaign
    rows = [row + "," + status for row, status in zip(HUBSPOT_ROWS, [
        "Non-marketing contact", "Marketing contact", "Marketing contact",
        "Non-marketing contact", ""], strict=True)]
    export = tmp_path / "hubspot-contacts.csv"
    header = HUBSPOT_HEADER + ",Marketing contact status,Campaign ID"
    rows = [f"{row},{cid}" for row, cid in zip(rows, ["C-101", "C-101", "C-101", "C-102",
                                                      "C-102"], strict=True)]
    export.write_bytes(("\ufeff" + "\r\n".join([header, *rows]) + "\r\n").encode("utf-8"))
    analysis = analyze_book(team(make_book), context=Context(
        as_of=AS_OF, exports=ExportFiles(leads=export)))
    assert analysis.book.rows("Leads")["Opted Out"].tolist() == [True, False, True, True, False]
    # 104 is non-marketing too but on Paid Search: no violation. The finding is at Campaign ID.
    assert sorted((f.sheet, f.cell, f.code) for f in analysis.findings
                  if f.code == "consent-violation") == [
        ("hubspot-contacts.csv", "N2", "consent-violation"),
        ("hubspot-contacts.csv", "N4", "consent-violation")]


def test_marketing_contact_status_pasted_into_the_workbook_and_not_in_the_template(make_book,
                                                                                   analyze):
    from .conftest import ROOT
    template = openpyxl.load_workbook(ROOT / "workbook_templates" / "team_plan.xlsx",
                                      read_only=True)
    headers = [c.value for c in next(template["Leads"].iter_rows(max_row=1))]
    assert "Opted Out" in headers and "Marketing Contact Status" not in headers
    path = team(make_book, Leads=[
        {"Lead ID": "L1", "Campaign ID": "C-101", "MQL Date": D(2027, 1, 5),
         "Marketing Contact Status": "non-marketing CONTACT"},
        {"Lead ID": "L2", "Campaign ID": "C-101", "MQL Date": D(2027, 1, 5),
         "Marketing Contact Status": "Marketing contact"}])
    analysis = analyze(path, as_of=AS_OF)
    assert located(analysis.findings, "consent-violation") == [
        ("Leads", "B2", "consent-violation")]
