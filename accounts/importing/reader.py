"""Read an enrollment file as a stream of (line number, {header: value}) rows.

CSV in UTF-8, UTF-8 with BOM or GB18030 (detected from the bytes), CRLF or
LF; XLSX through openpyxl's read-only mode. Nothing holds the whole file in
memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import compress, islice
from pathlib import Path

from django.utils.translation import gettext as _

SAMPLE_BYTES = 1 << 20


class UnreadableFile(Exception):
    """The file cannot be read at all (not CSV/XLSX, undecodable, no header)."""


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


def detect_encoding(sample: bytes) -> str:
    """Return "utf-8-sig", "utf-8" or "gb18030" for the first bytes of a CSV file."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=False)  # a character cut at the end is fine
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
    except UnicodeDecodeError:
        raise UnreadableFile(
            _("The file is neither UTF-8 nor GB18030 text; save it as CSV or XLSX.")
        ) from None
    return "gb18030"


def open_source(path: Path, name: str | None = None) -> Source:
    """Open ``path`` as CSV or XLSX, judging by its content, not its name."""
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(SAMPLE_BYTES)
    if not head.strip():
        raise UnreadableFile(_("The file is empty."))
    if head.startswith(b"PK\x03\x04"):
        return _open_xlsx(path, name or path.name)
    if head.startswith(OLE2_MAGIC):
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
    reader = csv.reader(_decoded_lines(raw, encoding), delimiter=_delimiter(head, encoding))
    try:
        header = next(reader)
    except (StopIteration, UnicodeDecodeError, UnreadableFile, csv.Error) as error:
        raw.close()
        raise UnreadableFile(_("The file has no readable header row.")) from error

    def chunks(size: int) -> Iterator[Chunk]:
        rows: list[list[str]] = []
        start = reader.line_num
        try:
            while True:
                start, rows = reader.line_num, []
                rows.extend(islice(reader, size))  # on an error, the rows before it stay
                if not rows:
                    return
                yield _numbered(rows, start, reader.line_num)
        except UnicodeDecodeError as error:
            if rows:  # the rows before the undecodable line are still imported
                yield _numbered(rows, start, -1)
            raise UnreadableFile(
                _("Line %(line)d is not valid %(encoding)s text.")
                % {"line": reader.line_num + 1, "encoding": encoding}
            ) from error
        except UnreadableFile:  # a line too long to be a row
            if rows:
                yield _numbered(rows, start, -1)
            raise
        except csv.Error as error:  # a value longer than the csv module takes
            if rows:
                yield _numbered(rows, start, -1)
            raise UnreadableFile(
                _("Line %(line)d cannot be read as CSV: %(error)s")
                % {"line": reader.line_num, "error": error}
            ) from error
        finally:
            raw.close()

    def fraction() -> float:
        return 1.0 if raw.closed else min(raw.tell() / size, 1.0)

    return Source(
        name or path.name,
        encoding.replace("-sig", " (BOM)"),
        header,
        chunks,
        "csv",
        fraction,
        raw.close,
    )


OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97–2003 (.xls) and other OLE files


def _delimiter(head: bytes, encoding: str) -> str:
    """Return "\t" for tab-separated text (Excel's 文本文件（制表符分隔）), else ","."""
    first = head.split(b"\n", 1)[0].decode(encoding, errors="replace")
    return "\t" if first.count("\t") > first.count(",") else ","


BLOCK_BYTES = 1 << 20
LONGEST_LINE_BYTES = 16 << 20


def _decoded_lines(raw, encoding: str) -> Iterator[str]:
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
                        _("A line is longer than %(mb)d MB: this is not an enrollment extract.")
                        % {"mb": LONGEST_LINE_BYTES // 2**20}
                    )
                carry = block
                continue
        block, carry = block[:cut], block[cut:]
        try:
            text = block.decode(encoding)
        except UnicodeDecodeError:
            for line in block.splitlines(keepends=True):
                yield line.decode(encoding)  # raises at the first bad line
                encoding = "utf-8" if encoding == "utf-8-sig" else encoding
            raise  # not reached: some line failed above
        encoding = "utf-8" if encoding == "utf-8-sig" else encoding
        yield from io.StringIO(text, newline="")
        if not data:
            return


def _numbered(rows: list[list[str]], start: int, end: int) -> Chunk:
    """Return ``rows`` (read from after line ``start`` to ``end``) with their line numbers.

    Blank rows (also ",,,") are dropped. A row is one line unless a quoted
    value holds line breaks; only then are the lines counted row by row.
    """
    if end - start == len(rows):
        lines = list(range(start + 1, end + 1))
    else:
        lines, line = [], start + 1
        for values in rows:
            lines.append(line)
            line += 1 + sum(v.count("\n") + v.count("\r") - v.count("\r\n") for v in values)
    # A row whose first value is not blank is filled: the usual case, checked cheaply.
    # Only the others are joined and stripped.
    heads = list(map(str.strip, [values[0] if values else "" for values in rows]))
    if not all(heads):
        filled = [h or "".join(values).strip() for h, values in zip(heads, rows, strict=True)]
        lines = list(compress(lines, filled))
        rows = list(compress(rows, filled))
    return lines, rows


def _open_xlsx(path: Path, name: str) -> Source:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise UnreadableFile(_("This is not a readable XLSX file.")) from error
    sheet = workbook.worksheets[0]
    total = sheet.max_row or 0
    values = sheet.iter_rows(values_only=True)
    done = {"row": 1}
    try:
        header = [_cell(v) for v in next(values)]
    except StopIteration:
        workbook.close()
        raise UnreadableFile(_("The file has no readable header row.")) from None

    def chunks(size: int) -> Iterator[Chunk]:
        lines: list[int] = []
        rows: list[list[str]] = []
        try:
            for number, row in enumerate(values, start=2):
                done["row"] = number
                cells = [_cell(v) for v in row]
                if any(c.strip() for c in cells):
                    lines.append(number)
                    rows.append(cells)
                    if len(rows) >= size:
                        yield lines, rows
                        lines, rows = [], []
            if rows:
                yield lines, rows
        finally:
            workbook.close()

    def fraction() -> float:
        return min(done["row"] / total, 1.0) if total else 0.0

    return Source(name, "xlsx", header, chunks, "xlsx", fraction, workbook.close)


def _cell(value) -> str:
    """Return an XLSX cell as the text a person typed (dates as YYYY-MM-DD)."""
    import datetime as dt

    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
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
