"""Payments racing on one account, each thread on its own database connection."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from accounts.choices import JournalKind
from accounts.models import Journal, Payment, PersonalAccount, WalletTransfer
from accounts.services.payments import PaymentRefused, payment_create, transfer_create
from policies.relations import Use
from tests.accounts.money import NOON, binding, check_ledger, open_wallets, person

THREADS = 8
RELATIONS = ("father", "mother", "son", "daughter")


def _race(calls):
    """Run each of ``calls`` in its own thread, all released at once; return the results."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i):
        try:
            start.wait()
            results[i] = calls[i]()
        except Exception as error:  # noqa: BLE001 - the test inspects it
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _pay(b, ref, amount):
    return lambda: payment_create(
        actor=None,
        via="command",
        reference=ref,
        binding=b,
        use=Use.PHARMACY,
        bill_amount=None,
        amount=amount,
        at=NOON,
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_payments_racing_on_one_account_never_overdraw_it():
    # Given 1,000 yuan and eight relatives' bills of 300 yuan at once
    authorizer = person(balance=Decimal("1000.00"))
    bindings = [binding(authorizer=authorizer, beneficiary=person()) for _ in range(THREADS)]
    # When they are all paid at the same moment
    results = _race([_pay(b, f"race-{i}", "300.00") for i, b in enumerate(bindings)])
    # Then exactly three are paid, the others refused for the balance
    paid = [r for r in results if isinstance(r, Payment)]
    refused = [r for r in results if isinstance(r, PaymentRefused)]
    assert len(paid) == 3, results
    assert len(refused) == THREADS - 3
    assert {r.code for r in refused} == {"insufficient_balance"}
    assert PersonalAccount.objects.get(pk=authorizer.pk).balance == Decimal("100.00")
    assert check_ledger()[0] == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_reference_sent_by_many_at_once_is_paid_once():
    # Given one bill whose payment request arrives eight times at once (a retrying client)
    b = binding(authorizer=person(balance=Decimal("1000.00")))
    results = _race([_pay(b, "hospital-retry", "100.00") for _ in range(THREADS)])
    # Then every request answers with the same one payment
    assert {r.pk for r in results} == {results[0].pk}, results
    assert Journal.objects.filter(kind=JournalKind.DIRECT_PAYMENT).count() == 1
    assert PersonalAccount.objects.get(pk=b.authorizer_id).balance == Decimal("900.00")
    assert check_ledger()[0] == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_reference_used_for_two_accounts_at_once_pays_only_one():
    # Given one reference sent for two different accounts at the same moment
    first, second = binding(), binding()
    results = _race([_pay(first, "shared-ref", "100.00"), _pay(second, "shared-ref", "100.00")])
    # Then one is paid and the other is told the reference is taken
    paid = [r for r in results if isinstance(r, Payment)]
    assert len(paid) == 1, results
    assert [getattr(r, "code", None) for r in results if r not in paid] == ["reference_reused"]
    assert Journal.objects.filter(reference="shared-ref").count() == 1
    assert check_ledger()[0] == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_transfers_from_two_relatives_to_one_wallet_at_once_leave_one_pending():
    # Given a beneficiary bound by four authorizers, whose wallets are open
    open_wallets()
    beneficiary = person()
    bindings = [binding(beneficiary=beneficiary, relation=r) for r in RELATIONS]
    # When all four send a transfer to the wallet at the same moment
    results = _race(
        [
            lambda b=b: transfer_create(
                actor=None,
                via="command",
                reference=f"wallet-race-{b.pk}",
                binding=b,
                amount="10.00",
                at=NOON,
            )
            for b in bindings
        ]
    )
    # Then one waits to be accepted and the others are told one is pending
    sent = [r for r in results if isinstance(r, WalletTransfer)]
    assert len(sent) == 1, results
    assert {r.code for r in results if r not in sent} == {"transfer_pending"}
    assert check_ledger()[0] == 0
