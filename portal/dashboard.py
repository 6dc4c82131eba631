"""The admin home page: what a caseworker needs at the start of the day."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.selectors.persons import person_counts_by_region
from portal.navigation import ROLE_LABELS


def dashboard_callback(request, context: dict) -> dict:
    """Add the counts of persons in the user's regions and quick links to ``context``."""
    rows = person_counts_by_region(user=request.user)
    persons_url = reverse("admin:accounts_insuredperson_changelist")
    context.update(
        {
            "region_rows": [
                {**row, "url": f"{persons_url}?region__code__exact={row['region_code']}"}
                for row in rows
            ],
            "total_persons": sum(r["persons"] for r in rows),
            "total_employee": sum(r["employee"] for r in rows),
            "total_resident": sum(r["resident"] for r in rows),
            "persons_url": persons_url,
            "scope_label": _scope_label(request.user),
            "role_labels": [
                str(ROLE_LABELS.get(name, name))
                for name in request.user.groups.values_list("name", flat=True)
            ],
            "recent_runs": _recent_runs(request.user),
            "report_links": _report_links(request.user),
            "my_queue": _my_queue(request.user),
        }
    )
    return context


def _my_queue(user) -> dict | None:
    """Return a reviewer's own queue figures for the home page: the cases claimed and
    waiting, those past the deadline, and their own decisions today and this week (with the
    median handling time). None for who does not review. Two queries."""
    from accounts.models import KinshipProof
    from accounts.permissions import may_review_proofs, visible_proofs
    from accounts.selectors.proofs import queue_counts
    from reports.selectors.proofs import own_decisions

    if not may_review_proofs(user):
        return None
    counts = queue_counts(visible_proofs(user, KinshipProof.objects.all()), user)
    queue = reverse("admin:accounts_kinshipproof_changelist")
    return {
        **counts,
        "decided": own_decisions(user),
        "urls": {tab: f"{queue}?queue={tab}" for tab in ("mine", "unclaimed", "overdue")},
        "claim_next_url": reverse("admin:accounts_kinshipproof_claim_next"),
    }


def _report_links(user) -> list[dict] | None:
    """Return the supervisor reports for the home page; None for who may not open them."""
    from reports.permissions import may_see_reports
    from reports.views import report_links

    return report_links() if may_see_reports(user) else None


RECENT_RUNS = 5  # import runs on the home page; 导入记录 lists them all


def _recent_runs(user) -> list[dict] | None:
    """Return the latest import runs the user may see, for the home page; None if none may be."""
    from accounts.models import ImportRun
    from accounts.permissions import may_see_runs, visible_runs
    from accounts.selectors.imports import faulty_rows_shown_sql, run_page_url

    if not may_see_runs(user):
        return None
    runs = visible_runs(user, ImportRun.objects.select_related("user")).order_by("-started_at")
    runs = runs.annotate(faults_shown=faulty_rows_shown_sql(user))
    return [{"run": run, "url": run_page_url(run)} for run in runs[:RECENT_RUNS]]


def _scope_label(user) -> str:
    from portal.scoping import ALL, region_codes

    codes = region_codes(user)
    if codes is ALL:
        return _("All regions")
    if not codes:
        return _("No regions assigned yet: ask a supervisor to assign your regions.")
    return _("%(count)d pooling regions") % {"count": len(codes)}
