"""Read-side queries for insured persons and accounts."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count

from accounts.choices import InsuranceType
from accounts.models import InsuredPerson
from policies.models import Region
from portal.scoping import scope_queryset


def person_counts_by_region(*, user) -> list[dict]:
    """Return persons per pooling region the user may see, with counts by insurance type.

    Grouped by (region, insurance type) so PostgreSQL answers from the
    ``person_region_type`` index without reading the table.
    """
    grouped = (
        scope_queryset(user, InsuredPerson.objects.all())
        .values_list("region_id", "insurance_type")
        .annotate(n=Count("*"))
        .order_by()
    )
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for region_code, insurance_type, n in grouped:
        counts[region_code][insurance_type] += n
    regions = Region.objects.filter(code__in=counts).select_related("province").order_by("code")
    return [
        {
            "region_code": region.code,
            "region_name": region.name,
            "province_name": region.province.name,
            "persons": sum(counts[region.code].values()),
            "employee": counts[region.code][InsuranceType.EMPLOYEE],
            "resident": counts[region.code][InsuranceType.RESIDENT],
        }
        for region in regions
    ]
