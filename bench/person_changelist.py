"""Benchmark: the insured-person admin pages on a table of a million persons.

    .venv/bin/python bench/person_changelist.py [ROWS]     (default 1,000,000)

Uses its own database (``portal_bench`` on the embedded server, or the server
in DATABASE_URL with the database name replaced), fills it once with ROWS
persons by COPY (a fifth in 370100 济南, the rest over 40 other regions), then
times the pages a caseworker and a superuser open, through Django's test
client (no network), and prints the median of 5 requests for each.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _benchdb import setup

setup("portal_bench")

from django.conf import settings  # noqa: E402

settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts import idnumbers  # noqa: E402
from accounts.models import InsuredPerson  # noqa: E402
from policies.models import Region  # noqa: E402

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
REPEAT = 5


def fill(rows: int) -> None:
    """COPY ``rows`` valid persons into the table (only when it holds fewer)."""
    have = InsuredPerson.objects.count()
    if have >= rows:
        print(f"table already holds {have:,} persons")
        return
    rnd = random.Random(7)
    regions = list(Region.objects.filter(level="prefecture").values_list("code", flat=True)[:40])
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
    now = dt.datetime.now(dt.UTC).isoformat()
    start = time.perf_counter()
    columns = (
        "national_id, name, sex, birth_date, insurance_type, region_id, enrolled_on, "
        "status, mobile, created_at, updated_at"
    )
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY accounts_insuredperson ({columns}) FROM STDIN") as copy:
            # Address codes xxxx81 are not used by the demo families, so no clash.
            for i in range(have, rows):
                region = "370100" if i % 5 == 0 else regions[i % len(regions)]
                birth = dt.date(1940, 1, 1) + dt.timedelta(days=i % 29000)
                seq = i // 29000 % 1000
                number = idnumbers.make(region[:4] + "81", birth, seq)
                sex = "M" if seq % 2 else "F"
                copy.write_row(
                    (
                        number,
                        rnd.choice(surnames) + rnd.choice(given) + rnd.choice(given),
                        sex,
                        birth,
                        "employee" if i % 3 else "resident",
                        region,
                        dt.date(2010, 1, 1),
                        "active",
                        f"13{i:09d}",
                        now,
                        now,
                    )
                )
    with connection.cursor() as cursor:  # outside the COPY; VACUUM needs autocommit
        cursor.execute("VACUUM ANALYZE accounts_insuredperson")
    elapsed = time.perf_counter() - start
    print(
        f"loaded {rows - have:,} persons in {elapsed:.1f} s ({(rows - have) / elapsed:,.0f} rows/s)"
    )


def timed(client: Client, url: str) -> tuple[float, int]:
    times, queries = [], 0
    client.get(url)  # warm caches
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(ctx.captured_queries)
    return statistics.median(times) * 1000, queries


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    fill(ROWS)
    sample = InsuredPerson.objects.filter(region_id="370100").order_by("id")[1000]
    other = InsuredPerson.objects.exclude(region_id="370100").order_by("id")[1000]
    persons = "/admin/accounts/insuredperson/"
    cases = [
        ("caseworker1", "home page (counts of own region)", "/admin/"),
        ("caseworker1", "person list, page 1", persons),
        ("caseworker1", "person list, page 150", f"{persons}?p=150"),
        ("caseworker1", "search by ID number", f"{persons}?q={sample.national_id}"),
        ("caseworker1", "search by ID of another region", f"{persons}?q={other.national_id}"),
        ("caseworker1", "search by mobile", f"{persons}?q={sample.mobile}"),
        ("caseworker1", "search by name prefix", f"{persons}?q={sample.name[:2]}"),
        (
            "caseworker1",
            "filter employee + active",
            f"{persons}?insurance_type__exact=employee&status__exact=active",
        ),
        ("caseworker1", "person detail page", f"{persons}{sample.pk}/change/"),
        ("admin", "home page (all regions)", "/admin/"),
        ("admin", "person list, page 1 (all regions)", persons),
        ("admin", "filter by region 440300", f"{persons}?region__code__exact=440300"),
    ]
    total = InsuredPerson.objects.count()
    print(f"\n{total:,} insured persons; median of {REPEAT} requests\n")
    print(f"{'user':<12} {'page':<38} {'ms':>8} {'queries':>8}")
    for user, label, url in cases:
        client = Client()
        client.login(username=user, password="demo-pass-2026")
        ms, queries = timed(client, url)
        print(f"{user:<12} {label:<38} {ms:8.1f} {queries:8d}")


if __name__ == "__main__":
    main()
