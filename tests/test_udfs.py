"""The UDFs as Excel calls them (SPEC §14): xlwings' own decorators register them, and every
argument goes through `xlwings.conversion` with the shapes Excel hands over — tuples of rows,
floats for numbers and for dates from expressions (TODAY()), datetimes from date cells, None for
blank cells, COM error ints for error cells — and the result comes back through
`conversion.write` as the rows Excel receives. See tests/xlwings_windows.py for what is stubbed
(only the Windows COM modules) and why."""
from __future__ import annotations

import datetime as dt
import gc
import io
import types
from decimal import Decimal

import pytest

from .xlwings_windows import MISSING, NA_ERROR, VALUE_ERROR, call_udf

UTC = dt.UTC


def serial(day: dt.date) -> float:
    """An Excel 1900-system serial, as a date computed by a formula arrives."""
    return float((day - dt.date(1899, 12, 30)).days)


def one_cell(text: str) -> list[list[str]]:
    """A text result as Excel receives it from xlwings: one row of one cell."""
    return [[text]]


def cell_date(day: dt.date) -> dt.datetime:
    """What Excel returns for a written date (xlwings hands COM dates back with UTC tz)."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=UTC)


# --- registration ------------------------------------------------------------------------------

UDF_NAMES = ("MOM_VALIDATE", "MOM_SCHEDULE", "MOM_ASSETS", "MOM_SPEND", "MOM_REMAINING",
             "MOM_COVERAGE", "MOM_FUNNEL", "MOM_CAPACITY")


def test_every_udf_registers_with_xlwings_and_gets_a_vba_wrapper(excel_udfs):
    module, xl_udfs = excel_udfs
    for name in UDF_NAMES:
        info = getattr(module, name).__xlfunc__
        assert info["name"] == name and info["category"] == "MOM"
        assert info["ret"]["doc"].strip(), name                       # the wizard's description
        assert not any("SPEC" in text or "§" in text for text in (
            info["ret"]["doc"], *(arg["doc"] for arg in info["args"]))), name   # rules, not §s
        assert all(arg["doc"] and not arg["doc"].startswith("Positional")
                   for arg in info["args"]), name                     # every argument explained
    out = io.StringIO()
    xl_udfs.generate_vba_wrapper("mom_udfs", module, out, types.SimpleNamespace(Name="team.xlsm"))
    vba = out.getvalue()
    assert ("Function MOM_SPEND(activities, budget, Optional purchase_orders, Optional invoices, "
            "Optional realignments, Optional rates, Optional by, Optional plan)") in vba
    for name in UDF_NAMES:
        assert f'XLPy.CallUDF("mom_udfs", "{name}"' in vba


# VBA keywords cannot name the arguments of the wrappers Import Functions writes.
VBA_KEYWORDS = {"and", "as", "boolean", "byref", "byte", "byval", "call", "case", "const",
                "currency", "date", "declare", "dim", "do", "double", "each", "else", "end",
                "enum", "erase", "error", "event", "exit", "false", "for", "function", "get",
                "global", "gosub", "goto", "if", "implements", "in", "integer", "is", "let",
                "like", "long", "loop", "lset", "me", "mod", "new", "next", "not", "nothing",
                "object", "on", "option", "optional", "or", "paramarray", "preserve", "private",
                "property", "public", "raiseevent", "redim", "rem", "resume", "return", "rset",
                "select", "set", "single", "static", "step", "stop", "string", "sub", "then",
                "to", "true", "type", "typeof", "until", "variant", "wend", "while", "with",
                "xor", "name", "open", "close", "print", "input", "line", "time", "len", "val"}


def test_argument_names_are_legal_vba_names(excel_udfs):
    module, _ = excel_udfs
    for name in UDF_NAMES:
        for arg in getattr(module, name).__xlfunc__["args"]:
            assert arg["name"].lower() not in VBA_KEYWORDS, (name, arg["name"])
            assert arg["name"][0].isalpha(), (name, arg["name"])


def test_table_arguments_and_results_are_raw_com_values(excel_udfs):
    module, _ = excel_udfs
    for name in UDF_NAMES:
        info = getattr(module, name).__xlfunc__
        tables = [arg for arg in info["args"] if "[#All]" in arg["doc"]]
        assert tables, name
        # COM's values untouched (no per-cell cleaning by xlwings): the engine types the
        # columns itself and hands only the odd cells to xlwings' cleaning
        assert all(arg["options"] == {"convert": "raw"} for arg in tables), name
        # results are COM-ready rows; no `expand`: native dynamic arrays spill, xlwings'
        # legacy resize would turn them into fixed-size array formulas
        assert info["ret"]["options"] == ({} if name == "MOM_REMAINING" else {"convert": "raw"})


# --- MOM_VALIDATE ------------------------------------------------------------------------------

def test_validate_reports_cells_of_one_table(excel_udfs):
    module, _ = excel_udfs
    budget = (("Activity ID", "Month", "Budgeted", "Planned"),
              ("A1", cell_date(dt.date(2027, 1, 1)).replace(tzinfo=None), 1000.0, None),
              ("A1", serial(dt.date(2027, 2, 1)), NA_ERROR, None),      # error cell
              (None, "2027-13", "1,000", 5.0),                           # blank required ID
              (None, None, None, None))                                  # blank row
    result = call_udf(module.MOM_VALIDATE, budget, "Budget", MISSING)
    assert result[0] == ["Cell", "Code", "Severity", "Message"]
    assert [(r[0], r[1]) for r in result[1:]] == [
        ("C3", "value-type"), ("A4", "value-required"), ("B4", "value-type"),
        ("C4", "number-as-text")]


def test_a_lone_surrogate_in_a_range_is_a_finding_in_validate_and_skipped_in_the_figures(
        excel_udfs):
    module, _ = excel_udfs
    assets = (("Asset ID", "Asset", "Type"), ("AS1", "Deck \ud800", "eBook"),
              ("AS2", "Cloud deck", "eBook"))
    result = call_udf(module.MOM_VALIDATE, assets, "Assets", MISSING)
    assert [(r[0], r[1]) for r in result[1:]] == [("B2", "value-type")]
    found = call_udf(module.MOM_ASSETS, assets, "deck", MISSING, MISSING, MISSING, MISSING)
    assert [row[0] for row in found[1:]] == ["AS2"]


def test_validate_names_an_unknown_sheet(excel_udfs):
    module, _ = excel_udfs
    assert call_udf(module.MOM_VALIDATE, (("x",), (1.0,)), "Budgett", MISSING) == one_cell(
        "MOM: 'Budgett' is not a sheet of the team workbook")


# --- MOM_SCHEDULE ------------------------------------------------------------------------------

TASKS = (
    ("Task ID", "Activity ID", "Task", "Planned Start", "Planned Finish", "% Complete", "Status"),
    ("T1", "A1", "Brief", dt.datetime(2027, 3, 1), dt.datetime(2027, 3, 5), 1.0, "Done"),
    ("T2", "A1", "Copy", serial(dt.date(2027, 3, 8)), serial(dt.date(2027, 3, 12)), 0.5, None),
    ("T3", "A2", "Design", dt.datetime(2027, 3, 1), dt.datetime(2027, 3, 3), NA_ERROR, None),
    (None, None, None, None, None, None, None),
)


def test_schedule_by_activity(excel_udfs):
    module, _ = excel_udfs
    # as of Wed 2027-03-10, passed as TODAY() would be: a float serial.
    # T1 Mon 1 – Fri 5 March: 5 working days, done → EV 5, PV 5.
    # T2 Mon 8 – Fri 12 March: 5 days, 50 % → EV 2.5; PV = Mon–Wed = 3.
    # A1: % complete (5 + 2.5) / 10 = 0.75; SPI 7.5 / 8 = 0.9375; nothing late.
    # T3 Mon 1 – Wed 3 March: 3 days, % Complete is an error cell → 0; PV 3 → SPI 0; late.
    result = call_udf(module.MOM_SCHEDULE, TASKS, MISSING, "activity",
                      serial(dt.date(2027, 3, 10)), MISSING)
    assert result == [
        ["Activity ID", "Planned Start", "Planned Finish", "Actual Start", "Actual Finish",
         "% Complete", "SPI", "Late Tasks"],
        ["A1", cell_date(dt.date(2027, 3, 1)), cell_date(dt.date(2027, 3, 12)), "", "",
         0.75, 0.9375, 0],
        ["A2", cell_date(dt.date(2027, 3, 1)), cell_date(dt.date(2027, 3, 3)), "", "",
         0.0, 0.0, 1],
    ]


def test_schedule_as_of_from_a_date_cell_and_by_plan(excel_udfs):
    module, _ = excel_udfs
    plan = (("Field", "Value"), ("Plan ID", "P-9"), ("Fiscal Year", 2027.0))
    result = call_udf(module.MOM_SCHEDULE, TASKS, MISSING, "Plan",
                      dt.datetime(2027, 3, 10), plan)
    # plan: EV 7.5 of duration 13 → 0.5769…; PV 5 + 3 + 3 = 11 → SPI 7.5 / 11
    assert result[1][0] == "P-9"
    assert result[1][5] == pytest.approx(7.5 / 13)
    assert result[1][6] == pytest.approx(7.5 / 11)
    assert result[1][7] == 1


def test_schedule_says_what_is_wrong_instead_of_raising(excel_udfs):
    module, _ = excel_udfs
    no_id = tuple(row[1:] for row in TASKS)
    assert call_udf(module.MOM_SCHEDULE, no_id, MISSING, MISSING, MISSING, MISSING) == one_cell(
        "MOM: Tasks range has no 'Task ID' header")
    assert call_udf(module.MOM_SCHEDULE, TASKS, MISSING, "week", MISSING, MISSING) == one_cell(
        "MOM: by must be one of task, activity, campaign, plan (not 'week')")
    assert call_udf(module.MOM_SCHEDULE, TASKS, MISSING, MISSING, "soon", MISSING) == one_cell(
        "MOM: as_of 'soon' is not a date")
    assert call_udf(module.MOM_SCHEDULE, NA_ERROR, MISSING, MISSING, MISSING, MISSING)[0][0] == (
        "MOM: Tasks range has no 'Task ID' header")     # an error cell instead of a range


# --- MOM_ASSETS --------------------------------------------------------------------------------

ASSETS = (
    ("Asset ID", "Asset", "Type", "Region", "Tags", "Status", "Expires"),
    ("AS-1", "Cloud launch deck", "Slide Deck", "EMEA", "launch, cloud", "Approved",
     dt.datetime(2027, 6, 30)),
    ("AS-2", "Security ebook", "eBook", VALUE_ERROR, None, "Draft",
     serial(dt.date(2027, 1, 31))),
    ("AS-3", "Launch video", "Video", "EMEA", "launch", None, None),
    (None, None, None, None, None, None, None),
)


def test_assets_search_ranks_by_matched_words(excel_udfs):
    module, _ = excel_udfs
    result = call_udf(module.MOM_ASSETS, ASSETS, "cloud launch", MISSING, MISSING, MISSING,
                      MISSING)
    assert result[0] == ["Asset ID", "Asset", "Type", "Product", "Segment", "Region", "Tags",
                         "Status", "Expires", "Location", "Matches"]
    # AS-1 matches both words, AS-3 one; AS-2 none
    assert [(r[0], r[-1]) for r in result[1:]] == [("AS-1", 2), ("AS-3", 1)]
    assert result[1][8] == cell_date(dt.date(2027, 6, 30))
    assert result[2][7] == "Draft"                     # blank Status → the declared default


def test_assets_filters_and_error_cells(excel_udfs):
    module, _ = excel_udfs
    every = call_udf(module.MOM_ASSETS, ASSETS, MISSING, MISSING, MISSING, MISSING, MISSING)
    assert [r[0] for r in every[1:]] == ["AS-1", "AS-2", "AS-3"]
    assert every[2][5] == ""                           # the #VALUE! Region reads as blank
    assert every[2][8] == cell_date(dt.date(2027, 1, 31))   # a serial date read as a date
    videos = call_udf(module.MOM_ASSETS, ASSETS, "", "video", MISSING, MISSING, "emea")
    assert [r[0] for r in videos[1:]] == ["AS-3"]
    assert call_udf(module.MOM_ASSETS, (("Name",), ("x",)), MISSING, MISSING, MISSING, MISSING,
                    MISSING) == one_cell("MOM: Assets range has no 'Asset ID' header")


# --- MOM_SPEND and MOM_REMAINING -------------------------------------------------------------

ACTIVITIES = (("Activity ID", "Campaign ID", "Activity", "GL Account"),
              ("A1", "C1", "Booth", 610200.0),           # a GL account typed as a number
              ("A2", "C1", "Ads", "610100"),
              (None, None, None, None))
BUDGET = (("Activity ID", "Month", "Budgeted", "Planned"),
          ("A1", dt.datetime(2027, 1, 1), 1000.0, 900.0),
          ("A1", serial(dt.date(2027, 2, 1)), "1,200.50", 1000.0),   # number-as-text
          ("A2", "2027-01", 5000.0, None),                          # blank Planned → 0
          ("A2", dt.datetime(2027, 2, 1), NA_ERROR, 10.0))           # #N/A → 0 (value-type)
POS = (("PO Number", "Activity ID", "Vendor", "Amount", "Currency", "Issue Date", "Status"),
       (4500000001.0, "A1", "V", 800.0, None, dt.datetime(2027, 1, 5), "Open"),
       ("PO-2", "A1", "V", 500.0, "EUR", serial(dt.date(2027, 1, 6)), None))
INVOICES = (("Invoice No", "PO Number", "Activity ID", "Vendor", "Amount", "Currency",
             "Invoice Date"),
            ("I1", "4500000001", None, "V", 300.0, None, dt.datetime(2027, 2, 1)),
            ("I2", "PO-2", None, "V", 200.0, "EUR", dt.datetime(2027, 2, 2)),
            ("I4", None, "A2", "V", 99.99, None, serial(dt.date(2027, 2, 4))))
RATES = (("Currency", "Rate"), ("EUR", 1.1))
# A1 budgeted 1000 + 1200.50 = 2200.50; planned 1900; committed (800 − 300) + (550 − 220) = 830
#    (EUR 500 and 200 at 1.1); spent 300 + 220 = 520; remaining 2200.50 − 830 − 520 = 850.50;
#    unplanned 2200.50 − 1900 = 300.50
# A2 budgeted 5000 + 0 (#N/A) = 5000; planned 0 + 10 = 10; committed 0; spent 99.99 (no PO);
#    remaining 4900.01; unplanned 4990


def spend_args(*rest):
    return (ACTIVITIES, BUDGET, POS, INVOICES, MISSING, RATES, *rest)


def test_spend_by_activity(excel_udfs):
    module, _ = excel_udfs
    assert call_udf(module.MOM_SPEND, *spend_args("activity", MISSING)) == [
        ["Activity ID", "Budgeted", "Planned", "Committed", "Spent", "Remaining", "Unplanned"],
        ["A1", 2200.5, 1900.0, 830.0, 520.0, 850.5, 300.5],
        ["A2", 5000.0, 10.0, 0.0, 99.99, 4900.01, 4990.0],
    ]


def test_spend_by_campaign_and_month_with_the_plan_range(excel_udfs):
    module, _ = excel_udfs
    plan = (("Field", "Value"), ("Plan ID", "P-7"), ("Currency", "usd"), ("Fiscal Year", 2027.0))
    by_campaign = call_udf(module.MOM_SPEND, *spend_args("Campaign", plan))
    # C1 = A1 + A2: 7200.50, 1910, 830, 619.99, remaining 5750.51, unplanned 5290.50
    assert by_campaign[1] == ["C1", 7200.5, 1910.0, 830.0, 619.99, 5750.51, 5290.5]
    by_plan = call_udf(module.MOM_SPEND, *spend_args("plan", plan))
    assert by_plan[1][0] == "P-7"
    by_month = call_udf(module.MOM_SPEND, *spend_args("month", plan))
    # January: budget 6000 / planned 900, both POs issued (commitments 500 + 330);
    # February: budget 1200.50 / planned 1010, invoices 300 + 220 + 99.99
    assert by_month[1:] == [["2027-01", 6000.0, 900.0, 830.0, 0.0, 5170.0, 5100.0],
                            ["2027-02", 1200.5, 1010.0, 0.0, 619.99, 580.51, 190.5]]


def test_currency_formatted_cells_are_amounts(excel_udfs):
    """A cell formatted as Currency reaches the UDF as decimal.Decimal (COM's VT_CY, four
    decimals): it is an amount like any number, to the cent."""
    module, _ = excel_udfs
    budget = tuple(row if index == 0 else
                   (*row[:2], *(Decimal(str(v)) if isinstance(v, float) else v for v in row[2:]))
                   for index, row in enumerate(BUDGET))
    assert budget[1][2] == Decimal("1000.0")
    pos = tuple(row if index == 0 else (*row[:3], Decimal(str(row[3])), *row[4:])
                for index, row in enumerate(POS))
    assert call_udf(module.MOM_SPEND, ACTIVITIES, budget, pos, INVOICES, MISSING, RATES,
                    "activity", MISSING) == [
        ["Activity ID", "Budgeted", "Planned", "Committed", "Spent", "Remaining", "Unplanned"],
        ["A1", 2200.5, 1900.0, 830.0, 520.0, 850.5, 300.5],
        ["A2", 5000.0, 10.0, 0.0, 99.99, 4900.01, 4990.0],
    ]
    one = ((("Activity ID", "Month", "Budgeted"), ("A1", dt.datetime(2027, 1, 1),
                                                    Decimal("1234.5650"))),)
    assert call_udf(module.MOM_SPEND, ACTIVITIES, *one, *([MISSING] * 3), RATES, "activity",
                    MISSING)[1][1] == 1234.57


def test_spend_problems_come_back_as_text(excel_udfs):
    module, _ = excel_udfs
    no_id = tuple(row[1:] for row in BUDGET)
    assert call_udf(module.MOM_SPEND, ACTIVITIES, no_id, *([MISSING] * 6)) == one_cell(
        "MOM: Budget range has no 'Activity ID' header")
    assert call_udf(module.MOM_SPEND, *spend_args("week", MISSING)) == one_cell(
        "MOM: by must be one of activity, campaign, plan, gl, month, quarter, year (not 'week')")
    assert call_udf(module.MOM_SPEND, ACTIVITIES, MISSING, *([MISSING] * 6)) == one_cell(
        "MOM: the Budget range is missing; pass the whole table, e.g. Budget[#All]")


def test_the_cycle_collector_is_paused_during_a_call_only(excel_udfs):
    """A call runs with the collector off and leaves it as it found it — on after a result and
    after a problem, still off when the caller had switched it off."""
    module, _ = excel_udfs
    seen = []
    paused = module.cell_function(lambda: seen.append(gc.isenabled()) or [["ok"]])
    assert gc.isenabled()
    assert paused() == [["ok"]] and seen == [False] and gc.isenabled()
    assert call_udf(module.MOM_SPEND, *spend_args("week", MISSING))[0][0].startswith("MOM: by")
    assert gc.isenabled()
    gc.disable()
    try:
        assert paused() == [["ok"]] and not gc.isenabled()
    finally:
        gc.enable()


def test_remaining_of_one_activity_or_the_plan(excel_udfs):
    module, _ = excel_udfs
    # one number: Excel receives it as a 1×1 array
    assert call_udf(module.MOM_REMAINING, *spend_args("a1", MISSING)) == [[850.5]]
    assert call_udf(module.MOM_REMAINING, *spend_args(MISSING, MISSING)) == [[5750.51]]
    assert call_udf(module.MOM_REMAINING, *spend_args(None, MISSING)) == [[5750.51]]  # blank
    assert call_udf(module.MOM_REMAINING, *spend_args("A9", MISSING)) == one_cell(
        "MOM: activity 'A9' is not in the Activities range")


# --- MOM_COVERAGE ------------------------------------------------------------------------------

OPPORTUNITIES = (
    ("Opportunity ID", "Rep", "Stage", "Amount", "Close Date", "Probability"),
    ("O1", "Ana", "Proposal", 100000.0, dt.datetime(2027, 3, 1), None),
    ("O2", "Ana", "Closed Won", 50000.0, serial(dt.date(2027, 1, 20)), None),
    ("O3", "Ben", "Negotiation", 40000.0, dt.datetime(2027, 3, 30), 0.5),
    ("O4", "Ben", "Prospecting", NA_ERROR, dt.datetime(2027, 3, 30), None),   # left out
    ("O5", "Ana", "Proposal", 70000.0, dt.datetime(2027, 5, 1), None),        # next quarter
    (None, None, None, None, None, None))
QUOTAS = (("Rep", "Quarter", "Quota"),
          ("Ana", "FY2027-Q1", 200000.0),
          ("Ben", dt.datetime(2027, 2, 1), 100000.0))                # a date inside the quarter


def test_coverage_per_rep(excel_udfs):
    module, _ = excel_udfs
    # FY2027-Q1 = Jan–Mar 2027 (FY starts in January); as of 2027-02-15 given as a serial.
    # Ana: won 50,000 → remaining 150,000; open 100,000 (Proposal, default probability 0.5 →
    #      weighted 50,000); coverage 100,000 / 150,000; gap 2.5 × 150,000 − 100,000 = 275,000
    # Ben: open 40,000 (weighted at its own 0.5 = 20,000); coverage 0.4; gap 210,000
    result = call_udf(module.MOM_COVERAGE, OPPORTUNITIES, QUOTAS, serial(dt.date(2027, 2, 15)),
                      MISSING, MISSING)
    assert result == [
        ["Rep", "Quota", "Won", "Remaining Quota", "Open", "Weighted", "Coverage", "Gap",
         "Below Target", "Quota Met"],
        ["Ana", 200000.0, 50000.0, 150000.0, 100000.0, 50000.0, 100000 / 150000, 275000.0,
         True, False],
        ["Ben", 100000.0, 0.0, 100000.0, 40000.0, 20000.0, 0.4, 210000.0, True, False],
    ]


def test_coverage_target_from_a_cell_and_bad_input(excel_udfs):
    module, _ = excel_udfs
    result = call_udf(module.MOM_COVERAGE, OPPORTUNITIES, QUOTAS, dt.datetime(2027, 2, 15),
                      0.5, MISSING)
    # target 0.5: Ana 0.667 and Ben 0.4 → only Ben below; Ana's gap max(0, 75,000 − 100,000) = 0
    assert [(r[0], r[7], r[8]) for r in result[1:]] == [("Ana", 0.0, False),
                                                        ("Ben", 10000.0, True)]
    assert call_udf(module.MOM_COVERAGE, OPPORTUNITIES, QUOTAS, MISSING, "high", MISSING) == (
        one_cell("MOM: target 'high' is not a number"))
    assert call_udf(module.MOM_COVERAGE, OPPORTUNITIES, MISSING, MISSING, MISSING, MISSING) == (
        one_cell("MOM: the Quotas range is missing; pass the whole table, e.g. Quotas[#All]"))


# --- MOM_FUNNEL --------------------------------------------------------------------------------

LEADS = (
    ("Lead ID", "Campaign ID", "Inquiry Date", "MQL Date", "SQL Date", "SAL Date",
     "Opportunity Date"),
    ("L1", "C1", dt.datetime(2027, 3, 1), dt.datetime(2027, 3, 3), serial(dt.date(2027, 3, 8)),
     None, None),
    ("L2", "C1", dt.datetime(2027, 3, 1), None, None, None, None),
    ("L3", "C2", dt.datetime(2027, 3, 2), dt.datetime(2027, 3, 2), NA_ERROR, None, None),
    (None, None, None, None, None, None, None))
CAMPAIGNS = (("Campaign ID", "Campaign"), ("C1", "Launch"), ("C2", "Summit"))


def test_funnel_per_campaign(excel_udfs):
    module, _ = excel_udfs
    # C1: 2 leads; MQL 1 (½), Mon 1 → Wed 3 March = 2 working days; SQL 1 of 1, Wed 3 →
    # Mon 8 March = 3 working days; SAL none. C2: 1 lead, MQL the same day (0 days); its SQL
    # date is an error cell (blank).
    result = call_udf(module.MOM_FUNNEL, LEADS, CAMPAIGNS, dt.datetime(2027, 3, 15), MISSING)
    assert result == [
        ["Campaign ID", "Campaign", "Leads", "Stage", "Reached", "Conversion", "Median Days"],
        ["C1", "Launch", 2, "MQL", 1, 0.5, 2.0],
        ["C1", "Launch", 2, "SQL", 1, 1.0, 3.0],
        ["C1", "Launch", 2, "SAL", 0, 0.0, ""],
        ["C1", "Launch", 2, "Opportunity", 0, "", ""],
        ["C2", "Summit", 1, "MQL", 1, 1.0, 0.0],
        ["C2", "Summit", 1, "SQL", 0, 0.0, ""],
        ["C2", "Summit", 1, "SAL", 0, "", ""],
        ["C2", "Summit", 1, "Opportunity", 0, "", ""],
    ]


def test_funnel_stages_from_the_plan_range(excel_udfs):
    module, _ = excel_udfs
    plan = (("Field", "Value"), ("Lead Stages", "MQL, SQL"))
    result = call_udf(module.MOM_FUNNEL, LEADS, MISSING, serial(dt.date(2027, 3, 15)), plan)
    assert [(r[0], r[3], r[4]) for r in result[1:]] == [
        ("C1", "MQL", 1), ("C1", "SQL", 1), ("C2", "MQL", 1), ("C2", "SQL", 0)]


# --- MOM_CAPACITY ------------------------------------------------------------------------------

CAPACITY_TASKS = (
    ("Task ID", "Activity ID", "Task", "Assignee", "Planned Start", "Planned Finish",
     "Planned Hours", "Status"),
    ("T1", "A1", "Design", "Dana Kim", dt.datetime(2027, 3, 1), dt.datetime(2027, 3, 12), 60.0,
     None),
    ("T2", "A1", "Copy", "dana kim", serial(dt.date(2027, 3, 3)), serial(dt.date(2027, 3, 5)),
     24.0, None),
    ("T3", "A1", "Print", "Lee Ho", dt.datetime(2027, 3, 1), dt.datetime(2027, 3, 1), 8.0,
     "Cancelled"),
    (None, None, None, None, None, None, None, None),
)


def test_capacity_spreads_planned_hours_over_working_days_by_week(excel_udfs):
    module, _ = excel_udfs
    people = (("Person", "Hours per Week"), ("Dana Kim", 30.0))
    result = call_udf(module.MOM_CAPACITY, CAPACITY_TASKS, people, MISSING, MISSING)
    # T1: 60 h over 10 working days = 6 a day; T2: 24 h over Wed–Fri = 8 a day.
    assert result == [
        ["Person", "Week", "Fiscal Week", "Hours", "Capacity", "Utilisation", "Tasks"],
        ["Dana Kim", cell_date(dt.date(2027, 3, 1)), "FY2027-W10", 54.0, 30.0, 1.8, "T1, T2"],
        ["Dana Kim", cell_date(dt.date(2027, 3, 8)), "FY2027-W11", 30.0, 30.0, 1.0, "T1"],
    ]


def test_capacity_for_one_person_and_its_errors(excel_udfs):
    module, _ = excel_udfs
    result = call_udf(module.MOM_CAPACITY, CAPACITY_TASKS, MISSING, " DANA KIM", MISSING)
    assert [row[3] for row in result[1:]] == [54.0, 30.0]        # default capacity 40
    assert [row[5] for row in result[1:]] == [1.35, 0.75]
    assert call_udf(module.MOM_CAPACITY, CAPACITY_TASKS, MISSING, "Nobody", MISSING) == [
        ["Person", "Week", "Fiscal Week", "Hours", "Capacity", "Utilisation", "Tasks"]]
    no_id = tuple(row[1:] for row in CAPACITY_TASKS)
    assert call_udf(module.MOM_CAPACITY, no_id, MISSING, MISSING, MISSING) == one_cell(
        "MOM: Tasks range has no 'Task ID' header")


# --- raw ranges: COM's values, cleaned by xlwings only where a cell needs it -----------------

def com_date(day: dt.date) -> dt.datetime:
    """A date cell as COM hands it over: pywintypes' datetime, with its time zone."""
    from .xlwings_windows import _TimeType
    return _TimeType(day.year, day.month, day.day, tzinfo=UTC)


