"""Consolidation of many team workbooks (SPEC §11): fault isolation, row accounting, cross-book
checks, the same results on a process pool and on a real Dask LocalCluster, the output
workbook, Parquet detail, JSON and exit codes."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from mom_engine.consolidate import (Options, consolidate, convert_cents, process_book,
                                    read_rates)
from mom_engine.read import workbook_files
from mom_engine.report.consolidated import write_consolidated

from .builders import D
from .conftest import located

AS_OF = dt.date(2027, 3, 15)

NORTH = dict(
    plan={"Plan ID": "P-N", "Team": "North"},
    Budget=[{"Activity ID": "A1", "Month": D(2027, 1, 1), "Budgeted": 1000, "Planned": 900},
            {"Activity ID": "A1", "Month": D(2027, 2, 1), "Budgeted": 500, "Planned": 500},
            {"Activity ID": "A9", "Month": D(2027, 2, 1), "Budgeted": 70, "Planned": 70}],
    PurchaseOrders=[{"PO Number": "PO-1", "Activity ID": "A1", "Vendor": "Acme",
                     "Amount": 400, "Issue Date": D(2027, 1, 10), "Status": "Open"}],
    Invoices=[{"Invoice No": "INV-1", "PO Number": "PO-1", "Vendor": "Acme", "Amount": 150,
               "Invoice Date": D(2027, 2, 1)}],
    Quotas=[{"Rep": "Maya", "Quarter": "FY2027-Q1", "Quota": 100000}],
    Assets=[{"Asset ID": "AS-1", "Asset": "Launch eBook", "Type": "eBook"}],
)
SOUTH = dict(
    plan={"Plan ID": "P-S", "Team": "South"},
    Budget=[{"Activity ID": "A1", "Month": D(2027, 3, 1), "Budgeted": 2000, "Planned": 1500}],
    PurchaseOrders=[{"PO Number": "PO-1", "Activity ID": "A1", "Vendor": "Acme",
                     "Amount": 300, "Issue Date": D(2027, 1, 12), "Status": "Open"},
                    {"PO Number": "PO-2", "Activity ID": "A1", "Vendor": "Acme",
                     "Amount": 200, "Issue Date": D(2027, 1, 12), "Status": "Open"}],
    Quotas=[{"Rep": "maya", "Quarter": "FY2027-Q1", "Quota": 120000},
            {"Rep": "Noah", "Quarter": "FY2027-Q1", "Quota": 90000}],
    Assets=[{"Asset ID": "AS-1", "Asset": "launch  ebook!", "Type": "EBOOK"},
            {"Asset ID": "AS-2", "Asset": "Logo", "Type": "Logo"}],
)


@pytest.fixture
def team_folder(tmp_path, make_book):
    """Two good books, a corrupt one, an Office lock file and a text file."""
    folder = tmp_path / "teams"
    folder.mkdir()
    shutil.move(make_book("north.xlsx", **NORTH), folder / "north.xlsx")
    shutil.move(make_book("south.xlsx", **SOUTH), folder / "south.xlsx")
    good = (folder / "north.xlsx").read_bytes()
    (folder / "broken.xlsx").write_bytes(good[: len(good) // 2])        # truncated download
    (folder / "~$north.xlsx").write_bytes(b"\x00owner-file" * 10)     # Excel's lock file
    (folder / "notes.txt").write_text("not a workbook\n")
    return folder


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir())}


def run(folder: Path, **kwargs):
    files = workbook_files([folder])
    return consolidate(files, options=Options(as_of=AS_OF, **kwargs.pop("options", {})),
                       **kwargs)


def test_folder_with_bad_files_gives_exact_accounting_and_one_unreadable(team_folder):
    before = digests(team_folder)
    report = run(team_folder, workers=2)
    # lock file and notes.txt are skipped silently: no finding, no Sources row
    assert sorted(report.paths) == ["broken.xlsx", "north.xlsx", "south.xlsx"]
    unreadable = [f for f in report.findings if f.code == "book-unreadable"]
    assert [(f.book, f.sheet, f.cell) for f in unreadable] == [("broken.xlsx", None, None)]
    assert "broken.xlsx" in unreadable[0].message
    assert (report.books_read, report.books_failed) == (2, 1)
    # north: Campaigns 1 + Activities 1 + Budget 3 (A9 rejected: unknown activity) + POs 1
    #        + Invoices 1 + Quotas 1 + Assets 1 = 9 read, 1 rejected
    # south: Campaigns 1 + Activities 1 + Budget 1 + POs 2 + Quotas 2 + Assets 2 = 9 read
    assert report.rows == {"read": 18, "consolidated": 17, "rejected": 1}
    sources = report.sources.set_index(["book", "sheet"])
    assert sources.loc[("north.xlsx", "Budget"), ["read", "consolidated", "rejected"]].tolist() \
        == [3, 2, 1]
    assert sources.loc[("south.xlsx", "PurchaseOrders"), "read"] == 2
    broken = report.sources[report.sources.book == "broken.xlsx"].iloc[0]
    assert broken.status == "unreadable" and broken["read"] == 0
    assert broken.sha256 == hashlib.sha256((team_folder / "broken.xlsx").read_bytes()).hexdigest()
    assert ("Budget", "A4", "ref-unknown") in located(report.findings)
    assert digests(team_folder) == before          # inputs are only read


def test_money_totals_are_exact(team_folder):
    report = run(team_folder, workers=2)
    # north (USD): budgeted 1000 + 500 (the A9 row is rejected); planned 900 + 500;
    #   PO-1 open 400 with INV-1 150 on it → committed 400 − 150 = 250, spent 150;
    #   remaining 1500 − 250 − 150 = 1100
    # south (USD): budgeted 2000, planned 1500; PO-1 300 + PO-2 200 open → committed 500;
    #   remaining 1500
    assert report.currency == "USD"
    assert report.totals == {"budgeted": 350000, "committed": 75000, "spent": 15000,
                             "remaining": 260000}
    teams = report.teams.set_index("book")
    assert teams.loc["north.xlsx", ["budgeted", "planned", "committed", "spent", "remaining",
                                    "unplanned", "overspend"]].tolist() == [
        150000, 140000, 25000, 15000, 110000, 10000, 0]
    campaigns = report.tables["campaigns"]
    assert campaigns[["book", "campaign_id", "campaign", "budgeted"]].values.tolist() == [
        ["north.xlsx", "C1", "Launch", 150000], ["south.xlsx", "C1", "Launch", 200000]]
    gl = report.tables["gl_month"]             # summed across books
    assert gl[["gl_account", "month", "teams", "budgeted", "committed", "spent"]].values.tolist() \
        == [["610200", "2027-01", 2, 100000, 25000 + 50000, 0],  # POs issued in January
            ["610200", "2027-02", 1, 50000, 0, 15000],            # north's invoice in February
            ["610200", "2027-03", 1, 200000, 0, 0]]


def test_reporting_currency_converts_exactly(team_folder, make_book):
    shutil.move(make_book("west.xlsx", plan={"Plan ID": "P-W", "Team": "West",
                                             "Currency": "EUR"},
                          Budget=[{"Activity ID": "A1", "Month": D(2027, 1, 1),
                                   "Budgeted": 1000.05, "Planned": 0}]),
                team_folder / "west.xlsx")
    report = run(team_folder, workers=2, currency="USD",
                 rates={"USD": Decimal(1), "EUR": Decimal("1.08")})
    # west: 1000.05 EUR × 1.08 = 1080.054 USD → 108005 cents; north 1500 + south 2000
    assert report.totals["budgeted"] == 150000 + 200000 + 108005
    west = report.teams.set_index("book").loc["west.xlsx"]
    assert (west["budgeted_local"], west["budgeted"]) == (100005, 108005)
    assert not [f for f in report.findings if f.code == "rate-missing"]


def test_cross_book_duplicates_and_quota_conflicts(team_folder, make_book):
    shutil.move(make_book("north2.xlsx", **{**NORTH, "PurchaseOrders": None,
                                                "Quotas": None}),
                team_folder / "north2.xlsx")
    report = run(team_folder, workers=2)
    cross = [(f.book, f.sheet, f.cell, f.code) for f in report.findings
             if f.code in ("duplicate-plan", "duplicate-po", "quota-conflict")]
    # the first book in file order owns a key: broken, north, north2, south
    assert sorted(cross) == [
        ("north2.xlsx", "Plan", "B2", "duplicate-plan"),     # P-N again
        ("south.xlsx", "PurchaseOrders", "A2", "duplicate-po"),  # PO-1 also in north
        ("south.xlsx", "Quotas", "C2", "quota-conflict"),        # Maya Q1: 120,000 ≠ 100,000
    ]                                                            # (Noah has one quota: fine)


def test_dask_local_cluster_gives_identical_results(team_folder):
    from distributed import Client, LocalCluster
    pool = run(team_folder, workers=2)
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        dask = run(team_folder, scheduler=client)
    assert dask.findings == pool.findings
    assert dask.rows == pool.rows
    assert dask.sources.equals(pool.sources)
    assert dask.teams.equals(pool.teams)
    assert sorted(dask.tables) == sorted(pool.tables)
    for key in pool.tables:
        assert dask.tables[key].equals(pool.tables[key]), key


def die_on_south(path, options, name=None, index=0):
    """A worker whose process dies outright on south.xlsx (as a reader crash would)."""
    if Path(path).name == "south.xlsx":
        os._exit(3)
    return process_book(path, options, name, index)


def test_a_dying_worker_process_becomes_a_finding_and_the_rest_go_on(team_folder):
    report = run(team_folder, workers=2, worker=die_on_south)
    unreadable = sorted((f.book, f.code) for f in report.findings if f.code == "book-unreadable")
    assert unreadable == [("broken.xlsx", "book-unreadable"), ("south.xlsx", "book-unreadable")]
    died = next(f for f in report.findings if f.book == "south.xlsx")
    assert "worker process" in died.message and "died" in died.message
    assert (report.books_read, report.books_failed) == (1, 2)
    assert report.rows == {"read": 9, "consolidated": 8, "rejected": 1}   # north only


def test_worker_result_is_small_and_counts_rows(team_folder):
    result = process_book(team_folder / "north.xlsx", Options(as_of=AS_OF), "north.xlsx", 5)
    assert (result.index, result.plan_id, result.team, result.status) == (5, "P-N", "North",
                                                                          "read")
    assert result.po_numbers == [("PO-1", "A2", "PurchaseOrders")]
    assert result.quotas == [("Maya", "FY2027-Q1", 10000000, "C2", "Quotas")]
    counts = {c.sheet: (c.read, c.consolidated, c.rejected) for c in result.sheets}
    assert counts["Budget"] == (3, 2, 1)


def test_encrypted_empty_and_missing_books_never_stop_the_batch(tmp_path, make_book):
    good = make_book("good.xlsx")
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    text = tmp_path / "renamed.xlsx"
    text.write_text("Name,Amount\nx,1\n")
    # an encrypted OOXML file is an OLE container naming the EncryptedPackage stream
    locked = tmp_path / "locked.xlsx"
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
                       + "EncryptedPackage".encode("utf-16-le") + b"\0" * 2048)
    report = consolidate([good, empty, text, locked, tmp_path / "gone.xlsx"],
                         options=Options(as_of=AS_OF), workers=2)
    assert sorted((f.book, f.code) for f in report.findings if f.book != "good.xlsx") == [
        ("empty.xlsx", "book-unreadable"), ("gone.xlsx", "book-unreadable"),
        ("locked.xlsx", "book-encrypted"), ("renamed.xlsx", "book-unreadable")]
    assert (report.books_read, report.books_failed) == (1, 4)
    status = dict(zip(report.sources["book"], report.sources["status"], strict=True))
    assert (status["locked.xlsx"], status["gone.xlsx"], status["empty.xlsx"]) == (
        "encrypted", "missing", "unreadable")


def test_detail_parquet_rows_equal_consolidated_counts(team_folder, tmp_path):
    import pyarrow.parquet as pq
    detail = tmp_path / "detail"
    report = run(team_folder, workers=2, options={"detail_dir": str(detail)})
    consolidated = report.sources.groupby("sheet")["consolidated"].sum()
    for sheet in ("Budget", "PurchaseOrders", "Quotas", "Campaigns", "Activities"):
        table = pq.read_table(detail / sheet)
        assert table.num_rows == consolidated[sheet], sheet
    budget = pq.read_table(detail / "Budget").to_pandas()
    assert sorted(budget["_book"].tolist()) == ["north.xlsx", "north.xlsx", "south.xlsx"]
    assert sorted(budget["Budgeted"].tolist()) == [50000, 100000, 200000]   # cents
    # a second run replaces the parts instead of adding to them
    run(team_folder, workers=1, options={"detail_dir": str(detail)})
    assert pq.read_table(detail / "Budget").num_rows == 3


def test_output_workbook_has_sheets_a_chart_and_links(team_folder, tmp_path):
    report = run(team_folder, workers=2)
    output = write_consolidated(tmp_path / "out" / "consolidated.xlsx", report)
    workbook = openpyxl.load_workbook(output)
    for name in ("Dashboard", "Teams", "Assets", "Findings", "Sources"):
        assert name in workbook.sheetnames, name
    with zipfile.ZipFile(output) as archive:
        assert "xl/charts/chart1.xml" in archive.namelist()
    findings = workbook["Findings"]
    header = [c.value for c in findings[1]]
    rows = [dict(zip(header, [c.value for c in row], strict=True)) | {"_link": row[9].hyperlink}
            for row in findings.iter_rows(min_row=2)]
    ref = next(r for r in rows if r["Code"] == "ref-unknown")
    assert (ref["Book"], ref["Sheet"], ref["Cell"]) == ("north.xlsx", "Budget", "A4")
    # relative to the output's folder, with forward slashes (a URI; every client follows it)
    assert ref["_link"].target == "../teams/north.xlsx"
    assert ref["_link"].location == "'Budget'!A4"
    assert ref["_link"].tooltip == "open north.xlsx at Budget!A4"
    broken = next(r for r in rows if r["Book"] == "broken.xlsx")
    assert broken["_link"].target == "../teams/broken.xlsx"
    assets = [[c.value for c in row] for row in workbook["Assets"].iter_rows()]
    flag = assets[0].index("Likely duplicate")
    # 'Launch eBook'/eBook (north) and 'launch  ebook!'/EBOOK (south): same normalised
    # name and type in two books
    assert sorted((r[0], r[3], r[flag]) for r in assets[1:]) == [
        ("north.xlsx", "Launch eBook", True), ("south.xlsx", "Logo", False),
        ("south.xlsx", "launch  ebook!", True)]
    sources = workbook["Sources"]
    assert [c.value for c in sources[1]][:5] == ["Book", "Path", "SHA-256", "Size (bytes)",
                                                 "Status"]
    assert not list(tmp_path.joinpath("out").glob(".*.tmp"))     # no temporary left behind


def test_rates_file_and_exact_conversion(tmp_path):
    rates = tmp_path / "rates.csv"
    rates.write_text("Currency,Rate\nEUR,1.08\ngbp,1.27\n")
    assert read_rates(rates, "usd") == {"USD": Decimal(1), "EUR": Decimal("1.08"),
                                        "GBP": Decimal("1.27")}
    assert convert_cents(12345, Decimal("1.08")) == 13333      # 13332.6 → 13333
    assert convert_cents(-50, Decimal("0.25")) == -13           # -12.5 → -13 (away from zero)
    assert convert_cents(50, Decimal("0.25")) == 13
    from mom_engine.consolidate import convert_rows
    # rows of books 0 (rate 0.25), 1 (no rate), 2 (rate 1.08); vectorised, same rounding
    values = pd.Series(pd.array([50, -50, 7, None, 12345], dtype="Int64"))
    converted = convert_rows(values, np.array([0, 0, 1, 2, 2]),
                             {0: Decimal("0.25"), 2: Decimal("1.08")})
    assert converted.tolist() == [13, -13, pd.NA, pd.NA, 13333]


def test_book_without_rate_is_reported_and_left_out(team_folder, make_book):
    shutil.move(make_book("west.xlsx", plan={"Plan ID": "P-W", "Team": "West",
                                             "Currency": "EUR"}),
                team_folder / "west.xlsx")
    report = run(team_folder, workers=2, currency="USD", rates={"USD": Decimal(1)})
    assert located([f for f in report.findings if f.book == "west.xlsx"], "rate-missing") == [
        (None, None, "rate-missing")]
    west = report.teams.set_index("book").loc["west.xlsx"]
    assert pd.isna(west["rate"]) and pd.isna(west["budgeted"])
    assert west["budgeted_local"] == 100000                  # shown in EUR, not in the total
    assert report.totals["budgeted"] == 150000 + 200000      # north + south only


# --- the command line -------------------------------------------------------------------------

def test_cli_json_shape_and_exit_codes(team_folder, run_mom, tmp_path):
    before = digests(team_folder)
    done = run_mom("consolidate", team_folder, "-o", tmp_path / "c.xlsx", "--json",
                   "--as-of", "2027-03-15", "--workers", "2")
    assert done.returncode == 1, done.stderr          # errors: broken book, cross-book checks
    document = json.loads(done.stdout)
    assert document["books"] == {"read": 2, "failed": 1}
    assert document["rows"] == {"read": 18, "consolidated": 17, "rejected": 1}
    assert document["totals"] == {"budgeted": 3500.0, "committed": 750.0, "spent": 150.0,
                                  "remaining": 2600.0}      # see test_money_totals_are_exact
    assert {"code", "severity", "book", "sheet", "cell", "row", "column", "message",
            "value"} <= set(document["findings"][0])
    assert (tmp_path / "c.xlsx").exists()
    assert digests(team_folder) == before


def test_cli_clean_book_exits_0(make_book, run_mom, tmp_path):
    book = make_book("clean.xlsx")
    done = run_mom("consolidate", book, "-o", tmp_path / "c.xlsx", "--as-of", "2027-01-15")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "wrote" in done.stdout


def test_cli_refuses_output_equal_to_an_input(make_book, run_mom):
    book = make_book("clean.xlsx")
    before = book.read_bytes()
    done = run_mom("consolidate", book, "-o", book)
    assert done.returncode == 2 and "never written" in done.stderr
    assert book.read_bytes() == before


def test_cli_no_readable_book_exits_2(tmp_path, run_mom):
    (tmp_path / "bad.xlsx").write_bytes(b"nope")
    done = run_mom("consolidate", tmp_path / "bad.xlsx", "-o", tmp_path / "c.xlsx", "--json")
    assert done.returncode == 2
    assert json.loads(done.stdout)["books"] == {"read": 0, "failed": 1}
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "c.xlsx").exists()


def test_cli_bad_usage_exits_2(tmp_path, run_mom, make_book):
    assert run_mom("consolidate", tmp_path / "nothing-here").returncode == 2
    book = make_book("clean.xlsx")
    assert run_mom("consolidate", book, "--rates", "x.csv").returncode == 2
    assert run_mom("consolidate", book, "--currency", "USD", "--rates",
                   tmp_path / "missing.csv").returncode == 2


def test_coverage_combines_reps_across_books():
    from mom_engine.consolidate import combine_coverage
    parts = pd.DataFrame({
        "book": ["a.xlsx", "a.xlsx", "b.xlsx", "b.xlsx"],
        "team": ["A", "A", "B", "B"],
        "rep": ["Maya", "Noah", " maya ", "Noah"],
        "quarter": ["FY2027-Q1"] * 4,
        "quota": pd.array([100_000_00, None, 100_000_00, 90_000_00], dtype="Int64"),
        "won": pd.array([20_000_00, 0, 10_000_00, 95_000_00], dtype="Int64"),
        "open": pd.array([50_000_00, 30_000_00, 40_000_00, 0], dtype="Int64"),
        "weighted": pd.array([25_000_00, 7_500_00, 10_000_00, 0], dtype="Int64"),
    })
    frame = combine_coverage(parts, 2.5).set_index("rep")
    # Maya: the same quota in both books counts once: 100,000; won 20,000 + 10,000 = 30,000;
    #   remaining 70,000; open 90,000 → coverage 90/70 = 1.2857; gap 2.5 × 70,000 − 90,000
    maya = frame.loc["Maya"]
    assert (maya["teams"], maya["quota"], maya["won"], maya["open"], maya["weighted"]) == (
        2, 100_000_00, 30_000_00, 90_000_00, 35_000_00)
    assert maya["remaining_quota"] == 70_000_00 and maya["gap"] == 85_000_00
    assert round(maya["coverage"], 4) == 1.2857 and bool(maya["below_target"])
    # Noah: quota 90,000 (only book b has one), won 95,000 → quota met, coverage blank
    noah = frame.loc["Noah"]
    assert noah["quota"] == 90_000_00 and bool(noah["quota_met"])
    assert pd.isna(noah["coverage"]) and noah["gap"] == 0 and not noah["below_target"]


def test_domain_sheets_when_their_modules_are_there(team_folder, tmp_path):
    report = run(team_folder, workers=2)
    assert {"coverage", "funnel", "scorecard"} <= set(report.tables)
    coverage = report.tables["coverage"].set_index("rep")
    # Maya: 100,000.00 in north and 120,000.00 in south (a quota-conflict): the larger counts
    assert coverage.loc["Maya", "quota"] == 120_000_00
    output = write_consolidated(tmp_path / "c.xlsx", report)
    names = openpyxl.load_workbook(output).sheetnames
    assert names == ["Dashboard", "Teams", "Campaigns", "GL by Month", "Schedule", "At Risk",
                     "Coverage", "Funnel", "Scorecard", "Scorecard by Quarter", "Capacity",
                     "Hours by Campaign", "Target Accounts", "Assets", "Calendar", "Findings",
                     "Sources"]


def test_cli_scheduler_option_runs_on_the_dask_cluster(team_folder, tmp_path, capsys):
    from distributed import LocalCluster

    from mom_engine.cli import main
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        status = main(["consolidate", str(team_folder), "-o", str(tmp_path / "c.xlsx"),
                       "--scheduler", cluster.scheduler_address, "--json",
                       "--as-of", "2027-03-15"])
    document = json.loads(capsys.readouterr().out)
    assert status == 1
    assert document["books"] == {"read": 2, "failed": 1}
    assert document["rows"] == {"read": 18, "consolidated": 17, "rejected": 1}


def test_demo_generates_and_consolidates(tmp_path, run_mom):
    done = run_mom("demo", "--teams", 3, "--out", tmp_path / "demo", "--workers", 1)
    assert done.returncode == 0, done.stderr                  # findings are expected
    assert "budgeted (USD)" in done.stdout and "wrote" in done.stdout
    workbook = openpyxl.load_workbook(tmp_path / "demo" / "consolidated.xlsx")
    teams = [[c.value for c in row] for row in workbook["Teams"].iter_rows()]
    assert len(teams) == 4                                    # header + 3 teams
    assert (tmp_path / "demo" / "rates.csv").read_text().splitlines()[0] == "Currency,Rate"


def test_detail_is_one_parquet_file_per_sheet_extra_columns_kept(tmp_path, make_book):
    """--detail writes a few large files (one per sheet, a next part only for new extra
    columns), not one file per book; no row and no extra column is dropped; no temporary file
    is left behind."""
    import pyarrow.parquet as pq
    folder = tmp_path / "teams"
    folder.mkdir()
    for index in range(4):
        budget = [{"Activity ID": "A1", "Month": D(2027, 1, 1), "Budgeted": 100 * (index + 1),
                   "Planned": 50}]
        if index == 2:
            budget[0]["Notes"] = "check"      # an undeclared column, in one book only
        shutil.move(make_book(f"t{index}.xlsx", plan={"Plan ID": f"P-{index}"}, Budget=budget),
                    folder / f"t{index}.xlsx")
    detail = tmp_path / "detail"
    report = run(folder, workers=2, options={"detail_dir": str(detail)})
    assert report.books_read == 4
    assert sorted(p.name for p in (detail / "Campaigns").iterdir()) == ["part-000000.parquet"]
    parts = sorted((detail / "Budget").iterdir())
    assert [p.name for p in parts][:1] == ["part-000000.parquet"] and len(parts) <= 2
    tables = [pq.read_table(p) for p in parts]
    assert sorted(b for t in tables for b in t.column("_book").to_pylist()) == [
        "t0.xlsx", "t1.xlsx", "t2.xlsx", "t3.xlsx"]
    assert sorted(c for t in tables for c in t.column("Budgeted").to_pylist()) == [
        10000, 20000, 30000, 40000]
    notes = [(b, n) for t in tables if "Notes" in t.column_names
             for b, n in zip(t.column("_book").to_pylist(), t.column("Notes").to_pylist(),
                             strict=True) if n is not None]
    assert notes == [("t2.xlsx", "check")]
    assert not [p for p in detail.rglob("*") if p.name.startswith(".")]


def test_detail_writes_a_blank_cell_of_an_extra_column_as_null_not_nan(tmp_path, make_book):
    """An undeclared column's blank cells are null in the Parquet dataset (they were the text
    "nan"), its numbers their text."""
    import pyarrow.parquet as pq
    folder = tmp_path / "teams"
    folder.mkdir()
    budget = [{"Activity ID": "A1", "Month": D(2027, m, 1), "Budgeted": 100, "Planned": 50,
               **extra} for m, extra in ((1, {"Notes": "check", "Score": 1.5}), (2, {}))]
    shutil.move(make_book("t.xlsx", Budget=budget), folder / "t.xlsx")
    run(folder, workers=1, options={"detail_dir": str(tmp_path / "detail")})
    table = pq.read_table(tmp_path / "detail" / "Budget" / "part-000000.parquet")
    assert table.column("Notes").to_pylist() == ["check", None]
    assert table.column("Score").to_pylist() == ["1.5", None]
    from mom_engine.consolidate.detail import _arrow_column   # a column pandas typed (NaN blanks)
    assert _arrow_column(pd.Series(["a", None, ""], dtype="str"), True).to_pylist() == [
        "a", None, None]
    assert _arrow_column(pd.Series([1.5, float("nan")]), True).to_pylist() == ["1.5", None]


def test_likely_duplicate_assets_are_marked_row_by_row_even_when_two_books_share_a_name():
    """Two books may share a file name (team.xlsx in two folders, through the Python API):
    the asset that matches another book's is marked, not every asset with its Asset ID."""
    from mom_engine.consolidate import mark_duplicate_assets
    frame = pd.DataFrame({"book": pd.array(["team.xlsx", "team.xlsx", "na.xlsx"], dtype="string"),
                          "Asset ID": ["A1", "A1", "A5"],
                          "Asset": ["Launch deck", "Pricing sheet", "launch  deck!"],
                          "Type": ["Deck", "Sheet", "deck"]})
    assert mark_duplicate_assets(frame)["likely_duplicate"].tolist() == [True, False, True]
