"""Keep the report summaries current: ``manage.py reports_fold [--every SECONDS] [--rebuild]``."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from reports.fold import reports_fold, reports_fold_every, reports_rebuild


class Command(BaseCommand):
    help = "Fold new ledger journals and binding events into the report summaries."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=float,
            metavar="SECONDS",
            help="keep running, folding every SECONDS (beside the web server)",
        )
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="empty the summaries and count the whole ledger and audit trail again",
        )

    def handle(self, *args, every=None, rebuild=False, **options):
        done = reports_rebuild() if rebuild else reports_fold()
        self.stdout.write(self._said(done))
        if every:
            reports_fold_every(every, log=self.stdout.write)

    @staticmethod
    def _said(done) -> str:
        counts = ", ".join(f"{n:,} {name}" for name, n in done.counts.items())
        as_of = timezone.localtime(done.as_of)
        return f"summaries as of {as_of:%Y-%m-%d %H:%M:%S}: folded {counts}"
