"""Files agencies really send as "Excel": a web page's table saved as .xls, and a real
Excel 97–2003 workbook (.xls, BIFF8, written here with xlwt)."""

import datetime as dt
import io

import pytest
import xlwt
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from accounts.importing.headers import MissingColumns
from accounts.importing.reader import open_source
from accounts.importing.source import UnreadableFile
from accounts.models import ImportRun, InsuredPerson
from accounts.services.imports import import_enrollment
from tests.accounts.imports.enrollment_files import HEADER, nid, row

pytestmark = pytest.mark.django_db


def _cells(values, tag="td"):
    return "".join(f"<{tag}>{v}</{tag}>" for v in values)


def page(rows, *, header=HEADER, charset="gb2312", encoding="gb18030", before="", title=True):
    """Return a legacy system's "Excel" export: an HTML page with the rows in a table."""
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    caption = f'<tr><td colspan="{len(header)}">2026年济南市职工参保名单</td></tr>' if title else ""
    body = "".join(f"<tr>{_cells([r.get(h, '') for h in header])}</tr>\n" for r in rows)
    html = (
        '<html xmlns:x="urn:schemas-microsoft-com:office:excel">\n'
        f"<head>{meta if charset else ''}<style>td {{mso-number-format:'\\@';}}</style></head>"
        f"<body>{before}<table border=1>\n{caption}<tr>{_cells(header, 'th')}</tr>\n{body}"
        "</table></body></html>\n"
    )
    return html.encode(encoding)


def _file(tmp_path, content, name="参保名单.xls"):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_an_html_table_saved_as_xls_is_imported_as_the_table_it_holds(tmp_path):
    run = import_enrollment(path=_file(tmp_path, page([row(1), row(2, 姓名="李四")])))
    run.refresh_from_db()
    assert (run.created, run.failed, run.encoding) == (2, 0, "html:gb18030")
    assert InsuredPerson.objects.get(national_id=nid(2)).name == "李四"
    # What the file is, said in the run's notes.
    assert any("网页" in warning for warning in run.warnings)


def test_the_lines_of_an_html_table_are_its_rows(tmp_path):
    run = import_enrollment(path=_file(tmp_path, page([row(1), row(2, 姓名="")])))
    # the title (row 1), the header (row 2), then the persons: the faulty one is row 4
    assert list(run.errors.values_list("line", "code")) == [(4, "missing_name")]


@pytest.mark.parametrize(
    ("charset", "encoding"),
    [("utf-8", "utf-8"), ("", "utf-8"), ("", "gb18030"), ("utf-8", "gb18030")],
    ids=["utf-8 said", "utf-8 unsaid", "gb18030 unsaid", "utf-8 said, gb18030 written"],
)
def test_the_pages_encoding_is_told_from_its_meta_or_its_bytes(tmp_path, charset, encoding):
    content = page([row(1, 姓名="张三丰")], charset=charset, encoding=encoding)
    source = open_source(_file(tmp_path, content))
    [(_lines, [cells])] = list(source.chunks(100))
    assert cells[1] == "张三丰"
    assert source.encoding == f"html:{encoding}"


def test_a_page_with_a_byte_order_mark_is_read_as_utf8(tmp_path):
    content = b"\xef\xbb\xbf" + page([row(1)], charset="", encoding="utf-8")
    assert open_source(_file(tmp_path, content)).encoding == "html:utf-8"


def test_cells_read_as_a_browser_shows_them(tmp_path):
    values = [row(1).get(h, "") for h in HEADER]
    values[1] = "<b>张</b>&nbsp;三<br>"  # markup, a no-break space, a line break
    values[6] = " 139 1234 5678 \n"
    content = page([]).replace(b"</table>", f"<tr>{_cells(values)}</tr></table>".encode("gb18030"))
    [(_lines, [cells])] = list(open_source(_file(tmp_path, content)).chunks(100))
    assert (cells[1], cells[6]) == ("张 三", "139 1234 5678")


def test_cells_and_rows_left_unclosed_are_read_as_html_allows(tmp_path):
    rows = "".join("<tr>" + "".join(f"<td>{row(n).get(h, '')}" for h in HEADER) for n in (1, 2))
    content = page([]).replace(b"</table>", rows.encode("gb18030") + b"</table>")
    run = import_enrollment(path=_file(tmp_path, content))
    assert (run.created, run.failed) == (2, 0)


def test_a_cell_spanning_columns_or_rows_keeps_each_value_under_its_title(tmp_path):
    first = [row(1).get(h, "") for h in HEADER]
    # 参保类型 spans two rows; 参保日期 and 个人账户余额 share one cell spanning two columns
    spanning = (
        f"<tr>{_cells(first[:2])}<td rowspan=2>职工</td>{_cells(first[3:4])}"
        f'<td colspan="2">2020-01-01</td>{_cells(first[6:])}</tr>'
        f"<tr>{_cells([nid(2), '李四', '370100', '2020-01-01', '5.00', '', '正常'])}</tr>"
    )
    content = page([]).replace(b"</table>", spanning.encode("gb18030") + b"</table>")
    [(_lines, rows)] = list(open_source(_file(tmp_path, content)).chunks(100))
    assert rows[0][2:6] == ["职工", "370100", "2020-01-01", ""]
    # The row below keeps 参保类型 empty, where the spanning cell was: named, not guessed.
    assert rows[1][:4] == [nid(2), "李四", "", "370100"]


