"""Reference data and the per-province policy tables.

Every staff member reads the tables and their history; supervisors change the
tables of their own provinces, superusers all. Custom pages: a province's
policy page (in force, earlier and scheduled versions, a side-by-side diff)
and "try a case", where a scenario is judged by the engine.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import TabularInline

from portal.admin_base import PortalModelAdmin
from portal.stale_edits import StaleEditGuardAdminMixin

from .display import version_diff, version_rows
from .forms import PolicyVersionForm, TryCaseForm
from .models import PolicyChange, PolicyVersion, Province, Region, RegionAlias
from .permissions import can_edit_province_policy
from .scenario import judge_case
from .selectors import policy_for, province_versions
from .services import policy_version_save

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
    list_display = ("code", "name", "region_count", "policy_link")
    search_fields = ("code", "name")

    @admin.display(description=_("pooling regions"))
    def region_count(self, obj):
        return obj.region_count

    @admin.display(description=_("policy table"))
    def policy_link(self, obj):
        url = reverse("admin:policies_province_policies", args=[obj.code])
        return format_html('<a class="text-primary-600" href="{}">{}</a>', url, _("view"))

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(region_count=Count("regions"))

    def get_urls(self):
        view = self.admin_site.admin_view(self.policies_view)
        return [
            path("<str:code>/policies/", view, name="policies_province_policies"),
            *super().get_urls(),
        ]

    def policies_view(self, request, code):
        """Show the version in force, earlier and scheduled ones, and a diff of two versions."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        province = get_object_or_404(Province, code=code)
        today = timezone.localdate()
        versions = province_versions(code)
        in_force = policy_for(f"{code}0000", today)
        for version in versions:
            if version.in_force_on(today):
                version.state = _("in force")
            elif version.effective_from > today:
                version.state = _("scheduled")
            else:
                version.state = _("earlier")
        by_id = {str(v.pk): v for v in versions}
        a, b = by_id.get(request.GET.get("a")), by_id.get(request.GET.get("b"))
        if (request.GET.get("a") or request.GET.get("b")) and not (a and b):
            raise Http404
        if a is None and len(versions) >= 2:
            province_wide = [v for v in versions if v.region_id is None]
            if len(province_wide) >= 2:
                b, a = province_wide[0], province_wide[1]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Policy table of %(province)s") % {"province": province.name},
            "province": province,
            "versions": versions,
            "in_force": in_force,
            "in_force_rows": version_rows(in_force) if in_force else [],
            "diff": version_diff(a, b) if a and b else [],
            "a": a,
            "b": b,
            "can_edit": can_edit_province_policy(request.user, code),
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/policies/province_policies.html", context)


class RegionAliasInline(admin.TabularInline):
    model = RegionAlias
    extra = 0


@admin.register(Region)
class RegionAdmin(ReferenceDataAdmin):
    list_display = ("code", "name", "province", "level", "wallet_opened")
    list_filter = ("level", "province", "wallet_date_approximate")
    list_select_related = ("province",)
    search_fields = ("code", "name")
    list_per_page = 100

    @admin.display(description=_("wallet opened on"), ordering="wallet_enabled_on")
    def wallet_opened(self, obj):
        """Return the wallet date, marked "(approximate)" when it is an estimate."""
        if obj.wallet_enabled_on is None:
            return "—"
        day = obj.wallet_enabled_on.isoformat()
        return _("%(day)s (approximate)") % {"day": day} if obj.wallet_date_approximate else day

    def get_fields(self, request, obj=None):
        """Offer the wallet date and its flag side by side to editors; readers see the date
        as the list shows it."""
        wallet = ("wallet_enabled_on", "wallet_date_approximate")
        if not self.has_change_permission(request, obj):
            wallet = "wallet_opened"
        return ["code", "name", "province", "level", wallet, "wallet_source"]

    def get_readonly_fields(self, request, obj=None):
        # A changed primary key would save a second region, not rename this one.
        readonly = ("code",) if obj is not None else ()
        if not self.has_change_permission(request, obj):
            readonly += ("wallet_opened",)
        return readonly


