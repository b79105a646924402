"""The normalise stage's respelling: a reference takes the spelling its ID is defined with,
found once per row."""
import numpy as np

from mom_engine.keys import id_keys
from mom_engine.model import Table, frame_of, text_array
from mom_engine.normalise import _respell
from mom_engine.sheets import SHEETS


class CountedIds(dict):
    """The known IDs (folded → spelled), counting the look-ups made in them."""

    def __init__(self, *args):
        super().__init__(*args)
        self.lookups = 0

    def get(self, key, default=None):
        self.lookups += 1
        return super().get(key, default)


def _budget(ids):
    return Table(SHEETS["Budget"], frame_of({
        "Activity ID": text_array(ids),
        "_row": np.arange(2, 2 + len(ids), dtype=np.int64),
        "_rejected": np.zeros(len(ids), dtype=bool)}))


def test_a_reference_spelled_otherwise_takes_the_defined_spelling_with_one_lookup_a_row():
    table = _budget(["a1 ", "A2", None, "zz"])
    known = CountedIds(dict(zip(id_keys(["A1", "A2"]), ["A1", "A2"], strict=True)))
    current = table.frame["Activity ID"]
    _respell(table, "Activity ID", current, id_keys(current), known)
    assert table.frame["Activity ID"].tolist()[:2] == ["A1", "A2"]
    assert table.frame["Activity ID"].isna().tolist() == [False, False, True, False]
    assert table.frame["Activity ID"].tolist()[3] == "zz"     # unknown: as it was
    assert str(table.frame["Activity ID"].dtype) == "str"
    assert known.lookups == 4                                 # one per row, not two


def test_references_already_spelled_as_defined_leave_the_column_as_it_is():
    table = _budget(["A1", None, "A2"])
    replaced = []
    table.replace_column = lambda *args: replaced.append(args)
    known = CountedIds(dict(zip(id_keys(["A1", "A2"]), ["A1", "A2"], strict=True)))
    current = table.frame["Activity ID"]
    _respell(table, "Activity ID", current, id_keys(current), known)
    assert replaced == []
    assert known.lookups == 3
