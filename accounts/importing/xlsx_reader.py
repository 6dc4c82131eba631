"""Read an XLSX enrollment file as chunks of numbered rows, by calamine or streamed.

calamine reads a workbook whole when every sheet fits in memory (``xlsx_calamine``), four
to six times faster; a larger one is streamed by openpyxl (``xlsx_stream``).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.messages import Message

from .source import Chunk, Source, UnreadableFile
from .xlsx_calamine import whole_sheet, whole_workbook, xls_workbook
from .xlsx_sheets import cell
from .xlsx_stream import streamed_sheet


def open_xlsx(path: Path, name: str) -> Source:
    """Open a workbook: read whole by calamine if every sheet fits in memory, else streamed."""
    whole = whole_workbook(path)
    opened = None if whole is None else whole_sheet(*whole)
    if opened is None:
        opened = streamed_sheet(path)
    return _sheet_source(opened, name, "xlsx")


def open_xls(path: Path, name: str) -> Source:
    """Open an Excel 97–2003 workbook (.xls, BIFF), read whole by calamine.

    Such a sheet holds at most 65,536 rows of 256 columns: it always fits in memory.
    """
    opened = None
    whole = xls_workbook(path)
    if whole is not None:
        opened = whole_sheet(*whole)
    if opened is None:
        raise UnreadableFile(
            _(
                "This is an Excel 97–2003 (.xls) file that cannot be read (it may be damaged, "
                "protected by a password, or not a workbook at all): open it in Excel and "
                "save it as .xlsx or as CSV."
            )
        )
    return _sheet_source(opened, name, "xls")


def _sheet_source(opened: tuple, name: str, kind: str) -> Source:
    """Return the source of a sheet opened by calamine or openpyxl (``whole_sheet``)."""
    sheet, header_line, notes, total, values, close = opened
    values = _sheet_rows(islice(values, header_line - 1, None), header_line)
    done = {"row": header_line}
    try:
        header = _texts(next(values)[1])
    except StopIteration:
        close()
        raise UnreadableFile(_("The file has no readable header row.")) from None
    except UnreadableFile:
        close()
        raise

    def chunks(size: int) -> Iterator[Chunk]:
        lines: list[int] = []
        rows: list[list[str]] = []
        try:
            for number, row in values:
                done["row"] = number
                cells = _texts(row)
                if any(c.strip() for c in cells):
                    lines.append(number)
                    rows.append(cells)
                    if len(rows) >= size:
                        yield lines, rows
                        lines, rows = [], []
            if rows:
                yield lines, rows
        except UnreadableFile:
            if rows:  # the rows before the damage are imported, as a CSV's before bad bytes
                yield lines, rows
            raise
        finally:
            close()

    def fraction() -> float:
        return min(done["row"] / total, 1.0) if total else 0.0

    source = Source(name, kind, header, chunks, kind, fraction, close, header_line)
    source.notes = notes
    return source


def _sheet_rows(values: Iterator, first: int) -> Iterator[tuple[int, Any]]:
    """Yield each row of a sheet with its number, from ``first`` on.

    A row that openpyxl's parser cannot read (a damaged sheet: broken XML, a part cut
    short, a value of the wrong kind) ends the rows with ``UnreadableFile``, which names
    the last row read; the import keeps the rows before it.
    """
    number = first - 1
    while True:
        try:
            row = next(values)
        except StopIteration:
            return
        except UnreadableFile:
            raise
        except Exception as error:  # whatever the parser raises on a damaged sheet
            raise UnreadableFile(
                Message(
                    _(
                        "The workbook is damaged: its sheet cannot be read after row %(row)s. "
                        "Open it in Excel, save it again, and upload it again."
                    ),
                    {"row": f"{number:,}"},
                )
            ) from error
        number += 1
        yield number, row


def _texts(row) -> list[str]:
    """Return a sheet's row as text, without the empty cells after its last value.

    calamine gives every row the sheet's width, openpyxl (which may not trust the width a
    sheet claims) only the cells up to the row's last: both give the same.
    """
    cells = [cell(v) for v in row]
    while cells and not cells[-1]:
        cells.pop()
    return cells
