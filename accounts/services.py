"""Writes for insured persons and accounts. Admin, import, commands and tests call these."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from .models import InsuredPerson, PersonalAccount


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
