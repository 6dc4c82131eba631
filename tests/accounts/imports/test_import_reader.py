"""The streaming CSV reader: the csv module's rows, each with the line it starts on."""

import csv
import io
import random
import zipfile

import pytest

from accounts.importing import csv_repair, decoding, reader
from accounts.importing.reader import open_source
from accounts.importing.source import UnreadableFile


def reference(text: str) -> list[tuple[int, list[str]]]:
    """Every non-blank row after the header with the line it starts on, by the csv module."""
    rows = []
    parsed = csv.reader(io.StringIO(text, newline=""))
    next(parsed)
    start = parsed.line_num
    for values in parsed:
        if "".join(values).strip():
            rows.append((start + 1, values))
        start = parsed.line_num
    return rows


def read_all(path, rows_per_chunk=7):
    source = open_source(path)
    got = []
    for lines, rows in source.chunks(rows_per_chunk):
        got.extend(zip(lines, rows, strict=True))
    return source.header, got


PLAIN = "".join(f"{n:018d},张{n},职工,370100,2020-01-01,1.00\n" for n in range(60))
FILES = {
    "plain LF": "id,name,type,region,date,balance\n" + PLAIN,
    "plain CRLF": ("id,name,type,region,date,balance\n" + PLAIN).replace("\n", "\r\n"),
    "no final line break": "id,name,type,region,date,balance\n" + PLAIN.rstrip("\n"),
    "blank lines and empty rows": "id,name\n\n1,a\n,,\n \n2,b\n\n\n3,c\n",
    "rows blank but for white space, and rows that start blank": (
        'id,name\n , \n\t,\u3000\n,b\n "",c\n  ,  d  \n4,e\n'
    ),
    "quoted values with commas and line breaks": (
        'id,name,type\n1,"Li, Na",x\n2,"two\nlines",y\n'
        + "".join(f'{n},"a ""q"" {n}",z\n' for n in range(3, 40))
        + '40,"three\r\nline\nvalue",w\n41,plain,v\n'
    ),
    "lone carriage returns": "id,name\r1,a\r2,b\r\r3,c\r",
    "quoted header": '"身份证号","姓名"\n1,a\n',
    "amounts quoted for their separators": (
        "id,balance,name\n"
        + "".join(f'{n},"{n},{n:03d}.5{n % 10}",名{n}\n' for n in range(1, 30))
        + '30,"1,234,567,890,123.00",x\n31,"12,34",y\n32,x"1,234",z\n33,"1,234"\n'
    ),
}


@pytest.mark.parametrize("rows_per_chunk", [1, 7, 1000])
@pytest.mark.parametrize("label", list(FILES))
def test_reader_gives_the_csv_modules_rows_with_their_first_line(tmp_path, label, rows_per_chunk):
    text = FILES[label]
    path = tmp_path / "in.csv"
    path.write_bytes(text.encode("gb18030"))
    header, got = read_all(path, rows_per_chunk)
    assert header == next(csv.reader(io.StringIO(text, newline="")))
    assert got == reference(text)


