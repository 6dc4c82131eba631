"""The preview of a small enrollment file: what the import would do, confirmed or cancelled."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from accounts.choices import InsuranceType, PersonStatus
from accounts.importing import preview as import_preview
from accounts.importing.preview import Change, Outcome, preview_enrollment
from accounts.models import ImportRun, InsuredPerson, PersonalAccount
from accounts.services.imports import import_enrollment
from tests.accounts.imports.enrollment_files import HEADER, nid, row, sheet_rows, write_workbook
from tests.factories import InsuredPersonFactory, staff_user

pytestmark = pytest.mark.django_db
with_worker = pytest.mark.django_db(transaction=True, serialized_rollback=True)
UPLOAD = reverse("admin:accounts_importrun_upload")


def csv_bytes(rows, header=HEADER):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for r in rows:
        writer.writerow([r.get(h, "") for h in header])
    return out.getvalue().encode()


def write(tmp_path, rows, header=HEADER):
    path = Path(tmp_path) / "in.csv"
    path.write_bytes(csv_bytes(rows, header))
    return path


def stored(seq, **over):
    """Create the person that ``row(seq)`` describes, as the database holds it."""
    values = {
        "national_id": nid(seq),
        "name": f"张{seq}",
        "insurance_type": InsuranceType.EMPLOYEE,
        "enrolled_on": dt.date(2020, 1, 1),
        "mobile": "13912345678",
        "account": Decimal("100.00"),
    }
    values.update(over)
    return InsuredPersonFactory(**values)


def outcomes(preview):
    return [(item.line, item.outcome) for item in preview.items]


def label(model, name):
    return str(model._meta.get_field(name).verbose_name)


# The service


def test_preview_classifies_rows_as_new_changed_unchanged_or_error(tmp_path, superuser):
    stored(1)
    stored(2)
    path = write(tmp_path, [row(1), row(2, 姓名="张二"), row(3), row(4, 参保日期="2020-13-01")])

    preview = preview_enrollment(path=path, user=superuser)

    assert outcomes(preview) == [
        (2, Outcome.UNCHANGED),
        (3, Outcome.CHANGED),
        (4, Outcome.NEW),
        (5, Outcome.ERROR),
    ]
    counts = (preview.rows, preview.created, preview.updated, preview.unchanged, preview.failed)
    assert counts == (4, 1, 1, 1, 1)


def test_preview_shows_a_line_with_a_quote_never_closed_as_an_error_above_its_new_rows(
    tmp_path, superuser
):
    path = write(tmp_path, [row(1), row(2), row(3)])
    path.write_bytes(path.read_bytes().replace("张1,".encode(), '"张1,'.encode(), 1))

    preview = preview_enrollment(path=path, user=superuser)

    assert outcomes(preview) == [(2, Outcome.ERROR), (3, Outcome.NEW), (4, Outcome.NEW)]
    assert preview.items[0].errors[0].code == "unclosed_quote"


def test_preview_of_a_file_with_no_rows_says_so(tmp_path, superuser):
    preview = preview_enrollment(path=write(tmp_path, []), user=superuser)
    assert (preview.rows, preview.items) == (0, [])
    assert preview.warnings == ["文件只有表头，下面没有数据行：未导入任何内容。"]


def test_preview_names_each_changed_field_with_its_old_and_new_value(tmp_path, superuser):
    stored(1)
    path = write(
        tmp_path,
        [row(1, 姓名="张一", 统筹区编码="370200", 参保状态="暂停", 手机号="", 个人账户余额="250")],
    )

    [item] = preview_enrollment(path=path, user=superuser).items

    assert item.changes == [
        Change(label(InsuredPerson, "name"), "张1", "张一", "name:changed"),
        Change(
            label(InsuredPerson, "region"), "370100 济南市", "370200 青岛市", "region_id:changed"
        ),
        Change(
            label(InsuredPerson, "status"),
            str(PersonStatus.ACTIVE.label),
            str(PersonStatus.SUSPENDED.label),
            "status:active>suspended",
        ),
        Change(label(InsuredPerson, "mobile"), "13912345678", "—", "mobile:cleared"),
        Change(label(PersonalAccount, "balance"), "100.00", "250.00", "balance:changed"),
    ]


def test_a_balance_left_empty_keeps_the_stored_one_so_the_row_is_unchanged(tmp_path, superuser):
    stored(1, account=Decimal("987.65"))
    path = write(tmp_path, [row(1, 个人账户余额="")])

    assert outcomes(preview_enrollment(path=path, user=superuser)) == [(2, Outcome.UNCHANGED)]


def test_a_resident_who_becomes_employee_insured_is_shown_getting_an_account(tmp_path, superuser):
    stored(1, insurance_type=InsuranceType.RESIDENT)
    path = write(tmp_path, [row(1, 个人账户余额="")])

    [item] = preview_enrollment(path=path, user=superuser).items

    assert item.changes == [
        Change(
            label(InsuredPerson, "insurance_type"),
            str(InsuranceType.RESIDENT.label),
            str(InsuranceType.EMPLOYEE.label),
            "insurance_type:resident>employee",
        ),
        Change(label(PersonalAccount, "balance"), "—", "0.00", "balance:opened"),
    ]


def test_error_rows_carry_every_fault_with_its_column(tmp_path, superuser):
    path = write(tmp_path, [row(1, 姓名="", 参保类型="商业险")])

    [item] = preview_enrollment(path=path, user=superuser).items

    assert item.outcome == Outcome.ERROR
    assert [(e.column, e.code) for e in item.errors] == [
        ("姓名", "missing_name"),
        ("参保类型", "bad_insurance_type"),
    ]
    assert (item.national_id, item.region) == (nid(1), "370100 济南市")


def test_error_rows_show_an_unknown_region_as_typed(tmp_path, superuser):
    path = write(tmp_path, [row(1, 统筹区编码="999999")])

    [item] = preview_enrollment(path=path, user=superuser).items

    assert (item.outcome, item.region) == (Outcome.ERROR, "999999")


def test_the_same_identity_number_again_is_an_error_naming_the_line_used(tmp_path, superuser):
    path = write(tmp_path, [row(1), row(2), row(1, 姓名="又一个")])

    preview = preview_enrollment(path=path, user=superuser)

    assert outcomes(preview) == [(2, Outcome.NEW), (3, Outcome.NEW), (4, Outcome.ERROR)]
    [error] = preview.items[2].errors
    assert error.code == "duplicate_in_file"
    assert "2" in str(error.message)


def test_a_number_whose_first_row_is_faulty_is_taken_from_its_next_good_row(tmp_path, superuser):
    path = write(tmp_path, [row(1, 参保日期="昨天"), row(1)])

    preview = preview_enrollment(path=path, user=superuser)

    assert outcomes(preview) == [(2, Outcome.ERROR), (3, Outcome.NEW)]


def test_rows_outside_the_caseworkers_regions_are_counted_apart_not_as_errors(tmp_path, caseworker):
    path = write(tmp_path, [row(1), row(2, 统筹区编码="370200")])

    preview = preview_enrollment(path=path, user=caseworker)

    assert outcomes(preview) == [(2, Outcome.NEW), (3, Outcome.OTHER_REGION)]
    assert preview.items[1].errors[0].code == "region_not_allowed"
    assert (preview.failed, preview.other_by_region) == (0, {"370200": 1})


def test_preview_gives_up_on_a_file_with_more_rows_than_the_limit(tmp_path, superuser):
    path = write(tmp_path, [row(1), {}, row(2), row(3)])  # the blank line does not count

    assert preview_enrollment(path=path, user=superuser, limit=2) is None
    assert preview_enrollment(path=path, user=superuser, limit=3).rows == 3


def test_preview_reports_unknown_columns_and_the_encoding(tmp_path, superuser):
    path = Path(tmp_path) / "gb.csv"
    path.write_bytes(
        csv_bytes([row(1, 备注="x")], header=[*HEADER, "备注"]).decode().encode("gb18030")
    )

    preview = preview_enrollment(path=path, user=superuser)

    assert preview.encoding == "gb18030"
    assert len(preview.warnings) == 1 and "备注" in preview.warnings[0]


def test_preview_writes_nothing(tmp_path, superuser):
    stored(1)
    path = write(tmp_path, [row(1, 姓名="张一", 个人账户余额="5"), row(2), row(3, 手机号="1")])

    with CaptureQueriesContext(connection) as queries:
        preview_enrollment(path=path, user=superuser)

    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert set(statements) == {"SELECT"}
    assert InsuredPerson.objects.count() == 1
    assert PersonalAccount.objects.get().balance == Decimal("100.00")


def test_preview_queries_do_not_grow_with_the_rows(tmp_path, superuser):
    def queries_for(seqs):
        for seq in seqs:
            stored(seq)
        path = write(tmp_path, [row(seq, 姓名="新") for seq in seqs])
        with CaptureQueriesContext(connection) as queries:
            preview_enrollment(path=path, user=superuser)
        return len(queries)

    assert queries_for([1]) == queries_for(range(100, 150))


def test_preview_counts_are_what_the_import_then_writes(tmp_path, superuser):
    stored(1)  # unchanged
    stored(2)  # renamed
    stored(3)  # only the balance changes
    stored(4, account=Decimal("7.00"))  # balance left empty
    stored(5, insurance_type=InsuranceType.RESIDENT)  # becomes employee-insured
    stored(6, insurance_type=InsuranceType.RESIDENT, status="suspended")  # unchanged resident
    no_account = stored(11, insurance_type=InsuranceType.RESIDENT)  # employee without an account
    InsuredPerson.objects.filter(pk=no_account.pk).update(insurance_type=InsuranceType.EMPLOYEE)
    rows = [
        row(1),
        row(2, 姓名="张二"),
        row(3, 个人账户余额="300"),
        row(4, 个人账户余额=""),
        row(5),
        row(6, 参保类型="居民", 个人账户余额="", 参保状态="暂停"),
        row(7),  # new, employee
        row(8, 参保类型="居民", 个人账户余额=""),  # new, resident
        row(7, 姓名="重复"),  # duplicate
        row(9, 身份证号="370102198001010000"),  # bad checksum
        row(10, 个人账户余额="-1"),
        row(11, 个人账户余额=""),  # the import opens the missing account
    ]
    path = write(tmp_path, rows)

    preview = preview_enrollment(path=path, user=superuser)
    run = import_enrollment(path=path, user=superuser)

    assert (preview.rows, preview.created, preview.updated, preview.unchanged, preview.failed) == (
        run.rows,
        run.created,
        run.updated,
        run.unchanged,
        run.failed,
    )
    assert (run.created, run.updated, run.unchanged, run.failed) == (2, 4, 3, 3)


# The admin


def upload(client, content, name="extract.csv", **fields):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, content), **fields})


def preview_url(run, name="preview"):
    return reverse(f"admin:accounts_importrun_{name}", args=[run.pk])


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO())


SMALL = csv_bytes([row(1), row(2, 手机号="12")])


def test_a_small_upload_goes_to_its_preview_and_writes_nothing(caseworker_client):
    response = upload(caseworker_client, SMALL)

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == preview_url(run)
    assert run.status == ImportRun.Status.PREVIEW and Path(run.stored_file).exists()
    assert not DBTaskResult.objects.exists()
    assert not InsuredPerson.objects.exists()


def test_the_preview_page_shows_the_counts_and_each_row(caseworker_client):
    stored(1)
    upload(caseworker_client, csv_bytes([row(1, 姓名="张一"), row(2), row(3, 手机号="12")]))
    run = ImportRun.objects.get()

    response = caseworker_client.get(preview_url(run))

    assert response.status_code == 200
    html = response.content.decode()
    for key, count in (("new", 1), ("changed", 1), ("unchanged", 0), ("error", 1)):
        assert f'data-testid="count-{key}">{count}<' in html
    lines = [int(line) for line in _attributes(html, "data-line")]
    assert lines == [4, 2, 3]  # errors first, then changed, then new
    assert "张1 → 张一" in html
    assert "确认导入" in html and "取消" in html


def test_each_count_with_rows_links_to_its_rows_on_the_preview_page(caseworker_client):
    stored(1)
    upload(caseworker_client, csv_bytes([row(1, 姓名="张一"), row(2), row(3, 手机号="12")]))

    html = caseworker_client.get(preview_url(ImportRun.objects.get())).content.decode()

    links = dict(re.findall(r'href="#(rows-(\w+))" data-testid="jump-\2"', html))
    assert sorted(links.values()) == ["changed", "error", "new"]  # none unchanged: no link
    assert all(f'<tbody id="{anchor}"' in html for anchor in links)


def test_a_fault_of_no_one_column_is_shown_without_a_column_before_it(caseworker_client):
    totals = {"身份证号": "合计", "个人账户余额": "200.00"}
    upload(caseworker_client, csv_bytes([row(1), totals]))

    response = caseworker_client.get(preview_url(ImportRun.objects.get()))

    html = response.content.decode()
    assert "<li>这是合计行，不是参保人，未导入。</li>" in html


def test_the_preview_page_shows_at_most_so_many_rows_of_each_outcome(
    caseworker_client, monkeypatch
):
    monkeypatch.setattr(import_preview, "SHOWN_PER_OUTCOME", 2)
    upload(caseworker_client, csv_bytes([row(n) for n in range(1, 6)]))

    response = caseworker_client.get(preview_url(ImportRun.objects.get()))

    html = response.content.decode()
    assert _attributes(html, "data-line") == ["2", "3"]
    more = re.search(r'data-testid="more-new">(.*?)</tr>', html, re.S).group(1)
    assert "2" in more and "3" in more


def test_the_preview_page_groups_the_digits_of_its_counts_as_the_run_page_does(
    caseworker_client, monkeypatch
):
    monkeypatch.setattr(import_preview, "SHOWN_PER_OUTCOME", 2)
    born = [dt.date(1980, 1, 1), dt.date(1981, 1, 1)]  # 600 persons born each day
    rows = [row(n % 600, 身份证号=nid(n % 600, born[n // 600])) for n in range(1200)]
    upload(caseworker_client, csv_bytes(rows))

    html = caseworker_client.get(preview_url(ImportRun.objects.get())).content.decode()

    assert 'data-testid="count-new">1,200<' in html
    assert "共读取 1,200 行" in html and "另有 1,198 行未显示" in html


def test_the_preview_page_says_when_nothing_would_be_written(caseworker_client):
    stored(1)
    upload(caseworker_client, csv_bytes([row(1)]))

    response = caseworker_client.get(preview_url(ImportRun.objects.get()))

    assert 'data-testid="nothing-to-write"' in response.content.decode()


@with_worker
def test_confirming_queues_the_import_and_the_worker_writes_it(caseworker_client):
    upload(caseworker_client, SMALL)
    run = ImportRun.objects.get()

    response = caseworker_client.post(preview_url(run, "confirm"))

    assert response["Location"] == preview_url(run, "progress")
    assert DBTaskResult.objects.count() == 1
    run_worker()
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FINISHED
    assert run.summary == "created=1 updated=0 unchanged=0 failed=1"
    assert InsuredPerson.objects.get().national_id == nid(1)


def test_confirming_twice_queues_the_import_once(
    caseworker_client, django_capture_on_commit_callbacks
):
    upload(caseworker_client, SMALL)
    run = ImportRun.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        caseworker_client.post(preview_url(run, "confirm"))
        caseworker_client.post(preview_url(run, "confirm"))

    assert DBTaskResult.objects.count() == 1
    run.refresh_from_db()
    assert run.status == ImportRun.Status.RUNNING


def test_confirm_by_get_is_refused(caseworker_client):
    upload(caseworker_client, SMALL)
    run = ImportRun.objects.get()

    assert caseworker_client.get(preview_url(run, "confirm")).status_code == 405
    run.refresh_from_db()
    assert run.status == ImportRun.Status.PREVIEW
    assert not DBTaskResult.objects.exists()


def test_cancelling_deletes_the_stored_file_and_marks_the_run_cancelled(
    caseworker_client, django_capture_on_commit_callbacks
):
    upload(caseworker_client, SMALL)
    run = ImportRun.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = caseworker_client.post(preview_url(run, "cancel"), follow=True)

    assert response.redirect_chain[-1][0] == UPLOAD
    assert "已取消" in response.content.decode()
    assert not Path(run.stored_file).exists()
    run.refresh_from_db()
    assert run.status == ImportRun.Status.CANCELLED and run.finished_at is not None
    assert not DBTaskResult.objects.exists() and not InsuredPerson.objects.exists()


def test_another_caseworker_cannot_see_confirm_or_cancel_someone_elses_preview(
    client, caseworker_client
):
    upload(caseworker_client, SMALL)
    run = ImportRun.objects.get()
    client.force_login(staff_user("caseworker", regions=["370100"]))

    assert client.get(preview_url(run)).status_code == 404
    assert client.post(preview_url(run, "confirm")).status_code == 404
    assert client.post(preview_url(run, "cancel")).status_code == 404
    run.refresh_from_db()
    assert run.status == ImportRun.Status.PREVIEW and Path(run.stored_file).exists()


def test_a_preview_whose_file_is_gone_says_so_and_cannot_be_confirmed(caseworker_client):
    upload(caseworker_client, SMALL)
    run = ImportRun.objects.get()
    Path(run.stored_file).unlink()

    html = caseworker_client.get(preview_url(run)).content.decode()

    assert 'data-testid="problem"' in html and run.stored_file not in html
    assert re.search(r'data-testid="confirm-form">.*?<button[^>]* disabled>', html, re.S)


def test_staff_without_import_rights_cannot_open_a_preview(client, caseworker_client):
    upload(caseworker_client, SMALL)
    client.force_login(staff_user("auditor", nationwide=True))

    assert client.get(preview_url(ImportRun.objects.get())).status_code == 403


def test_a_file_above_the_preview_limit_goes_straight_to_the_background_job(
    caseworker_client, monkeypatch
):
    monkeypatch.setattr(import_preview, "PREVIEW_MAX_ROWS", 1)

    response = upload(caseworker_client, SMALL)

    run = ImportRun.objects.get()
    assert response["Location"] == preview_url(run, "progress")
    assert run.status == ImportRun.Status.RUNNING
    assert DBTaskResult.objects.count() == 1


def test_a_dry_run_skips_the_preview(caseworker_client):
    response = upload(caseworker_client, SMALL, dry_run="on")

    run = ImportRun.objects.get()
    assert response["Location"] == preview_url(run, "progress")
    assert run.dry_run and DBTaskResult.objects.count() == 1


def test_the_progress_page_of_a_run_awaiting_confirmation_leads_to_its_preview(
    caseworker_client,
):
    upload(caseworker_client, SMALL)
    run = ImportRun.objects.get()

    response = caseworker_client.get(preview_url(run, "progress"))

    assert response.status_code == 302 and response["Location"] == preview_url(run)


def test_the_list_of_imports_links_a_run_awaiting_confirmation_to_its_preview(
    caseworker_client,
):
    upload(caseworker_client, SMALL)

    response = caseworker_client.get(reverse("admin:accounts_importrun_changelist"))

    assert f'href="{preview_url(ImportRun.objects.get())}"' in response.content.decode()


def _attributes(html, name):
    return re.findall(rf'{name}="([^"]*)"', html)


def test_preview_says_which_sheet_of_a_workbook_it_read(tmp_path, caseworker):
    path = write_workbook(
        tmp_path / "名单.xlsx",
        [("填表说明", [["请按下一页格式填写"]], False), ("参保名单", sheet_rows(1), False)],
    )
    preview = preview_enrollment(path=path, user=caseworker)
    assert preview.created == 1 and "工作表“参保名单”" in preview.warnings[0]


def test_preview_of_a_workbook_says_so_rather_than_naming_an_encoding(tmp_path, caseworker):
    path = write_workbook(tmp_path / "名单.xlsx", [("名单", sheet_rows(1), False)])
    assert preview_enrollment(path=path, user=caseworker).encoding == "XLSX 工作簿"
