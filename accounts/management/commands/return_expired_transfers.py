"""Return wallet transfers not accepted by their deadline (06:00 Beijing time the next day).

    manage.py return_expired_transfers             once (a systemd timer or cron at 06:00)
    manage.py return_expired_transfers --every 60  forever, every 60 seconds (make run)

Safe to run in several places at once: each transfer returns exactly once.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from accounts.services.payments import transfers_return_expired


class Command(BaseCommand):
    help = "Return pending wallet transfers whose deadline has passed to their senders."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every", type=int, default=0, help="repeat every N seconds (default: once)"
        )

    def handle(self, *args, every, **options):
        while True:
            returned = transfers_return_expired()
            if returned or not every:
                self.stdout.write(f"{returned} transfer(s) returned")
            if not every:
                return
            close_old_connections()
            time.sleep(every)
