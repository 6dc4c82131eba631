"""Read a web page holding a table, as many older agency systems export "Excel" (.xls).

Such a file is HTML: ``<html><table><tr><td>…``, in GB18030 or UTF-8, sometimes with a
``<meta charset>`` that says which (Excel opens it and shows the table). It is read as
the table it holds, with the standard library's ``html.parser``, a block at a time:

- the table read is the first whose first rows hold a header (``Columns.can_head``); a
  page without one gives its first table, whose missing columns are then named;
- a row is a ``<tr>``, its cells the ``<td>`` and ``<th>`` in it; a cell's text has its
  white space collapsed as a browser shows it (``<br>`` is a space, ``&nbsp;`` too);
- a cell spanning several columns (``colspan``) is followed by empty cells, and one
  spanning several rows (``rowspan``) leaves its column empty in the rows below it, so
  that every value stays under its own column's title; its value is not repeated;
- a table inside a cell is read as that cell's text; ``<script>`` and ``<style>`` are
  skipped;
- a row's line is its place among the table's rows (the first ``<tr>`` is line 1), as
  Excel numbers them when the page holds only the table.
"""

from __future__ import annotations

import codecs
import re
from collections import deque
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from accounts.messages import Message

from .decoding import detect_encoding
from .headers import Columns
from .source import HEADER_SEARCH_ROWS, Chunk, Source, UnreadableFile

BLOCK_BYTES = 1 << 20
#: the bytes looked at for the start of a page and its ``<meta charset>``
HEAD_BYTES = 4096
#: what a page may start with, once white space, a byte-order mark and comments are gone
_PAGE_STARTS = (b"<!doctype html", b"<html", b"<table", b"<head", b"<meta", b"<body", b"<style")
_COMMENT = re.compile(rb"^\s*<!--.*?-->", re.S)
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-]+)""", re.I)
#: what a page's charset names, as Python's codecs read it: GB2312 and GBK are subsets of
#: GB18030, which reads what either wrote
_CODECS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb18030": "gb18030"}
_CODECS |= {"utf-8": "utf-8", "utf8": "utf-8", "big5": "big5"}
#: the most columns a cell may span (a page's colspan="16384" would make rows of that many)
MAX_SPAN = 256
#: the rows and tables looked at for the header: a page of many tables (a layout, a
#: report) gives up after these, and its first table's missing columns are named
HEADER_SEARCH_TABLES = 20
HEADER_SEARCH_TOTAL_ROWS = 2_000
_SPACE = re.compile(r"\s+")


def is_html(head: bytes) -> bool:
    """Whether a file that starts with ``head`` is a web page (HTML), not CSV text."""
    text = head[:HEAD_BYTES].removeprefix(codecs.BOM_UTF8).lstrip()
    while (comment := _COMMENT.match(text)) is not None:
        text = text[comment.end() :].lstrip()
    return text[:20].lower().startswith(_PAGE_STARTS)


def page_encoding(head: bytes) -> str:
    """Return the encoding of a page that starts with ``head``: its byte-order mark, else
    its ``<meta charset>`` if the page's first bytes read in it, else the one its bytes
    read in (UTF-8 or GB18030)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if (found := _CHARSET.search(head[:HEAD_BYTES])) is not None:
        declared = _CODECS.get(found.group(1).decode("ascii").lower())
        if declared is not None:
            try:  # a page saved anew may still say the charset it had
                codecs.getincrementaldecoder(declared)().decode(head, final=False)
            except UnicodeDecodeError:
                pass
            else:
                return declared
    try:
        return detect_encoding(head)
    except UnreadableFile:
        raise UnreadableFile(
            _(
                "This file is a web page (HTML), but neither UTF-8 nor GB18030 text: open it "
                "in Excel and save it as .xlsx or as CSV."
            )
        ) from None


