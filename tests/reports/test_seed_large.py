"""``manage.py seed_large``: a data set written set-based whose ledger adds up, whose
summaries agree with the records they count, and whose kinship proofs are as the review
services would have left them."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, Q, Sum
from django.urls import reverse

from accounts import idnumbers
from accounts.choices import (
    OPEN_PROOF_STATUSES,
    BindingStatus,
    ProofChannel,
    ProofStatus,
    RejectReason,
    RevokeReason,
    TransferStatus,
)
from accounts.models import (
    Binding,
    InsuredPerson,
    KinshipProof,
    Payment,
    ProofEvent,
    WalletTransfer,
)
from accounts.selectors.proofs import overdue_before
from portal.scoping import can_see_region
from reports.choices import BindingEvent, MoneyMode
from reports.models import BindingMonth, MoneyMonth
from tests.accounts.money import check_ledger
from tests.conftest import remove_committed_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    out = StringIO()
    call_command("seed_large", persons=800, force=True, stdout=out)
    return out.getvalue()


def test_the_ledger_adds_up_after_seeding(seeded):
    status, output = check_ledger()

    assert status == 0, output


def test_seeded_persons_have_valid_unique_identity_numbers_matching_sex_and_birth(seeded):
    persons = list(InsuredPerson.objects.values_list("national_id", "sex", "birth_date"))

    assert len(persons) == 800
    for number, sex, born in persons:
        facts = idnumbers.facts(number)
        assert idnumbers.check_char(number[:17]) == number[17]
        assert (facts.sex, facts.birth_date) == (sex, born)


def test_seeding_makes_movements_in_proportion(seeded):
    movements = Payment.objects.count() + WalletTransfer.objects.count()

    assert 3_000 <= movements <= 5_000  # five per person, drawn at random
    assert set(Binding.objects.values_list("status", flat=True)) == set(BindingStatus.values)
    assert TransferStatus.ACCEPTED in set(WalletTransfer.objects.values_list("status", flat=True))


def test_the_money_summary_counts_what_the_records_hold(seeded):
    direct = MoneyMonth.objects.filter(mode=MoneyMode.DIRECT).aggregate(
        n=Sum("count"), yuan=Sum("amount"), reversed=Sum("reversed_count")
    )
    wallet = MoneyMonth.objects.filter(mode=MoneyMode.WALLET).aggregate(
        n=Sum("count"), accepted=Sum("accepted_count"), returned=Sum("returned_count")
    )
    statuses = dict(WalletTransfer.objects.values_list("status").annotate(n=Count("id")))

    assert direct == {
        "n": Payment.objects.count(),
        "yuan": Payment.objects.aggregate(s=Sum("amount"))["s"],
        "reversed": Payment.objects.filter(reversal__isnull=False).count(),
    }
    assert wallet == {
        "n": WalletTransfer.objects.count(),
        "accepted": statuses.get(TransferStatus.ACCEPTED, 0),
        "returned": statuses.get(TransferStatus.RETURNED, 0),
    }


def test_the_bindings_summary_counts_the_active_bindings(seeded):
    activated = BindingMonth.objects.filter(event=BindingEvent.ACTIVATED).aggregate(n=Sum("count"))[
        "n"
    ]
    ended = BindingMonth.objects.filter(event=BindingEvent.ENDED).aggregate(n=Sum("count"))["n"]

    assert activated - ended == Binding.objects.filter(status=BindingStatus.ACTIVE).count()


def test_seeding_twice_is_refused(seeded):
    with pytest.raises(CommandError, match="large data set already"):
        call_command("seed_large", persons=10, force=True, stdout=StringIO())


def test_seeding_is_refused_with_debug_off_unless_forced(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("seed_large", persons=10, stdout=StringIO())


def test_the_command_counts_the_proofs_by_state(seeded):
    summary = seeded.strip().splitlines()[-2]
    counts = dict(KinshipProof.objects.values_list("status").annotate(n=Count("id")))

    assert "kinship proofs by state:" in seeded
    assert f"{sum(counts.values()):,} kinship proofs" in summary
    for state, n in counts.items():
        assert f"{n:,} {state}" in summary


# --- the kinship proofs, on a data set large enough for a few open cases of every kind --------

PERSONS = 6000


@pytest.fixture(scope="class")
def proofs_seeded(django_db_setup, django_db_blocker):
    """``seed_large`` of ``PERSONS`` persons, committed once for the tests of the class (each
    in its own rolled-back transaction on top of it), removed when the class ends."""
    out = StringIO()
    with django_db_blocker.unblock():
        call_command("seed_large", persons=PERSONS, no_fold=True, force=True, stdout=out)
    yield out.getvalue()
    with django_db_blocker.unblock():
        remove_committed_data()


@pytest.mark.usefixtures("proofs_seeded")
class TestSeededProofs:
    def test_there_are_about_three_proofs_for_ten_persons_in_every_state(self):
        counts = dict(KinshipProof.objects.values_list("status").annotate(n=Count("id")))
        total = sum(counts.values())

        assert set(counts) == set(ProofStatus.values)
        assert 0.25 * PERSONS <= total <= 0.4 * PERSONS
        assert counts[ProofStatus.APPROVED] > 0.8 * total
        assert 0.05 * total <= counts[ProofStatus.REJECTED] <= 0.11 * total
        assert 0.02 * total <= counts[ProofStatus.RETURNED] <= 0.06 * total
        # open: a few thousand per million persons
        open_cases = counts[ProofStatus.SUBMITTED] + counts[ProofStatus.IN_REVIEW]
        assert 0.001 * PERSONS <= open_cases <= 0.008 * PERSONS

    def test_rejections_give_a_reason_most_often_one_of_the_common_ones(self):
        rejected = KinshipProof.objects.filter(status=ProofStatus.REJECTED)
        reasons = dict(rejected.values_list("reject_reason").annotate(n=Count("id")))

        assert len(reasons) >= 5 and set(reasons) <= set(RejectReason.values)
        assert max(reasons, key=reasons.get) != RejectReason.OTHER
        assert not rejected.filter(reject_reason=RejectReason.OTHER, decision_note="").exists()

    def test_every_channel_is_used_and_some_pledges_are_spot_checked_and_failed(self):
        channels = set(KinshipProof.objects.values_list("channel", flat=True))
        spot_checks = KinshipProof.objects.filter(is_spot_check=True)

        assert channels == set(ProofChannel.values)
        assert not spot_checks.exclude(channel=ProofChannel.PLEDGE).exists()
        assert spot_checks.filter(status=ProofStatus.APPROVED).exists()
        failed = spot_checks.filter(status=ProofStatus.REJECTED)
        assert failed.exists()
        assert set(failed.values_list("binding__revoke_reason", flat=True)) <= {
            RevokeReason.SPOT_CHECK_FAILED,
            RevokeReason.ENROLMENT_ENDED,
        }

    def test_whoever_took_a_case_in_neither_claims_nor_decides_it(self):
        decided = KinshipProof.objects.filter(decided_by__isnull=False)

        assert not decided.filter(decided_by=F("submitted_by")).exists()
        assert not KinshipProof.objects.filter(claimed_by=F("submitted_by")).exists()
        assert not KinshipProof.objects.filter(
            ~Q(status=ProofStatus.APPROVED, channel=ProofChannel.PLEDGE, is_spot_check=False),
            ~Q(status__in=OPEN_PROOF_STATUSES),
            decided_by__isnull=True,
        ).exists()

    def test_cases_are_reviewed_by_staff_of_the_authorizers_region(self):
        staff = set(KinshipProof.objects.values_list("decided_by", flat=True))
        staff |= set(KinshipProof.objects.values_list("claimed_by", flat=True))
        reviewers = User.objects.in_bulk(staff - {None})
        cases = KinshipProof.objects.filter(decided_by__isnull=False).values_list(
            "region_id", "decided_by", "claimed_by"
        )

        for region, decided_by, claimed_by in cases:
            assert can_see_region(reviewers[decided_by], region)
            assert claimed_by is None or can_see_region(reviewers[claimed_by], region)
        assert all(not user.has_usable_password() for user in reviewers.values())

    def test_each_proofs_binding_is_in_the_state_its_review_left(self):
        pairs = set(
            KinshipProof.objects.values_list(
                "status", "binding__status", "binding__basis"
            ).distinct()
        )
        allowed = {
            ProofStatus.APPROVED: {BindingStatus.ACTIVE, BindingStatus.REVOKED},
            ProofStatus.REJECTED: {BindingStatus.REVOKED},
            ProofStatus.SUBMITTED: {BindingStatus.PENDING, BindingStatus.ACTIVE},
            ProofStatus.IN_REVIEW: {BindingStatus.PENDING, BindingStatus.ACTIVE},
            ProofStatus.RETURNED: {BindingStatus.PENDING, BindingStatus.REVOKED},
        }

        for proof_status, binding_status, basis in pairs:
            assert binding_status in allowed[proof_status], (proof_status, binding_status)
            # a case open on an active binding is a spot check of a pledge only
            if proof_status in OPEN_PROOF_STATUSES and binding_status == BindingStatus.ACTIVE:
                assert basis == "pledge"
        assert (
            not KinshipProof.objects.filter(
                status=ProofStatus.REJECTED,
                binding__activated_at__isnull=True,
            )
            .exclude(binding__revoke_reason__in=["proof_rejected", "enrolment_ended"])
            .exists()
        )

    def test_the_last_event_of_every_proof_leads_to_its_status(self):
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT count(*),
                       count(*) FILTER (WHERE e.to_state IS DISTINCT FROM p.status),
                       count(*) FILTER (WHERE e.at > p.updated_at)
                  FROM accounts_kinshipproof p
                  LEFT JOIN LATERAL (
                      SELECT to_state, at FROM accounts_proofevent e
                       WHERE e.proof_id = p.id ORDER BY e.at DESC, e.id DESC LIMIT 1) e ON true
                """
            )
            total, wrong, later = cursor.fetchone()

        assert total == KinshipProof.objects.count() > 0
        assert (wrong, later) == (0, 0)

    def test_every_step_of_the_review_is_recorded(self):
        actions = set(ProofEvent.objects.values_list("action", flat=True))

        assert actions == {
            "submit",
            "pledge_accepted",
            "spot_check_drawn",
            "claim",
            "release",
            "reassign",
            "approve",
            "reject",
            "return",
            "resubmit",
            "overturn",
        }
        overturned = ProofEvent.objects.filter(action="overturn")
        assert not overturned.filter(actor__groups__name="caseworker").exists()
        assert not KinshipProof.objects.filter(
            pk__in=overturned.values("proof"), binding__activated_at__isnull=True
        ).exists()

    def test_some_open_cases_are_past_the_deadline_and_most_are_not(self):
        open_cases = KinshipProof.objects.filter(status__in=OPEN_PROOF_STATUSES)
        overdue = open_cases.filter(submitted_at__lt=overdue_before()).count()

        assert 0 < overdue < open_cases.count() / 2

    def test_the_review_queue_and_screens_open_for_a_seeded_supervisor(self, client):
        supervisor = User.objects.get(username="kz44-1")
        client.force_login(supervisor)
        queue = reverse("admin:accounts_kinshipproof_changelist")
        waiting = KinshipProof.objects.filter(
            region__province="44", status=ProofStatus.SUBMITTED
        ).order_by("submitted_at", "id")
        overturned = KinshipProof.objects.filter(
            region__province="44", events__action="overturn"
        ).first()

        response = client.get(queue)
        assert response.status_code == 200
        assert waiting[0].case_number in response.content.decode()
        for tab in ("overdue", "decided", "mine", "unclaimed"):
            assert client.get(queue, {"queue": tab}).status_code == 200
        assert overturned is not None
        for name in ("admin:accounts_kinshipproof_review", "admin:accounts_kinshipproof_change"):
            response = client.get(reverse(name, args=[overturned.pk]))
            assert response.status_code == 200
            assert overturned.decision_note in response.content.decode()

    def test_a_seeded_caseworker_claims_the_next_case_and_approves_it(self, client):
        region = (
            KinshipProof.objects.filter(status=ProofStatus.SUBMITTED, region__province="44")
            .values_list("region", flat=True)
            .first()
        )
        caseworker = User.objects.filter(
            staff_profile__regions=region, groups__name="caseworker"
        ).first()
        client.force_login(caseworker)

        response = client.post(reverse("admin:accounts_kinshipproof_claim_next"))
        assert response.status_code == 302 and "/review/" in response.url
        case = KinshipProof.objects.get(pk=int(response.url.split("/")[-3]))
        assert (case.status, case.claimed_by) == (ProofStatus.IN_REVIEW, caseworker)
        client.post(
            reverse("admin:accounts_kinshipproof_review", args=[case.pk]), {"step": "approve"}
        )

        case.refresh_from_db()
        assert (case.status, case.decided_by) == (ProofStatus.APPROVED, caseworker)
        assert Binding.objects.get(pk=case.binding_id).status in (
            BindingStatus.ACTIVE,
            BindingStatus.BLOCKED,
        )

    def test_the_ledger_adds_up_with_the_proofs_seeded(self):
        status, output = check_ledger()

        assert status == 0, output