DIV_ERROR = -2146826281       # #DIV/0!
ODD_BUDGET = (
    ("Activity ID", "Month", "Budgeted", "Planned", "Note"),
    ("A1", com_date(dt.date(2027, 1, 1)), 1000.0, "", VALUE_ERROR),     # "" from a formula
    (" a2 ", com_date(dt.date(2027, 2, 1)), "1,200.50", 5.0, com_date(dt.date(2027, 1, 9))),
    ("", None, NA_ERROR, True, ""),                                     # blank required ID
    (None, "", None, None, "  "),                                       # a blank row
    ("A2", "2027-03", serial(dt.date(2027, 3, 1)), DIV_ERROR, "x"),
    ("A1", com_date(dt.date(2027, 13 - 12, 1)), "12.5 EUR", -5.0, None))
ODD_ACTIVITIES = (("Activity ID", "Campaign ID", "Activity", "GL Account", "Owner"),
                  ("A1", "C1", "Booth", 610200.0, NA_ERROR), ("A2", " c1", "Ads", "610100", ""),
                  ("", "", "", "", None), (None, None, None, None, None))
ODD_TASKS = (
    ("Task ID", "Activity ID", "Task", "Planned Start", "Planned Finish", "% Complete", "Status"),
    ("T1", "A1", "Brief", com_date(dt.date(2027, 3, 1)), com_date(dt.date(2027, 3, 5)), 1.0,
     "Done"),
    ("T2", "A1", "Copy", serial(dt.date(2027, 3, 8)), "2027-03-12", "50%", ""),
    ("T3", "A2", "Design", com_date(dt.date(2027, 3, 1)), NA_ERROR, VALUE_ERROR, None),
    ("", "", "", "", "", "", ""))
