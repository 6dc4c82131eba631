"""The one writer of the summaries: fold queued journals and binding events into them.

Triggers (migration 0002) queue the id of every journal and binding audit event as it is
inserted. :func:`reports_fold` takes queued ids in chunks; each chunk is one transaction
that deletes its ids from the queue and adds what they moved to the summaries, set-based
(one ``INSERT … SELECT … ON CONFLICT DO UPDATE`` whatever the number of rows). A row is
counted exactly once: it is queued in the transaction that writes it, so a fold sees it
only once that transaction has committed, and it leaves the queue in the transaction that
counts it. Folds of one summary take turns (an advisory lock); a service is never waited
for. ``manage.py reports_fold --every 60`` runs it beside the web server.

The summaries record ``as_of``: the time the fold began, before which everything committed
has been counted. The report pages show it.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.choices import AccountKind, JournalKind
from reports.choices import BindingEvent, MoneyMode

#: journals (or binding events) folded in one transaction
CHUNK = 200_000

#: the journal kinds the money summary counts; the queue's trigger (migration 0002) keeps
#: the same list (a test compares them). Opening balances are no spending.
FOLDED_KINDS = (
    JournalKind.DIRECT_PAYMENT,
    JournalKind.WALLET_TRANSFER,
    JournalKind.TRANSFER_ACCEPT,
    JournalKind.TRANSFER_RETURN,
    JournalKind.WALLET_SPEND,
    JournalKind.REVERSAL,
    JournalKind.IMPORT_ADJUSTMENT,
)

#: advisory-lock keys: folds of one summary take turns
_LOCKS = {"money": 72_010_001, "bindings": 72_010_002}

_ZERO6 = "0, 0, 0, 0, 0, 0"


def _documents(bindings: str) -> str:
    """SQL of the CTE ``documents`` (binding_id, document_type): for each binding of the
    subquery ``bindings``, the document of its latest kinship proof, which the summaries
    count it under (no row for a binding without a case: it counts under "")."""
    return f"""documents AS (
    SELECT DISTINCT ON (k.binding_id) k.binding_id, k.document_type
      FROM accounts_kinshipproof k
     WHERE k.binding_id IN ({bindings})
     ORDER BY k.binding_id, k.id DESC
)"""


MONEY_SQL = f"""
WITH taken AS (
    DELETE FROM reports_journalqueue
     WHERE journal_id IN (SELECT journal_id FROM reports_journalqueue
                           ORDER BY journal_id LIMIT %(limit)s)
    RETURNING journal_id
),
j AS (
    SELECT j.id, j.kind, j.created_at, j.reverses_id, j.params
      FROM accounts_journal j JOIN taken ON taken.journal_id = j.id
),
moves (at, payer, payee, binding, relation, mode, use, count, amount, accepted_count,
       accepted_amount, returned_count, returned_amount, reversed_count, reversed_amount) AS (
    -- a direct payment: the authorizer's account paid the beneficiary's bill
    SELECT p.created_at, b.authorizer_id, b.beneficiary_id, b.id, b.relation, '{MoneyMode.DIRECT}',
           p.use, 1, p.amount, {_ZERO6}
      FROM j JOIN accounts_payment p ON p.journal_id = j.id
      JOIN accounts_binding b ON b.id = p.binding_id
     WHERE j.kind = '{JournalKind.DIRECT_PAYMENT}'
    UNION ALL
    -- a wallet transfer sent (pending until accepted, returned or reversed)
    SELECT t.created_at, t.authorizer_id, t.beneficiary_id, b.id, b.relation, '{MoneyMode.WALLET}',
           '', 1, t.amount, {_ZERO6}
      FROM j JOIN accounts_wallettransfer t ON t.journal_id = j.id
      JOIN accounts_binding b ON b.id = t.binding_id
     WHERE j.kind = '{JournalKind.WALLET_TRANSFER}'
    UNION ALL
    SELECT t.created_at, t.authorizer_id, t.beneficiary_id, b.id, b.relation, '{MoneyMode.WALLET}',
           '', 0, 0, 1, t.amount, 0, 0, 0, 0
      FROM j JOIN accounts_wallettransfer t ON t.accept_journal_id = j.id
      JOIN accounts_binding b ON b.id = t.binding_id
     WHERE j.kind = '{JournalKind.TRANSFER_ACCEPT}'
    UNION ALL
    SELECT t.created_at, t.authorizer_id, t.beneficiary_id, b.id, b.relation, '{MoneyMode.WALLET}',
           '', 0, 0, 0, 0, 1, t.amount, 0, 0
      FROM j JOIN accounts_wallettransfer t ON t.return_journal_id = j.id
      JOIN accounts_binding b ON b.id = t.binding_id
     WHERE j.kind = '{JournalKind.TRANSFER_RETURN}'
    UNION ALL
    -- a payment reversed: counted in the month of the payment
    SELECT p.created_at, b.authorizer_id, b.beneficiary_id, b.id, b.relation, '{MoneyMode.DIRECT}',
           p.use, 0, 0, 0, 0, 0, 0, 1, p.amount
      FROM j JOIN accounts_payment p ON p.journal_id = j.reverses_id
      JOIN accounts_binding b ON b.id = p.binding_id
     WHERE j.kind = '{JournalKind.REVERSAL}'
    UNION ALL
    -- a transfer reversed, pending or accepted (then it is accepted no more)
    SELECT t.created_at, t.authorizer_id, t.beneficiary_id, b.id, b.relation, '{MoneyMode.WALLET}',
           '', 0, 0,
           CASE WHEN t.accept_journal_id IS NULL THEN 0 ELSE -1 END,
           CASE WHEN t.accept_journal_id IS NULL THEN 0 ELSE -t.amount END,
           0, 0, 1, t.amount
      FROM j JOIN accounts_wallettransfer t ON t.journal_id = j.reverses_id
      JOIN accounts_binding b ON b.id = t.binding_id
     WHERE j.kind = '{JournalKind.REVERSAL}'
    UNION ALL
    -- the beneficiary paid from the wallet
    SELECT j.created_at, e.person_id, e.person_id, NULL::bigint, '', '{MoneyMode.WALLET_SPEND}',
           coalesce(j.params->>'use', ''), 1, -e.amount, {_ZERO6}
      FROM j JOIN accounts_ledgerentry e ON e.journal_id = j.id
     WHERE j.kind = '{JournalKind.WALLET_SPEND}'
       AND e.account_kind = '{AccountKind.WALLET}' AND e.amount < 0
    UNION ALL
    -- a balance an import lowered: the holder's own spending elsewhere
    SELECT j.created_at, e.person_id, e.person_id, NULL::bigint, '', '{MoneyMode.OWN}', '', 1,
           -e.amount, {_ZERO6}
      FROM j JOIN accounts_ledgerentry e ON e.journal_id = j.id
     WHERE j.kind = '{JournalKind.IMPORT_ADJUSTMENT}'
       AND e.account_kind = '{AccountKind.PERSONAL}' AND e.amount < 0
),
{_documents("SELECT binding FROM moves WHERE binding IS NOT NULL")},
folded AS (
    INSERT INTO reports_moneymonth AS s (
        month, payer_region, payee_region, relation, document_type, mode, use, count, amount,
        accepted_count, accepted_amount, returned_count, returned_amount,
        reversed_count, reversed_amount)
    SELECT date_trunc('month', m.at AT TIME ZONE %(zone)s)::date, pa.region_id, pb.region_id,
           m.relation, coalesce(d.document_type, ''), m.mode, m.use, sum(m.count),
           sum(m.amount), sum(m.accepted_count), sum(m.accepted_amount),
           sum(m.returned_count), sum(m.returned_amount), sum(m.reversed_count),
           sum(m.reversed_amount)
      FROM moves m
      JOIN accounts_insuredperson pa ON pa.id = m.payer
      JOIN accounts_insuredperson pb ON pb.id = m.payee
      LEFT JOIN documents d ON d.binding_id = m.binding
     GROUP BY 1, 2, 3, 4, 5, 6, 7
     ORDER BY 1, 2, 3, 4, 5, 6, 7
    ON CONFLICT (month, payer_region, payee_region, relation, document_type, mode, use)
    DO UPDATE SET
        count = s.count + EXCLUDED.count,
        amount = s.amount + EXCLUDED.amount,
        accepted_count = s.accepted_count + EXCLUDED.accepted_count,
        accepted_amount = s.accepted_amount + EXCLUDED.accepted_amount,
        returned_count = s.returned_count + EXCLUDED.returned_count,
        returned_amount = s.returned_amount + EXCLUDED.returned_amount,
        reversed_count = s.reversed_count + EXCLUDED.reversed_count,
        reversed_amount = s.reversed_amount + EXCLUDED.reversed_amount
)
SELECT count(*) FROM taken
"""

BINDINGS_SQL = f"""
WITH taken AS (
    DELETE FROM reports_bindingeventqueue
     WHERE event_id IN (SELECT event_id FROM reports_bindingeventqueue
                         ORDER BY event_id LIMIT %(limit)s)
    RETURNING event_id
),
events AS (
    SELECT e.at, e.reason_code, b.id AS binding_id, b.relation,
           pa.region_id AS authorizer_region,
           pb.region_id AS beneficiary_region,
           CASE WHEN e.to_state = 'active' AND e.from_state <> 'active'
                    THEN '{BindingEvent.ACTIVATED}'
                WHEN e.from_state = 'active' AND e.to_state <> 'active'
                    THEN '{BindingEvent.ENDED}'
                WHEN e.to_state = 'revoked' AND e.from_state <> 'revoked'
                    THEN '{BindingEvent.WITHDRAWN}'
           END AS event
      FROM taken
      JOIN accounts_auditevent e ON e.id = taken.event_id
      JOIN accounts_binding b ON b.id = e.target_id::bigint
      JOIN accounts_insuredperson pa ON pa.id = b.authorizer_id
      JOIN accounts_insuredperson pb ON pb.id = b.beneficiary_id
),
{_documents("SELECT binding_id FROM events")},
folded AS (
    INSERT INTO reports_bindingmonth AS s (
        month, authorizer_region, beneficiary_region, relation, document_type, event,
        reason, count)
    SELECT date_trunc('month', e.at AT TIME ZONE %(zone)s)::date, e.authorizer_region,
           e.beneficiary_region, e.relation, coalesce(d.document_type, ''), e.event,
           CASE WHEN e.event = '{BindingEvent.ACTIVATED}' THEN '' ELSE e.reason_code END,
           count(*)
      FROM events e
      LEFT JOIN documents d ON d.binding_id = e.binding_id
     WHERE e.event IS NOT NULL
     GROUP BY 1, 2, 3, 4, 5, 6, 7
     ORDER BY 1, 2, 3, 4, 5, 6, 7
    ON CONFLICT (month, authorizer_region, beneficiary_region, relation, document_type,
                 event, reason)
    DO UPDATE SET count = s.count + EXCLUDED.count
)
SELECT count(*) FROM taken
"""

SUMMARIES = {"money": MONEY_SQL, "bindings": BINDINGS_SQL}

#: what a rebuild empties, and how it queues everything again (the triggers' own rules)
REBUILD_SQL = """
LOCK TABLE reports_moneymonth, reports_bindingmonth IN EXCLUSIVE MODE;
TRUNCATE reports_journalqueue, reports_bindingeventqueue, reports_moneymonth,
         reports_bindingmonth, reports_foldstate;