def test_a_file_whose_first_line_is_neither_utf8_nor_gb18030_is_refused_as_such(tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes(b"\xff\x80,id\n" + "1,名\n".encode() * 50)
    with pytest.raises(UnreadableFile, match="既不是 UTF-8 也不是 GB18030"):
        open_source(path)


def test_bad_bytes_after_good_lines_keep_the_rows_before_them_and_name_the_line(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(reader, "SAMPLE_BYTES", 100)  # the bad bytes come after the sample
    good = "".join(f"{n},名{n}\n" for n in range(1, 21))
    path = tmp_path / "in.csv"
    path.write_bytes(b"id,name\n" + good.encode() + b"21,\xff\xfe\n22,x\n")
    source = open_source(path)
    got = []
    with pytest.raises(UnreadableFile, match="第22行"):
        for lines, _rows in source.chunks(5):
            got.extend(lines)
    assert got == list(range(2, 22))


def read_with_broken(path, rows_per_chunk=100):
    """Read every row; return (lines of the rows, broken lines as (line, reason, position))."""
    source = open_source(path)
    lines, broken = [], []
    for chunk_lines, _rows in source.chunks(rows_per_chunk):
        lines += chunk_lines
        broken += [(b.line, b.reason, b.position) for b in source.take_broken_lines()]
    return lines, broken


def test_a_value_past_the_csv_modules_limit_refuses_its_line_only(tmp_path):
    huge = "x" * (csv.field_size_limit() + 1)
    path = tmp_path / "in.csv"
    path.write_text(f'id,name\n1,a\n2,b\n3,"{huge}"\n4,d\n', encoding="utf-8")
    assert read_with_broken(path) == ([2, 3, 5], [(4, "value_too_long", 1)])


ROW = "{n:018d},张{n},职工,370100,2020-01-01,1.00\n"
HEADER6 = "id,name,type,region,date,balance\n"


@pytest.mark.parametrize("rows_per_chunk", [1, 7, 1000])
def test_a_quote_never_closed_refuses_its_line_and_the_rows_below_are_read(
    tmp_path, rows_per_chunk
):
    rows = [ROW.format(n=n) for n in range(40)]
    rows[4] = rows[4].replace("张4", '"张4')  # line 6
    path = tmp_path / "in.csv"
    path.write_text(HEADER6 + "".join(rows), encoding="utf-8")
    lines, broken = read_with_broken(path, rows_per_chunk)
    assert broken == [(6, "unclosed_quote", 1)]
    assert lines == [n for n in range(2, 42) if n != 6]


def test_a_quote_never_closed_that_runs_past_the_csv_modules_limit_is_found_too(tmp_path):
    count = csv.field_size_limit() // len(ROW.format(n=0)) + 100  # enough rows to pass it
    rows = [ROW.format(n=n) for n in range(count)]
    rows[2] = rows[2].replace("张2", '"张2')  # line 4
    path = tmp_path / "in.csv"
    path.write_text(HEADER6 + "".join(rows), encoding="utf-8")
    lines, broken = read_with_broken(path)
    assert broken == [(4, "unclosed_quote", 1)]
    assert lines == [n for n in range(2, count + 2) if n != 4]


def test_two_quotes_never_closed_are_each_refused(tmp_path):
    rows = [ROW.format(n=n) for n in range(20)]
    rows[3] = rows[3].replace("370100", '"370100')  # line 5
    rows[9] = rows[9].replace("1.00", '"1.00')  # line 11
    path = tmp_path / "in.csv"
    path.write_text(HEADER6 + "".join(rows), encoding="utf-8")
    lines, broken = read_with_broken(path)
    assert broken == [(5, "unclosed_quote", 3), (11, "unclosed_quote", 5)]
    assert lines == [n for n in range(2, 22) if n not in (5, 11)]


def test_a_cell_with_line_breaks_in_an_extra_column_stays_one_row(tmp_path):
    note = '"first line, of a note\nsecond line"'
    path = tmp_path / "in.csv"
    path.write_text(
        HEADER6.rstrip("\n")
        + ",备注\n"
        + ROW.format(n=1).rstrip("\n")
        + f",{note}\n"
        + ROW.format(n=2),
        encoding="utf-8",
    )
    assert read_with_broken(path) == ([2, 4], [])


def test_a_line_too_long_to_be_a_row_stops_the_file_and_earlier_rows_are_kept(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(decoding, "BLOCK_BYTES", 64)
    monkeypatch.setattr(decoding, "LONGEST_LINE_BYTES", 1000)
    path = tmp_path / "in.csv"
    path.write_text("id,name\n1,a\n2,b\n" + "x" * 5000, encoding="utf-8")
    source = open_source(path)
    got = []
    with pytest.raises(UnreadableFile, match="MB"):
        for lines, _rows in source.chunks(100):
            got.extend(lines)
    assert got == [2, 3]


def test_progress_reaches_the_end_of_the_file(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("id,name\n" + "".join(f"{n},a\n" for n in range(100)), encoding="utf-8")
    source = open_source(path)
    fractions = [source.fraction() for _ in source.chunks(10)]
    assert fractions[-1] == 1.0


def test_tab_separated_text_is_read_by_its_tabs(tmp_path):
    # Excel's 文本文件（制表符分隔）: GB18030, tabs, amounts with thousands separators.
    text = '身份证号\t姓名\t个人账户余额\r\n1\t张三\t1,234.50\r\n2\t李"四\t\r\n'
    path = tmp_path / "in.txt"
    path.write_bytes(text.encode("gb18030"))
    header, got = read_all(path)
    assert header == ["身份证号", "姓名", "个人账户余额"]
    assert got == [(2, ["1", "张三", "1,234.50"]), (3, ["2", '李"四', ""])]


def test_a_comma_file_with_a_tab_in_a_header_stays_comma_separated(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text('"身份\t证号",姓名,参保类型\n1,张三,职工\n', encoding="utf-8")
    header, got = read_all(path)
    assert header == ["身份\t证号", "姓名", "参保类型"]
    assert got == [(2, ["1", "张三", "职工"])]


@pytest.mark.parametrize(
    ("start", "says"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), ".xls"),
        ("身份证号\t姓名\n".encode("utf-16"), "UTF-16"),
    ],
    ids=["Excel 97-2003", "UTF-16 text"],
)
def test_files_excel_saves_in_other_formats_are_named_with_what_to_do(tmp_path, start, says):
    path = tmp_path / "in.csv"
    path.write_bytes(start)
    with pytest.raises(UnreadableFile, match=says.replace(".", r"\.")) as error:
        open_source(path)
    assert "CSV" in str(error.value)


def test_a_password_protected_workbook_is_refused_with_how_to_clear_the_password(tmp_path):
    # What Excel saves: an OLE file whose directory names the encrypted package.
    path = tmp_path / "名单.xlsx"
    path.write_bytes(reader.OLE2_MAGIC + bytes(2000) + reader.ENCRYPTED_PACKAGE + bytes(3000))
    with pytest.raises(UnreadableFile) as error:
        open_source(path)
    assert "密码" in str(error.value) and "用密码进行加密" in str(error.value)


def zipped(path, files: dict[str, bytes]):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("files", "says"),
    [
        ({"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\x83\x01"}, ".xlsb"),
        (
            {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"},
            ".ods",
        ),
        ({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}, "XLSX"),
    ],
    ids=["Excel binary workbook", "OpenDocument spreadsheet", "a Word document"],
)
def test_other_zip_files_are_refused_naming_what_they_are(tmp_path, files, says):
    path = zipped(tmp_path / "名单.xlsx", files)
    with pytest.raises(UnreadableFile, match=says.replace(".", r"\.")):
        open_source(path)


def test_every_line_comes_back_as_a_row_or_a_broken_line_whatever_quotes_are_left_open(
    tmp_path,
):
    import random

    rng = random.Random(20261124)
    for attempt in range(300):
        count = rng.randint(1, 60)
        rows = [ROW.format(n=n) for n in range(count)]
        opened = set()
        for _ in range(rng.randint(0, 4)):
            n = rng.randrange(count)
            field = rng.randrange(6)
            values = rows[n].rstrip("\n").split(",")
            values[field] = rng.choice(['"{}', '{}"', '"{}"x']).format(values[field])
            rows[n] = ",".join(values) + "\n"
            opened.add(n + 2)
        path = tmp_path / f"in{attempt}.csv"
        path.write_text(HEADER6 + "".join(rows), encoding="utf-8")
        lines, broken = read_with_broken(path, rng.choice([1, 7, 1000]))
        broken_lines = {line for line, _reason, _at in broken}
        assert sorted([*lines, *broken_lines]) == list(range(2, count + 2)), attempt
        # A line is refused only for a quote of its own.
        assert broken_lines <= opened, attempt


def test_the_window_splits_a_block_into_lines_once_however_many_rows_span_lines():
    window = csv_repair.Window()
    window.add("a\nb\nc\n", 3)
    first = window.lines(1, 2)
    split = window.blocks[0][3]
    assert (first, window.lines(2, 3)) == (["a\n", "b\n"], ["b\n", "c\n"])
    assert window.blocks[0][3] is split  # not split again for the second row


def test_rows_with_a_two_line_cell_each_are_all_kept_with_their_lines(tmp_path):
    rows = "".join(f'{n},名{n},"第一行\n第二行"\n' for n in range(300))
    path = tmp_path / "in.csv"
    path.write_text("id,name,备注\n" + rows, encoding="utf-8")
    lines, broken = read_with_broken(path, 100)
    assert (lines, broken) == (list(range(2, 602, 2)), [])


def test_a_quote_inside_a_value_does_not_hide_a_quote_left_open_after_it(tmp_path):
    rows = [ROW.format(n=n) for n in range(10)]
    rows[2] = rows[2].replace(
        "张2,职工", '张"2,"职工'
    )  # line 4: a literal quote, then one left open
    path = tmp_path / "in.csv"
    path.write_text(HEADER6 + "".join(rows), encoding="utf-8")
    lines, broken = read_with_broken(path)
    assert broken == [(4, "unclosed_quote", 2)]
    assert lines == [n for n in range(2, 12) if n != 4]


NOTED = "{n:018d},张{n},职工,370100,2020-01-01,1.00,{note}\n"
TWO_LINE_NOTE = '"第一行\n第二行, 有逗号"'


def rows_with_notes(count, noted):
    """Rows of a file with a 备注 column; rows ``noted`` have a note of two lines."""
    return [NOTED.format(n=n, note=TWO_LINE_NOTE if n in noted else "") for n in range(count)]


def first_lines(rows):
    """The line each row starts on, after a header on line 1."""
    starts, line = [], 2
    for row in rows:
        starts.append(line)
        line += row.count("\n")
    return starts


@pytest.mark.parametrize("rows_per_chunk", [1, 3, 100])
def test_a_quote_left_open_above_a_cell_with_line_breaks_loses_no_row_below_it(
    tmp_path, rows_per_chunk
):
    rows = rows_with_notes(12, noted={4, 9})
    rows[2] = rows[2].replace("370100", '"370100')  # runs on until the quote of row 4's note
    path = tmp_path / "in.csv"
    path.write_text(HEADER6.replace("\n", ",备注\n") + "".join(rows), encoding="utf-8")
    lines, broken = read_with_broken(path, rows_per_chunk)
    starts = first_lines(rows)
    assert broken == [(starts[2], "unclosed_quote", 3)]
    assert lines == [line for line in starts if line != starts[2]]


def test_a_cell_left_open_before_bad_bytes_keeps_the_rows_between_and_names_the_bad_line(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(reader, "SAMPLE_BYTES", 100)  # the bad bytes come after the sample
    rows = rows_with_notes(8, noted={3})
    rows[1] = rows[1].replace(",\n", ',"第一行\n')  # a note never closed until row 3's note
    text = HEADER6.replace("\n", ",备注\n") + "".join(rows)
    path = tmp_path / "in.csv"
    path.write_bytes(text.encode() + b"9,\xff\xfe\n10,x\n")
    source = open_source(path)
    lines = []
    with pytest.raises(UnreadableFile, match="第11行"):
        for chunk_lines, _rows in source.chunks(100):
            lines += chunk_lines
    starts = first_lines(rows)
    assert [b.line for b in source.take_broken_lines()] == [starts[1]]
    assert lines == [line for line in starts if line != starts[1]]


@pytest.mark.parametrize("seed", range(4))
def test_a_stray_or_missing_quote_anywhere_costs_only_its_own_row(tmp_path, seed):
    """A quote typed in, or a closing quote lost, on one row of a file whose rows have notes
    of two lines: every other row is read, on its own line."""
    rnd = random.Random(seed)
    path = tmp_path / "in.csv"
    for _case in range(80):
        rows = rows_with_notes(30, noted=set(rnd.sample(range(30), 8)))
        damaged = rnd.randrange(30)
        row = rows[damaged]
        quotes = [i for i, c in enumerate(row) if c == '"']
        if quotes and rnd.random() < 0.5:
            at = rnd.choice(quotes)
            rows[damaged] = row[:at] + row[at + 1 :]
        else:
            at = rnd.randrange(len(row.split("\n")[0]) + 1)
            rows[damaged] = row[:at] + '"' + row[at:]
        path.write_text(HEADER6.replace("\n", ",备注\n") + "".join(rows), encoding="utf-8")
        original = first_lines([r if i != damaged else row for i, r in enumerate(rows)])
        spoilt = set(range(original[damaged], original[damaged] + row.count("\n")))
        lines, _broken = read_with_broken(path, rnd.choice([1, 7, 100]))
        assert [line for line in lines if line not in spoilt] == [
            line for line in original if line not in spoilt
        ], rows[damaged]
