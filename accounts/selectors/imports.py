"""Read-side queries for import runs: what a run's pages and the home page show of them."""

from __future__ import annotations

from django.db.models import Case, F, IntegerField, Q, When
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.models import ImportRun
from accounts.permissions import visible_runs
from policies.models import Region
from portal.scoping import ALL, region_codes

REGIONS_NAMED = 12  # regions named on a run's page; a national file may name hundreds


def faulty_rows_shown(run: ImportRun, regions) -> int:
    """Return how many faulty rows of ``run`` the report shows (see ``fault_regions``).

    In rows, as ``run.failed`` counts them: a row may have several faults.
    """
    if regions is None or run.faulty_rows_by_region is None:
        return run.failed  # None: the faults were deleted before the counts were recorded
    return sum(run.faulty_rows_by_region.get(code, 0) for code in regions)


def faulty_rows_shown_sql(user):
    """Return ``faulty_rows_shown`` for each run of a list, as an SQL expression.

    The same rule as ``fault_regions``: the uploader and national staff see
    every faulty row; others those of their regions. A run without counts by
    region (its faults deleted before they were recorded) shows its total.
    """
    codes = region_codes(user)
    if user.is_superuser or codes is ALL:
        return F("failed")
    in_regions = RawSQL(
        "(SELECT coalesce(sum(value::bigint), 0) "
        "FROM jsonb_each_text(accounts_importrun.faulty_rows_by_region) WHERE key = ANY(%s))",
        [sorted(codes)],
        output_field=IntegerField(),
    )
    return Case(
        When(Q(user=user) | Q(faulty_rows_by_region__isnull=True), then=F("failed")),
        default=in_regions,
        output_field=IntegerField(),
    )


def run_page_url(run: ImportRun) -> str:
    """Return the page of ``run``: its preview while it awaits confirmation, else its progress."""
    page = "preview" if run.status == ImportRun.Status.PREVIEW else "progress"
    return reverse(f"admin:accounts_importrun_{page}", args=[run.pk])


def regions_named(run: ImportRun) -> str:
    """Return the regions a run's rows name, as its page lists them (the first few)."""
    named = Region.objects.filter(code__in=run.regions[:REGIONS_NAMED]).order_by("code")
    said = "、".join(str(region) for region in named)
    if len(run.regions) > REGIONS_NAMED:
        more = len(run.regions) - REGIONS_NAMED
        said += " " + _("and %(count)d more") % {"count": more}
    return said


def regions_counted(counts: dict[str, int], most: int = REGIONS_NAMED) -> tuple[list, int]:
    """Return rows counted by region code as (region shown, rows), the most rows first, at
    most ``most`` of them; and how many regions are left unnamed."""
    ordered = sorted(counts.items(), key=lambda c: (-c[1], c[0]))
    shown = ordered[:most]
    names = Region.objects.in_bulk([code for code, _rows in shown])
    return [(str(names.get(code, code)), rows) for code, rows in shown], len(ordered) - len(shown)


def other_regions_said(counts: dict[str, int] | None) -> dict:
    """Return what a run's page or a preview says of the rows of other regions (by region
    code, ``ImportRun.other_rows_by_region``): how many, and in which regions."""
    named, unnamed = regions_counted(counts or {})
    return {
        "count": sum((counts or {}).values()),
        "regions": [{"region": region, "rows": rows} for region, rows in named],
        "more": unnamed,
    }


def import_run_shown(user, run_id: int | None):
    """Return how a person's page names the import that last wrote a value of theirs:
    number, file, who and when; a link to the run's page if ``user`` may open it."""
    if run_id is None:
        return "—"
    run = ImportRun.objects.select_related("user").filter(pk=run_id).first()
    if run is None:  # runs are kept; a run deleted by hand is still named
        return _("Import no. %(id)d") % {"id": run_id}
    text = _("Import no. %(id)d · %(file)s · %(who)s · %(when)s") % {
        "id": run.pk,
        "file": run.file_name,
        "who": run.user or _("command line"),
        "when": timezone.localtime(run.started_at).strftime("%Y-%m-%d %H:%M"),
    }
    if user is None or not visible_runs(user, ImportRun.objects.filter(pk=run.pk)).exists():
        return text
    url = reverse("admin:accounts_importrun_progress", args=[run.pk])
    return format_html('<a class="text-primary-600" href="{}">{}</a>', url, text)


def earlier_imports(sha256: str):
    """Return finished, real (not dry-run) imports of a file with this SHA-256."""
    return ImportRun.objects.filter(
        sha256=sha256, dry_run=False, status=ImportRun.Status.FINISHED
    ).order_by("-started_at")


def imports_under_way(sha256: str) -> list[ImportRun]:
    """Return the real imports of a file with this SHA-256 that are queued or running now
    (not those whose process went away), newest first.

    A caseworker who finds a large import slow may upload the same file again; two imports
    of one file at once write every row twice for nothing.
    """
    runs = ImportRun.objects.filter(
        sha256=sha256, dry_run=False, status=ImportRun.Status.RUNNING
    ).select_related("user")
    now = timezone.now()
    return [run for run in runs.order_by("-started_at") if not run.stalled(now)]
