"""Sending the outbox: text messages written in the transaction of what they tell.

Each due message is locked (``SKIP LOCKED``: several senders never take the same one), sent
through ``accounts.sms.backend()``, and marked sent in the same transaction. A failure is
recorded and retried later, with growing pauses, at most ``MAX_ATTEMPTS`` times; a message
marked sent is never sent again.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.choices import OutboxStatus
from accounts.models import OutboxMessage
from accounts.sms import SmsError, backend

MAX_ATTEMPTS = 5
#: minutes to wait after the n-th failed attempt
BACKOFF_MINUTES = (1, 5, 15, 60)


def outbox_send_due(*, now: dt.datetime | None = None, limit: int = 200) -> tuple[int, int]:
    """Send up to ``limit`` due messages; return (sent, failed attempts)."""
    sender = backend()
    sent = failed = 0
    for _ in range(limit):
        with transaction.atomic():
            moment = now or timezone.now()
            message = (
                OutboxMessage.objects.filter(
                    status=OutboxStatus.QUEUED, next_attempt_at__lte=moment
                )
                .order_by("next_attempt_at", "id")
                .select_for_update(skip_locked=True)
                .first()
            )
            if message is None:
                break
            message.attempts += 1
            try:
                sender.send(key=message.key, phone=message.phone, text=message.text)
            except SmsError as error:
                failed += 1
                message.last_error = str(error)[:1000]
                if message.attempts >= MAX_ATTEMPTS:
                    message.status = OutboxStatus.FAILED
                    message.next_attempt_at = None
                else:
                    pause = BACKOFF_MINUTES[min(message.attempts, len(BACKOFF_MINUTES)) - 1]
                    message.next_attempt_at = moment + dt.timedelta(minutes=pause)
            else:
                sent += 1
                message.status = OutboxStatus.SENT
                message.sent_at = moment
                message.next_attempt_at = None
            message.save(
                update_fields=["attempts", "last_error", "status", "next_attempt_at", "sent_at"]
            )
    return sent, failed
