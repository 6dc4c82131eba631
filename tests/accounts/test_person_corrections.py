"""A person's identity number and a recorded death are corrected only by a supervisor of
the person's region, with a reason, and the correction is recorded.

Caseworkers see both read-only on the person's page and reach neither correction from any
entry point: the page's form, the correction pages, the services.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts import idnumbers
from accounts.choices import BindingBasis, BindingStatus, PersonStatus, RevokeReason, Via
from accounts.models import InsuredPerson
from accounts.services.audit import audit_trail
from accounts.services.bindings import binding_request
from accounts.services.errors import CorrectionRefused
from accounts.services.persons import (
    person_correct_death,
    person_correct_national_id,
    person_save,
)
from policies.models import Region
from tests.factories import InsuredPersonFactory, staff_user

pytestmark = pytest.mark.django_db

REASON = "户籍证明显示出生日期录入有误（济南市公安局户籍证明）"


def jinan(**kwargs):
    return InsuredPersonFactory(region=Region.objects.get(code="370100"), **kwargs)


def new_number(birth=dt.date(1979, 2, 3), sequence=456):
    """A valid identity number nobody has: a woman's (even sequence) born on ``birth``."""
    return idnumbers.make("370102", birth, sequence)


def change_url(person):
    return reverse("admin:accounts_insuredperson_change", args=[person.pk])


def death_url(person):
    return reverse("admin:accounts_insuredperson_correct_death_detail", args=[person.pk])


def id_url(person):
    return reverse("admin:accounts_insuredperson_correct_national_id_detail", args=[person.pk])


# --- the identity number, through the service -----------------------------------------------


def test_a_supervisor_corrects_an_identity_number_and_sex_and_birth_follow(supervisor):
    person = jinan(sex="M", birth=dt.date(1980, 5, 17))
    number = new_number()

    person_correct_national_id(actor=supervisor, person=person, national_id=number, reason=REASON)

    person.refresh_from_db()
    assert person.national_id == number
    assert (person.sex, person.birth_date) == ("F", dt.date(1979, 2, 3))


def test_the_correction_is_audited_with_both_numbers_and_the_reason(supervisor):
    person = jinan()
    old, number = person.national_id, new_number()

    person_correct_national_id(
        actor=supervisor, person=person, national_id=number.lower(), reason=f"  {REASON} "
    )

    (event,) = audit_trail(person)
    assert (event.action, event.actor, event.via) == (
        "person.correct_national_id",
        supervisor,
        Via.ADMIN,
    )
    assert (event.from_state, event.to_state, event.note) == (old, number, REASON)
    assert event.params == {
        "from_masked": idnumbers.masked(old),
        "to_masked": idnumbers.masked(number),
    }


def test_a_correction_without_a_reason_is_refused_and_changes_nothing(supervisor):
    person = jinan()
    old = person.national_id
    with pytest.raises(CorrectionRefused) as refused:
        person_correct_national_id(
            actor=supervisor, person=person, national_id=new_number(), reason="   "
        )
    assert refused.value.code == "reason_required"
    person.refresh_from_db()
    assert person.national_id == old
    assert not audit_trail(person).exists()


def test_a_corrected_number_is_validated_like_any_identity_number(supervisor):
    person = jinan()
    number = new_number()
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(CorrectionRefused) as refused:
        person_correct_national_id(
            actor=supervisor, person=person, national_id=wrong, reason=REASON
        )
    assert refused.value.code == "bad_checksum"


def test_a_corrected_number_may_not_be_another_persons(supervisor):
    person, other = jinan(), jinan()
    with pytest.raises(CorrectionRefused) as refused:
        person_correct_national_id(
            actor=supervisor, person=person, national_id=other.national_id, reason=REASON
        )
    assert refused.value.code == "national_id_taken"


def test_a_caseworker_cannot_correct_an_identity_number_through_the_service(caseworker):
    person = jinan()
    with pytest.raises(PermissionDenied):
        person_correct_national_id(
            actor=caseworker, person=person, national_id=new_number(), reason=REASON
        )


