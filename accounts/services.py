"""Writes for insured persons and accounts. Admin, import, commands and tests call these."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from .models import InsuredPerson, PersonalAccount


@dataclass(frozen=True)
class Seen:
    """What an editor saw of a person when the page opened: its last change and the import
    that last wrote it. Kept in the form as text (``as_text``/``from_text``)."""

    updated_at: dt.datetime
    last_import_run_id: int | None

    @classmethod
    def of(cls, person: InsuredPerson) -> Seen:
        return cls(person.updated_at, person.last_import_run_id)

    def as_text(self) -> str:
        return f"{self.updated_at.isoformat()}|{self.last_import_run_id or ''}"

    @classmethod
    def from_text(cls, text: str) -> Seen | None:
        """Read ``as_text``'s form back; None for anything else."""
        when, _, run = (text or "").partition("|")
        try:
            updated_at = dt.datetime.fromisoformat(when)
        except ValueError:
            return None
        if updated_at.tzinfo is None or not (run == "" or run.isdigit()):
            return None
        return cls(updated_at, int(run) if run else None)


@dataclass(frozen=True)
class ChangedMeanwhile:
    """A change to a person made after an editor opened their page."""

    at: dt.datetime
    staff: list[str]  # who changed them in the admin since (display names), oldest first
    import_run_id: int | None  # the import that wrote them since, if one did


def person_lock_for_edit(*, person_id: int, seen: Seen) -> ChangedMeanwhile | None:
    """Lock the person an editor is saving; say who changed them since ``seen``, if anyone.

    Call in the transaction that saves the edit: the row stays locked until it
    commits, so no import or other editor can write the person in between.
    """
    current = (
        InsuredPerson.objects.select_for_update()
        .filter(pk=person_id)
        .values("updated_at", "last_import_run_id")
        .first()
    )
    if current is None or current["updated_at"] == seen.updated_at:
        return None
    edits = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(InsuredPerson),
        object_id=str(person_id),
        action_time__gt=seen.updated_at,
    ).select_related("user")
    staff = []
    for entry in edits.order_by("action_time"):
        # A Chinese name: family name first, no space (get_full_name puts the given first).
        name = f"{entry.user.last_name}{entry.user.first_name}".strip() or entry.user.username
        if name not in staff:
            staff.append(name)
    run_id = current["last_import_run_id"]
    return ChangedMeanwhile(
        at=current["updated_at"],
        staff=staff,
        import_run_id=run_id if run_id != seen.last_import_run_id else None,
    )


@transaction.atomic
def person_save(*, person: InsuredPerson, opening_balance: Decimal | None = None) -> InsuredPerson:
    """Save ``person``; give an employee-insured person a personal account if they lack one.

    ``opening_balance`` sets the balance of a newly opened account only; later
    balance changes go through the ledger (transfers issue).
    """
    person.full_clean()
    person.save()
    if person.has_personal_account:
        PersonalAccount.objects.get_or_create(
            person=person, defaults={"balance": opening_balance or Decimal("0.00")}
        )
    return person


@transaction.atomic
def persons_create_many(
    *, persons: list[InsuredPerson], opening_balances: dict[str, Decimal | None]
) -> list[InsuredPerson]:
    """Create many new persons at once, with accounts for the employee-insured.

    Each person is validated field by field first; uniqueness and the other
    constraints are left to the database, which enforces them in the same
    transaction. ``opening_balances`` maps identity numbers to balances.
    """
    for person in persons:
        person.full_clean(validate_unique=False, validate_constraints=False)
        person.apply_identity_number()
    created = InsuredPerson.objects.bulk_create(persons, batch_size=1000)
    PersonalAccount.objects.bulk_create(
        [
            PersonalAccount(
                person=p, balance=opening_balances.get(p.national_id) or Decimal("0.00")
            )
            for p in created
            if p.has_personal_account
        ],
        batch_size=1000,
    )
    return created
