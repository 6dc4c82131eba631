"""The bindings report (共济绑定统计): figures of a hand-built data set, per filter."""

from __future__ import annotations

import pytest

from tests.reports.data import binding_data, table

pytestmark = pytest.mark.django_db

URL = "/admin/reports/bindings/"
YEAR = {"from": "2026-01", "to": "2026-12"}


@pytest.fixture
def bindings():
    return binding_data()


@pytest.fixture
def sup(client, supervisor):
    client.force_login(supervisor)
    return client


def test_active_bindings_by_region_split_by_where_the_beneficiary_is(sup, bindings):
    shown = table(sup.get(URL, YEAR), "by_region")

    # 济南: the spouse in Jinan, the mother in Shenzhen; the son and the father were revoked
    assert shown["370100 济南市"] == ["1", "0", "1", "2", "4", "2"]
    # 青岛: one request on documents, withdrawn before review
    assert shown["370200 青岛市"] == ["0", "0", "0", "0", "0", "1"]
    assert shown["合计"] == ["1", "0", "1", "2", "4", "3"]


def test_active_bindings_by_relation(sup, bindings):
    shown = table(sup.get(URL, YEAR), "by_relation")

    assert shown["配偶"] == ["1", "50.0%", "1", "0"]
    assert shown["母亲"] == ["1", "50.0%", "1", "0"]
    assert shown["儿子"] == ["0", "0.0%", "1", "1"]
    assert shown["父亲"] == ["0", "0.0%", "1", "1"]
    assert shown["女儿"] == ["0", "0.0%", "0", "1"]
    assert shown["合计"] == ["2", "100.0%", "4", "3"]


def test_new_and_revoked_per_month_with_the_active_count_at_each_month_end(sup, bindings):
    shown = table(sup.get(URL, YEAR), "per_month")

    assert shown["2026-01"] == ["1", "0", "0", "1"]
    assert shown["2026-02"] == ["1", "0", "0", "2"]
    assert shown["2026-03"] == ["1", "0", "0", "3"]
    assert shown["2026-04"] == ["1", "0", "0", "4"]
    assert shown["2026-05"] == ["0", "0", "1", "4"]
    assert shown["2026-06"] == ["0", "1", "0", "3"]
    assert shown["2026-07"] == ["0", "1", "0", "2"]
    assert shown["2026-12"] == ["0", "0", "0", "2"]
    assert shown["合计"] == ["4", "2", "1", "2"]


def test_revocations_by_reason_tell_automatic_ones_apart(sup, bindings):
    shown = table(sup.get(URL, YEAR), "by_reason")

    assert shown["经办人员解除"] == ["人工办理", "1", "1", "2"]
    assert shown["参保终止（终止参保或死亡）"] == ["自动解除", "1", "0", "1"]
    assert shown["合计"] == ["", "2", "1", "3"]


def test_a_shorter_period_counts_the_bindings_active_at_its_end(sup, bindings):
    shown = table(sup.get(URL, {"from": "2026-05", "to": "2026-06"}), "by_region")

    # at the end of June: the spouse, the mother and the father (who died in July)
    assert shown["370100 济南市"] == ["2", "0", "1", "3", "0", "1"]
    assert shown["合计"] == ["2", "0", "1", "3", "0", "2"]


def test_region_filter_counts_only_that_region(sup, bindings):
    shown = table(sup.get(URL, {**YEAR, "region": "370200"}), "by_region")

    assert list(shown) == ["370200 青岛市", "合计"]


def test_relation_filter_counts_only_that_relation(sup, bindings):
    shown = table(sup.get(URL, {**YEAR, "relation": "spouse"}), "by_relation")

    assert shown == {"配偶": ["1", "100.0%", "1", "0"], "合计": ["1", "100.0%", "1", "0"]}


def test_a_shandong_supervisor_never_sees_shenzhen_bindings(sup, bindings):
    shown = table(sup.get(URL, YEAR), "by_region")

    assert not any(label.startswith("44") for label in shown)


def test_a_superuser_sees_every_province(client, superuser, bindings):
    client.force_login(superuser)

    shown = table(client.get(URL, YEAR), "by_region")

    assert shown["440300 深圳市"] == ["1", "0", "0", "1", "1", "0"]
