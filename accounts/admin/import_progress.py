"""A run's own page: its progress and counts, the JSON the page polls, and the downloads
of its error report and of its rows to mend (``ImportProgressViews``)."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.importing import report as import_report
from accounts.importing.changes import fields_unset_said, summary_lines
from accounts.importing.records import OTHER_REGION
from accounts.importing.report import (
    fault_label,
    faults_by_code,
    report_csv_chunks,
    report_xlsx,
    rows_to_mend_xlsx,
    run_faults,
    value_in_column,
)
from accounts.models import ImportRun
from accounts.permissions import can_import, fault_regions
from accounts.selectors.imports import (
    earlier_imports,
    faulty_rows_shown,
    other_regions_said,
    regions_named,
)
from accounts.services.imports import can_import_for_real, can_resume
from portal.exports import download


def xlsx_too_large(count: int) -> str:
    """Say why a report of ``count`` faulty rows is offered as CSV only."""
    return _(
        "The report has %(count)s faults, more than an XLSX report is made for "
        "(%(max)s): download it as CSV, which Excel opens as well."
    ) % {"count": f"{count:,}", "max": f"{import_report.XLSX_MAX_FAULTS:,}"}


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
_CODE = re.compile(r"[a-z_]{1,40}")


def code_asked(request) -> str:
    """Return the fault code the page or download is filtered by (``?code=``), "" for none:
    every fault but the rows of other regions."""
    code = request.GET.get("code", "")
    return code if _CODE.fullmatch(code) else ""


class ImportProgressViews:
    """The views of a run the user may see, for ``ImportRunAdmin``, which routes them
    (``get_urls``): a supervisor oversees the runs in their regions here."""

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
        code = code_asked(request)
        first_faults = []
        if run.finished_at:
            first_faults = list(run_faults(run, regions, code)[: FAULTS_SHOWN + 1])
        more_faults = len(first_faults) > FAULTS_SHOWN
        first_faults = first_faults[:FAULTS_SHOWN]
        for fault in first_faults:
            fault.value = value_in_column(run, fault)
        fault_codes = []
        if run.finished_at and not run.faults_deleted_at and (run.failed or run.other_region_rows):
            fault_codes = faults_by_code(run, regions)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import of %(name)s") % {"name": run.file_name},
            "run": run,
            "opts": self.opts,
            "xlsx_too_large": faults_shown > import_report.XLSX_MAX_FAULTS,
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
            "fields_unset": fields_unset_said(run.fields_unset) or "",
            "change_summary": summary_lines(run.change_summary),
            "other_regions": other_regions_said(run.other_rows_by_region),
            "code": code,
            "code_label": fault_label(code) if code else "",
            "other_region_code": OTHER_REGION,
            "fault_codes": fault_codes,
            "more_faults": more_faults,
            "xlsx_max_faults": import_report.XLSX_MAX_FAULTS,
            # once the run is done, its rows of other regions are listed on this page
            "other_regions_url": f"?code={OTHER_REGION}#faults" if run.finished_at else "",
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
                "other_region_rows": run.other_region_rows,
                "change_summary": [
                    {"field": field, "change": change, "rows": rows}
                    for field, change, rows in summary_lines(run.change_summary)
                ],
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

    def _too_large_for_xlsx(self, request, run, regions, code=""):
        """Return a redirect to the run's page saying why, when the faulty rows the user
        sees (of ``code``, if given) are more than an XLSX download is made for; None
        otherwise."""
        if code:
            count = run_faults(run, regions, code).count()
        else:
            count = faulty_rows_shown(run, regions)
        if count <= import_report.XLSX_MAX_FAULTS:
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
        code = code_asked(request)
        if too_large := self._too_large_for_xlsx(request, run, regions, code):
            return too_large
        rows = rows_to_mend_xlsx(run, run_faults(run, regions, code))
        return download(rows, f"待修改的行-第{run.pk}号{_file_suffix(code)}.xlsx")

    def report_view(self, request, pk, fmt):
        """Download the error report of a run the user may see, as CSV or XLSX."""
        if fmt not in ("csv", "xlsx"):
            raise PermissionDenied
        run, regions, gone = self._run_with_faults(request, pk)
        if gone:
            return gone
        code = code_asked(request)
        faults = run_faults(run, regions, code)
        stem = f"导入错误报告-第{run.pk}号{_file_suffix(code)}"
        if fmt == "xlsx":
            if too_large := self._too_large_for_xlsx(request, run, regions, code):
                return too_large
            return download(report_xlsx(run, faults), f"{stem}.xlsx")
        return download(report_csv_chunks(run, faults), f"{stem}.csv")


def _file_suffix(code: str) -> str:
    """Return what a download's name adds for a report of one fault code: -其他统筹区的行."""
    if not code:
        return ""
    return "-" + ("其他统筹区的行" if code == OTHER_REGION else code)
