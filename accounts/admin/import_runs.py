"""The admin of enrollment import runs: the list of runs, its columns and filters, and the
routes of the import's own pages (``import_views``, ``import_progress``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.admin.history import AuditHistoryMixin
from accounts.admin.import_progress import ImportProgressViews
from accounts.admin.import_views import ImportFlowViews
from accounts.importing import report as import_report
from accounts.importing.records import OTHER_REGION
from accounts.models import ImportRun
from accounts.permissions import may_see_runs, visible_runs
from accounts.selectors.imports import faulty_rows_shown_sql, run_page_url
from policies.models import Region
from portal.admin_base import PortalModelAdmin
from portal.scoping import ALL, region_codes
from portal.templatetags.portal_format import grouped


def _subtle(text: str, *, nowrap: bool = False):
    """Return ``text`` in the list's quiet grey (kept on one line with ``nowrap``)."""
    classes = "text-font-subtle-light dark:text-font-subtle-dark"
    return format_html(
        '<span class="{}">{}</span>', f"{classes} whitespace-nowrap" if nowrap else classes, text
    )


def _grouped_count(field: str):
    """Return a list column showing ``field`` with a comma every three digits (1,000,000)."""
    label = ImportRun._meta.get_field(field).verbose_name

    @admin.display(description=label, ordering=field)
    def column(self, obj):
        return grouped(getattr(obj, field))

    return column


class WhoseRunsFilter(admin.SimpleListFilter):
    """Split the runs a supervisor sees into their own imports and those of others."""

    title = _("imported by")
    parameter_name = "whose"

    def lookups(self, request, model_admin):
        return [("mine", _("me")), ("others", _("others"))]

    def queryset(self, request, queryset):
        if self.value() == "mine":
            return queryset.filter(user=request.user)
        if self.value() == "others":
            return queryset.exclude(user=request.user)
        return queryset


