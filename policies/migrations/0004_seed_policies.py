"""Seed two policy versions for each province and the Corps, plus Liuzhou's own rules.

Version 1, 2024-07-01 – 2025-12-31: the national rule that any close relative
(近亲属) may be bound — 国务院办公厅《关于健全基本医疗保险参保长效机制的指导意见》
(国办发〔2024〕38号) — with aid inside the province only.
Version 2, from 2026-01-01: the same, with cross-province aid through the
medical-insurance wallet, which the 2026 national work list requires of every
province. The exact notice and the day each province opened are not verified
here: 2026-01-01 is a default to be corrected per province.

Provincial figures come from the published examples in the project's domain
notes (shared/DOMAIN.md), each with its reliability in the version's note.
Everything not named there is a national default, and the note says so.
"""

import datetime as dt
from decimal import Decimal

from django.db import migrations

CLOSE_RELATIVES = [
    "spouse",
    "father",
    "mother",
    "son",
    "daughter",
    "elder_brother",
    "younger_brother",
    "elder_sister",
    "younger_sister",
    "paternal_grandfather",
    "paternal_grandmother",
    "maternal_grandfather",
    "maternal_grandmother",
    "paternal_grandson",
    "paternal_granddaughter",
    "maternal_grandson",
    "maternal_granddaughter",
]
USES = ["outpatient", "inpatient", "pharmacy", "resident_premium", "ltc_premium"]
DOCUMENTS = {
    "spouse": ["marriage_certificate", "household_register"],
    "parents": ["household_register", "birth_certificate", "kinship_certificate"],
    "children": ["household_register", "birth_certificate", "kinship_certificate"],
    "siblings": ["household_register", "kinship_certificate"],
    "grandparents": ["household_register", "kinship_certificate"],
    "grandchildren": ["household_register", "kinship_certificate"],
}
NATIONAL_NOTE = (
    "全国默认：近亲属均可共济（国办发〔2024〕38号）；其余各项均为全国默认值，"
    "未见本省公开文件另有规定。"
)
V1 = {
    "effective_from": dt.date(2024, 7, 1),
    "effective_to": dt.date(2025, 12, 31),
    "cross_province": False,
    "source_title": "国务院办公厅关于健全基本医疗保险参保长效机制的指导意见（国办发〔2024〕38号）",
    "source_issuer": "国务院办公厅",
    "source_date": dt.date(2024, 7, 31),
}
V2 = {
    "effective_from": dt.date(2026, 1, 1),
    "effective_to": None,
    "cross_province": True,
    # Example wallet limits given with issue #4; to be confirmed against the wallet rules.
    "wallet_max_transfers_per_day": 3,
    "wallet_max_amount_per_transfer": Decimal("2000.00"),
    "wallet_quiet_from": dt.time(22, 0),
    "wallet_quiet_until": dt.time(6, 0),
    "source_title": "2026年全国医疗保障工作要点：各省开通跨省共济（通知标题与各省开通日期待核实）",
    "source_issuer": "国家医疗保障局",
    "source_date": None,
}
V2_NOTE = (
    "跨省共济自2026-01-01起为默认值（全国工作要点要求各省开通，本省开通日期待核实）。"
    "医保钱包限额（每日3笔、每笔2000元、22:00至次日6:00不可转账）为示例值，待核实。"
)
PROVINCIAL = {
    "12": (
        {"group_caps": [{"groups": ["children", "siblings", "grandchildren"], "max": 4}]},
        "天津：子女、兄弟姐妹、（外）孙子女合计最多授权4人——来源可靠性低，待核实。",
    ),
    "14": (
        {"retained_balance": Decimal("1000.00")},
        "山西：个人账户须保留1000元——公开报道，待核对原文。",
    ),
    "32": ({"review_mode": "pledge"}, "江苏：承诺制备案，不需提交证明材料。"),
    "37": (
        {
            "review_mode": "pledge",
            "max_authorizers_per_beneficiary": 1,
            "beneficiary_may_authorize": False,
        },
        "山东：承诺制；一名被共济人只能由一名职工授权；被共济人不能再作为授权人。",
    ),
    "43": (
        {"max_active_beneficiaries": 10, "max_lifetime_beneficiaries": 20},
        "湖南：同时最多绑定10名近亲属，累计最多20名——公开报道。",
    ),
    "44": ({"review_mode": "documents"}, "广东：网上申请均转经办机构审核材料。"),
    "45": (
        {"spouses_may_authorize_each_other": True, "max_authorizers_per_beneficiary": None},
        "广西：夫妻可互相授权；一名授权人可绑定多名亲属，一名使用人可被多名授权人绑定。",
    ),
    "62": ({"review_mode": "pledge"}, "甘肃：承诺制备案。"),
}
LIUZHOU = ({"retained_balance": Decimal("1500.00")}, "柳州：个人账户须保留1500元——公开报道。")


def seed(apps, schema_editor):
    Province = apps.get_model("policies", "Province")
    PolicyVersion = apps.get_model("policies", "PolicyVersion")
    for province in Province.objects.all():
        extra, note = PROVINCIAL.get(province.code, ({}, ""))
        for period, period_note in ((V1, ""), (V2, V2_NOTE)):
            fields = {
                "allowed_relations": CLOSE_RELATIVES,
                "allowed_uses": USES,
                "documents": DOCUMENTS,
                **period,
                **extra,
                "source_note": "\n".join(x for x in (note, period_note, NATIONAL_NOTE) if x),
            }
            PolicyVersion.objects.update_or_create(
                province=province,
                region=None,
                effective_from=period["effective_from"],
                defaults=fields,
            )
    extra, note = LIUZHOU
    guangxi = PROVINCIAL["45"][0]
    for period, period_note in ((V1, ""), (V2, V2_NOTE)):
        PolicyVersion.objects.update_or_create(
            province_id="45",
            region_id="450200",
            effective_from=period["effective_from"],
            defaults={
                "allowed_relations": CLOSE_RELATIVES,
                "allowed_uses": USES,
                "documents": DOCUMENTS,
                **period,
                **guangxi,
                **extra,
                "source_note": "\n".join(
                    x for x in (note, PROVINCIAL["45"][1], period_note, NATIONAL_NOTE) if x
                ),
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("policies", "PolicyVersion").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("policies", "0003_policy_versions")]
    operations = [migrations.RunPython(seed, unseed)]
