"""``manage.py seed_large``: a data set written set-based whose ledger adds up and whose
summaries agree with the records they count."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum

from accounts import idnumbers
from accounts.choices import BindingStatus, TransferStatus
from accounts.models import Binding, InsuredPerson, Payment, WalletTransfer
from reports.choices import BindingEvent, MoneyMode
from reports.models import BindingMonth, MoneyMonth
from tests.accounts.money import check_ledger

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    out = StringIO()
    call_command("seed_large", persons=800, force=True, stdout=out)
    return out.getvalue()


def test_the_ledger_adds_up_after_seeding(seeded):
    status, output = check_ledger()

    assert status == 0, output


def test_seeded_persons_have_valid_unique_identity_numbers_matching_sex_and_birth(seeded):
    persons = list(InsuredPerson.objects.values_list("national_id", "sex", "birth_date"))

    assert len(persons) == 800
    for number, sex, born in persons:
        facts = idnumbers.facts(number)
        assert idnumbers.check_char(number[:17]) == number[17]
        assert (facts.sex, facts.birth_date) == (sex, born)


def test_seeding_makes_movements_in_proportion(seeded):
    movements = Payment.objects.count() + WalletTransfer.objects.count()

    assert 3_000 <= movements <= 5_000  # five per person, drawn at random
    assert set(Binding.objects.values_list("status", flat=True)) == set(BindingStatus.values)
    assert TransferStatus.ACCEPTED in set(WalletTransfer.objects.values_list("status", flat=True))


def test_the_money_summary_counts_what_the_records_hold(seeded):
    direct = MoneyMonth.objects.filter(mode=MoneyMode.DIRECT).aggregate(
        n=Sum("count"), yuan=Sum("amount"), reversed=Sum("reversed_count")
    )
    wallet = MoneyMonth.objects.filter(mode=MoneyMode.WALLET).aggregate(
        n=Sum("count"), accepted=Sum("accepted_count"), returned=Sum("returned_count")
    )
    statuses = dict(WalletTransfer.objects.values_list("status").annotate(n=Count("id")))

    assert direct == {
        "n": Payment.objects.count(),
        "yuan": Payment.objects.aggregate(s=Sum("amount"))["s"],
        "reversed": Payment.objects.filter(reversal__isnull=False).count(),
    }
    assert wallet == {
        "n": WalletTransfer.objects.count(),
        "accepted": statuses.get(TransferStatus.ACCEPTED, 0),
        "returned": statuses.get(TransferStatus.RETURNED, 0),
    }


def test_the_bindings_summary_counts_the_active_bindings(seeded):
    activated = BindingMonth.objects.filter(event=BindingEvent.ACTIVATED).aggregate(n=Sum("count"))[
        "n"
    ]
    ended = BindingMonth.objects.filter(event=BindingEvent.ENDED).aggregate(n=Sum("count"))["n"]

    assert activated - ended == Binding.objects.filter(status=BindingStatus.ACTIVE).count()


def test_seeding_twice_is_refused(seeded):
    with pytest.raises(CommandError, match="large data set already"):
        call_command("seed_large", persons=10, force=True, stdout=StringIO())


def test_seeding_is_refused_with_debug_off_unless_forced(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("seed_large", persons=10, stdout=StringIO())
