"""Bindings through their services: every rule that refuses, activation, revocation, and the
automatic revocation when an enrolment ends or an authorizer leaves employee insurance."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.choices import BindingBasis, BindingStatus, InsuranceType, PersonStatus, RevokeReason
from accounts.choices import Via as V
from accounts.models import Binding
from accounts.services.audit import audit_trail
from accounts.services.bindings import (
    binding_activate,
    binding_request,
    binding_revoke,
    bindings_revoke_for_persons,
)
from accounts.services.errors import BindingRefused, DomainError
from accounts.services.persons import person_save
from policies.models import PolicyVersion, Region
from policies.selectors import policy_for
from tests.factories import InsuredPersonFactory, staff_user

pytestmark = pytest.mark.django_db

PLEDGE, DOCUMENTS = BindingBasis.PLEDGE, BindingBasis.DOCUMENTS


def person(code="320100", **kwargs):
    return InsuredPersonFactory(region=Region.objects.get(code=code), **kwargs)


def policy(code, **changes) -> PolicyVersion:
    """Change the version in force today in region ``code``; return it."""
    version = policy_for(code, timezone.localdate())
    PolicyVersion.objects.filter(pk=version.pk).update(**changes)
    version.refresh_from_db()
    return version


def request(authorizer, beneficiary, relation="spouse", basis=PLEDGE, actor=None, **kwargs):
    return binding_request(
        actor=actor,
        via=V.COMMAND,
        authorizer=authorizer,
        beneficiary=beneficiary,
        relation=relation,
        basis=basis,
        starts_on=kwargs.pop("starts_on", timezone.localdate()),
        **kwargs,
    )


def codes(binding) -> list[str]:
    return [v["code"] for v in binding.decision["violations"]]


def blocked_by(binding) -> list[str]:
    assert binding.status == BindingStatus.BLOCKED
    return codes(binding)


def refused(call) -> str:
    with pytest.raises(BindingRefused) as info:
        call()
    return info.value.code


# --- request --------------------------------------------------------------------------------


def test_a_pledge_under_a_pledge_policy_is_active_at_once():
    binding = request(person(), person(sex="F"))
    assert binding.status == BindingStatus.ACTIVE
    assert binding.activated_at is not None
    assert binding.decision["allowed"] is True
    assert binding.policy_version == policy_for("320100", timezone.localdate())


def test_a_request_on_documents_waits_for_review():
    binding = request(person("440300"), person("440300", sex="F"), basis=DOCUMENTS)
    assert binding.status == BindingStatus.PENDING
    assert codes(binding) == ["proof_missing"]


def test_a_pledge_under_a_documents_policy_is_blocked_for_want_of_a_proof():
    binding = request(person("440300"), person("440300", sex="F"), basis=PLEDGE)
    assert blocked_by(binding) == ["proof_missing"]


def test_a_person_cannot_be_bound_to_themselves():
    someone = person()
    assert refused(lambda: request(someone, someone)) == "self_binding"


def test_a_pair_with_a_live_binding_cannot_be_bound_again():
    a, b = person(), person(sex="F")
    request(a, b)
    assert refused(lambda: request(a, b)) == "already_bound"


def test_a_pair_whose_request_was_blocked_may_ask_again():
    a, b = person(), person(sex="F")
    policy("320100", allowed_relations=["father"])
    request(a, b)
    policy("320100", allowed_relations=["spouse"])
    assert request(a, b).status == BindingStatus.ACTIVE


def test_an_unknown_relation_is_refused():
    assert refused(lambda: request(person(), person(), relation="cousin")) == "unknown_relation"


def test_a_period_ending_before_it_starts_is_refused():
    day = timezone.localdate()
    call = lambda: request(person(), person(), ends_on=day - dt.timedelta(days=1))  # noqa: E731
    assert refused(call) == "period_reversed"


def test_a_binding_refusal_is_a_domain_error_with_its_code_and_message():
    someone = person()
    with pytest.raises(DomainError) as info:
        request(someone, someone)
    assert info.value.code == "self_binding"
    assert str(info.value.message)


def test_a_resident_insured_authorizer_is_refused():
    authorizer = person(insurance_type=InsuranceType.RESIDENT)
    assert blocked_by(request(authorizer, person())) == ["authorizer_not_employee"]


def test_an_authorizer_whose_enrolment_is_suspended_is_refused():
    authorizer = person(status=PersonStatus.SUSPENDED)
    assert blocked_by(request(authorizer, person())) == ["authorizer_not_active"]


def test_a_beneficiary_whose_enrolment_is_suspended_is_refused():
    beneficiary = person(status=PersonStatus.SUSPENDED)
    assert blocked_by(request(person(), beneficiary)) == ["beneficiary_not_active"]


def test_a_relation_the_policy_does_not_allow_is_refused():
    policy("320100", allowed_relations=["spouse"])
    binding = request(person(), person(birth=dt.date(1950, 1, 1)), relation="father")
    assert blocked_by(binding) == ["relation_not_allowed"]


def test_a_cross_province_pair_is_refused_while_cross_province_aid_is_closed():
    policy("320100", cross_province=False)
    assert blocked_by(request(person("320100"), person("440300"))) == ["cross_province_closed"]


def test_an_authorizer_with_the_most_beneficiaries_at_once_is_refused():
    policy("320100", max_active_beneficiaries=1)
    authorizer = person()
    request(authorizer, person(sex="F"))
    binding = request(authorizer, person(birth=dt.date(2010, 1, 1)), relation="son")
    assert blocked_by(binding) == ["too_many_beneficiaries"]


def test_an_authorizer_who_has_bound_the_most_relatives_in_all_is_refused():
    policy("320100", max_lifetime_beneficiaries=1)
    authorizer = person()
    earlier = request(authorizer, person(sex="F"))
    binding_revoke(
        actor=None, via=V.COMMAND, binding=earlier, reason=RevokeReason.SPOT_CHECK_FAILED
    )
    binding = request(authorizer, person(birth=dt.date(2010, 1, 1)), relation="son")
    assert blocked_by(binding) == ["lifetime_limit_reached"]


def test_an_authorizer_at_a_relation_groups_cap_is_refused():
    policy("320100", group_caps=[{"groups": ["children", "siblings"], "max": 1}])
    authorizer = person()
    request(authorizer, person(birth=dt.date(2010, 1, 1)), relation="son")
    binding = request(authorizer, person(birth=dt.date(1982, 1, 1)), relation="younger_brother")
    assert blocked_by(binding) == ["group_cap_reached"]


def test_a_beneficiary_bound_by_the_most_authorizers_is_refused():
    policy("320100", max_authorizers_per_beneficiary=1)
    beneficiary = person(sex="F")
    request(person(), beneficiary)
    binding = request(person(sex="F"), beneficiary, relation="elder_sister")
    assert blocked_by(binding) == ["beneficiary_has_authorizer"]


def test_a_relative_who_authorizes_others_cannot_be_a_beneficiary_where_the_policy_says_so():
    policy("320100", beneficiary_may_authorize=False)
    relative = person(sex="F")
    request(relative, person())
    assert blocked_by(request(person(), relative)) == ["beneficiary_is_authorizer"]


def test_a_beneficiary_cannot_authorize_where_the_policy_says_so():
    policy("320100", beneficiary_may_authorize=False)
    authorizer = person()
    request(person(sex="F"), authorizer)
    binding = request(authorizer, person(birth=dt.date(2010, 1, 1)), relation="son")
    assert blocked_by(binding) == ["authorizer_is_beneficiary"]


def test_spouses_cannot_authorize_each_other_where_the_policy_says_so():
    policy("320100", spouses_may_authorize_each_other=False)
    husband, wife = person(), person(sex="F")
    request(husband, wife)
    assert blocked_by(request(wife, husband)) == ["spouses_one_way"]


def test_an_authorizer_who_used_up_this_years_changes_is_refused():
    policy("320100", max_binding_changes_per_year=1)
    authorizer = person()
    earlier = request(authorizer, person(sex="F"))
    binding_revoke(
        actor=None, via=V.COMMAND, binding=earlier, reason=RevokeReason.AUTHORIZER_REQUEST
    )
    binding = request(authorizer, person(birth=dt.date(2010, 1, 1)), relation="son")
    assert blocked_by(binding) == ["too_many_changes"]


def test_a_revocation_because_an_enrolment_ended_is_no_change_of_the_authorizers():
    policy("320100", max_binding_changes_per_year=1)
    authorizer, wife = person(), person(sex="F")
    request(authorizer, wife)
    bindings_revoke_for_persons(
        actor=None, via=V.COMMAND, person_ids=[wife.pk], reason=RevokeReason.ENROLMENT_ENDED
    )
    binding = request(authorizer, person(birth=dt.date(2010, 1, 1)), relation="son")
    assert binding.status == BindingStatus.ACTIVE


def test_red_flags_are_stored_but_decide_nothing():
    binding = request(person(), person(sex="M"))  # spouses of one sex
    assert binding.status == BindingStatus.ACTIVE
    assert "spouses_same_sex" in [f["code"] for f in binding.decision["red_flags"]]


def test_the_decision_keeps_the_english_template_and_its_parameters():
    policy("320100", allowed_relations=["spouse"])
    binding = request(person(), person(birth=dt.date(1950, 1, 1)), relation="father")
    (violation,) = binding.decision["violations"]
    assert violation["template"] == "Binding a %(relation)s is not allowed by %(policy)s."
    assert violation["params"] == {
        "relation": "father",
        "policy": {"policy_on": binding.decision["day"]},
    }


# --- two provinces ----------------------------------------------------------------------------


def test_a_cross_province_pair_is_judged_by_the_authorizers_province_and_keeps_both_versions():
    binding = request(person("370100"), person("440300", sex="F"))
    assert binding.status == BindingStatus.ACTIVE  # Shandong's pledge, not Guangdong's documents
    assert binding.policy_version == policy_for("370100", timezone.localdate())
    assert binding.beneficiary_policy_version == policy_for("440300", timezone.localdate())


def test_the_beneficiarys_province_limits_the_authorizers_of_its_beneficiary():
    beneficiary = person("370100", sex="F")  # Shandong: one authorizer per beneficiary
    request(person("370200"), beneficiary)
    binding = request(person("440300"), beneficiary, basis=DOCUMENTS)
    assert blocked_by(binding) == ["proof_missing", "beneficiary_has_authorizer"]
    side = {v["code"]: v["side"] for v in binding.decision["violations"]}
    assert side["beneficiary_has_authorizer"] == "beneficiary"


def test_the_beneficiarys_province_rules_on_the_authorizer_are_not_applied():
    authorizer = person("440300")
    request(person("440300", sex="F"), authorizer, basis=DOCUMENTS)  # a beneficiary in Guangdong
    # Shandong forbids a beneficiary to authorize, but the authorizer is Guangdong's to judge.
    binding = request(authorizer, person("370100", sex="F"), basis=DOCUMENTS)
    assert binding.status == BindingStatus.PENDING
    assert codes(binding) == ["proof_missing"]


def test_a_pair_in_one_province_has_no_beneficiary_version():
    assert request(person(), person(sex="F")).beneficiary_policy_version is None


# --- activate -------------------------------------------------------------------------------


@pytest.fixture
def pending(db):
    entered_by = staff_user("caseworker", regions=["440300"])
    return request(person("440300"), person("440300", sex="F"), basis=DOCUMENTS, actor=entered_by)


def test_a_colleague_activates_a_pending_binding_on_documents(pending):
    colleague = staff_user("caseworker", regions=["440300"])
    binding = binding_activate(actor=colleague, via=V.ADMIN, binding=pending)
    assert binding.status == BindingStatus.ACTIVE
    assert binding.decision["allowed"] is True


def test_whoever_entered_a_binding_on_documents_cannot_activate_it(pending):
    call = lambda: binding_activate(actor=pending.requested_by, via=V.ADMIN, binding=pending)  # noqa: E731
    assert refused(call) == "own_request"


def test_an_activation_the_rules_refuse_blocks_the_binding(pending):
    pending.authorizer.status = PersonStatus.SUSPENDED
    pending.authorizer.save()
    binding = binding_activate(actor=None, via=V.COMMAND, binding=pending)
    assert blocked_by(binding) == ["authorizer_not_active"]


def test_an_activation_is_judged_by_the_policy_in_force_on_its_day():
    binding = request(person("440300"), person("370100", sex="F"), basis=DOCUMENTS)
    last_year = dt.date(2025, 6, 1)  # cross-province aid opened on 2026-01-01
    binding = binding_activate(actor=None, via=V.COMMAND, binding=binding, day=last_year)
    assert blocked_by(binding) == ["cross_province_closed"]
    assert binding.policy_version == policy_for("440300", last_year)


def test_a_blocked_binding_is_activated_once_the_rules_allow_it():
    policy("320100", allowed_relations=["father"])
    binding = request(person(), person(sex="F"))
    policy("320100", allowed_relations=["spouse"])
    assert binding_activate(actor=None, via=V.COMMAND, binding=binding).status == "active"


def test_an_active_binding_cannot_be_activated_again():
    binding = request(person(), person(sex="F"))
    call = lambda: binding_activate(actor=None, via=V.COMMAND, binding=binding)  # noqa: E731
    assert refused(call) == "already_active"


# --- revoke ---------------------------------------------------------------------------------


@pytest.fixture
def active(db):
    return request(person(), person(sex="F"))


def revoke(binding, reason, note=""):
    return binding_revoke(actor=None, via=V.COMMAND, binding=binding, reason=reason, note=note)


def test_an_authorizer_ends_a_binding_at_their_request(active):
    binding = revoke(active, RevokeReason.AUTHORIZER_REQUEST)
    assert binding.status == BindingStatus.REVOKED
    assert binding.revoke_reason == RevokeReason.AUTHORIZER_REQUEST
    assert binding.revoked_at is not None


def test_an_authorizer_cannot_end_a_binding_before_it_has_lasted_long_enough(active):
    policy("320100", min_days_before_unbinding=30)
    call = lambda: revoke(active, RevokeReason.AUTHORIZER_REQUEST)  # noqa: E731
    assert refused(call) == "unbinding_too_soon"
    active.refresh_from_db()
    assert active.status == BindingStatus.ACTIVE


def test_an_authorizer_cannot_end_a_binding_after_using_up_this_years_changes(active):
    policy("320100", max_binding_changes_per_year=1)
    other = request(active.authorizer, person(birth=dt.date(2010, 1, 1)), relation="son")
    revoke(other, RevokeReason.AUTHORIZER_REQUEST)
    assert refused(lambda: revoke(active, RevokeReason.AUTHORIZER_REQUEST)) == "too_many_changes"


def test_a_caseworker_revokes_a_binding_saying_why(active):
    binding = revoke(active, RevokeReason.CASEWORKER, note="申请人到柜台撤销")
    assert (binding.status, binding.revoke_note) == (BindingStatus.REVOKED, "申请人到柜台撤销")


def test_a_caseworkers_revocation_without_a_note_is_refused(active):
    assert refused(lambda: revoke(active, RevokeReason.CASEWORKER, note="  ")) == "note_required"


def test_a_supervisors_revocation_without_a_note_is_refused(active):
    assert refused(lambda: revoke(active, RevokeReason.SUPERVISOR)) == "note_required"


def test_a_supervisor_revokes_a_binding_saying_why(active):
    assert revoke(active, RevokeReason.SUPERVISOR, note="复核不通过").revoke_reason == "supervisor"


@pytest.mark.parametrize(
    "reason",
    [
        RevokeReason.SPOT_CHECK_FAILED,
        RevokeReason.PROOF_OVERTURNED,
        RevokeReason.ENROLMENT_ENDED,
        RevokeReason.LEFT_EMPLOYEE_INSURANCE,
    ],
)
def test_a_binding_is_revoked_for_each_other_reason_without_a_note(active, reason):
    assert revoke(active, reason).revoke_reason == reason


def test_a_pending_binding_is_withdrawn_whatever_the_unbinding_rules(pending):
    policy("440300", min_days_before_unbinding=30)
    assert revoke(pending, RevokeReason.AUTHORIZER_REQUEST).status == BindingStatus.REVOKED


def test_a_revoked_binding_cannot_be_revoked_again(active):
    revoke(active, RevokeReason.AUTHORIZER_REQUEST)
    assert refused(lambda: revoke(active, RevokeReason.SUPERVISOR, "x")) == "already_revoked"


def test_an_unknown_reason_is_refused(active):
    assert refused(lambda: revoke(active, "whim")) == "unknown_reason"


# --- audit ----------------------------------------------------------------------------------


def test_a_request_writes_one_audit_event_naming_the_policy_version():
    user = staff_user("caseworker", regions=["320100"])
    binding = request(person(), person(sex="F"), actor=user)
    (event,) = audit_trail(binding)
    assert (event.action, event.from_state, event.to_state) == ("binding.request", "", "active")
    assert event.actor == user
    assert event.params["policy_version"] == binding.policy_version_id


def test_a_blocked_request_is_audited_with_the_first_refusing_rule():
    binding = request(person(insurance_type=InsuranceType.RESIDENT), person())
    (event,) = audit_trail(binding)
    assert (event.to_state, event.reason_code) == ("blocked", "authorizer_not_employee")


def test_a_revocation_is_audited_with_its_reason_and_note(active):
    revoke(active, RevokeReason.CASEWORKER, note="柜台申请")
    event = list(audit_trail(active))[-1]
    assert (event.action, event.from_state, event.to_state) == (
        "binding.revoke",
        "active",
        "revoked",
    )
    assert (event.reason_code, event.note) == ("caseworker", "柜台申请")


def test_an_activation_is_audited_from_pending_to_active(pending):
    binding_activate(actor=None, via=V.COMMAND, binding=pending)
    event = list(audit_trail(pending))[-1]
    assert (event.action, event.from_state, event.to_state) == (
        "binding.activate",
        "pending",
        "active",
    )


# --- automatic revocation -------------------------------------------------------------------


@pytest.fixture
def family(db):
    """Someone who authorizes his wife and is his father's beneficiary; and a stranger pair."""
    me = person(birth=dt.date(1980, 1, 1))
    gives = request(me, person(sex="F"))
    receives = request(person(birth=dt.date(1950, 1, 1)), me, relation="son")
    stranger = request(person(), person(sex="F"))
    return me, gives, receives, stranger


