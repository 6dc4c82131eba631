"""What counts as a change when an import meets a stored person: the one rule.

The writer applies it in SQL (``row_differs``, ``account_unchanged``), the preview in
Python (``person_changes``, ``account_change``), both from the same field list and the
same account rule:

- a person changes when any of ``PERSON_FIELDS`` that the file sets differs (sex and
  birth date follow the identity number, which is the key); a file without a 参保状态 or
  手机号 column leaves those fields as they are (``fields_set``);
- an employee-insured person without an account is given one, with the file's balance
  or 0; an existing account's balance is set only when the file gives one.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.choices import InsuranceType, PersonStatus
from accounts.messages import Message

from .records import RowError
from .vocabulary import FIELDS

#: the person fields an import compares and writes
PERSON_FIELDS = ("name", "insurance_type", "region_id", "enrolled_on", "status", "mobile")


def row_of(alias: str, fields: tuple[str, ...] = PERSON_FIELDS) -> str:
    """Return ``fields`` of ``alias`` as one SQL row value: (p.name, p.insurance_type …)."""
    return "(" + ", ".join(f"{alias}.{f}" for f in fields) + ")"


def row_differs(stored: str, incoming: str, fields: tuple[str, ...] = PERSON_FIELDS) -> str:
    """Return the SQL condition: the person ``stored`` differs from the row ``incoming`` in
    one of ``fields`` (those the file sets)."""
    return f"{row_of(stored, fields)} IS DISTINCT FROM {row_of(incoming, fields)}"


def account_unchanged(person: str, incoming: str) -> str:
    """Return the SQL condition: the import leaves ``person``'s account as it is."""
    return (
        f"({incoming}.insurance_type <> '{InsuranceType.EMPLOYEE}' "
        f"OR EXISTS (SELECT 1 FROM accounts_personalaccount a WHERE a.person_id = {person}.id "
        f"AND ({incoming}.balance IS NULL OR a.balance = {incoming}.balance)))"
    )


#: an enrolment status no file undoes: a file that says otherwise is most likely an extract
#: older than the death's record, and the row is refused (``deceased_not_revived``); a
#: supervisor corrects a wrong death on the person's page. Every other status may change
#: by file: a terminated or suspended enrolment resumes (续保, 重新参保) as a matter of course.
FINAL_STATUS = PersonStatus.DECEASED


def revives_the_dead(stored_status: str, incoming_status: str) -> bool:
    """Whether a row would take a deceased person back to another status."""
    return stored_status == FINAL_STATUS and incoming_status != FINAL_STATUS


def revival_refused(stored: str, incoming: str) -> str:
    """Return the SQL condition of :func:`revives_the_dead` for the person ``stored`` and the
    row ``incoming``."""
    return f"{stored}.status = '{FINAL_STATUS}' AND {incoming}.status <> '{FINAL_STATUS}'"


def revival_fault(line: int, column: str, status: str, values: list[str]) -> RowError:
    """Return the fault of a row that would take a deceased person back to ``status``."""
    return RowError(
        line,
        column,
        "deceased_not_revived",
        Message(
            _(
                "This person is recorded as deceased (死亡); a file cannot make them %(status)s "
                "again. The extract is most likely older than the record of the death: check "
                "the person's page, where a supervisor corrects a death recorded in error."
            ),
            {"status": PersonStatus(status).label},
        ),
        values,
    )


def person_changes(
    stored, incoming, fields: tuple[str, ...] = PERSON_FIELDS
) -> list[tuple[str, object, object]]:
    """Return (field, stored value, incoming value) for each of ``fields`` that changes."""
    return [
        (name, getattr(stored, name), getattr(incoming, name))
        for name in fields
        if getattr(stored, name) != getattr(incoming, name)
    ]


#: the person fields set by a column the file may lack, and that column's field name
OPTIONAL_COLUMNS = {"status": "status", "mobile": "mobile"}


def fields_set(columns) -> tuple[str, ...]:
    """Return the person fields a file with ``columns`` (``Columns``) sets: every field but
    those of an optional column it lacks."""
    lacking = {field for field, name in OPTIONAL_COLUMNS.items() if name not in columns.index}
    return tuple(f for f in PERSON_FIELDS if f not in lacking)


def account_change(
    insurance_type: str, stored: Decimal | None, incoming: Decimal | None
) -> tuple[Decimal | None, Decimal] | None:
    """Return (stored balance, balance written) if the import changes the account; else None.

    ``stored`` is None for a person without an account.
    """
    if insurance_type != InsuranceType.EMPLOYEE:
        return None
    if stored is None:
        return None, incoming or Decimal(0)
    if incoming is not None and incoming != stored:
        return stored, incoming
    return None


def fields_unset(columns) -> list[str]:
    """Return the optional fields a file with ``columns`` has no column for, and so leaves
    as they are for stored persons (``FIELDS`` names)."""
    return [name for name in OPTIONAL_COLUMNS.values() if name not in columns.index]


def fields_unset_said(names: list[str]) -> Message | None:
    """Say which fields a file left as they are (``fields_unset``); None if it set them all."""
    if not names:
        return None
    return Message(
        _(
            "The file has no column for %(names)s: stored persons keep what they have; "
            "new persons get the default (no mobile, an active enrolment)."
        ),
        {"names": "、".join(FIELDS[name][0] for name in names)},
    )


