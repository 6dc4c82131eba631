"""Benchmark: every supervisor report page at two sizes, in one run, and their ratio.

    .venv/bin/python bench/reports.py [SMALL [LARGE]]     (defaults 10,000 and 1,000,000)

Each size has its own database (``portal_bench_reports_<persons>``) on a PostgreSQL of its
own (``var/pgdata-bench``, so that the test server stays small for the replica test), filled
once by ``seed_demo`` and ``seed_large --persons N`` (five payments and transfers a person)
and folded; later runs reuse it. Each size is measured in a fresh interpreter: every report
page and an export of most reports, as ``supervisor1`` (all Shandong, about half the data)
and as ``admin`` (everything), through Django's test client (server time, no network),
median of 5 requests after one to warm up. Prints ms and queries per size and the ratio.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPEAT = 5
PAGES = [
    ("backlog", "/admin/reports/backlog/"),
    ("decisions", "/admin/reports/decisions/"),
    ("decisions per day, 3 months", "/admin/reports/decisions/?step=day&{last3}"),
    ("backlog, one region", "/admin/reports/backlog/?region=370100"),
    ("bindings", "/admin/reports/bindings/"),
    ("money", "/admin/reports/money/"),
    ("imports", "/admin/reports/imports/"),
    ("money, one region", "/admin/reports/money/?region=370100"),
    ("bindings, one relation", "/admin/reports/bindings/?relation=spouse"),
    ("export: money per month CSV", "/admin/reports/money/per_month.csv"),
    ("export: bindings by region XLSX", "/admin/reports/bindings/by_region.xlsx"),
    ("export: decisions per caseworker CSV", "/admin/reports/decisions/per_caseworker.csv"),
]
USERS = ("supervisor1", "admin")


def _last_three_months() -> str:
    from django.utils import timezone

    from reports.periods import add_months

    this = timezone.localdate().replace(day=1)
    return f"from={add_months(this, -2):%Y-%m}&to={this:%Y-%m}"


def measure(persons: int) -> dict:
    """Fill (once) and time the database of ``persons``; return {key: (ms, queries)}."""
    os.environ.setdefault("PORTAL_PGDATA", str(ROOT / "var" / "pgdata-bench"))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _benchdb import setup

    setup(f"portal_bench_reports_{persons}")
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import InsuredPerson, Journal, LedgerEntry
    from reports.fold import reports_fold

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    if not Journal.objects.filter(reference__startswith="seed:").exists():
        started = time.perf_counter()
        call_command("seed_large", persons=persons, stdout=sys.stderr)
        print(f"seeded {persons:,} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    reports_fold()
    sizes = {
        "persons": InsuredPerson.objects.count(),
        "movements": Journal.objects.filter(kind__in=["direct_payment", "wallet_transfer"]).count(),
        "entries": LedgerEntry.objects.count(),
    }
    results = {}
    for user in USERS:
        client = Client()
        assert client.login(username=user, password="demo-pass-2026")
        for label, url in PAGES:
            url = url.format(last3=_last_three_months())
            response = client.get(url)  # warm up
            times, queries = [], 0
            for _ in range(REPEAT):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url)
                    if response.streaming:
                        b"".join(response.streaming_content)
                    times.append(time.perf_counter() - started)
                assert response.status_code == 200, (url, response.status_code)
                queries = len(captured.captured_queries)
            results[f"{user}|{label}"] = (statistics.median(times) * 1000, queries)
    return {"sizes": sizes, "results": results}


def main(argv: list[str]) -> None:
    if len(argv) > 2 and argv[1] == "--measure":
        print(json.dumps(measure(int(argv[2]))))
        return
    small = int(argv[1]) if len(argv) > 1 else 10_000
    large = int(argv[2]) if len(argv) > 2 else 1_000_000
    runs = {}
    for persons in (small, large):
        done = subprocess.run(
            [sys.executable, __file__, "--measure", str(persons)],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        runs[persons] = json.loads(done.stdout.strip().splitlines()[-1])
    for persons, run in runs.items():
        sizes = run["sizes"]
        print(
            f"{persons:>9,} asked: {sizes['persons']:,} persons, {sizes['movements']:,} "
            f"payments and transfers, {sizes['entries']:,} ledger entries"
        )
    print(f"\nmedian of {REPEAT} requests, server time (Django test client)\n")
    head = f"{'user':<12} {'page':<38} {small:>9,} {large:>11,}  ratio  queries"
    print(head)
    for key in runs[small]["results"]:
        user, label = key.split("|")
        ms_small, q_small = runs[small]["results"][key]
        ms_large, q_large = runs[large]["results"][key]
        print(
            f"{user:<12} {label:<38} {ms_small:7.1f}ms {ms_large:9.1f}ms "
            f"{ms_large / ms_small:6.2f}  {q_small}/{q_large}"
        )


if __name__ == "__main__":
    main(sys.argv)
