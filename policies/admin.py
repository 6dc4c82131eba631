"""Reference data: provinces, pooling regions and region code aliases."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portal.admin_base import PortalModelAdmin

from .models import Province, Region, RegionAlias

REFERENCE = "national reference data: every staff member may read it"


class ReferenceDataAdmin(PortalModelAdmin):
    """Readable by every staff member; only superusers change reference data."""

    scope_exempt = REFERENCE

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Province)
class ProvinceAdmin(ReferenceDataAdmin):
    list_display = ("code", "name", "region_count")
    search_fields = ("code", "name")

    @admin.display(description=_("pooling regions"))
    def region_count(self, obj):
        return obj.region_count

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(region_count=Count("regions"))


class RegionAliasInline(admin.TabularInline):
    model = RegionAlias
    extra = 0


@admin.register(Region)
class RegionAdmin(ReferenceDataAdmin):
    list_display = ("code", "name", "province", "level", "wallet_enabled_on")
    list_filter = ("level", "province")
    list_select_related = ("province",)
    search_fields = ("code", "name")
    list_per_page = 100


@admin.register(RegionAlias)
class RegionAliasAdmin(ReferenceDataAdmin):
    list_display = ("code", "region", "note")
    list_select_related = ("region",)
    search_fields = ("code", "region__name")
