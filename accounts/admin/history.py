"""A record's history page lists its audit events, which the services write."""

from __future__ import annotations

from django.contrib.admin.views.main import PAGE_VAR

from accounts.services.audit import audit_trail

HISTORY_PER_PAGE = 100  # as Django's own history page


class AuditHistoryMixin:
    """List the record's ``AuditEvent`` rows on its history page, oldest first.

    Django's page lists ``LogEntry`` rows, which only the admin writes; the services write
    an audit event for every change, from the admin, a command, the worker or a job.
    """

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        context = getattr(response, "context_data", None)
        if not context or "object" not in context:
            return response  # the record is not there, or may not be seen
        events = audit_trail(context["object"]).select_related("actor")
        paginator = self.get_paginator(request, events, HISTORY_PER_PAGE)
        page = paginator.get_page(request.GET.get(PAGE_VAR, 1))
        context.update(
            action_list=page,
            page_range=paginator.get_elided_page_range(page.number),
            pagination_required=paginator.count > HISTORY_PER_PAGE,
        )
        return response
