"""Map headers and validate rows of an enrollment file with the project's validators."""

from __future__ import annotations

import csv
import datetime as dt
import operator
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, compress
from operator import itemgetter

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts import idnumbers
from accounts.choices import InsuranceType, PersonStatus
from accounts.importing.id_columns import plain_numbers
from accounts.messages import Message
from accounts.validators import (
    EARLIEST_BIRTH,
    clean_amount,
    clean_mobile,
    national_id_facts,
)

FIELDS = {
    "national_id": (
        "身份证号",
        "身份证号码",
        "公民身份号码",
        "公民身份证号",
        "公民身份证号码",
        "身份证件号码",
        "证件号码",
        "证件号",
        "national_id",
        "id_number",
        "idnumber",
    ),
    "name": ("姓名", "参保人姓名", "人员姓名", "参保人", "name"),
    "insurance_type": ("参保类型", "险种", "险种类型", "insurance_type", "insurancetype"),
    "region": (
        "统筹区编码",
        "统筹区",
        "统筹区代码",
        "参保地编码",
        "统筹地区编码",
        "统筹地区",
        "统筹区划",
        "参保地",
        "region",
        "region_code",
        "regioncode",
    ),
    "enrolled_on": (
        "参保日期",
        "参保时间",
        "首次参保日期",
        "参保开始日期",
        "参保起始日期",
        "enrolled_on",
        "enrolment_date",
        "enrollment_date",
    ),
    "balance": ("个人账户余额", "账户余额", "个账余额", "余额", "balance", "account_balance"),
    "mobile": ("手机号", "手机号码", "手机", "移动电话", "联系电话", "mobile", "phone"),
    "status": ("参保状态", "status"),
}
REQUIRED = ("national_id", "name", "insurance_type", "region", "enrolled_on")
#: what a column of persons' categories (人员类别) holds, put where the insurance type
#: belongs: a flexible worker (灵活就业) may be insured as an employee or as a resident, so
#: none of them is taken for a type
PERSON_CATEGORIES = frozenset(
    {
        "在职",
        "在职职工",
        "在职人员",
        "退休",
        "退休职工",
        "退休人员",
        "灵活就业",
        "灵活就业人员",
        "学生",
        "中小学生",
        "大学生",
        "儿童",
        "少年儿童",
        "婴幼儿",
        "老年人",
        "一般居民",
        "低保",
        "特困",
        "残疾人",
    }
)
#: what a sheet's totals line says in one of its cells
TOTALS_WORDS = frozenset({"合计", "总计", "小计", "累计", "total", "subtotal"})
#: how a line of a sheet's footer begins: who made and checked the sheet, and when
#: (制表人：张三　审核人：李四　填报日期：2026年11月25日)
FOOTER_WORDS = (
    "制表人",
    "制表日期",
    "制表",
    "填报人",
    "填表人",
    "填报日期",
    "填表日期",
    "填报单位",
    "审核人",
    "审核",
    "复核人",
    "复核",
    "单位负责人",
    "负责人",
    "经办人",
    "打印日期",
    "打印时间",
    "导出日期",
    "导出时间",
)
_FOOTER = re.compile(rf"(?:{'|'.join(FOOTER_WORDS)})\s*(?::|$)")
#: the last column of a run's rows to mend (``report.rows_to_mend_xlsx``): read past in silence
MEND_TITLE = "错误说明 faults"
INSURANCE = {
    **dict.fromkeys(
        [
            "职工",
            "职工医保",
            "职工基本医疗保险",
            "城镇职工",
            "城镇职工医保",
            "城镇职工基本医疗保险",
            "employee",
        ],
        InsuranceType.EMPLOYEE,
    ),
    **dict.fromkeys(
        [
            "居民",
            "城乡居民",
            "城乡居民医保",
            "居民医保",
            "城乡居民基本医疗保险",
            # the schemes merged into it in 2016–2019, as older extracts still name them
            "城镇居民",
            "城镇居民基本医疗保险",
            "新农合",
            "新型农村合作医疗",
            "resident",
        ],
        InsuranceType.RESIDENT,
    ),
}
STATUS = {
    **dict.fromkeys(
        ["正常", "参保", "正常参保", "参保缴费", "正常缴费", "在保", "active", ""],
        PersonStatus.ACTIVE,
    ),
    **dict.fromkeys(
        ["暂停", "暂停参保", "中断", "暂停缴费", "停保", "suspended"], PersonStatus.SUSPENDED
    ),
    **dict.fromkeys(["终止", "终止参保", "注销", "terminated"], PersonStatus.TERMINATED),
    **dict.fromkeys(["死亡", "已死亡", "deceased"], PersonStatus.DECEASED),
}
# A date, as typed or as a system writes it with a time of day (2021/2/3 0:00, from a
# spreadsheet cell formatted as date and time): the day is what counts.
_DATE = re.compile(
    r"^(?:(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{4})(\d{2})(\d{2}))"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?$"
)


