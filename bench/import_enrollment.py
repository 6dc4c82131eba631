"""Benchmark: import a 1,000,000-row GB18030 enrollment file, fresh and unchanged.

    .venv/bin/python bench/import_enrollment.py [ROWS]    (default 1,000,000)

Generates the file (with about 0.5% bad rows) under var/bench/, imports it
into an emptied ``portal_bench_import`` database, imports it again unchanged,
and measures a raw PostgreSQL COPY of the same file into a scratch table of
text columns with a primary key on the ID column, and reading and validating
the file alone (also for a copy whose mobiles and dates are typed in other
accepted forms, one with a two-line note in every row, and one with a quote
never closed in 1 name in 10,000, which the reader mends). Prints rows/s for
each, the ratios to raw COPY, and the peak memory of this process (before and
after those last two copies). Then the write floor: the imported persons copied by
PostgreSQL alone (``INSERT … SELECT``, no Python; one backend, then two at
once) into scratch tables shaped like ours, with and without the secondary
indexes and the region foreign key, and its ratio to the raw COPY; both
imports and the raw COPY again with the rows in random order; and an XLSX
import of the first 100,000 rows, read whole by calamine and then streamed by
openpyxl. Each measurement starts after a ``CHECKPOINT``.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _benchdb import setup  # noqa: E402

setup("portal_bench_import")

from django.core.management import call_command  # noqa: E402
from django.db import DatabaseError, connection  # noqa: E402

from accounts import idnumbers  # noqa: E402
from accounts.services.imports import import_enrollment  # noqa: E402
from policies.selectors import region_code_map  # noqa: E402

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
HEADER = [
    "身份证号",
    "姓名",
    "参保类型",
    "统筹区编码",
    "参保日期",
    "个人账户余额",
    "手机号",
    "参保状态",
]


def generate(
    path: Path,
    rows: int,
    *,
    shuffled: bool = False,
    typed: bool = False,
    noted: bool = False,
    stray: bool = False,
) -> int:
    """Write the test file; return how many rows are deliberately bad.

    Row ``i`` holds the ``i``-th identity number of a sequence that is nearly in
    order; ``shuffled`` writes the same rows in random order, as an extract
    sorted by anything but the identity number would have them. ``typed``
    writes mobiles as 139-1234-5678 and dates as 2021年2月3日, as people type them.
    ``noted`` adds a 备注 column holding a two-line note in every row (Excel's
    Alt+Enter). ``stray`` types one name in 10,000 with an opening double quote
    that is never closed.
    """
    rnd = random.Random(11)
    order = range(rows)
    if shuffled:
        order = list(order)
        random.Random(12).shuffle(order)
    regions = ["370100", "370200", "440300", "440100", "110000", "430100", "510100", "320100"]
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
    bad = 0
    with open(path, "w", encoding="gb18030", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(HEADER + ["备注"] if noted else HEADER)
        for i in order:
            region = regions[i % len(regions)]
            birth = dt.date(1940, 1, 1) + dt.timedelta(days=i % 29000)
            number = idnumbers.make(region[:4] + "02", birth, i // 29000 % 1000)
            employee = i % 3 != 0
            values = [
                number,
                rnd.choice(surnames) + rnd.choice(given) + rnd.choice(given),
                "职工" if employee else "城乡居民",
                region,
                f"{2000 + i % 25}/{1 + i % 12}/{1 + i % 28}",
                f"{(i * 7919) % 5_000_000 / 100:,.2f}" if employee else "",
                f"13{i:09d}",
                "正常",
            ]
            if typed:
                values[4] = f"{2000 + i % 25}年{1 + i % 12}月{1 + i % 28}日"
                values[6] = f"{values[6][:3]}-{values[6][3:7]}-{values[6][7:]}"
            if noted:
                values.append(f"第{i}号备注\r\n第二行")
            if i % 200 == 199:  # 0.5% bad rows, of several kinds
                bad += 1
                kind = (i // 200) % 4
                if kind == 0:
                    values[0] = values[0][:-1] + ("0" if values[0][-1] != "0" else "1")
                elif kind == 1:
                    values[3] = "999999"
                elif kind == 2:
                    values[4] = "2021-13-40"
                else:
                    values[6] = "12345"
            if stray and i % 10_000 == 5_000:  # the name opens a quote: "王伟
                bad += 1
                plain = [v.replace(",", "") for v in values]  # no other quote on the line
                fh.write(plain[0] + ',"' + ",".join(plain[1:]) + "\r\n")
                continue
            writer.writerow(values)
    return bad


def raw_copy(path: Path) -> float:
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_copy")
        cursor.execute(
            "CREATE TABLE bench_raw_copy (national_id text PRIMARY KEY, name text, "
            "insurance_type text, region text, enrolled_on text, balance text, mobile text, "
            "status text)"
        )
        start = time.perf_counter()
        with (
            cursor.copy(
                "COPY bench_raw_copy FROM STDIN WITH (FORMAT csv, HEADER true, ENCODING 'GB18030')"
            ) as copy,
            open(path, "rb") as fh,
        ):
            # The bad-checksum rows share no key with good ones, so the PK holds.
            for block in iter(lambda: fh.read(1 << 20), b""):
                copy.write(block)
        elapsed = time.perf_counter() - start
        cursor.execute("DROP TABLE bench_raw_copy")
    return elapsed


FLOOR_FIELDS = (
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


def checkpoint() -> None:
    """Start the next measurement with nothing left to flush from the one before.

    A fresh million writes about 0.8 GB of WAL and the write floor more; a
    checkpoint that falls inside a measurement slowed it sevenfold once.
    Needs a superuser (or the pg_checkpoint role); without one, runs on.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except DatabaseError:
        pass


