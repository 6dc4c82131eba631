"""Read a CSV enrollment file as chunks of numbered rows, its header found below any title.

UTF-8, UTF-8 with BOM or GB18030 (``decoding``), comma or tab separated, CRLF or LF.
Blank rows are dropped; rows whose quotes ran away are mended by ``csv_repair``. Nothing
holds the whole file in memory.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import deque
from collections.abc import Iterator
from itertools import chain, compress, islice
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from accounts.messages import Message

from .csv_repair import Rereader, Window, line_span
from .decoding import decoded_lines, detect_encoding
from .headers import Columns
from .source import HEADER_SEARCH_ROWS, Chunk, Source, UnreadableFile
from .writer import NUL_SHOWN_AS


def open_csv(path: Path, name: str, head: bytes) -> Source:
    """Open the CSV file at ``path``, whose first bytes are ``head``."""
    encoding = detect_encoding(head)
    size = path.stat().st_size
    raw = path.open("rb")
    delimiter = _delimiter(head, encoding)
    window = Window()
    lines_in = decoded_lines(raw, encoding, window)
    # Lines handed back to be read again, ahead of the rest of the file (see ``chunks``).
    again: deque[str] = deque()
    reader = csv.reader(lines_in, delimiter=delimiter)
    base = 0  # the reader's lines are numbered from here (the header is line 1)
    ended_by: list[Exception] = []  # what stopped the file's lines: bad bytes, a huge line
    try:
        for _above in range(_header_index(_sample_rows(head, encoding, delimiter))):
            next(reader)  # a title or notes above the header
        header = next(reader)
        # The line the header begins on: a title may hold a line break (身份证号⏎(必填)).
        header_line = reader.line_num - line_span(header) + 1
    except (StopIteration, UnicodeDecodeError, UnreadableFile, csv.Error) as error:
        raw.close()
        raise UnreadableFile(_("The file has no readable header row.")) from error
    # A NUL past the first 4 KB: kept visible (␀), as PostgreSQL cannot store it in the run.
    header = [title.replace("\x00", NUL_SHOWN_AS) for title in header]
    rereader = Rereader(window, delimiter, len(header))

    def position() -> int:
        """Return the number of the last line read."""
        return base + reader.line_num

    def chunks(size: int) -> Iterator[Chunk]:
        nonlocal reader, base
        try:
            while True:
                start, rows, runaway, failure = position(), [], False, None
                try:
                    rows.extend(islice(reader, size))  # on an error, the rows before it stay
                except csv.Error:  # a value past the csv module's limit: a quote never closed
                    runaway = True
                except (UnicodeDecodeError, UnreadableFile) as error:  # bytes, or a huge line
                    failure = error
                    ended_by[:] = [error]
                if not rows and not runaway and failure is None:
                    return
                if failure is None and not runaway and position() - start == len(rows):
                    yield _numbered(rows, start)  # one line a row: the usual case
                    continue
                # Some row spans lines: a quoted value holds line breaks, or a quote was
                # never closed and its value ran on over the rows below.
                numbered, resume = rereader.mend(rows, start, position() if runaway else None)
                source.broken_lines += rereader.take_broken_lines()
                if resume is not None:
                    # A row from line ``resume`` on runs past the lines mended: read them
                    # again with the lines after them, ahead of what the reader has not read.
                    again.extendleft(reversed(window.lines(resume, position())))
                    rest = _raising(ended_by[0]) if ended_by else lines_in
                    reader = csv.reader(chain(_drain(again), rest), delimiter=delimiter)
                    base = resume - 1
                if numbered or source.broken_lines:
                    lines = [line for line, _ in numbered]
                    yield _without_blanks(lines, [values for _, values in numbered])
                if resume is not None or failure is None:
                    continue
                if isinstance(failure, UnicodeDecodeError):
                    raise UnreadableFile(
                        Message(
                            _(
                                "Line %(line)d is not valid %(encoding)s text. Save the whole "
                                "file again in one encoding (in Excel: CSV UTF-8) and import it "
                                "again; rows imported before count as unchanged."
                            ),
                            {"line": position() + 1, "encoding": encoding},
                        )
                    ) from failure
                raise failure  # a line too long to be a row
        finally:
            raw.close()

    def fraction() -> float:
        return 1.0 if raw.closed else min(raw.tell() / size, 1.0)

    source = Source(
        name or path.name,
        encoding.replace("-sig", " (BOM)"),
        header,
        chunks,
        "csv",
        fraction,
        raw.close,
        header_line,
    )
    return source


def _header_index(rows: Iterator[list]) -> int:
    """Return which row is the header: the first, or the first of the next few to name the
    required columns (the rows above it are a title or notes).

    If none does, it is the first row, and the missing columns are named from it.
    """
    for index, row in enumerate(islice(rows, HEADER_SEARCH_ROWS + 1)):
        if Columns.can_head(row):
            return index
    return 0


def _sample_rows(head: bytes, encoding: str, delimiter: str) -> Iterator[list[str]]:
    """Yield the rows of the file's first bytes, for finding its header; stop at a fault."""
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from rows
    except csv.Error:
        return


def _delimiter(head: bytes, encoding: str) -> str:
    """Return "\t" for tab-separated text (Excel's 文本文件（制表符分隔）), else ",".

    Judged by the first line with either, which is the header unless a title
    line without them comes first.
    """
    for line in head.split(b"\n")[: HEADER_SEARCH_ROWS + 1]:
        text = line.decode(encoding, errors="replace")
        if "\t" in text or "," in text:
            return "\t" if text.count("\t") > text.count(",") else ","
    return ","


def _drain(lines: deque[str]) -> Iterator[str]:
    """Yield and remove the lines of ``lines``, including any added in front meanwhile."""
    while lines:
        yield lines.popleft()


def _raising(error: Exception) -> Iterator[str]:
    """Raise ``error`` when read: the fault that ended the file, after lines read again."""
    raise error
    yield  # a generator


def _numbered(rows: list[list[str]], start: int) -> Chunk:
    """Return ``rows``, read one a line after line ``start``, with their line numbers.

    Blank rows (also ",,,") are dropped. (Rows that span lines are numbered by
    ``Rereader.mend``.)
    """
    return _without_blanks(list(range(start + 1, start + 1 + len(rows))), rows)


def _without_blanks(lines: list[int], rows: list[list[str]]) -> Chunk:
    """Return the rows that are not blank (also ",,,"), with their line numbers."""
    # A row whose first value is not blank is filled: the usual case, checked cheaply.
    # Only the others are joined and stripped.
    heads = list(map(str.strip, [values[0] if values else "" for values in rows]))
    if not all(heads):
        filled = [h or "".join(values).strip() for h, values in zip(heads, rows, strict=True)]
        lines = list(compress(lines, filled))
        rows = list(compress(rows, filled))
    return lines, rows
