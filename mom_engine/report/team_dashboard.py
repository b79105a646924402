"""The team workbook's native Dashboard: plan figures computed by Excel formulas that Excel and
LibreOffice both evaluate, so the Dashboard is live without Python (issue 13; SPEC §5–§7, §14).

Blocks, top to bottom (`LAYOUT` names every cell a test or reader needs):
- As of (B3, `MOM_AsOf`): `=TODAY()` unless overwritten with a date — the day the schedule and
  the pipeline quarter are measured at.
- Plan headline: budgeted, planned, committed, spent, remaining, % of budget used, projected for
  the months ahead and the year-end forecast, said when over budget (plan currency).
- One row per campaign (the Campaigns sheet, in sheet order): budgeted, committed, spent,
  remaining, an over-budget flag (committed + spent > budgeted × (1 + Overspend Tolerance %)),
  % complete (ΣEV ÷ Σduration over its tasks), late tasks, tasks planned to start in the
  week of As of (Monday–Sunday), and At risk with why (`scorecard.campaigns_at_risk`: SPI
  below the SPI Threshold, or attainment of Expected Leads / Pipeline / Revenue below the
  Attainment Threshold × the share due — the Campaigns helpers, with Leads and Opportunities
  attributed to campaigns and Tasks' PV); beside the block's title, how many are at risk.
- The fiscal-year month grid (FY Start Month respected): budgeted, committed, spent per month
  and cumulatively, and the burn the chart draws — `spend.spend_burn`'s cumulative budget,
  committed + spent through the month of As of, and the projection from it to the year-end
  forecast (`spend.forecast_spend`, as of As of: the `Planned Ahead`, `Run Rate Ahead`,
  `Projected`, `Forecast` helpers on Activities and `Planned Ahead`, `Projected` on Budget).
- Pipeline for the fiscal quarter of As of: per rep with a quota in that quarter quota, won,
  open, coverage, gap against the Coverage Target (the first 20; the Quotas helpers hold every
  rep's); the team line (Σ open of every rep ÷ Σ of every quota rep's remaining quota floored
  at 0, and how many of them are below target — shown or not).
- Native charts over those ranges.

Every figure reads the formula columns of the input sheets (`formulas.FORMULA_COLUMNS`), which
leave out exactly the rows the engine leaves out. Opportunity amounts are converted to plan
currency with the Rates sheet (an amount whose currency has no rate counts 0, as the engine
leaves it out with rate-missing), and open pipeline counts the stages of the Plan's Pipeline
Stages (blank, or every stage listed there closed or unknown: every open stage, as the engine
falls back with a warning).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..domains.formulas import COUNTED, PLAN_CURRENCY_NAME
from ..sheets import OPEN_STAGES, normalise_name
from .charts import ITEMS, MONEY_AXIS, RATIO_AXIS, set_axes

SHEET = "Dashboard"
CAMPAIGN_ROWS = ITEMS       # campaigns shown (the Campaigns sheet's first rows)
REP_ROWS = ITEMS            # reps with a quota in the quarter shown
MONTHS = 12
AS_OF_CELL = "$B$3"


def plan_value(field: str, default: str) -> str:
    """A Plan field's value, `default` when blank or absent."""
    value = f'INDEX(Plan[Value],MATCH("{field}",Plan[Field],0))'
    return f'IFERROR(IF({value}&""="",{default},{value}),{default})'


def quarter_label(day: str) -> str:
    """`FY2027-Q2` of a date, with the plan's FY Start Month (SPEC §4)."""
    return (f'"FY"&(YEAR({day})+IF(AND(MOM_FYStart>1,MONTH({day})>=MOM_FYStart),1,0))'
            f'&"-Q"&(INT(MOD(MONTH({day})-MOM_FYStart,12)/3)+1)')


def _without_separators(text: str) -> str:
    """A list's text with spaces, hyphens and underscores removed and ";" read as ","
    (names match ignoring them, lists split on either)."""
    for junk, by in ((" ", ""), ("-", ""), ("_", ""), (";", ",")):
        text = f'SUBSTITUTE({text},"{junk}","{by}")'
    return text


