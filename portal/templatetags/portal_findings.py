"""How the portal shows a rule's finding (a violation, a red flag, a refusal's reason).

Words first, in the reader's language; the stable code after them, small and grey, for
support staff who look it up (``{% finding v %}``). The code is never the only text a
caseworker reads, and an English field name never reaches the page: a policy field is
named by its label.
"""

from __future__ import annotations

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.html import format_html
from django.utils.safestring import SafeString

from policies.models import PolicyVersion

register = template.Library()


def rule_label(field: str) -> str:
    """Return the label of the policy table's field ``field``; "" for no such field."""
    if not field:
        return ""
    try:
        return str(PolicyVersion._meta.get_field(field).verbose_name)
    except FieldDoesNotExist:
        return ""


@register.simple_tag
def finding(item, note="") -> SafeString:
    """Render ``item`` (an engine ``Finding``, a stored decision's ``FindingShown``: anything
    with a ``code`` and a ``message``) as its message, with a secondary line of its code,
    the policy rule it applies (``field``) and ``note``."""
    code = getattr(item, "code", "") or ""
    message = getattr(item, "message", None)
    message = str(message) if message else str(item)
    parts = [format_html("<code>{}</code>", code)] if code else []
    parts += [
        format_html("{}", part) for part in (rule_label(getattr(item, "field", "")), note) if part
    ]
    if not parts:
        return format_html('<span class="portal-finding">{}</span>', message)
    return format_html(
        '<span class="portal-finding">{}</span>'
        '<span class="portal-code" data-testid="finding-code">{}</span>',
        message,
        SafeString(" · ".join(parts)),
    )
