"""One small workbook per structure finding code, asserted as (sheet, cell, code) tuples."""
import zipfile

from mom_engine.analyze import analyze_book
from mom_engine.findings import CATALOGUE, Severity

from .builders import D, DEFAULT_PLAN, plan_rows, write_book
from .conftest import located


def findings_of(path, *codes):
    return located(analyze_book(path).findings, *codes)


def test_valid_book_has_no_findings(make_book):
    assert findings_of(make_book()) == []


def test_book_unreadable_text_file_and_truncated_workbook(tmp_path, make_book):
    text = tmp_path / "notes.xlsx"
    text.write_text("this is not a workbook")
    assert findings_of(text) == [(None, None, "book-unreadable")]
    good = make_book()
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    result = analyze_book(truncated)
    assert located(result.findings) == [(None, None, "book-unreadable")]
    assert result.findings[0].book == "truncated.xlsx"
    assert "truncated.xlsx" in result.findings[0].message
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    assert findings_of(empty) == [(None, None, "book-unreadable")]


def test_book_encrypted_is_told_apart_from_corrupt(tmp_path):
    # An encrypted OOXML file is an OLE compound file whose directory names the
    # EncryptedPackage stream (UTF-16 names); the real-file test lives in the security suite.
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "EncryptedPackage".encode("utf-16-le")
    path = tmp_path / "locked.xlsx"
    path.write_bytes(ole + b"\0" * 2048)
    result = analyze_book(path)
    assert located(result.findings) == [(None, None, "book-encrypted")]
    assert "without a password" in result.findings[0].message


def test_workbook_with_none_of_our_sheets(tmp_path):
    path = write_book(tmp_path / "other.xlsx", {"Sheet1": [["Name", "Amount"], ["x", 1]]})
    assert findings_of(path) == [(None, None, "sheet-missing")] + [
        (name, None, "sheet-missing") for name in ("Activities", "Budget", "Campaigns", "Plan")]


def test_sheet_missing(make_book):
    assert findings_of(make_book(Budget=None)) == [("Budget", None, "sheet-missing")]


def test_column_missing_rejects_the_rows_without_a_finding_per_row(make_book, analyze):
    result = analyze(make_book(Budget=[["Activity ID", "Budgeted"], ["A1", 5], ["A1", 6]]))
    assert located(result.findings) == [("Budget", None, "column-missing")]
    assert result.findings[0].column == "Month"
    table = result.book.table("Budget")
    assert (table.rows_read, table.rows_rejected) == (2, 2)


def test_column_duplicate_keeps_the_first(make_book, analyze):
    result = analyze(make_book(Budget=[
        ["Activity ID", "Month", "Budgeted", "budgeted"],
        ["A1", D(2027, 1, 1), 5, 7]]))
    assert located(result.findings) == [("Budget", "D1", "column-duplicate")]
    assert result.book.rows("Budget")["Budgeted"].tolist() == [500]


def test_value_required_type_enum_range(make_book):
    path = make_book(Tasks=[
        {"Task ID": "T1", "Activity ID": "A1", "Task": "Copy", "Planned Start": D(2027, 1, 4),
         "Planned Finish": D(2027, 1, 8), "Status": "Done", "% Complete": 1},
        {"Task ID": "T2", "Activity ID": "A1", "Task": None, "Planned Start": "soon",
         "Planned Finish": D(2027, 1, 8), "Status": "Finished", "% Complete": 2.5e2},
    ])
    assert findings_of(path) == [
        ("Tasks", "C3", "value-required"),
        ("Tasks", "D3", "value-type"),
        ("Tasks", "F3", "value-enum"),
        ("Tasks", "G3", "value-range"),
    ]


def test_number_as_text_percent_scale_formula_not_calculated(make_book):
    path = make_book(Budget=[
        {"Activity ID": "A1", "Month": D(2027, 1, 1), "Budgeted": "1,000.00", "Planned": "=1+1"},
    ], Tasks=[
        {"Task ID": "T1", "Activity ID": "A1", "Task": "Copy", "Planned Start": D(2027, 1, 4),
         "Planned Finish": D(2027, 1, 8), "% Complete": 40},
    ])
    assert findings_of(path) == [
        ("Budget", "C2", "number-as-text"),
        ("Budget", "D2", "formula-not-calculated"),
        ("Tasks", "F2", "percent-scale"),
    ]


def test_id_duplicate_rejects_the_later_row(make_book, analyze):
    result = analyze(make_book(PurchaseOrders=[
        {"PO Number": 4500000001, "Activity ID": "A1", "Vendor": "Acme", "Amount": 100,
         "Issue Date": D(2027, 1, 5)},
        {"PO Number": "4500000001", "Activity ID": "A1", "Vendor": "Acme", "Amount": 300,
         "Issue Date": D(2027, 1, 6)},
    ]))
    assert located(result.findings, "id-duplicate") == [("PurchaseOrders", "A3", "id-duplicate")]
    assert result.book.rows("PurchaseOrders")["Amount"].tolist() == [10000]
    assert result.book.tables["PurchaseOrders"].reasons == {3: "id-duplicate"}


