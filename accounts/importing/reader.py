"""Read an enrollment file as a stream of (line number, {header: value}) rows.

CSV in UTF-8, UTF-8 with BOM or GB18030 (detected from the bytes), CRLF or
LF; XLSX through openpyxl's read-only mode. Nothing holds the whole file in
memory.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import sys
import zipfile
import zlib
from array import array
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, compress, islice
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.messages import Message

from .rows import Columns
from .writer import NUL_SHOWN_AS

#: rows looked at for the header when the first does not name the required columns: a
#: sheet often has a title (2026年济南市职工参保名单) or notes above its header
HEADER_SEARCH_ROWS = 30

SAMPLE_BYTES = 1 << 20


class UnreadableFile(Exception):
    """The file cannot be read at all (not CSV/XLSX, undecodable, no header).

    Raised with what to say (a lazy translation or a ``Message``); ``said`` is it as a
    ``Message``, to store or show.
    """

    code = "unreadable_file"

    @property
    def said(self) -> Message:
        return Message.of(self.args[0] if self.args else "")


Chunk = tuple[list[int], list[list[str]]]  # line numbers, and the values of those rows


@dataclass
class Source:
    """An opened enrollment file: its encoding, header and its rows in chunks."""

    name: str
    encoding: str
    header: list[str]
    #: ``chunks(size)`` yields (line numbers, rows) of at most ``size`` non-blank rows
    chunks: Callable[[int], Iterator[Chunk]]
    kind: str = "csv"
    #: share of the file read so far, 0.0 – 1.0
    fraction: Callable[[], float] = lambda: 0.0
    #: release the file early (reading all rows also releases it)
    close: Callable[[], None] = lambda: None
    #: the line of the header: 1, or further down below a title and notes, which are skipped
    header_line: int = 1
    #: lines that cannot be read as a row, found so far (see ``BrokenLine``); they are
    #: not among the rows ``chunks`` yields
    broken_lines: list[BrokenLine] = field(default_factory=list)
    #: what the run record and the preview say about how the file was read (which sheet),
    #: in whichever language they are shown (``str()``)
    notes: list = field(default_factory=list)

    def take_broken_lines(self) -> list[BrokenLine]:
        """Return the broken lines found since the last call."""
        found, self.broken_lines = self.broken_lines, []
        return found


@dataclass
class BrokenLine:
    """A CSV line that cannot be read as a row, read on its own with its quotes as typed.

    ``unclosed_quote``: a value opens a double quote that is never closed. Read
    as CSV, it would run on over the following lines and swallow their rows.
    ``value_too_long``: a value is longer than the csv module takes. Either way
    the line is refused, and the lines after it are read as rows again.
    """

    line: int
    values: list[str]  # the line split at its delimiters, quotes taken literally
    position: int  # of the value at fault
    reason: str  # "unclosed_quote" or "value_too_long"


def detect_encoding(sample: bytes) -> str:
    """Return "utf-8-sig", "utf-8" or "gb18030" for the first bytes of a CSV file.

    If neither reads the whole sample, the file is taken to be in the one that reads
    further, when that is past the first line: a file of UTF-8 with one line saved as
    GB18030 (rows added in another program) then stops at that line, which is named, and
    the rows before it are imported, as when the line comes after the sample.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    reached = {}
    for encoding in ("utf-8", "gb18030"):
        try:  # a character cut at the end of the sample is fine
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
        except UnicodeDecodeError as error:
            reached[encoding] = error.start
        else:
            return encoding
    encoding = max(reached, key=reached.get)
    first_line = sample.find(b"\n")
    if first_line < 0 or reached[encoding] <= first_line:
        raise UnreadableFile(
            _("The file is neither UTF-8 nor GB18030 text; save it as CSV or XLSX.")
        )
    return encoding


