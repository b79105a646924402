"""`mom validate`, `mom template`, `mom demo` through the real command line (SPEC §13)."""
import json

import pytest

from mom_engine.cli import COMMAND_MODULES, main
from mom_engine.read import read_book

from .builders import D


def test_validate_clean_book_exits_0(make_book, run_mom):
    result = run_mom("validate", make_book())
    assert result.returncode == 0, result.stderr
    assert "no problems found" in result.stdout


def test_validate_errors_exit_1_with_location_first(make_book, run_mom):
    path = make_book(Budget=[{"Activity ID": "A1", "Month": "March", "Budgeted": 10}])
    result = run_mom("validate", path)
    assert result.returncode == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith("team.xlsx!Budget!B2  error  value-type  ")   # severity word (issue 16)
    assert "2027-03" in first          # says how to fix it


def test_validate_json_document(make_book, run_mom):
    path = make_book(Budget=[{"Activity ID": "A1", "Month": D(2027, 1, 1), "Budgeted": "1,000"}])
    result = run_mom("validate", path, "--json", "--as-of", "2027-02-01")
    assert result.returncode == 0        # a warning only
    document = json.loads(result.stdout)
    assert document["as_of"] == "2027-02-01"
    assert document["books"] == [{"book": "team.xlsx", "path": str(path), "readable": True,
                                  "plan_id": "P-1"}]
    assert document["findings"] == [{
        "code": "number-as-text", "severity": "warning", "book": "team.xlsx",
        "sheet": "Budget", "cell": "C2", "row": 2, "column": "Budgeted",
        "message": "'1,000' is an amount typed as text; it was read as 1,000.00",
        "value": "1,000"}]


def test_validate_no_readable_input_exits_2_without_traceback(tmp_path, run_mom):
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04 broken")
    result = run_mom("validate", junk, "--json")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    finding = json.loads(result.stdout)["findings"][0]
    assert (finding["code"], finding["book"]) == ("book-unreadable", "junk.xlsx")
    missing = run_mom("validate", tmp_path / "nothing-here")
    assert missing.returncode == 2
    assert "Traceback" not in missing.stderr


def test_validate_bad_usage_exits_2(run_mom):
    assert run_mom("validate").returncode == 2
    assert run_mom("validate", "x.xlsx", "--as-of", "someday").returncode == 2


def test_validate_folder_and_one_bad_book_does_not_stop_the_rest(tmp_path, make_book, run_mom):
    make_book("a.xlsx")
    make_book("b.xlsx", Budget=[{"Activity ID": "A9", "Month": D(2027, 1, 1)}])
    (tmp_path / "c.xlsx").write_text("not a workbook")
    (tmp_path / "~$a.xlsx").write_text("lock file")
    result = run_mom("validate", tmp_path, "--json")
    document = json.loads(result.stdout)
    assert result.returncode == 1
    assert [b["book"] for b in document["books"]] == ["a.xlsx", "b.xlsx", "c.xlsx"]
    assert [(f["book"], f["cell"], f["code"]) for f in document["findings"]] == [
        ("b.xlsx", "A2", "ref-unknown"), ("c.xlsx", None, "book-unreadable")]


def test_validate_help_lists_the_catalogue(run_mom):
    result = run_mom("validate", "--help")
    assert result.returncode == 0
    assert "approval-incomplete" in result.stdout and "formula-not-calculated" in result.stdout


