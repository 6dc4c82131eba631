"""The demo data: idempotent, scoped users, families whose ID numbers fit their relations."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts import idnumbers
from accounts.demo import demo_families
from accounts.models import InsuredPerson, PersonalAccount
from portal.management.commands.seed_demo import DEMO_PASSWORD, DEMO_TODAY

pytestmark = pytest.mark.django_db


def years_between(older: dt.date, younger: dt.date) -> float:
    return (younger - older).days / 365.25


def test_seed_demo_twice_creates_everything_once(demo_data, capsys):
    first = InsuredPerson.objects.count()
    call_command("seed_demo", force=True)
    assert InsuredPerson.objects.count() == first
    assert first == 440
    assert "(0 new)" in capsys.readouterr().out


def test_seed_demo_gives_every_employee_an_account(demo_data):
    employees = InsuredPerson.objects.filter(insurance_type="employee")
    assert PersonalAccount.objects.count() == employees.count() > 0


def test_demo_caseworker1_sees_only_jinan(demo_data, client):
    assert client.login(username="caseworker1", password=DEMO_PASSWORD)
    response = client.get(reverse("admin:accounts_insuredperson_changelist"))
    regions = {p.region_id for p in response.context["cl"].result_list}
    assert regions == {"370100"}


def test_demo_data_has_both_insurance_types_in_several_provinces(demo_data):
    provinces = set(InsuredPerson.objects.values_list("region__province", flat=True))
    types = set(InsuredPerson.objects.values_list("insurance_type", flat=True))
    assert len(provinces) >= 5
    assert types == {"employee", "resident"}


def test_demo_spouses_are_of_opposite_sex_and_marriageable_age():
    for family in demo_families(today=DEMO_TODAY):
        head = idnumbers.facts(family.head.national_id)
        for member in family.members:
            if member.relation_to_head != "spouse":
                continue
            spouse = idnumbers.facts(member.national_id)
            assert spouse.sex != head.sex
            for person in (head, spouse):
                assert years_between(person.birth_date, DEMO_TODAY) >= (
                    22 if person.sex == "M" else 20
                )


def test_demo_parents_are_20_to_40_years_older_than_their_children():
    for family in demo_families(today=DEMO_TODAY):
        head = idnumbers.facts(family.head.national_id)
        people = {m.relation_to_head: idnumbers.facts(m.national_id) for m in family.members}
        for relation in ("father", "mother"):
            gap = years_between(people[relation].birth_date, head.birth_date)
            assert 20 <= gap <= 40, (relation, gap)
        assert people["father"].sex == "M" and people["mother"].sex == "F"
        for member in family.members:
            if member.relation_to_head == "child":
                child = idnumbers.facts(member.national_id)
                assert 20 <= years_between(head.birth_date, child.birth_date) <= 40
            if member.relation_to_head == "grandparent":
                grand = idnumbers.facts(member.national_id)
                assert years_between(grand.birth_date, people["father"].birth_date) >= 20


def test_seed_demo_refuses_when_debug_is_off():
    from django.core.management.base import CommandError

    persons = InsuredPerson.objects.count()
    with pytest.raises(CommandError, match="known passwords"):
        call_command("seed_demo")
    assert InsuredPerson.objects.count() == persons


def test_demo_bindings_are_in_every_state(demo_data):
    from accounts.models import Binding

    states = set(Binding.objects.values_list("status", flat=True))
    assert states == {"pending", "active", "blocked", "revoked"}


def test_demo_money_has_payments_transfers_accepted_and_returned_and_a_reversal(demo_data):
    from accounts.models import Payment, WalletTransfer

    assert Payment.objects.count() > 100
    assert Payment.objects.filter(reversal__isnull=False).exists()
    assert {"accepted", "returned"} <= set(WalletTransfer.objects.values_list("status", flat=True))


def test_the_ledger_is_clean_after_seed_demo(demo_data):
    out = StringIO()
    call_command("check_ledger", stdout=out)  # exits non-zero on any mismatch
    assert "balanced" in out.getvalue()
