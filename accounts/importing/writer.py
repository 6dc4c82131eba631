"""Write validated rows in set-based steps per chunk: COPY to a staging table, then SQL.

A chunk's good rows (distinct identity numbers) are COPYed into a temporary
staging table. Then, in the chunk's transaction:

1. rows whose person and account already hold the same values are removed
   from the stage and counted as unchanged: nothing is written or locked for
   them, which is what makes an unchanged re-import cheap;
2. persons that changed are updated (only those);
3. new persons are inserted, with the personal accounts of the employee-insured,
   and removed from the stage;
4. accounts of existing persons are created or their balance set.

When most rows of the last chunk were new (a first load), step 3 runs first,
so steps 1 and 2 probe only what is left.

Each probe of the large tables is an index lookup per staged row (hash and
merge joins are switched off for the chunk: a chunk is small, the tables are
not). Steps 2–3 assume no other session writes the same persons at the same
moment; if one does (a unique violation or a deadlock), the chunk is rolled
back to its savepoint and written again with ``INSERT … ON CONFLICT … DO
UPDATE``, which is safe under concurrency but slower. The ledger issue will
turn a changed balance into an adjustment entry in step 4, inside the same
transaction.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import translation

from accounts.choices import Via
from accounts.messages import Message
from accounts.services.ledger import ledger_adjust_balances

from .changes import (
    PERSON_FIELDS,
    account_unchanged,
    add_counts,
    balance_changes,
    change_tokens_sql,
    revival_refused,
    row_differs,
    tokens_counted,
)

STAGE = "enrollment_stage"
CREATE_STAGE = f"""
CREATE TEMP TABLE IF NOT EXISTS {STAGE} (
    national_id varchar(18) PRIMARY KEY,
    name varchar(50) NOT NULL,
    sex varchar(1) NOT NULL,
    birth_date date NOT NULL,
    insurance_type varchar(10) NOT NULL,
    region_id varchar(6) NOT NULL,
    enrolled_on date NOT NULL,
    status varchar(10) NOT NULL,
    mobile varchar(11) NOT NULL,
    balance numeric(14, 2)
) ON COMMIT DELETE ROWS
"""
COLUMNS = (
    "national_id, name, sex, birth_date, insurance_type, region_id, enrolled_on, status, "
    "mobile, balance"
)


NESTED_LOOPS_ONLY = "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off"
ANY_JOIN = "SET LOCAL enable_hashjoin = on; SET LOCAL enable_mergejoin = on"
#: every column of a new person, from the stage (a column the file lacks was staged with
#: the field's default: no mobile, an active enrolment)
NEW_PERSON = (
    "national_id, name, sex, birth_date, insurance_type, region_id, enrolled_on, status, mobile"
)


@dataclass(frozen=True)
class Statements:
    """The chunk's statements for one set of person fields the file sets (``fields``).

    A field whose column the file lacks is neither compared nor written for a stored
    person: a file without 手机号 leaves every stored mobile as it is.
    """

    drop_unchanged: str
    #: the staged rows that would take a deceased person back to life, taken off the stage
    #: ("" for a file without a status column, which changes no status)
    refuse_revivals: str
    update_changed: str
    insert_new: str
    insert_new_after_update: str
    upsert_persons: str


@functools.cache
def statements(fields: tuple[str, ...] = PERSON_FIELDS) -> Statements:
    """Return the chunk's SQL for a file that sets the person ``fields``."""
    set_from = ", ".join(f"{f} = s.{f}" for f in fields)
    set_from_excluded = ", ".join(f"{f} = EXCLUDED.{f}" for f in fields)
    # each changed person's changes, field by field, for the run's change summary
    tokens = change_tokens_sql("p", "s", fields)
    insert_new_steps = f"""
WITH created AS (
    INSERT INTO accounts_insuredperson
        ({NEW_PERSON}, created_at, updated_at, last_import_run_id)
    SELECT {NEW_PERSON}, now(), now(), %(run)s
    FROM {STAGE} s
    WHERE NOT EXISTS (SELECT 1 FROM accounts_insuredperson p WHERE p.national_id = s.national_id)
    RETURNING id, national_id, insurance_type
), accounts AS (
    INSERT INTO accounts_personalaccount (person_id, balance, updated_at, last_import_run_id)
    SELECT c.id, COALESCE(s.balance, 0), now(), %(run)s
    FROM created c JOIN {STAGE} s ON s.national_id = c.national_id
    WHERE c.insurance_type = 'employee'
), done AS (
    DELETE FROM {STAGE} s USING created c WHERE s.national_id = c.national_id
)"""
    return Statements(
        drop_unchanged=f"""
DELETE FROM {STAGE} s
USING accounts_insuredperson p
WHERE p.national_id = s.national_id
  -- Compared as whole rows with IS NOT DISTINCT FROM, which no index serves: on a table
  -- not yet analysed, equality on region and type would tempt the planner to probe by
  -- person_region_type (a whole region per staged row) instead of by identity number.
  AND NOT {row_differs("p", "s", fields)}
  AND {account_unchanged("p", "s")}
""",
        refuse_revivals=f"""
DELETE FROM {STAGE} s
USING accounts_insuredperson p
WHERE p.national_id = s.national_id AND {revival_refused("p", "s")}
RETURNING s.national_id, s.status
"""
        if "status" in fields
        else "",
        # The persons changed, with their enrolment before and after: an enrolment that
        # ends, or an authorizer who leaves employee insurance, ends their bindings; and
        # what changed of each, as ``field:kind`` tokens (``changes.change_tokens_sql``).
        # (``before`` reads the persons as the statement began, before its UPDATE.)
        update_changed=f"""
WITH before AS (
    SELECT p.id, p.status, p.insurance_type, {tokens} AS changes
    FROM accounts_insuredperson p JOIN {STAGE} s ON p.national_id = s.national_id
    WHERE {row_differs("p", "s", fields)}
), changed AS (
    UPDATE accounts_insuredperson p
    SET {set_from}, updated_at = now(), last_import_run_id = %(run)s
    FROM {STAGE} s
    WHERE p.national_id = s.national_id AND {row_differs("p", "s", fields)}
    RETURNING p.id, p.status, p.insurance_type
)
SELECT c.id, b.status, b.insurance_type, c.status, c.insurance_type, b.changes
FROM changed c JOIN before b ON b.id = c.id
""",
        insert_new=f"""{insert_new_steps}
SELECT count(*) FROM created
""",
        # After the update step, the same insert also asks whether a staged person it
        # skips as existing holds other values than the stage: one another session
        # created or changed after the update step looked (each statement sees the
        # persons as they were when it began). Left so, the person would keep the other
        # session's values while the account below took the file's balance. The chunk
        # then goes the safe path instead.
        insert_new_after_update=f"""{insert_new_steps}, late AS (
    SELECT 1 FROM {STAGE} s JOIN accounts_insuredperson p ON p.national_id = s.national_id
    WHERE {row_differs("p", "s", fields)}
    LIMIT 1
)
SELECT count(*), EXISTS (SELECT 1 FROM late) FROM created
""",
        # Persons created concurrently by someone else land here, on the safe path.
        upsert_persons=f"""
WITH before AS (
    SELECT p.id, p.status, p.insurance_type, {tokens} AS changes
    FROM accounts_insuredperson p JOIN {STAGE} s ON p.national_id = s.national_id
), written AS (
    INSERT INTO accounts_insuredperson AS p
        ({NEW_PERSON}, created_at, updated_at, last_import_run_id)
    SELECT {NEW_PERSON}, now(), now(), %(run)s
    FROM {STAGE}
    ORDER BY national_id
    ON CONFLICT (national_id) DO UPDATE
    SET {set_from_excluded}, updated_at = now(),
        last_import_run_id = EXCLUDED.last_import_run_id
    WHERE {row_differs("p", "EXCLUDED", fields)}
    RETURNING p.id, (p.xmax = 0) AS inserted, p.status, p.insurance_type
)
SELECT w.id, w.inserted, b.status, b.insurance_type, w.status, w.insurance_type, b.changes
FROM written w LEFT JOIN before b ON b.id = w.id
""",
    )


