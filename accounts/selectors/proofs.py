"""Read-side queries for the review of kinship proofs: the queue, a case's age in working
days against the deadline, and everything the review screen shows of a case.

Every function here reads a constant number of queries, whatever the size of the queue or
the number of a case's pages, events and bindings.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import (
    LIVE_BINDING_STATUSES,
    OPEN_PROOF_STATUSES,
    MissingDocument,
    ProofStatus,
    RejectReason,
)
from accounts.models import Binding, KinshipProof, ProofEvent, ProofPage
from accounts.selectors.bindings import findings_shown
from accounts.selectors.scans import (
    PersonFinding,
    ScanFindings,
    SeenElsewhere,
    pages_seen_elsewhere,
    scan_findings,
)
from policies.models import PolicyVersion
from portal.scoping import ALL, region_codes

#: a beneficiary already bound (live) by this many other authorizers is a red flag
SEVERAL_AUTHORIZERS = 2
#: a flag of pages seen elsewhere names at most this many of the other cases
CASES_NAMED = 3
#: the review screen lists at most this many of each person's other bindings
BINDINGS_SHOWN = 10


# --- working days ----------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkingCalendar:
    """Monday to Friday, less ``holidays``, plus the weekend days worked instead (``makeup``)."""

    holidays: tuple[dt.date, ...] = ()
    makeup: tuple[dt.date, ...] = ()

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.makeup:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def days_between(self, start: dt.date, end: dt.date) -> int:
        """Return the working days after ``start`` up to and including ``end`` (0 when ``end``
        is not after ``start``): a case taken in on a Friday is 1 day old on Monday."""
        if end <= start:
            return 0
        weeks, rest = divmod((end - start).days, 7)
        count = weeks * 5
        for offset in range(rest):  # the last ``rest`` days: end - rest + 1 … end
            if (end - dt.timedelta(days=offset)).weekday() < 5:
                count += 1
        count -= self._between(self.holidays, start, end, weekend=False)
        count += self._between(self.makeup, start, end, weekend=True)
        return count

    @staticmethod
    def _between(days: tuple[dt.date, ...], start, end, *, weekend: bool) -> int:
        """How many of the sorted ``days`` in (start, end] fall on a weekend (or on a weekday)."""
        low, high = bisect.bisect_right(days, start), bisect.bisect_right(days, end)
        return sum((day.weekday() >= 5) == weekend for day in days[low:high])

    def last_day_past(self, today: dt.date, deadline: int) -> dt.date:
        """Return the latest day a case could be taken in and be past ``deadline`` today
        (more than ``deadline`` working days old); every earlier day is too."""
        day, age = today, 0
        while age <= deadline:
            if self.is_working_day(day):
                age += 1
            day -= dt.timedelta(days=1)
        return day


@lru_cache(maxsize=4)
def _calendar(holidays: tuple, makeup: tuple) -> WorkingCalendar:
    return WorkingCalendar(tuple(sorted(set(holidays))), tuple(sorted(set(makeup))))


def working_calendar() -> WorkingCalendar:
    """The calendar of ``settings.PROOF_HOLIDAYS`` and ``settings.PROOF_MAKEUP_WORKDAYS``."""
    return _calendar(
        tuple(getattr(settings, "PROOF_HOLIDAYS", ())),
        tuple(getattr(settings, "PROOF_MAKEUP_WORKDAYS", ())),
    )


def review_deadline() -> int:
    """Working days a case may wait for its decision (``settings.PROOF_REVIEW_DEADLINE_DAYS``)."""
    return int(getattr(settings, "PROOF_REVIEW_DEADLINE_DAYS", 5))


@dataclass(frozen=True)
class Age:
    """A case's age in working days, against the deadline."""

    days: int
    deadline: int
    #: still open and past the deadline
    overdue: bool
    #: open, and its last working day before the deadline is today
    due_today: bool


def proof_age(proof: KinshipProof, today: dt.date | None = None) -> Age:
    """Return the working days ``proof`` has waited: until today while it is open, until its
    decision once decided. No query."""
    calendar, deadline = working_calendar(), review_deadline()
    today = today or timezone.localdate()
    since = timezone.localdate(proof.submitted_at)
    is_open = proof.status in OPEN_PROOF_STATUSES
    until = today if is_open or proof.decided_at is None else timezone.localdate(proof.decided_at)
    days = calendar.days_between(since, until)
    return Age(
        days=days,
        deadline=deadline,
        overdue=is_open and days > deadline,
        due_today=is_open and days == deadline,
    )


