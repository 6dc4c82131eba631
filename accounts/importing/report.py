"""The error report of an import run: one row per fault, with the original values."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet

from accounts.models import ImportRowError, ImportRun
from portal.exports import csv_pieces, csv_text, xlsx_bytes

REPORT_HEADER = ["行号 line", "列 column", "错误代码 code", "说明 message"]
#: over the original values of a run from before its file's header was kept
VALUES_TITLE = "原始数据 original values →"
#: openpyxl writes about 10,000 report rows a second, all within one web request (which a
#: sync gunicorn worker may hold for 30 s); past this many faults the report is offered as
#: CSV only, which Excel opens as well.
XLSX_MAX_FAULTS = 100_000
CSV_ROWS_PER_PIECE = 5000  # rows in each piece of a streamed CSV report


def run_faults(run: ImportRun, regions=None) -> QuerySet[ImportRowError]:
    """Return the faults of ``run`` in report order: all, or those of rows in ``regions``."""
    faults = run.errors.order_by("line", "id")
    if regions is not None:
        faults = faults.filter(region__in=sorted(regions))
    return faults


def report_rows(faults: QuerySet[ImportRowError]):
    """Yield the report's rows: line, column, code, message, then the original values."""
    for error in faults.iterator(chunk_size=5000):
        yield [error.line, error.column, error.code, error.message, *error.values]


def report_header(run: ImportRun) -> list[str]:
    """Return the report's header: the fault's four columns, then the file's own header.

    The original values follow in the file's order under its own titles, so a
    caseworker can mend them in the report and import those rows again.
    """
    return REPORT_HEADER + (run.header or [VALUES_TITLE])


def value_in_column(run: ImportRun, fault: ImportRowError) -> str:
    """Return the value the faulty row has in the fault's column, as the file has it ("" if
    the fault names no column of the file's header)."""
    if fault.column not in run.header:
        return ""
    position = run.header.index(fault.column)  # the first such column: the one read
    return fault.values[position] if position < len(fault.values) else ""


def write_report_csv(run: ImportRun, stream) -> int:
    """Write the whole report of ``run`` as CSV to a text stream; return how many faults."""
    count = 0
    for text, rows in _csv_pieces(run, run_faults(run)):
        stream.write(text)
        count += rows
    return count


def report_csv_chunks(run: ImportRun, faults: QuerySet[ImportRowError]) -> Iterator[bytes]:
    """Yield the report as UTF-8 CSV with a BOM (for Excel), a few thousand rows at a time."""
    yield "\ufeff".encode()
    for text, _rows in _csv_pieces(run, faults):
        yield text.encode("utf-8")


def _csv_pieces(run: ImportRun, faults: QuerySet[ImportRowError]) -> Iterator[tuple[str, int]]:
    """Yield the report's CSV text in pieces, each with how many faults it holds."""
    rows = ([csv_text(v) for v in row] for row in report_rows(faults))
    return csv_pieces([csv_text(v) for v in report_header(run)], rows, CSV_ROWS_PER_PIECE)


def report_xlsx(run: ImportRun, faults: QuerySet[ImportRowError]) -> bytes:
    """Return the report as an XLSX workbook."""
    return xlsx_bytes("导入错误", report_header(run), report_rows(faults))
