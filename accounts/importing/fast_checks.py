"""Check a chunk of rows column by column: rows in their plain, usual form pass here.

``ChunkChecks.validate_chunk`` accepts a row whose every field is in its plain form with a
handful of C-level operations; any row with the least doubt goes to the full check of
``rows.RowValidator``, which names each fault.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from itertools import compress
from operator import itemgetter

from django.core.exceptions import ValidationError

from accounts.choices import InsuranceType, PersonStatus
from accounts.importing.id_columns import plain_numbers
from accounts.validators import EARLIEST_BIRTH, NAME_MAX, clean_amount, clean_mobile

from .dates import fast_date, parse_date
from .records import OTHER_REGION, RowError, copy_record
from .vocabulary import INSURANCE, STATUS

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
# Up to 12 integer digits: what numeric(14, 2) holds; larger amounts go to the full check.
_AMOUNT = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3}){0,3}|[0-9]{1,12})(?:\.[0-9]{1,2})?")
_SEX = {str(d): "M" if d % 2 else "F" for d in range(10)}
DATE_CACHE_MAX = 100_000


def _missing(values: list) -> list[int]:
    """Return the positions of the false values (None, False, "")."""
    return list(compress(range(len(values)), map(operator.not_, values)))


def _cleaned(cleaner, value):
    """Return ``cleaner(value)``, or None if the value is not valid."""
    try:
        return cleaner(value)
    except ValidationError as error:
        # Its traceback would keep the chunk's rows alive (see RowValidator._full).
        error.__traceback__ = error.__context__ = error.__cause__ = None
        return None


@dataclass
class Checked:
    """A validated chunk: the good rows in file order, and every fault of the others."""

    lines: list[int]
    national_ids: list[str]
    #: each good row as one line of PostgreSQL's text COPY format (see ``writer.STAGE``)
    records: list[str]
    errors: list[RowError]
    failed: int
    #: the pooling regions the chunk's rows name, good or faulty, where the code is known
    regions: set[str]
    #: the rows of regions the importer may not write, by region (not in ``failed``; each
    #: has its one fault in ``errors``)
    others: dict[str, int] = field(default_factory=dict)


class ChunkChecks:
    """The column-wise checks of a chunk, for ``RowValidator``, whose full check
    (``_full``) and region lookup (``region_of``) they call on the rows in doubt."""

    def _column(self, rows: list[list[str]], name: str) -> list[str]:
        """Return the column's values as they are in the file, not stripped.

        The fast checks accept no value with white space around it (no ID,
        code, date, amount or mobile pattern has any, and names are checked),
        so such a row goes to :meth:`_full`, which strips.
        """
        i = self.positions[name]
        if i is None:
            return [""] * len(rows)
        return list(map(itemgetter(i), rows))

    def _date(self, text: str) -> str:
        """Return the date typed as ``text`` in ISO form, or "" if not a real past date."""
        if len(self._dates) >= DATE_CACHE_MAX:
            self._dates.clear()
        day = fast_date(text)
        if day is None:  # 2021年2月3日, 2021.2.3, with spaces around …: as _full reads it
            day = _cleaned(parse_date, text)
        iso = day.isoformat() if day is not None and day <= self.today else ""
        self._dates[text] = iso
        return iso

    def _coded(self, rows: list[list[str]], name: str, codes: dict[str, str]) -> list:
        """Return the column's values as codes (None where unknown), read as _full reads them."""
        typed = self._column(rows, name)
        coded = list(map(codes.get, typed))
        for i in _missing(coded):
            raw = typed[i].strip()
            coded[i] = codes.get(raw) or codes.get(raw.lower())
        return coded

    def validate_chunk(self, lines: list[int], rows: list[list[str]]) -> Checked:
        """Validate ``rows`` (read from ``lines``) and return them as :class:`Checked`."""
        width = self.width
        if rows and min(map(len, rows)) < width:
            padded = [r if len(r) >= width else r + [""] * (width - len(r)) for r in rows]
        else:
            padded = rows
        ids = list(map(str.upper, self._column(padded, "national_id")))
        id_ok = plain_numbers(ids, EARLIEST_BIRTH, self.today)
        names = self._column(padded, "name")
        # isprintable() refuses every white space but " ", which is checked at both ends.
        name_ok = [
            0 < len(n) <= NAME_MAX
            and n.isprintable()
            and "\\" not in n
            and n[0] != " "
            and n[-1] != " "
            for n in names
        ]
        insurance = self._coded(padded, "insurance_type", INSURANCE)
        regions = list(map(self._fast_regions.get, self._column(padded, "region")))
        for i in _missing(regions):
            region = self.region_of(padded[i]) or None
            if self.allowed is None or region in self.allowed:
                regions[i] = region
        dates = self._dates  # "" caches a date that is not a real past one: not parsed again
        enrolled = [
            d if (d := dates.get(t)) is not None else self._date(t)
            for t in self._column(padded, "enrolled_on")
        ]
        if self.positions["status"] is None:
            status = [PersonStatus.ACTIVE.value] * len(rows)
        else:
            status = self._coded(padded, "status", STATUS)
        # A value in another form than the plainest (a mobile typed 139-1234-5678, an
        # amount typed "12.5") is cleaned by its column's own cleaner, as in _full,
        # rather than sending the whole row to _full (about 15 µs a row).
        mobiles = self._column(padded, "mobile")
        mobile_ok = [not m or _MOBILE.fullmatch(m) is not None for m in mobiles]
        for i in _missing(mobile_ok):
            if (mobile := _cleaned(clean_mobile, mobiles[i].strip())) is not None:
                mobiles[i], mobile_ok[i] = mobile, True
        employee = InsuranceType.EMPLOYEE
        balances = self._column(padded, "balance")
        balance_ok = [
            not b or (t == employee and _AMOUNT.fullmatch(b) is not None)
            for b, t in zip(balances, insurance, strict=True)
        ]
        for i in _missing(balance_ok):
            raw = balances[i].strip()
            if not raw:
                balances[i], balance_ok[i] = "", True
            elif insurance[i] == employee and (amount := _cleaned(clean_amount, raw)) is not None:
                balances[i], balance_ok[i] = str(amount), True
        ok = list(
            map(
                all,
                zip(
                    id_ok,
                    name_ok,
                    insurance,
                    regions,
                    enrolled,
                    status,
                    mobile_ok,
                    balance_ok,
                    strict=True,
                ),
            )
        )
        good_lines = list(compress(lines, ok))
        good_ids = list(compress(ids, ok))
        # A faulty row's values may be None or too short; compress drops the row's
        # tuple before it is joined, and the slices below never fail on short values.
        records = list(
            map(
                "\t".join,
                compress(
                    zip(
                        ids,
                        names,
                        map(_SEX.get, map(itemgetter(slice(16, 17)), ids)),
                        map(itemgetter(slice(6, 14)), ids),
                        insurance,
                        regions,
                        enrolled,
                        status,
                        mobiles,
                        (b.replace(",", "") if b else "\\N" for b in balances),
                        strict=True,
                    ),
                    ok,
                ),
            )
        )
        errors: list[RowError] = []
        failed = 0
        others: dict[str, int] = {}
        late: list[tuple[int, str, str]] = []
        seen = set(regions)
        if len(records) < len(rows):
            fields = (
                ("national_id", id_ok),
                ("name", name_ok),
                ("insurance_type", insurance),
                ("region", regions),
                ("enrolled_on", enrolled),
                ("status", status),
                ("mobile", mobile_ok),
                ("balance", balance_ok),
            )
            for i in _missing(ok):
                # Only the fields the checks above refused can be at fault: the full
                # check of those alone names every fault (a row of another region
                # costs a fifth), and the whole row is cleaned only if none has any.
                suspects = {name for name, passed in fields if not passed[i]}
                result = self._full(lines[i], rows[i], suspects) or self._full(lines[i], rows[i])
                if isinstance(result, list):
                    region = result[0].region
                    seen.add(region)
                    errors.extend(result)
                    if result[0].code == OTHER_REGION:
                        others[region] = others.get(region, 0) + 1
                    else:
                        failed += 1
                else:
                    seen.add(result.region_id)
                    late.append((result.line, result.national_id, copy_record(result)))
        if late:  # keep file order, so the first of two equal numbers is the one used
            merged = list(zip(good_lines, good_ids, records, strict=True)) + late
            merged.sort(key=itemgetter(0))
            good_lines, good_ids, records = (list(c) for c in zip(*merged, strict=True))
        seen.discard(None)
        seen.discard("")
        return Checked(good_lines, good_ids, records, errors, failed, seen, others)
