"""Two imports of the same persons at the same time, as two agencies' workers may run them."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection

from accounts.models import ImportRun, InsuredPerson, PersonalAccount
from accounts.services.imports import import_enrollment
from tests.accounts.imports.enrollment_files import nid, row, write_csv

# Real commits, seen by every session: each import writes through connections of its own.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PERSONS = 1_200
CHUNK = 50  # many small transactions, so the two imports' chunks interleave


def number(n):
    """The identity number of person ``n`` (a day holds 999 sequence numbers)."""
    return nid(n % 900, birth=dt.date(1980, 1, 1) + dt.timedelta(days=n // 900))


def person(n, name, balance):
    return row(n % 900, 身份证号=number(n), 姓名=name, 个人账户余额=balance)


def run_at_once(paths):
    """Start an import of each file at the same moment; return the runs and any errors."""
    start = threading.Barrier(len(paths))
    runs, errors = {}, {}

    def import_file(path):
        try:
            start.wait()
            runs[path] = import_enrollment(path=path, chunk_size=CHUNK)
        except Exception as error:  # noqa: BLE001 - reported by the test's assertion
            errors[path] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=import_file, args=(path,)) for path in paths]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return [runs.get(path) for path in paths], errors


def files_of_the_same_persons(tmp_path):
    """File 甲 names each person 甲N with a balance of 100; file 乙 names them 乙N with a
    balance of 200. Both list them in the same order, so the two imports meet on every chunk."""
    first = [person(n, f"甲{n}", "100.00") for n in range(1, PERSONS + 1)]
    second = [person(n, f"乙{n}", "200.00") for n in range(1, PERSONS + 1)]
    return write_csv(tmp_path, first, name="甲.csv"), write_csv(tmp_path, second, name="乙.csv")


def test_two_imports_of_the_same_new_persons_at_once_both_finish(tmp_path):
    (first, second), errors = run_at_once(files_of_the_same_persons(tmp_path))

    assert errors == {}
    assert [first.status, second.status] == [ImportRun.Status.FINISHED] * 2
    assert (first.failed, second.failed) == (0, 0)


def test_two_imports_at_once_create_each_person_once_with_one_account(tmp_path):
    (first, second), _ = run_at_once(files_of_the_same_persons(tmp_path))

    assert InsuredPerson.objects.count() == PERSONS
    assert PersonalAccount.objects.count() == PERSONS
    # Whichever wrote a person first created it; the other updated or found it unchanged.
    assert first.created + second.created == PERSONS
    for run in (first, second):
        assert run.created + run.updated + run.unchanged == PERSONS


def test_two_imports_at_once_leave_each_person_wholly_as_one_file_says(tmp_path):
    run_at_once(files_of_the_same_persons(tmp_path))

    written = {
        (name, balance)
        for name, balance in PersonalAccount.objects.values_list("person__name", "balance")
    }
    expected = {(f"甲{n}", Decimal("100.00")) for n in range(1, PERSONS + 1)} | {
        (f"乙{n}", Decimal("200.00")) for n in range(1, PERSONS + 1)
    }
    # A person's name and balance are written in one transaction: never 甲's name with
    # 乙's balance.
    assert written <= expected
    assert len(written) == PERSONS
    assert set(InsuredPerson.objects.values_list("national_id", flat=True)) == {
        number(n) for n in range(1, PERSONS + 1)
    }