def test_a_supervisor_of_another_province_cannot_correct_the_person():
    guangdong = staff_user("supervisor", provinces=["44"])
    with pytest.raises(PermissionDenied):
        person_correct_national_id(
            actor=guangdong, person=jinan(), national_id=new_number(), reason=REASON
        )


def test_saving_a_person_never_changes_their_identity_number(caseworker):
    person = jinan()
    person.national_id = new_number()
    with pytest.raises(CorrectionRefused) as refused:
        person_save(actor=caseworker, person=person)
    assert refused.value.code == "national_id_read_only"


# --- the identity number, on the pages -------------------------------------------------------


def test_the_identity_number_is_read_only_on_the_person_page(caseworker_client):
    person = jinan()
    response = caseworker_client.get(change_url(person))
    assert "national_id" not in response.context["adminform"].form.fields
    assert person.national_id in response.content.decode()


def test_the_identity_number_is_typed_when_a_person_is_added(caseworker_client):
    response = caseworker_client.get(reverse("admin:accounts_insuredperson_add"))
    assert "national_id" in response.context["adminform"].form.fields


def test_a_caseworker_posting_another_number_with_the_form_changes_nothing(caseworker_client):
    person = jinan()
    old = person.national_id
    form = caseworker_client.get(change_url(person)).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    response = caseworker_client.post(change_url(person), {**data, "national_id": new_number()})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.national_id == old


def test_a_caseworker_is_offered_no_correction_and_cannot_open_one(caseworker_client):
    person = jinan()
    body = caseworker_client.get(change_url(person)).content.decode()
    assert id_url(person) not in body
    assert caseworker_client.get(id_url(person)).status_code == 403
    posted = caseworker_client.post(id_url(person), {"national_id": new_number(), "reason": REASON})
    assert posted.status_code == 403
    person.refresh_from_db()
    assert not audit_trail(person).exists()


def test_an_auditor_cannot_open_a_correction(client):
    client.force_login(staff_user("auditor", provinces=["37"]))
    assert client.get(id_url(jinan())).status_code == 403


def test_a_supervisor_corrects_the_number_from_the_person_page(client, supervisor):
    person = jinan()
    old, number = person.national_id, new_number()
    client.force_login(supervisor)
    assert id_url(person) in client.get(change_url(person)).content.decode()

    response = client.post(id_url(person), {"national_id": number, "reason": REASON})

    assert response.status_code == 302 and response["Location"] == change_url(person)
    person.refresh_from_db()
    assert person.national_id == number
    page = client.get(change_url(person)).content.decode()
    record = page[page.index('data-testid="corrections"') :]
    assert f"{idnumbers.masked(old)} → {idnumbers.masked(number)}" in record
    assert REASON in record and "更正身份证号" in record


def test_the_correction_page_sends_back_a_number_that_is_not_valid(client, supervisor):
    person = jinan()
    client.force_login(supervisor)
    response = client.post(id_url(person), {"national_id": "37010219800101123", "reason": REASON})
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()
    assert [e.code for e in errors["national_id"]] == ["bad_length"]


def test_the_correction_page_asks_for_a_reason(client, supervisor):
    person = jinan()
    client.force_login(supervisor)
    response = client.post(id_url(person), {"national_id": new_number(), "reason": ""})
    assert [e.code for e in response.context["form"].errors.as_data()["reason"]] == ["required"]


def test_a_person_of_another_region_is_not_found_by_the_correction_page(client, supervisor):
    shenzhen = InsuredPersonFactory(region=Region.objects.get(code="440300"))
    client.force_login(supervisor)
    assert client.get(id_url(shenzhen)).status_code == 404


# --- a recorded death ------------------------------------------------------------------------


