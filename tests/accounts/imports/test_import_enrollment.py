"""The enrollment import, through its management command."""

import csv
import datetime as dt
import io
import re
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts import idnumbers
from accounts.importing import run as import_run
from accounts.models import ImportRowError, ImportRun, InsuredPerson, PersonalAccount
from accounts.services.imports import import_enrollment
from policies.selectors import region_code_map
from tests.accounts.imports.enrollment_files import (
    HEADER,
    nid,
    row,
    sheet_rows,
    write_csv,
    write_workbook,
)
from tests.factories import InsuredPersonFactory, staff_user

pytestmark = pytest.mark.django_db


def run_command(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_enrollment", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def last_run():
    return ImportRun.objects.latest("started_at")


def error_codes():
    return [(e.line, e.code) for e in last_run().errors.order_by("line")]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_each_encoding_is_detected_and_recorded(tmp_path, encoding):
    path = write_csv(tmp_path, [row(1, 姓名="欧阳娜娜")], encoding=encoding)
    out, _ = run_command(path)
    assert "created=1 updated=0 unchanged=0 failed=0" in out
    assert InsuredPerson.objects.get(national_id=nid(1)).name == "欧阳娜娜"
    assert (
        last_run().encoding
        == {"utf-8": "utf-8", "utf-8-sig": "utf-8 (BOM)", "gb18030": "gb18030"}[encoding]
    )


def test_foreign_permanent_resident_is_imported_with_the_birth_date_and_sex_of_the_card(
    tmp_path,
):
    number = nid(16, dt.date(1979, 5, 20), "944840")  # 9, accepted in Guangdong; even: a woman
    out, _ = run_command(write_csv(tmp_path, [row(1, 身份证号=number)]))
    person = InsuredPerson.objects.get(national_id=number)
    assert "created=1 updated=0 unchanged=0 failed=0" in out
    assert (person.birth_date, person.sex) == (dt.date(1979, 5, 20), "F")


def test_tab_separated_text_saved_by_excel_is_imported(tmp_path):
    lines = ["\t".join(HEADER)] + [
        "\t".join(row(n, 个人账户余额="1,234.50").values()) for n in (1, 2)
    ]
    path = Path(tmp_path) / "extract.txt"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gb18030"))
    out, _ = run_command(path)
    assert "created=2 updated=0 unchanged=0 failed=0" in out
    assert PersonalAccount.objects.filter(balance=Decimal("1234.50")).count() == 2


def test_crlf_line_endings_are_read(tmp_path):
    path = write_csv(tmp_path, [row(1), row(2)], newline="\r\n")
    out, _ = run_command(path)
    assert "created=2" in out


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_command_on_a_terminal_shows_a_progress_bar_then_the_summary(tmp_path):
    out = Terminal()
    call_command("import_enrollment", str(write_csv(tmp_path, [row(1), row(2)])), stdout=out)
    text = out.getvalue()
    assert re.search(r"\r\[#{29}-\]  99%\s+2 rows\s+[\d,]+ rows/s", text)
    assert re.search(r"\r\[#{30}\] 100%\s+2 rows", text)
    assert text.rstrip().endswith("created=2 updated=0 unchanged=0 failed=0")


def test_progress_line_shows_share_rate_and_time_left():
    from accounts.management.commands.import_enrollment import progress_line

    run = ImportRun(rows=5000, progress=50, created=4990, failed=10)
    line = progress_line(run, elapsed=10.0, width=10)
    assert line.startswith("[#####-----]  50%        5,000 rows       500 rows/s  0:10 left")
    assert line.endswith("created=4990 updated=0 unchanged=0 failed=10")


@pytest.mark.parametrize(
    ("title", "field"),
    [
        ("个人账户余额（元）", "个人账户余额"),
        ("账户余额(元)", "个人账户余额"),
        ("个账余额", "个人账户余额"),
        ("参保人姓名", "姓名"),
        ("统筹地区编码", "统筹区编码"),
        ("首次参保日期", "参保日期"),
        ("身份证号 ", "身份证号"),
        ("身份证件号码", "身份证号"),
        ("证件号", "身份证号"),
        # a template's marks of a required column and notes after a title
        ("身份证号码(18位)", "身份证号"),
        ("身份证号\n（必填）", "身份证号"),
        ("*姓名", "姓名"),
        ("姓名*", "姓名"),
        ("姓名【必填】", "姓名"),
        ("参保开始日期", "参保日期"),
        ("统筹区划", "统筹区编码"),
        ("手机", "手机号"),
        ("ｎａｍｅ", "姓名"),
    ],
)
def test_column_titles_as_agencies_write_them_are_recognised(tmp_path, title, field):
    header = [title if h == field else h for h in HEADER]
    values = row(1, 个人账户余额="12.50")
    path = write_csv(
        tmp_path, [{title if h == field else h: v for h, v in values.items()}], header=header
    )
    out, _ = run_command(path)
    assert "created=1 updated=0 unchanged=0 failed=0" in out and last_run().warnings == []


def test_a_header_title_with_a_line_break_keeps_the_lines_of_the_rows_below_true(tmp_path):
    title = "身份证号\n（必填）"  # typed with Alt+Enter in the template
    header = [title if h == "身份证号" else h for h in HEADER]
    rows = [{(title if h == "身份证号" else h): v for h, v in row(n).items()} for n in (1, 2)]
    rows[1][title] = "123"
    run_command(write_csv(tmp_path, rows, header=header))
    assert last_run().warnings == []  # no line above the header was skipped
    assert error_codes() == [(4, "bad_length")]  # the header takes lines 1 and 2


def test_a_balance_column_in_ten_thousands_of_yuan_is_not_taken_for_yuan(tmp_path):
    header = [("个人账户余额(万元)" if h == "个人账户余额" else h) for h in HEADER]
    values = {("个人账户余额(万元)" if h == "个人账户余额" else h): v for h, v in row(1).items()}
    run_command(write_csv(tmp_path, [values], header=header))
    assert last_run().warnings == ["已忽略无法识别的列：个人账户余额(万元)。"]
    assert not PersonalAccount.objects.filter(balance=Decimal("100.00")).exists()


def test_english_headers_in_any_order_are_mapped(tmp_path):
    header = [
        "status",
        "mobile",
        "region_code",
        "name",
        "national_id",
        "insurance_type",
        "enrolled_on",
    ]
    rows = [
        {
            "status": "active",
            "mobile": "",
            "region_code": "440300",
            "name": "Li",
            "national_id": nid(3),
            "insurance_type": "resident",
            "enrolled_on": "2019-05-06",
        }
    ]
    out, _ = run_command(write_csv(tmp_path, rows, header=header))
    person = InsuredPerson.objects.get(national_id=nid(3))
    assert (person.region_id, person.insurance_type, person.enrolled_on) == (
        "440300",
        "resident",
        dt.date(2019, 5, 6),
    )


def test_unknown_columns_are_ignored_with_a_warning(tmp_path):
    header = [*HEADER, "备注"]
    _, err = run_command(write_csv(tmp_path, [row(1, 备注="hello")], header=header))
    assert "备注" in err
    assert InsuredPerson.objects.filter(national_id=nid(1)).exists()


def test_a_column_given_twice_is_read_once_with_a_warning_that_says_so(tmp_path):
    path = write_csv(tmp_path, [{**row(1), "姓名 ": "李四"}], header=[*HEADER, "姓名 "])
    out, _ = run_command(path)
    assert "created=1" in out
    assert InsuredPerson.objects.get(national_id=nid(1)).name == "张1"
    assert last_run().warnings == ["以下列出现了两次：姓名 。每项只读取了第一列。"]


def test_a_file_with_a_header_and_no_rows_finishes_with_a_warning(tmp_path):
    out, _ = run_command(write_csv(tmp_path, []))
    assert "created=0 updated=0 unchanged=0 failed=0" in out
    run = last_run()
    assert (run.status, run.warnings) == (
        ImportRun.Status.FINISHED,
        ["文件只有表头，下面没有数据行：未导入任何内容。"],
    )


def test_missing_required_column_stops_the_run_and_names_it(tmp_path):
    header = [h for h in HEADER if h != "参保日期"]
    with pytest.raises(SystemExit) as exit_info:
        run_command(write_csv(tmp_path, [row(1)], header=header))
    assert exit_info.value.code == 2
    assert "参保日期" in last_run().message
    assert not InsuredPerson.objects.exists()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("职工", "employee"),
        ("职工医保", "employee"),
        ("居民", "resident"),
        ("城乡居民", "resident"),
        ("城镇职工基本医疗保险", "employee"),
        ("新农合", "resident"),
        ("城镇居民", "resident"),
    ],
)
def test_insurance_type_as_people_type_it(tmp_path, typed, stored):
    balance = "" if stored == "resident" else "1"
    run_command(write_csv(tmp_path, [row(1, 参保类型=typed, 个人账户余额=balance)]))
    assert InsuredPerson.objects.get(national_id=nid(1)).insurance_type == stored


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("正常", "active"),
        ("暂停", "suspended"),
        ("终止", "terminated"),
        ("死亡", "deceased"),
        ("在保", "active"),
        ("停保", "suspended"),
        ("已死亡", "deceased"),
    ],
)
def test_status_as_people_type_it(tmp_path, typed, stored):
    run_command(write_csv(tmp_path, [row(1, 参保状态=typed)]))
    assert InsuredPerson.objects.get(national_id=nid(1)).status == stored


