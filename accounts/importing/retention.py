"""How long uploaded enrollment files are kept: they hold identity numbers, names and phones.

An upload is stored privately for its import. A preview nobody confirmed or
cancelled expires after ``IMPORT_PREVIEW_HOURS`` (the run is cancelled); the
file of an ended run is deleted ``IMPORT_FILE_RETENTION_DAYS`` after it ended.
The run records (file name, SHA-256, who, counts, row errors) stay.
``manage.py purge_import_files`` applies both, and records runs whose process
went away as interrupted (``resume.mark_interrupted``); run it daily.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ImportRun

from .resume import mark_interrupted

ENDED = (
    ImportRun.Status.FINISHED,
    ImportRun.Status.FAILED,
    ImportRun.Status.CANCELLED,
    ImportRun.Status.INTERRUPTED,
)


@dataclass
class Purged:
    previews_expired: int
    files_deleted: int
    runs_interrupted: int = 0


def purge_import_files(now: dt.datetime | None = None) -> Purged:
    """Expire stale previews, record stalled runs as interrupted, and delete the stored
    files of runs ended long enough ago."""
    now = now or timezone.now()
    interrupted = mark_interrupted(now)
    preview_cutoff = now - dt.timedelta(hours=settings.IMPORT_PREVIEW_HOURS)
    file_cutoff = now - dt.timedelta(days=settings.IMPORT_FILE_RETENTION_DAYS)
    with transaction.atomic():
        stale = list(
            ImportRun.objects.select_for_update(skip_locked=True).filter(
                status=ImportRun.Status.PREVIEW, started_at__lt=preview_cutoff
            )
        )
        for run in stale:
            run.status = ImportRun.Status.CANCELLED
            run.finished_at = now
            run.message = _(
                "The preview was not confirmed within %(hours)d hours; the import was cancelled."
            ) % {"hours": settings.IMPORT_PREVIEW_HOURS}
        ImportRun.objects.bulk_update(stale, ["status", "finished_at", "message"])
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
    return Purged(len(stale), len(files), interrupted)
