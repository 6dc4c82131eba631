from io import StringIO

import pytest

from tests.factories import staff_user


@pytest.fixture
def caseworker(db):
    """A caseworker of Jinan (370100)."""
    return staff_user("caseworker", regions=["370100"], username="cw_jinan")


@pytest.fixture
def supervisor(db):
    """A supervisor of all Shandong (37)."""
    return staff_user("supervisor", provinces=["37"], username="sup_shandong")


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser("root", password="pw-for-tests-2026")


@pytest.fixture
def caseworker_client(client, caseworker):
    client.force_login(caseworker)
    return client


_serialized_contents: dict[str, str] = {}


def keep_serialized_contents():
    """Keep the serialized test-database contents on whichever connection object is current.

    Transactional browser tests restore the reference data (regions, roles,
    policy tables) from ``connection._test_serialized_contents`` after each
    flush. Playwright's sync API switches greenlets, after which Django may
    hand this thread a new connection object without that attribute, and
    the next transactional test would start from empty tables.
    """
    from django.db import connections

    for alias in connections:
        connection = connections[alias]
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents is not None:
            _serialized_contents[alias] = contents
        elif alias in _serialized_contents:
            connection._test_serialized_contents = _serialized_contents[alias]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    keep_serialized_contents()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item, nextitem):
    # The flush after a transactional test must see the attribute too, or it
    # re-creates content types and permissions that the restore then duplicates.
    keep_serialized_contents()


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    """The demo data (``seed_demo``), committed once for the tests of a module, which each
    run in their own rolled-back transaction on top of it; removed when the module ends.

    Seeding takes some seconds (bindings, payments and transfers go through the services):
    once a module rather than once a test.
    """
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("seed_demo", force=True, stdout=StringIO())
    yield
    with django_db_blocker.unblock():
        remove_committed_data()


def remove_committed_data() -> None:
    """Empty what a module's committed data set wrote: the accounts and reports tables and
    the users (with their roles and staff profiles); the reference data migrations loaded,
    regions, roles and policies, is left as it was."""
    from django.db import connection

    with connection.cursor() as cursor:
        # Everything seed_demo and seed_large write hangs off these, with the report
        # summaries and their queues, which the ledger's triggers fill. TRUNCATE passes the
        # append-only triggers, which refuse row by row deletes only.
        cursor.execute(
            "SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables "
            "WHERE schemaname = 'public' "
            "AND (tablename LIKE 'accounts\\_%%' OR tablename LIKE 'reports\\_%%')"
        )
        cursor.execute(f"TRUNCATE {cursor.fetchone()[0]}, auth_user RESTART IDENTITY CASCADE")
