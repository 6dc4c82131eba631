"""Binding on a signed pledge (承诺制): active at once, a share drawn for spot checks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.choices import BindingStatus, ProofChannel, ProofStatus, RejectReason, RevokeReason
from accounts.choices import Via as V
from accounts.models import Binding, ProofEvent
from accounts.services.proofs import ProofRefused, proof_approve, proof_claim, proof_reject
from tests.accounts.proofs.helpers import (
    PLEDGE_REGION,
    caseworker,
    couple,
    pages_of,
    policy,
    submit,
)

pytestmark = pytest.mark.django_db


def pledge(actor, a, b, draw=0.99):
    return submit(
        actor, a, b, document_type="commitment_letter", uploads=pages_of(a), draw=lambda: draw
    )


def test_a_signed_pledge_binds_at_once():
    policy(PLEDGE_REGION, spot_check_share=Decimal("0.1"))
    proof = pledge(caseworker(PLEDGE_REGION), *couple(PLEDGE_REGION))
    assert proof.status == ProofStatus.APPROVED and proof.channel == ProofChannel.PLEDGE
    assert Binding.objects.get(pk=proof.binding_id).status == BindingStatus.ACTIVE
    assert ProofEvent.objects.filter(proof=proof, action="pledge_accepted").exists()


def test_the_spot_check_share_of_pledges_is_drawn_into_the_queue():
    policy(PLEDGE_REGION, spot_check_share=Decimal("0.1"))
    proof = pledge(caseworker(PLEDGE_REGION), *couple(PLEDGE_REGION), draw=0.05)
    assert proof.status == ProofStatus.SUBMITTED and proof.is_spot_check
    assert Binding.objects.get(pk=proof.binding_id).status == BindingStatus.ACTIVE
    assert ProofEvent.objects.filter(proof=proof, action="spot_check_drawn").exists()


def test_a_failed_spot_check_revokes_the_binding_with_its_reason():
    policy(PLEDGE_REGION, spot_check_share=Decimal("1"))
    proof = pledge(caseworker(PLEDGE_REGION), *couple(PLEDGE_REGION), draw=0.5)
    reviewer = caseworker(PLEDGE_REGION)
    proof_claim(actor=reviewer, via=V.ADMIN, proof=proof)
    proof_reject(actor=reviewer, via=V.ADMIN, proof=proof, reason=RejectReason.PERSON_MISMATCH)
    binding = Binding.objects.get(pk=proof.binding_id)
    assert binding.status == BindingStatus.REVOKED
    assert binding.revoke_reason == RevokeReason.SPOT_CHECK_FAILED


def test_a_passed_spot_check_keeps_the_binding():
    policy(PLEDGE_REGION, spot_check_share=Decimal("1"))
    proof = pledge(caseworker(PLEDGE_REGION), *couple(PLEDGE_REGION), draw=0.5)
    reviewer = caseworker(PLEDGE_REGION)
    proof_claim(actor=reviewer, via=V.ADMIN, proof=proof)
    proof = proof_approve(actor=reviewer, via=V.ADMIN, proof=proof)
    assert proof.status == ProofStatus.APPROVED
    assert Binding.objects.get(pk=proof.binding_id).status == BindingStatus.ACTIVE


def test_no_spot_checks_without_a_share():
    proof = pledge(caseworker(PLEDGE_REGION), *couple(PLEDGE_REGION), draw=0.0)
    assert proof.status == ProofStatus.APPROVED


def test_a_province_that_reviews_documents_refuses_a_pledge():
    with pytest.raises(ProofRefused) as info:
        pledge(caseworker(), *couple())
    assert info.value.code in {"pledge_not_accepted", "document_not_accepted"}
