"""Expire unconfirmed import previews, record imports whose process went away as
interrupted, and delete uploaded files and row errors past their retention.

    python manage.py purge_import_files

Run it daily (cron or a systemd timer). Settings: ``IMPORT_PREVIEW_HOURS``
(default 24), ``IMPORT_FILE_RETENTION_DAYS`` (default 30),
``IMPORT_FAULT_RETENTION_DAYS`` (default 180) and ``IMPORT_STALLED_MINUTES``
(default 10).
"""

from django.core.management.base import BaseCommand

from accounts.services.imports import runs_purge


class Command(BaseCommand):
    help = (
        "Expire unconfirmed import previews, record stalled imports as interrupted, "
        "and delete old uploaded enrollment files and import row errors."
    )

    def handle(self, *args, **options):
        purged = runs_purge()
        self.stdout.write(
            f"previews expired={purged.previews_expired} files deleted={purged.files_deleted} "
            f"runs interrupted={purged.runs_interrupted} "
            f"error reports deleted={purged.reports_deleted}"
        )
