"""The model's column access: `model.to_numpy` is `Series.to_numpy` exactly, and
`Table.column` reads a column of the accepted rows once per state of the table."""
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from mom_engine.model import Table, frame_of, text_array, text_values, to_numpy
from mom_engine.sheets import SHEETS


def _same(ours: np.ndarray, pandas: np.ndarray) -> None:
    """Equal dtype, length and cells, NaN in the same places, the same types cell by cell."""
    assert ours.dtype == pandas.dtype
    assert len(ours) == len(pandas)
    for mine, theirs in zip(ours.tolist(), pandas.tolist(), strict=True):
        assert type(mine) is type(theirs)
        if mine is pd.NA or mine is None:
            assert theirs is mine
        else:
            assert mine == theirs or (mine != mine and theirs != theirs)


COLUMNS = {
    "text with blanks": text_array(["A1", None, "b 2", None]),
    "text": text_array(["A1", "B2", "C3", "D4"]),
    "all blank": np.array([None, None, None, None], dtype=object),
    "money": np.array([100, 250, -5, 0], dtype=np.int64),
    "money with blanks": pd.array([100, None, 3, None], dtype="Int64"),
    "numbers": np.array([1.5, np.nan, 0.0, 2.0]),
    "flags": np.array([True, False, True, True]),
    "dates": np.array(["2027-01-05", "NaT", "2027-03-01", "2027-02-28"],
                      dtype="datetime64[s]"),
}


@pytest.mark.parametrize("name", list(COLUMNS))
@pytest.mark.parametrize("dtype, na_value", [
    (None, pd.api.extensions.no_default), (object, pd.api.extensions.no_default),
    (object, None), (object, np.nan), (None, None)])
def test_to_numpy_is_series_to_numpy_for_every_column_type(name, dtype, na_value):
    column = frame_of(COLUMNS)[name]
    _same(to_numpy(column, dtype, na_value), column.to_numpy(dtype=dtype, na_value=na_value))


def test_a_text_column_gives_nan_where_blank_and_text_values_none():
    column = frame_of(COLUMNS)["text with blanks"]
    values = to_numpy(column, object)
    assert values[0] == "A1" and values[2] == "b 2"
    assert values[1] != values[1] and values[3] != values[3]        # NaN, as pandas gives
    assert text_values(column).tolist() == ["A1", None, "b 2", None]
    assert text_values(frame_of(COLUMNS)["text"]).tolist() == ["A1", "B2", "C3", "D4"]
    empty = frame_of({"text": text_array([])})["text"]
    _same(to_numpy(empty, object), empty.to_numpy(dtype=object))


def _table() -> Table:
    frame = frame_of({
        "Activity ID": text_array(["A1", "A2", None, "A4"]),
        "Planned": np.array([100, 200, 300, 400], dtype=np.int64),
        "_row": np.array([2, 3, 4, 5], dtype=np.int64),
        "_rejected": np.array([False, True, False, False]),
    })
    return Table(SHEETS["Activities"], frame)


def test_column_reads_the_accepted_rows_once_and_read_only():
    table = _table()
    ids = table.column("Activity ID", object, None)
    assert ids.tolist() == ["A1", None, "A4"]              # row 3 is rejected
    assert table.column("Activity ID", object, None) is ids    # read once
    assert table.column("Planned").tolist() == [100, 300, 400]
    assert table.column("Planned").dtype == np.int64
    nan_blank = table.column("Activity ID", object)
    assert nan_blank is not ids and nan_blank[1] != nan_blank[1]
    with pytest.raises(ValueError):
        ids[0] = "changed"                                # the cache cannot be edited


def test_column_follows_rejections_respellings_and_new_frames():
    table = _table()
    assert table.column("Planned").tolist() == [100, 300, 400]
    table.reject([0], "id-duplicate")
    assert table.column("Planned").tolist() == [300, 400]
    table.replace_column("Activity ID", text_array(["a1", "A2", "A3", "A4"]))
    assert table.column("Activity ID", object, None).tolist() == ["A3", "A4"]
    table.frame = table.frame.assign(Planned=np.array([1, 2, 3, 4], dtype=np.int64))
    assert table.column("Planned").tolist() == [3, 4]
    assert table.rows["Planned"].tolist() == [3, 4]


def test_column_of_dates_is_pandas_datetime64():
    frame = frame_of({"Month": np.array([dt.date(2027, 1, 1)], dtype="datetime64[s]"),
                      "_row": np.array([2], dtype=np.int64),
                      "_rejected": np.array([False])})
    table = Table(SHEETS["Budget"], frame)
    assert table.column("Month").dtype == np.dtype("datetime64[s]")
    assert table.column("Month", "datetime64[D]").tolist() == [dt.date(2027, 1, 1)]
