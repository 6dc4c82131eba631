"""Whether an import under way has been asked to stop (``services.imports.run_stop``).

A run no worker has begun (or whose process went away) ends at once. A
running one is asked to stop: it checks between chunks, lets the chunks
already handed to its writers commit, and ends as stopped with what it had
written. Nothing is rolled back: each chunk was committed as a whole, and
importing the file again (or a corrected one) upserts as usual.
"""

from __future__ import annotations

from accounts.models import ImportRun


def stop_asked(run: ImportRun) -> bool:
    """Whether ``run`` has been asked to stop, or ended by someone else, since it began."""
    return (
        ImportRun.objects.filter(pk=run.pk)
        .exclude(status=ImportRun.Status.RUNNING, stop_requested_at__isnull=True)
        .exists()
    )
