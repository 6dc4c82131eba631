"""Report 5: enrollment imports — runs with their counts and refused rows, linking to the
error reports. Read live from the import runs (a few thousand a year: no summary needed)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Case, Count, F, IntegerField, Q, Sum, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.choices import ImportStatus
from accounts.models import ImportRun
from accounts.permissions import visible_runs
from accounts.selectors.imports import faulty_rows_shown_sql, run_page_url
from reports.base import Report, register
from reports.tables import MONTH, TEXT, TOTAL, Chart, Column, Table

#: runs listed by name in the table of runs with refused rows
LISTED_RUNS = 50


def _rows_in(column, regions):
    """A run's rows counted by region in ``column`` that name one of ``regions``."""
    return RawSQL(
        f"(SELECT coalesce(sum(value::bigint), 0) "
        f"FROM jsonb_each_text(accounts_importrun.{column}) WHERE key = ANY(%s))",
        [sorted(regions)],
        output_field=IntegerField(),
    )


def import_runs(*, user, filters):
    """Return the runs the report counts, each with ``faults_shown``: its refused rows in the
    regions asked for (every region the viewer may see, as the runs list counts them, when
    no region is asked for), and ``others_shown``: its rows of regions the importer may not
    write, left for their caseworkers (of the regions asked for, or all of them)."""
    runs = ImportRun.objects.filter(
        started_at__gte=filters.period.start, started_at__lt=filters.period.end
    ).exclude(status__in=[ImportStatus.PREVIEW, ImportStatus.CANCELLED])
    runs = visible_runs(user, runs)
    if filters.region:
        regions = filters.regions_list()
        faults = Case(
            When(faulty_rows_by_region__isnull=True, then=0),
            default=_rows_in("faulty_rows_by_region", regions),
            output_field=IntegerField(),
        )
        others = _rows_in("other_rows_by_region", regions)
        runs = runs.filter(
            Q(regions__overlap=regions) | Q(other_rows_by_region__has_any_keys=regions)
        )
    else:
        faults = faulty_rows_shown_sql(user)
        others = F("other_region_rows")
    return runs.annotate(faults_shown=faults, others_shown=others)


@register
class ImportsReport(Report):
    slug = "imports"
    title = _("Enrollment imports")
    icon = "analytics"
    description = _(
        "Import runs per month with their counts and refused rows; the runs with "
        "refused rows link to their error reports."
    )
    filters = ("period", "region")
    position = 50
    counted_by = _(
        "Runs whose rows name one of the regions; refused rows are those of these regions, "
        "other counts are of the whole file."
    )

    def tables(self, *, user, filters):
        runs = import_runs(user=user, filters=filters)
        return [
            self._per_month(runs, filters),
            self._by_status(runs),
            self._with_faults(runs),
        ]

    def _per_month(self, runs, filters) -> Table:
        zone = ZoneInfo(settings.TIME_ZONE)
        real = Q(dry_run=False)
        per_month = {
            row["month"].date() if hasattr(row["month"], "date") else row["month"]: row
            for row in runs.annotate(month=TruncMonth("started_at", tzinfo=zone))
            .values("month")
            .annotate(
                runs=Count("id", filter=real),
                dry_runs=Count("id", filter=~real),
                rows_read=Sum("rows", filter=real, default=0),
                created_rows=Sum("created", filter=real, default=0),
                updated_rows=Sum("updated", filter=real, default=0),
                unchanged_rows=Sum("unchanged", filter=real, default=0),
                failed_rows=Sum("faults_shown", filter=real, default=0),
                other_rows=Sum("others_shown", filter=real, default=0),
            )
            .order_by("month")
        }
        keys = [
            "runs",
            "dry_runs",
            "rows_read",
            "created_rows",
            "updated_rows",
            "unchanged_rows",
            "failed_rows",
            "other_rows",
        ]
        rows = []
        for month in filters.period.months():
            row = per_month.get(month, {})
            rows.append([month, *(row.get(k, 0) for k in keys)])
        total = [str(TOTAL), *(sum(r[i + 1] for r in rows) for i in range(len(keys)))]
        return Table(
            key="per_month",
            title=_("Import runs per month"),
            columns=[
                Column("month", _("month"), MONTH),
                Column("runs", _("imports")),
                Column("dry_runs", _("dry runs")),
                Column("rows_read", _("rows read")),
                Column("created_rows", _("created")),
                Column("updated_rows", _("updated")),
                Column("unchanged_rows", _("unchanged")),
                Column("failed_rows", _("refused rows")),
                Column("other_rows", _("rows of other regions")),
            ],
            rows=rows,
            total=total,
            chart=Chart(
                "bar", "month", ("created_rows", "updated_rows", "failed_rows"), stacked=True
            ),
            note=_(
                "Rows of real imports; a dry run writes nothing and is only counted. Rows of "
                "other regions are those the importer may not write, left for their "
                "caseworkers: not refused."
            ),
            wide=True,
        )

    def _by_status(self, runs) -> Table:
        counted = {
            row["status"]: row
            for row in runs.values("status")
            .annotate(
                runs=Count("id"),
                rows_read=Sum("rows", default=0),
                failed_rows=Sum("faults_shown", default=0),
            )
            .order_by()
        }
        rows = [
            [
                str(status.label),
                counted[status]["runs"],
                counted[status]["rows_read"],
                counted[status]["failed_rows"],
            ]
            for status in ImportStatus
            if status in counted
        ]
        total = [str(TOTAL), *(sum(r[i] for r in rows) for i in (1, 2, 3))] if rows else None
        return Table(
            key="by_status",
            title=_("Import runs by how they ended"),
            columns=[
                Column("status", _("status"), TEXT),
                Column("runs", _("runs")),
                Column("rows_read", _("rows read")),
                Column("failed_rows", _("refused rows")),
            ],
            rows=rows,
            total=total,
            chart=Chart("bar", "status", ("runs",), horizontal=True),
            note=_("Dry runs included."),
        )

    def _with_faults(self, runs) -> Table:
        listed = list(
            runs.filter(faults_shown__gt=0)
            .select_related("user")
            .order_by("-started_at", "-id")[:LISTED_RUNS]
        )
        rows, links = [], []
        for run in listed:
            rows.append(
                [
                    f"{run.started_at.astimezone(ZoneInfo(settings.TIME_ZONE)):%Y-%m-%d %H:%M}",
                    run.file_name,
                    str(run.user or _("command line")),
                    run.shown_status() + (f" · {_('dry run')}" if run.dry_run else ""),
                    run.rows,
                    run.faults_shown,
                ]
            )
            link = {"file_name": run_page_url(run)}
            if run.faults_deleted_at is None:  # the report is there to download
                link["failed_rows"] = reverse(
                    "admin:accounts_importrun_report", args=[run.pk, "csv"]
                )
            links.append(link)
        return Table(
            key="with_faults",
            title=_("Latest runs with refused rows"),
            columns=[
                Column("started_at", _("started at"), TEXT),
                Column("file_name", _("file name"), TEXT),
                Column("user", _("imported by"), TEXT),
                Column("status", _("status"), TEXT),
                Column("rows_read", _("rows read")),
                Column("failed_rows", _("refused rows (error report)")),
            ],
            rows=rows,
            links=links,
            note=_("The %(count)d latest; the import runs page lists every run.")
            % {"count": LISTED_RUNS},
            wide=True,
        )
