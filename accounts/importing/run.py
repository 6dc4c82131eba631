"""Run an enrollment import: stream, validate, write per chunk, record everything."""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ImportRowError, ImportRun
from portal.scoping import ALL, region_codes

from .reader import UnreadableFile, open_source, sha256_of
from .rows import Columns, MissingColumns, RowError, RowValidator, region_code_map
from .writer import copy_payload, write_chunk

CHUNK_SIZE = 20_000
ERROR_BATCH = 5_000


def earlier_imports(sha256: str):
    """Return finished, real (not dry-run) imports of a file with this SHA-256."""
    return ImportRun.objects.filter(
        sha256=sha256, dry_run=False, status=ImportRun.Status.FINISHED
    ).order_by("-started_at")


def import_enrollment(
    *,
    path: Path,
    user=None,
    dry_run: bool = False,
    file_name: str | None = None,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[ImportRun], None] | None = None,
    sha256: str | None = None,
    run: ImportRun | None = None,
) -> ImportRun:
    """Import the enrollment file at ``path`` and return its run record.

    Each chunk of good rows is written and committed with the errors found so
    far, so a crash loses at most the chunk in flight, and running the same
    file again finishes the job without duplicates. ``user`` limits the rows
    to the user's regions (``None``: a system import, every region).
    """
    path = Path(path)
    if run is None:
        run = ImportRun.objects.create(
            file_name=file_name or path.name,
            sha256=sha256 or sha256_of(path),
            user=user,
            dry_run=dry_run,
        )
    try:
        source = open_source(path, run.file_name)
    except (UnreadableFile, OSError) as error:
        return _finish(run, ImportRun.Status.FAILED, str(error))
    try:
        columns = Columns.from_header(source.header)
    except MissingColumns as error:
        source.close()
        return _finish(run, ImportRun.Status.FAILED, str(error))
    run.encoding = source.encoding
    if columns.ignored:
        run.warnings = [
            _("Unknown columns were ignored: %(names)s.") % {"names": "、".join(columns.ignored)}
        ]
    run.save(update_fields=["encoding", "warnings"])

    allowed = None
    if user is not None:
        codes = region_codes(user)
        allowed = None if codes is ALL else set(codes)
    validator = RowValidator(columns, region_code_map(), allowed)
    first_line: dict[int, int] = {}  # identity number as an int -> first line
    good, errors = [], []
    counts = {"rows": 0, "failed": 0}
    writer = (
        _ThreadedWriter(run, dry_run, progress)
        if _may_commit()
        else _InlineWriter(run, dry_run, progress)
    )

    def flush():
        nonlocal good, errors
        writer.submit(
            good, errors, counts["rows"], counts["failed"], copy_payload(good), source.fraction()
        )
        good, errors = [], []
        counts["rows"] = counts["failed"] = 0

    try:
        for line, values in source.rows:
            counts["rows"] += 1
            result = validator.validate(line, values)
            if isinstance(result, list):
                errors.extend(result)
                counts["failed"] += 1
            else:
                key = _id_key(result.national_id)
                if key in first_line:
                    errors.append(
                        RowError(
                            line,
                            columns.title("national_id"),
                            "duplicate_in_file",
                            _("The same identity number is on line %(line)d; that row was used.")
                            % {"line": first_line[key]},
                            values,
                        )
                    )
                    counts["failed"] += 1
                else:
                    first_line[key] = line
                    good.append(result)
            if len(good) >= chunk_size or len(errors) >= ERROR_BATCH:
                flush()
        flush()
    except UnreadableFile as error:
        flush()
        writer.close()
        return _finish(run, ImportRun.Status.FAILED, str(error))
    except BaseException:
        writer.close(abandon=True)
        raise
    writer.close()
    return _finish(run, ImportRun.Status.FINISHED, "")


def _may_commit() -> bool:
    """Return whether chunks may be committed on their own (no caller's transaction open)."""
    return not connection.in_atomic_block


class _InlineWriter:
    """Write each chunk at once, in this thread's connection."""

    def __init__(self, run: ImportRun, dry_run: bool, progress):
        self.run, self.dry_run, self.progress = run, dry_run, progress

    def submit(self, good, errors, rows, failed, payload, fraction):
        self.run.rows += rows
        self.run.failed += failed
        self.run.progress = min(int(fraction * 100), 99)
        _write(self.run, good, errors, self.dry_run, payload)
        if self.progress:
            self.progress(self.run)

    def close(self, abandon: bool = False):
        pass


class _ThreadedWriter(_InlineWriter):
    """Write chunks in a second thread, so PostgreSQL writes one chunk while Python reads the next.

    The queue holds at most two chunks, which bounds memory. A failure in the
    writer stops the import at the next chunk and is raised in the caller.
    """

    def __init__(self, run: ImportRun, dry_run: bool, progress):
        super().__init__(run, dry_run, progress)
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.failure: BaseException | None = None
        # A shorter switch interval lets the writer take the GIL back quickly
        # after each wait on PostgreSQL while the reader thread is busy.
        self.switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(0.001)
        self.thread = threading.Thread(target=self._work, name="import-writer", daemon=True)
        self.thread.start()

    def _work(self):
        try:
            while (item := self.queue.get()) is not None:
                if self.failure is None:
                    try:
                        super().submit(*item)
                    except BaseException as error:  # noqa: BLE001 - re-raised in the caller
                        self.failure = error
        finally:
            connection.close()

    def submit(self, good, errors, rows, failed, payload, fraction):
        if self.failure is not None:
            self._raise()
        self.queue.put((good, errors, rows, failed, payload, fraction))

    def close(self, abandon: bool = False):
        self.queue.put(None)
        self.thread.join()
        sys.setswitchinterval(self.switch_interval)
        if self.failure is not None and not abandon:
            self._raise()

    def _raise(self):
        failure, self.failure = self.failure, None
        self.queue.put(None)
        self.thread.join()
        raise failure


def _id_key(national_id: str) -> int:
    """Return a compact integer for an identity number (the X check digit as 10)."""
    return int(national_id[:17]) * 11 + (10 if national_id[17] == "X" else int(national_id[17]))


def _write(run: ImportRun, good, errors, dry_run: bool, payload: str) -> None:
    with transaction.atomic():
        if good:
            with transaction.atomic():
                result = write_chunk(good, payload)
                if dry_run:
                    transaction.set_rollback(True)
            run.created += result.created
            run.updated += result.updated
            run.unchanged += result.unchanged
        ImportRowError.objects.bulk_create(
            [
                ImportRowError(
                    run=run,
                    line=e.line,
                    column=e.column[:100],
                    code=e.code,
                    message=str(e.message)[:500],
                    values=e.values,
                )
                for e in errors
            ],
            batch_size=2000,
        )
        run.save(update_fields=["rows", "created", "updated", "unchanged", "failed", "progress"])


def _finish(run: ImportRun, status: str, message: str) -> ImportRun:
    run.status = status
    if status == ImportRun.Status.FINISHED:
        run.progress = 100
    run.message = message
    run.finished_at = timezone.now()
    run.save()
    return run
