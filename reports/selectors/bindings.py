"""Bindings from the summary ``reports_bindingmonth``: one query with grouping sets."""

from __future__ import annotations

from reports.choices import BindingEvent
from reports.selectors import GEOGRAPHY_SQL, fetch, scope_sql

SQL = """
SELECT grouping(x.authorizer_region, x.region_name, x.geo) = 0 AS by_region,
       grouping(x.relation) = 0 AS by_relation,
       grouping(x.month, x.event) = 0 AS by_month,
       grouping(x.event, x.reason) = 0 AS by_reason,
       x.authorizer_region, x.region_name, x.geo, x.relation, x.month, x.event, x.reason,
       coalesce(sum(CASE x.event WHEN %(activated)s THEN x.count
                                 WHEN %(ended)s THEN -x.count ELSE 0 END), 0) AS active,
       coalesce(sum(x.count) FILTER (WHERE x.month >= %(first)s), 0) AS in_period,
       coalesce(sum(x.count) FILTER (WHERE x.month >= %(first)s AND x.event = %(activated)s),
                0) AS new,
       coalesce(sum(x.count) FILTER (WHERE x.month >= %(first)s AND x.event = %(ended)s),
                0) AS ended,
       coalesce(sum(x.count) FILTER (WHERE x.month >= %(first)s AND x.event = %(withdrawn)s),
                0) AS withdrawn
  FROM (SELECT s.*, ra.name AS region_name, {geography} AS geo
          FROM reports_bindingmonth s
          JOIN policies_region ra ON ra.code = s.authorizer_region
          JOIN policies_region rb ON rb.code = s.beneficiary_region
         WHERE s.month <= %(last)s{scope}{relation}{document}) x
 GROUP BY GROUPING SETS ((x.authorizer_region, x.region_name, x.geo), (x.relation),
                         (x.month, x.event), (x.event, x.reason))
"""


def binding_figures(filters) -> list[dict]:
    """Return the grouped counts of the bindings report for ``filters``: rows flagged
    ``by_region`` (with ``geo``), ``by_relation``, ``by_month`` (every month up to the
    period's last, for the running count) and ``by_reason``.

    ``active`` is the count of bindings active at the end of the period (activated minus
    ended, over all months up to it); ``new``, ``ended`` and ``withdrawn`` count within it.
    """
    sql = SQL.format(
        geography=GEOGRAPHY_SQL.format(a="s.authorizer_region", b="s.beneficiary_region"),
        scope=scope_sql("s.authorizer_region", filters),
        relation=" AND s.relation = %(relation)s" if filters.relation else "",
        document=" AND s.document_type = %(document_type)s" if filters.document_type else "",
    )
    return fetch(
        sql,
        {
            "first": filters.period.first,
            "last": filters.period.last,
            "regions": filters.regions_list(),
            "relation": filters.relation,
            "document_type": filters.document_type,
            "activated": BindingEvent.ACTIVATED,
            "ended": BindingEvent.ENDED,
            "withdrawn": BindingEvent.WITHDRAWN,
        },
    )