@pytest.mark.parametrize("typed", ["2021-02-03", "2021/2/3", "20210203"])
def test_dates_as_people_type_them(tmp_path, typed):
    run_command(write_csv(tmp_path, [row(1, 参保日期=typed)]))
    assert InsuredPerson.objects.get(national_id=nid(1)).enrolled_on == dt.date(2021, 2, 3)


@pytest.mark.parametrize(
    ("typed", "code", "message"),
    [
        (
            "44197",
            "saved_as_number",
            "“44197”是 Excel 以数字保存的日期（即 2021-01-01）。请在 Excel 中将该列设为日期格式"
            "（yyyy-mm-dd）后重新保存。",
        ),
        ("2021年1月", "bad_date", "“2021年1月”只有年和月，没有日：请填写完整日期，如 2021-01-01。"),
        ("202101", "bad_date", "“202101”只有年和月，没有日：请填写完整日期，如 2021-01-01。"),
        ("21-01-01", "bad_date", "“21-01-01”不是日期。"),
    ],
)
def test_a_date_that_is_not_one_says_what_it_looks_like(tmp_path, typed, code, message):
    run_command(write_csv(tmp_path, [row(1, 参保日期=typed)]))
    error = last_run().errors.get()
    assert (error.column, error.code, error.message) == ("参保日期", code, message)


def test_a_name_with_invisible_characters_copied_along_is_imported_without_them(tmp_path):
    out, _ = run_command(write_csv(tmp_path, [row(1, 姓名="\u200b王\u200b五\ufeff")]))
    assert "created=1 updated=0 unchanged=0 failed=0" in out
    assert InsuredPerson.objects.get(national_id=nid(1)).name == "王五"


def test_a_person_marked_as_having_no_mobile_is_imported_without_one(tmp_path):
    out, _ = run_command(write_csv(tmp_path, [row(1, 手机号="无"), row(2, 手机号="/")]))
    assert "created=2 updated=0 unchanged=0 failed=0" in out
    assert set(InsuredPerson.objects.values_list("mobile", flat=True)) == {""}


def test_a_persons_category_given_as_the_insurance_type_is_refused_saying_what_it_is(tmp_path):
    # 灵活就业 (flexible work) may be insured either way: no category is taken for a type.
    run_command(write_csv(tmp_path, [row(1, 参保类型="灵活就业")]))
    error = last_run().errors.get()
    assert error.code == "bad_insurance_type" and "人员类别" in error.message


def test_amount_with_thousands_separator_sets_the_balance(tmp_path):
    run_command(write_csv(tmp_path, [row(1, 个人账户余额="12,345.60")]))
    assert PersonalAccount.objects.get(person__national_id=nid(1)).balance == Decimal("12345.60")


def test_a_balance_with_a_decimal_comma_is_refused_and_the_stored_one_kept(tmp_path):
    run_command(write_csv(tmp_path, [row(1, 个人账户余额="1234.50")]))
    run_command(write_csv(tmp_path, [row(1, 个人账户余额="1234,50")], name="again.csv"))
    error = last_run().errors.get()
    assert (error.column, error.code) == ("个人账户余额", "bad_amount")
    assert "逗号" in error.message
    assert PersonalAccount.objects.get(person__national_id=nid(1)).balance == Decimal("1234.50")


