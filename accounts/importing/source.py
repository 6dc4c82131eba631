"""An opened enrollment file (``Source``), what is said when it cannot be read, and its digest.

Shared by the CSV and XLSX readers; ``reader.open_source`` opens one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from accounts.messages import Message

#: rows looked at for the header when the first does not name the required columns: a
#: sheet often has a title (2026年济南市职工参保名单) or notes above its header
HEADER_SEARCH_ROWS = 30


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


def closed_once(*closes: Callable[[], None]) -> Callable[[], None]:
    """Return a close that closes each of ``closes`` the first time only.

    The reader's end and its caller may both close a source.
    """
    left = list(closes)

    def close() -> None:
        while left:
            left.pop(0)()

    return close


def sha256_of(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