def statuses(*bindings):
    for b in bindings:
        b.refresh_from_db()
    return [(b.status, b.revoke_reason) for b in bindings]


def test_a_death_revokes_the_persons_bindings_on_either_side(family):
    me, gives, receives, stranger = family
    me.status = PersonStatus.DECEASED
    person_save(actor=None, person=me)
    ended = (BindingStatus.REVOKED, RevokeReason.ENROLMENT_ENDED)
    assert statuses(gives, receives, stranger) == [ended, ended, ("active", "")]
    assert sorted(me.revoked_bindings) == sorted([gives.pk, receives.pk])


def test_a_terminated_enrolment_revokes_the_persons_bindings(family):
    me, gives, receives, _ = family
    me.status = PersonStatus.TERMINATED
    person_save(actor=None, person=me)
    assert [s for s, _ in statuses(gives, receives)] == ["revoked", "revoked"]


def test_leaving_employee_insurance_revokes_only_the_bindings_the_person_gives(family):
    me, gives, receives, _ = family
    me.insurance_type = InsuranceType.RESIDENT
    person_save(actor=None, person=me)
    left = (BindingStatus.REVOKED, RevokeReason.LEFT_EMPLOYEE_INSURANCE)
    assert statuses(gives, receives) == [left, ("active", "")]


