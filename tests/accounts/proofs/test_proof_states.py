"""The review of kinship proofs through its services: every step allowed and refused,
four-eyes, what a decision does to the binding, and the database's own guards."""

from __future__ import annotations

import importlib
import threading

import pytest
from django.db import IntegrityError, connection, transaction

from accounts.choices import (
    BindingStatus,
    OutboxStatus,
    ProofStatus,
    RejectReason,
    RevokeReason,
    Via,
)
from accounts.models import Binding, KinshipProof, OutboxMessage, ProofEvent, ProofPage
from accounts.models.proofs import ALLOWED_PAIRS
from accounts.scans import ScanRefused
from accounts.services.proofs import (
    ProofRefused,
    proof_approve,
    proof_claim_next,
    proof_overturn,
    proof_reassign,
    proof_reject,
    proof_release,
    proof_resubmit,
    proof_return,
)
from tests.accounts.proofs.helpers import (
    PLEDGE_REGION,
    caseworker,
    claimed,
    couple,
    pages_of,
    policy,
    submit,
    supervisor,
)
from tests.scans import upload

pytestmark = pytest.mark.django_db


def refused(call) -> str:
    with pytest.raises(ProofRefused) as info:
        call()
    return info.value.code


@pytest.fixture
def intake():
    return caseworker(username="intake")


@pytest.fixture
def reviewer():
    return caseworker(username="reviewer")


@pytest.fixture
def case(intake):
    a, b = couple()
    return submit(intake, a, b)


def actions(proof) -> list[str]:
    return list(ProofEvent.objects.filter(proof=proof).values_list("action", flat=True))


# --- intake --------------------------------------------------------------------------------


def test_a_case_taken_in_waits_with_its_pages_and_a_pending_binding(case, intake):
    assert case.status == ProofStatus.SUBMITTED
    assert case.case_number.startswith("GJ")
    assert case.binding.status == BindingStatus.PENDING
    assert case.region_id == "440300"
    assert [p.number for p in case.pages.all()] == [1, 2]
    assert all(p.sha256 and p.phash and p.thumbnail for p in case.pages.all())
    assert actions(case) == ["submit"]
    assert case.contact_phone == case.authorizer.mobile


def test_a_document_the_policy_does_not_accept_for_the_relation_is_refused(intake):
    a, b = couple()
    assert refused(lambda: submit(intake, a, b, document_type="birth_certificate")) == (
        "document_not_accepted"
    )
    assert not Binding.objects.exists()


def test_a_refused_page_stores_nothing(intake):
    a, b = couple()
    fake = upload("scan.jpg", b"<html><body>not an image</body></html>", "image/jpeg")
    with pytest.raises(ScanRefused) as info:
        submit(intake, a, b, uploads=[*pages_of(a), fake])
    assert info.value.code == "scan_not_image"
    assert not KinshipProof.objects.exists()
    assert not Binding.objects.exists()
    assert not ProofPage.objects.exists()


def test_a_binding_the_rules_refuse_now_is_refused_at_intake_with_the_rules(intake):
    a, b = couple()
    policy("440300", cross_province=False)
    a2 = couple(other="370100")[1]
    with pytest.raises(ProofRefused) as info:
        submit(intake, a, a2)
    assert info.value.code == "binding_refused"
    assert info.value.violations
    assert not KinshipProof.objects.exists()
    assert b.pk  # the other person is untouched


def test_a_caseworker_of_neither_region_cannot_take_the_case_in():
    a, b = couple()
    assert refused(lambda: submit(caseworker("110100"), a, b)) == "neither_person_in_scope"


def test_an_agent_must_give_a_name_and_an_id_number(intake):
    a, b = couple()
    code = refused(lambda: submit(intake, a, b, applicant="agent", agent_name="李代办"))
    assert code == "agent_incomplete"


# --- claim ---------------------------------------------------------------------------------


def test_a_reviewer_claims_a_waiting_case(case, reviewer):
    proof = claimed(case, reviewer)
    assert proof.status == ProofStatus.IN_REVIEW
    assert proof.claimed_by == reviewer
    assert actions(proof) == ["submit", "claim"]


def test_whoever_took_a_case_in_cannot_claim_it(case, intake):
    assert refused(lambda: claimed(case, intake)) == "own_case"


def test_the_database_refuses_a_claim_by_whoever_submitted_it(case, intake):
    with pytest.raises(IntegrityError), transaction.atomic():
        KinshipProof.objects.filter(pk=case.pk).update(
            status=ProofStatus.IN_REVIEW, claimed_by=intake
        )


def test_a_claimed_case_cannot_be_claimed_again(case, reviewer):
    claimed(case, reviewer)
    assert refused(lambda: claimed(case, caseworker())) == "wrong_state"


def test_a_caseworker_of_the_beneficiary_region_cannot_decide(intake):
    a, b = couple(other=PLEDGE_REGION)
    proof = submit(intake, a, b)
    assert refused(lambda: claimed(proof, caseworker(PLEDGE_REGION))) == "other_agency"


