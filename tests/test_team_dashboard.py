"""The team workbook's native Dashboard, recalculated by LibreOffice, equals the engine (issue 13):
the plan headline, the campaign rows (over-budget flag with the Plan's tolerance, % complete,
late tasks, tasks starting in the week of As of), the fiscal-year month grid and the pipeline
coverage of the fiscal quarter of As of — money to the cent, ratios to 4 decimals — on the demo
books and on generated plans (FY start months 1/4/7/10, plan currencies with rates, over-budget
campaigns, an As of in each quarter). "As of" is fixed when the book is written."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import python_calamine

from mom_engine.analyze import Context, analyze_book
from mom_engine.demo import demo_team_data
from mom_engine.domains.pipeline import coverage
from mom_engine.report.team_dashboard import (AT_RISK, BURN_LINE_COLUMN, CAMPAIGN_ROWS, CAMPAIGNS,
                                              FORECAST_OVER, HEADLINE_FIGURES, LAYOUT,
                                              MONTH_GRID, OVER_BUDGET, PIPELINE, TEAM_ROW)
from mom_engine.report.team_workbook import write_team_workbook
from mom_engine.domains.schedule import roll_up_schedule
from mom_engine.domains.spend import roll_up_spend

from .test_libreoffice_formulas import GENERATED, generated_plan, recalculate, sheet_records

pytestmark = pytest.mark.libreoffice
D = dt.date


def as_of_for(seed: int, plan: dict) -> dt.date:
    """An As of in a different fiscal quarter for every seed."""
    start = plan["FY Start Month"]
    first = D(2026 if start > 1 else 2027, start, 1)
    return first + dt.timedelta(days=50 + 91 * seed)


@pytest.fixture(scope="module")
def dashboards(tmp_path_factory):
    base = tmp_path_factory.mktemp("dash")
    books = {}
    for index in (1, 5):
        data = demo_team_data(index, D(2027, 3, 15))
        books[f"demo{index}"] = (write_team_workbook(base / f"demo{index}.xlsx", **data,
                                                     dashboard_as_of=D(2027, 3, 15)),
                                 D(2027, 3, 15))
    for seed in range(GENERATED):
        data = generated_plan(seed)
        as_of = as_of_for(seed, data["plan"])
        books[f"generated{seed}"] = (write_team_workbook(
            base / f"generated{seed}.xlsx", **data, fiscal_year=2027, dashboard_as_of=as_of),
            as_of)
    # As of before the fiscal year (no month elapsed) and after it (none ahead)
    for seed, days in ((1, -20), (2, 385)):
        data = generated_plan(seed)
        start = data["plan"]["FY Start Month"]
        as_of = D(2026 if start > 1 else 2027, start, 1) + dt.timedelta(days=days)
        books[f"generated{seed}-{days}"] = (write_team_workbook(
            base / f"generated{seed}-{days}.xlsx", **data, fiscal_year=2027,
            dashboard_as_of=as_of), as_of)
    out = recalculate([p for p, _ in books.values()], base / "out", base / "profile")
    return {name: (path, out[path], as_of) for name, (path, as_of) in books.items()}


def grid(path) -> list[list]:
    return python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(
        "Dashboard").to_python()


def cents(value) -> int:
    return round(value * 100)


def test_headline_equals_the_engine_plan_total(dashboards):
    for name, (written, recalculated, as_of) in dashboards.items():
        book = analyze_book(written, context=Context(as_of=as_of)).book
        total = roll_up_spend(book).total
        rows = grid(recalculated)
        shown = {figure: rows[r][c] for figure, (r, c) in LAYOUT["headline"].items()}
        assert {f: cents(shown[f]) for f in HEADLINE_FIGURES[:5]} == {
            f: total[f.lower()] for f in HEADLINE_FIGURES[:5]}, name
        used = (total["committed"] + total["spent"]) / total["budgeted"]
        assert round(shown["% of budget used"], 4) == round(used, 4), name


def test_campaign_rows_equal_the_engine(dashboards):
    over_seen = 0
    for name, (written, recalculated, as_of) in dashboards.items():
        analysis = analyze_book(written, context=Context(as_of=as_of))
        book = analysis.book
        spend = roll_up_spend(book).by("campaign").set_index("key")
        schedule = roll_up_schedule(book, as_of).by("campaign").set_index("key")
        tolerance = book.plan.overspend_tolerance or 0
        tasks = book.rows("Tasks")
        monday = as_of - dt.timedelta(days=as_of.weekday())
        rows = grid(recalculated)[CAMPAIGNS.first:CAMPAIGNS.first + CAMPAIGNS.rows]
        shown = [r for r in rows if r[0] != ""]
        assert [r[0] for r in shown] == list(book.rows("Campaigns")["Campaign ID"]), name
        for row in shown:
            key = row[0]
            figures = spend.loc[key]
            assert [cents(v) for v in row[2:6]] == [
                int(figures[f]) for f in ("budgeted", "committed", "spent", "remaining")], (
                name, key)
            load, limit = figures["committed"] + figures["spent"], figures["budgeted"]
            over = load > limit * (1 + tolerance)
            over_seen += over
            assert row[6] == (OVER_BUDGET if over else ""), (name, key)
            if key in schedule.index:
                assert round(row[7], 4) == round(schedule.at[key, "percent_complete"], 4), (
                    name, key)
                assert row[8] == schedule.at[key, "late_tasks"], (name, key)
            else:
                assert (row[7], row[8]) == ("", 0), (name, key)
            activities = set(book.rows("Activities").query("`Campaign ID` == @key")["Activity ID"])
            starting = tasks[tasks["Activity ID"].isin(activities)
                             & (tasks["Status"] != "Cancelled")
                             & (tasks["Planned Start"].dt.date >= monday)
                             & (tasks["Planned Start"].dt.date <= monday + dt.timedelta(days=6))]
            assert row[9] == len(starting), (name, key)
    assert over_seen > 0            # the flag is exercised


def test_month_grid_equals_the_engine_by_month(dashboards):
    for name, (written, recalculated, as_of) in dashboards.items():
        book = analyze_book(written, context=Context(as_of=as_of)).book
        months = roll_up_spend(book).by("month").set_index("key")
        rows = grid(recalculated)[MONTH_GRID.first:MONTH_GRID.first + MONTH_GRID.rows]
        start = book.plan.fy_start_month
        first = D(book.plan.fiscal_year - (start > 1), start, 1)
        running = [0, 0, 0]
        for index, row in enumerate(rows):
            month = D(first.year + (first.month - 1 + index) // 12,
                      (first.month - 1 + index) % 12 + 1, 1)
            assert row[0] == month, (name, index)
            key = month.strftime("%Y-%m")
            expected = [int(months.at[key, f]) if key in months.index else 0
                        for f in ("budgeted", "committed", "spent")]
            running = [a + b for a, b in zip(running, expected, strict=True)]
            assert [cents(v) for v in row[1:7]] == expected + running, (name, key)


def test_pipeline_of_the_quarter_of_as_of_equals_the_engine(dashboards):
    reps_seen = 0
    for name, (written, recalculated, as_of) in dashboards.items():
        book = analyze_book(written, context=Context(as_of=as_of)).book
        report = coverage([book], as_of)
        rows = grid(recalculated)
        assert rows[LAYOUT["quarter"][0]][LAYOUT["quarter"][1]] == report.quarter, name
        with_quota = {r["rep"]: r for r in report.reps.to_dict("records")
                      if not pd.isna(r["quota"])}
        shown = [r for r in rows[PIPELINE.first:PIPELINE.first + PIPELINE.rows] if r[0] != ""]
        assert sorted(r[0] for r in shown) == sorted(with_quota), name
        for row in shown:
            rep = with_quota[row[0]]
            reps_seen += 1
            assert [cents(v) for v in row[1:5]] == [
                rep["quota"], rep["won"], rep["open"], rep["remaining_quota"]], (name, row[0])
            if pd.isna(rep["coverage"]):
                assert (row[5], row[7]) == ("", "Quota met"), (name, row[0])
            else:
                assert round(row[5], 4) == round(rep["coverage"], 4), (name, row[0])
                assert row[7] == ("Below target" if rep["below_target"] else ""), (name, row[0])
            assert cents(row[6]) == rep["gap"], (name, row[0])
        team = rows[TEAM_ROW]
        assert cents(team[3]) == report.team["open"], name
        assert cents(team[4]) == report.team["remaining_quota"], name
        if report.team["coverage"] is None:
            assert team[5] == "", name
        else:
            assert round(team[5], 4) == round(report.team["coverage"], 4), name
        assert team[7] == f"{report.team['reps_below_target']} below target", name
    assert reps_seen > 0


def test_burn_columns_equal_spend_burn(dashboards):
    """The burn chart's columns are `spend.spend_burn` (one definition, also on the consolidated
    Dashboard): cumulative budget, and committed + spent through the month of As of (blank
    after it)."""
    from mom_engine.report.team_dashboard import BURN_COLUMNS
    from mom_engine.domains.spend import spend_burn
    for name, (written, recalculated, as_of) in dashboards.items():
        book = analyze_book(written, context=Context(as_of=as_of)).book
        burn = spend_burn(book, as_of)
        rows = grid(recalculated)[MONTH_GRID.first:MONTH_GRID.first + MONTH_GRID.rows]
        budget, actual, projected = BURN_COLUMNS
        assert [cents(r[budget]) for r in rows] == burn["budget"].tolist(), name
        for column, figure in ((actual, "actual"), (projected, "projected")):
            for row, expected in zip(rows, burn[figure], strict=True):
                if pd.isna(expected):
                    assert row[column] == "", (name, row[0], figure, row[column])
                else:
                    assert cents(row[column]) == expected, (name, row[0], figure)
        # the chart's line: to date, then projected
        assert [cents(r[BURN_LINE_COLUMN]) for r in rows] == [
            a if pd.isna(p) else p for a, p in zip(burn["actual"], burn["projected"],
                                                     strict=True)], name
        assert burn["actual"].notna().any() or as_of < rows[0][0], name


def test_year_end_forecast_equals_the_engine(dashboards):
    """The headline's projected and year-end forecast, its over-budget note and every
    activity's Projected and Forecast equal `spend.forecast_spend` as of As of, to the cent —
    both methods (Planned amounts ahead, run rate) with a projection beyond commitments."""
    from fractions import Fraction

    from mom_engine.domains.spend import forecast_spend
    methods = set()
    for name, (written, recalculated, as_of) in dashboards.items():
        book = analyze_book(written, context=Context(as_of=as_of)).book
        forecast = forecast_spend(book, as_of)
        plan = forecast.by("plan").iloc[0]
        rows = grid(recalculated)
        row, col = LAYOUT["headline"]["Year-end forecast"]
        assert cents(rows[row][col]) == plan["forecast"], name
        row, col = LAYOUT["headline"]["Projected, months ahead"]
        assert cents(rows[row][col]) == plan["projected"], name
        limit = plan["budgeted"] * (1 + Fraction(str(book.plan.overspend_tolerance or 0)))
        assert rows[LAYOUT["headline"]["Year-end forecast"][0]][2] == (
            FORECAST_OVER if plan["forecast"] > limit else ""), name
        engine = forecast.by("activity").set_index("key")
        shown = [r for r in sheet_records(recalculated, "Activities") if r["Counted"] == 1]
        assert sorted(r["Activity ID"] for r in shown) == sorted(engine.index), name
        for record in shown:
            expected = engine.loc[record["Activity ID"]]
            assert [cents(record["Projected"]), cents(record["Forecast"])] == [
                expected["projected"], expected["forecast"]], (name, record["Activity ID"])
            if expected["projected"] > 0:
                methods.add(expected["method"])
    assert methods == {"planned", "run rate"}


def test_pipeline_stages_all_closed_or_unknown_count_every_open_stage(dashboards):
    """Generated plan 0 lists only a closed and an unknown stage: the engine warns and counts
    every open stage, and so do the formulas (not none)."""
    written, recalculated, as_of = dashboards["generated0"]
    analysis = analyze_book(written, context=Context(as_of=as_of))
    assert analysis.book.plan.pipeline_stages == ("Prospecting", "Qualification", "Proposal",
                                                  "Negotiation")
    assert ("Plan", "value-enum") in {(f.sheet, f.code) for f in analysis.findings}
    report = coverage([analysis.book], as_of)
    team = grid(recalculated)[TEAM_ROW]
    assert report.team["open"] > 0
    assert cents(team[3]) == report.team["open"]


def test_campaigns_at_risk_equal_the_engine(dashboards):
    """Delayed and underperforming campaigns together (`scorecard.campaigns_at_risk`): the flag
    and the reasons on every campaign row of the Dashboard and of the Campaigns sheet, and the
    count beside the block's title — on the demo books (one has a campaign trailing its
    targets) and the generated plans (leads and opportunities attributed by ID or name)."""
    from mom_engine.domains.scorecard import campaigns_at_risk
    seen = {"behind_schedule": 0, "underperforming": 0}
    for name, (written, recalculated, as_of) in dashboards.items():
        book = analyze_book(written, context=Context(as_of=as_of)).book
        risk = campaigns_at_risk(book, as_of).set_index("campaign_id")
        for figure in seen:
            seen[figure] += int(risk[figure].sum())
        rows = grid(recalculated)
        for row in (r for r in rows[CAMPAIGNS.first:CAMPAIGNS.first + CAMPAIGNS.rows] if r[0]):
            expected = (AT_RISK, risk.at[row[0], "reasons"]) if row[0] in risk.index else ("", "")
            assert (row[10], row[11]) == expected, (name, row[0])
        sheet = {r["Campaign ID"]: r["At Risk Reasons"]
                 for r in sheet_records(recalculated, "Campaigns") if r["Counted"] == 1}
        assert {k: v for k, v in sheet.items() if v} == dict(risk["reasons"]), name
        assert rows[CAMPAIGNS.header_row - 1][2] == (
            "" if risk.empty else f"{len(risk)} at risk — delayed (SPI below the SPI "
            "Threshold) or below the Attainment Threshold of their expected leads, pipeline or "
            "revenue"), name
    assert seen["behind_schedule"] > 0 and seen["underperforming"] > 0, seen


def test_rows_beyond_the_dashboard_blocks_are_announced_not_dropped(dashboards, tmp_path):
    """22 campaigns and 22 reps with a quota this quarter: the blocks show 20 each and say so
    under them; with fewer (every other book) those cells stay blank. The team line counts all
    22 reps — Ana and Ben, the two with pipeline, are the last two, beyond the 20 shown."""
    for name, (_, recalculated, _) in dashboards.items():
        rows = grid(recalculated)
        assert rows[CAMPAIGNS.first + CAMPAIGN_ROWS][0] == "", name
        assert rows[TEAM_ROW + 1][0] == "", name
    data = generated_plan(0)
    as_of = as_of_for(0, data["plan"])
    tables = data["tables"]
    tables["Campaigns"] = [{"Campaign ID": f"C{n}", "Campaign": f"Campaign {n}"}
                           for n in range(22)]
    tables["Quotas"] = [{"Rep": rep, "Quarter": "FY2027-Q1", "Quota": 100_000}
                        for rep in [*(f"Rep {n:02d}" for n in range(20)), "Ana", "Ben"]]
    written = write_team_workbook(tmp_path / "many.xlsx", **data, fiscal_year=2027,
                                  dashboard_as_of=as_of)
    rows = grid(recalculate([written], tmp_path / "out", tmp_path / "profile")[written])
    assert rows[CAMPAIGNS.first + CAMPAIGN_ROWS][0] == (
        "Showing the first 20 of 22 campaigns: mom spend BOOK --by campaign lists every one")
    assert rows[TEAM_ROW + 1][0] == (
        "Showing 20 of 22 reps with a quota this quarter (the team line counts every one): "
        "mom pipeline BOOK lists every one")
    assert [r[0] for r in rows[PIPELINE.first:PIPELINE.first + PIPELINE.rows]] == [
        f"Rep {n:02d}" for n in range(20)]
    book = analyze_book(written, context=Context(as_of=as_of)).book
    report = coverage([book], as_of)
    assert len(report.reps.dropna(subset=["quota"])) == 22
    shown = {r["rep"]: r for r in report.reps.to_dict("records")}
    assert shown["Ana"]["won"] + shown["Ben"]["won"] > 0 or shown["Ana"]["open"] > 0
    team = rows[TEAM_ROW]
    assert cents(team[3]) == report.team["open"]
    assert cents(team[4]) == report.team["remaining_quota"]
    assert round(team[5], 4) == round(report.team["coverage"], 4)
    assert team[7] == f"{report.team['reps_below_target']} below target"
