"""Error pages speak to a caseworker in Chinese and lead back to the day's work, rather than
Django's bare English "Not Found" or "Forbidden"."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


def test_missing_record_says_the_page_does_not_exist_and_leads_home(caseworker_client):
    response = caseworker_client.get("/admin/accounts/insuredperson/999999999/change/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in page and "不在您的统筹区内" in page
    assert f'href="{reverse("admin:index")}"' in page


def test_work_outside_the_users_role_says_they_lack_the_permission(caseworker_client):
    response = caseworker_client.get(reverse("admin:policies_policyversion_add"))
    assert response.status_code == 403
    assert "您没有打开此页面的权限" in response.content.decode()


def test_form_sent_from_an_expired_page_says_nothing_was_saved(caseworker):
    client = Client(enforce_csrf_checks=True)
    client.force_login(caseworker)
    response = client.post(reverse("admin:accounts_insuredperson_add"), {"name": "张三"})
    assert response.status_code == 403
    assert "页面已过期，未保存任何内容" in response.content.decode()


def test_server_error_page_is_in_chinese_and_needs_no_request_context():
    response = server_error(RequestFactory().get("/admin/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert "服务器出错了" in page and "要么完整保存" in page
