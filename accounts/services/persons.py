"""Writes for insured persons and accounts. Admin, import, commands and tests call these."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts import idnumbers
from accounts.choices import PersonStatus, Via
from accounts.locks import lock_row
from accounts.models import InsuredPerson, PersonalAccount
from accounts.permissions import may_correct_persons
from accounts.services.bindings import bindings_end_for_enrolment
from accounts.validators import clean_national_id

from .audit import audit_record
from .errors import CorrectionRefused


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
    if before is not None:
        _refuse_what_only_a_correction_changes(before, person)
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


def _refuse_what_only_a_correction_changes(before: InsuredPerson, person: InsuredPerson) -> None:
    """Refuse a save that changes the identity number, or brings back a person recorded as
    deceased: a supervisor corrects either, with a reason (the two services below)."""
    if idnumbers.normalize(person.national_id) != before.national_id:
        raise CorrectionRefused(
            _(
                "The identity number is not changed by saving the person: a supervisor "
                "corrects it, with a reason."
            ),
            code="national_id_read_only",
        )
    if before.status == PersonStatus.DECEASED and person.status != PersonStatus.DECEASED:
        raise CorrectionRefused(
            _(
                "This person is recorded as deceased. Only a supervisor corrects a death "
                "recorded in error, with a reason."
            ),
            code="deceased_not_revived",
        )


def _correction_checked(actor, person: InsuredPerson, reason: str) -> str:
    """Refuse an actor who may not correct ``person``; return the reason, which is required."""
    if not may_correct_persons(actor, person):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise CorrectionRefused(_("Say why the record is corrected."), code="reason_required")
    return reason


@transaction.atomic
def person_correct_national_id(
    *, actor, person: InsuredPerson, national_id: str, reason: str, via: str = Via.ADMIN
) -> InsuredPerson:
    """Correct ``person``'s identity number to ``national_id`` as ``actor``, a supervisor of
    their region, for ``reason``; re-derive sex and birth date from it.

    The number is validated as any identity number is and must be no other person's. The
    audit event keeps both numbers whole (``from_state`` → ``to_state``), so that the old
    one can still be traced, and the reason as its note; the history shows them masked.
    """
    reason = _correction_checked(actor, person, reason)
    try:
        number = clean_national_id(national_id)
    except ValidationError as error:
        raise CorrectionRefused(error.messages[0], code=error.code) from error
    locked = lock_row(InsuredPerson, person.pk)
    old = locked.national_id
    if number == old:
        raise CorrectionRefused(
            _("This is the person's identity number already."), code="national_id_unchanged"
        )
    taken = CorrectionRefused(
        _("A person with this identity number already exists."), code="national_id_taken"
    )
    if InsuredPerson.objects.filter(national_id=number).exists():
        raise taken
    locked.national_id = number
    locked.apply_identity_number()
    try:
        with transaction.atomic():  # a person added with the number meanwhile
            locked.save(update_fields=["national_id", "sex", "birth_date", "updated_at"])
    except IntegrityError as error:
        raise taken from error
    audit_record(
        actor=actor,
        via=via,
        action="person.correct_national_id",
        target=locked,
        from_state=old,
        to_state=number,
        reason_code="national_id_corrected",
        note=reason,
        params={"from_masked": idnumbers.masked(old), "to_masked": idnumbers.masked(number)},
    )
    return locked


#: what a death recorded in error may be corrected to
CORRECTED_DEATH_STATUSES = (PersonStatus.ACTIVE, PersonStatus.SUSPENDED, PersonStatus.TERMINATED)


@transaction.atomic
def person_correct_death(
    *, actor, person: InsuredPerson, status: str, reason: str, via: str = Via.ADMIN
) -> InsuredPerson:
    """Correct a death recorded in error: give ``person`` ``status`` again, as ``actor``, a
    supervisor of their region, for ``reason``.

    The bindings the death ended stay ended: a binding is a consent given by a living
    authorizer, and is asked for again (requested and judged by the rules in force).
    """
    reason = _correction_checked(actor, person, reason)
    if status not in CORRECTED_DEATH_STATUSES:
        raise CorrectionRefused(
            _("A death is corrected to active, suspended or terminated."), code="bad_status"
        )
    locked = lock_row(InsuredPerson, person.pk)
    if locked.status != PersonStatus.DECEASED:
        raise CorrectionRefused(_("This person is not recorded as deceased."), code="not_deceased")
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        via=via,
        action="person.correct_death",
        target=locked,
        from_state=PersonStatus.DECEASED,
        to_state=status,
        reason_code="death_corrected",
        note=reason,
    )
    return locked
