"""The import's own pages for a run's file: upload, the blank template, preview, and
confirm, cancel, stop, resume or import for real (``ImportFlowViews``)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from accounts.admin.import_forms import ImportUploadForm
from accounts.choices import Via
from accounts.importing import preview as import_preview
from accounts.importing.changes import summary_lines
from accounts.importing.headers import MissingColumns
from accounts.importing.preview import Outcome
from accounts.importing.source import UnreadableFile
from accounts.importing.template import template_csv, template_xlsx
from accounts.models import ImportRun
from accounts.permissions import can_import
from accounts.selectors.imports import import_run_shown, other_regions_said
from accounts.services.imports import (
    UploadRefused,
    run_cancel,
    run_confirm,
    run_import_for_real,
    run_resume,
    run_stop,
    upload_accept,
)
from portal.exports import download
from portal.html import interpolate
from portal.templatetags.portal_format import grouped


class ImportFlowViews:
    """The views that take a file in and act on its run, for ``ImportRunAdmin``, which
    routes them (``get_urls``). Only who uploaded a file acts on its run."""

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
        show_others = request.GET.get("show") == "others"  # the rows of other regions too
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
            "groups": preview.groups(others=show_others) if preview else [],
            "change_summary": summary_lines(preview.change_summary) if preview else [],
            "other_regions": other_regions_said(preview.other_by_region if preview else {}),
            "other_regions_url": "" if show_others else "?show=others#rows-other_region",
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
