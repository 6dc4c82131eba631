"""Every TextChoices of the accounts app: statuses, types and modes, shared by models,
services, admin, import and reports."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class InsuranceType(models.TextChoices):
    EMPLOYEE = "employee", _("employee insurance")
    RESIDENT = "resident", _("urban-rural resident insurance")


class PersonStatus(models.TextChoices):
    # In context: a bare "active" is also the user account's flag (Django's is_active).
    ACTIVE = "active", pgettext_lazy("enrolment status", "active")
    SUSPENDED = "suspended", _("suspended")
    TERMINATED = "terminated", _("terminated")
    DECEASED = "deceased", _("deceased")


class Sex(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")


class ImportStatus(models.TextChoices):
    RUNNING = "running", _("running")
    FINISHED = "finished", _("finished")
    FAILED = "failed", _("failed (file unreadable)")
    PREVIEW = "preview", _("awaiting confirmation")
    CANCELLED = "cancelled", _("cancelled")
    INTERRUPTED = "interrupted", _("interrupted")
    STOPPED = "stopped", _("stopped")


class Via(models.TextChoices):
    """Through which entry point a change was made (who acted is the event's actor)."""

    ADMIN = "admin", _("portal page")
    COMMAND = "command", _("command line")
    WORKER = "worker", _("background worker")
    SCHEDULE = "schedule", _("scheduled job")
    IMPORT = "import", _("enrollment import")