def test_template_writes_a_workbook_that_validates(tmp_path, run_mom):
    result = run_mom("template", "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    path = tmp_path / "out" / "team_plan.xlsx"
    book = read_book(path)
    assert book.findings == []
    assert (book.plan.plan_id, book.plan.team, book.plan.status) == ("NEW-PLAN", "Team name",
                                                                    "Draft")
    assert run_mom("validate", path).returncode == 0


def test_demo_makes_books_and_validates_them(tmp_path, run_mom):
    result = run_mom("demo", "--teams", 3, "--out", tmp_path / "demo")
    assert result.returncode == 0, result.stderr
    books = sorted((tmp_path / "demo" / "teams").glob("*.xlsx"))
    assert [b.name for b in books] == ["team-0001-na-demand-gen.xlsx",
                                       "team-0002-emea-demand-gen.xlsx",
                                       "team-0003-apac-demand-gen.xlsx"]
    first = read_book(books[0])
    assert first.plan.plan_id.startswith("NA-DEMAND-GEN-FY")
    assert len(first.rows("Budget")) >= 12 and len(first.rows("Leads")) >= 40


def test_a_crashing_check_is_an_internal_error_finding_not_a_lost_book(make_book, monkeypatch):
    from mom_engine import analyze

    def broken(book, context):          # fault injection: a check with a bug
        raise ZeroDivisionError("division by zero")
    monkeypatch.setattr(analyze, "DOMAIN_CHECKS", [broken, *analyze.DOMAIN_CHECKS])
    path = make_book(Budget=[{"Activity ID": "A1", "Month": "March", "Budgeted": 1}])
    result = analyze.analyze_book(path)
    codes = [(f.sheet, f.cell, f.code) for f in result.findings]
    assert (None, None, "internal-error") in codes           # the bug is reported …
    assert ("Budget", "B2", "value-type") in codes           # … and the book still checked
    bug = next(f for f in result.findings if f.code == "internal-error")
    assert "Traceback" not in bug.message                     # the traceback rides beside it
    assert bug.traceback.startswith("Traceback (most recent call last):")
    assert bug.traceback.rstrip().endswith("ZeroDivisionError: division by zero")
    assert "traceback" in bug.to_json()
    assert "traceback" not in next(f for f in result.findings if f.code == "value-type").to_json()


def test_debug_prints_the_traceback_of_an_internal_error_finding(make_book, monkeypatch, capsys):
    from mom_engine import analyze
    from mom_engine.cli import main

    def broken(book, context):
        raise ZeroDivisionError("division by zero")
    monkeypatch.setattr(analyze, "DOMAIN_CHECKS", [broken])
    path = make_book()
    assert main(["validate", str(path)]) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert main(["--debug", "validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{path.name} internal-error:\nTraceback (most recent call last):")
    assert "ZeroDivisionError: division by zero" in err


def test_an_internal_error_exits_3_with_one_line_and_no_traceback(make_book, monkeypatch, capsys):
    from mom_engine.cli import main, validate

    def broken(paths, context, args=None):
        raise RuntimeError("boom")
    monkeypatch.setattr(validate, "analyze_inputs", broken)
    assert main(["validate", str(make_book())]) == 3
    err = capsys.readouterr().err
    assert err.strip() == ("mom validate: internal error (RuntimeError: boom); please report it "
                           "with the command you ran")
    assert main(["--debug", "validate", str(make_book())]) == 3
    err = capsys.readouterr().err
    assert err.startswith("mom validate: internal error (RuntimeError: boom); please report it "
                          "with the command you ran\nTraceback (most recent call last):")
    assert err.rstrip().endswith("RuntimeError: boom")


@pytest.mark.parametrize("command", [[], *[[name] for name in COMMAND_MODULES]])
def test_every_help_page_prints(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([*command, "--help"])
    assert done.value.code == 0
    assert "usage: mom" in capsys.readouterr().out


def faulty_second_book(make_book, monkeypatch, fault):
    """a.xlsx with one value-type error and b.xlsx, whose checks call `fault` (fault injection:
    the worker process dies or hangs on it); returns their folder."""
    from mom_engine import analyze

    def check(book, context):
        if book.name == "b.xlsx":
            fault()
        return []
    monkeypatch.setattr(analyze, "DOMAIN_CHECKS", [check, *analyze.DOMAIN_CHECKS])
    first = make_book("a.xlsx", Budget=[{"Activity ID": "A1", "Month": "March", "Budgeted": 1}])
    make_book("b.xlsx")
    return first.parent

def test_several_books_checked_in_workers_give_what_one_process_gives(tmp_path, make_book,
                                                                      run_mom):
    make_book("a.xlsx")
    make_book("b.xlsx", Budget=[{"Activity ID": "A9", "Month": D(2027, 1, 1)}])
    make_book("d.xlsx", Budget=[{"Activity ID": "A1", "Month": "March", "Budgeted": "1,000"}])
    (tmp_path / "c.xlsx").write_text("not a workbook")
    parallel = run_mom("validate", tmp_path, "--json", "--workers", "2", "--as-of", "2027-02-01")
    alone = run_mom("validate", tmp_path, "--json", "--workers", "1", "--as-of", "2027-02-01")
    assert (parallel.returncode, alone.returncode) == (1, 1)
    assert parallel.stdout == alone.stdout
    document = json.loads(parallel.stdout)
    assert [(b["book"], b["readable"], b["plan_id"]) for b in document["books"]] == [
        ("a.xlsx", True, "P-1"), ("b.xlsx", True, "P-1"), ("c.xlsx", False, None),
        ("d.xlsx", True, "P-1")]
    assert [(f["book"], f["sheet"], f["cell"], f["code"]) for f in document["findings"]] == [
        ("b.xlsx", "Budget", "A2", "ref-unknown"), ("c.xlsx", None, None, "book-unreadable"),
        ("d.xlsx", "Budget", "B2", "value-type"), ("d.xlsx", "Budget", "C2", "number-as-text")]


def test_a_book_that_kills_its_worker_is_a_finding_and_the_others_are_checked(make_book,
                                                                             monkeypatch,
                                                                             capsys):
    import os

    from mom_engine.cli import main
    folder = faulty_second_book(make_book, monkeypatch, lambda: os._exit(9))   # process dies
    assert main(["validate", str(folder), "--workers", "2", "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert [(f["book"], f["cell"], f["code"]) for f in document["findings"]] == [
        ("a.xlsx", "B2", "value-type"), ("b.xlsx", None, "book-unreadable")]
    assert document["findings"][1]["message"] == (
        "b.xlsx: the worker process reading it died (exit status 9, also when retried in a "
        "fresh process); the file may be malformed in a way that crashes the reader or needs "
        "more memory than is available — open it in Excel and save it again")
    assert [b["readable"] for b in document["books"]] == [True, False]


def test_a_book_past_the_time_limit_is_a_finding_and_the_limit_is_the_users(make_book, tmp_path,
                                                                           monkeypatch, capsys):
    import time

    from mom_engine.cli import main
    folder = faulty_second_book(make_book, monkeypatch, lambda: time.sleep(60))   # it hangs
    expected = [("a.xlsx", "B2", "value-type"), ("b.xlsx", None, "book-timeout")]
    assert main(["validate", str(folder), "--book-timeout", "3", "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert [(f["book"], f["cell"], f["code"]) for f in document["findings"]] == expected
    assert document["findings"][1]["message"] == (
        "b.xlsx took longer than the 3-second limit for one workbook (--book-timeout); its "
        "worker was stopped and the rest of the batch went on — split the workbook or raise "
        "--book-timeout")
    config = tmp_path / "mom.toml"
    config.write_text("book-timeout = 3\n")
    monkeypatch.setenv("MOM_CONFIG", str(config))
    assert main(["pipeline", str(folder), "--json"]) == 1      # mom.toml's limit too
    document = json.loads(capsys.readouterr().out)
    assert ("b.xlsx", None, "book-timeout") in [(f["book"], f["cell"], f["code"])
                                                for f in document["findings"]]
