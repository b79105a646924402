"""The table spec of every report: its columns, their human headers, kinds and priorities.

Declared once here; the JSON document, the terminal table, CSV and Markdown are all rendered
from these (`report.table`, `report.text`, `report.writers`). Priority 0 is the row key, 1 the
figures a report is about, 2–3 detail that a narrow terminal moves to a second table. The
consolidated workbook's sheets are rendered from them too (`sheet_columns`).
"""
from __future__ import annotations

from collections.abc import Sequence

from .table import Column, Kind, TableSpec

M, A, R, P, DAYS, H, N, D, T, F = (Kind.MONEY, Kind.AMOUNT, Kind.RATIO, Kind.PERCENT, Kind.DAYS,
                                   Kind.HOURS, Kind.COUNT, Kind.DATE, Kind.TEXT, Kind.FLAG)

SPEND_KEY_HEADERS = {"activity": "Activity", "campaign": "Campaign", "plan": "Plan",
                     "gl": "G/L account", "month": "Month", "quarter": "Quarter", "year": "Year"}

SPEND = TableSpec(
    Column("key", "Activity", T, 0),
    Column("budgeted", "Budgeted", M, 1),
    Column("planned", "Planned", M, 2),
    Column("committed", "Committed", M, 1),
    Column("spent", "Spent", M, 1),
    Column("remaining", "Remaining", M, 1),
    Column("unplanned", "Unplanned", M, 2),
)
SPEND_FORECAST = TableSpec(
    Column("projected", "Projected", M, 2),
    Column("forecast", "Year-end forecast", M, 2),
)
SPEND_ACTIVITY_EXTRA = TableSpec(
    Column("campaign_id", "Campaign", T, 3),
    Column("gl_account", "G/L account", T, 3),
)

REALIGN = TableSpec(
    Column("level", "Level", T, 0),
    Column("key", "Key", T, 0),
    Column("budgeted_before", "Budgeted before", A, 1),
    Column("budgeted_after", "Budgeted after", A, 1),
    Column("remaining_before", "Remaining before", A, 1),
    Column("remaining_after", "Remaining after", A, 1),
)

SCHEDULE = TableSpec(
    Column("key", "Key", T, 0),
    Column("planned_start", "Planned start", D, 1),
    Column("planned_finish", "Planned finish", D, 1),
    Column("actual_start", "Actual start", D, 2),
    Column("actual_finish", "Actual finish", D, 2),
    Column("percent_complete", "% complete", P, 1),
    Column("spi", "SPI", R, 1),
    Column("late_tasks", "Late tasks", N, 1),
)
BOTTLENECKS = TableSpec(
    Column("key", "Who", T, 0),
    Column("reviews", "Reviews", N, 1),
    Column("median_days", "Median days", DAYS, 1),
    Column("max_days", "Longest days", DAYS, 1, shown=",.0f"),
    Column("open_reviews", "Open reviews", N, 1),
    Column("oldest_open_days", "Oldest open (days)", DAYS, 2, shown=",.0f"),
)

COVERAGE = TableSpec(
    Column("rep", "Rep", T, 0),
    Column("quota", "Quota", M, 1),
    Column("won", "Won", M, 1),
    Column("remaining_quota", "Remaining quota", M, 1),
    Column("open", "Open pipeline", M, 1),
    Column("weighted", "Weighted", M, 2),
    Column("coverage", "Coverage", R, 1),
    Column("gap", "Gap to target", M, 1),
    Column("below_target", "Below target", F, 2),
    Column("quota_met", "Quota met", F, 3),
    Column("marketing_sourced", "Marketing-sourced", M, 3),
    Column("sales_sourced", "Sales-sourced", M, 3),
)
COVERAGE_TEAM = TableSpec(
    Column("open", "Open pipeline", M),
    Column("remaining_quota", "Remaining quota", M),
    Column("coverage", "Coverage", R),
    Column("reps_below_target", "Reps below target", N),
    Column("marketing_sourced", "Marketing-sourced", M),
    Column("sales_sourced", "Sales-sourced", M),
)

ACCOUNTS = TableSpec(
    Column("account", "Account", T, 0),
    Column("tier", "Tier", T, 2),
    Column("rep", "Rep", T, 2),
    Column("leads", "Leads", N, 1),
    Column("mqls", "MQLs", N, 1),
    Column("open", "Open pipeline", M, 1),
    Column("won", "Won", M, 1),
    Column("covered", "Covered", F, 1),
)

