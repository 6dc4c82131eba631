"""The fold that keeps the summaries current: every journal and binding event counted
exactly once, whenever its transaction commits; a rebuild gives the same summaries."""

from __future__ import annotations

import importlib
import threading
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Sum

from reports.fold import FOLDED_KINDS, reports_fold, reports_rebuild
from reports.models import BindingEventQueue, BindingMonth, FoldState, JournalQueue, MoneyMonth
from tests.accounts.money import NOON, binding, person, reference
from tests.reports.data import binding_data, money_data

pytestmark = pytest.mark.django_db


def _money() -> list[tuple]:
    return sorted(
        MoneyMonth.objects.values_list(
            "month",
            "payer_region",
            "payee_region",
            "relation",
            "mode",
            "use",
            "count",
            "amount",
            "accepted_count",
            "accepted_amount",
            "returned_count",
            "returned_amount",
            "reversed_count",
            "reversed_amount",
        )
    )


def _bindings() -> list[tuple]:
    return sorted(
        BindingMonth.objects.values_list(
            "month",
            "authorizer_region",
            "beneficiary_region",
            "relation",
            "event",
            "reason",
            "count",
        )
    )


def _pay(b, amount="10.00"):
    from accounts.services.payments import payment_create

    return payment_create(
        actor=None,
        via="command",
        reference=reference(),
        binding=b,
        use="pharmacy",
        bill_amount=None,
        amount=amount,
        at=NOON,
    )


def test_a_payment_is_queued_when_written_and_counted_once_by_the_fold():
    b = binding(authorizer=person(balance=Decimal("100.00")))
    payment = _pay(b, "12.34")
    assert JournalQueue.objects.filter(journal_id=payment.journal_id).exists()

    first = reports_fold()
    again = reports_fold()

    assert first.counts["money"] == 1
    assert again.counts == {"money": 0, "bindings": 0}
    assert not JournalQueue.objects.exists()
    assert MoneyMonth.objects.aggregate(n=Sum("count"), yuan=Sum("amount")) == {
        "n": 1,
        "yuan": Decimal("12.34"),
    }


def test_opening_balances_are_not_queued():
    person(balance=Decimal("500.00"))

    assert not JournalQueue.objects.exists()


def test_binding_events_are_queued_and_folded():
    binding_data()  # folds

    assert not BindingEventQueue.objects.exists()
    assert BindingMonth.objects.aggregate(n=Sum("count"))["n"] == 8  # 5 activated, 3 revoked


def test_a_rebuild_gives_the_summaries_the_incremental_fold_kept():
    binding_data()
    money_data()
    folded_money, folded_bindings = _money(), _bindings()

    reports_rebuild()

    assert _money() == folded_money
    assert _bindings() == folded_bindings


def test_the_fold_works_in_chunks_and_says_until_when_it_counted():
    b = binding(authorizer=person(balance=Decimal("100.00")))
    for _ in range(5):
        _pay(b)

    done = reports_fold(chunk=2)

    assert done.counts["money"] == 5
    assert MoneyMonth.objects.aggregate(n=Sum("count"))["n"] == 5
    state = FoldState.objects.get(name="money")
    assert state.as_of == done.as_of
    assert state.folded == 5


def test_the_trigger_and_the_fold_count_the_same_journal_kinds():
    migration = importlib.import_module("reports.migrations.0002_queue_triggers")

    assert set(migration.FOLDED_KINDS) == {str(kind) for kind in FOLDED_KINDS}


def test_the_command_folds_and_says_what(capsys):
    b = binding(authorizer=person(balance=Decimal("100.00")))
    _pay(b)
    out = StringIO()

    call_command("reports_fold", stdout=out)

    assert "folded 1 money" in out.getvalue()


def test_a_report_page_says_as_of_when_its_summary_was_counted(client, supervisor):
    reports_fold()
    client.force_login(supervisor)

    page = client.get("/admin/reports/money/").content.decode()

    as_of = FoldState.objects.get(name="money").as_of
    from django.utils import timezone

    assert f"数据截至 {timezone.localtime(as_of):%Y-%m-%d %H:%M}" in page


def test_a_report_page_says_when_nothing_was_counted_yet(client, supervisor):
    client.force_login(supervisor)

    page = client.get("/admin/reports/bindings/").content.decode()

    assert "汇总数据尚未生成" in page


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_payment_still_uncommitted_is_counted_once_it_commits():
    # Given a payment written in a transaction that has not committed yet
    b = binding(authorizer=person(balance=Decimal("100.00")))
    reports_fold()
    written, release = threading.Event(), threading.Event()

    def pay_slowly():
        try:
            with transaction.atomic():
                _pay(b, "7.00")
                written.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=pay_slowly)
    thread.start()
    assert written.wait(10)
    # When the fold runs meanwhile, it does not see it
    assert reports_fold().counts["money"] == 0
    # Then, once it commits, the next fold counts it, and only once
    release.set()
    thread.join()
    assert reports_fold().counts["money"] == 1
    assert reports_fold().counts["money"] == 0
    assert MoneyMonth.objects.aggregate(yuan=Sum("amount"))["yuan"] == Decimal("7.00")
