"""Import runs in the admin: who sees which run, and the error report downloads."""

import csv
import datetime as dt
import io
import re

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import ImportRun
from accounts.services.imports import import_enrollment
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_with_errors(tmp_path, caseworker):
    path = tmp_path / "in.csv"
    path.write_text(
        "身份证号,姓名,参保类型,统筹区编码,参保日期\n"
        "11010519491231002X,张三,职工,370100,2021-01-01\n"
        "110105194912310021,=HYPERLINK(1),职工,370100,2021-01-01\n",
        encoding="utf-8",
    )
    return import_enrollment(path=path, user=caseworker)


def test_caseworker_sees_own_runs_only(caseworker_client, run_with_errors):
    other = ImportRun.objects.create(file_name="other.csv", sha256="0" * 64)
    response = caseworker_client.get(reverse("admin:accounts_importrun_changelist"))
    shown = {r.pk for r in response.context["cl"].result_list}
    assert run_with_errors.pk in shown and other.pk not in shown


def test_csv_report_lists_the_faults_with_formulae_made_inert(caseworker_client, run_with_errors):
    url = reverse("admin:accounts_importrun_report", args=[run_with_errors.pk, "csv"])
    response = caseworker_client.get(url)
    content = b"".join(response.streaming_content)  # streamed: a report may be large
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[1][:3] == ["3", "身份证号", "bad_checksum"]
    assert "'=HYPERLINK(1)" in rows[1]


def test_csv_report_keeps_an_identity_number_as_text_for_excel(caseworker_client, run_with_errors):
    url = reverse("admin:accounts_importrun_report", args=[run_with_errors.pk, "csv"])
    content = b"".join(caseworker_client.get(url).streaming_content).decode("utf-8-sig")
    assert '="110105194912310021"' in list(csv.reader(io.StringIO(content)))[1]


