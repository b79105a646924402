"""The domain areas: each module holds its figures and its checks — and `DOMAINS`, the list of
the domains every book goes through, declared once.

- spend (budget to invoice, forecast, what-if realignment; SPEC §5), schedule (tasks, SPI,
  lateness; §6), capacity (People and weekly loads; §6), marketing_calendar (campaign windows
  and milestones), pipeline (coverage; §7), funnel (leads; §7), accounts (target accounts;
  §7), scorecard (effectiveness, efficiency, by quarter; §8), assets (§9);
- formulas: the template's formula columns, their cached values and `formula-overwritten`
  (§5, §14);
- reconcile and ledger_maps: workbooks against an ERP export (§12; `mom reconcile`, not a
  per-book domain, so not in `DOMAINS`);
- rollups: what each domain adds to a consolidation of one book.

`analyze.check_book` runs the checks of `DOMAINS` in this order (formula-overwritten last: it
compares the engine's figures with the workbook's cached formula values); the consolidation
worker runs the roll-ups in the same order, each into its own part of the `BookResult`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .accounts import check_accounts
from .assets import check_assets
from .capacity import check_capacity
from .formulas import check_formulas
from .funnel import check_funnel
from .pipeline import check_pipeline
from .rollups import (roll_up_accounts, roll_up_assets, roll_up_coverage_parts,
                      roll_up_funnel_tables, roll_up_operations_tables, roll_up_schedule_tables,
                      roll_up_scorecard_tables, roll_up_spend_tables)
from .schedule import check_schedule
from .scorecard import check_performance
from .spend import check_spend

if TYPE_CHECKING:
    from ..consolidate.results import BookResult, Options
    from ..findings import Finding
    from ..model import Book, Context

__all__ = ["DOMAINS", "Check", "Domain", "RollUp"]

Check = Callable[["Book", "Context"], "list[Finding]"]
RollUp = Callable[["Book", "BookResult", "Options"], None]


@dataclass(frozen=True)
class Domain:
    """One domain of a book: `check` returns its findings (never raises for bad data);
    `roll_up` fills its small tables of one book into a consolidation's `BookResult`.
    `name` is what an internal error in its roll-up is reported as."""
    name: str
    check: Check | None = None
    roll_up: RollUp | None = None


DOMAINS: tuple[Domain, ...] = (
    Domain("spend", check_spend, roll_up_spend_tables),
    Domain("schedule", check_schedule, roll_up_schedule_tables),
    Domain("assets", check_assets, roll_up_assets),
    Domain("pipeline", check_pipeline, roll_up_coverage_parts),
    Domain("funnel", check_funnel, roll_up_funnel_tables),
    Domain("accounts", check_accounts, roll_up_accounts),
    Domain("capacity", check_capacity),
    Domain("scorecard", check_performance, roll_up_scorecard_tables),
    # capacity loads and people, the marketing calendar, campaigns at risk, scorecard by quarter
    Domain("operations", roll_up=roll_up_operations_tables),
    Domain("formulas", check_formulas),
)
