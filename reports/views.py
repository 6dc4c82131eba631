"""The report pages and their exports, inside the portal's AdminSite.

Every view re-checks :func:`may_see_reports` (a caseworker who types the URL gets 403)
and reads inside :func:`reading_reports`, from the replica when there is one.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from policies.relations import DocumentType, Relation
from portal.exports import csv_for_excel, download, xlsx_bytes
from reports.base import load
from reports.filters import ReportFilterForm
from reports.models import FoldState
from reports.permissions import may_see_reports
from reports.router import reading_reports

EXPORT_FORMATS = ("csv", "xlsx")
#: rows per piece of a streamed CSV
CSV_PIECE = 5000


def report_urls(site) -> list:
    """The URLs of the reports, for ``PortalAdminSite.get_urls``."""

    def wrap(view):
        def bound(request, *args, **kwargs):
            return view(site, request, *args, **kwargs)

        return site.admin_view(bound)

    return [
        path("reports/", wrap(index_view), name="reports_index"),
        path("reports/<slug:slug>/", wrap(report_view), name="reports_report"),
        path(
            "reports/<slug:slug>/<slug:table>.<str:fmt>",
            wrap(export_view),
            name="reports_export",
        ),
    ]


def _check(request):
    if not may_see_reports(request.user):
        raise PermissionDenied


def _report(slug):
    report = load().get(slug)
    if report is None:
        raise Http404
    return report


def report_links() -> list[dict]:
    """Each report's title, icon, description and URL (the index, the home page)."""
    return [
        {
            "slug": report.slug,
            "title": report.title,
            "icon": report.icon,
            "description": report.description,
            "url": reverse("admin:reports_report", args=[report.slug]),
        }
        for report in load().values()
    ]


def index_view(site, request):
    """List the reports."""
    _check(request)
    context = {
        **site.each_context(request),
        "title": _("Reports"),
        "reports": report_links(),
    }
    return TemplateResponse(request, "reports/index.html", context)


def summary_as_of(name: str):
    """Return until when summary ``name`` is current (None: never folded yet)."""
    state = FoldState.objects.filter(name=name).first()
    return state.as_of if state else None


def report_view(site, request, slug):
    """Show a report: the filter bar, then each table with its chart and export links."""
    _check(request)
    report = _report(slug)
    with reading_reports():
        form = ReportFilterForm(request.GET, user=request.user, fields=report.filters)
        filters = form.filters()
        tables = report.tables(user=request.user, filters=filters) if filters else []
        query = filters.query() if filters else ""
        sections = [
            {
                "table": table,
                "rows": table.shown_rows(),
                "chart_id": f"chart-{table.key}",
                "chart": table.chart_data(),
                "exports": [
                    (
                        fmt.upper(),
                        reverse("admin:reports_export", args=[slug, table.key, fmt])
                        + (f"?{query}" if query else ""),
                    )
                    for fmt in EXPORT_FORMATS
                ],
            }
            for table in tables
        ]
        context = {
            **site.each_context(request),
            "title": report.title,
            "report": report,
            "reports": report_links(),
            "form": form,
            "filters": filters,
            "region_label": form.region_label() if filters else "",
            "relation_label": Relation(filters.relation).label
            if filters and filters.relation
            else "",
            "document_type_label": DocumentType(filters.document_type).label
            if filters and filters.document_type
            else "",
            "now": timezone.localtime(),
            "sections": sections,
            "summary": report.summary,
            "as_of": summary_as_of(report.summary) if report.summary else None,
        }
        response = TemplateResponse(request, "reports/report.html", context)
        response.render()
    return response


def export_view(site, request, slug, table, fmt):
    """Download one table of a report, as shown with the same filters, as CSV or XLSX."""
    _check(request)
    report = _report(slug)
    if fmt not in EXPORT_FORMATS:
        raise Http404
    with reading_reports():
        form = ReportFilterForm(request.GET, user=request.user, fields=report.filters)
        filters = form.filters()
        if filters is None:
            errors = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in form.errors.items()
            )
            return HttpResponseBadRequest(errors, content_type="text/plain; charset=utf-8")
        shown = report.table(table, user=request.user, filters=filters)
    if shown is None:
        raise Http404
    name = f"{report.title}-{shown.title}-{filters.period}.{fmt}"
    if fmt == "csv":
        return download(csv_for_excel(shown.header(), shown.export_rows(), CSV_PIECE), name)
    sheet = re.sub(r"[\[\]:*?/\\]", " ", str(shown.title))[:31]
    return download(xlsx_bytes(sheet, shown.header(), shown.export_rows()), name)
