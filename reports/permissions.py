"""Who sees the supervisor reports: supervisors, auditors and superusers."""

from __future__ import annotations

VIEW_REPORTS = "reports.view_reports"


def may_see_reports(user) -> bool:
    """Return whether ``user`` may open the reports (every page and export re-checks it)."""
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and (user.is_superuser or user.has_perm(VIEW_REPORTS))
    )
