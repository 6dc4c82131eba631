"""Migration accounts.0024 gives the balances already in the table their opening journal."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.accounts.money import check_ledger, person


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_balances_from_before_the_ledger_get_one_opening_journal():
    # Given accounts with balances written before the ledger's rules existed
    accounts = [person(balance=0) for _ in range(3)]
    executor = MigrationExecutor(connection)
    # Going back to 0023 also unapplies later migrations of other apps that depend
    # on accounts (reports' decisions table); going forward restores every app.
    every_leaf = executor.loader.graph.leaf_nodes()
    executor.migrate([("accounts", "0023_ledger")])
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_ledgerentry")
        cursor.execute("DELETE FROM accounts_journal")
        cursor.execute(
            "UPDATE accounts_personalaccount SET balance = 250.50 WHERE person_id = ANY(%s)",
            [[p.pk for p in accounts]],
        )
    assert check_ledger()[0] == 1
    # When the ledger's migration runs
    executor = MigrationExecutor(connection)
    executor.migrate(every_leaf)
    # Then one opening journal holds them all and the ledger adds up
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM accounts_journal WHERE kind = 'opening'")
        assert cursor.fetchone()[0] == 1
    status, output = check_ledger()
    assert status == 0, output


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_app_is_migrated_to_its_last_migration_after_the_ledger_migration_test():
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
