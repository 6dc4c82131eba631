"""Admin pages for enrollment import runs: the record of each run and its error report."""

from __future__ import annotations

import io

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal.admin_base import PortalModelAdmin
from portal.scoping import ALL, region_codes

from .importing.report import report_xlsx, write_report_csv
from .models import ImportRowError, ImportRun


def visible_runs(user, queryset):
    """Return the runs ``user`` may see: their own; every run for superusers and national staff."""
    if user.is_superuser or region_codes(user) is ALL:
        return queryset
    return queryset.filter(user=user)


class ImportRowErrorInline(admin.TabularInline):
    model = ImportRowError
    extra = 0
    max_num = 0
    can_delete = False
    fields = ("line", "column", "code", "message", "values")
    readonly_fields = fields
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("line")[:200]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ImportRun)
class ImportRunAdmin(PortalModelAdmin):
    scope_exempt = "import runs are scoped by who ran them (visible_runs)"
    list_display = (
        "file_name",
        "started_at",
        "user",
        "status",
        "dry_run",
        "encoding",
        "rows",
        "created",
        "updated",
        "unchanged",
        "failed",
        "report_links",
    )
    list_filter = ("status", "dry_run")
    list_select_related = ("user",)
    search_fields = ("file_name", "sha256")
    readonly_fields = [f.name for f in ImportRun._meta.fields] + ["report_links"]
    show_full_result_count = False

    def get_queryset(self, request):
        return visible_runs(request.user, super().get_queryset(request))

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.has_perm("accounts.add_insuredperson")

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("error report"))
    def report_links(self, obj):
        if not obj.failed:
            return "—"
        csv_url = reverse("admin:accounts_importrun_report", args=[obj.pk, "csv"])
        xlsx_url = reverse("admin:accounts_importrun_report", args=[obj.pk, "xlsx"])
        return format_html(
            '<a class="text-primary-600" href="{}">CSV</a> · '
            '<a class="text-primary-600" href="{}">XLSX</a>',
            csv_url,
            xlsx_url,
        )

    def get_urls(self):
        view = self.admin_site.admin_view(self.report_view)
        return [
            path("<int:pk>/report.<str:fmt>", view, name="accounts_importrun_report"),
            *super().get_urls(),
        ]

    def report_view(self, request, pk, fmt):
        """Download the error report of a run the user may see, as CSV or XLSX."""
        if not self.has_view_permission(request) or fmt not in ("csv", "xlsx"):
            raise PermissionDenied
        run = get_object_or_404(self.get_queryset(request), pk=pk)
        stem = f"import-{run.pk}-errors"
        if fmt == "csv":
            buffer = io.StringIO()
            buffer.write("\ufeff")
            write_report_csv(run, buffer)
            response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(
                report_xlsx(run),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
        return response
