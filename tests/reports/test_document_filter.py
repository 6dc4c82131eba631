"""The document-type filter of the bindings and money reports: a binding counts under the
document of its latest kinship proof; a binding without one under none."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.choices import Via
from accounts.services.proofs import proof_approve, proof_claim
from policies.relations import Relation, Use
from reports.fold import reports_fold
from tests.accounts.money import person
from tests.factories import staff_user
from tests.reports.data import _pay, at, clock, request, table
from tests.reports.proof_data import _submit

pytestmark = pytest.mark.django_db

YEAR = {"from": "2026-01", "to": "2026-12"}


def _approved(clerk, reviewer, document_type, when):
    proof = _submit(clerk, "370100", when, document_type=document_type)
    with clock(when.replace(hour=14)):
        proof_claim(actor=reviewer, via=Via.ADMIN, proof=proof)
        proof_approve(actor=reviewer, via=Via.ADMIN, proof=proof)
    proof.binding.refresh_from_db()
    return proof.binding


@pytest.fixture
def proved():
    """In Jinan: a spouse binding proved on a marriage certificate (100.00 paid in June),
    one on a household register (40.00 in June), and a pledge binding without a proof
    (7.00 in June): all three active."""
    clerk = staff_user("caseworker", regions=["370100"])
    reviewer = staff_user("caseworker", regions=["370100"])
    marriage = _approved(clerk, reviewer, "marriage_certificate", at(6, 1))
    household = _approved(clerk, reviewer, "household_register", at(6, 2))
    for bound in (marriage, household):
        bound.authorizer.account.__class__.objects.filter(pk=bound.authorizer_id).update(
            balance=Decimal("500.00")
        )
    pledge = request(
        person("370100", sex="M", balance=Decimal("500.00")),
        person("370100", sex="F"),
        Relation.SPOUSE,
        at(6, 3),
    )
    _pay(marriage, Use.OUTPATIENT, "100.00", at(6, 10))
    _pay(household, Use.OUTPATIENT, "40.00", at(6, 11))
    _pay(pledge, Use.OUTPATIENT, "7.00", at(6, 12))
    reports_fold()
    return {"marriage": marriage, "household": household, "pledge": pledge}


@pytest.fixture
def sup(client, supervisor):
    client.force_login(supervisor)
    return client


def test_bindings_report_counts_only_bindings_proved_on_the_document_chosen(sup, proved):
    everything = table(sup.get("/admin/reports/bindings/", YEAR), "by_relation")
    marriage = table(
        sup.get("/admin/reports/bindings/", {**YEAR, "document_type": "marriage_certificate"}),
        "by_relation",
    )

    assert everything["合计"][0] == "3"
    assert marriage["合计"][0] == "1"
    assert marriage["配偶"][0] == "1"


def test_money_report_counts_aid_under_bindings_proved_on_the_document_chosen(sup, proved):
    shown = table(
        sup.get("/admin/reports/money/", {**YEAR, "document_type": "household_register"}),
        "per_month",
    )

    assert shown["2026-06"][:2] == ["1", "40.00"]
    assert shown["合计"][:2] == ["1", "40.00"]


def test_money_without_a_document_filter_counts_bindings_without_a_proof_too(sup, proved):
    shown = table(sup.get("/admin/reports/money/", YEAR), "per_month")

    assert shown["合计"][:2] == ["3", "147.00"]


def test_an_unknown_document_type_is_refused_by_the_filter_form(sup, proved):
    response = sup.get("/admin/reports/money/", {**YEAR, "document_type": "passport"})

    assert response.status_code == 200
    assert "document_type" in response.context["form"].errors
