"""A caseworker pays a relative's bill at the counter (柜台代办): the rules judge it on the page
before anything is written, and the authorizer's statement shows the new line."""

import datetime as dt
import re
from decimal import Decimal

import pytest

from accounts.choices import BindingBasis, BindingStatus, InsuranceType
from accounts.models import Payment, PersonalAccount
from accounts.services.bindings import binding_request
from policies.models import PolicyVersion
from policies.relations import Relation
from tests.accounts.money import check_ledger, person
from tests.factories import staff_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

#: an office screen
SCREEN = {"width": 1366, "height": 900}


def _shandong_pair(caseworker, balance="12345.60"):
    """An employee of Jinan with ``balance`` and her father, bound on a pledge (承诺制)."""
    authorizer = person(
        "370100", balance=Decimal(balance), name="赵秀英", sex="F", birth=dt.date(1982, 3, 9)
    )
    father = person(
        "370100", insurance_type=InsuranceType.RESIDENT, name="赵德厚", birth=dt.date(1953, 8, 1)
    )
    binding = binding_request(
        actor=caseworker,
        via="admin",
        authorizer=authorizer,
        beneficiary=father,
        relation=Relation.FATHER,
        basis=BindingBasis.PLEDGE,
        starts_on=dt.date(2026, 1, 1),
    )
    assert binding.status == BindingStatus.ACTIVE, binding.decision
    return authorizer, father


def _fill_counter(page, authorizer, beneficiary, *, use, bill, amount):
    page.fill("#id_authorizer_id", authorizer.national_id)
    page.fill("#id_beneficiary_id", beneficiary.national_id)
    page.select_option("#id_use", use)
    page.fill("#id_bill_amount", bill)
    page.fill("#id_amount", amount)
    page.click("[data-testid=counter-form] button[name=check]")
    page.wait_for_selector("[data-testid=counter-decision] section")


def _limit_shandong_share(share="0.70"):
    """Shandong's table in force limits one payment to a share of the bill."""
    PolicyVersion.objects.filter(province_id="37", region=None, effective_to=None).update(
        max_payment_share=Decimal(share)
    )


def test_caseworker_pays_a_bill_at_the_counter_and_sees_it_on_the_statement(
    live_server, page, screenshot, log_in
):
    caseworker = staff_user("caseworker", regions=["370100"], username="caseworker1")
    authorizer, father = _shandong_pair(caseworker)
    _limit_shandong_share()
    page.set_viewport_size(SCREEN)
    log_in("caseworker1")

    # From the payments list, the counter action opens the counter page.
    page.goto(f"{live_server.url}/admin/accounts/payment/")
    page.get_by_role("link", name="柜台代办支付").click()
    page.wait_for_url(re.compile(r"/admin/accounts/payment/counter/$"))
    assert page.locator("h1", has_text="柜台代办支付").is_visible()

    # Checked first: the decision is on the page, nothing is paid yet.
    _fill_counter(page, authorizer, father, use="inpatient", bill="3000.00", amount="1234.50")
    decision = page.locator("[data-testid=counter-decision]")
    assert decision.locator("[data-testid=allowed]").is_visible()
    assert decision.locator("[data-code]").count() == 0
    assert "12,345.60" in decision.inner_text()  # the balance the caseworker pays from
    assert not Payment.objects.exists()
    screenshot("counter-payment-allowed")

    page.click("[data-testid=confirm]")
    page.wait_for_url(re.compile(r"/admin/accounts/payment/\d+/change/$"))
    payment = Payment.objects.get()
    assert (payment.amount, payment.bill_amount, payment.use) == (
        Decimal("1234.50"),
        Decimal("3000.00"),
        "inpatient",
    )
    assert page.get_by_text(re.compile(r"已从.*支付 1,234\.50 元")).is_visible()
    shown = page.locator(".readonly").all_inner_texts()
    assert "1,234.50" in shown and "3,000.00" in shown  # the amount and the bill
    screenshot("counter-payment-done")

    # The payments list has it, in yuan as caseworkers read them.
    page.goto(f"{live_server.url}/admin/accounts/payment/")
    [row] = page.locator("#result_list tbody tr").all()
    assert row.locator(".field-amount_shown").inner_text() == "1,234.50"
    assert "赵秀英" in row.inner_text() and "赵德厚" in row.inner_text()
    screenshot("counter-payment-list")

    # The authorizer's statement: the opening balance, then the payment with what is left.
    page.goto(f"{live_server.url}/admin/accounts/payment/account/{authorizer.pk}/statement/")
    rows = page.locator("[data-testid=statement] tbody tr")
    assert rows.count() == 2
    newest = rows.first.locator("td")
    assert newest.nth(1).inner_text() == "直接支付"
    assert newest.nth(2).inner_text() == "赵德厚"
    assert newest.nth(5).inner_text() == "-1,234.50"
    assert newest.nth(6).inner_text() == "11,111.10"
    assert rows.nth(1).locator("td").nth(6).inner_text() == "12,345.60"
    screenshot("counter-payment-statement")

    assert PersonalAccount.objects.get(person=authorizer).balance == Decimal("11111.10")
    status, report = check_ledger()
    assert status == 0, report


def test_counter_refuses_more_than_the_share_or_the_balance_before_writing(
    live_server, page, screenshot, log_in
):
    caseworker = staff_user("caseworker", regions=["370100"], username="caseworker1")
    authorizer, father = _shandong_pair(caseworker, balance="800.00")
    _limit_shandong_share()
    page.set_viewport_size(SCREEN)
    log_in("caseworker1")
    page.goto(f"{live_server.url}/admin/accounts/payment/counter/")

    # 70% of a 1,000-yuan bill is 700 yuan: 750 is over the share.
    _fill_counter(page, authorizer, father, use="outpatient", bill="1000.00", amount="750.00")
    decision = page.locator("[data-testid=counter-decision]")
    assert decision.locator("[data-testid=blocked]").is_visible()
    over = decision.locator("[data-code=payment_share_exceeded]")
    assert over.is_visible()
    assert "70%" in over.inner_text() and "700.00" in over.inner_text()  # not 7E+1%
    assert page.locator("[data-testid=confirm]").count() == 0
    screenshot("counter-payment-share-exceeded")

    # Within the share of a larger bill but above the balance: refused again.
    _fill_counter(page, authorizer, father, use="outpatient", bill="2000.00", amount="900.00")
    assert decision.locator("[data-code]").evaluate_all(
        "items => items.map(i => i.dataset.code)"
    ) == ["insufficient_balance"]
    assert "800.00" in decision.locator("[data-code=insufficient_balance]").inner_text()
    assert page.locator("[data-testid=confirm]").count() == 0
    screenshot("counter-payment-over-balance")

    assert not Payment.objects.exists()
    assert PersonalAccount.objects.get(person=authorizer).balance == Decimal("800.00")
    status, report = check_ledger()
    assert status == 0, report
