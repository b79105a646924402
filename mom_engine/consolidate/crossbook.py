"""Cross-book checks (SPEC §11): `duplicate-plan`, `duplicate-po`, `quota-conflict`.

Keys are compared trimmed and case-insensitively; the quarter is each book's own label. The
first book in input order owns a key and each later book carrying it gets the finding at its own
cell — whatever order the workers finish in, so a pool and a Dask cluster agree. Duplicates
inside one book are the reader's `id-duplicate`, not `duplicate-po`.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..findings import Finding, make_finding
from .results import BookResult


@dataclass(frozen=True)
class CrossBookKeys:
    """The few keys of one book that cross-book checks compare (SPEC §11)."""

    index: int
    name: str
    plan_id: str | None
    plan_cell: str | None
    plan_sheet: str
    po_numbers: list[tuple[str, str | None, str]]
    quotas: list[tuple[str, str, int, str | None, str]]

    @classmethod
    def of(cls, result: BookResult) -> CrossBookKeys:
        return cls(result.index, result.name, result.plan_id, result.plan_cell,
                   result.plan_sheet, result.po_numbers, result.quotas)


class CrossBookChecks:
    """Owners of every key seen so far, and the findings for the books that repeat one."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.plans: dict[str, tuple[str, str | None, str]] = {}
        self.po_owner: dict[str, tuple[str, str | None]] = {}
        self.quota_owner: dict[tuple[str, str], tuple[int, str, str | None]] = {}

    def check(self, keys: list[CrossBookKeys]) -> list[Finding]:
        """The findings for these books, checked in file order whatever order they arrived in:
        the first book (by input order) owns a key and every later book carrying it gets the
        finding."""
        for book in sorted(keys, key=lambda k: k.index):
            self.check_plan(book)
            self.check_pos(book)
            self.check_quotas(book)
        found, self.findings = self.findings, []
        return found

    def check_plan(self, result: CrossBookKeys) -> None:
        if not result.plan_id:
            return
        key = result.plan_id.strip().casefold()
        first = self.plans.get(key)
        if first is None:
            self.plans[key] = (result.name, result.plan_cell, result.plan_sheet)
            return
        self.findings.append(make_finding(
            "duplicate-plan", f"Plan ID '{result.plan_id}' is also the plan of {first[0]}; "
                              "each plan must be in one workbook — give this one its own Plan "
                              "ID or leave the copy out", book=result.name,
            sheet=result.plan_sheet, cell=result.plan_cell, column="Plan ID",
            row=_row_of(result.plan_cell), value=result.plan_id))

    def check_pos(self, result: CrossBookKeys) -> None:
        seen_here: set[str] = set()
        for po, cell, title in result.po_numbers:
            key = po.casefold()
            first = self.po_owner.get(key)
            if first is None:
                self.po_owner[key] = (result.name, cell)
            elif first[0] != result.name and key not in seen_here:
                self.findings.append(make_finding(
                    "duplicate-po", f"PO Number '{po}' is also in {first[0]} ({first[1]}); a PO "
                                    "belongs to one plan — remove the copy or correct the number",
                    book=result.name, sheet=title, cell=cell, column="PO Number",
                    row=_row_of(cell), value=po))
            seen_here.add(key)

    def check_quotas(self, result: CrossBookKeys) -> None:
        for rep, quarter, amount, cell, title in result.quotas:
            key = (rep.casefold(), quarter)
            first = self.quota_owner.get(key)
            if first is None:
                self.quota_owner[key] = (amount, result.name, cell)
            elif first[0] != amount and first[1] != result.name:
                self.findings.append(make_finding(
                    "quota-conflict", f"{rep}'s quota for {quarter} is {amount / 100:,.2f} here "
                                      f"but {first[0] / 100:,.2f} in {first[1]} ({first[2]}); "
                                      "agree one quota and use it in both",
                    book=result.name, sheet=title, cell=cell, column="Quota",
                    row=_row_of(cell), value=amount / 100))


def _row_of(cell: str | None) -> int | None:
    digits = "".join(ch for ch in cell or "" if ch.isdigit())
    return int(digits) if digits else None
