from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

from mom_engine.analyze import Context, analyze_book

from .builders import team_book

ROOT = Path(__file__).resolve().parents[1]

# `pytest --hypothesis-profile=long`: the differential test against the Decimal reference
# (tests/test_reference_differential.py) runs 2,000 workbooks instead of CI's few dozen.
settings.register_profile("long", max_examples=2000, deadline=None)


@pytest.fixture
def make_book(tmp_path):
    """make_book(name="team.xlsx", plan={...}, Budget=[...], Tasks=None, ...) → Path."""
    def make(name: str = "team.xlsx", **kwargs):
        return team_book(tmp_path / name, **kwargs)
    return make


def located(findings, *codes):
    """(sheet, cell, code) tuples, optionally only for some codes — what tests assert."""
    return [(f.sheet, f.cell, f.code) for f in findings if not codes or f.code in codes]


@pytest.fixture
def analyze():
    def run(path, **context):
        return analyze_book(path, context=Context(**context))
    return run


@pytest.fixture
def run_mom(tmp_path):
    """Run the real CLI in a subprocess: run_mom("validate", path) → CompletedProcess."""
    def run(*args, cwd=None):
        env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        return subprocess.run([sys.executable, "-m", "mom_engine", *map(str, args)],
                              capture_output=True, text=True, cwd=cwd or tmp_path, env=env,
                              timeout=600)
    return run


@pytest.fixture
def excel_udfs():
    """The UDF module as Excel on Windows loads it: the real `xlwings.udfs` decorators (Windows-
    only modules stubbed, see tests/xlwings_windows.py) → (udfs.mom_udfs, xlwings.udfs)."""
    import importlib

    from . import xlwings_windows
    saved = xlwings_windows.snapshot()
    sys.modules.pop("udfs.mom_udfs", None)
    try:
        xl_udfs = xlwings_windows.install()
        module = importlib.import_module("udfs.mom_udfs")
        yield module, xl_udfs
    finally:
        sys.modules.pop("udfs.mom_udfs", None)
        xlwings_windows.uninstall(saved)
