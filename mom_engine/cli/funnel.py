"""`mom funnel BOOK... [--as-of D] [--json]`: the lead funnel per campaign (SPEC §7, §13).

Each book keeps its own Lead Stages, so the funnel is reported book by book.
"""
from __future__ import annotations

import argparse

import pandas as pd

from ..funnel import FunnelReport, roll_up_funnel
from ..report.json import ratio
from ..report.text import print_table
from . import EXIT_USAGE
from .common import add_as_of, add_exports, add_json, analyze_inputs, context_of, emit


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
    add_json(parser)
    parser.set_defaults(run=run)


def _blank(value):
    return None if pd.isna(value) else value


def _stages(frame: pd.DataFrame) -> list[dict]:
    return [{"stage": r["stage"], "reached": int(r["reached"]),
             "conversion": ratio(_blank(r["conversion"])),
             "median_days": _blank(r["median_days"])} for r in frame.to_dict("records")]


def funnel_json(book_name: str, plan_id: str | None, report: FunnelReport) -> dict:
    campaigns = []
    for key, rows in report.campaigns.groupby("campaign_id", sort=False):
        campaigns.append({"campaign_id": key or None, "campaign": rows["campaign"].iat[0],
                          "leads": int(rows["leads"].iat[0]), "stages": _stages(rows)})
    leads = int(report.plan["leads"].iat[0]) if len(report.plan) else 0
    return {"book": book_name, "plan_id": plan_id, "stages": list(report.stages),
            "campaigns": campaigns, "total": {"leads": leads, "stages": _stages(report.plan)}}


def run(args: argparse.Namespace) -> int:
    context = context_of(args)
    findings, documents = [], []
    for _, name, analysis in analyze_inputs(args.books, context):
        findings += analysis.findings
        if analysis.readable:
            report = roll_up_funnel(analysis.book, context.as_of)
            documents.append(funnel_json(name, analysis.book.plan.plan_id, report))

    def render(out) -> None:
        for document in documents:
            rows = []
            for campaign in [*document["campaigns"],
                             {"campaign_id": "", "campaign": "plan total", **document["total"]}]:
                for stage in campaign["stages"]:
                    rows.append({"campaign": f"{campaign['campaign_id'] or ''} "
                                             f"{campaign['campaign']}".strip(),
                                 "leads": campaign["leads"], **stage})
            print_table(rows, ["campaign", "leads", "stage", "reached", "conversion",
                               "median_days"], out=out,
                        title=f"Lead funnel — {document['book']} (as of {context.as_of})",
                        formats={"conversion": ".1%", "median_days": ".1f"})

    status = emit({"as_of": context.as_of, "books": documents}, findings, args.json, render)
    return status if documents else EXIT_USAGE
