"""Supervisors and auditors oversee the import runs of their regions.

A run is seen by who ran it; a supervisor or auditor sees a run whose rows
name one of their regions, with only those regions' faults in its report,
and cannot act on it (confirm, cancel, run again).
"""

import csv
import io
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.urls import reverse

from accounts.models import ImportRun
from accounts.services.imports import import_enrollment
from tests.accounts.imports.enrollment_files import row, write_csv
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_region_run(tmp_path):
    """A system import (command line) with rows and faults in Jinan and in Qingdao."""
    rows = [
        row(1),
        row(2, 姓名=""),  # a fault in Jinan
        row(3, 统筹区编码="370200"),
        row(4, 统筹区编码="370200", 手机号="123", 参保日期="2099-01-01"),  # two faults in Qingdao
        row(5, 统筹区编码="999999"),  # a fault with no known region
    ]
    return import_enrollment(path=write_csv(tmp_path, rows))


def _client_for(client, user):
    client.force_login(user)
    return client


def _listed(client, query: str = "") -> set[int]:
    """The runs the runs list shows, with ``query`` (such as "?whose=mine") applied."""
    response = client.get(reverse("admin:accounts_importrun_changelist") + query)
    return {r.pk for r in response.context["cl"].result_list}


def _report_lines(client, run, **query) -> list[str]:
    url = reverse("admin:accounts_importrun_report", args=[run.pk, "csv"])
    response = client.get(url, query)
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return [r[0] for r in list(csv.reader(io.StringIO(content)))[1:]]


def test_run_records_the_known_regions_its_rows_name(two_region_run):
    two_region_run.refresh_from_db()
    assert two_region_run.regions == ["370100", "370200"]


def test_each_fault_records_the_region_its_row_names(two_region_run):
    faults = dict(two_region_run.errors.values_list("line", "region"))
    assert faults == {3: "370100", 5: "370200", 6: ""}


def test_run_counts_the_faulty_rows_of_each_region_a_row_with_two_faults_once(two_region_run):
    two_region_run.refresh_from_db()
    assert two_region_run.faulty_rows_by_region == {"370100": 1, "370200": 1}


def test_faulty_rows_by_region_add_up_over_chunks(tmp_path):
    rows = [row(n, 姓名="") for n in range(1, 8)] + [row(8, 统筹区编码="370200", 姓名="")]
    run = import_enrollment(path=write_csv(tmp_path, rows), chunk_size=3)
    run.refresh_from_db()
    assert run.faulty_rows_by_region == {"370100": 7, "370200": 1}


def test_supervisor_sees_a_run_that_names_their_region(client, two_region_run):
    supervisor = staff_user("supervisor", regions=["370200"])
    assert two_region_run.pk in _listed(_client_for(client, supervisor))


def test_supervisor_of_another_region_does_not_see_the_run(client, two_region_run):
    supervisor = staff_user("supervisor", regions=["110100"])
    assert two_region_run.pk not in _listed(_client_for(client, supervisor))


def test_caseworker_of_the_region_does_not_see_other_peoples_runs(client, two_region_run):
    caseworker = staff_user("caseworker", regions=["370200"])
    assert two_region_run.pk not in _listed(_client_for(client, caseworker))


def test_supervisor_report_lists_only_the_faults_of_their_regions(client, two_region_run):
    supervisor = staff_user("supervisor", regions=["370200"])
    assert _report_lines(_client_for(client, supervisor), two_region_run) == ["5", "5"]


def test_auditor_opens_the_report_of_a_run_in_their_regions(client, two_region_run):
    auditor = staff_user("auditor", regions=["370100"])
    assert _report_lines(_client_for(client, auditor), two_region_run) == ["3"]


def test_whoever_ran_the_import_sees_every_fault(client, tmp_path, caseworker):
    rows = [row(1, 姓名=""), row(2, 统筹区编码="370200")]  # Qingdao is not the caseworker's
    run = import_enrollment(path=write_csv(tmp_path, rows), user=caseworker)
    # The row of Qingdao is no fault of the file: the report lists it when asked for.
    assert _report_lines(_client_for(client, caseworker), run) == ["2"]
    assert _report_lines(client, run, code="region_not_allowed") == ["3"]


def test_report_is_filtered_by_a_fault_code(client, tmp_path, caseworker):
    rows = [row(1, 姓名=""), row(2, 参保日期="2099-01-01"), row(3, 姓名="")]
    run = import_enrollment(path=write_csv(tmp_path, rows), user=caseworker)
    client = _client_for(client, caseworker)
    assert _report_lines(client, run, code="missing_name") == ["2", "4"]
    assert _report_lines(client, run, code="future_date") == ["3"]
    assert _report_lines(client, run) == ["2", "3", "4"]


def test_staff_without_import_or_oversight_rights_cannot_open_reports(client, two_region_run):
    nobody = staff_user("", nationwide=True)
    url = reverse("admin:accounts_importrun_report", args=[two_region_run.pk, "csv"])
    assert _client_for(client, nobody).get(url).status_code == 403


