"""Read-side queries of the reports: aggregates in PostgreSQL, on the reports database."""

from __future__ import annotations

from django.db import connections

from reports.router import reports_db


def fetch(sql: str, params: dict) -> list[dict]:
    """Run ``sql`` on the database reports read (the replica, if any); return dict rows."""
    with connections[reports_db()].cursor() as cursor:
        cursor.execute(sql, params)
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def scope_sql(column: str, filters, name: str = "regions") -> str:
    """Return the SQL condition limiting ``column`` to the filters' regions ("" for all)."""
    return "" if filters.regions is None else f" AND {column} = ANY(%({name})s)"


GEOGRAPHY_SQL = """
    CASE WHEN {a} = {b} THEN 'same_region'
         WHEN ra.province_id = rb.province_id THEN 'same_province'
         ELSE 'cross_province' END
"""
