"""Validate the rows of an enrollment file with the project's validators, naming each fault."""

from __future__ import annotations

import re
from itertools import chain

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts import idnumbers
from accounts.choices import InsuranceType
from accounts.messages import Message
from accounts.validators import clean_amount, clean_mobile, clean_name, national_id_facts
from policies.selectors import region_alias_kinds

from .dates import parse_date
from .fast_checks import ChunkChecks
from .headers import Columns
from .records import OTHER_REGION, CleanRow, RowError
from .vocabulary import (
    FIELDS,
    FOOTER,
    INSURANCE,
    PERSON_CATEGORIES,
    STATUS,
    TOTALS_WORDS,
    title_key,
)


def region_read_as(typed: str, region: str, kinds: dict[str, str]) -> Message | None:
    """Say why the region code ``typed`` was read as ``region`` (an alias of it, see
    ``policies.selectors.region_alias_kinds``); None if ``typed`` is no alias."""
    kind = kinds.get(typed)
    if kind == "municipality":
        return Message(
            gettext_lazy(
                "a municipality is pooled as one region at the level of a province, and its "
                "city-level code %(value)s stands for that pool"
            ),
            {"value": typed},
        )
    if kind == "province_pool":
        return Message(
            gettext_lazy(
                "%(value)s is how some agencies write the province's own pool (省本级), %(code)s"
            ),
            {"value": typed, "code": region},
        )
    if kind:
        return Message(
            gettext_lazy("%(value)s is another code of that region (%(note)s)"),
            {"value": typed, "note": kind},
        )
    return None


class RowValidator(ChunkChecks):
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
        self._shown: dict[str, str] | None = None  # see _region_shown
        self._aliases: dict[str, str] | None = None  # see region_alias_kinds
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
        keys = [title_key(value) for value in values if value]
        if any(key in TOTALS_WORDS for key in keys):
            code = "totals_row"
            message = gettext_lazy(
                "This is a totals row (合计), not a person: it was not imported."
            )
        elif any(FOOTER.match(key) for key in keys):
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
        return self._region_shown(code)

    def _region_shown(self, code: str) -> str:
        """Return a region code as the portal shows the region: 370100 济南市."""
        if self._shown is None:  # code -> "370100 济南市", made once a run needs it
            self._shown = {code: key for key, code in self.regions.items() if " " in key}
        return self._shown.get(code, code)

    def _other_region(self, line: int, values: list[str], region: str) -> RowError:
        """Return the one fault of a row of a region the importer may not write
        (``OTHER_REGION``), saying how its region was read when the file names it otherwise."""
        typed = idnumbers.normalize(self._get(values, "region"))
        params = {"region": self._region_shown(region), "value": typed}
        read_as = ""
        if typed != region:
            read_as = region_read_as(typed, region, self._alias_kinds())
        if read_as:
            params["why"] = read_as
            message = gettext_lazy(
                "%(value)s was read as %(region)s: %(why)s. That region is not one of yours: "
                "the row was left for its caseworkers."
            )
        else:
            message = gettext_lazy(
                "The row is of %(region)s, not one of your regions: it was left for its "
                "caseworkers."
            )
        title = self.columns.title("region")
        return RowError(line, title, OTHER_REGION, Message(message, params), values, region)

    def _alias_kinds(self) -> dict[str, str]:
        if self._aliases is None:
            self._aliases = region_alias_kinds()
        return self._aliases

    def region_of(self, values: list[str]) -> str:
        """Return the pooling region a row names, whether or not the user may import it.

        "" if the row has no known region code (or is too short to have one).
        """
        i = self.positions["region"]
        if i >= len(values) or values[i] is None:
            return ""
        return self.regions.get(idnumbers.normalize(values[i]), "")

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
        if self.allowed is not None and region_named and region_named not in self.allowed:
            # Not a fault of the file: the row is another region's, left for its
            # caseworkers, and its other faults are theirs to see.
            return [self._other_region(line, values, region_named)]
        enrolled = balance = None
        if wanted("national_id"):
            try:
                facts = national_id_facts(self._get(values, "national_id"), self.today)
            except ValidationError as e:
                fail("national_id", e)
        try:  # the fast checks passed a name that is not a suspect: it passes here too
            name_ = clean_name(self._get(values, "name"))
        except ValidationError as e:
            name_ = ""
            if wanted("name"):
                fail("name", e)
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