def test_a_table_inside_a_cell_is_read_as_that_cells_text(tmp_path):
    values = [row(1).get(h, "") for h in HEADER]
    values[1] = "<table><tr><td>张</td><td>三</td></tr></table>"
    content = page([]).replace(
        b"</table></body>", f"<tr>{_cells(values)}</tr></table></body>".encode("gb18030")
    )
    [(_lines, [cells])] = list(open_source(_file(tmp_path, content)).chunks(100))
    assert cells[:3] == [nid(1), "张 三", "职工"]


def test_a_layout_table_before_the_data_is_passed_over_and_named(tmp_path):
    layout = "<table><tr><td>济南市医疗保障局</td><td>导出时间 2026-11-01</td></tr></table>"
    run = import_enrollment(path=_file(tmp_path, page([row(1)], before=layout)))
    assert run.created == 1
    assert any("第 2 个表格" in warning for warning in run.warnings)


def test_a_page_without_a_table_is_refused_saying_so(tmp_path):
    content = "<html><body><p>没有数据</p></body></html>".encode()
    with pytest.raises(UnreadableFile, match="没有表格"):
        open_source(_file(tmp_path, content))


def test_a_table_without_the_required_columns_names_them(tmp_path):
    content = page([{"身份证号": nid(1)}], header=["身份证号", "备注"], title=False)
    source = open_source(_file(tmp_path, content))
    from accounts.importing.headers import Columns

    with pytest.raises(MissingColumns):
        Columns.from_header(source.header, source.header_line)


def test_an_html_xls_is_uploaded_previewed_and_imported(caseworker_client):
    upload = SimpleUploadedFile("导出.xls", page([row(1), row(2)]))
    response = caseworker_client.post(reverse("admin:accounts_importrun_upload"), {"file": upload})
    assert response.status_code == 302 and response["Location"].endswith("/preview/")
    preview = caseworker_client.get(response["Location"])
    assert (preview.context["preview"].created, preview.context["preview"].failed) == (2, 0)
    assert "网页表格（HTML，GB18030）" in preview.content.decode()


def test_the_import_command_reads_an_html_xls(tmp_path):
    out = io.StringIO()
    call_command("import_enrollment", str(_file(tmp_path, page([row(1)]))), stdout=out)
    assert "encoding=html:gb18030" in out.getvalue() and "created=1" in out.getvalue()


def workbook(path, rows, *, instructions=True, number_ids=False):
    """Write an Excel 97–2003 workbook (BIFF8) with a sheet of instructions first."""
    book = xlwt.Workbook(encoding="utf-8")
    if instructions:
        notes = book.add_sheet("填表说明")
        notes.write(0, 0, "请按模板填写，身份证号为文本格式。")
    sheet = book.add_sheet("参保名单")
    day = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for c, title in enumerate(HEADER):
        sheet.write(0, c, title)
    for r, values in enumerate(rows, start=1):
        for c, title in enumerate(HEADER):
            value = values.get(title, "")
            if title == "参保日期" and value:
                sheet.write(r, c, dt.date.fromisoformat(value), day)
            elif title == "个人账户余额" and value:
                sheet.write(r, c, float(value))
            elif title == "身份证号" and number_ids and value.isdigit():
                sheet.write(r, c, int(value))
            else:
                sheet.write(r, c, value)
    book.save(str(path))
    return path


def test_a_real_xls_workbook_is_read_from_its_sheet_with_a_header(tmp_path):
    path = workbook(tmp_path / "名单.xls", [row(1), row(2, 个人账户余额="12.5")])
    run = import_enrollment(path=path)
    run.refresh_from_db()
    assert (run.created, run.failed, run.encoding) == (2, 0, "xls")
    person = InsuredPerson.objects.get(national_id=nid(2))
    assert (str(person.enrolled_on), str(person.account.balance)) == ("2020-01-01", "12.50")
    assert any("参保名单" in warning for warning in run.warnings)  # the sheet it was read from


def test_faults_of_an_xls_name_its_rows_as_excel_numbers_them(tmp_path):
    path = workbook(tmp_path / "名单.xls", [row(1), row(2, 姓名="")], instructions=False)
    run = import_enrollment(path=path)
    assert list(run.errors.values_list("line", "code")) == [(3, "missing_name")]


def test_an_identity_number_an_xls_kept_as_a_number_is_named_as_such(tmp_path):
    number_row = row(1, 身份证号="370102198506141234")
    path = workbook(tmp_path / "名单.xls", [number_row], number_ids=True)
    run = import_enrollment(path=path)
    assert run.errors.get().code == "saved_as_number"


def test_an_xls_upload_is_previewed(caseworker_client, tmp_path):
    path = workbook(tmp_path / "名单.xls", [row(1)])
    upload = SimpleUploadedFile("名单.xls", path.read_bytes())
    response = caseworker_client.post(reverse("admin:accounts_importrun_upload"), {"file": upload})
    preview = caseworker_client.get(response["Location"])
    assert preview.context["preview"].created == 1
    assert ImportRun.objects.get().status == ImportRun.Status.PREVIEW


def test_an_ole_file_that_is_no_workbook_is_refused_saying_what_to_do(tmp_path):
    path = _file(tmp_path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000), "报表.xls")
    with pytest.raises(UnreadableFile, match="97–2003") as error:
        open_source(path)
    assert "CSV" in str(error.value)


def test_an_xml_spreadsheet_2003_is_refused_by_name(tmp_path):
    content = (
        b'<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        b'<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>'
    )
    with pytest.raises(UnreadableFile, match="XML"):
        open_source(_file(tmp_path, content))