# --- what a run changes, field by field (the run's and the preview's change summary) -----

#: the person fields whose changes are counted by the pair of values (死亡→正常): each value
#: has its consequences (an enrolment that ends ends its bindings)
PAIRED_FIELDS = ("status", "insurance_type")
#: the person fields a file may empty (a mobile): cleared, filled or changed
CLEARABLE_FIELDS = ("mobile",)
#: the summary's key for the personal account's balance (not a person field)
BALANCE = "balance"
#: how a field other than a paired one changed
CHANGED, CLEARED, FILLED, OPENED = "changed", "cleared", "filled", "opened"


def change_kind(name: str, stored, incoming) -> str:
    """Return how person field ``name`` changes from ``stored`` to ``incoming`` (which differ):
    ``stored>incoming`` for a paired field, else cleared, filled or changed."""
    if name in PAIRED_FIELDS:
        return f"{stored}>{incoming}"
    if name in CLEARABLE_FIELDS and not incoming:
        return CLEARED
    if name in CLEARABLE_FIELDS and not stored:
        return FILLED
    return CHANGED


def change_kind_sql(name: str, stored: str, incoming: str) -> str:
    """Return the SQL of :func:`change_kind` as one token ``field:kind`` for the person
    ``stored`` and the row ``incoming``; NULL where the field does not change."""
    a, b = f"{stored}.{name}", f"{incoming}.{name}"
    if name in PAIRED_FIELDS:
        kind = f"{a} || '>' || {b}"
    elif name in CLEARABLE_FIELDS:
        kind = (
            f"CASE WHEN {b} = '' THEN '{CLEARED}' WHEN {a} = '' THEN '{FILLED}' "
            f"ELSE '{CHANGED}' END"
        )
    else:
        kind = f"'{CHANGED}'"
    return f"CASE WHEN {a} IS DISTINCT FROM {b} THEN '{name}:' || {kind} END"


def change_tokens_sql(stored: str, incoming: str, fields: tuple[str, ...] = PERSON_FIELDS) -> str:
    """Return the SQL text of the changes of a person, one ``field:kind`` token per field
    that changes, separated by spaces ('' when none: NULLs are skipped)."""
    return "concat_ws(' ', " + ", ".join(change_kind_sql(f, stored, incoming) for f in fields) + ")"


def summary_key(name: str, kind: str) -> str:
    """Return the change summary's key of field ``name`` changed as ``kind``."""
    return f"{name}:{kind}"


def tokens_counted(tokens) -> dict[str, int]:
    """Count the ``field:kind`` tokens of each changed person (see ``change_tokens_sql``)."""
    return dict(Counter(" ".join(tokens).split()))


def balance_changes(changed: int, opened: int) -> dict[str, int]:
    """Return the summary's counts of balances set and of accounts opened for stored persons."""
    counts = {}
    if changed:
        counts[summary_key(BALANCE, CHANGED)] = changed
    if opened:
        counts[summary_key(BALANCE, OPENED)] = opened
    return counts


def add_counts(total: dict[str, int], more: dict[str, int]) -> dict[str, int]:
    """Add ``more`` to ``total`` (in place) and return it."""
    for key, count in more.items():
        total[key] = total.get(key, 0) + count
    return total


#: the order in which the summary lists fields: as a person's page lists them
SUMMARY_ORDER = ("status", "insurance_type", "region_id", "name", "enrolled_on", "mobile", BALANCE)


def _field_label(name: str) -> str:
    from accounts.models import InsuredPerson

    if name == BALANCE:
        return str(_("personal account balance"))
    return str(InsuredPerson._meta.get_field(name.removesuffix("_id")).verbose_name)


_KIND_LABELS = {
    CHANGED: pgettext_lazy("change summary", "changed"),
    CLEARED: pgettext_lazy("change summary", "cleared"),
    FILLED: pgettext_lazy("change summary", "filled in"),
    OPENED: pgettext_lazy("change summary", "account opened"),
}


def _value_label(name: str, value: str) -> str:
    choices = PersonStatus if name == "status" else InsuranceType
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _kind_label(name: str, kind: str) -> str:
    if name in PAIRED_FIELDS and ">" in kind:
        old, new = kind.split(">", 1)
        return f"{_value_label(name, old)}→{_value_label(name, new)}"
    return str(_KIND_LABELS.get(kind, kind))


def summary_lines(summary: dict[str, int] | None) -> list[tuple[str, str, int]]:
    """Return a change summary ({"field:kind": rows}) as (field, change, rows) in the reader's
    language: fields in ``SUMMARY_ORDER``, the most frequent change of each first."""
    if not summary:
        return []
    rows = []
    for key, count in summary.items():
        name, _sep, kind = key.partition(":")
        if count:
            rows.append((name, kind, count))
    order = {name: i for i, name in enumerate(SUMMARY_ORDER)}
    rows.sort(key=lambda r: (order.get(r[0], len(order)), -r[2], r[1]))
    return [(_field_label(name), _kind_label(name, kind), count) for name, kind, count in rows]


def summary_said(summary: dict[str, int] | None) -> str:
    """Return a change summary as one line: 参保状态 死亡→正常：3；手机号 清空：1,200."""
    return "; ".join(f"{field} {kind}: {count:,}" for field, kind, count in summary_lines(summary))