def test_a_save_that_changes_no_enrolment_revokes_nothing(family):
    me, gives, receives, _ = family
    me.mobile = "13900000000"
    person_save(actor=None, person=me)
    assert [s for s, _ in statuses(gives, receives)] == ["active", "active"]


def test_the_automatic_revocation_is_audited_as_the_save_that_caused_it(family):
    me, gives, _, _ = family
    user = staff_user("caseworker", regions=["320100"])
    me.status = PersonStatus.DECEASED
    person_save(person=me, actor=user, via=V.ADMIN)
    event = list(audit_trail(gives))[-1]
    assert (event.action, event.actor, event.via) == ("binding.revoke", user, "admin")
    assert (event.from_state, event.reason_code) == ("active", "enrolment_ended")
    assert event.params["automatic"] is True
    assert event.params["persons"] == [me.pk]


def test_set_based_revocation_ends_live_bindings_of_many_persons_at_once(family):
    me, gives, receives, stranger = family
    ids = bindings_revoke_for_persons(
        actor=None,
        via=V.IMPORT,
        person_ids=[me.pk, stranger.beneficiary_id],
        reason=RevokeReason.ENROLMENT_ENDED,
    )
    assert sorted(ids) == sorted([gives.pk, receives.pk, stranger.pk])
    assert [s for s, _ in statuses(gives, receives, stranger)] == ["revoked"] * 3
    assert all(len(audit_trail(b)) == 2 for b in (gives, receives, stranger))


