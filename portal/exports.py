"""Export formats for spreadsheets: CSV with a BOM for Excel, and XLSX; formulae never run.

A cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return) is prefixed with an apostrophe, so Excel and WPS show it as text
instead of running it (CSV injection). Every admin export uses these.

In CSV, a number of 12 digits or more (an identity number) is written in
Excel's text form, ="370102…": Excel would show it as 3.70102E+17 and, once
the sheet is saved, keep only its first 15 digits. The enrollment import reads
that form back as the plain number. Only digits go in it, so it runs nothing.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from decimal import Decimal
from itertools import chain, islice

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from import_export.formats import base_formats
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Return ``value`` unchanged unless it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(content, name: str) -> HttpResponse:
    """Return ``content`` as a file to save, named ``name`` (Chinese names kept, RFC 6266).

    ``content`` is the whole file (bytes or text), or an iterator of pieces to stream;
    its type follows the name's extension: CSV or XLSX.
    """
    kind = "text/csv; charset=utf-8" if name.endswith(".csv") else XLSX_TYPE
    whole = isinstance(content, (bytes, str))
    response = (HttpResponse if whole else StreamingHttpResponse)(content, content_type=kind)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


#: more digits than Excel shows in full (see above); with the X an identity number may end
#: in, so that a column of identity numbers is written alike
_LONG_NUMBER = re.compile(r"[0-9]{12,}X?")


def csv_text(value) -> str:
    """Return ``value`` as a CSV cell: "" for None, amounts with two decimals, text inert,
    long numbers kept as text for Excel."""
    if value is None:
        return ""
    if isinstance(value, str):
        return f'="{value}"' if _LONG_NUMBER.fullmatch(value) else safe_cell(value)
    return f"{value:.2f}" if isinstance(value, Decimal) else str(value)


def csv_pieces(
    header: list, rows: Iterable[list], rows_per_piece: int
) -> Iterator[tuple[str, int]]:
    """Yield ``header`` and ``rows`` as CSV text in pieces, each with its row count.

    Each cell is written by ``csv_text``. Memory holds one piece, whatever the
    number of rows.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_text(v) for v in header])
    count = 0
    for row in rows:
        writer.writerow([csv_text(v) for v in row])
        count += 1
        if count == rows_per_piece:
            yield buffer.getvalue(), count
            buffer.seek(0)
            buffer.truncate()
            count = 0
    yield buffer.getvalue(), count


def csv_for_excel(header: list, rows: Iterable[list], rows_per_piece: int) -> Iterator[bytes]:
    """Yield ``header`` and ``rows`` as UTF-8 CSV with a BOM (which Excel needs to show
    Chinese), in pieces of ``rows_per_piece`` rows: a download to stream."""
    yield "\ufeff".encode()
    for text, _count in csv_pieces(header, rows, rows_per_piece):
        yield text.encode("utf-8")


#: What a sheet can hold: columns in a row, and characters in a cell (Excel's limits).
XLSX_MAX_COLUMNS = 16_384
XLSX_MAX_TEXT = 32_767


def xlsx_bytes(title: str, header: list[str], rows: Iterable[list], *, as_typed=False) -> bytes:
    """Return ``header`` and ``rows`` as a one-sheet XLSX workbook, formula-like text inert.

    Written row by row in openpyxl's write-only mode (about 10,000 rows a second).
    Amounts (``Decimal``) are shown in yuan with two decimals: 11,361.30. With
    ``as_typed``, text is kept exactly as given, with no apostrophe before a
    formula-like value: every text cell is stored as a string, which a
    spreadsheet shows and never runs, and which reads back unchanged.

    A row past ``XLSX_MAX_COLUMNS`` cells, or a text past ``XLSX_MAX_TEXT`` characters
    (a refused line of a file that was no enrollment extract), is cut there: openpyxl
    refuses the one, and Excel says the file is damaged for the other.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    header = header[:XLSX_MAX_COLUMNS]
    # Widths as the header and the first rows need them (a streamed sheet is written once:
    # the rest are not looked at), the header frozen, and a filter on every column.
    rows = iter(rows)
    first = list(islice(rows, WIDTH_SAMPLE_ROWS))
    for position, width in enumerate(_widths(header, first), start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_xlsx_text(title[: XLSX_MAX_TEXT - 1]) for title in header])

    def cell(value):
        if isinstance(value, Decimal):
            amount = WriteOnlyCell(sheet, value=value)
            amount.number_format = "#,##0.00"
            return amount
        if isinstance(value, str):
            value = value[: XLSX_MAX_TEXT - 1]  # with room for the apostrophe of safe_cell
            if as_typed:
                text = WriteOnlyCell(sheet, value=_shown_controls(value))
                text.data_type = "s"  # openpyxl would make "=…" a formula
                return text
        return _xlsx_text(value)

    written = 0
    for row in chain(first, rows):
        sheet.append([cell(v) for v in row[:XLSX_MAX_COLUMNS]])
        written += 1
    if header:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{written + 1}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


#: the rows whose values size the columns of an XLSX file; the widest a column is made
WIDTH_SAMPLE_ROWS = 200
WIDTH_MAX = 60


def _widths(header: list[str], rows: list[list]) -> list[float]:
    """Return each column's width in characters: its widest value among ``header`` and
    ``rows``, a Chinese character counting two, plus room for the filter's button."""

    def shown(value) -> int:
        text = f"{value:,.2f}" if isinstance(value, Decimal) else str(value or "")
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text[:100])

    widths = []
    for position, title in enumerate(header):
        values = [row[position] for row in rows if position < len(row)]
        widths.append(min(max(map(shown, [title, *values])) + 4, WIDTH_MAX))
    return widths


def _xlsx_text(value):
    """Return ``value`` as an XLSX cell takes it: formula-like text inert, and each control
    character XLSX cannot hold shown as its picture (U+0001 → ␁), as a refused row may hold."""
    value = safe_cell(value)
    return _shown_controls(value) if isinstance(value, str) else value


def _shown_controls(text: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub(lambda m: chr(0x2400 + ord(m.group())), text)


#: the formats the person list's export page offers; ``accounts.exporting`` writes the files
#: itself, with the helpers above (django-import-export's writers are not used)
EXPORT_FORMATS = [base_formats.CSV, base_formats.XLSX]