# Defined names every sheet's formulas may use (the helper columns read MOM_AsOf and the quarter).
NAMES = {
    "MOM_AsOf": f"={SHEET}!{AS_OF_CELL}",
    "MOM_FYStart": "=" + plan_value("FY Start Month", "1"),
    "MOM_FiscalYear": "=" + plan_value("Fiscal Year", "YEAR(TODAY())"),
    "MOM_FYFirst": "=DATE(MOM_FiscalYear-IF(MOM_FYStart>1,1,0),MOM_FYStart,1)",
    "MOM_NextFYFirst": "=EDATE(MOM_FYFirst,12)",
    # the forecast's months: fiscal months elapsed (the month of As of included), and ahead
    "MOM_MonthsElapsed": ("=MAX(0,MIN(12,(YEAR(MOM_AsOf)-YEAR(MOM_FYFirst))*12"
                          "+MONTH(MOM_AsOf)-MONTH(MOM_FYFirst)+1))"),
    "MOM_MonthsAhead": "=12-MOM_MonthsElapsed",
    "MOM_AheadFirst": "=EDATE(MOM_FYFirst,MOM_MonthsElapsed)",
    "MOM_Tolerance": ("=IF(" + plan_value("Overspend Tolerance %", "0") + ">1,"
                      + plan_value("Overspend Tolerance %", "0") + "/100,"
                      + plan_value("Overspend Tolerance %", "0") + ")"),
    "MOM_CoverageTarget": "=" + plan_value("Coverage Target", "2.5"),
    "MOM_SPIThreshold": "=" + plan_value("SPI Threshold", "0.9"),
    "MOM_AttainmentThreshold": "=" + plan_value("Attainment Threshold", "0.8"),
    # ",PROPOSAL,NEGOTIATION," as listed (spaces, hyphens and underscores ignored, ";" = ",")
    "MOM_PipelineStagesListed": ('=","&UPPER(' + _without_separators(
        plan_value("Pipeline Stages", '""')) + ')&","'),
    # what counts: the listed open stages; ",," (every open stage) when none is listed or
    # every stage listed is closed or unknown — the engine's fallback (read._pipeline_stages)
    "MOM_PipelineStages": ("=IF(OR(" + ",".join(
        f'ISNUMBER(SEARCH(",{normalise_name(stage).upper()},",MOM_PipelineStagesListed))'
        for stage in OPEN_STAGES) + '),MOM_PipelineStagesListed,",,")'),
    "MOM_Quarter": "=" + quarter_label("MOM_AsOf"),
    "MOM_QuarterStart": "=DATE(YEAR(MOM_AsOf),MONTH(MOM_AsOf)-MOD(MONTH(MOM_AsOf)-MOM_FYStart,3),1)",
    "MOM_QuarterEnd": "=EDATE(MOM_QuarterStart,3)-1",
}


@dataclass(frozen=True)
class Block:
    """A table on the Dashboard: title row, header row, `rows` data rows from `first` (0-based)."""

    title: str
    headers: tuple[str, ...]
    first: int
    rows: int

    @property
    def header_row(self) -> int:
        return self.first - 1


HEADLINE_FIGURES = ("Budgeted", "Planned", "Committed", "Spent", "Remaining", "% of budget used",
                    "Projected, months ahead", "Year-end forecast")
HEADLINE = Block("Plan headline", ("Figure", "Amount"), 8, len(HEADLINE_FIGURES))
FORECAST_OVER = "Over budget at year end"
CAMPAIGNS = Block("Campaigns", ("Campaign ID", "Campaign", "Budgeted", "Committed", "Spent",
                                "Remaining", "Over budget", "% Complete", "Late Tasks",
                                "Starting This Week", "At Risk", "Why"),
                  HEADLINE.first + HEADLINE.rows + 3, CAMPAIGN_ROWS)
