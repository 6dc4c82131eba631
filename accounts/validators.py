"""The project's field validators, each raising ``ValidationError`` with a stable code.

Forms, the admin, the enrollment import and services all call these, so one
rule has one implementation and one error code.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import idnumbers

_FIRST17 = re.compile(r"^[0-9]{17}[0-9X]$")
# How Excel shows a long number it keeps as a number: 1.10105E+17 (15 digits survive at most).
_SCIENTIFIC = re.compile(r"^[0-9](\.[0-9]+)?E\+?[0-9]{1,2}$")
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
EARLIEST_BIRTH = dt.date(1890, 1, 1)
# numeric(14, 2) holds twelve integer digits.
AMOUNT_LIMIT = Decimal(10) ** 12


def clean_national_id(value: str) -> str:
    """Return the normalised identity number, or raise ``ValidationError``.

    Codes: ``bad_length``, ``bad_characters``, ``unknown_province``,
    ``bad_birth_date``, ``bad_checksum``, and ``saved_as_number`` for a number that
    Excel kept as a number (1.10105E+17, or 18 digits ending in 000 that fail the
    check): its last digits are lost, which only retyping the column as text mends.
    """
    return national_id_facts(value).number


def national_id_facts(value: str, today: dt.date | None = None) -> idnumbers.IdFacts:
    """Validate an identity number as :func:`clean_national_id` does; return what it encodes.

    ``today`` may be given by callers that validate many numbers (the import).
    """
    # Spaces typed inside for reading (370102 19800101 1234) are not part of it.
    number = "".join(idnumbers.normalize(value).split())
    if _SCIENTIFIC.match(number):
        raise ValidationError(
            _(
                "%(value)s is an identity number that Excel kept as a number, and its last "
                "digits are lost. In Excel, format the column as text, type the numbers "
                "again, and save the file anew."
            ),
            code="saved_as_number",
            params={"value": number},
        )
    if "*" in number:
        raise ValidationError(
            _(
                "%(value)s is masked (its middle digits are *): the import needs the whole "
                "number. Ask for the extract again without masking."
            ),
            code="masked_number",
            params={"value": number},
        )
    first_generation = len(number) == 15 and number.isdigit()
    if first_generation and (full := idnumbers.from_first_generation(number)):
        raise ValidationError(
            _(
                "%(value)s is a first-generation 15-digit number; its 18-character form is "
                "%(full)s. Write that instead."
            ),
            code="bad_length",
            params={"value": number, "full": full},
        )
    if len(number) != 18:
        raise ValidationError(
            _("An identity number has 18 characters; this one has %(length)d."),
            code="bad_length",
            params={"length": len(number)},
        )
    if not _FIRST17.match(number):
        raise ValidationError(
            _("The first 17 characters must be digits and the last a digit or X."),
            code="bad_characters",
        )
    if not idnumbers.has_known_province(number):
        raise ValidationError(
            _("%(prefix)s is not a province code, so the address code is not valid."),
            code="unknown_province",
            params={"prefix": idnumbers.province_code(number)},
        )
    try:
        facts = idnumbers.facts(number)
    except ValueError:
        facts = None
    today = today or timezone.localdate()
    if facts is None or facts.birth_date > today or facts.birth_date < EARLIEST_BIRTH:
        raise ValidationError(
            _("%(digits)s is not a real birth date."),
            code="bad_birth_date",
            params={"digits": number[6:14]},
        )
    # Which character the check would want is never said: a wrong number fails the check
    # whichever of its characters was mistyped, and "should be 2" invites a caseworker to
    # change the last one, which makes a valid number of someone else's.
    expected = idnumbers.check_char(number[:17])
    if number[17] != expected and number.endswith("000"):
        raise ValidationError(
            _(
                "%(value)s is not a valid identity number: it ends in 000 and its check "
                "character does not match, as when Excel keeps an identity number as a "
                "number and loses its last three digits. In Excel, format the column as "
                "text, type the numbers again from the source, and save the file anew."
            ),
            code="saved_as_number",
            params={"value": number},
        )
    if number[17] != expected:
        raise ValidationError(
            _(
                "%(value)s is not a valid identity number: its check character (the last) "
                "does not match the 17 before it, so one of its characters, any of them, is "
                "most likely mistyped. Check the whole number against the person's ID card; "
                "do not change only its last character."
            ),
            code="bad_checksum",
            params={"value": number},
        )
    return facts


def validate_national_id(value: str) -> None:
    """Model-field validator form of :func:`clean_national_id`."""
    clean_national_id(value)


#: What people write in a cell of a mobile number that there is not (dashes are dropped
#: before): 无, 暂无, / …
NO_MOBILE_MARKS = frozenset(
    {"无", "暂无", "没有", "无手机", "—", "——", "/", "N/A", "NA", "NULL", "NONE"}
)


def clean_mobile(value: str) -> str:
    """Return a mainland mobile number (11 digits, starting 1), or '' for blank or for a
    mark that says there is none (``NO_MOBILE_MARKS``)."""
    number = re.sub(r"[\s-]", "", idnumbers.normalize(value))
    if number in NO_MOBILE_MARKS:
        return ""
    if len(number) > 11:  # a country code before it: +86, 86 or 0086
        if number.startswith("+86"):
            number = number[3:]
        elif number.startswith("0086") and len(number) == 15:
            number = number[4:]
        elif number.startswith("86") and len(number) == 13:
            number = number[2:]
    if not number:
        return ""
    if not _MOBILE.match(number):
        raise ValidationError(
            _("%(value)s is not a mainland mobile number (11 digits starting with 1)."),
            code="bad_phone",
            params={"value": value},
        )
    return number


def validate_mobile(value: str) -> None:
    clean_mobile(value)


#: An amount as people and programs write it, once its ¥ and 元 are off: digits, with commas
#: only between thousands (12,345.60), and a decimal point.
_AMOUNT_TEXT = re.compile(r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]*)(?:\.[0-9]*)?")
#: Excel's scientific notation (1.23457E+05), which keeps six significant digits at most
_SCIENTIFIC_AMOUNT = re.compile(r"[+-]?[0-9.]+[eE][+-]?[0-9]+")


def clean_amount(value) -> Decimal:
    """Return a non-negative yuan amount with at most two decimals.

    Commas may only separate thousands: 1234,50 (a decimal comma) or 1,00 (a slip for
    1.00) would otherwise be read as 123,450 or 100 yuan. An amount in scientific notation
    has lost its last digits, and is refused as such.
    """
    text = unicodedata.normalize("NFKC", str(value)).strip()  # full-width ¥，１２ as ASCII
    # As people type money: ¥1,234.50 (￥ full-width) or 1234.50元.
    text = text.removeprefix("¥").removesuffix("元").strip()
    if _SCIENTIFIC_AMOUNT.fullmatch(text):
        raise ValidationError(
            _(
                "%(value)s is an amount in Excel's scientific notation, which loses its last "
                "digits. In Excel, format the column as a number with two decimals, type the "
                "amounts again, and save the file anew."
            ),
            code="saved_as_number",
            params={"value": value},
        )
    if not _AMOUNT_TEXT.fullmatch(text) or not any(map(str.isdigit, text)):
        if text in ("-", "—"):
            raise ValidationError(
                _(
                    "%(value)s is how Excel's Accounting format shows 0: write 0, or leave the "
                    "cell empty to keep the balance as it is."
                ),
                code="bad_amount",
                params={"value": value},
            )
        if "," in text:
            raise ValidationError(
                _(
                    "%(value)s is not an amount of money: a comma may only separate thousands "
                    "(12,345.60), and the decimals follow a point."
                ),
                code="bad_amount",
                params={"value": value},
            )
        raise ValidationError(
            _("%(value)s is not an amount of money."), code="bad_amount", params={"value": value}
        )
    amount = Decimal(text.replace(",", ""))
    if amount < 0:
        raise ValidationError(
            _("An amount cannot be negative: %(value)s."),
            code="negative_amount",
            params={"value": value},
        )
    if amount >= AMOUNT_LIMIT:
        raise ValidationError(
            _("An amount must be less than %(limit)s yuan: %(value)s."),
            code="amount_too_large",
            params={"value": value, "limit": f"{AMOUNT_LIMIT:,}"},
        )
    if amount.as_tuple().exponent < -2:
        raise ValidationError(
            _("An amount has at most two decimals: %(value)s."),
            code="too_many_decimals",
            params={"value": value},
        )
    return amount.quantize(Decimal("0.01"))


#: the longest name the person table holds (``InsuredPerson.name``)
NAME_MAX = 50


def clean_name(value: str) -> str:
    """Return a person's name as it is kept: without invisible characters copied along
    (U+200B, U+FEFF) and surrounding spaces; refuse an empty, overlong or unprintable one.

    The one name rule: the person form and the enrollment import both call it.
    """
    name = idnumbers.visible_text(str(value)).strip()
    if not name:
        raise ValidationError(_("The name is empty."), code="missing_name")
    if len(name) > NAME_MAX:
        raise ValidationError(
            _("The name is longer than %(max)d characters."),
            code="name_too_long",
            params={"max": NAME_MAX},
        )
    if not name.isprintable():
        raise ValidationError(
            _("The name contains a control character (a tab, line break or NUL)."),
            code="bad_name",
        )
    return name


def validate_name(value: str) -> None:
    clean_name(value)
