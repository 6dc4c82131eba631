"""Every change of an import run's state: the one writer of ``ImportRun.status``.

Create, confirm, cancel, stop, resume, import for real, end (finished, failed, stopped),
and the daily purge each run in one transaction and record who did it, when, and through
which entry point (``AuditEvent``), whether they came from the admin, the command, the
worker or the scheduled purge. ``accounts.importing`` reads, validates and writes the rows;
it never changes a run's status.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from accounts.choices import ImportStatus, Via
from accounts.importing import endings as said
from accounts.importing.headers import Columns, MissingColumns
from accounts.importing.reader import open_source
from accounts.importing.run import CHUNK_SIZE, run_file
from accounts.importing.source import UnreadableFile, sha256_of
from accounts.locks import lock_row
from accounts.messages import Message
from accounts.models import AuditEvent, ImportRowError, ImportRun
from accounts.selectors.imports import earlier_imports, imports_under_way

from .audit import audit_record

ENDED = (
    ImportStatus.FINISHED,
    ImportStatus.FAILED,
    ImportStatus.CANCELLED,
    ImportStatus.INTERRUPTED,
    ImportStatus.STOPPED,
)


def _queue(run: ImportRun) -> None:
    """Queue ``run`` for the background worker once the caller's transaction commits."""
    transaction.on_commit(partial(_queue_now, run))


def _queue_now(run: ImportRun) -> None:
    from accounts.tasks import run_enrollment_import  # the task module imports this one

    run_enrollment_import.enqueue(run.pk)


def _audit(run: ImportRun, *, actor, via: str, action: str, before: str, **params) -> None:
    audit_record(
        actor=actor,
        via=via,
        action=f"import_run.{action}",
        target=run,
        from_state=before,
        to_state=run.status,
        params=params,
    )


# --- a run begins --------------------------------------------------------------------------


@transaction.atomic
def run_create(
    *,
    actor,
    via: str,
    file_name: str,
    sha256: str,
    dry_run: bool = False,
    stored_file: str = "",
    status: str = ImportStatus.RUNNING,
) -> ImportRun:
    """Record a new import of a file: running (queued or under way) or awaiting confirmation."""
    run = ImportRun.objects.create(
        file_name=file_name[:255],
        sha256=sha256,
        user=actor if actor is not None and actor.is_authenticated else None,
        dry_run=dry_run,
        stored_file=stored_file,
        status=status,
    )
    _audit(run, actor=actor, via=via, action="create", before="")
    return run


class UploadRefused(Exception):
    """An uploaded file that is not imported: unreadable, or imported before unasked.

    ``code`` says which (``unreadable``, ``missing_columns``, ``being_imported``,
    ``imported_before``); ``run`` is the earlier run for the last two, ``message`` the
    file's fault for the first two.
    """

    def __init__(self, code: str, *, run: ImportRun | None = None, message: Message | None = None):
        super().__init__(code)
        self.code, self.run, self.message = code, run, message


@dataclass
class Accepted:
    run: ImportRun
    preview: object | None  # ``importing.preview.Preview`` when the file awaits confirmation


