"""Read-side queries for bindings: the engine's facts from the database, lists, and the
stored decision in the reader's language."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from accounts.choices import LIVE_BINDING_STATUSES, RevokeReason
from accounts.models import Binding, InsuredPerson
from policies.engine import BindingFacts, PersonFacts, PolicyOn
from policies.relations import RELATIONS

#: revocations that count as the authorizer's changes against ``max_binding_changes_per_year``:
#: the authorizer's own, and those staff make (at the counter, for the authorizer). Automatic
#: ones (an enrolment ended, a failed check) are not the authorizer's choice and do not count.
CHANGE_REASONS = (
    RevokeReason.AUTHORIZER_REQUEST,
    RevokeReason.CASEWORKER,
    RevokeReason.SUPERVISOR,
)


def person_facts(person: InsuredPerson, day: dt.date) -> PersonFacts:
    """Return what the engine needs to know of ``person`` on ``day``."""
    opened = person.region.wallet_enabled_on
    return PersonFacts(
        insurance_type=person.insurance_type,
        status=person.status,
        region_code=person.region_id,
        birth_date=person.birth_date,
        sex=person.sex,
        wallet_open=opened is not None and opened <= day,
    )


def binding_facts(
    *,
    authorizer: InsuredPerson,
    beneficiary: InsuredPerson,
    relation: str,
    day: dt.date,
    proof_state: str | None,
    binding: Binding | None = None,
) -> BindingFacts:
    """Return the facts of binding ``beneficiary`` to ``authorizer``, read from the database.

    ``binding`` is the binding being judged again, left out of every count. Live bindings
    (pending or active) count, so that two requests waiting side by side cannot together
    pass a limit each passes alone.
    """
    live = Binding.objects.filter(status__in=LIVE_BINDING_STATUSES)
    if binding is not None:
        live = live.exclude(pk=binding.pk)
    a, b = authorizer.pk, beneficiary.pk
    by_relation = (
        live.filter(authorizer_id=a)
        .exclude(beneficiary_id=b)
        .values_list("relation", flat=True)
        .order_by()
    )
    by_group: Counter[str] = Counter(RELATIONS[r].group for r in by_relation if r in RELATIONS)
    lifetime = (
        Binding.objects.filter(authorizer_id=a, activated_at__isnull=False)
        .exclude(beneficiary_id=b)
        .values("beneficiary_id")
        .distinct()
        .count()
    )
    return BindingFacts(
        authorizer=person_facts(authorizer, day),
        beneficiary=person_facts(beneficiary, day),
        relation=relation,
        day=day,
        authorizer_active_by_group=dict(by_group),
        authorizer_lifetime_beneficiaries=lifetime,
        authorizer_changes_last_year=authorizer_changes_last_year(a),
        beneficiary_active_authorizers=live.filter(beneficiary_id=b)
        .exclude(authorizer_id=a)
        .count(),
        beneficiary_is_authorizer=live.filter(authorizer_id=b).exclude(beneficiary_id=a).exists(),
        authorizer_is_beneficiary=live.filter(beneficiary_id=a).exclude(authorizer_id=b).exists(),
        reverse_binding_exists=live.filter(authorizer_id=b, beneficiary_id=a).exists(),
        already_bound=live.filter(authorizer_id=a, beneficiary_id=b).exists(),
        proof_state=proof_state,
    )


def authorizer_changes_last_year(authorizer_id: int) -> int:
    """Return the authorizer's binding changes (revocations) of the last 365 days."""
    year_ago = timezone.now() - dt.timedelta(days=365)
    return Binding.objects.filter(
        authorizer_id=authorizer_id, revoked_at__gte=year_ago, revoke_reason__in=CHANGE_REASONS
    ).count()


def live_binding_exists(authorizer_id: int, beneficiary_id: int) -> bool:
    return Binding.objects.filter(
        authorizer_id=authorizer_id,
        beneficiary_id=beneficiary_id,
        status__in=LIVE_BINDING_STATUSES,
    ).exists()


def bindings_of_person(person: InsuredPerson) -> QuerySet[Binding]:
    """Return the bindings ``person`` gives or receives, newest first, with both persons."""
    return (
        Binding.objects.filter(Q(authorizer=person) | Q(beneficiary=person))
        .select_related("authorizer__region", "beneficiary__region")
        .order_by("-id")
    )


def bindings_by_national_id(queryset: QuerySet[Binding], national_id: str) -> QuerySet[Binding]:
    """Return the bindings of ``queryset`` where the person with ``national_id`` is either side."""
    person_ids = InsuredPerson.objects.filter(national_id=national_id).values("pk")
    return queryset.filter(Q(authorizer_id__in=person_ids) | Q(beneficiary_id__in=person_ids))


# --- the stored decision, in the reader's language -----------------------------------------


@dataclass(frozen=True)
class FindingShown:
    code: str
    message: str
    #: "authorizer" when the authorizer's province's version said it, "beneficiary" when the
    #: beneficiary's province's did
    side: str
    version_id: int | None
    #: the policy field the rule reads ("" for none)
    field: str = ""


def _translated(value):
    """Translate a parameter stored as an English msgid (a relation, a sex, a role), or
    word the policy a finding speaks of as of today (``engine.PolicyOn``)."""
    if isinstance(value, dict) and "policy_on" in value:
        return str(PolicyOn(dt.date.fromisoformat(value["policy_on"])))
    if not isinstance(value, str):
        return value
    return "、".join(gettext(part) for part in value.split("、"))


def finding_message(finding: dict) -> str:
    """Return a stored finding's message in the active language."""
    template = finding.get("template") or finding.get("code", "")
    params = {k: _translated(v) for k, v in (finding.get("params") or {}).items()}
    try:
        return gettext(template) % params
    except (KeyError, TypeError, ValueError):
        return gettext(template)


def finding_shown(finding: dict) -> FindingShown:
    """Return one stored finding in words."""
    return FindingShown(
        code=finding.get("code", ""),
        message=finding_message(finding),
        side=finding.get("side", "authorizer"),
        version_id=finding.get("version"),
        field=finding.get("field", ""),
    )


def findings_shown(decision: dict, kind: str) -> list[FindingShown]:
    """Return the ``kind`` ("violations" or "red_flags") of a stored decision, in words."""
    return [finding_shown(f) for f in (decision or {}).get(kind, [])]
