"""Writes for insured persons and accounts. Admin, import, commands and tests call these."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from accounts.choices import Via
from accounts.locks import lock_row
from accounts.models import InsuredPerson, PersonalAccount
from accounts.services.bindings import bindings_end_for_enrolment

from .audit import audit_record


@transaction.atomic
def person_save(
    *,
    actor,
    person: InsuredPerson,
    opening_balance: Decimal | None = None,
    via: str = Via.ADMIN,
) -> InsuredPerson:
    """Save ``person`` as ``actor``; give an employee-insured person a personal account if
    they lack one, and record the save (status before and after) in the audit trail.

    ``opening_balance`` sets the balance of a newly opened account only; later
    balance changes go through the ledger. When the save ends the
    enrolment (terminated, deceased), every live binding of the person ends; when the
    person leaves employee insurance, the bindings they give end
    (``person.revoked_bindings`` lists them).
    """
    before = lock_row(InsuredPerson, person.pk) if person.pk else None
    person.full_clean()
    person.save()
    audit_record(
        actor=actor,
        via=via,
        action="person.create" if before is None else "person.change",
        target=person,
        from_state=before.status if before else "",
        to_state=person.status,
    )
    if person.has_personal_account:
        PersonalAccount.objects.get_or_create(
            person=person, defaults={"balance": opening_balance or Decimal("0.00")}
        )
    person.revoked_bindings = (
        bindings_end_for_enrolment(
            actor=actor,
            via=via,
            changes=[
                (
                    person.pk,
                    before.status,
                    before.insurance_type,
                    person.status,
                    person.insurance_type,
                )
            ],
        )
        if before is not None
        else []
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
