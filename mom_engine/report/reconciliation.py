"""The reconciliation workbook (SPEC §12): one sheet per result class, G/L × month, totals.

Rendering only: it takes a `Reconciliation` (data) and writes it through `new_workbook` +
`atomic_path`, so text is never turned into formulas and a crash leaves no half file.
Amounts are written as numbers (cents / 100) with a 2-decimal format; variances and
differences are highlighted by a conditional format, so a user who edits a cell sees the colour
follow.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..domains.reconcile import CLASSES, Reconciliation
from .files import atomic_path, new_workbook, set_up_printing

CLASS_SHEETS = {"matched": "Matched", "amount-mismatch": "Amount Mismatch",
                "workbook-only": "Workbook Only", "erp-only": "ERP Only"}
DOCUMENT_HEADERS = (
    ("document_type", "Type", 9), ("document_no", "Document No", 18),
    ("po_number", "PO Number", 14), ("vendor", "Vendor", 24), ("gl_account", "GL Account", 11),
    ("currency", "Currency", 9), ("workbook_amount", "Workbook Amount", 16),
    ("erp_amount", "ERP Amount", 14), ("difference", "Difference", 13),
    ("workbook_date", "Workbook Date", 13), ("erp_date", "ERP Posting Date", 15),
    ("book", "Book", 28), ("sheet", "Sheet", 15), ("cell", "Cell", 7),
    ("erp_rows", "ERP Rows", 10), ("note", "Note", 36),
)
MONEY_COLUMNS = {"workbook_amount", "erp_amount", "difference", "workbook_spent", "erp_actual",
                 "variance"}
DATE_COLUMNS = {"workbook_date", "erp_date"}
GL_HEADERS = (("currency", "Currency", 9), ("gl_account", "GL Account", 12),
              ("month", "Month", 9), ("quarter", "Fiscal Quarter", 14),
              ("workbook_spent", "Workbook Spent", 16), ("erp_actual", "ERP Actual", 14),
              ("variance", "Variance", 13))


def _cell_value(column: str, value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if column in MONEY_COLUMNS:
        return int(value) / 100
    if column in DATE_COLUMNS:
        if pd.isna(value):
            return None
        return pd.Timestamp(value).to_pydatetime()
    if isinstance(value, (np.integer,)):
        return int(value)
    return value if not pd.isna(value) else None


def write_reconciliation(path: str | Path, result: Reconciliation) -> Path:
    """Write the reconciliation workbook atomically; returns the path."""
    path = Path(path)
    with atomic_path(path) as temporary:
        workbook = new_workbook(temporary)
        formats = {
            "header": workbook.add_format({"bold": True, "bg_color": "#1F4E78",
                                           "font_color": "#FFFFFF", "border": 1,
                                           "text_wrap": True, "valign": "top"}),
            "money": workbook.add_format({"num_format": "#,##0.00;[Red]-#,##0.00"}),
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "bold_money": workbook.add_format({"num_format": "#,##0.00;[Red]-#,##0.00",
                                               "bold": True, "top": 1}),
            "bold": workbook.add_format({"bold": True, "top": 1}),
            "flag": workbook.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"}),
            "title": workbook.add_format({"bold": True, "font_size": 14}),
        }
        _write_summary(workbook, result, formats)
        for name in CLASSES:
            _write_table(workbook, CLASS_SHEETS[name], result.records(name), DOCUMENT_HEADERS, formats,
                         highlight="difference")
        _write_table(workbook, "GL by Month", result.gl_months.to_dict("records"), GL_HEADERS, formats,
                     highlight="variance", total_from=4)
        set_up_printing(workbook, "MOM reconciliation")
        workbook.close()
    return path


def _write_summary(workbook, result: Reconciliation, formats: dict) -> None:
    sheet = workbook.add_worksheet("Summary")
    sheet.write(0, 0, "Reconciliation", formats["title"])
    sheet.write(1, 0, "Ledger")
    sheet.write(1, 1, result.ledger)
    sheet.write(2, 0, "Workbooks")
    sheet.write(2, 1, ", ".join(result.books))
    headers = ("Result", "Documents", "Workbook Amount", "ERP Amount")
    for column, text in enumerate(headers):
        sheet.write(4, column, text, formats["header"])
    summary = result.summary
    for offset, name in enumerate(CLASSES, start=5):
        sheet.write(offset, 0, name)
        sheet.write_number(offset, 1, summary[name]["count"])
        sheet.write_number(offset, 2, summary[name]["workbook_amount"] / 100, formats["money"])
        sheet.write_number(offset, 3, summary[name]["erp_amount"] / 100, formats["money"])
    totals = result.totals
    row = 5 + len(CLASSES) + 1
    for column, text in enumerate(("G/L × month", "Workbook Spent", "ERP Actual", "Variance")):
        sheet.write(row, column, text, formats["header"])
    sheet.write(row + 1, 0, "Total (all currencies as posted)")
    for column, key in enumerate(("workbook_spent", "erp_actual", "variance"), start=1):
        sheet.write_number(row + 1, column, totals[key] / 100, formats["money"])
    sheet.conditional_format(row + 1, 3, row + 1, 3, {
        "type": "cell", "criteria": "not between", "minimum": -0.01, "maximum": 0.01,
        "format": formats["flag"]})
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 3, 18)
    sheet.freeze_panes(5, 0)


def _write_table(workbook, title: str, records: list[dict], headers, formats: dict, *,
                 highlight: str, total_from: int | None = None) -> None:
    sheet = workbook.add_worksheet(title)
    for column, (_, text, width) in enumerate(headers):
        sheet.write(0, column, text, formats["header"])
        key = headers[column][0]
        style = formats["money"] if key in MONEY_COLUMNS else (
            formats["date"] if key in DATE_COLUMNS else None)
        sheet.set_column(column, column, width, style)
    for row, record in enumerate(records, start=1):
        for column, (key, _, _) in enumerate(headers):
            value = _cell_value(key, record.get(key))
            if value is None:
                continue
            if key in MONEY_COLUMNS:
                sheet.write_number(row, column, value, formats["money"])
            elif key in DATE_COLUMNS:
                sheet.write_datetime(row, column, value, formats["date"])
            else:
                sheet.write(row, column, value)
    last = len(records)
    keys = [h[0] for h in headers]
    if last:
        column = keys.index(highlight)
        sheet.conditional_format(1, column, last, column, {
            "type": "cell", "criteria": "not between", "minimum": -0.01, "maximum": 0.01,
            "format": formats["flag"]})
        sheet.autofilter(0, 0, last, len(headers) - 1)
    if total_from is not None:
        total_row = last + 1
        sheet.write(total_row, 0, "Total", formats["bold"])
        for column in range(total_from, len(headers)):
            key = keys[column]
            value = sum(int(r[key]) for r in records) / 100
            sheet.write_number(total_row, column, value, formats["bold_money"])
    sheet.freeze_panes(1, 0)