def test_xlsx_report_opens_in_a_spreadsheet(caseworker_client, run_with_errors):
    url = reverse("admin:accounts_importrun_report", args=[run_with_errors.pk, "xlsx"])
    sheet = load_workbook(io.BytesIO(caseworker_client.get(url).content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:3] == (3, "身份证号", "bad_checksum")


def _csv_report(client, run) -> list[list[str]]:
    url = reverse("admin:accounts_importrun_report", args=[run.pk, "csv"])
    content = b"".join(client.get(url).streaming_content)
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_report_names_the_original_values_by_the_files_own_header(
    caseworker_client, run_with_errors
):
    header = _csv_report(caseworker_client, run_with_errors)[0]
    assert header == ["行号 line", "列 column", "错误代码 code", "说明 message"] + [
        "身份证号",
        "姓名",
        "参保类型",
        "统筹区编码",
        "参保日期",
    ]


def test_report_of_a_run_from_before_headers_were_kept_titles_the_values_as_one(
    caseworker_client, run_with_errors
):
    ImportRun.objects.filter(pk=run_with_errors.pk).update(header=[])
    header = _csv_report(caseworker_client, run_with_errors)[0]
    assert header[4:] == ["原始数据 original values →"]


def test_report_makes_a_formula_in_the_files_header_inert(caseworker_client, tmp_path, caseworker):
    path = tmp_path / "in.csv"
    path.write_text(
        "身份证号,姓名,参保类型,统筹区编码,参保日期,=cmd()\n"
        "110105194912310021,张三,职工,370100,2021-01-01,x\n",
        encoding="utf-8",
    )
    run = import_enrollment(path=path, user=caseworker)
    url = reverse("admin:accounts_importrun_report", args=[run.pk, "xlsx"])
    sheet = load_workbook(io.BytesIO(caseworker_client.get(url).content)).active
    assert next(sheet.iter_rows(values_only=True))[-1] == "'=cmd()"


def test_xlsx_report_shows_a_control_character_of_a_refused_row_as_its_picture(
    caseworker_client, tmp_path, caseworker
):
    path = tmp_path / "in.csv"
    path.write_text(
        "身份证号,姓名,参保类型,统筹区编码,参保日期\n110105194912310021,张\x01三,职工,370100,2021-01-01\n",
        encoding="utf-8",
    )
    run = import_enrollment(path=path, user=caseworker)
    url = reverse("admin:accounts_importrun_report", args=[run.pk, "xlsx"])
    sheet = load_workbook(io.BytesIO(caseworker_client.get(url).content)).active
    assert "张\u2401三" in list(sheet.iter_rows(values_only=True))[1]


def test_another_users_report_is_not_found(client, run_with_errors):
    client.force_login(staff_user("caseworker", regions=["370100"]))
    url = reverse("admin:accounts_importrun_report", args=[run_with_errors.pk, "csv"])
    assert client.get(url).status_code == 404


def test_run_list_filters_by_import_status_not_by_enrollment_status(caseworker_client):
    response = caseworker_client.get(reverse("admin:accounts_importrun_changelist"))
    titles = [str(spec.title) for spec in response.context["cl"].filter_specs]
    assert titles[0] == "状态"
    assert "参保状态" not in titles


def test_run_list_names_a_dry_run_beside_its_status_and_marks_no_real_import(
    caseworker_client, run_with_errors, caseworker
):
    dry = ImportRun.objects.create(file_name="dry.csv", sha256="1" * 64, user=caseworker)
    dry.dry_run = True
    dry.save()
    response = caseworker_client.get(reverse("admin:accounts_importrun_changelist"))
    rows = response.content.decode().split("<tbody", 1)[1].split("</tbody>", 1)[0]
    assert rows.count("试运行") == 1
    assert "close_small" not in rows  # Unfold's red cross for False


def test_csv_report_is_streamed_in_pieces_with_every_fault(
    caseworker_client, caseworker, tmp_path, monkeypatch
):
    from accounts.importing import report

    monkeypatch.setattr(report, "CSV_ROWS_PER_PIECE", 5)
    lines = ["身份证号,姓名,参保类型,统筹区编码,参保日期"]
    lines += [f"11010519491231002X,张{n},职工,999999,2021-01-01" for n in range(12)]
    path = tmp_path / "in.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = import_enrollment(path=path, user=caseworker)
    url = reverse("admin:accounts_importrun_report", args=[run.pk, "csv"])
    pieces = list(caseworker_client.get(url).streaming_content)
    assert len(pieces) == 1 + 3  # the BOM, then 5 + 5 + 2 faults
    rows = list(csv.reader(io.StringIO(b"".join(pieces).decode("utf-8-sig"))))
    assert [(r[0], r[2], r[5]) for r in rows[1:]] == [
        (str(n + 2), "unknown_region", f"张{n}") for n in range(12)
    ]


def test_xlsx_report_past_the_limit_points_to_the_csv(
    caseworker_client, run_with_errors, monkeypatch
):
    from accounts.importing import report

    monkeypatch.setattr(report, "XLSX_MAX_FAULTS", 0)
    url = reverse("admin:accounts_importrun_report", args=[run_with_errors.pk, "xlsx"])
    response = caseworker_client.get(url, follow=True)
    assert response.redirect_chain[-1][0].endswith(f"/{run_with_errors.pk}/progress/")
    page = response.content.decode()
    assert "请下载 CSV" in page
    listing = caseworker_client.get(reverse("admin:accounts_importrun_changelist")).content
    assert b"report.csv" in listing and b"report.xlsx" not in listing


def test_report_file_is_named_in_chinese_after_its_run(caseworker_client, run_with_errors):
    from urllib.parse import unquote

    url = reverse("admin:accounts_importrun_report", args=[run_with_errors.pk, "csv"])
    disposition = caseworker_client.get(url)["Content-Disposition"]
    assert unquote(disposition) == (
        f"attachment; filename*=utf-8''导入错误报告-第{run_with_errors.pk}号.csv"
    )


def test_run_page_lists_each_first_fault_with_its_value_in_the_file(
    caseworker_client, run_with_errors
):
    url = reverse("admin:accounts_importrun_progress", args=[run_with_errors.pk])
    response = caseworker_client.get(url)
    assert [f.value for f in response.context["first_faults"]] == ["110105194912310021"]
    assert "文件中的值" in response.content.decode()


def test_run_is_named_by_its_start_in_beijing_time(caseworker_client, run_with_errors):
    at = dt.datetime(2026, 11, 24, 21, 36, tzinfo=dt.UTC)
    ImportRun.objects.filter(pk=run_with_errors.pk).update(started_at=at)
    url = reverse("admin:accounts_importrun_history", args=[run_with_errors.pk])
    page = caseworker_client.get(url).content.decode()
    assert "in.csv 2026-11-25 05:36" in page and "21:36" not in page


def test_history_page_shows_each_columns_title_once_on_a_desktop(
    caseworker_client, caseworker, run_with_errors
):
    runs = ImportRun.objects.filter(pk=run_with_errors.pk)
    LogEntry.objects.log_actions(caseworker.pk, runs, CHANGE, change_message="Stop requested.")
    url = reverse("admin:accounts_importrun_history", args=[run_with_errors.pk])
    page = caseworker_client.get(url).content.decode()
    cells = re.findall(r'<t[hd] class="([^"]*)" data-label=', page)
    assert cells and all("lg:before:hidden" in css.split() for css in cells)


def test_runs_raw_record_page_sends_the_viewer_to_the_runs_own_page(
    caseworker_client, run_with_errors
):
    url = reverse("admin:accounts_importrun_change", args=[run_with_errors.pk])
    response = caseworker_client.get(url)
    progress = reverse("admin:accounts_importrun_progress", args=[run_with_errors.pk])
    assert response.status_code == 302 and response["Location"] == progress


def test_another_users_run_record_is_not_shown_or_named(client, run_with_errors):
    client.force_login(staff_user("caseworker", regions=["370100"]))
    url = reverse("admin:accounts_importrun_change", args=[run_with_errors.pk])
    response = client.get(url)
    assert response.status_code == 404 and "in.csv" not in response.content.decode()


def test_a_refused_line_of_20000_values_keeps_1000_and_its_xlsx_report_downloads(
    caseworker_client, caseworker, tmp_path
):
    path = tmp_path / "wide.csv"
    header = "身份证号,姓名,参保类型,统筹区编码,参保日期\n"
    path.write_text(header + ",".join(["z"] * 20_000) + "\n")
    run = import_enrollment(path=path, user=caseworker)

    url = reverse("admin:accounts_importrun_report", args=[run.pk, "xlsx"])
    response = caseworker_client.get(url)

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert response.status_code == 200 and sheet.max_column == 4 + 1000
    assert run.errors.first().values == ["z"] * 1000


def test_a_refused_value_of_40000_characters_is_kept_to_10000(caseworker, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("身份证号,姓名,参保类型,统筹区编码,参保日期\n" + "9" * 40_000 + "\n")

    run = import_enrollment(path=path, user=caseworker)

    assert run.errors.first().values[0] == "9" * 10_000
