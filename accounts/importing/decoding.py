"""Decode a CSV file's bytes: tell its encoding, and yield its lines a block at a time."""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator

from django.utils.translation import gettext_lazy as _

from accounts.messages import Message

from .csv_repair import Window, line_span
from .source import UnreadableFile


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


BLOCK_BYTES = 1 << 20
LONGEST_LINE_BYTES = 16 << 20


def decoded_lines(raw, encoding: str, window: Window | None = None) -> Iterator[str]:
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
            window.add(text, line_span([text]) - (not text or text.endswith(("\n", "\r"))))
        yield from io.StringIO(text, newline="")
        if not data:
            return
