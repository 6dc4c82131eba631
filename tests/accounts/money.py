"""Helpers of the money tests: persons with balances, active bindings, a fixed clock."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from io import StringIO

from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.choices import BindingBasis, BindingStatus, InsuranceType
from accounts.models import Binding
from policies.models import Region
from policies.relations import Relation
from tests.factories import InsuredPersonFactory

#: noon in Beijing on a weekday of 2026: inside every seeded policy, outside quiet hours
NOON = timezone.make_aware(dt.datetime(2026, 12, 7, 12, 0))
_references = itertools.count(1)


def reference() -> str:
    return f"test-{next(_references)}"


def person(code="370100", balance=Decimal("1000.00"), **kwargs):
    kwargs.setdefault("insurance_type", InsuranceType.EMPLOYEE)
    if kwargs["insurance_type"] == InsuranceType.EMPLOYEE:
        kwargs["account"] = balance
    return InsuredPersonFactory(region=Region.objects.get(code=code), **kwargs)


def binding(authorizer=None, beneficiary=None, **kwargs) -> Binding:
    """An active binding, made directly (the binding services are another module's)."""
    defaults = {
        "relation": Relation.FATHER,
        "basis": BindingBasis.PLEDGE,
        "status": BindingStatus.ACTIVE,
        "starts_on": dt.date(2026, 1, 1),
        "activated_at": timezone.now(),
    }
    return Binding.objects.create(
        authorizer=authorizer or person(),
        beneficiary=beneficiary or person(insurance_type=InsuranceType.RESIDENT),
        **{**defaults, **kwargs},
    )


def open_wallets(*codes, on=dt.date(2026, 1, 1)) -> None:
    Region.objects.filter(code__in=codes or ["370100", "370200", "440300"]).update(
        wallet_enabled_on=on
    )


def close_wallets() -> None:
    """Close the wallet everywhere (the seeded opening dates are estimates, set for all)."""
    Region.objects.update(wallet_enabled_on=None, wallet_date_approximate=False)


def check_ledger() -> tuple[int, str]:
    """Run ``manage.py check_ledger``; return its exit status and output."""
    out = StringIO()
    try:
        call_command("check_ledger", stdout=out, stderr=out)
    except CommandError as error:
        return error.returncode, out.getvalue() + str(error)
    return 0, out.getvalue()


def codes(error) -> list[str]:
    return [v.code for v in error.violations]


def payment_in(code: str, actor=None, amount="10.00"):
    """A direct payment between two persons of region ``code``."""
    from accounts.services.payments import payment_create

    b = binding(authorizer=person(code), beneficiary=person(code))
    return payment_create(
        actor=actor,
        via="command",
        reference=reference(),
        binding=b,
        use="pharmacy",
        bill_amount=None,
        amount=amount,
        at=NOON,
    )


def transfer_in(code: str, actor=None, amount="10.00"):
    """A pending wallet transfer between two persons of region ``code``."""
    from accounts.services.payments import transfer_create

    open_wallets(code)
    b = binding(authorizer=person(code), beneficiary=person(code))
    return transfer_create(
        actor=actor, via="command", reference=reference(), binding=b, amount=amount, at=NOON
    )