ODD_LEADS = (
    ("Lead ID", "Campaign ID", "Inquiry Date", "MQL Date", "SQL Date"),
    ("L1", "C1", com_date(dt.date(2027, 3, 1)), com_date(dt.date(2027, 3, 3)), ""),
    ("L2", " c1", serial(dt.date(2027, 3, 1)), NA_ERROR, None),
    ("L3", "C2", "2027-03-02", com_date(dt.date(2027, 3, 2)), com_date(dt.date(2027, 3, 9))))


def as_before(table):
    """The same range as the UDFs received it through xlwings' standard reader (2-D, blanks
    None, errors as text, COM dates as plain datetimes): what every cell meant before."""
    from xlwings import conversion
    return conversion.read(None, table, {"ndim": 2, "empty": None, "err_to_str": True})


def test_raw_ranges_mean_what_the_standard_reader_made_of_them(excel_udfs):
    module, _ = excel_udfs
    calls = [
        (module.MOM_VALIDATE, (ODD_BUDGET, "Budget", MISSING)),
        (module.MOM_VALIDATE, (ODD_TASKS, "Tasks", MISSING)),
        (module.MOM_SPEND, (ODD_ACTIVITIES, ODD_BUDGET, POS, INVOICES, MISSING, RATES,
                            "month", MISSING)),
        (module.MOM_SCHEDULE, (ODD_TASKS, ODD_ACTIVITIES, "task", serial(dt.date(2027, 3, 10)),
                               MISSING)),
        (module.MOM_COVERAGE, (OPPORTUNITIES, QUOTAS, com_date(dt.date(2027, 2, 15)), MISSING,
                               MISSING)),
        (module.MOM_FUNNEL, (ODD_LEADS, CAMPAIGNS, serial(dt.date(2027, 3, 15)), MISSING)),
        (module.MOM_ASSETS, (ASSETS, "launch", MISSING, MISSING, MISSING, MISSING)),
        (module.MOM_CAPACITY, (CAPACITY_TASKS, MISSING, MISSING, MISSING)),
    ]
    for function, args in calls:
        before = [as_before(a) if isinstance(a, tuple) else a for a in args]
        assert call_udf(function, *args) == call_udf(function, *before), function.__name__
    # and the answers are the real ones, cell by cell
    assert [tuple(r[:2]) for r in call_udf(module.MOM_VALIDATE, ODD_BUDGET, "Budget",
                                           MISSING)[1:]] == [
        ("C3", "number-as-text"), ("A4", "value-required"), ("C4", "value-type"),
        ("D4", "value-type"), ("D6", "value-type"), ("C7", "number-as-text"),
        ("D7", "value-range")]
    assert call_udf(module.MOM_VALIDATE, ODD_BUDGET, "Budget", MISSING)[3][3] == (
        "the cell shows the error #N/A")                      # the COM error code, as its text
    # January 1000 + 12.50 ("12.5 EUR" as text); February 1,200.50 (text) on " a2 " = A2;
    # March the serial 46447 typed into Budgeted; blank and error Planned count 0
    assert call_udf(module.MOM_SPEND, ODD_ACTIVITIES, ODD_BUDGET, POS, INVOICES, MISSING, RATES,
                    "month", MISSING)[1:] == [
        ["2027-01", 1012.5, 0.0, 830.0, 0.0, 182.5, 1012.5],
        ["2027-02", 1200.5, 5.0, 0.0, 619.99, 580.51, 1195.5],
        ["2027-03", 46447.0, 0.0, 0.0, 0.0, 46447.0, 46447.0]]
    # T2: a serial start, an ISO-text finish, "50%" as text → EV 2.5 of PV 3; T3 (#N/A finish)
    # is left out
    assert call_udf(module.MOM_SCHEDULE, ODD_TASKS, ODD_ACTIVITIES, "task",
                    serial(dt.date(2027, 3, 10)), MISSING)[1:] == [
        ["T1", cell_date(dt.date(2027, 3, 1)), cell_date(dt.date(2027, 3, 5)), "", "", 1.0, 1.0,
         0],
        ["T2", cell_date(dt.date(2027, 3, 8)), cell_date(dt.date(2027, 3, 12)), "", "", 0.5,
         2.5 / 3, 0]]


