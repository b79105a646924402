"""The list of domains, declared once (`mom_engine/domains/__init__.py`): the order the checks
run in (findings that tie keep it) and the roll-ups a consolidation runs for each book."""
import dataclasses
import datetime as dt

from mom_engine import analyze
from mom_engine.consolidate import Options, process_book, worker
from mom_engine.domains import DOMAINS
from mom_engine.domains.accounts import check_accounts
from mom_engine.domains.assets import check_assets
from mom_engine.domains.capacity import check_capacity
from mom_engine.domains.formulas import check_formulas
from mom_engine.domains.funnel import check_funnel
from mom_engine.domains.pipeline import check_pipeline
from mom_engine.domains.schedule import check_schedule
from mom_engine.domains.scorecard import check_performance
from mom_engine.domains.spend import check_spend

AS_OF = dt.date(2027, 3, 1)


def test_the_checks_run_in_report_order_formula_overwritten_last():
    assert analyze.DOMAIN_CHECKS == (check_spend, check_schedule, check_assets, check_pipeline,
                                     check_funnel, check_accounts, check_capacity,
                                     check_performance, check_formulas)


def test_each_domain_is_declared_once_with_its_check_and_its_roll_up():
    assert [(d.name, d.check is not None, d.roll_up is not None) for d in DOMAINS] == [
        ("spend", True, True), ("schedule", True, True), ("assets", True, True),
        ("pipeline", True, True), ("funnel", True, True), ("accounts", True, True),
        ("capacity", True, False), ("scorecard", True, True), ("operations", False, True),
        ("formulas", True, False)]


def test_the_worker_fills_every_domains_tables_in_the_declared_order(make_book):
    result = process_book(make_book(), Options(as_of=AS_OF))
    assert (result.status, result.findings) == ("read", [])
    assert list(result.tables) == [
        "campaigns", "gl_month", "burn",                      # spend
        "schedule", "assets", "coverage_parts", "funnel",
        "account_listed", "account_figures", "scorecard",
        "capacity_parts", "capacity_people", "campaign_hours", "calendar", "at_risk",
        "scorecard_quarters"]                                 # operations


def test_a_crashing_roll_up_loses_its_domains_tables_not_the_book(make_book, monkeypatch):
    def broken(book, result, options):      # fault injection: a roll-up with a bug
        raise ZeroDivisionError("division by zero")
    monkeypatch.setattr(worker, "DOMAINS", tuple(
        dataclasses.replace(d, roll_up=broken) if d.name == "pipeline" else d for d in DOMAINS))
    result = process_book(make_book(), Options(as_of=AS_OF), "team.xlsx")
    assert [(f.book, f.code, f.severity.value, f.message) for f in result.findings] == [
        ("team.xlsx", "internal-error", "warning", "internal error rolling up pipeline for "
         "team.xlsx: ZeroDivisionError: division by zero; please report it")]
    assert result.findings[0].traceback.rstrip().endswith("ZeroDivisionError: division by zero")
    assert result.status == "read"
    assert "coverage_parts" not in result.tables
    assert {"campaigns", "funnel", "account_listed", "scorecard", "at_risk"} <= set(result.tables)
