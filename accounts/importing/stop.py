"""Stopping an import that is queued or running, at the request of whoever ran it.

A run no worker has begun (or whose process went away) ends at once. A
running one is asked to stop: it checks between chunks, lets the chunks
already handed to its writers commit, and ends as stopped with what it had
written. Nothing is rolled back: each chunk was committed as a whole, and
importing the file again (or a corrected one) upserts as usual.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ImportRun

from .languages import in_each_language


def stopped_message(run: ImportRun) -> str:
    """Say that ``run`` was stopped on request, and how far it had come."""
    if not run.rows:
        return _("Stopped on request before any row was read: nothing was written.")
    if run.dry_run:
        return _("Stopped on request after %(rows)s rows of a dry run: nothing was written.") % {
            "rows": f"{run.rows:,}"
        }
    return _(
        "Stopped on request after %(rows)s rows: what was written up to then is kept. "
        "Import the file again to finish the job."
    ) % {"rows": f"{run.rows:,}"}


def stop_run(*, run: ImportRun) -> bool:
    """Stop ``run`` or ask it to stop; return False if it had already ended."""
    now = timezone.now()
    with transaction.atomic():
        locked = ImportRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != ImportRun.Status.RUNNING:
            return False
        locked.stop_requested_at = now
        fields = ["stop_requested_at"]
        if locked.heartbeat_at is None or locked.stalled(now):
            # No process is working on it to notice the request: it ends here.
            locked.status = ImportRun.Status.STOPPED
            locked.finished_at = now
            locked.message, locked.message_en = in_each_language(lambda: stopped_message(locked))
            fields += ["status", "finished_at", "message", "message_en"]
        locked.save(update_fields=fields)
    return True


def stop_asked(run: ImportRun) -> bool:
    """Whether ``run`` has been asked to stop, or ended by someone else, since it began."""
    return (
        ImportRun.objects.filter(pk=run.pk)
        .exclude(status=ImportRun.Status.RUNNING, stop_requested_at__isnull=True)
        .exists()
    )