def younger_from(days: int, today: dt.date | None = None) -> dt.datetime:
    """Return the first moment a case may have been taken in and be at most ``days``
    working days old today (a filter on ``submitted_at`` the queue's index serves)."""
    today = today or timezone.localdate()
    last = working_calendar().last_day_past(today, days)
    return timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time()))


def overdue_before(today: dt.date | None = None) -> dt.datetime:
    """Return the moment before which an open case taken in is past the deadline today."""
    return younger_from(review_deadline(), today)


# --- the queue -------------------------------------------------------------------------------


def decided_here(user) -> Q:
    """The cases whose authorizer's agency is one of ``user``'s (theirs to claim and decide)."""
    codes = region_codes(user)
    if codes is ALL:
        return Q()
    return Q(region_id__in=sorted(codes or ()))


def queue_tab(queryset: QuerySet[KinshipProof], tab: str, user) -> QuerySet[KinshipProof]:
    """Return the cases of one tab of the queue: ``mine`` (claimed by ``user``, in review),
    ``unclaimed`` (waiting in ``user``'s agency), ``open`` (both states, every visible
    case), ``overdue`` (open and past the deadline), ``decided`` or ``all``."""
    if tab == "mine":
        return queryset.filter(status=ProofStatus.IN_REVIEW, claimed_by=user)
    if tab == "unclaimed":
        return queryset.filter(decided_here(user), status=ProofStatus.SUBMITTED)
    if tab == "open":
        return queryset.filter(status__in=OPEN_PROOF_STATUSES)
    if tab == "overdue":
        return queryset.filter(status__in=OPEN_PROOF_STATUSES, submitted_at__lt=overdue_before())
    if tab == "decided":
        return queryset.exclude(status__in=OPEN_PROOF_STATUSES)
    return queryset


def queue_counts(queryset: QuerySet[KinshipProof], user) -> dict[str, int]:
    """Return how many cases the tabs ``mine``, ``unclaimed`` and ``overdue`` hold, in one
    query (``queryset``: the cases ``user`` may see)."""
    return queryset.filter(status__in=OPEN_PROOF_STATUSES).aggregate(
        mine=Count("pk", filter=Q(status=ProofStatus.IN_REVIEW, claimed_by=user)),
        unclaimed=Count("pk", filter=Q(decided_here(user), status=ProofStatus.SUBMITTED)),
        overdue=Count("pk", filter=Q(submitted_at__lt=overdue_before())),
    )


def first_pages_of(proof_ids: list[int]) -> dict[int, int]:
    """Return the first page of each of the cases ``proof_ids`` (for the queue's thumbnails),
    by case: one query for a list's page of cases, never for the whole queue."""
    if not proof_ids:
        return {}
    rows = (
        ProofPage.objects.filter(proof_id__in=proof_ids)
        .order_by("proof_id", "number")
        .distinct("proof_id")
        .values_list("proof_id", "pk")
    )
    return dict(rows)


# --- the review screen -----------------------------------------------------------------------


@dataclass
class Flag:
    """A red flag on the review screen: it decides nothing; the reviewer does."""

    code: str
    message: str
    #: "engine" (the rules' plausibility checks), "scan" (OCR, duplicate pages) or "history"
    source: str


@dataclass
class PersonPanel:
    role: str  # "authorizer" | "beneficiary"
    person: object
    finding: PersonFinding
    #: the person's other bindings, newest first: dicts of binding, gives (bool), other
    bindings: list[dict] = field(default_factory=list)
    more_bindings: bool = False


@dataclass
class ReviewScreen:
    proof: KinshipProof
    pages: list[ProofPage]
    findings: ScanFindings
    seen_elsewhere: list[SeenElsewhere]
    persons: list[PersonPanel]
    violations: list
    engine_flags: list
    flags: list[Flag]
    #: other cases of the same pair, newest first
    pair_cases: list[KinshipProof]
    events: list[ProofEvent]
    #: users the events name (reassignments), by pk
    users: dict
    age: Age
    #: the users who took the case in or added pages to it (four-eyes)
    intake_users: set[int]
    #: {page id: [{"box": [[x, y] * 4], "kind": ..., "label": ...}]} for the viewer
    boxes: dict