AT_RISK = "At risk"
MONTH_GRID = Block("Fiscal year by month", ("Month", "Budgeted", "Committed", "Spent",
                                            "Cumulative Budgeted", "Cumulative Committed",
                                            "Cumulative Spent", "Burn: Budget",
                                            "Burn: Committed + Spent", "Burn: Projected"),
                   CAMPAIGNS.first + CAMPAIGN_ROWS + 3, MONTHS)
BURN_COLUMNS = (7, 8, 9)    # the burn's columns: `spend.spend_burn`'s budget, actual, projected
BURN_LINE_COLUMN = 11       # the chart's committed + spent line: to date, then projected
PIPELINE = Block("Pipeline coverage, fiscal quarter of As of", (
    "Rep", "Quota", "Won", "Open", "Remaining Quota", "Coverage", "Gap", "Status"),
    MONTH_GRID.first + MONTHS + 3, REP_ROWS)
TEAM_ROW = PIPELINE.first + REP_ROWS          # the team line, right under the reps
ADD_IN_ROW = TEAM_ROW + 3                     # what only the add-in can do
OVER_BUDGET, BELOW_TARGET, QUOTA_MET = "Over budget", "Below target", "Quota met"


def cell(row: int, col: int) -> str:
    """A1 address of a 0-based (row, col) on the Dashboard, absolute."""
    from ..findings import column_letter
    return f"${column_letter(col)}${row + 1}"


def headline_formulas() -> list[str]:
    sums = [f"=SUM(Activities[{name}])" for name in HEADLINE_FIGURES[:5]]
    budgeted, committed, spent = (cell(HEADLINE.first + i, 1) for i in (0, 2, 3))
    return [*sums, f'=IF({budgeted}=0,"",({committed}+{spent})/{budgeted})',
            "=SUM(Activities[Projected])", "=SUM(Activities[Forecast])"]


def forecast_note() -> str:
    """Beside the year-end forecast: said when it exceeds budgeted × (1 + tolerance)."""
    budgeted, forecast = cell(HEADLINE.first, 1), cell(HEADLINE.first + 7, 1)
    return f'=IF({forecast}>{budgeted}*(1+MOM_Tolerance),"{FORECAST_OVER}","")'


def campaign_formulas(n: int) -> list[str]:
    """Row n (1-based) of the campaign block: the n-th row of the Campaigns sheet."""
    r = CAMPAIGNS.first + n
    key = f"$A{r}"

    def per_campaign(column: str) -> str:
        return f'SUMPRODUCT(--(TRIM(""&Activities[Campaign ID])={key}),Activities[{column}])'

    def tasks(column: str) -> str:
        return f"SUMPRODUCT(--(Tasks[Campaign]={key}),Tasks[{column}])"

    blank = f'IF({key}="","",'
    return [
        f'=IFERROR(TRIM(""&INDEX(Campaigns[Campaign ID],{n})),"")',
        f'={blank}INDEX(Campaigns[Campaign],{n})&"")',
        f"={blank}{per_campaign('Budgeted')})",
        f"={blank}{per_campaign('Committed')})",
        f"={blank}{per_campaign('Spent')})",
        f"={blank}C{r}-D{r}-E{r})",
        f'={blank}IF(D{r}+E{r}>C{r}*(1+MOM_Tolerance),"{OVER_BUDGET}",""))',
        f'={blank}IF({tasks("Duration")}=0,"",{tasks("EV")}/{tasks("Duration")}))',
        f"={blank}{tasks('Late')})",
        f"={blank}{tasks('Starts This Week')})",
        # delayed or underperforming (scorecard.campaigns_at_risk): the Campaigns helpers
        f'={blank}IF(INDEX(Campaigns[At Risk],{n})=1,"{AT_RISK}",""))',
        f'={blank}INDEX(Campaigns[At Risk Reasons],{n})&"")',
    ]


def at_risk_note() -> str:
    """Beside the campaign block's title: how many campaigns are at risk, every one counted."""
    count = "SUM(Campaigns[At Risk])"
    return (f'=IF({count}=0,"",{count}&" at risk — delayed (SPI below the SPI Threshold) or '
            'below the Attainment Threshold of their expected leads, pipeline or revenue")')


