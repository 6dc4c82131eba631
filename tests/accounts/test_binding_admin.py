"""The bindings' admin pages, as a caseworker of Jinan (370100) uses them."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.choices import BindingBasis, BindingStatus, RevokeReason, Via
from accounts.models import Binding
from accounts.services.audit import audit_trail
from accounts.services.bindings import binding_request, binding_revoke
from policies.models import PolicyVersion, Region
from portal.management.commands.seed_demo import DEMO_PASSWORD
from tests.factories import InsuredPersonFactory, staff_user
from tests.portal.test_every_page import pages_linked

pytestmark = pytest.mark.django_db

LIST = reverse("admin:accounts_binding_changelist")
ADD = reverse("admin:accounts_binding_add")


def person(code="370100", **kwargs):
    return InsuredPersonFactory(region=Region.objects.get(code=code), **kwargs)


def bind(authorizer, beneficiary, basis=BindingBasis.PLEDGE):
    return binding_request(
        actor=None,
        via=Via.COMMAND,
        authorizer=authorizer,
        beneficiary=beneficiary,
        relation="spouse",
        basis=basis,
        starts_on=timezone.localdate(),
    )


def shown(response) -> set[int]:
    return {b.pk for b in response.context["cl"].result_list}


def change_url(binding):
    return reverse("admin:accounts_binding_change", args=[binding.pk])


def revoke_url(binding):
    return reverse("admin:accounts_binding_revoke_detail", args=[binding.pk])


def test_the_list_shows_a_pair_with_one_person_in_the_caseworkers_region(caseworker_client):
    cross = bind(person("370100"), person("440300", sex="F"))
    foreign = bind(person("440300"), person("440300", sex="F"), basis=BindingBasis.DOCUMENTS)
    response = caseworker_client.get(LIST)
    assert cross.pk in shown(response)
    assert foreign.pk not in shown(response)


def test_the_list_shows_a_pair_whose_beneficiary_is_in_the_caseworkers_region(caseworker_client):
    binding = bind(person("440300"), person("370100", sex="F"), basis=BindingBasis.DOCUMENTS)
    assert binding.pk in shown(caseworker_client.get(LIST))


def test_the_list_finds_a_binding_by_either_persons_identity_number(caseworker_client):
    wanted = bind(person(), person(sex="F"))
    other = bind(person(), person(sex="F"))
    by_beneficiary = caseworker_client.get(LIST, {"q": wanted.beneficiary.national_id.lower()})
    by_authorizer = caseworker_client.get(LIST, {"q": wanted.authorizer.national_id})
    assert shown(by_beneficiary) == {wanted.pk} == shown(by_authorizer)
    assert other.pk not in shown(by_authorizer)


def test_a_partial_identity_number_finds_nothing(caseworker_client):
    binding = bind(person(), person(sex="F"))
    response = caseworker_client.get(LIST, {"q": binding.authorizer.national_id[:10]})
    assert shown(response) == set()


def test_the_list_filters_pairs_in_two_provinces(caseworker_client):
    cross = bind(person("370100"), person("440300", sex="F"))
    same = bind(person(), person(sex="F"))
    assert shown(caseworker_client.get(LIST, {"provinces": "cross"})) == {cross.pk}
    assert shown(caseworker_client.get(LIST, {"provinces": "same"})) == {same.pk}


def test_the_list_filters_by_either_persons_region(caseworker_client):
    cross = bind(person("370100"), person("440300", sex="F"))
    bind(person(), person(sex="F"))
    assert shown(caseworker_client.get(LIST, {"region": "440300"})) == {cross.pk}


def test_the_list_takes_as_many_queries_for_fifty_bindings_as_for_one(
    caseworker_client, django_assert_max_num_queries
):
    bind(person(), person(sex="F"))
    caseworker_client.get(LIST)  # warm the session and content types
    with django_assert_max_num_queries(20) as one:
        caseworker_client.get(LIST)
    for _ in range(49):
        bind(person(), person(sex="F"))
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(shown(caseworker_client.get(LIST))) == 50


def test_a_bindings_page_shows_the_rules_that_refused_it_in_chinese(caseworker_client):
    binding = bind(person("370100", insurance_type="resident"), person(sex="F"))
    response = caseworker_client.get(change_url(binding))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-code="authorizer_not_employee"' in body
    assert "Only employee-insured persons" not in body  # shown in the reader's language
    assert reverse("admin:policies_policyversion_change", args=[binding.policy_version_id]) in body


def test_a_bindings_page_shows_its_history(caseworker_client):
    binding = bind(person(), person(sex="F"))
    body = caseworker_client.get(change_url(binding)).content.decode()
    assert 'data-action="binding.request"' in body


def test_a_bindings_page_offers_no_edit(caseworker_client):
    binding = bind(person(), person(sex="F"))
    response = caseworker_client.get(change_url(binding))
    body = response.content.decode()
    assert response.context["has_change_permission"] is False
    assert 'name="relation"' not in body
    assert 'name="_save"' not in body


def test_a_bindings_page_links_only_the_persons_the_viewer_may_open(caseworker_client):
    binding = bind(person("370100"), person("440300", sex="F"))
    body = caseworker_client.get(change_url(binding)).content.decode()
    own = reverse("admin:accounts_insuredperson_change", args=[binding.authorizer_id])
    foreign = reverse("admin:accounts_insuredperson_change", args=[binding.beneficiary_id])
    assert own in body
    assert foreign not in body


def test_revoking_from_a_bindings_page_asks_for_a_reason_first(caseworker_client):
    binding = bind(person(), person(sex="F"))
    response = caseworker_client.get(revoke_url(binding))
    assert response.status_code == 200
    assert "reason" in response.context["form"].fields
    binding.refresh_from_db()
    assert binding.status == BindingStatus.ACTIVE


def test_revoking_from_a_bindings_page_calls_the_service(caseworker_client, caseworker):
    binding = bind(person(), person(sex="F"))
    response = caseworker_client.post(
        revoke_url(binding), {"confirm": "1", "reason": "caseworker", "note": "柜台申请撤销"}
    )
    assert response.status_code == 302
    binding.refresh_from_db()
    assert (binding.status, binding.revoke_reason) == ("revoked", RevokeReason.CASEWORKER)
    event = list(audit_trail(binding))[-1]
    assert (event.actor, event.via, event.note) == (caseworker, "admin", "柜台申请撤销")


def test_a_caseworkers_revocation_without_a_note_is_sent_back(caseworker_client):
    binding = bind(person(), person(sex="F"))
    response = caseworker_client.post(revoke_url(binding), {"confirm": "1", "reason": "caseworker"})
    assert response.context["form"].errors.as_data()["note"][0].code == "note_required"
    binding.refresh_from_db()
    assert binding.status == BindingStatus.ACTIVE


def test_the_revoke_action_on_the_list_asks_for_a_reason_then_revokes(caseworker_client):
    first, second = bind(person(), person(sex="F")), bind(person(), person(sex="F"))
    selected = {"action": "revoke_selected", "_selected_action": [first.pk, second.pk]}
    asked = caseworker_client.post(LIST, selected)
    assert asked.status_code == 200
    assert Binding.objects.filter(status=BindingStatus.REVOKED).count() == 0
    done = caseworker_client.post(
        LIST, {**selected, "confirm": "1", "reason": RevokeReason.AUTHORIZER_REQUEST}
    )
    assert done.status_code == 302
    assert set(Binding.objects.filter(status="revoked").values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
    }


def test_revoking_reports_a_binding_the_rules_keep(caseworker_client):
    binding = bind(person(), person(sex="F"))
    PolicyVersion.objects.filter(pk=binding.policy_version_id).update(min_days_before_unbinding=30)
    response = caseworker_client.post(
        revoke_url(binding),
        {"confirm": "1", "reason": RevokeReason.AUTHORIZER_REQUEST},
        follow=True,
    )
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_an_auditor_cannot_revoke(client):
    auditor = staff_user("auditor", regions=["370100"])
    binding = bind(person(), person(sex="F"))
    client.force_login(auditor)
    assert client.get(change_url(binding)).status_code == 200
    assert client.get(revoke_url(binding)).status_code == 403
    response = client.post(revoke_url(binding), {"confirm": "1", "reason": "authorizer_request"})
    assert response.status_code == 403
    binding.refresh_from_db()
    assert binding.status == BindingStatus.ACTIVE


def test_a_binding_of_another_region_cannot_be_revoked(caseworker_client):
    binding = bind(person("440300"), person("440300", sex="F"), basis=BindingBasis.DOCUMENTS)
    response = caseworker_client.post(
        revoke_url(binding), {"confirm": "1", "reason": "authorizer_request"}
    )
    assert response.status_code == 404


def request_data(authorizer, beneficiary, **changes):
    return {
        "authorizer": authorizer.national_id,
        "beneficiary": beneficiary.national_id,
        "relation": "spouse",
        "basis": BindingBasis.DOCUMENTS,
        "starts_on": timezone.localdate().isoformat(),
        "ends_on": "",
        "payment_cap": "",
        **changes,
    }


def test_the_request_form_creates_a_pending_binding(caseworker_client, caseworker):
    authorizer, beneficiary = person(), person(sex="F")
    response = caseworker_client.post(ADD, request_data(authorizer, beneficiary))
    binding = Binding.objects.get(authorizer=authorizer, beneficiary=beneficiary)
    assert response.status_code == 302
    assert response["Location"] == change_url(binding)
    assert (binding.status, binding.requested_by) == (BindingStatus.PENDING, caseworker)


def test_the_request_form_binds_a_beneficiary_of_another_province(caseworker_client):
    authorizer, beneficiary = person(), person("440300", sex="F")
    caseworker_client.post(ADD, request_data(authorizer, beneficiary, basis="pledge"))
    binding = Binding.objects.get(authorizer=authorizer)
    assert binding.status == BindingStatus.ACTIVE
    assert binding.beneficiary_policy_version is not None


def test_the_request_form_refuses_an_authorizer_of_another_region(caseworker_client):
    authorizer, beneficiary = person("440300"), person(sex="F")
    response = caseworker_client.post(ADD, request_data(authorizer, beneficiary))
    assert response.context["form"].errors.as_data()["authorizer"][0].code == "person_not_found"
    assert not Binding.objects.exists()


def test_the_request_form_shows_a_structural_refusal_by_its_code(caseworker_client):
    someone = person()
    response = caseworker_client.post(ADD, request_data(someone, someone))
    assert response.context["form"].non_field_errors().as_data()[0].code == "self_binding"


def test_an_auditor_cannot_open_the_request_form(client):
    client.force_login(staff_user("auditor", regions=["370100"]))
    assert client.get(ADD).status_code == 403


def test_the_person_page_lists_bindings_given_and_received(caseworker_client):
    me = person()
    gives = bind(me, person(sex="F"))
    receives = bind(person(), me)
    body = caseworker_client.get(
        reverse("admin:accounts_insuredperson_change", args=[me.pk])
    ).content.decode()
    assert f'data-binding="{gives.pk}"' in body
    assert f'data-binding="{receives.pk}"' in body
    assert change_url(gives) in body
    assert body.index('data-testid="person-bindings"') < body.index('name="insurance_type"')


def test_a_person_saved_as_deceased_in_the_admin_loses_their_bindings(caseworker_client):
    me = person()
    binding = bind(me, person(sex="F"))
    url = reverse("admin:accounts_insuredperson_change", args=[me.pk])
    form = caseworker_client.get(url).context["adminform"].form
    data = {
        "national_id": me.national_id,
        "name": me.name,
        "mobile": me.mobile,
        "insurance_type": me.insurance_type,
        "region": me.region_id,
        "enrolled_on": "2015-03-01",
        "status": "deceased",
        "seen": form["seen"].value(),
        "account-TOTAL_FORMS": "1",
        "account-INITIAL_FORMS": "1",
        "account-MIN_NUM_FORMS": "0",
        "account-MAX_NUM_FORMS": "1",
        "account-0-person": me.pk,
    }
    response = caseworker_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    binding.refresh_from_db()
    assert (binding.status, binding.revoke_reason) == ("revoked", RevokeReason.ENROLMENT_ENDED)


def activate_url(binding):
    return reverse("admin:accounts_binding_activate_detail", args=[binding.pk])


def test_a_colleague_activates_a_pending_binding_from_its_page(client):
    binding = bind(person(), person(sex="F"), basis=BindingBasis.DOCUMENTS)
    client.force_login(staff_user("caseworker", regions=["370100"]))
    assert client.get(activate_url(binding)).status_code == 200
    response = client.post(activate_url(binding), {"confirm": "1"})
    assert response.status_code == 302
    binding.refresh_from_db()
    assert binding.status == BindingStatus.ACTIVE


def test_opening_the_activate_page_changes_nothing(caseworker_client):
    binding = bind(person(), person(sex="F"), basis=BindingBasis.DOCUMENTS)
    caseworker_client.get(activate_url(binding))
    binding.refresh_from_db()
    assert binding.status == BindingStatus.PENDING


def test_whoever_entered_a_binding_is_told_a_colleague_activates_it(caseworker_client):
    authorizer, beneficiary = person(), person(sex="F")
    caseworker_client.post(ADD, request_data(authorizer, beneficiary))
    binding = Binding.objects.get(authorizer=authorizer)
    response = caseworker_client.post(activate_url(binding), {"confirm": "1"}, follow=True)
    assert [m.level_tag for m in response.context["messages"]][-1] == "error"
    binding.refresh_from_db()
    assert binding.status == BindingStatus.PENDING


def test_a_revoked_bindings_page_offers_neither_revoke_nor_activate(caseworker_client):
    binding = bind(person(), person(sex="F"))
    caseworker_client.post(revoke_url(binding), {"confirm": "1", "reason": "authorizer_request"})
    body = caseworker_client.get(change_url(binding)).content.decode()
    assert revoke_url(binding) not in body
    assert activate_url(binding) not in body
    assert caseworker_client.get(revoke_url(binding)).status_code == 403


def test_an_active_bindings_page_offers_revoke_but_not_activate(caseworker_client):
    binding = bind(person(), person(sex="F"))
    body = caseworker_client.get(change_url(binding)).content.decode()
    assert revoke_url(binding) in body
    assert activate_url(binding) not in body


@pytest.mark.parametrize("username", ["caseworker1", "supervisor1", "auditor1", "admin"])
def test_every_page_linked_from_the_bindings_list_opens_for_a_demo_user(
    demo_data, client, username
):
    bind(person("370100"), person("440300", sex="F"))
    bind(person("440300"), person("370100", sex="F"), basis=BindingBasis.DOCUMENTS)
    bind(person("370100", insurance_type="resident"), person(sex="F"))
    revoked = bind(person(), person(sex="F"))
    binding_revoke(actor=None, via=Via.COMMAND, binding=revoked, reason="spot_check_failed")
    assert client.login(username=username, password=DEMO_PASSWORD)

    opened = pages_linked(client, start=LIST)

    assert any("/accounts/binding/" in url and "/change/" in url for url in opened)
    assert {url: status for url, status in opened.items() if status >= 400} == {}


def test_only_the_authorizers_agency_activates_a_binding(caseworker_client):
    binding = bind(person("440300"), person("370100", sex="F"), basis=BindingBasis.DOCUMENTS)
    assert caseworker_client.get(change_url(binding)).status_code == 200
    assert caseworker_client.post(activate_url(binding), {"confirm": "1"}).status_code == 403
    binding.refresh_from_db()
    assert binding.status == BindingStatus.PENDING