_ALL = statements()
# The statements of a file with every column (the tests' hooks name them).
DROP_UNCHANGED = _ALL.drop_unchanged
UPDATE_CHANGED = _ALL.update_changed
INSERT_NEW = _ALL.insert_new
INSERT_NEW_AFTER_UPDATE = _ALL.insert_new_after_update
UPSERT_PERSONS = _ALL.upsert_persons
# The staged accounts whose balance the file changes, locked in primary-key order, with the
# balance they hold: the difference becomes the chunk's import-adjustment journal
# (``services.ledger``), so the ledger explains it. (A separate statement: a lock taken in
# the upsert's own statement would skip the rows that statement has just updated.)
LOCK_CHANGED_BALANCES = f"""
SELECT a.person_id, a.balance
FROM {STAGE} s
JOIN accounts_insuredperson p ON p.national_id = s.national_id
JOIN accounts_personalaccount a ON a.person_id = p.id
WHERE s.insurance_type = 'employee' AND s.balance IS NOT NULL
  AND a.balance IS DISTINCT FROM s.balance
ORDER BY a.person_id
FOR UPDATE OF a
"""
# The accounts of the staged employee-insured: opened (the ledger's opening trigger books
# their balance), or given the file's balance.
UPSERT_ACCOUNTS = f"""
INSERT INTO accounts_personalaccount AS a (person_id, balance, updated_at, last_import_run_id)
SELECT p.id, COALESCE(s.balance, 0), now(), %(run)s
FROM {STAGE} s JOIN accounts_insuredperson p ON p.national_id = s.national_id
WHERE s.insurance_type = 'employee'
  AND (s.balance IS NOT NULL
       OR NOT EXISTS (SELECT 1 FROM accounts_personalaccount x WHERE x.person_id = p.id))
ORDER BY p.id
ON CONFLICT (person_id) DO UPDATE
SET balance = EXCLUDED.balance, updated_at = now(), last_import_run_id = EXCLUDED.last_import_run_id
WHERE a.balance IS DISTINCT FROM EXCLUDED.balance
RETURNING a.person_id, a.balance
"""


