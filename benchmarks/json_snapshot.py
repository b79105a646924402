"""Behaviour pin: every command's `--json` output on fixed books, saved once and compared later.

    python benchmarks/json_snapshot.py save DIR      # make the books, run every command, store
    python benchmarks/json_snapshot.py compare DIR   # run them again on DIR's books, diff

`save` writes the input books into DIR/books (six demo team workbooks from `mom demo --teams 6`
with its rates and ERP export, plus small workbooks from the tests' builders), then runs every
command with `--json` and a fixed `--as-of` on them (with "today" held at the same date by
time-machine, for the commands whose default is today, so a snapshot compares equal on any day)
and writes one JSON file per command to DIR/out (the document, the exit status and stderr's last
line). `compare` reruns the same commands on the books stored in DIR — the inputs never change —
and prints a unified diff per command that differs; exit 1 if any does. Paths, timestamps,
durations and hashes are replaced by placeholders before storing and comparing.

The commands run in one process of the source tree given by `--root` (default: this checkout),
so the same DIR can be compared against any branch or commit checked out elsewhere.
"""
from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

AS_OF = "2026-11-23"
DEMO_TEAMS = 6
SPEND_LEVELS = ("activity", "campaign", "plan", "gl", "month", "quarter", "year")
SCHEDULE_LEVELS = ("task", "activity", "campaign", "plan")
VOLATILE_KEYS = re.compile(r"(sha|sha256|hash|elapsed|seconds|duration|timestamp|generated|"
                           r"written_at|workers)$", re.IGNORECASE)


def commands(books: Path, work: Path) -> dict[str, list[str]]:
    """Snapshot name → `mom` arguments, over the books in `books`; outputs go to `work`."""
    teams = books / "demo" / "teams"
    demo = sorted(teams.glob("*.xlsx"))
    small = sorted((books / "tests").glob("*.xlsx"))
    every = [*demo, *small]
    one = demo[0]
    runs: dict[str, list[str]] = {}
    runs["validate-demo"] = ["validate", str(teams), "--as-of", AS_OF]
    runs["validate-tests"] = ["validate", *map(str, small), "--as-of", AS_OF]
    for book in every:
        for level in SPEND_LEVELS:
            runs[f"spend-{level}-{book.stem}"] = ["spend", str(book), "--by", level]
    for book in [one, *small]:
        for level in SCHEDULE_LEVELS:
            runs[f"schedule-{level}-{book.stem}"] = ["schedule", str(book), "--by", level,
                                                     "--as-of", AS_OF]
    runs["pipeline-demo"] = ["pipeline", str(teams), "--as-of", AS_OF]
    runs["pipeline-tests"] = ["pipeline", *map(str, small), "--as-of", AS_OF]
    runs["pipeline-target-3"] = ["pipeline", str(one), "--as-of", AS_OF, "--target", "3"]
    runs["funnel-demo"] = ["funnel", *map(str, demo), "--as-of", AS_OF]
    runs["funnel-tests"] = ["funnel", *map(str, small), "--as-of", AS_OF]
    runs["scorecard-demo"] = ["scorecard", *map(str, demo), "--as-of", AS_OF]
    runs["scorecard-tests"] = ["scorecard", *map(str, small), "--as-of", AS_OF]
    runs["realign"] = ["realign", str(demo[-1]), "--from", "CMP-001-A2", "--to", "CMP-001-A1",
                       "--amount", "1500", "--date", AS_OF]
    runs["realign-too-much"] = ["realign", str(one), "--from", "CMP-001-A1", "--to", "CMP-001-A2",
                                "--amount", "99999999", "--date", AS_OF]
    runs["reconcile"] = ["reconcile", str(demo[2]), "--ledger",
                         str(books / "demo" / "erp_export.csv"), "-o", str(work / "rec.xlsx")]
    runs["consolidate"] = ["consolidate", str(teams), "-o", str(work / "consolidated.xlsx"),
                           "--currency", "USD", "--rates", str(books / "demo" / "rates.csv"),
                           "--as-of", AS_OF, "--workers", "1"]
    runs["consolidate-plan-currency"] = ["consolidate", *map(str, small), "-o",
                                         str(work / "small.xlsx"), "--as-of", AS_OF,
                                         "--workers", "1"]
    runs["assets-demo"] = ["assets", str(teams), "--search", "launch deck", "--as-of", AS_OF]
    runs["assets-filter"] = ["assets", str(teams), "--type", "Slide Deck", "--as-of", AS_OF]
    runs["assets-tests"] = ["assets", *map(str, small), "--as-of", AS_OF]
    return {name: [*argv, "--json"] for name, argv in runs.items()}