def timed(cursor, sql: str) -> float:
    start = time.perf_counter()
    cursor.execute(sql)
    return time.perf_counter() - start


def timed_cpu(cursor, sql: str) -> tuple[float, float | None]:
    """The wall seconds of ``sql`` and the CPU seconds its server process spent (or None)."""
    before = backend_cpu(cursor)
    elapsed = timed(cursor, sql)
    after = backend_cpu(cursor)
    return elapsed, None if before is None or after is None else after - before


def backend_cpu(cursor) -> float | None:
    """The CPU seconds this connection's server process has used, or None if out of sight.

    Read from /proc, so only for a server on this machine (the embedded one).
    """
    cursor.execute("SELECT pg_backend_pid()")
    (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


def in_parallel(statements: list[str]) -> float:
    """Run each statement on a connection of its own, all at once; return the wall seconds."""

    def execute(sql: str) -> None:
        try:
            with connection.cursor() as cursor:  # this thread's own connection
                cursor.execute(sql)
        finally:
            connection.close()

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(statements)) as pool:
        for future in [pool.submit(execute, sql) for sql in statements]:
            future.result()
    return time.perf_counter() - start


def halves(sql: str, column: str) -> list[str]:
    """The statement split in two by the parity of ``column``, as two writers share a file."""
    return [f"{sql} WHERE {column} % 2 = {parity}" for parity in (0, 1)]


