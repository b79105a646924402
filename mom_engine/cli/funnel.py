"""`mom funnel BOOK... [--as-of D] [--json]`: the lead funnel per campaign.

Each book keeps its own Lead Stages, so the funnel is reported book by book.
"""
from __future__ import annotations

import argparse
import datetime as dt

from ..domains.funnel import FunnelReport, roll_up_funnel
from ..report.specs import FUNNEL, FUNNEL_STAGE
from ..report.table import Report, Table
from . import EXIT_USAGE
from .common import (FindingScope, add_as_of, add_exports, add_json, add_workers, analyze_inputs,
                     context_of, show, with_exports)


EXAMPLES = ("mom funnel team.xlsx --as-of 2027-03-01",
            "mom funnel teams/ --format csv > funnel.csv")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "funnel", help="lead funnel per campaign: stages reached, conversion, days",
        description="Lead funnel per campaign and for the plan, in the plan's Lead Stages "
                    "order: leads reaching each stage, conversion from the stage before and "
                    "median working days from it; plus stage-order, SLA and consent checks. "
                    "Exit 0: no errors; 1: errors; 2: bad usage or no readable workbook.")
    parser.add_argument("books", nargs="+", metavar="BOOK", help="workbook files or folders")
    add_as_of(parser)
    add_exports(parser, crm=False)
    add_workers(parser)
    add_json(parser)
    parser.set_defaults(run=run)


FUNNEL_SCOPE = FindingScope.of(("Campaigns", "Leads", "Lists", "Mappings"),
                               codes=("lead-stage-order", "lead-sla-breach", "consent-violation",
                                      "source-unmapped", "campaign-ambiguous"))


def funnel_json(book_name: str, plan_id: str | None, report: FunnelReport) -> dict:
    campaigns = []
    for key, rows in report.campaigns.groupby("campaign_id", sort=False):
        campaigns.append({"campaign_id": key or None, "campaign": rows["campaign"].iat[0],
                          "leads": int(rows["leads"].iat[0]), "stages": FUNNEL_STAGE.rows(rows)})
    leads = int(report.plan["leads"].iat[0]) if len(report.plan) else 0
    return {"book": book_name, "plan_id": plan_id, "stages": list(report.stages),
            "campaigns": campaigns, "total": {"leads": leads,
                                              "stages": FUNNEL_STAGE.rows(report.plan)}}


def funnel_table(document: dict, as_of: dt.date) -> Table:
    """One book's funnel: a row per campaign and stage, then the plan total."""
    rows = []
    for campaign in [*document["campaigns"],
                     {"campaign_id": "", "campaign": "plan total", **document["total"]}]:
        name = f"{campaign['campaign_id'] or ''} {campaign['campaign']}".strip()
        for stage in campaign["stages"]:
            rows.append({"campaign": name, "leads": campaign["leads"], **stage})
    return Table(FUNNEL, rows, title=f"Lead funnel — {document['book']} (as of {as_of})",
                 empty="no leads")


def run(args: argparse.Namespace) -> int:
    context = context_of(args)
    findings, documents = [], []
    for _, name, analysis in analyze_inputs(args.books, context, args.workers):
        findings += analysis.findings
        if analysis.readable:
            report = roll_up_funnel(analysis.book, context.as_of)
            documents.append(funnel_json(name, analysis.book.plan.plan_id, report))
    tables = [funnel_table(document, context.as_of) for document in documents]
    status = show(args, Report({"as_of": context.as_of, "books": documents}, tables), findings,
                  scope=with_exports(FUNNEL_SCOPE, args), paths=args.books)
    return status if documents else EXIT_USAGE
