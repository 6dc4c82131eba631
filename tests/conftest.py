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
