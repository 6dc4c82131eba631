"""The words enrollment extracts use: column titles, insurance types, statuses, totals and
footer lines, and how a column title is matched (``title_key``)."""

from __future__ import annotations

import re
import unicodedata

from accounts.choices import InsuranceType, PersonStatus

FIELDS = {
    "national_id": (
        "身份证号",
        "身份证号码",
        "公民身份号码",
        "公民身份证号",
        "公民身份证号码",
        "身份证件号码",
        "证件号码",
        "证件号",
        "national_id",
        "id_number",
        "idnumber",
    ),
    "name": ("姓名", "参保人姓名", "人员姓名", "参保人", "name"),
    "insurance_type": ("参保类型", "险种", "险种类型", "insurance_type", "insurancetype"),
    "region": (
        "统筹区编码",
        "统筹区",
        "统筹区代码",
        "参保地编码",
        "统筹地区编码",
        "统筹地区",
        "统筹区划",
        "参保地",
        "region",
        "region_code",
        "regioncode",
    ),
    "enrolled_on": (
        "参保日期",
        "参保时间",
        "首次参保日期",
        "参保开始日期",
        "参保起始日期",
        "enrolled_on",
        "enrolment_date",
        "enrollment_date",
    ),
    "balance": ("个人账户余额", "账户余额", "个账余额", "余额", "balance", "account_balance"),
    "mobile": ("手机号", "手机号码", "手机", "移动电话", "联系电话", "mobile", "phone"),
    "status": ("参保状态", "status"),
}
REQUIRED = ("national_id", "name", "insurance_type", "region", "enrolled_on")
#: what a column of persons' categories (人员类别) holds, put where the insurance type
#: belongs: a flexible worker (灵活就业) may be insured as an employee or as a resident, so
#: none of them is taken for a type
PERSON_CATEGORIES = frozenset(
    {
        "在职",
        "在职职工",
        "在职人员",
        "退休",
        "退休职工",
        "退休人员",
        "灵活就业",
        "灵活就业人员",
        "学生",
        "中小学生",
        "大学生",
        "儿童",
        "少年儿童",
        "婴幼儿",
        "老年人",
        "一般居民",
        "低保",
        "特困",
        "残疾人",
    }
)
#: what a sheet's totals line says in one of its cells
TOTALS_WORDS = frozenset({"合计", "总计", "小计", "累计", "total", "subtotal"})
#: how a line of a sheet's footer begins: who made and checked the sheet, and when
#: (制表人：张三　审核人：李四　填报日期：2026年11月25日)
FOOTER_WORDS = (
    "制表人",
    "制表日期",
    "制表",
    "填报人",
    "填表人",
    "填报日期",
    "填表日期",
    "填报单位",
    "审核人",
    "审核",
    "复核人",
    "复核",
    "单位负责人",
    "负责人",
    "经办人",
    "打印日期",
    "打印时间",
    "导出日期",
    "导出时间",
)
FOOTER = re.compile(rf"(?:{'|'.join(FOOTER_WORDS)})\s*(?::|$)")
#: the last column of a run's rows to mend (``report.rows_to_mend_xlsx``): read past in silence
MEND_TITLE = "错误说明 faults"
INSURANCE = {
    **dict.fromkeys(
        [
            "职工",
            "职工医保",
            "职工基本医疗保险",
            "城镇职工",
            "城镇职工医保",
            "城镇职工基本医疗保险",
            "employee",
        ],
        InsuranceType.EMPLOYEE,
    ),
    **dict.fromkeys(
        [
            "居民",
            "城乡居民",
            "城乡居民医保",
            "居民医保",
            "城乡居民基本医疗保险",
            # the schemes merged into it in 2016–2019, as older extracts still name them
            "城镇居民",
            "城镇居民基本医疗保险",
            "新农合",
            "新型农村合作医疗",
            "resident",
        ],
        InsuranceType.RESIDENT,
    ),
}
STATUS = {
    **dict.fromkeys(
        ["正常", "参保", "正常参保", "参保缴费", "正常缴费", "在保", "active", ""],
        PersonStatus.ACTIVE,
    ),
    **dict.fromkeys(
        ["暂停", "暂停参保", "中断", "暂停缴费", "停保", "suspended"], PersonStatus.SUSPENDED
    ),
    **dict.fromkeys(["终止", "终止参保", "注销", "terminated"], PersonStatus.TERMINATED),
    **dict.fromkeys(["死亡", "已死亡", "deceased"], PersonStatus.DECEASED),
}


#: a unit after a title, as sheets write it: 个人账户余额（元）
_UNIT = re.compile(r"\((?:元|人民币元|rmb|yuan)\)$")


#: a note after a title, as templates write them: 身份证号码(18位), 姓名【必填】
_NOTE = re.compile(r"[(\[【]([^()\[\]【】]*)[)\]】]$")
#: a note that names an amount's unit other than yuan (万元), which the title must keep:
#: such a column is not the balance in yuan
_OTHER_UNIT = re.compile(r"[元万千百角分%‰$]|rmb|yuan|usd")


def title_key(header: str) -> str:
    """Return a column title as it is matched: full-width forms folded, no spaces, no unit
    of yuan, no mark of a required column (*姓名, 姓名*) and no note after it ((18位), 【必填】)."""
    text = re.sub(r"[\s\ufeff]", "", unicodedata.normalize("NFKC", header)).lower()
    text = _UNIT.sub("", text.strip("*※"))
    for _twice in range(2):  # 身份证号(18位)(必填)
        note = _NOTE.search(text)
        if note is None or note.start() == 0 or _OTHER_UNIT.search(note.group(1)):
            break
        text = text[: note.start()].strip("*※")
    return text


SYNONYMS = {title_key(s): name for name, words in FIELDS.items() for s in words}
#: columns the identity number decides (the portal's export writes them): read past
DERIVED_KEYS = frozenset(
    title_key(s)
    for s in ("性别", "出生日期", "出生年月", "sex", "gender", "birth_date", "birthdate")
)
