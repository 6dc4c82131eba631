"""The caseworker's home page."""

import pytest
from django.urls import reverse

from policies.models import Region
from tests.factories import InsuredPersonFactory

pytestmark = pytest.mark.django_db
HOME = reverse("admin:index")


def test_home_page_counts_persons_in_the_caseworkers_regions_only(caseworker_client):
    InsuredPersonFactory.create_batch(3)
    InsuredPersonFactory(region=Region.objects.get(code="440300"))
    response = caseworker_client.get(HOME)
    assert response.context["total_persons"] == 3
    assert [row["region_code"] for row in response.context["region_rows"]] == ["370100"]


def test_home_page_is_in_chinese_by_default(caseworker_client):
    body = caseworker_client.get(HOME).content.decode()
    assert "今日工作" in body
    assert "查找参保人" in body
    assert "经办人员" in body  # the role, translated


def test_home_page_switches_to_english(caseworker_client):
    caseworker_client.post(reverse("set_language"), {"language": "en", "next": HOME})
    body = caseworker_client.get(HOME).content.decode()
    assert "Find an insured person" in body


def test_caseworker_sidebar_hides_staff_administration(caseworker_client):
    body = caseworker_client.get(HOME).content.decode()
    assert reverse("admin:accounts_insuredperson_changelist") in body
    assert reverse("admin:auth_user_changelist") not in body


def test_caseworker_sidebar_leads_to_bindings_payments_and_wallet_transfers(caseworker_client):
    body = caseworker_client.get(HOME).content.decode()
    for page in ("binding", "payment", "wallettransfer"):
        assert reverse(f"admin:accounts_{page}_changelist") in body


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert follow.status_code == 302
    assert reverse("admin:login") in follow["Location"]


def test_home_page_lists_the_latest_imports_the_user_may_see(caseworker_client, caseworker):
    from accounts.models import ImportRun

    for n in range(7):
        ImportRun.objects.create(file_name=f"mine-{n}.csv", sha256=f"{n}" * 64, user=caseworker)
    ImportRun.objects.create(file_name="someone-elses.csv", sha256="9" * 64)
    runs = caseworker_client.get(HOME).context["recent_runs"]
    assert [item["run"].file_name for item in runs] == [f"mine-{n}.csv" for n in (6, 5, 4, 3, 2)]


def test_home_page_has_no_imports_section_for_staff_who_may_see_no_runs(client):
    from tests.factories import staff_user

    client.force_login(staff_user("", regions=["370100"]))
    response = client.get(HOME)
    assert response.context["recent_runs"] is None
    assert 'data-testid="recent-imports"' not in response.content.decode()


def test_home_page_counts_a_supervisors_faulty_rows_beside_a_runs_total(client, tmp_path):
    from accounts.services.imports import import_enrollment
    from tests.accounts.imports.enrollment_files import row, write_csv
    from tests.factories import staff_user

    rows = [row(1, 姓名=""), row(2, 统筹区编码="370200", 姓名="")]  # one fault in each region
    import_enrollment(path=write_csv(tmp_path, rows))
    client.force_login(staff_user("supervisor", regions=["370200"]))
    page = client.get(HOME).content.decode()
    assert "（辖区内 1）" in page


def test_login_page_has_the_portals_icon_and_no_link_to_a_public_site(client):
    page = client.get(reverse("admin:login")).content.decode()
    assert "portal/favicon" in page and 'rel="icon"' in page
    assert "返回站点" not in page
