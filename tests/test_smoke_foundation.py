from mom_engine.analyze import analyze_book

from .conftest import located


def test_small_valid_book_has_no_findings(make_book):
    analysis = analyze_book(make_book())
    assert located(analysis.findings) == []
    budget = analysis.book.rows("Budget")
    assert budget["Budgeted"].tolist() == [100000]
    assert budget["_row"].tolist() == [2]