def test_normalise_forgets_rollups_computed_before_it(make_book):
    # A rollup memoised on the book as read would count the duplicate PO; normalising rejects
    # it and drops what was computed, so the checks and reports see the normalised tables.
    from mom_engine.normalise import normalise
    from mom_engine.read import read_book
    from mom_engine.domains.spend import spend_per_activity
    book = read_book(make_book(PurchaseOrders=[
        {"PO Number": "PO-1", "Activity ID": "A1", "Vendor": "Acme", "Amount": 100,
         "Issue Date": D(2027, 1, 5)},
        {"PO Number": "po-1", "Activity ID": "A1", "Vendor": "Acme", "Amount": 300,
         "Issue Date": D(2027, 1, 6)}]))
    assert int(spend_per_activity(book).at["A1", "Committed"]) == 40000
    assert located(normalise(book)) == [("PurchaseOrders", "A3", "id-duplicate")]
    assert int(spend_per_activity(book).at["A1", "Committed"]) == 10000


def test_ref_unknown_across_the_chain(make_book, analyze):
    result = analyze(make_book(
        Objectives=[{"Objective ID": "O1", "Objective": "Grow"}],
        Campaigns=[{"Campaign ID": "C1", "Campaign": "Launch", "Objective ID": "O9"}],
        Activities=[{"Activity ID": "A1", "Campaign ID": "C1", "Activity": "Booth",
                     "GL Account": "610200"},
                    {"Activity ID": "A2", "Campaign ID": "C7", "Activity": "Ads",
                     "GL Account": "610100"}],
        Budget=[{"Activity ID": "A1", "Month": D(2027, 1, 1), "Budgeted": 10},
                {"Activity ID": "A2", "Month": D(2027, 1, 1), "Budgeted": 10},
                {"Activity ID": "A9", "Month": D(2027, 1, 1), "Budgeted": 10}],
        Tasks=[{"Task ID": "T1", "Activity ID": "A9", "Task": "x",
                "Planned Start": D(2027, 1, 4), "Planned Finish": D(2027, 1, 4)}],
        PurchaseOrders=[{"PO Number": "PO1", "Activity ID": "A1", "Task ID": "T9",
                         "Vendor": "Acme", "Amount": 5, "Issue Date": D(2027, 1, 5)}],
        Invoices=[{"Invoice No": "I1", "PO Number": "PO2", "Vendor": "Acme", "Amount": 5,
                   "Invoice Date": D(2027, 1, 9)},
                  {"Invoice No": "I2", "Activity ID": "A8", "Vendor": "Acme", "Amount": 5,
                   "Invoice Date": D(2027, 1, 9)},
                  {"Invoice No": "I3", "Vendor": "Acme", "Amount": 5,
                   "Invoice Date": D(2027, 1, 9)}],
        Leads=[{"Lead ID": "L1", "Campaign ID": "C5"}],
        Opportunities=[{"Opportunity ID": "OP1", "Rep": "Maya", "Campaign ID": "C6",
                        "Stage": "Proposal", "Amount": 10, "Close Date": D(2027, 2, 1)}],
    ))
    assert located(result.findings, "ref-unknown", "value-required") == [
        ("Activities", "B3", "ref-unknown"),
        ("Budget", "A3", "ref-unknown"),      # A2 itself is left out (unknown campaign)
        ("Budget", "A4", "ref-unknown"),
        ("Campaigns", "C2", "ref-unknown"),
        ("Invoices", "B2", "ref-unknown"),
        ("Invoices", "F3", "ref-unknown"),
        ("Invoices", "F4", "value-required"),  # neither PO Number nor Activity ID
        ("Leads", "B2", "ref-unknown"),
        ("Opportunities", "C2", "ref-unknown"),
        ("PurchaseOrders", "C2", "ref-unknown"),
        ("Tasks", "B2", "ref-unknown"),
    ]
    assert "itself" in next(f.message for f in result.findings if f.cell == "A3")
    # the normalise stage records why each row it rejected is left out (Excel row → code)
    tables = result.book.tables
    assert tables["Activities"].reasons == {3: "ref-unknown"}
    assert tables["Budget"].reasons == {3: "ref-unknown", 4: "ref-unknown"}
    assert tables["Invoices"].reasons == {2: "ref-unknown", 3: "ref-unknown", 4: "value-required"}
    assert tables["Tasks"].reasons == {2: "ref-unknown"}
    assert tables["Campaigns"].reasons == {}           # an unknown Objective ID keeps the row
    assert result.book.rows("Budget")["Activity ID"].tolist() == ["A1"]
    assert result.book.rows("Invoices").empty
    assert result.book.rows("PurchaseOrders")["PO Number"].tolist() == ["PO1"]


def test_gl_accounts_list_is_the_chart_of_accounts(make_book):
    path = make_book(
        Activities=[{"Activity ID": "A1", "Campaign ID": "C1", "Activity": "Booth",
                     "GL Account": "610299"}],
        Lists=[{"GL Accounts": "610100", "Channels": "Email"}, {"GL Accounts": "610200"}])
    assert findings_of(path, "ref-unknown") == [
        ("Activities", "D2", "ref-unknown"), ("Budget", "A2", "ref-unknown")]


