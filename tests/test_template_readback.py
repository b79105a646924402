"""The blank template read back with openpyxl: tables, drop-downs, formats, frozen headers."""
import openpyxl
import pytest

from mom_engine.plan import PLAN_ATTRIBUTES, PLAN_FIELDS, PLAN_HELP, PlanSettings
from mom_engine.report.team_workbook import write_team_workbook
from mom_engine.sheets import SHEETS, Kind


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = write_team_workbook(tmp_path_factory.mktemp("t") / "team_plan.xlsx", fiscal_year=2027)
    return openpyxl.load_workbook(path)


def test_every_sheet_is_there_with_instructions_first(template):
    names = template.sheetnames
    assert names[0] == "Instructions"
    for sheet in SHEETS:
        assert sheet in names


def test_each_input_sheet_is_an_excel_table_with_the_declared_headers(template):
    for sheet in SHEETS.values():
        if sheet.name == "Lists":
            continue
        worksheet = template[sheet.name]
        assert len(worksheet.tables) == 1, sheet.name
        table = next(iter(worksheet.tables.values()))
        headers = [c.value for c in worksheet[1] if c.value is not None]
        if sheet.name == "Plan":
            assert headers[:2] == ["Field", "Value"]
        else:
            assert headers[: len(sheet.columns)] == [c.name for c in sheet.columns]
        assert table.ref.startswith("A1:")
        assert worksheet.freeze_panes == "A2"


def test_enumerations_have_drop_downs_from_the_lists_sheet(template):
    def validations(sheet):
        return {str(dv.sqref).split(":")[0]: dv
                for dv in template[sheet].data_validations.dataValidation}
    tasks = validations("Tasks")
    status_letter = "M"  # Tasks.Status is the 13th declared column
    assert [c.name for c in SHEETS["Tasks"].columns][12] == "Status"
    assert tasks[f"{status_letter}2"].type == "list"
    assert tasks[f"{status_letter}2"].formula1 == "List_Task_Status"


def test_lists_sheet_holds_the_enumerations_named_exactly(template):
    lists = template["Lists"]
    headers = [c.value for c in lists[1]]
    column = headers.index("Task Status") + 1
    letter = openpyxl.utils.get_column_letter(column)
    assert template.defined_names["List_Task_Status"].attr_text == f"Lists!${letter}$2:${letter}$8"
    assert [lists.cell(r, column).value for r in range(2, 9)] == list(
        SHEETS["Tasks"].column("Status").choices)
    gl = headers.index("GL Accounts") + 1
    gl_letter = openpyxl.utils.get_column_letter(gl)
    assert template.defined_names["List_GL_Accounts"].attr_text == \
        f"Lists!${gl_letter}$2:${gl_letter}$2000"


def test_number_formats_follow_column_kinds(template):
    budget, tasks = template["Budget"], template["Tasks"]
    assert SHEETS["Budget"].column("Month").kind is Kind.MONTH
    # Column default formats, applied to whatever the planner types: month, money, percent, date.
    assert {k: budget.column_dimensions[k].number_format for k in "BC"} == {
        "B": "yyyy-mm", "C": "#,##0.00"}
    assert {k: tasks.column_dimensions[k].number_format for k in "HL"} == {
        "H": "yyyy-mm-dd", "L": "0%"}


def test_plan_sheet_has_placeholders_and_status_drop_down(template):
    plan = template["Plan"]
    values = {plan.cell(r, 1).value: plan.cell(r, 2).value for r in range(2, plan.max_row + 1)}
    assert values["Plan ID"] == "NEW-PLAN" and values["Team"] == "Team name"
    assert values["Fiscal Year"] == 2027 and values["Status"] == "Draft"
    assert values["Coverage Target"] == 2.5 and values["SLA Days"] == 10
    status_row = [r for r in range(2, plan.max_row + 1) if plan.cell(r, 1).value == "Status"][0]
    sqrefs = {str(dv.sqref): dv.formula1 for dv in plan.data_validations.dataValidation}
    assert sqrefs[f"B{status_row}"] == "List_Plan_Status"


def test_the_plan_sheet_is_every_declared_field_with_its_default_and_help(template):
    # plan.py declares each Plan field once: the template's rows come from it, in order.
    assert list(PLAN_ATTRIBUTES.values()) == list(PlanSettings.model_fields)
    rows = [row for row in template["Plan"].iter_rows(min_row=2, values_only=True)]
    assert [row[0] for row in rows] == [c.name for c in PLAN_FIELDS]
    by_name = {row[0]: row for row in rows}
    assert by_name["Coverage Target"][1:] == (2.5, PLAN_HELP["Coverage Target"])
    assert by_name["SPI Threshold"][1] == 0.9 and by_name["SLA Days"][1] == 10
    assert by_name["PO Required"][1] == "Yes"
    assert by_name["Lead Stages"][1] == "MQL, SQL, SAL, Opportunity"
    assert by_name["Plan ID"][2] == "Unique ID of this plan, e.g. EMEA-FM-FY2027"


def test_table_headers_carry_their_own_fill_and_font(template):
    """LibreOffice and Excel for the web do not draw a table style's header row: every table
    header cell has its own dark fill and bold white font, in the committed template too."""
    from pathlib import Path
    committed = openpyxl.load_workbook(
        Path(__file__).parents[1] / "workbook_templates" / "team_plan.xlsx")
    for book in (template, committed):
        tables = 0
        for sheet in book.worksheets:
            for table in sheet.tables.values():
                tables += 1
                first_col, row, last_col, _ = openpyxl.utils.cell.range_boundaries(table.ref)
                for col in range(first_col, last_col + 1):
                    cell = sheet.cell(row, col)
                    assert (cell.fill.fill_type, cell.fill.fgColor.rgb, cell.font.b,
                            cell.font.color.rgb) == ("solid", "FF1F4E78", True, "FFFFFFFF"), (
                        sheet.title, cell.coordinate)
        assert tables >= 15


@pytest.mark.libreoffice
def test_libreoffice_shows_the_header_fill_and_font(tmp_path):
    """Opened in LibreOffice, the header row of every input table is drawn dark blue, bold,
    white (what a table style alone does not give there)."""
    import subprocess
    import xml.etree.ElementTree as ET
    import zipfile
    path = write_team_workbook(tmp_path / "team_plan.xlsx", fiscal_year=2027)
    subprocess.run(["soffice", "--headless", "--convert-to", "ods", "--outdir", str(tmp_path),
                    str(path)], check=True, capture_output=True, timeout=180)
    with zipfile.ZipFile(tmp_path / "team_plan.ods") as archive:
        root = ET.fromstring(archive.read("content.xml"))
    ns = {"table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
          "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
          "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"}

    def attribute(element, name):
        prefix, local = name.split(":")
        return None if element is None else element.get(f"{{{ns[prefix]}}}{local}")
    looks = {}
    for style in root.iter(f"{{{ns['style']}}}style"):
        cell = style.find("style:table-cell-properties", ns)
        text = style.find("style:text-properties", ns)
        looks[attribute(style, "style:name")] = (
            attribute(cell, "fo:background-color"), attribute(text, "fo:color"),
            attribute(text, "fo:font-weight"))
    checked = 0
    for sheet in root.iter(f"{{{ns['table']}}}table"):
        if attribute(sheet, "table:name") not in ("Activities", "Budget", "Tasks", "Plan"):
            continue
        row = sheet.find(".//table:table-row", ns)
        cell = row.find("table:table-cell", ns)
        assert looks[attribute(cell, "table:style-name")] == ("#1f4e78", "#ffffff", "bold")
        checked += 1
    assert checked == 4