class RunRegionFilter(admin.SimpleListFilter):
    """The runs whose rows name one of the user's regions, for staff with a few regions.

    National staff would face hundreds of regions here; they search instead.
    """

    title = _("regions")
    parameter_name = "region"
    most = 60  # regions offered; a province has at most a few dozen

    def lookups(self, request, model_admin):
        codes = region_codes(request.user)
        if codes is ALL or not codes or len(codes) > self.most:
            return []
        return [(r.code, str(r)) for r in Region.objects.filter(code__in=codes).order_by("code")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(regions__contains=[self.value()])
        return queryset


@admin.register(ImportRun)
class ImportRunAdmin(AuditHistoryMixin, ImportFlowViews, ImportProgressViews, PortalModelAdmin):
    scope_exempt = "import runs are scoped by who ran them and the regions they name (visible_runs)"
    list_display = (
        "file_link",
        "started",
        "imported_by",
        "status_link",
        "rows_read",
        "created_count",
        "updated_count",
        "unchanged_count",
        "failed_count",
        "report_links",
    )
    list_display_links = None  # the file name links to the run's page, not to its raw record
    list_filter = ("status", "dry_run", WhoseRunsFilter, RunRegionFilter)
    list_select_related = ("user",)
    search_fields = ("file_name", "sha256", "user__username", "user__first_name", "user__last_name")
    show_full_result_count = False

    def get_queryset(self, request):
        runs = visible_runs(request.user, super().get_queryset(request))
        return runs.annotate(faults_shown=faulty_rows_shown_sql(request.user))

    def has_view_permission(self, request, obj=None):
        return may_see_runs(request.user)

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    rows_read = _grouped_count("rows")
    created_count = _grouped_count("created")
    updated_count = _grouped_count("updated")
    unchanged_count = _grouped_count("unchanged")

    @admin.display(description=ImportRun._meta.get_field("failed").verbose_name, ordering="failed")
    def failed_count(self, obj):
        """The run's faulty rows; for a supervisor, also how many are in their regions."""
        if obj.faults_shown == obj.failed:
            return grouped(obj.failed)
        in_regions = _("(%(count)s in your regions)") % {"count": grouped(obj.faults_shown)}
        # The note may wrap: kept on one line, it widened the English list past a
        # 1440-pixel screen.
        return format_html("{} {}", grouped(obj.failed), _subtle(in_regions))

    @admin.display(description=_("file name"), ordering="file_name")
    def file_link(self, obj):
        """Link to the run's page: its preview, or its progress, counts and first faults."""
        # A long name of letters and underscores breaks anywhere rather than widening
        # the list past the screen.
        return format_html(
            '<a class="text-primary-600" style="overflow-wrap: anywhere" href="{}">{}</a>',
            run_page_url(obj),
            obj.file_name,
        )

    @admin.display(description=_("started at"), ordering="started_at")
    def started(self, obj):
        when = timezone.localtime(obj.started_at).strftime("%Y-%m-%d %H:%M")
        return format_html('<span class="whitespace-nowrap">{}</span>', when)

    @admin.display(description=_("imported by"), ordering="user__username")
    def imported_by(self, obj):
        return obj.user or _("command line")

    @admin.display(description=pgettext_lazy("import run", "status"), ordering="status")
    def status_link(self, obj):
        """Show the status, and "dry run" after it for one that wrote nothing.

        A run awaiting confirmation or stopped links to its page. (A column of
        its own for dry runs showed Unfold's red cross for every real import.)
        """
        if obj.status in (ImportRun.Status.PREVIEW, ImportRun.Status.INTERRUPTED) or obj.stalled():
            status = format_html(
                '<a class="text-primary-600 whitespace-nowrap" href="{}">{}</a>',
                run_page_url(obj),
                obj.shown_status(),
            )
        else:
            status = format_html('<span class="whitespace-nowrap">{}</span>', obj.shown_status())
        if not obj.dry_run:
            return status
        # The two may wrap between them; neither wraps inside.
        return format_html("{} {}", status, _subtle(f"· {_('dry run')}", nowrap=True))

    @admin.display(description=_("error report"))
    def report_links(self, obj):
        """Link the report's downloads, when it holds a row the viewer may see; and the
        run's rows of other regions, which are no faults."""
        links = self._fault_links(obj)
        if not obj.other_region_rows or obj.faults_deleted_at:
            return links
        others = format_html(
            '<a class="text-primary-600 whitespace-nowrap" href="{}?code={}#faults">{}</a>',
            reverse("admin:accounts_importrun_progress", args=[obj.pk]),
            OTHER_REGION,
            _("rows of other regions: %(count)s") % {"count": grouped(obj.other_region_rows)},
        )
        return others if links == "—" else format_html("{}<br>{}", links, others)

    def _fault_links(self, obj):
        if obj.faults_deleted_at and (obj.failed or obj.other_region_rows):
            days = settings.IMPORT_FAULT_RETENTION_DAYS
            return _subtle(_("deleted after %(days)d days") % {"days": days})
        if not obj.faults_shown:
            if obj.failed:  # every faulty row names a region the viewer does not oversee
                return _subtle(_("no faulty row in your regions"))
            return "—"
        csv_url = reverse("admin:accounts_importrun_report", args=[obj.pk, "csv"])
        if obj.faults_shown > import_report.XLSX_MAX_FAULTS:
            return format_html('<a class="text-primary-600" href="{}">CSV</a>', csv_url)
        xlsx_url = reverse("admin:accounts_importrun_report", args=[obj.pk, "xlsx"])
        return format_html(
            '<a class="text-primary-600" href="{}">CSV</a> · '
            '<a class="text-primary-600" href="{}">XLSX</a>',
            csv_url,
            xlsx_url,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Send the viewer to the run's own page rather than its raw record.

        The raw record showed the stored file's path on the server and the
        faulty rows by region as JSON. A run the viewer may not see gets the
        admin's usual answer for a record that does not exist.
        """
        run = self.get_object(request, unquote(object_id))
        if run is None:
            return super().change_view(request, object_id, form_url, extra_context)
        return redirect(run_page_url(run))

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("upload/", wrap(self.upload_view), name="accounts_importrun_upload"),
            path(
                "upload/template.<str:fmt>",
                wrap(self.template_view),
                name="accounts_importrun_template",
            ),
            path("<int:pk>/preview/", wrap(self.preview_view), name="accounts_importrun_preview"),
            path("<int:pk>/confirm/", wrap(self.confirm_view), name="accounts_importrun_confirm"),
            path("<int:pk>/cancel/", wrap(self.cancel_view), name="accounts_importrun_cancel"),
            path("<int:pk>/resume/", wrap(self.resume_view), name="accounts_importrun_resume"),
            path(
                "<int:pk>/import-for-real/",
                wrap(self.import_for_real_view),
                name="accounts_importrun_import_for_real",
            ),
            path("<int:pk>/stop/", wrap(self.stop_view), name="accounts_importrun_stop"),
            path(
                "<int:pk>/progress/", wrap(self.progress_view), name="accounts_importrun_progress"
            ),
            path("<int:pk>/status.json", wrap(self.status_view), name="accounts_importrun_status"),
            path(
                "<int:pk>/report.<str:fmt>",
                wrap(self.report_view),
                name="accounts_importrun_report",
            ),
            path(
                "<int:pk>/rows-to-mend.xlsx",
                wrap(self.rows_to_mend_view),
                name="accounts_importrun_rows_to_mend",
            ),
            *super().get_urls(),
        ]
