"""Reports 1 and 2: the review of kinship proofs — the backlog (cases open now, by age in
working days and region, the oldest ones) and the decisions (per caseworker, per day or
week, handling time, rejection reasons, overturns and spot checks).

The backlog reads the open cases live (a few thousand even at province scale, on the
queue's index). The decisions read ``reports_decision``, one narrow row per decision that a
trigger writes with its review event (no lag, no join).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import OPEN_PROOF_STATUSES, ProofStatus, RejectReason
from accounts.models import KinshipProof
from accounts.selectors.proofs import (
    overdue_before,
    review_deadline,
    working_calendar,
    younger_from,
)
from policies.models import Region
from policies.relations import DocumentType, Relation
from portal.stale_edits import staff_name
from reports.base import Report, register
from reports.router import reports_db
from reports.selectors import fetch, scope_sql
from reports.tables import MONTH, PERCENT, TEXT, TOTAL, Chart, Column, Table, share

#: the age bands of the backlog: (label, fewest, most working days; None: no upper bound)
AGE_BANDS = (
    ("0–1", 0, 1),
    ("2–3", 2, 3),
    ("4–7", 4, 7),
    (">7", 8, None),
)
#: the oldest open cases listed by name
OLDEST_LISTED = 20


def _proof_filters(filters) -> Q:
    """The cases ``filters`` count: decided in their regions, of their relation and type."""
    q = Q()
    if filters.regions is not None:
        q &= Q(region_id__in=sorted(filters.regions))
    if filters.relation:
        q &= Q(relation=filters.relation)
    if filters.document_type:
        q &= Q(document_type=filters.document_type)
    return q


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


@register
class BacklogReport(Report):
    slug = "backlog"
    title = _("Review backlog")
    icon = "pending_actions"
    description = _(
        "Cases waiting and in review now, by age in working days and region, those past "
        "the deadline, and the oldest ones."
    )
    filters = ("region", "relation", "document_type")
    position = 10
    counted_by = _(
        "Counted where the case is decided (the authorizer's agency); ages in working days "
        "since the case was taken in (or resubmitted), as the queue counts them."
    )

    def tables(self, *, user, filters):
        today = timezone.localdate()
        deadline = review_deadline()
        limits = {days: younger_from(days, today) for _, _, days in AGE_BANDS if days}
        past = overdue_before(today)
        cases = KinshipProof.objects.using(reports_db()).filter(_proof_filters(filters))
        open_cases = cases.filter(status__in=OPEN_PROOF_STATUSES)
        counts = {}
        for status in OPEN_PROOF_STATUSES:
            younger = None
            for label, _low, high in AGE_BANDS:
                band = Q(status=status)
                if high is not None:
                    band &= Q(submitted_at__gte=limits[high])
                if younger is not None:
                    band &= Q(submitted_at__lt=limits[younger])
                counts[f"{status}|{label}"] = Count("pk", filter=band)
                younger = high
        rows = list(
            cases.filter(status__in=[*OPEN_PROOF_STATUSES, ProofStatus.RETURNED])
            .values("region_id")
            .annotate(
                **counts,
                past=Count("pk", filter=Q(status__in=OPEN_PROOF_STATUSES, submitted_at__lt=past)),
                returned=Count("pk", filter=Q(status=ProofStatus.RETURNED)),
                oldest=Min("submitted_at", filter=Q(status__in=OPEN_PROOF_STATUSES)),
            )
            .order_by("region_id")
        )
        names = dict(
            Region.objects.using(reports_db())
            .filter(code__in=[r["region_id"] for r in rows])
            .values_list("code", "name")
        )
        oldest = list(
            open_cases.select_related("region", "claimed_by").order_by("submitted_at", "id")[
                :OLDEST_LISTED
            ]
        )
        calendar = working_calendar()

        def age(moment) -> int:
            return calendar.days_between(timezone.localdate(moment), today)

        return [
            self._by_age(rows, deadline),
            self._by_region(rows, names, age),
            self._oldest(oldest, age, deadline),
        ]

    def _by_age(self, rows, deadline) -> Table:
        body = []
        for label, _low, _high in AGE_BANDS:
            waiting = sum(r[f"{ProofStatus.SUBMITTED}|{label}"] for r in rows)
            in_review = sum(r[f"{ProofStatus.IN_REVIEW}|{label}"] for r in rows)
            body.append([label, waiting, in_review, waiting + in_review])
        everything = sum(r[3] for r in body)
        body = [[*r, share(r[3], everything)] for r in body]
        total = [str(TOTAL), *(sum(r[i] for r in body) for i in (1, 2, 3)), share(1, 1)]
        return Table(
            key="by_age",
            title=_("Open cases by age in working days"),
            columns=[
                Column("age", _("working days waited"), TEXT),
                Column(ProofStatus.SUBMITTED, ProofStatus.SUBMITTED.label),
                Column(ProofStatus.IN_REVIEW, ProofStatus.IN_REVIEW.label),
                Column("open", _("open")),
                Column("share", _("share"), PERCENT),
            ],
            rows=body if everything else [],
            total=total if everything else None,
            chart=Chart("bar", "age", (ProofStatus.SUBMITTED, ProofStatus.IN_REVIEW), stacked=True),
            note=_("A case is due within %(days)d working days; older ones are past it.")
            % {"days": deadline},
        )

    def _by_region(self, rows, names, age) -> Table:
        body = []
        for row in rows:
            waiting = sum(row[f"{ProofStatus.SUBMITTED}|{b[0]}"] for b in AGE_BANDS)
            in_review = sum(row[f"{ProofStatus.IN_REVIEW}|{b[0]}"] for b in AGE_BANDS)
            body.append(
                [
                    f"{row['region_id']} {names.get(row['region_id'], '')}".strip(),
                    waiting,
                    in_review,
                    row["past"],
                    age(row["oldest"]) if row["oldest"] else None,
                    row["returned"],
                ]
            )
        total = None
        if body:
            oldest = [r[4] for r in body if r[4] is not None]
            total = [
                str(TOTAL),
                *(sum(r[i] for r in body) for i in (1, 2, 3)),
                max(oldest) if oldest else None,
                sum(r[5] for r in body),
            ]
        return Table(
            key="by_region",
            title=_("Open cases by pooling region"),
            columns=[
                Column("region", _("pooling region"), TEXT),
                Column(ProofStatus.SUBMITTED, ProofStatus.SUBMITTED.label),
                Column(ProofStatus.IN_REVIEW, ProofStatus.IN_REVIEW.label),
                Column("past_deadline", _("past the deadline")),
                Column("oldest_days", _("oldest (working days)")),
                Column(ProofStatus.RETURNED, _("returned, awaiting the applicant")),
            ],
            rows=body,
            total=total,
            chart=Chart(
                "bar",
                "region",
                (ProofStatus.SUBMITTED, ProofStatus.IN_REVIEW),
                stacked=True,
                horizontal=True,
            ),
            note=_(
                "A case returned for more documents waits for the applicant, not for the "
                "agency: it is counted apart."
            ),
        )

    def _oldest(self, oldest, age, deadline) -> Table:
        zone = ZoneInfo(settings.TIME_ZONE)
        body, links = [], []
        for proof in oldest:
            days = age(proof.submitted_at)
            body.append(
                [
                    proof.case_number,
                    f"{proof.region_id} {proof.region.name}",
                    _label(Relation, proof.relation),
                    _label(DocumentType, proof.document_type),
                    _label(ProofStatus, proof.status),
                    staff_name(proof.claimed_by) if proof.claimed_by else "",
                    f"{proof.submitted_at.astimezone(zone):%Y-%m-%d %H:%M}",
                    days,
                    str(_("yes")) if days > deadline else "",
                ]
            )
            links.append({"case": reverse("admin:accounts_kinshipproof_review", args=[proof.pk])})
        return Table(
            key="oldest",
            title=_("The oldest open cases"),
            columns=[
                Column("case", _("case number"), TEXT),
                Column("region", _("pooling region"), TEXT),
                Column("relation", _("relation"), TEXT),
                Column("document_type", _("document type"), TEXT),
                Column("status", _("status"), TEXT),
                Column("claimed_by", _("claimed by"), TEXT),
                Column("submitted_at", _("taken in"), TEXT),
                Column("age", _("working days waited")),
                Column("past_deadline", _("past the deadline"), TEXT),
            ],
            rows=body,
            links=links,
            note=_("The %(count)d oldest; each case number opens its review screen.")
            % {"count": OLDEST_LISTED},
            wide=True,
        )


# --- decisions -------------------------------------------------------------------------------

_DECIDED = "('approve', 'reject', 'return')"


def _decision_where(filters) -> tuple[str, dict]:
    """The SQL condition on ``reports_decision d`` for ``filters``, and its parameters."""
    where = "d.day >= %(first)s AND d.day < %(after)s" + scope_sql("d.region", filters)
    params = {
        "first": filters.period.first,
        "after": filters.period.after,
        "regions": filters.regions_list(),
    }
    if filters.relation:
        where += " AND d.relation = %(relation)s"
        params["relation"] = filters.relation
    if filters.document_type:
        where += " AND d.document_type = %(document_type)s"
        params["document_type"] = filters.document_type
    return where, params


def _minutes(seconds) -> int | None:
    return None if seconds is None else round(seconds / 60)


def decision_steps(filters) -> list[dt.date]:
    """The days, or the Mondays of the weeks, of the period (the decisions' steps), up to
    today: the days and weeks still to come have no decisions to show."""
    first = filters.period.first
    end = min(filters.period.after, timezone.localdate() + dt.timedelta(days=1))
    if filters.step == "day":
        return [first + dt.timedelta(days=n) for n in range((end - first).days)]
    monday = first - dt.timedelta(days=first.weekday())
    return [
        monday + dt.timedelta(weeks=n)
        for n in range((end - monday).days // 7 + 1)
        if monday + dt.timedelta(weeks=n) < end
    ]


@register
class DecisionsReport(Report):
    slug = "decisions"
    title = _("Review decisions")
    icon = "fact_check"
    description = _(
        "Decisions per caseworker, per day or week: approved, rejected, returned, the "
        "median handling time, rejection reasons, overturned decisions and spot checks."
    )
    filters = ("period", "region", "relation", "document_type", "step")
    position = 20
    counted_by = _(
        "Decisions taken in the period, counted where the case is decided (the authorizer's "
        "agency); handling time runs from the case's claim to its decision."
    )

    def tables(self, *, user, filters):
        where, params = _decision_where(filters)
        people = self._per_caseworker_rows(where, params)
        unit = "day" if filters.step == "day" else "week"
        # each step's figures (is_total) and each caseworker's in each step, in one reading
        per_step = fetch(
            f"""
            SELECT x.step, x.actor_id, GROUPING(x.actor_id) = 1 AS is_total,
                   count(*) FILTER (WHERE x.outcome = 'approve') AS approved,
                   count(*) FILTER (WHERE x.outcome = 'reject') AS rejected,
                   count(*) FILTER (WHERE x.outcome = 'return') AS returned,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY x.handled_seconds)
                       AS median_seconds
              FROM (SELECT date_trunc('{unit}', d.day)::date AS step,
                           d.actor_id, d.outcome, d.handled_seconds
                      FROM reports_decision d
                     WHERE {where} AND d.outcome IN {_DECIDED}) x
             GROUP BY GROUPING SETS ((x.step), (x.step, x.actor_id))
            """,
            params,
        )
        names = self._names({r["who"] for r in people} | {r["actor_id"] for r in per_step})
        per_step_totals = [r for r in per_step if r["is_total"]]
        per_step = [r for r in per_step if not r["is_total"]]
        return [
            self._per_caseworker(people, names),
            self._per_step(per_step_totals, filters),
            self._caseworker_by_step(per_step, names, filters),
            self._reasons(where, params),
            self._quality(where, params, filters),
        ]

    def table(self, key, *, user, filters):
        # an export of a table that needs neither the steps nor the other tables' queries
        where, params = _decision_where(filters)
        if key == "per_caseworker":
            people = self._per_caseworker_rows(where, params)
            return self._per_caseworker(people, self._names({r["who"] for r in people}))
        if key == "reasons":
            return self._reasons(where, params)
        if key == "quality":
            return self._quality(where, params, filters)
        return super().table(key, user=user, filters=filters)

    @staticmethod
    def _names(ids) -> dict:
        ids = [i for i in ids if i is not None]
        users = get_user_model().objects.using(reports_db()).filter(pk__in=ids)
        return {u.pk: staff_name(u) for u in users}

    @staticmethod
    def _per_caseworker_rows(where, params):
        return fetch(
            f"""
            SELECT CASE WHEN d.outcome = 'overturn' THEN d.decision_of_id ELSE d.actor_id END
                       AS who,
                   count(*) FILTER (WHERE d.outcome = 'approve') AS approved,
                   count(*) FILTER (WHERE d.outcome = 'reject') AS rejected,
                   count(*) FILTER (WHERE d.outcome = 'return') AS returned,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY d.handled_seconds)
                       FILTER (WHERE d.outcome IN {_DECIDED}) AS median_seconds,
                   count(*) FILTER (WHERE d.outcome = 'overturn') AS overturned,
                   count(*) FILTER (WHERE d.outcome = 'reject' AND d.spot_check)
                       AS spot_checks_failed
              FROM reports_decision d
             WHERE {where} AND d.outcome IN ('approve', 'reject', 'return', 'overturn')
             GROUP BY 1
            """,
            params,
        )

    def _per_caseworker(self, people, names) -> Table:
        body = []
        for row in people:
            decisions = row["approved"] + row["rejected"] + row["returned"]
            if not decisions and not row["overturned"]:
                continue
            body.append(
                [
                    names.get(row["who"], str(_("system"))),
                    row["approved"],
                    row["rejected"],
                    row["returned"],
                    decisions,
                    _minutes(row["median_seconds"]),
                    row["overturned"],
                    row["spot_checks_failed"],
                ]
            )
        body.sort(key=lambda r: (-r[4], r[0]))
        total = None
        if body:
            total = [str(TOTAL), *(sum(r[i] for r in body) for i in (1, 2, 3, 4)), None]
            total += [sum(r[6] for r in body), sum(r[7] for r in body)]
        return Table(
            key="per_caseworker",
            title=_("Decisions per caseworker"),
            columns=[
                Column("caseworker", _("caseworker"), TEXT),
                Column("approved", _("approved")),
                Column("rejected", _("rejected")),
                Column("returned", _("returned")),
                Column("decisions", _("decisions")),
                Column("median_minutes", _("median handling time (minutes)")),
                Column("overturned", _("of them overturned")),
                Column("spot_checks_failed", _("spot checks failed")),
            ],
            rows=body,
            total=total,
            chart=Chart(
                "bar",
                "caseworker",
                ("approved", "rejected", "returned"),
                stacked=True,
                horizontal=True,
            ),
            note=_(
                "Overturned: decisions of the caseworker a supervisor overturned in the period."
            ),
            wide=True,
        )

    def _per_step(self, per_step, filters) -> Table:
        found = {r["step"]: r for r in per_step}
        body = []
        for step in decision_steps(filters):
            row = found.get(step)
            if row is None:
                body.append([step.isoformat(), 0, 0, 0, 0, None])
                continue
            decisions = row["approved"] + row["rejected"] + row["returned"]
            body.append(
                [
                    step.isoformat(),
                    row["approved"],
                    row["rejected"],
                    row["returned"],
                    decisions,
                    _minutes(row["median_seconds"]),
                ]
            )
        total = [str(TOTAL), *(sum(r[i] for r in body) for i in (1, 2, 3, 4)), None]
        per = _("day") if filters.step == "day" else _("week (from Monday)")
        return Table(
            key="per_step",
            title=_("Decisions per %(step)s") % {"step": per},
            columns=[
                Column("step", per, TEXT),
                Column("approved", _("approved")),
                Column("rejected", _("rejected")),
                Column("returned", _("returned")),
                Column("decisions", _("decisions")),
                Column("median_minutes", _("median handling time (minutes)")),
            ],
            rows=body if any(r[4] for r in body) else [],
            total=total if any(r[4] for r in body) else None,
            chart=Chart("line", "step", ("approved", "rejected", "returned")),
            wide=True,
        )

    def _caseworker_by_step(self, per_step, names, filters) -> Table:
        steps = decision_steps(filters)
        cells: dict = defaultdict(dict)
        for row in per_step:
            who = names.get(row["actor_id"], str(_("system")))
            cells[who][row["step"]] = row["approved"] + row["rejected"] + row["returned"]
        keys = [s.isoformat() for s in steps]
        body = [
            [who, *(by_step.get(s, 0) for s in steps), sum(by_step.values())]
            for who, by_step in sorted(cells.items(), key=lambda kv: -sum(kv[1].values()))
        ]
        total = None
        if body:
            total = [str(TOTAL), *(sum(r[i] for r in body) for i in range(1, len(steps) + 2))]
        return Table(
            key="caseworker_by_step",
            title=_("Decisions per caseworker and %(step)s")
            % {"step": _("day") if filters.step == "day" else _("week")},
            columns=[
                Column("caseworker", _("caseworker"), TEXT),
                *(Column(k, f"{s:%m-%d}") for k, s in zip(keys, steps, strict=True)),
                Column("decisions", _("decisions")),
            ],
            rows=body,
            total=total,
            chart=Chart("heatmap", "caseworker", tuple(keys)),
            note=_("Weeks are named by their Monday; approvals, rejections and returns together."),
            wide=True,
        )

    def _reasons(self, where, params) -> Table:
        rows = fetch(
            f"""
            SELECT d.reason, count(*) AS count,
                   count(*) FILTER (WHERE d.spot_check) AS spot_checks
              FROM reports_decision d
             WHERE {where} AND d.outcome = 'reject'
             GROUP BY 1
            """,
            params,
        )
        found = {r["reason"]: r for r in rows}
        every = sum(r["count"] for r in rows)
        body = [
            [
                str(reason.label),
                found[reason]["count"],
                share(found[reason]["count"], every),
                found[reason]["spot_checks"],
            ]
            for reason in RejectReason
            if reason in found
        ]
        body.sort(key=lambda r: -r[1])
        return Table(
            key="reasons",
            title=_("Why cases were rejected"),
            columns=[
                Column("reason", _("reason"), TEXT),
                Column("rejected", _("rejected")),
                Column("share", _("share"), PERCENT),
                Column("spot_checks", _("of them spot checks")),
            ],
            rows=body,
            total=[str(TOTAL), every, share(every, every), sum(r[3] for r in body)]
            if body
            else None,
            chart=Chart("bar", "reason", ("rejected",), horizontal=True),
        )

    def _quality(self, where, params, filters) -> Table:
        rows = fetch(
            f"""
            SELECT date_trunc('month', d.day)::date AS month,
                   count(*) FILTER (WHERE d.outcome IN {_DECIDED}) AS decisions,
                   count(*) FILTER (WHERE d.outcome = 'overturn') AS overturned,
                   count(*) FILTER (WHERE d.outcome = 'spot_check_drawn') AS drawn,
                   count(*) FILTER (WHERE d.outcome IN ('approve', 'reject') AND d.spot_check)
                       AS checked,
                   count(*) FILTER (WHERE d.outcome = 'reject' AND d.spot_check) AS failed
              FROM reports_decision d
             WHERE {where}
             GROUP BY 1
            """,
            params,
        )
        found = {r["month"]: r for r in rows}
        body = []
        for month in filters.period.months():
            row = found.get(month, {})
            decisions, overturned = row.get("decisions", 0), row.get("overturned", 0)
            checked, failed = row.get("checked", 0), row.get("failed", 0)
            body.append(
                [
                    month,
                    decisions,
                    overturned,
                    share(overturned, decisions),
                    row.get("drawn", 0),
                    checked,
                    failed,
                    share(failed, checked),
                ]
            )
        sums = [sum(r[i] for r in body) for i in (1, 2, 4, 5, 6)]
        total = [
            str(TOTAL),
            sums[0],
            sums[1],
            share(sums[1], sums[0]),
            sums[2],
            sums[3],
            sums[4],
            share(sums[4], sums[3]),
        ]
        return Table(
            key="quality",
            title=_("Overturned decisions and spot checks per month"),
            columns=[
                Column("month", _("month"), MONTH),
                Column("decisions", _("decisions")),
                Column("overturned", _("overturned")),
                Column("overturned_share", _("overturned share"), PERCENT),
                Column("drawn", _("spot checks drawn")),
                Column("checked", _("spot checks decided")),
                Column("failed", _("spot checks failed")),
                Column("failed_share", _("failed share"), PERCENT),
            ],
            rows=body if any(sums) else [],
            total=total if any(sums) else None,
            chart=Chart("line", "month", ("overturned", "failed")),
            note=_(
                "A spot check is drawn when a pledge binds at once; it fails when the case "
                "is then rejected, which revokes the binding."
            ),
            wide=True,
        )