def write_floor() -> dict[str, float]:
    """Print what PostgreSQL alone needs to write the imported persons, by table shape.

    Each shape is written by one backend, then again by two at once (each taking
    every other person), which is the most two cores can do with no Python at all.
    Return the seconds of persons plus accounts: ``one`` and ``two`` backends for
    tables shaped as the app's, ``bare`` for two backends and persons with only
    their primary key and unique identity number.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM accounts_insuredperson")
        (count,) = cursor.fetchone()
        # Warm the source into the cache so every variant reads it alike.
        cursor.execute(
            f"SELECT count(*) FROM (SELECT {FLOOR_FIELDS} FROM accounts_insuredperson) s"
        )
        print(
            f"write floor: {count:,} persons by INSERT … SELECT, no Python; "
            "one backend, then two at once"
        )
        variants = [
            ("pk + unique ID + 4 secondary indexes + region FK (as the app)", True, True),
            ("pk + unique ID + region FK", False, True),
            ("pk + unique ID only", False, False),
        ]
        insert = (
            f"INSERT INTO floor_persons ({FLOOR_FIELDS}) "
            f"SELECT {FLOOR_FIELDS} FROM accounts_insuredperson"
        )
        persons, cpu = {}, {}
        for label, secondary, region_fk in variants:
            persons_table(cursor, secondary=secondary, region_fk=region_fk)
            checkpoint()
            one, cpu[label] = timed_cpu(cursor, insert)
            cursor.execute("TRUNCATE floor_persons")
            checkpoint()
            two = in_parallel(halves(insert, "id"))
            print(f"persons, {label:<62} {one:6.1f} s  {two:6.1f} s")
            persons[label] = (one, two)
        cursor.execute(
            "CREATE TABLE floor_accounts (LIKE accounts_personalaccount INCLUDING ALL, "
            "FOREIGN KEY (person_id) REFERENCES floor_persons (id))"
        )
        insert = "INSERT INTO floor_accounts SELECT * FROM accounts_personalaccount"
        checkpoint()
        one, cpu["accounts"] = timed_cpu(cursor, insert)
        cursor.execute("SELECT count(*) FROM floor_accounts")
        (accounts,) = cursor.fetchone()
        cursor.execute("TRUNCATE floor_accounts")
        checkpoint()
        two = in_parallel(halves(insert, "person_id"))
        label = f"personal accounts ({accounts:,}), FK to persons"
        print(f"{label:<71} {one:6.1f} s  {two:6.1f} s")
        cursor.execute("DROP TABLE IF EXISTS floor_accounts, floor_persons")
    app_label, bare_label = variants[0][0], variants[-1][0]
    as_app, bare = persons[app_label], persons[bare_label]
    floor = {"one": as_app[0] + one, "two": as_app[1] + two, "bare": bare[1] + two}
    if None not in cpu.values():
        floor["cpu"] = cpu[app_label] + cpu["accounts"]
        floor["bare cpu"] = cpu[bare_label] + cpu["accounts"]
        print(
            f"CPU of the one backend: {floor['cpu']:.1f} s as the app's tables, "
            f"{floor['bare cpu']:.1f} s with persons' pk + unique ID only"
        )
    return floor


def random_order(path: Path) -> None:
    """Print both imports and the raw COPY again, for the same rows in random order."""
    generate(path, ROWS, shuffled=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE accounts_personalaccount, accounts_insuredperson RESTART IDENTITY CASCADE"
        )
    rates = {}
    for label in ("fresh, random order", "unchanged, random order"):
        checkpoint()
        start = time.perf_counter()
        run = import_enrollment(path=path)
        elapsed = time.perf_counter() - start
        rates[label] = ROWS / elapsed
        print(f"{label:<24} {elapsed:5.1f} s  {rates[label]:>9,.0f} rows/s  {run.summary}")
    checkpoint()
    elapsed = raw_copy(path)
    print(f"{'raw COPY, random order':<24} {elapsed:5.1f} s  {ROWS / elapsed:>9,.0f} rows/s")
    for label, rate in rates.items():
        print(f"{label} / raw COPY = {rate * elapsed / ROWS:.2f}")


def xlsx_import(path: Path, rows: int) -> None:
    """Print the speed of an XLSX import: the first ``rows`` rows of the CSV, as one sheet."""
    from openpyxl import Workbook

    xlsx = path.with_name(f"enrollment_{rows}.xlsx")
    if not xlsx.exists():
        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        with open(path, encoding="gb18030", newline="") as fh:
            for number, values in enumerate(csv.reader(fh)):
                if number > rows:
                    break
                sheet.append(values)
        book.save(xlsx)
    from accounts.importing import xlsx_calamine

    in_memory = xlsx_calamine.IN_MEMORY_BYTES
    resident = next(
        int(line.split()[1]) / 1024
        for line in Path("/proc/self/status").read_text().splitlines()
        if line.startswith("VmRSS:")
    )
    print(f"resident memory of this process before the XLSX imports: {resident:.0f} MB")
    # Read whole by calamine (a sheet of this size fits), then streamed by openpyxl.
    for mode, limit in (("whole", in_memory), ("streamed", 0)):
        xlsx_calamine.IN_MEMORY_BYTES = limit
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE accounts_personalaccount, accounts_insuredperson RESTART IDENTITY CASCADE"
            )
        for label in (f"xlsx {mode} fresh", f"xlsx {mode} unchanged"):
            start = time.perf_counter()
            run = import_enrollment(path=xlsx)
            elapsed = time.perf_counter() - start
            print(f"{label:<25} {elapsed:6.1f} s  {rows / elapsed:>9,.0f} rows/s  {run.summary}")
    xlsx_calamine.IN_MEMORY_BYTES = in_memory
    print(f"peak memory of this process, after the XLSX imports: {peak_mb():.0f} MB")


def read_and_validate(path: Path) -> float:
    """Time the Python side alone: read, validate and deduplicate, no database writes."""
    from accounts.importing.headers import Columns
    from accounts.importing.reader import open_source
    from accounts.importing.rows import RowValidator
    from accounts.importing.run import CHUNK_SIZE, FirstLines, validated_chunks
    from portal.process import give_back_memory

    start = time.perf_counter()
    source = open_source(path)
    validator = RowValidator(Columns.from_header(source.header), region_code_map())
    first = FirstLines()
    for _chunk in validated_chunks(source, validator, first, CHUNK_SIZE):
        pass
    first.close()
    elapsed = time.perf_counter() - start
    give_back_memory()  # as each import does at its end
    return elapsed


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    call_command("migrate", verbosity=0)
    out_dir = ROOT / "var" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"enrollment_{ROWS}.csv"
    start = time.perf_counter()
    bad = generate(path, ROWS)
    print(
        f"generated {ROWS:,} rows ({bad:,} bad) in {time.perf_counter() - start:.1f} s, "
        f"{path.stat().st_size / 1e6:.0f} MB, GB18030"
    )
    print(f"peak memory after generating: {peak_mb():,.0f} MB")
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE accounts_personalaccount, accounts_insuredperson, "
            "accounts_importrowerror, accounts_importrun RESTART IDENTITY CASCADE"
        )

    results, seconds = {}, {}
    for label in ("fresh import", "unchanged re-import"):
        checkpoint()
        start = time.perf_counter()
        run = import_enrollment(path=path)
        seconds[label] = time.perf_counter() - start
        results[label] = ROWS / seconds[label]
        print(f"{label:<22} {seconds[label]:7.1f} s  {results[label]:>9,.0f} rows/s  {run.summary}")
    checkpoint()
    elapsed = raw_copy(path)
    results["raw COPY"] = ROWS / elapsed
    print(f"{'raw COPY (PK on id)':<22} {elapsed:7.1f} s  {ROWS / elapsed:>9,.0f} rows/s")
    seconds["read"] = read_and_validate(path)
    results["read and validate only"] = ROWS / seconds["read"]
    label = "read + validate only"
    print(f"{label:<22} {seconds['read']:7.1f} s  {ROWS / seconds['read']:>9,.0f} rows/s")
    typed = path.with_name(f"enrollment_{ROWS}_typed.csv")
    generate(typed, ROWS, typed=True)
    elapsed = read_and_validate(typed)
    label = "read + validate only, mobiles 139-1234-5678 and dates 2021年2月3日"
    print(f"{label}: {elapsed:.1f} s  {ROWS / elapsed:,.0f} rows/s")
    # The memory target is for the imports above; the copies below take the
    # reader's slow paths, on a heap the imports have already spread.
    print(f"peak memory of this process: {peak_mb():,.0f} MB")
    for option, label in (
        ("noted", "read + validate only, a two-line 备注 cell in every row"),
        ("stray", "read + validate only, a quote never closed in 1 name in 10,000"),
    ):
        variant = path.with_name(f"enrollment_{ROWS}_{option}.csv")
        generate(variant, ROWS, **{option: True})
        elapsed = read_and_validate(variant)
        print(f"{label}: {elapsed:.1f} s  {ROWS / elapsed:,.0f} rows/s")
    print(f"peak memory including those two copies: {peak_mb():,.0f} MB")
    for label in ("fresh import", "unchanged re-import", "read and validate only"):
        print(f"{label} / raw COPY = {results[label] / results['raw COPY']:.2f}")
    floor = write_floor()
    # What can still move (docs/benchmarks.md, "Decision on the speed targets"): the fresh
    # import against PostgreSQL's writes alone, the re-import against Python's reading and
    # validating alone.
    print(
        f"fresh import / write floor in one backend = {floor['one'] / seconds['fresh import']:.2f} "
        f"({floor['one']:.1f} s of writes, {seconds['fresh import']:.1f} s of import)"
    )
    print(
        f"fresh import / write floor in two backends = "
        f"{floor['two'] / seconds['fresh import']:.2f} ({floor['two']:.1f} s of writes)"
    )
    # The most any import could reach here: its writes alone, on both cores, with nothing
    # validated; and again with persons stripped to their primary and unique keys.
    raw = results["raw COPY"]
    for label, key in (
        ("tables as the app's", "two"),
        ("persons with pk + unique ID only", "bare"),
    ):
        print(
            f"write floor in two backends, {label}, / raw COPY = "
            f"{ROWS / floor[key] / raw:.2f} (the fresh target is 0.5)"
        )
    if "cpu" in floor:
        # Reading and validating is one Python thread: its seconds are its CPU. Whatever
        # the schedule, two cores cannot do the writes' CPU and Python's in less than half
        # their sum.
        for label, key in (("tables as the app's", "cpu"), ("pk + unique ID only", "bare cpu")):
            least = (floor[key] + seconds["read"]) / 2
            print(
                f"fresh import, least possible on two cores ({label}): {least:.1f} s, "
                f"{ROWS / least / raw:.2f} of raw COPY"
            )
    print(
        f"unchanged re-import / read + validate only = "
        f"{seconds['read'] / seconds['unchanged re-import']:.2f}"
    )
    random_order(path.with_name(f"enrollment_{ROWS}_shuffled.csv"))
    xlsx_import(path, min(ROWS, 100_000))


if __name__ == "__main__":
    from portal.process import tune_for_bulk_work

    tune_for_bulk_work()  # as the import worker and the import command do where they start
    main()
