"""An enrollment import books the balances it sets in the ledger and ends the bindings of
enrolments it ends, set-based, in each chunk's own transaction."""

from decimal import Decimal

import pytest

from accounts.choices import BindingStatus, JournalKind, RevokeReason
from accounts.models import Binding, InsuredPerson, Journal, LedgerEntry
from accounts.services.imports import import_enrollment
from tests.accounts.imports.enrollment_files import nid, row, write_csv
from tests.accounts.money import binding, check_ledger

pytestmark = pytest.mark.django_db


def _import(tmp_path, rows, name, **kwargs):
    return import_enrollment(path=write_csv(tmp_path, rows, name=name), chunk_size=2, **kwargs)


@pytest.fixture
def bound(tmp_path):
    """Persons 1 (authorizer) and 2 (beneficiary), imported, with an active binding."""
    _import(tmp_path, [row(1), row(2)], "first.csv")
    authorizer, beneficiary = (InsuredPerson.objects.get(national_id=nid(n)) for n in (1, 2))
    return binding(authorizer=authorizer, beneficiary=beneficiary)


def test_an_import_opening_accounts_leaves_a_clean_ledger(tmp_path):
    _import(tmp_path, [row(n) for n in range(1, 6)], "in.csv")
    assert check_ledger()[0] == 0
    assert Journal.objects.filter(kind=JournalKind.OPENING).exists()


def test_a_balance_an_import_changes_is_one_adjustment_entry_and_the_ledger_adds_up(tmp_path):
    _import(tmp_path, [row(1), row(2)], "first.csv")
    _import(tmp_path, [row(1, 个人账户余额="250.00"), row(2)], "again.csv")
    person = InsuredPerson.objects.get(national_id=nid(1))
    (entry,) = LedgerEntry.objects.filter(
        person=person, journal__kind=JournalKind.IMPORT_ADJUSTMENT
    )
    assert entry.amount == Decimal("150.00")
    assert check_ledger()[0] == 0


def test_a_dry_run_books_nothing(tmp_path):
    _import(tmp_path, [row(1)], "first.csv")
    _import(tmp_path, [row(1, 个人账户余额="250.00")], "again.csv", dry_run=True)
    assert not Journal.objects.filter(kind=JournalKind.IMPORT_ADJUSTMENT).exists()


def test_an_import_recording_a_death_revokes_the_persons_bindings(tmp_path, bound):
    _import(tmp_path, [row(2, 参保状态="死亡")], "death.csv")
    bound.refresh_from_db()
    assert (bound.status, bound.revoke_reason) == (
        BindingStatus.REVOKED,
        RevokeReason.ENROLMENT_ENDED,
    )


def test_an_import_moving_the_authorizer_to_resident_insurance_ends_what_they_give(
    tmp_path, bound
):
    _import(tmp_path, [row(1, 参保类型="居民", 个人账户余额="")], "resident.csv")
    bound.refresh_from_db()
    assert bound.revoke_reason == RevokeReason.LEFT_EMPLOYEE_INSURANCE


def test_an_import_that_ends_nothing_leaves_the_bindings_active(tmp_path, bound):
    _import(tmp_path, [row(1, 姓名="改名"), row(2, 手机号="13800001111")], "names.csv")
    assert Binding.objects.get(pk=bound.pk).status == BindingStatus.ACTIVE


def test_a_dry_run_recording_a_death_revokes_nothing(tmp_path, bound):
    _import(tmp_path, [row(2, 参保状态="死亡")], "death.csv", dry_run=True)
    assert Binding.objects.get(pk=bound.pk).status == BindingStatus.ACTIVE
