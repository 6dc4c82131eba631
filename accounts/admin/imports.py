"""Admin pages for enrollment import runs: the record of each run and its error report."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from unfold.widgets import UnfoldAdminFileFieldWidget, UnfoldBooleanSwitchWidget

from accounts.admin.history import AuditHistoryMixin
from accounts.choices import Via
from accounts.importing import preview as import_preview
from accounts.importing.headers import MissingColumns
from accounts.importing.preview import Outcome
from accounts.importing.report import (
    XLSX_MAX_FAULTS,
    report_csv_chunks,
    report_xlsx,
    rows_to_mend_xlsx,
    run_faults,
    value_in_column,
)
from accounts.importing.source import UnreadableFile
from accounts.importing.template import template_csv, template_xlsx
from accounts.models import ImportRun
from accounts.permissions import can_import, fault_regions, may_see_runs, visible_runs
from accounts.selectors.imports import (
    earlier_imports,
    faulty_rows_shown,
    faulty_rows_shown_sql,
    import_run_shown,
    regions_named,
    run_page_url,
)
from accounts.services.imports import (
    UploadRefused,
    can_import_for_real,
    can_resume,
    run_cancel,
    run_confirm,
    run_import_for_real,
    run_resume,
    run_stop,
    upload_accept,
)
from policies.models import Region
from portal.admin_base import PortalModelAdmin
from portal.exports import download
from portal.html import interpolate
from portal.scoping import ALL, region_codes
from portal.templatetags.portal_format import grouped


def xlsx_too_large(count: int) -> str:
    """Say why a report of ``count`` faulty rows is offered as CSV only."""
    return _(
        "The report has %(count)s faults, more than an XLSX report is made for "
        "(%(max)s): download it as CSV, which Excel opens as well."
    ) % {"count": f"{count:,}", "max": f"{XLSX_MAX_FAULTS:,}"}


def faults_deleted_message(run: ImportRun) -> str:
    """Say that ``run``'s row errors were deleted at the end of their retention, and when."""
    return _(
        "The error details of this import (which quoted the refused rows, personal data "
        "included) were deleted on %(date)s, %(days)d days after it ended. The counts stay."
    ) % {
        "date": timezone.localtime(run.faults_deleted_at).strftime("%Y-%m-%d"),
        "days": settings.IMPORT_FAULT_RETENTION_DAYS,
    }


FAULTS_SHOWN = 20  # faults listed on a run's page; the report has them all


