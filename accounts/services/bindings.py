"""Writes for bindings (共济绑定): request, activate, revoke; and automatic revocation.

Every function runs in one transaction, locks the two persons (lowest primary key first,
``accounts.locks``) and then the binding, reads the engine's facts from the database, calls
the rules engine, stores its decision on the binding and writes one audit event.

A binding is judged by the policy version in force in the authorizer's pooling region
(参保地: their fund pays). For a pair in two provinces, the beneficiary's province's version
adds its beneficiary-side rules (how many authorizers a beneficiary may have, whether a
beneficiary may also authorize): see README.md, "Bindings".

The decision is stored as codes, the English message templates (msgids) and their
parameters, so that a page shows it in the reader's language
(``accounts.selectors.bindings.findings_shown``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.choices import (
    LIVE_BINDING_STATUSES,
    BindingBasis,
    BindingStatus,
    InsuranceType,
    PersonStatus,
    RevokeReason,
    Via,
)
from accounts.locks import lock_row, lock_rows
from accounts.models import AuditEvent, Binding, InsuredPerson
from accounts.selectors.bindings import (
    authorizer_changes_last_year,
    binding_facts,
    live_binding_exists,
)
from accounts.services.audit import audit_record
from accounts.services.errors import BindingRefused
from policies.engine import (
    Finding,
    PolicyOn,
    PolicyRules,
    UnbindingFacts,
    evaluate_binding,
    evaluate_unbinding,
)
from policies.relations import RELATIONS
from policies.selectors import policy_for

#: the violations the beneficiary's province's version may add for a pair in two provinces
BENEFICIARY_SIDE_CODES = frozenset({"beneficiary_has_authorizer", "beneficiary_is_authorizer"})
#: staff revocations that must say why in a note
NOTE_REQUIRED = frozenset({RevokeReason.CASEWORKER, RevokeReason.SUPERVISOR})
#: automatic revocations that end only the bindings the person gives (as the authorizer)
AUTHORIZER_SIDE_REASONS = frozenset({RevokeReason.LEFT_EMPLOYEE_INSURANCE})

_PERSONS = InsuredPerson.objects.select_related("region")


# --- judging ---------------------------------------------------------------------------------


@dataclass
class Judgement:
    """The engine's decision on a binding, as stored on it."""

    allowed: bool
    violations: list[dict]
    red_flags: list[dict]
    version_id: int
    beneficiary_version_id: int | None
    extra: dict = field(default_factory=dict)

    @property
    def codes(self) -> list[str]:
        return [v["code"] for v in self.violations]

    def as_json(self) -> dict:
        return {
            "allowed": self.allowed,
            "policy_version": self.version_id,
            "beneficiary_policy_version": self.beneficiary_version_id,
            "violations": self.violations,
            "red_flags": self.red_flags,
            **self.extra,
        }

    def audit_params(self) -> dict:
        """What the audit event keeps of the judgement: the codes, and the first violation
        whole (``reason``), so that the history words its reason after the binding's
        decision has changed."""
        params = {
            "policy_version": self.version_id,
            "beneficiary_policy_version": self.beneficiary_version_id,
            "violations": self.codes,
            "red_flags": [f["code"] for f in self.red_flags],
        }
        if self.violations:
            params["reason"] = self.violations[0]
        return params


def _plain(value):
    """Return ``value`` as JSON holds it (lazy strings as their msgid, Decimals as text)."""
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, PolicyOn):  # worded when shown: "in force" only on its own day
        return {"policy_on": value.day.isoformat()}
    return str(value)


def _finding_json(finding: Finding, side: str, version_id: int | None) -> dict:
    """Return ``finding`` as stored: call inside ``translation.override(None)`` so that its
    template and any translatable parameter are kept as English msgids."""
    return {
        "code": finding.code,
        "template": str(finding.template),
        "field": finding.field,
        "params": {k: _plain(v) for k, v in dict(finding.params).items()},
        "side": side,
        "version": version_id,
    }


def _policy_or_refuse(region_id: str, day: dt.date):
    version = policy_for(region_id, day)
    if version is None:
        raise BindingRefused(
            _("No policy version is in force in %(region)s on %(day)s.")
            % {"region": region_id, "day": day.isoformat()},
            code="no_policy_in_force",
        )
    return version


