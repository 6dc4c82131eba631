"""Uploading an enrollment file in the admin; the import runs as a background task.

A small file is previewed first (tests/accounts/imports/test_import_preview.py); these
tests confirm it and follow the background job.
"""

import io
import json

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from accounts.models import ImportRun, InsuredPerson
from accounts.services.imports import run_stop
from tests.factories import staff_user

pytestmark = pytest.mark.django_db
# The worker closes database connections between tasks, as a long-running
# process should; tests that run it commit for real and are flushed after.
with_worker = pytest.mark.django_db(transaction=True, serialized_rollback=True)
UPLOAD = reverse("admin:accounts_importrun_upload")
GOOD = (
    "身份证号,姓名,参保类型,统筹区编码,参保日期\n"
    "11010519491231002X,张三,职工,370100,2021-01-01\n"
    "110105194912310021,李四,职工,370100,2021-01-01\n"
).encode("gb18030")


def upload(client, content=GOOD, name="extract.csv", **fields):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, content), **fields})


def upload_and_confirm(client, content=GOOD, **fields):
    """Upload a small file and confirm its preview; return the confirmation's response."""
    response = upload(client, content, **fields)
    assert response.status_code == 302 and response["Location"].endswith("/preview/")
    run = ImportRun.objects.latest("started_at")
    return client.post(reverse("admin:accounts_importrun_confirm", args=[run.pk]))


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO())


@with_worker
def test_confirmed_upload_queues_the_import_and_the_worker_runs_it(caseworker_client):
    response = upload_and_confirm(caseworker_client)
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:accounts_importrun_progress", args=[run.pk])
    assert DBTaskResult.objects.count() == 1
    assert not InsuredPerson.objects.exists()  # nothing happens in the request itself

    run_worker()
    run.refresh_from_db()
    assert (run.status, run.progress, run.encoding) == ("finished", 100, "gb18030")
    assert run.summary == "created=1 updated=0 unchanged=0 failed=1"
    assert InsuredPerson.objects.get().name == "张三"


def _status_once_imported(client) -> dict:
    """Upload and confirm a small file, let the worker import it; return the status JSON."""
    upload_and_confirm(client)
    run_worker()
    run = ImportRun.objects.get()
    return client.get(reverse("admin:accounts_importrun_status", args=[run.pk])).json()


@with_worker
def test_progress_status_reports_counts_as_json(caseworker_client):
    status = _status_once_imported(caseworker_client)
    assert status["done"] is True
    assert (status["created"], status["failed"], status["progress"]) == (1, 1, 100)


def test_missing_column_is_refused_at_upload_and_named(caseworker_client):
    content = "身份证号,姓名,参保类型,统筹区编码\n11010519491231002X,张三,职工,370100\n".encode()
    response = upload(caseworker_client, content)
    assert response.status_code == 200
    assert "参保日期" in str(response.context["form"].errors["file"])
    assert not ImportRun.objects.exists()


def test_a_file_that_is_not_a_spreadsheet_is_refused_at_upload(caseworker_client):
    response = upload(caseworker_client, b"%PDF-1.7\x00\x01binary", name="scan.csv")
    assert response.context["form"].errors["file"]
    assert not ImportRun.objects.exists()


@with_worker
def test_same_file_again_asks_for_confirmation(caseworker_client):
    upload_and_confirm(caseworker_client)
    run_worker()
    response = upload(caseworker_client)
    assert "import_again" in response.context["form"].errors
    assert ImportRun.objects.count() == 1
    response = upload(caseworker_client, import_again="on")
    assert response.status_code == 302
    assert ImportRun.objects.count() == 2


def running_import_of(content, *, minutes_since_progress=0, user=None):
    """A real import of ``content`` running now, started by ``user`` (by default another
    caseworker); its last progress ``minutes_since_progress`` ago."""
    import datetime as dt
    import hashlib

    from django.utils import timezone

    return ImportRun.objects.create(
        file_name="全省名单.csv",
        sha256=hashlib.sha256(content).hexdigest(),
        user=user or staff_user("caseworker", regions=["370100"], username="colleague"),
        status=ImportRun.Status.RUNNING,
        rows=40_000,
        heartbeat_at=timezone.now() - dt.timedelta(minutes=minutes_since_progress),
    )


def test_a_file_being_imported_now_is_not_imported_a_second_time_at_once(caseworker_client):
    other = running_import_of(GOOD)
    response = upload(caseworker_client)
    [message] = response.context["form"].errors["import_again"]
    assert f"此文件正在导入（第 {other.pk} 号导入 · 全省名单.csv · colleague · " in message
    assert "已读取 40,000 行" in message
    assert ImportRun.objects.count() == 1


