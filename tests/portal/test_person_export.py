"""Exports of insured persons: Excel-ready, region-scoped, formulae never run."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import InsuredPersonFactory, staff_user

pytestmark = pytest.mark.django_db
EXPORT = reverse("admin:accounts_insuredperson_export")


@pytest.fixture
def supervisor_client(client):
    client.force_login(staff_user("supervisor", provinces=["37"]))
    return client


def export(client, fmt):
    return client.post(EXPORT, {"format": fmt, "resource": "0", "export_items": []})


def csv_text(response) -> str:
    """The text of a CSV export, which is streamed."""
    return b"".join(response.streaming_content).decode("utf-8")


def test_only_csv_and_xlsx_are_offered(supervisor_client):
    form = supervisor_client.get(EXPORT).context["form"]
    labels = [str(label).lower() for value, label in form.fields["format"].choices if value != ""]
    assert labels == ["csv", "xlsx"]


def test_csv_export_has_a_bom_and_chinese_headers(supervisor_client):
    person = InsuredPersonFactory(name="王小明")
    text = csv_text(export(supervisor_client, "0"))
    assert text.startswith("\ufeff")
    text = text[1:]
    assert text.splitlines()[0].startswith("身份证号,姓名,性别")
    assert person.national_id in text and "王小明" in text


@pytest.mark.parametrize("name", ["=1+1", "+SUM(A1)", "-2+3", "@cmd"])
def test_csv_export_makes_formula_cells_inert(supervisor_client, name):
    InsuredPersonFactory(name=name)
    text = csv_text(export(supervisor_client, "0"))
    assert f"'{name}" in text


def test_xlsx_export_makes_formula_cells_inert(supervisor_client):
    person = InsuredPersonFactory(name='=HYPERLINK("http://x","y")')
    response = export(supervisor_client, "1")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "身份证号"
    exported = next(r for r in rows[1:] if r[0] == person.national_id)
    assert exported[1] == "'" + person.name


def test_export_leaves_out_other_provinces(supervisor_client):
    from policies.models import Region

    foreign = InsuredPersonFactory(region=Region.objects.get(code="440300"))
    text = csv_text(export(supervisor_client, "0"))
    assert foreign.national_id not in text


def test_export_columns_are_those_the_export_page_lists(supervisor_client):
    from accounts.exporting import HEADERS

    listed = supervisor_client.get(EXPORT).context["fields_list"][0][1]
    assert listed == HEADERS


def test_csv_export_writes_labels_dates_and_the_balance_of_the_employee_insured(
    supervisor_client,
):
    from decimal import Decimal

    from accounts.choices import InsuranceType

    employee = InsuredPersonFactory(insurance_type=InsuranceType.EMPLOYEE)
    employee.account.balance = Decimal("1234.5")
    employee.account.save()
    resident = InsuredPersonFactory(insurance_type=InsuranceType.RESIDENT)
    rows = {r[0]: r for r in csv.reader(io.StringIO(csv_text(export(supervisor_client, "0"))[1:]))}
    rows = {number[2:-1]: r for number, r in rows.items() if number != "身份证号"}  # ="…"
    assert rows[employee.national_id][4] == "职工医保"
    assert rows[employee.national_id][3] == employee.birth_date.isoformat()
    assert rows[employee.national_id][9] == "1234.50"
    assert rows[resident.national_id][9] == ""


def test_csv_export_is_streamed_in_pieces(supervisor_client, monkeypatch):
    from accounts import exporting

    monkeypatch.setattr(exporting, "CSV_ROWS_PER_PIECE", 2)
    InsuredPersonFactory.create_batch(5)
    response = export(supervisor_client, "0")
    pieces = list(response.streaming_content)
    assert len(pieces) == 1 + 3  # the BOM, then 2 + 2 + 1 persons (the header in the first)
    assert b"".join(pieces).decode("utf-8").count("\n") == 6


def test_xlsx_export_past_the_limit_sends_back_to_the_form_with_why(supervisor_client, monkeypatch):
    from accounts.admin import persons as accounts_admin

    monkeypatch.setattr(accounts_admin, "XLSX_MAX_ROWS", 2)
    InsuredPersonFactory.create_batch(3)
    response = export(supervisor_client, "1")
    assert response.status_code == 200
    assert response.context["form"] is not None
    assert "CSV" in "".join(str(m) for m in response.context["messages"])


def test_export_file_is_named_in_chinese_with_the_beijing_date(supervisor_client):
    import datetime as dt
    from unittest import mock

    from django.utils import timezone

    late_evening_utc = dt.datetime(2026, 11, 24, 18, 30, tzinfo=dt.UTC)  # 02:30 in Beijing
    with mock.patch.object(timezone, "now", return_value=late_evening_utc):
        response = export(supervisor_client, "0")
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E5%8F%82%E4%BF%9D%E4%BA%BA-20261125.csv"
    )


def test_xlsx_export_writes_dates_as_dates_and_balances_in_yuan(supervisor_client):
    from decimal import Decimal

    from accounts.choices import InsuranceType

    person = InsuredPersonFactory(insurance_type=InsuranceType.EMPLOYEE)
    person.account.balance = Decimal("11361.3")
    person.account.save()
    sheet = load_workbook(io.BytesIO(export(supervisor_client, "1").content)).active
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == person.national_id)
    assert row[3].value.date() == person.birth_date
    assert (row[9].value, row[9].number_format) == (11361.3, "#,##0.00")


def test_csv_export_writes_identity_numbers_so_excel_keeps_all_18_characters(
    supervisor_client,
):
    person = InsuredPersonFactory()
    rows = list(csv.reader(io.StringIO(csv_text(export(supervisor_client, "0"))[1:])))
    assert rows[1][0] == f'="{person.national_id}"'


def test_exported_csv_imports_again_as_unchanged(supervisor_client, tmp_path):
    from accounts.services.imports import import_enrollment

    InsuredPersonFactory.create_batch(3)
    path = tmp_path / "参保人.csv"
    path.write_text(csv_text(export(supervisor_client, "0")), encoding="utf-8")
    run = import_enrollment(path=path)
    assert (run.unchanged, run.created, run.updated, run.failed) == (3, 0, 0, 0)


def test_exported_csv_imports_again_noting_that_sex_and_birth_date_come_from_the_number(
    supervisor_client, tmp_path
):
    from accounts.services.imports import import_enrollment

    InsuredPersonFactory()
    path = tmp_path / "参保人.csv"
    path.write_text(csv_text(export(supervisor_client, "0")), encoding="utf-8")
    assert import_enrollment(path=path).warnings == ["性别、出生日期由身份证号确定，这些列未读取。"]


def test_csv_export_writes_an_identity_number_ending_in_x_alike(supervisor_client):
    person = InsuredPersonFactory(national_id="11010519491231002X")
    rows = list(csv.reader(io.StringIO(csv_text(export(supervisor_client, "0"))[1:])))
    assert rows[1][0] == f'="{person.national_id}"'
