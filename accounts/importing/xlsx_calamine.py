"""Read a workbook whole with calamine (Rust) when every sheet fits in memory.

The sheets' XML is scanned first: a workbook too large, or with cells calamine would
misread, is left to ``xlsx_stream``.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from itertools import chain, islice
from pathlib import Path

from .headers import Columns
from .source import HEADER_SEARCH_ROWS, closed_once
from .xlsx_sheets import cell, data_sheet

#: A workbook whose every sheet fits in this much memory is read by calamine (Rust), four to
#: six times faster than openpyxl's streaming reader; a larger one is streamed. The bound is
#: kept low: a worker that has run large imports already holds more than a fresh process.
IN_MEMORY_BYTES = 128 * 2**20
#: What calamine holds for a cell, besides the cell's text (measured: 75 MB for a sheet of
#: 100,000 rows of 8 cells whose XML is 47 MB).
CELL_BYTES = 80
_CELL_TAGS = (b"<c ", b"<c>", b":c ", b":c>")  # a cell, with or without a namespace prefix
_ERROR_CELLS = (b't="e"', b"t='e'")
#: A number of 16 digits or more, written whole by a program (Excel keeps 15): openpyxl
#: reads it exactly (an identity number), calamine as a float that has lost its last digits.
_LONG_NUMBER = re.compile(rb"<(?:\w+:)?v>-?[0-9]{16}")
#: A cell's start tag as Excel and other programs write it: its reference first (r="AB12"),
#: then only a cell's other attributes. calamine holds every cell of the rectangle from the
#: first used cell to the last, so a single value far out (a stray mark in column XFD, a
#: cell of a damaged sheet in row 9,999,999) would make it ask for more memory than there
#: is, and the process would be aborted. A cell written any other way (no reference, a
#: second one, r="ZZZZ9999999", a namespace prefix) sends the sheet to openpyxl, which
#: refuses what it cannot place.
_CELL_START = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"(?: (?:s|t|cm|vm|ph)="[^"<]*")* ?/?>')


def _column_number(letters: bytes) -> int:
    """Return the number of a column by its letters: A is 1, Z 26, AA 27, XFD 16,384."""
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _calamine_cells(xml) -> int | None:
    """Return how many cells calamine would hold for a sheet's XML, or None if it is not to
    read the sheet (see ``whole_workbook``).

    The XML is read in blocks cut before their last tag, so that no tag is split.
    """
    cells = width = height = 0
    rest = b""
    for block in chain(iter(lambda: xml.read(1 << 20), b""), [b"<"]):
        text = rest + block
        cut = text.rfind(b"<")
        text, rest = text[:cut], text[cut:]
        if any(tag in text for tag in _ERROR_CELLS) or _LONG_NUMBER.search(text):
            return None
        placed = _CELL_START.findall(text)
        if len(placed) != sum(map(text.count, _CELL_TAGS)):
            return None
        cells += len(placed)
        width = max(width, max(map(_column_number, {c for c, _ in placed}), default=0))
        height = max(height, max(map(int, {r for _, r in placed}), default=0))
    return max(cells, width * height)


def whole_workbook(path: Path) -> tuple | None:
    """Return the workbook opened by calamine and the titles of the sheets that may be
    imported (the visible ones), or None if it is to be streamed by openpyxl.

    Streamed: a sheet would take more than ``IN_MEMORY_BYTES`` (every cell of the rectangle
    its cells span), or a cell is not written as ``_CELL_START`` expects, or a cell holds a
    formula's error (#DIV/0!), which calamine reads as an empty cell and openpyxl as the
    error the checks then name, or a number of 16 digits or more (``_LONG_NUMBER``).
    The sheets' XML is scanned for these first (about 0.5 s for 100,000 rows of 8 cells).
    """
    try:
        with zipfile.ZipFile(path) as archive:
            parts = [
                info
                for info in archive.infolist()
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
            ]
            # calamine keeps the shared strings too: about twice their XML (15 MB for a table
            # of 278,000 strings whose XML is 8 MB).
            names = set(archive.namelist())
            strings = "xl/sharedStrings.xml"
            shared = 2 * archive.getinfo(strings).file_size if strings in names else 0
            for info in parts:
                if info.file_size + shared > IN_MEMORY_BYTES:
                    return None
                with archive.open(info) as xml:
                    cells = _calamine_cells(xml)
                if cells is None or cells * CELL_BYTES + info.file_size + shared > IN_MEMORY_BYTES:
                    return None
    except (KeyError, OSError, zipfile.BadZipFile, RuntimeError, ValueError, zlib.error, EOFError):
        return None  # openpyxl says what is wrong with it
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception:  # noqa: BLE001 - openpyxl reads it instead, or says what is wrong
        return None
    return _sheets(book)


def xls_workbook(path: Path) -> tuple | None:
    """Return an Excel 97–2003 workbook (.xls) opened by calamine and the titles of the
    sheets that may be imported (the visible ones); None if calamine cannot read it."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception:  # noqa: BLE001 - not a workbook, or damaged: the caller says so
        return None
    return _sheets(book)


def _sheets(book) -> tuple | None:
    """Return ``book`` and the titles of its visible worksheets (all, if none is visible);
    None, the book closed, if it has no worksheet."""
    from python_calamine import SheetTypeEnum, SheetVisibleEnum

    try:
        kinds = book.sheets_metadata
    except Exception:  # noqa: BLE001
        book.close()
        return None
    sheets = [s for s in kinds if s.typ == SheetTypeEnum.WorkSheet]
    if not sheets:
        book.close()
        return None
    visible = [s.name for s in sheets if s.visible == SheetVisibleEnum.Visible]
    return book, visible or [s.name for s in sheets]


def whole_sheet(book, titles: list[str]) -> tuple | None:
    """Choose the sheet to import from a workbook opened by calamine, and read it whole.

    None if calamine cannot read a sheet: openpyxl then streams it, and keeps the rows
    before the damage, or says what is wrong with the file.
    """
    first: dict[str, object] = {}  # the first sheet with a header, kept once loaded

    def top(title: str) -> list[list[str]]:
        # Any other sheet is let go once its top is read: one whole sheet in memory at a time.
        sheet = book.get_sheet_by_name(title)
        rows = [[cell(v) for v in row] for row in islice(_padded(sheet), HEADER_SEARCH_ROWS + 1)]
        if not first and any(map(Columns.can_head, rows)):
            first[title] = sheet
        return rows

    try:
        title, header_line, notes = data_sheet([(t, t) for t in titles], top)
        sheet = first.get(title) or book.get_sheet_by_name(title)
    except Exception:  # noqa: BLE001 - a damaged sheet: openpyxl reads as far as it can
        book.close()
        return None
    total = sheet.end[0] + 1 if sheet.end else 0
    return sheet, header_line, notes, total, _padded(sheet), closed_once(book.close)


def _padded(sheet) -> Iterator[list]:
    """Return calamine's rows from row 1 and column A, as openpyxl gives them.

    calamine yields the rows from row 1 but the cells from the first column used.
    """
    if sheet.start is None:  # no cell at all
        return iter(())
    rows = sheet.iter_rows()
    if sheet.start[1]:
        before = [None] * sheet.start[1]
        return (before + row for row in rows)
    return rows
