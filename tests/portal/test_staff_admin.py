"""Superusers manage staff and roles; permissions are offered by what they allow, in Chinese."""

import pytest
from django.contrib.admin.templatetags.admin_list import result_headers
from django.contrib.auth.models import Permission
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _offered(client, url, field):
    form = client.get(url).context["adminform"].form
    return {p.codename: label for p, label in _labels(form.fields[field])}


def _labels(field):
    return [(p, field.label_from_instance(p)) for p in field.queryset]


def test_user_page_offers_default_permissions_by_what_they_allow(client, superuser):
    client.force_login(superuser)
    offered = _offered(
        client, reverse("admin:auth_user_change", args=[superuser.pk]), "user_permissions"
    )
    assert offered["add_importrun"] == "参保人与个人账户 | 导入记录 | 可新增导入记录"
    assert offered["view_policyversion"].endswith("| 可查看政策版本")


def test_role_page_offers_declared_permissions_translated(client, superuser):
    client.force_login(superuser)
    offered = _offered(client, reverse("admin:auth_group_add"), "permissions")
    assert offered["export_insuredperson"].endswith("| 参保人 | 可导出参保人")


def test_permission_of_a_removed_model_keeps_its_stored_name(client, superuser):
    stale = Permission.objects.get(codename="add_importrun")
    stale.content_type.model = "gone"
    stale.content_type.save()
    client.force_login(superuser)
    offered = _offered(client, reverse("admin:auth_group_add"), "permissions")
    assert offered["add_importrun"].endswith("Can add import run")


def test_background_tasks_page_names_its_columns_in_chinese(client, superuser):
    client.force_login(superuser)
    page = client.get(reverse("admin:django_tasks_database_dbtaskresult_changelist"))
    headers = [str(h["text"]) for h in _headers(page)]
    assert headers[2:5] == ["任务", "状态", "排队时间"]  # not 参保状态, the insured person's
    assert "后台任务" in page.content.decode()


def _headers(page):
    return list(result_headers(page.context["cl"]))


def test_insured_person_list_still_titles_its_status_column_as_enrolment_status(
    caseworker_client,
):
    page = caseworker_client.get(reverse("admin:accounts_insuredperson_changelist"))
    assert "参保状态" in [str(h["text"]) for h in _headers(page)]


def test_user_accounts_active_flag_keeps_djangos_wording_not_the_enrolment_status(
    client, superuser
):
    client.force_login(superuser)
    page = client.get(reverse("admin:auth_user_change", args=[superuser.pk]))
    assert str(page.context["adminform"].form.fields["is_active"].label) == "有效"


def test_enrolment_status_active_still_reads_as_normal(caseworker_client):
    page = caseworker_client.get(reverse("admin:accounts_insuredperson_add"))
    choices = dict(page.context["adminform"].form.fields["status"].choices)
    assert choices["active"] == "正常"
