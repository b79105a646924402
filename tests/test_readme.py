"""The README stays true: its catalogue is the code's, its commands run."""
import re
import shlex

from mom_engine.findings import catalogue_markdown

from .conftest import ROOT

README = (ROOT / "README.md").read_text()


def test_readme_catalogue_is_generated_from_the_code():
    block = README.split("<!-- catalogue:start -->")[1].split("<!-- catalogue:end -->")[0]
    assert block.strip() == catalogue_markdown()


def test_quick_start_has_exactly_two_commands():
    quick = README.split("## Quick start")[1].split("```bash")[1].split("```")[0]
    commands = [line.split("#")[0].strip() for line in quick.strip().splitlines()]
    assert commands == ["pip install -c constraints.txt -e '.[dev]' && mom demo", "./scripts/test"]
    assert (ROOT / ".ci" / "run").read_text().strip().endswith("exec ./scripts/test")


def readme_commands():
    section = README.split("## Commands")[1].split("\n## ")[0]
    for block in re.findall(r"```bash\n(.*?)```", section, re.S):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("mom "):
                yield line


def test_every_readme_command_runs(tmp_path, run_mom):
    commands = list(readme_commands())
    assert commands[0].startswith("mom template") and any("mom demo" in c for c in commands)
    # The demo first, so the other commands have workbooks to work on.
    ordered = sorted(commands, key=lambda c: not c.startswith("mom demo"))
    for command in ordered:
        args = shlex.split(command)[1:]
        result = run_mom(*args, cwd=tmp_path)
        assert result.returncode in (0, 1), (command, result.stdout[-2000:], result.stderr[-2000:])
        assert "Traceback" not in result.stderr, (command, result.stderr[-2000:])
