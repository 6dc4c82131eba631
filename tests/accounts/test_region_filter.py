"""The region filter of the admin lists: the regions a user may see, the chosen one marked."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from policies.models import Region
from tests.factories import staff_user

pytestmark = pytest.mark.django_db

QUEUE = "admin:accounts_kinshipproof_changelist"


def _options(response, name="region__code__exact") -> list[tuple[str, bool]]:
    html = response.content.decode()
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [
        (value, bool(selected))
        for value, selected in re.findall(r'<option value="([^"]*)"( selected)?>', select)
    ]


def test_a_superusers_region_filter_offers_every_region_and_marks_the_one_chosen(client, superuser):
    client.force_login(superuser)

    options = _options(client.get(reverse(QUEUE), {"region__code__exact": "370100"}))

    assert len(options) == Region.objects.count() + 1  # with "all" first
    assert options[0][0] == ""
    assert [value for value, selected in options if selected] == ["370100"]


def test_a_caseworkers_region_filter_offers_only_their_regions(client):
    client.force_login(staff_user("caseworker", regions=["370100", "370200"]))

    options = _options(client.get(reverse(QUEUE)))

    assert [value for value, _selected in options] == ["", "370100", "370200"]


def test_the_region_filter_escapes_what_it_writes(client, superuser):
    Region.objects.filter(code="370100").update(name="济南<b>")
    client.force_login(superuser)

    html = client.get(reverse(QUEUE)).content.decode()

    assert "370100 济南&lt;b&gt;" in html
    assert "济南<b>" not in html


def test_filter_labels_read_as_chinese_without_a_stray_space(client, superuser):
    client.force_login(superuser)

    html = client.get(reverse(QUEUE), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "按审核队列" in html
    assert "按 " not in html
