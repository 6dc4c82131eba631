"""How long uploaded enrollment files and their row errors are kept: they hold identity
numbers, names and phones.

An upload is stored privately for its import. A preview nobody confirmed or
cancelled expires after ``IMPORT_PREVIEW_HOURS`` (the run is cancelled); the
file of an ended run is deleted ``IMPORT_FILE_RETENTION_DAYS`` after it ended.
The row errors of an ended run quote the refused rows' values: they are deleted
``IMPORT_FAULT_RETENTION_DAYS`` after it ended, and its error report with them.
The run records (file name, SHA-256, who, counts, faulty rows by region) stay.
``manage.py purge_import_files`` applies all three, and records runs whose
process went away as interrupted (see ``resume``); run it daily.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ImportRowError, ImportRun

from .languages import in_each_language
from .resume import interrupted_message

ENDED = (
    ImportRun.Status.FINISHED,
    ImportRun.Status.FAILED,
    ImportRun.Status.CANCELLED,
    ImportRun.Status.INTERRUPTED,
    ImportRun.Status.STOPPED,
)


@dataclass
class Purged:
    previews_expired: int
    files_deleted: int
    runs_interrupted: int = 0
    reports_deleted: int = 0  # runs whose row errors were deleted


def purge_import_files(now: dt.datetime | None = None) -> Purged:
    """Expire stale previews, record stalled runs as interrupted, and delete the stored
    files of runs ended long enough ago."""
    now = now or timezone.now()
    preview_cutoff = now - dt.timedelta(hours=settings.IMPORT_PREVIEW_HOURS)
    stalled_cutoff = now - dt.timedelta(minutes=settings.IMPORT_STALLED_MINUTES)
    file_cutoff = now - dt.timedelta(days=settings.IMPORT_FILE_RETENTION_DAYS)
    expired = _("The preview was not confirmed within %(hours)d hours; the import was cancelled.")
    with transaction.atomic():
        stale = _end_runs(
            ImportRun.objects.filter(
                status=ImportRun.Status.PREVIEW, started_at__lt=preview_cutoff
            ),
            ImportRun.Status.CANCELLED,
            now,
            lambda run: expired % {"hours": settings.IMPORT_PREVIEW_HOURS},
        )
        interrupted = _end_runs(
            ImportRun.objects.filter(
                status=ImportRun.Status.RUNNING, heartbeat_at__lt=stalled_cutoff
            ),
            ImportRun.Status.INTERRUPTED,
            now,
            interrupted_message,
        )
        old = list(
            ImportRun.objects.select_for_update(skip_locked=True)
            .filter(status__in=ENDED, finished_at__lt=file_cutoff)
            .exclude(stored_file="")
        )
        files = [Path(r.stored_file) for r in [*stale, *old] if r.stored_file]
        for run in old:
            run.stored_file = ""
        ImportRun.objects.bulk_update(old, ["stored_file"])
        # The files go only once the records saying so are committed.
        transaction.on_commit(lambda: [f.unlink(missing_ok=True) for f in files])
    reports = _delete_old_faults(now - dt.timedelta(days=settings.IMPORT_FAULT_RETENTION_DAYS), now)
    return Purged(len(stale), len(files), len(interrupted), reports)


def _delete_old_faults(cutoff: dt.datetime, now: dt.datetime) -> int:
    """Delete the row errors of runs ended before ``cutoff``; return how many runs had them.

    A run at a time, each in its own transaction: a national run may have
    millions of errors. A run with no faulty row (``failed`` counts them as
    they commit) has nothing to delete and is left as it is.
    """
    deleted = 0
    old = ImportRun.objects.filter(
        status__in=ENDED, finished_at__lt=cutoff, failed__gt=0, faults_deleted_at__isnull=True
    )
    for pk in list(old.values_list("pk", flat=True)):
        with transaction.atomic():
            run = old.select_for_update(skip_locked=True).filter(pk=pk).first()
            if run is None:
                continue
            ImportRowError.objects.filter(run=run).delete()
            run.faults_deleted_at = now
            run.save(update_fields=["faults_deleted_at"])
            deleted += 1
    return deleted


def _end_runs(runs, status: str, now: dt.datetime, message) -> list[ImportRun]:
    """End the ``runs`` no one else holds with ``status`` and ``message(run)``; return them."""
    ended = list(runs.select_for_update(skip_locked=True))
    for run in ended:
        run.status = status
        run.finished_at = now
        run.message, run.message_en = in_each_language(lambda run=run: message(run))
    ImportRun.objects.bulk_update(ended, ["status", "finished_at", "message", "message_en"])
    return ended