def binding_judge(
    *,
    authorizer: InsuredPerson,
    beneficiary: InsuredPerson,
    relation: str,
    day: dt.date,
    proof_state: str | None,
    binding: Binding | None = None,
) -> Judgement:
    """Judge binding ``beneficiary`` to ``authorizer`` on ``day`` with facts from the database.

    Call it with both persons locked. The authorizer's version decides; for a pair in two
    provinces, the beneficiary's version adds its beneficiary-side violations.
    """
    version = _policy_or_refuse(authorizer.region_id, day)
    facts = binding_facts(
        authorizer=authorizer,
        beneficiary=beneficiary,
        relation=relation,
        day=day,
        proof_state=proof_state,
        binding=binding,
    )
    beneficiary_version = None
    if authorizer.region.province_id != beneficiary.region.province_id:
        beneficiary_version = policy_for(beneficiary.region_id, day)
    with translation.override(None):
        decision = evaluate_binding(facts, PolicyRules.from_version(version))
        violations = [_finding_json(f, "authorizer", version.pk) for f in decision.violations]
        red_flags = [_finding_json(f, "authorizer", version.pk) for f in decision.red_flags]
        if beneficiary_version is not None:
            theirs = evaluate_binding(facts, PolicyRules.from_version(beneficiary_version))
            seen = set(decision.codes)
            violations += [
                _finding_json(f, "beneficiary", beneficiary_version.pk)
                for f in theirs.violations
                if f.code in BENEFICIARY_SIDE_CODES and f.code not in seen
            ]
    return Judgement(
        allowed=not violations,
        violations=violations,
        red_flags=red_flags,
        version_id=version.pk,
        beneficiary_version_id=beneficiary_version.pk if beneficiary_version else None,
        extra={"day": day.isoformat(), "proof_state": proof_state},
    )


def _lock_pair(authorizer_id: int, beneficiary_id: int) -> tuple[InsuredPerson, InsuredPerson]:
    persons = lock_rows(InsuredPerson, [authorizer_id, beneficiary_id], queryset=_PERSONS)
    return persons[authorizer_id], persons[beneficiary_id]


def _user(actor):
    return actor if actor is not None and actor.is_authenticated else None


# --- request and activate ----------------------------------------------------------------------


def binding_request(
    *,
    actor,
    via: str,
    authorizer: InsuredPerson,
    beneficiary: InsuredPerson,
    relation: str,
    basis: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    payment_cap: Decimal | None = None,
) -> Binding:
    """Record a binding request and judge it at once.

    A pledge (承诺制) under a version that accepts pledges is active at once if the rules
    allow it. A request on documents waits for their review (pending) unless a rule other
    than the missing proof refuses it. A refused request is kept as blocked, with the
    rules that refused it. Raise ``BindingRefused`` for what is no request at all: a person
    bound to themselves, a pair already bound, an unknown relation or basis, a reversed
    period, a cap that is not positive, no policy in force.
    """
    if relation not in RELATIONS:
        raise BindingRefused(_("Not a close relative."), code="unknown_relation")
    if basis not in BindingBasis.values:
        raise BindingRefused(_("Unknown basis of a binding."), code="unknown_basis")
    if authorizer.pk == beneficiary.pk:
        raise BindingRefused(_("A person cannot be bound to themselves."), code="self_binding")
    if ends_on is not None and ends_on < starts_on:
        raise BindingRefused(_("The binding ends before it starts."), code="period_reversed")
    if payment_cap is not None and payment_cap <= 0:
        raise BindingRefused(_("The per-payment cap must be above zero."), code="cap_not_positive")
    with transaction.atomic():
        a, b = _lock_pair(authorizer.pk, beneficiary.pk)
        if live_binding_exists(a.pk, b.pk):
            raise BindingRefused(
                _("This relative is already bound to this authorizer."), code="already_bound"
            )
        judged = binding_judge(
            authorizer=a,
            beneficiary=b,
            relation=relation,
            day=timezone.localdate(),
            proof_state="pledged" if basis == BindingBasis.PLEDGE else "pending",
        )
        waiting = basis == BindingBasis.DOCUMENTS  # the missing proof is what review supplies
        refusing = [c for c in judged.codes if not (waiting and c == "proof_missing")]
        if refusing:
            status = BindingStatus.BLOCKED
        elif judged.allowed:
            status = BindingStatus.ACTIVE
        else:
            status = BindingStatus.PENDING
        binding = Binding.objects.create(
            authorizer=a,
            beneficiary=b,
            relation=relation,
            basis=basis,
            status=status,
            starts_on=starts_on,
            ends_on=ends_on,
            payment_cap=payment_cap,
            policy_version_id=judged.version_id,
            beneficiary_policy_version_id=judged.beneficiary_version_id,
            decision=judged.as_json(),
            requested_by=_user(actor),
            activated_at=timezone.now() if status == BindingStatus.ACTIVE else None,
        )
        audit_record(
            actor=actor,
            via=via,
            action="binding.request",
            target=binding,
            to_state=status,
            reason_code=refusing[0] if refusing else "",
            params=judged.audit_params(),
        )
    return binding


