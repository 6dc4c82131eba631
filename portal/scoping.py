"""Region scoping: the one place that decides which regions a staff user may see.

Every admin queryset, autocomplete, export, report and document download
filters through :func:`scope_queryset`. Superusers see everything; a staff
user sees the regions and whole provinces on their staff profile; a user
without a profile sees nothing.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

ALL = None  # sentinel: no restriction
_CACHE_ATTR = "_portal_region_codes"


def region_codes(user) -> frozenset[str] | None:
    """Return the region codes ``user`` may see, or ``ALL`` (``None``) for no limit.

    The answer is cached on the user object, which lives for one request.
    """
    if not (user and user.is_authenticated and user.is_active and user.is_staff):
        return frozenset()
    if user.is_superuser:
        return ALL
    if hasattr(user, _CACHE_ATTR):
        return getattr(user, _CACHE_ATTR)
    from policies.models import Region

    from .models import StaffProfile

    profile = StaffProfile.objects.filter(user=user).first()
    if profile is None:
        codes: frozenset[str] | None = frozenset()
    elif profile.nationwide:
        codes = ALL
    else:
        codes = frozenset(
            Region.objects.filter(
                Q(pk__in=profile.regions.values("pk"))
                | Q(province__in=profile.provinces.values("pk"))
            ).values_list("code", flat=True)
        )
    setattr(user, _CACHE_ATTR, codes)
    return codes


def scope_queryset(user, queryset: QuerySet, field: str = "region") -> QuerySet:
    """Return ``queryset`` limited to the regions ``user`` may see."""
    codes = region_codes(user)
    if codes is ALL:
        return queryset
    if not codes:
        return queryset.none()
    return queryset.filter(**{f"{field}__in": sorted(codes)})


def can_see_region(user, region_code: str) -> bool:
    """Return whether ``user`` may see records of pooling region ``region_code``."""
    codes = region_codes(user)
    return codes is ALL or region_code in codes