FUNNEL_STAGE = TableSpec(
    Column("stage", "Stage", T, 0),
    Column("reached", "Reached", N, 1),
    Column("conversion", "Conversion", P, 1),
    Column("median_days", "Median days", DAYS, 1),
)
FUNNEL = TableSpec(
    Column("campaign", "Campaign", T, 0),
    Column("leads", "Leads", N, 1),
    *FUNNEL_STAGE.columns,
)

EFFECTIVENESS = TableSpec(
    Column("rank", "Rank", N, 0),
    Column("campaign_id", "Campaign ID", T, 0),
    Column("campaign", "Campaign", T, 2),
    Column("cost", "Cost", M, 1),
    Column("leads", "Leads", N, 1),
    Column("mqls", "MQLs", N, 2),
    Column("pipeline", "Pipeline", M, 1),
    Column("won", "Won", M, 1),
    Column("roi", "ROI", P, 1),
    Column("pipeline_per_cost", "Pipeline per cost", R, 2),
    Column("leads_attainment", "Leads attainment", P, 2),
    Column("pipeline_attainment", "Pipeline attainment", P, 2),
    Column("revenue_attainment", "Revenue attainment", P, 2),
)
EFFICIENCY = TableSpec(
    Column("campaign_id", "Campaign ID", T, 0),
    Column("campaign", "Campaign", T, 2),
    Column("cost", "Cost", M, 3),
    Column("leads", "Leads", N, 3),
    Column("mqls", "MQLs", N, 3),
    Column("cost_per_lead", "Cost per lead", M, 1),
    Column("cost_per_mql", "Cost per MQL", M, 1),
    Column("tasks", "Tasks", N, 2),
    Column("median_task_cycle", "Median task cycle (days)", DAYS, 1),
    Column("reviews", "Reviews", N, 2),
    Column("median_review_cycle", "Median review cycle (days)", DAYS, 1),
    Column("hours_variance", "Hours variance", DAYS, 1, shown="+,.1f"),
)


def with_changes(spec: TableSpec, key: str = "quarter") -> TableSpec:
    """Each figure of `spec` followed by `<figure>_change`: this row minus the previous one,
    shown with its sign (the scorecard by fiscal quarter)."""
    signs = {M: "+,.2f", A: "+,.2f", R: "+,.2f", P: "+.1%", DAYS: "+,.1f", N: "+,d"}
    columns = []
    for column in spec.columns:
        columns.append(column)
        if column.name != key and column.kind in signs:
            columns.append(Column(f"{column.name}_change", f"{column.header} change",
                                  column.kind, min(column.priority + 1, 3),
                                  shown=signs[column.kind]))
    return TableSpec(*columns)


QUARTER_EFFECTIVENESS = with_changes(TableSpec(
    Column("quarter", "Quarter", T, 0),
    *EFFECTIVENESS.only("cost", "leads", "mqls", "pipeline", "won", "roi",
                        "pipeline_per_cost").columns,
))
QUARTER_EFFICIENCY = with_changes(TableSpec(
    Column("quarter", "Quarter", T, 0),
    *(c for c in EFFICIENCY.columns if c.name not in ("campaign_id", "campaign")),
))

AT_RISK_SHOWN = ("campaign_id", "campaign", "status", "expected_share", "spi", "late_tasks",
                 "reasons")

CALENDAR = TableSpec(
    Column("book", "Workbook", T, 3),
    Column("plan_id", "Plan", T, 3),
    Column("team", "Team", T, 2),
    Column("kind", "Kind", T, 1),
    Column("campaign_id", "Campaign ID", T, 0),
    Column("activity_id", "Activity ID", T, 3),
    Column("task_id", "Task ID", T, 3),
    Column("name", "Name", T, 1),
    Column("channel", "Channel", T, 2),
    Column("segment", "Segment", T, 3),
    Column("owner", "Owner", T, 3),
    Column("status", "Status", T, 3),
    Column("start", "Start", D, 1),
    Column("end", "End", D, 1),
    Column("late", "Late", F, 1),
    Column("start_week", "Start week", T, 2),
    Column("end_week", "End week", T, 2),
    Column("campaign", "Campaign", T, 3),
)
CALENDAR_SHOWN = ("team", "kind", "campaign_id", "name", "channel", "start", "end",
                  "start_week", "end_week", "late")

