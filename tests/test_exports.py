"""CRM exports read as Opportunities, stage mappings (SPEC §3 Mappings, §7): files written the
way Salesforce and HubSpot write them; golden coverage figures computed by hand below."""
from __future__ import annotations

import json

from mom_engine.analyze import Context, analyze_book, analyze_books
from mom_engine.exports import ExportFiles, read_export
from mom_engine.mappings import read_mapping_file
from mom_engine.domains.pipeline import coverage
from mom_engine.read import read_book
from mom_engine.sheets import OPPORTUNITIES

from .builders import D
from .conftest import located

AS_OF = D(2027, 2, 15)          # FY2027-Q1 = 2027-01-01 … 2027-03-31

# A Salesforce opportunity report exported as CSV ("Details Only", UTF-8 with a BOM), with
# Salesforce's default stage names and US dates.
SALESFORCE_HEADER = ("Opportunity ID,Opportunity Owner,Opportunity Name,Account Name,Stage,"
                     "Amount,Probability (%),Close Date,Created Date,Primary Campaign Source,"
                     "Currency")
SALESFORCE_ROWS = [                                               # line
    '0061x0001,Ann Lee,Acme renewal,Acme,Proposal/Price Quote,40000,50,3/15/2027,1/5/2027,'
    'Spring Webinar,USD',                                         # 2: open, 50 %, by name
    '0061x0002,Ann Lee,Globex,Globex,Negotiation/Review,"12,500.50",75,2/28/2027,1/9/2027,,USD',
    '0061x0003,Ann Lee,Initech,Initech,Closed Won,20000,100,1/20/2027,12/1/2026,C-101,USD',
    '0061x0004,Ann Lee,Umbrella,Umbrella,Discovery,9000,10,3/1/2027,2/1/2027,,USD',   # 5
    '0061x0005,Bob Ray,Hooli,Hooli,Discovery,7000,10,3/2/2027,2/2/2027,,USD',         # 6
    '0061x0006,Bob Ray,Stark,Stark,Needs Analysis,10000,,3/10/2027,2/3/2027,,USD',    # 7
]

MAPPINGS = [  # Kind, From, To, Probability, Closed
    {"Kind": "Stage", "From": "Proposal/Price Quote", "To": "Proposal"},
    {"Kind": "Stage", "From": "Negotiation/Review", "To": "Negotiation"},
    {"Kind": "Stage", "From": "Needs Analysis", "To": "Qualification", "Probability": 0.2},
]
QUOTAS = [{"Rep": "Ann Lee", "Quarter": "FY2027-Q1", "Quota": 100000},
          {"Rep": "Bob Ray", "Quarter": "FY2027-Q1", "Quota": 20000}]
CAMPAIGNS = [{"Campaign ID": "C-101", "Campaign": "Spring Webinar", "Channel": "Webinar"}]
ACTIVITIES = [{"Activity ID": "A1", "Campaign ID": "C-101", "Activity": "Host",
               "GL Account": "610200"}]
BUDGET = [{"Activity ID": "A1", "Month": D(2027, 1, 1), "Budgeted": 1000, "Planned": 900}]


def salesforce_csv(path):
    path.write_bytes(("\ufeff" + "\r\n".join([SALESFORCE_HEADER, *SALESFORCE_ROWS]) + "\r\n")
                     .encode("utf-8"))
    return path


def team(make_book, **sheets):
    return make_book(**{"Campaigns": CAMPAIGNS, "Activities": ACTIVITIES, "Budget": BUDGET,
                        "Quotas": QUOTAS, "Mappings": MAPPINGS, **sheets})


def reps(report):
    return {row["rep"]: row for row in report.reps.to_dict("records")}


