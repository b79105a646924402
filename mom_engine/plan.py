"""The Plan sheet's fields, declared once (SPEC §3).

Each field is one attribute of `PlanSettings`: its Python type and default, and in its
`PlanField` how the Field/Value row is read (name, kind, bounds, choices), the template's help
text and drop-down list. Everything else derives from here: the reader's `PLAN_FIELDS` columns
and `PLAN_ATTRIBUTES`, the blank template's Plan sheet (defaults, help, drop-downs), the demo
plans' settings and the defaults the UDFs and reports mention.

Adding a Plan field is one line here, e.g.
    attainment_threshold: Annotated[float, PlanField("Attainment Threshold", NUM, above=0,
                                    help="…")] = 0.8
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict

from .sheets import (BUDGET_CONTROLS, DEFAULT_LEAD_STAGES, OPEN_STAGES, PLAN_STATUSES,
                     PO_CONTROLS, SEVERITIES, Column, Kind)

T, ID, NUM, DATE, PCT, ENUM, YESNO, CUR, LIST = (
    Kind.TEXT, Kind.ID, Kind.NUMBER, Kind.DATE, Kind.PERCENT, Kind.ENUM, Kind.YESNO,
    Kind.CURRENCY, Kind.LIST)


@dataclass(frozen=True)
class PlanField:
    """How one Plan field is read and shown; its type and default are the attribute's."""

    name: str
    kind: Kind = Kind.TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None          # inclusive
    maximum: float | None = None          # inclusive
    above: float | None = None            # exclusive lower bound
    help: str = ""                        # the template's Help column
    dropdown: str | None = None           # the template's list for the Value cell


class PlanSettings(BaseModel):
    """The Plan sheet's fields, defaults applied (SPEC §3). One line per field."""

    model_config = ConfigDict(frozen=True)

    plan_id: Annotated[str | None, PlanField(
        "Plan ID", ID, required=True, help="Unique ID of this plan, e.g. EMEA-FM-FY2027")] = None
    team: Annotated[str | None, PlanField(
        "Team", T, required=True, help="Team that owns the plan")] = None
    owner: Annotated[str | None, PlanField("Owner", T)] = None
    fiscal_year: Annotated[int | None, PlanField(
        "Fiscal Year", NUM, required=True, minimum=1900, maximum=9999,
        help="Calendar year in which the fiscal year ends")] = None
    fy_start_month: Annotated[int, PlanField(
        "FY Start Month", NUM, minimum=1, maximum=12, help="1 = January … 10 = October")] = 1
    currency: Annotated[str, PlanField(
        "Currency", CUR, help="ISO 4217 code of the plan currency")] = "USD"
    status: Annotated[str | None, PlanField(
        "Status", ENUM, required=True, choices=PLAN_STATUSES, dropdown="Plan Status",
        help="Draft, Submitted, Approved or Closed")] = None
    approved_by: Annotated[str | None, PlanField(
        "Approved By", T, help="Required once Approved")] = None
    approved_on: Annotated[dt.date | None, PlanField(
        "Approved On", DATE, help="Required once Approved")] = None
    coverage_target: Annotated[float, PlanField(
        "Coverage Target", NUM, above=0,
        help="Pipeline ÷ remaining quota each rep should have at quarter start")] = 2.5
    overspend_tolerance: Annotated[float, PlanField(
        "Overspend Tolerance %", PCT, minimum=0,
        help="Spend above budget tolerated before over-budget is reported")] = 0.0
    overspend_severity: Annotated[str, PlanField(
        "Overspend Severity", ENUM, choices=SEVERITIES, dropdown="Overspend Severity",
        help="error or warning")] = "error"
    po_required: Annotated[bool, PlanField(
        "PO Required", YESNO, dropdown="Yes No", help="Yes: every invoice needs a PO")] = True
    lead_stages: Annotated[tuple[str, ...], PlanField(
        "Lead Stages", LIST, help="Funnel stages in order, comma-separated")] = DEFAULT_LEAD_STAGES
    pipeline_stages: Annotated[tuple[str, ...], PlanField(
        "Pipeline Stages", LIST,
        help="Open opportunity stages that count as pipeline (coverage, weighted, sourced), "
             "comma-separated; default all open stages")] = OPEN_STAGES
    sla_stage: Annotated[str, PlanField(
        "SLA Stage", T, help="Stage whose leads must be worked within SLA Days")] = "SQL"
    sla_days: Annotated[float, PlanField(
        "SLA Days", NUM, minimum=0, help="Working days a lead may wait at the SLA Stage")] = 10
    spi_threshold: Annotated[float, PlanField(
        "SPI Threshold", NUM, above=0,
        help="Campaigns with SPI below this are behind schedule")] = 0.9
    budget_control: Annotated[str, PlanField(
        "Budget Control", ENUM, choices=BUDGET_CONTROLS, dropdown="Budget Control",
        help="Annual: POs checked against the year's budget; Accumulated Monthly: "
             "POs and invoices without PO against the budget to date")] = "Annual"
    po_control: Annotated[str, PlanField(
        "PO Control", ENUM, choices=PO_CONTROLS, dropdown="PO Control",
        help="Stop: a PO over the available budget is an error; Warn: a warning")] = "Stop"
    attainment_threshold: Annotated[float, PlanField(
        "Attainment Threshold", NUM, above=0,
        help="Campaigns below this share of their expected leads, pipeline or revenue (pro rata "
             "while active) are underperforming")] = 0.8

    @property
    def approved(self) -> bool:
        return self.status in ("Approved", "Closed")


def _declared() -> tuple[tuple[str, PlanField, Any], ...]:
    """(attribute, PlanField, default) per field, in declaration (= sheet) order."""
    fields = []
    for attribute, info in PlanSettings.model_fields.items():
        spec = next(m for m in info.metadata if isinstance(m, PlanField))
        fields.append((attribute, spec, info.default))
    return tuple(fields)


_FIELDS = _declared()

# The reader's columns for the Field/Value rows (a field's default is the attribute's).
PLAN_FIELDS: tuple[Column, ...] = tuple(
    Column(spec.name, spec.kind, required=spec.required, default=default, choices=spec.choices,
           minimum=spec.minimum, maximum=spec.maximum, above=spec.above)
    for _, spec, default in _FIELDS)
# Plan field name → PlanSettings attribute.
PLAN_ATTRIBUTES: dict[str, str] = {spec.name: attribute for attribute, spec, _ in _FIELDS}
# Plan field name → default value, for the fields that have one.
PLAN_DEFAULTS: dict[str, Any] = {spec.name: default for _, spec, default in _FIELDS
                                 if default is not None}
# The template's Help text and Value drop-downs.
PLAN_HELP: dict[str, str] = {spec.name: spec.help for _, spec, _ in _FIELDS if spec.help}
PLAN_DROPDOWNS: dict[str, str] = {spec.name: spec.dropdown for _, spec, _ in _FIELDS
                                  if spec.dropdown}
