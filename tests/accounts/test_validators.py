import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts import idnumbers
from accounts.validators import (
    clean_amount,
    clean_mobile,
    clean_national_id,
    national_id_facts,
)
from policies.validation import clean_region


def _id_with_check(char: str) -> str:
    """Return a valid number whose check character is ``char``."""
    for seq in range(1000):
        number = idnumbers.make("370102", dt.date(1985, 6, 14), seq)
        if number[-1] == char:
            return number
    raise AssertionError(char)


def code_of(excinfo) -> str:
    return excinfo.value.code


def test_valid_number_is_returned_normalised():
    number = idnumbers.make("440305", dt.date(1990, 2, 28), 123)
    assert clean_national_id(f"  {number} ") == number


def test_number_with_x_check_character_is_valid():
    number = _id_with_check("X")
    assert clean_national_id(number) == number


def test_lower_case_x_is_normalised_to_upper_case():
    number = _id_with_check("X")
    assert clean_national_id(number.lower()) == number


def test_full_width_digits_are_folded():
    number = idnumbers.make("370102", dt.date(1975, 1, 9), 18)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number)
    assert clean_national_id(full_width) == number


def test_known_published_example_passes_checksum():
    # The worked example of GB 11643-1999, appendix: 11010519491231002X.
    assert clean_national_id("11010519491231002x") == "11010519491231002X"


@pytest.mark.parametrize("raw", ["", "3701021985061412", "3701021985061412345"])
def test_wrong_length_is_rejected_with_bad_length(raw):
    with pytest.raises(ValidationError) as excinfo:
        clean_national_id(raw)
    assert code_of(excinfo) == "bad_length"


def test_letters_inside_the_number_are_rejected_with_bad_characters():
    with pytest.raises(ValidationError) as excinfo:
        clean_national_id("37010219850614A231")
    assert code_of(excinfo) == "bad_characters"


def test_unknown_province_prefix_is_rejected():
    body = "990102" + "19850614" + "123"
    with pytest.raises(ValidationError) as excinfo:
        clean_national_id(body + idnumbers.check_char(body))
    assert code_of(excinfo) == "unknown_province"


def test_foreign_permanent_residents_number_is_accepted_with_its_birth_date_and_sex():
    # 9, accepted in Shanghai (31), nationality 840, born 1988-07-02, sequence 015 (odd: a man).
    number = idnumbers.make("931840", dt.date(1988, 7, 2), 15)
    facts = national_id_facts(number)
    assert (facts.number, facts.birth_date, facts.sex) == (number, dt.date(1988, 7, 2), "M")


@pytest.mark.parametrize("accepted_in", ["99", "81", "00"])
def test_foreign_permanent_residents_number_must_name_a_mainland_province(accepted_in):
    body = f"9{accepted_in}840" + "19880702" + "015"
    with pytest.raises(ValidationError) as excinfo:
        clean_national_id(body + idnumbers.check_char(body))
    assert code_of(excinfo) == "unknown_province"
    assert excinfo.value.params == {"prefix": accepted_in}


def test_a_masked_number_says_the_import_needs_the_whole_number():
    with pytest.raises(ValidationError) as excinfo:
        clean_national_id("370102********0015")
    assert code_of(excinfo) == "masked_number"


def test_a_first_generation_15_digit_number_names_its_18_character_form():
    number = idnumbers.make("370102", dt.date(1980, 1, 1), 1)
    with pytest.raises(ValidationError) as excinfo:
        clean_national_id(number[:6] + number[8:17])  # 370102 800101 001
    assert code_of(excinfo) == "bad_length"
    assert excinfo.value.params["full"] == number


def test_a_number_with_invisible_characters_copied_along_is_read_without_them():
    number = idnumbers.make("370102", dt.date(1980, 1, 1), 1)
    assert clean_national_id("\ufeff" + number + "\u200b") == number


def test_a_check_character_typed_as_a_multiplication_sign_is_read_as_x():
    number = _id_with_check("X")
    assert clean_national_id(number[:-1] + "×") == number


def test_abolished_county_code_is_still_accepted():
    # 370181 was 章丘市, abolished in 2016 (now 章丘区 370114); people keep their numbers.
    number = idnumbers.make("370181", dt.date(1970, 3, 3), 41)
    assert clean_national_id(number) == number


def test_impossible_birth_date_is_rejected_with_bad_birth_date():
    body = "370102" + "19850230" + "123"
    with pytest.raises(ValidationError) as excinfo:
        clean_national_id(body + idnumbers.check_char(body))
    assert code_of(excinfo) == "bad_birth_date"


def test_birth_date_in_the_future_is_rejected_with_bad_birth_date():
    future = dt.date.today() + dt.timedelta(days=400)
    body = f"370102{future:%Y%m%d}123"
    with pytest.raises(ValidationError) as excinfo:
        clean_national_id(body + idnumbers.check_char(body))
    assert code_of(excinfo) == "bad_birth_date"


