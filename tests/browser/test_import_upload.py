"""A caseworker uploads an enrollment file, checks its preview, confirms, watches the progress
and downloads the error report."""

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from accounts.models import InsuredPerson
from tests.factories import InsuredPersonFactory, staff_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_caseworker_uploads_a_file_and_gets_the_error_report(
    live_server, page, screenshot, tmp_path, log_in
):
    staff_user("caseworker", regions=["370100"], username="caseworker1")
    rows = ["身份证号,姓名,参保类型,统筹区编码,参保日期,个人账户余额,备注"]  # 备注: not imported
    rows += [f"{n},张{i},职工,370100,2021-01-01,100," for i, n in enumerate(_ids(30))]
    rows.append("110105194912310021,坏号,职工,370100,2021-01-01,1,")
    path = tmp_path / "济南参保.csv"
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode("gb18030"))
    # Two of the persons are known already: one as the file has them, one under
    # another name and balance.
    ids = _ids(2)
    InsuredPersonFactory(
        national_id=ids[0], name="张0", enrolled_on=dt.date(2021, 1, 1), mobile="", account=100
    )
    InsuredPersonFactory(
        national_id=ids[1], name="张一", enrolled_on=dt.date(2021, 1, 1), mobile="", account=80
    )

    script_errors = []
    page.on("pageerror", lambda error: script_errors.append(error))
    log_in("caseworker1")

    page.goto(f"{live_server.url}/admin/accounts/importrun/upload/")
    page.set_input_files("input[type=file]", str(path))
    screenshot("import-upload")
    page.click("[data-testid=upload-form] button[type=submit]")
    page.wait_for_url(re.compile(r"/preview/$"))

    # Nothing is written before the caseworker confirms what the preview shows.
    assert page.locator("[data-testid=count-new]").inner_text() == "28"
    assert page.locator("[data-testid=count-changed]").inner_text() == "1"
    assert page.locator("[data-testid=count-unchanged]").inner_text() == "1"
    assert page.locator("[data-testid=count-error]").inner_text() == "1"
    table = page.locator("[data-testid=preview-rows] tbody tr")
    assert table.nth(0).get_attribute("data-line") == "32" and "校验码" in table.nth(0).inner_text()
    assert (
        table.nth(1).get_attribute("data-line") == "3" and "张一 → 张1" in table.nth(1).inner_text()
    )
    assert InsuredPerson.objects.count() == 2
    screenshot("import-preview")
    page.get_by_role("button", name="确认导入").click()
    page.wait_for_url(re.compile(r"/progress/$"))

    # The page is polling; the run waits for the worker (as `make run` starts it).
    assert page.locator("#status").inner_text() == "排队中"
    call_command("db_worker", "--batch", "--no-startup-delay")
    page.wait_for_selector("[data-testid=import-progress][data-done='1']", timeout=20_000)
    assert page.locator("#percent").inner_text() == "100"
    assert page.get_by_role("progressbar").get_attribute("aria-valuenow") == "100"
    assert page.locator("#created").inner_text() == "28"
    assert page.locator("#updated").inner_text() == "1"
    assert page.locator("#failed").inner_text() == "1"
    [warning] = page.locator("#warnings li").all_inner_texts()
    assert "备注" in warning
    assert script_errors == []
    screenshot("import-progress")

    with page.expect_download() as download:
        page.click("[data-testid=report-links] >> text=CSV")
    report = download.value.path().read_text(encoding="utf-8-sig")
    assert "bad_checksum" in report and "坏号" in report
    assert InsuredPerson.objects.count() == 30

    # The faulty row, once and as typed, to mend and upload again.
    with page.expect_download() as download:
        page.click("[data-testid=rows-to-mend] a")
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).worksheets[0]
    assert [c.value for c in sheet[2]][:2] == ["110105194912310021", "坏号"]


def _ids(count):
    import datetime as dt

    from accounts import idnumbers

    return [idnumbers.make("370102", dt.date(1980, 1, 1), seq) for seq in range(count)]


@pytest.mark.parametrize(
    ("step", "left"),
    [(5, "不到 1 分钟即可完成"), (1, r"约 \d 分钟后完成")],
    ids=["soon", "minutes"],
)
def test_progress_page_shows_the_pace_and_the_time_left_of_a_running_import(
    live_server, page, screenshot, step, left, log_in
):
    import json

    from accounts.models import ImportRun

    user = staff_user("caseworker", regions=["370100"], username="caseworker1")
    run = ImportRun.objects.create(
        file_name="山东全省参保名单.csv", sha256="0" * 64, user=user, status="running"
    )
    polls = {"count": 0}

    def moving(route):
        """The import as the worker would report it: 62,000 rows more every poll."""
        polls["count"] += 1
        rows, progress = 62_000 * polls["count"], min(step * polls["count"], 99)
        state = {
            "status": "running",
            "status_label": "进行中",
            "progress": progress,
            "rows": rows,
            "created": rows,
            "updated": 0,
            "unchanged": 0,
            "failed": 0,
            "message": "",
            "warnings": [],
            "encoding": "gb18030",
            "done": False,
            "stalled": False,
            "waiting_long": False,
        }
        route.fulfill(status=200, content_type="application/json", body=json.dumps(state))

    page.route(re.compile(r"/status\.json$"), moving)
    log_in("caseworker1")
    page.goto(f"{live_server.url}/admin/accounts/importrun/{run.pk}/progress/")
    pace = page.locator("[data-testid=pace]")
    page.wait_for_function("document.getElementById('pace').textContent.length > 0")
    assert re.fullmatch(rf"· 每秒 [\d,]+ 行 · {left}", pace.inner_text())
    screenshot(f"import-progress-pace-{step}")


def test_runs_list_on_a_phone_does_not_title_a_file_name_select_record(
    live_server, page, log_in, tmp_path
):
    from accounts.services.imports import import_enrollment

    user = staff_user("caseworker", regions=["370100"], username="caseworker1")
    path = tmp_path / "济南参保.csv"
    path.write_text("身份证号,姓名,参保类型,统筹区编码,参保日期\n", encoding="utf-8")
    import_enrollment(path=path, user=user)
    log_in("caseworker1")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/admin/accounts/importrun/")
    first = page.locator("#result_list tbody tr td").first
    assert first.inner_text() == "济南参保.csv"
    title = first.evaluate("cell => getComputedStyle(cell, '::before').display")
    assert title == "none"  # Unfold's 选择记录, meant for a checkbox
