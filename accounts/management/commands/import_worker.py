"""The background worker that runs queued imports: django-tasks' ``db_worker``, with the
process tuned for bulk work first (``portal.process``).

    python manage.py import_worker
"""

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from portal.process import tune_for_bulk_work


class Command(DbWorkerCommand):
    help = "Run queued enrollment imports (django-tasks' db_worker, tuned for bulk work)."

    def handle(self, *args, **options):
        tune_for_bulk_work()
        return super().handle(*args, **options)
