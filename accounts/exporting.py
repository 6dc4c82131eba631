"""Exports of insured persons for spreadsheets: CSV streamed at any size, XLSX up to a limit.

django-import-export builds a whole export in memory, an object and a
dataset row per person: 15 s and 265 MB for 125,000 persons as CSV, 34 s and
630 MB as XLSX. A pooling region holds millions. Here the rows come from the
database as plain values, a few thousand at a time: the CSV is streamed as it
is read, and the XLSX is written by openpyxl's write-only mode, offered up to
``XLSX_MAX_ROWS`` (one web request; past that the CSV, which Excel opens too).
Formula-like text is made inert in both (``portal.exports.safe_cell``).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet

from portal.exports import csv_for_excel, xlsx_bytes

from .choices import InsuranceType, PersonStatus, Sex

#: (header, lookup, choices) of each column, in order; a choice is written as its label
COLUMNS = (
    ("身份证号", "national_id", None),
    ("姓名", "name", None),
    ("性别", "sex", Sex),
    ("出生日期", "birth_date", None),
    ("参保类型", "insurance_type", InsuranceType),
    ("统筹区编码", "region_id", None),
    ("参保日期", "enrolled_on", None),
    ("参保状态", "status", PersonStatus),
    ("手机号", "mobile", None),
    ("个人账户余额", "account__balance", None),  # the employee-insured's only
)
HEADERS = [header for header, _lookup, _choices in COLUMNS]
#: openpyxl writes about 10,000 rows a second, within one web request
XLSX_MAX_ROWS = 100_000
ROWS_PER_FETCH = 5000
CSV_ROWS_PER_PIECE = 5000


def person_rows(queryset: QuerySet) -> Iterator[list]:
    """Yield each person of ``queryset`` as the export's values (dates and amounts typed).

    The balance is given for the employee-insured only, who hold the personal account.
    """
    lookups = [lookup for _header, lookup, _choices in COLUMNS]
    labels = [
        None if choices is None else {value: str(label) for value, label in choices.choices}
        for _header, _lookup, choices in COLUMNS
    ]
    insurance, balance = lookups.index("insurance_type"), lookups.index("account__balance")
    employee = InsuranceType.EMPLOYEE.value
    for row in queryset.values_list(*lookups).iterator(chunk_size=ROWS_PER_FETCH):
        out = [v if names is None else names[v] for names, v in zip(labels, row, strict=True)]
        if row[insurance] != employee:
            out[balance] = None
        yield out


def persons_csv(queryset: QuerySet) -> Iterator[bytes]:
    """Yield the persons as UTF-8 CSV with a BOM (for Excel), a few thousand rows at a time.

    The identity number comes in Excel's text form, ="370102…" (``portal.exports.csv_text``).
    """
    return csv_for_excel(HEADERS, person_rows(queryset), CSV_ROWS_PER_PIECE)


def persons_xlsx(queryset: QuerySet) -> bytes:
    """Return the persons as an XLSX workbook."""
    return xlsx_bytes("参保人", HEADERS, person_rows(queryset))
