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

    # From the home page, search by the full ID number, typed in groups as it is read
    # aloud: the one person it finds opens at once, with name and balance.
    number = own.national_id
    page.fill("#quick-search", f"{number[:6]} {number[6:14]} {number[14:]}")
    page.press("#quick-search", "Enter")
    page.wait_for_load_state("networkidle")
    assert f"/insuredperson/{own.pk}/change/" in page.url
    body = page.locator("body").inner_text()
    assert "王建国" in body
    assert "8,888.66" in body
    screenshot("person-detail")

    # A Shenzhen (440300) person's ID number finds nothing.
    page.goto(f"{live_server.url}/admin/accounts/insuredperson/?q={foreign.national_id}")
    assert page.locator("#result_list tbody tr").count() == 0
    assert foreign.national_id not in page.locator("body").inner_text()
    assert "可能在其他统筹区参保" in page.locator("body").inner_text()
    screenshot("foreign-search")

    # And its change page is not found.
    response = page.goto(f"{live_server.url}/admin/accounts/insuredperson/{foreign.pk}/change/")
    assert response.status == 404
