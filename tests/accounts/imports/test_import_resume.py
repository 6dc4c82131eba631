"""An import whose process went away (a worker restart) is shown as such and can be run again."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import ImportRun, InsuredPerson
from accounts.services.imports import import_enrollment
from tests.accounts.imports.enrollment_files import row, write_csv
from tests.factories import staff_user

pytestmark = pytest.mark.django_db
with_worker = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def stopped_run(tmp_path, user, *, minutes_ago=30, rows=3, written=1):
    """Return a run of a ``rows``-row file that wrote ``written`` rows, then lost its process."""
    path = write_csv(tmp_path, [row(n) for n in range(1, rows + 1)], name="extract.csv")
    partial = write_csv(tmp_path, [row(n) for n in range(1, written + 1)], name="partial.csv")
    import_enrollment(path=partial, user=user)  # what the lost process had committed
    run = ImportRun.objects.create(
        file_name="extract.csv",
        sha256="0" * 64,
        user=user,
        stored_file=str(path),
        rows=written,
        created=written,
        heartbeat_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
    )
    return run


def progress(client, run):
    return client.get(reverse("admin:accounts_importrun_progress", args=[run.pk]))


def resume(client, run):
    return client.post(reverse("admin:accounts_importrun_resume", args=[run.pk]))


def test_a_running_import_that_has_not_moved_for_ten_minutes_is_stalled():
    now = timezone.now()
    run = ImportRun(status=ImportRun.Status.RUNNING, heartbeat_at=now - dt.timedelta(minutes=11))
    assert run.stalled(now)
    run.heartbeat_at = now - dt.timedelta(minutes=9)
    assert not run.stalled(now)
    run.status = ImportRun.Status.FINISHED
    run.heartbeat_at = now - dt.timedelta(days=1)
    assert not run.stalled(now)


def test_a_queued_import_no_worker_has_begun_is_waiting_not_stalled():
    now = timezone.now()
    run = ImportRun(status=ImportRun.Status.RUNNING, started_at=now - dt.timedelta(minutes=30))
    assert (run.stalled(now), run.waiting_long(now)) == (False, True)


def test_each_committed_chunk_moves_the_heartbeat(tmp_path):
    before = timezone.now()
    run = import_enrollment(path=write_csv(tmp_path, [row(n) for n in range(1, 8)]), chunk_size=3)
    run.refresh_from_db()
    assert run.heartbeat_at >= before
    assert not run.stalled()


def test_progress_page_of_a_stalled_import_offers_to_run_the_file_again(
    tmp_path, caseworker_client, caseworker
):
    run = stopped_run(tmp_path, caseworker)
    page = progress(caseworker_client, run).content.decode()
    assert 'data-testid="import-stopped"' in page
    assert "已超过 10 分钟没有进展" in page
    assert reverse("admin:accounts_importrun_resume", args=[run.pk]) in page
    listing = caseworker_client.get(reverse("admin:accounts_importrun_changelist"))
    assert "已中断" in listing.content.decode()


def test_status_of_a_stalled_import_says_so_for_the_page_to_reload(
    tmp_path, caseworker_client, caseworker
):
    run = stopped_run(tmp_path, caseworker)
    url = reverse("admin:accounts_importrun_status", args=[run.pk])
    status = caseworker_client.get(url).json()
    assert (status["stalled"], status["done"], status["status_label"]) == (True, False, "已中断")


@with_worker
def test_running_a_stalled_import_again_finishes_the_job_as_a_new_run(
    tmp_path, caseworker_client, caseworker
):
    run = stopped_run(tmp_path, caseworker, rows=3, written=1)
    stored = run.stored_file
    response = resume(caseworker_client, run)
    new = ImportRun.objects.latest("pk")
    assert response["Location"] == reverse("admin:accounts_importrun_progress", args=[new.pk])
    assert DBTaskResult.objects.count() == 1

    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO())
    new.refresh_from_db()
    run.refresh_from_db()
    assert (new.status, new.summary) == ("finished", "created=2 updated=0 unchanged=1 failed=0")
    assert (new.stored_file, new.user) == (stored, caseworker)
    assert (run.status, run.stored_file) == (ImportRun.Status.INTERRUPTED, "")
    assert f"{new.pk}" in run.message
    page = progress(caseworker_client, run).content.decode()
    assert f"第 {new.pk} 号导入重新运行" in page
    assert 'data-testid="import-stopped"' not in page  # nothing left to run again
    assert InsuredPerson.objects.count() == 3


def test_an_import_still_moving_is_not_run_again(tmp_path, caseworker_client, caseworker):
    run = stopped_run(tmp_path, caseworker, minutes_ago=1)
    response = resume(caseworker_client, run)
    assert response["Location"] == reverse("admin:accounts_importrun_progress", args=[run.pk])
    assert ImportRun.objects.filter(pk__gt=run.pk).count() == 0
    run.refresh_from_db()
    assert run.status == ImportRun.Status.RUNNING


def test_running_again_takes_a_post(tmp_path, caseworker_client, caseworker):
    run = stopped_run(tmp_path, caseworker)
    url = reverse("admin:accounts_importrun_resume", args=[run.pk])
    assert caseworker_client.get(url).status_code == 405


def test_another_users_stalled_import_cannot_be_run_again(tmp_path, client, caseworker):
    run = stopped_run(tmp_path, caseworker)
    client.force_login(staff_user("caseworker", regions=["370100"]))
    assert resume(client, run).status_code == 404
    assert not DBTaskResult.objects.exists()


def test_daily_purge_records_stalled_imports_as_interrupted(tmp_path, caseworker):
    stalled = stopped_run(tmp_path, caseworker)
    moving = stopped_run(tmp_path, caseworker, minutes_ago=1)
    out = io.StringIO()
    call_command("purge_import_files", stdout=out)
    assert out.getvalue().strip().endswith("runs interrupted=1 error reports deleted=0")
    stalled.refresh_from_db()
    moving.refresh_from_db()
    assert (stalled.status, moving.status) == (ImportRun.Status.INTERRUPTED, "running")
    assert "1 rows" in stalled.message or "1 行" in stalled.message


def test_progress_page_says_when_no_worker_has_begun_a_queued_import(caseworker_client, caseworker):
    run = ImportRun.objects.create(file_name="x.csv", sha256="0" * 64, user=caseworker)
    ImportRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - dt.timedelta(minutes=30))
    page = progress(caseworker_client, run).content.decode()
    assert 'data-testid="import-waiting"' in page
    assert "db_worker" in page


def test_an_import_no_worker_has_begun_is_shown_as_queued_on_its_page_and_in_the_list(
    caseworker_client, caseworker
):
    run = ImportRun.objects.create(file_name="x.csv", sha256="0" * 64, user=caseworker)
    page = progress(caseworker_client, run).content.decode()
    listing = caseworker_client.get(reverse("admin:accounts_importrun_changelist"))
    assert '<span id="status">排队中</span>' in page
    assert '<span class="whitespace-nowrap">排队中</span>' in listing.content.decode()


def test_an_import_a_worker_has_begun_is_shown_as_running(caseworker_client, caseworker):
    run = ImportRun.objects.create(
        file_name="x.csv", sha256="0" * 64, user=caseworker, heartbeat_at=timezone.now()
    )
    assert '<span id="status">进行中</span>' in progress(caseworker_client, run).content.decode()


def test_a_stalled_import_without_its_file_says_so_but_offers_no_button(
    tmp_path, caseworker_client, caseworker
):
    run = stopped_run(tmp_path, caseworker)
    ImportRun.objects.filter(pk=run.pk).update(stored_file="")  # as a command-line run has
    page = progress(caseworker_client, run).content.decode()
    assert 'data-testid="import-stopped"' in page
    assert reverse("admin:accounts_importrun_resume", args=[run.pk]) not in page
    assert resume(caseworker_client, run)["Location"].endswith(f"/{run.pk}/progress/")
    assert ImportRun.objects.count() == 2  # the partial import and this run: nothing new
