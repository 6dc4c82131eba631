"""Background tasks of the accounts app, run by ``manage.py db_worker``."""

from __future__ import annotations

from pathlib import Path

from django_tasks import task

from .importing.run import import_enrollment
from .models import ImportRun


@task()
def run_enrollment_import(run_id: int) -> str:
    """Run the import recorded as ``run_id`` on its stored file; return its summary."""
    run = ImportRun.objects.select_related("user").get(pk=run_id)
    if run.status != ImportRun.Status.RUNNING or run.finished_at:
        return run.summary  # already done (a task delivered twice)
    run = import_enrollment(path=Path(run.stored_file), user=run.user, dry_run=run.dry_run, run=run)
    return run.summary
