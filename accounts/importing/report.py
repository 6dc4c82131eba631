"""What an import run refused: the error report (a row per fault, with the row's original values)
and the faulty rows to mend (a row per faulty row, to import again once mended)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby
from operator import attrgetter

from django.db.models import QuerySet

from accounts.models import ImportRowError, ImportRun
from portal.exports import csv_for_excel, csv_pieces, xlsx_bytes

from .vocabulary import MEND_TITLE

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
        yield [error.line, error.column, error.code, error.shown_message, *error.values]


def report_header(run: ImportRun) -> list[str]:
    """Return the report's header: the fault's four columns, then the file's own header.

    The original values follow in the file's order, under its own titles.
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
    pieces = csv_pieces(report_header(run), report_rows(run_faults(run)), CSV_ROWS_PER_PIECE)
    for text, rows in pieces:
        stream.write(text)
        count += rows
    return count


def report_csv_chunks(run: ImportRun, faults: QuerySet[ImportRowError]) -> Iterator[bytes]:
    """Yield the report as UTF-8 CSV with a BOM (for Excel), a few thousand rows at a time."""
    return csv_for_excel(report_header(run), report_rows(faults), CSV_ROWS_PER_PIECE)


def report_xlsx(run: ImportRun, faults: QuerySet[ImportRowError]) -> bytes:
    """Return the report as an XLSX workbook."""
    return xlsx_bytes("导入错误", report_header(run), report_rows(faults))


def rows_to_mend(run: ImportRun, faults: QuerySet[ImportRowError]) -> Iterator[list[str]]:
    """Yield each faulty row once, as the file has it, then what is wrong with it.

    The values sit under the file's own header, in its order (a row is cut or
    padded to the header's width), and the last cell names each fault.
    """
    width = len(run.header)
    for _line, group in groupby(faults.iterator(chunk_size=5000), key=attrgetter("line")):
        group = list(group)
        values = [str(v) for v in group[0].values[:width]]
        values += [""] * (width - len(values))
        said = "；".join(
            f"{f.column}：{f.shown_message}" if f.column else f.shown_message for f in group
        )
        yield [*values, said]


def rows_to_mend_xlsx(run: ImportRun, faults: QuerySet[ImportRowError]) -> bytes:
    """Return the faulty rows as a file to mend and import again (see ``rows_to_mend``).

    XLSX, with every value a text cell as the file had it: identity numbers
    keep all their digits, and no apostrophe is added before a value such as
    +8613912345678, which would then be refused. The importer reads past the
    last column in silence.
    """
    return xlsx_bytes(
        "待修改的行", [*run.header, MEND_TITLE], rows_to_mend(run, faults), as_typed=True
    )