def test_progress_page_says_how_many_faulty_rows_are_in_the_viewers_regions(client, two_region_run):
    supervisor = staff_user("supervisor", regions=["370200"])
    url = reverse("admin:accounts_importrun_progress", args=[two_region_run.pk])
    page = _client_for(client, supervisor).get(url).content.decode()
    assert "错误报告列出您所辖统筹区内的有误行：共 3 行有误，其中 1 行在您的统筹区。" in page


def test_progress_page_names_who_ran_the_import(client, tmp_path, caseworker):
    run = import_enrollment(path=write_csv(tmp_path, [row(1, 姓名="")]), user=caseworker)
    supervisor = staff_user("supervisor", regions=["370100"])
    url = reverse("admin:accounts_importrun_progress", args=[run.pk])
    page = _client_for(client, supervisor).get(url).content.decode()
    assert "cw_jinan" in page


def test_progress_page_lists_only_the_first_faults_of_the_viewers_regions(client, two_region_run):
    supervisor = staff_user("supervisor", regions=["370200"])
    url = reverse("admin:accounts_importrun_progress", args=[two_region_run.pk])
    response = _client_for(client, supervisor).get(url)
    assert [f.line for f in response.context["first_faults"]] == [5, 5]


def test_progress_page_lists_the_first_twenty_faults_and_says_there_are_more(
    caseworker_client, caseworker, tmp_path
):
    rows = [row(n, 姓名="") for n in range(1, 26)]
    run = import_enrollment(path=write_csv(tmp_path, rows), user=caseworker)
    url = reverse("admin:accounts_importrun_progress", args=[run.pk])
    response = caseworker_client.get(url)
    assert [f.line for f in response.context["first_faults"]] == list(range(2, 22))
    assert "前 20 条错误（全部错误见错误报告）" in response.content.decode()


def _jinan_run(caseworker, status, **fields) -> ImportRun:
    return ImportRun.objects.create(
        file_name="jinan.csv",
        sha256="2" * 64,
        user=caseworker,
        status=status,
        regions=["370100"],
        **fields,
    )


def test_supervisor_does_not_see_a_caseworkers_preview(client, caseworker):
    preview = _jinan_run(caseworker, ImportRun.Status.PREVIEW)
    supervisor = staff_user("supervisor", regions=["370100"])
    assert preview.pk not in _listed(_client_for(client, supervisor))


def test_supervisor_cannot_rerun_an_interrupted_import_they_oversee(client, caseworker, tmp_path):
    stored = write_csv(tmp_path, [row(1)])
    run = _jinan_run(caseworker, ImportRun.Status.INTERRUPTED, stored_file=str(stored))
    supervisor = staff_user("supervisor", regions=["370100"])
    client = _client_for(client, supervisor)
    assert run.pk in _listed(client)
    url = reverse("admin:accounts_importrun_resume", args=[run.pk])
    assert client.post(url).status_code == 404
    assert ImportRun.objects.count() == 1


def test_runs_list_filters_a_supervisors_own_imports(client, tmp_path, caseworker):
    theirs = import_enrollment(path=write_csv(tmp_path, [row(1)]), user=caseworker)
    supervisor = staff_user("supervisor", regions=["370100"])
    mine = import_enrollment(path=write_csv(tmp_path, [row(2)]), user=supervisor)
    client = _client_for(client, supervisor)
    assert _listed(client, "?whose=mine") == {mine.pk}
    assert theirs.pk in _listed(client)


def test_runs_list_links_each_file_to_its_run_page_and_names_command_line_runs(
    client, two_region_run
):
    supervisor = staff_user("supervisor", regions=["370100"])
    page = _client_for(client, supervisor).get(reverse("admin:accounts_importrun_changelist"))
    html = page.content.decode()
    assert reverse("admin:accounts_importrun_progress", args=[two_region_run.pk]) in html
    assert "命令行" in html


def test_auditor_sidebar_offers_the_import_runs_but_not_the_upload(client):
    auditor = staff_user("auditor", regions=["370100"])
    body = _client_for(client, auditor).get(reverse("admin:index")).content.decode()
    assert reverse("admin:accounts_importrun_changelist") in body
    assert reverse("admin:accounts_importrun_upload") not in body


def test_progress_page_names_the_regions_the_runs_rows_name(client, two_region_run):
    supervisor = staff_user("supervisor", regions=["370200"])
    url = reverse("admin:accounts_importrun_progress", args=[two_region_run.pk])
    page = _client_for(client, supervisor).get(url).content.decode()
    assert "370100 济南市、370200 青岛市" in page