def test_the_import_under_way_is_linked_for_whoever_may_open_it(caseworker_client, caseworker):
    other = running_import_of(GOOD, user=caseworker)
    page = upload(caseworker_client).content.decode()
    progress = reverse("admin:accounts_importrun_progress", args=[other.pk])
    assert f'href="{progress}">第 {other.pk} 号导入 · 全省名单.csv' in page


def test_a_file_imported_before_is_named_with_its_run(caseworker_client, caseworker):
    earlier = running_import_of(GOOD, user=caseworker)
    earlier.status = ImportRun.Status.FINISHED
    earlier.save()
    [message] = upload(caseworker_client).context["form"].errors["import_again"]
    progress = reverse("admin:accounts_importrun_progress", args=[earlier.pk])
    assert message.startswith(f'此文件已导入过（<a class="text-primary-600" href="{progress}">')
    assert f"第 {earlier.pk} 号导入 · 全省名单.csv · cw_jinan · " in message


def test_a_file_being_imported_now_is_imported_again_when_the_box_is_ticked(caseworker_client):
    running_import_of(GOOD)
    response = upload(caseworker_client, import_again="on")
    assert response.status_code == 302 and ImportRun.objects.count() == 2


def test_an_import_whose_process_went_away_does_not_hold_back_its_file(caseworker_client):
    minutes = settings.IMPORT_STALLED_MINUTES + 1
    running_import_of(GOOD, minutes_since_progress=minutes)
    response = upload(caseworker_client)
    assert response.status_code == 302 and response["Location"].endswith("/preview/")


def test_staff_without_import_rights_cannot_upload(client):
    client.force_login(staff_user("auditor", nationwide=True))
    assert client.get(UPLOAD).status_code == 403


def test_another_users_progress_page_is_not_found(client, caseworker_client):
    upload(caseworker_client)
    run = ImportRun.objects.get()
    client.force_login(staff_user("caseworker", regions=["370100"]))
    assert (
        client.get(reverse("admin:accounts_importrun_progress", args=[run.pk])).status_code == 404
    )


@with_worker
def test_upload_rows_outside_the_caseworkers_regions_are_reported(caseworker_client):
    content = (
        "身份证号,姓名,参保类型,统筹区编码,参保日期\n"
        "11010519491231002X,张三,职工,440300,2021-01-01\n"
    ).encode()
    upload_and_confirm(caseworker_client, content)
    run_worker()
    run = ImportRun.objects.get()
    assert run.errors.get().code == "region_not_allowed"
    assert not InsuredPerson.objects.exists()


@with_worker
def test_a_run_whose_file_vanished_is_marked_failed_not_left_running(caseworker_client):
    from pathlib import Path

    upload_and_confirm(caseworker_client)
    run = ImportRun.objects.get()
    Path(run.stored_file).unlink()
    run_worker()
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert run.finished_at is not None and run.message


def lit_sidebar_items(response):
    return [
        str(item["title"])
        for group in response.context["sidebar_navigation"]
        for item in group["items"]
        if item.get("active")
    ]


def test_upload_page_lights_only_its_own_sidebar_item(caseworker_client):
    assert lit_sidebar_items(caseworker_client.get(UPLOAD)) == ["导入参保数据"]


def test_runs_list_lights_only_the_runs_sidebar_item(caseworker_client):
    response = caseworker_client.get(reverse("admin:accounts_importrun_changelist"))
    assert lit_sidebar_items(response) == ["导入记录"]


@with_worker
def test_an_import_started_in_english_shows_its_warnings_and_faults_in_each_readers_language(
    caseworker_client,
):
    caseworker_client.cookies["django_language"] = "en"
    content = GOOD.replace("参保日期\n".encode("gb18030"), "参保日期,备注\n".encode("gb18030"))
    # The request leaves English active in this thread; the worker is a process of its own.
    with translation.override(settings.LANGUAGE_CODE):
        upload(caseworker_client, content, dry_run="on")  # a dry run goes straight to the worker
    with translation.override(settings.LANGUAGE_CODE):
        run_worker()
    run = ImportRun.objects.get()
    fault = run.errors.get()
    with translation.override("en"):
        assert run.warnings == ["Unknown columns were ignored: 备注."]
        assert "is not a valid identity number" in fault.message
    assert run.warnings == ["已忽略无法识别的列：备注。"]
    assert "不是有效的公民身份号码" in fault.message


@with_worker
def test_faults_are_shown_in_the_language_of_whoever_reads_them(caseworker_client):
    upload(caseworker_client, dry_run="on")  # started in Chinese
    run_worker()
    run = ImportRun.objects.get()
    page = reverse("admin:accounts_importrun_progress", args=[run.pk])
    report = reverse("admin:accounts_importrun_report", args=[run.pk, "csv"])
    chinese = caseworker_client.get(page).content.decode()
    caseworker_client.cookies["django_language"] = "en"
    with translation.override(settings.LANGUAGE_CODE):
        english = caseworker_client.get(page).content.decode()
        response = caseworker_client.get(report)
        english_report = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "不是有效的公民身份号码" in chinese and "not a valid identity number" not in chinese
    assert "not a valid identity number" in english and "不是有效的公民身份号码" not in english
    assert "not a valid identity number" in english_report


