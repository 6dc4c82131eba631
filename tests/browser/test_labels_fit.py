"""At 1366 pixels, labels stay whole and hints are read to their end.

The import progress page's labels (读取行数, 涉及统筹区) broke inside the word beside a long
value; the person list's search hint was cut off by a box narrower than its text.
"""

import datetime as dt

import pytest

from accounts.services.imports import import_enrollment
from tests.accounts.imports.enrollment_files import nid, row, write_csv
from tests.factories import staff_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

OTHER_REGIONS = ["440300", "110000", "320100", "330100", "420100", "510100"]

#: how many lines of text an element's words take up
LINES = """el => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
}"""


def test_the_progress_pages_labels_stay_on_one_line(
    live_server, page, screenshot, log_in, tmp_path
):
    caseworker = staff_user("caseworker", regions=["370100"], username="caseworker1")
    born = dt.date(1990, 1, 1)
    rows = [row(1)] + [
        row(10 + i, 身份证号=nid(10 + i, birth=born, area="440301"), 统筹区编码=code)
        for i, code in enumerate(OTHER_REGIONS)
    ]
    run = import_enrollment(path=write_csv(tmp_path, rows), user=caseworker)
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in("caseworker1")

    page.goto(f"{live_server.url}/admin/accounts/importrun/{run.pk}/progress/")

    labels = page.locator("[data-testid=import-progress] > table th")
    assert labels.count() >= 9
    assert page.locator("[data-testid=run-regions]").evaluate(LINES) >= 1
    for i in range(labels.count()):
        label = labels.nth(i)
        assert label.evaluate(LINES) == 1, label.inner_text()
    screenshot("import-progress-labels")


def test_the_person_lists_search_hint_is_not_cut_off(live_server, page, log_in):
    staff_user("caseworker", regions=["370100"], username="caseworker1")
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in("caseworker1")

    page.goto(f"{live_server.url}/admin/accounts/insuredperson/")

    hint_width, room = page.locator("#searchbar").evaluate(
        """input => {
            const style = getComputedStyle(input);
            const context = document.createElement('canvas').getContext('2d');
            context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
            const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
            return [context.measureText(input.placeholder).width, input.clientWidth - padding];
        }"""
    )
    assert "姓名开头" in page.locator("#searchbar").get_attribute("placeholder")
    assert hint_width <= room
