"""`mom accounts PATH... [--as-of D] [--json]`: target accounts for the quarter.

Several books are one sales organisation: an account named in two books is one account.
JSON: `{"as_of", "quarter", "accounts": [{"account", "tier", "rep", "leads", "mqls", "open",
"won", "covered"}], "findings"}`.
"""
from __future__ import annotations

import argparse

from ..domains.accounts import AccountsReport, target_accounts
from ..findings import sort_findings
from ..report.specs import ACCOUNTS
from ..report.table import Report, Table
from . import EXIT_USAGE
from .common import (FindingScope, add_as_of, add_exports, add_json, add_workers, analyze_inputs,
                     context_of, show, with_exports)

EXAMPLES = ("mom accounts mom-demo/teams/",
            "mom accounts team.xlsx --leads contacts.csv --as-of 2027-03-01 --json")

ACCOUNTS_SCOPE = FindingScope.of(
    ("Target Accounts", "Campaigns", "Opportunities", "Leads", "Lists", "Mappings"),
    codes=("target-account-uncovered", "stage-unmapped", "campaign-ambiguous", "source-unmapped"),
    located=("rate-missing",))


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "accounts", help="target accounts: leads, MQLs, open pipeline and won this quarter",
        description="Per target account (the Target Accounts sheet) for the fiscal quarter "
                    "containing the as-of date: leads and MQLs, open pipeline and won; an "
                    "account with no lead and no open pipeline is target-account-uncovered. "
                    "Exit 0: no errors; 1: errors; 2: bad usage or no readable workbook.")
    parser.add_argument("books", nargs="+", metavar="PATH", help="workbook files or folders")
    add_as_of(parser)
    add_exports(parser)
    add_workers(parser)
    add_json(parser)
    parser.set_defaults(run=run)


def accounts_json(report: AccountsReport) -> dict:
    return {"as_of": report.as_of, "quarter": report.quarter,
            "accounts": ACCOUNTS.rows(report.accounts)}


def run(args: argparse.Namespace) -> int:
    context = context_of(args)
    analyses = [analysis for _, _, analysis in analyze_inputs(args.books, context, args.workers)]
    books = [a.book for a in analyses if a.readable]
    scope = with_exports(ACCOUNTS_SCOPE, args)
    if not books:
        show(args, Report({"as_of": context.as_of}), [f for a in analyses for f in a.findings],
             scope=scope, paths=args.books)
        return EXIT_USAGE
    report = target_accounts(books, context.as_of)
    # Per-book findings are replaced by the cross-book ones (one account across books).
    findings = [f for a in analyses for f in a.findings if f.code != "target-account-uncovered"]
    findings = sort_findings(findings + report.findings)
    document = accounts_json(report)
    table = Table(ACCOUNTS, document["accounts"],
                  title=f"Target accounts {report.quarter} (as of {report.as_of})",
                  empty="no target accounts: the Target Accounts sheet is empty or absent")
    return show(args, Report(document, [table]), findings, scope=scope, paths=args.books)
