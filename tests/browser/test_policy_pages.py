"""A supervisor compares two versions of the Shandong table and tries a case."""

import pytest

from tests.factories import staff_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_supervisor_compares_versions_and_tries_a_case(live_server, page, screenshot, log_in):
    staff_user("supervisor", provinces=["37"], username="supervisor1")
    log_in("supervisor1")

    page.goto(f"{live_server.url}/admin/policies/province/37/policies/")
    assert page.locator("[data-testid=in-force]").is_visible()
    page.click("[data-testid=compare]")
    page.wait_for_load_state("networkidle")
    differing = page.locator("[data-testid=diff] tr[data-differs]")
    assert differing.count() >= 2  # the period and cross-province aid at least
    screenshot("province-policies")

    page.goto(f"{live_server.url}/admin/policies/policyversion/try/")
    page.fill("#id_beneficiary_region", "440300")
    page.fill("#id_day", "2025-12-31")
    page.click("form[data-testid=try-form] button[type=submit]")
    page.wait_for_load_state("networkidle")
    # Both the binding and the payment are blocked by the closed cross-province aid.
    assert page.locator("[data-testid=try-result] [data-code=cross_province_closed]").count() == 2
    screenshot("try-a-case")


def test_policy_versions_list_fits_a_1366_pixel_screen_in_english(live_server, page, log_in):
    # Office screens are often 1366 pixels wide; the English column titles are long.
    staff_user("supervisor", provinces=["37"], username="supervisor1")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    log_in("supervisor1")

    page.goto(f"{live_server.url}/admin/policies/policyversion/")

    table, box = page.evaluate(
        "() => { const t = document.querySelector('#result_list');"
        " return [t.scrollWidth, t.parentElement.clientWidth]; }"
    )
    assert page.locator("#result_list thead th", has_text="Cross-province").is_visible()
    assert table <= box
