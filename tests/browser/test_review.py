"""The review of kinship proofs in Chromium: a caseworker claims the next case, looks through its
pages in the viewer (the OCR boxes drawn over them) and rejects it with a reason, by keyboard;
a colleague approves another case and sees its binding become active."""

import re

import pytest

from accounts.choices import BindingStatus, ProofStatus
from accounts.models import Binding, KinshipProof
from accounts.services.scans import pages_read
from tests.accounts.proofs.helpers import couple, submit
from tests.factories import staff_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

#: an office screen
SCREEN = {"width": 1366, "height": 900}


def _boxes_drawn(page) -> int:
    """How many boxes the overlay of the page in view draws."""
    page.wait_for_selector("svg.proof-boxes")
    return page.locator("svg.proof-boxes polygon").count()


def test_a_caseworker_claims_the_next_case_reads_its_pages_and_rejects_it(
    live_server, page, screenshot, log_in
):
    intake = staff_user("caseworker", regions=["440300"], username="intake1")
    staff_user("caseworker", regions=["440300"], username="caseworker1")
    a, b = couple()
    proof = submit(intake, a, b)
    assert pages_read(proof_id=proof.pk) == 2  # the worker's reading, done here at once
    page.set_viewport_size(SCREEN)
    log_in("caseworker1")

    page.goto(f"{live_server.url}/admin/accounts/kinshipproof/")
    page.click("[data-testid=claim-next]")
    page.wait_for_url(re.compile(rf"/kinshipproof/{proof.pk}/review/$"))
    assert KinshipProof.objects.get().status == ProofStatus.IN_REVIEW

    # The first page, with the authorizer's name and ID number boxed; then the second.
    viewer_image = page.locator(".viewer-canvas img")
    viewer_image.wait_for()
    assert page.evaluate("() => document.querySelector('.viewer-canvas img').naturalWidth") > 0
    assert _boxes_drawn(page) == 2
    kinds = page.eval_on_selector_all(
        "svg.proof-boxes polygon", "polygons => polygons.map(p => p.dataset.kind)"
    )
    assert kinds == ["authorizer", "authorizer"]
    page.keyboard.press("ArrowRight")
    page.wait_for_selector(f"svg.proof-boxes[data-page='{proof.pages.last().pk}']")
    assert page.locator(".viewer-title").inner_text().startswith("第 2 页")
    page.keyboard.press("]")  # rotate: the boxes turn with the page
    page.wait_for_function(
        "() => (document.querySelector('svg.proof-boxes').style.transform || '').includes('90deg')"
    )
    page.wait_for_timeout(500)  # the turn's transition
    screenshot("review-screen")

    # R opens the rejection; a letter typed in the note stays in the note.
    page.keyboard.press("r")
    assert page.locator("[data-testid=reject-form]").is_visible()
    assert page.evaluate("() => document.activeElement.id") == "id_reject_reason"
    page.select_option("#id_reject_reason", "person_mismatch")
    page.fill("#id_reject_note", "")
    page.click("#id_reject_note")
    page.keyboard.type("a page is missing")
    assert page.locator("[data-testid=approve-form]").is_hidden()
    page.click("[data-testid=reject-form] [data-submit]")

    page.wait_for_url(re.compile(r"/admin/accounts/kinshipproof/$"))  # none waits: the queue
    proof.refresh_from_db()
    assert (proof.status, proof.reject_reason) == (ProofStatus.REJECTED, "person_mismatch")
    assert proof.decision_note == "a page is missing"
    assert Binding.objects.get(pk=proof.binding_id).status == BindingStatus.REVOKED


def test_a_colleague_approves_a_case_and_sees_the_binding_become_active(
    live_server, page, screenshot, log_in
):
    intake = staff_user("caseworker", regions=["440300"], username="intake1")
    staff_user("caseworker", regions=["440300"], username="caseworker2")
    proof = submit(intake, *couple())
    page.set_viewport_size(SCREEN)

    # Whoever took it in sees it waiting, and no button to decide it.
    log_in("intake1")
    page.goto(f"{live_server.url}/admin/accounts/kinshipproof/{proof.pk}/review/")
    assert page.locator("[data-testid=why-not]").is_visible()
    assert page.locator("[data-testid=claim-form]").count() == 0
    page.context.clear_cookies()  # logged out

    log_in("caseworker2")
    page.goto(f"{live_server.url}/admin/accounts/kinshipproof/")
    page.click(f"text={proof.case_number}")
    page.wait_for_url(re.compile(rf"/kinshipproof/{proof.pk}/review/$"))
    page.keyboard.press("c")  # the claim button takes the focus; Enter presses it
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=decide] .proof-step[data-step=approve]")
    page.keyboard.press("a")
    assert page.locator("[data-testid=approve-form]").is_visible()
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/admin/accounts/kinshipproof/$"))
    assert page.get_by_text("共济绑定已生效").is_visible()
    proof.refresh_from_db()
    assert proof.status == ProofStatus.APPROVED

    page.goto(f"{live_server.url}/admin/accounts/kinshipproof/{proof.pk}/change/")
    page.click("text=共济绑定页面")
    page.wait_for_url(re.compile(rf"/binding/{proof.binding_id}/change/$"))
    label = page.locator("label", has_text=re.compile(r"^\s*绑定状态\s*$"))
    assert label.locator("xpath=../..").locator(".readonly").inner_text() == "已生效"
    screenshot("review-approved-binding")
