"""What an import run says when it ends early, or has nothing to import."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.messages import Message


def _rows(run) -> str:
    return f"{run.rows:,}"


def stopped(run) -> Message:
    """Say that ``run`` was stopped on request, and how far it had come."""
    if not run.rows:
        return Message(_("Stopped on request before any row was read: nothing was written."))
    if run.dry_run:
        return Message(
            _("Stopped on request after %(rows)s rows of a dry run: nothing was written."),
            {"rows": _rows(run)},
        )
    return Message(
        _(
            "Stopped on request after %(rows)s rows: what was written up to then is kept. "
            "Import the file again to finish the job."
        ),
        {"rows": _rows(run)},
    )


def interrupted(run) -> Message:
    """Say where ``run`` stopped and that running its file again finishes the job."""
    return Message(
        _(
            "The import stopped after %(rows)s rows: its process went away (for example at a "
            "restart of the service). What it wrote is kept; running the file again finishes "
            "the job."
        ),
        {"rows": _rows(run)},
    )


def run_again(why: Message, new_run: int) -> Message:
    """Say why a run ended (``why``) and that its file was run again as ``new_run``."""
    return Message(
        _("%(said)s Its file was run again as import no. %(id)d."), {"said": why, "id": new_run}
    )


def preview_expired() -> Message:
    """Say that a preview nobody confirmed was cancelled."""
    return Message(
        _("The preview was not confirmed within %(hours)d hours; the import was cancelled."),
        {"hours": settings.IMPORT_PREVIEW_HOURS},
    )


NO_ROWS = Message(_("The file has a header but no rows below it: nothing was imported."))
