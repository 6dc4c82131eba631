"""Report periods: whole months, Beijing time, as agencies publish their figures."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone

#: the longest period a report covers (five years of months)
MAX_MONTHS = 60
#: the months a report covers when none are asked for: the last twelve, this one included
DEFAULT_MONTHS = 12

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str) -> dt.date | None:
    """Return the first day of month ``text`` (``2026-05``); None if it is no month."""
    match = _MONTH.match(text or "")
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        return None
    return dt.date(year, month, 1)


def add_months(month: dt.date, count: int) -> dt.date:
    """Return the first day of the month ``count`` months after ``month``'s."""
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """From the first day of ``first`` to the last day of ``last``, both whole months."""

    first: dt.date
    last: dt.date

    @classmethod
    def default(cls, today: dt.date | None = None) -> Period:
        """The last ``DEFAULT_MONTHS`` months, this one included."""
        this = (today or timezone.localdate()).replace(day=1)
        return cls(add_months(this, 1 - DEFAULT_MONTHS), this)

    def months(self) -> list[dt.date]:
        """Return the first day of every month of the period, in order."""
        count = (self.last.year - self.first.year) * 12 + self.last.month - self.first.month
        return [add_months(self.first, n) for n in range(count + 1)]

    @property
    def start(self) -> dt.datetime:
        """The period's first moment, Beijing time."""
        return timezone.make_aware(dt.datetime.combine(self.first, dt.time.min))

    @property
    def after(self) -> dt.date:
        """The first day after the period."""
        return add_months(self.last, 1)

    @property
    def end(self) -> dt.datetime:
        """The moment after the period (exclusive), Beijing time."""
        return timezone.make_aware(dt.datetime.combine(self.after, dt.time.min))

    def __str__(self):
        if self.first == self.last:
            return f"{self.first:%Y-%m}"
        return f"{self.first:%Y-%m}–{self.last:%Y-%m}"
