"""The reports framework: who may open the reports and their exports, the filters kept in
the URL, exports that equal the tables shown, and query counts that do not grow."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

import pytest
from django.urls import reverse

from reports.base import load
from tests.factories import staff_user
from tests.reports.data import (
    binding_data,
    csv_rows,
    import_data,
    money_data,
    page_tables,
    xlsx_rows,
)

pytestmark = pytest.mark.django_db

YEAR = {"from": "2026-01", "to": "2026-12"}
REPORTS = list(load())


def _urls():
    """Every report page and every export of every table, with the report's slug."""
    urls = [("", reverse("admin:reports_index"))]
    for slug in load():
        urls.append((slug, reverse("admin:reports_report", args=[slug])))
    return urls


@pytest.fixture
def everything(tmp_path, caseworker):
    binding_data()
    money_data()
    import_data(tmp_path, caseworker)


def _table_keys(client, slug) -> list[str]:
    return list(page_tables(client.get(reverse("admin:reports_report", args=[slug]), YEAR)))


# --- who may see them ---------------------------------------------------------------------


@pytest.mark.parametrize(("slug", "url"), _urls())
def test_a_caseworker_is_refused_every_report_page(caseworker_client, slug, url):
    assert caseworker_client.get(url).status_code == 403


@pytest.mark.parametrize("slug", REPORTS)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_caseworker_is_refused_every_export(client, caseworker, supervisor, slug, fmt):
    client.force_login(supervisor)
    keys = _table_keys(client, slug)
    client.force_login(caseworker)
    for key in keys:
        url = reverse("admin:reports_export", args=[slug, key, fmt])
        assert client.get(url, YEAR).status_code == 403, url