def proof_for_review(queryset: QuerySet[KinshipProof], pk: int) -> KinshipProof | None:
    """Return case ``pk`` from ``queryset`` (the viewer's visible cases) with everything its
    screen shows joined in, or None. The policy versions come in a second query: joined
    too, the planner spent longer on the twelve-table join than the database on the rows."""
    proof = (
        queryset.select_related(
            "authorizer__region",
            "beneficiary__region",
            "region",
            "binding",
            "submitted_by",
            "claimed_by",
            "decided_by",
        )
        .filter(pk=pk)
        .first()
    )
    if proof is None:
        return None
    binding = proof.binding
    wanted = {binding.policy_version_id, binding.beneficiary_policy_version_id}
    wanted.add(proof.policy_version_id)
    wanted.discard(None)
    versions = (
        PolicyVersion.objects.select_related("province", "region").in_bulk(wanted) if wanted else {}
    )
    binding.policy_version = versions.get(binding.policy_version_id)
    binding.beneficiary_policy_version = versions.get(binding.beneficiary_policy_version_id)
    proof.policy_version = versions.get(proof.policy_version_id)
    return proof


def review_screen(proof: KinshipProof) -> ReviewScreen:
    """Gather what the review screen shows of ``proof`` (from :func:`proof_for_review`)."""
    pages = list(ProofPage.objects.filter(proof=proof).order_by("number"))
    findings = scan_findings(proof, pages)
    seen = pages_seen_elsewhere(proof, pages)
    a, b = proof.authorizer_id, proof.beneficiary_id
    persons = [
        PersonPanel("authorizer", proof.authorizer, findings.persons[0]),
        PersonPanel("beneficiary", proof.beneficiary, findings.persons[1]),
    ]
    _bindings_of(persons, exclude=proof.binding_id)
    others_binding_beneficiary = (
        Binding.objects.filter(beneficiary_id=b, status__in=LIVE_BINDING_STATUSES)
        .exclude(authorizer_id=a)
        .count()
    )
    pair_cases = list(
        KinshipProof.objects.filter(authorizer_id=a, beneficiary_id=b)
        .exclude(pk=proof.pk)
        .order_by("-submitted_at")[:20]
    )
    events, users = case_events(proof)
    decision = proof.binding.decision or {}
    engine_flags = findings_shown(decision, "red_flags")
    flags = _flags(proof, findings, seen, engine_flags, others_binding_beneficiary, pair_cases)
    return ReviewScreen(
        proof=proof,
        pages=pages,
        findings=findings,
        seen_elsewhere=seen,
        persons=persons,
        violations=findings_shown(decision, "violations"),
        engine_flags=engine_flags,
        flags=flags,
        pair_cases=pair_cases,
        events=events,
        users=users,
        age=proof_age(proof),
        intake_users={proof.submitted_by_id}
        | {p.uploaded_by_id for p in pages if p.uploaded_by_id},
        boxes=page_boxes(findings),
    )


def case_events(proof: KinshipProof) -> tuple[list[ProofEvent], dict]:
    """Return the case's events, oldest first, and the users their details name (by pk)."""
    events = list(
        ProofEvent.objects.filter(proof=proof).select_related("actor").order_by("at", "id")
    )
    named = {
        value
        for event in events
        for key in ("from_user", "to_user", "was_claimed_by")
        if isinstance(value := (event.params or {}).get(key), int)
    }
    users = get_user_model().objects.in_bulk(named) if named else {}
    return events, users


def _bindings_of(panels: list[PersonPanel], *, exclude: int) -> None:
    """Fill each panel with the person's other bindings, given and received (one query)."""
    ids = [panel.person.pk for panel in panels]
    rows = list(
        Binding.objects.filter(Q(authorizer_id__in=ids) | Q(beneficiary_id__in=ids))
        .exclude(pk=exclude)
        .select_related("authorizer__region", "beneficiary__region")
        .order_by("-id")[: BINDINGS_SHOWN * 4]
    )
    for panel in panels:
        pk = panel.person.pk
        mine = [r for r in rows if pk in (r.authorizer_id, r.beneficiary_id)]
        panel.bindings = [
            {
                "binding": r,
                "gives": r.authorizer_id == pk,
                "other": r.beneficiary if r.authorizer_id == pk else r.authorizer,
            }
            for r in mine[:BINDINGS_SHOWN]
        ]
        panel.more_bindings = len(mine) > BINDINGS_SHOWN


ROLE_WORDS = {"authorizer": _("the authorizer"), "beneficiary": _("the beneficiary")}


