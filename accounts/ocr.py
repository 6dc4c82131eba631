"""Reading the pages of a kinship proof with an OCR engine that runs offline, and finding
identity numbers and names in what was read.

RapidOCR ships its Chinese detection and recognition models inside its wheel (ONNX, run by
onnxruntime on the CPU), so nothing is downloaded. A page is read once: its text, the text
boxes (in the pixels of the page image) and the engine's version are stored with it.

What the engine reads is not always what is printed, and the finding is tolerant where that
is cheap and safe:

- full-width characters are read as their ASCII forms, spaces are ignored (``张 三``);
- in a run of digits, ``O``/``o`` count as 0 and ``I``/``l``/``|`` as 1, and ``x``/``×`` as
  the check character ``X``;
- a number or a name the engine cut into two boxes of one line is found across the cut;
- a person's number read with one character wrong, missing or doubled is a *near* hit: it
  shows where the number probably is, but does not count as found.
"""

from __future__ import annotations

import functools
import io
import re
import unicodedata
from dataclasses import dataclass
from importlib.metadata import version

from PIL import Image, ImageOps

from accounts.idnumbers import check_char, has_known_province

ENGINE_NAME = f"rapidocr-onnxruntime {version('rapidocr-onnxruntime')}"


@functools.cache
def _engine():
    from rapidocr_onnxruntime import RapidOCR

    # one thread: the worker reads one page per core, and a page is ~1 s on one core
    return RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)


def read_image(content: bytes) -> list[dict]:
    """Return the text lines of an image: ``[{"text", "box", "score"}]``, top to bottom."""
    import numpy as np

    image = ImageOps.exif_transpose(Image.open(io.BytesIO(content))).convert("RGB")
    result, _elapsed = _engine()(np.asarray(image)[:, :, ::-1])  # the engine takes BGR
    lines = []
    for box, text, score in result or []:
        lines.append(
            {
                "text": text,
                "box": [[round(float(x)), round(float(y))] for x, y in box],
                "score": round(float(score), 3),
            }
        )
    lines.sort(key=lambda line: (line["box"][0][1], line["box"][0][0]))
    return lines


# --- what the text shows -------------------------------------------------------------------

#: dropped from the text before matching: spaces, and the dots of names such as 阿依·买买提
_IGNORED = re.compile(r"[\s·•・.．]+")
#: letters the engine reads in place of digits, and the check character's look-alikes
_DIGITISH = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1", "x": "X", "×": "X"})
#: a run that may be an identity number (17 to 19 characters: one dropped or doubled)
_RUN = re.compile(r"(?<![0-9X])[1-9][0-9X]{16,18}(?![0-9X])")
#: at most this many boxes of a line are joined to find a number or a name cut apart
_JOINED = 3


def normal_text(text: str) -> str:
    """The text as matched: full-width forms as ASCII, without spaces and name dots."""
    return _IGNORED.sub("", unicodedata.normalize("NFKC", text or ""))


def is_valid_id(number: str) -> bool:
    return (
        len(number) == 18
        and number[:17].isdigit()
        and has_known_province(number)
        and check_char(number[:17]) == number[17]
    )


