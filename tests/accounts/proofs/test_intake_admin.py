"""Taking a case in at the counter through its pages, and the receipt."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.masking import mask_id
from accounts.models import KinshipProof, PersonLookup, ProofEvent, ProofPage
from tests.accounts.proofs.helpers import PLEDGE_REGION, caseworker, couple, pages_of
from tests.factories import staff_user
from tests.scans import upload

pytestmark = pytest.mark.django_db

INTAKE = reverse("proof_intake")


@pytest.fixture
def worker(client):
    user = caseworker(username="counter")
    client.force_login(user)
    return user


def find(client, a, b, **extra):
    return client.post(
        INTAKE, {"authorizer_id": a.national_id, "beneficiary_id": b.national_id, **extra}
    )


def take_in(client, a, b, *, pages=None, lookups=(), **extra):
    data = {
        "authorizer_id": a.national_id,
        "beneficiary_id": b.national_id,
        "relation": "spouse",
        "document_type": "marriage_certificate",
        "applicant": "authorizer",
        "pages": pages if pages is not None else pages_of(a, b),
        "lookup": [str(pk) for pk in lookups],
        "submit": "1",
        **extra,
    }
    return client.post(INTAKE, data)


def test_finding_two_persons_of_ones_region_shows_them_and_logs_nothing(client, worker):
    a, b = couple()
    response = find(client, a, b)
    assert response.status_code == 200
    cards = response.context["cards"]
    assert cards["authorizer"]["name"] == a.name and cards["beneficiary"]["own"] is True
    assert not PersonLookup.objects.exists()


def test_a_relative_of_another_region_is_shown_masked_and_the_look_up_logged(client, worker):
    a, b = couple(other=PLEDGE_REGION)
    response = find(client, a, b)
    card = response.context["cards"]["beneficiary"]
    assert card["own"] is False
    assert card["national_id"] == mask_id(b.national_id)
    assert card["name"] != b.name and card["url"] == ""
    lookup = PersonLookup.objects.get()
    assert (lookup.actor, lookup.person) == (worker, b)


def test_an_id_number_no_one_has_is_said_so(client, worker):
    a, _b = couple()
    response = client.post(
        INTAKE, {"authorizer_id": a.national_id, "beneficiary_id": "110101199003077777"}
    )
    assert response.context["find"].has_error("beneficiary_id", "not_found")
    assert response.context["intake"] is None


def test_a_case_of_two_other_regions_cannot_be_taken_in(client, worker):
    a, b = couple(code=PLEDGE_REGION)
    response = find(client, a, b)
    assert response.context["find"].has_error("__all__", "neither_person_in_scope")


def test_taking_a_case_in_opens_its_receipt(client, worker):
    a, b = couple(other=PLEDGE_REGION)
    find(client, a, b)
    lookup = PersonLookup.objects.get()
    response = take_in(client, a, b, lookups=[lookup.pk])
    proof = KinshipProof.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("proof_receipt", args=[proof.pk])
    assert proof.submitted_by == worker and proof.pages.count() == 2
    assert ProofEvent.objects.get(proof=proof, action="submit").params["lookups"] == [lookup.pk]
    assert PersonLookup.objects.count() == 1  # the submitting step does not log again


def test_a_refused_page_shows_why_and_stores_nothing(client, worker):
    a, b = couple()
    fake = upload("scan.jpg", b"<html>not a scan</html>", "image/jpeg")
    response = take_in(client, a, b, pages=[fake])
    assert response.status_code == 200
    assert response.context["intake"].has_error("__all__", "scan_not_image")
    assert not KinshipProof.objects.exists() and not ProofPage.objects.exists()


def test_the_receipt_shows_the_case_with_masked_id_numbers(client, worker):
    a, b = couple()
    take_in(client, a, b)
    proof = KinshipProof.objects.get()
    body = client.get(reverse("proof_receipt", args=[proof.pk])).content.decode()
    assert proof.case_number in body
    assert mask_id(a.national_id) in body and a.national_id not in body


def test_the_receipt_of_a_case_of_other_regions_is_not_found(client, worker):
    a, b = couple()
    take_in(client, a, b)
    proof = KinshipProof.objects.get()
    client.force_login(caseworker("110100"))
    assert client.get(reverse("proof_receipt", args=[proof.pk])).status_code == 404


def test_an_auditor_cannot_take_cases_in(client):
    client.force_login(staff_user("auditor", provinces=["44"]))
    assert client.get(INTAKE).status_code == 403