def assert_golden(report):
    ann, bob = reps(report)["Ann Lee"], reps(report)["Bob Ray"]
    # Ann: won 20,000.00 (line 4); open 40,000 + 12,500.50 (lines 2, 3); Discovery left out.
    # weighted 40,000 × 0.50 + 12,500.50 × 0.75 = 20,000 + 9,375.375 → 29,375.38
    assert (ann["won"], ann["open"], ann["weighted"], ann["remaining_quota"]) == \
        (2000000, 5250050, 2937538, 8000000)
    assert ann["coverage"] == 5250050 / 8000000
    assert ann["gap"] == 20000000 - 5250050                  # 2.5 × 80,000 − 52,500.50
    # Bob: open 10,000 (line 7, Needs Analysis → Qualification at the mapped 0.2); weighted 2,000
    assert (bob["won"], bob["open"], bob["weighted"], bob["gap"]) == (0, 1000000, 200000, 4000000)
    assert report.team["open"] == 6250050 and report.team["remaining_quota"] == 10000000
    # marketing-sourced: open with a campaign (line 2, 'Spring Webinar' → C-101); the rest sales
    assert (ann["marketing_sourced"], ann["sales_sourced"]) == (4000000, 1250050)
    assert (bob["marketing_sourced"], bob["sales_sourced"]) == (0, 1000000)
    assert (report.team["marketing_sourced"], report.team["sales_sourced"]) == (4000000, 2250050)


def test_salesforce_csv_with_crm_option(make_book, tmp_path):
    export = salesforce_csv(tmp_path / "salesforce.csv")
    analysis = analyze_book(team(make_book), context=Context(
        as_of=AS_OF, exports=ExportFiles(crm=export)))
    report = coverage([analysis.book], AS_OF)
    assert_golden(report)
    unmapped = [f for f in analysis.findings if f.code == "stage-unmapped"]
    # one finding for the value, at its first cell in the export, saying how many
    assert [(f.book, f.sheet, f.cell, f.value) for f in unmapped] == \
        [("salesforce.csv", "salesforce.csv", "E5", "Discovery")]
    assert "stage 'Discovery' (2 opportunities) is not mapped; add it to Mappings" in \
        unmapped[0].message
    # Probability (%) is percent: no percent-scale warning; the campaign name is matched
    assert not [f for f in analysis.findings if f.code in ("percent-scale", "number-as-text",
                                                           "value-type", "ref-unknown")]
    deals = analysis.book.rows("Opportunities")
    assert deals["Campaign ID"].fillna("").tolist()[:3] == ["C-101", "", "C-101"]
    assert deals["Probability"].tolist()[:3] == [0.5, 0.75, 1.0]


def test_salesforce_report_pasted_into_the_workbook(make_book, tmp_path):
    """The same report pasted into Opportunities (Excel turns its dates into dates)."""
    import csv
    rows = list(csv.reader([SALESFORCE_HEADER, *SALESFORCE_ROWS]))
    for row in rows[1:]:
        for column in (7, 8):
            month, day, year = map(int, row[column].split("/"))
            row[column] = D(year, month, day)
        row[5] = float(row[5].replace(",", ""))
        row[6] = float(row[6]) if row[6] else None
    book = read_book(team(make_book, Opportunities=rows))
    assert_golden(coverage([book], AS_OF))
    assert located(book.findings, "stage-unmapped") == [("Opportunities", "E5", "stage-unmapped")]


HUBSPOT_DEALS = (  # a HubSpot deals export re-saved by a European Excel: ';' and 1.234,50
    "Record ID;Deal Name;Deal Stage;Amount;Close Date;Deal owner;Create Date;Pipeline\r\n"
    "9001;Acme;Contract Sent;1.500,25;2027-03-15 10:30;ann lee;2027-01-02 09:00;Sales Pipeline\r\n"
    "9002;Globex;Closed Won;20.000,00;2027-01-20 00:00;Ann Lee;2026-12-01 10:00;Sales Pipeline\r\n"
    "9003;Hooli;Appointment Scheduled;3.000;2027-02-20 00:00;Bob Ray;2027-01-10 11:00;Sales "
    "Pipeline\r\n"
)

DEAL_MAP = """
[stages]
"Contract Sent" = { to = "Negotiation", probability = 0.9 }
"Appointment Scheduled" = "Prospecting"
"""


