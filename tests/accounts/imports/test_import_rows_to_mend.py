"""The faulty rows of a run, once each and as the file had them, to mend and import again."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import ImportRun, InsuredPerson
from accounts.services.imports import import_enrollment
from tests.accounts.imports.enrollment_files import HEADER, nid, row, write_csv
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_with_faults(tmp_path, caseworker):
    rows = [
        row(1),
        row(2, 手机号="123", 参保日期="2099-01-01"),  # two faults in one row
        row(3, 身份证号="110105194912310021", 手机号="+8613912345678"),
        row(4, 统筹区编码="370200"),  # Qingdao: not the caseworker's region
    ]
    return import_enrollment(path=write_csv(tmp_path, rows), user=caseworker)


def _sheet(client, run, **query):
    url = reverse("admin:accounts_importrun_rows_to_mend", args=[run.pk])
    response = client.get(url, query)
    return load_workbook(io.BytesIO(response.content)).worksheets[0]


def test_rows_to_mend_list_each_faulty_row_once_under_the_files_header(
    caseworker_client, run_with_faults
):
    rows = list(_sheet(caseworker_client, run_with_faults).iter_rows(values_only=True))
    assert list(rows[0]) == [*HEADER, "错误说明 faults"]
    # The row of Qingdao is not the file's fault: it is left for Qingdao's caseworkers.
    assert [r[0] for r in rows[1:]] == [nid(2), "110105194912310021"]


def test_rows_of_other_regions_are_downloaded_apart_when_asked_for(
    caseworker_client, run_with_faults
):
    sheet = _sheet(caseworker_client, run_with_faults, code="region_not_allowed")
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [nid(4)]
    assert "370200 青岛市" in rows[0][-1]


def test_rows_to_mend_name_every_fault_of_a_row_in_its_last_column(
    caseworker_client, run_with_faults
):
    second = list(_sheet(caseworker_client, run_with_faults).iter_rows(values_only=True))[1]
    assert {fault.split("：")[0] for fault in second[-1].split("；")} == {"手机号", "参保日期"}


def test_rows_to_mend_keep_values_as_typed_without_an_apostrophe(
    caseworker_client, run_with_faults
):
    sheet = _sheet(caseworker_client, run_with_faults)
    assert sheet["G3"].value == "+8613912345678" and sheet["G3"].data_type == "s"


def test_mended_rows_import_without_a_warning(
    caseworker_client, caseworker, run_with_faults, tmp_path
):
    sheet = _sheet(caseworker_client, run_with_faults)
    sheet["G2"], sheet["E2"] = "13912345678", "2020-01-01"
    sheet["A3"] = nid(3)
    path = tmp_path / "mended.xlsx"
    sheet.parent.save(path)
    again = import_enrollment(path=path, user=caseworker)
    assert (again.created, again.failed, again.warnings) == (2, 0, [])
    assert InsuredPerson.objects.get(national_id=nid(3)).mobile == "13912345678"


def test_supervisor_gets_only_the_rows_to_mend_of_their_regions(client, run_with_faults):
    client.force_login(staff_user("supervisor", regions=["370100"]))
    rows = list(_sheet(client, run_with_faults).iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [nid(2), "110105194912310021"]


def test_supervisor_of_the_other_region_gets_its_rows_left_by_the_caseworker(
    client, run_with_faults
):
    client.force_login(staff_user("supervisor", regions=["370200"]))
    sheet = _sheet(client, run_with_faults, code="region_not_allowed")
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [nid(4)]
    assert list(_sheet(client, run_with_faults).iter_rows(min_row=2, values_only=True)) == []


def test_run_page_offers_the_rows_to_mend(caseworker_client, run_with_faults):
    url = reverse("admin:accounts_importrun_progress", args=[run_with_faults.pk])
    page = caseworker_client.get(url).content.decode()
    assert "rows-to-mend.xlsx" in page and "改正后重新导入" in page


def test_rows_to_mend_of_a_run_from_before_headers_were_kept_are_not_offered(
    caseworker_client, run_with_faults
):
    ImportRun.objects.filter(pk=run_with_faults.pk).update(header=[])
    url = reverse("admin:accounts_importrun_rows_to_mend", args=[run_with_faults.pk])
    assert caseworker_client.get(url).status_code == 404


def test_command_writes_the_rows_to_mend(tmp_path):
    path = write_csv(tmp_path, [row(1), row(2, 手机号="123")])
    out = tmp_path / "mend.xlsx"
    call_command("import_enrollment", str(path), "--rows-to-mend", str(out), stdout=io.StringIO())
    rows = list(load_workbook(out).worksheets[0].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[6]) for r in rows] == [(nid(2), "123")]
