"""Read a date as extracts write it (2021-02-03, 2021/2/3 0:00, 2021年2月3日, 20210203),
and name what a value that is no date looks like (an Excel serial, a year and month)."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

# A date, as typed or as a system writes it with a time of day (2021/2/3 0:00, from a
# spreadsheet cell formatted as date and time): the day is what counts.
_DATE = re.compile(
    r"^(?:(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{4})(\d{2})(\d{2}))"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?$"
)


def fast_date(text: str) -> dt.date | None:
    """Parse 2021-02-03, 2021/2/3 or 20210203 quickly; None for anything else."""
    try:
        if len(text) == 8 and text.isdigit() and text.isascii():
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        parts = text.replace("/", "-").split("-")
        if (
            len(parts) == 3
            and len(parts[0]) == 4
            and all(p.isdigit() and p.isascii() for p in parts)
        ):
            if len(parts[1]) <= 2 and len(parts[2]) <= 2:
                return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None
    return None


#: a date Excel keeps as a number (its serial: days since 1899-12-30), as a column left in
#: the General format shows it and saves it to CSV: 44197 for 2021-01-01
_DATE_SERIAL = re.compile(r"([0-9]{5})(?:\.0+)?")
EXCEL_EPOCH = dt.date(1899, 12, 30)
#: a year and month with no day: 2021-01, 2021年1月, 202101
_YEAR_MONTH = re.compile(r"([0-9]{4})(?:[-/.年]([0-9]{1,2})月?|([0-9]{2}))")


def parse_date(text: str) -> dt.date:
    match = _DATE.match(text.strip())
    if not match:
        raise _not_a_date(text)
    y, m, d = (int(g) for g in (match.groups()[:3] if match.group(1) else match.groups()[3:]))
    try:
        return dt.date(y, m, d)
    except ValueError:
        raise ValidationError(
            gettext_lazy("%(value)s is not a real date."), code="bad_date", params={"value": text}
        ) from None


def _not_a_date(text: str) -> ValidationError:
    """Return the fault of a value that is no date, saying what it looks like when known."""
    serial = _DATE_SERIAL.fullmatch(text.strip())
    if serial:
        day = EXCEL_EPOCH + dt.timedelta(days=int(serial.group(1)))
        return ValidationError(
            gettext_lazy(
                "%(value)s is a date Excel keeps as a number (%(date)s). In Excel, format the "
                "column as a date (yyyy-mm-dd) and save the file again."
            ),
            code="saved_as_number",
            params={"value": text, "date": day.isoformat()},
        )
    month = _YEAR_MONTH.fullmatch(text.strip())
    year, number = (int(month.group(1)), int(month.group(2) or month.group(3))) if month else (0, 0)
    if 1900 <= year <= 2100 and 1 <= number <= 12:
        return ValidationError(
            gettext_lazy(
                "%(value)s gives a year and a month but no day: write the whole date, "
                "such as %(example)s."
            ),
            code="bad_date",
            params={"value": text, "example": f"{year}-{number:02d}-01"},
        )
    return ValidationError(
        gettext_lazy("%(value)s is not a date."), code="bad_date", params={"value": text}
    )
