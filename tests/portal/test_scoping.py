"""Region scoping, tested as an attacker would: a Jinan caseworker probing Shenzhen records.

Every ModelAdmin registered on the site is covered automatically: a
region-scoped admin needs an entry in OUT_OF_SCOPE below (the test fails
until it has one), and any other admin must say why it is exempt.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.db import models
from django.urls import reverse

from accounts.models import (
    Binding,
    InsuredPerson,
    KinshipProof,
    Payment,
    PersonalAccount,
    WalletTransfer,
)
from policies.models import Region
from portal.admin_base import ScopedModelAdmin
from tests.factories import InsuredPersonFactory, staff_user


def _person(code):
    return InsuredPersonFactory(region=Region.objects.get(code=code))


def _binding(code):
    """A binding whose two persons are both in ``code``."""
    return Binding.objects.create(
        authorizer=_person(code),
        beneficiary=_person(code),
        relation="spouse",
        basis="pledge",
        starts_on="2026-01-01",
    )


def _payment(code):
    from tests.accounts.money import payment_in

    return payment_in(code)


def _proof(code):
    """A kinship proof of two persons of ``code``, taken in by a caseworker there."""
    from tests.accounts.proofs.helpers import submit

    intake = staff_user("caseworker", regions=[code])
    return submit(
        intake, _person(code), InsuredPersonFactory(region=Region.objects.get(code=code), sex="F")
    )


def _transfer(code):
    from tests.accounts.money import transfer_in

    return transfer_in(code)


#: model -> function(region_code) returning an object of that model in the region
OUT_OF_SCOPE = {
    InsuredPerson: _person,
    PersonalAccount: lambda code: _person(code).account,
    Binding: _binding,
    Payment: _payment,
    WalletTransfer: _transfer,
    KinshipProof: _proof,
}

REGISTERED = sorted(admin.site._registry.items(), key=lambda kv: kv[0]._meta.label)
SCOPED = [(m, a) for m, a in REGISTERED if isinstance(a, ScopedModelAdmin)]
UNSCOPED = [(m, a) for m, a in REGISTERED if not isinstance(a, ScopedModelAdmin)]


def _ids(items):
    return [m._meta.label for m, _ in items]


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize(("model", "model_admin"), UNSCOPED, ids=_ids(UNSCOPED))
def test_every_unscoped_admin_states_why(model, model_admin):
    assert model_admin.scope_exempt, (
        f"{model._meta.label} is registered without region scoping: subclass "
        "ScopedModelAdmin or set scope_exempt to the reason."
    )


@pytest.mark.parametrize(("model", "model_admin"), SCOPED, ids=_ids(SCOPED))
class TestScopedAdmin:
    @pytest.fixture
    def objects(self, db, model, model_admin):
        assert model in OUT_OF_SCOPE, f"add a factory for {model._meta.label} to OUT_OF_SCOPE"
        return OUT_OF_SCOPE[model]("370100"), OUT_OF_SCOPE[model]("440300")

    def test_change_page_of_own_region_opens(self, caseworker_client, model, objects):
        own, _ = objects
        response = caseworker_client.get(_url(model, "change", quote(own.pk)))
        assert response.status_code == 200

    def test_change_page_of_other_region_is_not_found(self, caseworker_client, model, objects):
        _, foreign = objects
        response = caseworker_client.get(_url(model, "change", quote(foreign.pk)))
        assert response.status_code == 404

    def test_history_page_of_other_region_is_not_found(self, caseworker_client, model, objects):
        _, foreign = objects
        response = caseworker_client.get(_url(model, "history", quote(foreign.pk)))
        assert response.status_code == 404

    def test_delete_page_of_other_region_is_refused(self, caseworker_client, model, objects):
        _, foreign = objects
        response = caseworker_client.get(_url(model, "delete", quote(foreign.pk)))
        assert response.status_code in (403, 404)

    def test_changelist_lists_only_own_region(self, caseworker_client, model, objects):
        own, foreign = objects
        response = caseworker_client.get(_url(model, "changelist"))
        shown = {obj.pk for obj in response.context["cl"].result_list}
        assert own.pk in shown
        assert foreign.pk not in shown

    def test_changelist_filtered_by_foreign_region_shows_nothing(
        self, caseworker_client, model, model_admin, objects
    ):
        _, foreign = objects
        field = model_admin.region_field.replace(".", "__")
        response = caseworker_client.get(
            _url(model, "changelist"), {f"{field}__code__exact": "440300"}
        )
        shown = list(response.context["cl"].result_list) if response.context else []
        assert foreign.pk not in {obj.pk for obj in shown}


def _autocomplete_sources():
    """Every (source model, field) whose target model has a region-scoped admin."""
    targets = {m for m, _ in SCOPED}
    for source in admin.site._registry:
        for field in source._meta.get_fields():
            if isinstance(field, models.ForeignKey) and field.related_model in targets:
                yield source, field


AUTOCOMPLETE = list(_autocomplete_sources())


def _term(obj) -> str:
    """What a caseworker types to find ``obj``: a person's identity number, or for a
    binding its authorizer's."""
    return obj.authorizer.national_id if isinstance(obj, Binding) else obj.national_id


