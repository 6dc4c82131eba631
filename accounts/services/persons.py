"""Writes for insured persons and accounts. Admin, import, commands and tests call these."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from accounts.choices import InsuranceType, PersonStatus, RevokeReason, Via
from accounts.locks import lock_row
from accounts.models import InsuredPerson, PersonalAccount
from accounts.services.bindings import bindings_revoke_for_persons

from .audit import audit_record

#: an enrolment in one of these states has ended: the person's bindings end with it
ENDED_STATUSES = (PersonStatus.TERMINATED, PersonStatus.DECEASED)


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
    person.revoked_bindings = _end_bindings(before, person, actor=actor, via=via)
    return person


def _end_bindings(before: InsuredPerson | None, after: InsuredPerson, *, actor, via) -> list[int]:
    """Revoke the bindings a change of enrolment ends; return their ids."""
    if before is None:
        return []
    revoked = []
    if after.status in ENDED_STATUSES and before.status not in ENDED_STATUSES:
        revoked += bindings_revoke_for_persons(
            actor=actor, via=via, person_ids=[after.pk], reason=RevokeReason.ENROLMENT_ENDED
        )
    if (
        before.insurance_type == InsuranceType.EMPLOYEE
        and after.insurance_type == InsuranceType.RESIDENT
    ):
        revoked += bindings_revoke_for_persons(
            actor=actor,
            via=via,
            person_ids=[after.pk],
            reason=RevokeReason.LEFT_EMPLOYEE_INSURANCE,
        )
    return revoked


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
