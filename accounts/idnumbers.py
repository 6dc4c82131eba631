"""Resident identity numbers (公民身份号码, GB 11643-1999): parsing and construction.

Pure functions, no Django: the validators, the factories, the demo data and
the import all use these. Validation errors are raised in ``validators``.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from operator import mul

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

# Province-level prefixes of the address code. 81/82/83 are the residence
# permits of Hong Kong, Macao and Taiwan residents (港澳台居民居住证), which use
# the same 18-character format and may enrol in employee insurance.
PROVINCE_PREFIXES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 81 82 83".split()
)


# The foreign permanent resident ID card (外国人永久居留身份证) issued since
# 1 December 2023 follows GB 11643 too: 18 characters and the same check
# character, with the birth date and the sex digit where a resident's are. Its
# first digit, 9, marks a foreigner; the next two are the province whose
# office accepted the application, then three digits of nationality. Holders
# may enrol in employee insurance.
FOREIGN_RESIDENT_MARK = "9"
FOREIGN_RESIDENT_PROVINCES = PROVINCE_PREFIXES - {"81", "82", "83"}


def province_code(number: str) -> str:
    """Return the two digits that name the number's province.

    The address code's first two; on a foreign permanent resident's card, the
    two after its leading 9.
    """
    return number[1:3] if number[:1] == FOREIGN_RESIDENT_MARK else number[:2]


def has_known_province(number: str) -> bool:
    """Whether the number names a province it may name (see ``province_code``)."""
    if number[:1] == FOREIGN_RESIDENT_MARK:
        return number[1:3] in FOREIGN_RESIDENT_PROVINCES
    return number[:2] in PROVINCE_PREFIXES


_WEIGHT_SUM_OF_ZEROS = sum(WEIGHTS) * ord("0")


_TEXT_MARKS = ("'", "=")


def visible_text(text: str) -> str:
    """Return ``text`` without the invisible characters that come with text copied from a
    web page or a chat (U+200B zero-width space, U+FEFF, direction marks)."""
    if text.isascii():
        return text
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def normalize(raw: str) -> str:
    """Return ``raw`` without surrounding spaces or invisible characters, full-width forms
    folded, ``x`` (or ``×`` at the end) as ``X``.

    The marks by which spreadsheets keep a number as text go too: a leading
    apostrophe ('370102…) and Excel's formula form (="370102…"), which many
    systems write into CSV extracts so that Excel keeps all 18 digits.
    """
    if not raw:
        return ""
    if raw.isascii():
        text = raw.strip()
    else:
        # Invisible characters that come with a number copied from a web page or a chat
        # (U+200B zero-width space, U+FEFF) go; × typed for X by a Chinese input method
        # is read as X.
        text = visible_text(unicodedata.normalize("NFKC", raw)).strip()
        if text.endswith("×"):
            text = text[:-1] + "X"
    if text.startswith(_TEXT_MARKS):  # one test on the usual path: these marks are rare
        if text[0] == "'":
            text = text[1:].strip()
        elif text[:2] == '="' and text[-1] == '"' and len(text) > 2:
            text = text[2:-1].strip()
    return text.upper()


def check_char(first17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character for 17 digits."""
    # Weighted sum of the ASCII codes, less the weighted sum of "0"s: no int() per digit.
    total = sum(map(mul, first17.encode("ascii"), WEIGHTS)) - _WEIGHT_SUM_OF_ZEROS
    return CHECK_CHARS[total % 11]


@dataclass(frozen=True)
class IdFacts:
    """What an identity number says about its holder."""

    number: str
    birth_date: dt.date
    sex: str  # "M" or "F"

    @property
    def province_prefix(self) -> str:
        return province_code(self.number)


def facts(number: str) -> IdFacts:
    """Return birth date and sex encoded in a *valid, normalised* number."""
    birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return IdFacts(number=number, birth_date=birth, sex=sex)


def from_first_generation(number: str) -> str | None:
    """Return the 18-character form of a 15-digit first-generation number: 19 put before
    its two-digit year, and the check character after. None if it holds no real date."""
    first17 = f"{number[:6]}19{number[6:]}"
    full = first17 + check_char(first17)
    try:
        facts(full)
    except ValueError:
        return None
    return full


def make(address_code: str, birth_date: dt.date, sequence: int) -> str:
    """Build a valid number from an address code, a birth date and a 3-digit sequence.

    The sequence's parity is the sex: odd for men, even for women.
    """
    if not (0 <= sequence <= 999):
        raise ValueError("sequence must be 0..999")
    first17 = f"{address_code}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)


def masked(number: str) -> str:
    """Return ``number`` as lists and receipts show it: the address code and the last four
    characters, the birth date and sequence hidden (370102********123X)."""
    if len(number) != 18:
        return "*" * len(number)
    return f"{number[:6]}{'*' * 8}{number[14:]}"