def _subtle(text: str, *, nowrap: bool = False):
    """Return ``text`` in the list's quiet grey (kept on one line with ``nowrap``)."""
    classes = "text-font-subtle-light dark:text-font-subtle-dark"
    return format_html(
        '<span class="{}">{}</span>', f"{classes} whitespace-nowrap" if nowrap else classes, text
    )


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("enrollment file"),
        help_text=_(
            "CSV (UTF-8 or GB18030, as Excel saves it; commas or tabs) with a header row, or XLSX, "
            "whose first sheet with a header row is read."
        ),
        widget=UnfoldAdminFileFieldWidget,
    )
    dry_run = forms.BooleanField(
        label=_("dry run: check and count, write nothing"),
        required=False,
        widget=UnfoldBooleanSwitchWidget,
    )
    import_again = forms.BooleanField(
        label=_("import again even if this file was imported before or is being imported now"),
        required=False,
        widget=UnfoldBooleanSwitchWidget,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(max)d MB."),
                code="too_large",
                params={"max": settings.IMPORT_UPLOAD_MAX_BYTES // 1024**2},
            )
        return upload


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
class ImportRunAdmin(AuditHistoryMixin, PortalModelAdmin):
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
        """Link the report's downloads, when it holds a row the viewer may see."""
        if obj.faults_deleted_at and obj.failed:
            days = settings.IMPORT_FAULT_RETENTION_DAYS
            return _subtle(_("deleted after %(days)d days") % {"days": days})
        if not obj.faults_shown:
            if obj.failed:  # every faulty row names a region the viewer does not oversee
                return _subtle(_("no faulty row in your regions"))
            return "—"
        csv_url = reverse("admin:accounts_importrun_report", args=[obj.pk, "csv"])
        if obj.faults_shown > XLSX_MAX_FAULTS:
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

    def upload_view(self, request):
        """Accept an enrollment file and check its header now.

        A small file is shown as a preview to confirm; a large one (or a dry
        run) is imported in the background straight away.
        """
        if not can_import(request.user):
            raise PermissionDenied
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            response = self._accept_upload(request, form)
            if response is not None:
                return response
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import enrollment data"),
            "form": form,
            "opts": self.opts,
            "max_mb": settings.IMPORT_UPLOAD_MAX_BYTES // 1024**2,
            "preview_max_rows": f"{import_preview.PREVIEW_MAX_ROWS:,}",
        }
        return TemplateResponse(request, "admin/accounts/import_upload.html", context)

    def template_view(self, request, fmt):
        """Download a blank enrollment file to fill in, as XLSX or CSV (``importing.template``)."""
        if not can_import(request.user) or fmt not in ("csv", "xlsx"):
            raise PermissionDenied
        return download(template_xlsx() if fmt == "xlsx" else template_csv(), f"参保数据模板.{fmt}")

    def _accept_upload(self, request, form):
        """Hand the upload to ``upload_accept``; return where to go next, or None with form
        errors (the file is unreadable, or was imported before and the box is unticked)."""
        try:
            accepted = upload_accept(
                actor=request.user,
                upload=form.cleaned_data["file"],
                dry_run=form.cleaned_data["dry_run"],
                import_again=form.cleaned_data["import_again"],
            )
        except UploadRefused as refusal:
            if refusal.message is not None:
                form.add_error("file", str(refusal.message))
            else:
                form.add_error("import_again", self._seen_before(request, refusal))
            return None
        page = "progress" if accepted.preview is None else "preview"
        return redirect(f"admin:accounts_importrun_{page}", accepted.run.pk)

    def _seen_before(self, request, refusal: UploadRefused):
        """Say why a file seen before is not imported again unasked, naming that run."""
        if refusal.code == "being_imported":
            return interpolate(
                _(
                    "This file is being imported right now (%(run)s), %(rows)s rows read so "
                    "far. Follow it on its page; tick the box only to import it a second time "
                    "at once."
                ),
                run=import_run_shown(request.user, refusal.run.pk),
                rows=grouped(refusal.run.rows),
            )
        return interpolate(
            _("This file was already imported (%(run)s). Tick the box to import it again."),
            run=import_run_shown(request.user, refusal.run.pk),
        )

    def _run_to_import(self, request, pk) -> ImportRun:
        """Return run ``pk`` if it is the user's own (any, for a superuser); 404 or 403 otherwise.

        Only who uploaded a file confirms, cancels or reruns its import: a
        supervisor who sees the run oversees it.
        """
        if not can_import(request.user):
            raise PermissionDenied
        runs = self.get_queryset(request).select_related("user")
        if not request.user.is_superuser:
            runs = runs.filter(user=request.user)
        return get_object_or_404(runs, pk=pk)

    def preview_view(self, request, pk):
        """Show what importing a run's file would do now, with buttons to confirm or cancel."""
        run = self._run_to_import(request, pk)
        if run.status != ImportRun.Status.PREVIEW:
            return redirect("admin:accounts_importrun_progress", run.pk)
        problem = ""
        preview = None
        try:
            # As the import will: with the regions of the user who uploaded the file.
            preview = import_preview.preview_enrollment(path=Path(run.stored_file), user=run.user)
        except (UnreadableFile, MissingColumns) as error:
            problem = str(error)
        except OSError:
            problem = _("The uploaded file is no longer stored. Cancel, and upload it again.")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Preview of %(name)s") % {"name": run.file_name},
            "run": run,
            "preview": preview,
            "counts": [
                (outcome.value, outcome.label, count)
                for outcome, count in (
                    (Outcome.NEW, preview.created),
                    (Outcome.CHANGED, preview.updated),
                    (Outcome.UNCHANGED, preview.unchanged),
                    (Outcome.ERROR, preview.failed),
                )
            ]
            if preview
            else [],
            "groups": preview.groups() if preview else [],
            "shown_per_outcome": import_preview.SHOWN_PER_OUTCOME,
            "problem": problem,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/accounts/import_preview.html", context)

    def confirm_view(self, request, pk):
        """Start the import of a previewed run in the background (POST only)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        run = self._run_to_import(request, pk)
        if not run_confirm(actor=request.user, via=Via.ADMIN, run=run):
            messages.warning(request, _("This import was no longer awaiting confirmation."))
        return redirect("admin:accounts_importrun_progress", run.pk)

    def cancel_view(self, request, pk):
        """Cancel a previewed run and delete its stored file (POST only)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        run = self._run_to_import(request, pk)
        if not run_cancel(actor=request.user, via=Via.ADMIN, run=run):
            messages.warning(request, _("This import was no longer awaiting confirmation."))
            return redirect("admin:accounts_importrun_progress", run.pk)
        messages.success(
            request,
            _("Import of %(name)s cancelled; nothing was written.") % {"name": run.file_name},
        )
        return redirect("admin:accounts_importrun_upload")

    def stop_view(self, request, pk):
        """Stop a queued or running import of the user's own (POST only); keep what it wrote."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        run = self._run_to_import(request, pk)
        if not run_stop(actor=request.user, via=Via.ADMIN, run=run):
            messages.warning(request, _("This import had already ended."))
            return redirect("admin:accounts_importrun_progress", run.pk)
        # The page says what came of it: stopped, or stopping after the rows being written.
        return redirect("admin:accounts_importrun_progress", run.pk)

    def _file_imported_anew(self, request, pk, start, refused, done):
        """Start a new run of run ``pk``'s stored file with the service ``start`` (POST
        only), and go to its page; say ``refused`` if it cannot be started, else ``done``."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        run = self._run_to_import(request, pk)
        new = start(actor=request.user, via=Via.ADMIN, run=run)
        if new is None:
            messages.warning(request, refused)
            return redirect("admin:accounts_importrun_progress", run.pk)
        messages.success(request, done)
        return redirect("admin:accounts_importrun_progress", new.pk)

    def resume_view(self, request, pk):
        """Run the file of an import that ended early again, as a new run (POST only): its
        process went away, or it was stopped on request."""
        return self._file_imported_anew(
            request,
            pk,
            run_resume,
            _("This import cannot be run again: it is still moving, or its file is gone."),
            _("The file is being imported again."),
        )

    def import_for_real_view(self, request, pk):
        """Import the file of a finished dry run for real, as a new run (POST only)."""
        return self._file_imported_anew(
            request,
            pk,
            run_import_for_real,
            _("Only a finished dry run whose file is still kept can be imported for real."),
            _("The file is being imported for real."),
        )

    def progress_view(self, request, pk):
        """Show a run's progress bar, counts and, once finished, its error report."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        run = get_object_or_404(self.get_queryset(request).select_related("user"), pk=pk)
        if run.status == ImportRun.Status.PREVIEW:
            return redirect("admin:accounts_importrun_preview", run.pk)
        regions = fault_regions(request.user, run)
        faults_shown = faulty_rows_shown(run, regions)
        # Only who ran the import (or a superuser) acts on it, as in ``_run_to_import``.
        may_act = can_import(request.user) and (
            run.user_id == request.user.pk or request.user.is_superuser
        )
        first_faults = list(run_faults(run, regions)[:FAULTS_SHOWN]) if run.finished_at else []
        for fault in first_faults:
            fault.value = value_in_column(run, fault)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import of %(name)s") % {"name": run.file_name},
            "run": run,
            "opts": self.opts,
            "xlsx_too_large": faults_shown > XLSX_MAX_FAULTS,
            "faults_filtered": regions is not None,
            "faults_shown": faults_shown,
            "first_faults": first_faults,
            "faults_deleted": faults_deleted_message(run) if run.faults_deleted_at else "",
            "regions_named": regions_named(run),
            "stopped": run.status == ImportRun.Status.INTERRUPTED or run.stalled(),
            "can_resume": may_act and can_resume(run),
            "can_import_for_real": may_act and can_import_for_real(run),
            # a real import of the same file, which importing this one for real would repeat
            "imported_before": earlier_imports(run.sha256).first()
            if may_act and run.dry_run
            else None,
            "can_import": can_import(request.user),
            "can_stop": may_act
            and run.status == ImportRun.Status.RUNNING
            and not run.stop_requested_at
            and not run.stalled(),
            "stop_requested": run.status == ImportRun.Status.RUNNING
            and bool(run.stop_requested_at),
            "waiting_long": run.waiting_long(),
            "stalled_minutes": settings.IMPORT_STALLED_MINUTES,
            # the page's script fills these in with the pace it sees
            "pace_texts": {
                "pace": _(" · %(rate)s rows a second · %(left)s"),
                "minutes": _("about %(n)s min left"),
                "under_a_minute": _("under a minute left"),
            },
        }
        return TemplateResponse(request, "admin/accounts/import_progress.html", context)

    def status_view(self, request, pk):
        """Return a run's state as JSON for the progress page."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        run = get_object_or_404(self.get_queryset(request), pk=pk)
        return JsonResponse(
            {
                "status": run.status,
                "status_label": run.shown_status(),
                "progress": run.progress,
                "rows": run.rows,
                "created": run.created,
                "updated": run.updated,
                "unchanged": run.unchanged,
                "failed": run.failed,
                "message": run.shown_message,
                "warnings": run.shown_warnings,
                "encoding": run.shown_encoding(),
                "regions": regions_named(run),
                "done": run.finished_at is not None,
                # the process went away, or no worker has begun the run: the page reloads
                # to say so (and to offer running the file again)
                "stalled": run.stalled(),
                "waiting_long": run.waiting_long(),
            }
        )

    def _run_with_faults(self, request, pk):
        """Return the run ``pk`` the user may see and the regions of the faults they see;
        or a redirect to its page, saying why, when its faults were deleted."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        run = get_object_or_404(self.get_queryset(request), pk=pk)
        if run.faults_deleted_at:
            messages.warning(request, faults_deleted_message(run))
            return run, None, redirect("admin:accounts_importrun_progress", run.pk)
        return run, fault_regions(request.user, run), None

    def _too_large_for_xlsx(self, request, run, regions):
        """Return a redirect to the run's page saying why, when the faulty rows the user
        sees are more than an XLSX download is made for; None otherwise."""
        if (count := faulty_rows_shown(run, regions)) <= XLSX_MAX_FAULTS:
            return None
        messages.warning(request, xlsx_too_large(count))
        return redirect("admin:accounts_importrun_progress", run.pk)

    def rows_to_mend_view(self, request, pk):
        """Download the faulty rows once each, as the file had them, to mend and import again."""
        run, regions, gone = self._run_with_faults(request, pk)
        if gone:
            return gone
        if not run.header:  # a run from before the header was kept: the report has the rows
            raise Http404
        if too_large := self._too_large_for_xlsx(request, run, regions):
            return too_large
        rows = rows_to_mend_xlsx(run, run_faults(run, regions))
        return download(rows, f"待修改的行-第{run.pk}号.xlsx")

    def report_view(self, request, pk, fmt):
        """Download the error report of a run the user may see, as CSV or XLSX."""
        if fmt not in ("csv", "xlsx"):
            raise PermissionDenied
        run, regions, gone = self._run_with_faults(request, pk)
        if gone:
            return gone
        faults = run_faults(run, regions)
        stem = f"导入错误报告-第{run.pk}号"
        if fmt == "xlsx":
            if too_large := self._too_large_for_xlsx(request, run, regions):
                return too_large
            return download(report_xlsx(run, faults), f"{stem}.xlsx")
        return download(report_csv_chunks(run, faults), f"{stem}.csv")
