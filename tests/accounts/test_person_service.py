"""person_save: the one writer of a person's record, which says who saved it."""

from accounts.choices import PersonStatus, Via
from accounts.services.audit import audit_trail
from accounts.services.persons import person_save
from tests.factories import InsuredPersonFactory


def test_saving_a_person_records_who_saved_them_and_the_status_change(caseworker):
    person = InsuredPersonFactory()
    person.status = PersonStatus.DECEASED
    person_save(actor=caseworker, person=person)
    (event,) = audit_trail(person)
    assert (event.actor, event.via, event.action) == (caseworker, Via.ADMIN, "person.change")
    assert (event.from_state, event.to_state) == (PersonStatus.ACTIVE, PersonStatus.DECEASED)


def test_a_person_added_through_the_service_is_recorded_as_added(caseworker):
    person = InsuredPersonFactory.build()
    person_save(actor=caseworker, person=person)
    assert [e.action for e in audit_trail(person)] == ["person.create"]


def test_a_name_with_a_control_character_is_refused_as_the_import_refuses_it(caseworker):
    import pytest
    from django.core.exceptions import ValidationError

    person = InsuredPersonFactory.build(name="张\t三")
    with pytest.raises(ValidationError) as refused:
        person_save(actor=caseworker, person=person)
    assert [e.code for e in refused.value.error_dict["name"]] == ["bad_name"]


def test_a_name_pasted_with_invisible_characters_is_kept_without_them(caseworker):
    person = InsuredPersonFactory.build(name="\u200b王五\ufeff ")
    person_save(actor=caseworker, person=person)
    person.refresh_from_db()
    assert person.name == "王五"
