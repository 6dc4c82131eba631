"""The import's writer when another session writes the same persons at the same moment."""

import threading
import time

import psycopg
import pytest
from django.db import connection, transaction

from accounts.importing.headers import Columns
from accounts.importing.rows import RowValidator
from accounts.importing.writer import ChunkResult, write_chunk
from accounts.models import InsuredPerson, PersonalAccount
from policies.selectors import region_code_map
from tests.accounts.imports.enrollment_files import HEADER, nid, row

# Two real sessions: each must see what the other commits.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def payload_of(rows):
    validator = RowValidator(Columns.from_header(HEADER), region_code_map())
    values = [[r.get(h, "") for h in HEADER] for r in rows]
    checked = validator.validate_chunk(list(range(2, 2 + len(rows))), values)
    assert not checked.errors
    return "\n".join(checked.records) + "\n"


def wait_until_a_session_waits_for_a_lock(other):
    for _ in range(200):
        waiting = other.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()[0]
        if waiting:
            return
        time.sleep(0.05)
    raise AssertionError("the import never waited for the other session")


def test_person_inserted_by_another_session_meanwhile_is_upserted_not_lost():
    payload = payload_of([row(1, 姓名="文件里的名字"), row(2)])
    other = psycopg.connect(**connection.get_connection_params())
    watcher = psycopg.connect(**connection.get_connection_params(), autocommit=True)
    # Another session inserts person 1 and holds its transaction open.
    other.execute(
        "INSERT INTO accounts_insuredperson (national_id, name, sex, birth_date, "
        "insurance_type, region_id, enrolled_on, status, mobile, created_at, updated_at) "
        "VALUES (%s, '别的会话', 'M', '1980-01-01', 'employee', '370100', '2019-01-01', "
        "'active', '', now(), now())",
        [nid(1)],
    )
    result = {}

    def import_chunk():
        try:
            with transaction.atomic():
                result["chunk"] = write_chunk(payload, 2, run_id=7)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            result["error"] = error
        finally:
            connection.close()

    writer = threading.Thread(target=import_chunk)
    writer.start()
    # The import's insert of person 1 now waits on the other session's row.
    wait_until_a_session_waits_for_a_lock(watcher)
    other.commit()
    writer.join(timeout=30)
    other.close()
    watcher.close()

    assert "error" not in result, result.get("error")
    # Person 2 is new; person 1 was the other session's, so the file's row updates it.
    chunk = result["chunk"]
    assert (chunk.created, chunk.updated, chunk.unchanged) == (1, 1, 0)
    person = InsuredPerson.objects.get(national_id=nid(1))
    assert (person.name, str(person.enrolled_on)) == ("文件里的名字", "2020-01-01")
    assert PersonalAccount.objects.get(person=person).balance == 100
    assert InsuredPerson.objects.count() == 2
    assert set(InsuredPerson.objects.values_list("last_import_run_id", flat=True)) == {7}


@pytest.mark.parametrize("new_first", [False, True])
def test_both_step_orders_write_and_count_a_mixed_chunk_alike(new_first):
    from decimal import Decimal

    with transaction.atomic():
        write_chunk(payload_of([row(1), row(2), row(3)]), 3)
    PersonalAccount.objects.filter(person__national_id=nid(3)).delete()
    # 1 unchanged, 2 renamed, 3 gets its account back, 4 and 5 are new.
    mixed = [row(1), row(2, 姓名="新名"), row(3), row(4), row(5)]
    with transaction.atomic():
        result = write_chunk(payload_of(mixed), 5, new_first=new_first)

    # What changed, field by field, is counted the same whichever step runs first.
    changes = {"name:changed": 1, "balance:opened": 1}
    assert result == ChunkResult(created=2, updated=2, unchanged=1, changes=changes)
    assert InsuredPerson.objects.get(national_id=nid(2)).name == "新名"
    assert PersonalAccount.objects.get(person__national_id=nid(3)).balance == Decimal("100.00")
    assert InsuredPerson.objects.count() == 5
    assert PersonalAccount.objects.count() == 5


def test_person_created_elsewhere_between_the_update_and_insert_steps_gets_the_whole_row():
    from accounts.importing import writer

    payload = payload_of([row(1, 姓名="文件里的名字", 个人账户余额="100.00")])
    other = psycopg.connect(**connection.get_connection_params())

    def other_session_commits_the_person_first(execute, sql, params, many, context):
        # Just after the update step looked (and found no person 1), another session
        # creates person 1 with its own values and account, and commits.
        if sql == writer.INSERT_NEW_AFTER_UPDATE and not other.closed:
            (person_id,) = other.execute(
                "INSERT INTO accounts_insuredperson (national_id, name, sex, birth_date, "
                "insurance_type, region_id, enrolled_on, status, mobile, created_at, "
                "updated_at) VALUES (%s, '别的会话', 'M', '1980-01-01', 'employee', '370100', "
                "'2019-01-01', 'active', '', now(), now()) RETURNING id",
                [nid(1)],
            ).fetchone()
            other.execute(
                "INSERT INTO accounts_personalaccount (person_id, balance, updated_at) "
                "VALUES (%s, 50, now())",
                [person_id],
            )
            other.commit()
            other.close()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(other_session_commits_the_person_first):
        with transaction.atomic():
            result = write_chunk(payload, 1, run_id=7)

    person = InsuredPerson.objects.get(national_id=nid(1))
    balance = PersonalAccount.objects.get(person=person).balance
    # The file's row is written whole, name and balance, not the balance alone.
    assert (person.name, balance) == ("文件里的名字", 100)
    # Counted against the person the other session committed, on the safe path.
    changes = {"name:changed": 1, "enrolled_on:changed": 1, "mobile:filled": 1}
    changes["balance:changed"] = 1
    assert result == ChunkResult(created=0, updated=1, unchanged=0, changes=changes)
