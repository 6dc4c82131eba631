"""What an import changes of stored persons, field by field, for the whole file.

The preview and the run page lead with it, so that a mistake the size of a column (every
mobile cleared, every status set back to 正常) is seen before or right after it happens.
The run counts it in its SQL writer, the preview from the rows it compares; both count
status and insurance type by the pair of values, and a mobile as cleared, filled or changed.
"""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from accounts.models import ImportRun, InsuredPerson
from accounts.services.imports import import_enrollment
from tests.accounts.imports.enrollment_files import HEADER, nid, row, write_csv

pytestmark = pytest.mark.django_db


def _stored(tmp_path, rows):
    import_enrollment(path=write_csv(tmp_path, rows, name="first.csv"))


def _csv_bytes(rows, header=HEADER):
    lines = [",".join(header)] + [",".join(r.get(h, "") for h in header) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


#: what the second file does to the persons stored from ``FIRST``
FIRST = [row(1, 参保状态="暂停"), row(2), row(3), row(4, 手机号=""), row(5)]
SECOND = [
    row(1),  # 暂停 → 正常
    row(2, 手机号=""),  # mobile cleared
    row(3, 手机号="", 个人账户余额="250.00"),  # mobile cleared, balance set
    row(4, 手机号="13800001111"),  # mobile filled in
    row(5, 参保类型="居民", 个人账户余额=""),  # employee → resident
    row(6),  # new: no change of a stored person
]
EXPECTED = {
    "status:suspended>active": 1,
    "mobile:cleared": 2,
    "mobile:filled": 1,
    "balance:changed": 1,
    "insurance_type:employee>resident": 1,
}


def test_run_counts_what_it_changed_field_by_field(tmp_path):
    _stored(tmp_path, FIRST)
    run = import_enrollment(path=write_csv(tmp_path, SECOND, name="second.csv"))
    run.refresh_from_db()
    assert run.change_summary == EXPECTED
    assert (run.created, run.updated, run.unchanged) == (1, 5, 0)


# The worker closes database connections between tasks: this test commits for real.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_preview_counts_what_the_run_then_changes(caseworker_client, tmp_path):
    _stored(tmp_path, FIRST)
    upload = SimpleUploadedFile("second.csv", _csv_bytes(SECOND))
    response = caseworker_client.post(reverse("admin:accounts_importrun_upload"), {"file": upload})
    page = caseworker_client.get(response["Location"])
    assert page.context["preview"].change_summary == EXPECTED
    html = page.content.decode()
    assert 'data-testid="change-summary"' in html
    # Status and type changes read as the pair of values, in the reader's language.
    assert "暂停→正常：1" in html and "职工医保→城乡居民医保：1" in html

    run = ImportRun.objects.get(status=ImportRun.Status.PREVIEW)
    caseworker_client.post(reverse("admin:accounts_importrun_confirm", args=[run.pk]))
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO())
    run.refresh_from_db()
    assert run.change_summary == EXPECTED


def test_run_page_leads_with_the_change_summary(caseworker_client, caseworker, tmp_path):
    _stored(tmp_path, FIRST)
    run = import_enrollment(path=write_csv(tmp_path, SECOND, name="second.csv"), user=caseworker)
    html = caseworker_client.get(
        reverse("admin:accounts_importrun_progress", args=[run.pk])
    ).content.decode()
    summary = html.index('data-testid="change-summary"')
    assert summary < html.index('id="rows"')  # above the counts
    assert "手机号码</span> 清空：2" in html and "手机号码</span> 新填：1" in html
    assert "个人账户余额</span> 变更：1" in html


def test_status_of_a_running_import_carries_its_change_summary(caseworker_client, caseworker):
    run = ImportRun.objects.create(
        file_name="x.csv",
        sha256="0" * 64,
        user=caseworker,
        change_summary={"mobile:cleared": 1200, "status:deceased>active": 3},
    )
    url = reverse("admin:accounts_importrun_status", args=[run.pk])
    said = json.loads(caseworker_client.get(url).content)["change_summary"]
    # The status first, as the page lists it; the counts as numbers.
    assert [item["rows"] for item in said] == [3, 1200]


def test_every_row_of_a_large_file_is_counted_not_a_sample(tmp_path):
    _stored(tmp_path, [row(n) for n in range(1, 61)])
    second = [row(n, 手机号="") for n in range(1, 61)]
    run = import_enrollment(path=write_csv(tmp_path, second, name="second.csv"), chunk_size=7)
    run.refresh_from_db()
    assert run.change_summary == {"mobile:cleared": 60}


def test_a_dry_run_counts_what_it_would_change_and_changes_nothing(tmp_path):
    _stored(tmp_path, FIRST)
    run = import_enrollment(path=write_csv(tmp_path, SECOND, name="second.csv"), dry_run=True)
    run.refresh_from_db()
    assert run.change_summary == EXPECTED
    assert InsuredPerson.objects.get(national_id=nid(2)).mobile == "13912345678"


def test_an_unchanged_reimport_changes_nothing_and_says_so(tmp_path):
    _stored(tmp_path, FIRST)
    run = import_enrollment(path=write_csv(tmp_path, FIRST, name="again.csv"))
    run.refresh_from_db()
    assert run.change_summary == {}


def test_a_refused_revival_is_not_counted_as_a_change(tmp_path):
    _stored(tmp_path, [row(1, 参保状态="死亡")])
    run = import_enrollment(path=write_csv(tmp_path, [row(1)], name="second.csv"))
    run.refresh_from_db()
    assert run.change_summary == {}
    assert run.errors.get().code == "deceased_not_revived"


def test_a_file_without_a_mobile_column_counts_no_mobile_change(tmp_path):
    _stored(tmp_path, [row(1)])
    header = [h for h in HEADER if h != "手机号"]
    path = write_csv(tmp_path, [row(1, 姓名="改名")], header=header, name="second.csv")
    run = import_enrollment(path=path)
    run.refresh_from_db()
    assert run.change_summary == {"name:changed": 1}


def test_import_command_prints_the_change_summary(tmp_path):
    _stored(tmp_path, FIRST)
    out = io.StringIO()
    call_command("import_enrollment", str(write_csv(tmp_path, SECOND, name="2.csv")), stdout=out)
    line = next(x for x in out.getvalue().splitlines() if x.startswith("changes: "))
    assert line.count(";") == len(EXPECTED) - 1
