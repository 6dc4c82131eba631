"""One way of writing dates across the portal, and a calendar popup in Chinese.

Dates read 2026-01-01 and times 2026-01-01 09:30 (no seconds) in lists, on pages and in
date fields (portal/formats); the calendar popup's caption is 2026年11月 and its weekdays
一 二 三 四 五 六 日 (the djangojs catalogue, and portal/static/portal/calendar.js for the
caption's order). The popup itself is driven in tests/browser/test_calendar.py.
"""

import datetime as dt
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import InsuredPerson
from policies.models import Region
from tests.factories import InsuredPersonFactory

pytestmark = pytest.mark.django_db


def script_catalogue(client) -> tuple[dict, dict]:
    """The translations and formats the admin's scripts get, as the browser loads them."""
    script = client.get(reverse("admin:jsi18n")).content.decode()
    catalog = re.search(r"const newcatalog = (\{.*?\});", script, re.S).group(1)
    formats = re.search(r"django\.formats = (\{.*?\});", script, re.S).group(1)
    return json.loads(catalog), json.loads(formats)


def test_the_calendar_writes_its_caption_year_first_in_chinese(caseworker_client):
    catalog, _ = script_catalogue(caseworker_client)
    assert catalog["calendar caption\x04%(month_name)s %(year)s"] == "%(year)s年%(month)s月"


def test_the_calendars_weekdays_are_chinese_and_start_on_monday(caseworker_client):
    catalog, formats = script_catalogue(caseworker_client)
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    initials = [catalog[f"one letter {day}\x04{day[0]}"] for day in days]
    assert initials == ["一", "二", "三", "四", "五", "六", "日"]
    assert formats["FIRST_DAY_OF_WEEK"] == 1


def test_the_calendar_fills_a_date_field_as_2026_01_01(caseworker_client):
    _, formats = script_catalogue(caseworker_client)
    assert formats["DATE_INPUT_FORMATS"][0] == "%Y-%m-%d"
    assert formats["TIME_INPUT_FORMATS"][0] == "%H:%M"


def jinan_person(**kwargs):
    return InsuredPersonFactory(region=Region.objects.get(code="370100"), **kwargs)


def test_the_person_list_writes_birth_dates_as_iso_dates(caseworker_client):
    person = jinan_person(birth=dt.date(1957, 1, 6))
    body = caseworker_client.get(reverse("admin:accounts_insuredperson_changelist")).content
    assert person.birth_date == dt.date(1957, 1, 6)
    assert "1957-01-06" in body.decode()
    assert "1957年1月6日" not in body.decode()


def test_the_person_page_writes_dates_iso_and_times_without_seconds(caseworker_client):
    person = jinan_person(enrolled_on=dt.date(2014, 11, 25))
    at = timezone.make_aware(dt.datetime(2026, 1, 1, 9, 30, 15))
    InsuredPerson.objects.filter(pk=person.pk).update(created_at=at)

    url = reverse("admin:accounts_insuredperson_change", args=[person.pk])
    body = caseworker_client.get(url).content.decode()

    assert 'value="2014-11-25"' in body  # the date field, as the calendar writes it
    assert "2026-01-01 09:30" in body
    assert "09:30:15" not in body
    assert "2026年1月1日" not in body


def test_english_pages_write_the_same_dates(caseworker_client):
    person = jinan_person(birth=dt.date(1957, 1, 6))
    caseworker_client.cookies["django_language"] = "en"
    body = caseworker_client.get(reverse("admin:accounts_insuredperson_changelist")).content
    assert "1957-01-06" in body.decode()
    assert person.birth_date.strftime("%b. %-d, %Y") not in body.decode()