def binding_activate(*, actor, via: str, binding: Binding, day: dt.date | None = None) -> Binding:
    """Judge a pending or blocked binding again with the policy in force on ``day`` (today in
    Beijing by default) and make it active, or blocked with the rules that refuse it.

    Activating a binding on documents is the statement that they were reviewed and
    approved: the person who entered the request may not do it (four-eyes).
    """
    day = day or timezone.localdate()
    with transaction.atomic():
        a, b = _lock_pair(binding.authorizer_id, binding.beneficiary_id)
        locked = lock_row(Binding, binding.pk)
        if locked.status == BindingStatus.ACTIVE:
            raise BindingRefused(_("The binding is already active."), code="already_active")
        if locked.status == BindingStatus.REVOKED:
            raise BindingRefused(_("The binding has been revoked."), code="already_revoked")
        user = _user(actor)
        if (
            locked.basis == BindingBasis.DOCUMENTS
            and user is not None
            and locked.requested_by_id == user.pk
        ):
            raise BindingRefused(
                _("A binding you entered is activated by a colleague."), code="own_request"
            )
        judged = binding_judge(
            authorizer=a,
            beneficiary=b,
            relation=locked.relation,
            day=day,
            proof_state="approved" if locked.basis == BindingBasis.DOCUMENTS else "pledged",
            binding=locked,
        )
        before = locked.status
        locked.status = BindingStatus.ACTIVE if judged.allowed else BindingStatus.BLOCKED
        locked.decision = judged.as_json()
        locked.policy_version_id = judged.version_id
        locked.beneficiary_policy_version_id = judged.beneficiary_version_id
        if judged.allowed:
            locked.activated_at = timezone.now()
        locked.save(
            update_fields=[
                "status",
                "decision",
                "policy_version",
                "beneficiary_policy_version",
                "activated_at",
                "updated_at",
            ]
        )
        audit_record(
            actor=actor,
            via=via,
            action="binding.activate",
            target=locked,
            from_state=before,
            to_state=locked.status,
            reason_code="" if judged.allowed else judged.codes[0],
            params=judged.audit_params(),
        )
    return locked


# --- revoke ---------------------------------------------------------------------------------


def binding_revoke(*, actor, via: str, binding: Binding, reason: str, note: str = "") -> Binding:
    """End a binding that is not yet revoked, for ``reason`` (a ``RevokeReason``).

    At the authorizer's request, an active binding is ended only as the authorizer's
    version allows (how long it must have lasted, how many changes a year); a revocation
    by a caseworker or supervisor needs a note saying why.
    """
    if reason not in RevokeReason.values:
        raise BindingRefused(_("Unknown reason for a revocation."), code="unknown_reason")
    note = (note or "").strip()
    if reason in NOTE_REQUIRED and not note:
        raise BindingRefused(_("Say in a note why the binding is revoked."), code="note_required")
    with transaction.atomic():
        a, _b = _lock_pair(binding.authorizer_id, binding.beneficiary_id)
        locked = lock_row(Binding, binding.pk)
        if locked.status == BindingStatus.REVOKED:
            raise BindingRefused(_("The binding has already been revoked."), code="already_revoked")
        params = {
            "policy_version": locked.policy_version_id,
            "beneficiary_policy_version": locked.beneficiary_policy_version_id,
        }
        if reason == RevokeReason.AUTHORIZER_REQUEST and locked.status == BindingStatus.ACTIVE:
            params["unbinding_policy_version"] = _check_unbinding(a, locked)
        before = locked.status
        locked.status = BindingStatus.REVOKED
        locked.revoked_at = timezone.now()
        locked.revoked_by = _user(actor)
        locked.revoke_reason = reason
        locked.revoke_note = note
        locked.save(
            update_fields=[
                "status",
                "revoked_at",
                "revoked_by",
                "revoke_reason",
                "revoke_note",
                "updated_at",
            ]
        )
        audit_record(
            actor=actor,
            via=via,
            action="binding.revoke",
            target=locked,
            from_state=before,
            to_state=locked.status,
            reason_code=reason,
            note=note,
            params=params,
        )
    return locked


def _check_unbinding(authorizer: InsuredPerson, binding: Binding) -> int:
    """Raise ``BindingRefused`` if the authorizer's version says the binding may not end
    today; return the version's id."""
    day = timezone.localdate()
    version = _policy_or_refuse(authorizer.region_id, day)
    started = binding.starts_on
    if binding.activated_at is not None:
        started = timezone.localdate(binding.activated_at)
    decision = evaluate_unbinding(
        UnbindingFacts(
            started_on=started,
            day=day,
            authorizer_changes_last_year=authorizer_changes_last_year(authorizer.pk),
        ),
        PolicyRules.from_version(version),
    )
    if not decision.allowed:
        first = decision.violations[0]
        with translation.override(None):
            stored = [_finding_json(f, "authorizer", version.pk) for f in decision.violations]
        raise BindingRefused(first.message, code=first.code, violations=stored)
    return version.pk


