"""What travels between the parent and a worker: `Options` in, a small `BookResult` out
(SPEC §11, §15). Both are picklable; a result holds no row-level frames."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..exports import BookClaims
from ..findings import Finding
from ..mappings import Mapping
from ..plan import PlanSettings

MONEY_FIGURES = ("budgeted", "planned", "committed", "spent", "remaining", "unplanned")
TOTAL_FIGURES = ("budgeted", "committed", "spent", "remaining")
MONEY_COLUMNS = ("overspend", "open", "won", "quota", "weighted", "remaining_quota", "gap",
                 "cost", "pipeline", "cost_per_lead", "cost_per_mql", "internal_cost",
                 "external_cost", "cost_change", "pipeline_change", "won_change",
                 "cost_per_lead_change", "cost_per_mql_change", "budget", "actual",
                 "projected", "forecast")
STATUS_READ, STATUS_UNREADABLE, STATUS_ENCRYPTED, STATUS_MISSING, STATUS_TIMED_OUT = (
    "read", "unreadable", "encrypted", "missing", "timed out")


@dataclass(frozen=True)
class Options:
    """What every worker needs besides the path (picklable, sent with each book)."""

    as_of: dt.date = field(default_factory=dt.date.today)
    coverage_target: float | None = None
    detail_dir: str | None = None
    # spend as it stood on this day (`mom consolidate --as-of`), as `Context.spend_as_of`;
    # None: every document, whatever its date
    spend_as_of: dt.date | None = None
    mapping: Mapping | None = None    # --map, on top of each book's Mappings sheet


@dataclass(frozen=True)
class SheetCount:
    """Row accounting for one sheet of one book: read = consolidated + rejected (SPEC §11)."""

    sheet: str          # canonical sheet name
    title: str          # the sheet's name in the workbook
    read: int
    consolidated: int
    rejected: int


@dataclass
class BookResult:
    """Everything the parent needs about one book; small (no row-level frames)."""

    index: int
    path: str
    name: str
    size: int | None = None
    sha256: str | None = None
    status: str = STATUS_READ
    reason: str | None = None
    plan_id: str | None = None
    plan_cell: str | None = None
    plan_sheet: str = "Plan"
    team: str | None = None
    currency: str = "USD"
    fiscal_year: int | None = None
    quarter: str | None = None                 # the fiscal quarter of the as-of date
    coverage_target: float = PlanSettings().coverage_target
    findings: list[Finding] = field(default_factory=list)
    sheets: list[SheetCount] = field(default_factory=list)
    # small rollup tables, money in plan-currency cents; a missing key = domain not available
    totals: dict[str, int] | None = None
    overspend: int | None = None
    forecast: dict[str, int] | None = None     # the plan's year-end projected and forecast
    schedule: dict[str, Any] | None = None     # plan % complete, SPI, late tasks
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    # cross-book keys
    po_numbers: list[tuple[str, str | None, str]] = field(default_factory=list)  # (PO, cell, sheet)
    quotas: list[tuple[str, str, int, str | None, str]] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)   # --detail: sheet → Arrow table
    claims: BookClaims | None = None   # the claiming pass of --crm / --leads (`claim_book`)
    analysis: Any = None               # a command over several books: `analysis_job`

    @property
    def readable(self) -> bool:
        return self.status == STATUS_READ