INSERT INTO reports_journalqueue (journal_id)
SELECT id FROM accounts_journal WHERE kind IN ({kinds});
INSERT INTO reports_bindingeventqueue (event_id)
SELECT id FROM accounts_auditevent
 WHERE target_type_id = (SELECT id FROM django_content_type
                          WHERE app_label = 'accounts' AND model = 'binding');
"""


@dataclass(frozen=True)
class Folded:
    """What one fold did: rows folded in per summary, and the time they are current to."""

    counts: dict[str, int]
    as_of: dt.datetime


def reports_fold(*, chunk: int = CHUNK) -> Folded:
    """Fold every journal and binding event queued into the summaries; return how many.

    Each chunk commits on its own (inside a caller's transaction, a savepoint), so a
    large backlog (a bulk load) is folded without one huge transaction.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        started = cursor.fetchone()[0]
    counts = {}
    for name, sql in SUMMARIES.items():
        counts[name] = 0
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCKS[name]])
                cursor.execute(sql, {"limit": chunk, "zone": settings.TIME_ZONE})
                taken = cursor.fetchone()[0]
                counts[name] += taken
                if taken < chunk:
                    cursor.execute(
                        """
                        INSERT INTO reports_foldstate (name, as_of, folded)
                        VALUES (%(name)s, %(as_of)s, %(folded)s)
                        ON CONFLICT (name) DO UPDATE SET
                            as_of = greatest(reports_foldstate.as_of, EXCLUDED.as_of),
                            folded = reports_foldstate.folded + EXCLUDED.folded
                        """,
                        {"name": name, "as_of": started, "folded": counts[name]},
                    )
                    break
                cursor.execute(
                    "UPDATE reports_foldstate SET folded = folded + %s WHERE name = %s",
                    [taken, name],
                )
    return Folded(counts, started)


def reports_rebuild(*, chunk: int = CHUNK) -> Folded:
    """Empty the summaries, queue every journal and binding event again, and fold them.

    For a database loaded around the triggers (a restore), or after a change of what the
    summaries count. Services keep writing meanwhile: what they commit is queued by the
    triggers and folded with the rest.
    """
    kinds = ", ".join(f"'{kind}'" for kind in FOLDED_KINDS)
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in REBUILD_SQL.format(kinds=kinds).split(";"):
            if statement.strip():
                cursor.execute(statement)
    return reports_fold(chunk=chunk)


def reports_fold_every(seconds: float, *, stop=lambda: False, log=print) -> None:
    """Fold every ``seconds`` until ``stop()`` says so (``manage.py reports_fold --every``)."""
    while not stop():
        done = reports_fold()
        if any(done.counts.values()):
            log(f"folded {done.counts} (as of {timezone.localtime(done.as_of):%Y-%m-%d %H:%M:%S})")
        time.sleep(seconds)
