"""Map headers and validate rows of an enrollment file with the project's validators."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import idnumbers
from accounts.choices import InsuranceType, PersonStatus
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
        "证件号码",
        "national_id",
        "id_number",
        "idnumber",
    ),
    "name": ("姓名", "name"),
    "insurance_type": ("参保类型", "险种", "险种类型", "insurance_type", "insurancetype"),
    "region": (
        "统筹区编码",
        "统筹区",
        "统筹区代码",
        "参保地编码",
        "region",
        "region_code",
        "regioncode",
    ),
    "enrolled_on": ("参保日期", "参保时间", "enrolled_on", "enrolment_date", "enrollment_date"),
    "balance": ("个人账户余额", "账户余额", "余额", "balance", "account_balance"),
    "mobile": ("手机号", "手机号码", "联系电话", "mobile", "phone"),
    "status": ("参保状态", "status"),
}
REQUIRED = ("national_id", "name", "insurance_type", "region", "enrolled_on")
INSURANCE = {
    **dict.fromkeys(
        ["职工", "职工医保", "职工基本医疗保险", "城镇职工", "employee"], InsuranceType.EMPLOYEE
    ),
    **dict.fromkeys(
        ["居民", "城乡居民", "城乡居民医保", "居民医保", "城乡居民基本医疗保险", "resident"],
        InsuranceType.RESIDENT,
    ),
}
STATUS = {
    **dict.fromkeys(["正常", "参保", "正常参保", "参保缴费", "active", ""], PersonStatus.ACTIVE),
    **dict.fromkeys(["暂停", "暂停参保", "中断", "暂停缴费", "suspended"], PersonStatus.SUSPENDED),
    **dict.fromkeys(["终止", "终止参保", "注销", "terminated"], PersonStatus.TERMINATED),
    **dict.fromkeys(["死亡", "deceased"], PersonStatus.DECEASED),
}
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$|^(\d{4})(\d{2})(\d{2})$")


def _key(header: str) -> str:
    return re.sub(r"[\s\ufeff]", "", header).lower()


SYNONYMS = {_key(s): name for name, words in FIELDS.items() for s in words}


class MissingColumns(Exception):
    def __init__(self, missing: list[str]):
        self.missing = missing
        names = "、".join(FIELDS[m][0] for m in missing)
        super().__init__(_("Required columns are missing: %(names)s.") % {"names": names})


@dataclass
class Columns:
    """Where each field is in the file, and which columns are ignored."""

    index: dict[str, int]
    header: list[str]
    ignored: list[str]

    @classmethod
    def from_header(cls, header: list[str]) -> Columns:
        index: dict[str, int] = {}
        ignored = []
        for position, title in enumerate(header):
            name = SYNONYMS.get(_key(title))
            if name and name not in index:
                index[name] = position
            elif title.strip():
                ignored.append(title)
        missing = [f for f in REQUIRED if f not in index]
        if missing:
            raise MissingColumns(missing)
        return cls(index, header, ignored)

    def title(self, name: str) -> str:
        return self.header[self.index[name]] if name in self.index else FIELDS[name][0]


@dataclass
class RowError:
    line: int
    column: str
    code: str
    message: str
    values: list[str]


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


_ID_CHARS = re.compile(r"[0-9]{17}[0-9X]")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_AMOUNT = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]{1,2})?")


def _fast_date(text: str) -> dt.date | None:
    """Parse 2021-02-03, 2021/2/3 or 20210203 quickly; None for anything else."""
    try:
        if len(text) == 8 and text.isdigit():
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


def parse_date(text: str) -> dt.date:
    match = _DATE.match(text.strip())
    if not match:
        raise ValidationError(
            _("%(value)s is not a date."), code="bad_date", params={"value": text}
        )
    y, m, d = (int(g) for g in (match.groups()[:3] if match.group(1) else match.groups()[3:]))
    try:
        return dt.date(y, m, d)
    except ValueError:
        raise ValidationError(
            _("%(value)s is not a real date."), code="bad_date", params={"value": text}
        ) from None


class RowValidator:
    """Validate rows against the project's rules; regions are resolved from an in-memory map."""

    def __init__(self, columns: Columns, region_codes: dict[str, str], allowed_regions=None):
        self.columns = columns
        self.regions = region_codes  # any accepted code (incl. aliases) -> region code
        self.allowed = allowed_regions  # None: all
        self.today = timezone.localdate()
        self.width = max(columns.index.values()) + 1
        self.positions = {name: columns.index.get(name) for name in FIELDS}

    def _get(self, values: list[str], name: str) -> str:
        i = self.positions[name]
        return "" if i is None else values[i].strip()

    def validate(self, line: int, values: list[str]) -> CleanRow | list[RowError]:
        """Return the cleaned row, or every fault of the row."""
        if len(values) >= self.width:
            row = self._fast(line, values)
            if row is not None:
                return row
        return self._full(line, values)

    def _fast(self, line: int, values: list[str]) -> CleanRow | None:
        """Clean a row that has no fault with as few calls as possible; None for any doubt.

        It accepts only what :meth:`_full` accepts (the tests run both on the
        same rows); anything unusual goes to :meth:`_full`, which says why.
        """
        pos = self.positions
        number = values[pos["national_id"]].strip()
        if len(number) != 18 or not number.isascii():
            return None
        number = number.upper()
        if not _ID_CHARS.fullmatch(number) or number[:2] not in idnumbers.PROVINCE_PREFIXES:
            return None
        try:
            birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        except ValueError:
            return None
        if birth > self.today or birth < EARLIEST_BIRTH:
            return None
        if idnumbers.check_char(number[:17]) != number[17]:
            return None
        name = values[pos["name"]].strip()
        insurance = INSURANCE.get(values[pos["insurance_type"]].strip())
        region = self.regions.get(values[pos["region"]].strip())
        if not name or insurance is None or region is None:
            return None
        if self.allowed is not None and region not in self.allowed:
            return None
        enrolled = _fast_date(values[pos["enrolled_on"]].strip())
        if enrolled is None or enrolled > self.today:
            return None
        i = pos["status"]
        status = STATUS.get(values[i].strip()) if i is not None else PersonStatus.ACTIVE
        i = pos["mobile"]
        mobile = values[i].strip() if i is not None else ""
        if status is None or (mobile and not _MOBILE.fullmatch(mobile)):
            return None
        i = pos["balance"]
        balance = None
        raw = values[i].strip() if i is not None else ""
        if raw:
            if insurance != InsuranceType.EMPLOYEE or not _AMOUNT.fullmatch(raw):
                return None
            balance = Decimal(raw.replace(",", ""))
        return CleanRow(
            line,
            number,
            name,
            "M" if int(number[16]) % 2 else "F",
            birth,
            insurance,
            region,
            enrolled,
            status,
            mobile,
            balance,
        )

    def _full(self, line: int, values: list[str]) -> CleanRow | list[RowError]:
        errors: list[RowError] = []
        title = self.columns.title
        if len(values) < self.width:
            values = values + [""] * (self.width - len(values))

        def fail(name, error: ValidationError):
            message = error.messages[0] if error.messages else str(error)
            errors.append(RowError(line, title(name), error.code or "invalid", message, values))

        facts = insurance = region = status = mobile = None
        enrolled = balance = None
        try:
            facts = national_id_facts(self._get(values, "national_id"), self.today)
        except ValidationError as e:
            fail("national_id", e)
        name_ = self._get(values, "name")
        if not name_:
            fail("name", ValidationError(_("The name is empty."), code="missing_name"))
        raw = self._get(values, "insurance_type")
        insurance = INSURANCE.get(raw) or INSURANCE.get(raw.lower())
        if insurance is None:
            fail(
                "insurance_type",
                ValidationError(
                    _("%(value)s is not an insurance type (职工医保 or 城乡居民医保)."),
                    code="bad_insurance_type",
                    params={"value": raw},
                ),
            )
        raw = idnumbers.normalize(self._get(values, "region"))
        region = self.regions.get(raw)
        if region is None:
            fail(
                "region",
                ValidationError(
                    _("%(value)s is not a known pooling region code."),
                    code="unknown_region",
                    params={"value": raw},
                ),
            )
        elif self.allowed is not None and region not in self.allowed:
            fail(
                "region",
                ValidationError(
                    _("Region %(value)s is not one of your regions; the row was not imported."),
                    code="region_not_allowed",
                    params={"value": region},
                ),
            )
        try:
            enrolled = parse_date(self._get(values, "enrolled_on"))
            if enrolled > self.today:
                raise ValidationError(
                    _("%(value)s is in the future."), code="future_date", params={"value": enrolled}
                )
        except ValidationError as e:
            fail("enrolled_on", e)
        raw = self._get(values, "status")
        status = STATUS.get(raw) or STATUS.get(raw.lower())
        if status is None:
            fail(
                "status",
                ValidationError(
                    _("%(value)s is not an enrolment status (正常, 暂停, 终止, 死亡)."),
                    code="bad_status",
                    params={"value": raw},
                ),
            )
        try:
            mobile = clean_mobile(self._get(values, "mobile"))
        except ValidationError as e:
            fail("mobile", e)
        raw = self._get(values, "balance")
        if raw:
            if insurance == InsuranceType.RESIDENT:
                fail(
                    "balance",
                    ValidationError(
                        _("Resident-insured persons have no personal account balance."),
                        code="balance_for_resident",
                    ),
                )
            else:
                try:
                    balance = clean_amount(raw)
                except ValidationError as e:
                    fail("balance", e)
        if errors:
            return errors
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


def region_code_map() -> dict[str, str]:
    """Return every accepted code (regions and aliases) mapped to its pooling region code."""
    from policies.models import Region, RegionAlias

    codes = {code: code for code in Region.objects.values_list("code", flat=True)}
    codes.update(dict(RegionAlias.objects.values_list("code", "region_id")))
    return codes