def test_wrong_check_character_is_rejected_with_bad_checksum():
    number = idnumbers.make("370102", dt.date(1985, 6, 14), 123)
    wrong = "0" if number[-1] != "0" else "1"
    with pytest.raises(ValidationError) as excinfo:
        clean_national_id(number[:-1] + wrong)
    assert code_of(excinfo) == "bad_checksum"
    # The number is named, never the character the check would want: any of its
    # characters may be the mistyped one.
    assert excinfo.value.params == {"value": number[:-1] + wrong}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_bad_check_character_says_to_check_the_card_and_suggests_no_digit(language):
    number = idnumbers.make("370102", dt.date(1985, 6, 14), 123)
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    with pytest.raises(ValidationError) as excinfo:
        clean_national_id(wrong)
    with translation.override(language):
        said = str(excinfo.value.message) % excinfo.value.params
    assert ("身份证" if language == "zh-hans" else "ID card") in said
    assert "应为" not in said and "should be" not in said
    assert f"{number[-1]}，" not in said and f"be {number[-1]}" not in said


@pytest.mark.parametrize("raw", ["1.10105E+17", "3.70102E17", "3.70102198506141E+17"])
def test_a_number_excel_shows_in_scientific_notation_says_so(raw):
    with pytest.raises(ValidationError) as excinfo:
        clean_national_id(raw)
    assert code_of(excinfo) == "saved_as_number"


def test_eighteen_digits_ending_in_000_that_fail_the_check_say_excel_lost_them():
    number = idnumbers.make("370102", dt.date(1985, 6, 14), 123)
    lost = number[:15] + "000"  # what Excel keeps of it: 15 significant digits
    assert idnumbers.check_char(lost[:17]) != "0"
    with pytest.raises(ValidationError) as excinfo:
        clean_national_id(lost)
    assert code_of(excinfo) == "saved_as_number"
    assert excinfo.value.params == {"value": lost}  # and not the check character it wants


def test_error_messages_are_in_chinese_in_the_chinese_ui():
    with translation.override("zh-hans"), pytest.raises(ValidationError) as excinfo:
        clean_national_id("123")
    assert "18" in excinfo.value.messages[0]
    assert "位" in excinfo.value.messages[0]


def test_sex_and_birth_date_are_derived_from_the_number():
    facts = idnumbers.facts(idnumbers.make("440305", dt.date(1990, 2, 28), 124))
    assert (facts.birth_date, facts.sex) == (dt.date(1990, 2, 28), "F")


@pytest.mark.parametrize(
    "raw",
    ["13912345678", "139 1234 5678", "+8613912345678", "8613912345678", "0086 139 1234 5678"],
)
def test_mobile_numbers_are_normalised(raw):
    assert clean_mobile(raw) == "13912345678"


@pytest.mark.parametrize(
    "raw", ["1391234567", "23912345678", "010-12345678", "+86", "86139123456", "+861391234"]
)
def test_non_mobile_numbers_are_rejected_with_bad_phone(raw):
    with pytest.raises(ValidationError) as excinfo:
        clean_mobile(raw)
    assert code_of(excinfo) == "bad_phone"


@pytest.mark.parametrize("raw", ["无", "暂无", "/", "／", "—", "-", "N/A", "null"])
def test_a_mark_for_no_mobile_number_is_taken_as_none(raw):
    assert clean_mobile(raw) == ""


def test_amount_with_thousands_separator_is_parsed():
    assert clean_amount("12,345.6") == Decimal("12345.60")


@pytest.mark.parametrize("raw", ["¥1,234.50", "￥1234.5", "1234.50元", " ¥ 1234.50 元 "])
def test_amount_with_a_currency_sign_or_unit_is_parsed(raw):
    assert clean_amount(raw) == Decimal("1234.50")


@pytest.mark.parametrize("raw", ["１２，３４５．６", "12,345.6", "+12345.60", "12345.6元"])
def test_amount_typed_in_full_width_or_with_a_plus_is_parsed(raw):
    assert clean_amount(raw) == Decimal("12345.60")


def test_a_dash_for_an_amount_says_it_is_how_excel_shows_zero():
    with pytest.raises(ValidationError) as excinfo:
        clean_amount(" -   ")  # Excel's Accounting format, saved as CSV
    assert code_of(excinfo) == "bad_amount" and "会计专用" in str(excinfo.value.message)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("-1", "negative_amount"),
        ("1.234", "too_many_decimals"),
        ("abc", "bad_amount"),
        # a decimal comma, or a slip for a point: read as 123,450 and 100 yuan before
        ("1234,50", "bad_amount"),
        ("1,00", "bad_amount"),
        ("12,34.5", "bad_amount"),
        ("1.23457E+05", "saved_as_number"),  # 123,456.78 as Excel's General format shows it
        ("NaN", "bad_amount"),
        ("Infinity", "bad_amount"),
        ("1_000", "bad_amount"),
        ("-", "bad_amount"),
    ],
)
def test_bad_amounts_are_rejected_with_their_code(raw, code):
    with pytest.raises(ValidationError) as excinfo:
        clean_amount(raw)
    assert code_of(excinfo) == code


@pytest.mark.django_db
def test_region_code_resolves_to_its_region():
    assert clean_region("370100").name == "济南市"


@pytest.mark.django_db
def test_unknown_region_code_is_rejected_with_unknown_region():
    with pytest.raises(ValidationError) as excinfo:
        clean_region("379800")
    assert code_of(excinfo) == "unknown_region"


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["济南市", "370100 济南市", " ３７０１００ "])
def test_a_region_typed_as_the_import_reads_it_resolves_to_its_region(typed):
    assert clean_region(typed).code == "370100"