def _accounts(cursor, run: dict) -> tuple[set[int], set[int]]:
    """Open or set the staged persons' accounts; book the changed balances in the ledger.

    Return the persons whose account was opened or changed, and those of them whose
    balance changed (the others' accounts were opened).
    """
    cursor.execute(LOCK_CHANGED_BALANCES)
    before = dict(cursor.fetchall())
    cursor.execute(UPSERT_ACCOUNTS, run)
    written = cursor.fetchall()
    moved = [(pid, before[pid], new) for pid, new in written if pid in before]
    if moved:
        ledger_adjust_balances(
            rows=moved,
            via=Via.IMPORT,
            memo="enrollment import",
            params={"import_run": run["run"]},
        )
    return {pid for pid, _new in written}, {pid for pid, _old, _new in moved}


@dataclass
class ChunkResult:
    created: int
    updated: int
    unchanged: int
    #: each stored person the chunk changed whose enrolment status or insurance type it
    #: changed: (id, status before, type before, status after, type after)
    enrolment_changes: list[tuple] = field(default_factory=list)
    #: the rows refused because they would take a deceased person back to another status:
    #: (identity number, the status the file gives); not counted above
    refused: list[tuple] = field(default_factory=list)
    #: what the chunk changed of stored persons, field by field: {"field:kind": persons}
    #: (``changes.change_kind``; the balance as ``balance:changed`` / ``balance:opened``)
    changes: dict[str, int] = field(default_factory=dict)


def write_chunk(
    payload: str,
    count: int,
    *,
    new_first: bool = False,
    run_id: int | None = None,
    fields: tuple[str, ...] = PERSON_FIELDS,
) -> ChunkResult:
    """Write ``count`` rows given as text COPY ``payload`` (one row per line, distinct numbers).

    ``fields`` are the person fields the file sets (``changes.fields_set``): the others
    are left as they are for a stored person. Each person and account it creates or
    changes records ``run_id`` as the import that last wrote it (``last_import_run``).

    Runs in the caller's transaction; the chunk itself is a savepoint, so a
    retry on the safe path starts from a clean state. ``new_first`` inserts
    new persons before looking for unchanged and changed ones: the same
    result, and cheaper when most rows are new (each step probes only the
    rows still staged).
    """
    if not count:
        return ChunkResult(0, 0, 0)
    sql = statements(fields)
    try:
        with transaction.atomic():
            return _write(payload, count, run_id, sql, safe=False, new_first=new_first)
    except _Late:
        pass
    except (IntegrityError, DatabaseError) as error:
        if not _is_race(error):
            raise
    with transaction.atomic():
        return _write(payload, count, run_id, sql, safe=True)


class _Late(Exception):
    """A staged person was created or changed by another session while the chunk was written."""


def _is_race(error: Exception) -> bool:
    """Whether ``error`` is a unique violation or a deadlock: another session wrote these rows."""
    return getattr(getattr(error, "__cause__", None), "sqlstate", None) in ("23505", "40P01")


def _enrolment_changes(rows) -> list[tuple]:
    """Keep the changed persons whose status or insurance type changed."""
    return [r[:5] for r in rows if (r[1], r[2]) != (r[3], r[4]) and r[1] is not None]