#: a unit after a title, as sheets write it: 个人账户余额（元）
_UNIT = re.compile(r"\((?:元|人民币元|rmb|yuan)\)$")


#: a note after a title, as templates write them: 身份证号码(18位), 姓名【必填】
_NOTE = re.compile(r"[(\[【]([^()\[\]【】]*)[)\]】]$")
#: a note that names an amount's unit other than yuan (万元), which the title must keep:
#: such a column is not the balance in yuan
_OTHER_UNIT = re.compile(r"[元万千百角分%‰$]|rmb|yuan|usd")


def _key(header: str) -> str:
    """Return a column title as it is matched: full-width forms folded, no spaces, no unit
    of yuan, no mark of a required column (*姓名, 姓名*) and no note after it ((18位), 【必填】)."""
    text = re.sub(r"[\s\ufeff]", "", unicodedata.normalize("NFKC", header)).lower()
    text = _UNIT.sub("", text.strip("*※"))
    for _twice in range(2):  # 身份证号(18位)(必填)
        note = _NOTE.search(text)
        if note is None or note.start() == 0 or _OTHER_UNIT.search(note.group(1)):
            break
        text = text[: note.start()].strip("*※")
    return text


SYNONYMS = {_key(s): name for name, words in FIELDS.items() for s in words}
#: columns the identity number decides (the portal's export writes them): read past
DERIVED_KEYS = frozenset(
    _key(s) for s in ("性别", "出生日期", "出生年月", "sex", "gender", "birth_date", "birthdate")
)


class MissingColumns(Exception):
    """The header lacks a required column; ``said`` names them."""

    code = "missing_columns"

    def __init__(self, missing: list[str]):
        self.missing = missing
        names = "、".join(FIELDS[m][0] for m in missing)
        self.said = Message(
            gettext_lazy("Required columns are missing: %(names)s."), {"names": names}
        )
        super().__init__(self.said)


