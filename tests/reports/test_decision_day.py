"""The decisions table keeps each decision's day in Beijing, which the report counts by."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.choices import Via
from accounts.services.proofs import proof_approve
from reports.models import Decision
from tests.factories import staff_user
from tests.reports.data import at, clock, page_tables, table
from tests.reports.proof_data import _claim, _submit

pytestmark = pytest.mark.django_db


def test_a_decision_just_after_midnight_in_beijing_counts_on_the_beijing_day(client):
    clerk = staff_user("caseworker", regions=["370100"])
    reviewer = staff_user("caseworker", regions=["370100"])
    proof = _submit(clerk, "370100", at(7, 1, 9))
    _claim(proof, reviewer, at(7, 2, 0))
    with clock(at(7, 2, 0) + dt.timedelta(minutes=30)):  # 16:30 UTC on 1 July
        proof_approve(actor=reviewer, via=Via.ADMIN, proof=proof)

    decision = Decision.objects.get(outcome="approve")
    assert decision.at.astimezone(dt.UTC).date() == dt.date(2026, 7, 1)
    assert decision.day == dt.date(2026, 7, 2)

    client.force_login(staff_user("supervisor", provinces=["37"]))
    page = client.get(
        "/admin/reports/decisions/", {"from": "2026-07", "to": "2026-07", "step": "day"}
    )
    shown = table(page, "per_step")
    assert shown["2026-07-02"][0] == "1"
    assert shown["2026-07-01"][0] == "0"


def test_the_weeks_still_to_come_are_not_shown(client):
    client.force_login(staff_user("supervisor", provinces=["37"]))

    with clock(at(7, 15, 10)):  # a Wednesday
        page = client.get("/admin/reports/decisions/", {"from": "2026-07", "to": "2026-08"})

    header = page_tables(page)["caseworker_by_step"][0]
    assert header[1:-1] == ["06-29", "07-06", "07-13"]
