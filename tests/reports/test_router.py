"""The reports database: configured from REPORTS_DATABASE_URL, used only by report reads."""

from __future__ import annotations

from accounts.models import InsuredPerson
from portal.settings.base import databases
from reports.router import ReportsRouter, reading_reports, reports_db


def test_reports_database_url_adds_a_replica_that_tests_read_as_the_primary(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://portal@primary:5432/portal")
    monkeypatch.setenv("REPORTS_DATABASE_URL", "postgres://portal@replica:6432/portal")

    configured = databases()

    assert configured["default"]["HOST"] == "primary"
    assert (configured["reports"]["HOST"], configured["reports"]["PORT"]) == ("replica", 6432)
    assert configured["reports"]["TEST"] == {"MIRROR": "default"}


def test_without_reports_database_url_there_is_no_replica(monkeypatch):
    monkeypatch.delenv("REPORTS_DATABASE_URL", raising=False)

    assert "reports" not in databases()


def test_without_a_replica_reports_read_the_primary():
    with reading_reports():
        assert reports_db() == "default"
        assert ReportsRouter().db_for_read(InsuredPerson) is None


def test_outside_a_report_nothing_is_routed():
    assert reports_db() == "default"
    assert ReportsRouter().db_for_read(InsuredPerson) is None
    assert ReportsRouter().db_for_write(InsuredPerson) == "default"


def test_the_replica_is_never_migrated():
    assert ReportsRouter().allow_migrate("reports", "accounts") is False
    assert ReportsRouter().allow_migrate("default", "accounts") is True


def test_a_pooled_database_has_no_server_side_cursors(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://portal@pgbouncer:6432/portal")
    monkeypatch.setenv("REPORTS_DATABASE_URL", "postgres://portal@pgbouncer:6432/replica")
    monkeypatch.setenv("DATABASE_POOLED", "1")

    configured = databases()

    assert configured["default"]["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert configured["reports"]["DISABLE_SERVER_SIDE_CURSORS"] is True
