"""The log of cross-region look-ups (跨区查询记录), read by supervisors and auditors."""

from __future__ import annotations

import pytest

from accounts.choices import Via
from accounts.services.proofs import person_lookup
from tests.accounts.proofs.helpers import caseworker, person, submit, supervisor
from tests.factories import staff_user

pytestmark = pytest.mark.django_db

URL = "/admin/accounts/personlookup/"


@pytest.fixture
def looked_up():
    """A Jinan caseworker looks up a Shenzhen wife for a case, and a Shenzhen man for none."""
    clerk = caseworker("370100", last_name="孙", first_name="受理")
    husband, wife, stranger = person("370100", sex="M"), person("440300", sex="F"), person("440300")
    lookup = person_lookup(actor=clerk, national_id=wife.national_id)
    proof = submit(clerk, husband, wife, via=Via.ADMIN, lookups=[lookup])
    idle = person_lookup(actor=clerk, national_id=stranger.national_id)
    return {"proof": proof, "wife": wife, "stranger": stranger, "lookup": lookup, "idle": idle}


def page(client, user):
    client.force_login(user)
    return client.get(URL)


def test_the_lookers_supervisor_sees_who_looked_up_whom_for_which_case(client, looked_up):
    response = page(client, supervisor("37"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "孙受理" in html
    assert f'href="/admin/accounts/kinshipproof/{looked_up["proof"].pk}/review/"' in html
    assert looked_up["proof"].case_number in html
    assert list(response.context["cl"].result_list) == [looked_up["idle"], looked_up["lookup"]]


def test_the_log_never_shows_a_whole_identity_number(client, looked_up):
    html = page(client, supervisor("37")).content.decode()

    assert looked_up["wife"].national_id not in html
    assert looked_up["wife"].national_id[-4:] in html  # masked: the last digits stay


def test_the_supervisor_of_the_person_looked_up_sees_the_look_ups_too(client, looked_up):
    response = page(client, supervisor("44"))

    assert set(response.context["cl"].result_list) == {looked_up["lookup"], looked_up["idle"]}


def test_a_supervisor_of_neither_side_sees_no_look_up(client, looked_up):
    response = page(client, staff_user("supervisor", provinces=["11"]))

    assert list(response.context["cl"].result_list) == []


def test_an_auditor_reads_the_log(client, looked_up):
    response = page(client, staff_user("auditor", provinces=["37"]))

    assert len(response.context["cl"].result_list) == 2


def test_a_caseworker_may_not_open_the_log(client, looked_up):
    assert page(client, caseworker("370100")).status_code == 403


def test_a_look_up_is_neither_changed_nor_deleted_in_the_log(client, superuser, looked_up):
    client.force_login(superuser)
    pk = looked_up["lookup"].pk

    assert client.post(f"{URL}{pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get(f"{URL}add/").status_code == 403


def test_a_look_ups_page_shows_names_and_its_case_without_links_to_records(client, looked_up):
    client.force_login(staff_user("auditor", provinces=["37"]))
    html = client.get(f"{URL}{looked_up['lookup'].pk}/change/").content.decode()

    assert "孙受理" in html and looked_up["proof"].case_number in html
    assert "/admin/auth/user/" not in html
    assert f"/admin/accounts/insuredperson/{looked_up['wife'].pk}/" not in html
    assert looked_up["wife"].national_id not in html