@pytest.mark.parametrize(
    ("source", "field"), AUTOCOMPLETE, ids=[f"{s._meta.label}.{f.name}" for s, f in AUTOCOMPLETE]
)
def test_autocomplete_does_not_reveal_other_regions(caseworker_client, source, field):
    target = field.related_model
    own, foreign = OUT_OF_SCOPE[target]("370100"), OUT_OF_SCOPE[target]("440300")
    url = reverse("admin:autocomplete")
    params = {
        "app_label": source._meta.app_label,
        "model_name": source._meta.model_name,
        "field_name": field.name,
    }
    found_own = caseworker_client.get(url, {**params, "term": _term(own)}).json()
    found_foreign = caseworker_client.get(url, {**params, "term": _term(foreign)}).json()
    assert [r["id"] for r in found_own["results"]] == [str(own.pk)]
    assert found_foreign["results"] == []


def test_there_is_an_autocomplete_path_to_persons():
    assert any(f.related_model is InsuredPerson for _, f in AUTOCOMPLETE)


@pytest.mark.django_db
def test_caseworker_cannot_export_persons(caseworker_client):
    response = caseworker_client.get(_url(InsuredPerson, "export"))
    assert response.status_code == 403


@pytest.mark.django_db
def test_export_contains_only_persons_of_the_supervisors_province(client):
    supervisor = staff_user("supervisor", provinces=["37"])
    own, foreign = _person("370200"), _person("440300")
    client.force_login(supervisor)
    response = client.post(
        _url(InsuredPerson, "export"),
        {"format": "0", "resource": "0", "export_items": []},
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert own.national_id in body
    assert foreign.national_id not in body


@pytest.mark.django_db
def test_staff_without_profile_sees_no_persons(client):
    user = staff_user("caseworker")
    user.staff_profile.delete()
    _person("370100")
    client.force_login(user)
    response = client.get(_url(InsuredPerson, "changelist"))
    assert list(response.context["cl"].result_list) == []


@pytest.mark.django_db
def test_caseworker_cannot_open_staff_administration(caseworker_client):
    response = caseworker_client.get(reverse("admin:auth_user_changelist"))
    assert response.status_code == 403


@pytest.mark.django_db
def test_caseworker_cannot_move_a_person_into_a_foreign_region(caseworker_client):
    person = _person("370100")
    data = {
        "national_id": person.national_id,
        "name": person.name,
        "mobile": person.mobile,
        "insurance_type": person.insurance_type,
        "region": "440300",
        "enrolled_on": "2015-03-01",
        "status": person.status,
        # what the person's page gave the caseworker to send back
        "seen": caseworker_client.get(_url(InsuredPerson, "change", person.pk))
        .context["adminform"]
        .form["seen"]
        .value(),
        "account-TOTAL_FORMS": "0",
        "account-INITIAL_FORMS": "0",
    }
    response = caseworker_client.post(_url(InsuredPerson, "change", person.pk), data)
    person.refresh_from_db()
    # The form is shown again, the region refused as not one of the caseworker's.
    assert response.context["adminform"].form.errors.as_data()["region"][0].code == "invalid_choice"
    assert person.region_id == "370100"


# --- the supervisor reports (reports/) --------------------------------------------------------


def _report_urls(supervisor):
    """Every report page and every table's exports, as ``supervisor`` finds them."""
    from reports.base import load
    from reports.filters import ReportFilters
    from reports.periods import Period
    from reports.views import EXPORT_FORMATS

    filters = ReportFilters(period=Period.default(), regions=frozenset({"370100"}))
    for slug, report in load().items():
        yield reverse("admin:reports_report", args=[slug])
        for table in report.tables(user=supervisor, filters=filters):
            for fmt in EXPORT_FORMATS:
                yield reverse("admin:reports_export", args=[slug, table.key, fmt])


@pytest.mark.django_db
def test_caseworker_is_refused_every_report_and_export(caseworker_client, supervisor):
    urls = [reverse("admin:reports_index"), *_report_urls(supervisor)]
    assert len(urls) > 20
    assert {url: caseworker_client.get(url).status_code for url in urls} == {
        url: 403 for url in urls
    }


@pytest.mark.django_db
def test_shandong_supervisor_never_sees_a_guangdong_region_in_reports(client, supervisor):
    from tests.reports.data import binding_data, money_data

    binding_data()
    money_data()
    client.force_login(supervisor)
    year = {"from": "2026-01", "to": "2026-12"}
    for url in _report_urls(supervisor):
        if url.endswith(".xlsx"):
            continue  # compressed: the CSV of the same table is read instead
        response = client.get(url, year)
        assert response.status_code == 200, url
        content = b"".join(response.streaming_content) if response.streaming else response.content
        text = content.decode("utf-8-sig")
        # Guangdong's regions are never named, nor its own money; Guangdong as a province
        # appears only as the other side of a flow out of or into Shandong
        assert "440300" not in text and "深圳" not in text, url
        assert "999.99" not in text, url
