"""The native Excel formulas of the team template, their cached values, and `formula-overwritten`
(SPEC §5, §14).

The template carries formula columns so a planner sees the core spend figures before Python
runs: on `Activities` the five §5 figures, fed by helper columns on `Realignments`,
`PurchaseOrders` and `Invoices`. The formulas are written here once, in the form Excel stores in
a file (structured references with `[#This Row]`). Their cached values are NOT a second Python
reading of the formulas: they are the engine's own figures (`spend.spend_data` and
`spend.spend_per_activity`, via `cached_values`), so a viewer that does not recalculate shows the
engine's numbers, `formula-overwritten` compares with the same numbers, and LibreOffice
recalculation proves the formulas give them too (tests/test_libreoffice_formulas.py).

Rows the engine leaves out are left out by the formulas too (a `Counted` helper column, 1 or 0,
on every sheet whose rows can be rejected):
- a row with a required value blank (the declared required columns of its sheet);
- a later row repeating an ID (the first row with that key counts: `MATCH(key, keys, 0)` is the
  row's own position);
- a row whose required reference names no counted row: an activity's Campaign ID, its GL Account
  when the GL Accounts list is filled, a Budget row's, a realignment's, a PO's activity, an
  invoice's PO Number or Activity ID.
Rows the engine rejects for a reason the formulas cannot see (a date typed as free text, a value
of the wrong type) make `formula-overwritten` skip the activities they touch.

Formula decisions (LibreOffice 7.4 has no XLOOKUP; both it and Excel must agree):
- IDs are compared as trimmed text (`TRIM(""&x)`), case-insensitively, inside SUMPRODUCT: a PO
  Number stored as a number on one sheet and as text on another still matches, as in the engine.
  SUMIFS/COUNTIFS are avoided: their criteria treat `*`, `?`, `<`… as operators and, in
  LibreOffice, a numeric-looking criterion never matches a text cell.
- `ROW(T[#Headers])` is an error in LibreOffice (a multi-cell range); the header row of one
  column, `ROW(T[[#Headers],[Key]])`, works in both.
- Amounts are rounded to cents per row (ROUND, half away from zero like the engine); a foreign
  amount is converted row by row (`ROUND(amount × rate, 2)`).
- A helper or figure cell is "" on a row that does not count, so unused table rows read as
  blank rows and sums use the comma form of SUMPRODUCT (text counts 0).
- A missing rate shows #N/A in the converted amount (and in the sums it feeds): a visible gap,
  never a guessed figure; `mom validate` reports `rate-missing`.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..findings import Finding, Severity
from ..model import Book
from .scorecard import ATTAINMENT_FIGURES
from ..sheets import GL_LIST, OPPORTUNITY_STAGES, SHEETS

FIGURES = ("Budgeted", "Planned", "Committed", "Spent", "Remaining")
PLAN_CURRENCY_NAME = "MOM_PlanCurrency"
# Defined name: the Plan's Currency (USD when blank or absent), read from the Plan table.
PLAN_CURRENCY_FORMULA = (
    '=IFERROR(IF(INDEX(Plan[Value],MATCH("Currency",Plan[Field],0))&""="","USD",'
    'TRIM(INDEX(Plan[Value],MATCH("Currency",Plan[Field],0))&"")),"USD")')
TOLERANCE_CENTS = 1
COUNTED = "Counted"       # 1: the engine counts the row, 0: it leaves it out, "": no data
KEYS = {"Activities": "Activity Key", "PurchaseOrders": "PO Key", "Invoices": "Invoice Key"}


def this_row(table: str, column: str) -> str:
    """A same-row structured reference as Excel stores it: Table[[#This Row],[Column]]."""
    return f"{table}[[#This Row],[{column}]]"


def key_of(table: str, column: str) -> str:
    return f'TRIM(""&{this_row(table, column)})'


def _sum_where(key_column: str, value_column: str, key: str, *, coerce: bool) -> str:
    """Σ value_column over the rows whose key_column equals `key` (trimmed text).
    `coerce` multiplies (numeric text such as "1,200.50" counts, as in the engine); otherwise
    the comma form (a "" helper cell counts as 0)."""
    match = f'(TRIM(""&{key_column})={key})'
    if coerce:
        return f"SUMPRODUCT({match}*{value_column})"
    return f"SUMPRODUCT(--{match},{value_column})"


def _converted(table: str) -> str:
    amount = this_row(table, "Amount")
    currency = this_row(table, "Currency")
    rate = f"INDEX(Rates[Rate],MATCH(TRIM({currency}),Rates[Currency],0))"
    return (f'ROUND({amount}*IF(OR(TRIM(""&{currency})="",'
            f'UPPER(TRIM(""&{currency}))=UPPER({PLAN_CURRENCY_NAME})),1,{rate}),2)')


def _present(table: str, columns: tuple[str, ...] | None = None) -> str:
    """Every required column of the sheet (or the given ones) filled on this row."""
    names = columns or tuple(c.name for c in SHEETS[table].required_columns)
    return "AND(" + ",".join(f'{key_of(table, name)}<>""' for name in names) + ")"


def _first(table: str, key: str) -> str:
    """This row is the first with its key (a later repeat is left out, like `id-duplicate`)."""
    return (f"MATCH({this_row(table, key)},{table}[{key}],0)"
            f"=ROW()-ROW({table}[[#Headers],[{key}]])")


def _counted_activity(reference: str) -> str:
    """`reference` names an activity row that counts."""
    return f'SUMPRODUCT(--(Activities[{KEYS["Activities"]}]={reference}),Activities[{COUNTED}])>0'


def _counted_only(table: str, formula: str) -> str:
    return f'=IF({this_row(table, COUNTED)}<>1,"",{formula})'


def _counted(table: str, key: str, *conditions: str) -> str:
    return (f'=IF({key}="","",IF(AND({",".join(conditions)}),1,0))')


ACTIVITY = this_row("Activities", KEYS["Activities"])
PO_KEY = this_row("PurchaseOrders", KEYS["PurchaseOrders"])
INVOICE_PO = key_of("Invoices", "PO Number")
INVOICE_ACTIVITY = key_of("Invoices", "Activity ID")
_CAMPAIGN_KNOWN = (
    f'SUMPRODUCT(--(TRIM(""&Campaigns[Campaign ID])={key_of("Activities", "Campaign ID")}),'
    '--(TRIM(""&Campaigns[Campaign])<>""))>0')
_GL_KNOWN = (   # an empty GL Accounts list means no chart of accounts: every account is known
    f'OR(SUMPRODUCT(--(TRIM(""&Lists[{GL_LIST}])<>""))=0,'
    f'SUMPRODUCT(--(TRIM(""&Lists[{GL_LIST}])={key_of("Activities", "GL Account")}))>0)')
_REALIGNMENT_FILLED = "&".join(key_of("Realignments", c.name)
                               for c in SHEETS["Realignments"].required_columns)
_INVOICE_PO_COUNTS = (f'OR({INVOICE_PO}="",IFERROR(INDEX(PurchaseOrders[{COUNTED}],'
                      f'MATCH({INVOICE_PO},PurchaseOrders[PO Key],0))=1,FALSE))')


def _realigned(column: str) -> str:
    return (f'SUMPRODUCT((TRIM(""&Realignments[{column}])={ACTIVITY})'
            f'*(Realignments[{COUNTED}]=1)*Realignments[Amount])')


# sheet → [(header, formula)], in column order after the declared columns.
FORMULA_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "Activities": [
        ("Budgeted", _counted_only("Activities", (
            "ROUND(SUMPRODUCT((TRIM(\"\"&Budget[Activity ID])=" + ACTIVITY + ")"
            "*(TRIM(\"\"&Budget[Month])<>\"\")*Budget[Budgeted])"
            f"+{_realigned('To Activity ID')}-{_realigned('From Activity ID')},2)"))),
        ("Planned", _counted_only("Activities", (
            "ROUND(SUMPRODUCT((TRIM(\"\"&Budget[Activity ID])=" + ACTIVITY + ")"
            "*(TRIM(\"\"&Budget[Month])<>\"\")*Budget[Planned]),2)"))),
        ("Committed", _counted_only("Activities", "ROUND(" + _sum_where(
            "PurchaseOrders[Activity ID]", "PurchaseOrders[Open Commitment]", ACTIVITY,
            coerce=False) + ",2)")),
        ("Spent", _counted_only("Activities", "ROUND(" + _sum_where(
            "Invoices[Activity via PO]", "Invoices[Amount in Plan Currency]", ACTIVITY,
            coerce=False) + ",2)")),
        ("Remaining", _counted_only("Activities", (
            f'{this_row("Activities", "Budgeted")}-{this_row("Activities", "Committed")}'
            f'-{this_row("Activities", "Spent")}'))),
        (KEYS["Activities"], f'=IF({_present("Activities")},{key_of("Activities", "Activity ID")},"")'),
        (COUNTED, _counted("Activities", ACTIVITY, _first("Activities", KEYS["Activities"]),
                           _CAMPAIGN_KNOWN, _GL_KNOWN)),
    ],
    "Realignments": [
        (COUNTED, (f'=IF({_REALIGNMENT_FILLED}="","",IF(AND({_present("Realignments")},'
                   f'{_counted_activity(key_of("Realignments", "From Activity ID"))},'
                   f'{_counted_activity(key_of("Realignments", "To Activity ID"))}),1,0))')),
    ],
    "PurchaseOrders": [
        (KEYS["PurchaseOrders"],
         f'=IF({_present("PurchaseOrders")},{key_of("PurchaseOrders", "PO Number")},"")'),
        ("Amount in Plan Currency", _counted_only("PurchaseOrders", _converted("PurchaseOrders"))),
        ("Invoiced in Plan Currency", _counted_only("PurchaseOrders", _sum_where(
            "Invoices[PO Number]", "Invoices[Amount in Plan Currency]", PO_KEY, coerce=False))),
        ("Open Commitment", _counted_only("PurchaseOrders", (
            f'IF(OR(TRIM(""&{this_row("PurchaseOrders", "Status")})="",'
            f'UPPER(TRIM(""&{this_row("PurchaseOrders", "Status")}))="OPEN"),'
            f'MAX({this_row("PurchaseOrders", "Amount in Plan Currency")}'
            f'-{this_row("PurchaseOrders", "Invoiced in Plan Currency")},0),0)'))),
        (COUNTED, _counted("PurchaseOrders", PO_KEY, _first("PurchaseOrders", KEYS["PurchaseOrders"]),
                           _counted_activity(key_of("PurchaseOrders", "Activity ID")))),
    ],
    "Invoices": [
        ("Activity via PO", _counted_only("Invoices", (
            f'IF({INVOICE_PO}="",{INVOICE_ACTIVITY},'
            f'TRIM(""&INDEX(PurchaseOrders[Activity ID],MATCH({INVOICE_PO},'
            'PurchaseOrders[PO Key],0))))'))),
        ("Amount in Plan Currency", _counted_only("Invoices", _converted("Invoices"))),
        (KEYS["Invoices"], (
            f'=IF(AND({_present("Invoices")},{INVOICE_PO}&{INVOICE_ACTIVITY}<>""),'
            f'{key_of("Invoices", "Vendor")}&" | "&{key_of("Invoices", "Invoice No")},"")')),
        (COUNTED, _counted("Invoices", this_row("Invoices", KEYS["Invoices"]),
                           _first("Invoices", KEYS["Invoices"]), _INVOICE_PO_COUNTS,
                           f'OR({INVOICE_ACTIVITY}="",{_counted_activity(INVOICE_ACTIVITY)})')),
    ],
}
def _filled(table: str) -> str:
    """The required values of the row joined: "" on a row without data."""
    return "&".join(key_of(table, c.name) for c in SHEETS[table].required_columns)


def _counted_row(table: str, *conditions: str) -> str:
    """Counted for a sheet without a key: "" without data, else 1 when every condition holds."""
    return (f'=IF({_filled(table)}="","",IF(AND({_present(table)},{",".join(conditions)}),1,0))')


def _fraction(value: str) -> str:
    """A percent cell as a fraction: a value in (1, 100] is a percent (SPEC §3)."""
    return f"IF(N({value})>1,N({value})/100,N({value}))"


def _status_is(table: str, *statuses: str) -> str:
    status = f'UPPER(TRIM(""&{this_row(table, "Status")}))'
    return "OR(" + ",".join(f'{status}="{s.upper()}"' for s in statuses) + ")"


def _quarter_of(day: str) -> str:
    """`FY2027-Q2` of a date with the plan's FY Start Month (SPEC §4); names from the Dashboard."""
    return (f'"FY"&(YEAR({day})+IF(AND(MOM_FYStart>1,MONTH({day})>=MOM_FYStart),1,0))'
            f'&"-Q"&(INT(MOD(MONTH({day})-MOM_FYStart,12)/3)+1)')


def _in_quarter(day: str) -> str:
    return f"AND({day}>=MOM_QuarterStart,{day}<=MOM_QuarterEnd)"


_TASK_DURATION = this_row("Tasks", "Duration")
_PLANNED_FINISH = this_row("Tasks", "Planned Finish")
_TASK_DONE = _fraction(this_row("Tasks", "% Complete"))
_WEEK_START = "MOM_AsOf-WEEKDAY(MOM_AsOf,2)+1"
_STAGE = f'UPPER(TRIM(""&{this_row("Opportunities", "Stage")}))'
# An opportunity's Amount in plan currency (0 when its currency has no rate: the engine leaves
# it out with rate-missing); open only when its stage is in the Plan's Pipeline Stages.
_AMOUNT = this_row("Opportunities", "Amount in Plan Currency")
# a stage that is none of ours is left out (stage-unmapped), so is an amount without a rate
_STAGE_OURS = "OR(" + ",".join(f'{_STAGE}="{stage.upper()}"' for stage in OPPORTUNITY_STAGES) + ")"
_IN_PIPELINE = (f'OR(MOM_PipelineStages=",,",ISNUMBER(SEARCH(","&SUBSTITUTE({_STAGE}," ","")&",",'
                f'MOM_PipelineStages)))')
_CLOSE = this_row("Opportunities", "Close Date")

_REMAINING = this_row("Quotas", "Remaining Quota")
_MONTH_START = this_row("Budget", "Month Start")
_PLANNED_AHEAD = this_row("Budget", "Planned Ahead")
_BUDGET_ACTIVITY = key_of("Budget", "Activity ID")
# Σ Planned Ahead of this row's activity over the rows of earlier months and, in its own
# month, over the rows up to this one
_AHEAD_THROUGH = (
    f'SUMPRODUCT((TRIM(""&Budget[Activity ID])={_BUDGET_ACTIVITY})*((Budget[Month Start]'
    f'<{_MONTH_START})+(Budget[Month Start]={_MONTH_START})*(ROW(Budget[Month Start])<=ROW())),'
    'Budget[Planned Ahead])')
_COMMITTED_OF_ROW = (f'INDEX(Activities[Committed],MATCH({_BUDGET_ACTIVITY},'
                     f'Activities[{KEYS["Activities"]}],0))')
_ACTIVITY_PLANNED_AHEAD = this_row("Activities", "Planned Ahead")
_RUN_RATE_AHEAD = this_row("Activities", "Run Rate Ahead")
# The year-end forecast per activity (spend.forecast_spend), as of the Dashboard's As of:
# the months ahead cost the activity's Planned amounts for them when it has any, else its run
# rate (spent ÷ fiscal months elapsed × months ahead, to the cent); projected = max(0, that −
# committed); forecast = committed + spent + projected.
FORECAST_COLUMNS = [
    ("Planned Ahead", _counted_only("Activities", (
        f'ROUND(SUMPRODUCT(--(TRIM(""&Budget[Activity ID])={ACTIVITY}),Budget[Planned Ahead]),'
        '2)'))),
    ("Run Rate Ahead", _counted_only("Activities", (
        f'IF(OR({_ACTIVITY_PLANNED_AHEAD}>0,MOM_MonthsElapsed=0,MOM_MonthsAhead=0),0,'
        f'ROUND(ROUND({this_row("Activities", "Spent")}*100,0)*MOM_MonthsAhead'
        '/MOM_MonthsElapsed,0)/100)'))),
    ("Projected", _counted_only("Activities", (
        f'MAX(0,ROUND({_ACTIVITY_PLANNED_AHEAD}+{_RUN_RATE_AHEAD}'
        f'-{this_row("Activities", "Committed")},2))'))),
    ("Forecast", _counted_only("Activities", (
        f'ROUND({this_row("Activities", "Committed")}+{this_row("Activities", "Spent")}'
        f'+{this_row("Activities", "Projected")},2)'))),
]


def _attributed_campaign(table: str) -> str:
    """The campaign a lead or opportunity counts under (mappings.resolve_campaigns): its
    Campaign ID when that is a campaign's ID, else the one campaign with that name; "" when
    blank, unknown or a name two campaigns share. (A Mappings sheet's Kind Campaign rows are
    the engine's alone.)"""
    value = key_of(table, "Campaign ID")
    named = f'(TRIM(""&Campaigns[Campaign])={value})*(Campaigns[{COUNTED}]=1)'
    return (f'IF({value}="","",IF(SUMPRODUCT(--(Campaigns[Campaign Key]={value}))>0,{value},'
            f'IF(SUMPRODUCT({named})=1,INDEX(Campaigns[Campaign Key],SUMPRODUCT({named}'
            f'*ROW(Campaigns[Campaign]))-ROW(Campaigns[[#Headers],[Campaign]])),"")))')


_CAMPAIGN = this_row("Campaigns", "Campaign Key")
_CAMPAIGN_STATUS = f'UPPER(TRIM(""&{this_row("Campaigns", "Status")}))'
_CAMPAIGN_START, _CAMPAIGN_END = this_row("Campaigns", "Start"), this_row("Campaigns", "End")
# scorecard.expected_shares: 1 once ended (Completed, or Active with End before As of), the
# elapsed share of Start–End in calendar days (both ends counted) while Active, else blank
_ENDED = (f'OR({_CAMPAIGN_STATUS}="COMPLETED",AND({_CAMPAIGN_STATUS}="ACTIVE",'
          f'ISNUMBER({_CAMPAIGN_END}),{_CAMPAIGN_END}<MOM_AsOf))')
_ACTIVE = (f'AND({_CAMPAIGN_STATUS}="ACTIVE",ISNUMBER({_CAMPAIGN_START}),'
           f'ISNUMBER({_CAMPAIGN_END}),{_CAMPAIGN_START}<=MOM_AsOf)')
_LENGTH = f"MAX({_CAMPAIGN_END}-{_CAMPAIGN_START}+1,1)"
_ACTUAL = {"leads": "Leads", "pipeline": "Pipeline", "revenue": "Won"}
_SHARE_DUE = this_row("Campaigns", "Share Due")
# scorecard.campaigns_at_risk: behind schedule (SPI below the SPI Threshold, not Cancelled)
_BEHIND = (f'IF({this_row("Campaigns", "SPI")}="",FALSE,AND({this_row("Campaigns", "SPI")}'
           f'<MOM_SPIThreshold,{_CAMPAIGN_STATUS}<>"CANCELLED"))')


def _attainment_header(name: str) -> str:
    return f"{name.capitalize()} Attainment"


def _short(name: str) -> str:
    """scorecard.underperforming_campaigns: attainment below Attainment Threshold × share due."""
    attainment = this_row("Campaigns", _attainment_header(name))
    return (f'IF(OR({_SHARE_DUE}="",{attainment}=""),FALSE,AND({_SHARE_DUE}>0,'
            f'{attainment}<MOM_AttainmentThreshold*{_SHARE_DUE}))')


def _campaign_tasks(column: str) -> str:
    return f"SUMPRODUCT(--(Tasks[Campaign]={_CAMPAIGN}),Tasks[{column}])"


def _this_quarter(formula: str) -> str:
    """On a counted quota row of the quarter of As of (it has a Quarter Rank), else ""."""
    return f'=IF({this_row("Quotas", "Quarter Rank")}="","",{formula})'


def _rep_deals(column: str) -> str:
    """Σ an Opportunities helper column over the deals of this quota row's rep."""
    return (f'SUMPRODUCT(--(TRIM(""&Opportunities[Rep])={key_of("Quotas", "Rep")}),'
            f'Opportunities[{column}])')


DASHBOARD_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "Activities": FORECAST_COLUMNS,
    "Budget": [
        ("Month Start", (f'=IF({_present("Budget")},IFERROR(DATE(YEAR({this_row("Budget", "Month")}),'
                         f'MONTH({this_row("Budget", "Month")}),1),""),"")')),
        (COUNTED, _counted_row("Budget", _counted_activity(key_of("Budget", "Activity ID")))),
        # the year-end forecast (spend.forecast_spend): Planned of the fiscal months after the
        # month of As of, and this row's part of its activity's projection beyond what the
        # activity's open POs already commit (they pay for the months ahead first) — rows
        # taken in month, then row order, so that Σ over the rows through a month is the
        # activity's projection through that month
        ("Planned Ahead", _counted_only("Budget", (
            f'IF(AND(ISNUMBER({_MONTH_START}),{_MONTH_START}>=MOM_AheadFirst,'
            f'{_MONTH_START}<MOM_NextFYFirst),ROUND({this_row("Budget", "Planned")},2),0)'))),
        ("Projected", _counted_only("Budget", (
            f'IF({_PLANNED_AHEAD}=0,0,ROUND(MAX(0,{_AHEAD_THROUGH}-{_COMMITTED_OF_ROW})'
            f'-MAX(0,{_AHEAD_THROUGH}-{_PLANNED_AHEAD}-{_COMMITTED_OF_ROW}),2))'))),
    ],
    "Tasks": [
        ("Task Key", f'=IF({_present("Tasks")},{key_of("Tasks", "Task ID")},"")'),
        (COUNTED, _counted("Tasks", this_row("Tasks", "Task Key"), _first("Tasks", "Task Key"),
                           _counted_activity(key_of("Tasks", "Activity ID")))),
        ("Campaign", _counted_only("Tasks", (
            f'TRIM(""&INDEX(Activities[Campaign ID],MATCH({key_of("Tasks", "Activity ID")},'
            f'Activities[{KEYS["Activities"]}],0)))'))),
        ("Duration", _counted_only("Tasks", (
            f'IF({_status_is("Tasks", "Cancelled")},"",MAX(NETWORKDAYS('
            f'{this_row("Tasks", "Planned Start")},{this_row("Tasks", "Planned Finish")}),1))'))),
        ("EV", _counted_only("Tasks", f'IF({_TASK_DURATION}="","",{_TASK_DURATION}*{_TASK_DONE})')),
        # PV = working days from Planned Start through As of, capped at the duration; all of
        # it once Planned Finish is on or before As of (schedule.task_figures)
        ("PV", _counted_only("Tasks", (
            f'IF({_TASK_DURATION}="","",IF({_PLANNED_FINISH}<=MOM_AsOf,{_TASK_DURATION},'
            f'MIN(MAX(NETWORKDAYS({this_row("Tasks", "Planned Start")},MOM_AsOf),0),'
            f'{_TASK_DURATION})))'))),
        ("Late", _counted_only("Tasks", (
            f'IF(AND({this_row("Tasks", "Planned Finish")}<MOM_AsOf,{_TASK_DONE}<1,'
            f'NOT({_status_is("Tasks", "Done", "Cancelled")})),1,0)'))),
        ("Starts This Week", _counted_only("Tasks", (
            f'IF(AND(NOT({_status_is("Tasks", "Cancelled")}),'
            f'{this_row("Tasks", "Planned Start")}>={_WEEK_START},'
            f'{this_row("Tasks", "Planned Start")}<={_WEEK_START}+6),1,0)'))),
    ],
    "Opportunities": [
        ("Opportunity Key",
         f'=IF({_present("Opportunities")},{key_of("Opportunities", "Opportunity ID")},"")'),
        (COUNTED, _counted("Opportunities", this_row("Opportunities", "Opportunity Key"),
                           _first("Opportunities", "Opportunity Key"))),
        ("Amount in Plan Currency", _counted_only("Opportunities", (
            f'IF({_STAGE_OURS},IFERROR({_converted("Opportunities")},0),0)'))),
        ("Attributed Campaign", _counted_only("Opportunities", _attributed_campaign("Opportunities"))),
        ("Won", _counted_only("Opportunities", (
            f'IF(AND({_in_quarter(_CLOSE)},{_STAGE}="CLOSED WON"),{_AMOUNT},0)'))),
        ("Open", _counted_only("Opportunities", (
            f'IF(AND({_in_quarter(_CLOSE)},{_STAGE}<>"CLOSED WON",{_STAGE}<>"CLOSED LOST",'
            f'{_IN_PIPELINE}),'
            f'{_AMOUNT},0)'))),
    ],
    "Leads": [
        ("Lead Key", f'=IF({_present("Leads")},{key_of("Leads", "Lead ID")},"")'),
        (COUNTED, _counted("Leads", this_row("Leads", "Lead Key"), _first("Leads", "Lead Key"))),
        ("Attributed Campaign", _counted_only("Leads", _attributed_campaign("Leads"))),
    ],
    "Campaigns": [
        ("Campaign Key", f'=IF({_present("Campaigns")},{key_of("Campaigns", "Campaign ID")},"")'),
        (COUNTED, _counted("Campaigns", _CAMPAIGN, _first("Campaigns", "Campaign Key"))),
        ("Share Due", _counted_only("Campaigns", (
            f'IF({_ENDED},1,IF({_ACTIVE},MIN(MAX(MOM_AsOf-{_CAMPAIGN_START}+1,0),{_LENGTH})'
            f'/{_LENGTH},""))'))),
        ("Leads", _counted_only("Campaigns", f"SUMPRODUCT(--(Leads[Attributed Campaign]={_CAMPAIGN}))")),
        ("Pipeline", _counted_only("Campaigns", (
            f"ROUND(SUMPRODUCT(--(Opportunities[Attributed Campaign]={_CAMPAIGN}),"
            "Opportunities[Amount in Plan Currency]),2)"))),
        ("Won", _counted_only("Campaigns", (
            f"ROUND(SUMPRODUCT(--(Opportunities[Attributed Campaign]={_CAMPAIGN}),"
            '--(UPPER(TRIM(""&Opportunities[Stage]))="CLOSED WON"),'
            "Opportunities[Amount in Plan Currency]),2)"))),
        *((_attainment_header(name), _counted_only("Campaigns", (
            f'IF(TRIM(""&{this_row("Campaigns", expected)})="","",'
            f'IF({this_row("Campaigns", expected)}=0,"",'
            f'{this_row("Campaigns", _ACTUAL[name])}/{this_row("Campaigns", expected)}))')))
          for name, expected, _ in ATTAINMENT_FIGURES),
        ("SPI", _counted_only("Campaigns", (
            f'IF({_campaign_tasks("PV")}=0,"",{_campaign_tasks("EV")}/{_campaign_tasks("PV")})'))),
        ("At Risk Reasons", _counted_only("Campaigns", "MID(" + "&".join(
            [f'IF({_BEHIND},", SPI "&TEXT({this_row("Campaigns", "SPI")},"0.00"),"")']
            + [f'IF({_short(name)},", {name} below target","")'
               for name, _, _ in ATTAINMENT_FIGURES]) + ",3,300)")),
        ("At Risk", _counted_only("Campaigns", (
            f'IF({this_row("Campaigns", "At Risk Reasons")}="",0,1)'))),
    ],
    "Quotas": [
        ("Quarter Key", (f'=IF({_present("Quotas")},IF(ISNUMBER({this_row("Quotas", "Quarter")}),'
                         f'{_quarter_of(this_row("Quotas", "Quarter"))},'
                         f'UPPER({key_of("Quotas", "Quarter")})),"")')),
        ("Quota Key", (f'=IF({this_row("Quotas", "Quarter Key")}="","",'
                       f'{key_of("Quotas", "Rep")}&" | "&{this_row("Quotas", "Quarter Key")})')),
        (COUNTED, _counted("Quotas", this_row("Quotas", "Quota Key"),
                           _first("Quotas", "Quota Key"))),
        ("Quarter Rank", (
            f'=IF(AND({this_row("Quotas", COUNTED)}=1,{this_row("Quotas", "Quarter Key")}=MOM_Quarter),'
            f'SUMPRODUCT(--(Quotas[{COUNTED}]=1),--(Quotas[Quarter Key]=MOM_Quarter),'
            f'--(ROW(Quotas[Quarter Key])<=ROW())),"")')),
        # every rep with a quota this quarter (the team line adds these up, however many)
        ("Won", _this_quarter(_rep_deals("Won"))),
        ("Open", _this_quarter(_rep_deals("Open"))),
        ("Remaining Quota", _this_quarter(
            f'ROUND({this_row("Quotas", "Quota")},2)-{this_row("Quotas", "Won")}')),
        ("Below Target", _this_quarter(
            f'IF({_REMAINING}<=0,0,IF({this_row("Quotas", "Open")}/{_REMAINING}'
            '<MOM_CoverageTarget,1,0))')),
    ],
}

