"""A rule's finding reads as words where a caseworker looks; its code is a secondary line.

The trial page (规则试算), a binding's page and history, and the counter pages show the
engine's findings through ``{% finding %}``: the message in Chinese first, the code in a
small grey ``<code>`` after it, and the policy rule by its label, never its field name.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.choices import BindingBasis, BindingStatus, InsuranceType, Via
from accounts.services.bindings import binding_activate, binding_request
from accounts.services.persons import person_save
from policies.models import Region
from tests.accounts.money import binding
from tests.factories import InsuredPersonFactory, staff_user
from tests.policies.test_policy_admin import TRY

pytestmark = pytest.mark.django_db

TRIAL = reverse("admin:policies_policyversion_try")
NOT_EMPLOYEE = "只有职工医保参保人才有可共济的个人账户。"


def findings(body: str) -> list[tuple[str, str]]:
    """Return each shown finding as (its words, its secondary line's text)."""
    pairs = re.findall(
        r'<span class="portal-finding">(.*?)</span>'
        r'(?:<span class="portal-code" data-testid="finding-code">(.*?)</span>)?',
        body,
        flags=re.S,
    )
    return [(words, re.sub(r"<[^>]+>", "", line)) for words, line in pairs]


def words_of(body: str, code: str) -> str:
    return next(words for words, line in findings(body) if line.split(" · ")[0] == code)


def test_the_trial_page_words_a_refusal_and_keeps_its_code_on_a_second_line(
    caseworker_client,
):
    Region.objects.filter(code="370100").update(wallet_enabled_on="2025-01-01")
    case = {**TRY, "mode": "wallet", "transfers_today": "9"}

    body = caseworker_client.get(TRIAL, case).content.decode()

    assert words_of(body, "daily_transfer_limit").startswith("每日最多钱包转账")
    assert "<code>daily_transfer_limit</code> · 每日钱包转账笔数上限" in body
    assert "wallet_max_transfers_per_day" not in body  # the rule by its label only
    assert "（daily_transfer_limit" not in body  # no longer a code in brackets in the text


def test_the_trial_pages_red_flags_have_words_first_and_their_code_after(caseworker_client):
    # The "mother" is four years younger than her child.
    case = {**TRY, "relation": "mother", "beneficiary_sex": "F", "beneficiary_birth": "1989-07-01"}

    body = caseworker_client.get(TRIAL, case).content.decode()

    assert words_of(body, "parent_younger_than_child") == "父母比子女还小4岁。"
    assert "-4" not in words_of(body, "parent_younger_than_child")


def _person(code="370100", **kwargs):
    return InsuredPersonFactory(region=Region.objects.get(code=code), **kwargs)


def test_a_bindings_page_words_the_rule_that_refused_it(caseworker_client):
    refused = binding_request(
        actor=None,
        via=Via.COMMAND,
        authorizer=_person(insurance_type=InsuranceType.RESIDENT),
        beneficiary=_person(sex="F"),
        relation="spouse",
        basis=BindingBasis.PLEDGE,
        starts_on=timezone.localdate(),
    )

    url = reverse("admin:accounts_binding_change", args=[refused.pk])
    body = caseworker_client.get(url).content.decode()

    assert words_of(body, "authorizer_not_employee") == NOT_EMPLOYEE


def test_a_bindings_history_words_a_refusal_its_decision_no_longer_holds(
    caseworker_client, caseworker
):
    # Given a binding refused because its authorizer was resident-insured, and activated
    # once the authorizer became employee-insured: its decision has no violation any more.
    authorizer = _person(insurance_type=InsuranceType.RESIDENT)
    refused = binding_request(
        actor=None,
        via=Via.COMMAND,
        authorizer=authorizer,
        beneficiary=_person(sex="F"),
        relation="spouse",
        basis=BindingBasis.PLEDGE,
        starts_on=timezone.localdate(),
    )
    authorizer.insurance_type = InsuranceType.EMPLOYEE
    person_save(actor=caseworker, person=authorizer, via=Via.ADMIN)
    colleague = staff_user("caseworker", regions=["370100"], username="colleague")
    activated = binding_activate(actor=colleague, via=Via.ADMIN, binding=refused)
    assert activated.status == BindingStatus.ACTIVE

    # When the binding's page is opened
    url = reverse("admin:accounts_binding_change", args=[refused.pk])
    body = caseworker_client.get(url).content.decode()

    # Then the history's first row says why it was refused then, in words.
    history = body[body.index('data-testid="history"') :]
    assert words_of(history, "authorizer_not_employee") == NOT_EMPLOYEE


def test_the_payment_counter_words_a_refusal_and_shows_its_code_small(caseworker_client):
    b = binding(payment_cap=Decimal("50.00"))
    response = caseworker_client.post(
        reverse("admin:accounts_payment_counter"),
        {
            "authorizer_id": b.authorizer.national_id,
            "beneficiary_id": b.beneficiary.national_id,
            "use": "outpatient",
            "bill_amount": "300.00",
            "amount": "60.00",
            "check": "",
        },
    )
    body = response.content.decode()
    assert words_of(body, "binding_payment_cap") == "授权人为该亲属设定的单次支付上限为 50.00 元。"
    assert "<code>binding_payment_cap</code>" in body
