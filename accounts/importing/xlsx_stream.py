"""Stream a workbook's rows with openpyxl's read-only reader, its shared strings kept compact.

For a workbook too large for calamine. Two openpyxl classes are subclassed to stop reading
a sheet's size to its end and to keep the shared strings as bytes (``SharedStrings``).
"""

from __future__ import annotations

import sys
import zipfile
from array import array
from collections.abc import Sequence
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from accounts.messages import Message

from .source import HEADER_SEARCH_ROWS, UnreadableFile, closed_once
from .xlsx_sheets import cell, data_sheet


class SharedStrings(Sequence):
    """A workbook's shared strings, kept as UTF-8 bytes and where each ends, read as needed.

    Excel keeps every text cell's value in one table, so a sheet of a million rows has a
    table of two to three million strings. openpyxl keeps them as a list, beside the parsed
    element of each (463 MB for 2.7 million); here they take about 60 MB. Each string is
    read as openpyxl reads it.

    The table is read only as far as the cells asked for so far: Excel adds strings in the
    order the cells first use them, so the header needs only the first few, and the rows
    start at once rather than after the whole table (6 s for 2.7 million strings).
    """

    def __init__(self, source):
        from openpyxl.xml.functions import iterparse

        self._source = source
        self._events = iterparse(source, events=("start", "end"))
        self._root = None
        self._text = bytearray()
        self._ends = array("I")  # the text of an upload is well under 4 GB

    def _read_to(self, index: int) -> None:
        """Read the table until string ``index`` is read, or to its end."""
        try:
            for event, node in self._events:
                if self._root is None:
                    self._root = node
                elif event == "end" and node.tag == _STRING_ITEM:
                    self._text += _string_text(node).replace("x005F_", "").encode()
                    self._ends.append(len(self._text))
                    self._root.clear()  # let go of the strings' elements as they are read
                    if len(self._ends) > index:
                        return
        except (SyntaxError, ValueError, OSError, zipfile.BadZipFile) as error:
            # ElementTree's ParseError is a SyntaxError, defusedxml's errors ValueErrors.
            self.close()
            raise UnreadableFile(
                Message(
                    _(
                        "The workbook is damaged: its table of text values cannot be read past "
                        "%(count)s values. Open it in Excel, save it again, and upload it again."
                    ),
                    {"count": f"{len(self._ends):,}"},
                )
            ) from error
        self.close()

    def close(self) -> None:
        self._events = iter(())
        self._source.close()

    def __len__(self) -> int:
        self._read_to(sys.maxsize)
        return len(self._ends)

    def __getitem__(self, index: int) -> str:
        if index >= len(self._ends):
            self._read_to(index)
        if not 0 <= index < len(self._ends):
            raise IndexError(index)
        start = self._ends[index - 1] if index else 0
        return self._text[start : self._ends[index]].decode()


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_STRING_ITEM, _TEXT, _RUN = f"{{{_MAIN}}}si", f"{{{_MAIN}}}t", f"{{{_MAIN}}}r"


def _string_text(item) -> str:
    """Return a shared string's text as openpyxl's ``Text.content`` does, five times faster.

    Its text, or the text of each of its runs of rich text; not its phonetic guides (rPh).
    """
    parts = []
    for child in item:
        if child.tag == _RUN:
            child = child.find(_TEXT)
            if child is None:
                continue
        elif child.tag != _TEXT:
            continue
        parts.append(child.text or "")
    return "".join(parts)


def _load_streamed(path: Path) -> tuple:
    """Open ``path`` with openpyxl's read-only reader, its shared strings kept compact.

    Return the workbook and its shared strings (None if it has none), both to be closed.
    """
    from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet
    from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG
    from openpyxl.worksheet.dimensions import SheetDimension
    from openpyxl.xml.functions import iterparse

    class Sheet(ReadOnlyWorksheet):
        def _get_size(self):
            # openpyxl reads a sheet without <dimension> to its end here (20 s for a million
            # rows): stop where the rows begin. The size is only a measure of progress.
            with self._get_source() as source:
                for _event, element in iterparse(source, events=("start",)):
                    if element.tag == DIMENSION_TAG:
                        size = SheetDimension.from_tree(element).boundaries
                        self._min_column, self._min_row, self._max_column, self._max_row = size
                        return
                    if element.tag == DATA_TAG:
                        return

    class Reader(ExcelReader):
        def read_strings(self):
            part = self.package.find(SHARED_STRINGS)
            if part is not None:
                self.shared_strings = SharedStrings(self.archive.open(part.PartName[1:]))

        def read_worksheets(self):  # openpyxl's, for a read-only workbook, with Sheet
            for sheet, relation in self.parser.find_sheets():
                if relation.target not in self.valid_files:
                    continue
                if "chartsheet" in relation.Type:
                    self.read_chartsheet(sheet, relation)
                    continue
                worksheet = Sheet(self.wb, sheet.name, relation.target, self.shared_strings)
                worksheet.sheet_state = sheet.state
                self.wb._sheets.append(worksheet)

    reader = Reader(path, read_only=True, data_only=True)
    strings = None
    try:
        reader.read()
    finally:
        if isinstance(reader.shared_strings, SharedStrings):
            strings = reader.shared_strings
            if sys.exc_info()[0] is not None:
                strings.close()
    return reader.wb, strings


def streamed_sheet(path: Path) -> tuple:
    """Open the sheet to import with openpyxl's read-only reader, which streams its rows."""
    try:
        workbook, strings = _load_streamed(path)
    except Exception as error:  # any part damaged: openpyxl raises what its parsers raise
        raise UnreadableFile(_("This is not a readable XLSX file.")) from error
    close = closed_once(*([] if strings is None else [strings.close]), workbook.close)
    sheets = [s for s in workbook.worksheets if s.sheet_state == "visible"] or workbook.worksheets
    # The size a sheet claims (its <dimension>) only measures progress. openpyxl would stop
    # reading where it says: some writers leave it at "A1", and every row but the first
    # header cell would be lost.
    claimed = {id(sheet): sheet.max_row or 0 for sheet in sheets}
    for sheet in sheets:
        sheet.reset_dimensions()

    def top(sheet) -> list[list[str]]:
        rows = sheet.iter_rows(max_row=HEADER_SEARCH_ROWS + 1, values_only=True)
        return [[cell(v) for v in row] for row in rows]

    try:
        sheet, header_line, notes = data_sheet([(s, s.title) for s in sheets], top)
    except UnreadableFile:
        close()
        raise
    except Exception as error:  # a damaged sheet, as above
        close()
        raise UnreadableFile(_("This is not a readable XLSX file.")) from error
    total = claimed[id(sheet)]
    if total <= header_line:  # no size, or "A1": estimated from the sheet's XML
        total = _estimated_rows(workbook, sheet)
    return sheet, header_line, notes, total, sheet.iter_rows(values_only=True), close


def _estimated_rows(workbook, sheet) -> int:
    """Estimate a sheet's rows from the size of its XML and the rows in its first 256 KB."""
    archive = workbook._archive
    try:
        size = archive.getinfo(sheet._worksheet_path).file_size
        with archive.open(sheet._worksheet_path) as xml:
            sample = xml.read(1 << 18)
    except (KeyError, OSError, zipfile.BadZipFile):
        return 0
    start = sample.find(b"sheetData")
    rows = sample.count(b"<row ", start) + sample.count(b":row ", start)
    if start < 0 or not rows or len(sample) <= start:
        return 0
    return round(rows * (size - start) / (len(sample) - start))
