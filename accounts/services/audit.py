"""Write the audit trail. Called by the other services, inside their transactions."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models

from accounts.choices import Via
from accounts.models import AuditEvent


def audit_record(
    *,
    actor,
    via: str,
    action: str,
    target: models.Model,
    from_state: str = "",
    to_state: str = "",
    reason_code: str = "",
    note: str = "",
    params: dict | None = None,
) -> AuditEvent:
    """Record that ``actor`` (None for no person: a job or a bare command) did ``action``
    to ``target`` through ``via``, moving it ``from_state`` → ``to_state``, and why."""
    if via not in Via.values:
        raise ValueError(f"unknown entry point {via!r}")
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        via=via,
        action=action,
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=False),
        target_id=str(target.pk),
        from_state=from_state or "",
        to_state=to_state or "",
        reason_code=reason_code,
        note=note,
        params=params or {},
    )


def audit_trail(target: models.Model):
    """Return ``target``'s audit events, oldest first."""
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=False),
        target_id=str(target.pk),
    ).order_by("at", "id")
