"""HTML built from translated messages."""

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe


def interpolate(message, **params) -> SafeString:
    """Fill a translated ``message``'s ``%(name)s`` places with ``params``, as HTML.

    The message is escaped, and so is each value unless it is already safe HTML (a link
    built by ``format_html``).
    """
    escaped = {name: conditional_escape(value) for name, value in params.items()}
    return mark_safe(conditional_escape(message) % escaped)
