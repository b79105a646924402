"""The command line reads well in a terminal, a pipe and an email (issue 16).

Every report command at 80 and 200 columns and through a pipe: every figure of its JSON appears
whole in the table output, and no table line is wider than the terminal. Findings scoped per
report, severity words, `--format`, `--version`, help pages, "nothing to read", mom.toml and
shell completion.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import shlex
import subprocess
import sys

import pytest

from mom_engine.cli import COMMAND_MODULES, main
from mom_engine.demo import make_demo_books
from mom_engine.findings import make_finding
from mom_engine.report import specs
from mom_engine.report.json import dumps
from mom_engine.report.table import Column, Kind
from mom_engine.report.text import findings_lines, use_colour

from .builders import D
from .conftest import ROOT

AS_OF = dt.date(2027, 2, 15)
FINDING_LINE = re.compile(r"^\S+  (error|warning|info)  [a-z-]+  ")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """Three demo books (made for a fixed day) and an ERP export that partly matches book 3."""
    from mom_engine.domains.reconcile import example_ledger
    folder = tmp_path_factory.mktemp("demo")
    books = make_demo_books(folder / "teams", 3, today=AS_OF)
    example_ledger(3, AS_OF).to_csv(folder / "erp.csv", index=False)
    return folder, books


def mom(capsys, monkeypatch, *args, columns=None):
    """The CLI in-process (stdout is a pipe to pytest); COLUMNS as a terminal would set it."""
    monkeypatch.setenv("MOM_CONFIG", "")
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", str(columns))
    status = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


def whole(text: str, output: str) -> bool:
    """`text` appears in the output not cut and not part of a longer figure."""
    return re.search(r"(?<![\w.,])" + re.escape(text) + r"(?![\w,]|\.\d)", output) is not None


def figures(rows, spec):
    """(column, value) of every figure (not text, which may wrap) in rows under a spec."""
    names = {c.name: c for c in spec.columns}
    for row in rows if isinstance(rows, list) else [rows]:
        for key, value in row.items():
            column = names.get(key)
            if column is not None and column.kind is not Kind.TEXT and value is not None:
                yield column, value


def money_column(name):
    return Column(name, name, Kind.AMOUNT)


def report_cases(folder, books):
    one, three = books[0], books[2]
    realign_spec = specs.SPEND.without("key")
    return {
        "spend": (["spend", one, "--by", "activity"],
                  lambda d: [("rows", d["rows"], specs.SPEND), ("total", d["total"], specs.SPEND)]),
        "spend-month": (["spend", three, "--by", "month"],
                        lambda d: [("rows", d["rows"], specs.SPEND)]),
        "schedule": (["schedule", one, "--by", "task", "--as-of", AS_OF],
                     lambda d: [("rows", d["rows"], specs.SCHEDULE),
                                ("approver", d["bottlenecks"]["by_approver"], specs.BOTTLENECKS),
                                ("role", d["bottlenecks"]["by_role"], specs.BOTTLENECKS)]),
        "pipeline": (["pipeline", folder / "teams", "--as-of", AS_OF, "--target", "3"],
                     lambda d: [("reps", d["reps"], specs.COVERAGE),
                                ("team", d["team"], specs.COVERAGE_TEAM)]),
        "funnel": (["funnel", one, "--as-of", AS_OF],
                   lambda d: [("stages", s["stages"], specs.FUNNEL_STAGE)
                              for s in d["books"][0]["campaigns"]]),
        "scorecard": (["scorecard", one, "--as-of", AS_OF],
                      lambda d: [("effect", d["books"][0]["effectiveness"]["campaigns"],
                                  specs.EFFECTIVENESS),
                                 ("effect plan", d["books"][0]["effectiveness"]["plan"],
                                  specs.EFFECTIVENESS),
                                 ("efficiency", d["books"][0]["efficiency"]["campaigns"],
                                  specs.EFFICIENCY),
                                 ("efficiency plan", d["books"][0]["efficiency"]["plan"],
                                  specs.EFFICIENCY),
                                 ("at risk", d["books"][0]["at_risk"],
                                  specs.AT_RISK.only(*specs.AT_RISK_SHOWN))]),
        "scorecard-quarter": (["scorecard", one, "--by", "quarter"],
                              lambda d: [("effect", d["books"][0]["effectiveness"],
                                          specs.QUARTER_EFFECTIVENESS),
                                         ("efficiency", d["books"][0]["efficiency"],
                                          specs.QUARTER_EFFICIENCY)]),
        "calendar": (["calendar", one, "--as-of", AS_OF],
                     lambda d: [("rows", d["rows"], specs.CALENDAR.only(*specs.CALENDAR_SHOWN))]),
        "capacity": (["capacity", one],
                     lambda d: [("people", d["people"], specs.CAPACITY_PEOPLE),
                                ("over", [w for w in d["weeks"] if (w["utilisation"] or 0) > 1],
                                 specs.CAPACITY_WEEKS.without("tasks", "books")),
                                ("campaigns", d["campaigns"],
                                 specs.CAPACITY_CAMPAIGNS.only(
                                     *specs.CAPACITY_CAMPAIGNS_SHOWN))]),
        "assets": (["assets", folder / "teams", "--search", "launch deck", "--as-of", AS_OF],
                   lambda d: [("assets", d["assets"], specs.ASSETS.only(*specs.ASSETS_SHOWN)),
                              ("duplicates", d["duplicates"], specs.DUPLICATE_ASSETS)]),
        "realign": (["realign", one, "--from", "CMP-001-A2", "--to", "CMP-001-A1", "--amount",
                     "1500", "--date", AS_OF],
                    lambda d: [("before", [{k: r[k] for k in ("budgeted", "remaining")}
                                           for r in d["before"]], realign_spec),
                               ("after", [{k: r[k] for k in ("budgeted", "remaining")}
                                          for r in d["after"]], realign_spec)]),
        "reconcile": (["reconcile", three, "--ledger", folder / "erp.csv"],
                      lambda d: [("summary", [{"result": k, **v} for k, v in d["summary"].items()],
                                  specs.RECONCILE_SUMMARY),
                                 ("gl", d["gl_months"], specs.RECONCILE_GL_MONTHS)]),
        "consolidate": (["consolidate", folder / "teams", "-o", folder / "out.xlsx",
                         "--currency", "USD", "--as-of", AS_OF],
                        lambda d: [("totals", d["totals"], specs.TableSpec(
                            *(money_column(k) for k in d["totals"])))]),
    }


CASES = ("spend", "spend-month", "schedule", "pipeline", "funnel", "scorecard",
         "scorecard-quarter", "calendar", "capacity", "assets", "realign", "reconcile",
         "consolidate")


@pytest.mark.parametrize("case", CASES)
def test_every_figure_of_the_json_appears_whole_at_80_200_and_piped(case, demo, capsys,
                                                                    monkeypatch):
    folder, books = demo
    args, sections = report_cases(folder, books)[case]
    status, out, _ = mom(capsys, monkeypatch, *args, "--json", "--all-findings")
    document = json.loads(out)
    checked = 0
    for columns in (80, 200, None):
        table_status, text, _ = mom(capsys, monkeypatch, *args, "--all-findings",
                                    columns=columns)
        assert table_status == status
        width = columns or 100
        tables = text.split("\n\n")
        for line in text.splitlines():       # the tables; finding lines are one per line
            if FINDING_LINE.match(line):
                break
            assert len(line) <= width, (case, columns, line)
        for name, rows, spec in sections(document):
            for column, value in figures(rows, spec):
                shown = column.text(value)
                assert whole(shown, text), (case, columns, name, column.name, shown)
                checked += 1
        assert tables
    assert checked > 0


def test_a_narrow_terminal_moves_lower_priority_columns_to_a_second_table(demo, capsys,
                                                                          monkeypatch):
    _, books = demo
    _, narrow, _ = mom(capsys, monkeypatch, "spend", books[0], columns=60)
    _, wide, _ = mom(capsys, monkeypatch, "spend", books[0], columns=200)
    assert "(continued)" in narrow and "(continued)" not in wide
    first = narrow.split("(continued)")[0]
    assert "Budgeted" in first and "Remaining" in first and "G/L account" not in first
    table = wide.split("\n\n")[0]
    assert all(h in table for h in ("Activity", "Unplanned", "Campaign", "account", "Projected"))


def test_report_shows_only_findings_that_bear_on_it(make_book, capsys, monkeypatch):
    # a reversed task (schedule) and an unknown asset status (assets) in one book
    path = make_book(Tasks=[{"Task ID": "T1", "Activity ID": "A1", "Task": "Copy",
                             "Planned Start": D(2027, 2, 10), "Planned Finish": D(2027, 2, 1)}],
                     Assets=[{"Asset ID": "AS1", "Asset": "Launch deck", "Status": "Live"}])
    status, out, _ = mom(capsys, monkeypatch, "assets", path, "--search", "launch",
                         "--as-of", "2027-03-01")
    lines = out.splitlines()
    assert status == 1
    assert any(re.match(r"team\.xlsx!Assets!\S+  error  value-enum  ", line) for line in lines)
    assert "dates-reversed" not in out
    _, every, _ = mom(capsys, monkeypatch, "validate", path, "--as-of", "2027-03-01", "--json")
    others = len(json.loads(every)["findings"]) - 1        # dates-reversed, task-late, …
    assert f"and {others} other findings — mom validate {path} lists them" in lines
    assert lines[-1] == "1 error, 0 warnings"
    status, out, _ = mom(capsys, monkeypatch, "schedule", path, "--as-of", "2027-03-01")
    assert status == 1 and "dates-reversed" in out and "value-enum" not in out
    status, out, _ = mom(capsys, monkeypatch, "spend", path)
    assert status == 0
    assert re.fullmatch(rf"no findings shown; \d+ other findings — mom validate "
                        rf"{re.escape(str(path))} lists them", out.splitlines()[-1])
    status, out, _ = mom(capsys, monkeypatch, "spend", path, "--all-findings", "--json")
    assert status == 1
    codes = [f["code"] for f in json.loads(out)["findings"]]
    assert {"dates-reversed", "value-enum"} <= set(codes)
    status, out, _ = mom(capsys, monkeypatch, "spend", path, "--json")
    assert (json.loads(out)["findings"], json.loads(out)["other_findings"]) == ([], len(codes))


def test_severity_filters_and_errors_come_first(make_book, capsys, monkeypatch):
    path = make_book(Budget=[{"Activity ID": "A1", "Month": "2027-01", "Budgeted": "1,000"},
                             {"Activity ID": "A9", "Month": "2027-02", "Budgeted": 5}])
    status, out, _ = mom(capsys, monkeypatch, "validate", path)
    assert status == 1
    assert [line.split("  ")[1:3] for line in out.splitlines()[:2]] == [
        ["error", "ref-unknown"], ["warning", "number-as-text"]]
    assert out.splitlines()[-1] == "1 error, 1 warning"
    status, out, _ = mom(capsys, monkeypatch, "validate", path, "--severity", "error")
    assert status == 1 and "number-as-text" not in out
    assert "and 1 finding not shown (--severity error)" in out
    status, out, _ = mom(capsys, monkeypatch, "validate", path, "--severity", "warning",
                         "--json")
    assert [f["code"] for f in json.loads(out)["findings"]] == ["number-as-text", "ref-unknown"]


def test_colour_only_on_a_terminal_that_wants_it(monkeypatch):
    class Terminal:
        def isatty(self):
            return True
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert use_colour(Terminal())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_colour(Terminal())
    finding = make_finding("value-type", "bad", book="b.xlsx", sheet="Budget", cell="B2")
    plain_line, coloured = findings_lines([finding])[0], findings_lines([finding], colour=True)[0]
    assert plain_line == "b.xlsx!Budget!B2  error  value-type  bad"
    assert re.sub(r"\033\[[0-9;]*m", "", coloured) == plain_line and coloured != plain_line


@pytest.mark.parametrize("fmt", ["csv", "markdown"])
def test_csv_and_markdown(make_book, capsys, monkeypatch, fmt):
    path = make_book(Budget=[{"Activity ID": "A1", "Month": "2027-01", "Budgeted": "1,000.5"}])
    status, out, err = mom(capsys, monkeypatch, "spend", path, "--by", "plan", "--format", fmt)
    assert status == 0
    if fmt == "csv":
        assert out.splitlines() == [
            "Plan,Budgeted,Planned,Committed,Spent,Remaining,Unplanned,Projected,"
            "Year-end forecast",
            "P-1,1000.50,0.00,0.00,0.00,1000.50,1000.50,0.00,0.00",
            "Total,1000.50,0.00,0.00,0.00,1000.50,1000.50,0.00,0.00"]
        assert "number-as-text" in err       # findings go aside, the data stays clean
    else:
        assert ("| Plan | Budgeted | Planned | Committed | Spent | Remaining | Unplanned | "
                "Projected | Year-end forecast |") in out
        assert "|---|---:|---:|---:|---:|---:|---:|---:|---:|" in out
        assert "| P-1 | 1,000.50 | 0.00 | 0.00 | 0.00 | 1,000.50 | 1,000.50 | 0.00 | 0.00 |" in out
        assert "**warning** `number-as-text`" in out


def test_json_is_strict():
    assert dumps({"a": float("nan"), "b": [float("inf"), 1.5]}) == (
        '{\n  "a": null,\n  "b": [\n    null,\n    1.5\n  ]\n}')


def test_version_and_bare_mom(capsys):
    for flag in ("--version", "-V"):
        with pytest.raises(SystemExit) as done:
            main([flag])
        assert done.value.code == 0
        assert re.fullmatch(r"mom \S+.*\n", capsys.readouterr().out)
    assert main([]) == 0
    out = capsys.readouterr().out
    for name in COMMAND_MODULES:
        assert re.search(rf"^  {name} +\S", out, re.M), name
    assert out.count("e.g. mom ") == len(COMMAND_MODULES)


@pytest.mark.parametrize("command", [[], *[[name] for name in COMMAND_MODULES]])
def test_help_ends_with_examples_and_cites_no_spec(command, capsys):
    with pytest.raises(SystemExit):
        main([*command, "--help"])
    out = capsys.readouterr().out
    assert "SPEC" not in out and "§" not in out
    tail = out.rstrip().split("\n\n")[-1].splitlines()
    assert tail[0] == "examples:" and all(line.startswith("  mom ") for line in tail[1:])


def test_nothing_to_read_is_one_line_naming_the_path_as_given(tmp_path, run_mom):
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.txt").write_text("x")
    cases = {"nosuch/path.xlsx": "nosuch/path.xlsx: no such file or folder",
             "empty": "empty: the folder is empty",
             "notes": "notes: no workbook in this folder",
             "notes/*.xlsx": "notes/*.xlsx: no workbook matches"}
    for command in ("validate", "spend", "pipeline", "consolidate"):
        for given, message in cases.items():
            done = run_mom(command, given, cwd=tmp_path)
            assert (done.returncode, done.stdout, done.stderr) == (
                2, "", f"mom {command}: {message}\n"), (command, given)


def test_consolidate_names_its_default_output_and_what_it_leaves_out(demo, tmp_path, run_mom):
    folder, _ = demo
    done = run_mom("consolidate", folder / "teams", "--json", "--as-of", AS_OF, cwd=tmp_path)
    assert done.returncode in (0, 1), done.stderr
    assert (tmp_path / "consolidated.xlsx").exists()
    assert "wrote consolidated.xlsx (no -o given" in done.stderr
    document = json.loads(done.stdout)
    assert document["output"] == "consolidated.xlsx"
    # books in USD, EUR and GBP, one each: the reporting currency is EUR (the first of the
    # most used), and without --rates the USD and GBP books' money is left out
    assert document["currency"] == "EUR"
    assert document["left_out"] == {"books": ["team-0001-na-demand-gen.xlsx",
                                              "team-0003-apac-demand-gen.xlsx"],
                                    "currencies": ["GBP", "USD"]}
    text = run_mom("consolidate", folder / "teams", "-o", tmp_path / "c.xlsx", cwd=tmp_path)
    assert " ".join(text.stdout.split("\n\n")[0].split()) == (
        "left out of the EUR totals: 2 workbooks in GBP, USD (no rate given) — pass "
        "--currency EUR --rates FILE to include them")


def test_pipeline_names_each_books_quarter_and_currency(demo, capsys, monkeypatch):
    folder, _ = demo
    _, out, _ = mom(capsys, monkeypatch, "pipeline", folder / "teams", "--as-of", AS_OF,
                    "--json")
    document = json.loads(out)
    assert [(b["book"], b["quarter"], b["currency"]) for b in document["books"]] == [
        ("team-0001-na-demand-gen.xlsx", "FY2027-Q1", "USD"),      # FY starts in January
        ("team-0002-emea-demand-gen.xlsx", "FY2027-Q1", "EUR"),
        ("team-0003-apac-demand-gen.xlsx", "FY2028-Q1", "GBP")]    # … in February
    assert "quota-conflict" not in {f["code"] for f in document["findings"]}
    _, text, _ = mom(capsys, monkeypatch, "pipeline", folder / "teams", "--as-of", AS_OF)
    assert "team-0003-apac-demand-gen.xlsx: FY2028-Q1, GBP" in text
    assert "mixed currencies" in text.splitlines()[0]


def test_realign_prints_one_conclusion(demo, capsys, monkeypatch):
    _, books = demo
    status, out, _ = mom(capsys, monkeypatch, "realign", books[0], "--from", "CMP-001-A2",
                         "--to", "CMP-001-A1", "--amount", "1", "--date", AS_OF)
    assert status == 0
    assert out.splitlines()[-1] == "this transfer creates no new findings"
    assert "no problems found" not in out


def test_user_config_sets_defaults_and_the_command_line_wins(make_book, tmp_path, run_mom):
    path = make_book()
    (tmp_path / "mom.toml").write_text('format = "json"\ntarget = 4\n')
    done = run_mom("pipeline", path, "--as-of", "2027-03-01", cwd=tmp_path)
    assert json.loads(done.stdout)["target"] == 4.0
    done = run_mom("pipeline", path, "--as-of", "2027-03-01", "--target", "2",
                   "--format", "csv", cwd=tmp_path)
    assert done.stdout.startswith("Rep,Quota,Won")
    (tmp_path / "mom.toml").write_text('colour = "yes"\n')
    done = run_mom("spend", path, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == (f"mom spend: {tmp_path / 'mom.toml'}: unknown key 'colour'; the keys "
                           "are currency, rates, target, workers, book-timeout, format\n")
    (tmp_path / "mom.toml").write_text("workers = 0\n")
    done = run_mom("spend", path, cwd=tmp_path)
    assert "'workers' must be a whole number of at least 1" in done.stderr
    (tmp_path / "mom.toml").write_text("book-timeout = 0\n")
    done = run_mom("spend", path, cwd=tmp_path)
    assert "'book-timeout' must be a number of seconds above 0 and at most a week" in done.stderr


def test_user_config_folder(make_book, tmp_path, run_mom, monkeypatch):
    path = make_book()
    config = tmp_path / "home" / "mom"
    config.mkdir(parents=True)
    (config / "mom.toml").write_text('format = "markdown"\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home"))
    (tmp_path / "work").mkdir()
    done = run_mom("spend", path, cwd=tmp_path / "work")
    assert "| Activity | Budgeted |" in done.stdout


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_lists_every_command(shell, capsys):
    assert main(["completion", shell]) == 0
    script = capsys.readouterr().out
    for name in COMMAND_MODULES:
        assert name in script
    assert "all-findings" in script and "activity campaign plan gl month quarter year" in script
    if shell == "bash":
        subprocess.run(["bash", "-n"], input=script, text=True, check=True)
        probe = subprocess.run(
            ["bash", "-c", script + '\nCOMP_WORDS=(mom spend --by ""); COMP_CWORD=3; _mom; '
                                    'echo "${COMPREPLY[@]}"'],
            capture_output=True, text=True, check=True)
        assert probe.stdout.split() == ["activity", "campaign", "plan", "gl", "month",
                                        "quarter", "year"]


def test_a_reader_that_stops_reading_is_no_internal_error(demo):
    """`mom validate teams/ | true`: the reader is gone before MOM writes a line (as after
    `| head -1` once head has its line); no traceback, no "internal error"."""
    folder, _ = demo
    done = subprocess.run(f"{shlex.quote(sys.executable)} -m mom_engine validate "
                          f"{shlex.quote(str(folder / 'teams'))} | true; "
                          "echo ${PIPESTATUS[0]}", shell=True, capture_output=True, text=True,
                          cwd=ROOT, executable="/bin/bash")
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert done.stdout.strip() == "141"         # as a program stopped by SIGPIPE
