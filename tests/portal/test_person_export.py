"""Exports of insured persons: Excel-ready, region-scoped, formulae never run."""

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


def test_only_csv_and_xlsx_are_offered(supervisor_client):
    form = supervisor_client.get(EXPORT).context["form"]
    labels = [str(label).lower() for value, label in form.fields["format"].choices if value != ""]
    assert labels == ["csv", "xlsx"]


def test_csv_export_has_a_bom_and_chinese_headers(supervisor_client):
    person = InsuredPersonFactory(name="王小明")
    response = export(supervisor_client, "0")
    assert response.content.startswith("\ufeff".encode())
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("身份证号,姓名,性别")
    assert person.national_id in text and "王小明" in text


@pytest.mark.parametrize("name", ["=1+1", "+SUM(A1)", "-2+3", "@cmd"])
def test_csv_export_makes_formula_cells_inert(supervisor_client, name):
    InsuredPersonFactory(name=name)
    text = export(supervisor_client, "0").content.decode("utf-8-sig")
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
    text = export(supervisor_client, "0").content.decode("utf-8-sig")
    assert foreign.national_id not in text
