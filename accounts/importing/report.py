"""The error report of an import run: one row per fault, with the original values."""

from __future__ import annotations

import csv

from accounts.models import ImportRun
from portal.exports import safe_cell

REPORT_HEADER = ["行号 line", "列 column", "错误代码 code", "说明 message"]


def report_rows(run: ImportRun):
    """Yield the report's rows: line, column, code, message, then the original values."""
    for error in run.errors.order_by("line", "id").iterator(chunk_size=5000):
        yield [error.line, error.column, error.code, error.message, *error.values]


def write_report_csv(run: ImportRun, stream) -> int:
    """Write the report as CSV to a text stream; return the number of faults written."""
    writer = csv.writer(stream)
    writer.writerow(REPORT_HEADER + ["原始数据 original values →"])
    count = 0
    for row in report_rows(run):
        writer.writerow([safe_cell("" if v is None else str(v)) for v in row])
        count += 1
    return count


def report_xlsx(run: ImportRun) -> bytes:
    """Return the report as an XLSX workbook (streamed row by row in write-only mode)."""
    import io

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("导入错误")
    sheet.append(REPORT_HEADER + ["原始数据 original values →"])
    for row in report_rows(run):
        sheet.append([safe_cell(v) if isinstance(v, str) else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
