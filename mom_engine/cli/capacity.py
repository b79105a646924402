"""`mom capacity PATH... [--json]`: people's load by week, utilisation, internal vs external
hours and cost per campaign.

Every task's Planned Hours are spread evenly over its working days; a person's load in a week is
the sum over their tasks; utilisation = load ÷ Hours per Week (People sheet, default 40). Across
several workbooks one person is one person: their loads add up.
"""
from __future__ import annotations

import argparse

from ..domains.capacity import (check_combined_loads, combine_loads, located_loads, people_summary,
                        roll_up_capacity)
from ..findings import sort_findings
from ..report.specs import (CAPACITY_CAMPAIGNS, CAPACITY_CAMPAIGNS_SHOWN, CAPACITY_PEOPLE,
                            CAPACITY_WEEKS)
from ..report.table import Report, Table
from . import EXIT_USAGE
from .common import FindingScope, add_json, add_workers, analyze_inputs, context_of, show


EXAMPLES = ("mom capacity mom-demo/teams/",
            "mom capacity team.xlsx --json")

# Loads come from the Tasks' Assignee and Planned Hours, capacity and rates from People.
CAPACITY_SCOPE = FindingScope.of(("Tasks", "People", "Activities", "Campaigns", "Lists"),
                                 codes=("over-allocated", "assignee-unknown"))


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "capacity", help="people's load by week, utilisation, internal vs external hours",
        description=__doc__.split("\n", 1)[1].strip()
        + " Exit 0: no errors; 1: errors; 2: bad usage or no readable workbook.")
    parser.add_argument("books", nargs="+", metavar="PATH", help="workbook files or folders")
    add_workers(parser)
    add_json(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    findings, loads, people, campaigns, books = [], [], [], [], 0
    for _, name, analysis in analyze_inputs(args.books, context_of(args), args.workers):
        findings += analysis.findings
        if not analysis.readable:
            continue
        books += 1
        report = roll_up_capacity(analysis.book)
        loads.append(located_loads(analysis.book, report))
        people.append(report.people)
        campaigns += CAPACITY_CAMPAIGNS.rows(report.campaigns.assign(
            book=name, currency=analysis.book.plan.currency))
    combined = combine_loads(loads, people)
    findings = sort_findings(findings + check_combined_loads(combined))
    weeks = [{**CAPACITY_WEEKS.row(r), "tasks": list(r["tasks"]), "books": list(r["books"])}
             for r in combined.to_dict("records")]
    summary = CAPACITY_PEOPLE.rows(people_summary(combined, people))
    document = {"people": summary, "weeks": weeks, "campaigns": campaigns}
    over = [w for w in weeks if w["utilisation"] is not None and w["utilisation"] > 1]
    tables = [Table(CAPACITY_PEOPLE, summary, title="People, busiest first (hours per week)",
                    empty="no task with an Assignee and Planned Hours: no load to show")]
    if over:
        tables.append(Table(CAPACITY_WEEKS.without("tasks", "books"), over,
                            title="Weeks over capacity"))
    if campaigns:
        tables.append(Table(CAPACITY_CAMPAIGNS.only(*CAPACITY_CAMPAIGNS_SHOWN), campaigns,
                            title="Planned hours and cost per campaign, internal vs external"))
    status = show(args, Report(document, tables), findings, scope=CAPACITY_SCOPE,
                  paths=args.books)
    return status if books else EXIT_USAGE
