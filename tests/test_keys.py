"""How IDs match (SPEC §3 "IDs"): every way of keying a column gives `id_key` of each value;
a text column read out as values means what pandas reads out."""
import numpy as np
import pandas as pd
import pytest

from mom_engine.keys import id_key, id_keys
from mom_engine.model import text_array

VALUES = ["ACT-001", " act-001 ", "Straße", "STRASSE", "İstanbul", "\x1cA1\x1f", "", "   ",
          None, "Ǆemal", "x\u00a0"]


def test_an_id_key_is_the_text_trimmed_and_case_folded():
    assert [id_key(v) for v in VALUES] == [
        "act-001", "act-001", "strasse", "strasse", "i̇stanbul", "a1", "", "", None, "ǆemal",
        "x"]
    assert [id_key(v) for v in (pd.NA, float("nan"), 4500012345, 12.5)] == \
        [None, None, "4500012345", "12.5"]


@pytest.mark.parametrize("container", [
    list, lambda v: np.array(v, dtype=object), lambda v: pd.Series(text_array(v)),
    lambda v: text_array(v), lambda v: pd.Series(v, dtype="string"),
    lambda v: pd.Series(v, dtype="string[pyarrow]"), lambda v: pd.Index(text_array(v)),
    lambda v: pd.Series(v, dtype=object)])
def test_a_column_of_ids_is_keyed_as_each_id_alone(container):
    assert id_keys(container(VALUES)) == [id_key(v) for v in VALUES]
    assert id_keys(container(["A", "b "])) == ["a", "b"]


def test_ids_that_are_not_text_are_keyed_as_their_text():
    mixed = [4500012345, 12.5, None, float("nan"), "PO-1", pd.NA]
    assert id_keys(mixed) == ["4500012345", "12.5", None, None, "po-1", None]
    assert id_keys(np.array(mixed, dtype=object)) == id_keys(mixed)
    assert id_keys(pd.Series([1.0, np.nan])) == ["1.0", None]


@pytest.mark.parametrize("column", [
    pd.Series(text_array(VALUES)), pd.Series(text_array(["a", "b"])), pd.Series(text_array([])),
    pd.Series(VALUES, dtype="string"), pd.Series(VALUES, dtype=object),
    pd.Series([1.5, None]), pd.Series(text_array(VALUES))[[0, 8, 2]]])
def test_a_text_column_reads_out_as_its_values_with_none_for_blanks(column):
    from mom_engine.model import text_values
    ours, theirs = text_values(column), column.to_numpy(dtype=object, na_value=None)
    assert ours.dtype == theirs.dtype == object
    assert [(type(v), v) for v in ours] == [(type(v), v) for v in theirs]
