"""What an import writes for people to read, in each language of the portal.

A run's message and warnings, and each fault, are stored in the portal's language and in
English, and shown in the language of whoever reads them: a supervisor reading in English
reads a Chinese caseworker's run in English, and the reverse.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.utils import translation

T = TypeVar("T")


def in_each_language(render: Callable[[], T]) -> tuple[T, T]:
    """Return ``render()`` in the portal's language (``LANGUAGE_CODE``) and in English."""
    with translation.override(settings.LANGUAGE_CODE):
        own = render()
    with translation.override("en"):
        english = render()
    return own, english


def in_readers_language(own: T, english: T) -> T:
    """Return what was stored in the portal's language (``own``) and in English, as whoever
    is being answered reads it. Something stored before English was stored has only ``own``.
    """
    reads_english = (translation.get_language() or "").startswith("en")
    return english if english and reads_english else own
