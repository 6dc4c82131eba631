"""Read-side queries for insured persons and accounts."""

from __future__ import annotations

from django.db.models import Count, Q

from portal.scoping import scope_queryset

from .choices import InsuranceType
from .models import InsuredPerson


def person_counts_by_region(*, user) -> list[dict]:
    """Return persons per pooling region the user may see, with counts by insurance type."""
    qs = scope_queryset(user, InsuredPerson.objects.all())
    rows = (
        qs.values("region__code", "region__name", "region__province__name")
        .annotate(
            persons=Count("id"),
            employee=Count("id", filter=Q(insurance_type=InsuranceType.EMPLOYEE)),
            resident=Count("id", filter=Q(insurance_type=InsuranceType.RESIDENT)),
        )
        .order_by("region__code")
    )
    return [
        {
            "region_code": r["region__code"],
            "region_name": r["region__name"],
            "province_name": r["region__province__name"],
            "persons": r["persons"],
            "employee": r["employee"],
            "resident": r["resident"],
        }
        for r in rows
    ]