# Every formula column the team workbook carries: the spend figures and their helpers (cached
# from the engine) and the Dashboard's helpers on Budget, Tasks, Opportunities and Quotas
# (as-of dependent, computed when the workbook opens).
TEMPLATE_FORMULA_COLUMNS = {sheet: FORMULA_COLUMNS.get(sheet, []) + DASHBOARD_COLUMNS.get(sheet, [])
                            for sheet in dict.fromkeys([*FORMULA_COLUMNS, *DASHBOARD_COLUMNS])}
MONEY_FORMULA_COLUMNS = {"Amount in Plan Currency", "Invoiced in Plan Currency",
                         "Open Commitment", *FIGURES, "Won", "Open", "Remaining Quota",
                         "Planned Ahead", "Run Rate Ahead", "Projected", "Forecast",
                         "Pipeline"}


# --- the cached values: the engine's figures, row by row ---------------------------------------

@dataclass
class FormulaValues:
    """Per sheet, by Excel row number (`_row`): header → value; None where the formula gives an
    error (a missing rate)."""

    rows: dict[str, dict[int, dict[str, Any]]]


def cached_values(book: Book) -> FormulaValues:
    """What the formula columns show for the rows of a structure-checked book, taken from the
    engine's spend figures (`spend.spend_data`, `spend.spend_per_activity`) — the same numbers
    the CLI, the UDFs, the refresh macro and `formula-overwritten` use. Keys and `Counted` say
    which rows the engine kept; money is in plan-currency units (floats with 2 decimals); None
    marks an amount the engine could not price (no rate: the formula shows #N/A)."""
    from .spend import po_committed, spend_data, spend_per_activity
    data = spend_data(book)
    engine = spend_per_activity(book)
    activity_ids = data.activities["activity_id"].to_numpy(dtype=object)
    values: dict[str, dict[int, dict[str, Any]]] = {}

    kept = _kept_rows(book, "Activities")
    rows: dict[int, dict[str, Any]] = {}
    for record in _records(book, "Activities"):
        key = _key_shown(book, "Activities", record, ("Activity ID",))
        row: dict[str, Any] = dict.fromkeys(FIGURES, "")
        row.update({KEYS["Activities"]: key, COUNTED: "" if not key else int(record["_row"] in kept)})
        if record["_row"] in kept:
            figures = engine.loc[str(record["Activity ID"])]
            row.update({name: int(figures[name]) / 100 for name in FIGURES})
        rows[record["_row"]] = row
    values["Activities"] = rows

    kept = set(data.realignments["_row"].tolist())
    required = [c.name for c in SHEETS["Realignments"].required_columns]
    values["Realignments"] = {
        record["_row"]: {COUNTED: "" if all(_trimmed(record[c]) == "" for c in required)
                         else int(record["_row"] in kept)}
        for record in _records(book, "Realignments")}

    pos = data.pos
    committed = po_committed(pos)
    priced_invoices = set(data.invoices["_row"].tolist())
    kept_invoices = _kept_rows(book, "Invoices")
    unpriced_pos = {_key(r["PO Number"]) for r in _records(book, "Invoices")
                    if r["_row"] in kept_invoices and r["_row"] not in priced_invoices}
    by_row = {int(r): i for i, r in enumerate(pos["_row"])}
    rows = {}
    for record in _records(book, "PurchaseOrders"):
        key = _key_shown(book, "PurchaseOrders", record, ("PO Number",))
        row = {KEYS["PurchaseOrders"]: key, COUNTED: "", "Amount in Plan Currency": "",
               "Invoiced in Plan Currency": "", "Open Commitment": ""}
        if key:
            position = by_row.get(record["_row"])
            row[COUNTED] = int(position is not None)
            if position is not None:
                priced = bool(pos["priced"].iat[position])
                billed = None if _key(key) in unpriced_pos else int(pos["invoiced"].iat[position])
                row["Amount in Plan Currency"] = _units(int(pos["amount"].iat[position])
                                                        if priced else None)
                row["Invoiced in Plan Currency"] = _units(billed)
                row["Open Commitment"] = _units(
                    int(committed[position]) if priced and billed is not None else None)
        rows[record["_row"]] = row
    values["PurchaseOrders"] = rows

    invoice_amount = dict(zip(data.invoices["_row"].tolist(), data.invoices["amount"].tolist(),
                              strict=True))
    invoice_activity = dict(zip(data.invoices["_row"].tolist(),
                                activity_ids[data.invoices["activity"].to_numpy(dtype=np.int64)],
                                strict=True))
    po_activity = dict(zip(pos["po_key"], activity_ids[pos["activity"].to_numpy(dtype=np.int64)],
                           strict=True))
    rows = {}
    for record in _records(book, "Invoices"):
        key = _key_shown(book, "Invoices", record, ("Vendor", "Invoice No"))
        if key and _trimmed(record["PO Number"]) == "" and _trimmed(record["Activity ID"]) == "":
            key = ""
        row = {KEYS["Invoices"]: key, COUNTED: "", "Activity via PO": "",
               "Amount in Plan Currency": ""}
        if key:
            counted = record["_row"] in kept_invoices
            row[COUNTED] = int(counted)
            if counted:
                po = _key(record["PO Number"])
                row["Activity via PO"] = str(invoice_activity.get(
                    record["_row"], po_activity.get(po) if po else record["Activity ID"]))
                amount = invoice_amount.get(record["_row"])
                row["Amount in Plan Currency"] = _units(None if amount is None else int(amount))
        rows[record["_row"]] = row
    values["Invoices"] = rows
    return FormulaValues(values)


