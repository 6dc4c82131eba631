"""Benchmark: what PostgreSQL alone needs to write a million new persons, by table shape.

    .venv/bin/python bench/import_write_floor.py

Run after ``bench/import_enrollment.py`` (it reads the persons that left in the
``portal_bench_import`` database). Each variant copies them, with one
``INSERT … SELECT`` in one backend and no Python in the loop, into a scratch
table shaped like ``accounts_insuredperson`` with more or fewer of its indexes
and its region foreign key; then the personal accounts into a table with the
foreign key to persons. This is the floor under a fresh import's write path.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
os.environ["PORTAL_DB_NAME"] = "portal_bench_import"
if os.environ.get("DATABASE_URL"):
    base, _, _ = os.environ["DATABASE_URL"].rpartition("/")
    os.environ["DATABASE_URL"] = f"{base}/portal_bench_import"

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

FIELDS = (
    "id, national_id, name, sex, birth_date, insurance_type, region_id, enrolled_on, status, "
    "mobile, created_at, updated_at"
)
SECONDARY = [
    "CREATE INDEX ON floor_persons (region_id, id DESC)",
    "CREATE INDEX ON floor_persons (region_id, insurance_type)",
    "CREATE INDEX ON floor_persons (name varchar_pattern_ops)",
    "CREATE INDEX ON floor_persons (mobile) WHERE mobile <> ''",
]
REGION_FK = (
    "ALTER TABLE floor_persons ADD FOREIGN KEY (region_id) REFERENCES policies_region (code)"
)


def timed(cursor, sql: str) -> float:
    start = time.perf_counter()
    cursor.execute(sql)
    return time.perf_counter() - start


def persons_table(cursor, *, secondary: bool, region_fk: bool) -> None:
    cursor.execute("DROP TABLE IF EXISTS floor_accounts, floor_persons")
    cursor.execute(
        "CREATE TABLE floor_persons (LIKE accounts_insuredperson INCLUDING DEFAULTS "
        "INCLUDING CONSTRAINTS)"
    )
    cursor.execute("ALTER TABLE floor_persons ADD PRIMARY KEY (id), ADD UNIQUE (national_id)")
    if secondary:
        for sql in SECONDARY:
            cursor.execute(sql)
    if region_fk:
        cursor.execute(REGION_FK)


def main() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM accounts_insuredperson")
        (count,) = cursor.fetchone()
        if not count:
            sys.exit("Run bench/import_enrollment.py first: the person table is empty.")
        # Warm the source into the cache so every variant reads it alike.
        cursor.execute(f"SELECT count(*) FROM (SELECT {FIELDS} FROM accounts_insuredperson) s")
        print(f"{count:,} persons")
        variants = [
            ("pk + unique ID + 4 secondary indexes + region FK (as the app)", True, True),
            ("pk + unique ID + region FK", False, True),
            ("pk + unique ID only", False, False),
        ]
        for label, secondary, region_fk in variants:
            persons_table(cursor, secondary=secondary, region_fk=region_fk)
            elapsed = timed(
                cursor,
                f"INSERT INTO floor_persons ({FIELDS}) SELECT {FIELDS} FROM accounts_insuredperson",
            )
            print(f"persons, {label:<62} {elapsed:6.1f} s  {count / elapsed:>9,.0f} rows/s")
        cursor.execute(
            "CREATE TABLE floor_accounts (LIKE accounts_personalaccount INCLUDING ALL, "
            "FOREIGN KEY (person_id) REFERENCES floor_persons (id))"
        )
        elapsed = timed(
            cursor,
            "INSERT INTO floor_accounts SELECT * FROM accounts_personalaccount",
        )
        cursor.execute("SELECT count(*) FROM floor_accounts")
        (accounts,) = cursor.fetchone()
        print(f"personal accounts ({accounts:,}), FK to persons {'':<27} {elapsed:6.1f} s")
        cursor.execute("DROP TABLE IF EXISTS floor_accounts, floor_persons")


if __name__ == "__main__":
    main()
