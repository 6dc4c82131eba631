"""A caseworker's upload of a province-wide extract: the rows of other regions are counted
apart, by region, and left for those regions' caseworkers; they are not faults to mend.

They stay out of the faults list, the error report and the rows to mend unless asked for
(``?code=region_not_allowed``), and the page says how many were left, and where.
"""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from accounts.models import ImportRowError, ImportRun, InsuredPerson
from accounts.services.imports import import_enrollment
from tests.accounts.imports.enrollment_files import HEADER, nid, row, write_csv
from tests.factories import staff_user

pytestmark = pytest.mark.django_db

#: a province-wide extract: 2 rows of Jinan (the caseworker's), one faulty; 3 of Qingdao and
#: 1 of Yantai, which are not theirs (one of Qingdao with a fault of its own as well)
PROVINCE = [
    row(1),
    row(2, 姓名=""),
    row(3, 统筹区编码="370200"),
    row(4, 统筹区编码="370200", 参保日期="2099-01-01"),
    row(5, 统筹区编码="370200"),
    row(6, 统筹区编码="370600"),
]


def _csv_bytes(rows):
    lines = [",".join(HEADER)] + [",".join(r.get(h, "") for h in HEADER) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


@pytest.fixture
def province_run(tmp_path, caseworker):
    return import_enrollment(path=write_csv(tmp_path, PROVINCE), user=caseworker)


def _page(client, run, **query):
    return client.get(reverse("admin:accounts_importrun_progress", args=[run.pk]), query)


def test_rows_of_other_regions_are_counted_apart_by_region(province_run):
    province_run.refresh_from_db()
    assert (province_run.created, province_run.failed) == (1, 1)
    assert province_run.other_region_rows == 4
    assert province_run.other_rows_by_region == {"370200": 3, "370600": 1}
    # The faulty rows by region are the file's faults only.
    assert province_run.faulty_rows_by_region == {"370100": 1}
    assert not InsuredPerson.objects.exclude(region_id="370100").exists()


def test_a_row_of_another_region_keeps_one_fault_naming_that_region(province_run):
    faults = ImportRowError.objects.filter(run=province_run, line=5)
    assert [f.code for f in faults] == ["region_not_allowed"]  # not its date as well
    assert "370200 青岛市" in faults.get().message


def test_run_page_says_how_many_rows_were_left_and_where(caseworker_client, province_run):
    response = _page(caseworker_client, province_run)
    html = response.content.decode()
    assert 'data-testid="other-regions"' in html
    assert "4 行属于其他统筹区，已留给其经办人员处理" in html
    assert "370200 青岛市：3" in html and "370600 烟台市：1" in html
    # The faults listed are the file's own: line 3 (the empty name), not the other regions'.
    assert [f.line for f in response.context["first_faults"]] == [3]


def test_run_page_lists_the_rows_of_other_regions_when_asked(caseworker_client, province_run):
    response = _page(caseworker_client, province_run, code="region_not_allowed")
    assert [f.line for f in response.context["first_faults"]] == [4, 5, 6, 7]
    assert 'data-testid="faults-filter"' in response.content.decode()


def test_run_page_links_the_faults_of_each_code(caseworker_client, province_run):
    response = _page(caseworker_client, province_run)
    codes = [(code, count) for code, _label, count in response.context["fault_codes"]]
    assert codes == [("missing_name", 1), ("region_not_allowed", 4)]
    html = response.content.decode()
    assert "report.csv?code=missing_name" in html and "report.csv?code=region_not_allowed" in html


def _report(client, run, fmt="csv", **query):
    response = client.get(reverse("admin:accounts_importrun_report", args=[run.pk, fmt]), query)
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return [r[:3] for r in list(csv.reader(io.StringIO(content)))[1:]]


def test_error_report_leaves_the_rows_of_other_regions_out(caseworker_client, province_run):
    assert [line for line, _col, _code in _report(caseworker_client, province_run)] == ["3"]


def test_error_report_of_one_code_lists_only_its_faults(caseworker_client, province_run):
    faults = _report(caseworker_client, province_run, code="region_not_allowed")
    assert [(line, code) for line, _col, code in faults] == [
        ("4", "region_not_allowed"),
        ("5", "region_not_allowed"),
        ("6", "region_not_allowed"),
        ("7", "region_not_allowed"),
    ]


def test_xlsx_report_of_one_code(caseworker_client, province_run):
    from openpyxl import load_workbook

    url = reverse("admin:accounts_importrun_report", args=[province_run.pk, "xlsx"])
    response = caseworker_client.get(url, {"code": "missing_name"})
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [r[2] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["missing_name"]


def test_a_code_that_is_no_code_is_ignored(caseworker_client, province_run):
    lines = [line for line, _c, _k in _report(caseworker_client, province_run, code="x' OR 1")]
    assert lines == ["3"]


def test_preview_counts_the_rows_of_other_regions_apart(caseworker_client):
    upload = SimpleUploadedFile("province.csv", _csv_bytes(PROVINCE))
    response = caseworker_client.post(reverse("admin:accounts_importrun_upload"), {"file": upload})
    page = caseworker_client.get(response["Location"])
    preview = page.context["preview"]
    assert (preview.failed, preview.other_by_region) == (1, {"370200": 3, "370600": 1})
    # Not among the rows shown unless asked for: the errors are the file's own.
    assert [g.outcome.value for g in page.context["groups"]] == ["error", "new"]
    html = page.content.decode()
    assert "4 行属于其他统筹区，将留给其经办人员处理" in html and "370600 烟台市：1" in html

    shown = caseworker_client.get(response["Location"], {"show": "others"})
    groups = {g.outcome.value: [r.line for r in g.rows] for g in shown.context["groups"]}
    assert groups["other_region"] == [4, 5, 6, 7]


def test_progress_status_counts_the_rows_of_other_regions(caseworker_client, province_run):
    url = reverse("admin:accounts_importrun_status", args=[province_run.pk])
    status = json.loads(caseworker_client.get(url).content)
    assert (status["failed"], status["other_region_rows"]) == (1, 4)


def test_supervisor_of_the_other_region_finds_its_rows_on_the_run_page(client, province_run):
    client.force_login(staff_user("supervisor", regions=["370200"]))
    response = _page(client, province_run, code="region_not_allowed")
    assert [f.line for f in response.context["first_faults"]] == [4, 5, 6]  # not Yantai's


def test_runs_from_before_the_split_are_moved_to_the_new_counts(caseworker):
    """Migration 0030 moves a run's rows of other regions out of its faulty rows."""
    from importlib import import_module

    run = ImportRun.objects.create(
        file_name="old.csv",
        sha256="0" * 64,
        user=caseworker,
        failed=3,
        faulty_rows_by_region={"370100": 1, "370200": 2},
    )
    for line, code, region in [
        (2, "missing_name", "370100"),
        (3, "region_not_allowed", "370200"),
        (3, "future_date", "370200"),  # the other fault of that row, as runs kept it
        (4, "region_not_allowed", "370200"),
    ]:
        ImportRowError.objects.create(run=run, line=line, code=code, region=region)
    migration = import_module("accounts.migrations.0030_import_other_regions")
    with connection.cursor() as cursor:
        cursor.execute(migration.OTHER_REGIONS_APART)

    run.refresh_from_db()
    assert (run.failed, run.other_region_rows) == (1, 2)
    assert (run.faulty_rows_by_region, run.other_rows_by_region) == ({"370100": 1}, {"370200": 2})
    assert sorted(run.errors.values_list("line", "code")) == [
        (2, "missing_name"),
        (3, "region_not_allowed"),
        (4, "region_not_allowed"),
    ]


def test_a_system_import_has_no_rows_of_other_regions(tmp_path):
    run = import_enrollment(path=write_csv(tmp_path, PROVINCE))
    run.refresh_from_db()
    assert (run.created, run.failed, run.other_region_rows) == (4, 2, 0)
    assert InsuredPerson.objects.filter(national_id=nid(6), region_id="370600").exists()


def test_a_municipality_code_read_as_its_pool_says_so_and_why(tmp_path, caseworker):
    run = import_enrollment(
        path=write_csv(tmp_path, [row(1, 统筹区编码="120100")]), user=caseworker
    )
    fault = run.errors.get()
    assert (fault.code, fault.region) == ("region_not_allowed", "120000")
    # Not "统筹区120000不在…": the code typed, what it was read as, and why.
    assert fault.message.startswith("120100 按 120000 天津市 读取：直辖市按省级统一统筹")
    assert fault.message_data["params"]["why"]["message"]["params"] == {"value": "120100"}


def test_a_provinces_own_pool_written_xx9900_says_how_it_was_read(tmp_path):
    caseworker = staff_user("caseworker", regions=["440300"])
    run = import_enrollment(
        path=write_csv(tmp_path, [row(1, 统筹区编码="379900")]), user=caseworker
    )
    fault = run.errors.get()
    assert fault.region == "370000"
    assert "379900 按 370000 山东省 读取" in fault.message and "省本级" in fault.message


def test_a_region_typed_as_its_own_code_is_not_said_to_be_read_as_another(tmp_path, caseworker):
    run = import_enrollment(
        path=write_csv(tmp_path, [row(1, 统筹区编码="440300")]), user=caseworker
    )
    assert run.errors.get().message.startswith("此行属于 440300 深圳市，不在您的经办范围内")
