"""Import an enrollment extract (CSV or XLSX) of insured persons.

    python manage.py import_enrollment PATH [--dry-run] [--report OUT.csv]
                                            [--rows-to-mend OUT.xlsx]
                                            [--user USERNAME] [--force]

Prints ``created=N updated=N unchanged=N failed=N``. Exit status 0 when the
file was read (row errors included), 2 when it could not be read at all.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.importing.changes import summary_said
from accounts.importing.report import rows_to_mend_xlsx, run_faults, write_report_csv
from accounts.importing.source import sha256_of
from accounts.models import ImportRun
from accounts.selectors.imports import earlier_imports, imports_under_way
from accounts.services.imports import import_enrollment
from portal.process import tune_for_bulk_work


def confirm(question: str, refusal: str) -> None:
    """Ask ``question`` on a terminal; unless answered yes, stop with ``refusal``."""
    if not (sys.stdin.isatty() and input(question).strip().lower() in ("y", "yes")):
        raise CommandError(refusal)


class Command(BaseCommand):
    help = "Import insured persons from a CSV (UTF-8, UTF-8 BOM, GB18030) or XLSX file."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Validate and count; write nothing."
        )
        parser.add_argument("--report", type=Path, help="Write the row errors to this CSV file.")
        parser.add_argument(
            "--rows-to-mend",
            type=Path,
            help="Write each faulty row once, as typed, to this XLSX file: mended, it imports.",
        )
        parser.add_argument("--user", help="Import as this staff user, limited to their regions.")
        parser.add_argument(
            "--force", action="store_true", help="Import even if this file was imported before."
        )

    def handle(
        self,
        *args,
        path: Path,
        dry_run=False,
        report=None,
        rows_to_mend=None,
        user=None,
        force=False,
        **opts,
    ):
        if not path.is_file():
            self.stderr.write(f"{path}: no such file")
            sys.exit(2)
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user, is_staff=True).first()
            if actor is None:
                raise CommandError(f"No staff user {user!r}.")
        sha256 = sha256_of(path)
        if not (force or dry_run):
            if under_way := imports_under_way(sha256):
                other = under_way[0]
                since = timezone.localtime(other.started_at)
                confirm(
                    f"{path.name} (SHA-256 {sha256[:12]}…) is being imported right now: import "
                    f"no. {other.pk}, started {since:%Y-%m-%d %H:%M}, {other.rows:,} rows "
                    "read so far. Import it a second time at once? [y/N] ",
                    f"Being imported right now (import no. {other.pk}); not imported a second "
                    "time at once (use --force).",
                )
            if earlier := earlier_imports(sha256).first():
                confirm(
                    f"{path.name} (SHA-256 {sha256[:12]}…) was already imported on "
                    f"{timezone.localtime(earlier.started_at):%Y-%m-%d %H:%M}. Import it again? "
                    "[y/N] ",
                    "Already imported; not imported again (use --force).",
                )

        tune_for_bulk_work()
        tty = self.stdout.isatty()
        started = time.monotonic()

        def progress(run: ImportRun):
            if tty:
                line = progress_line(run, time.monotonic() - started)
                self.stdout.write(f"\r{line}", ending="")
                self.stdout.flush()

        run = import_enrollment(
            path=path, user=actor, dry_run=dry_run, progress=progress, sha256=sha256
        )
        if tty:
            if run.status == ImportRun.Status.FINISHED:  # the bar ends full
                self.stdout.write(f"\r{progress_line(run, time.monotonic() - started)}", ending="")
            self.stdout.write("")
        if run.status == ImportRun.Status.FAILED and run.rows == 0:
            self.stderr.write(f"{path.name}: {run.shown_message}")
            sys.exit(2)
        for warning in run.shown_warnings:
            self.stderr.write(f"warning: {warning}")
        if run.message:
            self.stderr.write(f"error: {run.shown_message}")
        if report:
            with report.open("w", encoding="utf-8-sig", newline="") as stream:
                write_report_csv(run, stream)
        if rows_to_mend:
            rows_to_mend.write_bytes(rows_to_mend_xlsx(run, run_faults(run)))
        prefix = "dry run: " if dry_run else ""
        self.stdout.write(f"{prefix}encoding={run.encoding} rows={run.rows}")
        self.stdout.write(run.summary)
        if run.other_region_rows:
            regions = ", ".join(
                f"{code}={rows}" for code, rows in sorted(run.other_rows_by_region.items())
            )
            self.stdout.write(
                f"left for other regions' caseworkers: {run.other_region_rows} rows ({regions})"
            )
        if run.change_summary:
            self.stdout.write(f"changes: {summary_said(run.change_summary)}")


def progress_line(run: ImportRun, elapsed: float, width: int = 30) -> str:
    """Return the terminal progress bar: bar, percent, rows, rate, time left, counts."""
    done = min(max(run.progress, 0), 100)
    filled = width * done // 100
    rate = run.rows / elapsed if elapsed > 0 else 0.0
    if 0 < done < 100 and elapsed > 0:
        left = elapsed * (100 - done) / done
        eta = f"{int(left) // 60:d}:{int(left) % 60:02d} left"
    else:
        eta = "--:-- left"
    return (
        f"[{'#' * filled}{'-' * (width - filled)}] {done:3d}%  {run.rows:>11,} rows  "
        f"{rate:>8,.0f} rows/s  {eta}  {run.summary}"
    )
