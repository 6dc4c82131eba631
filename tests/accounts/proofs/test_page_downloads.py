"""Pages served only through the checked view: region and permission on every request."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.accounts.proofs.helpers import caseworker, person, submit, supervisor
from tests.factories import staff_user
from tests.scans import household_page, image_bytes, pdf_bytes, upload

pytestmark = pytest.mark.django_db

#: the authorizer is insured in Shenzhen, the beneficiary in Jinan
AUTHORIZER_REGION, BENEFICIARY_REGION = "440300", "370100"


@pytest.fixture
def proof():
    a = person(AUTHORIZER_REGION, sex="M")
    b = person(BENEFICIARY_REGION, sex="F")
    pages = [
        upload("hh.png", image_bytes(household_page(a)), "image/png"),
        upload("jh.pdf", pdf_bytes([household_page(b)]), "application/pdf"),
    ]
    return submit(caseworker(AUTHORIZER_REGION, username="intake"), a, b, uploads=pages)


def url(page, kind="image"):
    return reverse("proof_page", args=[page.pk, kind])


def _as(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("region", [AUTHORIZER_REGION, BENEFICIARY_REGION])
def test_a_caseworker_of_either_persons_region_gets_the_page(client, proof, region):
    page = proof.pages.get(number=1)

    response = _as(client, caseworker(region)).get(url(page))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f'inline; filename="{proof.case_number}-1.png"'
    assert "sandbox" in response["Content-Security-Policy"]
    assert "private" in response["Cache-Control"]
    with page.file.open("rb") as handle:
        assert b"".join(response.streaming_content) == handle.read()


def test_a_caseworker_of_another_region_is_told_the_page_does_not_exist(client, proof):
    page = proof.pages.get(number=1)
    stranger = _as(client, caseworker("320100"))

    for kind in ("file", "image", "thumbnail"):
        assert stranger.get(url(page, kind)).status_code == 404


def test_a_supervisor_of_another_province_gets_nothing(client, proof):
    page = proof.pages.get(number=1)
    assert _as(client, supervisor("32")).get(url(page)).status_code == 404
    assert _as(client, supervisor("44")).get(url(page)).status_code == 200


def test_an_anonymous_visitor_is_sent_to_log_in(client, proof):
    page = proof.pages.get(number=1)

    response = client.get(url(page))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_user_who_is_not_staff_is_sent_to_log_in(client, proof):
    user = get_user_model().objects.create_user("applicant", password="pw-for-tests-2026")
    response = _as(client, user).get(url(proof.pages.get(number=1)))
    assert response.status_code == 302


def test_staff_without_the_right_to_view_proofs_get_nothing(client, proof):
    # a member of staff of the right region, in no role
    clerk = staff_user("caseworker", regions=[AUTHORIZER_REGION])
    clerk.groups.clear()
    assert not clerk.has_perm("accounts.view_kinshipproof")

    response = _as(client, clerk).get(url(proof.pages.get(number=1)))

    assert response.status_code in (403, 404)


def test_the_file_as_uploaded_is_an_attachment(client, proof):
    response = _as(client, caseworker(AUTHORIZER_REGION)).get(
        url(proof.pages.get(number=2), "file")
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (f'attachment; filename="{proof.case_number}-2.pdf"')
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_pdf_page_is_shown_as_its_rendering(client, proof):
    page = proof.pages.get(number=2)
    response = _as(client, caseworker(AUTHORIZER_REGION)).get(url(page, "image"))

    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline;")
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"  # a JPEG


def test_the_thumbnail_is_a_small_jpeg(client, proof):
    response = _as(client, caseworker(AUTHORIZER_REGION)).get(
        url(proof.pages.get(number=1), "thumbnail")
    )
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_auditor_and_a_superuser_read_pages_of_every_region(client, proof, superuser):
    page = proof.pages.get(number=1)
    auditor = staff_user("auditor", nationwide=True)
    assert _as(client, auditor).get(url(page)).status_code == 200
    assert _as(client, superuser).get(url(page)).status_code == 200


def test_an_unknown_kind_or_page_is_not_found(client, proof):
    reader = _as(client, caseworker(AUTHORIZER_REGION))
    page = proof.pages.get(number=1)
    assert reader.get(reverse("proof_page", args=[page.pk, "original"])).status_code == 404
    assert reader.get(reverse("proof_page", args=[page.pk + 1000, "image"])).status_code == 404


def test_only_get_is_answered(client, proof):
    reader = _as(client, caseworker(AUTHORIZER_REGION))
    assert reader.post(url(proof.pages.get(number=1))).status_code == 405