@pytest.mark.parametrize(("slug", "url"), _urls())
def test_someone_not_logged_in_is_sent_to_the_login_page(client, slug, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("role", ["supervisor", "auditor"])
@pytest.mark.parametrize(("slug", "url"), _urls())
def test_supervisors_and_auditors_open_every_report(client, role, slug, url):
    client.force_login(staff_user(role, provinces=["37"]))
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(("slug", "url"), _urls())
def test_a_superuser_opens_every_report(client, superuser, slug, url):
    client.force_login(superuser)
    assert client.get(url).status_code == 200


def test_sidebar_and_home_page_link_the_reports_for_a_supervisor(client, supervisor):
    client.force_login(supervisor)

    home = client.get("/admin/").content.decode()

    for slug in REPORTS:
        assert home.count(f'href="/admin/reports/{slug}/"') == 2  # the sidebar, the home page
    assert 'href="/admin/reports/"' in home


def test_sidebar_and_home_page_show_no_report_to_a_caseworker(caseworker_client):
    home = caseworker_client.get("/admin/").content.decode()

    assert "/admin/reports/" not in home


# --- filters ------------------------------------------------------------------------------


def test_the_filters_stay_in_the_links_to_other_reports_and_to_the_exports(client, supervisor):
    client.force_login(supervisor)
    asked = {"from": "2026-03", "to": "2026-05", "region": "370100", "relation": "spouse"}

    page = client.get("/admin/reports/money/", asked).content.decode()

    query = "from=2026-03&amp;to=2026-05&amp;region=370100&amp;relation=spouse"
    assert f'href="/admin/reports/bindings/?{query}"' in page
    assert f'href="/admin/reports/money/per_month.csv?{query}"' in page
    assert 'value="2026-03"' in page and 'value="2026-05"' in page
    assert "2026-03–2026-05 · 370100 济南市 · 配偶" in page


def test_without_months_the_report_covers_the_last_twelve(client, supervisor):
    client.force_login(supervisor)

    page = client.get("/admin/reports/bindings/")

    months = [row[0] for row in page_tables(page)["per_month"][1:-1]]
    assert len(months) == 12
    assert months[-1] == f"{dt.date.today():%Y-%m}"


@pytest.mark.parametrize(
    ("asked", "said"),
    [
        ({"from": "2026-13"}, "月份请写成"),
        ({"from": "2026-06", "to": "2026-01"}, "截止月份早于起始月份"),
        ({"from": "2020-01", "to": "2026-12"}, "最多统计 60 个月"),
        ({"region": "440300"}, "440300 不在您负责的地区内"),
        ({"relation": "cousin"}, "cousin"),
    ],
)
def test_a_refused_filter_is_said_and_nothing_is_counted(client, supervisor, asked, said):
    client.force_login(supervisor)

    page = client.get("/admin/reports/money/", asked)

    assert page.status_code == 200
    assert said in page.content.decode()
    assert "请按上方提示修正筛选条件" in page.content.decode()
    assert page_tables(page) == {}
    export = client.get("/admin/reports/money/per_month.csv", asked)
    assert export.status_code == 400


def test_an_unknown_report_or_table_or_format_is_not_found(client, supervisor):
    client.force_login(supervisor)

    assert client.get("/admin/reports/no-such-report/").status_code == 404
    assert client.get("/admin/reports/money/nothing.csv").status_code == 404
    assert client.get("/admin/reports/money/per_month.pdf").status_code == 404


# --- exports equal the tables ---------------------------------------------------------------


def _same(shown: str, exported) -> bool:
    """Whether a cell shown (1,234.50 · 12.5% · — ) is the exported value."""
    text = shown.replace(",", "").rstrip("%")
    if text == "—":
        text = ""
    if exported is None:
        exported = ""
    try:
        return Decimal(text) == Decimal(str(exported))
    except InvalidOperation:
        return text == str(exported)


@pytest.mark.parametrize("viewer", ["supervisor", "superuser"])
@pytest.mark.parametrize("slug", REPORTS)
def test_every_export_equals_the_table_shown(request, client, everything, viewer, slug):
    client.force_login(request.getfixturevalue(viewer))
    tables = page_tables(client.get(reverse("admin:reports_report", args=[slug]), YEAR))
    assert tables
    for key, shown in tables.items():
        url = reverse("admin:reports_export", args=[slug, key, "csv"])
        for exported in (
            csv_rows(client.get(url, YEAR)),
            xlsx_rows(client.get(url.replace(".csv", ".xlsx"), YEAR)),
        ):
            assert len(exported) == len(shown), key
            assert [str(v) for v in exported[0]] == shown[0], key  # the header
            for shown_row, exported_row in zip(shown[1:], exported[1:], strict=True):
                assert all(_same(s, e) for s, e in zip(shown_row, exported_row, strict=True)), (
                    key,
                    shown_row,
                    exported_row,
                )


def test_an_export_is_named_after_its_report_table_and_period(client, supervisor):
    client.force_login(supervisor)

    response = client.get("/admin/reports/money/by_mode.xlsx", YEAR)

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "%E5%85%B1%E6%B5%8E%E8%B5%84%E9%87%91" in response["Content-Disposition"]  # 共济资金


def test_a_formula_in_a_shown_value_is_exported_inert(client, supervisor, tmp_path, caseworker):
    from accounts.services.imports import import_enrollment
    from tests.accounts.imports.enrollment_files import row, write_csv

    import_enrollment(
        path=write_csv(tmp_path, [row(1, 手机号="12")], name="=cmd.csv"), user=caseworker
    )
    client.force_login(supervisor)

    exported = csv_rows(client.get("/admin/reports/imports/with_faults.csv"))

    assert exported[1][1] == "'=cmd.csv"


# --- queries that do not grow with the data -----------------------------------------------


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, YEAR)  # sessions, content types and the like are cached from here on
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, YEAR).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("slug", REPORTS)
def test_a_report_page_runs_as_many_queries_with_more_data(
    client, supervisor, tmp_path, caseworker, slug, django_assert_num_queries
):
    client.force_login(supervisor)
    url = reverse("admin:reports_report", args=[slug])
    for name in "abc":
        (tmp_path / name).mkdir()
    binding_data()
    money_data()
    import_data(tmp_path / "a", caseworker)
    few = _queries(client, url)

    for _ in range(3):  # three times the bindings and the money, in more months and regions
        binding_data()
        money_data()
    import_data(tmp_path / "b", caseworker)
    import_data(tmp_path / "c", caseworker)

    with django_assert_num_queries(few):
        client.get(url, YEAR)
