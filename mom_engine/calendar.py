"""Fiscal periods and working days (SPEC §4).

Fiscal year `FYn` ends in calendar year n and starts on the first day of FY Start Month:
with FY Start Month 10, 2026-10-01 … 2027-09-30 is FY2027 and its Q1 is Oct–Dec 2026.
Keys: month `2027-03` (calendar), quarter `FY2027-Q2`, year `FY2027`.
Working days are Monday–Friday; a duration counts both ends and is at least 1.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np


def fiscal_year(day: dt.date, start_month: int = 1) -> int:
    if start_month == 1:
        return day.year
    return day.year + 1 if day.month >= start_month else day.year


def fiscal_quarter(day: dt.date, start_month: int = 1) -> tuple[int, int]:
    """(fiscal year, quarter 1..4) of a date."""
    return fiscal_year(day, start_month), (day.month - start_month) % 12 // 3 + 1


def quarter_label(year: int, quarter: int) -> str:
    return f"FY{year}-Q{quarter}"


def quarter_code(year: Any, quarter: Any) -> Any:
    """A fiscal quarter as one integer, year × 4 + quarter − 1 (of ints, or of int arrays
    element-wise): codes sort as the quarters do."""
    return year * 4 + quarter - 1


def code_label(code: int) -> str:
    """`quarter_label` of a `quarter_code`."""
    return quarter_label(code // 4, code % 4 + 1)


def fiscal_year_bounds(year: int, start_month: int = 1) -> tuple[dt.date, dt.date]:
    """First and last day of FY`year`."""
    first = dt.date(year if start_month == 1 else year - 1, start_month, 1)
    return first, add_months(first, 12) - dt.timedelta(days=1)


def quarter_bounds(year: int, quarter: int, start_month: int = 1) -> tuple[dt.date, dt.date]:
    first = add_months(fiscal_year_bounds(year, start_month)[0], 3 * (quarter - 1))
    return first, add_months(first, 3) - dt.timedelta(days=1)


def parse_quarter_label(label: str) -> tuple[int, int]:
    """`FY2027-Q2` → (2027, 2)."""
    year, quarter = label.upper().removeprefix("FY").split("-Q")
    return int(year), int(quarter)


def previous_quarters(year: int, quarter: int, count: int) -> list[tuple[int, int]]:
    """The `count` fiscal quarters before (year, quarter), most recent first."""
    out = []
    for _ in range(count):
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
        out.append((year, quarter))
    return out


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


# --- vectorised forms for rollups -----------------------------------------------------------

def fiscal_years(days: np.ndarray, start_month: int = 1) -> np.ndarray:
    """Vectorised fiscal_year over datetime64[D] (NaT → -1)."""
    months = days.astype("datetime64[M]")
    years = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = (months.astype(np.int64) % 12) + 1
    out = years + ((month >= start_month) & (start_month != 1))
    return np.where(np.isnat(days), -1, out)


def fiscal_quarters(days: np.ndarray, start_month: int = 1) -> np.ndarray:
    """Vectorised quarter number 1..4 over datetime64[D] (NaT → 0)."""
    month = (days.astype("datetime64[M]").astype(np.int64) % 12) + 1
    return np.where(np.isnat(days), 0, (month - start_month) % 12 // 3 + 1)


def fiscal_quarter_codes(days: np.ndarray, start_month: int = 1) -> np.ndarray:
    """Vectorised `quarter_code` of each date's fiscal quarter over datetime64[D] (NaT → −1)."""
    codes = quarter_code(fiscal_years(days, start_month), fiscal_quarters(days, start_month))
    return np.where(np.isnat(days), -1, codes).astype(np.int64)


def working_days(start, finish) -> np.ndarray:
    """Working days (Mon–Fri) from start to finish, both included; 0 when finish < start.

    Accepts scalars or arrays of datetime64[D]; NaT in either gives 0.
    """
    start = np.asarray(start, dtype="datetime64[D]")
    finish = np.asarray(finish, dtype="datetime64[D]")
    missing = np.isnat(start) | np.isnat(finish)
    safe_start = np.where(missing, np.datetime64("2000-01-03"), start)
    safe_finish = np.where(missing, np.datetime64("2000-01-02"), finish)
    counts = np.busday_count(safe_start, safe_finish + np.timedelta64(1, "D"))
    return np.where(missing, 0, np.maximum(counts, 0))


def duration_days(start, finish) -> np.ndarray:
    """A task's duration: working days start..finish inclusive, at least 1 (SPEC §4)."""
    return np.maximum(working_days(start, finish), 1)


# --- weeks (capacity and the marketing calendar) --------------------------------------------
# A week runs Monday to Sunday and is named by its Monday. Week 1 of FYn is the week holding the
# first day of FYn; a week belongs to the fiscal year of its Sunday, so the week in which a
# fiscal year starts is week 1 of that year, never week 53 of the one before.

def week_starts(days) -> np.ndarray:
    """The Monday on or before each day (datetime64[D]; NaT stays NaT)."""
    days = np.asarray(days, dtype="datetime64[D]")
    weekday = (days.astype(np.int64) + 3) % 7          # 1970-01-01 was a Thursday; Monday = 0
    return days - weekday.astype("timedelta64[D]")


def fiscal_weeks(mondays, start_month: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(fiscal year, week number 1..53) of weeks named by their Monday (datetime64[D]);
    a blank (NaT) week gives (-1, 0)."""
    mondays = np.asarray(mondays, dtype="datetime64[D]")
    years = fiscal_years(mondays + np.timedelta64(6, "D"), start_month)
    unique, inverse = np.unique(years, return_inverse=True)
    firsts = np.array([np.datetime64(fiscal_year_bounds(y, start_month)[0], "D") if y > 0
                       else np.datetime64("NaT") for y in unique.tolist()], dtype="datetime64[D]")
    starts = firsts[inverse.reshape(-1)]
    numbers = np.where(years > 0, (mondays - week_starts(starts)).astype(np.int64) // 7 + 1, 0)
    return years, numbers


def week_label(year: int, week: int) -> str:
    """`FY2027-W09`."""
    return f"FY{year}-W{week:02d}"


def week_labels(mondays: np.ndarray, start_month: int = 1) -> list[str | None]:
    """`week_label` of each week named by its Monday (datetime64[D]; None for NaT), each
    distinct week worked out once: a book's rows fall in a few dozen weeks."""
    unique, inverse = np.unique(mondays, return_inverse=True)
    years, numbers = fiscal_weeks(unique, start_month)
    labels = [None if blank else week_label(year, number) for blank, year, number in zip(
        np.isnat(unique).tolist(), years.tolist(), numbers.tolist(), strict=True)]
    return [labels[at] for at in inverse.reshape(-1).tolist()]


def fiscal_year_weeks(year: int, start_month: int = 1) -> np.ndarray:
    """The Mondays of every week of FY`year`, week 1 first."""
    first, last = fiscal_year_bounds(year, start_month)
    mondays = np.arange(week_starts(np.datetime64(first, "D")),  # type: ignore[call-overload]
                        np.datetime64(last, "D") + np.timedelta64(1, "D"),
                        np.timedelta64(7, "D"))
    years, _ = fiscal_weeks(mondays, start_month)
    return mondays[years == year]
