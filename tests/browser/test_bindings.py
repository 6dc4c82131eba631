"""A caseworker of Shenzhen enters a binding on documents; it waits for review, and a colleague
(four-eyes: not the one who entered it) activates it from the binding's page."""

import datetime as dt
import re

import pytest

from accounts.choices import BindingBasis, BindingStatus, InsuranceType
from accounts.models import Binding
from policies.relations import Relation
from tests.accounts.money import person
from tests.factories import staff_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

#: an office screen
SCREEN = {"width": 1366, "height": 900}


def _status_shown(page) -> str:
    """The binding page's status field (绑定状态), as the caseworker reads it."""
    label = page.locator("label", has_text=re.compile(r"^\s*绑定状态\s*$"))
    return label.locator("xpath=../..").locator(".readonly").inner_text()


def _header_parts_cut(page) -> list[str]:
    """The header path's parts cut short (参保人与… for 参保人与个人账户), but its last."""
    return page.evaluate(
        """() => [...document.querySelectorAll('h1 > .truncate')].slice(0, -1)
            .filter(part => part.scrollWidth > part.clientWidth)
            .map(part => part.textContent.trim())"""
    )


def test_a_colleague_activates_a_binding_on_documents_the_first_caseworker_entered(
    live_server, page, screenshot, log_in
):
    staff_user("caseworker", regions=["440300"], username="caseworker1")
    staff_user("caseworker", regions=["440300"], username="caseworker2")
    authorizer = person("440300", name="陈志强", birth=dt.date(1984, 6, 2))
    mother = person(
        "440300",
        insurance_type=InsuranceType.RESIDENT,
        name="林月娥",
        sex="F",
        birth=dt.date(1958, 11, 20),
    )
    page.set_viewport_size(SCREEN)
    log_in("caseworker1")

    # Guangdong reviews documents: the request waits for them.
    page.goto(f"{live_server.url}/admin/accounts/binding/add/")
    page.fill("#id_authorizer", authorizer.national_id)
    page.fill("#id_beneficiary", mother.national_id)
    page.select_option("#id_relation", Relation.MOTHER)
    page.select_option("#id_basis", BindingBasis.DOCUMENTS)
    screenshot("binding-request")
    page.click("[data-testid=request-form] button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/accounts/binding/\d+/change/$"))
    binding = Binding.objects.get()
    assert (binding.status, binding.basis, binding.relation) == (
        BindingStatus.PENDING,
        BindingBasis.DOCUMENTS,
        Relation.MOTHER,
    )
    assert page.get_by_text("绑定待审核证明材料。").is_visible()
    waiting = page.locator("[data-testid=decision] [data-testid=waiting]")
    assert waiting.is_visible()
    assert waiting.evaluate("e => getComputedStyle(e).color") != page.evaluate(
        "() => getComputedStyle(document.body).color"
    )  # in the warning colour
    reason = page.locator("[data-testid=decision] li[data-code=proof_missing]")
    assert reason.evaluate("li => getComputedStyle(li).listStyleType") == "disc"
    assert _status_shown(page) == "待审核"
    assert _header_parts_cut(page) == []  # the binding's long name gives way, not 共济绑定
    screenshot("binding-pending")

    # The one who entered it is offered the button but told a colleague decides.
    page.get_by_role("link", name="审核生效").click()
    page.wait_for_url(re.compile(r"/activate/$"))
    page.click("[data-testid=activate-form] button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/accounts/binding/\d+/change/$"))
    assert page.get_by_text("您录入的绑定须由其他经办人员审核生效。").is_visible()
    binding.refresh_from_db()
    assert binding.status == BindingStatus.PENDING
    screenshot("binding-own-request-refused")

    # A colleague of the same agency activates it.
    page.context.clear_cookies()
    log_in("caseworker2")
    page.goto(f"{live_server.url}/admin/accounts/binding/{binding.pk}/change/")
    page.get_by_role("link", name="审核生效").click()
    page.wait_for_url(re.compile(r"/activate/$"))
    assert "陈志强 → 林月娥" in page.locator("main, body").first.inner_text()
    screenshot("binding-activate-confirm")
    page.click("[data-testid=activate-form] button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/accounts/binding/\d+/change/$"))
    assert page.get_by_text("绑定已生效。").is_visible()
    assert page.locator("[data-testid=decision] [data-testid=allowed]").is_visible()
    assert _status_shown(page) == "已生效"
    assert page.get_by_role("link", name="审核生效").count() == 0
    screenshot("binding-active")

    binding.refresh_from_db()
    assert binding.status == BindingStatus.ACTIVE
    assert binding.requested_by.username == "caseworker1"
    assert binding.activated_at is not None