def test_set_based_revocation_leaves_blocked_and_revoked_bindings_alone():
    policy("320100", allowed_relations=["father"])
    me = person()
    blocked = request(me, person(sex="F"))
    ids = bindings_revoke_for_persons(
        actor=None, via=V.IMPORT, person_ids=[me.pk], reason=RevokeReason.ENROLMENT_ENDED
    )
    assert ids == []
    assert statuses(blocked) == [(BindingStatus.BLOCKED, "")]


def test_set_based_revocation_of_nobody_does_nothing():
    assert (
        bindings_revoke_for_persons(
            actor=None, via=V.IMPORT, person_ids=[], reason=RevokeReason.ENROLMENT_ENDED
        )
        == []
    )


# --- the database -------------------------------------------------------------------------


def test_the_database_refuses_a_second_live_binding_of_a_pair(active):
    with pytest.raises(IntegrityError), transaction.atomic():
        Binding.objects.create(
            authorizer=active.authorizer,
            beneficiary=active.beneficiary,
            relation="spouse",
            basis=PLEDGE,
            status=BindingStatus.PENDING,
            starts_on=active.starts_on,
        )


def test_the_database_lets_a_revoked_pair_be_bound_again(active):
    revoke(active, RevokeReason.AUTHORIZER_REQUEST)
    assert request(active.authorizer, active.beneficiary).status == BindingStatus.ACTIVE


