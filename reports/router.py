"""Reports read from a replica when there is one; every write stays on the primary.

With ``REPORTS_DATABASE_URL`` set, the settings add a database ``reports`` (a streaming
read replica of the primary). The report views and exports run inside
:func:`reading_reports`; while they do, :class:`ReportsRouter` sends their reads there.
Everything else — the rest of the portal, and any write, even from a report view — goes to
``default``. Without the setting nothing changes: there is no ``reports`` database.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connections

REPORTS_DB = "reports"
_reading: ContextVar[bool] = ContextVar("reading_reports", default=False)


def reports_db() -> str:
    """Return the database a report reads now: the replica inside :func:`reading_reports`
    when one is configured, else ``default``."""
    if _reading.get() and REPORTS_DB in connections.settings:
        return REPORTS_DB
    return "default"


@contextmanager
def reading_reports():
    """Send the reads of the block to the reports replica (if configured)."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


class ReportsRouter:
    """Reads inside :func:`reading_reports` go to the replica; writes never do."""

    def db_for_read(self, model, **hints):
        alias = reports_db()
        return alias if alias != "default" else None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, copied: a row of the replica is a row of the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPORTS_DB  # a replica receives the primary's schema by replication
