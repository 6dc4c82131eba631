"""Imports whose process went away, and running their file again; dry runs imported for real.

A worker restarted during a deployment, or a killed ``import_enrollment``,
leaves its run saying "running" with what it had committed so far. Such a
run stops moving: ``ImportRun.stalled`` tells it by the time of its last
committed chunk. Every chunk is committed with its counts and the rows are
upserted, so running the same file again finishes the job without
duplicates: ``resume_run`` records the old run as interrupted and starts a
new run of its stored file; the daily ``retention.purge_import_files``
records the stalled runs nobody resumed.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ImportRun

from .languages import in_each_language
from .stop import stopped_message


def interrupted_message(run: ImportRun) -> str:
    """Say where ``run`` stopped and that running its file again finishes the job."""
    return _(
        "The import stopped after %(rows)s rows: its process went away (for example at a "
        "restart of the service). What it wrote is kept; running the file again finishes "
        "the job."
    ) % {"rows": f"{run.rows:,}"}


def can_resume(run: ImportRun, now: dt.datetime | None = None) -> bool:
    """Whether ``run`` stopped without finishing (its process went away, or it was stopped on
    request) and its file is still kept."""
    ended_early = (ImportRun.Status.INTERRUPTED, ImportRun.Status.STOPPED)
    stopped = run.status in ended_early or run.stalled(now)
    return stopped and _file_kept(run)


def _file_kept(run: ImportRun) -> bool:
    """Whether ``run``'s uploaded file is still stored (retention deletes it)."""
    return bool(run.stored_file) and Path(run.stored_file).exists()


def _run_file_anew(old: ImportRun, *, dry_run: bool) -> ImportRun:
    """Create and queue (once the caller's transaction commits) a new run of ``old``'s
    stored file, which ``old`` hands over; ``old`` is saved by the caller."""
    from accounts.tasks import run_enrollment_import

    new = ImportRun.objects.create(
        file_name=old.file_name,
        sha256=old.sha256,
        user=old.user,
        dry_run=dry_run,
        stored_file=old.stored_file,
        status=ImportRun.Status.RUNNING,
    )
    old.stored_file = ""
    transaction.on_commit(partial(run_enrollment_import.enqueue, new.pk))
    return new


def resume_run(*, run: ImportRun) -> ImportRun | None:
    """Run the file of a stopped run again, as a new run; None if ``run`` cannot be resumed.

    The old run is recorded as interrupted (or stays stopped), with what it had
    committed, and hands its stored file to the new run, which is queued when
    this commits.
    The new run counts as unchanged the rows the old one had written.
    """
    now = timezone.now()
    with transaction.atomic():
        old = ImportRun.objects.select_for_update().get(pk=run.pk)
        if not can_resume(old, now):
            return None
        new = _run_file_anew(old, dry_run=old.dry_run)
        if old.status == ImportRun.Status.STOPPED:
            said = stopped_message
        else:
            old.status = ImportRun.Status.INTERRUPTED
            said = interrupted_message
        old.finished_at = old.finished_at or now
        old.message, old.message_en = in_each_language(
            lambda: (
                _("%(said)s Its file was run again as import no. %(id)d.")
                % {"said": said(old), "id": new.pk}
            )
        )
        old.save(update_fields=["status", "finished_at", "stored_file", "message", "message_en"])
    return new


def can_import_for_real(run: ImportRun) -> bool:
    """Whether ``run`` is a finished dry run whose file is still kept, to import for real."""
    return run.dry_run and run.status == ImportRun.Status.FINISHED and _file_kept(run)


def import_for_real(*, run: ImportRun) -> ImportRun | None:
    """Import the file of a finished dry run for real, as a new run; None if it cannot be.

    The dry run keeps its record, counts and report, and hands its stored file to
    the new run, which is queued when this commits.
    """
    with transaction.atomic():
        old = ImportRun.objects.select_for_update().get(pk=run.pk)
        if not can_import_for_real(old):
            return None
        new = _run_file_anew(old, dry_run=False)
        old.save(update_fields=["stored_file"])
    return new