# --- at the same time ---------------------------------------------------------------------

# Real commits, seen by every session: each request runs on a connection of its own.
at_once = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def run_at_once(*calls):
    """Start each call at the same moment on its own connection; return results and errors."""
    start = threading.Barrier(len(calls))
    results, errors = {}, {}

    def run(i, call):
        try:
            start.wait()
            results[i] = call()
        except Exception as error:  # noqa: BLE001 - reported by the test's assertion
            errors[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


@at_once
def test_two_requests_for_one_pair_at_once_bind_it_once():
    a, b = person(), person(sex="F")
    results, errors = run_at_once(lambda: request(a, b), lambda: request(a, b))
    assert len(results) == 1
    assert [e.code for e in errors.values()] == ["already_bound"]
    assert Binding.objects.filter(authorizer=a, beneficiary=b).count() == 1


@at_once
def test_two_authorizers_binding_one_shandong_beneficiary_at_once_leave_one_active():
    beneficiary = person("370100", sex="F")  # Shandong: one authorizer per beneficiary
    first, second = person("370100"), person("370200")
    results, errors = run_at_once(
        lambda: request(first, beneficiary), lambda: request(second, beneficiary)
    )
    assert errors == {}
    assert sorted(b.status for b in results.values()) == ["active", "blocked"]


@at_once
def test_two_spouses_binding_each_other_at_once_do_not_deadlock():
    husband, wife = person(), person(sex="F")
    results, errors = run_at_once(lambda: request(husband, wife), lambda: request(wife, husband))
    assert errors == {}
    assert len(results) == 2
