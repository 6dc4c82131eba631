"""A province-sized data set for the reports and later scale work:
``manage.py seed_large --persons 1000000 [--movements 5000000]``: families, their bindings,
the kinship proofs behind them with their review (about 0.3 a person) and the caseworkers
who reviewed them, payments and transfers.

Set-based (``reports.seeding``); ``check_ledger`` is clean afterwards; the report summaries
are folded at the end. Refuses with DEBUG off (it makes up persons) unless ``--force``,
and on a database that holds such a data set already.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reports.fold import reports_fold
from reports.seeding import MAX_PERSONS, AlreadySeeded, seed_large


class Command(BaseCommand):
    help = "Generate families, bindings, kinship proofs and money movements at scale, set-based."

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, required=True, help="insured persons")
        parser.add_argument(
            "--movements", type=int, help="payments and transfers in all (default 5 × persons)"
        )
        parser.add_argument("--seed", type=float, default=0.5, help="random seed, -1 to 1")
        parser.add_argument("--no-fold", action="store_true", help="leave the summaries be")
        parser.add_argument(
            "--force", action="store_true", help="run with DEBUG off (never in production)"
        )

    def handle(self, *args, persons, movements, seed, no_fold, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_large makes up insured persons; refusing with DEBUG off.")
        if not 1 <= persons <= MAX_PERSONS:
            raise CommandError(f"--persons must be between 1 and {MAX_PERSONS:,}.")
        if not -1 <= seed <= 1:
            raise CommandError("--seed must be between -1 and 1.")
        self.stdout.write(f"seeding {persons:,} persons…")
        try:
            done = seed_large(
                persons=persons, movements=movements, seed=seed, log=self.stdout.write
            )
        except AlreadySeeded as error:
            raise CommandError(f"{error}: use an empty database.") from error
        states = ", ".join(f"{n:,} {state}" for state, n in done.proofs.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"{done.persons:,} persons in {done.families:,} families, "
                f"{done.bindings:,} bindings, {sum(done.proofs.values()):,} kinship proofs "
                f"({states}) reviewed by {done.staff:,} staff, "
                f"{done.payments:,} direct payments, {done.transfers:,} wallet transfers, "
                f"{done.journals:,} journals in {done.seconds:.0f} s"
            )
        )
        if not no_fold:
            started = time.perf_counter()
            folded = reports_fold()
            counts = ", ".join(f"{n:,} {name}" for name, n in folded.counts.items())
            self.stdout.write(
                f"summaries folded ({counts}) in {time.perf_counter() - started:.0f} s"
            )
