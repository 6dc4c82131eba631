"""Whoever ran an import can stop it: a queued one ends at once, a running one before its next
chunk, and what was written up to then is kept."""

from pathlib import Path

import pytest
from django.urls import reverse

from accounts.models import ImportRun, InsuredPerson
from accounts.services.audit import audit_trail
from accounts.services.imports import import_enrollment, run_stop
from tests.accounts.imports.enrollment_files import row, write_csv
from tests.accounts.imports.test_import_upload import run_worker, upload_and_confirm, with_worker
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


def _stop(client, run):
    return client.post(reverse("admin:accounts_importrun_stop", args=[run.pk]))


def test_running_import_stops_before_its_next_chunk_and_keeps_what_it_wrote(tmp_path):
    def stop_after_the_first_chunk(run):
        run_stop(actor=None, run=run)

    path = write_csv(tmp_path, [row(n) for n in range(1, 10)])
    run = import_enrollment(path=path, chunk_size=3, progress=stop_after_the_first_chunk)
    assert (run.status, run.rows, InsuredPerson.objects.count()) == ("stopped", 3, 3)
    assert "读取 3 行后停止" in run.message


@with_worker  # two writer threads commit for real
def test_import_with_two_writers_stops_and_counts_only_what_it_committed(tmp_path):
    def stop_after_the_first_chunk(run):
        run_stop(actor=None, run=run)

    path = write_csv(tmp_path, [row(n) for n in range(1, 61)])
    run = import_enrollment(path=path, chunk_size=3, progress=stop_after_the_first_chunk)
    run.refresh_from_db()
    assert run.status == "stopped" and run.rows < 60
    assert InsuredPerson.objects.count() == run.created == run.rows


@with_worker
def test_queued_import_stopped_before_a_worker_begins_it_writes_nothing(caseworker_client):
    upload_and_confirm(caseworker_client)
    run = ImportRun.objects.get()
    _stop(caseworker_client, run)
    run_worker()
    run.refresh_from_db()
    assert (run.status, InsuredPerson.objects.count()) == ("stopped", 0)


def test_another_caseworker_cannot_stop_an_import(client, caseworker, tmp_path):
    run = ImportRun.objects.create(file_name="a.csv", sha256="0" * 64, user=caseworker)
    client.force_login(staff_user("caseworker", regions=["370100"], username="cw_other"))
    assert _stop(client, run).status_code == 404
    run.refresh_from_db()
    assert run.status == "running" and run.stop_requested_at is None


def test_stopping_an_import_that_has_ended_says_so(caseworker_client, caseworker, tmp_path):
    run = import_enrollment(path=write_csv(tmp_path, [row(1)]), user=caseworker)
    response = _stop(caseworker_client, run)
    assert [str(m) for m in response.wsgi_request._messages] == ["该导入已经结束。"]


def test_run_page_offers_to_stop_a_running_import_of_ones_own(caseworker_client, caseworker):
    run = ImportRun.objects.create(file_name="a.csv", sha256="0" * 64, user=caseworker)
    url = reverse("admin:accounts_importrun_progress", args=[run.pk])
    assert b'data-testid="stop-import"' in caseworker_client.get(url).content


def test_run_page_says_a_stop_was_requested(caseworker_client, caseworker):
    run = ImportRun.objects.create(file_name="a.csv", sha256="0" * 64, user=caseworker)
    ImportRun.objects.filter(pk=run.pk).update(heartbeat_at=run.started_at)
    _stop(caseworker_client, run)
    page = caseworker_client.get(reverse("admin:accounts_importrun_progress", args=[run.pk]))
    assert b'data-testid="stop-requested"' in page.content


def _stopped_and_run_again(client) -> tuple[ImportRun, ImportRun]:
    """Upload a file, stop its import, and run it again from its page: (stopped, new run)."""
    upload_and_confirm(client)
    run = ImportRun.objects.get()
    _stop(client, run)
    client.post(reverse("admin:accounts_importrun_resume", args=[run.pk]))
    return run, ImportRun.objects.exclude(pk=run.pk).get()


@with_worker
def test_stopped_import_can_be_run_again_from_its_page(caseworker_client):
    run, again = _stopped_and_run_again(caseworker_client)
    run_worker()
    run.refresh_from_db()
    again.refresh_from_db()
    assert (run.status, again.status, again.created) == ("stopped", "finished", 1)
    assert f"。该文件已作为第 {again.pk} 号导入重新运行" in run.message  # no space between


def test_stopped_dry_run_says_nothing_was_written(tmp_path):
    def stop_after_the_first_chunk(run):
        run_stop(actor=None, run=run)

    path = write_csv(tmp_path, [row(n) for n in range(1, 10)])
    run = import_enrollment(
        path=path, chunk_size=3, dry_run=True, progress=stop_after_the_first_chunk
    )
    assert run.status == "stopped" and "未写入任何内容" in run.message


@with_worker
def test_history_of_a_stopped_import_run_again_does_not_call_it_interrupted(caseworker_client):
    run, again = _stopped_and_run_again(caseworker_client)
    said = [event.get_change_message() for event in list(audit_trail(run))[::-1]]
    assert said[:2] == [f"已作为第 {again.pk} 号导入重新运行。", "已请求停止。"]


def _message_class(client, run) -> str:
    page = client.get(reverse("admin:accounts_importrun_progress", args=[run.pk])).content.decode()
    return page.split('data-testid="run-message" class="')[1].split('"')[0]


@with_worker
def test_stopped_import_says_so_as_a_notice_not_as_an_error(caseworker_client):
    upload_and_confirm(caseworker_client)
    run = ImportRun.objects.get()
    _stop(caseworker_client, run)
    assert _message_class(caseworker_client, run) == "text-orange-700"


@with_worker
def test_import_whose_file_cannot_be_read_says_so_as_an_error(caseworker_client):
    upload_and_confirm(caseworker_client)
    run = ImportRun.objects.get()
    Path(run.stored_file).unlink()
    run_worker()
    assert _message_class(caseworker_client, run) == "text-red-600"
