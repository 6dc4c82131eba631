"""Read-side queries for regions (and, later, policy versions)."""

from __future__ import annotations

from django.db.models import Q

from .models import PolicyVersion, Region, RegionAlias


def region_for_code(code: str) -> Region | None:
    """Return the pooling region a code names, following aliases (110100 → 110000)."""
    region = Region.objects.select_related("province").filter(code=code).first()
    if region is not None:
        return region
    alias = RegionAlias.objects.select_related("region__province").filter(code=code).first()
    return alias.region if alias else None


def policy_for(region: Region | str, day) -> PolicyVersion | None:
    """Return the policy version in force in ``region`` on ``day``.

    A version of the region itself wins over its province's version.
    """
    code = region.code if isinstance(region, Region) else region
    in_force = (
        PolicyVersion.objects.select_related("province", "region")
        .filter(province_id=code[:2], effective_from__lte=day)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day))
        .filter(Q(region_id=code) | Q(region__isnull=True))
    )
    # Region-specific versions first (NULLs sort last in ascending order).
    return in_force.order_by("region_id").first()


def province_versions(province_code: str) -> list[PolicyVersion]:
    """Return every version of a province and its regions, newest first per scope."""
    return list(
        PolicyVersion.objects.select_related("province", "region")
        .filter(province_id=province_code)
        .order_by("region_id", "-effective_from")
    )


def overlapping_policy_versions() -> list[tuple[PolicyVersion, PolicyVersion]]:
    """Return pairs of versions of one scope whose periods overlap (should be none)."""
    pairs = []
    versions = list(PolicyVersion.objects.order_by("province_id", "region_id", "effective_from"))
    for earlier, later in zip(versions, versions[1:], strict=False):
        same_scope = (earlier.province_id, earlier.region_id) == (
            later.province_id,
            later.region_id,
        )
        if same_scope and (
            earlier.effective_to is None or earlier.effective_to >= later.effective_from
        ):
            pairs.append((earlier, later))
    return pairs