def _records(book: Book, sheet: str) -> list[dict[str, Any]]:
    """Every row of a table (rejected ones too), in sheet order, as dicts."""
    frame = book.table(sheet).frame.sort_values("_row", kind="stable")
    return [{**r, "_row": int(r["_row"])} for r in frame.to_dict("records")]


def _kept_rows(book: Book, sheet: str) -> set[int]:
    return set(book.rows(sheet)["_row"].astype(int).tolist())


def _key_shown(book: Book, sheet: str, record: dict[str, Any], columns: tuple[str, ...]) -> str:
    """The key helper column: the trimmed key when every required value is there, else ""."""
    if any(_trimmed(record[c.name]) == "" for c in SHEETS[sheet].required_columns):
        return ""
    return " | ".join(_trimmed(record[c]) for c in columns)


def _key(value: Any) -> str:
    """TRIM(""&x) compared case-insensitively: the formulas' notion of an equal ID."""
    return _trimmed(value).casefold()


def _trimmed(value: Any) -> str:
    """TRIM(""&x): whole numbers as digits, runs of spaces collapsed, ends trimmed."""
    if value is None or value is pd.NA or value is pd.NaT or (
            isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.date, pd.Timestamp)):
        return "date"           # a filled date cell (its text does not matter here)
    return " ".join(str(value).split())


