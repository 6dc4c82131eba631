"""Direct payments (直接调用) through the service: what they write, what they refuse."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from accounts.choices import AccountKind, JournalKind
from accounts.models import AuditEvent, Journal, LedgerEntry, Payment, PersonalAccount
from accounts.services.payments import (
    IdempotencyConflict,
    PaymentRefused,
    ReversalRefused,
    payment_create,
    payment_reverse,
)
from policies.models import PolicyVersion
from policies.relations import Use
from tests.accounts.money import NOON, binding, check_ledger, codes, person, reference

pytestmark = pytest.mark.django_db


def pay(caseworker, b, amount="100.00", bill="200.00", use=Use.OUTPATIENT, ref=None, at=NOON):
    return payment_create(
        actor=caseworker,
        via="admin",
        reference=ref or reference(),
        binding=b,
        use=use,
        bill_amount=bill,
        amount=amount,
        at=at,
    )


def refused(caseworker, b, **kwargs) -> list[str]:
    with pytest.raises(PaymentRefused) as error:
        pay(caseworker, b, **kwargs)
    return codes(error.value)


def balance(p) -> Decimal:
    return PersonalAccount.objects.get(pk=p.pk).balance


def test_payment_moves_money_from_the_personal_account_to_settlement(caseworker):
    b = binding()
    payment = pay(caseworker, b, amount="120.50")
    assert balance(b.authorizer) == Decimal("879.50")
    entries = {(e.account_kind, e.amount) for e in payment.journal.entries.all()}
    assert entries == {
        (AccountKind.PERSONAL, Decimal("-120.50")),
        (AccountKind.SETTLEMENT, Decimal("120.50")),
    }
    assert AuditEvent.objects.filter(action="payment.create", target_id=str(payment.pk)).exists()
    assert check_ledger()[0] == 0


def test_premium_is_paid_to_the_premium_collection_account(caseworker):
    payment = pay(caseworker, binding(), use=Use.RESIDENT_PREMIUM)
    kinds = set(payment.journal.entries.values_list("account_kind", flat=True))
    assert AccountKind.PREMIUM_COLLECTION in kinds


def test_payment_over_the_balance_is_refused_writing_nothing(caseworker):
    b = binding(authorizer=person(balance=Decimal("50.00")))
    assert refused(caseworker, b, amount="60.00", bill="100.00") == ["insufficient_balance"]
    assert not Journal.objects.filter(kind=JournalKind.DIRECT_PAYMENT).exists()
    assert balance(b.authorizer) == Decimal("50.00")


def test_payment_outside_the_binding_period_is_refused(caseworker):
    b = binding(starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 6, 30))
    assert "binding_period" in refused(caseworker, b)


def test_payment_before_the_binding_starts_is_refused(caseworker):
    b = binding(starts_on=dt.date(2026, 12, 8))
    assert "binding_period" in refused(caseworker, b)


def test_payment_over_the_binding_cap_is_refused(caseworker):
    b = binding(payment_cap=Decimal("80.00"))
    assert refused(caseworker, b, amount="80.01") == ["binding_payment_cap"]
    assert pay(caseworker, b, amount="80.00").amount == Decimal("80.00")


def test_payment_for_a_relative_in_another_province_is_refused(caseworker):
    b = binding(beneficiary=person("440300"))
    assert "cross_province_direct" in refused(caseworker, b)


def test_amount_with_more_than_two_decimals_is_refused(caseworker):
    assert "amount_too_precise" in refused(caseworker, binding(), amount="10.005")


def test_binding_not_active_is_refused(caseworker):
    assert "binding_not_active" in refused(caseworker, binding(status="blocked"))


def test_use_the_policy_does_not_allow_is_refused(caseworker):
    PolicyVersion.objects.filter(province_id="37").update(allowed_uses=[Use.PHARMACY])
    assert "use_not_allowed" in refused(caseworker, binding(), use=Use.OUTPATIENT)


def test_bill_amount_is_required_when_the_policy_limits_the_share(caseworker):
    PolicyVersion.objects.filter(province_id="37").update(max_payment_share=Decimal("0.70"))
    assert "bill_amount_required" in refused(caseworker, binding(), bill=None)


def test_share_limit_is_rounded_down_to_the_fen(caseworker):
    # 70% of 0.15 yuan is 0.105: at most 0.10 may be paid, never 0.11.
    PolicyVersion.objects.filter(province_id="37").update(max_payment_share=Decimal("0.70"))
    b = binding()
    assert "payment_share_exceeded" in refused(caseworker, b, amount="0.11", bill="0.15")
    assert pay(caseworker, b, amount="0.10", bill="0.15").amount == Decimal("0.10")


def test_payment_more_than_the_bill_is_refused(caseworker):
    assert "amount_exceeds_bill" in refused(caseworker, binding(), amount="201.00", bill="200.00")


def test_retained_balance_is_kept(caseworker):
    PolicyVersion.objects.filter(province_id="37").update(retained_balance=Decimal("950.00"))
    assert refused(caseworker, binding(), amount="60.00") == ["retained_balance"]


def test_same_reference_twice_is_one_payment(caseworker):
    b = binding()
    first = pay(caseworker, b, ref="hospital-42", amount="100")
    again = pay(caseworker, b, ref="hospital-42", amount="100.00")
    assert again.pk == first.pk
    assert Journal.objects.filter(reference="hospital-42").count() == 1
    assert balance(b.authorizer) == Decimal("900.00")


def test_same_reference_with_another_amount_is_refused(caseworker):
    b = binding()
    pay(caseworker, b, ref="hospital-43", amount="100.00")
    with pytest.raises(IdempotencyConflict) as error:
        pay(caseworker, b, ref="hospital-43", amount="101.00")
    assert error.value.code == "reference_reused"
    assert balance(b.authorizer) == Decimal("900.00")


def test_supervisor_reverses_a_payment_with_opposite_entries(caseworker, supervisor):
    b = binding()
    payment = pay(caseworker, b, amount="100.00")
    payment_reverse(actor=supervisor, via="admin", payment=payment, reason="wrong patient")
    payment.refresh_from_db()
    assert payment.is_reversed
    assert payment.reversal.reverses_id == payment.journal_id
    assert sorted(payment.reversal.entries.values_list("amount", flat=True)) == [
        Decimal("-100.00"),
        Decimal("100.00"),
    ]
    assert balance(b.authorizer) == Decimal("1000.00")
    assert LedgerEntry.objects.filter(journal=payment.journal).count() == 2  # kept as written
    assert check_ledger()[0] == 0


def test_caseworker_cannot_reverse_a_payment(caseworker):
    payment = pay(caseworker, binding())
    with pytest.raises(ReversalRefused) as error:
        payment_reverse(actor=caseworker, via="admin", payment=payment, reason="oops")
    assert error.value.code == "not_supervisor"


def test_supervisor_cannot_reverse_their_own_payment(supervisor):
    payment = pay(supervisor, binding())
    with pytest.raises(ReversalRefused) as error:
        payment_reverse(actor=supervisor, via="admin", payment=payment, reason="oops")
    assert error.value.code == "four_eyes"


def test_payment_is_reversed_only_once(caseworker, supervisor):
    payment = pay(caseworker, binding())
    payment_reverse(actor=supervisor, via="admin", payment=payment, reason="wrong patient")
    with pytest.raises(ReversalRefused) as error:
        payment_reverse(actor=supervisor, via="admin", payment=payment, reason="again")
    assert error.value.code == "already_reversed"
    assert Payment.objects.get(pk=payment.pk).is_reversed


def test_payment_from_an_authorizer_no_longer_enrolled_is_refused(caseworker):
    b = binding(authorizer=person(status="deceased"))
    assert "authorizer_not_active" in refused(caseworker, b)


def test_payment_for_a_beneficiary_no_longer_enrolled_is_refused(caseworker):
    b = binding(beneficiary=person(status="terminated"))
    assert "beneficiary_not_active" in refused(caseworker, b)
