"""The supervisor reports: each a :class:`Report` with its tables, in one registry.

A report says what it is (slug, title, icon, the filters it takes, which summary it reads)
and builds its tables for a viewer and filters (:meth:`Report.tables`). The views, the
sidebar, the home page, the exports and the tests take the reports from :data:`REPORTS`;
a new report (the backlog and decisions of kinship-proof review) is one more subclass
registered with :func:`register`.
"""

from __future__ import annotations

from reports.filters import ReportFilters
from reports.tables import Table


class Report:
    slug: str = ""
    title: str = ""
    #: a Material Symbols name, as the sidebar uses
    icon: str = "monitoring"
    description: str = ""
    #: the filters of the filter bar: "period", "region", "relation", "document_type", "step"
    #: (without "period", the report counts what is open now)
    filters: tuple[str, ...] = ("period", "region", "relation")
    #: the summary the report reads (its page says how current it is), or "" for live data
    summary: str = ""
    #: how the report attributes figures to regions, said under the filter bar
    counted_by: str = ""
    #: where the report stands in the sidebar, the tabs and the home page
    position: int = 100

    def tables(self, *, user, filters: ReportFilters) -> list[Table]:
        """Return the report's tables for ``user`` (already limited by ``filters`` to the
        regions they may see). A fixed number of queries, whatever the data."""
        raise NotImplementedError

    def table(self, key: str, *, user, filters: ReportFilters) -> Table | None:
        """Return the one table ``key`` (for an export), or None if the report has none such.
        A report whose tables are costly builds only the one asked for."""
        return next((t for t in self.tables(user=user, filters=filters) if t.key == key), None)


#: slug -> report, in the order of the sidebar
REPORTS: dict[str, Report] = {}


def register(report_class: type[Report]) -> type[Report]:
    REPORTS[report_class.slug] = report_class()
    ordered = sorted(REPORTS.values(), key=lambda r: (r.position, r.slug))
    REPORTS.clear()
    REPORTS.update((r.slug, r) for r in ordered)
    return report_class


def load() -> dict[str, Report]:
    """Return the registry with every report module imported."""
    from reports import bindings, imports, money, proofs  # noqa: F401 (they register themselves)

    return REPORTS
