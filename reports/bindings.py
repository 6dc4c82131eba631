"""Report 3: bindings — active by region and relation, same-province or across provinces,
new and revoked per month, revocations by reason (automatic ones included)."""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext_lazy as _

from accounts.choices import RevokeReason
from policies.relations import Relation
from reports.base import Report, register
from reports.choices import Geography
from reports.selectors.bindings import binding_figures
from reports.tables import MONTH, PERCENT, TEXT, TOTAL, Chart, Column, Table, share

#: revocations no person chose: the enrolment import or a person's page ended them
AUTOMATIC_REASONS = frozenset({RevokeReason.ENROLMENT_ENDED, RevokeReason.LEFT_EMPLOYEE_INSURANCE})


@register
class BindingsReport(Report):
    slug = "bindings"
    title = _("Bindings")
    icon = "bar_chart"
    description = _(
        "Active bindings by region and relation, within the province or across, "
        "new and revoked per month, and why they were revoked."
    )
    summary = "bindings"
    filters = ("period", "region", "relation", "document_type")
    position = 30
    counted_by = _(
        "Counted where the authorizer is insured (参保地); active bindings are "
        "those active at the end of the last month."
    )

    def tables(self, *, user, filters):
        rows = binding_figures(filters)
        return [
            self._by_region(rows),
            self._by_relation(rows),
            self._per_month(rows, filters),
            self._by_reason(rows),
        ]

    def _by_region(self, rows) -> Table:
        regions: dict[str, dict] = defaultdict(lambda: defaultdict(int))
        names = {}
        for row in rows:
            if not row["by_region"]:
                continue
            code = row["authorizer_region"]
            names[code] = row["region_name"]
            regions[code][row["geo"]] += row["active"]
            regions[code]["new"] += row["new"]
            regions[code]["ended"] += row["ended"] + row["withdrawn"]
        body = []
        for code in sorted(regions):
            counts = regions[code]
            same = counts[Geography.SAME_REGION]
            province = counts[Geography.SAME_PROVINCE]
            cross = counts[Geography.CROSS_PROVINCE]
            if not (same or province or cross or counts["new"] or counts["ended"]):
                continue
            body.append(
                [
                    f"{code} {names[code]}",
                    same,
                    province,
                    cross,
                    same + province + cross,
                    counts["new"],
                    counts["ended"],
                ]
            )
        total = [str(TOTAL), *(sum(r[i] for r in body) for i in range(1, 7))]
        return Table(
            key="by_region",
            title=_("Active bindings by pooling region"),
            columns=[
                Column("region", _("authorizer's pooling region"), TEXT),
                Column(Geography.SAME_REGION, Geography.SAME_REGION.label),
                Column(Geography.SAME_PROVINCE, Geography.SAME_PROVINCE.label),
                Column(Geography.CROSS_PROVINCE, _("cross-province")),
                Column("active", _("active")),
                Column("new", _("activated in the period")),
                Column("ended", _("revoked in the period")),
            ],
            rows=body,
            total=total,
            chart=Chart(
                "bar",
                "region",
                (Geography.SAME_REGION, Geography.SAME_PROVINCE, Geography.CROSS_PROVINCE),
                stacked=True,
                horizontal=True,
            ),
            note=_("Where the beneficiary is insured, seen from the authorizer's region."),
        )

    def _by_relation(self, rows) -> Table:
        found = {row["relation"]: row for row in rows if row["by_relation"]}
        body = []
        all_active = sum(row["active"] for row in found.values())
        for relation in Relation:
            row = found.get(relation)
            if row is None or not (row["active"] or row["in_period"]):
                continue
            body.append(
                [
                    str(relation.label),
                    row["active"],
                    share(row["active"], all_active),
                    row["new"],
                    row["ended"] + row["withdrawn"],
                ]
            )
        total = [
            str(TOTAL),
            sum(r[1] for r in body),
            share(all_active, all_active) if body else None,
            sum(r[3] for r in body),
            sum(r[4] for r in body),
        ]
        return Table(
            key="by_relation",
            title=_("Active bindings by relation"),
            columns=[
                Column("relation", _("relation (beneficiary to authorizer)"), TEXT),
                Column("active", _("active")),
                Column("share", _("share of active (%)"), PERCENT),
                Column("new", _("activated in the period")),
                Column("ended", _("revoked in the period")),
            ],
            rows=body,
            total=total,
            chart=Chart("bar", "relation", ("active",), horizontal=True),
        )

    def _per_month(self, rows, filters) -> Table:
        months: dict = defaultdict(lambda: defaultdict(int))
        for row in rows:
            if row["by_month"]:
                months[row["month"]][row["event"]] += row["in_period"] or 0
                months[row["month"]]["delta"] += row["active"]
        first = filters.period.first
        running = sum(m["delta"] for month, m in months.items() if month < first)
        body = []
        for month in filters.period.months():
            counts = months.get(month, {})
            running += counts.get("delta", 0)
            body.append(
                [
                    month,
                    counts.get("activated", 0),
                    counts.get("ended", 0),
                    counts.get("withdrawn", 0),
                    running,
                ]
            )
        total = [str(TOTAL), *(sum(r[i] for r in body) for i in (1, 2, 3)), running]
        return Table(
            key="per_month",
            title=_("New and revoked bindings per month"),
            columns=[
                Column("month", _("month"), MONTH),
                Column("activated", _("activated")),
                Column("ended", _("active binding revoked")),
                Column("withdrawn", _("revoked before it was active")),
                Column("active", _("active at the end of the month")),
            ],
            rows=body,
            total=total,
            chart=Chart("line", "month", ("activated", "ended", "withdrawn")),
            note=_("The totals row gives the bindings active at the end of the period."),
        )

    def _by_reason(self, rows) -> Table:
        found: dict[str, dict] = defaultdict(lambda: defaultdict(int))
        for row in rows:
            if row["by_reason"] and row["event"] != "activated":
                found[row["reason"]][row["event"]] += row["in_period"]
        body = []
        order = [*RevokeReason.values, *sorted(set(found) - set(RevokeReason.values))]
        for reason in order:
            if reason not in found:
                continue
            counts = found[reason]
            label = RevokeReason(reason).label if reason in RevokeReason.values else reason
            ended, withdrawn = counts["ended"], counts["withdrawn"]
            if not (ended or withdrawn):
                continue
            body.append(
                [
                    str(label),
                    str(_("automatic") if reason in AUTOMATIC_REASONS else _("by a person")),
                    ended,
                    withdrawn,
                    ended + withdrawn,
                ]
            )
        total = [str(TOTAL), "", *(sum(r[i] for r in body) for i in (2, 3, 4))]
        return Table(
            key="by_reason",
            title=_("Revocations by reason"),
            columns=[
                Column("reason", _("reason for revocation"), TEXT),
                Column("automatic", _("made"), TEXT),
                Column("ended", _("active binding revoked")),
                Column("withdrawn", _("revoked before it was active")),
                Column("total", _("revocations")),
            ],
            rows=body,
            total=total,
            chart=Chart("bar", "reason", ("ended", "withdrawn"), stacked=True, horizontal=True),
            note=_(
                "Within the period. Automatic revocations follow a change of enrolment "
                "(an import or a person's page)."
            ),
        )