class _Tables(HTMLParser):
    """Collect the rows of a page's tables as (table, line, cells), table by table."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows: deque[tuple[int, int, list[str]]] = deque()
        self.tables = 0  # top-level tables begun
        self.depth = 0  # of tables open; a table in a cell is part of that cell
        self.line = 0  # of the current table's rows
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.span = 1  # columns the current cell spans
        self.down: dict[int, int] = {}  # column -> rows below still spanned from above
        self.skip = 0  # inside <script>, <style> or <head>

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
            return
        if tag == "table":
            if self.depth and self.cell is not None:
                self.cell.append(" ")
            self.depth += 1
            if self.depth == 1:
                self.tables += 1
                self.line = 0
                self.down = {}
            return
        if self.depth != 1:
            if tag in ("br", "td", "th", "tr", "p", "div") and self.cell is not None:
                self.cell.append(" ")
            return
        if tag == "tr":
            self._end_row()
            self.row = []
        elif tag in ("td", "th"):
            self._end_cell()
            if self.row is None:  # a cell outside any <tr>: a row of its own begins
                self.row = []
            self._skip_spanned()
            values = dict(attrs)
            self.cell, self.span = [], _span(values.get("colspan"))
            if (rows := _span(values.get("rowspan"))) > 1:
                for column in range(len(self.row), len(self.row) + self.span):
                    self.down[column] = rows  # this row, and the rows - 1 below it
        elif tag in ("br", "p", "div") and self.cell is not None:
            self.cell.append(" ")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(self.skip - 1, 0)
            return
        if tag == "table":
            if self.depth == 1:
                self._end_row()
            self.depth = max(self.depth - 1, 0)
        elif self.depth == 1 and tag in ("td", "th"):
            self._end_cell()
        elif self.depth == 1 and tag == "tr":
            self._end_row()

    def handle_data(self, data):
        if self.cell is not None and not self.skip:
            self.cell.append(data)

    def _end_cell(self):
        if self.cell is None or self.row is None:
            return
        self.row.append(_SPACE.sub(" ", "".join(self.cell).replace("\xa0", " ")).strip())
        self.row.extend([""] * (self.span - 1))
        self.cell = None

    def _skip_spanned(self):
        """Leave empty the columns that a cell of a row above spans down into."""
        while self.down.get(len(self.row), 0) > 0:
            self.row.append("")

    def _end_row(self):
        self._end_cell()
        if self.row is None:
            return
        self._skip_spanned()
        self.line += 1
        self.rows.append((self.tables, self.line, self.row))
        self.row = None
        self.down = {c: n - 1 for c, n in self.down.items() if n > 1}


def _span(value) -> int:
    try:
        return min(max(int(str(value).strip()), 1), MAX_SPAN)
    except (TypeError, ValueError):
        return 1


def open_html(path: Path, name: str, head: bytes) -> Source:
    """Open a web page's table (see the module) as an enrollment file's rows."""
    encoding = page_encoding(head)
    size = max(path.stat().st_size, 1)
    raw = path.open("rb")
    read = {"bytes": 0}
    parser = _Tables()
    decoder = codecs.getincrementaldecoder(encoding)()

    def page_rows() -> Iterator[tuple[int, int, list[str]]]:
        """Yield (table, line, cells) of every row of the page, reading it a block at a time."""
        try:
            while True:
                block = raw.read(BLOCK_BYTES)
                read["bytes"] += len(block)
                try:
                    text = decoder.decode(block, final=not block)
                except UnicodeDecodeError as error:
                    raise UnreadableFile(
                        Message(
                            _(
                                "The page cannot be read as %(encoding)s after the first "
                                "%(rows)s rows of its table: save it in Excel as .xlsx or "
                                "as CSV."
                            ),
                            {"encoding": encoding, "rows": f"{parser.line:,}"},
                        )
                    ) from error
                parser.feed(text)
                if not block:
                    parser.close()
                    parser._end_row()
                while parser.rows:
                    yield parser.rows.popleft()
                if not block:
                    return
        finally:
            raw.close()

    rows = page_rows()
    try:
        table, header_line, header, ahead, notes = _header(rows)
    except BaseException:
        raw.close()
        raise

    def chunks(size_: int) -> Iterator[Chunk]:
        lines: list[int] = []
        values: list[list[str]] = []
        for number, cells in _rows_of(table, ahead, rows):
            while cells and not cells[-1]:
                cells.pop()
            if any(cells):
                lines.append(number)
                values.append(cells)
                if len(values) >= size_:
                    yield lines, values
                    lines, values = [], []
        if values:
            yield lines, values

    source = Source(
        name,
        f"html:{'utf-8' if encoding == 'utf-8-sig' else encoding}",
        header,
        chunks,
        "html",
        lambda: min(read["bytes"] / size, 1.0),
        raw.close,
        header_line,
    )
    source.notes = notes
    return source


def _header(rows: Iterator) -> tuple:
    """Find the table to read and its header row among a page's first rows.

    Return the table's number, the header's line, the header, the rows of that table read
    past the header, and what to say about the page.
    """
    tables: dict[int, list[tuple[int, list[str]]]] = {}
    for looked, (table, line, cells) in enumerate(rows):
        if table > HEADER_SEARCH_TABLES or looked >= HEADER_SEARCH_TOTAL_ROWS:
            break
        top = tables.setdefault(table, [])
        if len(top) > HEADER_SEARCH_ROWS:
            continue  # past where a header is looked for: the next table, if any
        top.append((line, cells))
        if Columns.can_head(cells):
            return table, line, cells, [], _said(table)
    if not tables:
        raise UnreadableFile(
            _(
                "This file is a web page (HTML) with no table in it, so there are no rows to "
                "import. Open it in Excel and save it as .xlsx or as CSV."
            )
        )
    # No table has a header: the first one's first row is taken, and what it lacks named.
    (line, header), *rest = tables[min(tables)]
    return min(tables), line, header, rest, _said(min(tables))


def _said(table: int) -> list[Message]:
    notes = [
        Message(
            _(
                "This file is a web page holding a table (what many older systems export as "
                "“Excel”): the rows of its table were read, numbered as the table's rows."
            )
        )
    ]
    if table > 1:
        notes.append(
            Message(
                _(
                    "The rows were read from table %(table)d of the page: the tables before "
                    "it have no header."
                ),
                {"table": table},
            )
        )
    return notes


def _rows_of(table: int, ahead: list, rows: Iterator) -> Iterator[tuple[int, list[str]]]:
    """Yield (line, cells) of table ``table``: those already read, then the rest of it."""
    yield from ahead
    for number, line, cells in rows:
        if number == table:
            yield line, cells
        elif number > table:
            # The page goes on with another table: its rows are not imported, and the
            # rest of the file need not be read.
            return
