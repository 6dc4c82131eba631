"""Background tasks of the accounts app, run by ``manage.py import_worker``."""

from __future__ import annotations

from pathlib import Path

from django_tasks import task

from accounts.choices import Via
from accounts.models import ImportRun
from accounts.services.imports import import_enrollment
from portal.process import give_back_memory


@task()
def run_enrollment_import(run_id: int) -> str:
    """Run the import recorded as ``run_id`` on its stored file; return its summary."""
    run = ImportRun.objects.select_related("user").get(pk=run_id)
    if run.status != ImportRun.Status.RUNNING or run.finished_at:
        return run.summary  # already done (a task delivered twice)
    try:
        run = import_enrollment(
            path=Path(run.stored_file), user=run.user, dry_run=run.dry_run, run=run, via=Via.WORKER
        )
    finally:
        give_back_memory()  # the worker goes on to the next import in the same process
    return run.summary


@task()
def read_proof_pages(proof_id: int) -> int:
    """Read the pages of case ``proof_id`` that are not read yet; return how many were read."""
    from accounts.services.scans import pages_read

    return pages_read(proof_id=proof_id)
