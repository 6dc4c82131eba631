"""An import changes only what the file says: a column it lacks leaves that field alone."""

import pytest
from django.urls import reverse

from accounts.choices import PersonStatus
from accounts.importing.preview import preview_enrollment
from accounts.models import InsuredPerson
from accounts.services.imports import import_enrollment
from tests.accounts.imports.enrollment_files import HEADER, nid, row, write_csv

pytestmark = pytest.mark.django_db

WITHOUT_STATUS = [h for h in HEADER if h != "参保状态"]
WITHOUT_MOBILE = [h for h in HEADER if h != "手机号"]


def _stored(tmp_path, **over):
    import_enrollment(path=write_csv(tmp_path, [row(1, **over)], name="first.csv"))
    return InsuredPerson.objects.get(national_id=nid(1))


def test_a_file_without_a_status_column_leaves_a_deceased_person_deceased(tmp_path):
    _stored(tmp_path, 参保状态="死亡")
    path = write_csv(tmp_path, [row(1, 姓名="改名")], header=WITHOUT_STATUS)
    run = import_enrollment(path=path)
    person = InsuredPerson.objects.get(national_id=nid(1))
    assert (person.status, person.name, run.updated) == (PersonStatus.DECEASED, "改名", 1)


def test_a_file_without_a_mobile_column_keeps_every_stored_mobile(tmp_path):
    _stored(tmp_path, 手机号="13900001111")
    run = import_enrollment(path=write_csv(tmp_path, [row(1)], header=WITHOUT_MOBILE))
    assert InsuredPerson.objects.get(national_id=nid(1)).mobile == "13900001111"
    assert (run.updated, run.unchanged) == (0, 1)


def test_a_new_person_from_a_file_without_status_or_mobile_gets_the_defaults(tmp_path):
    header = [h for h in HEADER if h not in ("参保状态", "手机号")]
    import_enrollment(path=write_csv(tmp_path, [row(1)], header=header))
    person = InsuredPerson.objects.get(national_id=nid(1))
    assert (person.status, person.mobile) == (PersonStatus.ACTIVE, "")


def test_the_run_records_which_fields_the_file_could_not_set(tmp_path):
    run = import_enrollment(path=write_csv(tmp_path, [row(1)], header=WITHOUT_MOBILE))
    run.refresh_from_db()
    assert run.fields_unset == ["mobile"]


def test_the_preview_of_a_file_without_a_mobile_column_shows_no_mobile_change(tmp_path):
    _stored(tmp_path, 手机号="13900001111")
    path = write_csv(tmp_path, [row(1)], header=WITHOUT_MOBILE, name="again.csv")
    preview = preview_enrollment(path=path, user=None)
    assert (preview.unchanged, preview.updated) == (1, 0)
    assert "手机号" in preview.fields_unset


def test_a_file_with_every_column_still_sets_the_status(tmp_path):
    _stored(tmp_path)
    import_enrollment(path=write_csv(tmp_path, [row(1, 参保状态="终止")], name="again.csv"))
    assert InsuredPerson.objects.get(national_id=nid(1)).status == PersonStatus.TERMINATED


def test_the_runs_page_says_which_fields_the_file_left_as_they_were(
    tmp_path, caseworker, caseworker_client
):
    path = write_csv(tmp_path, [row(1)], header=WITHOUT_STATUS)
    run = import_enrollment(path=path, user=caseworker)
    page = caseworker_client.get(reverse("admin:accounts_importrun_progress", args=[run.pk]))
    assert b'data-testid="fields-unset"' in page.content
    assert "参保状态" in page.content.decode()


def test_a_file_saying_active_for_a_deceased_person_is_refused_for_that_row(tmp_path):
    _stored(tmp_path, 参保状态="死亡")
    path = write_csv(tmp_path, [row(1, 参保状态="正常"), row(2)], name="stale.csv")
    run = import_enrollment(path=path)
    assert InsuredPerson.objects.get(national_id=nid(1)).status == PersonStatus.DECEASED
    assert (run.created, run.updated, run.unchanged, run.failed) == (1, 0, 0, 1)
    fault = run.errors.get()
    assert (fault.line, fault.code, fault.column) == (2, "deceased_not_revived", "参保状态")
    assert fault.region == "370100" and nid(1) in fault.values


def test_the_preview_shows_a_revival_of_a_deceased_person_as_a_fault(tmp_path):
    _stored(tmp_path, 参保状态="死亡")
    path = write_csv(tmp_path, [row(1, 参保状态="正常")], name="stale.csv")
    preview = preview_enrollment(path=path, user=None)
    (item,) = preview.items
    assert (preview.failed, item.errors[0].code) == (1, "deceased_not_revived")


def test_a_terminated_enrolment_resumes_from_a_file(tmp_path):
    _stored(tmp_path, 参保状态="终止")
    import_enrollment(path=write_csv(tmp_path, [row(1, 参保状态="正常")], name="again.csv"))
    assert InsuredPerson.objects.get(national_id=nid(1)).status == PersonStatus.ACTIVE


def test_a_file_without_a_status_column_brings_no_fault_for_a_deceased_person(tmp_path):
    _stored(tmp_path, 参保状态="死亡")
    run = import_enrollment(path=write_csv(tmp_path, [row(1)], header=WITHOUT_STATUS))
    assert run.failed == 0
