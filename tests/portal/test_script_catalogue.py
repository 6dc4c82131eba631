"""The admin's scripts speak Chinese too: Django 5.2's two-box picker (groups, permissions,
regions of a user) has strings that Django's own Chinese catalogue lacks."""

import json
import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def catalogue(client) -> dict:
    """The translations the admin's scripts get, as the browser loads them."""
    script = client.get(reverse("admin:jsi18n")).content.decode()
    return json.loads(re.search(r"const newcatalog = (\{.*?\});", script, re.S).group(1))


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        (
            'Choose %s by selecting them and then select the "Choose" arrow button.',
            "选中要添加的%s，再点击“选择”箭头。",
        ),
        ("Choose all %s", "全部选择%s"),
        ("Remove all %s", "全部移除%s"),
        ("(click to clear)", "（点击清除筛选）"),
    ],
)
def test_two_box_picker_strings_are_translated(caseworker_client, english, chinese):
    assert catalogue(caseworker_client)[english] == chinese


def test_djangos_own_script_translations_are_still_there(caseworker_client):
    assert catalogue(caseworker_client)["Today"] == "今天"
