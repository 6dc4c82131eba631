"""Template filters for how the portal writes numbers."""

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def grouped(value) -> str:
    """Write a whole number with a comma every three digits (1,000,000), as the reports do.

    The zh-hans locale groups nothing, and a million rows read 1000000 at a glance.
    """
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return value


@register.filter
def yuan(value) -> str:
    """Write an amount of money in yuan with two decimals and a comma every three digits
    (12,345.60; -1,234.50), as the import preview does; an empty value stays empty."""
    if value is None or value == "":
        return ""
    try:
        return f"{Decimal(str(value)):,.2f}"
    except (InvalidOperation, ValueError):
        return value


@register.filter
def staff(user) -> str:
    """A staff member as pages name people: 赵经办 rather than the login (empty for none)."""
    from portal.stale_edits import staff_name

    return staff_name(user) if user else ""
