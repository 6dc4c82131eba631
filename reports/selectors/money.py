"""Money from the summary ``reports_moneymonth``: one query with grouping sets for the
figures counted where the authorizer is insured, one for the flows between provinces."""

from __future__ import annotations

from reports.choices import MUTUAL_AID_MODES, MoneyMode
from reports.selectors import GEOGRAPHY_SQL, fetch

MEASURES = """
       coalesce(sum(x.count), 0) AS count, coalesce(sum(x.amount), 0) AS amount,
       coalesce(sum(x.accepted_count), 0) AS accepted_count,
       coalesce(sum(x.accepted_amount), 0) AS accepted_amount,
       coalesce(sum(x.returned_count), 0) AS returned_count,
       coalesce(sum(x.returned_amount), 0) AS returned_amount,
       coalesce(sum(x.reversed_count), 0) AS reversed_count,
       coalesce(sum(x.reversed_amount), 0) AS reversed_amount
"""

FIGURES_SQL = """
SELECT grouping(x.month, x.mode) = 0 AS by_month,
       grouping(x.mode, x.geo) = 0 AS by_geo,
       grouping(x.mode, x.use) = 0 AS by_use,
       grouping(x.payer_region, x.region_name, x.mode) = 0 AS by_region,
       x.month, x.mode, x.geo, x.use, x.payer_region, x.region_name,
       {measures}
  FROM (SELECT s.*, ra.name AS region_name, {geography} AS geo
          FROM reports_moneymonth s
          JOIN policies_region ra ON ra.code = s.payer_region
          JOIN policies_region rb ON rb.code = s.payee_region
         WHERE s.month BETWEEN %(first)s AND %(last)s{scope}{relation}{document}) x
 GROUP BY GROUPING SETS ((x.month, x.mode), (x.mode, x.geo), (x.mode, x.use),
                         (x.payer_region, x.region_name, x.mode))
"""

FLOWS_SQL = """
SELECT ra.province_id AS from_province, pa.name AS from_name,
       rb.province_id AS to_province, pb.name AS to_name, x.mode,
       {measures}
  FROM reports_moneymonth x
  JOIN policies_region ra ON ra.code = x.payer_region
  JOIN policies_region rb ON rb.code = x.payee_region
  JOIN policies_province pa ON pa.code = ra.province_id
  JOIN policies_province pb ON pb.code = rb.province_id
 WHERE x.month BETWEEN %(first)s AND %(last)s
   AND ra.province_id <> rb.province_id
   AND x.mode = ANY(%(aid)s){scope}{relation}{document}
 GROUP BY 1, 2, 3, 4, 5
 ORDER BY 1, 3, 5
"""


def _params(filters) -> dict:
    return {
        "first": filters.period.first,
        "last": filters.period.last,
        "regions": filters.regions_list(),
        "relation": filters.relation,
        "document_type": filters.document_type,
        "aid": [str(m) for m in MUTUAL_AID_MODES],
        "own": str(MoneyMode.OWN),
    }


def money_figures(filters) -> list[dict]:
    """Return the money figures for ``filters``, counted where the payer is insured: rows
    flagged ``by_month``, ``by_geo``, ``by_use`` and ``by_region``, each per mode.

    A relation or a document type chosen limits the mutual aid (direct payments and
    transfers) to bindings of that relation or proved on that document; wallet spending,
    which no binding names, is left out then; the other spending imports record is the
    whole of it, the base of mutual aid's share.
    """
    relation = document = ""
    if filters.relation:
        relation = " AND (s.relation = %(relation)s OR s.mode = %(own)s)"
    if filters.document_type:
        document = " AND (s.document_type = %(document_type)s OR s.mode = %(own)s)"
    scope = "" if filters.regions is None else " AND s.payer_region = ANY(%(regions)s)"
    sql = FIGURES_SQL.format(
        measures=MEASURES,
        geography=GEOGRAPHY_SQL.format(a="s.payer_region", b="s.payee_region"),
        scope=scope,
        relation=relation,
        document=document,
    )
    return fetch(sql, _params(filters))


def money_flows(filters) -> list[dict]:
    """Return the mutual aid between provinces, per (paying province, receiving province,
    mode), where either side is in the filters' regions: what flows out of them and into them."""
    scope = ""
    if filters.regions is not None:
        scope = " AND (x.payer_region = ANY(%(regions)s) OR x.payee_region = ANY(%(regions)s))"
    relation = " AND x.relation = %(relation)s" if filters.relation else ""
    document = " AND x.document_type = %(document_type)s" if filters.document_type else ""
    sql = FLOWS_SQL.format(measures=MEASURES, scope=scope, relation=relation, document=document)
    return fetch(sql, _params(filters))
