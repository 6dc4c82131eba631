"""Mend CSV rows whose quotes ran away: the lines held to read again, and the rereader.

A quote opened by mistake makes the csv module read the rows below it as one value. The
last blocks of decoded lines are held (``Window``), and ``Rereader`` reads them again:
the line at fault becomes a ``BrokenLine``, the lines after it rows again.
"""

from __future__ import annotations

import csv
import io
from collections import deque

from django.utils.translation import gettext_lazy as _

from accounts.messages import Message

from .source import BrokenLine, UnreadableFile


class Window:
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


def line_span(values: list[str]) -> int:
    """Return how many lines a row read by the csv module took: one, plus its line breaks."""
    text = "\x1f".join(values)  # joined by a character that cannot make or break a CR LF
    return 1 + text.count("\n") + text.count("\r") - text.count("\r\n")


#: lines a record with line breaks is looked for in, past the lines read again
RECORD_LINES_MAX = 1_000


class Rereader:
    """Number the rows of a chunk in which some row spans lines, mending runaway quotes.

    A row spans lines when a quoted value holds line breaks. That is how Excel
    writes a cell with Alt+Enter, and such a row is kept. But when the quote
    does not close where a cell ends, or the row has more values than the
    header, or the value holds as many delimiters as a whole row, or the
    value outgrew the csv module's limit, a quote was opened by mistake and
    its value swallowed the rows below it. Then the opening line is recorded
    as a ``BrokenLine`` and the lines after it are read again as rows.
    """

    def __init__(self, window: Window, delimiter: str, width: int):
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
            span = line_span(values)
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
