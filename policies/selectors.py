"""Read-side queries for regions (and, later, policy versions)."""

from __future__ import annotations

from .models import Region, RegionAlias


def region_for_code(code: str) -> Region | None:
    """Return the pooling region a code names, following aliases (110100 → 110000)."""
    region = Region.objects.select_related("province").filter(code=code).first()
    if region is not None:
        return region
    alias = RegionAlias.objects.select_related("region__province").filter(code=code).first()
    return alias.region if alias else None
