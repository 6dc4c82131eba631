"""The date field's calendar popup in Chinese: 2026年11月, weekdays 一 … 日, ISO dates."""

import datetime as dt

import pytest

from tests.factories import InsuredPersonFactory, staff_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_calendar_popup_speaks_chinese_and_writes_iso_dates(
    live_server, page, screenshot, log_in
):
    staff_user("caseworker", regions=["370100"], username="caseworker1")
    person = InsuredPersonFactory(enrolled_on=dt.date(2014, 11, 25))
    log_in("caseworker1")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/admin/accounts/insuredperson/{person.pk}/change/")

    page.click("#calendarlink0")  # the enrolment date's calendar
    box = page.locator("#calendarbox0")
    assert box.locator("caption").inner_text() == "2014年11月"
    assert box.locator("th").all_inner_texts() == ["一", "二", "三", "四", "五", "六", "日"]
    screenshot("calendar-popup")

    box.locator(".calendarnav-next").click()
    assert box.locator("caption").inner_text() == "2014年12月"
    box.locator("td a", has_text="3").first.click()
    assert page.locator("#id_enrolled_on").input_value() == "2014-12-03"


def test_the_calendar_caption_reads_month_then_year_in_english(live_server, page, log_in):
    staff_user("caseworker", regions=["370100"], username="caseworker1")
    person = InsuredPersonFactory(enrolled_on=dt.date(2014, 11, 25))
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    log_in("caseworker1")
    page.goto(f"{live_server.url}/admin/accounts/insuredperson/{person.pk}/change/")

    page.click("#calendarlink0")
    assert page.locator("#calendarbox0 caption").inner_text() == "November 2014"
