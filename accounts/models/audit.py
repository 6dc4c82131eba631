"""The audit trail: one row per state change, who made it, when and why. Append-only.

Every service that changes a record's state writes one ``AuditEvent`` in the same
transaction; if the event cannot be written, the change does not happen. PostgreSQL
refuses to update or delete an event (the ``append_only`` trigger of migration 0019), so
history stays as it was written, whatever the application does.

What happened is stored as a code and its parameters (``action``, ``reason_code``,
``params``) and rendered in the reader's language when shown, as Django's
``LogEntry.change_message`` is.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.choices import Via


class AuditEvent(models.Model):
    """One state change of one record."""

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    #: None when no person acted: a scheduled job, or a command run without ``--user``
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    via = models.CharField(_("through"), max_length=12, choices=Via.choices)
    #: what was done, as ``<record>.<verb>``: ``import_run.confirm``, ``binding.revoke``
    action = models.CharField(_("action"), max_length=40)
    target_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("record type")
    )
    target_id = models.CharField(_("record"), max_length=40)
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20, blank=True)
    reason_code = models.CharField(_("reason"), max_length=40, blank=True)
    note = models.TextField(_("note"), blank=True)
    params = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["target_type", "target_id", "at"], name="audit_target_at"),
            models.Index(fields=["actor", "at"], name="audit_actor_at"),
        ]

    def __str__(self):
        return f"{self.action} {self.target_id}: {self.from_state} → {self.to_state}"
