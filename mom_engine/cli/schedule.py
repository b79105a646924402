"""`mom schedule BOOK --by task|activity|campaign|plan [--as-of D] [--json]`.

Prints the schedule rollup at the level asked and the review bottleneck table; with --json one
document `{"as_of", "by", "rows": [...], "bottlenecks": {...}, "findings"}`. The findings are
those that bear on the schedule: reading and structure problems of the sheets it reads (the
figures leave out rejected rows, so their reasons belong here) and the schedule checks.
"""
from __future__ import annotations

import argparse
from ..report.specs import BOTTLENECKS, SCHEDULE
from ..report.table import Report, Table
from ..domains.schedule import SCHEDULE_LEVELS, execution_metrics, roll_up_schedule
from . import EXIT_USAGE
from .common import FindingScope, add_as_of, add_json, analyze_one, context_of, show

SCHEDULE_SCOPE = FindingScope.of(("Campaigns", "Activities", "Tasks", "Lists"),
                                 sections=("§6",))


EXAMPLES = ("mom schedule team.xlsx --by campaign --as-of 2027-03-01",
            "mom schedule team.xlsx --by task --severity error")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "schedule", help="task schedule: %% complete, SPI and late tasks by level",
        description="Roll tasks up to activity, campaign or plan: planned and actual dates, "
                    "% complete = ΣEV ÷ Σduration, SPI = ΣEV ÷ ΣPV, late tasks; and the review "
                    "bottleneck table (working days from Submitted On to Approved On).")
    parser.add_argument("book", metavar="BOOK", help="a team workbook")
    parser.add_argument("--by", choices=SCHEDULE_LEVELS, default="campaign",
                        help="the level to roll up to (default: campaign)")
    add_as_of(parser)
    add_json(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    context = context_of(args)
    analysis = analyze_one(args.book, context, "schedule")
    if not analysis.readable:
        show(args, Report({"as_of": context.as_of, "by": args.by, "rows": []}),
             analysis.findings, scope=SCHEDULE_SCOPE, paths=[args.book])
        return EXIT_USAGE
    report = roll_up_schedule(analysis.book, context.as_of)
    execution = execution_metrics(analysis.book, context.as_of)
    level = args.by.capitalize()
    spec = SCHEDULE.with_header("key", level if args.by != "plan" else "Plan")
    rows = Table(spec, spec.rows(report.by(args.by)),
                 title=f"Schedule by {args.by} as of {context.as_of}",
                 empty="no tasks to schedule (cancelled tasks are left out) in "
                       f"{analysis.book.name}")
    by_approver = Table(BOTTLENECKS.with_header("key", "Approver"),
                        BOTTLENECKS.rows(execution.review_by_approver),
                        title="Review bottlenecks by approver (working days)",
                        empty="no submitted reviews")
    by_role = Table(BOTTLENECKS.with_header("key", "Role"),
                    BOTTLENECKS.rows(execution.review_by_role),
                    title="Review bottlenecks by role (working days)")
    document = {"as_of": context.as_of, "by": args.by, "plan_id": analysis.book.plan.plan_id,
                "rows": rows.rows,
                "bottlenecks": {"by_approver": by_approver.rows, "by_role": by_role.rows}}
    tables = [rows, by_approver] + ([by_role] if by_role.rows else [])
    return show(args, Report(document, tables), analysis.findings, scope=SCHEDULE_SCOPE,
                paths=[args.book])
