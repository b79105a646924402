"""What a folder, a side file, an output path or a full disk does to a run (SPEC §11, §13, §15):
never an abort, a hang, exit 3 or a silently shorter result. Every case runs the real CLI in a
subprocess on files built here.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import pytest

from .builders import team_book


def strict_json(text: str):
    """json.loads that refuses NaN, Infinity and -Infinity (not JSON)."""
    def refuse(constant: str):
        raise ValueError(f"{constant} is not JSON")
    return json.loads(text, parse_constant=refuse)


@pytest.fixture
def teams(tmp_path) -> Path:
    folder = tmp_path / "teams"
    folder.mkdir()
    team_book(folder / "good.xlsx")
    return folder


def no_traceback(done: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr


# --- JSON is JSON -------------------------------------------------------------------------------

def test_consolidate_json_parses_strictly_with_an_unreadable_book(teams, tmp_path, run_mom):
    (teams / "junk.xlsx").write_bytes(b"not a workbook")
    done = run_mom("consolidate", teams, "-o", tmp_path / "out.xlsx", "--json", "--workers", "1")
    assert done.returncode == 1, done.stderr
    report = strict_json(done.stdout)
    junk = next(s for s in report["sources"] if s["book"] == "junk.xlsx")
    assert junk["status"] == "unreadable" and junk["sheets"] == []
    good = next(s for s in report["sources"] if s["book"] == "good.xlsx")
    assert good["reason"] is None


def test_validate_json_parses_strictly_with_an_unreadable_book(teams, run_mom):
    (teams / "junk.xlsx").write_bytes(b"not a workbook")
    done = run_mom("validate", teams, "--json")
    report = strict_json(done.stdout)
    assert [(f["book"], f["code"]) for f in report["findings"]] == [
        ("junk.xlsx", "book-unreadable")]


# --- -o never overwrites an input, and is a file ---------------------------------------------

def test_output_that_is_the_rates_file_is_refused(teams, tmp_path, run_mom):
    rates = tmp_path / "rates.csv"
    rates.write_text("Currency,Rate\nUSD,1\n")
    done = run_mom("consolidate", teams, "--currency", "USD", "--rates", rates, "-o", rates)
    assert done.returncode == 2
    assert rates.read_text() == "Currency,Rate\nUSD,1\n"
    assert f"the output {rates} is one of the inputs ({rates})" in done.stderr
    no_traceback(done)


def test_output_that_is_the_ledger_is_refused(teams, tmp_path, run_mom):
    ledger = tmp_path / "ledger.csv"
    text = ("Document Type,Document No,PO Number,Vendor,GL Account,Posting Date,Amount,Currency\n"
            "PO,PO-1,PO-1,Acme,610200,2027-01-05,100,USD\n")
    ledger.write_text(text)
    done = run_mom("reconcile", teams / "good.xlsx", "--ledger", ledger, "-o", ledger)
    assert done.returncode == 2
    assert ledger.read_text() == text
    assert "is one of the inputs" in done.stderr
    no_traceback(done)


@pytest.mark.parametrize("command", ["consolidate", "reconcile"])
def test_output_that_is_a_folder_is_a_clear_usage_error(teams, tmp_path, run_mom, command):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("Document Type,Document No,PO Number,Vendor,GL Account,Posting Date,"
                      "Amount,Currency\n")
    extra = ["--ledger", ledger] if command == "reconcile" else []
    done = run_mom(command, teams, *extra, "-o", teams)
    assert done.returncode == 2, done.stderr
    assert f"the output {teams} is a folder; give a file name" in done.stderr
    no_traceback(done)


# --- side files: only regular files, bounded ------------------------------------------------------

def test_rates_on_a_fifo_or_dev_zero_is_a_usage_error_at_once(teams, tmp_path, run_mom):
    fifo = tmp_path / "rates.csv"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.csv"
    zero.symlink_to("/dev/zero")
    for side, kind in ((fifo, "a named pipe"), (zero, "a device")):
        done = run_mom("consolidate", teams, "--currency", "USD", "--rates", side,
                       "-o", tmp_path / "out.xlsx")
        assert done.returncode == 2
        assert f"{side.name} is not a regular file ({kind})" in done.stderr
        no_traceback(done)


def test_side_files_on_a_fifo_or_dev_zero_are_usage_errors_at_once(teams, tmp_path, run_mom):
    """--crm, --map and --ledger-map are read like --rates: only a regular file, bounded."""
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.toml"
    zero.symlink_to("/dev/zero")
    book = teams / "good.xlsx"
    for side, kind in ((fifo, "a named pipe"), (zero, "a device")):
        for command in (("pipeline", book, "--crm", side), ("pipeline", book, "--map", side),
                        ("reconcile", book, "--ledger", teams / "good.xlsx",
                         "--ledger-map", side)):
            done = run_mom(*command)
            assert done.returncode == 2, (command, done.stderr)
            assert f"{side.name} is not a regular file ({kind})" in done.stderr, done.stderr
            no_traceback(done)


def test_a_huge_ledger_is_refused_by_its_size_before_it_is_read(teams, tmp_path, run_mom):
    ledger = tmp_path / "huge.csv"
    with ledger.open("wb") as handle:       # sparse: 1.5 GB that take no disk space
        handle.truncate(1536 * 2**20)
    done = run_mom("reconcile", teams / "good.xlsx", "--ledger", ledger)
    assert done.returncode == 2
    assert "huge.csv is 1536 MB, over the 200 MB limit for a ledger" in done.stderr
    no_traceback(done)


def test_a_huge_rates_file_is_refused_by_its_size(teams, tmp_path, run_mom):
    rates = tmp_path / "rates.csv"
    with rates.open("wb") as handle:
        handle.truncate(64 * 2**20)
    done = run_mom("consolidate", teams, "--currency", "USD", "--rates", rates,
                   "-o", tmp_path / "out.xlsx")
    assert done.returncode == 2
    assert "rates.csv is 64 MB, over the 1 MB limit for a rates file" in done.stderr


# --- one number validation --------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["NaN", "inf", "-inf", "1e308", "0", "-1", "abc"])
@pytest.mark.parametrize("command", ["consolidate", "pipeline"])
def test_a_target_out_of_range_is_a_usage_error(teams, tmp_path, run_mom, command, target):
    extra = ["-o", tmp_path / "out.xlsx"] if command == "consolidate" else []
    done = run_mom(command, teams, f"--target={target}", *extra)
    assert done.returncode == 2, done.stderr
    assert "--target" in done.stderr and target in done.stderr
    no_traceback(done)


@pytest.mark.parametrize("rate", ["1e15", "1e-320", "NaN", "Infinity", "0", "-2"])
def test_a_rate_out_of_range_is_a_usage_error_and_loses_nothing(teams, tmp_path, run_mom, rate):
    rates = tmp_path / "rates.csv"
    rates.write_text(f"Currency,Rate\nEUR,{rate}\n")
    done = run_mom("consolidate", teams, "--currency", "EUR", "--rates", rates,
                   "-o", tmp_path / "out.xlsx")
    assert done.returncode == 2, done.stderr
    assert f"rates.csv line 2: rate {rate} is not a number between 0.000001 and 1,000,000" \
        in done.stderr
    no_traceback(done)


def test_the_largest_rate_converts_without_overflow(teams, tmp_path, run_mom):
    rates = tmp_path / "rates.csv"
    rates.write_text("Currency,Rate\nUSD,1000000\n")
    done = run_mom("consolidate", teams, "--currency", "XYZ", "--rates", rates,
                   "-o", tmp_path / "out.xlsx", "--json")
    assert done.returncode == 0, done.stderr
    assert strict_json(done.stdout)["totals"]["budgeted"] == 1_000_000_000.0   # 1000 × 1e6


# --- a full disk --------------------------------------------------------------------------------------

@pytest.fixture
def full_disk(tmp_path):
    """An 8 KB tmpfs, smaller than any workbook MOM writes (root only: the suite runs as root
    here; elsewhere it skips)."""
    mount = tmp_path / "full"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8k", "tmpfs", str(mount)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip("mounting a small tmpfs needs root")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def big_team(path: Path) -> Path:
    """A team book with many activities (its detail rows are well over 8 KB)."""
    activities = [{"Activity ID": f"A{i}", "Campaign ID": "C1", "Activity": f"Activity {i}",
                   "GL Account": "610200"} for i in range(3000)]
    return team_book(path, Activities=activities)


def test_consolidate_onto_a_full_disk_is_one_clear_message(teams, tmp_path, full_disk, run_mom):
    big_team(teams / "big.xlsx")
    done = run_mom("consolidate", teams, "-o", full_disk / "out.xlsx", "--workers", "1")
    assert done.returncode == 2, done.stderr
    assert f"cannot write {full_disk / 'out.xlsx'}: No space left on device" in done.stderr
    no_traceback(done)
    assert not list(full_disk.iterdir())          # no half file, no temporary left behind


def test_detail_onto_a_full_disk_never_becomes_findings_about_the_books(teams, tmp_path,
                                                                        full_disk, run_mom):
    for index in range(4):
        big_team(teams / f"big{index}.xlsx")
    done = run_mom("consolidate", teams, "-o", tmp_path / "out.xlsx", "--detail", full_disk,
                   "--workers", "1", "--json")
    assert done.returncode == 2, done.stderr
    assert "No space left on device" in done.stderr
    assert done.stdout == ""                      # no report that calls the books unreadable
    assert not (tmp_path / "out.xlsx").exists()
    no_traceback(done)


def test_reconcile_and_template_onto_a_full_disk_exit_2(teams, tmp_path, full_disk, run_mom):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("Document Type,Document No,PO Number,Vendor,GL Account,Posting Date,"
                      "Amount,Currency\n" + "".join(
                          f"PO,PO-{i},PO-{i},Acme,610200,2027-01-05,100,USD\n"
                          for i in range(5000)))
    done = run_mom("reconcile", teams / "good.xlsx", "--ledger", ledger,
                   "-o", full_disk / "rec.xlsx")
    assert done.returncode == 2, done.stderr
    assert "No space left on device" in done.stderr
    no_traceback(done)
    done = run_mom("template", "--out", full_disk / "templates")
    assert done.returncode == 2, done.stderr
    assert "No space left on device" in done.stderr
    no_traceback(done)


# --- file names and folder scans ---------------------------------------------------------------------

def test_a_non_utf8_file_name_is_read_and_shown_escaped(teams, tmp_path):
    """`caf\\xe9.xlsx` (Latin-1 bytes, not UTF-8): read like any book; the good one too."""
    folder = os.fsencode(teams)
    team_book(Path(os.fsdecode(os.path.join(folder, b"caf\xe9.xlsx"))), plan={"Plan ID": "P-2"})
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run(["python3", "-m", "mom_engine", "consolidate", str(teams), "-o",
                           str(tmp_path / "out.xlsx"), "--json", "--workers", "1"],
                          capture_output=True, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = strict_json(done.stdout.decode("utf-8"))
    assert report["books"] == {"read": 2, "failed": 0}
    assert sorted(s["book"] for s in report["sources"]) == ["caf\\xe9.xlsx", "good.xlsx"]
    done = subprocess.run(["python3", "-m", "mom_engine", "validate",
                           os.path.join(folder, b"caf\xe9.xlsx"), "--json"],
                          capture_output=True, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert strict_json(done.stdout.decode("utf-8"))["findings"] == []


def test_a_folder_scan_reports_what_it_cannot_read(teams, tmp_path, run_mom):
    os.mkfifo(teams / "pipe.xlsx")
    (teams / "dangling.xlsx").symlink_to(tmp_path / "nowhere.xlsx")
    (teams / "loop.xlsx").symlink_to(teams / "loop.xlsx")
    (teams / "zero.xlsx").symlink_to("/dev/zero")
    done = run_mom("consolidate", teams, "-o", tmp_path / "out.xlsx", "--json", "--workers", "1")
    assert done.returncode == 1, done.stderr
    report = strict_json(done.stdout)
    assert report["books"] == {"read": 1, "failed": 4}
    unreadable = {f["book"]: f["message"] for f in report["findings"]
                  if f["code"] == "book-unreadable"}
    assert unreadable == {
        "pipe.xlsx": "pipe.xlsx is not a regular file (a named pipe); only workbook files are "
                     "read",
        "dangling.xlsx": "dangling.xlsx is a link to a file that does not exist",
        "loop.xlsx": "loop.xlsx is a link that loops (it leads back to itself)",
        "zero.xlsx": "zero.xlsx is not a regular file (a device); only workbook files are read",
    }


def test_a_fifo_in_a_batch_never_hangs_it(teams, tmp_path, run_mom):
    os.mkfifo(teams / "pipe.xlsx")
    for workers in ("1", "2"):
        done = run_mom("consolidate", teams, "-o", tmp_path / "out.xlsx", "--workers", workers)
        assert done.returncode == 1, done.stderr
        assert "pipe.xlsx is not a regular file" in done.stdout


# --- Findings links -----------------------------------------------------------------------------

def test_findings_links_are_relative_escaped_file_links(tmp_path, run_mom):
    """A book named `http:evil.example.xlsx` must not become a web link, `a#b 100%.xlsx` must
    not be cut at `#`: every Target is a relative path, percent-escaped, that leads back to
    the file."""
    import re
    import urllib.parse
    import zipfile
    teams = tmp_path / "teams"
    teams.mkdir()
    bad_budget = [{"Activity ID": "A1", "Month": None, "Budgeted": 1000, "Planned": 900}]
    names = ["http:evil.example.xlsx", "a#b 100%.xlsx", "plain.xlsx"]
    for name in names:
        team_book(teams / name, Budget=bad_budget, plan={"Plan ID": name})
    out = tmp_path / "out.xlsx"
    done = run_mom("consolidate", teams, "-o", out, "--workers", "1")
    assert done.returncode == 1, done.stderr
    with zipfile.ZipFile(out) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
        sheet_ids = re.findall(r'<sheet name="([^"]+)" sheetId="\d+" r:id="(rId\d+)"', workbook)
        rid = dict(sheet_ids)["Findings"]
        part = re.search(rf'Id="{rid}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{rid}"',
                         rels)
        target = (part[1] or part[2]).split("/")[-1]
        links = archive.read(f"xl/worksheets/_rels/{target}.rels").decode()
    targets = re.findall(r'Target="([^"]+)"', links)
    assert targets, links
    opened = set()
    for link in targets:
        assert not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", link), link   # no scheme: relative
        path = urllib.parse.unquote(link.replace("\\", "/"))
        assert path.startswith("teams/"), link
        opened.add(path.removeprefix("teams/"))
    assert opened == set(names)


# --- worker lifetime and the per-book time limit --------------------------------------------------

@pytest.mark.slow
def test_killing_the_parent_kills_its_workers(tmp_path):
    """SIGKILL to `mom consolidate` (no chance to clean up): its pool workers die with it."""
    import shutil
    import signal
    import sys
    import time

    import psutil

    from mom_engine.demo import make_demo_books
    teams = tmp_path / "teams"
    teams.mkdir()
    demo = make_demo_books(tmp_path / "demo", 2)
    for index in range(20):
        shutil.copy(demo[index % 2], teams / f"team-{index:02d}.xlsx")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    parent = subprocess.Popen([sys.executable, "-m", "mom_engine", "consolidate", str(teams),
                               "-o", str(tmp_path / "out.xlsx"), "--workers", "2"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                              cwd=tmp_path, start_new_session=True)
    workers: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 120
        while len(workers) < 2 and parent.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
            workers = psutil.Process(parent.pid).children()
        assert len(workers) >= 2, "the workers never started"
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        _, alive = psutil.wait_procs(workers, timeout=10)
        alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        assert alive == [], f"workers outlived their parent: {[p.pid for p in alive]}"
    finally:
        for process in workers:
            with contextlib.suppress(psutil.Error):
                process.kill()
        if parent.poll() is None:
            parent.kill()
            parent.wait()


def test_without_prctl_a_watching_thread_ends_a_worker_whose_parent_died(tmp_path):
    """The portable path (macOS, Windows): no prctl, only the thread that watches the parent."""
    import sys
    import time

    import psutil
    script = (
        "import os, sys, time\n"
        "from mom_engine.consolidate import executors\n"
        "sys.platform = 'darwin'\n"
        "parent = os.getpid()\n"
        "child = os.fork()\n"
        "if child == 0:\n"
        "    executors.die_with_parent(parent)\n"
        "    time.sleep(60)\n"
        "    os._exit(0)\n"
        "print(child, flush=True)\n"
        "time.sleep(1)\n"
        "os._exit(0)\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=60)
    child = psutil.Process(int(done.stdout))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if child.status() == psutil.STATUS_ZOMBIE:
                break
        except psutil.NoSuchProcess:
            break
        time.sleep(0.1)
    else:
        child.kill()
        pytest.fail("the worker outlived its parent by 10 s")


def slow_book(path: Path, rows: int = 100_000) -> Path:
    """A legal team book whose Budget has `rows` rows (4 cells each, inside every size bound):
    it takes tens of seconds to read and check, far past a small --book-timeout."""
    import zipfile
    team_book(path)
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    row = ('<row r="{0}"><c r="A{0}" t="inlineStr"><is><t>A{0}</t></is></c><c r="B{0}" s="1">'
           '<v>46388</v></c><c r="C{0}"><v>1000</v></c><c r="D{0}"><v>900</v></c></row>')
    body = "".join(row.format(r) for r in range(2, rows + 2))
    budget = next(name for name in parts if name.endswith("sheet4.xml"))
    sheet = parts[budget].decode()
    assert "</row></sheetData>" in sheet
    sheet = sheet.replace('<dimension ref="A1:D2" />', f'<dimension ref="A1:D{rows + 1}" />')
    parts[budget] = sheet.replace("</row></sheetData>", "</row>" + body + "</sheetData>", 1).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


@pytest.mark.slow
@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_book_past_the_time_limit_is_a_finding_and_the_batch_completes(teams, tmp_path,
                                                                          run_mom, workers):
    slow_book(teams / "a-slow.xlsx")          # first in the batch: later books need a new worker
    team_book(teams / "more.xlsx", plan={"Plan ID": "P-2"},
              Budget=[{"Activity ID": "A1", "Month": dt.date(2027, 2, 1), "Budgeted": 250.25,
                       "Planned": 200}])
    if workers == "2":                        # the limit from mom.toml this time
        (tmp_path / "mom.toml").write_text("book-timeout = 3\n")
        limit: tuple[str, ...] = ()
    else:
        limit = ("--book-timeout", "3")
    done = run_mom("consolidate", teams, "-o", tmp_path / "out.xlsx", "--json",
                   "--workers", workers, *limit)
    assert done.returncode == 1, done.stderr
    no_traceback(done)
    report = strict_json(done.stdout)
    assert report["books"] == {"read": 2, "failed": 1}
    assert [(f["book"], f["code"], f["severity"], f["message"]) for f in report["findings"]
            if f["book"] == "a-slow.xlsx"] == [
        ("a-slow.xlsx", "book-timeout", "error",
         "a-slow.xlsx took longer than the 3-second limit for one workbook (--book-timeout); "
         "its worker was stopped and the rest of the batch went on — split the workbook or "
         "raise --book-timeout")]
    assert report["totals"]["budgeted"] == 1250.25          # good.xlsx 1000 + more.xlsx 250.25
    slow = next(s for s in report["sources"] if s["book"] == "a-slow.xlsx")
    assert slow["status"] == "timed out" and slow["sheets"] == []


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "ten"])
def test_a_book_timeout_out_of_range_is_a_usage_error(teams, tmp_path, run_mom, value):
    done = run_mom("consolidate", teams, "-o", tmp_path / "out.xlsx", "--book-timeout", value)
    assert done.returncode == 2
    assert "--book-timeout" in done.stderr
    no_traceback(done)


# --- findings past Excel's row limit ------------------------------------------------------------

def books_with_findings(folder: Path, books: int = 3, rows: int = 3) -> list[Path]:
    """`books` team books, each with `rows` Budget rows missing their Month (one error each)."""
    folder.mkdir()
    budget = [{"Activity ID": "A1", "Month": None, "Budgeted": 100 + index, "Planned": 90}
              for index in range(rows)]
    return [team_book(folder / f"team-{index}.xlsx", Budget=budget, plan={"Plan ID": f"P-{index}"})
            for index in range(books)]


def test_findings_past_the_sheet_row_limit_continue_on_numbered_sheets(tmp_path, monkeypatch):
    import python_calamine

    from mom_engine.consolidate import consolidate
    from mom_engine.report import consolidated
    files = books_with_findings(tmp_path / "teams")
    report = consolidate(files, workers=1)
    expected = [(f.code, f.book, f.sheet or "", f.cell or "", f.message) for f in report.findings]
    assert len(expected) == 9
    monkeypatch.setattr(consolidated, "SHEET_ROWS", 4)
    out = consolidated.write_consolidated(tmp_path / "out.xlsx", report)
    workbook = python_calamine.CalamineWorkbook.from_path(str(out))
    names = workbook.sheet_names
    parts = ["Findings", "Findings (2)", "Findings (3)"]
    assert [n for n in names if n.startswith("Findings")] == parts
    assert names.index("Findings (3)") - names.index("Findings") == 2   # side by side
    written = []
    for part in parts:
        rows = workbook.get_sheet_by_name(part).to_python()
        assert tuple(rows[0]) == consolidated.FINDING_COLUMNS
        assert 1 <= len(rows) - 1 <= 4
        written += [(r[1], r[2], r[3], r[4], r[7]) for r in rows[1:]]
    assert written == expected                      # every finding once, in order
    assert consolidated.findings_sheet_titles(len(expected)) == parts


def test_the_summary_says_which_sheets_hold_the_findings(tmp_path, monkeypatch, capsys):
    from mom_engine import cli
    from mom_engine.cli import consolidate as command
    from mom_engine.report import consolidated
    books_with_findings(tmp_path / "teams")
    monkeypatch.setattr(consolidated, "SHEET_ROWS", 4)
    monkeypatch.setattr(command, "TEXT_FINDINGS_SHOWN", 2)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out.xlsx"
    assert cli.main(["consolidate", "teams", "-o", str(out), "--workers", "1", "--json"]) == 1
    report = strict_json(capsys.readouterr().out)
    assert report["findings_sheets"] == ["Findings", "Findings (2)", "Findings (3)"]
    assert cli.main(["consolidate", "teams", "-o", str(out), "--workers", "1"]) == 1
    text = capsys.readouterr().out
    assert "all of them are in the Findings sheet" not in text
    assert (f"… and 7 more — the sheets Findings, Findings (2) and Findings (3) of {out} "
            "list them all") in text
    assert ("the 9 findings fill 3 sheets (Findings, Findings (2) and Findings (3)): a sheet "
            "holds at most 4 rows") in text


def test_a_subfolder_that_cannot_be_listed_is_a_finding_naming_it(capsys):
    """`mom validate FOLDER` run as an unprivileged user (root lists any folder): a forked
    child drops to uid/gid 65534 (nobody) and runs the real CLI; the modules are already
    imported, so the user needs no access to this Python's site-packages."""
    import shutil
    import sys
    import tempfile

    from mom_engine import cli
    if not hasattr(os, "fork") or os.geteuid() != 0:
        pytest.skip("needs root (to become another user) on a system with fork")
    shared = Path(tempfile.mkdtemp(prefix="mom-unlisted-"))   # pytest's tmp_path is root-only
    teams = shared / "teams"
    try:
        (teams / "locked").mkdir(parents=True)
        team_book(teams / "good.xlsx")
        team_book(teams / "locked" / "hidden.xlsx")
        for path in (shared, teams, teams / "good.xlsx"):
            path.chmod(0o755)
        cli.main(["validate", str(teams), "--json"])   # imports what it imports lazily
        capsys.readouterr()
        (teams / "locked").chmod(0)
        read_end, write_end = os.pipe()
        child = os.fork()
        if child == 0:                                       # the unprivileged run
            status = 3
            try:
                os.close(read_end)
                sys.stdout = os.fdopen(write_end, "w")
                os.environ["MOM_CONFIG"] = ""
                os.setgroups([])
                os.setegid(65534)
                os.seteuid(65534)
                status = cli.main(["validate", str(teams), "--json"])
                sys.stdout.flush()
            finally:
                os._exit(status)
        os.close(write_end)
        with os.fdopen(read_end) as pipe:
            output = pipe.read()
        _, status = os.waitpid(child, 0)
        findings = [(f["book"], f["code"], f["message"])
                    for f in strict_json(output)["findings"]]
        assert findings == [("locked", "book-unreadable",
                             "locked cannot be opened (Permission denied)")]
        assert os.waitstatus_to_exitcode(status) == 1
    finally:
        (teams / "locked").chmod(0o755)
        shutil.rmtree(shared, ignore_errors=True)