def month_formulas(index: int) -> list[str]:
    row = MONTH_GRID.first + index
    month = f"$A{row + 1}"
    first = MONTH_GRID.first + 1

    def within(column: str) -> str:
        return f"({column}>={month})*({column}<=EOMONTH({month},0))"

    def through(column: str, amounts: str, counted: str = "") -> str:
        """Σ amounts dated up to the month's end; in the last month, all of them. (Amounts as
        SUMPRODUCT's own argument: a blank helper cell ("") counts 0, it is no #VALUE!.)"""
        dated = "" if index == MONTHS - 1 else f"*({column}<=EOMONTH({month},0))"
        if not counted + dated:
            return f"SUM({amounts})"
        return f"SUMPRODUCT(--(1{counted}{dated}),{amounts})"

    counted = f"(Budget[{COUNTED}]=1)"
    return [
        f"=EDATE(MOM_FYFirst,{index})",
        f"=SUMPRODUCT({counted}*(Budget[Month Start]={month})*Budget[Budgeted])",
        f"=SUMPRODUCT({within('PurchaseOrders[Issue Date]')},PurchaseOrders[Open Commitment])",
        f"=SUMPRODUCT({within('Invoices[Invoice Date]')},Invoices[Amount in Plan Currency])",
        f"=SUM(B${first}:B{row + 1})",
        f"=SUM(C${first}:C{row + 1})",
        f"=SUM(D${first}:D{row + 1})",
        # the burn (`spend.spend_burn`): rows before the fiscal year count in its first month,
        # rows after it in its last; committed + spent runs through the month of As of (blank
        # after it: its chart draws it as columns, so a blank is no bar, never a drop to 0)
        "=" + through("Budget[Month Start]", "Budget[Budgeted]", f"*{counted}"),
        f'=IF({month}>MOM_AsOf,"",'
        + through("PurchaseOrders[Issue Date]", "PurchaseOrders[Open Commitment]") + "+"
        + through("Invoices[Invoice Date]", "Invoices[Amount in Plan Currency]") + ")",
        projected_formula(index),
    ]


def projected_formula(index: int) -> str:
    """The burn's projected line in month `index` (`spend.spend_burn`): from the month of As of
    on, every committed + spent to date plus each activity's projection through the month —
    the Budget rows' share of it for activities with Planned amounts ahead, else the run rate
    spread evenly over the months ahead (to the cent, cumulatively) beyond what the activity's
    open POs commit. An array formula (the per-activity max needs array IF, which Excel
    before 365 evaluates only array-entered); blank before the month of As of."""
    month = f"$A{MONTH_GRID.first + index + 1}"
    committed, spent = (cell(HEADLINE.first + i, 1) for i in (2, 3))
    share = (f"ROUND(ROUND(Activities[Run Rate Ahead]*100,0)*MAX(0,{index + 1}-MOM_MonthsElapsed)"
             "/MOM_MonthsAhead,0)/100-Activities[Committed]")
    run_rate = f"IF(MOM_MonthsAhead=0,0,SUM(IF(Activities[{COUNTED}]=1,({share}>0)*({share}),0)))"
    planned = f"SUMPRODUCT(--(Budget[Month Start]<=EOMONTH({month},0)),Budget[Projected])"
    return (f'{{=IF({index}<MAX(MOM_MonthsElapsed-1,0),"",'
            f"ROUND({committed}+{spent}+{planned}+{run_rate},2))}}")


def burn_line_formula(index: int) -> str:
    """The chart's committed + spent line (a formula's blank would plot as 0 on a line): to
    date before the month of As of, projected from it."""
    r = MONTH_GRID.first + index + 1
    return f'=IF($J{r}="",$I{r},$J{r})'