def read_in_both_languages(client, url) -> tuple[str, str]:
    """Return the page at ``url`` as a Chinese reader and as an English one gets it."""
    chinese = client.get(url).content.decode()
    client.cookies["django_language"] = "en"
    with translation.override(settings.LANGUAGE_CODE):  # the request leaves English active
        english = client.get(url).content.decode()
    return chinese, english


@with_worker
def test_a_runs_warnings_are_shown_in_the_language_of_whoever_reads_them(caseworker_client):
    content = GOOD.replace("参保日期\n".encode("gb18030"), "参保日期,备注\n".encode("gb18030"))
    upload(caseworker_client, content, dry_run="on")  # started in Chinese
    run_worker()
    run = ImportRun.objects.get()
    page = reverse("admin:accounts_importrun_progress", args=[run.pk])
    chinese, english = read_in_both_languages(caseworker_client, page)
    assert "已忽略无法识别的列：备注。" in chinese and "Unknown columns" not in chinese
    assert "Unknown columns were ignored: 备注." in english and "已忽略" not in english


def test_a_stopped_runs_message_is_shown_in_the_language_of_whoever_reads_it(caseworker_client):
    upload(caseworker_client, dry_run="on")  # started in Chinese, stopped before any worker
    run = ImportRun.objects.get()
    run_stop(actor=None, run=run)
    status = reverse("admin:accounts_importrun_status", args=[run.pk])
    chinese, english = read_in_both_languages(caseworker_client, status)
    assert json.loads(chinese)["message"].startswith("已按请求停止")
    assert json.loads(english)["message"].startswith("Stopped on request before any row")


def _import_for_real(client, run):
    return client.post(reverse("admin:accounts_importrun_import_for_real", args=[run.pk]))


@with_worker
def test_finished_dry_run_can_be_imported_for_real_without_uploading_again(caseworker_client):
    upload(caseworker_client, dry_run="on")
    run_worker()
    dry = ImportRun.objects.get()
    page = caseworker_client.get(reverse("admin:accounts_importrun_progress", args=[dry.pk]))
    assert b'data-testid="import-for-real"' in page.content
    _import_for_real(caseworker_client, dry)
    run_worker()
    real = ImportRun.objects.exclude(pk=dry.pk).get()
    assert (real.dry_run, real.status, real.created, real.failed) == (False, "finished", 1, 1)
    assert InsuredPerson.objects.get().name == "张三"


@with_worker
def test_a_dry_run_is_imported_for_real_once(caseworker_client):
    upload(caseworker_client, dry_run="on")
    run_worker()
    dry = ImportRun.objects.get()
    _import_for_real(caseworker_client, dry)
    _import_for_real(caseworker_client, dry)
    assert ImportRun.objects.filter(dry_run=False).count() == 1


def test_a_real_import_is_not_imported_for_real_again(caseworker_client):
    upload_and_confirm(caseworker_client)
    run = ImportRun.objects.get()
    _import_for_real(caseworker_client, run)
    assert ImportRun.objects.count() == 1


@with_worker
def test_another_users_dry_run_cannot_be_imported_for_real(caseworker_client, client):
    upload(caseworker_client, dry_run="on")
    run_worker()
    dry = ImportRun.objects.get()
    client.force_login(staff_user("caseworker", regions=["370100"], username="colleague"))
    assert _import_for_real(client, dry).status_code == 404
    assert ImportRun.objects.count() == 1


def test_importing_for_real_takes_a_post(caseworker_client):
    upload(caseworker_client, dry_run="on")
    url = reverse("admin:accounts_importrun_import_for_real", args=[ImportRun.objects.get().pk])
    assert caseworker_client.get(url).status_code == 405


@with_worker
def test_dry_run_of_a_file_imported_before_says_so_beside_importing_it_for_real(
    caseworker_client,
):
    upload_and_confirm(caseworker_client)
    run_worker()
    upload(caseworker_client, dry_run="on")
    run_worker()
    dry = ImportRun.objects.get(dry_run=True)
    page = caseworker_client.get(reverse("admin:accounts_importrun_progress", args=[dry.pk]))
    assert "该文件已于" in page.content.decode() and "导入过" in page.content.decode()


@with_worker
def test_progress_status_names_the_regions_of_the_rows_for_the_page_to_show(caseworker_client):
    assert _status_once_imported(caseworker_client)["regions"] == "370100 济南市"
