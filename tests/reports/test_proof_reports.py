"""The review reports: the backlog (审核积压) and the decisions (审核决定), against the
hand-built cases of ``tests.reports.proof_data``."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts.choices import RejectReason
from reports.filters import ReportFilterForm
from reports.proofs import DecisionsReport
from tests.reports.data import clock, csv_rows, page_tables, table
from tests.reports.proof_data import TODAY, backlog_data, decision_data

pytestmark = pytest.mark.django_db

BACKLOG = "/admin/reports/backlog/"
DECISIONS = "/admin/reports/decisions/"
SUMMER = {"from": "2026-06", "to": "2026-07"}


def label(choice) -> str:
    with translation.override("zh-hans"):
        return str(choice.label)


@pytest.fixture
def sup(client, supervisor):
    client.force_login(supervisor)
    return client


@pytest.fixture
def open_cases():
    return backlog_data()


@pytest.fixture
def decisions():
    return decision_data()


def backlog(client, **query):
    with clock(TODAY):
        return client.get(BACKLOG, query)


# --- the backlog -------------------------------------------------------------------------


def test_open_cases_are_counted_by_their_age_in_working_days(sup, open_cases):
    shown = table(backlog(sup), "by_age")

    assert shown["0–1"][:3] == ["2", "0", "2"]
    assert shown["2–3"][:3] == ["1", "1", "2"]
    assert shown["4–7"][:3] == ["1", "0", "1"]
    assert shown[">7"][:3] == ["1", "0", "1"]
    assert shown["合计"] == ["5", "1", "6", "100.0%"]


def test_open_cases_by_region_say_how_many_are_past_the_deadline_and_the_oldest_age(
    sup, open_cases
):
    shown = table(backlog(sup), "by_region")

    assert shown["370100 济南市"] == ["4", "1", "1", "9", "1"]
    assert shown["370200 青岛市"] == ["1", "0", "0", "2", "0"]
    assert shown["合计"] == ["5", "1", "1", "9", "1"]


def test_the_oldest_open_cases_link_to_their_review_screen(sup, open_cases):
    page = backlog(sup)

    rows = page_tables(page)["oldest"][1:]
    assert [row[0] for row in rows[:2]] == [
        open_cases["nine"].case_number,
        open_cases["five"].case_number,
    ]
    assert rows[0][-2:] == ["9", "是"] and rows[1][-2:] == ["5", ""]
    assert f'href="/admin/accounts/kinshipproof/{open_cases["nine"].pk}/review/"' in (
        page.content.decode()
    )


def test_a_case_in_review_names_who_claimed_it(sup, open_cases):
    rows = {row[0]: row for row in page_tables(backlog(sup))["oldest"][1:]}

    assert rows[open_cases["three"].case_number][5] == "赵审核"


def test_a_shandong_supervisor_never_sees_a_shenzhen_case_in_the_backlog(sup, open_cases):
    page = backlog(sup)

    assert open_cases["shenzhen"].case_number not in page.content.decode()
    assert "440300" not in table(page, "by_region")


def test_a_superuser_sees_the_shenzhen_case_as_the_oldest(client, superuser, open_cases):
    client.force_login(superuser)
    rows = page_tables(backlog(client))["oldest"][1:]

    assert rows[0][0] == open_cases["shenzhen"].case_number
    assert rows[0][-2] == "10"


def test_the_backlog_filters_by_relation_and_document_type(sup, open_cases):
    by_relation = table(backlog(sup, relation="father"), "by_age")
    by_document = table(backlog(sup, document_type="household_register"), "by_age")

    assert by_relation["合计"][:3] == ["1", "0", "1"]
    assert by_document["4–7"][:3] == ["1", "0", "1"]
    assert by_document["合计"][:3] == ["1", "0", "1"]


def test_the_backlog_filters_by_region(sup, open_cases):
    shown = table(backlog(sup, region="370200"), "by_region")

    assert list(shown) == ["370200 青岛市", "合计"]


def test_the_backlog_has_no_month_filter(sup, open_cases):
    form = backlog(sup).context["form"]

    assert "from" not in form.fields and "to" not in form.fields


def test_the_backlog_export_equals_the_table_shown(sup, open_cases):
    shown = page_tables(backlog(sup))["by_region"]
    with clock(TODAY):
        exported = csv_rows(sup.get(f"{BACKLOG}by_region.csv"))

    assert exported == shown


# --- the decisions -----------------------------------------------------------------------


def test_decisions_are_counted_per_caseworker_with_the_median_handling_time(sup, decisions):
    shown = table(sup.get(DECISIONS, SUMMER), "per_caseworker")

    assert shown["钱甲"] == ["2", "1", "0", "3", "30", "1", "0"]
    assert shown["李乙"] == ["0", "1", "1", "2", "10", "0", "1"]
    assert shown["周丙"] == ["1", "0", "0", "1", "20", "0", "0"]
    assert shown["合计"] == ["3", "2", "1", "6", "—", "1", "1"]


def test_a_shandong_supervisor_never_sees_a_shenzhen_caseworkers_decisions(sup, decisions):
    page = sup.get(DECISIONS, SUMMER)

    assert "吴丁" not in page.content.decode()


def test_decisions_are_counted_per_week_from_monday(sup, decisions):
    shown = table(sup.get(DECISIONS, SUMMER), "per_step")

    assert shown["2026-06-01"] == ["2", "1", "0", "3", "30"]
    assert shown["2026-06-29"] == ["1", "1", "1", "3", "15"]
    assert shown["2026-06-08"] == ["0", "0", "0", "0", "—"]
    assert len(shown) == 9 + 1  # nine weeks touch June and July, then the totals


def test_decisions_are_counted_per_day_when_asked(sup, decisions):
    shown = table(sup.get(DECISIONS, {**SUMMER, "step": "day"}), "per_step")

    assert shown["2026-07-01"] == ["0", "0", "1", "1", "5"]
    assert shown["2026-07-03"] == ["0", "1", "0", "1", "15"]
    assert len(shown) == 61 + 1


def test_a_day_step_over_more_than_three_months_is_refused(sup, decisions):
    page = sup.get(DECISIONS, {"from": "2026-01", "to": "2026-07", "step": "day"})

    assert page.status_code == 200
    assert "step" in page.context["form"].errors
    assert page.context["sections"] == []


def test_each_caseworkers_decisions_per_week_are_a_matrix(sup, decisions):
    page = sup.get(DECISIONS, SUMMER)
    rows = page_tables(page)["caseworker_by_step"]

    assert rows[0][:3] == ["经办人员", "06-01", "06-08"]
    shown = {row[0]: row[1:] for row in rows[1:]}
    assert shown["钱甲"][0] == "3" and shown["钱甲"][-1] == "3"
    assert shown["李乙"][4] == "2"  # the week of 29 June
    assert shown["合计"][-1] == "6"


def test_rejections_are_counted_by_reason_with_the_failed_spot_checks(sup, decisions):
    shown = table(sup.get(DECISIONS, SUMMER), "reasons")

    illegible, mismatch = label(RejectReason.ILLEGIBLE), label(RejectReason.PERSON_MISMATCH)
    assert set(shown) == {illegible, mismatch, "合计"}
    assert shown[illegible] == ["1", "50.0%", "0"]
    assert shown[mismatch] == ["1", "50.0%", "1"]


def test_overturns_and_spot_checks_are_counted_per_month(sup, decisions):
    shown = table(sup.get(DECISIONS, SUMMER), "quality")

    assert shown["2026-06"] == ["3", "1", "33.3%", "0", "0", "0", "—"]
    assert shown["2026-07"] == ["3", "0", "0.0%", "1", "1", "1", "100.0%"]


def test_the_decisions_filter_by_document_type(sup, decisions):
    query = {**SUMMER, "document_type": "commitment_letter"}
    shown = table(sup.get(DECISIONS, query), "per_caseworker")

    assert shown == {
        "李乙": ["0", "1", "0", "1", "15", "0", "1"],
        "合计": ["0", "1", "0", "1", "—", "0", "1"],
    }


def test_the_decisions_filter_by_region(sup, decisions):
    shown = table(sup.get(DECISIONS, {**SUMMER, "region": "370200"}), "per_caseworker")

    assert list(shown) == ["周丙", "合计"]


def test_a_period_without_decisions_shows_empty_tables(sup, decisions):
    tables = page_tables(sup.get(DECISIONS, {"from": "2026-01", "to": "2026-02"}))

    # the page's tables have their header only (and a line that says nothing is counted)
    assert {key: len(rows) for key, rows in tables.items()} == {
        "per_caseworker": 1,
        "per_step": 1,
        "caseworker_by_step": 1,
        "reasons": 1,
        "quality": 1,
    }


def test_the_decisions_export_equals_the_table_shown(sup, decisions):
    shown = page_tables(sup.get(DECISIONS, SUMMER))["per_caseworker"]
    exported = csv_rows(sup.get(f"{DECISIONS}per_caseworker.csv", SUMMER))

    assert [row[:5] for row in exported] == [row[:5] for row in shown]


@pytest.mark.parametrize(
    "key", ["per_caseworker", "per_step", "caseworker_by_step", "reasons", "quality"]
)
def test_each_decisions_table_exported_alone_equals_the_one_of_the_whole_report(
    supervisor, decisions, key
):
    report = DecisionsReport()
    form = ReportFilterForm(SUMMER, user=supervisor, fields=report.filters)
    filters = form.filters()
    whole = {t.key: t for t in report.tables(user=supervisor, filters=filters)}[key]
    alone = report.table(key, user=supervisor, filters=filters)

    assert alone.header() == whole.header()
    assert list(alone.export_rows()) == list(whole.export_rows())
    assert list(alone.export_rows())  # the hand-built data fills every table


# --- query counts ----------------------------------------------------------------------------


def _queries(client, url, query) -> int:
    with CaptureQueriesContext(connection) as captured, clock(TODAY):
        assert client.get(url, query).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    ("url", "query"), [(BACKLOG, {}), (DECISIONS, SUMMER), (DECISIONS, {**SUMMER, "step": "day"})]
)
def test_a_review_report_runs_as_many_queries_with_more_cases(sup, url, query):
    backlog_data()
    decision_data()
    few = _queries(sup, url, query)

    backlog_data()
    decision_data()

    assert _queries(sup, url, query) == few


def test_a_shandong_supervisors_decisions_export_holds_no_shenzhen_caseworker(sup, decisions):
    exported = csv_rows(sup.get(f"{DECISIONS}caseworker_by_step.csv", SUMMER))

    assert [row[0] for row in exported[1:]] == ["钱甲", "李乙", "周丙", "合计"]


def test_a_shandong_supervisors_backlog_export_holds_no_shenzhen_case(sup, open_cases):
    with clock(TODAY):
        exported = csv_rows(sup.get(f"{BACKLOG}oldest.csv"))

    assert open_cases["shenzhen"].case_number not in {row[0] for row in exported}
    assert len(exported) == 1 + 6