def _units(cents: int | None) -> float | None:
    return None if cents is None else cents / 100


# --- formula-overwritten -----------------------------------------------------------------------

def check_formulas(book: Book, context: Any = None) -> list[Finding]:
    """`formula-overwritten` (warning, SPEC §14): an Activities formula column whose cached value
    differs from the engine's figure (`spend.spend_per_activity`) by more than 0.01 — someone
    typed over a formula. No cached value, no finding. Activities touched by rows the engine
    rejects for a reason the formulas cannot see (a value of the wrong type) are skipped: there
    formula and engine legitimately disagree, and those rows have their own findings."""
    table = book.table("Activities")
    present = [name for name in FIGURES if name in table.extra_columns]
    rows = table.rows
    if not present or rows.empty:
        return []
    from .spend import spend_per_activity
    engine = spend_per_activity(book)
    skip = _activities_the_formulas_may_miscount(book)
    activities = rows["Activity ID"].to_numpy(dtype=object).tolist()
    sheet_rows = rows["_row"].to_numpy(dtype=np.int64).tolist()
    findings: list[Finding] = []
    for name in present:
        figures = dict(zip(engine.index.tolist(), engine[name].to_numpy(dtype=np.int64).tolist(),
                           strict=True))
        cached = [_number(v) for v in rows[name].to_numpy(dtype=object).tolist()]
        for activity, value, row in zip(activities, cached, sheet_rows, strict=True):
            if value is None or math.isnan(value):
                continue
            if _key(activity) in skip or activity not in figures:
                continue
            figure_cents = figures[activity]
            cached_cents = round(value * 100)
            if abs(cached_cents - figure_cents) > TOLERANCE_CENTS:
                cell = table.cell(name, int(row))
                findings.append(book.finding(
                    "formula-overwritten",
                    f"{name} of activity {activity} shows {float(value):,.2f} but the plan's "
                    f"figures give {figure_cents / 100:,.2f}; the formula was probably typed "
                    "over — copy the formula back from the row above (or from the template)",
                    sheet="Activities", column=name, row=int(row), cell=cell, value=value))
    return findings


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    return None


