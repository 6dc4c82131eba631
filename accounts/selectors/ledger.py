"""Read-side queries of the ledger: an account's statement, and the proofs of check_ledger."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import F, QuerySet, Sum, Window

from accounts.choices import AccountKind, TransferStatus
from accounts.models import LedgerEntry


def account_statement(*, person_id: int, account_kind: str = AccountKind.PERSONAL) -> QuerySet:
    """Return one account's entries, newest first, each with ``running_balance``: the
    account's balance after it (summed in PostgreSQL over the account's entries in order,
    served by the ``ledger_person_account`` index)."""
    return (
        LedgerEntry.objects.filter(person_id=person_id, account_kind=account_kind)
        .select_related(
            "journal__actor", "journal__binding__authorizer", "journal__binding__beneficiary"
        )
        .annotate(
            running_balance=Window(Sum("amount"), order_by=F("id").asc()),
        )
        .order_by("-id")
    )


@dataclass(frozen=True)
class Mismatch:
    """One account or journal whose ledger does not add up."""

    check: str
    key: int
    expected: Decimal | None  # what the entries say (or the pending transfers, for holds)
    found: Decimal | None  # the cached balance (or the holds' entries)


#: name -> SQL returning (key, what the ledger says, what is stored) for every mismatch
CHECKS = {
    "personal": f"""
        SELECT coalesce(a.person_id, s.person_id), coalesce(s.total, 0), a.balance
          FROM accounts_personalaccount a
          FULL JOIN (SELECT person_id, sum(amount) AS total FROM accounts_ledgerentry
                      WHERE account_kind = '{AccountKind.PERSONAL}' GROUP BY person_id) s
            ON s.person_id = a.person_id
         WHERE a.balance IS DISTINCT FROM coalesce(s.total, 0)
    """,
    "wallet": f"""
        SELECT coalesce(w.person_id, s.person_id), coalesce(s.total, 0), w.balance
          FROM accounts_wallet w
          FULL JOIN (SELECT person_id, sum(amount) AS total FROM accounts_ledgerentry
                      WHERE account_kind = '{AccountKind.WALLET}' GROUP BY person_id) s
            ON s.person_id = w.person_id
         WHERE w.balance IS DISTINCT FROM coalesce(s.total, 0)
    """,
    "transfer_hold": f"""
        SELECT coalesce(h.person_id, p.authorizer_id), coalesce(p.total, 0), coalesce(h.total, 0)
          FROM (SELECT person_id, sum(amount) AS total FROM accounts_ledgerentry
                 WHERE account_kind = '{AccountKind.TRANSFER_HOLD}' GROUP BY person_id) h
          FULL JOIN (SELECT authorizer_id, sum(amount) AS total FROM accounts_wallettransfer
                      WHERE status = '{TransferStatus.PENDING}' GROUP BY authorizer_id) p
            ON p.authorizer_id = h.person_id
         WHERE coalesce(h.total, 0) <> coalesce(p.total, 0)
    """,
    "journal": """
        SELECT j.id, 0, coalesce(sum(e.amount), 0)
          FROM accounts_journal j
          LEFT JOIN accounts_ledgerentry e ON e.journal_id = j.id
         GROUP BY j.id
        HAVING count(e.id) < 2 OR sum(e.amount) <> 0
    """,
}


def ledger_mismatches(*, chunk: int = 2000) -> Iterator[Mismatch]:
    """Yield every cached balance that differs from its entries, every person's transfer
    hold that differs from their pending transfers, and every journal that does not sum to
    zero (or has fewer than two entries).

    The sums are computed in PostgreSQL; only mismatches travel, through a server-side
    cursor, so memory stays bounded whatever the size of the ledger.
    """
    for name, sql in CHECKS.items():
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql)
            while rows := cursor.fetchmany(chunk):
                for key, expected, found in rows:
                    yield Mismatch(name, key, expected, found)