def test_resident_with_empty_balance_gets_no_account(tmp_path):
    run_command(write_csv(tmp_path, [row(1, 参保类型="居民", 个人账户余额="")]))
    assert not PersonalAccount.objects.filter(person__national_id=nid(1)).exists()


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"身份证号": "37010219800101"}, "bad_length"),
        ({"身份证号": nid(1)[:-1] + ("0" if nid(1)[-1] != "0" else "1")}, "bad_checksum"),
        ({"身份证号": "370102198002300011"}, "bad_birth_date"),
        ({"身份证号": "3.70102E+17"}, "saved_as_number"),
        ({"姓名": ""}, "missing_name"),
        ({"姓名": "欧阳" * 26}, "name_too_long"),
        ({"姓名": "王\t五"}, "bad_name"),
        ({"姓名": "王\n五"}, "bad_name"),
        ({"参保类型": "商业保险"}, "bad_insurance_type"),
        ({"统筹区编码": "379800"}, "unknown_region"),
        ({"参保日期": "2021-13-01"}, "bad_date"),
        ({"参保日期": "2999-01-01"}, "future_date"),
        ({"个人账户余额": "-5"}, "negative_amount"),
        ({"个人账户余额": "1.234"}, "too_many_decimals"),
        ({"参保类型": "居民", "个人账户余额": "10"}, "balance_for_resident"),
        ({"手机号": "12345"}, "bad_phone"),
        ({"参保状态": "休眠"}, "bad_status"),
    ],
)
def test_each_row_fault_is_reported_with_line_column_and_code(tmp_path, changes, code):
    path = write_csv(tmp_path, [row(5), row(6, **changes), row(7)])
    out, _ = run_command(path)
    assert "created=2 updated=0 unchanged=0 failed=1" in out
    (error,) = ImportRowError.objects.filter(run=last_run())
    assert (error.line, error.code) == (3, code)
    assert error.values[1] == row(6, **changes)["姓名"]


def test_a_quote_never_closed_refuses_its_line_and_imports_the_rows_below(tmp_path):
    path = write_csv(tmp_path, [row(n) for n in range(1, 11)])
    text = path.read_text(encoding="utf-8").replace("张3,", '"张3,', 1)  # line 4
    path.write_text(text, encoding="utf-8")
    out, _ = run_command(path)
    assert "created=9 updated=0 unchanged=0 failed=1" in out
    error = last_run().errors.get()
    assert (error.line, error.column, error.code) == (4, "姓名", "unclosed_quote")
    assert error.values[:2] == [nid(3), '"张3']


def test_duplicate_identity_number_uses_the_first_and_reports_the_later(tmp_path):
    path = write_csv(tmp_path, [row(1, 姓名="第一"), row(2), row(1, 姓名="第二")])
    out, _ = run_command(path)
    assert "created=2" in out and "failed=1" in out
    assert InsuredPerson.objects.get(national_id=nid(1)).name == "第一"
    error = last_run().errors.get()
    assert (error.line, error.code) == (4, "duplicate_in_file")
    assert "2" in error.message


def test_values_as_systems_write_them_for_excel_are_imported_as_plain_values(tmp_path):
    typed = {
        "身份证号": '="' + nid(1) + '"',
        "参保日期": "2021/2/3 0:00",
        "个人账户余额": "¥1,234.50",
        "手机号": "8613912345678",
    }
    out, _ = run_command(write_csv(tmp_path, [row(1, **typed)]))
    assert "created=1 updated=0 unchanged=0 failed=0" in out
    person = InsuredPerson.objects.select_related("account").get()
    assert (person.national_id, person.enrolled_on, person.mobile, person.account.balance) == (
        nid(1),
        dt.date(2021, 2, 3),
        "13912345678",
        Decimal("1234.50"),
    )


def test_an_identity_number_written_twice_in_different_forms_is_a_duplicate(tmp_path):
    path = write_csv(tmp_path, [row(1), row(1, 身份证号='="' + nid(1) + '"')])
    run_command(path)
    assert error_codes() == [(3, "duplicate_in_file")]


def test_duplicates_in_later_chunks_name_the_first_line_and_keep_the_first_row(tmp_path):
    rows = [row(n, 姓名=f"首{n}") for n in range(1, 7)]
    rows += [row(n, 姓名=f"重{n}") for n in (5, 2, 6, 2)] + [row(7)]
    import_enrollment(path=write_csv(tmp_path, rows), chunk_size=3)
    run = last_run()
    assert (run.created, run.failed) == (7, 4)
    assert [(e.line, e.message) for e in run.errors.order_by("line")] == [
        (8, "与第6行的身份证号重复，已采用第6行。"),
        (9, "与第3行的身份证号重复，已采用第3行。"),
        (10, "与第7行的身份证号重复，已采用第7行。"),
        (11, "与第3行的身份证号重复，已采用第3行。"),
    ]
    assert set(InsuredPerson.objects.values_list("name", flat=True)) == {
        *(f"首{n}" for n in range(1, 7)),
        "张7",
    }


def test_file_with_no_good_rows_writes_nothing_and_reports_every_row(tmp_path):
    path = write_csv(tmp_path, [row(1, 统筹区编码="999999"), row(2, 姓名="")])
    out, _ = run_command(path)
    assert "created=0 updated=0 unchanged=0 failed=2" in out
    assert not InsuredPerson.objects.exists()


def test_rows_validated_before_an_unreadable_line_are_written_with_their_chunk(
    tmp_path, monkeypatch
):
    from accounts.importing import reader

    monkeypatch.setattr(reader, "SAMPLE_BYTES", 100)  # the bad bytes come after the sample
    monkeypatch.setattr(import_run, "VALIDATE_ROWS", 2)
    path = write_csv(tmp_path, [row(n) for n in range(1, 8)])
    with open(path, "ab") as fh:
        fh.write(b"\xff\xfe,\xff\n")
    run = import_enrollment(path=path, chunk_size=5)
    assert run.status == ImportRun.Status.FAILED
    assert "第9行" in run.message
    assert (run.rows, run.created) == (7, 7)
    assert InsuredPerson.objects.count() == 7


