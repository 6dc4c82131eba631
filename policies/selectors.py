"""Read-side queries for regions (and, later, policy versions)."""

from __future__ import annotations

import unicodedata
from collections import Counter

from django.db.models import Q

from .models import PolicyVersion, Region, RegionAlias


def region_for_code(code: str) -> Region | None:
    """Return the pooling region a code names, following aliases (110100 → 110000)."""
    region = Region.objects.select_related("province").filter(code=code).first()
    if region is not None:
        return region
    alias = RegionAlias.objects.select_related("region__province").filter(code=code).first()
    return alias.region if alias else None


def region_code_map() -> dict[str, str]:
    """Return every accepted way of naming a pooling region mapped to its code.

    Its code, a former code (an alias), its name (济南市) unless two regions share it,
    and code and name as the portal shows them (370100 济南市).
    """
    regions = list(Region.objects.values_list("code", "name"))
    named = Counter(name for _code, name in regions)
    codes = {name: code for code, name in regions if named[name] == 1}
    for code, name in regions:
        codes.update({code: code, f"{code} {name}": code})
    codes.update(dict(RegionAlias.objects.values_list("code", "region_id")))
    return codes


#: the province-level municipalities, each pooled as one region (110000 北京市 …)
MUNICIPALITIES = ("11", "12", "31", "50")


def region_alias_kinds() -> dict[str, str]:
    """Return why files use each alias code of a pooling region (``RegionAlias``), by code:
    "municipality" (a municipality's city-level code: 120100 for 120000 天津市),
    "province_pool" (xx9900 for a province's own pool, xx0000), or the alias's note
    (another code, such as a former one; the code itself if it has no note)."""
    kinds = {}
    for code, region, note in RegionAlias.objects.values_list("code", "region_id", "note"):
        if region[:2] in MUNICIPALITIES and region.endswith("0000") and code[:2] == region[:2]:
            kinds[code] = "municipality"
        elif code.endswith("9900") and region == f"{code[:2]}0000":
            kinds[code] = "province_pool"
        else:
            kinds[code] = note or code
    return kinds


def region_for_text(text: str) -> Region | None:
    """Return the pooling region that ``text`` names as an enrollment file may name it
    (``region_code_map``: 370100, 济南市, 370100 济南市, a former code); None if none."""
    key = unicodedata.normalize("NFKC", str(text)).strip()
    code = region_code_map().get(key)
    return Region.objects.select_related("province").get(code=code) if code else None


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