def store_upload(upload) -> Path:
    """Save an uploaded file in private storage (never served directly); return its path."""
    folder = Path(settings.STORAGES["default"]["OPTIONS"]["location"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(upload.name).suffix.lower()[:10]
    path = folder / f"{uuid.uuid4().hex}{suffix}"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return path


def check_header(path: Path) -> None:
    """Raise ``UnreadableFile`` or ``MissingColumns`` unless the file's header is usable."""
    source = open_source(path)
    try:
        Columns.from_header(source.header)
    finally:
        source.close()


def file_seen_before(sha256: str) -> UploadRefused | None:
    """Return why a real import of a file with this SHA-256 is not started unasked: it is
    being imported right now, or was imported before; None otherwise."""
    if under_way := imports_under_way(sha256):
        return UploadRefused("being_imported", run=under_way[0])
    if earlier := earlier_imports(sha256).first():
        return UploadRefused("imported_before", run=earlier)
    return None


def upload_accept(*, actor, upload, dry_run: bool, import_again: bool) -> Accepted:
    """Store an uploaded enrollment file, check its header, and start its import.

    A file seen before is refused unless ``import_again``. A small real import waits
    for confirmation with a preview; a large one, or a dry run, is queued at once.
    Raise ``UploadRefused``; nothing stays stored for a refused file.
    """
    from accounts.importing import preview as import_preview

    stored = store_upload(upload)
    try:
        check_header(stored)
        sha256 = sha256_of(stored)
        if not import_again and not dry_run and (refusal := file_seen_before(sha256)):
            raise refusal
        preview = None if dry_run else import_preview.preview_enrollment(path=stored, user=actor)
    except UnreadableFile as error:
        stored.unlink(missing_ok=True)
        raise UploadRefused("unreadable", message=error.said) from error
    except MissingColumns as error:
        stored.unlink(missing_ok=True)
        raise UploadRefused("missing_columns", message=error.said) from error
    except UploadRefused:
        stored.unlink(missing_ok=True)
        raise
    run = run_create(
        actor=actor,
        via=Via.ADMIN,
        file_name=upload.name,
        sha256=sha256,
        dry_run=dry_run,
        stored_file=str(stored),
        status=ImportStatus.RUNNING if preview is None else ImportStatus.PREVIEW,
    )
    if preview is None:  # a large file, or a dry run: queued now that its run is recorded
        _queue_now(run)
    return Accepted(run, preview)


# --- a run that awaits confirmation ---------------------------------------------------------


@transaction.atomic
def run_confirm(*, actor, via: str = Via.ADMIN, run: ImportRun) -> bool:
    """Start the import of a run awaiting confirmation; return False if it no longer awaits it.

    The run is locked, so a confirmation sent twice queues the import once; the task is
    queued when the change commits.
    """
    locked = lock_row(ImportRun, run.pk)
    if locked is None or locked.status != ImportStatus.PREVIEW:
        return False
    locked.status = ImportStatus.RUNNING
    locked.started_at = timezone.now()
    locked.save(update_fields=["status", "started_at"])
    _audit(locked, actor=actor, via=via, action="confirm", before=ImportStatus.PREVIEW)
    _queue(locked)
    return True


@transaction.atomic
def run_cancel(*, actor, via: str = Via.ADMIN, run: ImportRun) -> bool:
    """Cancel a run awaiting confirmation and delete its file; False if it no longer awaits it."""
    locked = lock_row(ImportRun, run.pk)
    if locked is None or locked.status != ImportStatus.PREVIEW:
        return False
    locked.status = ImportStatus.CANCELLED
    locked.finished_at = timezone.now()
    locked.save(update_fields=["status", "finished_at"])
    _audit(locked, actor=actor, via=via, action="cancel", before=ImportStatus.PREVIEW)
    if locked.stored_file:
        transaction.on_commit(partial(Path(locked.stored_file).unlink, missing_ok=True))
    return True


# --- a run under way ------------------------------------------------------------------------


@transaction.atomic
def run_stop(*, actor, via: str = Via.ADMIN, run: ImportRun) -> bool:
    """Stop ``run`` or ask it to stop; return False if it had already ended.

    A run no worker has begun (or whose process went away) ends here as stopped; a
    running one stops before its next chunk (``importing.stop``) and is ended by
    :func:`run_end`.
    """
    now = timezone.now()
    locked = lock_row(ImportRun, run.pk)
    if locked is None or locked.status != ImportStatus.RUNNING:
        return False
    locked.stop_requested_at = now
    fields = ["stop_requested_at"]
    if locked.heartbeat_at is None or locked.stalled(now):
        # No process is working on it to notice the request: it ends here.
        locked.status = ImportStatus.STOPPED
        locked.finished_at = now
        locked.message_data = said.stopped(locked).as_json()
        fields += ["status", "finished_at", "message_data"]
    locked.save(update_fields=fields)
    _audit(locked, actor=actor, via=via, action="stop", before=ImportStatus.RUNNING)
    return True


def run_end(*, run: ImportRun, status: str, message: Message | None, via: str) -> ImportRun:
    """End ``run`` as finished, failed or stopped, with ``message`` (None for none).

    The counters and regions were recorded in SQL with each chunk: only the end's own
    fields are written, or this object's copies would overwrite them.
    """
    if status not in (ImportStatus.FINISHED, ImportStatus.FAILED, ImportStatus.STOPPED):
        raise ValueError(f"an import does not end as {status!r}")
    with transaction.atomic():
        before = ImportRun.objects.values_list("status", flat=True).get(pk=run.pk)
        run.status = status
        if status == ImportStatus.FINISHED:
            run.progress = 100
        run.message_data = message.as_json() if message is not None else {}
        run.finished_at = timezone.now()
        run.save(
            update_fields=["status", "progress", "message_data", "finished_at", "warnings_data"]
        )
        _audit(run, actor=run.user, via=via, action="end", before=before, rows=run.rows)
    return run


def import_enrollment(
    *,
    user=None,
    path: Path,
    dry_run: bool = False,
    file_name: str | None = None,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[ImportRun], None] | None = None,
    sha256: str | None = None,
    run: ImportRun | None = None,
    via: str = Via.COMMAND,
) -> ImportRun:
    """Import the enrollment file at ``path`` as ``user`` and return its run record.

    ``user`` limits the rows to the user's regions (None: a system import, every
    region). ``run`` is a run recorded before (an upload queued for the worker).
    """
    path = Path(path)
    if run is None:
        run = run_create(
            actor=user,
            via=via,
            file_name=file_name or path.name,
            sha256=sha256 or sha256_of(path),
            dry_run=dry_run,
        )
    status, message = run_file(
        run, path=path, user=user, dry_run=dry_run, chunk_size=chunk_size, progress=progress
    )
    return run_end(run=run, status=status, message=message, via=via)


# --- a run that ended early, or a dry run ---------------------------------------------------


def can_resume(run: ImportRun, now: dt.datetime | None = None) -> bool:
    """Whether ``run`` stopped without finishing (its process went away, or it was stopped on
    request) and its file is still kept."""
    ended_early = (ImportStatus.INTERRUPTED, ImportStatus.STOPPED)
    stopped = run.status in ended_early or run.stalled(now)
    return stopped and _file_kept(run)


def can_import_for_real(run: ImportRun) -> bool:
    """Whether ``run`` is a finished dry run whose file is still kept, to import for real."""
    return run.dry_run and run.status == ImportStatus.FINISHED and _file_kept(run)


def _file_kept(run: ImportRun) -> bool:
    """Whether ``run``'s uploaded file is still stored (retention deletes it)."""
    return bool(run.stored_file) and Path(run.stored_file).exists()


def _run_file_anew(old: ImportRun, *, actor, via: str, dry_run: bool) -> ImportRun:
    """Create and queue (once the caller's transaction commits) a new run of ``old``'s
    stored file, which ``old`` hands over; ``old`` is saved by the caller."""
    new = run_create(
        actor=old.user,
        via=via,
        file_name=old.file_name,
        sha256=old.sha256,
        dry_run=dry_run,
        stored_file=old.stored_file,
    )
    old.stored_file = ""
    _queue(new)
    return new


@transaction.atomic
def run_resume(*, actor, via: str = Via.ADMIN, run: ImportRun) -> ImportRun | None:
    """Run the file of a stopped run again, as a new run; None if ``run`` cannot be resumed.

    The old run is recorded as interrupted (or stays stopped), with what it had
    committed, and hands its stored file to the new run, which is queued when this
    commits. The new run counts as unchanged the rows the old one had written.
    """
    now = timezone.now()
    old = lock_row(ImportRun, run.pk)
    if old is None or not can_resume(old, now):
        return None
    before = old.status
    new = _run_file_anew(old, actor=actor, via=via, dry_run=old.dry_run)
    if old.status == ImportStatus.STOPPED:
        why = said.stopped(old)
    else:
        old.status = ImportStatus.INTERRUPTED
        why = said.interrupted(old)
    old.finished_at = old.finished_at or now
    old.message_data = said.run_again(why, new.pk).as_json()
    old.save(update_fields=["status", "finished_at", "stored_file", "message_data"])
    _audit(old, actor=actor, via=via, action="resume", before=before, new_run=new.pk)
    return new


@transaction.atomic
def run_import_for_real(*, actor, via: str = Via.ADMIN, run: ImportRun) -> ImportRun | None:
    """Import the file of a finished dry run for real, as a new run; None if it cannot be.

    The dry run keeps its record, counts and report, and hands its stored file to the
    new run, which is queued when this commits.
    """
    old = lock_row(ImportRun, run.pk)
    if old is None or not can_import_for_real(old):
        return None
    new = _run_file_anew(old, actor=actor, via=via, dry_run=False)
    old.save(update_fields=["stored_file"])
    _audit(old, actor=actor, via=via, action="import_for_real", before=old.status, new_run=new.pk)
    return new


# --- retention ------------------------------------------------------------------------------


@dataclass
class Purged:
    previews_expired: int
    files_deleted: int
    runs_interrupted: int = 0
    reports_deleted: int = 0  # runs whose row errors were deleted


def runs_purge(*, now: dt.datetime | None = None) -> Purged:
    """Apply the retention of uploaded files and row errors: they hold identity numbers,
    names and phones. Run it daily (``manage.py purge_import_files``).

    A preview nobody confirmed or cancelled expires after ``IMPORT_PREVIEW_HOURS`` (the
    run is cancelled); a run whose process went away is recorded as interrupted; the
    file of an ended run is deleted ``IMPORT_FILE_RETENTION_DAYS`` after it ended, and
    its row errors (which quote the refused rows' values) ``IMPORT_FAULT_RETENTION_DAYS``
    after it ended, and its error report with them. The run records (file name,
    SHA-256, who, counts, faulty rows by region) stay.
    """
    now = now or timezone.now()
    preview_cutoff = now - dt.timedelta(hours=settings.IMPORT_PREVIEW_HOURS)
    stalled_cutoff = now - dt.timedelta(minutes=settings.IMPORT_STALLED_MINUTES)
    file_cutoff = now - dt.timedelta(days=settings.IMPORT_FILE_RETENTION_DAYS)
    with transaction.atomic():
        stale = _end_runs(
            ImportRun.objects.filter(status=ImportStatus.PREVIEW, started_at__lt=preview_cutoff),
            ImportStatus.CANCELLED,
            now,
            lambda run: said.preview_expired(),
        )
        interrupted = _end_runs(
            ImportRun.objects.filter(status=ImportStatus.RUNNING, heartbeat_at__lt=stalled_cutoff),
            ImportStatus.INTERRUPTED,
            now,
            said.interrupted,
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
        _audit_many(old, "purge_file")
        # The files go only once the records saying so are committed.
        transaction.on_commit(lambda: [f.unlink(missing_ok=True) for f in files])
    reports = _delete_old_faults(now - dt.timedelta(days=settings.IMPORT_FAULT_RETENTION_DAYS), now)
    return Purged(len(stale), len(files), len(interrupted), reports)


def _end_runs(runs, status: str, now: dt.datetime, message) -> list[ImportRun]:
    """End the ``runs`` no one else holds with ``status`` and ``message(run)``; return them."""
    ended = list(runs.select_for_update(skip_locked=True))
    before = {run.pk: run.status for run in ended}
    for run in ended:
        run.status = status
        run.finished_at = now
        run.message_data = message(run).as_json()
    ImportRun.objects.bulk_update(ended, ["status", "finished_at", "message_data"])
    _audit_many(ended, "expire" if status == ImportStatus.CANCELLED else "interrupt", before)
    return ended


def _audit_many(runs: list[ImportRun], action: str, before: dict | None = None) -> None:
    """Record one scheduled change of each of ``runs`` (one INSERT for them all)."""
    if not runs:
        return
    kind = ContentType.objects.get_for_model(ImportRun)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=None,
            via=Via.SCHEDULE,
            action=f"import_run.{action}",
            target_type=kind,
            target_id=str(run.pk),
            from_state=(before or {}).get(run.pk, run.status),
            to_state=run.status,
        )
        for run in runs
    )


def _delete_old_faults(cutoff: dt.datetime, now: dt.datetime) -> int:
    """Delete the row errors of runs ended before ``cutoff``; return how many runs had them.

    A run at a time, each in its own transaction: a national run may have millions of
    errors. A run with no faulty row (``failed`` counts them as they commit) has nothing
    to delete and is left as it is.
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
            _audit_many([run], "purge_faults")
            deleted += 1
    return deleted