# Read findings whose row the formulas leave out too (a blank required value) or that reject
# nothing (warnings); any other finding on a rejected row is a reason the formulas cannot see.
_SEEN_BY_FORMULAS = {"value-required"}


def _activities_the_formulas_may_miscount(book: Book) -> set[str]:
    """Activity keys touched by a row that the engine rejected while reading for a reason the
    formulas do not replicate (duplicates, unknown references and blank required values they
    do)."""
    unseen = {(f.sheet, f.row) for f in book.findings
              if f.severity is Severity.ERROR and f.code not in _SEEN_BY_FORMULAS}
    if not unseen:
        return set()
    po_activity: dict[str, str] = {}
    frame = book.table("PurchaseOrders").frame
    for po, activity in zip(frame["PO Number"], frame["Activity ID"], strict=True):
        po_activity.setdefault(_key(po), _key(activity))
    touched: set[str] = set()
    for sheet, columns in (("Activities", ("Activity ID",)), ("Budget", ("Activity ID",)),
                           ("Realignments", ("From Activity ID", "To Activity ID")),
                           ("PurchaseOrders", ("Activity ID",)),
                           ("Invoices", ("Activity ID",))):
        frame = book.table(sheet).frame
        title = book.table(sheet).name
        for record in frame[frame["_rejected"].to_numpy(dtype=bool)].to_dict("records"):
            if (title, int(record["_row"])) not in unseen:
                continue
            touched.update(_key(record[c]) for c in columns)
            if sheet == "Invoices":
                touched.add(po_activity.get(_key(record["PO Number"]), ""))
    touched.discard("")
    return touched
