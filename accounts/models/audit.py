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

from accounts.choices import ImportStatus, PersonStatus, Via

#: what each action says in a record's history, with the event's ``params``
ACTION_TEXTS = {
    "person.create": _("Person added."),
    "person.change": _("Person changed."),
    "person.correct_national_id": _("Identity number corrected: %(from_masked)s → %(to_masked)s."),
    "person.correct_death": _("Death corrected: the status is %(to_state)s again."),
    "import_run.create": _("Import recorded."),
    "import_run.confirm": _("Import confirmed."),
    "import_run.cancel": _("Import cancelled."),
    "import_run.stop": _("Stop requested."),
    "import_run.end": _("Import ended: %(to_state)s."),
    "import_run.resume": _("Run again as import no. %(new_run)s."),
    "import_run.import_for_real": _("Imported for real as import no. %(new_run)s."),
    "import_run.expire": _("Preview expired unconfirmed; the import was cancelled."),
    "import_run.interrupt": _("Recorded as interrupted: its process had gone away."),
    "import_run.purge_file": _("Stored file deleted at the end of its retention."),
    "import_run.purge_faults": _("Error details deleted at the end of their retention."),
}


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

    # What Django's history page asks of a ``LogEntry``, so that it lists audit events.
    @property
    def action_time(self):
        return self.at

    @property
    def user(self):
        return self.actor

    def _state_shown(self) -> str:
        """The state the record moved to, in words (an import run's status as its page says)."""
        if self.action.startswith("import_run.") and self.to_state in ImportStatus.values:
            return str(ImportStatus(self.to_state).label)
        if self.action.startswith("person.") and self.to_state in PersonStatus.values:
            return str(PersonStatus(self.to_state).label)
        return self.to_state

    def get_change_message(self) -> str:
        """Say what happened, in the reader's language (a reason and note after it)."""
        template = ACTION_TEXTS.get(self.action)
        if template is None:
            said = f"{self.action}: {self.from_state or '—'} → {self.to_state or '—'}"
        else:
            said = str(template) % {**self.params, "to_state": self._state_shown()}
        return f"{said} {self.note}".strip() if self.note else said
