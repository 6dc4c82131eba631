"""Run an enrollment import: stream, validate, write per chunk, record everything."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ImportRowError, ImportRun
from portal.scoping import ALL, region_codes

from .reader import UnreadableFile, open_source, sha256_of
from .rows import Columns, MissingColumns, RowError, RowValidator, region_code_map
from .writer import write_chunk

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
) -> ImportRun:
    """Import the enrollment file at ``path`` and return its run record.

    Each chunk of good rows is written and committed with the errors found so
    far, so a crash loses at most the chunk in flight, and running the same
    file again finishes the job without duplicates. ``user`` limits the rows
    to the user's regions (``None``: a system import, every region).
    """
    path = Path(path)
    run = ImportRun.objects.create(
        file_name=file_name or path.name,
        sha256=sha256 or sha256_of(path),
        user=user,
        dry_run=dry_run,
    )
    try:
        source = open_source(path, run.file_name)
        columns = Columns.from_header(source.header)
    except (UnreadableFile, MissingColumns) as error:
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

    def flush():
        _write(run, good, errors, dry_run)
        good.clear()
        errors.clear()
        if progress:
            progress(run)

    try:
        for line, values in source.rows:
            run.rows += 1
            result = validator.validate(line, values)
            if isinstance(result, list):
                errors.extend(result)
                run.failed += 1
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
                    run.failed += 1
                else:
                    first_line[key] = line
                    good.append(result)
            if len(good) >= chunk_size or len(errors) >= ERROR_BATCH:
                flush()
        flush()
    except UnreadableFile as error:
        flush()
        return _finish(run, ImportRun.Status.FAILED, str(error))
    return _finish(run, ImportRun.Status.FINISHED, "")


def _id_key(national_id: str) -> int:
    """Return a compact integer for an identity number (the X check digit as 10)."""
    return int(national_id[:17]) * 11 + (10 if national_id[17] == "X" else int(national_id[17]))


def _write(run: ImportRun, good, errors, dry_run: bool) -> None:
    with transaction.atomic():
        if good:
            with transaction.atomic():
                result = write_chunk(good)
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
        run.save(update_fields=["rows", "created", "updated", "unchanged", "failed"])


def _finish(run: ImportRun, status: str, message: str) -> ImportRun:
    run.status = status
    run.message = message
    run.finished_at = timezone.now()
    run.save()
    return run
