"""Read-side queries of the review reports that other pages use too."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, FloatField, Q
from django.db.models.aggregates import Aggregate
from django.utils import timezone

from reports.models import DECIDED, Decision
from reports.router import reports_db


class Median(Aggregate):
    """The median of a column (PostgreSQL's ``percentile_cont(0.5)``)."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def own_decisions(user, today: dt.date | None = None) -> dict:
    """Return ``user``'s decisions today and this week (from Monday), by outcome, with the
    median handling time in minutes of each: one query, on the decisions table."""
    today = today or timezone.localdate()
    day = timezone.make_aware(dt.datetime.combine(today, dt.time()))
    week = day - dt.timedelta(days=today.weekday())
    mine = Decision.objects.using(reports_db()).filter(
        actor_id=user.pk, outcome__in=DECIDED, at__gte=week
    )
    figures = {}
    for name, since in (("today", day), ("week", week)):
        when = Q(at__gte=since)
        for outcome in DECIDED:
            figures[f"{name}_{outcome}"] = Count("pk", filter=when & Q(outcome=outcome))
        figures[f"{name}_median"] = Median(F("handled_seconds"), filter=when)
    found = mine.aggregate(**figures)
    result = {}
    for name in ("today", "week"):
        counts = {outcome: found[f"{name}_{outcome}"] for outcome in DECIDED}
        median = found[f"{name}_median"]
        result[name] = {
            "approved": counts["approve"],
            "rejected": counts["reject"],
            "returned": counts["return"],
            "decisions": sum(counts.values()),
            "median_minutes": None if median is None else round(median / 60),
        }
    return result
