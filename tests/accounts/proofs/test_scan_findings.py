"""What the scans show a reviewer: OCR findings per person and pages seen in other cases."""

from __future__ import annotations

import pytest

from accounts.models import ProofPage
from accounts.selectors.scans import pages_seen_elsewhere, scan_findings
from accounts.services.scans import pages_read
from tests.accounts.proofs.helpers import caseworker, couple, submit
from tests.factories import make_national_id
from tests.scans import household_page, image_bytes, page_image, upload

pytestmark = pytest.mark.django_db


def test_the_scan_shows_each_persons_id_number_and_name():
    a, b = couple()
    proof = submit(caseworker(), a, b)
    assert pages_read(proof_id=proof.pk) == 2
    found = scan_findings(proof)
    assert [p.id_found for p in found.persons] == [True, True]
    assert [p.name_found for p in found.persons] == [True, True]
    assert found.persons[0].id_hits[0].page_number == 1
    assert found.other_ids == []


def test_another_id_number_in_the_scan_is_a_red_flag():
    a, b = couple()
    stranger = make_national_id("440300")
    page = page_image(("常住人口登记卡", f"姓名 {b.name}", f"公民身份号码 {stranger}"))
    uploads = [
        upload("a.png", image_bytes(household_page(a)), "image/png"),
        upload("b.png", image_bytes(page), "image/png"),
    ]
    proof = submit(caseworker(), a, b, uploads=uploads)
    pages_read(proof_id=proof.pk)
    found = scan_findings(proof)
    assert found.persons[1].id_found is False
    assert [h.text.replace(" ", "")[-18:] for h in found.other_ids] == [stranger]


def test_the_same_image_resaved_as_jpeg_is_found_in_another_case():
    a, b = couple()
    c, d = couple()
    shared = household_page(a)
    submit(caseworker(), a, b, uploads=[upload("x.png", image_bytes(shared), "image/png")])
    again = image_bytes(shared, "JPEG", quality=60)
    second = submit(caseworker(), c, d, uploads=[upload("y.jpg", again, "image/jpeg")])
    seen = pages_seen_elsewhere(second)
    assert len(seen) == 1 and seen[0].exact is False
    assert ProofPage.objects.count() == 2
