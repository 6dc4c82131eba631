"""The outbox: text messages to applicants are sent by the worker, retried, never twice."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts import sms
from accounts.choices import OutboxStatus, RejectReason, Via
from accounts.models import OutboxMessage
from accounts.services.outbox import MAX_ATTEMPTS, outbox_send_due
from accounts.services.proofs import proof_reject
from tests.accounts.proofs.helpers import caseworker, claimed, couple, submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def memory_backend(settings):
    settings.SMS_BACKEND = "accounts.sms.MemoryBackend"
    sms.outbox_memory.clear()
    sms.MemoryBackend.failing = set()
    yield sms.outbox_memory


@pytest.fixture
def rejected():
    reviewer = caseworker(username="rev")
    proof = submit(caseworker(), *couple())
    claimed(proof, reviewer)
    return proof_reject(actor=reviewer, via=Via.ADMIN, proof=proof, reason=RejectReason.ILLEGIBLE)


def test_a_queued_message_is_sent_once(rejected, memory_backend):
    assert outbox_send_due() == (1, 0)
    assert outbox_send_due() == (0, 0)
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.SENT and message.sent_at is not None
    assert [m["phone"] for m in memory_backend] == [rejected.contact_phone]
    assert (
        "扫描件" in memory_backend[0]["text"] or rejected.case_number in memory_backend[0]["text"]
    )


def test_a_failed_send_is_retried_later(rejected, memory_backend):
    sms.MemoryBackend.failing = {rejected.contact_phone}
    assert outbox_send_due() == (0, 1)
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.QUEUED and message.attempts == 1
    assert outbox_send_due() == (0, 0)  # not due yet
    sms.MemoryBackend.failing = set()
    assert outbox_send_due(now=timezone.now() + dt.timedelta(minutes=2)) == (1, 0)


def test_a_message_that_keeps_failing_is_given_up(rejected):
    sms.MemoryBackend.failing = {rejected.contact_phone}
    later = timezone.now()
    for _ in range(MAX_ATTEMPTS):
        later += dt.timedelta(hours=2)
        outbox_send_due(now=later)
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.FAILED and message.attempts == MAX_ATTEMPTS


def test_the_command_sends_the_outbox(rejected, memory_backend):
    out = StringIO()
    call_command("send_outbox", stdout=out)
    assert "1 message(s) sent" in out.getvalue()