def _flags(proof, findings, seen, engine_flags, others_binding, pair_cases) -> list[Flag]:
    flags = [Flag(f.code, f.message, "engine") for f in engine_flags]
    if findings.pages_read and findings.complete:
        for person in findings.persons:
            role = ROLE_WORDS[person.role]
            if not person.id_found:
                flags.append(
                    Flag(
                        f"{person.role}_id_not_found",
                        _("The ID number of %(role)s (%(name)s) was not read on any page.")
                        % {"role": role, "name": person.name},
                        "scan",
                    )
                )
            if not person.name_found:
                flags.append(
                    Flag(
                        f"{person.role}_name_not_found",
                        _("The name of %(role)s (%(name)s) was not read on any page.")
                        % {"role": role, "name": person.name},
                        "scan",
                    )
                )
        for hit in findings.other_ids:
            flags.append(
                Flag(
                    "other_id_number",
                    _("Page %(page)s shows another ID number, %(number)s, of neither person.")
                    % {"page": hit.page_number, "number": _id_in(hit.text)},
                    "scan",
                )
            )
    grouped: dict[tuple[int, bool], list[str]] = {}
    for one in seen:
        grouped.setdefault((one.page_number, one.exact), []).append(one.other_case)
    for (page, exact), cases in sorted(grouped.items()):
        shown = "、".join(cases[:CASES_NAMED]) + ("…" if len(cases) > CASES_NAMED else "")
        message = (
            _(
                "Page %(page)s is the same file as a page of %(count)s case(s) of other "
                "persons: %(cases)s."
            )
            if exact
            else _(
                "Page %(page)s looks almost the same as a page of %(count)s case(s) of other "
                "persons: %(cases)s."
            )
        )
        flags.append(
            Flag(
                "page_seen_elsewhere" if exact else "page_like_elsewhere",
                message % {"page": page, "count": len(cases), "cases": shown},
                "scan",
            )
        )
    if others_binding >= SEVERAL_AUTHORIZERS:
        flags.append(
            Flag(
                "beneficiary_bound_by_several",
                _("The beneficiary is already bound by %(count)s other authorizers.")
                % {"count": others_binding},
                "history",
            )
        )
    for case in pair_cases:
        if case.status == ProofStatus.REJECTED:
            flags.append(
                Flag(
                    "pair_rejected_before",
                    _("Case %(case)s of the same two persons was rejected on %(day)s: %(reason)s.")
                    % {
                        "case": case.case_number,
                        "day": _day(case.decided_at or case.submitted_at),
                        "reason": _reason_label(case.reject_reason),
                    },
                    "history",
                )
            )
    return flags


def _day(at) -> str:
    return f"{timezone.localtime(at):%Y-%m-%d}"


def _id_in(text: str) -> str:
    from accounts.selectors.scans import ID_PATTERN

    found = ID_PATTERN.search(text.replace(" ", ""))
    return found.group(0).upper() if found else text


def _reason_label(code: str) -> str:
    try:
        return str(RejectReason(code).label)
    except ValueError:
        return code


def page_boxes(findings: ScanFindings) -> dict[int, list[dict]]:
    """Return the boxes to draw on each page: where each person's ID number and name were read
    (``authorizer`` / ``beneficiary``), and any other ID number (``other``)."""
    boxes: dict[int, list[dict]] = {}
    for person in findings.persons:
        for kind, hits in (("id", person.id_hits), ("name", person.name_hits)):
            for hit in hits:
                boxes.setdefault(hit.page_id, []).append(
                    {"box": hit.box, "kind": person.role, "what": kind, "text": hit.text}
                )
    for hit in findings.other_ids:
        boxes.setdefault(hit.page_id, []).append(
            {"box": hit.box, "kind": "other", "what": "id", "text": hit.text}
        )
    return boxes


def missing_labels(codes) -> list[str]:
    return [str(MissingDocument(c).label) for c in codes or () if c in MissingDocument.values]


def reviewers_for(proof: KinshipProof) -> QuerySet:
    """Return the staff a supervisor may give ``proof`` to: active staff who review cases in
    the authorizer's region, other than who took it in or added pages (four-eyes)."""
    User = get_user_model()
    permission = Permission.objects.filter(
        content_type__app_label="accounts", codename="review_kinshipproof"
    )
    region = proof.region
    in_scope = (
        Q(staff_profile__nationwide=True)
        | Q(staff_profile__regions=region.pk)
        | Q(staff_profile__provinces=region.province_id)
    )
    has_permission = Q(groups__permissions__in=permission) | Q(user_permissions__in=permission)
    intake = ProofPage.objects.filter(proof=proof, uploaded_by__isnull=False).values(
        "uploaded_by_id"
    )
    users = User.objects.filter(in_scope, has_permission, is_active=True, is_staff=True)
    if proof.submitted_by_id:
        users = users.exclude(pk=proof.submitted_by_id)
    return (
        User.objects.filter(pk__in=users.values("pk"))
        .exclude(pk__in=intake)
        .order_by("last_name", "first_name", "username")
    )
