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

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

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
