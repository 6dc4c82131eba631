"""The region table loaded by the data migration."""

import datetime as dt

import pytest

from policies.models import Province, Region, RegionLevel
from policies.selectors import region_for_code

pytestmark = pytest.mark.django_db


def test_all_31_provinces_and_the_corps_are_loaded():
    codes = set(Province.objects.values_list("code", flat=True))
    assert len(codes) == 32
    assert {"11", "37", "44", "54", "65", "66"} <= codes


def test_every_prefecture_level_unit_is_a_pooling_region():
    assert Region.objects.filter(level=RegionLevel.PREFECTURE).count() == 333


def test_every_province_has_pooling_regions():
    assert not Province.objects.filter(regions__isnull=True).exists()


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("370100", "济南市"),
        ("440300", "深圳市"),
        ("441900", "东莞市"),
        ("620200", "嘉峪关市"),
        ("419001", "济源市"),
        ("429004", "仙桃市"),
        ("652300", "昌吉回族自治州"),
        ("540100", "拉萨市"),
    ],
)
def test_region_codes_resolve_to_their_region(code, name):
    assert region_for_code(code).name == name


@pytest.mark.parametrize(
    ("city_code", "province_code"),
    [("110100", "110000"), ("120100", "120000"), ("310100", "310000"), ("500100", "500000")],
)
def test_municipality_city_code_resolves_to_the_same_pool_as_its_province_code(
    city_code, province_code
):
    assert region_for_code(city_code) == region_for_code(province_code)


def test_corps_divisions_pool_separately_from_xinjiang():
    division = region_for_code("660800")
    assert division.province.code == "66"
    assert division.level == RegionLevel.CORPS_DIVISION
    assert Region.objects.filter(province_id="66", level=RegionLevel.CORPS_DIVISION).count() == 14


def test_provincial_pool_code_resolves_to_the_province():
    assert region_for_code("379900").code == "370000"


def test_unknown_code_resolves_to_nothing():
    assert region_for_code("379800") is None


def test_every_pooling_region_has_an_estimated_wallet_date_with_its_source():
    assert not Region.objects.filter(wallet_enabled_on__isnull=True).exists()
    region = Region.objects.get(code="370100")
    assert region.wallet_enabled_on == dt.date(2025, 12, 31)
    assert region.wallet_date_approximate
    assert "337" in region.wallet_source


def test_the_wallet_is_open_from_its_date_on():
    region = Region.objects.get(code="370100")
    assert not region.wallet_open_on(dt.date(2025, 12, 30))
    assert region.wallet_open_on(dt.date(2025, 12, 31))
