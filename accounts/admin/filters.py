"""List filters shared by the accounts admin pages."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import DropdownFilter

from policies.models import Region
from portal.scoping import ALL, region_codes


class ScopedRegionFilter(DropdownFilter):
    """Filter by pooling region, offering only the regions the user may see."""

    title = _("pooling region")
    parameter_name = "region__code__exact"

    def lookups(self, request, model_admin):
        regions = Region.objects.order_by("code")
        codes = region_codes(request.user)
        if codes is not ALL:
            regions = regions.filter(code__in=codes)
        return [(r.code, f"{r.code} {r.name}") for r in regions]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(region_id=self.value())
        return queryset