def open_source(path: Path, name: str | None = None) -> Source:
    """Open ``path`` as CSV or XLSX, judging by its content, not its name."""
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(SAMPLE_BYTES)
    if not head.strip():
        raise UnreadableFile(_("The file is empty."))
    if head.startswith(b"PK\x03\x04"):
        _check_workbook(path)
        return _open_xlsx(path, name or path.name)
    if head.startswith(OLE2_MAGIC):
        if _holds(path, ENCRYPTED_PACKAGE):
            raise UnreadableFile(
                _(
                    "This workbook is protected by a password, so it cannot be read. Open it "
                    "in Excel, clear the password (File → Info → Protect Workbook → Encrypt "
                    "with Password), save it, and upload it again."
                )
            )
        raise UnreadableFile(
            _("This is an Excel 97–2003 (.xls) file: save it in Excel as .xlsx or as CSV.")
        )
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableFile(
            _("This is UTF-16 text (Excel's “Unicode text”): save it as CSV (UTF-8) instead.")
        )
    if b"\x00" in head[:4096]:
        raise UnreadableFile(_("This is not a CSV or XLSX file."))
    encoding = detect_encoding(head)
    size = path.stat().st_size
    raw = path.open("rb")
    delimiter = _delimiter(head, encoding)
    window = _Window()
    lines_in = _decoded_lines(raw, encoding, window)
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
        header_line = reader.line_num - _span(header) + 1
    except (StopIteration, UnicodeDecodeError, UnreadableFile, csv.Error) as error:
        raw.close()
        raise UnreadableFile(_("The file has no readable header row.")) from error
    # A NUL past the first 4 KB: kept visible (␀), as PostgreSQL cannot store it in the run.
    header = [title.replace("\x00", NUL_SHOWN_AS) for title in header]
    rereader = _Rereader(window, delimiter, len(header))

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


OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97–2003 (.xls) and other OLE files
#: The stream that holds a password-protected workbook, named in its OLE file's directory.
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


def _holds(path: Path, marker: bytes) -> bool:
    """Whether the file at ``path`` holds ``marker`` anywhere (read a megabyte at a time)."""
    tail = b""
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            if marker in tail + block:
                return True
            tail = block[-len(marker) :]
    return False


#: The most a part of a workbook may unpack to. A sheet of Excel's 1,048,576 rows of twenty
#: text cells is under 1 GB of XML; a part past this is a ZIP made to unpack without end.
LARGEST_PART_BYTES = 4 << 30


