"""Inputs are only ever read; outputs are written atomically (SPEC §11, §15)."""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from mom_engine.analyze import analyze_book
from mom_engine.cli import build_parser, main
from mom_engine.read import read_book
from mom_engine.report.files import (OutputError, atomic_path, refuse_overwriting_inputs,
                                     remove_stale_temporaries)
from mom_engine.report.team_workbook import write_team_workbook

from .builders import team_book
from .conftest import ROOT


def fingerprint(path: Path) -> tuple[str, int, int]:
    """Content hash, size and modification time (ns): all three unchanged by a read."""
    info = path.stat()
    return hashlib.sha256(path.read_bytes()).hexdigest(), info.st_size, info.st_mtime_ns


@pytest.fixture
def inputs(tmp_path) -> list[Path]:
    """One input per kind of reader path: openpyxl (inline strings), XlsxWriter (shared
    strings), 1904 dates, a macro-enabled .xlsm, a broken file, a refused (DTD) file."""
    made = [team_book(tmp_path / "openpyxl.xlsx"),
            write_team_workbook(tmp_path / "xlsxwriter.xlsx", fiscal_year=2027),
            team_book(tmp_path / "mac.xlsx", date1904=True)]
    macro = tmp_path / "macro.xlsm"
    with zipfile.ZipFile(made[0]) as old, zipfile.ZipFile(macro, "w") as new:
        for info in old.infolist():
            new.writestr(info, old.read(info))
        new.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not run")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(made[0].read_bytes()[:500])
    dtd = tmp_path / "dtd.xlsx"
    with zipfile.ZipFile(made[0]) as old, zipfile.ZipFile(dtd, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            new.writestr(info, b"<!DOCTYPE x []>" + data if info.filename.endswith(".rels")
                         else data)
    return [*made, macro, broken, dtd]


def test_reading_and_validating_leave_every_input_byte_identical(inputs, run_mom,
                                                                  tmp_path_factory):
    before = {path: fingerprint(path) for path in inputs}
    for path in inputs:
        read_book(path)
        analyze_book(path)
    done = run_mom("validate", "--json", *inputs)
    assert done.returncode in (1, 2) and json.loads(done.stdout)["findings"]
    elsewhere = tmp_path_factory.mktemp("reports")
    done = run_mom("consolidate", *inputs, "-o", elsewhere / "consolidated.xlsx", "--json")
    assert done.returncode in (0, 1), done.stderr
    assert (elsewhere / "consolidated.xlsx").exists()
    assert {path: fingerprint(path) for path in inputs} == before
    assert sorted(p.name for p in inputs[0].parent.iterdir()) == sorted(p.name for p in inputs)


def test_inputs_are_opened_read_only(inputs, tmp_path):
    """An audit hook in a child process sees every open() of an input: none asks to write."""
    script = """
import json, os, sys
from mom_engine.analyze import analyze_book
inputs = set(sys.argv[1:])
opened = []
def hook(event, args):
    if event == "open" and isinstance(args[0], str) and args[0] in inputs:
        opened.append([args[0], args[1], args[2]])
sys.addaudithook(hook)
for path in inputs:
    analyze_book(path)
print(json.dumps(opened))
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script, *map(str, inputs)], env=env,
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    opened = json.loads(done.stdout)
    assert {path for path, _, _ in opened} >= {str(p) for p in inputs[:4]}
    writing = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
    for path, mode, flags in opened:
        assert mode in ("r", "rb", None), (path, mode)
        assert not flags & writing, (path, mode, flags)


# --- atomic outputs ---------------------------------------------------------------------------

def test_a_writer_that_fails_leaves_the_previous_output_and_no_temporary(tmp_path):
    report = tmp_path / "report.xlsx"
    report.write_bytes(b"previous report")
    with pytest.raises(RuntimeError), atomic_path(report) as temporary:
        temporary.write_bytes(b"half a rep")
        raise RuntimeError("the writer crashed mid-way")
    assert report.read_bytes() == b"previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.xlsx"]


def test_a_team_workbook_write_that_fails_leaves_the_previous_book(tmp_path):
    book = write_team_workbook(tmp_path / "team.xlsx", fiscal_year=2027)
    before = fingerprint(book)

    class Exploding(dict):
        """A row that fails when the writer reaches it: sheets before it are already written
        into the temporary file (a crash half-way through, as a full disk would make)."""

        def get(self, key, default=None):
            raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        write_team_workbook(book, fiscal_year=2027,
                            tables={"Budget": [Exploding({"Activity ID": "A1"})]})
    assert fingerprint(book) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["team.xlsx"]


def test_a_process_killed_mid_write_leaves_the_previous_output(tmp_path):
    """SIGKILL runs no cleanup: the previous output is intact, the temporary stays behind —
    until the next write of the same output, which sweeps it (its process is gone)."""
    report = tmp_path / "report.xlsx"
    report.write_bytes(b"previous report")
    script = """
import sys, time
from pathlib import Path
from mom_engine.report.files import atomic_path
with atomic_path(Path(sys.argv[1])) as temporary:
    temporary.write_bytes(b"half a rep")
    print(temporary, flush=True)
    time.sleep(60)
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", script, str(report)], env=env,
                             stdout=subprocess.PIPE, text=True)
    temporary = Path(child.stdout.readline().strip())
    assert temporary.read_bytes() == b"half a rep"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    child.stdout.close()
    assert report.read_bytes() == b"previous report"
    assert temporary.exists() and temporary.parent == tmp_path     # honest: nothing ran
    with atomic_path(report) as fresh:
        fresh.write_bytes(b"new report")
    assert report.read_bytes() == b"new report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.xlsx"]