def test_every_table_past_the_sheet_row_limit_continues_on_numbered_sheets(tmp_path,
                                                                           monkeypatch):
    import openpyxl
    import python_calamine

    from mom_engine.consolidate import consolidate
    from mom_engine.report import consolidated
    files = books_with_findings(tmp_path / "teams")
    report = consolidate(files, workers=1)
    whole = consolidated.write_consolidated(tmp_path / "whole.xlsx", report)
    monkeypatch.setattr(consolidated, "SHEET_ROWS", 4)
    split = consolidated.write_consolidated(tmp_path / "split.xlsx", report)
    before = python_calamine.CalamineWorkbook.from_path(str(whole))
    after = python_calamine.CalamineWorkbook.from_path(str(split))
    assert (len(report.tables["calendar"]), len(report.sources), len(report.tables["funnel"]),
            len(report.tables["campaigns"])) == (6, 9, 12, 3)
    for title, header_rows, parts in (("Calendar", 2, 2), ("Sources", 1, 3), ("Funnel", 1, 3),
                                      ("Campaigns", 1, 1)):
        titles = [title, *(f"{title} ({n})" for n in range(2, parts + 1))]
        names = after.sheet_names
        assert [n for n in names if n == title or n.startswith(f"{title} (")] == titles
        assert names.index(titles[-1]) - names.index(title) == parts - 1    # side by side
        expected = before.get_sheet_by_name(title).to_python()
        rows = []
        for part in titles:
            sheet = after.get_sheet_by_name(part).to_python()
            assert sheet[:header_rows] == expected[:header_rows]             # headers on each
            assert 1 <= len(sheet) - header_rows <= 5 - header_rows
            rows += sheet[header_rows:]
        assert rows == expected[header_rows:]                                # every row once
    tables = [name for sheet in openpyxl.load_workbook(split).worksheets for name in sheet.tables]
    assert {"Sources", "Sources__2_", "Sources__3_", "Funnel__3_"} <= set(tables)
    assert len(tables) == len(set(tables))                  # Excel needs unique table names