def _check_workbook(path: Path) -> None:
    """Refuse a ZIP file that is not an XLSX workbook, saying what it is when that is known.

    A part that would unpack past ``LARGEST_PART_BYTES`` is refused too. The sizes the ZIP
    states are the ones to check: zipfile and calamine both stop a part that unpacks to more
    than its stated size, as a damaged file.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            largest = max((info.file_size for info in archive.infolist()), default=0)
            kind = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (OSError, zipfile.BadZipFile, RuntimeError, ValueError) as error:
        raise UnreadableFile(_("This is not a readable XLSX file.")) from error
    if largest > LARGEST_PART_BYTES:
        raise UnreadableFile(
            Message(
                _(
                    "This workbook unpacks to more than %(gb)d GB, more than any enrollment "
                    "extract holds. Save it as CSV and upload that instead."
                ),
                {"gb": LARGEST_PART_BYTES >> 30},
            )
        )
    if "xl/workbook.xml" in names:
        return
    if "xl/workbook.bin" in names:
        raise UnreadableFile(
            _("This is an Excel binary workbook (.xlsb): save it in Excel as .xlsx or as CSV.")
        )
    if kind.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
        raise UnreadableFile(
            _("This is an OpenDocument spreadsheet (.ods): save it as .xlsx or as CSV.")
        )
    raise UnreadableFile(_("This is not a readable XLSX file."))


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


BLOCK_BYTES = 1 << 20
LONGEST_LINE_BYTES = 16 << 20


class _Window:
    """The last few blocks of a file's decoded lines, by line number (the header is line 1).

    A record that turns out to be broken (a quote never closed) is read again
    from here, line by line. Three blocks of ``BLOCK_BYTES`` hold any record
    the csv module accepts (a value of at most ``csv.field_size_limit()``).
    """

    def __init__(self):
        # Each block as its text, with the number of its first line and how many it has;
        # split into lines only when a line of it is asked for (a line object each
        # would cost memory on every block for a rare need), then kept split.
        self.blocks: deque[list] = deque(maxlen=3)  # [start, count, text, lines or None]
        self.next = 1

    def add(self, text: str, count: int) -> None:
        self.blocks.append([self.next, count, text, None])
        self.next += count

    def holds(self, line: int) -> bool:
        """Whether line ``line`` and all decoded after it are still held."""
        return bool(self.blocks) and self.blocks[0][0] <= line < self.next

    def lines(self, first: int, last: int) -> list[str] | None:
        """Return lines ``first`` to ``last``, or None if they are no longer held."""
        block = self.blocks[-1] if self.blocks else None
        if block is not None and block[0] <= first and last < self.next:  # the usual case
            if block[3] is None:
                block[3] = list(io.StringIO(block[2], newline=""))
            return block[3][first - block[0] : last - block[0] + 1]
        found: list[str] = []
        for block in self.blocks:
            start, count, text, lines = block
            low, high = max(first, start), min(last, start + count - 1)
            if low <= high:
                if lines is None:
                    lines = block[3] = list(io.StringIO(text, newline=""))
                found += lines[low - start : high - start + 1]
        return found if len(found) == last - first + 1 else None


#: lines a record with line breaks is looked for in, past the lines read again
RECORD_LINES_MAX = 1_000


class _Rereader:
    """Number the rows of a chunk in which some row spans lines, mending runaway quotes.

    A row spans lines when a quoted value holds line breaks. That is how Excel
    writes a cell with Alt+Enter, and such a row is kept. But when the quote
    does not close where a cell ends, or the row has more values than the
    header, or the value holds as many delimiters as a whole row, or the
    value outgrew the csv module's limit, a quote was opened by mistake and
    its value swallowed the rows below it. Then the opening line is recorded
    as a ``BrokenLine`` and the lines after it are read again as rows.
    """

    def __init__(self, window: _Window, delimiter: str, width: int):
        self.window, self.delimiter = window, delimiter
        self.row_delimiters = max(width - 1, 1)
        self.found: list[BrokenLine] = []

    def take_broken_lines(self) -> list[BrokenLine]:
        found, self.found = self.found, []
        return found

    def mend(
        self,
        rows: list[list[str]],
        start: int,
        runaway_until: int | None,
        last: int | None = None,
    ) -> tuple[list[tuple[int, list[str]]], int | None]:
        """Return ``rows`` (read after line ``start``) as (line, values), runaway quotes mended,
        and the line to read on from, if the rows after it must be read again.

        ``runaway_until``: the csv module stopped on a value past its limit, on
        that line; the record it was reading began after the last of ``rows``.
        ``last``: the rows were read again from lines up to this one. A row that
        runs on past it may be sound with the lines after (a cell with line
        breaks, whose quote closed the runaway value): the rows from its line are
        then to be read again, with the lines after ``last``. Otherwise it is
        refused as opening a quote that its lines never close.
        """
        numbered: list[tuple[int, list[str]]] = []
        line = start + 1
        for values in rows:
            span = _span(values)
            end = line + span - 1 if last is None else min(line + span - 1, last)
            cut_off = last is not None and line + span - 1 > last
            if cut_off and self._sound_with_lines_after(line):
                return numbered, line
            if span > 1 and (cut_off or self._swallowed(values) or not self._sound(line, end)):
                mended, resume = self._reread(line, end)
                numbered += mended
                if resume is not None:
                    return numbered, resume
            else:
                numbered.append((line, values))
            line += span
        if runaway_until is not None:
            mended, resume = self._reread(line, runaway_until)
            return numbered + mended, resume
        return numbered, None

    def _swallowed(self, values: list[str]) -> bool:
        """Whether a row that spans lines holds more than one row's worth of values.

        It does when it has more values than the header, or when a value with
        line breaks holds as many delimiters as a whole row.
        """
        return len(values) > self.row_delimiters + 1 or any(
            v.count(self.delimiter) >= self.row_delimiters for v in values if "\n" in v or "\r" in v
        )

    def _sound(self, first: int, last: int) -> bool:
        """Whether lines ``first``–``last`` are one record as Excel writes them.

        Excel quotes a cell with line breaks and closes the quote at the cell's
        end. A quote closed anywhere else (``"a"b``), or never, is an error to the
        csv module's strict mode: the sign of a quote opened by mistake.
        """
        lines = self.window.lines(first, min(last, self.window.next - 1))
        if lines is None:
            return True  # no longer held: taken as the csv module read it
        try:
            return len(list(csv.reader(lines, delimiter=self.delimiter, strict=True))) == 1
        except csv.Error:
            return False

    def _sound_with_lines_after(self, first: int) -> bool:
        """Whether the record from line ``first`` is one sound row with the lines decoded
        after it: a cell with line breaks as Excel writes it, not another quote left open."""
        if not self.window.holds(first):
            return False
        lines = self.window.lines(first, min(self.window.next - 1, first + RECORD_LINES_MAX))
        try:
            values = next(csv.reader(lines, delimiter=self.delimiter, strict=True))
        except (csv.Error, StopIteration):  # a quote never closed in the lines held
            return False
        return not self._swallowed(values)

    def _reread(self, first: int, last: int) -> tuple[list[tuple[int, list[str]]], int | None]:
        """Read lines ``first``–``last`` again: the first is broken; rows follow (see ``mend``)."""
        # A value left open at the end of the file ends with the file's last line break.
        lines = self.window.lines(first, min(last, self.window.next - 1))
        if lines is None:
            raise UnreadableFile(
                Message(
                    _("Line %(line)d opens a double quote that is never closed."), {"line": first}
                )
            )
        literal = lines[0].rstrip("\r\n").split(self.delimiter)
        longest = max(range(len(literal)), key=lambda i: len(literal[i]))
        if len(literal[longest]) > csv.field_size_limit():  # the line alone is too long
            self.found.append(BrokenLine(first, literal, longest, "value_too_long"))
        else:
            at = next((i for i, v in enumerate(literal) if v.lstrip().startswith('"')), 0)
            self.found.append(BrokenLine(first, literal, at, "unclosed_quote"))
        # The lines after it, read as rows again (one of them may open a quote of its own).
        last = first + len(lines) - 1
        reader = csv.reader(lines[1:], delimiter=self.delimiter)
        rows: list[list[str]] = []
        try:
            rows.extend(reader)
        except csv.Error:
            return self.mend(rows, first, last, last)
        return self.mend(rows, first, None, last)


def _decoded_lines(raw, encoding: str, window: _Window | None = None) -> Iterator[str]:
    """Yield the lines of the binary file ``raw`` decoded, for the csv module.

    Lines end at CR LF, LF or a lone CR, as with ``newline=""``. The file is
    read and decoded in blocks cut after a line break, which is never part of
    a multi-byte character in UTF-8 or GB18030. When a block does not decode,
    its lines are decoded one by one: every line before the bad one is still
    yielded, and then the error is raised, so the csv reader's line count
    names the bad line exactly.
    """
    carry = b""
    while True:
        data = raw.read(BLOCK_BYTES)
        block = carry + data
        if not data:
            cut = len(block)
        else:
            cut = max(block.rfind(b"\n"), block.rfind(b"\r", 0, len(block) - 1)) + 1
            if not cut:  # one line longer than a block: read on, within reason
                if len(block) > LONGEST_LINE_BYTES:
                    raise UnreadableFile(
                        Message(
                            _(
                                "A line is longer than %(mb)d MB: this is not an enrollment "
                                "extract."
                            ),
                            {"mb": LONGEST_LINE_BYTES // 2**20},
                        )
                    )
                carry = block
                continue
        block, carry = block[:cut], block[cut:]
        try:
            text = block.decode(encoding)
        except UnicodeDecodeError:
            good: list[str] = []  # the lines before the first bad one
            bad: UnicodeDecodeError | None = None
            for line in block.splitlines(keepends=True):
                try:
                    good.append(line.decode(encoding))
                except UnicodeDecodeError as error:
                    bad = error
                    break
                encoding = "utf-8" if encoding == "utf-8-sig" else encoding
            if window is not None and good:  # held as one block, to be read again if need be
                window.add("".join(good), len(good))
            yield from good
            if bad is None:
                raise  # not reached: some line fails on its own
            raise bad from None
        encoding = "utf-8" if encoding == "utf-8-sig" else encoding
        if window is not None:
            window.add(text, _span([text]) - (not text or text.endswith(("\n", "\r"))))
        yield from io.StringIO(text, newline="")
        if not data:
            return


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
    ``_Rereader.mend``.)
    """
    return _without_blanks(list(range(start + 1, start + 1 + len(rows))), rows)


