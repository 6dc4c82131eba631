"""The blank enrollment file a caseworker downloads from the upload page, fills in and imports."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import InsuredPerson
from accounts.services.imports import import_enrollment
from tests.accounts.imports.enrollment_files import HEADER, nid
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


def _download(client, fmt):
    return client.get(reverse("admin:accounts_importrun_template", args=[fmt]))


def test_csv_template_is_the_header_the_import_reads_with_a_bom(caseworker_client):
    content = _download(caseworker_client, "csv").content
    assert content.startswith("\ufeff".encode())
    assert next(csv.reader(io.StringIO(content.decode("utf-8-sig")))) == HEADER


def test_xlsx_template_keeps_the_identity_number_column_as_text(caseworker_client):
    book = load_workbook(io.BytesIO(_download(caseworker_client, "xlsx").content))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == HEADER
    assert sheet.column_dimensions["A"].number_format == "@"


def test_xlsx_template_offers_the_insurance_types_as_a_list(caseworker_client):
    sheet = load_workbook(io.BytesIO(_download(caseworker_client, "xlsx").content)).worksheets[0]
    lists = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert lists["C2:C1048576"] == '"职工,居民"'


def test_xlsx_template_explains_each_column_on_its_second_sheet(caseworker_client):
    notes = load_workbook(io.BytesIO(_download(caseworker_client, "xlsx").content)).worksheets[1]
    rows = {row[0]: row for row in notes.iter_rows(min_row=2, values_only=True) if row[0]}
    assert set(HEADER) <= set(rows)
    assert rows["身份证号"][1] == "是" and "文本" in rows["身份证号"][2]


def test_filled_xlsx_template_imports_its_rows(caseworker_client, caseworker, tmp_path):
    book = load_workbook(io.BytesIO(_download(caseworker_client, "xlsx").content))
    sheet = book.worksheets[0]
    employee = [nid(1), "张三", "职工", "370100", "2021-02-03", "1,234.50", "13912345678", "正常"]
    sheet.append(employee)
    sheet.append([nid(2), "李四", "居民", "370100", "20210203", None, None, None])
    path = tmp_path / "filled.xlsx"
    book.save(path)
    run = import_enrollment(path=path, user=caseworker)
    assert (run.created, run.failed) == (2, 0)
    assert InsuredPerson.objects.get(national_id=nid(1)).account.balance == 1234.5


def test_upload_page_links_both_templates(caseworker_client):
    page = caseworker_client.get(reverse("admin:accounts_importrun_upload")).content.decode()
    assert "upload/template.xlsx" in page and "upload/template.csv" in page


def test_staff_without_import_rights_cannot_download_the_template(client):
    client.force_login(staff_user("auditor", nationwide=True))
    assert _download(client, "xlsx").status_code == 403