@admin.register(RegionAlias)
class RegionAliasAdmin(ReferenceDataAdmin):
    list_display = ("code", "region", "note")
    list_select_related = ("region",)
    search_fields = ("code", "region__name")


class PolicyChangeInline(TabularInline):
    model = PolicyChange
    extra = 0
    can_delete = False
    fields = ("at", "actor", "action", "reason", "changes")
    readonly_fields = fields
    verbose_name_plural = _("change history")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PolicyVersion)
class PolicyVersionAdmin(StaleEditGuardAdminMixin, PortalModelAdmin):
    scope_exempt = "policy tables are public rules: every staff member may read them"
    form = PolicyVersionForm
    list_display = (
        "province",
        "region",
        "effective_from",
        "effective_to",
        "in_force_today",
        "review_mode",
        "cross_province",
        "province_page",
    )
    list_filter = ("province", "review_mode", "cross_province")
    list_select_related = ("province", "region")
    search_fields = ("province__name", "region__name", "source_title")
    inlines = [PolicyChangeInline]
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (
            _("Scope and period"),
            {"fields": ("province", "region", "effective_from", "effective_to")},
        ),
        (
            _("Who may be bound"),
            {
                "fields": (
                    "allowed_relations",
                    "max_active_beneficiaries",
                    "max_lifetime_beneficiaries",
                    "group_caps",
                    "max_authorizers_per_beneficiary",
                    "beneficiary_may_authorize",
                    "spouses_may_authorize_each_other",
                    "cross_province",
                    "max_binding_changes_per_year",
                    "min_days_before_unbinding",
                )
            },
        ),
        (
            _("Money"),
            {
                "fields": (
                    "retained_balance",
                    "max_payment_share",
                    "wallet_max_transfers_per_day",
                    "wallet_max_amount_per_transfer",
                    "wallet_quiet_from",
                    "wallet_quiet_until",
                    "allowed_uses",
                )
            },
        ),
        (_("Proof"), {"fields": ("review_mode", "documents", "spot_check_share")}),
        (
            _("Source"),
            {
                "fields": (
                    "source_title",
                    "source_issuer",
                    "source_date",
                    "source_url",
                    "source_note",
                )
            },
        ),
        (_("Change"), {"fields": ("change_reason", "created_at", "updated_at")}),
    )

    @admin.display(description=_("policy table"))
    def province_page(self, obj):
        url = reverse("admin:policies_province_policies", args=[obj.province_id])
        return format_html('<a class="text-primary-600" href="{}">{}</a>', url, _("compare"))

    @admin.display(description=_("in force today"), boolean=True)
    def in_force_today(self, obj):
        return obj.in_force_on(timezone.localdate())

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return request.user.is_superuser or request.user.has_perm("policies.add_policyversion")

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return request.user.is_superuser or request.user.has_perm(
                "policies.change_policyversion"
            )
        return can_edit_province_policy(request.user, obj.province_id)

    def has_delete_permission(self, request, obj=None):
        return False  # versions are history: end one with effective_to instead

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """Offer only the provinces (and their regions) whose tables the user may change."""
        if db_field.name in ("province", "region") and not request.user.is_superuser:
            editable = [
                p.code
                for p in Province.objects.all()
                if can_edit_province_policy(request.user, p.code)
            ]
            model = Province if db_field.name == "province" else Region
            field = "code" if db_field.name == "province" else "province_id"
            kwargs["queryset"] = model.objects.filter(**{f"{field}__in": editable})
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not can_edit_province_policy(request.user, obj.province_id):
            raise PermissionDenied
        policy_version_save(
            actor=request.user, version=obj, reason=form.cleaned_data.get("change_reason", "")
        )

    def get_urls(self):
        view = self.admin_site.admin_view(self.try_case_view)
        return [path("try/", view, name="policies_policyversion_try"), *super().get_urls()]

    def try_case_view(self, request):
        """Judge a scenario with the policy in force and show the decision and its reasons."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = TryCaseForm(request.GET or None, initial=TryCaseForm.example())
        result = judge_case(form.cleaned_data) if form.is_bound and form.is_valid() else None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Try a case"),
            "form": form,
            "result": result,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/policies/try_case.html", context)
