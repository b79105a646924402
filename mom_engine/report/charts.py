"""Chart styling and chart data shared by the workbooks MOM writes (issue 13: charts fit for a
meeting — axis titles, number formats, readable at 6 and at 1,000 teams)."""
from __future__ import annotations

from typing import Any

import pandas as pd

MONEY_AXIS = "#,##0"
RATIO_AXIS = '0.0"×"'
PERCENT_AXIS = "0%"
TOP = 15                         # bars a chart shows before the rest become "All others"
ITEMS = 20                       # campaigns or reps a chart shows (both Dashboards)
ALL_OTHERS = "All others"


def set_axes(chart: Any, title: str, x: str, y: str, number_format: str, *,
             legend: bool = True) -> None:
    """Title, axis titles, the value axis' number format and light gridlines."""
    chart.set_title({"name": title, "name_font": {"size": 11}})
    chart.set_x_axis({"name": x})
    chart.set_y_axis({"name": y, "num_format": number_format,
                      "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_legend({"position": "bottom"} if legend else {"none": True})


def top_and_rest(frame: pd.DataFrame, label: str, by: str, columns: list[str],
                 top: int = TOP) -> pd.DataFrame:
    """The `top` rows with the largest `by`, then one "All others" row summing the rest (only
    when there is a rest): a chart of 1,000 teams stays 16 readable bars."""
    numbers = list(dict.fromkeys([*columns, by]))
    frame = frame[[label, *numbers]].copy()
    frame[numbers] = frame[numbers].apply(pd.to_numeric, errors="coerce").fillna(0)
    ranked = frame.sort_values(by, ascending=False, kind="stable")[[label, *columns]]
    shown, rest = ranked.iloc[:top], ranked.iloc[top:]
    if len(rest):
        others = {label: f"{ALL_OTHERS} ({len(rest)})", **{c: rest[c].sum() for c in columns}}
        shown = pd.concat([shown, pd.DataFrame([others])], ignore_index=True)
    return shown.reset_index(drop=True)