def _span(values: list[str]) -> int:
    """Return how many lines a row read by the csv module took: one, plus its line breaks."""
    text = "\x1f".join(values)  # joined by a character that cannot make or break a CR LF
    return 1 + text.count("\n") + text.count("\r") - text.count("\r\n")


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


def _open_xlsx(path: Path, name: str) -> Source:
    """Open a workbook: read whole by calamine if every sheet fits in memory, else streamed."""
    whole = _whole_workbook(path)
    opened = None if whole is None else _whole_sheet(*whole)
    if opened is None:
        opened = _streamed_sheet(path)
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

    source = Source(name, "xlsx", header, chunks, "xlsx", fraction, close, header_line)
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
    cells = [_cell(v) for v in row]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _closed_once(*closes: Callable[[], None]) -> Callable[[], None]:
    """Return a close that closes each of ``closes`` the first time only.

    The reader's end and its caller may both close a source.
    """
    left = list(closes)

    def close() -> None:
        while left:
            left.pop(0)()

    return close


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


def _streamed_sheet(path: Path) -> tuple:
    """Open the sheet to import with openpyxl's read-only reader, which streams its rows."""
    try:
        workbook, strings = _load_streamed(path)
    except Exception as error:  # any part damaged: openpyxl raises what its parsers raise
        raise UnreadableFile(_("This is not a readable XLSX file.")) from error
    close = _closed_once(*([] if strings is None else [strings.close]), workbook.close)
    sheets = [s for s in workbook.worksheets if s.sheet_state == "visible"] or workbook.worksheets
    # The size a sheet claims (its <dimension>) only measures progress. openpyxl would stop
    # reading where it says: some writers leave it at "A1", and every row but the first
    # header cell would be lost.
    claimed = {id(sheet): sheet.max_row or 0 for sheet in sheets}
    for sheet in sheets:
        sheet.reset_dimensions()

    def top(sheet) -> list[list[str]]:
        rows = sheet.iter_rows(max_row=HEADER_SEARCH_ROWS + 1, values_only=True)
        return [[_cell(v) for v in row] for row in rows]

    try:
        sheet, header_line, notes = _data_sheet([(s, s.title) for s in sheets], top)
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
    read the sheet (see ``_whole_workbook``).

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


