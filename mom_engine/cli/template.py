"""`mom template [--out DIR]`: write the blank team workbook template and the finance macro workbook."""
from __future__ import annotations

import argparse
from pathlib import Path

from ..report.team_workbook import write_team_workbook

TEMPLATE_NAME = "team_plan.xlsx"


EXAMPLES = ("mom template --out my-templates",
            "mom template --out my-templates --fiscal-year 2028")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("template", help="write the blank team workbook template",
                                   description=__doc__)
    parser.add_argument("--out", default="workbook_templates", metavar="DIR",
                        help="folder to write into (default: workbook_templates)")
    parser.add_argument("--fiscal-year", type=int, default=None, metavar="YEAR",
                        help="placeholder Fiscal Year on the Plan sheet (default: next year)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    path = write_team_workbook(Path(args.out) / TEMPLATE_NAME, fiscal_year=args.fiscal_year)
    print(f"wrote {path}")
    from ..report.reconcile_workbook import write_reconcile_workbook
    for written in write_reconcile_workbook(args.out):
        print(f"wrote {written}")
    return 0
