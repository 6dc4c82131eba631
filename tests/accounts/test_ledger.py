"""The ledger's guarantees: append-only, balanced journals, caches proven by check_ledger."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from accounts.choices import AccountKind, JournalKind
from accounts.models import Journal, LedgerEntry, PersonalAccount, Wallet
from accounts.services.ledger import (
    Entry,
    LedgerUnbalanced,
    ledger_adjust_balances,
    ledger_adjust_balances_sql,
    post,
)
from accounts.services.payments import payment_create
from policies.relations import Use
from tests.accounts.money import NOON, binding, check_ledger, person, reference

pytestmark = pytest.mark.django_db


def paid(actor, b=None, amount="10.00"):
    return payment_create(
        actor=actor,
        via="admin",
        reference=reference(),
        binding=b or binding(),
        use=Use.PHARMACY,
        bill_amount=None,
        amount=amount,
        at=NOON,
    )


def test_an_account_opened_with_a_balance_gets_an_opening_journal():
    p = person(balance=Decimal("321.00"))
    entry = LedgerEntry.objects.get(person=p, account_kind=AccountKind.PERSONAL)
    assert entry.amount == Decimal("321.00")
    assert entry.journal.kind == JournalKind.OPENING
    assert check_ledger()[0] == 0


def test_accounts_opened_in_one_statement_share_one_opening_journal():
    people = [person(balance=Decimal("0")) for _ in range(3)]
    PersonalAccount.objects.filter(pk__in=[p.pk for p in people]).delete()
    PersonalAccount.objects.bulk_create(
        [PersonalAccount(person=p, balance=Decimal("5.00")) for p in people]
    )
    journals = set(
        LedgerEntry.objects.filter(person__in=people).values_list("journal_id", flat=True)
    )
    assert len(journals) == 1
    assert check_ledger()[0] == 0


def test_check_ledger_is_clean_after_payments(caseworker):
    paid(caseworker)
    paid(caseworker)
    status, output = check_ledger()
    assert status == 0, output


def test_check_ledger_reports_a_corrupted_cached_balance(caseworker):
    payment = paid(caseworker)
    authorizer = payment.binding.authorizer_id
    PersonalAccount.objects.filter(pk=authorizer).update(balance=Decimal("5000.00"))
    status, output = check_ledger()
    assert status == 1
    assert f"personal of person {authorizer}: cached 5000.00, entries 990.00" in output


def test_check_ledger_reports_a_wallet_without_its_entries():
    p = person()
    Wallet.objects.create(person=p, balance=Decimal("7.00"))
    status, output = check_ledger()
    assert status == 1
    assert f"wallet of person {p.pk}" in output


def test_ledger_entry_cannot_be_updated_from_the_applications_connection(caseworker):
    payment = paid(caseworker)
    entry = payment.journal.entries.first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=Decimal("1.00"))


def test_journal_cannot_be_deleted(caseworker):
    payment = paid(caseworker)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM accounts_ledgerentry WHERE journal_id = %s", [payment.journal_id]
            )


def test_database_refuses_a_journal_that_does_not_sum_to_zero():
    journal = Journal.objects.create(kind=JournalKind.OPENING, reference="x", created_at=NOON)
    with pytest.raises(DatabaseError, match="does not balance"), transaction.atomic():
        LedgerEntry.objects.create(
            journal=journal, account_kind=AccountKind.SETTLEMENT, amount=Decimal("1.00")
        )


def _entries_sql(journal_id, person_id) -> str:
    return (
        "INSERT INTO accounts_ledgerentry (journal_id, account_kind, person_id, amount) "
        f"VALUES ({journal_id}, 'personal', {person_id}, 1), ({journal_id}, 'opening', NULL, -1)"
    )


def test_database_refuses_entries_of_a_journal_that_does_not_exist():
    payer = person()
    with pytest.raises(DatabaseError, match="journal 999999 does not exist"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_entries_sql(999999, payer.pk))


def test_database_refuses_entries_of_a_person_who_does_not_exist():
    journal = Journal.objects.create(kind=JournalKind.OPENING, reference="y", created_at=NOON)
    with pytest.raises(DatabaseError, match="person 999999 does not exist"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_entries_sql(journal.pk, 999999))


def test_posting_helper_refuses_unbalanced_entries():
    with pytest.raises(LedgerUnbalanced):
        post(
            kind=JournalKind.OPENING,
            reference="y",
            actor=None,
            via="command",
            entries=[
                Entry(AccountKind.SETTLEMENT, Decimal("1")),
                Entry(AccountKind.OPENING, Decimal("-2")),
            ],
        )


def test_balance_never_goes_negative_even_past_the_services():
    p = person(balance=Decimal("10.00"))
    with pytest.raises(DatabaseError), transaction.atomic():
        post(
            kind=JournalKind.DIRECT_PAYMENT,
            reference="z",
            actor=None,
            via="command",
            entries=[
                Entry(AccountKind.PERSONAL, Decimal("-10.01"), p.pk),
                Entry(AccountKind.SETTLEMENT, Decimal("10.01")),
            ],
        )


def test_import_adjustment_records_each_changed_balance_in_one_journal():
    a, b, c = (person(balance=Decimal("100.00")) for _ in range(3))
    rows = [
        (a.pk, Decimal("100.00"), Decimal("150.00")),
        (b.pk, Decimal("100.00"), Decimal("40.00")),
        (c.pk, Decimal("100.00"), Decimal("100.00")),
    ]
    journal_id = ledger_adjust_balances(
        rows=rows, reference="import:1:chunk:1", update_balances=True
    )
    entries = LedgerEntry.objects.filter(journal_id=journal_id)
    assert {(e.person_id, e.account_kind, e.amount) for e in entries} == {
        (a.pk, AccountKind.PERSONAL, Decimal("50.00")),
        (b.pk, AccountKind.PERSONAL, Decimal("-60.00")),
        (None, AccountKind.IMPORT_ADJUSTMENT, Decimal("10.00")),
    }
    assert PersonalAccount.objects.get(pk=a.pk).balance == Decimal("150.00")
    assert check_ledger()[0] == 0


def test_import_adjustment_from_a_temporary_table_beside_the_writers_own_update():
    a = person(balance=Decimal("100.00"))
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE chunk (person_id bigint, old_balance numeric, "
            "new_balance numeric) ON COMMIT DROP"
        )
        cursor.execute("INSERT INTO chunk VALUES (%s, 100.00, 80.00)", [a.pk])
        ledger_adjust_balances_sql(table="chunk", reference="import:2:chunk:1")
        cursor.execute(
            "UPDATE accounts_personalaccount SET balance = 80.00 WHERE person_id = %s", [a.pk]
        )
    assert check_ledger()[0] == 0


def test_import_adjustment_without_changes_writes_nothing():
    a = person(balance=Decimal("100.00"))
    rows = [(a.pk, Decimal("100.00"), Decimal("100.00"))]
    assert ledger_adjust_balances(rows=rows, reference="import:3:chunk:1") is None
    assert not Journal.objects.filter(reference="import:3:chunk:1").exists()