@dataclass
class Columns:
    """Where each field is in the file, and which columns are ignored."""

    index: dict[str, int]
    header: list[str]
    ignored: list[str]  # columns no field is known by
    repeated: list[str] = field(default_factory=list)  # a field's column again: not read
    line: int = 1  # of the header: below a title and notes, which were skipped
    #: sex and birth date, as the portal's own export has them: the identity number says both
    derived: list[str] = field(default_factory=list)

    @classmethod
    def from_header(cls, header: list[str], line: int = 1) -> Columns:
        index: dict[str, int] = {}
        ignored, repeated, derived = [], [], []
        for position, title in enumerate(header):
            name = SYNONYMS.get(_key(title))
            if name and name not in index:
                index[name] = position
            elif name:
                repeated.append(title)
            elif _key(title) in DERIVED_KEYS:
                derived.append(title)
            elif title.strip() and _key(title) != _key(MEND_TITLE):
                ignored.append(title)
        missing = [f for f in REQUIRED if f not in index]
        if missing:
            raise MissingColumns(missing)
        return cls(index, header, ignored, repeated, line, derived)

    @classmethod
    def can_head(cls, row: list[str]) -> bool:
        """Whether ``row`` names every required column: a row that can be the header."""
        try:
            cls.from_header(row)
        except MissingColumns:
            return False
        return True

    def title(self, name: str) -> str:
        return self.header[self.index[name]] if name in self.index else FIELDS[name][0]

    @property
    def warnings(self) -> list[Message]:
        """Return what the run record and the preview say about the header."""
        said = []
        if self.line > 1:
            said.append(
                Message(
                    gettext_lazy(
                        "The header is on line %(line)d: the line above it (a title or notes) "
                        "was skipped."
                    ),
                    {"line": self.line, "count": self.line - 1},
                    plural=gettext_lazy(
                        "The header is on line %(line)d: the %(count)d lines above it (a title "
                        "or notes) were skipped."
                    ),
                    count="count",
                )
            )
        if self.ignored:
            said.append(
                Message(
                    gettext_lazy("Unknown columns were ignored: %(names)s."),
                    {"names": "、".join(self.ignored)},
                )
            )
        if self.derived:
            said.append(
                Message(
                    gettext_lazy(
                        "%(names)s: taken from the identity number, so these columns were not read."
                    ),
                    {"names": "、".join(self.derived)},
                )
            )
        if self.repeated:
            said.append(
                Message(
                    gettext_lazy(
                        "Columns given twice: %(names)s. Only the first of each was read."
                    ),
                    {"names": "、".join(self.repeated)},
                )
            )
        return said

    def broken_line(self, broken) -> RowError:
        """Return the fault of a line the reader could not read as a row (``BrokenLine``)."""
        if broken.reason == "unclosed_quote":
            message = Message(
                gettext_lazy(
                    "A value on this line opens a double quote that is never closed: the line "
                    "was not imported, and the lines after it were read as rows. Remove the "
                    "quote or close it."
                )
            )
        else:
            message = Message(
                gettext_lazy(
                    "A value on this line is longer than %(max)s characters: the line was not "
                    "imported, and the lines after it were read as rows."
                ),
                {"max": f"{csv.field_size_limit():,}"},
            )
        position = broken.position
        column = self.header[position] if position < len(self.header) else ""
        return RowError(broken.line, column, broken.reason, message, broken.values)

    def duplicate(self, line: int, first: int, values: list[str]) -> RowError:
        """Return the fault of a row whose identity number was already on line ``first``."""
        return RowError(
            line,
            self.title("national_id"),
            "duplicate_in_file",
            Message(
                gettext_lazy("The same identity number is on line %(line)d; that row was used."),
                {"line": first},
            ),
            values,
        )


@dataclass
class RowError:
    line: int
    column: str
    code: str
    message: Message | str
    values: list[str]
    region: str = ""  # the pooling region the row names, when its code is known


@dataclass(slots=True)
class CleanRow:
    line: int
    national_id: str
    name: str
    sex: str
    birth_date: dt.date
    insurance_type: str
    region_id: str
    enrolled_on: dt.date
    status: str
    mobile: str
    balance: Decimal | None


_MOBILE = re.compile(r"1[3-9][0-9]{9}")
# Up to 12 integer digits: what numeric(14, 2) holds; larger amounts go to the full check.
_AMOUNT = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3}){0,3}|[0-9]{1,12})(?:\.[0-9]{1,2})?")
_SEX = {str(d): "M" if d % 2 else "F" for d in range(10)}
NAME_MAX = 50
DATE_CACHE_MAX = 100_000


def _fast_date(text: str) -> dt.date | None:
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