CAPACITY_PEOPLE = TableSpec(
    Column("person", "Person", T, 0),
    Column("role", "Role", T, 2),
    Column("resource_type", "Resource type", T, 3),
    Column("capacity", "Hours per week", H, 2),
    Column("weeks", "Weeks", N, 2),
    Column("hours", "Hours", H, 1),
    Column("peak_hours", "Peak hours", H, 1),
    Column("peak_week", "Peak week", D, 1),
    Column("peak_utilisation", "Peak utilisation", P, 1, shown=".0%"),
    Column("weeks_over", "Weeks over", N, 1),
)
CAPACITY_CAMPAIGNS_SHOWN = ("book", "campaign_id", "internal_hours", "external_hours",
                            "actual_internal_hours", "actual_external_hours", "internal_cost",
                            "external_cost", "unpriced_hours")

ASSETS = TableSpec(
    Column("team", "Team", T, 2),
    Column("book", "Workbook", T, 3),
    Column("asset_id", "Asset ID", T, 0),
    Column("asset", "Asset", T, 1),
    Column("type", "Type", T, 1),
    Column("product", "Product", T, 3),
    Column("segment", "Segment", T, 3),
    Column("region", "Region", T, 3),
    Column("tags", "Tags", T, 3),
    Column("status", "Status", T, 2),
    Column("expires", "Expires", D, 2),
    Column("location", "Location", T, 3),
    Column("matches", "Matches", N, 1),
)
ASSETS_SHOWN = ("team", "asset_id", "asset", "type", "status", "expires", "matches")
DUPLICATE_ASSETS = TableSpec(
    Column("team", "Team", T, 1),
    Column("asset_id", "Asset ID", T, 0),
    Column("asset", "Asset", T, 1),
    Column("type", "Type", T, 1),
    Column("teams", "Teams", N, 1),
)

RECONCILE_SUMMARY = TableSpec(
    Column("result", "Result", T, 0),
    Column("count", "Documents", N, 1),
    Column("workbook_amount", "Workbook amount", M, 1),
    Column("erp_amount", "ERP amount", M, 1),
)
RECONCILE_DOCUMENTS = TableSpec(
    Column("class", "Result", T, 0),
    Column("document_type", "Type", T, 3),
    Column("document_no", "Document", T, 0),
    Column("po_number", "PO number", T, 3),
    Column("vendor", "Vendor", T, 2),
    Column("gl_account", "G/L account", T, 3),
    Column("currency", "Currency", T, 3),
    Column("workbook_amount", "Workbook amount", M, 1),
    Column("erp_amount", "ERP amount", M, 1),
    Column("difference", "Difference", M, 1),
    Column("book", "Workbook", T, 3),
    Column("sheet", "Sheet", T, 3),
    Column("cell", "Cell", T, 2),
    Column("erp_rows", "ERP rows", T, 3),
    Column("note", "Note", T, 3),
)
RECONCILE_DOCUMENTS_SHOWN = ("class", "document_no", "vendor", "workbook_amount", "erp_amount",
                             "difference", "cell")
RECONCILE_GL_MONTHS = TableSpec(
    Column("currency", "Currency", T, 2),
    Column("gl_account", "G/L account", T, 0),
    Column("month", "Month", T, 0),
    Column("quarter", "Quarter", T, 3),
    Column("workbook_spent", "Workbook spent", M, 1),
    Column("erp_actual", "ERP actual", M, 1),
    Column("variance", "Variance", M, 1),
)

CONSOLIDATION = TableSpec(
    Column("figure", "Figure", T, 0),
    Column("value", "Value", A, 1),
)
# Per team in `mom consolidate --json`: spend as of the date and the year-end forecast
CONSOLIDATION_TEAMS = TableSpec(
    Column("book", "Book", T, 0),
    Column("team", "Team", T, 0),
    Column("plan_id", "Plan", T, 1),
    Column("currency", "Currency", T, 2),
    Column("budgeted", "Budgeted", M, 1),
    Column("committed", "Committed", M, 1),
    Column("spent", "Spent", M, 1),
    Column("remaining", "Remaining", M, 1),
    Column("projected", "Projected", M, 2),
    Column("forecast", "Year-end forecast", M, 1),
)
COUNTS = TableSpec(
    Column("figure", "Figure", T, 0),
    Column("value", "Value", N, 1),
)

# --- the consolidated workbook ----------------------------------------------------------------
# Its rollup sheets take each column's header and kind from the command's own spec above (the
# Scorecard sheet from EFFECTIVENESS and EFFICIENCY, Coverage from COVERAGE, …), so the terminal,
# CSV and the workbook say the same; these declare what only a consolidation (or only its
# sheets) has. `sheet_columns` picks them.

