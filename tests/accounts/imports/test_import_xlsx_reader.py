"""XLSX sheets: read whole by calamine when they fit in memory, else streamed by openpyxl.

Both readers must give the import the same header, rows and line numbers.
"""

import datetime as dt
import io
import zipfile

import pytest
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from accounts.importing import reader, xlsx_calamine, xlsx_stream
from accounts.importing.reader import open_source
from accounts.models import ImportRun
from accounts.services.imports import import_enrollment
from tests.accounts.imports.enrollment_files import (
    HEADER,
    nid,
    row,
    sheet_rows,
    write_shared_strings_workbook,
    write_workbook,
)

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def read_all(path, rows_per_chunk=3):
    source = open_source(path)
    got = []
    for lines, rows in source.chunks(rows_per_chunk):
        got.extend(zip(lines, rows, strict=True))
    return source.header, source.header_line, source.notes, got


def read_streamed(path, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(xlsx_calamine, "IN_MEMORY_BYTES", 0)
        return read_all(path)


@pytest.fixture
def untidy_workbook(tmp_path):
    """A workbook as people keep them: notes above, an empty column A, all kinds of cells."""
    book = Workbook()
    book.active.title = "填表说明"
    book.active["A1"] = "请在下一页填写"
    sheet = book.create_sheet("参保名单")
    sheet["B1"] = "2026年11月参保人员名单"
    for offset, title in enumerate(HEADER):
        sheet.cell(row=3, column=2 + offset, value=title)
    cells = [
        [nid(1), "张一", "职工", 370100, dt.datetime(2020, 5, 6), 88.5, 13800000000, "正常"],
        [nid(2), "李二", "居民", "370100", dt.date(2021, 2, 3), None, None, "暂停"],
        [],  # a blank row between rows
        [float(nid(3)), "王三", "职工", 370100, "2019/1/2", 1234, True, dt.time(8, 30)],
        [nid(4), " 赵四 ", "职工", 370100, dt.datetime(2020, 1, 1, 9, 15), 0.1 + 0.2, "", ""],
    ]
    for offset, values in enumerate(cells):
        for column, value in enumerate(values):
            sheet.cell(row=4 + offset, column=2 + column, value=value)
    sheet.cell(row=9, column=14, value="a note far to the right")
    path = tmp_path / "名单.xlsx"
    book.save(path)
    return path


def opened_whole(path) -> bool:
    whole = xlsx_calamine.whole_workbook(path)
    if whole is not None:
        whole[0].close()
    return whole is not None


def test_a_workbook_that_fits_in_memory_is_read_whole(untidy_workbook):
    assert opened_whole(untidy_workbook)


def test_a_sheet_read_whole_gives_the_rows_and_lines_the_streaming_reader_gives(
    untidy_workbook, monkeypatch
):
    whole = read_all(untidy_workbook)
    streamed = read_streamed(untidy_workbook, monkeypatch)
    header, header_line, notes, rows = whole
    assert (header[1:9], header_line) == (HEADER, 3)
    assert len(notes) == 1 and "“参保名单”" in str(notes[0])  # the sheet before has no header
    assert [line for line, _values in rows] == [4, 5, 7, 8, 9]
    assert rows[0][1][1:9] == [
        nid(1),
        "张一",
        "职工",
        "370100",
        "2020-05-06",
        "88.5",
        "13800000000",
        "正常",
    ]
    assert whole == streamed


WORKBOOKS = {
    "one sheet": [("参保名单", sheet_rows(1, 2), False)],
    "instructions first": [
        ("填表说明", [["请按下一页格式填写"]], False),
        ("名单", sheet_rows(1), False),
    ],
    "a hidden sheet with a header first": [
        ("旧名单", sheet_rows(7), True),
        ("名单", sheet_rows(1, 2), False),
    ],
    "two sheets with a header": [("济南", sheet_rows(1), False), ("青岛", sheet_rows(2), False)],
    "no header anywhere": [("说明", [["姓名", "电话"], ["张三", "139"]], False)],
    "a header and no rows": [("名单", [HEADER], False)],
    "a totals row below a blank one": [
        ("名单", [*sheet_rows(3), [], ["合计", "", "", "", "", 100]], False),
    ],
}


@pytest.mark.parametrize("sheets", WORKBOOKS.values(), ids=WORKBOOKS.keys())
def test_whole_and_streamed_choose_the_same_sheet_and_read_the_same_rows(
    tmp_path, monkeypatch, sheets
):
    path = write_workbook(tmp_path / "名单.xlsx", sheets)
    assert opened_whole(path)
    assert read_all(path) == read_streamed(path, monkeypatch)


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
def test_every_row_is_read_whatever_size_the_sheet_claims(tmp_path, monkeypatch, streamed):
    # Some writers leave <dimension ref="A1"/>; openpyxl would stop reading there.
    path = write_workbook(tmp_path / "名单.xlsx", [("参保名单", sheet_rows(*range(1, 51)), False)])
    with zipfile.ZipFile(path) as original:
        parts = {info.filename: original.read(info) for info in original.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b'<dimension ref="A1:H51"', b'<dimension ref="A1"')
    with zipfile.ZipFile(path, "w") as rewritten:
        for name, data in parts.items():
            rewritten.writestr(name, data)
    if streamed:
        monkeypatch.setattr(xlsx_calamine, "IN_MEMORY_BYTES", 0)
    header, _line, _notes, rows = read_all(path)
    assert header == HEADER
    assert [line for line, _values in rows] == list(range(2, 52))


def test_a_sheet_too_large_for_memory_is_streamed(untidy_workbook, monkeypatch):
    monkeypatch.setattr(xlsx_calamine, "IN_MEMORY_BYTES", 2_000)  # its XML fits, its cells do not
    assert not opened_whole(untidy_workbook)


def test_a_sheet_whose_xml_alone_is_too_large_is_streamed_and_read(tmp_path, monkeypatch):
    path = write_workbook(tmp_path / "名单.xlsx", [("参保名单", sheet_rows(*range(1, 40)), False)])
    monkeypatch.setattr(xlsx_calamine, "IN_MEMORY_BYTES", 100)
    assert not opened_whole(path)
    assert len(read_all(path)[3]) == 39


def test_dates_in_every_format_read_the_same_whole_and_streamed(tmp_path, monkeypatch):
    formats = [
        'yyyy"年"m"月"d"日"',
        "[DBNum1][$-804]yyyy年m月d日",
        "yyyy/m/d",
        "m/d/yy h:mm",
        "dd/mm/yyyy",
        "yyyymmdd",
        "e年m月d日",
        "General",
        "@",
        "[h]:mm:ss",
    ]
    book = Workbook()
    book.active.append(HEADER)
    for seq, number_format in enumerate(formats, start=1):
        book.active.append([nid(seq), f"张{seq}", "职工", "370100", dt.datetime(2021, 2, 3)])
        book.active.cell(row=seq + 1, column=5).number_format = number_format
    path = tmp_path / "日期.xlsx"
    book.save(path)
    assert opened_whole(path)
    whole = read_all(path)
    assert [values[4] for _line, values in whole[3]][:3] == ["2021-02-03"] * 3
    assert whole == read_streamed(path, monkeypatch)


def test_a_number_of_eighteen_digits_written_whole_is_streamed_and_read_exactly(tmp_path):
    # Not Excel (which keeps 15 digits) but a program: openpyxl reads it exactly.
    book = Workbook()
    book.active.append(HEADER)
    book.active.append([0, "张三", "职工", "370100", "2020-01-01"])
    path = tmp_path / "导出.xlsx"
    book.save(path)
    with zipfile.ZipFile(path) as original:
        parts = {info.filename: original.read(info) for info in original.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    whole_number = f'<c r="A2" t="n"><v>{nid(1)}</v>'.encode()
    parts[sheet] = parts[sheet].replace(b'<c r="A2" t="n"><v>0</v>', whole_number)
    with zipfile.ZipFile(path, "w") as rewritten:
        for name, data in parts.items():
            rewritten.writestr(name, data)
    assert not opened_whole(path)
    assert read_all(path)[3][0][1][0] == nid(1)


@pytest.mark.django_db
def test_a_formula_error_in_a_balance_is_refused_with_the_error_not_read_as_empty(tmp_path):
    # calamine reads an error cell as empty: an empty balance would keep the old one.
    values = [row(1)[h] for h in HEADER]
    values[HEADER.index("个人账户余额")] = "#DIV/0!"  # openpyxl writes it as an error cell
    path = write_workbook(tmp_path / "名单.xlsx", [("参保名单", [HEADER, values], False)])
    assert not opened_whole(path)
    call_command("import_enrollment", str(path))
    fault = ImportRun.objects.get().errors.get()
    assert (fault.column, fault.values[HEADER.index("个人账户余额")]) == ("个人账户余额", "#DIV/0!")


def test_shared_strings_are_read_as_openpyxl_reads_them():
    from openpyxl.reader.strings import read_string_table

    table = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>身份证号</t></si>"
        '<si><t xml:space="preserve"> 张三 </t></si>'
        "<si><r><t>李</t></r><r><rPr><b/></rPr><t>四</t></r></si>"
        '<si><t>王五</t><rPh sb="0" eb="2"><t>ワンウー</t></rPh></si>'
        "<si><t/></si>"
        "<si><t>a_x005F_x000D_b</t></si>"
        "<si><t>😀 &amp; &lt;x&gt;</t></si>"
        "</sst>"
    ).encode()
    compact = xlsx_stream.SharedStrings(io.BytesIO(table))
    assert list(compact) == read_string_table(io.BytesIO(table))
    compact = xlsx_stream.SharedStrings(io.BytesIO(table))
    assert compact[6] == "😀 & <x>"  # read ahead as far as asked, out of order too
    assert compact[0] == "身份证号"
    assert len(compact) == 7
    assert (len(compact), compact[2]) == (7, "李四")
    with pytest.raises(IndexError):
        compact[7]


@pytest.fixture
def excel_workbook(tmp_path):
    """A workbook as Excel saves it: its text in a shared strings table."""
    rows = [
        ["2026年11月参保人员名单"],
        HEADER,
        *([row(n)[h] for h in HEADER] for n in (1, 2)),
        [nid(3), "王三", "职工", 370100, 44230, 1234.5, 13912345678, "正常"],
        [nid(4), "张2", "居民", "370100", "2021/2/3", None, None, "暂停"],
    ]
    return write_shared_strings_workbook(tmp_path / "名单.xlsx", rows)


def test_a_workbook_with_shared_strings_reads_the_same_whole_and_streamed(
    excel_workbook, monkeypatch
):
    assert opened_whole(excel_workbook)
    whole = read_all(excel_workbook)
    names = [values[1] for _line, values in whole[3]]
    assert (whole[1], names) == (2, ["张1", "张2", "王三", "张2"])
    assert whole == read_streamed(excel_workbook, monkeypatch)


def test_shared_strings_are_read_only_as_far_as_the_cells_ask():
    strings = [f"名{n}" for n in range(50_000)]
    table = "".join(f"<si><t>{s}</t></si>" for s in strings)
    source = io.BytesIO(f'<sst xmlns="{MAIN}">{table}</sst>'.encode())
    compact = xlsx_stream.SharedStrings(source)
    assert compact[1] == "名1"
    assert source.tell() < len(source.getvalue()) / 2  # the header needs only the first few
    assert compact[49_999] == "名49999" and source.tell() == len(source.getvalue())


def test_a_streamed_workbook_keeps_its_shared_strings_compact(excel_workbook, monkeypatch):
    monkeypatch.setattr(xlsx_calamine, "IN_MEMORY_BYTES", 0)
    book, strings = xlsx_stream._load_streamed(excel_workbook)
    assert book.worksheets[0]._shared_strings is strings
    assert isinstance(strings, xlsx_stream.SharedStrings)
    strings.close()
    book.close()
    assert read_all(excel_workbook)[3][1][1][:2] == [nid(2), "张2"]


@pytest.mark.django_db
def test_a_damaged_table_of_texts_stops_the_import_and_keeps_the_rows_before(tmp_path):
    born = [dt.date(1970, 1, 1) + dt.timedelta(days=n // 900) for n in range(3000)]
    people = [row(n % 900, 身份证号=nid(n % 900, birth=born[n])) for n in range(3000)]
    rows = [HEADER, *([person[h] for h in HEADER] for person in people)]
    path = write_shared_strings_workbook(tmp_path / "名单.xlsx", rows)
    with zipfile.ZipFile(path) as original:
        parts = {info.filename: original.read(info) for info in original.infolist()}
    table = parts["xl/sharedStrings.xml"]
    parts["xl/sharedStrings.xml"] = table[: len(table) - 2000] + b"<si><t>x</q></si></sst>"
    with zipfile.ZipFile(path, "w") as damaged:
        for name, data in parts.items():
            damaged.writestr(name, data)
    call_command("import_enrollment", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED
    assert "damaged" in run.message or "损坏" in run.message
    assert 0 < run.created < 3000  # the rows before the damage were imported


def test_progress_through_a_streamed_sheet_without_a_size_is_estimated(tmp_path, monkeypatch):
    # No <dimension>: the size comes from the sheet's XML and the rows at its start.
    born = [dt.date(1970, 1, 1) + dt.timedelta(days=n // 900) for n in range(3000)]
    people = [row(n % 900, 身份证号=nid(n % 900, birth=born[n])) for n in range(3000)]
    rows = [HEADER, *([person[h] for h in HEADER] for person in people)]
    path = write_shared_strings_workbook(tmp_path / "名单.xlsx", rows)
    monkeypatch.setattr(xlsx_calamine, "IN_MEMORY_BYTES", 0)
    source = open_source(path)
    seen, shares = 0, []
    for _lines, chunk in source.chunks(500):
        seen += len(chunk)
        shares.append((seen, source.fraction()))
    assert seen == 3000
    assert all(abs(share - read / 3001) < 0.1 for read, share in shares)


def _with_sheet_xml(path, change):
    """Rewrite ``path`` with its first sheet's XML passed through ``change``."""
    with zipfile.ZipFile(path) as original:
        parts = {info.filename: original.read(info) for info in original.infolist()}
    parts["xl/worksheets/sheet1.xml"] = change(parts["xl/worksheets/sheet1.xml"])
    with zipfile.ZipFile(path, "w") as rewritten:
        for name, data in parts.items():
            rewritten.writestr(name, data)
    return path


@pytest.mark.django_db
def test_a_value_left_in_excels_last_cell_is_read_as_a_row_far_down(tmp_path, caseworker):
    # calamine would hold every cell from A1 to XFD1048576, and the process was aborted.
    path = write_workbook(tmp_path / "名单.xlsx", [("参保名单", sheet_rows(1, 2, 3), False)])
    book = load_workbook(path)
    book.active["XFD1048576"] = "x"
    book.save(path)

    run = import_enrollment(path=path, user=caseworker)

    assert (run.status, run.created) == (ImportRun.Status.FINISHED, 3)
    assert set(run.errors.values_list("line", flat=True)) == {1_048_576}


@pytest.mark.django_db
def test_a_cell_placed_past_the_last_row_and_column_is_refused_not_read_whole(tmp_path):
    # A damaged cell with a second, impossible reference, which calamine would take.
    path = write_shared_strings_workbook(tmp_path / "名单.xlsx", sheet_rows(1, 2, 3))
    _with_sheet_xml(path, lambda xml: xml.replace(b'r="B3"', b'r="B3"r="ZZZZ9999999"'))

    run = import_enrollment(path=path)

    assert run.status == ImportRun.Status.FAILED and "XLSX" in run.message


@pytest.mark.django_db
@pytest.mark.parametrize("whole", [True, False])
def test_a_damaged_sheet_stops_the_import_and_keeps_the_rows_before(tmp_path, monkeypatch, whole):
    if not whole:
        monkeypatch.setattr(xlsx_calamine, "IN_MEMORY_BYTES", 0)
    born = [dt.date(1970, 1, 1) + dt.timedelta(days=n // 900) for n in range(3000)]
    people = [row(n % 900, 身份证号=nid(n % 900, birth=born[n])) for n in range(3000)]
    path = write_shared_strings_workbook(
        tmp_path / "名单.xlsx", [HEADER, *([person[h] for h in HEADER] for person in people)]
    )
    _with_sheet_xml(path, lambda xml: xml[: xml.index(b'<row r="2001">') + 30])  # cut short

    run = import_enrollment(path=path)

    assert run.status == ImportRun.Status.FAILED
    assert "第 2,000 行之后" in run.message  # the last row read whole
    assert run.created == 1999  # rows 2 to 2,000


@pytest.mark.django_db
def test_a_workbook_whose_styles_openpyxl_cannot_read_is_refused_by_name(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_calamine, "IN_MEMORY_BYTES", 0)
    path = write_workbook(tmp_path / "名单.xlsx", [("参保名单", sheet_rows(1, 2), False)])
    with zipfile.ZipFile(path) as original:
        parts = {info.filename: original.read(info) for info in original.infolist()}
    parts["xl/styles.xml"] = parts["xl/styles.xml"].replace(b"<cellXfs", b"<cellXfs numFm='1'")
    with zipfile.ZipFile(path, "w") as rewritten:
        for name, data in parts.items():
            rewritten.writestr(name, data)

    run = import_enrollment(path=path)

    assert run.status == ImportRun.Status.FAILED and run.message == "这不是可读取的 XLSX 文件。"


@pytest.mark.django_db
def test_a_workbook_unpacking_past_the_largest_part_is_refused_unread(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "LARGEST_PART_BYTES", 1 << 10)  # a ZIP bomb, in small
    path = write_shared_strings_workbook(tmp_path / "名单.xlsx", sheet_rows(*range(1, 40)))

    run = import_enrollment(path=path)

    assert run.status == ImportRun.Status.FAILED and run.rows == 0
    assert "CSV" in run.message