class RowValidator:
    """Validate rows against the project's rules; regions are resolved from an in-memory map.

    :meth:`validate_chunk` checks a whole chunk column by column: a row whose
    every field is in its plain, usual form is accepted there with a handful
    of C-level operations. Any row with the least doubt goes to :meth:`_full`,
    which runs the project's validators and names each fault. The fast checks
    accept only what :meth:`_full` accepts; the tests run both on the same rows.
    """

    def __init__(self, columns: Columns, region_codes: dict[str, str], allowed_regions=None):
        self.columns = columns
        self.regions = region_codes  # any accepted code (incl. aliases) -> region code
        self.allowed = allowed_regions  # None: all
        self.today = timezone.localdate()
        self.width = max(columns.index.values()) + 1
        self.positions = {name: columns.index.get(name) for name in FIELDS}
        self._dates: dict[str, str] = {}  # date as typed -> ISO, "" if not a plain past date
        self._shown: dict[str, str] | None = None  # see _region_meant
        if allowed_regions is None:
            self._fast_regions = region_codes
        else:
            self._fast_regions = {k: v for k, v in region_codes.items() if v in allowed_regions}

    def _get(self, values: list[str], name: str) -> str:
        i = self.positions[name]
        return "" if i is None else values[i].strip()

    def _not_a_person(self, line: int, values: list[str]) -> RowError | None:
        """Return the one fault of a row that is a sheet's totals line (合计, 总计, 小计) or a
        line of its footer (制表人：张三), rather than a person's; None for any other row.

        Only a row whose identity number is not one is taken for such a line.
        """
        number = self._get(values, "national_id")
        if len(number) in (15, 18) and number[:15].isdigit():
            return None
        keys = [_key(value) for value in values if value]
        if any(key in TOTALS_WORDS for key in keys):
            code = "totals_row"
            message = gettext_lazy(
                "This is a totals row (合计), not a person: it was not imported."
            )
        elif any(_FOOTER.match(key) for key in keys):
            code = "footer_row"
            message = gettext_lazy(
                "This is a line of the sheet's footer (制表人, 审核人, 填报日期), not a person: it "
                "was not imported."
            )
        else:
            return None
        return RowError(line, "", code, Message(message), values)

    def validate(self, line: int, values: list[str]) -> CleanRow | list[RowError]:
        """Return the cleaned row, or every fault of the row."""
        return self._full(line, values)

    def _region_meant(self, raw: str) -> str:
        """Return the region an unknown value most likely means, as the portal shows it
        (370100 济南市), or "": a city's name without 市 (济南), or with its province before
        it or more after it (山东省济南市, 济南市本级), or a code with decimals as a program
        wrote a number (370100.0). It is named, not taken: 吉林 may be meant for the province
        as well as for the city of 吉林市.
        """
        code = self.regions.get(f"{raw}市") or self.regions.get(re.sub(r"\.0+$", "", raw))
        if not code and not raw.isascii():  # a name inside the value: 山东省济南市
            parts = (raw[k:] for k in range(1, len(raw) - 1))
            parts = chain(parts, (raw[:k] for k in range(len(raw) - 1, 1, -1)))
            code = next(filter(None, map(self.regions.get, parts)), None)
        if not code:
            return ""
        if self._shown is None:  # code -> "370100 济南市", made once a run needs it
            self._shown = {code: key for key, code in self.regions.items() if " " in key}
        return self._shown.get(code, code)

    def region_of(self, values: list[str]) -> str:
        """Return the pooling region a row names, whether or not the user may import it.

        "" if the row has no known region code (or is too short to have one).
        """
        i = self.positions["region"]
        if i >= len(values) or values[i] is None:
            return ""
        return self.regions.get(idnumbers.normalize(values[i]), "")

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
        day = _fast_date(text)
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
                    seen.add(result[0].region)
                    errors.extend(result)
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
        return Checked(good_lines, good_ids, records, errors, failed, seen)

    def _full(
        self, line: int, values: list[str], suspects: set[str] | None = None
    ) -> CleanRow | list[RowError] | None:
        """Check the row with the project's validators: the cleaned row, or every fault.

        With ``suspects`` (the fields the chunk's fast checks refused), only
        those fields are checked, since the fast checks accept nothing the full
        checks refuse: their faults are returned, or None if they have none.
        """
        errors: list[RowError] = []
        title = self.columns.title
        if len(values) < self.width:
            values = values + [""] * (self.width - len(values))

        def fail(name, error: ValidationError):
            message = Message(error.message, error.params)
            errors.append(RowError(line, title(name), error.code or "invalid", message, values))
            # A ValidationError is in a reference cycle with itself (its error_list), so
            # it lives until a full collection, which an import runs rarely; its
            # traceback would keep this chunk's frames, and all the chunk's rows, alive
            # with it.
            error.__traceback__ = error.__context__ = error.__cause__ = None

        def wanted(name: str) -> bool:
            return suspects is None or name in suspects

        not_a_person = self._not_a_person(line, values)
        if not_a_person is not None:
            # One fault for the row, rather than an empty name, a bad number and the rest.
            return [not_a_person]

        facts = insurance = region = status = mobile = None
        region_named = self.region_of(values)
        enrolled = balance = None
        if wanted("national_id"):
            try:
                facts = national_id_facts(self._get(values, "national_id"), self.today)
            except ValidationError as e:
                fail("national_id", e)
        name_ = idnumbers.visible_text(self._get(values, "name")).strip()
        if not wanted("name"):
            pass
        elif not name_:
            fail("name", ValidationError(gettext_lazy("The name is empty."), code="missing_name"))
        elif len(name_) > NAME_MAX:
            fail(
                "name",
                ValidationError(
                    gettext_lazy("The name is longer than %(max)d characters."),
                    code="name_too_long",
                    params={"max": NAME_MAX},
                ),
            )
        elif not name_.isprintable():
            fail(
                "name",
                ValidationError(
                    gettext_lazy(
                        "The name contains a control character (a tab, line break or NUL)."
                    ),
                    code="bad_name",
                ),
            )
        raw = self._get(values, "insurance_type")
        insurance = INSURANCE.get(raw) or INSURANCE.get(raw.lower())  # the balance needs it
        if insurance is None and wanted("insurance_type"):
            fail(
                "insurance_type",
                ValidationError(
                    gettext_lazy(
                        "%(value)s is a category of insured person (人员类别), not an insurance "
                        "type: write 职工 (employee medical insurance) or 居民 (urban and rural "
                        "residents)."
                    )
                    if raw in PERSON_CATEGORIES
                    else gettext_lazy(
                        "%(value)s is not an insurance type (职工医保 or 城乡居民医保)."
                    ),
                    code="bad_insurance_type",
                    params={"value": raw},
                ),
            )
        if wanted("region"):
            region = region_named or None
            if region is None:
                raw = idnumbers.normalize(self._get(values, "region"))
                meant = self._region_meant(raw)
                fail(
                    "region",
                    ValidationError(
                        gettext_lazy(
                            "%(value)s is not a known pooling region code. Did you mean %(region)s?"
                        )
                        if meant
                        else gettext_lazy("%(value)s is not a known pooling region code."),
                        code="unknown_region",
                        params={"value": raw, "region": meant},
                    ),
                )
            elif self.allowed is not None and region not in self.allowed:
                fail(
                    "region",
                    ValidationError(
                        gettext_lazy(
                            "Region %(value)s is not one of your regions; the row was not imported."
                        ),
                        code="region_not_allowed",
                        params={"value": region},
                    ),
                )
        if wanted("enrolled_on"):
            try:
                enrolled = parse_date(self._get(values, "enrolled_on"))
                if enrolled > self.today:
                    raise ValidationError(
                        gettext_lazy("%(value)s is in the future."),
                        code="future_date",
                        params={"value": enrolled},
                    )
            except ValidationError as e:
                fail("enrolled_on", e)
        if wanted("status"):
            raw = self._get(values, "status")
            status = STATUS.get(raw) or STATUS.get(raw.lower())
            if status is None:
                fail(
                    "status",
                    ValidationError(
                        gettext_lazy(
                            "%(value)s is not an enrolment status (正常, 暂停, 终止, 死亡)."
                        ),
                        code="bad_status",
                        params={"value": raw},
                    ),
                )
        if wanted("mobile"):
            try:
                mobile = clean_mobile(self._get(values, "mobile"))
            except ValidationError as e:
                fail("mobile", e)
        raw = self._get(values, "balance")
        if raw and wanted("balance"):
            if insurance == InsuranceType.RESIDENT:
                fail(
                    "balance",
                    ValidationError(
                        gettext_lazy("Resident-insured persons have no personal account balance."),
                        code="balance_for_resident",
                    ),
                )
            else:
                try:
                    balance = clean_amount(raw)
                except ValidationError as e:
                    fail("balance", e)
        if errors:
            for error in errors:
                error.region = region_named
            return errors
        if suspects is not None:
            return None
        return CleanRow(
            line,
            facts.number,
            name_,
            facts.sex,
            facts.birth_date,
            insurance,
            region,
            enrolled,
            status,
            mobile,
            balance,
        )


def allowed_regions(user) -> set[str] | None:
    """Return the region codes ``user`` may import rows for; None for every region."""
    from portal.scoping import ALL, region_codes

    if user is None:
        return None
    codes = region_codes(user)
    return None if codes is ALL else set(codes)


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_record(r: CleanRow) -> str:
    """Return ``r`` as one line of PostgreSQL's text COPY format (without the newline)."""
    balance = "\\N" if r.balance is None else str(r.balance)
    return (
        f"{r.national_id}\t{r.name.translate(_ESCAPES)}\t{r.sex}\t{r.birth_date:%Y%m%d}\t"
        f"{r.insurance_type}\t{r.region_id}\t{r.enrolled_on.isoformat()}\t{r.status}\t"
        f"{r.mobile}\t{balance}"
    )
