"""Preview a small enrollment file before importing it (``services.imports`` confirms or
cancels it).

:func:`preview_enrollment` reads the file, validates every row with the
import's own validator and compares the good rows with the database, writing
nothing. Its counts are those the import would record now: persons are
matched by identity number, and a person counts as changed by the rule the
writer applies (``changes``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from pathlib import Path

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils.translation import pgettext_lazy

from accounts import idnumbers
from accounts.choices import InsuranceType, PersonStatus
from accounts.models import InsuredPerson, PersonalAccount, shown_encoding
from policies.selectors import region_code_map

from .changes import (
    BALANCE,
    CHANGED,
    OPENED,
    account_change,
    change_kind,
    fields_set,
    fields_unset,
    fields_unset_said,
    person_changes,
    revival_fault,
    revives_the_dead,
    summary_key,
)
from .endings import NO_ROWS
from .headers import Columns
from .reader import open_source
from .records import OTHER_REGION, CleanRow, RowError
from .rows import RowValidator, allowed_regions

#: Files with more non-blank data rows than this are imported in the background, unpreviewed.
PREVIEW_MAX_ROWS = 10_000
#: Identity numbers looked up per query.
LOOKUP_BATCH = 2_000
#: Rows of each outcome shown on the preview page.
SHOWN_PER_OUTCOME = 500


class Outcome(models.TextChoices):
    """What the import would do with a row; declared in the order the page lists them."""

    ERROR = "error", pgettext_lazy("import outcome", "error")
    CHANGED = "changed", pgettext_lazy("import outcome", "changed")
    NEW = "new", pgettext_lazy("import outcome", "new")
    UNCHANGED = "unchanged", pgettext_lazy("import outcome", "unchanged")
    #: a row of a region the importer may not write: left for its caseworkers, not a fault
    OTHER_REGION = "other_region", pgettext_lazy("import outcome", "other region")


@dataclass
class Change:
    """One field the import would change: its name and both values as a person reads them."""

    field: str
    old: str
    new: str
    #: the change summary's key (``changes.summary_key``): "status:deceased>active" …
    key: str = ""


@dataclass
class PreviewRow:
    line: int
    outcome: Outcome
    national_id: str
    name: str
    region: str
    changes: list[Change] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


@dataclass
class OutcomeGroup:
    outcome: Outcome
    rows: list[PreviewRow]  # at most ``shown`` of them
    more: int  # rows of this outcome not in ``rows``


@dataclass
class Preview:
    """What importing a file would do now, row by row, in file order."""

    encoding: str
    warnings: list[str]
    rows: int
    created: int
    updated: int
    unchanged: int
    failed: int
    items: list[PreviewRow]
    #: which fields the file leaves as they are, said in words ("" if it sets them all)
    fields_unset: str = ""
    #: the rows of regions the importer may not write, by region code (not in ``failed``)
    other_by_region: dict[str, int] = field(default_factory=dict)
    #: what the import would change of stored persons: {"field:kind": persons}, as the
    #: run counts it (``ImportRun.change_summary``)
    change_summary: dict[str, int] = field(default_factory=dict)

    @property
    def other_region_rows(self) -> int:
        """Return how many rows are of regions the importer may not write."""
        return sum(self.other_by_region.values())

    @property
    def writes(self) -> int:
        """Return how many persons the import would create or update."""
        return self.created + self.updated

    def groups(self, shown: int | None = None, others: bool = False) -> list[OutcomeGroup]:
        """Return the rows by outcome (errors first), at most ``shown`` of each.

        ``shown`` defaults to :data:`SHOWN_PER_OUTCOME`. The rows of other regions are
        left out unless ``others``: they are not faults to mend.
        """
        shown = SHOWN_PER_OUTCOME if shown is None else shown
        by_outcome: dict[Outcome, list[PreviewRow]] = {o: [] for o in Outcome}
        for item in self.items:
            by_outcome[item.outcome].append(item)
        if not others:
            del by_outcome[Outcome.OTHER_REGION]
        return [
            OutcomeGroup(outcome, rows[:shown], max(len(rows) - shown, 0))
            for outcome, rows in by_outcome.items()
            if rows
        ]


def preview_enrollment(*, path: Path, user, limit: int | None = None) -> Preview | None:
    """Return what importing the file at ``path`` as ``user`` would do; write nothing.

    Return None when the file has more than ``limit`` non-blank data rows
    (default :data:`PREVIEW_MAX_ROWS`): such a file is imported in the
    background without a preview. Raise ``UnreadableFile`` or
    ``MissingColumns`` when the import would stop on the file itself, and
    ``OSError`` when the file cannot be opened.
    """
    limit = PREVIEW_MAX_ROWS if limit is None else limit
    source = open_source(Path(path))
    try:
        columns = Columns.from_header(source.header, source.header_line)
        lines: list[int] = []
        rows: list[list[str]] = []
        broken: dict[int, RowError] = {}  # lines that cannot be read as rows, by line
        for chunk_lines, chunk_rows in source.chunks(limit + 1):
            lines += chunk_lines
            rows += chunk_rows
            for found in source.take_broken_lines():
                broken[found.line] = columns.broken_line(found)
            if len(rows) + len(broken) > limit:
                return None
    finally:
        source.close()
    if broken:  # in file order among the rows, as the import reports them
        merged = sorted(
            [*zip(lines, rows, strict=True), *((b.line, b.values) for b in broken.values())],
            key=itemgetter(0),
        )
        lines, rows = [line for line, _ in merged], [values for _, values in merged]

    code_map = region_code_map()
    validator = RowValidator(columns, code_map, allowed_regions(user))
    first_line: dict[str, int] = {}
    checked: list[CleanRow | list[RowError]] = []
    for line, values in zip(lines, rows, strict=True):
        result = [broken[line]] if line in broken else validator.validate(line, values)
        if isinstance(result, CleanRow):
            first = first_line.setdefault(result.national_id, line)
            if first != line:  # as the import does: the first good row of a number is used
                result = [columns.duplicate(line, first, values)]
        checked.append(result)

    good = [r for r in checked if isinstance(r, CleanRow)]
    fields = fields_set(columns)
    persons = _persons([r.national_id for r in good])
    # A row with errors shows its region by name too when the code it gives is known.
    error_codes = {
        validator.region_of(values)
        for result, values in zip(checked, rows, strict=True)
        if isinstance(result, list)
    }
    regions = _region_names(
        {r.region_id for r in good} | {p.region_id for p in persons.values()} | error_codes
    )

    def shown_region(typed: str) -> str:
        return regions.get(code_map.get(idnumbers.normalize(typed)), typed)

    items = [
        _error_row(result, values, columns, shown_region)
        if isinstance(result, list)
        else _clean_row(result, persons.get(result.national_id), regions, fields, columns)
        for result, values in zip(checked, rows, strict=True)
    ]
    count = {o: 0 for o in Outcome}
    others: dict[str, int] = {}
    summary: dict[str, int] = {}
    for item in items:
        count[item.outcome] += 1
        if item.outcome == Outcome.OTHER_REGION:
            region = item.errors[0].region
            others[region] = others.get(region, 0) + 1
        for change in item.changes:
            summary[change.key] = summary.get(change.key, 0) + 1
    return Preview(
        encoding=shown_encoding(source.encoding),
        warnings=[str(note) for note in [*source.notes, *columns.warnings]]
        + ([str(NO_ROWS)] if not rows else []),
        rows=len(rows),
        created=count[Outcome.NEW],
        updated=count[Outcome.CHANGED],
        unchanged=count[Outcome.UNCHANGED],
        failed=count[Outcome.ERROR],
        items=items,
        fields_unset=str(fields_unset_said(fields_unset(columns)) or ""),
        other_by_region=others,
        change_summary=summary,
    )


def _persons(national_ids: list[str]) -> dict[str, InsuredPerson]:
    """Return the stored persons with these numbers (and their accounts), by number."""
    found: dict[str, InsuredPerson] = {}
    for start in range(0, len(national_ids), LOOKUP_BATCH):
        batch = national_ids[start : start + LOOKUP_BATCH]
        for person in InsuredPerson.objects.filter(national_id__in=batch).select_related("account"):
            found[person.national_id] = person
    return found


def _region_names(codes: set[str]) -> dict[str, str]:
    """Return "code name" of each of these pooling regions, by code."""
    from policies.models import Region

    codes = [c for c in codes if c]
    return {code: str(region) for code, region in Region.objects.in_bulk(codes).items()}


def _clean_row(
    row: CleanRow, person: InsuredPerson | None, regions: dict[str, str], fields, columns
) -> PreviewRow:
    region = regions.get(row.region_id, row.region_id)
    if person is None:
        return PreviewRow(row.line, Outcome.NEW, row.national_id, row.name, region)
    if "status" in fields and revives_the_dead(person.status, row.status):
        fault = revival_fault(row.line, columns.title("status"), row.status, [])
        return PreviewRow(
            row.line, Outcome.ERROR, row.national_id, row.name, region, errors=[fault]
        )
    changes = _changes(row, person, regions, fields)
    outcome = Outcome.CHANGED if changes else Outcome.UNCHANGED
    return PreviewRow(row.line, outcome, row.national_id, row.name, region, changes)


def _changes(
    row: CleanRow, person: InsuredPerson, regions: dict[str, str], fields: tuple[str, ...]
) -> list[Change]:
    """Return what the import would change for an existing person (``changes``' rule)."""
    changes = []
    for column, old, new in person_changes(person, row, fields):
        name = column.removesuffix("_id")  # region_id is the region field's column
        changes.append(
            Change(
                _verbose_name(InsuredPerson, name),
                _shown(name, old, regions),
                _shown(name, new, regions),
                summary_key(column, change_kind(column, old, new)),
            )
        )
    try:
        balance: Decimal | None = person.account.balance
    except ObjectDoesNotExist:
        balance = None
    if moved := account_change(row.insurance_type, balance, row.balance):
        old, new = moved
        title = _verbose_name(PersonalAccount, "balance")
        kind = summary_key(BALANCE, OPENED if old is None else CHANGED)
        changes.append(Change(title, "—" if old is None else _money(old), _money(new), kind))
    return changes


def _verbose_name(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def _shown(name: str, value, regions: dict[str, str]) -> str:
    """Return the value of person field ``name`` as the admin shows it."""
    if name == "insurance_type":
        return str(InsuranceType(value).label)
    if name == "status":
        return str(PersonStatus(value).label)
    if name == "region":
        return regions.get(value, value)
    if name == "enrolled_on":
        return value.isoformat()
    return value or "—"


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _typed(values: list[str], columns: Columns, name: str) -> str:
    """Return the value of column ``name`` as typed in the file ("" if the row is short)."""
    position = columns.index.get(name)
    return values[position].strip() if position is not None and position < len(values) else ""


def _error_row(
    errors: list[RowError], values: list[str], columns: Columns, shown_region
) -> PreviewRow:
    other_region = errors[0].code == OTHER_REGION
    return PreviewRow(
        errors[0].line,
        Outcome.OTHER_REGION if other_region else Outcome.ERROR,
        _typed(values, columns, "national_id"),
        _typed(values, columns, "name"),
        shown_region(_typed(values, columns, "region")),
        errors=errors,
    )
