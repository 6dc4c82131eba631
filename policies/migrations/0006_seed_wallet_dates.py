"""Seed the day each pooling region opened the medical-insurance wallet (医保钱包), as an estimate.

No region had a date, so every wallet transfer was refused with wallet_not_open,
the trial page's own example included. The public sources give the wallet's
spread for the country, not a date per region: by early January 2026, 337
pooling regions had the wallet (national figures), and the 2026 national work
list requires every province to open cross-province mutual aid. So every
region gets 2025-12-31, marked approximate and with the note below, until a
superuser enters the region's own date (Region admin).

Why that day: the figure of 337 regions was given in early January 2026, so
most regions had the wallet by the end of 2025; and the seeded policy tables
open cross-province aid on 2026-01-01 (0004), so a wallet case from 2026 on is
judged by the wallet rules, not refused for want of a date. It is late for the regions that opened in 2024 or 2025 (a wallet case
dated then is refused) and early for the remaining ones (a case of early
2026 passes before their wallet opened): both are said by the approximate
flag, which the admin and the trial page show beside the date.

A region that already has a date keeps it; the reverse step clears only the
estimates this migration wrote.
"""

import datetime as dt

from django.db import migrations

ESTIMATE = dt.date(2025, 12, 31)
NOTE = (
    "估计值：全国公开数据为截至2026年1月初已有337个统筹地区上线医保钱包，"
    "2026年全国医疗保障工作要点要求各省开通跨省共济；本统筹区的实际开通日期未核实，"
    "暂按2025-12-31填写，待按本地通知更正。"
)


def seed(apps, schema_editor):
    Region = apps.get_model("policies", "Region")
    Region.objects.filter(wallet_enabled_on__isnull=True).update(
        wallet_enabled_on=ESTIMATE, wallet_date_approximate=True, wallet_source=NOTE
    )


def unseed(apps, schema_editor):
    Region = apps.get_model("policies", "Region")
    Region.objects.filter(
        wallet_enabled_on=ESTIMATE, wallet_date_approximate=True, wallet_source=NOTE
    ).update(wallet_enabled_on=None, wallet_date_approximate=False, wallet_source="")


class Migration(migrations.Migration):
    dependencies = [("policies", "0005_region_wallet_source")]
    operations = [migrations.RunPython(seed, unseed)]