def test_progress_page_and_runs_list_group_large_counts_by_thousands(caseworker_client, caseworker):
    run = ImportRun.objects.create(
        file_name="big.csv",
        sha256="3" * 64,
        user=caseworker,
        status=ImportRun.Status.FINISHED,
        rows=1_000_000,
        created=995_000,
    )
    url = reverse("admin:accounts_importrun_progress", args=[run.pk])
    assert '<td id="rows">1,000,000</td>' in caseworker_client.get(url).content.decode()
    listing = caseworker_client.get(reverse("admin:accounts_importrun_changelist"))
    assert "995,000" in listing.content.decode()


def test_runs_list_filters_by_one_of_the_supervisors_regions(client, two_region_run, caseworker):
    jinan_only = _jinan_run(caseworker, ImportRun.Status.FINISHED)
    supervisor = staff_user("supervisor", regions=["370100", "370200"])
    client = _client_for(client, supervisor)
    assert _listed(client, "?region=370200") == {two_region_run.pk}
    assert jinan_only.pk in _listed(client)


def test_runs_list_counts_command_line_runs_among_others(client, two_region_run):
    supervisor = staff_user("supervisor", regions=["370100"])
    client = _client_for(client, supervisor)
    assert two_region_run.pk in _listed(client, "?whose=others")


def test_runs_list_finds_a_caseworkers_runs_by_their_user_name(client, tmp_path, caseworker):
    theirs = import_enrollment(path=write_csv(tmp_path, [row(1)]), user=caseworker)
    supervisor = staff_user("supervisor", regions=["370100"])
    mine = import_enrollment(path=write_csv(tmp_path, [row(2)]), user=supervisor)
    client = _client_for(client, supervisor)
    shown = _listed(client, "?q=cw_jinan")
    assert theirs.pk in shown and mine.pk not in shown


def _report_cell(client, run) -> str:
    response = client.get(reverse("admin:accounts_importrun_changelist"))
    listed = {r.pk: r for r in response.context["cl"].result_list}
    return str(response.context["cl"].model_admin.report_links(listed[run.pk]))


def test_runs_list_offers_no_report_when_no_faulty_row_is_in_the_viewers_regions(client, tmp_path):
    rows = [row(1, 姓名=""), row(2, 统筹区编码="370200")]  # the only fault is in Jinan
    run = import_enrollment(path=write_csv(tmp_path, rows))
    supervisor = staff_user("supervisor", regions=["370200"])
    cell = _report_cell(_client_for(client, supervisor), run)
    assert "report" not in cell and "辖区内无有误行" in cell


def test_runs_list_offers_the_report_when_a_faulty_row_is_in_the_viewers_regions(
    client, two_region_run
):
    supervisor = staff_user("supervisor", regions=["370200"])
    assert "report.csv" in _report_cell(_client_for(client, supervisor), two_region_run)


def test_runs_list_links_the_uploader_to_the_rows_of_other_regions(client, tmp_path, caseworker):
    qingdao = write_csv(tmp_path, [row(1, 统筹区编码="370200")])  # not the caseworker's region
    run = import_enrollment(path=qingdao, user=caseworker)
    cell = _report_cell(_client_for(client, caseworker), run)
    assert "report.csv" not in cell  # no fault of the file
    assert "?code=region_not_allowed" in cell and "其他统筹区的行" in cell


def test_migration_counts_the_faulty_rows_by_region_of_runs_from_before_the_counts(
    client, two_region_run
):
    ImportRun.objects.filter(pk=two_region_run.pk).update(faulty_rows_by_region=None)
    backfill = import_module("accounts.migrations.0013_backfill_faulty_rows_by_region").backfill
    with connection.schema_editor() as schema_editor:
        backfill(django_apps, schema_editor)
    supervisor = staff_user("supervisor", regions=["370100", "370200"])
    url = reverse("admin:accounts_importrun_progress", args=[two_region_run.pk])
    page = _client_for(client, supervisor).get(url).content.decode()
    assert "共 3 行有误，其中 2 行在您的统筹区" in page


def test_progress_page_says_when_no_faulty_row_is_in_the_viewers_regions(client, tmp_path):
    run = import_enrollment(
        path=write_csv(tmp_path, [row(1, 姓名=""), row(2, 统筹区编码="370200")])
    )
    supervisor = staff_user("supervisor", regions=["370200"])
    url = reverse("admin:accounts_importrun_progress", args=[run.pk])
    page = _client_for(client, supervisor).get(url).content.decode()
    assert "本文件共 1 行有误，均不在您的统筹区" in page and "report.csv" not in page


def test_runs_list_counts_a_supervisors_faulty_rows_beside_the_runs_total(client, two_region_run):
    client.force_login(staff_user("supervisor", regions=["370200"]))
    response = client.get(reverse("admin:accounts_importrun_changelist"))
    listed = {r.pk: r for r in response.context["cl"].result_list}
    cell = str(response.context["cl"].model_admin.failed_count(listed[two_region_run.pk]))
    assert cell.startswith("3 ") and "（辖区内 1）" in cell