def test_outside_fiscal_year_with_october_start(make_book):
    path = make_book(plan={"FY Start Month": 10}, Budget=[
        {"Activity ID": "A1", "Month": D(2026, 10, 1), "Budgeted": 1},   # FY2027 Q1: inside
        {"Activity ID": "A1", "Month": D(2027, 9, 30), "Budgeted": 1},   # last month: inside
        {"Activity ID": "A1", "Month": D(2027, 10, 1), "Budgeted": 1},   # FY2028
        {"Activity ID": "A1", "Month": "2026-09", "Budgeted": 1},        # FY2026
    ], Realignments=[{"Date": D(2027, 10, 2), "From Activity ID": "A1",
                      "To Activity ID": "A1", "Amount": 1}])
    found = findings_of(path, "outside-fiscal-year")
    assert found == [("Budget", "B4", "outside-fiscal-year"), ("Budget", "B5", "outside-fiscal-year"),
                     ("Realignments", "A2", "outside-fiscal-year")]


def test_approval_incomplete_points_at_the_plan_cells(make_book, tmp_path):
    # No Approved By row at all: a sheet-level finding on Plan.
    assert findings_of(make_book(plan={"Approved By": None, "Status": "closed"})) == [
        ("Plan", None, "approval-incomplete")]
    # An Approved On row with a blank value: the finding points at that Value cell.
    fields = {k: v for k, v in DEFAULT_PLAN.items() if k != "Approved On"}
    path = write_book(tmp_path / "b.xlsx", {
        "Plan": plan_rows(fields) + [["Approved On", None]],
        "Campaigns": [["Campaign ID", "Campaign"], ["C1", "x"]],
        "Activities": [["Activity ID", "Campaign ID", "Activity", "GL Account"],
                       ["A1", "C1", "x", "1"]],
        "Budget": [["Activity ID", "Month"], ["A1", "2027-01"]]})
    assert findings_of(path) == [("Plan", "B10", "approval-incomplete")]


def test_plan_required_fields_and_types(make_book):
    path = make_book(plan={"Team": None, "Fiscal Year": "next year", "Status": "Done"})
    assert findings_of(path) == [
        ("Plan", None, "value-required"),   # Team: no row for it
        ("Plan", "B4", "value-type"),       # Fiscal Year 'next year'
        ("Plan", "B7", "value-enum"),       # Status 'Done'
    ]


def test_dates_reversed(make_book):
    path = make_book(Campaigns=[{"Campaign ID": "C1", "Campaign": "Launch",
                                 "Start": D(2027, 3, 1), "End": D(2027, 2, 1)}])
    assert findings_of(path) == [("Campaigns", "D2", "dates-reversed")]


def test_every_structure_code_is_catalogued_with_title_and_description():
    structure = ["book-unreadable", "book-encrypted", "sheet-missing", "column-missing",
                 "column-duplicate", "value-required", "value-type", "value-enum", "value-range",
                 "number-as-text", "percent-scale", "formula-not-calculated", "id-duplicate",
                 "ref-unknown", "outside-fiscal-year", "approval-incomplete"]
    warnings = {"number-as-text", "percent-scale", "formula-not-calculated", "outside-fiscal-year"}
    for code in structure:
        entry = CATALOGUE[code]
        assert entry.title and entry.description
        assert entry.severity is (Severity.WARNING if code in warnings else Severity.ERROR)


def test_template_validates_clean(tmp_path):
    from mom_engine.report.team_workbook import write_team_workbook
    path = write_team_workbook(tmp_path / "t.xlsx", fiscal_year=2027)
    assert findings_of(path) == []
    with zipfile.ZipFile(path) as archive:
        assert "xl/tables/table1.xml" in archive.namelist()


def test_references_match_ignoring_case_and_take_the_defined_spelling(make_book, analyze):
    result = analyze(make_book(
        Budget=[{"Activity ID": " a1 ", "Month": D(2027, 1, 1), "Budgeted": 10}],
        Tasks=[{"Task ID": "T1", "Activity ID": "A1", "Task": "x",
                "Planned Start": D(2027, 1, 4), "Planned Finish": D(2027, 1, 4)}],
        PurchaseOrders=[{"PO Number": "po-7", "Activity ID": "a1", "Task ID": "t1",
                         "Vendor": "Acme", "Amount": 5, "Issue Date": D(2027, 1, 5)}],
        Invoices=[{"Invoice No": "I1", "PO Number": "PO-7", "Vendor": "Acme", "Amount": 5,
                   "Invoice Date": D(2027, 1, 9)}]))
    assert located(result.findings, "ref-unknown") == []
    assert result.book.rows("Budget")["Activity ID"].tolist() == ["A1"]
    assert result.book.rows("PurchaseOrders")[["Activity ID", "Task ID"]].values.tolist() == [
        ["A1", "T1"]]
    assert result.book.rows("Invoices")["PO Number"].tolist() == ["po-7"]