def _write(
    payload: str,
    count: int,
    run_id: int | None,
    sql: Statements,
    *,
    safe: bool,
    new_first: bool = False,
) -> ChunkResult:
    run = {"run": run_id}
    with connection.cursor() as cursor:
        cursor.execute(CREATE_STAGE)
        cursor.execute(f"DELETE FROM {STAGE}")
        with cursor.copy(f"COPY {STAGE} ({COLUMNS}) FROM STDIN") as copy:
            copy.write(payload)
        cursor.execute(NESTED_LOOPS_ONLY)
        refused = []
        if sql.refuse_revivals and safe:
            cursor.execute(sql.refuse_revivals)
            refused = cursor.fetchall()
        if safe:
            cursor.execute(sql.upsert_persons, run)
            written = cursor.fetchall()
            created = {row[0] for row in written if row[1]}
            changed = {row[0] for row in written if not row[1]}
            moved = _enrolment_changes([(r[0], *r[2:6]) for r in written if not r[1]])
            changes = tokens_counted(r[6] or "" for r in written if not r[1])
            # The accounts of the persons just created are among those upserted here.
            accounts, balances = _accounts(cursor, run)
            accounts -= created
            add_counts(changes, balance_changes(len(balances), len(accounts - balances)))
            changed |= accounts
            cursor.execute(ANY_JOIN)
            unchanged = count - len(created) - len(changed) - len(refused)
            return ChunkResult(len(created), len(changed), unchanged, moved, refused, changes)
        if new_first:
            # Mostly new persons: insert them first, so the steps below probe only the
            # persons that already existed (in a first load, none). A person another
            # session creates after this insert looked collides with the insert itself.
            cursor.execute(sql.insert_new, run)
            created = cursor.fetchone()[0]
        cursor.execute(sql.drop_unchanged)
        if sql.refuse_revivals:  # only rows that change are left to probe
            cursor.execute(sql.refuse_revivals)
            refused = cursor.fetchall()
        cursor.execute(sql.update_changed, run)
        updated = cursor.fetchall()
        changed = {row[0] for row in updated}
        changes = tokens_counted(map(itemgetter(5), updated))
        if not new_first:
            cursor.execute(sql.insert_new_after_update, run)
            created, late = cursor.fetchone()
            if late:
                raise _Late
        # Only stored persons are left on the stage: every account here is theirs.
        accounts, balances = _accounts(cursor, run)
        add_counts(changes, balance_changes(len(balances), len(accounts - balances)))
        changed |= accounts
        cursor.execute(ANY_JOIN)
    unchanged = count - created - len(changed) - len(refused)
    enrolment = _enrolment_changes(updated)
    return ChunkResult(created, len(changed), unchanged, enrolment, refused, changes)


COPY_ERRORS = (
    "COPY accounts_importrowerror "
    '(run_id, line, "column", code, message_data, "values", region) FROM STDIN'
)
NUL_SHOWN_AS = "\u2400"  # ␀: PostgreSQL text and jsonb cannot hold NUL
_COPY_TEXT = str.maketrans(
    {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x00": NUL_SHOWN_AS}
)


def write_errors(run_id: int, errors) -> None:
    """Store the faults of a chunk's rows (``rows.RowError``) for run ``run_id``, by COPY.

    Each message is stored as its template and parameters (``accounts.messages``):
    whoever reads the run reads its faults in their own language. About four times faster
    than ``bulk_create``, which matters when a whole file is refused (a caseworker's upload
    of another region's extract).
    """
    if not errors:
        return
    with translation.override(None):  # each template as written, once for the whole chunk
        payload = "".join(map(_error_line, repeat(run_id), errors))
    with connection.cursor() as cursor, cursor.copy(COPY_ERRORS) as copy:
        copy.write(payload)


#: How much of a refused row is kept with each of its faults (see ``_error_line``): far more
#: than an enrollment row holds, and within what a report's XLSX sheet can show.
FAULT_VALUES_KEPT = 1_000
FAULT_VALUE_CHARS = 10_000


def _error_line(run_id: int, error) -> str:
    """Return ``error`` as one line of text COPY for ``COPY_ERRORS``.

    A row's values are kept up to ``FAULT_VALUES_KEPT`` of them, each up to
    ``FAULT_VALUE_CHARS`` characters: a line of a file that was no enrollment extract
    (millions of commas, one value of megabytes) is not stored once for each fault.
    """
    kept = [v[:FAULT_VALUE_CHARS] for v in error.values[:FAULT_VALUES_KEPT]]
    values = json.dumps([v.replace("\x00", NUL_SHOWN_AS) for v in kept], ensure_ascii=False)
    message = json.dumps(Message.of(error.message).as_json(), ensure_ascii=False)
    message = message.replace("\\u0000", NUL_SHOWN_AS)  # PostgreSQL's JSON holds no NUL
    fields = (error.column[:100], error.code, message, values)
    column, code, message, values = (f.translate(_COPY_TEXT) for f in fields)
    # The region is a code from the region table (or ""): nothing in it to escape.
    return f"{run_id}\t{error.line}\t{column}\t{code}\t{message}\t{values}\t{error.region}\n"