def test_claim_next_gives_the_oldest_case_not_ones_own(intake, reviewer):
    first = submit(intake, *couple())
    submit(reviewer, *couple())  # the reviewer's own intake is passed over
    second = submit(intake, *couple())
    got = proof_claim_next(actor=reviewer, via=Via.ADMIN)
    assert got.pk == first.pk
    assert proof_claim_next(actor=reviewer, via=Via.ADMIN).pk == second.pk
    assert proof_claim_next(actor=reviewer, via=Via.ADMIN) is None


def test_claim_next_keeps_to_the_reviewers_regions(intake):
    submit(intake, *couple())
    assert proof_claim_next(actor=caseworker(PLEDGE_REGION), via=Via.ADMIN) is None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_reviewers_pressing_claim_next_at_once_never_get_the_same_case():
    intake = caseworker(username="intake")
    submit(intake, *couple())
    reviewers = [caseworker(username=f"r{i}") for i in range(2)]
    barrier = threading.Barrier(2)
    got: dict[str, object] = {}

    def press(user):
        try:
            barrier.wait()
            got[user.username] = proof_claim_next(actor=user, via=Via.ADMIN)
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(u,)) for u in reviewers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [p for p in got.values() if p is not None]
    assert len(got) == 2 and len(winners) == 1
    assert KinshipProof.objects.get().claimed_by.username in got


def test_a_reviewer_releases_a_claim(case, reviewer):
    claimed(case, reviewer)
    proof = proof_release(actor=reviewer, via=Via.ADMIN, proof=case)
    assert proof.status == ProofStatus.SUBMITTED and proof.claimed_by is None


def test_a_colleague_cannot_release_anothers_claim(case, reviewer):
    claimed(case, reviewer)
    assert refused(lambda: proof_release(actor=caseworker(), via=Via.ADMIN, proof=case)) == (
        "not_a_supervisor"
    )


def test_a_supervisor_reassigns_a_claimed_case(case, reviewer):
    claimed(case, reviewer)
    other = caseworker(username="other")
    proof = proof_reassign(actor=supervisor(), via=Via.ADMIN, proof=case, to=other)
    assert proof.claimed_by == other and proof.status == ProofStatus.IN_REVIEW


def test_a_case_cannot_be_reassigned_to_whoever_took_it_in(case, intake):
    code = refused(lambda: proof_reassign(actor=supervisor(), via=Via.ADMIN, proof=case, to=intake))
    assert code == "own_case"


# --- decisions -----------------------------------------------------------------------------


def test_approving_activates_the_binding_and_links_the_policy_version(case, reviewer):
    proof = proof_approve(actor=reviewer, via=Via.ADMIN, proof=claimed(case, reviewer))
    binding = Binding.objects.get(pk=proof.binding_id)
    assert proof.status == ProofStatus.APPROVED
    assert binding.status == BindingStatus.ACTIVE
    assert proof.policy_version_id == binding.policy_version_id is not None
    assert proof.decided_by == reviewer


def test_approving_under_rules_that_now_refuse_leaves_the_binding_blocked(case, reviewer):
    claimed(case, reviewer)
    policy("440300", max_active_beneficiaries=0)
    proof = proof_approve(actor=reviewer, via=Via.ADMIN, proof=case)
    binding = Binding.objects.get(pk=proof.binding_id)
    assert proof.status == ProofStatus.APPROVED
    assert binding.status == BindingStatus.BLOCKED
    assert binding.decision["violations"]
    assert ProofEvent.objects.get(proof=proof, action="approve").params["violations"]


def test_only_the_claimer_decides(case, reviewer):
    claimed(case, reviewer)
    code = refused(lambda: proof_approve(actor=caseworker(), via=Via.ADMIN, proof=case))
    assert code == "claimed_by_other"


def test_an_unclaimed_case_cannot_be_decided(case, reviewer):
    assert refused(lambda: proof_approve(actor=reviewer, via=Via.ADMIN, proof=case)) == (
        "claimed_by_other"
    )


def test_a_rejection_needs_a_reason(case, reviewer):
    claimed(case, reviewer)
    code = refused(lambda: proof_reject(actor=reviewer, via=Via.ADMIN, proof=case, reason=""))
    assert code == "reason_required"


def test_a_rejection_for_another_reason_needs_a_note(case, reviewer):
    claimed(case, reviewer)
    code = refused(
        lambda: proof_reject(actor=reviewer, via=Via.ADMIN, proof=case, reason=RejectReason.OTHER)
    )
    assert code == "note_required"


def test_rejecting_ends_the_request_and_queues_a_text_message(case, reviewer):
    claimed(case, reviewer)
    proof = proof_reject(
        actor=reviewer, via=Via.ADMIN, proof=case, reason=RejectReason.PERSON_MISMATCH
    )
    binding = Binding.objects.get(pk=proof.binding_id)
    assert proof.status == ProofStatus.REJECTED
    assert binding.status == BindingStatus.REVOKED
    assert binding.revoke_reason == RevokeReason.PROOF_REJECTED
    message = OutboxMessage.objects.get(proof=proof)
    assert message.status == OutboxStatus.QUEUED
    assert message.phone == case.authorizer.mobile
    assert proof.case_number in message.text and "未通过审核" in message.text


