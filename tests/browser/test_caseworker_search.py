"""A caseworker finds a person by ID number in the Chinese UI, and cannot find other regions'."""

from decimal import Decimal

import pytest

from policies.models import Region
from tests.factories import InsuredPersonFactory, staff_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_caseworker_finds_own_person_and_not_another_regions(live_server, page, screenshot, log_in):
    staff_user("caseworker", regions=["370100"], username="caseworker1")
    own = InsuredPersonFactory(name="王建国", account=Decimal("8888.66"))
    foreign = InsuredPersonFactory(name="李深圳", region=Region.objects.get(code="440300"))

    page.goto(f"{live_server.url}/admin/login/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    screenshot("login")
    log_in("caseworker1")

    # From the home page, search by the full ID number.
    page.fill("#quick-search", own.national_id)
    page.press("#quick-search", "Enter")
    page.wait_for_load_state("networkidle")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert own.national_id in rows.first.inner_text()
    screenshot("search-result")

    # Open the detail page: name and balance are there.
    rows.first.locator(f"a:has-text('{own.national_id}')").click()
    page.wait_for_load_state("networkidle")
    body = page.locator("body").inner_text()
    assert "王建国" in body
    assert "8888.66" in body
    screenshot("person-detail")

    # A Shenzhen (440300) person's ID number finds nothing.
    page.goto(f"{live_server.url}/admin/accounts/insuredperson/?q={foreign.national_id}")
    assert page.locator("#result_list tbody tr").count() == 0
    assert foreign.national_id not in page.locator("body").inner_text()
    screenshot("foreign-search")

    # And its change page is not found.
    response = page.goto(f"{live_server.url}/admin/accounts/insuredperson/{foreign.pk}/change/")
    assert response.status == 404
