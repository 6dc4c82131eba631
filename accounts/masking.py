"""Masking a person's identifiers where a page shows only what a case needs."""

from __future__ import annotations

from accounts import idnumbers


def mask_id(number: str) -> str:
    """370102198001011234 → 370102********1234: the region and the last four (an ID number
    of any other length is hidden whole)."""
    number = number or ""
    return idnumbers.masked(number) if len(number) == 18 else "*" * len(number)


def mask_name(name: str) -> str:
    """张三丰 → 张*丰, 张三 → 张*: the family name and, past two characters, the last."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return f"{name[0]}*"
    return f"{name[0]}{'*' * (len(name) - 2)}{name[-1]}"


def mask_mobile(mobile: str) -> str:
    """13912345678 → 139****5678."""
    mobile = mobile or ""
    if len(mobile) < 7:
        return mobile
    return f"{mobile[:3]}{'*' * (len(mobile) - 7)}{mobile[-4:]}"
