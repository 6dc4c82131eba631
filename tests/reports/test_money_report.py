"""The money report (共济资金统计): figures of a hand-built data set, per filter; what a
Shandong supervisor sees of money that is Guangdong's."""

from __future__ import annotations

import pytest

from tests.reports.data import csv_rows, money_data, table

pytestmark = pytest.mark.django_db

URL = "/admin/reports/money/"
YEAR = {"from": "2026-01", "to": "2026-12"}


@pytest.fixture
def money():
    return money_data()


@pytest.fixture
def sup(client, supervisor):
    client.force_login(supervisor)
    return client


def test_per_month_counts_uses_not_reversed_and_transfers_accepted(sup, money):
    shown = table(sup.get(URL, YEAR), "per_month")

    assert shown["2026-03"] == ["2", "150.50", "0", "0.00", "2", "150.50"]
    # May: 400.00 paid (300.00 reversed), 200.00 accepted (80.00 returned)
    assert shown["2026-05"] == ["1", "400.00", "1", "200.00", "2", "600.00"]
    assert shown["2026-04"] == ["0", "0.00", "0", "0.00", "0", "0.00"]
    assert shown["合计"] == ["3", "550.50", "1", "200.00", "4", "750.50"]


def test_by_mode(sup, money):
    shown = table(sup.get(URL, YEAR), "by_mode")

    assert shown["直接支付"] == ["3", "550.50", "73.4%"]
    assert shown["钱包转账"] == ["1", "200.00", "26.6%"]
    assert shown["合计"] == ["4", "750.50", "100.0%"]


def test_by_geography(sup, money):
    shown = table(sup.get(URL, YEAR), "by_geography")

    assert shown["同一统筹区"] == ["2", "150.50", "0", "0.00", "2", "150.50", "20.1%"]
    assert shown["省内其他统筹区"] == ["1", "400.00", "0", "0.00", "1", "400.00", "53.3%"]
    assert shown["外省"] == ["0", "0.00", "1", "200.00", "1", "200.00", "26.6%"]
    assert shown["合计"] == ["3", "550.50", "1", "200.00", "4", "750.50", "100.0%"]


def test_by_use(sup, money):
    shown = table(sup.get(URL, YEAR), "by_use")

    assert shown["门诊个人自付"][:2] == ["1", "100.00"]
    assert shown["定点药店购药"][:2] == ["1", "50.50"]
    assert shown["住院个人负担"][:2] == ["0", "0.00"]
    assert shown["居民医保个人缴费"][:2] == ["1", "400.00"]
    # the 120.00 paid from a wallet is the Shenzhen beneficiary's: not Shandong's
    assert shown["合计"] == ["3", "550.50", "0", "0.00", "3", "550.50"]


def test_share_of_personal_account_spending_counts_what_imports_lowered(sup, money):
    shown = table(sup.get(URL, YEAR), "share")

    assert shown["2026-03"] == ["150.50", "0.00", "150.50", "100.0%"]
    assert shown["2026-05"] == ["600.00", "1,000.00", "1,600.00", "37.5%"]
    assert shown["2026-04"] == ["0.00", "0.00", "0.00", "—"]
    assert shown["合计"] == ["750.50", "1,000.00", "1,750.50", "42.9%"]


def test_by_region(sup, money):
    shown = table(sup.get(URL, YEAR), "by_region")

    assert shown == {
        "370100 济南市": ["3", "550.50", "1", "200.00", "4", "750.50"],
        "合计": ["3", "550.50", "1", "200.00", "4", "750.50"],
    }


def test_province_flow_matrix_shows_flows_out_of_and_into_the_viewers_regions(sup, money):
    page = sup.get(URL, YEAR)

    shown = table(page, "flow_matrix")
    assert shown == {
        "山东省": ["0.00", "200.00", "200.00"],
        "广东省": ["300.00", "0.00", "300.00"],
        "转入（元）": ["300.00", "200.00", "500.00"],
    }
    assert table(page, "flows") == {
        "广东省": ["山东省", "1", "300.00", "60.0%"],
        "山东省": ["广东省", "1", "200.00", "40.0%"],
        "合计": ["", "2", "500.00", "100.0%"],
    }


def test_transfers_by_status_in_the_month_they_were_sent(sup, money):
    shown = table(sup.get(URL, YEAR), "transfers")

    assert shown["2026-05"] == ["2", "280.00", "1", "0", "1", "0", "0.00"]
    assert shown["合计"] == ["2", "280.00", "1", "0", "1", "0", "0.00"]


def test_reversals_in_the_month_of_the_payment(sup, money):
    shown = table(sup.get(URL, YEAR), "reversals")

    assert shown["2026-05"] == ["1", "300.00", "0", "0.00"]
    assert shown["合计"] == ["1", "300.00", "0", "0.00"]


def test_relation_filter_limits_mutual_aid_but_keeps_all_spending_as_the_base(sup, money):
    page = sup.get(URL, {**YEAR, "relation": "father"})

    assert table(page, "per_month")["合计"] == ["2", "150.50", "0", "0.00", "2", "150.50"]
    assert table(page, "share")["合计"] == ["150.50", "1,000.00", "1,150.50", "13.1%"]


def test_period_filter(sup, money):
    shown = table(sup.get(URL, {"from": "2026-03", "to": "2026-03"}), "per_month")

    assert shown == {
        "2026-03": ["2", "150.50", "0", "0.00", "2", "150.50"],
        "合计": ["2", "150.50", "0", "0.00", "2", "150.50"],
    }


def test_region_filter_of_a_region_without_payers_counts_nothing(sup, money):
    page = sup.get(URL, {**YEAR, "region": "370200"})

    assert table(page, "per_month")["合计"] == ["0", "0.00", "0", "0.00", "0", "0.00"]
    assert table(page, "flow_matrix") == {}


def test_a_superuser_sees_guangdong_too(client, superuser, money):
    client.force_login(superuser)

    shown = table(client.get(URL, YEAR), "by_use")

    assert shown["门诊个人自付"] == ["2", "1,099.99", "0", "0.00", "2", "1,099.99"]
    assert shown["定点药店购药"] == ["1", "50.50", "1", "120.00", "2", "170.50"]


GUANGDONG_ONLY = ("999.99", "1,099.99", "1099.99", "120.00")


def test_a_shandong_supervisor_never_sees_guangdong_money_in_page_or_exports(sup, money):
    page = sup.get(URL, YEAR)
    text = page.content.decode()
    exports = [
        "\n".join(",".join(r) for r in csv_rows(sup.get(f"{URL}{key}.csv", YEAR)))
        for key in (
            "per_month",
            "by_mode",
            "by_geography",
            "by_use",
            "share",
            "by_region",
            "flow_matrix",
            "flows",
            "transfers",
            "reversals",
        )
    ]

    for figure in GUANGDONG_ONLY:
        assert figure not in text
        assert not any(figure in export for export in exports)
    # nor by asking for a Guangdong region
    refused = sup.get(URL, {**YEAR, "region": "440300"})
    assert "440300 不在您负责的地区内" in refused.content.decode()
    assert page_has_no_tables(refused)
    assert sup.get(f"{URL}per_month.csv", {"region": "440300"}).status_code == 400


def page_has_no_tables(response) -> bool:
    return 'data-testid="table-' not in response.content.decode()