BOOK_ROWS = TableSpec(          # which books a row comes from, on every sheet alike
    Column("book", "Book", T, 0),
    Column("team", "Team", T, 0),
    Column("teams", "Teams", N, 2),
)
CONSOLIDATED = TableSpec(
    Column("plan_id", "Plan ID", T, 0),
    Column("currency", "Currency", T, 2),
    Column("rate", "Rate", R, 2),
    Column("overspend", "Overspend", M, 1),
    Column("errors", "Errors", N, 1),
    Column("warnings", "Warnings", N, 1),
    Column("campaign_id", "Campaign ID", T, 0),
    Column("campaign", "Campaign", T, 1),
    Column("gl_account", "G/L account", T, 0),
    Column("month", "Month", T, 0),
    Column("quarter", "Quarter", T, 0),
    Column("target", "Target", R, 2),
    Column("duration", "Duration (working days)", N, 2),
    Column("ev", "EV (days)", DAYS, 2),
    Column("pv", "PV (days)", DAYS, 2),
    Column("likely_duplicate", "Likely duplicate", F, 1),
)
SOURCES = TableSpec(
    Column("book", "Book", T, 0),
    Column("path", "Path", T, 2),
    Column("sha256", "SHA-256", T, 3),
    Column("size", "Size (bytes)", N, 3),
    Column("status", "Status", T, 1),
    Column("sheet", "Sheet", T, 0),
    Column("read", "Rows read", N, 1),
    Column("consolidated", "Rows consolidated", N, 1),
    Column("rejected", "Rows rejected", N, 1),
    Column("reason", "Reason", T, 2),
)
AT_RISK = TableSpec(
    Column("campaign_id", "Campaign ID", T, 0),
    Column("campaign", "Campaign", T, 1),
    Column("status", "Status", T, 1),
    Column("start", "Start", D, 2),
    Column("end", "End", D, 2),
    Column("expected_share", "Expected share", P, 2),
    Column("leads_attainment", "Leads attainment", P, 1),
    Column("pipeline_attainment", "Pipeline attainment", P, 1),
    Column("revenue_attainment", "Revenue attainment", P, 1),
    Column("underperforming", "Underperforming", F, 1),
    Column("spi", "SPI", R, 1),
    Column("behind_schedule", "Behind schedule", F, 1),
    Column("late_tasks", "Late tasks", N, 1),
    Column("reasons", "Reasons", T, 1),
)
CAPACITY_WEEKS = TableSpec(
    Column("person", "Person", T, 0),
    Column("week", "Week", D, 0),
    Column("fiscal_week", "Fiscal week", T, 1),
    Column("hours", "Hours", H, 1),
    Column("capacity", "Capacity (hours)", H, 1),
    Column("utilisation", "Utilisation", P, 1),
    Column("tasks", "Tasks", T, 2),
    Column("books", "Workbooks", T, 3),
)
CAMPAIGN_HOURS = TableSpec(
    Column("campaign_id", "Campaign ID", T, 0),
    Column("campaign", "Campaign", T, 1),
    Column("internal_hours", "Internal hours", H, 1),
    Column("external_hours", "External hours", H, 1),
    Column("actual_internal_hours", "Actual internal hours", H, 2),
    Column("actual_external_hours", "Actual external hours", H, 2),
    Column("internal_cost", "Internal cost", M, 1),
    Column("external_cost", "External cost", M, 1),
    Column("unpriced_hours", "Unpriced hours", H, 2),
)
# `mom capacity`'s campaign table: the campaign hours of each workbook, in its currency.
CAPACITY_CAMPAIGNS = TableSpec(Column("book", "Workbook", T, 0),
                               Column("currency", "Currency", T, 3)).extended(CAMPAIGN_HOURS)


def sheet_columns(names: Sequence[str], *specs: TableSpec) -> TableSpec:
    """The spec of a sheet whose columns are `names`, in that order: each from the first of
    BOOK_ROWS, `specs`, CONSOLIDATED that declares it; `x_local` is x's figure in the book's own
    currency and `x_change` its change from the previous quarter, both of x's kind. A column
    no spec declares keeps its own name as header and is TEXT (the writer then keeps numbers
    and dates as they are): the Assets sheet's columns are the sheet's own headers."""
    declared: dict[str, Column] = {}
    for spec in (BOOK_ROWS, *specs, CONSOLIDATED):
        for column in spec.columns:
            declared.setdefault(column.name, column)

    def one(name: str) -> Column:
        if name in declared:
            return declared[name]
        for suffix, shown in (("_local", "{} (local)"), ("_change", "{} change")):
            base = name.removesuffix(suffix)
            if base != name and base in declared:
                column = declared[base]
                return Column(name, shown.format(column.header), column.kind, column.priority)
        return Column(name, name, T, 3)
    return TableSpec(*(one(str(n)) for n in names))
