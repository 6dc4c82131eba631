"""The review of kinship proofs through its admin pages: the queue and its scoping, "claim
next", each decision through the review screen's forms, four-eyes against forged requests,
and a supervisor's reassign and overturn on the case's page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import messages
from django.urls import reverse
from django.utils import timezone

from accounts.choices import BindingStatus, OutboxStatus, ProofStatus, Via
from accounts.models import Binding, KinshipProof, OutboxMessage, ProofEvent, ProofPage
from accounts.selectors.proofs import WorkingCalendar
from accounts.services.proofs import proof_approve
from tests.accounts.proofs.helpers import (
    PLEDGE_REGION,
    caseworker,
    claimed,
    couple,
    submit,
    supervisor,
)
from tests.factories import staff_user

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:accounts_kinshipproof_changelist")
CLAIM_NEXT = reverse("admin:accounts_kinshipproof_claim_next")


def review_url(proof) -> str:
    return reverse("admin:accounts_kinshipproof_review", args=[proof.pk])


def case_url(proof) -> str:
    return reverse("admin:accounts_kinshipproof_change", args=[proof.pk])


def listed(client, **params) -> list[str]:
    response = client.get(QUEUE, params)
    assert response.status_code == 200
    return [p.case_number for p in response.context["cl"].result_list]


def refusal(response) -> str | None:
    """The code of the refusal the page shows, or None."""
    shown = response.context.get("refusal") if response.context else None
    return shown["code"] if shown else None


def fresh(proof) -> KinshipProof:
    return KinshipProof.objects.get(pk=proof.pk)


def actions(proof) -> list[str]:
    return list(ProofEvent.objects.filter(proof=proof).values_list("action", flat=True))


@pytest.fixture
def intake():
    return caseworker(username="intake")


@pytest.fixture
def reviewer():
    return caseworker(username="reviewer")


@pytest.fixture
def case(intake):
    return submit(intake, *couple())


def client_of(client, user):
    client.force_login(user)
    return client


# --- the queue and its scoping --------------------------------------------------------------


def test_the_queue_lists_the_waiting_cases_of_the_caseworkers_region_oldest_first(
    client, intake, reviewer
):
    first, second = submit(intake, *couple()), submit(intake, *couple())
    KinshipProof.objects.filter(pk=second.pk).update(
        submitted_at=timezone.now() - dt.timedelta(days=3)
    )
    assert listed(client_of(client, reviewer)) == [second.case_number, first.case_number]


def test_a_caseworker_of_another_region_sees_no_trace_of_the_case(client, case):
    outsider = client_of(client, caseworker("110100"))
    assert listed(outsider, queue="all") == []
    assert outsider.get(review_url(case)).status_code == 404
    assert outsider.get(case_url(case)).status_code == 404
    page = case.pages.first()
    assert outsider.get(reverse("proof_page", args=[page.pk, "thumbnail"])).status_code == 404


def test_the_beneficiarys_caseworker_sees_the_case_but_cannot_claim_it(client, intake):
    proof = submit(intake, *couple(other=PLEDGE_REGION))
    theirs = client_of(client, caseworker(PLEDGE_REGION))
    assert listed(theirs) == [proof.case_number]
    assert listed(theirs, queue="unclaimed") == []  # not their agency's to decide
    screen = theirs.get(review_url(proof))
    assert screen.context["may_claim"] is False
    assert b'data-testid="claim-form"' not in screen.content
    forged = theirs.post(review_url(proof), {"step": "claim"})
    assert refusal(forged) == "other_agency"
    assert fresh(proof).status == ProofStatus.SUBMITTED


def test_the_list_shows_id_numbers_masked(client, case, reviewer):
    body = client_of(client, reviewer).get(QUEUE).content.decode()
    number = case.authorizer.national_id
    assert f"{number[:6]}********{number[14:]}" in body
    assert number not in body


def test_the_queue_tabs_count_my_cases_and_the_unclaimed(client, intake, reviewer):
    mine = claimed(submit(intake, *couple()), reviewer)
    waiting = submit(intake, *couple())
    reviewer_client = client_of(client, reviewer)
    assert listed(reviewer_client, queue="mine") == [mine.case_number]
    assert listed(reviewer_client, queue="unclaimed") == [waiting.case_number]
    tabs = {t["key"]: t["count"] for t in reviewer_client.get(QUEUE).context["queue_tabs"]}
    assert (tabs["mine"], tabs["unclaimed"], tabs["overdue"]) == (1, 1, 0)


def test_a_case_past_the_deadline_is_marked_and_counted(client, intake, reviewer, settings):
    settings.PROOF_REVIEW_DEADLINE_DAYS = 5
    old, new = submit(intake, *couple()), submit(intake, *couple())
    KinshipProof.objects.filter(pk=old.pk).update(
        submitted_at=timezone.now() - dt.timedelta(days=14)
    )
    reviewer_client = client_of(client, reviewer)
    response = reviewer_client.get(QUEUE)
    ages = {p.case_number: p.age for p in response.context["cl"].result_list}
    assert ages[old.case_number].overdue and ages[old.case_number].days >= 9
    assert not ages[new.case_number].overdue and ages[new.case_number].days == 0
    assert response.content.count(b'data-overdue="1"') == 1
    assert listed(reviewer_client, queue="overdue") == [old.case_number]


def test_the_queue_filters_by_document_type_and_relation(client, intake, reviewer):
    spouse = submit(intake, *couple())
    assert listed(client_of(client, reviewer), relation__exact="spouse") == [spouse.case_number]
    assert listed(client, relation__exact="father") == []
    assert listed(client, document_type__exact="household_register") == []


def test_the_queue_reads_as_many_queries_for_one_case_as_for_many(
    client, intake, reviewer, django_assert_max_num_queries
):
    submit(intake, *couple())
    reviewer_client = client_of(client, reviewer)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        reviewer_client.get(QUEUE)
    for _ in range(6):
        submit(intake, *couple())
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(listed(reviewer_client)) == 7


def test_working_days_pass_over_weekends_and_holidays_and_count_makeup_days():
    friday, monday = dt.date(2026, 10, 9), dt.date(2026, 10, 12)
    plain = WorkingCalendar()
    assert plain.days_between(friday, monday) == 1
    assert plain.days_between(friday, friday + dt.timedelta(days=14)) == 10
    holiday = WorkingCalendar(holidays=(monday,))
    assert holiday.days_between(friday, monday + dt.timedelta(days=1)) == 1
    saturday = friday + dt.timedelta(days=1)
    makeup = WorkingCalendar(makeup=(saturday,))
    assert makeup.days_between(friday, monday) == 2
    # the last day a case could come in and be past 5 working days on Monday 12 October: a
    # case of the weekend before is 6 days old, one of Monday 5 October 5 days
    assert plain.last_day_past(monday, 5) == dt.date(2026, 10, 4)
    assert plain.days_between(dt.date(2026, 10, 4), monday) == 6
    assert plain.days_between(dt.date(2026, 10, 5), monday) == 5


# --- claim next -------------------------------------------------------------------------------


def test_claim_next_claims_the_oldest_case_and_opens_its_review_screen(client, intake, reviewer):
    older, newer = submit(intake, *couple()), submit(intake, *couple())
    response = client_of(client, reviewer).post(CLAIM_NEXT, follow=True)
    assert response.redirect_chain[-1][0] == review_url(older)
    assert response.context["may_decide"] is True
    assert fresh(older).claimed_by == reviewer
    assert fresh(newer).status == ProofStatus.SUBMITTED


def test_claim_next_says_so_when_no_case_is_waiting(client, reviewer):
    response = client_of(client, reviewer).post(CLAIM_NEXT, follow=True)
    assert response.redirect_chain[-1][0] == QUEUE
    assert [m.level for m in response.context["messages"]] == [messages.INFO]
    assert not KinshipProof.objects.exists()


def test_claim_next_passes_over_the_caseworkers_own_intake(client, intake):
    submit(intake, *couple())
    response = client_of(client, intake).post(CLAIM_NEXT)
    assert response.url == QUEUE
    assert not KinshipProof.objects.filter(status=ProofStatus.IN_REVIEW).exists()


def test_claim_next_keeps_to_the_queues_filters(client, intake, reviewer):
    submit(intake, *couple())  # a spouse, the oldest
    a, b = couple()
    parent = submit(intake, a, b, relation="mother", document_type="household_register")
    reviewer_client = client_of(client, reviewer)
    form = reviewer_client.get(QUEUE, {"relation__exact": "mother"}).context["claim_next_filters"]
    response = reviewer_client.post(CLAIM_NEXT, form)
    assert response.url.startswith(review_url(parent))
    assert fresh(parent).claimed_by == reviewer


def test_claim_next_is_a_post(client, case, reviewer):
    assert client_of(client, reviewer).get(CLAIM_NEXT).status_code == 405
    assert fresh(case).status == ProofStatus.SUBMITTED


# --- the decisions through the review screen ---------------------------------------------------


def test_approving_activates_the_binding_and_opens_the_next_case(client, intake, reviewer):
    first, second = submit(intake, *couple()), submit(intake, *couple())
    claimed(first, reviewer)
    response = client_of(client, reviewer).post(
        review_url(first), {"step": "approve", "note": "户口本与申请一致"}, follow=True
    )
    first = fresh(first)
    assert first.status == ProofStatus.APPROVED
    assert first.decision_note == "户口本与申请一致"
    assert Binding.objects.get(pk=first.binding_id).status == BindingStatus.ACTIVE
    assert first.policy_version_id is not None
    assert response.redirect_chain[-1][0] == review_url(second)
    assert fresh(second).claimed_by == reviewer


def test_after_the_last_decision_the_queue_opens(client, case, reviewer):
    claimed(case, reviewer)
    response = client_of(client, reviewer).post(review_url(case), {"step": "approve"})
    assert response.url == QUEUE


def test_rejecting_without_a_reason_is_refused_and_keeps_the_note(client, case, reviewer):
    claimed(case, reviewer)
    response = client_of(client, reviewer).post(
        review_url(case), {"step": "reject", "reason": "", "note": "看不清"}
    )
    assert response.status_code == 200
    assert refusal(response) == "reason_required"
    assert "看不清" in response.content.decode()
    assert fresh(case).status == ProofStatus.IN_REVIEW


def test_rejecting_with_a_reason_ends_the_binding_and_tells_the_applicant(client, case, reviewer):
    claimed(case, reviewer)
    client_of(client, reviewer).post(
        review_url(case), {"step": "reject", "reason": "illegible", "note": "扫描件模糊"}
    )
    case = fresh(case)
    assert (case.status, case.reject_reason) == (ProofStatus.REJECTED, "illegible")
    assert Binding.objects.get(pk=case.binding_id).status == BindingStatus.REVOKED
    message = OutboxMessage.objects.get(proof=case)
    assert message.status == OutboxStatus.QUEUED and case.case_number in message.text


def test_returning_names_the_missing_documents(client, case, reviewer):
    claimed(case, reviewer)
    client_of(client, reviewer).post(
        review_url(case),
        {"step": "return", "missing": ["beneficiary_page", "clearer_scan"], "note": ""},
    )
    case = fresh(case)
    assert case.status == ProofStatus.RETURNED
    assert case.missing == ["beneficiary_page", "clearer_scan"]


def test_returning_without_saying_what_is_missing_is_refused(client, case, reviewer):
    claimed(case, reviewer)
    response = client_of(client, reviewer).post(review_url(case), {"step": "return"})
    assert refusal(response) == "missing_required"
    assert fresh(case).status == ProofStatus.IN_REVIEW


def test_releasing_puts_the_case_back_in_the_queue(client, case, reviewer):
    claimed(case, reviewer)
    response = client_of(client, reviewer).post(review_url(case), {"step": "release"})
    assert response.url == QUEUE
    assert fresh(case).status == ProofStatus.SUBMITTED and fresh(case).claimed_by is None


def test_claiming_from_the_review_screen(client, case, reviewer):
    reviewer_client = client_of(client, reviewer)
    assert reviewer_client.get(review_url(case)).context["may_claim"] is True
    response = reviewer_client.post(review_url(case), {"step": "claim"}, follow=True)
    assert response.context["may_decide"] is True
    assert fresh(case).claimed_by == reviewer


def test_an_unknown_step_is_refused_not_an_error(client, case, reviewer):
    claimed(case, reviewer)
    response = client_of(client, reviewer).post(review_url(case), {"step": "delete"})
    assert refusal(response) == "unknown_step"


# --- four-eyes from every entry point -----------------------------------------------------------


def test_whoever_took_the_case_in_sees_no_decision_buttons(client, case, intake):
    response = client_of(client, intake).get(review_url(case))
    assert response.context["may_claim"] is False
    assert b'data-testid="claim-form"' not in response.content
    assert b'data-testid="approve-form"' not in response.content
    assert b'data-testid="why-not"' in response.content


def test_a_forged_claim_by_whoever_took_the_case_in_is_refused(client, case, intake):
    response = client_of(client, intake).post(review_url(case), {"step": "claim"})
    assert refusal(response) == "own_case"
    assert fresh(case).status == ProofStatus.SUBMITTED


def test_a_forged_approval_by_whoever_took_the_case_in_is_refused(client, case, intake, reviewer):
    claimed(case, reviewer)
    response = client_of(client, intake).post(review_url(case), {"step": "approve"})
    assert refusal(response) == "own_case"
    assert fresh(case).status == ProofStatus.IN_REVIEW


def test_a_colleague_who_did_not_claim_the_case_cannot_decide_it(client, case, reviewer):
    claimed(case, reviewer)
    colleague = client_of(client, caseworker())
    screen = colleague.get(review_url(case))
    assert b'data-testid="approve-form"' not in screen.content
    response = colleague.post(review_url(case), {"step": "reject", "reason": "illegible"})
    assert refusal(response) == "claimed_by_other"
    assert fresh(case).status == ProofStatus.IN_REVIEW


def test_an_auditor_reads_the_case_but_takes_no_step(client, case):
    auditor = client_of(client, staff_user("auditor", nationwide=True))
    assert auditor.get(review_url(case)).status_code == 200
    response = auditor.post(review_url(case), {"step": "claim"})
    assert refusal(response) == "not_a_reviewer"
    assert auditor.post(CLAIM_NEXT, follow=True).status_code == 200
    assert fresh(case).status == ProofStatus.SUBMITTED


# --- the case's page: read-only, its history, a supervisor's tools -------------------------------


def test_the_case_page_is_read_only_and_shows_its_history(client, case, reviewer):
    claimed(case, reviewer)
    reviewer_client = client_of(client, reviewer)
    page = reviewer_client.get(case_url(case))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-action="submit"' in body and 'data-action="claim"' in body
    assert reviewer_client.post(case_url(case), {"status": "approved"}).status_code == 403
    deleted = reviewer_client.get(
        reverse("admin:accounts_kinshipproof_delete", args=[case.pk])
    ).status_code
    assert deleted == 403
    assert reviewer_client.get(reverse("admin:accounts_kinshipproof_add")).status_code == 403
    assert fresh(case).status == ProofStatus.IN_REVIEW


def test_a_supervisor_reassigns_a_case_from_its_page(client, case, reviewer):
    boss = supervisor()
    other = caseworker(username="other")
    claimed(case, reviewer)
    boss_client = client_of(client, boss)
    form = boss_client.get(case_url(case)).context["reassign_form"]
    offered = set(form.fields["to"].queryset.values_list("username", flat=True))
    assert {"reviewer", "other"} <= offered and "intake" not in offered
    response = boss_client.post(case_url(case), {"step": "reassign", "to": other.pk})
    assert response.status_code == 302
    assert fresh(case).claimed_by == other
    assert actions(case)[-1] == "reassign"


def test_a_supervisor_cannot_give_a_case_to_who_took_it_in(client, case, intake):
    response = client_of(client, supervisor()).post(
        case_url(case), {"step": "reassign", "to": intake.pk}
    )
    assert refusal(response) == "reviewer_required"
    assert fresh(case).status == ProofStatus.SUBMITTED


def test_a_supervisor_overturns_an_approval_with_a_written_reason(client, case, reviewer):
    claimed(case, reviewer)
    proof_approve(actor=reviewer, via=Via.ADMIN, proof=case)
    boss_client = client_of(client, supervisor())
    assert boss_client.get(case_url(case)).context["overturn_form"] is not None
    response = boss_client.post(
        case_url(case),
        {"step": "overturn", "reason": "suspected_forgery", "note": "户口本页有涂改痕迹"},
    )
    assert response.status_code == 302
    case = fresh(case)
    assert (case.status, case.reject_reason) == (ProofStatus.REJECTED, "suspected_forgery")
    assert Binding.objects.get(pk=case.binding_id).status == BindingStatus.REVOKED
    assert actions(case)[-2:] == ["approve", "overturn"]


def test_an_overturn_without_a_written_reason_is_refused_and_shown(client, case, reviewer):
    claimed(case, reviewer)
    proof_approve(actor=reviewer, via=Via.ADMIN, proof=case)
    response = client_of(client, supervisor()).post(
        case_url(case), {"step": "overturn", "reason": "illegible", "note": " "}
    )
    assert response.status_code == 200
    assert refusal(response) == "note_required"
    assert b'data-code="note_required"' in response.content
    assert fresh(case).status == ProofStatus.APPROVED


def test_a_caseworker_has_no_overturn_and_a_forged_one_is_refused(client, case, reviewer):
    claimed(case, reviewer)
    proof_approve(actor=reviewer, via=Via.ADMIN, proof=case)
    colleague = client_of(client, caseworker())
    page = colleague.get(case_url(case))
    assert page.context["overturn_form"] is None
    assert b'data-testid="overturn-form"' not in page.content
    response = colleague.post(
        case_url(case), {"step": "overturn", "reason": "illegible", "note": "我觉得不对"}
    )
    assert refusal(response) == "not_a_supervisor"
    assert fresh(case).status == ProofStatus.APPROVED


# --- what the review screen shows ----------------------------------------------------------------


def _read(proof, lines_by_page):
    """Store a reading of each page (what the OCR worker writes), boxes and all."""
    for page, lines in zip(proof.pages.order_by("number"), lines_by_page, strict=True):
        boxes = [
            {
                "text": text,
                "box": [
                    [10, 10 + 60 * i],
                    [400, 10 + 60 * i],
                    [400, 50 + 60 * i],
                    [10, 50 + 60 * i],
                ],
                "score": 0.99,
            }
            for i, text in enumerate(lines)
        ]
        ProofPage.objects.filter(pk=page.pk).update(
            ocr_status="done", ocr_boxes=boxes, ocr_text="\n".join(lines)
        )


def test_the_review_screen_shows_both_persons_and_where_the_scan_names_them(
    client, intake, reviewer
):
    a, b = couple()
    proof = submit(intake, a, b)
    _read(proof, [[f"姓名 {a.name}", f"公民身份号码 {a.national_id}"], [f"姓名 {b.name}"]])
    response = client_of(client, reviewer).get(review_url(proof))
    body = response.content.decode()
    assert a.national_id in body and b.national_id in body
    codes = [f.code for f in response.context["screen"].flags]
    assert codes == ["beneficiary_id_not_found"]
    boxes = response.context["boxes"]
    first, second = proof.pages.order_by("number")
    assert {(x["kind"], x["what"]) for x in boxes[str(first.pk)]} == {
        ("authorizer", "name"),
        ("authorizer", "id"),
    }
    assert [(x["kind"], x["what"]) for x in boxes[str(second.pk)]] == [("beneficiary", "name")]
    assert 'id="proof-boxes"' in body


def test_earlier_rejections_of_the_pair_and_a_much_bound_beneficiary_are_red_flags(
    client, intake, reviewer
):
    a, b = couple()
    first = claimed(submit(intake, a, b), reviewer)
    client_of(client, reviewer).post(review_url(first), {"step": "reject", "reason": "illegible"})
    for _ in range(2):  # two other authorizers already bind the beneficiary
        other = couple()[0]
        Binding.objects.create(
            authorizer=other,
            beneficiary=b,
            relation="spouse",
            basis="pledge",
            starts_on="2026-01-01",
            status="active",
        )
    again = submit(intake, a, b)
    codes = {f.code for f in client.get(review_url(again)).context["screen"].flags}
    assert {"pair_rejected_before", "beneficiary_bound_by_several"} <= codes


def test_the_review_screen_reads_as_many_queries_for_three_pages_as_for_one(
    client, intake, reviewer, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.accounts.proofs.helpers import pages_of

    a, b = couple()
    small = claimed(submit(intake, a, b, uploads=pages_of(a)), reviewer)
    reviewer_client = client_of(client, reviewer)
    with CaptureQueriesContext(connection) as one:
        reviewer_client.get(review_url(small))
    c, d = couple()
    large = claimed(submit(intake, c, d, uploads=pages_of(c, d, c)), reviewer)
    claimed_event_count = ProofEvent.objects.filter(proof=large).count()
    assert claimed_event_count == 2
    with django_assert_max_num_queries(len(one.captured_queries)):
        reviewer_client.get(review_url(large))
