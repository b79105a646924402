"""`keys.text_groups`: the distinct values as text, sorted, and each value's group — exactly
`np.unique(values.astype(str), return_inverse=True)`, whatever the values. `keys.first_positions`
and `first_rows`: the first row per ID."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import pandas as pd

from mom_engine.keys import first_positions, first_rows, id_keys, text_groups

VALUE = st.sampled_from(["C1", "c1", "C1 ", "é", "中", "", "a\x00", "a", "10", "9", "1",
                         1, 1.0, True, 0, False, 2.5])


def as_unique(values: list) -> tuple[np.ndarray, np.ndarray]:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    labels, inverse = np.unique(array.astype(str), return_inverse=True)
    return labels, inverse.reshape(-1)


def groups_of(values: list) -> tuple[np.ndarray, np.ndarray]:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return text_groups(array)


def test_values_equal_to_each_other_but_not_as_text_are_groups_of_their_own():
    """1, 1.0 and True are one value to hash but the texts '1', '1.0' and 'True'."""
    labels, groups = groups_of([1, True, 1.0, "C1"])
    assert labels.tolist() == ["1", "1.0", "C1", "True"]
    assert groups.tolist() == [0, 3, 1, 2]


@settings(max_examples=300, deadline=None)
@given(st.lists(VALUE, max_size=20))
def test_text_groups_are_numpys_unique_of_the_values_as_text(values):
    labels, groups = groups_of(values)
    expected_labels, expected_groups = as_unique(values)
    assert labels.dtype == expected_labels.dtype
    assert labels.tolist() == expected_labels.tolist()
    assert groups.tolist() == expected_groups.tolist()


def test_first_positions_give_each_key_its_first_row_in_order_of_appearance():
    ids = ["C2", "C1", "C2", None, "C3", np.nan, pd.NA, "C1"]
    assert list(first_positions(ids).items()) == [("C2", 0), ("C1", 1), ("C3", 4)]
    rows = first_rows(ids)
    assert rows.dtype == np.int64 and rows.tolist() == [0, 1, 4]


def test_first_positions_match_exactly_unless_given_keys():
    ids = ["C1", " c1", "c1"]
    assert first_positions(ids) == {"C1": 0, " c1": 1, "c1": 2}
    assert first_positions(id_keys(ids)) == {"c1": 0}
    assert first_rows([]).tolist() == [] and first_positions(np.array([], dtype=object)) == {}