def _whole_workbook(path: Path) -> tuple | None:
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
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    try:
        book = CalamineWorkbook.from_path(str(path))
        kinds = book.sheets_metadata
    except Exception:  # noqa: BLE001 - openpyxl reads it instead, or says what is wrong
        return None
    sheets = [s for s in kinds if s.typ == SheetTypeEnum.WorkSheet]
    if not sheets:
        book.close()
        return None
    visible = [s.name for s in sheets if s.visible == SheetVisibleEnum.Visible]
    return book, visible or [s.name for s in sheets]


def _whole_sheet(book, titles: list[str]) -> tuple | None:
    """Choose the sheet to import from a workbook opened by calamine, and read it whole.

    None if calamine cannot read a sheet: openpyxl then streams it, and keeps the rows
    before the damage, or says what is wrong with the file.
    """
    first: dict[str, object] = {}  # the first sheet with a header, kept once loaded

    def top(title: str) -> list[list[str]]:
        # Any other sheet is let go once its top is read: one whole sheet in memory at a time.
        sheet = book.get_sheet_by_name(title)
        rows = [[_cell(v) for v in row] for row in islice(_padded(sheet), HEADER_SEARCH_ROWS + 1)]
        if not first and any(map(Columns.can_head, rows)):
            first[title] = sheet
        return rows

    try:
        title, header_line, notes = _data_sheet([(t, t) for t in titles], top)
        sheet = first.get(title) or book.get_sheet_by_name(title)
    except Exception:  # noqa: BLE001 - a damaged sheet: openpyxl reads as far as it can
        book.close()
        return None
    total = sheet.end[0] + 1 if sheet.end else 0
    return sheet, header_line, notes, total, _padded(sheet), _closed_once(book.close)


def _data_sheet(sheets: list[tuple], top: Callable) -> tuple:
    """Return the sheet to import, the line of its header, and what to say about the choice.

    ``sheets``: (sheet, title) of the sheets that may be imported (the visible ones), in
    order; ``top(sheet)``: its first rows as text. The first sheet with a header row: a
    workbook often opens with a cover or instructions sheet (填表说明). If no sheet has
    one, the first sheet, whose missing columns are then named. Other sheets with a header
    are not imported, and the caseworker is told so: they would otherwise be lost in silence.
    """
    found: list[tuple] = []
    for position, (sheet, title) in enumerate(sheets):
        at = next((i for i, row in enumerate(top(sheet)) if Columns.can_head(row)), None)
        if at is not None:
            found.append((position, sheet, title, at + 1))
    if not found:
        return sheets[0][0], 1, []
    (position, sheet, title, header_line), others = found[0], [f[2] for f in found[1:]]
    notes = []
    if position:
        notes.append(
            Message(
                _(
                    "The rows were read from the sheet “%(sheet)s”: the sheets before it have "
                    "no header."
                ),
                {"sheet": title},
            )
        )
    if others:
        notes.append(
            Message(
                _(
                    "Only the sheet “%(sheet)s” was imported. Other sheets have a header too "
                    "and were not imported: %(others)s. Import each as a file of its own, or "
                    "put all rows on one sheet."
                ),
                {"sheet": title, "others": "、".join(f"“{other}”" for other in others)},
            )
        )
    return sheet, header_line, notes


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


def _cell(value) -> str:
    """Return an XLSX cell as the text a person typed (dates as YYYY-MM-DD).

    A number of 16 digits or more can only be an identity number that Excel
    keeps as a number, with 15 significant digits: it is written as Excel
    shows it (3.70102198506141E+17), which the identity check names as such.
    Its integer value would end in digits Excel never had (…140992).
    """
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and abs(value) >= 1e15:
        return f"{value:.15G}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def sha256_of(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