def _one_edit_apart(a: str, b: str) -> bool:
    """Whether ``a`` becomes ``b`` by changing, adding or removing one character."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = sorted((a, b), key=len)
    i = next((i for i, (x, y) in enumerate(zip(short, long, strict=False)) if x != y), len(short))
    return short[i:] == long[i + 1 :]


@dataclass
class Box:
    """One box the engine read: its text (raw and as matched) and where it is."""

    text: str
    normal: str
    x0: float
    y0: float
    x1: float
    y1: float

    @classmethod
    def of(cls, line: dict) -> Box:
        points = line.get("box") or [[0, 0]]
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        text = line.get("text", "")
        return cls(text, normal_text(text), min(xs), min(ys), max(xs), max(ys))

    @property
    def middle(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass
class Match:
    """A text found on a page: ``kind`` is "id", "id_near", "name" or "other"."""

    kind: str
    value: str
    box: list  # [[x, y] * 4], page image pixels, around the matched characters
    text: str  # the boxes it was found in, as read
    national_id: str = ""  # for "id", "id_near" and "name": whose


def _lines(boxes: list[Box]) -> list[list[Box]]:
    """Group boxes into lines (their middles within each other's height), left to right."""
    lines: list[list[Box]] = []
    for box in sorted(boxes, key=lambda b: b.middle):
        line = lines[-1] if lines else None
        if line and all(
            b.y0 <= box.middle <= b.y1 and box.y0 <= b.middle <= box.y1 for b in line[-1:]
        ):
            line.append(box)
        else:
            lines.append([box])
    return [sorted(line, key=lambda b: b.x0) for line in lines]


def _width(char: str) -> float:
    return 1.0 if unicodedata.east_asian_width(char) in ("W", "F") else 0.55


def _span_box(boxes: list[Box], start: int, end: int) -> list:
    """The box around characters ``start:end`` of the boxes' joined text: each box's share
    of the span, by the characters' widths (a Chinese character is about two digits wide)."""
    left = top = float("inf")
    right = bottom = float("-inf")
    offset = 0
    for box in boxes:
        lo, hi = max(start, offset), min(end, offset + len(box.normal))
        if lo < hi:
            widths = [_width(c) for c in box.normal] or [1.0]
            total = sum(widths)
            before = sum(widths[: lo - offset]) / total
            inside = sum(widths[: hi - offset]) / total
            span = box.x1 - box.x0
            left = min(left, box.x0 + span * before)
            right = max(right, box.x0 + span * inside)
            top, bottom = min(top, box.y0), max(bottom, box.y1)
        offset += len(box.normal)
    x0, y0, x1, y1 = (round(v) for v in (left, top, right, bottom))
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def _windows(line: list[Box]):
    """Every run of 1 to ``_JOINED`` neighbouring boxes of a line."""
    for size in range(1, _JOINED + 1):
        for first in range(len(line) - size + 1):
            yield line[first : first + size]


def find(boxes: list[dict], people: list[tuple[str, str]]) -> list[Match]:
    """Find on one page the identity numbers and names of ``people`` (``(national_id,
    name)`` pairs), near misses of their numbers, and other valid identity numbers.

    Each is found once a page (its first place, top to bottom), in one box or across
    up to ``_JOINED`` neighbouring boxes of a line."""
    known = {national_id for national_id, _ in people}
    wanted = [(national_id, normal_text(name)) for national_id, name in people]
    found: dict[tuple, Match] = {}
    lines = _lines([Box.of(b) for b in boxes if b.get("text")])
    for window in (w for line in lines for w in _windows(line)):
        joined = "".join(b.normal for b in window)
        text = " ".join(b.text for b in window)
        for run in _RUN.finditer(joined.translate(_DIGITISH)):
            number = run.group()
            box = _span_box(window, run.start(), run.end())
            if number in known:
                found.setdefault(("id", number), Match("id", number, box, text, number))
                continue
            near = [n for n in sorted(known) if _one_edit_apart(number, n)]
            for national_id in near:
                found.setdefault(
                    ("id_near", national_id), Match("id_near", number, box, text, national_id)
                )
            if not near and is_valid_id(number):
                found.setdefault(("other", number), Match("other", number, box, text))
        for national_id, name in wanted:
            at = joined.find(name) if name else -1
            if at >= 0:
                box = _span_box(window, at, at + len(name))
                found.setdefault(("name", national_id), Match("name", name, box, text, national_id))
    # a number found whole is not also "near" (a neighbouring box's digit joined to it)
    return [m for key, m in found.items() if key[0] != "id_near" or ("id", key[1]) not in found]


def ids_on_page(boxes: list[dict]) -> list[str]:
    """The valid identity numbers read on a page, sorted (stored as ``ocr_ids``)."""
    return sorted({m.value for m in find(boxes, []) if m.kind == "other"})