def test_hubspot_deals_semicolon_csv_with_map_file(make_book, tmp_path):
    export = tmp_path / "hubspot-deals.csv"
    export.write_text(HUBSPOT_DEALS, encoding="utf-8")
    mapping = tmp_path / "stages.toml"
    mapping.write_text(DEAL_MAP, encoding="utf-8")
    book_path = make_book(Campaigns=CAMPAIGNS, Activities=ACTIVITIES, Budget=BUDGET,
                          Quotas=QUOTAS)
    files = ExportFiles(crm=export, mapping=read_mapping_file(mapping))
    [analysis] = analyze_books([(book_path, None)], Context(as_of=AS_OF, exports=files))
    assert not [f for f in analysis.findings if f.severity.value == "error"]
    ann, bob = (reps(coverage([analysis.book], AS_OF))[name] for name in ("Ann Lee", "Bob Ray"))
    # Ann ('ann lee' in the export is the Quotas' Ann Lee): open 1,500.25 at 0.9
    # → 1,350.225 → 1,350.23; won 20,000.00
    assert (ann["open"], ann["weighted"], ann["won"]) == (150025, 135023, 2000000)
    assert (bob["open"], bob["weighted"]) == (300000, 30000)      # Prospecting default 0.10


def test_cli_pipeline_with_crm_and_unusable_map(make_book, run_mom, tmp_path):
    export = salesforce_csv(tmp_path / "salesforce.csv")
    book = team(make_book)
    done = run_mom("pipeline", book, "--crm", export, "--as-of", "2027-02-15", "--json")
    assert done.returncode == 1, done.stderr          # stage-unmapped is an error
    document = json.loads(done.stdout)
    ann = next(r for r in document["reps"] if r["rep"] == "Ann Lee")
    assert (ann["open"], ann["weighted"], ann["won"]) == (52500.5, 29375.38, 20000.0)
    assert [(f["book"], f["cell"], f["code"]) for f in document["findings"]
            if f["code"] == "stage-unmapped"] == [("salesforce.csv", "E5", "stage-unmapped")]
    bad = tmp_path / "bad.toml"
    bad.write_text('[stages]\n"Discovery" = "Demo"\n', encoding="utf-8")
    done = run_mom("pipeline", book, "--crm", export, "--map", bad)
    assert done.returncode == 2
    assert "stage 'Discovery': 'Demo' is not one of our stages" in done.stderr
    done = run_mom("pipeline", book, "--crm", tmp_path / "missing.csv")
    assert done.returncode == 2 and "missing.csv not found" in done.stderr


def test_export_without_required_columns_is_a_usage_error(tmp_path):
    import pytest

    from mom_engine.exports import ExportError
    export = tmp_path / "contacts.csv"
    export.write_text("Name,Email\nAnn,ann@example.com\n", encoding="utf-8")
    with pytest.raises(ExportError, match="contacts.csv has no Opportunity ID"):
        read_export(export, OPPORTUNITIES)


def test_mappings_rows_that_cannot_be_used(make_book):
    book = read_book(make_book(Mappings=[
        {"Kind": "Stage", "From": "Demo", "To": "Showcase"},                         # row 2
        {"Kind": "Stage", "From": "Signed", "To": "Negotiation", "Closed": "Won"},   # row 3
        {"Kind": "Header", "From": "Deal Source", "To": "Nowhere"},                  # row 4
        {"Kind": "Stage", "From": "Signed!", "To": "Closed Won", "Closed": "Won"},   # row 5: ok
    ]))
    assert located(book.findings) == [("Mappings", "C2", "value-enum"),
                                      ("Mappings", "C3", "value-enum"),
                                      ("Mappings", "C4", "value-enum")]


def test_header_mapping_reads_a_custom_property(make_book):
    book = read_book(team(make_book, Mappings=[
        *MAPPINGS, {"Kind": "Header", "From": "Deal Source Campaign", "To": "Campaign ID"}],
        Opportunities=[{"Opportunity ID": "O1", "Rep": "Ann Lee", "Stage": "Proposal",
                        "Amount": 100, "Close Date": D(2027, 3, 1),
                        "Deal Source Campaign": "spring webinar"}]))
    assert book.rows("Opportunities")["Campaign ID"].tolist() == ["C-101"]
    assert located(book.findings) == []


