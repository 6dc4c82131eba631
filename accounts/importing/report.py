"""What an import run refused: the error report (a row per fault, with the row's original values)
and the faulty rows to mend (a row per faulty row, to import again once mended)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby
from operator import attrgetter

from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import ImportRowError, ImportRun
from portal.exports import csv_for_excel, csv_pieces, xlsx_bytes

from .records import OTHER_REGION
from .vocabulary import MEND_TITLE

REPORT_HEADER = ["行号 line", "列 column", "错误代码 code", "说明 message"]
#: over the original values of a run from before its file's header was kept
VALUES_TITLE = "原始数据 original values →"
#: openpyxl writes about 10,000 report rows a second, all within one web request (which a
#: sync gunicorn worker may hold for 30 s); past this many faults the report is offered as
#: CSV only, which Excel opens as well.
XLSX_MAX_FAULTS = 100_000
CSV_ROWS_PER_PIECE = 5000  # rows in each piece of a streamed CSV report


#: what each fault code is, as the run's page names it beside its count (a code not here
#: is shown as it is)
FAULT_LABELS = {
    "bad_checksum": _("identity number not valid"),
    "saved_as_number": _("identity number saved as a number"),
    "masked_number": _("identity number masked"),
    "bad_length": _("identity number of a wrong length"),
    "bad_characters": _("identity number with other characters"),
    "unknown_province": _("identity number of no province"),
    "bad_birth_date": _("birth date in the number not real"),
    "duplicate_in_file": _("identity number twice in the file"),
    "missing_name": _("name missing"),
    "name_too_long": _("name too long"),
    "bad_name": _("name not valid"),
    "bad_insurance_type": _("insurance type not known"),
    "unknown_region": _("region code not known"),
    OTHER_REGION: _("row of another region"),
    "bad_date": _("date not valid"),
    "future_date": _("date in the future"),
    "bad_status": _("enrolment status not known"),
    "deceased_not_revived": _("deceased person not revived"),
    "bad_phone": _("mobile number not valid"),
    "bad_amount": _("amount not valid"),
    "negative_amount": _("amount negative"),
    "amount_too_large": _("amount too large"),
    "too_many_decimals": _("amount with more than two decimals"),
    "balance_for_resident": _("balance for a resident-insured person"),
    "totals_row": _("totals row"),
    "footer_row": _("footer line"),
    "unclosed_quote": _("quote never closed"),
    "value_too_long": _("value too long"),
}


def fault_label(code: str) -> str:
    """Return what the fault ``code`` is, in the reader's language (the code if unknown)."""
    return str(FAULT_LABELS.get(code, code))


def run_faults(run: ImportRun, regions=None, code: str = "") -> QuerySet[ImportRowError]:
    """Return the faults of ``run`` in report order: those of rows in ``regions`` (None:
    every region), and those of ``code`` only if given.

    Without a ``code``, the rows of other regions (``OTHER_REGION``) are left out: they
    are not the file's faults to mend, but rows left for those regions' caseworkers.
    """
    faults = run.errors.order_by("line", "id")
    if regions is not None:
        faults = faults.filter(region__in=sorted(regions))
    return faults.filter(code=code) if code else faults.exclude(code=OTHER_REGION)


def faults_by_code(run: ImportRun, regions=None) -> list[tuple[str, str, int]]:
    """Return (code, what it is, faults) of each fault code of ``run`` in ``regions``, the
    most frequent first, the rows of other regions last."""
    faults = run.errors.all()
    if regions is not None:
        faults = faults.filter(region__in=sorted(regions))
    counts = faults.values_list("code").annotate(n=Count("id")).order_by()
    ordered = sorted(counts, key=lambda c: (c[0] == OTHER_REGION, -c[1], c[0]))
    return [(code, fault_label(code), n) for code, n in ordered]


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
