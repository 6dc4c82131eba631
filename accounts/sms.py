"""Text-message backends: how an outbox message leaves the portal.

``settings.SMS_BACKEND`` names the class. A backend's ``send(*, key, phone, text)`` returns
when the message is handed over and raises ``SmsError`` when it is not. ``key`` is the
outbox message's unique key: a real gateway takes it as its idempotency key, so that a
message retried after a crash is still delivered once.
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("portal.sms")


class SmsError(Exception):
    """The gateway did not take the message; the outbox tries again later."""


class ConsoleBackend:
    """Writes each message to standard output (development)."""

    def send(self, *, key: str, phone: str, text: str) -> None:
        sys.stdout.write(f"[sms {key}] {phone}: {text}\n")
        sys.stdout.flush()


class DatabaseBackend:
    """Keeps messages in the outbox only, marked sent (a test or an agency without a gateway,
    whose staff read the outbox)."""

    def send(self, *, key: str, phone: str, text: str) -> None:
        logger.info("sms %s to %s kept in the outbox", key, phone)


#: messages "sent" by ``MemoryBackend`` in this process, for tests
outbox_memory: list[dict] = []


class MemoryBackend:
    """Keeps messages in ``outbox_memory``; fails for phones listed in ``failing``."""

    failing: set[str] = set()

    def send(self, *, key: str, phone: str, text: str) -> None:
        if phone in self.failing:
            raise SmsError(f"gateway refused {phone}")
        outbox_memory.append({"key": key, "phone": phone, "text": text})


def backend():
    return import_string(getattr(settings, "SMS_BACKEND", "accounts.sms.DatabaseBackend"))()
