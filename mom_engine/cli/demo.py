"""`mom demo [--teams N] [--out DIR]`: realistic team workbooks, then the main job on them.

Writes N demo team workbooks to DIR/teams (made from the team template, each with a few
realistic mistakes), a rates file DIR/rates.csv for the demo currencies, an ERP export
DIR/erp_export.csv that partly matches team 3 (for `mom reconcile`), the first team's
opportunities as a Salesforce report DIR/crm_export.csv with its stage map DIR/crm_map.toml
(for `--crm` / `--map`) and its leads as a HubSpot contacts export DIR/leads_export.csv (for
`--leads`), and consolidates them
into DIR/consolidated.xlsx in US dollars — the same code path as `mom consolidate`. Prints the
headline figures. The demo's own exit status is 0 when it ran: the demo books carry deliberate
mistakes, so findings are expected and shown, not a failure.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

from ..consolidate import TOTAL_FIGURES, Options, consolidate
from ..demo import CURRENCIES, make_demo_books
from ..exports import write_demo_exports
from ..findings import Severity
from ..domains.reconcile import EXAMPLE_DEMO_TEAM, example_ledger
from ..report.files import atomic_path
from ..report.consolidated import write_consolidated
from ..report.json import money
from ..report.specs import CONSOLIDATION, COUNTS
from ..report.table import Table
from ..report.text import console, write_tables
from .common import book_names, progress_bar

REPORTING_CURRENCY = "USD"


EXAMPLES = ("mom demo",
            "mom demo --teams 1000 --out big-demo")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="make demo team workbooks and consolidate them",
                                   description=__doc__)
    parser.add_argument("--teams", type=int, default=6, metavar="N",
                        help="number of team workbooks (default 6)")
    parser.add_argument("--out", default="mom-demo", metavar="DIR",
                        help="folder for the demo workbooks and the report (default: mom-demo)")
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help="worker processes (default: CPU count)")
    parser.set_defaults(run=run)


def write_demo_rates(path: Path) -> dict[str, Decimal]:
    """The demo currencies' rates into US dollars, as a --rates CSV (Currency, Rate)."""
    rates = {code: Decimal(str(rate)) for code, rate in CURRENCIES}
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Currency", "Rate"])
        for code, rate in rates.items():
            writer.writerow([code, str(rate)])
    return rates


def run(args: argparse.Namespace) -> int:
    err = console(stderr=True)
    out_dir = Path(args.out)
    folder = out_dir / "teams"
    err.print(f"writing {args.teams} demo team workbooks to {folder} …")
    with progress_bar(args.teams, "writing") as advance:
        paths = make_demo_books(folder, args.teams, workers=args.workers or 2,
                                progress=lambda: advance(None))
    rates = write_demo_rates(out_dir / "rates.csv")
    as_of = dt.date.today()
    if args.teams > EXAMPLE_DEMO_TEAM:
        with atomic_path(out_dir / "erp_export.csv") as temporary:
            example_ledger(EXAMPLE_DEMO_TEAM, as_of).to_csv(temporary, index=False)
    write_demo_exports(out_dir, as_of)   # crm_export.csv, crm_map.toml, leads_export.csv
    with progress_bar(len(paths), "consolidating") as advance:
        report = consolidate(paths, options=Options(as_of=as_of), names=book_names(paths),
                             workers=args.workers, currency=REPORTING_CURRENCY, rates=rates,
                             progress=advance)
    output = write_consolidated(out_dir / "consolidated.xlsx", report)
    errors = sum(f.severity is Severity.ERROR for f in report.findings)
    warnings = sum(f.severity is Severity.WARNING for f in report.findings)
    counts = [{"figure": "team workbooks", "value": report.books_read},
              {"figure": "rows consolidated", "value": report.rows["consolidated"]},
              {"figure": "rows rejected", "value": report.rows["rejected"]},
              {"figure": "errors", "value": errors}, {"figure": "warnings", "value": warnings}]
    tables = [Table(COUNTS, counts, title=f"Demo: {len(paths)} teams consolidated")]
    if report.totals:
        tables.append(Table(CONSOLIDATION, [
            {"figure": f"{figure} ({report.currency})", "value": money(report.totals[figure])}
            for figure in TOTAL_FIGURES], title="Totals"))
    write_tables(tables)
    out = console()
    out.print(f"wrote {output}")
    if paths:
        out.print(f"next: mom validate {folder}/{paths[0].name}")
        out.print(f"      mom consolidate {folder} -o {out_dir}/consolidated.xlsx "
                  f"--currency USD --rates {out_dir}/rates.csv")
    return 0