def make_books(root: Path, books: Path) -> None:
    """The demo books (`mom demo`) and a few of the tests' small books, into `books`."""
    env = source_env(root)
    subprocess.run([sys.executable, "-m", "mom_engine", "demo", "--teams", str(DEMO_TEAMS),
                    "--out", str(books / "demo"), "--workers", "1"],
                   cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)
    (books / "demo" / "consolidated.xlsx").unlink(missing_ok=True)
    script = f"""
import sys
from pathlib import Path
sys.path.insert(0, {str(root)!r})
from tests.builders import team_book
out = Path({str(books / "tests")!r}); out.mkdir(parents=True, exist_ok=True)
team_book(out / "small.xlsx")
team_book(out / "small-october.xlsx", plan={{"FY Start Month": 10}})
team_book(out / "small-1904.xlsx", date1904=True)
"""
    subprocess.run([sys.executable, "-c", script], cwd=root, env=env, check=True)


def source_env(root: Path) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(root), COLUMNS="200", NO_COLOR="1")
    env.pop("PYTHONHASHSEED", None)
    return env


RUNNER = """
import contextlib, datetime, io, json, sys
import time_machine
# commands without --as-of default to today: pin it, so a snapshot compares equal on any day
time_machine.travel(datetime.datetime.fromisoformat(sys.argv[4] + "T12:00:00"), tick=False).start()
sys.path.insert(0, sys.argv[1])
import mom_engine
assert mom_engine.__file__.startswith(sys.argv[1]), mom_engine.__file__
from mom_engine.cli import main
runs = json.loads(open(sys.argv[2]).read())
results = {}
for name, argv in runs.items():
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as stop:
            status = stop.code
    results[name] = {"argv": argv, "exit": status, "stdout": out.getvalue(),
                     "stderr": err.getvalue().strip().splitlines()[-1:]}
    print(name, status, file=sys.stderr, flush=True)
open(sys.argv[3], "w").write(json.dumps(results))
"""


def run_all(root: Path, base: Path) -> dict[str, Any]:
    """Run every command in one process of the source tree `root`; name → normalised record."""
    with tempfile.TemporaryDirectory(prefix="mom-snapshot-") as temporary:
        work = Path(temporary)
        runs = commands(base / "books", work)
        (work / "runs.json").write_text(json.dumps(runs))
        subprocess.run([sys.executable, "-c", RUNNER, str(root), str(work / "runs.json"),
                        str(work / "results.json"), AS_OF], cwd=root, env=source_env(root),
                       check=True)
        results = json.loads((work / "results.json").read_text())
        placeholders = {str(base.resolve()): "<DIR>", str(base): "<DIR>",
                        str(work.resolve()): "<WORK>", str(work): "<WORK>"}
        return {name: normalise(record, placeholders) for name, record in results.items()}


def normalise(record: dict[str, Any], placeholders: dict[str, str]) -> dict[str, Any]:
    """The document parsed (or the raw text when it is not JSON), paths replaced, volatile
    fields blanked."""
    def text(value: str) -> str:
        for path, mark in sorted(placeholders.items(), key=lambda item: -len(item[0])):
            value = value.replace(path, mark)
        return value

    def clean(value: Any, key: str = "") -> Any:
        if VOLATILE_KEYS.search(key):
            return "<volatile>"
        if isinstance(value, dict):
            return {k: clean(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v, key) for v in value]
        if isinstance(value, str):
            return text(value)
        return value

    try:
        document: Any = json.loads(record["stdout"])
    except ValueError:
        document = {"not-json": record["stdout"]}
    return {"argv": [text(a) for a in record["argv"]], "exit": record["exit"],
            "stderr": [text(line) for line in record["stderr"]], "document": clean(document)}


def dump(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def save(root: Path, base: Path) -> int:
    if base.exists():
        shutil.rmtree(base)
    (base / "out").mkdir(parents=True)
    make_books(root, base / "books")
    for name, record in run_all(root, base).items():
        (base / "out" / f"{name}.json").write_text(dump(record))
    print(f"saved {len(list((base / 'out').glob('*.json')))} snapshots to {base / 'out'}")
    return 0


def compare(root: Path, base: Path) -> int:
    if not (base / "books").is_dir():
        print(f"{base} has no saved snapshot (run 'save {base}' first)", file=sys.stderr)
        return 2
    now = run_all(root, base)
    saved = {p.stem: p.read_text() for p in sorted((base / "out").glob("*.json"))}
    differing = 0
    for name in sorted(set(saved) | set(now)):
        before = saved.get(name, "")
        after = dump(now[name]) if name in now else ""
        if before != after:
            differing += 1
            sys.stdout.writelines(difflib.unified_diff(
                before.splitlines(keepends=True), after.splitlines(keepends=True),
                f"saved/{name}.json", f"now/{name}.json", n=2))
    print(f"{len(now)} commands, {differing} differ from {base / 'out'}")
    return 1 if differing else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=("save", "compare"))
    parser.add_argument("dir", type=Path, help="the snapshot folder (books and outputs)")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1],
                        help="source tree whose mom_engine runs (default: this checkout)")
    args = parser.parse_args()
    root, base = args.root.resolve(), args.dir.resolve()
    return save(root, base) if args.action == "save" else compare(root, base)


if __name__ == "__main__":
    sys.exit(main())