def test_returning_needs_what_is_missing(case, reviewer):
    claimed(case, reviewer)
    code = refused(lambda: proof_return(actor=reviewer, via=Via.ADMIN, proof=case, missing=[]))
    assert code == "missing_required"


def test_a_returned_case_is_resubmitted_with_more_pages_and_waits_again(case, reviewer, intake):
    claimed(case, reviewer)
    proof_return(actor=reviewer, via=Via.ADMIN, proof=case, missing=["head_page"])
    assert "补充材料" in OutboxMessage.objects.get(proof=case).text
    proof = proof_resubmit(
        actor=intake, via=Via.ADMIN, proof=case, uploads=pages_of(case.authorizer)
    )
    assert proof.status == ProofStatus.SUBMITTED
    assert proof.missing == [] and proof.claimed_by is None
    assert proof.pages.count() == 3
    assert actions(proof) == ["submit", "claim", "return", "resubmit"]


def test_a_case_that_was_not_returned_cannot_be_resubmitted(case, intake):
    code = refused(
        lambda: proof_resubmit(actor=intake, via=Via.ADMIN, proof=case, uploads=pages_of())
    )
    assert code == "wrong_state"


def test_whoever_added_pages_cannot_decide_the_case(case, reviewer):
    claimed(case, reviewer)
    proof_return(actor=reviewer, via=Via.ADMIN, proof=case, missing=["head_page"])
    proof_resubmit(actor=reviewer, via=Via.ADMIN, proof=case, uploads=pages_of(case.authorizer))
    assert refused(lambda: claimed(case, reviewer)) == "own_case"


# --- overturn ------------------------------------------------------------------------------


def test_a_supervisor_overturns_an_approval_with_a_reason_and_the_binding_ends(case, reviewer):
    proof_approve(actor=reviewer, via=Via.ADMIN, proof=claimed(case, reviewer))
    proof = proof_overturn(
        actor=supervisor(),
        via=Via.ADMIN,
        proof=case,
        reason=RejectReason.SUSPECTED_FORGERY,
        note="户口本页有涂改",
    )
    binding = Binding.objects.get(pk=proof.binding_id)
    assert proof.status == ProofStatus.REJECTED
    assert binding.status == BindingStatus.REVOKED
    assert binding.revoke_reason == RevokeReason.PROOF_OVERTURNED
    assert actions(proof)[-2:] == ["approve", "overturn"]


def test_an_overturned_rejection_binds_the_pair_again(case, reviewer):
    claimed(case, reviewer)
    proof_reject(actor=reviewer, via=Via.ADMIN, proof=case, reason=RejectReason.ILLEGIBLE)
    proof = proof_overturn(actor=supervisor(), via=Via.ADMIN, proof=case, note="扫描件可辨认")
    assert proof.status == ProofStatus.APPROVED
    assert proof.binding.status == BindingStatus.ACTIVE
    assert Binding.objects.filter(authorizer=case.authorizer).count() == 2


def test_an_overturn_needs_a_written_reason(case, reviewer):
    proof_approve(actor=reviewer, via=Via.ADMIN, proof=claimed(case, reviewer))
    code = refused(lambda: proof_overturn(actor=supervisor(), via=Via.ADMIN, proof=case, note=""))
    assert code == "note_required"


def test_a_caseworker_cannot_overturn(case, reviewer):
    proof_approve(actor=reviewer, via=Via.ADMIN, proof=claimed(case, reviewer))
    code = refused(lambda: proof_overturn(actor=caseworker(), via=Via.ADMIN, proof=case, note="x"))
    assert code == "not_a_supervisor"


def test_a_waiting_case_cannot_be_overturned(case):
    code = refused(lambda: proof_overturn(actor=supervisor(), via=Via.ADMIN, proof=case, note="x"))
    assert code == "wrong_state"


# --- the database's guards -----------------------------------------------------------------


def test_the_database_refuses_a_transition_the_services_do_not_know(case):
    with pytest.raises(IntegrityError), transaction.atomic():
        KinshipProof.objects.filter(pk=case.pk).update(status=ProofStatus.APPROVED)


def test_review_events_cannot_be_edited_or_deleted(case):
    event = ProofEvent.objects.get(proof=case)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProofEvent.objects.filter(pk=event.pk).update(note="changed")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProofEvent.objects.filter(pk=event.pk).delete()


def test_a_case_cannot_be_deleted(case):
    with pytest.raises(IntegrityError), transaction.atomic():
        KinshipProof.objects.filter(pk=case.pk).delete()


def test_the_database_and_the_services_know_the_same_transitions():
    migration = importlib.import_module("accounts.migrations.0027_kinship_proofs")
    assert migration.ALLOWED_PAIRS == ALLOWED_PAIRS
