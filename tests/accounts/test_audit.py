"""The audit trail is append-only, in PostgreSQL itself."""

import pytest
from django.db import DatabaseError, connection, transaction

from accounts.choices import Via
from accounts.services.audit import audit_record, audit_trail
from tests.factories import InsuredPersonFactory


@pytest.fixture
def event(db):
    person = InsuredPersonFactory()
    return audit_record(actor=None, via=Via.COMMAND, action="person.save", target=person)


def test_an_event_names_its_record_and_is_listed_in_its_trail(event):
    person = event.target_type.get_object_for_this_type(pk=event.target_id)
    assert list(audit_trail(person)) == [event]


def test_an_update_of_an_audit_event_is_refused_by_the_database(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE accounts_auditevent SET note = 'x' WHERE id = %s", [event.pk])


def test_a_delete_of_an_audit_event_is_refused_by_the_database(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.delete()


def test_an_import_runs_history_names_the_status_it_ended_with_in_words(db, tmp_path):
    from accounts.services.imports import import_enrollment
    from tests.accounts.imports.enrollment_files import row, write_csv

    run = import_enrollment(path=write_csv(tmp_path, [row(1)]))
    said = [event.get_change_message() for event in audit_trail(run)]
    assert said == ["已登记导入。", "导入结束：已完成。"]
