"""Prove the ledger adds up: ``manage.py check_ledger``.

Every personal account's and wallet's cached balance equals the sum of its entries, every
person's transfer hold equals their pending transfers, and every journal sums to zero.
Lists the mismatches (the first ``--show`` of each kind) and exits with status 1 if there is
any; prints one line and exits 0 otherwise. Sums run in PostgreSQL, mismatches stream
through a server-side cursor: memory stays bounded for millions of entries.
"""

from __future__ import annotations

from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from accounts.selectors.ledger import ledger_mismatches


class Command(BaseCommand):
    help = "Prove every cached balance equals its ledger entries and every journal balances."

    def add_arguments(self, parser):
        parser.add_argument(
            "--show", type=int, default=50, help="mismatches listed per kind (default 50)"
        )

    def handle(self, *args, show, **options):
        counts: Counter[str] = Counter()
        for m in ledger_mismatches():
            counts[m.check] += 1
            if counts[m.check] <= show:
                if m.check == "journal":
                    line = f"journal {m.key}: entries sum to {m.found}"
                elif m.check == "transfer_hold":
                    line = f"transfer hold of person {m.key}: {m.found}, pending {m.expected}"
                else:
                    line = f"{m.check} of person {m.key}: cached {m.found}, entries {m.expected}"
                self.stderr.write(line)
        if counts:
            summary = ", ".join(f"{n} {check}" for check, n in sorted(counts.items()))
            raise CommandError(f"ledger mismatches: {summary}", returncode=1)
        self.stdout.write("ledger balanced: every cached balance equals its entries")
