"""The money pages as a caseworker and a supervisor use them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Payment, PersonalAccount, WalletTransfer
from accounts.services.payments import payment_create
from tests.accounts.money import (
    NOON,
    binding,
    close_wallets,
    open_wallets,
    payment_in,
    person,
    reference,
    transfer_in,
)
from tests.factories import staff_user

pytestmark = pytest.mark.django_db

COUNTER = "admin:accounts_payment_counter"


def counter_post(client, b, amount="100.00", bill="300.00", **extra):
    return client.post(
        reverse(COUNTER),
        {
            "authorizer_id": b.authorizer.national_id,
            "beneficiary_id": b.beneficiary.national_id,
            "use": "outpatient",
            "bill_amount": bill,
            "amount": amount,
            **extra,
        },
    )


def test_counter_check_shows_the_decision_and_writes_nothing(caseworker_client):
    b = binding()
    response = counter_post(caseworker_client, b, check="")
    assert response.status_code == 200
    assert response.context["decision"].allowed
    assert b'data-testid="confirm"' in response.content
    assert not Payment.objects.exists()


def test_counter_shows_why_a_payment_is_refused(caseworker_client):
    b = binding(payment_cap=Decimal("50.00"))
    response = counter_post(caseworker_client, b, amount="60.00", check="")
    assert response.context["decision"].codes == ["binding_payment_cap"]
    assert b'data-code="binding_payment_cap"' in response.content
    assert b'data-testid="confirm"' not in response.content


def test_counter_confirmation_pays_once_however_often_it_is_sent(caseworker_client):
    b = binding()
    checked = counter_post(caseworker_client, b, check="")
    ref = checked.context["form"].cleaned_data["reference"]
    first = counter_post(caseworker_client, b, reference=ref, confirm="")
    again = counter_post(caseworker_client, b, reference=ref, confirm="")
    assert first.status_code == again.status_code == 302
    assert Payment.objects.count() == 1
    assert PersonalAccount.objects.get(pk=b.authorizer_id).balance == Decimal("900.00")


def test_counter_does_not_find_a_binding_of_another_region(caseworker_client):
    b = binding(authorizer=person("440300"), beneficiary=person("440300"))
    response = counter_post(caseworker_client, b, check="")
    assert "no_binding" in [e.code for e in response.context["form"].non_field_errors().data]


def test_statement_shows_the_running_balance(caseworker, caseworker_client):
    payment = payment_in("370100", amount="10.00")
    url = reverse("admin:accounts_account_statement", args=[payment.binding.authorizer_id])
    response = caseworker_client.get(url)
    balances = [e.running_balance for e in response.context["page"]]
    assert balances == [Decimal("990.00"), Decimal("1000.00")]  # newest first


def test_statement_of_another_regions_account_is_not_found(caseworker_client):
    foreign = person("440300")
    url = reverse("admin:accounts_account_statement", args=[foreign.pk])
    assert caseworker_client.get(url).status_code == 404


def test_person_page_links_to_the_statement(caseworker_client):
    p = person()
    response = caseworker_client.get(reverse("admin:accounts_insuredperson_change", args=[p.pk]))
    assert reverse("admin:accounts_account_statement", args=[p.pk]).encode() in response.content


def test_transfer_to_a_relative_in_another_province_is_seen_by_both_regions(caseworker):
    open_wallets()
    from accounts.services.payments import transfer_create
    from tests.accounts.money import NOON

    b = binding(authorizer=person("440300"), beneficiary=person("370100"))
    transfer = transfer_create(
        actor=None, via="command", reference=reference(), binding=b, amount="10", at=NOON
    )
    shenzhen = staff_user("caseworker", regions=["440300"])
    for user in (caseworker, shenzhen):
        from django.test import Client

        client = Client()
        client.force_login(user)
        response = client.get(reverse("admin:accounts_wallettransfer_changelist"))
        assert transfer.pk in {t.pk for t in response.context["cl"].result_list}


def test_caseworker_cannot_open_the_reversal_page(caseworker_client):
    payment = payment_in("370100")
    url = reverse("admin:accounts_payment_reverse", args=[payment.pk])
    assert caseworker_client.get(url).status_code == 403


def test_supervisor_reverses_a_payment_from_its_page(client, supervisor):
    payment = payment_in("370100")
    client.force_login(supervisor)
    url = reverse("admin:accounts_payment_reverse", args=[payment.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "wrong patient"})
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.is_reversed
    assert PersonalAccount.objects.get(pk=payment.binding.authorizer_id).balance == Decimal(
        "1000.00"
    )


def test_transfer_page_lists_its_entries(caseworker_client):
    transfer = transfer_in("370100")
    url = reverse("admin:accounts_wallettransfer_change", args=[transfer.pk])
    response = caseworker_client.get(url)
    assert response.status_code == 200
    assert b"+10.00" in response.content


@pytest.mark.parametrize("rows", [1, 20])
def test_payment_list_queries_do_not_grow_with_rows(
    caseworker_client, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        payment_in("370100")
    with django_assert_max_num_queries(12):
        response = caseworker_client.get(reverse("admin:accounts_payment_changelist"))
    assert len(response.context["cl"].result_list) == rows


def transfer_counter_post(client, b, amount="100.00", **extra):
    return client.post(
        reverse("admin:accounts_wallettransfer_counter"),
        {
            "authorizer_id": b.authorizer.national_id,
            "beneficiary_id": b.beneficiary.national_id,
            "amount": amount,
            **extra,
        },
    )


def test_transfer_counter_shows_a_closed_wallet_before_sending(caseworker_client):
    close_wallets()
    b = binding()
    response = transfer_counter_post(caseworker_client, b, check="")
    assert "wallet_not_open" in response.context["decision"].codes
    assert not WalletTransfer.objects.exists()


def test_transfer_counter_sends_once_however_often_confirmed(caseworker_client, monkeypatch):
    open_wallets()
    monkeypatch.setattr(timezone, "now", lambda: NOON)  # outside the 22:00-06:00 quiet hours
    b = binding()
    checked = transfer_counter_post(caseworker_client, b, check="")
    assert checked.context["decision"].allowed, checked.context["decision"].codes
    ref = checked.context["form"].cleaned_data["reference"]
    first = transfer_counter_post(caseworker_client, b, reference=ref, confirm="")
    again = transfer_counter_post(caseworker_client, b, reference=ref, confirm="")
    assert first.status_code == again.status_code == 302
    assert WalletTransfer.objects.count() == 1
    assert WalletTransfer.objects.get().created_by.username == "cw_jinan"


@pytest.mark.parametrize("payments", [1, 30])
def test_statement_queries_do_not_grow_with_entries(
    caseworker_client, payments, django_assert_max_num_queries
):
    b = binding()
    for _ in range(payments):
        payment_create(
            actor=None,
            via="command",
            reference=reference(),
            binding=b,
            use="pharmacy",
            bill_amount=None,
            amount="1.00",
            at=NOON,
        )
    url = reverse("admin:accounts_account_statement", args=[b.authorizer_id])
    with django_assert_max_num_queries(10):
        response = caseworker_client.get(url)
    assert len(response.context["page"]) == payments + 1  # and the opening entry
