"""Benchmark: direct payments through ``payment_create`` under contention, and check_ledger.

    .venv/bin/python bench/transfers.py [PAYMENTS_PER_WORKER] [ENTRIES]
        (defaults 250 and 1,000,000)

On its own database (``portal_bench_money``), emptied first:

1. 8 worker processes (each with its own connection) pay bills through
   ``payment_create`` on 100 shared accounts, picked at random, so that workers wait on
   each other's account locks; then 8 workers each on 100 accounts of its own. Prints
   payments per second for both and their ratio.
2. Fills the ledger set-based to ENTRIES entries (journals of two entries on 10,000
   accounts, cached balances set to match), then runs ``manage.py check_ledger`` in a
   subprocess and prints its time and peak memory (the child's ru_maxrss).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import random
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _benchdb import setup  # noqa: E402

DATABASE = "portal_bench_money"
setup(DATABASE)

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts import idnumbers  # noqa: E402
from accounts.choices import BindingBasis, BindingStatus, InsuranceType  # noqa: E402
from accounts.models import Binding, InsuredPerson, PersonalAccount  # noqa: E402
from accounts.services.payments import PaymentRefused, payment_create  # noqa: E402

WORKERS = 8
SHARED = 100
PER_WORKER = int(sys.argv[1]) if len(sys.argv) > 1 else 250
ENTRIES = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
LEDGER_ACCOUNTS = 10_000
AT = timezone.make_aware(dt.datetime(2026, 12, 7, 12, 0))


def reset() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE accounts_payment, accounts_wallettransfer, accounts_ledgerentry, "
            "accounts_journal, accounts_wallet, accounts_auditevent, accounts_binding, "
            "accounts_personalaccount, accounts_insuredperson RESTART IDENTITY CASCADE"
        )


def make_persons(count: int, start: int, *, employee: bool) -> list[InsuredPerson]:
    persons = [
        InsuredPerson(
            national_id=idnumbers.make(
                "370102",
                dt.date(1960, 1, 1) + dt.timedelta(days=(start + i) // 400),
                (start + i) % 400 * 2 + 1,
            ),
            name=f"压测{start + i}",
            insurance_type=InsuranceType.EMPLOYEE if employee else InsuranceType.RESIDENT,
            region_id="370100",
            enrolled_on=dt.date(2015, 1, 1),
        )
        for i in range(count)
    ]
    for p in persons:
        p.apply_identity_number()
    created = InsuredPerson.objects.bulk_create(persons, batch_size=2000)
    if employee:
        # The opening trigger writes each statement's balances as one opening journal.
        PersonalAccount.objects.bulk_create(
            [PersonalAccount(person=p, balance=Decimal("10000000.00")) for p in created],
            batch_size=2000,
        )
    return created


def make_bindings(authorizers, beneficiaries) -> list[int]:
    now = timezone.now()
    bindings = Binding.objects.bulk_create(
        Binding(
            authorizer=a,
            beneficiary=b,
            relation="father",
            basis=BindingBasis.PLEDGE,
            status=BindingStatus.ACTIVE,
            starts_on=dt.date(2026, 1, 1),
            activated_at=now,
        )
        for a, b in zip(authorizers, beneficiaries, strict=True)
    )
    return [b.pk for b in bindings]


def worker(args) -> tuple[float, float, int, int]:
    """Pay PER_WORKER bills on ``binding_ids``; return (start, end, paid, refused)."""
    label, index, binding_ids = args
    connections.close_all()  # never share the parent's connection
    rng = random.Random(index)
    bindings = list(Binding.objects.filter(pk__in=binding_ids))
    paid = refused = 0
    start = time.perf_counter()
    for i in range(PER_WORKER):
        try:
            payment_create(
                actor=None,
                via="command",
                reference=f"bench-{label}-{index}-{i}",
                binding=rng.choice(bindings),
                use="pharmacy",
                bill_amount=None,
                amount=Decimal(rng.randint(100, 50000)) / 100,
                at=AT,
            )
            paid += 1
        except PaymentRefused:
            refused += 1
    end = time.perf_counter()
    connections.close_all()
    return start, end, paid, refused


def run(label: str, groups: list[list[int]]) -> float:
    connections.close_all()
    with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
        results = pool.map(worker, [(label, i, ids) for i, ids in enumerate(groups)])
    start = min(r[0] for r in results)
    end = max(r[1] for r in results)
    paid = sum(r[2] for r in results)
    rate = paid / (end - start)
    print(
        f"{label:<28} {paid:,} paid, {sum(r[3] for r in results)} refused in "
        f"{end - start:.1f} s: {rate:,.0f} payments/s"
    )
    return rate


def fill_ledger(entries: int) -> None:
    """Bring the ledger to ``entries`` entries, set-based, with the caches matching."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM accounts_ledgerentry")
        missing = entries - cursor.fetchone()[0]
        journals = max(missing // 2, 0)
        cursor.execute(
            "SELECT person_id FROM accounts_personalaccount ORDER BY person_id LIMIT %s",
            [LEDGER_ACCOUNTS],
        )
        accounts = [row[0] for row in cursor.fetchall()]
        cursor.execute("CREATE TEMP TABLE bench_accounts (n int PRIMARY KEY, person_id bigint)")
        cursor.executemany("INSERT INTO bench_accounts VALUES (%s, %s)", list(enumerate(accounts)))
        cursor.execute(
            """
            INSERT INTO accounts_journal (kind, reference, created_at, via, memo, params)
            SELECT 'direct_payment', 'bench-fill-' || g, now(), 'command', '', '{}'::jsonb
              FROM generate_series(1, %s) g
            """,
            [journals],
        )
        cursor.execute(
            """
            INSERT INTO accounts_ledgerentry (journal_id, account_kind, person_id, amount)
            SELECT j.id, 'personal', a.person_id, -1.00
              FROM accounts_journal j
              JOIN bench_accounts a ON a.n = j.id %% %(accounts)s
             WHERE j.reference LIKE 'bench-fill-%%'
            UNION ALL
            SELECT j.id, 'settlement', NULL, 1.00
              FROM accounts_journal j WHERE j.reference LIKE 'bench-fill-%%'
            """,
            {"accounts": len(accounts)},
        )
        cursor.execute(
            """
            UPDATE accounts_personalaccount p SET balance = s.total
              FROM (SELECT person_id, sum(amount) AS total FROM accounts_ledgerentry
                     WHERE account_kind = 'personal' GROUP BY person_id) s
             WHERE p.person_id = s.person_id AND p.balance <> s.total
            """
        )
        cursor.execute("DROP TABLE bench_accounts")
        cursor.execute("ANALYZE accounts_ledgerentry")
        cursor.execute("ANALYZE accounts_journal")
        cursor.execute("SELECT count(*) FROM accounts_ledgerentry")
        print(f"ledger filled to {cursor.fetchone()[0]:,} entries")


#: ``manage.py check_ledger`` in a fresh interpreter that reports its own peak memory
CHECK_LEDGER = """
import resource, runpy, sys
sys.argv = ["manage.py", "check_ledger"]
try:
    runpy.run_path(%r, run_name="__main__")
finally:
    print("maxrss", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def check_ledger() -> None:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHECK_LEDGER % str(ROOT / "manage.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    peak_kb = int(done.stderr.rsplit("maxrss", 1)[1])
    said = done.stdout.strip() or done.stderr.rsplit("maxrss", 1)[0].strip()[-300:]
    print(
        f"check_ledger: exit {done.returncode} in {elapsed:.1f} s, "
        f"peak memory {peak_kb / 1024:,.0f} MB: {said}"
    )


def main() -> None:
    call_command("migrate", verbosity=0)
    reset()
    authorizers = make_persons(SHARED + WORKERS * SHARED + LEDGER_ACCOUNTS, 0, employee=True)
    beneficiaries = make_persons(SHARED + WORKERS * SHARED, len(authorizers), employee=False)
    ids = make_bindings(authorizers[: len(beneficiaries)], beneficiaries)
    shared, own = ids[:SHARED], ids[SHARED:]
    print(f"{WORKERS} workers, {PER_WORKER} payments each")
    contended = run("shared (100 accounts)", [shared] * WORKERS)
    disjoint = run("disjoint (100 each)", [own[i::WORKERS] for i in range(WORKERS)])
    print(f"shared / disjoint: {contended / disjoint:.2f}")
    check_ledger()
    fill_ledger(ENTRIES)
    check_ledger()


if __name__ == "__main__":
    main()