def test_results_are_what_xlwings_standard_writer_made_of_the_frame(excel_udfs):
    """`_cells` builds the rows per column; xlwings' DataFrame writer (how the UDFs returned
    their frames before) gives the same rows from the same figures."""
    import numpy as np
    import pandas as pd
    from xlwings import conversion
    module, _ = excel_udfs
    days = pd.to_datetime(["2027-03-01", None, "2027-03-01"]).to_numpy(dtype="datetime64[s]")
    frame = pd.DataFrame({
        "Key": pd.array(["A1", None, "A3"], dtype="string"), "Count": np.array([1, 0, 2]),
        "Ratio": [0.5, float("nan"), 1.0], "Flag": [True, False, True],
        "Money": pd.array([123456, None, -1], dtype="Int64"), "Day": days,
        "Median": pd.array([1.5, None, 2.0], dtype="Float64"), "Text": ["x", None, ""]})
    before = pd.DataFrame({
        "Key": ["A1", None, "A3"], "Count": [1, 0, 2], "Ratio": [0.5, None, 1.0],
        "Flag": [True, False, True], "Money": [1234.56, None, -0.01],
        "Day": [dt.datetime(2027, 3, 1), None, dt.datetime(2027, 3, 1)],
        "Median": [1.5, None, 2.0], "Text": ["x", None, ""]}, dtype=object)
    expected = conversion.write(before, None, {"index": False, "header": True})
    assert module._cells(frame, money=("Money",)) == expected
    assert expected[2] == ["", 0, "", False, "", "", "", ""]
    assert expected[1][5] == cell_date(dt.date(2027, 3, 1))
