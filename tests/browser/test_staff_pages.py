"""A superuser edits a staff member: the two-box pickers speak Chinese and keep quiet until
needed."""

import pytest
from django.contrib.auth.models import Group

from tests.factories import staff_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_picker_says_click_to_clear_only_when_a_filter_hides_chosen_items(
    live_server, page, screenshot, log_in, django_user_model
):
    django_user_model.objects.create_superuser("root1", password="pw-for-tests-2026")
    member = staff_user("caseworker", regions=["370100"], username="caseworker1")
    log_in("root1")
    page.goto(f"{live_server.url}/admin/auth/user/{member.pk}/change/")
    footer = page.locator("#id_groups_selector_chosen .list-footer-display")
    assert page.locator("#id_groups_add_all").inner_text() == "全部选择组"  # djangojs.po
    assert not footer.is_visible()
    assert Group.objects.get(name="caseworker") in member.groups.all()
    page.fill("#id_groups_selected_input", "找不到")
    page.keyboard.press("End")
    assert footer.inner_text().replace(" ", "") == "1所选选项不可见（点击清除筛选）"
    screenshot("staff-user-picker-filtered")