def test_temporaries_of_live_processes_are_not_swept(tmp_path):
    report = tmp_path / "report.xlsx"
    mine = tmp_path / f".report.{os.getpid()}.abc123.xlsx.tmp"
    mine.write_bytes(b"being written")
    other = tmp_path / ".other.99999999.abc.xlsx.tmp"
    other.write_bytes(b"not ours")
    assert remove_stale_temporaries(report) == []
    assert mine.exists() and other.exists()


def test_outputs_get_ordinary_permissions_not_private_temp_ones(tmp_path):
    previous = os.umask(0o022)
    try:
        with atomic_path(tmp_path / "report.xlsx") as temporary:
            temporary.write_bytes(b"x")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "report.xlsx").stat().st_mode) == 0o644


# --- an output is never an input --------------------------------------------------------------

def test_an_output_equal_to_an_input_is_refused_however_it_is_spelled(tmp_path):
    book = team_book(tmp_path / "team.xlsx")
    (tmp_path / "sub").mkdir()
    link = tmp_path / "link.xlsx"
    link.symlink_to(book)
    hard = tmp_path / "hard.xlsx"
    os.link(book, hard)
    for output in (book, tmp_path / "sub" / ".." / "team.xlsx", link, hard):
        with pytest.raises(OutputError, match="inputs are never written"):
            refuse_overwriting_inputs(output, [book])
    refuse_overwriting_inputs(tmp_path / "report.xlsx", [book])     # a new file is fine
    refuse_overwriting_inputs(tmp_path / "report.xlsx", [])


def output_commands() -> list[str]:
    """Commands with an -o/--output option (they take input books and write a file)."""
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(name for name, sub in subparsers.choices.items()
                  if any("-o" in action.option_strings for action in sub._actions))


EXTRA_ARGUMENTS = {"reconcile": lambda folder: ["--ledger", str(ledger(folder))]}


def ledger(folder: Path) -> Path:
    path = folder / "erp.csv"
    path.write_text("Document Type,Document No,PO Number,Vendor,GL Account,Posting Date,Amount,"
                    "Currency\nPO,4500000001,4500000001,Expo,610200,2027-01-10,100.00,USD\n")
    return path


@pytest.mark.parametrize("command", output_commands())
def test_commands_refuse_to_write_over_an_input(tmp_path, command, capsys):
    book = team_book(tmp_path / "team.xlsx")
    before = fingerprint(book)
    extra = EXTRA_ARGUMENTS.get(command, lambda folder: [])(tmp_path)
    status = main([command, str(book), *extra, "-o", str(book)])
    assert status == 2
    assert "inputs are never written" in capsys.readouterr().err
    assert fingerprint(book) == before
