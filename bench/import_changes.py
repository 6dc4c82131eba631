"""Benchmark: a fresh import, an unchanged re-import and a re-import with changes.

    .venv/bin/python bench/import_changes.py [ROWS]    (default 200,000)

The file is ``import_enrollment.generate``'s (about 0.5% bad rows). The changed copy
clears the mobile of one row in 10, sets another balance in one row in 20 and marks one
row in 100 as 暂停 (suspended): what a re-import of next month's extract looks like, and
what the per-field change summary of the run counts. Each import starts after a
``CHECKPOINT``; prints seconds, the run's counts and its change summary.
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import import_enrollment as bench
from django.core.management import call_command
from django.db import connection


def changed_copy(source: Path, target: Path) -> None:
    """Write ``source`` again with mobiles cleared, balances and statuses changed."""
    with (
        open(source, encoding="gb18030", newline="") as fh,
        open(target, "w", encoding="gb18030", newline="") as out,
    ):
        rows = csv.reader(fh)
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(next(rows))
        for i, row in enumerate(rows):
            if i % 10 == 1:
                row[6] = ""
            if i % 20 == 2 and row[5]:
                row[5] = "1,234.56"
            if i % 100 == 3:
                row[7] = "暂停"
            writer.writerow(row)


def main(rows: int) -> None:
    call_command("migrate", verbosity=0)
    out = bench.ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"enrollment_{rows}.csv"
    if not path.exists():
        bench.generate(path, rows)
    changed = out / f"enrollment_{rows}_changed.csv"
    if not changed.exists():
        changed_copy(path, changed)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables "
            "WHERE schemaname = 'public' AND tablename LIKE 'accounts_%%'"
        )
        cursor.execute(f"TRUNCATE {cursor.fetchone()[0]} RESTART IDENTITY CASCADE")
    for label, file in (("fresh", path), ("unchanged", path), ("changed", changed)):
        bench.checkpoint()
        start = time.perf_counter()
        run = bench.import_enrollment(path=file)
        elapsed = time.perf_counter() - start
        summary = getattr(run, "change_summary", None)
        print(f"{label:9} {elapsed:6.2f} s  {run.summary}  {summary or ''}", flush=True)


if __name__ == "__main__":
    from portal.process import tune_for_bulk_work

    tune_for_bulk_work()  # as the import worker and the import command do where they start
    main(bench.ROWS if len(sys.argv) > 1 else 200_000)
