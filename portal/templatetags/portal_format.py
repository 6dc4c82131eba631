"""Template filters for how the portal writes numbers."""

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
