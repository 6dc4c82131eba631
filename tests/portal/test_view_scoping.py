"""Region scoping of the views outside the admin site (downloads), probed as an attacker would.

Every URL pattern of ``portal.urls`` that is not the admin site itself is covered
automatically: a view that takes an object needs a probe in PROBES below (the test fails
until it has one), and any other must say in NOT_OBJECT_VIEWS why it needs none.
``tests/portal/test_scoping.py`` covers the admin site's model admins.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, reverse

from portal import urls
from tests.factories import InsuredPersonFactory, staff_user


def _case(code: str):
    """A case whose two persons are both in ``code``."""
    from policies.models import Region
    from tests.accounts.proofs.helpers import submit

    region = Region.objects.get(code=code)
    a = InsuredPersonFactory(region=region, sex="M")
    b = InsuredPersonFactory(region=region, sex="F")
    return submit(staff_user("caseworker", regions=[code]), a, b)


def _proof_page(code: str) -> str:
    """The image of the first page of a case of ``code``."""
    return reverse("proof_page", args=[_case(code).pages.first().pk, "image"])


def _proof_receipt(code: str) -> str:
    return reverse("proof_receipt", args=[_case(code).pk])


#: URL name -> function(region_code) returning the URL of an object in that region
PROBES = {"proof_page": _proof_page, "proof_receipt": _proof_receipt}
#: URL patterns that show no object of a region, and why
NOT_OBJECT_VIEWS = {
    "admin/proofs/intake/": "the intake form: it shows persons only by exact ID number, "
    "masking and logging those of other regions (tests/accounts/proofs/test_intake_admin.py)",
    "i18n/": "Django's language switch",
    "": "the redirect to the admin's home page",
}


def _outside_the_admin_site():
    for pattern in urls.urlpatterns:
        if isinstance(pattern, URLResolver) and pattern.app_name == "admin":
            continue  # the admin site: tests/portal/test_scoping.py
        route = str(pattern.pattern)
        if route in NOT_OBJECT_VIEWS:
            continue
        yield pattern.name if isinstance(pattern, URLPattern) else route


VIEWS = sorted(_outside_the_admin_site())


def test_the_download_view_is_among_the_views_probed():
    assert "proof_page" in VIEWS


@pytest.mark.parametrize("name", VIEWS)
def test_every_view_outside_the_admin_site_has_a_probe(name):
    assert name in PROBES, f"add a probe for {name!r} to PROBES (or a reason to NOT_OBJECT_VIEWS)"


@pytest.mark.django_db
@pytest.mark.parametrize("name", VIEWS)
class TestScopedView:
    def test_own_region_opens(self, caseworker_client, name):
        assert caseworker_client.get(PROBES[name]("370100")).status_code == 200

    def test_other_region_is_not_found(self, caseworker_client, name):
        assert caseworker_client.get(PROBES[name]("440300")).status_code == 404

    def test_anonymous_is_sent_to_log_in(self, client, name):
        response = client.get(PROBES[name]("370100"))
        assert response.status_code == 302 and reverse("admin:login") in response["Location"]