def test_salesforce_currency_column_converted_with_the_books_rates(make_book, tmp_path):
    # a multi-currency Salesforce org: amounts in the opportunity's own currency; the book is
    # USD with a EUR rate of 1.1 and no GBP rate
    export = tmp_path / "salesforce.csv"
    rows = ['0061x0001,Ann Lee,Acme,Acme,Proposal/Price Quote,"10,000.10",50,3/15/2027,'
            '1/5/2027,Spring Webinar,EUR',                                   # 2: 11,000.11 USD
            '0061x0002,Ann Lee,Globex,Globex,Negotiation/Review,5000,75,2/28/2027,1/9/2027,,USD',
            '0061x0003,Ann Lee,Initech,Initech,Closed Won,20000,100,1/20/2027,12/1/2026,,eur',
            '0061x0004,Bob Ray,Hooli,Hooli,Proposal/Price Quote,7000,50,3/2/2027,2/2/2027,,GBP',
            '0061x0005,Bob Ray,Stark,Stark,Proposal/Price Quote,3000,50,3/3/2027,2/3/2027,,']
    export.write_bytes(("\ufeff" + "\r\n".join([SALESFORCE_HEADER, *rows]) + "\r\n")
                       .encode("utf-8"))
    analysis = analyze_book(team(make_book, Rates=[{"Currency": "EUR", "Rate": 1.1}]),
                            context=Context(as_of=AS_OF, exports=ExportFiles(crm=export)))
    report = coverage([analysis.book], AS_OF)
    ann, bob = reps(report)["Ann Lee"], reps(report)["Bob Ray"]
    # Ann: open 10,000.10 EUR × 1.1 = 11,000.11 + 5,000 USD; won 20,000 EUR × 1.1 = 22,000
    # weighted 11,000.11 × 0.50 + 5,000 × 0.75 = 5,500.055 + 3,750 → 9,250.06
    assert (ann["open"], ann["won"], ann["weighted"], ann["marketing_sourced"]) == (
        1600011, 2200000, 925006, 1100011)
    # Bob: the GBP deal has no rate — rate-missing at its Currency cell, left out; the blank
    # currency is the plan's
    assert bob["open"] == 300000
    assert [(f.book, f.sheet, f.cell, f.code, f.severity.value) for f in analysis.findings
            if f.code == "rate-missing"] == [
        ("salesforce.csv", "salesforce.csv", "K5", "rate-missing", "error")]
    assert "no exchange rate for GBP" in next(
        f.message for f in analysis.findings if f.code == "rate-missing")


def test_opportunity_currency_typed_into_the_workbook(make_book, analyze):
    path = team(make_book, Rates=[{"Currency": "EUR", "Rate": 1.25}], Opportunities=[
        {"Opportunity ID": "O1", "Rep": "Ann Lee", "Stage": "Proposal", "Amount": 1000.01,
         "Currency": "EUR", "Close Date": D(2027, 3, 1)},
        {"Opportunity ID": "O2", "Rep": "Ann Lee", "Stage": "Proposal", "Amount": 500,
         "Currency": "CHF", "Close Date": D(2027, 3, 1)}])
    analysis = analyze(path, as_of=AS_OF)
    # 1,000.01 × 1.25 = 1,250.0125 → 1,250.01; the CHF deal is left out
    assert reps(coverage([analysis.book], AS_OF))["Ann Lee"]["open"] == 125001
    assert located(analysis.findings, "rate-missing") == [       # columns as written: E
        ("Opportunities", "E3", "rate-missing")]


def test_mom_pipeline_shows_an_opportunitys_rate_missing_not_a_pos(make_book, run_mom):
    path = team(make_book, Opportunities=[
        {"Opportunity ID": "O1", "Rep": "Ann Lee", "Stage": "Proposal", "Amount": 500,
         "Currency": "CHF", "Close Date": D(2027, 3, 1)}],
        PurchaseOrders=[{"PO Number": "PO1", "Activity ID": "A1", "Vendor": "V", "Amount": 100,
                         "Currency": "JPY", "Issue Date": D(2027, 1, 10)}])
    done = run_mom("pipeline", path, "--as-of", "2027-02-15", "--json")
    assert done.returncode == 1, done.stderr
    assert [(f["sheet"], f["cell"], f["code"]) for f in json.loads(done.stdout)["findings"]
            if f["code"] == "rate-missing"] == [("Opportunities", "E2", "rate-missing")]
