"""A caseworker's home page shows their own review queue and decisions, not the reports."""

from __future__ import annotations

import re

import pytest

from accounts.choices import Via
from accounts.services.proofs import proof_approve
from tests.factories import staff_user
from tests.reports.data import clock
from tests.reports.proof_data import TODAY, backlog_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_cases():
    return backlog_data()


def home(client, user):
    client.force_login(user)
    with clock(TODAY):
        return client.get("/admin/").content.decode()


def figure(html, testid) -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*><span[^>]*>([^<]*)</span>', html)
    assert match, testid
    return match[1]


def decisions_row(html, row) -> list[str]:
    match = re.search(rf'<tr data-row="{row}">(.*?)</tr>', html, re.S)
    return re.findall(r"<td[^>]*>([^<]*)</td>", match[1])


def test_a_reviewer_sees_the_cases_claimed_waiting_and_past_the_deadline(client, open_cases):
    html = home(client, open_cases["reviewer"])

    assert figure(html, "queue-mine") == "1"
    assert figure(html, "queue-unclaimed") == "4"
    assert figure(html, "queue-overdue") == "1"
    assert 'href="/admin/accounts/kinshipproof/?queue=overdue"' in html


def test_a_reviewer_sees_their_own_decisions_today_and_this_week(client, open_cases):
    reviewer = open_cases["reviewer"]
    with clock(TODAY):
        proof_approve(actor=reviewer, via=Via.ADMIN, proof=open_cases["three"])

    html = home(client, reviewer)

    # claimed on Tuesday at 10:00, approved on Wednesday at 10:00: 1,440 minutes
    assert decisions_row(html, "today") == ["1", "0", "0", "1440"]
    assert decisions_row(html, "week") == ["1", "0", "0", "1440"]


def test_a_decision_of_last_week_is_not_counted_this_week(client, open_cases):
    html = home(client, open_cases["reviewer"])  # the return of 7 July

    assert decisions_row(html, "week") == ["0", "0", "0", "—"]


def test_a_caseworker_home_page_links_no_report(client, open_cases):
    html = home(client, open_cases["reviewer"])

    assert 'data-testid="home-reports"' not in html
    assert "/admin/reports/" not in html


def test_an_auditor_who_reviews_nothing_has_no_queue_on_the_home_page(client, db):
    html = home(client, staff_user("auditor", provinces=["37"]))

    assert 'data-testid="my-queue"' not in html
