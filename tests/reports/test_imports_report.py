"""The imports report (参保数据导入统计): runs with their counts and refused rows."""

from __future__ import annotations

import pytest

from tests.reports.data import import_data, page_tables, table

pytestmark = pytest.mark.django_db

URL = "/admin/reports/imports/"
YEAR = {"from": "2026-01", "to": "2026-12"}


@pytest.fixture
def runs(tmp_path, caseworker):
    return import_data(tmp_path, caseworker)


@pytest.fixture
def sup(client, supervisor):
    client.force_login(supervisor)
    return client


def test_runs_per_month_count_real_imports_and_dry_runs_apart(sup, runs):
    shown = table(sup.get(URL, YEAR), "per_month")

    assert shown["2026-04"] == ["1", "0", "3", "1", "0", "0", "1", "1"]
    assert shown["2026-06"] == ["0", "1", "0", "0", "0", "0", "0", "0"]
    assert shown["合计"] == ["1", "1", "3", "1", "0", "0", "1", "1"]


def test_runs_by_how_they_ended(sup, runs):
    shown = table(sup.get(URL, YEAR), "by_status")

    assert shown == {"已完成": ["2", "4", "1"], "合计": ["2", "4", "1"]}


def test_runs_with_refused_rows_link_to_their_page_and_error_report(sup, runs):
    page = sup.get(URL, YEAR)

    rows = page_tables(page)["with_faults"][1:]
    assert [(r[1], r[5]) for r in rows] == [("jinan.csv", "1")]
    html = page.content.decode()
    assert f'href="/admin/accounts/importrun/{runs["jinan"].pk}/progress/"' in html
    assert f'href="/admin/accounts/importrun/{runs["jinan"].pk}/report.csv"' in html


def test_region_filter_counts_the_refused_rows_of_that_region(sup, runs):
    shown = table(sup.get(URL, {**YEAR, "region": "370100"}), "per_month")

    assert shown["合计"] == ["1", "1", "3", "1", "0", "0", "1", "0"]


def test_region_filter_counts_rows_left_for_that_regions_caseworkers(sup, runs):
    shown = table(sup.get(URL, {**YEAR, "region": "370200"}), "per_month")

    assert shown["合计"] == ["1", "0", "3", "1", "0", "0", "0", "1"]


def test_a_shandong_supervisor_never_sees_a_shenzhen_import(sup, runs):
    page = sup.get(URL, YEAR)

    assert "shenzhen.csv" not in page.content.decode()
    assert table(page, "per_month")["2026-06"][0] == "0"


def test_a_superuser_sees_every_import(client, superuser, runs):
    client.force_login(superuser)

    shown = table(client.get(URL, YEAR), "per_month")

    assert shown["2026-06"] == ["1", "1", "2", "1", "0", "0", "1", "0"]
    assert shown["合计"] == ["2", "1", "5", "2", "0", "0", "2", "1"]