#: an enrolment in one of these states has ended: the person's bindings end with it
ENDED_STATUSES = frozenset({PersonStatus.TERMINATED, PersonStatus.DECEASED})


def bindings_end_for_enrolment(*, actor, via: str, changes) -> list[int]:
    """Revoke the bindings that changes of enrolment end; return the bindings' ids.

    ``changes`` are (person id, status before, insurance type before, status after, type
    after), from a person's page or an enrollment import's chunk. An enrolment that ends
    (terminated, deceased) ends every live binding on either side; an authorizer who
    leaves employee insurance ends the bindings they give. Set-based: at most two
    statements whatever the number of persons.
    """
    ended, left = [], []
    for person_id, status, insurance_type, new_status, new_type in changes:
        if new_status in ENDED_STATUSES and status not in ENDED_STATUSES:
            ended.append(person_id)
        if insurance_type == InsuranceType.EMPLOYEE and new_type != InsuranceType.EMPLOYEE:
            left.append(person_id)
    revoked = []
    if ended:
        revoked += bindings_revoke_for_persons(
            actor=actor, via=via, person_ids=ended, reason=RevokeReason.ENROLMENT_ENDED
        )
    if left:
        revoked += bindings_revoke_for_persons(
            actor=actor, via=via, person_ids=left, reason=RevokeReason.LEFT_EMPLOYEE_INSURANCE
        )
    return revoked


def bindings_revoke_for_persons(*, actor, via: str, person_ids, reason: str) -> list[int]:
    """Revoke every live binding of the persons ``person_ids``; return the bindings' ids.

    Set-based, for automatic revocation (``person_save``, the enrollment import): one
    ``UPDATE … RETURNING`` that locks the bindings in primary-key order, and one bulk insert
    of their audit events. For ``LEFT_EMPLOYEE_INSURANCE`` only the bindings the persons
    give (as authorizers) end; for any other reason, those on either side. Runs inside the
    caller's transaction, which should hold the persons' rows already (a person's save or
    the import's upsert locks them).
    """
    if via not in Via.values:
        raise ValueError(f"unknown entry point {via!r}")
    if reason not in RevokeReason.values:
        raise BindingRefused(_("Unknown reason for a revocation."), code="unknown_reason")
    ids = sorted({int(pk) for pk in person_ids})
    if not ids:
        return []
    table = connection.ops.quote_name(Binding._meta.db_table)
    if reason in AUTHORIZER_SIDE_REASONS:
        side = "authorizer_id = ANY(%(ids)s)"
    else:
        side = "(authorizer_id = ANY(%(ids)s) OR beneficiary_id = ANY(%(ids)s))"
    sql = f"""
        WITH doomed AS (
            SELECT id, status FROM {table}
            WHERE status = ANY(%(live)s) AND {side}
            ORDER BY id
            FOR UPDATE
        )
        UPDATE {table} AS b
        SET status = %(revoked)s, revoked_at = %(now)s, revoked_by_id = %(actor)s,
            revoke_reason = %(reason)s, revoke_note = '', updated_at = %(now)s
        FROM doomed
        WHERE b.id = doomed.id
        RETURNING b.id, doomed.status, b.authorizer_id, b.beneficiary_id,
                  b.policy_version_id, b.beneficiary_policy_version_id
    """
    user = _user(actor)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "ids": ids,
                "live": [str(s) for s in LIVE_BINDING_STATUSES],
                "revoked": str(BindingStatus.REVOKED),
                "now": timezone.now(),
                "actor": user.pk if user else None,
                "reason": reason,
            },
        )
        rows = sorted(cursor.fetchall())
        wanted = set(ids)
        target_type = ContentType.objects.get_for_model(Binding, for_concrete_model=False)
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    actor=user,
                    via=via,
                    action="binding.revoke",
                    target_type=target_type,
                    target_id=str(pk),
                    from_state=before,
                    to_state=BindingStatus.REVOKED,
                    reason_code=reason,
                    params={
                        "automatic": True,
                        "persons": [p for p in (a_id, b_id) if p in wanted],
                        "policy_version": version_id,
                        "beneficiary_policy_version": b_version_id,
                    },
                )
                for pk, before, a_id, b_id, version_id, b_version_id in rows
            ],
            batch_size=1000,
        )
    return [row[0] for row in rows]