def rep_formulas(n: int) -> list[str]:
    """Row n (1-based) of the pipeline block: the n-th quota row of the quarter, its figures
    from the Quotas helpers (`formulas.DASHBOARD_COLUMNS`)."""
    row = PIPELINE.first + n - 1
    r = row + 1
    position = f"MATCH({n},Quotas[Quarter Rank],0)"
    blank = f'IF($A{r}="","",'

    def quota(column: str) -> str:
        return f"INDEX(Quotas[{column}],{position})"
    return [
        f'=IFERROR(TRIM(""&INDEX(Quotas[Rep],{position})),"")',
        f"={blank}ROUND({quota('Quota')},2))",
        f"={blank}{quota('Won')})",
        f"={blank}{quota('Open')})",
        f"={blank}{quota('Remaining Quota')})",
        f'={blank}IF(E{r}<=0,"",D{r}/E{r}))',
        f"={blank}MAX(0,ROUND(MOM_CoverageTarget*E{r}-D{r},2)))",
        f'={blank}IF(E{r}<=0,"{QUOTA_MET}",IF({quota("Below Target")}=1,"{BELOW_TARGET}","")))',
    ]


def campaigns_left_out_note() -> str:
    """Under the campaign rows: says so when the Campaigns sheet has more than they show."""
    count = 'SUMPRODUCT(--(TRIM(""&Campaigns[Campaign ID])<>""))'
    return (f'=IF({count}>{CAMPAIGN_ROWS},"Showing the first {CAMPAIGN_ROWS} of "&{count}&'
            f'" campaigns: mom spend BOOK --by campaign lists every one","")')


def reps_left_out_note() -> str:
    """Under the team line: says so when more reps have a quota this quarter than are shown."""
    count = f"SUMPRODUCT(--(Quotas[{COUNTED}]=1),--(Quotas[Quarter Key]=MOM_Quarter))"
    return (f'=IF({count}>{REP_ROWS},"Showing {REP_ROWS} of "&{count}&" reps with a quota '
            f'this quarter (the team line counts every one): mom pipeline BOOK lists every '
            f'one","")')


def team_formulas() -> list[str]:
    """The team line over every rep, shown or not: Σ open ÷ Σ remaining quota floored at 0
    (the Quotas helpers of every quota row of the quarter), and how many reps are below."""
    r = TEAM_ROW + 1
    return [
        "Team",
        "",
        "=SUM(Opportunities[Won])",
        "=SUM(Opportunities[Open])",
        '=SUMIF(Quotas[Remaining Quota],">0")',
        f'=IF(E{r}>0,D{r}/E{r},"")',
        "",
        '=SUM(Quotas[Below Target])&" below target"',
    ]


LAYOUT = {
    "as_of": (2, 1),
    "quarter": (3, 1),
    "currency": (4, 1),
    "headline": {name: (HEADLINE.first + i, 1) for i, name in enumerate(HEADLINE_FIGURES)},
    "campaigns": CAMPAIGNS, "months": MONTH_GRID, "pipeline": PIPELINE, "team": TEAM_ROW,
}


