"""Wallet transfers (医保钱包转账): held until accepted, returned at 06:00 the next day."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from accounts.choices import TransferStatus
from accounts.models import PersonalAccount, Wallet, WalletTransfer
from accounts.services.payments import (
    IdempotencyConflict,
    PaymentRefused,
    ReversalRefused,
    TransferRefused,
    transfer_accept,
    transfer_create,
    transfer_reverse,
    transfers_return_expired,
    wallet_spend,
)
from policies.relations import Use
from tests.accounts.money import (
    NOON,
    binding,
    check_ledger,
    close_wallets,
    codes,
    open_wallets,
    person,
    reference,
)


def send(actor, b, amount="100.00", at=NOON, ref=None):
    return transfer_create(
        actor=actor, via="admin", reference=ref or reference(), binding=b, amount=amount, at=at
    )


def refused(actor, b, **kwargs) -> list[str]:
    with pytest.raises(TransferRefused) as error:
        send(actor, b, **kwargs)
    return codes(error.value)


def balance(p) -> Decimal:
    return PersonalAccount.objects.get(pk=p.pk).balance


def wallet(p) -> Decimal:
    return Wallet.objects.get(pk=p.pk).balance


def local(day, hour, minute=0):
    return timezone.make_aware(dt.datetime(2026, 12, day, hour, minute))


@pytest.fixture
def wallets(db):
    open_wallets()


@pytest.mark.django_db
class TestTransfers:
    def test_transfer_is_held_until_06_00_the_next_day(self, caseworker, wallets):
        b = binding()
        transfer = send(caseworker, b, at=local(7, 21, 30))
        assert transfer.status == TransferStatus.PENDING
        assert transfer.deadline == local(8, 6)
        assert balance(b.authorizer) == Decimal("900.00")
        assert wallet(b.beneficiary) == 0
        assert check_ledger()[0] == 0

    def test_accepted_transfer_fills_the_wallet(self, caseworker, wallets):
        b = binding()
        transfer = send(caseworker, b)
        transfer_accept(actor=None, via="admin", transfer=transfer, at=NOON)
        transfer.refresh_from_db()
        assert transfer.status == TransferStatus.ACCEPTED
        assert wallet(b.beneficiary) == Decimal("100.00")
        assert check_ledger()[0] == 0

    def test_unaccepted_transfer_returns_at_06_00_exactly_once(self, caseworker, wallets):
        b = binding()
        transfer = send(caseworker, b, at=local(7, 12))
        assert transfers_return_expired(now=local(8, 5, 59)) == 0
        assert transfers_return_expired(now=local(8, 6)) == 1
        assert transfers_return_expired(now=local(8, 7)) == 0
        transfer.refresh_from_db()
        assert transfer.status == TransferStatus.RETURNED
        assert balance(b.authorizer) == Decimal("1000.00")
        assert check_ledger()[0] == 0

    def test_transfer_past_its_deadline_cannot_be_accepted(self, caseworker, wallets):
        transfer = send(caseworker, binding(), at=local(7, 12))
        with pytest.raises(TransferRefused) as error:
            transfer_accept(actor=None, via="admin", transfer=transfer, at=local(8, 6, 1))
        assert error.value.code == "transfer_expired"

    def test_no_new_transfer_while_one_is_pending_to_the_wallet(self, caseworker, wallets):
        beneficiary = person()
        send(caseworker, binding(beneficiary=beneficiary))
        other = binding(beneficiary=beneficiary, relation="son")
        assert refused(caseworker, other) == ["transfer_pending"]

    def test_wallet_not_open_is_refused(self, caseworker):
        close_wallets()
        assert "wallet_not_open" in refused(caseworker, binding())

    def test_transfer_in_quiet_hours_is_refused(self, caseworker, wallets):
        assert "quiet_hours" in refused(caseworker, binding(), at=local(7, 23))

    def test_transfer_over_the_per_transfer_limit_is_refused(self, caseworker, wallets):
        assert "transfer_amount_limit" in refused(
            caseworker, binding(authorizer=person(balance=Decimal("5000"))), amount="2000.01"
        )

    def test_fourth_transfer_of_the_day_is_refused(self, caseworker, wallets):
        authorizer = person()
        for hour in (9, 10, 11):
            b = binding(authorizer=authorizer, beneficiary=person())
            transfer_accept(
                actor=None, via="admin", transfer=send(caseworker, b, "10", local(7, hour))
            )
        last = binding(authorizer=authorizer, beneficiary=person())
        assert refused(caseworker, last, amount="10") == ["daily_transfer_limit"]

    def test_cross_province_transfer_is_allowed_when_both_wallets_are_open(
        self, caseworker, wallets
    ):
        transfer = send(caseworker, binding(beneficiary=person("440300")))
        assert transfer.status == TransferStatus.PENDING

    def test_same_reference_twice_is_one_transfer(self, caseworker, wallets):
        b = binding()
        first = send(caseworker, b, ref="app-7")
        assert send(caseworker, b, ref="app-7").pk == first.pk
        with pytest.raises(IdempotencyConflict):
            send(caseworker, b, ref="app-7", amount="99.00")
        assert WalletTransfer.objects.count() == 1

    def test_pending_transfer_reversed_returns_the_money(self, caseworker, supervisor, wallets):
        b = binding()
        transfer = send(caseworker, b)
        transfer_reverse(actor=supervisor, via="admin", transfer=transfer, reason="duplicate")
        transfer.refresh_from_db()
        assert transfer.status == TransferStatus.REVERSED
        assert balance(b.authorizer) == Decimal("1000.00")
        assert check_ledger()[0] == 0

    def test_accepted_transfer_reversed_empties_the_wallet(self, caseworker, supervisor, wallets):
        b = binding()
        transfer = transfer_accept(actor=None, via="admin", transfer=send(caseworker, b), at=NOON)
        transfer_reverse(actor=supervisor, via="admin", transfer=transfer, reason="duplicate")
        assert wallet(b.beneficiary) == 0
        assert balance(b.authorizer) == Decimal("1000.00")
        assert check_ledger()[0] == 0

    def test_accepted_transfer_already_spent_cannot_be_reversed(
        self, caseworker, supervisor, wallets
    ):
        b = binding()
        transfer = transfer_accept(actor=None, via="admin", transfer=send(caseworker, b), at=NOON)
        wallet_spend(
            actor=None,
            via="admin",
            reference=reference(),
            person=b.beneficiary,
            use=Use.PHARMACY,
            amount="50.00",
        )
        with pytest.raises(ReversalRefused) as error:
            transfer_reverse(actor=supervisor, via="admin", transfer=transfer, reason="late")
        assert error.value.code == "wallet_insufficient"
        assert wallet(b.beneficiary) == Decimal("50.00")

    def test_returned_transfer_cannot_be_reversed(self, caseworker, supervisor, wallets):
        transfer = send(caseworker, binding(), at=local(7, 12))
        transfers_return_expired(now=local(8, 6))
        with pytest.raises(ReversalRefused) as error:
            transfer_reverse(actor=supervisor, via="admin", transfer=transfer, reason="late")
        assert error.value.code == "transfer_not_reversible"

    def test_transfer_reversal_needs_another_supervisor(self, supervisor, wallets):
        transfer = send(supervisor, binding())
        with pytest.raises(ReversalRefused) as error:
            transfer_reverse(actor=supervisor, via="admin", transfer=transfer, reason="x")
        assert error.value.code == "four_eyes"

    def test_wallet_pays_a_pharmacy_bill(self, caseworker, wallets):
        b = binding()
        transfer_accept(actor=None, via="admin", transfer=send(caseworker, b), at=NOON)
        wallet_spend(
            actor=None,
            via="admin",
            reference="pharmacy-1",
            person=b.beneficiary,
            use=Use.PHARMACY,
            amount="30.00",
        )
        assert wallet(b.beneficiary) == Decimal("70.00")
        with pytest.raises(PaymentRefused) as error:
            wallet_spend(
                actor=None,
                via="admin",
                reference="pharmacy-2",
                person=b.beneficiary,
                use=Use.PHARMACY,
                amount="70.01",
            )
        assert codes(error.value) == ["insufficient_balance"]
        assert check_ledger()[0] == 0

    def test_wallet_refuses_a_use_that_is_not_medical(self, caseworker, wallets):
        b = binding()
        transfer_accept(actor=None, via="admin", transfer=send(caseworker, b), at=NOON)
        with pytest.raises(PaymentRefused) as error:
            wallet_spend(
                actor=None,
                via="admin",
                reference="shop-1",
                person=b.beneficiary,
                use="groceries",
                amount="1.00",
            )
        assert codes(error.value) == ["use_not_allowed"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_return_jobs_at_once_return_each_transfer_once(caseworker):
    open_wallets()
    transfers = [send(caseworker, binding(), "10.00", local(7, 12)) for _ in range(30)]
    counts = []
    start = threading.Barrier(2)

    def job():
        try:
            start.wait()
            counts.append(transfers_return_expired(now=local(8, 6), batch=7))
        finally:
            connection.close()

    threads = [threading.Thread(target=job) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(counts) == len(transfers)
    assert set(WalletTransfer.objects.values_list("status", flat=True)) == {"returned"}
    assert check_ledger()[0] == 0


@pytest.mark.django_db
def test_return_command_returns_what_is_past_its_deadline(caseworker):
    from io import StringIO

    from django.core.management import call_command

    open_wallets()
    old = send(caseworker, binding(), at=timezone.make_aware(dt.datetime(2026, 12, 1, 12)))
    out = StringIO()
    call_command("return_expired_transfers", stdout=out)
    old.refresh_from_db()
    assert old.status == TransferStatus.RETURNED
    assert out.getvalue().strip() == "1 transfer(s) returned"
