"""Writes for the policy tables: every change is kept (who, when, old → new, why)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from .models import PolicyChange, PolicyVersion

AUDITED_FIELDS = [
    f.name
    for f in PolicyVersion._meta.concrete_fields
    if f.name not in ("id", "created_at", "updated_at")
]


def _plain(value):
    """Return ``value`` in a JSON-friendly form for the change record."""
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def version_snapshot(version: PolicyVersion) -> dict:
    """Return the audited fields of ``version`` as plain values."""
    return {
        name: _plain(getattr(version, PolicyVersion._meta.get_field(name).attname))
        for name in AUDITED_FIELDS
    }


@transaction.atomic
def policy_version_save(*, actor, version: PolicyVersion, reason: str = "") -> PolicyChange:
    """Validate and save ``version`` and record what changed, in one transaction."""
    version.full_clean()
    if version.pk is None:
        version.save()
        return PolicyChange.objects.create(
            version=version,
            actor=actor,
            action="created",
            changes={k: [None, v] for k, v in version_snapshot(version).items()},
            reason=reason,
        )
    before = version_snapshot(PolicyVersion.objects.select_for_update().get(pk=version.pk))
    after = version_snapshot(version)
    version.save()
    return PolicyChange.objects.create(
        version=version,
        actor=actor,
        action="changed",
        changes={k: [before[k], after[k]] for k in AUDITED_FIELDS if before[k] != after[k]},
        reason=reason,
    )
