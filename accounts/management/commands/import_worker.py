"""The background worker that runs queued imports and reads proof pages: django-tasks'
``db_worker``, with the process tuned for bulk work first (``portal.process``). At its start
it queues again the readings of pages a stopped worker left unread.

    python manage.py import_worker
"""

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from accounts.services.scans import unread_pages_requeued
from portal.process import tune_for_bulk_work


class Command(DbWorkerCommand):
    help = "Run queued enrollment imports (django-tasks' db_worker, tuned for bulk work)."

    def handle(self, *args, **options):
        tune_for_bulk_work()
        requeued = unread_pages_requeued()
        if requeued:
            self.stdout.write(f"queued again the reading of {requeued} cases' unread pages")
        return super().handle(*args, **options)
