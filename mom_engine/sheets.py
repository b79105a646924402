"""Every sheet of the team workbook, declared once (SPEC §3).

One declaration per sheet drives reading (header matching, value types), validation
(required values, enums, ranges, unique IDs, references), the blank template (headers, drop-downs,
formats) and the docs. Adding a column is a one-line change here.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from enum import Enum


class Kind(Enum):
    """How a cell is read (SPEC §3 "Values")."""

    TEXT = "text"          # trimmed text; whole numbers become their digits
    ID = "id"              # like TEXT; leading zeros kept
    MONEY = "money"        # → integer cents, half away from zero
    NUMBER = "number"      # → float
    DATE = "date"          # Excel date (1900/1904) or ISO text → datetime.date
    MONTH = "month"        # any date in the month or YYYY-MM → first day of the month
    PERCENT = "percent"    # fraction 0..1; (1, 100] read as percent with a warning
    ENUM = "enum"          # case-insensitive → canonical spelling
    YESNO = "yesno"        # Yes/No → bool
    CURRENCY = "currency"  # ISO 4217 code, upper case
    QUARTER = "quarter"    # FY2027-Q2, or any date inside that fiscal quarter
    LIST = "list"          # comma-separated list of names


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = Kind.TEXT
    required: bool = False
    default: object = None
    choices: tuple[str, ...] = ()
    minimum: float | None = None          # inclusive
    maximum: float | None = None          # inclusive
    above: float | None = None            # exclusive lower bound
    references: tuple[str, str] | None = None   # (sheet, column) the value must exist in
    aliases: tuple[str, ...] = ()
    width: int = 14
    note: str = ""                        # for readers of the declaration
    # Headers (of vendor exports) whose values are in percent, 0..100: read as percent without
    # a percent-scale warning (`Probability (%)` 25 → 0.25).
    percent_headers: tuple[str, ...] = ()
    # Headers that stand in for this column only when none of its own headers is there (a
    # HubSpot contact's `Original Source` is its campaign when it has no `Campaign ID`).
    fallback_headers: tuple[str, ...] = ()
    # Values a Mappings sheet may translate (its Kind): read as text, resolved after reading.
    mapped: str | None = None
    # False: a vendor export's column, read when present but not written into the template.
    template: bool = True

    @property
    def key(self) -> str:
        return normalise_name(self.name)

    @functools.cached_property
    def header_keys(self) -> tuple[str, ...]:
        """Its normalised name and aliases: the headers it is read from (computed once)."""
        return (self.key, *(normalise_name(a) for a in self.aliases))


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]
    required: bool = False
    aliases: tuple[str, ...] = ()
    key: tuple[str, ...] = ()          # columns that identify a row (id-duplicate)
    description: str = ""
    date_pairs: tuple[tuple[str, str], ...] = ()   # (start, finish) → dates-reversed
    formula_columns: tuple[str, ...] = field(default=())  # template-only outputs, never input

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def required_columns(self) -> list[Column]:
        return [c for c in self.columns if c.required]

    @functools.cached_property
    def columns_by_header(self) -> dict[str, Column]:
        """Normalised header or alias → its column (computed once per sheet)."""
        return {key: c for c in self.columns for key in c.header_keys}


_NAME_JUNK = re.compile(r"[\s_\-]+")


def normalise_name(name: object) -> str:
    """`Activity ID` = `activity_id` = `ACTIVITY-ID` (SPEC §3 "Name matching")."""
    return _normalised(str(name))


@functools.lru_cache(maxsize=8192)
def _normalised(text: str) -> str:
    """(cached: every book's headers, sheet names and stages are the same few hundred names)"""
    return _NAME_JUNK.sub("", text).casefold()


T, ID, MONEY, NUM, DATE, MONTH, PCT, ENUM, YESNO, CUR, QTR, LIST = (
    Kind.TEXT, Kind.ID, Kind.MONEY, Kind.NUMBER, Kind.DATE, Kind.MONTH, Kind.PERCENT,
    Kind.ENUM, Kind.YESNO, Kind.CURRENCY, Kind.QUARTER, Kind.LIST,
)

PLAN_STATUSES = ("Draft", "Submitted", "Approved", "Closed")
CAMPAIGN_STATUSES = ("Planned", "Active", "Completed", "Cancelled")
TASK_STATUSES = ("Not Started", "In Progress", "In Review", "Approved", "Done", "Blocked",
                 "Cancelled")
PO_STATUSES = ("Open", "Closed", "Cancelled")
INVOICE_STATUSES = ("Received", "Approved", "Paid")
LEAD_STATUSES = ("Open", "Recycled", "Disqualified", "Converted")
ASSET_STATUSES = ("Draft", "Approved", "Retired")
RESOURCE_TYPES = ("Internal", "External")
SEVERITIES = ("error", "warning")
BUDGET_CONTROLS = ("Annual", "Accumulated Monthly")
PO_CONTROLS = ("Stop", "Warn")
OPPORTUNITY_STAGES = {
    "Prospecting": 0.10,
    "Qualification": 0.25,
    "Proposal": 0.50,
    "Negotiation": 0.75,
    "Closed Won": 1.00,
    "Closed Lost": 0.00,
}
CLOSED_STAGES = ("Closed Won", "Closed Lost")
OPEN_STAGES = tuple(stage for stage in OPPORTUNITY_STAGES if stage not in CLOSED_STAGES)
DEFAULT_LEAD_STAGES = ("MQL", "SQL", "SAL", "Opportunity")

GL_LIST = "GL Accounts"

# The Plan sheet is a Field/Value list; its fields are declared in plan.py.
PLAN = Sheet(
    "Plan",
    (Column("Field", T, required=True, width=24), Column("Value", T, required=True, width=28)),
    required=True,
    description="Plan settings: one Field/Value pair per row.",
)

OBJECTIVES = Sheet(
    "Objectives",
    (
        Column("Objective ID", ID, required=True),
        Column("Objective", T, required=True, width=32),
        Column("Corporate Goal", T, width=24),
        Column("KPI", T),
        Column("Target", NUM),
    ),
    key=("Objective ID",),
    description="Marketing objectives, each tied to a corporate goal.",
)

CAMPAIGNS = Sheet(
    "Campaigns",
    (
        Column("Campaign ID", ID, required=True),
        Column("Campaign", T, required=True, width=28),
        Column("Objective ID", ID, references=("Objectives", "Objective ID")),
        Column("Product", T),
        Column("Segment", T),
        Column("Channel", T),
        Column("Owner", T),
        Column("Start", DATE),
        Column("End", DATE),
        Column("Status", ENUM, default="Planned", choices=CAMPAIGN_STATUSES),
        Column("Expected Leads", NUM, minimum=0),
        Column("Expected Pipeline", MONEY, minimum=0),
        Column("Expected Revenue", MONEY, minimum=0),
    ),
    required=True,
    key=("Campaign ID",),
    date_pairs=(("Start", "End"),),
    description="Campaigns of the plan.",
)

ACTIVITIES = Sheet(
    "Activities",
    (
        Column("Activity ID", ID, required=True),
        Column("Campaign ID", ID, required=True, references=("Campaigns", "Campaign ID")),
        Column("Activity", T, required=True, width=28),
        Column("Type", T),
        Column("GL Account", ID, required=True, references=("Lists", GL_LIST)),
        Column("Owner", T),
        Column("Vendor", T),
        Column("Start", DATE),
        Column("End", DATE),
    ),
    required=True,
    key=("Activity ID",),
    date_pairs=(("Start", "End"),),
    formula_columns=("Budgeted", "Planned", "Committed", "Spent", "Remaining", "Activity Key",
                     "Counted"),
    description="Activities (the level budgets and spend attach to), each with a GL account.",
)

BUDGET = Sheet(
    "Budget",
    (
        Column("Activity ID", ID, required=True, references=("Activities", "Activity ID")),
        Column("Month", MONTH, required=True),
        Column("Budgeted", MONEY, default=0,
               note="a negative row is a budget cut; the activity's total must not be below 0"),
        Column("Planned", MONEY, default=0, minimum=0),
    ),
    required=True,
    description="Budget by activity and month; several rows for the same pair are summed.",
)

REALIGNMENTS = Sheet(
    "Realignments",
    (
        Column("Date", DATE, required=True),
        Column("From Activity ID", ID, required=True, references=("Activities", "Activity ID")),
        Column("To Activity ID", ID, required=True, references=("Activities", "Activity ID")),
        Column("Amount", MONEY, required=True, above=0),
        Column("Reason", T, width=28),
        Column("Approved By", T),
    ),
    description="Dated budget transfers between activities.",
)

TASKS = Sheet(
    "Tasks",
    (
        Column("Task ID", ID, required=True),
        Column("Activity ID", ID, required=True, references=("Activities", "Activity ID")),
        Column("Task", T, required=True, width=28),
        Column("Deliverable", T),
        Column("Role", T),
        Column("Assignee", T),
        Column("Resource Type", ENUM, default="Internal", choices=RESOURCE_TYPES),
        Column("Planned Start", DATE, required=True),
        Column("Planned Finish", DATE, required=True),
        Column("Actual Start", DATE),
        Column("Actual Finish", DATE),
        Column("% Complete", PCT, default=0.0, minimum=0, maximum=1),
        Column("Status", ENUM, default="Not Started", choices=TASK_STATUSES),
        Column("Submitted On", DATE),
        Column("Approved On", DATE),
        Column("Approver", T),
        Column("Planned Hours", NUM, minimum=0),
        Column("Actual Hours", NUM, minimum=0),
        Column("Brief", T, width=28),
    ),
    key=("Task ID",),
    date_pairs=(("Planned Start", "Planned Finish"), ("Actual Start", "Actual Finish"),
                ("Submitted On", "Approved On")),
    description="Tasks and deliverables under activities.",
)

PURCHASE_ORDERS = Sheet(
    "PurchaseOrders",
    (
        Column("PO Number", ID, required=True),
        Column("Activity ID", ID, required=True, references=("Activities", "Activity ID")),
        Column("Task ID", ID, references=("Tasks", "Task ID")),
        Column("Vendor", T, required=True),
        Column("Amount", MONEY, required=True, minimum=0),
        Column("Currency", CUR),
        Column("Issue Date", DATE, required=True),
        Column("Status", ENUM, default="Open", choices=PO_STATUSES),
        Column("Closed On", DATE,
               note="the date a Closed or Cancelled PO stopped being Open (for --as-of)"),
    ),
    aliases=("Purchase Orders", "POs"),
    key=("PO Number",),
    description="Purchase orders: money committed to vendors.",
)

INVOICES = Sheet(
    "Invoices",
    (
        Column("Invoice No", ID, required=True, aliases=("Invoice Number",)),
        Column("PO Number", ID, references=("PurchaseOrders", "PO Number")),
        Column("Activity ID", ID, references=("Activities", "Activity ID")),
        Column("Vendor", T, required=True),
        Column("Amount", MONEY, required=True),
        Column("Currency", CUR),
        Column("Invoice Date", DATE, required=True),
        Column("GL Account", ID, references=("Lists", GL_LIST)),
        Column("Status", ENUM, default="Received", choices=INVOICE_STATUSES),
    ),
    key=("Vendor", "Invoice No"),
    description="Vendor invoices: money spent.",
)

RATES = Sheet(
    "Rates",
    (
        Column("Currency", CUR, required=True),
        Column("Rate", NUM, required=True, above=0),
    ),
    key=("Currency",),
    description="Exchange rates: plan-currency units per one unit of Currency.",
)

# Header aliases below include the spellings of CRM and marketing-automation exports
# (Salesforce opportunity reports, HubSpot deal and contact exports, Marketo lead exports), so
# an export pasted into the sheet, or given with --crm / --leads, reads as it comes.
OPPORTUNITIES = Sheet(
    "Opportunities",
    (
        Column("Opportunity ID", ID, required=True, aliases=("Record ID", "Deal ID")),
        Column("Rep", T, required=True,
               aliases=("Opportunity Owner", "Deal owner", "Owner", "Opportunity Owner Name")),
        Column("Account", T, aliases=("Account Name", "Associated Company", "Company name",
                                      "Company")),
        Column("Campaign ID", ID, references=("Campaigns", "Campaign ID"),
               aliases=("Primary Campaign Source", "Primary Campaign", "Campaign",
                        "Campaign Name"), mapped="Campaign"),
        Column("Stage", ENUM, required=True, choices=tuple(OPPORTUNITY_STAGES),
               aliases=("Deal Stage",), mapped="Stage"),
        Column("Amount", MONEY, required=True, minimum=0),
        Column("Currency", CUR, aliases=("Opportunity Currency", "Amount Currency"),
               note="blank = plan currency; another is converted with the Rates sheet"),
        Column("Created", DATE, aliases=("Created Date", "Create Date")),
        Column("Close Date", DATE, required=True),
        Column("Probability", PCT, minimum=0, maximum=1, aliases=("Deal probability",),
               percent_headers=("Probability (%)",)),
    ),
    aliases=("Pipeline",),
    key=("Opportunity ID",),
    description="Sales opportunities by rep.",
)

QUOTAS = Sheet(
    "Quotas",
    (
        Column("Rep", T, required=True),
        Column("Quarter", QTR, required=True),
        Column("Quota", MONEY, required=True, minimum=0),
    ),
    key=("Rep", "Quarter"),
    description="Quota per rep and fiscal quarter.",
)

LEAD_STATUS_COLUMNS = (
    Column("Status", ENUM, default="Open", choices=LEAD_STATUSES),
    Column("Opted Out", YESNO, default=False,
           aliases=("Unsubscribed from all email", "Unsubscribed", "Email Opt Out")),
    Column("Marketing Contact Status", T, template=False,
           note="HubSpot's: a 'Non-marketing contact' is opted out"),
    Column("Recycle Reason", T, width=24),
)

# The date a contact reached a lifecycle stage, as HubSpot and Marketo name it.
STAGE_DATE_ALIASES: dict[str, tuple[str, ...]] = {
    "MQL": ("Became a Marketing Qualified Lead Date", "MQL At"),
    "SQL": ("Became a Sales Qualified Lead Date", "SQL At"),
    "SAL": ("Became a Sales Accepted Lead Date", "SAL At"),
    "Opportunity": ("Became an Opportunity Date", "Opportunity At"),
    "Customer": ("Became a Customer Date",),
}


def stage_date_column(stage: str) -> Column:
    """A Lead Stage's date column, with the export spellings of that stage's date."""
    aliases = next((names for known, names in STAGE_DATE_ALIASES.items()
                    if normalise_name(known) == normalise_name(stage)), ())
    return Column(f"{stage} Date", DATE, aliases=aliases)


LEADS = Sheet(
    "Leads",
    (
        Column("Lead ID", ID, required=True, aliases=("Record ID", "Id", "Contact ID")),
        Column("Campaign ID", ID, references=("Campaigns", "Campaign ID"),
               aliases=("Acquisition Program", "Campaign"),
               fallback_headers=("Original Source", "First Conversion", "Original Source Type"),
               mapped="Campaign"),
        Column("Account", T, aliases=("Company Name", "Associated Company", "Company")),
        Column("Owner", T, aliases=("Contact owner", "Lead Owner")),
        Column("Inquiry Date", DATE, aliases=("Create Date", "Created At")),
        *(stage_date_column(stage) for stage in DEFAULT_LEAD_STAGES),
        *LEAD_STATUS_COLUMNS,
    ),
    key=("Lead ID",),
    description="Leads and the date each reached a funnel stage.",
)

ASSETS = Sheet(
    "Assets",
    (
        Column("Asset ID", ID, required=True),
        Column("Asset", T, required=True, width=28),
        Column("Type", T),
        Column("Product", T),
        Column("Segment", T),
        Column("Region", T),
        Column("Tags", T, width=24),
        Column("Status", ENUM, default="Draft", choices=ASSET_STATUSES),
        Column("Expires", DATE),
        Column("Location", T, width=28),
        Column("Guidelines", T, width=28),
    ),
    key=("Asset ID",),
    description="Marketing assets, searchable before anyone re-creates one.",
)

PEOPLE = Sheet(
    "People",
    (
        Column("Person", T, required=True, width=20),
        Column("Role", T),
        Column("Resource Type", ENUM, default="Internal", choices=RESOURCE_TYPES),
        Column("Hours per Week", NUM, default=40, above=0),
        Column("Cost Rate", MONEY, minimum=0, note="cost per hour, plan currency"),
    ),
    key=("Person",),
    description="People who do the work: their weekly capacity and hourly cost. Optional; "
                "when filled, every task Assignee should be on it.",
)

LIST_NAMES = ("Channels", "Segments", "Products", GL_LIST, "Roles", "Vendors", "Reps",
              "Activity Types", "Asset Types", "Regions")

LISTS = Sheet(
    "Lists",
    tuple(Column(name, T, width=18) for name in LIST_NAMES),
    description="Reference lists, one per column. A non-empty GL Accounts list is the chart "
                "of accounts.",
)

MAPPING_KINDS = ("Stage", "Header", "Campaign")
CLOSED_KINDS = ("Won", "Lost")

MAPPINGS = Sheet(
    "Mappings",
    (
        Column("Kind", ENUM, required=True, choices=MAPPING_KINDS),
        Column("From", T, required=True, width=28),
        Column("To", T, required=True, width=24),
        Column("Probability", PCT, minimum=0, maximum=1),
        Column("Closed", ENUM, choices=CLOSED_KINDS),
    ),
    key=("Kind", "From"),
    description="How a CRM's or marketing-automation system's names map onto ours: Stage "
                "(an export's stage → one of ours, its probability, closed won / lost), Header "
                "(an export's column header → one of ours), Campaign (an Original Source or "
                "First Conversion value → a Campaign ID).",
)

TARGET_ACCOUNTS = Sheet(
    "Target Accounts",
    (
        Column("Account", T, required=True, width=28),
        Column("Tier", T),
        Column("Rep", T),
    ),
    aliases=("Target Account", "Named Accounts"),
    key=("Account",),
    description="The named accounts sales goes after: leads, MQLs, open pipeline and won per "
                "account for the quarter.",
)

SHEETS: dict[str, Sheet] = {
    s.name: s
    for s in (PLAN, OBJECTIVES, CAMPAIGNS, ACTIVITIES, BUDGET, REALIGNMENTS, TASKS,
              PURCHASE_ORDERS, INVOICES, RATES, OPPORTUNITIES, QUOTAS, LEADS, ASSETS, PEOPLE,
              TARGET_ACCOUNTS, MAPPINGS, LISTS)
}

# Sheet names as found in a workbook → canonical sheet name.
SHEET_NAMES: dict[str, str] = {}
for _sheet in SHEETS.values():
    for _alias in (_sheet.name, *_sheet.aliases):
        SHEET_NAMES[normalise_name(_alias)] = _sheet.name


def leads_sheet(stages: tuple[str, ...]) -> Sheet:
    """The Leads sheet for a plan's own Lead Stages (one date column per stage)."""
    if tuple(stages) == DEFAULT_LEAD_STAGES:
        return LEADS
    fixed = LEADS.columns[:5]
    return Sheet(
        LEADS.name,
        (*fixed, *(stage_date_column(stage) for stage in stages), *LEAD_STATUS_COLUMNS),
        key=LEADS.key,
        description=LEADS.description,
    )


def enum_value(column: Column, raw: str) -> str | None:
    """Canonical spelling of an enumeration value, or None when it is not allowed."""
    wanted = normalise_name(raw)
    for choice in column.choices:
        if normalise_name(choice) == wanted:
            return choice
    return None