def deceased_with_a_binding(caseworker):
    """A person whose death was saved (wrongly) and ended the binding they gave."""
    person = jinan()
    spouse = jinan(sex="F")
    binding = binding_request(
        actor=None,
        via=Via.COMMAND,
        authorizer=person,
        beneficiary=spouse,
        relation="spouse",
        basis=BindingBasis.PLEDGE,
        starts_on=timezone.localdate(),
    )
    assert binding.status == BindingStatus.ACTIVE
    person.status = PersonStatus.DECEASED
    person_save(actor=caseworker, person=person)
    return person, binding


def test_saving_a_deceased_person_as_active_is_refused(caseworker):
    person, _ = deceased_with_a_binding(caseworker)
    person.status = PersonStatus.ACTIVE
    with pytest.raises(CorrectionRefused) as refused:
        person_save(actor=caseworker, person=person)
    assert refused.value.code == "deceased_not_revived"


def test_a_deceased_persons_status_is_read_only_for_a_caseworker(caseworker_client, caseworker):
    person, _ = deceased_with_a_binding(caseworker)
    form = caseworker_client.get(change_url(person)).context["adminform"].form
    assert "status" not in form.fields
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    response = caseworker_client.post(change_url(person), {**data, "status": "active"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.status == PersonStatus.DECEASED


def test_a_caseworker_cannot_open_the_death_correction(caseworker_client, caseworker):
    person, _ = deceased_with_a_binding(caseworker)
    assert death_url(person) not in caseworker_client.get(change_url(person)).content.decode()
    assert caseworker_client.get(death_url(person)).status_code == 403
    posted = caseworker_client.post(death_url(person), {"status": "active", "reason": REASON})
    assert posted.status_code == 403
    person.refresh_from_db()
    assert person.status == PersonStatus.DECEASED


def test_a_caseworker_cannot_correct_a_death_through_the_service(caseworker):
    person, _ = deceased_with_a_binding(caseworker)
    with pytest.raises(PermissionDenied):
        person_correct_death(actor=caseworker, person=person, status="active", reason=REASON)


def test_a_supervisor_corrects_a_death_and_the_ended_bindings_stay_ended(
    client, supervisor, caseworker
):
    person, binding = deceased_with_a_binding(caseworker)
    client.force_login(supervisor)
    assert death_url(person) in client.get(change_url(person)).content.decode()

    response = client.post(death_url(person), {"status": "active", "reason": REASON})

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.status == PersonStatus.ACTIVE
    binding.refresh_from_db()
    assert (binding.status, binding.revoke_reason) == (
        BindingStatus.REVOKED,
        RevokeReason.ENROLMENT_ENDED,
    )
    event = list(audit_trail(person))[-1]
    assert (event.action, event.actor, event.note) == ("person.correct_death", supervisor, REASON)
    assert (event.from_state, event.to_state) == (PersonStatus.DECEASED, PersonStatus.ACTIVE)
    assert event.get_change_message().startswith("死亡状态已更正：参保状态恢复为正常。")


def test_a_living_persons_death_cannot_be_corrected(client, supervisor):
    person = jinan()
    client.force_login(supervisor)
    assert death_url(person) not in client.get(change_url(person)).content.decode()
    assert client.get(death_url(person)).status_code == 403
    with pytest.raises(CorrectionRefused) as refused:
        person_correct_death(actor=supervisor, person=person, status="active", reason=REASON)
    assert refused.value.code == "not_deceased"


def test_a_death_is_not_corrected_without_a_reason(supervisor, caseworker):
    person, _ = deceased_with_a_binding(caseworker)
    with pytest.raises(CorrectionRefused) as refused:
        person_correct_death(actor=supervisor, person=person, status="active", reason="")
    assert refused.value.code == "reason_required"
    assert InsuredPerson.objects.get(pk=person.pk).status == PersonStatus.DECEASED


def test_a_death_is_corrected_to_a_living_status_only(supervisor, caseworker):
    person, _ = deceased_with_a_binding(caseworker)
    with pytest.raises(CorrectionRefused) as refused:
        person_correct_death(actor=supervisor, person=person, status="deceased", reason=REASON)
    assert refused.value.code == "bad_status"
