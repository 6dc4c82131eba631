"""Uploaded enrollment files are not kept longer than their purpose needs."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import ImportRun
from accounts.services.imports import import_enrollment
from tests.accounts.imports.enrollment_files import row, write_csv

pytestmark = pytest.mark.django_db


def make_run(tmp_path, name, status, started_hours_ago=0, ended_days_ago=None):
    stored = tmp_path / name
    stored.write_text("身份证号,姓名\n", encoding="utf-8")
    now = timezone.now()
    run = ImportRun.objects.create(file_name=name, sha256="0" * 64, status=status)
    ImportRun.objects.filter(pk=run.pk).update(
        started_at=now - dt.timedelta(hours=started_hours_ago),
        finished_at=None if ended_days_ago is None else now - dt.timedelta(days=ended_days_ago),
        stored_file=str(stored),
    )
    return ImportRun.objects.get(pk=run.pk), stored


@pytest.fixture
def purge(django_capture_on_commit_callbacks):
    def run_command():
        out = io.StringIO()
        # The files go when the purge commits.
        with django_capture_on_commit_callbacks(execute=True):
            call_command("purge_import_files", stdout=out)
        return out.getvalue().strip()

    return run_command


def test_preview_left_unconfirmed_for_a_day_is_cancelled_and_its_file_deleted(tmp_path, purge):
    run, stored = make_run(tmp_path, "stale.csv", ImportRun.Status.PREVIEW, started_hours_ago=25)
    assert (
        purge() == "previews expired=1 files deleted=1 runs interrupted=0 error reports deleted=0"
    )
    run.refresh_from_db()
    assert run.status == ImportRun.Status.CANCELLED
    assert "24" in run.message and run.finished_at is not None
    assert not stored.exists()


def test_recent_preview_is_left_for_the_caseworker(tmp_path, purge):
    run, stored = make_run(tmp_path, "fresh.csv", ImportRun.Status.PREVIEW, started_hours_ago=2)
    assert (
        purge() == "previews expired=0 files deleted=0 runs interrupted=0 error reports deleted=0"
    )
    run.refresh_from_db()
    assert run.status == ImportRun.Status.PREVIEW and stored.exists()


def test_file_of_a_run_ended_over_thirty_days_ago_is_deleted_and_the_record_kept(tmp_path, purge):
    run, stored = make_run(tmp_path, "old.csv", ImportRun.Status.FINISHED, ended_days_ago=31)
    assert (
        purge() == "previews expired=0 files deleted=1 runs interrupted=0 error reports deleted=0"
    )
    run.refresh_from_db()
    assert (run.status, run.stored_file, run.file_name) == ("finished", "", "old.csv")
    assert not stored.exists()


def test_file_of_a_recent_or_running_import_is_kept(tmp_path, purge):
    _, recent = make_run(tmp_path, "recent.csv", ImportRun.Status.FINISHED, ended_days_ago=3)
    _, running = make_run(tmp_path, "running.csv", ImportRun.Status.RUNNING, started_hours_ago=99)
    assert (
        purge() == "previews expired=0 files deleted=0 runs interrupted=0 error reports deleted=0"
    )
    assert recent.exists() and running.exists()


def _ended_days_ago(run: ImportRun, days: int) -> ImportRun:
    ImportRun.objects.filter(pk=run.pk).update(finished_at=timezone.now() - dt.timedelta(days=days))
    return ImportRun.objects.get(pk=run.pk)


@pytest.fixture
def run_with_faults(tmp_path):
    rows = [row(1), row(2, 姓名=""), row(3, 手机号="123")]
    return import_enrollment(path=write_csv(tmp_path, rows))


def test_row_errors_of_a_run_ended_over_180_days_ago_are_deleted(run_with_faults, purge):
    run = _ended_days_ago(run_with_faults, 181)
    assert purge().endswith("error reports deleted=1")
    run.refresh_from_db()
    assert not run.errors.exists() and run.faults_deleted_at is not None


def test_counts_of_a_run_stay_when_its_row_errors_are_deleted(run_with_faults, purge):
    run = _ended_days_ago(run_with_faults, 181)
    purge()
    run.refresh_from_db()
    assert (run.rows, run.created, run.failed, run.faulty_rows_by_region) == (
        3,
        1,
        2,
        {"370100": 2},
    )


def test_row_errors_of_a_run_ended_within_180_days_are_kept(run_with_faults, purge):
    run = _ended_days_ago(run_with_faults, 179)
    assert purge().endswith("error reports deleted=0")
    assert run.errors.count() == 2


def test_run_page_says_its_row_errors_were_deleted_and_offers_no_report(
    run_with_faults, purge, admin_client
):
    run = _ended_days_ago(run_with_faults, 181)
    purge()
    page = admin_client.get(reverse("admin:accounts_importrun_progress", args=[run.pk]))
    text = page.content.decode()
    assert "本次导入的错误明细" in text and "导入结束 180 天后" in text
    assert "report.csv" not in text


def test_report_of_a_run_whose_row_errors_were_deleted_leads_back_to_its_page(
    run_with_faults, purge, admin_client
):
    run = _ended_days_ago(run_with_faults, 181)
    purge()
    response = admin_client.get(reverse("admin:accounts_importrun_report", args=[run.pk, "csv"]))
    assert response.status_code == 302
    assert response.url == reverse("admin:accounts_importrun_progress", args=[run.pk])


def test_runs_list_says_the_report_of_a_run_was_deleted(run_with_faults, purge, admin_client):
    _ended_days_ago(run_with_faults, 181)
    purge()
    page = admin_client.get(reverse("admin:accounts_importrun_changelist")).content.decode()
    assert "已过 180 天删除" in page and "report.csv" not in page