def test_a_line_saved_in_another_encoding_stops_the_import_there_keeping_the_rows_before(
    tmp_path,
):
    # A UTF-8 extract with a row added in a program that saved it as GB18030: both
    # encodings fail on the file's first megabyte, and the whole file was refused.
    people = [row(n, 姓名=f"欧阳{n}") for n in range(1, 40)]
    lines = [",".join(HEADER).encode()]
    lines += [
        ",".join(p.values()).encode("gb18030" if n == 30 else "utf-8")
        for n, p in enumerate(people, start=2)
    ]
    path = Path(tmp_path) / "in.csv"
    path.write_bytes(b"\n".join(lines) + b"\n")

    run = import_enrollment(path=path)

    assert run.status == ImportRun.Status.FAILED and run.encoding == "utf-8"
    assert run.message.startswith("第30行不是有效的 utf-8 文本")
    assert run.created == 28  # lines 2 to 29


def test_file_that_is_not_csv_exits_with_status_2(tmp_path):
    path = Path(tmp_path) / "scan.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(SystemExit) as exit_info:
        run_command(path)
    assert exit_info.value.code == 2
    assert last_run().status == ImportRun.Status.FAILED


def test_xlsx_is_imported(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(
        [nid(9), "王五", "职工", 370100, dt.datetime(2020, 5, 6), 88.5, 13800000000, "正常"]
    )
    path = Path(tmp_path) / "in.xlsx"
    book.save(path)
    out, _ = run_command(path)
    person = InsuredPerson.objects.get(national_id=nid(9))
    assert (person.enrolled_on, person.account.balance) == (dt.date(2020, 5, 6), Decimal("88.50"))
    assert last_run().encoding == "xlsx"


def test_an_identity_number_excel_kept_as_a_number_in_xlsx_is_named_as_such(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append([float(nid(9)), "王五", "职工", 370100, dt.datetime(2020, 5, 6)])
    path = Path(tmp_path) / "in.xlsx"
    book.save(path)
    run_command(path)
    error = last_run().errors.get()
    assert error.code == "saved_as_number"
    assert error.values[0] == f"{float(nid(9)):.15G}"  # as Excel shows it: 3.70102198…E+17


def test_reimporting_an_unchanged_file_changes_nothing(tmp_path):
    path = write_csv(tmp_path, [row(1), row(2)])
    run_command(path)
    out, _ = run_command(path, "--force")
    assert "created=0 updated=0 unchanged=2 failed=0" in out


def test_changed_rows_are_updated_and_only_they(tmp_path):
    run_command(write_csv(tmp_path, [row(1), row(2), row(3)], name="a.csv"))
    out, _ = run_command(
        write_csv(
            tmp_path, [row(1, 参保状态="终止"), row(2, 个人账户余额="200.00"), row(3)], name="b.csv"
        )
    )
    assert "created=0 updated=2 unchanged=1 failed=0" in out
    assert InsuredPerson.objects.get(national_id=nid(1)).status == "terminated"
    assert PersonalAccount.objects.get(person__national_id=nid(2)).balance == Decimal("200.00")


def test_dry_run_counts_but_writes_nothing(tmp_path):
    out, _ = run_command(write_csv(tmp_path, [row(1), row(2, 姓名="")]), "--dry-run")
    assert "created=1 updated=0 unchanged=0 failed=1" in out
    assert not InsuredPerson.objects.exists()
    assert last_run().errors.count() == 1


def test_same_file_again_needs_force(tmp_path):
    path = write_csv(tmp_path, [row(1)])
    run_command(path)
    with pytest.raises(CommandError, match="Already imported"):
        run_command(path)


def test_a_file_being_imported_now_needs_force(tmp_path):
    from accounts.importing.source import sha256_of

    path = write_csv(tmp_path, [row(1)])
    other = ImportRun.objects.create(
        file_name="in.csv", sha256=sha256_of(path), status=ImportRun.Status.RUNNING
    )
    with pytest.raises(CommandError, match=f"Being imported right now \\(import no. {other.pk}\\)"):
        run_command(path)
    assert not InsuredPerson.objects.exists()


def test_caseworker_imports_only_rows_of_their_regions(tmp_path):
    staff_user("caseworker", regions=["370100"], username="cw")
    path = write_csv(tmp_path, [row(1), row(2, 统筹区编码="440300")])
    out, _ = run_command(path, "--user", "cw")
    # The row of another region is no fault of the file: it is counted apart.
    assert "created=1" in out and "failed=0" in out and "other_regions=1" in out
    assert "left for other regions' caseworkers: 1 rows (440300=1)" in out
    assert error_codes() == [(3, "region_not_allowed")]
    assert not InsuredPerson.objects.filter(region_id="440300").exists()


def test_interrupted_run_is_finished_by_running_again(tmp_path, monkeypatch):
    path = write_csv(tmp_path, [row(i) for i in range(1, 8)])
    real_write = import_run.write_chunk
    calls = {"n": 0}

    def crash_on_third_chunk(rows, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("power cut")
        return real_write(rows, *args, **kwargs)

    monkeypatch.setattr(import_run, "write_chunk", crash_on_third_chunk)
    monkeypatch.setattr(import_run, "CHUNK_SIZE", 2)
    with pytest.raises(RuntimeError):
        import_enrollment(path=path, chunk_size=2)
    assert InsuredPerson.objects.count() == 4  # two chunks committed, the third lost
    monkeypatch.setattr(import_run, "write_chunk", real_write)
    out, _ = run_command(path, "--force")
    assert "created=3 updated=0 unchanged=4 failed=0" in out
    assert InsuredPerson.objects.count() == 7


def test_report_lists_line_column_code_message_and_original_values(tmp_path):
    path = write_csv(tmp_path, [row(1), row(2, 手机号="=cmd|' /C calc'!A0")])
    report = Path(tmp_path) / "report.csv"
    run_command(path, "--report", str(report))
    lines = list(csv.reader(report.open(encoding="utf-8-sig")))
    assert lines[1][:3] == ["3", "手机号", "bad_phone"]
    assert lines[1][4] == f'="{nid(2)}"'  # Excel's text form: all 18 characters kept
    assert "'=cmd|' /C calc'!A0" in lines[1]  # a formula never runs in Excel


def test_faulty_values_are_kept_exactly_with_tabs_line_breaks_and_backslashes(tmp_path):
    typed = {"姓名": "王\t五", "统筹区编码": "37\\01\n00", "手机号": '"139"\r\n'}
    run = import_enrollment(path=write_csv(tmp_path, [row(1), row(2, **typed)]))
    error = run.errors.get(code="bad_name")
    assert error.values == [row(2, **typed)[h] for h in HEADER]
    assert set(run.errors.values_list("code", flat=True)) == {
        "bad_name",
        "unknown_region",
        "bad_phone",
    }


def test_a_nul_byte_in_a_faulty_row_is_reported_as_a_symbol_and_the_run_finishes(tmp_path):
    # Past the first 4 KB, which is where a NUL marks a binary file rather than a CSV.
    rows = [row(n) for n in range(100)] + [row(200, 统筹区编码="3701\x0000")]
    run = import_enrollment(path=write_csv(tmp_path, rows))
    assert (run.status, run.created, run.failed) == (ImportRun.Status.FINISHED, 100, 1)
    error = run.errors.get()
    assert (error.code, error.values[3]) == ("unknown_region", "3701\u240000")
    assert "3701\u240000" in error.message


def test_existing_person_outside_the_file_is_left_alone(tmp_path):
    kept = InsuredPersonFactory(name="原有")
    run_command(write_csv(tmp_path, [row(1)]))
    kept.refresh_from_db()
    assert kept.name == "原有"


def test_each_chunk_is_written_in_the_order_of_identity_numbers(tmp_path, monkeypatch):
    written = []
    real_write = import_run.write_chunk

    def record(payload, count, **kwargs):
        written.append([line.split("\t")[0] for line in payload.splitlines()])
        return real_write(payload, count, **kwargs)

    monkeypatch.setattr(import_run, "write_chunk", record)
    numbers = [nid(n, area=area) for n in (5, 1, 9, 3) for area in ("370102", "110101")]
    rows = [row(0, 身份证号=number, 统筹区编码="370100") for number in numbers]
    run = import_enrollment(path=write_csv(tmp_path, rows), chunk_size=4)
    assert written == [sorted(numbers[:4]), sorted(numbers[4:])]
    assert run.created == 8


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pipelined_import_commits_each_chunk_from_the_writer_thread(tmp_path):
    path = write_csv(tmp_path, [row(i) for i in range(1, 8)] + [row(99, 姓名="")])
    run = import_enrollment(path=path, chunk_size=3)
    assert (run.created, run.failed, run.rows, run.status) == (7, 1, 8, ImportRun.Status.FINISHED)
    assert InsuredPerson.objects.count() == 7
    assert ImportRun.objects.get(pk=run.pk).summary == "created=7 updated=0 unchanged=0 failed=1"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pipelined_import_raises_a_writer_failure_and_keeps_committed_chunks(tmp_path, monkeypatch):
    path = write_csv(tmp_path, [row(i) for i in range(1, 10)])
    real_write = import_run.write_chunk
    first_written = threading.Event()

    def crash_on_second_chunk(payload, *args, **kwargs):
        # the chunk is known by its rows, not by call order: the two writers take the
        # first two chunks at once, and the second fails once the first is written
        if nid(4) in payload:
            first_written.wait(timeout=30)
            raise RuntimeError("disk full")
        result = real_write(payload, *args, **kwargs)
        if nid(1) in payload:
            first_written.set()
        return result

    monkeypatch.setattr(import_run, "write_chunk", crash_on_second_chunk)
    with pytest.raises(RuntimeError, match="disk full"):
        import_enrollment(path=path, chunk_size=3)
    # the first chunk is kept; the third may have been committed by the other writer before
    # the second's failure stopped the run (a race the pipeline allows), but never the second
    kept = set(InsuredPerson.objects.values_list("national_id", flat=True))
    assert {nid(i) for i in (1, 2, 3)} <= kept
    assert not kept & {nid(i) for i in (4, 5, 6)}


FAST_PATH_CASES = [
    {},
    {"参保日期": "2021/2/3"},
    {"参保日期": "20210203"},
    {"个人账户余额": "12,345.60"},
    {"个人账户余额": "1.234"},
    {"个人账户余额": "1,23"},
    {"个人账户余额": "-1"},
    {"手机号": "139123456789"},
    {"手机号": "139 1234 5678"},
    {"手机号": ""},
    {"身份证号": nid(1).lower()},
    {"身份证号": " " + nid(1) + " "},
    {"身份证号": nid(1)[:-1] + ("0" if nid(1)[-1] != "0" else "1")},
    {"身份证号": "370102198002300011"},
    {"身份证号": "99" + nid(1)[2:]},
    {"参保类型": "居民", "个人账户余额": ""},
    {"参保类型": "居民", "个人账户余额": "5"},
    {"统筹区编码": "110100"},
    {"统筹区编码": "379800"},
    {"参保状态": ""},
    {"参保状态": "死亡"},
    {"参保日期": "2999-01-01"},
    {"参保日期": "2021-02-30"},
    {"姓名": "  "},
    {"姓名": "欧阳" * 26},
    {"姓名": "王\\五"},
    {"姓名": "王\t五"},
    {"个人账户余额": "999,999,999,999.99"},
    {"个人账户余额": "1,000,000,000,000"},
    {"个人账户余额": "1e20"},
    {"个人账户余额": "12."},
    {"身份证号": "３７" + nid(1)[2:]},
    {"参保类型": "EMPLOYEE"},
    # values with white space around them, as people paste them
    {"姓名": " 王五"},
    {"姓名": "王五 "},
    {"姓名": "\u3000王五"},
    {"姓名": "王 五"},
    {"参保类型": " 职工"},
    {"统筹区编码": "370100 "},
    {"参保日期": " 2021-02-03"},
    {"参保日期": "20210203 "},
    {"个人账户余额": " 12.50"},
    {"手机号": "13912345678 "},
    {"参保状态": " 正常"},
    {"参保状态": " "},
    # other forms a column's own cleaner accepts (or refuses)
    {"手机号": "139-1234-5678"},
    {"手机号": "+86 139 1234 5678"},
    {"手机号": "１３９１２３４５６７８"},
    {"手机号": "139-1234-567"},
    {"参保日期": "2021年2月3日"},
    {"参保日期": "2021.2.3"},
    {"参保日期": "2021年2月30日"},
    {"参保日期": "2099.1.1"},
    {"参保类型": "Employee"},
    {"参保类型": " 城乡居民 ", "个人账户余额": ""},
    {"参保类型": "职 工"},
    {"统筹区编码": "３７０１００"},
    {"统筹区编码": "４４０３００"},
    {"统筹区编码": "１１００００"},
    {"个人账户余额": "12.5"},
    {"个人账户余额": " 1，234.50"},
    {"个人账户余额": "1e2"},
    {"个人账户余额": "12.345"},
    {"参保类型": "居民", "个人账户余额": " "},
    {"参保状态": "Active"},
    {"参保状态": "暂停 "},
    {"参保状态": "在保"},
    {"参保状态": "停保"},
    {"参保状态": "在职"},
    {"参保类型": "新农合", "个人账户余额": ""},
    {"参保类型": "城镇职工基本医疗保险"},
    # marks and units as spreadsheets and systems write them
    {"身份证号": '="' + nid(1) + '"'},
    {"身份证号": "'" + nid(1)},
    {"身份证号": f"{nid(1)[:6]} {nid(1)[6:14]} {nid(1)[14:]}"},
    {"身份证号": '="' + nid(1)[:17] + '"'},
    {"统筹区编码": '="370100"'},
    {"统筹区编码": "济南市"},
    {"统筹区编码": "370100 济南市"},
    {"统筹区编码": " 济南市 "},
    {"统筹区编码": "济南"},
    {"参保日期": "2021/2/3 0:00"},
    {"参保日期": "2021-02-03 00:00:00"},
    {"参保日期": "2021-02-03T08:30"},
    {"参保日期": "2021-02-03 25"},
    {"个人账户余额": "¥1,234.50"},
    {"个人账户余额": "￥12"},
    {"个人账户余额": "1234.50元"},
    {"个人账户余额": "元"},
    {"手机号": "8613912345678"},
    {"手机号": "0086 139 1234 5678"},
    {"手机号": "86139123456"},
]


def as_stored(records: list[str]) -> list[list]:
    """Return COPY lines as PostgreSQL stores them: the balance as a number, 12.5 as 12.50."""
    stored = []
    for record in records:
        *fields, balance = record.split("\t")
        stored.append([*fields, None if balance == "\\N" else Decimal(balance)])
    return stored


@pytest.mark.parametrize("changes", FAST_PATH_CASES, ids=[str(c) for c in FAST_PATH_CASES])
def test_chunk_validation_agrees_with_the_full_validation(changes):
    from accounts.importing.headers import Columns
    from accounts.importing.records import copy_record
    from accounts.importing.rows import RowValidator

    validator = RowValidator(Columns.from_header(HEADER), region_code_map())
    values = [row(1, **changes).get(h, "") for h in HEADER]
    checked = validator.validate_chunk([2], [values])
    full = validator._full(2, values)
    if isinstance(full, list):
        assert (checked.records, checked.errors) == ([], full)
    else:
        assert (as_stored(checked.records), checked.errors) == (as_stored([copy_record(full)]), [])


def test_chunk_validation_agrees_with_the_full_validation_row_by_row_in_mixed_chunks():
    import random

    from accounts.importing.headers import Columns
    from accounts.importing.records import copy_record
    from accounts.importing.rows import RowValidator

    rnd = random.Random(2026)
    validator = RowValidator(Columns.from_header(HEADER), region_code_map(), {"370100", "440300"})
    # Each case changes one or two fields; a chunk mixes them with faultless rows, so the
    # column-wide checks see good and bad values side by side.
    cases = [*FAST_PATH_CASES, {"统筹区编码": "440300"}, {"统筹区编码": "110000"}]
    cases += [{"姓名": "李\n四"}, {"手机号": "139\n12345678"}, {"参保状态": "暂停"}]
    rows, expected = [], []
    for n in range(600):
        changes = rnd.choice(cases) if n % 3 else {}
        if rnd.random() < 0.2:
            changes = {**changes, **rnd.choice(cases)}
        values = [row(n, **changes).get(h, "") for h in HEADER]
        rows.append(values)
        full = validator._full(n + 2, values)
        expected.append(full)
    checked = validator.validate_chunk(list(range(2, 602)), rows)
    want_records = [copy_record(f) for f in expected if not isinstance(f, list)]
    want_errors = [e for f in expected if isinstance(f, list) for e in f]
    assert as_stored(checked.records) == as_stored(want_records)
    assert checked.errors == want_errors
    others = [f for f in expected if isinstance(f, list) and f[0].code == "region_not_allowed"]
    assert checked.failed == sum(isinstance(f, list) for f in expected) - len(others)
    # A row of another region has that one fault, and is counted apart by its region.
    assert others and all(len(f) == 1 for f in others)
    assert checked.others == {"110000": len(others)}


def test_values_in_other_accepted_forms_are_cleaned_without_the_full_check(monkeypatch):
    from accounts.importing.headers import Columns
    from accounts.importing.records import copy_record
    from accounts.importing.rows import RowValidator

    validator = RowValidator(Columns.from_header(HEADER), region_code_map())
    typed = {"手机号": "139-1234-5678", "参保日期": "2021年2月3日", "个人账户余额": "1，234.5"}
    rows = [[row(n, **typed).get(h, "") for h in HEADER] for n in range(50)]
    expected = [copy_record(validator._full(n + 2, r)) for n, r in enumerate(rows)]
    monkeypatch.setattr(validator, "_full", lambda *a: pytest.fail("sent to the full check"))
    checked = validator.validate_chunk(list(range(2, 52)), rows)
    assert as_stored(checked.records) == as_stored(expected)
    assert checked.records[0].split("\t")[6:] == ["2021-02-03", "active", "13912345678", "1234.50"]


def test_chunk_validation_keeps_file_order_when_rows_need_the_full_check():
    from accounts.importing.headers import Columns
    from accounts.importing.rows import RowValidator

    validator = RowValidator(Columns.from_header(HEADER), region_code_map())
    plain = [row(1).get(h, "") for h in HEADER]
    unusual = [row(2, 手机号="+86 139 1234 5678").get(h, "") for h in HEADER]
    checked = validator.validate_chunk([2, 3, 4], [unusual, plain, unusual])
    assert checked.lines == [2, 3, 4]
    assert checked.national_ids == [nid(2), nid(1), nid(2)]


def _mutated_numbers(seed: int, count: int) -> list[str]:
    """Return valid identity numbers and numbers with one place changed, cut or lengthened."""
    import random

    rnd = random.Random(seed)
    numbers = []
    for _ in range(count):
        birth = dt.date(1890, 1, 1) + dt.timedelta(days=rnd.randrange(50_000))
        # a resident's, a Hong Kong resident's and foreign permanent residents' (9 and a
        # province: Shanghai's, then Hong Kong's, which such a number may not name)
        areas = ["370102", "110101", "810000", "931840", "981840"]
        number = nid(rnd.randrange(1000), birth, rnd.choice(areas))
        kind = rnd.randrange(6)
        place = rnd.randrange(18)
        if kind == 1:
            number = number[:place] + rnd.choice("0123456789X x３\x00") + number[place + 1 :]
        elif kind == 2:
            number = number[:place]
        elif kind == 3:
            number += rnd.choice(["0", "X", "\x00abc", " "])
        elif kind == 4:  # a date that does not exist, or one in the future
            number = number[:6] + rnd.choice(["19000229", "20000229", "19991331", "20991231"])
            number += number[14:17] + "0"
            number = number[:17] + idnumbers.check_char(number[:17])
        numbers.append(number.upper())
    return numbers


def test_identity_number_column_check_agrees_with_the_validator():
    from django.core.exceptions import ValidationError

    from accounts.importing.id_columns import plain_numbers
    from accounts.validators import EARLIEST_BIRTH, national_id_facts

    today = dt.date(2026, 11, 24)
    numbers = _mutated_numbers(7, 6000)

    def valid(number):
        try:
            return national_id_facts(number, today).number == number
        except ValidationError:
            return False

    expected = [valid(n) for n in numbers]
    assert 1000 < sum(expected) < 5000  # both kinds are well represented
    assert plain_numbers(numbers, EARLIEST_BIRTH, today) == expected


def test_identity_number_keys_read_the_number_in_base_11():
    from accounts.importing.id_columns import number_keys

    numbers = ["11010519491231002X", "999999999999999999", "XXXXXXXXXXXXXXXXXX", nid(1)]
    assert number_keys(numbers) == [int(n.replace("X", "A"), 11) for n in numbers]
    assert len(set(number_keys(numbers))) == 4


@pytest.mark.parametrize("in_memory", [10**9, 7, 0])
def test_first_lines_agree_whether_kept_in_memory_or_spilled_to_disk(in_memory):
    import random

    rnd = random.Random(in_memory)
    reference: dict[int, int] = {}
    first_lines = import_run.FirstLines(in_memory=in_memory)
    line = 1
    try:
        for _chunk in range(80):  # enough pieces for runs to be merged several times
            keys = [rnd.randrange(1500) for _ in range(rnd.randrange(1, 40))]
            lines = list(range(line + 1, line + 1 + len(keys)))
            line += len(keys)
            expected = [reference.setdefault(k, n) for k, n in zip(keys, lines, strict=True)]
            assert first_lines.add(keys, lines) == expected
    finally:
        first_lines.close()


def test_duplicates_past_the_memory_limit_are_still_found(tmp_path, monkeypatch):
    monkeypatch.setattr(import_run, "IN_MEMORY_NUMBERS", 3)
    rows = [row(n) for n in range(1, 7)] + [row(2, 姓名="重复"), row(6, 姓名="重复")]
    import_enrollment(path=write_csv(tmp_path, rows), chunk_size=2)
    run = last_run()
    assert (run.created, run.failed) == (6, 2)
    assert [(e.line, e.code, e.message[:5]) for e in run.errors.order_by("line")] == [
        (8, "duplicate_in_file", "与第3行的"),
        (9, "duplicate_in_file", "与第7行的"),
    ]
    assert not InsuredPerson.objects.filter(name="重复").exists()


def test_nul_in_a_header_past_the_first_kilobytes_is_kept_visible(tmp_path):
    header = HEADER + ["备注" * 1500, "x\x00y"]  # the NUL is past the 4 KB sniffed
    run_command(write_csv(tmp_path, [row(1)], header=header))
    run = last_run()
    assert (run.status, run.created, run.header[-1]) == ("finished", 1, "x␀y")


def _with_lines_above(tmp_path, above: str, *, delimiter=",", name="titled.csv"):
    rows = [row(1), row(2, 手机号="123")]
    body = write_csv(tmp_path, rows, name="body.csv").read_text(encoding="utf-8")
    path = tmp_path / name
    path.write_text(above + body.replace(",", delimiter), encoding="gb18030")
    return path


def test_title_and_notes_above_the_header_are_skipped_and_lines_stay_true(tmp_path):
    above = "2026年济南市职工参保名单,,,,,,,\n填报单位：济南市医保局,,,,,填报日期：2026-11-01,,\n\n"
    out, _ = run_command(_with_lines_above(tmp_path, above))
    assert "created=1 updated=0 unchanged=0 failed=1" in out
    assert error_codes() == [(6, "bad_phone")]  # the title, a note, a blank line, the header


def test_a_header_below_twenty_lines_of_instructions_is_found(tmp_path):
    instructions = "".join(f"{n}. 填写说明第{n}条,,,,\n" for n in range(1, 21))
    out, _ = run_command(_with_lines_above(tmp_path, "2026年参保名单\n" + instructions))
    assert "created=1 updated=0 unchanged=0 failed=1" in out
    assert error_codes() == [(24, "bad_phone")]  # 21 lines above, the header, a good row


def test_skipped_title_is_named_in_the_runs_warnings(tmp_path):
    run_command(_with_lines_above(tmp_path, "2026年济南市职工参保名单\n"))
    assert last_run().warnings == ["表头在第2行：其上方的1行（标题或说明）已跳过。"]


def test_tab_separated_file_under_a_title_line_is_read_by_its_tabs(tmp_path):
    out, _ = run_command(_with_lines_above(tmp_path, "参保名单\n", delimiter="\t"))
    assert "created=1 updated=0 unchanged=0 failed=1" in out


def test_xlsx_with_a_title_row_above_the_header_is_imported(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["2026年济南市职工参保名单"])
    sheet.append(HEADER)
    sheet.append([row(1)[h] for h in HEADER])
    sheet.append([row(2, 手机号="123")[h] for h in HEADER])
    book.save(tmp_path / "titled.xlsx")
    out, _ = run_command(tmp_path / "titled.xlsx")
    assert "created=1 updated=0 unchanged=0 failed=1" in out
    assert error_codes() == [(4, "bad_phone")]


def test_xlsx_whose_first_sheet_is_instructions_imports_the_sheet_with_the_header(tmp_path):
    path = write_workbook(
        tmp_path / "名单.xlsx",
        [
            ("填表说明", [["请按下一页格式填写"], ["身份证号须为18位"]], False),
            ("参保名单", sheet_rows(1, 2), False),
        ],
    )
    out, _ = run_command(path)
    assert "created=2 updated=0 unchanged=0 failed=0" in out
    assert "工作表“参保名单”" in last_run().warnings[0]


def test_xlsx_with_a_second_sheet_of_rows_names_it_as_not_imported(tmp_path):
    path = write_workbook(
        tmp_path / "两市.xlsx",
        [("济南", sheet_rows(1), False), ("青岛", sheet_rows(2, 3), False)],
    )
    out, _ = run_command(path)
    assert "created=1 updated=0 unchanged=0 failed=0" in out
    assert "“青岛”" in last_run().warnings[0] and "未导入" in last_run().warnings[0]


def test_xlsx_hidden_sheet_is_not_imported(tmp_path):
    path = write_workbook(
        tmp_path / "隐藏.xlsx",
        [("旧名单", sheet_rows(1), True), ("名单", sheet_rows(2), False)],
    )
    run_command(path)
    assert list(InsuredPerson.objects.values_list("national_id", flat=True)) == [nid(2)]


def test_a_header_further_down_than_thirty_lines_is_not_looked_for(tmp_path):
    with pytest.raises(SystemExit):
        run_command(_with_lines_above(tmp_path, "说明\n" * 31))
    assert last_run().message.startswith("缺少必需的列")


def test_a_sheets_totals_row_is_one_fault_that_says_what_it_is(tmp_path):
    totals = dict.fromkeys(HEADER, "")
    totals.update({"姓名": "合计", "个人账户余额": "200.00"})
    run_command(write_csv(tmp_path, [row(1), row(2), totals]))
    assert [(e.line, e.code) for e in last_run().errors.all()] == [(4, "totals_row")]
    assert last_run().errors.get().message == "这是合计行，不是参保人，未导入。"


def test_each_line_of_a_sheets_footer_is_one_fault_that_says_what_it_is(tmp_path):
    footer = [
        {"身份证号": "制表人：张三", "姓名": "审核人：李四"},
        {"身份证号": "填报日期: 2026年11月25日"},
        {"姓名": "单位负责人"},
    ]
    run_command(write_csv(tmp_path, [row(1), *footer]))
    errors = last_run().errors.order_by("line")
    assert [(e.line, e.code) for e in errors] == [
        (3, "footer_row"),
        (4, "footer_row"),
        (5, "footer_row"),
    ]
    assert errors[0].message == "这是表尾（制表人、审核人、填报日期等），不是参保人，未导入。"


def test_a_person_whose_name_is_a_footer_word_is_not_taken_for_a_footer_line(tmp_path):
    out, _ = run_command(write_csv(tmp_path, [row(1, 姓名="审核")]))
    assert "created=1 updated=0 unchanged=0 failed=0" in out


def test_a_person_whose_name_is_a_totals_word_is_not_taken_for_a_totals_row(tmp_path):
    out, _ = run_command(write_csv(tmp_path, [row(1, 姓名="合计")]))
    assert "created=1 updated=0 unchanged=0 failed=0" in out


def test_a_region_may_be_named_by_its_name_or_as_the_portal_shows_it(tmp_path):
    path = write_csv(tmp_path, [row(1, 统筹区编码="济南市"), row(2, 统筹区编码="370200 青岛市")])
    run_command(path)
    regions = dict(InsuredPerson.objects.values_list("national_id", "region_id"))
    assert regions == {nid(1): "370100", nid(2): "370200"}


def test_a_region_name_two_regions_share_is_not_taken_for_either(tmp_path):
    from policies.models import Region

    Region.objects.filter(code="370200").update(name="济南市")
    run_command(write_csv(tmp_path, [row(1, 统筹区编码="济南市")]))
    assert error_codes() == [(2, "unknown_region")]


@pytest.mark.parametrize("typed", ["济南", "370100.0", "山东省济南市", "济南市本级"])
def test_a_region_typed_almost_as_one_is_refused_naming_the_region_meant(tmp_path, typed):
    run_command(write_csv(tmp_path, [row(1, 统筹区编码=typed)]))
    error = last_run().errors.get()
    assert error.code == "unknown_region"
    assert error.message == f"{typed}不是已知的统筹区编码。是否指 370100 济南市？"


def test_an_unknown_region_like_no_other_is_refused_without_a_guess(tmp_path):
    run_command(write_csv(tmp_path, [row(1, 统筹区编码="379800")]))
    assert last_run().errors.get().message == "379800不是已知的统筹区编码。"


def test_persons_and_accounts_an_import_creates_record_that_import(tmp_path):
    run = import_enrollment(path=write_csv(tmp_path, [row(1), row(2)]))
    persons = InsuredPerson.objects.values_list("last_import_run_id", flat=True)
    accounts = PersonalAccount.objects.values_list("last_import_run_id", flat=True)
    assert (set(persons), set(accounts)) == ({run.pk}, {run.pk})


def test_an_unchanged_person_keeps_the_import_that_last_wrote_it(tmp_path):
    first = import_enrollment(path=write_csv(tmp_path, [row(1)]))
    import_enrollment(path=write_csv(tmp_path, [row(1)], name="again.csv"))
    assert InsuredPerson.objects.get().last_import_run_id == first.pk


def test_a_changed_person_records_the_import_that_changed_it(tmp_path):
    first = import_enrollment(path=write_csv(tmp_path, [row(1), row(2)]))
    again = write_csv(tmp_path, [row(1, 姓名="改名"), row(2)], name="again.csv")
    second = import_enrollment(path=again)
    written = dict(InsuredPerson.objects.values_list("national_id", "last_import_run_id"))
    assert written == {nid(1): second.pk, nid(2): first.pk}


def test_a_changed_balance_records_the_import_on_the_account_only(tmp_path):
    first = import_enrollment(path=write_csv(tmp_path, [row(1)]))
    again = write_csv(tmp_path, [row(1, 个人账户余额="250.00")], name="again.csv")
    second = import_enrollment(path=again)
    person = InsuredPerson.objects.select_related("account").get()
    assert (person.last_import_run_id, person.account.last_import_run_id) == (first.pk, second.pk)
