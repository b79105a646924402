"""Findings: the one type for everything wrong, and the catalogue of codes (SPEC §10).

Checks never raise for bad user data: they return findings. A finding says what is wrong
(`code`, `message`), how bad it is (`severity`) and where (`book`, `sheet`, `cell`, `row`,
`column`). Codes are API: never rename one; add new ones here with a title and description,
and the README catalogue and `mom validate --help` follow.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from enum import Enum
from collections.abc import Iterable
from typing import Any


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.value


@dataclass(frozen=True)
class Code:
    code: str
    severity: Severity
    title: str
    description: str
    section: str


def _catalogue(*codes: Code) -> dict[str, Code]:
    return {c.code: c for c in codes}


E, W = Severity.ERROR, Severity.WARNING

CATALOGUE: dict[str, Code] = _catalogue(
    # --- structure (SPEC §3, §10) -----------------------------------------------------------
    Code("book-unreadable", E, "Workbook cannot be read",
         "The file is not a workbook, is truncated or corrupt, or is refused for safety "
         "(entity expansion, zip bomb, absurd size).", "§10"),
    Code("book-encrypted", E, "Workbook is password-protected",
         "The workbook is encrypted. Save a copy without a password (File > Info > Protect "
         "Workbook > Encrypt with Password, clear it) and run again.", "§10"),
    Code("book-timeout", E, "Workbook took too long",
         "Reading and checking the workbook in `mom consolidate` took longer than the limit "
         "for one workbook (--book-timeout, 300 seconds unless set). Its worker was stopped "
         "and the rest of the batch went on; the book's figures are not in the totals. Split "
         "the workbook, or raise the limit.", "§10"),
    Code("internal-error", E, "Internal error",
         "A check or rollup crashed on this workbook: a bug in MOM, not in the workbook. The "
         "rest of the book was still checked; please report it with the workbook.", "§10"),
    Code("sheet-missing", E, "Required sheet missing",
         "A sheet the template requires is not in the workbook (names match ignoring case, "
         "spaces, underscores and hyphens).", "§3"),
    Code("column-missing", E, "Required column missing",
         "A required column header is not found in the first 10 rows of the sheet.", "§3"),
    Code("column-duplicate", E, "Column appears twice",
         "Two headers name the same column; the first is used, the second is ignored.", "§3"),
    Code("value-required", E, "Required value missing",
         "A required cell is blank; the row is rejected until it is filled.", "§3"),
    Code("value-type", E, "Value has the wrong type",
         "The cell holds a value that cannot be read as the column's type (number, date, "
         "month, percent, yes/no).", "§3"),
    Code("value-enum", E, "Value not in the allowed list",
         "The cell holds a value that is not one of the column's allowed values.", "§3"),
    Code("value-range", E, "Value out of range",
         "The number is outside the range the column allows (for example a negative amount).",
         "§3"),
    Code("number-as-text", W, "Number stored as text",
         "A number was typed as text (e.g. '1,200.50'); it was read as a number. Convert the "
         "cell to a number.", "§3"),
    Code("percent-scale", W, "Percent typed as a whole number",
         "A percent between 1 and 100 was read as that many percent (50 → 50%). Type 50% or "
         "0.5.", "§3"),
    Code("formula-not-calculated", W, "Formula has no calculated value",
         "The cell holds a formula that was never calculated (the file was written by a tool "
         "that does not calculate); it counts as blank. Open and save it in Excel.", "§3"),
    Code("id-duplicate", E, "Duplicate ID",
         "The same ID appears on two rows; the later row is rejected.", "§3"),
    Code("ref-unknown", E, "Reference to an unknown ID",
         "The cell refers to an ID (activity, campaign, PO, GL account…) that is not defined "
         "in the workbook.", "§3"),
    Code("outside-fiscal-year", W, "Date outside the plan's fiscal year",
         "A budget month or realignment date falls outside the fiscal year on the Plan sheet.",
         "§4"),
    Code("approval-incomplete", E, "Approval incomplete",
         "The plan is Approved or Closed but Approved By or Approved On is blank.", "§3"),
    # --- spend (SPEC §5) ---------------------------------------------------------------------
    Code("over-budget", E, "Over budget",
         "Committed + spent exceed the budget (with the plan's tolerance). Severity follows "
         "the plan's Overspend Severity.", "§5"),
    Code("over-plan", W, "Over plan", "Committed + spent exceed the planned amount.", "§5"),
    Code("overplanned", W, "Planned above budget",
         "The planned amount is larger than the budget.", "§5"),
    Code("po-exceeds-available", E, "PO exceeds available budget",
         "A purchase order (and, under Budget Control Accumulated Monthly, an invoice without "
         "PO) is larger than the activity's budget still available on its date. An error; a "
         "warning when the plan's PO Control is Warn.", "§5"),
    Code("invoice-exceeds-po", E, "Invoices exceed the PO",
         "The invoices on a PO add up to more than the PO amount (with tolerance).", "§5"),
    Code("invoice-without-po", E, "Invoice without PO",
         "An invoice has no PO Number while the plan requires POs.", "§5"),
    Code("po-before-approval", E, "PO issued before plan approval",
         "A PO was issued while the plan was not approved.", "§5"),
    Code("forecast-over-budget", W, "Forecast over budget",
         "At the current rate the activity, campaign or plan ends the fiscal year above its "
         "budget (with the plan's tolerance): committed + spent to date plus the projection of "
         "the months ahead.", "§5"),
    Code("gl-mismatch", W, "GL account differs from the activity's",
         "An invoice is booked to a different GL account than its activity.", "§5"),
    Code("realign-below-committed", E, "Realignment leaves spend uncovered",
         "A realignment leaves its From activity with less budget than committed + spent.",
         "§5"),
    Code("rate-missing", E, "Exchange rate missing",
         "An amount is in a currency with no rate on the Rates sheet (or in --rates).", "§5"),
    # --- schedule (SPEC §6) ------------------------------------------------------------------
    Code("dates-reversed", E, "Finish before start", "A finish or end date is before its start.",
         "§6"),
    Code("task-late", W, "Task late",
         "The planned finish has passed and the task is not complete.", "§6"),
    Code("task-start-missed", W, "Task start missed",
         "The planned start has passed and the task has not started.", "§6"),
    Code("schedule-behind", W, "Campaign behind schedule",
         "The campaign's SPI is below the plan's SPI Threshold.", "§6"),
    Code("tasks-before-approval", W, "Tasks before plan approval",
         "Tasks exist while the plan is Draft or Submitted; milestones come after approval.",
         "§6"),
    Code("over-allocated", W, "Person over-allocated",
         "In some week a person's tasks need more hours than their Hours per Week (Planned "
         "Hours spread evenly over each task's working days).", "§6"),
    Code("assignee-unknown", W, "Assignee not on People",
         "A task's Assignee is not on the People sheet (checked once People is filled).", "§6"),
    # --- pipeline and funnel (SPEC §7) -------------------------------------------------------
    Code("coverage-below-target", W, "Pipeline coverage below target",
         "A rep's open pipeline for the quarter is below target × remaining quota.", "§7"),
    Code("quota-missing", W, "Quota missing",
         "A rep has open pipeline in the quarter but no quota.", "§7"),
    Code("lead-stage-order", E, "Lead stages out of order",
         "A later lead stage is dated before an earlier one, or reached without the earlier.",
         "§7"),
    Code("lead-sla-breach", W, "Lead SLA breached",
         "An open lead waited longer than SLA Days working days at the SLA stage.", "§7"),
    Code("consent-violation", E, "Opted-out lead on an email campaign",
         "A lead that opted out is attributed to a campaign whose channel is Email.", "§7"),
    Code("target-account-uncovered", W, "Target account uncovered",
         "A target account has no lead in the quarter and no open pipeline closing in it.",
         "§7"),
    Code("stage-unmapped", E, "CRM stage not mapped",
         "An opportunity stage is neither one of ours nor mapped on the Mappings sheet (or "
         "--map); one finding per stage value, and its opportunities are left out of the "
         "figures until it is mapped.", "§7"),
    Code("campaign-ambiguous", E, "Campaign name names several campaigns",
         "An export gives a campaign by name and two or more campaigns carry that name; those "
         "rows are attributed to no campaign. Use the Campaign ID or distinct names.", "§7"),
    Code("source-unmapped", W, "Lead source maps to no campaign",
         "A contact export's Original Source / First Conversion value is no Campaign ID or "
         "name and no Mappings row (Kind Campaign) maps it; those leads count under no "
         "campaign.", "§7"),
    # --- effectiveness (SPEC §8) -------------------------------------------------------------
    Code("campaign-underperforming", W, "Campaign below its planned performance",
         "A campaign's attainment of Expected Leads, Pipeline or Revenue is below the plan's "
         "Attainment Threshold: once it has ended, or pro rata by the elapsed share of its "
         "Start–End while it is Active.", "§8"),
    # --- assets (SPEC §9) --------------------------------------------------------------------
    Code("asset-expired", W, "Approved asset expired",
         "An Approved asset is past its Expires date; retire or renew it.", "§9"),
    # --- consolidation (SPEC §11) ------------------------------------------------------------
    Code("duplicate-plan", E, "Same plan in two workbooks",
         "Two workbooks carry the same Plan ID.", "§11"),
    Code("duplicate-po", E, "Same PO in two workbooks",
         "Two workbooks carry the same PO Number.", "§11"),
    Code("quota-conflict", E, "Conflicting quotas",
         "The same rep and quarter have different quotas in different workbooks.", "§11"),
    # --- Excel face (SPEC §14) ---------------------------------------------------------------
    Code("formula-overwritten", W, "Formula overwritten",
         "A template formula cell shows a value that differs from the engine's figure by more "
         "than 0.01: someone typed over the formula.", "§14"),
)


@dataclass(frozen=True)
class Finding:
    """One problem, located as precisely as the data allows (SPEC §10)."""

    code: str
    severity: Severity
    book: str | None
    sheet: str | None
    cell: str | None
    row: int | None
    column: str | None
    message: str
    value: Any = None
    # internal-error only: the Python traceback, for `mom --debug` and bug reports (never in
    # the message a user reads)
    traceback: str | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity.value
        data["value"] = json_value(self.value)
        if self.traceback is None:
            del data["traceback"]
        return data

    @property
    def location(self) -> str:
        """`team.xlsx!Budget!C7`, as far as it is known."""
        parts = [p for p in (self.book, self.sheet, self.cell) if p]
        return "!".join(parts) if parts else "-"

    def with_book(self, book: str) -> Finding:
        return replace(self, book=book)


def json_value(value: Any) -> Any:
    """A finding's value as JSON: dates in ISO form, everything odd as text."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def column_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def make_finding(
    code: str,
    message: str,
    *,
    book: str | None = None,
    sheet: str | None = None,
    row: int | None = None,
    column: str | None = None,
    letter: str | None = None,
    value: Any = None,
    severity: Severity | str | None = None,
    cell: str | None = None,
    traceback: str | None = None,
) -> Finding:
    """Build a finding from the catalogue; `letter` + `row` give the A1 cell."""
    entry = CATALOGUE[code]  # a KeyError here is a bug: every code is catalogued
    if cell is None and letter and row:
        cell = f"{letter}{row}"
    return Finding(
        code=code,
        severity=Severity(severity) if severity else entry.severity,
        book=book,
        sheet=sheet,
        cell=cell,
        row=row,
        column=column,
        message=message,
        value=value,
        traceback=traceback,
    )


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)


SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def _column_order(cell: str | None) -> tuple[int, str]:
    letters = "".join(ch for ch in cell if ch.isalpha()) if cell else ""
    return len(letters), letters


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Reading order: book, sheet, row, then column left to right; book-level findings first."""
    return sorted(
        findings,
        key=lambda f: (f.book or "", f.sheet or "", f.row or 0, _column_order(f.cell),
                       f.column or "", SEVERITY_ORDER[f.severity], f.code),
    )


# What a reader calls the part of the product a code belongs to (its SPEC section).
AREAS = {"§3": "structure", "§4": "fiscal calendar", "§5": "spend", "§6": "schedule",
         "§7": "pipeline and funnel", "§8": "scorecard", "§9": "assets", "§10": "reading",
         "§11": "consolidation", "§12": "reconciliation", "§14": "Excel face"}


def catalogue_markdown() -> str:
    """The finding catalogue as a Markdown table (the README's copy is checked against it)."""
    lines = ["| code | severity | area | title | description |", "|---|---|---|---|---|"]
    for entry in CATALOGUE.values():
        area = AREAS.get(entry.section, entry.section)
        lines.append(f"| `{entry.code}` | {entry.severity.value} | {area} | "
                     f"{entry.title} | {entry.description} |")
    return "\n".join(lines)
