"""The one writer of the ledger: post a journal, its entries, and the cached balances.

Callers (``accounts.services.payments``) lock the accounts first (``accounts.locks``) and
call :func:`post` inside their transaction. :func:`ledger_adjust_balances_sql` is the
set-based path of the enrollment import, which sets many balances at once.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.choices import PERSON_ACCOUNT_KINDS, AccountKind, JournalKind, Via
from accounts.models import Journal, LedgerEntry, PersonalAccount, Wallet

#: the account kinds whose balance is cached on a row, and the model holding it
CACHED = {AccountKind.PERSONAL: PersonalAccount, AccountKind.WALLET: Wallet}


class LedgerUnbalanced(ValueError):
    """A journal's entries do not sum to zero (a programming error, never a user's)."""


@dataclass(frozen=True)
class Entry:
    account_kind: str
    amount: Decimal
    person_id: int | None = None


def post(
    *,
    kind: str,
    reference: str,
    actor,
    via: str,
    entries: Iterable[Entry],
    binding=None,
    memo: str = "",
    params: dict | None = None,
    reverses: Journal | None = None,
    at=None,
) -> Journal:
    """Write one journal with ``entries`` and move the cached balances by them.

    The caller holds the locks of the personal accounts and wallets named. Entries of
    zero are left out; the rest must sum to zero. A balance that would go negative makes
    the database raise (the accounts' check constraints), and the whole journal with it.
    A ``reference`` already used raises ``IntegrityError``.
    """
    entries = [e for e in entries if e.amount != 0]
    if len(entries) < 2 or sum(e.amount for e in entries) != 0:
        raise LedgerUnbalanced(f"journal {reference!r} does not balance: {entries}")
    for e in entries:
        if (e.account_kind in PERSON_ACCOUNT_KINDS) != (e.person_id is not None):
            raise LedgerUnbalanced(f"entry {e} names a person where it should not, or none")
    with transaction.atomic():
        journal = Journal.objects.create(
            kind=kind,
            reference=reference,
            created_at=at or timezone.now(),
            actor=actor if actor is not None and actor.is_authenticated else None,
            via=via,
            binding=binding,
            memo=memo,
            params=params or {},
            reverses=reverses,
        )
        # One statement: the balance trigger checks the journal once, whole.
        LedgerEntry.objects.bulk_create(
            LedgerEntry(
                journal=journal,
                account_kind=e.account_kind,
                person_id=e.person_id,
                amount=e.amount,
            )
            for e in entries
        )
        moves: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
        for e in entries:
            if e.account_kind in CACHED:
                moves[(e.account_kind, e.person_id)] += e.amount
        for (account_kind, person_id), delta in sorted(moves.items()):
            if delta:
                updated = (
                    CACHED[account_kind]
                    .objects.filter(pk=person_id)
                    .update(balance=F("balance") + delta, updated_at=timezone.now())
                )
                if updated != 1:
                    raise LedgerUnbalanced(f"no {account_kind} account for person {person_id}")
    return journal


def opposite(journal: Journal) -> list[Entry]:
    """Return the entries that undo ``journal``'s."""
    return [Entry(e.account_kind, -e.amount, e.person_id) for e in journal.entries.order_by("id")]


def ledger_adjust_balances_sql(
    *,
    table: str,
    reference: str | None = None,
    actor=None,
    via: str = Via.IMPORT,
    memo: str = "",
    params: dict | None = None,
    update_balances: bool = False,
) -> int | None:
    """Record in the ledger the balances an import sets, set-based; return the journal's id.

    ``table`` names a table (a temporary one, say) with the columns ``person_id``,
    ``old_balance`` and ``new_balance`` (numeric), one row per personal account, the old
    balance being the account's balance as it stands in the ledger (the cached one, read
    under the chunk's lock). Writes one ``import_adjustment`` journal: an entry of
    ``new − old`` on each personal account whose balance changes and one balancing entry on
    the import-adjustment account, in two statements whatever the number of rows. Returns
    None, writing nothing, when no balance changes. ``reference`` (unique among journals:
    ``import:<run>:chunk:<n>``, say) defaults to a fresh one; a chunk written again after a
    rollback to its savepoint may reuse its own, one written again on purpose needs a new one.

    With ``update_balances`` also sets the cached balances to the new ones; without it (the
    import writer's own UPDATE sets them) the caller must set exactly those balances in the
    same transaction, or ``check_ledger`` reports the difference. Runs inside the caller's
    transaction (a savepoint), never commits.
    """
    quoted = connection.ops.quote_name(table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {quoted} WHERE new_balance IS DISTINCT FROM old_balance"
        )
        if not cursor.fetchone()[0]:
            return None
        journal = Journal.objects.create(
            kind=JournalKind.IMPORT_ADJUSTMENT,
            reference=reference or f"import_adjustment:{uuid.uuid4()}",
            created_at=timezone.now(),
            actor=actor if actor is not None and actor.is_authenticated else None,
            via=via,
            memo=memo,
            params=params or {},
        )
        cursor.execute(
            f"""
            INSERT INTO accounts_ledgerentry (journal_id, account_kind, person_id, amount)
            SELECT %(journal)s, %(personal)s, person_id, new_balance - old_balance
              FROM {quoted} WHERE new_balance <> old_balance
            UNION ALL
            SELECT %(journal)s, %(adjustment)s, NULL, -sum(new_balance - old_balance)
              FROM {quoted} WHERE new_balance <> old_balance
            HAVING sum(new_balance - old_balance) <> 0
            """,
            {
                "journal": journal.pk,
                "personal": AccountKind.PERSONAL,
                "adjustment": AccountKind.IMPORT_ADJUSTMENT,
            },
        )
        if update_balances:
            cursor.execute(
                f"""
                UPDATE accounts_personalaccount a
                   SET balance = t.new_balance, updated_at = now()
                  FROM {quoted} t
                 WHERE a.person_id = t.person_id AND t.new_balance <> t.old_balance
                """
            )
    return journal.pk


def ledger_adjust_balances(
    *, rows: Iterable[tuple[int, Decimal, Decimal]], reference: str | None = None, **kwargs
) -> int | None:
    """:func:`ledger_adjust_balances_sql` for ``(person_id, old, new)`` tuples in memory."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS ledger_adjust_rows "
            "(person_id bigint, old_balance numeric, new_balance numeric) ON COMMIT DROP"
        )
        cursor.execute("TRUNCATE ledger_adjust_rows")
        with cursor.copy(
            "COPY ledger_adjust_rows (person_id, old_balance, new_balance) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        journal = ledger_adjust_balances_sql(
            table="ledger_adjust_rows", reference=reference, **kwargs
        )
        cursor.execute("DROP TABLE ledger_adjust_rows")
    return journal