def cached_cells(book: Any) -> dict[tuple[int, int], Any]:
    """The values the Dashboard's spend cells show before any recalculation: the engine's own
    figures (`spend.roll_up_spend`) for the rows being written. The schedule and pipeline cells
    depend on As of (TODAY()) and are left for the spreadsheet to compute on opening."""
    from ..domains.spend import roll_up_spend
    report = roll_up_spend(book)
    total = report.total
    cached: dict[tuple[int, int], Any] = {(4, 1): book.plan.currency or "USD",
                                          (1, 0): f"{book.plan.team or ''}  ·  "
                                                  f"{book.plan.plan_id or ''}"}
    for i, name in enumerate(HEADLINE_FIGURES[:5]):
        cached[(HEADLINE.first + i, 1)] = total[name.lower()] / 100
    used = total["committed"] + total["spent"]
    cached[(HEADLINE.first + 5, 1)] = used / total["budgeted"] if total["budgeted"] else ""
    by_campaign = report.by("campaign").set_index("key")
    tolerance = max(float(book.plan.overspend_tolerance or 0), 0.0)
    campaigns = book.table("Campaigns").frame.sort_values("_row")
    names = list(campaigns["Campaign"].astype("string").fillna(""))
    for n, campaign in enumerate(campaigns["Campaign ID"].astype("string").fillna("")):
        if n >= CAMPAIGN_ROWS:
            break
        row = CAMPAIGNS.first + n
        key = " ".join(str(campaign).split())
        figures = [0, 0, 0]
        if key and key in by_campaign.index:
            figures = [int(by_campaign.at[key, f]) for f in ("budgeted", "committed", "spent")]
        budgeted, committed, spent = figures
        over = committed + spent > budgeted * (1 + tolerance) if key else False
        values = [key, names[n] if key else "", *(v / 100 for v in figures),
                  (budgeted - committed - spent) / 100, OVER_BUDGET if over else ""]
        for col, value in enumerate(values):
            cached[(row, col)] = value if key or col == 0 else ""
    from ..domains.spend import spend_burn
    burn = spend_burn(book, dt.date.today())["budget"].tolist()
    months = report.by("month").set_index("key")
    start = int(book.plan.fy_start_month or 1)
    year = int(book.plan.fiscal_year or dt.date.today().year + 1) - (start > 1)
    running = [0, 0, 0]
    for index in range(MONTHS):
        month = dt.date(year + (start - 1 + index) // 12, (start - 1 + index) % 12 + 1, 1)
        key = month.strftime("%Y-%m")
        figures = [int(months.at[key, f]) if key in months.index else 0
                   for f in ("budgeted", "committed", "spent")]
        running = [a + b for a, b in zip(running, figures, strict=True)]
        row = MONTH_GRID.first + index
        cached[(row, 0)] = (month - dt.date(1899, 12, 30)).days
        for col, value in enumerate([*figures, *running, burn[index]], start=1):
            cached[(row, col)] = value / 100
    return cached


class DashboardWriter:
    """Writes the Dashboard sheet with a `Styles`-like set of formats and the engine's cached
    spend figures (so a viewer that does not recalculate shows them)."""

    def __init__(self, workbook: Any, formats: dict[str, Any]) -> None:
        self.workbook = workbook
        self.formats = formats

    def write(self, sheet: Any, *, as_of: dt.date | None, cached: dict[tuple[int, int], Any],
              campaigns: int, reps: int, add_in: list[tuple[str, str, int]],
              needs_add_in: str) -> None:
        f = self.formats
        sheet.set_column(0, 0, 22)
        sheet.set_column(1, 1, 26)
        sheet.set_column(2, 10, 14)
        sheet.set_column(11, 11, 34)
        sheet.write_string(0, 0, "MOM dashboard — live from the formulas (no add-in needed)",
                           f["title"])
        sheet.write_formula(1, 0, '=' + plan_value("Team", '""') + '&"  ·  "&'
                            + plan_value("Plan ID", '""'), f["bold"], cached.get((1, 0), ""))
        sheet.write_string(2, 0, "As of", f["label"])
        if as_of is None:
            sheet.write_formula(2, 1, "=TODAY()", f["as_of"], "")
        else:
            sheet.write_datetime(2, 1, dt.datetime.combine(as_of, dt.time()), f["as_of"])
        sheet.write_string(2, 2, "today unless you type a date", f["note"])
        sheet.write_string(3, 0, "Fiscal quarter", f["label"])
        sheet.write_formula(3, 1, "=MOM_Quarter", f["value"], "")
        sheet.write_string(4, 0, "Currency", f["label"])
        sheet.write_formula(4, 1, f"={PLAN_CURRENCY_NAME}", f["value"], cached.get((4, 1), ""))
        self.block_header(sheet, HEADLINE)
        for i, (name, formula) in enumerate(zip(HEADLINE_FIGURES, headline_formulas(),
                                                strict=True)):
            row = HEADLINE.first + i
            sheet.write_string(row, 0, name, f["label"])
            sheet.write_formula(row, 1, formula, f["percent" if i == 5 else "money"],
                                cached.get((row, 1), ""))
        sheet.write_formula(HEADLINE.first + 7, 2, forecast_note(), f["flag"], "")
        self.block_header(sheet, CAMPAIGNS)
        kinds = ("text", "text", "money", "money", "money", "money", "flag", "percent",
                 "count", "count", "flag", "text")
        sheet.write_formula(CAMPAIGNS.header_row - 1, 2, at_risk_note(), f["flag"], "")
        for n in range(1, CAMPAIGN_ROWS + 1):
            row = CAMPAIGNS.first + n - 1
            for col, formula in enumerate(campaign_formulas(n)):
                sheet.write_formula(row, col, formula, f[kinds[col]], cached.get((row, col), ""))
        last = CAMPAIGNS.first + CAMPAIGN_ROWS - 1
        sheet.conditional_format(CAMPAIGNS.first, 0, last, len(CAMPAIGNS.headers) - 1, {
            "type": "formula", "criteria": f'=$G{CAMPAIGNS.first + 1}="{OVER_BUDGET}"',
            "format": f["over"]})
        sheet.write_formula(CAMPAIGNS.first + CAMPAIGN_ROWS, 0, campaigns_left_out_note(),
                            f["note"], "")
        sheet.conditional_format(CAMPAIGNS.first, 8, last, 8, {
            "type": "cell", "criteria": ">", "value": 0, "format": f["late"]})
        self.block_header(sheet, MONTH_GRID)
        month_kinds = ("month", *["money"] * 9)
        for index in range(MONTHS):
            row = MONTH_GRID.first + index
            for col, formula in enumerate(month_formulas(index)):
                if formula.startswith("{"):
                    sheet.write_array_formula(row, col, row, col, formula, f[month_kinds[col]],
                                              cached.get((row, col), ""))
                else:
                    sheet.write_formula(row, col, formula, f[month_kinds[col]],
                                        cached.get((row, col), ""))
            sheet.write_formula(row, BURN_LINE_COLUMN, burn_line_formula(index), f["note"], "")
        sheet.write_string(MONTH_GRID.header_row, BURN_LINE_COLUMN, "Burn line", f["note"])
        self.block_header(sheet, PIPELINE)
        rep_kinds = ("text", "money", "money", "money", "money", "coverage", "money", "flag")
        for n in range(1, REP_ROWS + 1):
            row = PIPELINE.first + n - 1
            for col, formula in enumerate(rep_formulas(n)):
                sheet.write_formula(row, col, formula, f[rep_kinds[col]], "")
        for col, formula in enumerate(team_formulas()):
            style = f["team_" + rep_kinds[col]] if col else f["team_text"]
            if formula.startswith("="):
                sheet.write_formula(TEAM_ROW, col, formula, style, "")
            else:
                sheet.write(TEAM_ROW, col, formula, style)
        sheet.write_formula(TEAM_ROW + 1, 0, reps_left_out_note(), f["note"], "")
        sheet.conditional_format(PIPELINE.first, 0, PIPELINE.first + REP_ROWS - 1, 7, {
            "type": "formula", "criteria": f'=$H{PIPELINE.first + 1}="{BELOW_TARGET}"',
            "format": f["late"]})
        row = ADD_IN_ROW
        sheet.write_string(row, 0, "With the MOM add-in (xlwings): findings and what-if",
                           f["title"])
        row += 2
        for title, call, height in add_in:
            sheet.write_string(row, 0, title, f["header"])
            sheet.write_dynamic_array_formula(row + 1, 0, row + 1, 0,
                                              f'=IFERROR({call},"{needs_add_in}")',
                                              None, needs_add_in)
            row += height
        # charts span the rows written with data, or every row of a blank template
        self.charts(sheet, campaigns or CAMPAIGN_ROWS, reps or REP_ROWS)
        sheet.freeze_panes(5, 0)

    def block_header(self, sheet: Any, block: Block) -> None:
        sheet.write_string(block.header_row - 1, 0, block.title, self.formats["subtitle"])
        for col, header in enumerate(block.headers):
            sheet.write_string(block.header_row, col, header, self.formats["header"])

    def charts(self, sheet: Any, campaigns: int, reps: int) -> None:
        workbook = self.workbook
        first, last = CAMPAIGNS.first, CAMPAIGNS.first + min(campaigns, CAMPAIGN_ROWS) - 1
        spend = workbook.add_chart({"type": "column"})
        for col in (2, 3, 4):
            spend.add_series({"name": [SHEET, CAMPAIGNS.header_row, col],
                              "categories": [SHEET, first, 0, last, 0],
                              "values": [SHEET, first, col, last, col]})
        set_axes(spend, "Budget vs committed vs spent by campaign", "Campaign", "Amount", MONEY_AXIS)
        months = workbook.add_chart({"type": "column"})
        m0, m1 = MONTH_GRID.first, MONTH_GRID.first + MONTHS - 1
        for col in (1, 2, 3):
            months.add_series({"name": [SHEET, MONTH_GRID.header_row, col],
                               "categories": [SHEET, m0, 0, m1, 0],
                               "values": [SHEET, m0, col, m1, col]})
        # the burn: committed + spent to date as columns (a blank month after As of is no
        # column; a line would drop to 0 there) under the cumulative budget line and the
        # committed + spent line, to date and then projected to the year-end forecast
        burn = workbook.add_chart({"type": "column"})
        lines = workbook.add_chart({"type": "line"})
        budget, actual, _ = BURN_COLUMNS
        burn.add_series({"name": [SHEET, MONTH_GRID.header_row, actual],
                         "categories": [SHEET, m0, 0, m1, 0],
                         "values": [SHEET, m0, actual, m1, actual],
                         "fill": {"color": "#C55A11"}})
        lines.add_series({"name": [SHEET, MONTH_GRID.header_row, budget],
                          "categories": [SHEET, m0, 0, m1, 0],
                          "values": [SHEET, m0, budget, m1, budget],
                          "line": {"color": "#1F4E78"}})
        lines.add_series({"name": "Committed + spent, projected",
                          "categories": [SHEET, m0, 0, m1, 0],
                          "values": [SHEET, m0, BURN_LINE_COLUMN, m1, BURN_LINE_COLUMN],
                          "line": {"color": "#C55A11", "dash_type": "dash"}})
        burn.combine(lines)
        set_axes(months, "Budget, committed and spent by month", "Month", "Amount", MONEY_AXIS)
        set_axes(burn, "Burn: cumulative budget vs committed + spent, projected to year end",
                 "Month", "Amount", MONEY_AXIS)
        months.set_x_axis({"name": "Month", "num_format": "yyyy-mm"})
        burn.set_x_axis({"name": "Month", "num_format": "yyyy-mm"})
        coverage = workbook.add_chart({"type": "column"})
        p0, p1 = PIPELINE.first, PIPELINE.first + min(reps, REP_ROWS) - 1
        coverage.add_series({"name": "Coverage", "categories": [SHEET, p0, 0, p1, 0],
                             "values": [SHEET, p0, 5, p1, 5]})
        set_axes(coverage, "Pipeline coverage by rep (target line)", "Rep", "Coverage",
                 RATIO_AXIS)
        target = workbook.add_chart({"type": "line"})
        target.add_series({"name": "Target", "categories": [SHEET, p0, 0, p1, 0],
                           "values": [SHEET, p0, 11, p1, 11],
                           "line": {"color": "#C00000", "dash_type": "dash"}})
        coverage.combine(target)
        # the target line's values: one cell per rep row, hidden behind the charts
        for n in range(REP_ROWS):
            r = PIPELINE.first + n + 1
            sheet.write_formula(PIPELINE.first + n, 11, f'=IF($A{r}="","",MOM_CoverageTarget)',
                                self.formats["note"], "")
        sheet.write_string(PIPELINE.header_row, 11, "Target", self.formats["note"])
        for number, chart in enumerate((spend, months, burn, coverage)):
            chart.set_size({"width": 620, "height": 300})
            sheet.insert_chart(HEADLINE.header_row - 1 + 16 * number, 12, chart)
