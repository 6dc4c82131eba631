"""Send the text messages waiting in the outbox (rejections and returns of proofs).

    manage.py send_outbox             once
    manage.py send_outbox --every 30  forever, every 30 seconds (make run)

Safe to run in several places at once: each message is sent once.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from accounts.services.outbox import outbox_send_due


class Command(BaseCommand):
    help = "Send the text messages waiting in the outbox."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every", type=int, default=0, help="repeat every N seconds (default: once)"
        )

    def handle(self, *args, every, **options):
        while True:
            sent, failed = outbox_send_due()
            if sent or failed or not every:
                self.stdout.write(f"{sent} message(s) sent, {failed} attempt(s) failed")
            if not every:
                return
            close_old_connections()
            time.sleep(every)
