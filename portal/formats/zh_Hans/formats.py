"""Simplified Chinese: ISO dates (2026-01-01) in lists, pages and date fields.

Django's zh_Hans writes 2026年1月1日 in lists and 2026/01/01 in date fields, and its
calendar popup fills a field with the latter: two ways on one page, neither the one
caseworkers type. A sentence that needs 年月日 formats its date itself.
"""

DATE_FORMAT = "Y-m-d"  # 2026-01-01
SHORT_DATE_FORMAT = "Y-m-d"
TIME_FORMAT = "H:i"  # 09:30
DATETIME_FORMAT = "Y-m-d H:i"  # 2026-01-01 09:30
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
YEAR_MONTH_FORMAT = "Y年n月"  # 2026年1月
MONTH_DAY_FORMAT = "n月j日"  # 1月1日
FIRST_DAY_OF_WEEK = 1  # 星期一

# The first of each list is how a field shows its value (and what the calendar writes);
# the others are also accepted when typed.
DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # 2026-01-01
    "%Y/%m/%d",  # 2026/01/01
    "%Y年%m月%d日",  # 2026年1月1日
]
TIME_INPUT_FORMATS = [
    "%H:%M",  # 09:30
    "%H:%M:%S",  # 09:30:15
    "%H:%M:%S.%f",
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M",  # 2026-01-01 09:30
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
]
