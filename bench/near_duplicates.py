"""Benchmark: the query behind ``pages_seen_elsewhere`` on a table of many pages.

    .venv/bin/python bench/near_duplicates.py [PAGES]      (default 300,000)

On its own database (``portal_bench_scans``, migrated first), in a copy of the
``accounts_proofpage`` table (``CREATE TABLE … (LIKE … INCLUDING ALL)``: the same columns,
generated band columns and indexes) filled by COPY, and a table of cases with just the
columns the query reads. The hashes are synthetic, and the spread is an assumption:

- 70 % of the pages have uniformly random hashes;
- 30 % are pages of five printed forms, within 0 to 8 bits of the form's hash (every
  household's 户口本 page looks alike to a perceptual hash);
- 1 % are not read yet, 5 % were read without an ID number; the others show one ID number.

Runs the selector's SQL (``accounts.selectors.scans._SEEN_SQL``, its table names pointed
at the copies) for cases of 1, 4 and 20 pages, random and of a printed form, read and not
read, and prints the median time of 5 runs and the rows it returned.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _benchdb import setup

setup("portal_bench_scans")

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts import phash  # noqa: E402
from accounts.selectors import scans  # noqa: E402

PAGES = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
FORMS = 5
READ_ID = ["370102198503071236"]


def fill(cursor, rng) -> list[int]:
    cursor.execute("DROP TABLE IF EXISTS bench_page, bench_case")
    cursor.execute("CREATE TABLE bench_page (LIKE accounts_proofpage INCLUDING ALL)")
    cursor.execute(
        "CREATE TABLE bench_case (id bigint PRIMARY KEY, case_number varchar(24), "
        "authorizer_id bigint, beneficiary_id bigint)"
    )
    forms = [rng.getrandbits(64) for _ in range(FORMS)]
    lines = []
    for i in range(PAGES):
        if rng.random() < 0.3:
            value = rng.choice(forms)
            for bit in rng.sample(range(64), rng.randint(0, 8)):
                value ^= 1 << bit
        else:
            value = rng.getrandbits(64)
        status = "pending" if rng.random() < 0.01 else "done"
        ids = "{}" if status == "pending" or rng.random() < 0.05 else f"{{{i * 7919:018d}}}"
        fields = [i + 1, i // 2 + 1, i % 2 + 1, "proofs/x", "image/png", ".png", 0, "", ""]
        fields += [1, 0, 0, f"{rng.getrandbits(256):064x}", f"{value:016x}", ""]
        fields += ["2026-12-01 00:00+08", status, "", "[]", "", "\\N", "", ids]
        lines.append("\t".join(map(str, fields)) + "\n")
    columns = (
        "id, proof_id, number, file, content_type, extension, pdf_page, image, thumbnail, "
        "size, width, height, sha256, phash, original_name, uploaded_at, ocr_status, "
        "ocr_text, ocr_boxes, ocr_engine, ocr_at, ocr_error, ocr_ids"
    )
    with cursor.cursor.copy(f"COPY bench_page ({columns}) FROM STDIN") as copy:
        copy.write("".join(lines))
    with cursor.cursor.copy("COPY bench_case FROM STDIN") as copy:
        copy.write(
            "".join(f"{p}\tGJ{p:012d}\t{2 * p}\t{2 * p + 1}\n" for p in range(1, PAGES // 2 + 2))
        )
    cursor.execute("VACUUM ANALYZE bench_page")
    cursor.execute("VACUUM ANALYZE bench_case")
    return forms


def timed(cursor, hashes: list[str], ids: list[str]) -> tuple[float, int]:
    sql = scans._SEEN_SQL.replace("accounts_proofpage", "bench_page").replace(
        "accounts_kinshipproof", "bench_case"
    )
    values, params = [], scans._seen_params(0, -1, -2)
    for i, value in enumerate(hashes):
        values.append(
            f"(%(n{i})s::int, %(s{i})s::varchar, %(h{i})s::bigint, %(b{i})s::smallint[], "
            f"%(i{i})s::varchar[])"
        )
        params |= {
            f"n{i}": i + 1,
            f"s{i}": f"{i:064x}",
            f"h{i}": phash.signed(value),
            f"b{i}": phash.bands(value),
            f"i{i}": ids,
        }
    sql = sql.format(values=", ".join(values))
    spent = []
    for _ in range(5):
        started = time.perf_counter()
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        spent.append(time.perf_counter() - started)
    return statistics.median(spent) * 1000, len(rows)


def main() -> None:
    call_command("migrate", verbosity=0)
    rng = random.Random(2026)
    with connection.cursor() as cursor:
        started = time.perf_counter()
        forms = fill(cursor, rng)
        print(f"{PAGES:,} pages loaded and indexed in {time.perf_counter() - started:.1f} s")
        print("\n| case | ms (median of 5) | rows |")
        print("|---|---:|---:|")
        for pages in (1, 4, 20):
            for kind, make in (
                ("random", lambda: f"{rng.getrandbits(64):016x}"),
                ("printed form", lambda: f"{rng.choice(forms):016x}"),
            ):
                hashes = [make() for _ in range(pages)]
                for read, ids in (("read", READ_ID), ("not read", [])):
                    ms, rows = timed(cursor, hashes, ids)
                    print(f"| {pages} pages, {kind}, {read} | {ms:.0f} | {rows} |")
        cursor.execute("DROP TABLE bench_page, bench_case")


if __name__ == "__main__":
    main()
