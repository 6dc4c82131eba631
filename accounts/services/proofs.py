"""Writes for kinship proofs (亲属关系证明): intake, the review's steps, and what a decision does.

The states and the steps between them are declared once, in
``accounts.models.proofs.TRANSITIONS``; ``_move`` is the only code that changes a proof's
status, and PostgreSQL refuses any other pair (trigger ``kinshipproof_transition``). Every
step runs in one transaction, locks the proof, checks who may take it, and writes one
append-only ``ProofEvent`` (who, when, from → to, why).

Four-eyes: whoever submitted a proof, or added pages to it, neither claims nor decides it
(also a database constraint). A decision is taken by the authorizer's agency.

A decision acts on the binding the proof backs, through ``accounts.services.bindings``:
approving judges it with the policy in force today and activates it, or leaves it blocked
with the rules that refuse it; rejecting ends the pending request. Rejecting or returning
queues a text message to the applicant in the outbox, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts import scans
from accounts.choices import (
    Applicant,
    BindingBasis,
    BindingStatus,
    MissingDocument,
    ProofChannel,
    ProofStatus,
    RejectReason,
    RevokeReason,
    Via,
)
from accounts.locks import lock_row, lock_rows
from accounts.models import (
    Binding,
    InsuredPerson,
    KinshipProof,
    OutboxMessage,
    PersonLookup,
    ProofEvent,
    ProofPage,
)
from accounts.models.proofs import TRANSITIONS
from accounts.permissions import (
    decides_in,
    may_review_proofs,
    may_supervise_proofs,
    may_take_proofs,
)
from accounts.services.bindings import binding_activate, binding_request, binding_revoke
from accounts.services.errors import DomainError
from policies.relations import RELATIONS, DocumentType, ReviewMode
from policies.selectors import policy_for
from portal.scoping import region_codes


class ProofRefused(DomainError):
    """A step of a proof's review that may not be taken."""

    code = "proof_refused"


def _user(actor):
    return actor if actor is not None and actor.is_authenticated else None


# --- the one place a status changes -----------------------------------------------------------


def _move(proof: KinshipProof, step: str, *, actor, via: str, fields: dict, **event) -> ProofEvent:
    """Take ``step`` (a key of ``TRANSITIONS``) on the locked ``proof``: set ``fields``, save,
    and write its event. Refuse a step its state does not allow."""
    froms, to = TRANSITIONS[step]
    if proof.status not in froms:
        raise ProofRefused(
            _("A case that is %(state)s cannot be %(step)s.")
            % {"state": ProofStatus(proof.status).label, "step": STEP_WORDS[step]},
            code="wrong_state",
        )
    before = proof.status
    proof.status = to
    for name, value in fields.items():
        setattr(proof, name, value)
    proof.save(update_fields=["status", *fields, "updated_at"])
    return _event(proof, step, actor=actor, via=via, from_state=before, to_state=to, **event)


def _event(
    proof, action, *, actor, via, from_state="", to_state="", reason="", note="", params=None
):
    if via not in Via.values:
        raise ValueError(f"unknown entry point {via!r}")
    return ProofEvent.objects.create(
        proof=proof,
        at=timezone.now(),
        actor=_user(actor),
        via=via,
        action="overturn" if action.startswith("overturn_") else action,
        from_state=from_state,
        to_state=to_state or proof.status,
        reason_code=reason,
        note=note,
        params=params or {},
    )


#: what each step is called in a refusal ("cannot be claimed")
STEP_WORDS = {
    "claim": pgettext_lazy("proof step", "claimed"),
    "release": pgettext_lazy("proof step", "released"),
    "reassign": pgettext_lazy("proof step", "reassigned"),
    "approve": pgettext_lazy("proof step", "approved"),
    "reject": pgettext_lazy("proof step", "rejected"),
    "return": pgettext_lazy("proof step", "returned"),
    "resubmit": pgettext_lazy("proof step", "resubmitted"),
    "overturn_to_rejected": pgettext_lazy("proof step", "overturned"),
    "overturn_to_approved": pgettext_lazy("proof step", "overturned"),
}


def _lock(proof: KinshipProof | int) -> KinshipProof:
    pk = proof.pk if isinstance(proof, KinshipProof) else proof
    locked = lock_row(KinshipProof, pk)
    if locked is None:
        raise ProofRefused(_("No such case."), code="no_such_case")
    return locked


def _page_uploaders(proof: KinshipProof) -> set[int]:
    return set(
        ProofPage.objects.filter(proof=proof, uploaded_by__isnull=False).values_list(
            "uploaded_by_id", flat=True
        )
    )


def _check_reviewer(user, proof: KinshipProof) -> None:
    """Refuse ``user`` as the reviewer of ``proof``: no permission, another agency, or their own
    case (four-eyes)."""
    if user is None or not may_review_proofs(user):
        raise ProofRefused(_("You may not review cases."), code="not_a_reviewer")
    if not decides_in(user, proof.region_id):
        raise ProofRefused(
            _("The authorizer's agency (%(region)s) decides this case.")
            % {"region": proof.region_id},
            code="other_agency",
        )
    if user.pk == proof.submitted_by_id or user.pk in _page_uploaders(proof):
        raise ProofRefused(
            _("A case you took in or added pages to is decided by a colleague."),
            code="own_case",
        )


def _check_claimer(user, proof: KinshipProof) -> None:
    _check_reviewer(user, proof)
    if proof.claimed_by_id != user.pk:
        raise ProofRefused(_("This case is claimed by a colleague."), code="claimed_by_other")


def _check_supervisor(user, proof: KinshipProof) -> None:
    if user is None or not may_supervise_proofs(user):
        raise ProofRefused(_("Only a supervisor may do this."), code="not_a_supervisor")
    if not decides_in(user, proof.region_id):
        raise ProofRefused(
            _("The authorizer's agency (%(region)s) decides this case.")
            % {"region": proof.region_id},
            code="other_agency",
        )


# --- intake --------------------------------------------------------------------------------


def documents_accepted(version, relation: str) -> list[str]:
    """Return the document types ``version`` accepts for ``relation`` (every type when the
    version lists none for its group)."""
    group = RELATIONS[relation].group
    listed = (version.documents or {}).get(group) if version is not None else None
    kinds = list(listed) if listed else [t for t in DocumentType.values]
    if version is not None and version.review_mode == ReviewMode.PLEDGE:
        kinds = [*kinds, DocumentType.COMMITMENT_LETTER]
    return list(dict.fromkeys(kinds))


def _case_number(region_id: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('accounts_kinshipproof_case_seq')")
        (seq,) = cursor.fetchone()
    return f"GJ{timezone.localdate():%Y%m%d}{seq:06d}"


def _store_pages(proof: KinshipProof, checked: list[scans.CheckedFile], actor) -> list[ProofPage]:
    from django.core.files.base import ContentFile

    number = ProofPage.objects.filter(proof=proof).count()
    pages = []
    for one in checked:
        stored_name = None
        for page in one.pages:
            number += 1
            row = ProofPage(
                proof=proof,
                number=number,
                content_type=one.content_type,
                extension=one.extension,
                pdf_page=page.pdf_page,
                size=len(one.content),
                width=page.width,
                height=page.height,
                sha256=one.sha256,
                phash=page.phash,
                original_name=one.name[:200],
                uploaded_by=_user(actor),
            )
            if stored_name is None:
                row.file.save("upload", ContentFile(one.content), save=False)
                stored_name = row.file.name
            else:
                row.file.name = stored_name  # a PDF's pages share its file
            row.thumbnail.save("thumb", ContentFile(page.thumbnail), save=False)
            if page.image is not None:
                row.image.save("image", ContentFile(page.image), save=False)
            row.save()
            pages.append(row)
    return pages


def _read_later(proof: KinshipProof) -> None:
    """Queue the pages' OCR after the transaction commits (the worker reads them)."""
    from accounts.tasks import read_proof_pages

    pk = proof.pk
    transaction.on_commit(lambda: read_proof_pages.enqueue(pk))


def proof_submit(
    *,
    actor,
    via: str,
    authorizer: InsuredPerson,
    beneficiary: InsuredPerson,
    relation: str,
    document_type: str,
    uploads,
    channel: str = ProofChannel.COUNTER,
    applicant: str = Applicant.AUTHORIZER,
    agent_name: str = "",
    agent_national_id: str = "",
    contact_phone: str = "",
    external_ref: str = "",
    starts_on: dt.date | None = None,
    lookups=(),
    draw=None,
) -> KinshipProof:
    """Take a case in: check the pages, request the binding, store the case and its pages.

    Nothing is stored when anything is refused: a page (``ScanRefused``), a document type
    the policy in force does not accept for the relation, a binding the rules refuse now
    (the refusal carries the engine's violations), an agent without a name or ID number.

    A signed pledge (承诺制, where the authorizer's version binds on one) activates the
    binding at once; the version's spot-check share of them is drawn into the queue
    (``draw``: a function returning a number in [0, 1), for tests).
    """
    user = _user(actor)
    if via != Via.COMMAND and (user is None or not may_take_proofs(user)):
        raise ProofRefused(_("You may not take cases in."), code="not_intake_staff")
    if relation not in RELATIONS:
        raise ProofRefused(_("Not a close relative."), code="unknown_relation")
    if document_type not in DocumentType.values:
        raise ProofRefused(_("Unknown document type."), code="unknown_document_type")
    if user is not None and not (
        decides_in(user, authorizer.region_id) or decides_in(user, beneficiary.region_id)
    ):
        raise ProofRefused(
            _("Neither person is insured in your regions."), code="neither_person_in_scope"
        )
    if applicant == Applicant.AGENT and not (agent_name.strip() and agent_national_id.strip()):
        raise ProofRefused(
            _("An agent's name and ID number are both required."), code="agent_incomplete"
        )
    today = timezone.localdate()
    version = policy_for(authorizer.region_id, today)
    if version is None:
        raise ProofRefused(
            _("No policy version is in force in %(region)s today.")
            % {"region": authorizer.region_id},
            code="no_policy_in_force",
        )
    accepted = documents_accepted(version, relation)
    if document_type not in accepted:
        raise ProofRefused(
            _("The policy in force does not accept this document for the relation."),
            code="document_not_accepted",
        )
    pledge = document_type == DocumentType.COMMITMENT_LETTER
    if pledge and version.review_mode != ReviewMode.PLEDGE:
        raise ProofRefused(
            _("This province does not bind on a signed pledge; documents are reviewed."),
            code="pledge_not_accepted",
        )
    checked = scans.check_uploads(list(uploads))
    if not checked:
        raise ProofRefused(_("Add at least one page."), code="no_pages")

    with transaction.atomic():
        binding = binding_request(
            actor=actor,
            via=via,
            authorizer=authorizer,
            beneficiary=beneficiary,
            relation=relation,
            basis=BindingBasis.PLEDGE if pledge else BindingBasis.DOCUMENTS,
            starts_on=starts_on or today,
        )
        if binding.status == BindingStatus.BLOCKED:
            raise ProofRefused(
                _("The rules in force refuse this binding."),
                code="binding_refused",
                violations=binding.decision.get("violations", []),
            )
        now = timezone.now()
        spot_check = False
        status = ProofStatus.SUBMITTED
        if pledge:
            share = version.spot_check_share or Decimal("0")
            spot_check = Decimal(str((draw or secrets.SystemRandom().random)())) < share
            if not spot_check:
                status = ProofStatus.APPROVED
        proof = KinshipProof.objects.create(
            case_number=_case_number(authorizer.region_id),
            binding=binding,
            authorizer=authorizer,
            beneficiary=beneficiary,
            relation=relation,
            document_type=document_type,
            region_id=authorizer.region_id,
            beneficiary_region_id=beneficiary.region_id,
            status=status,
            channel=ProofChannel.PLEDGE if pledge and channel == ProofChannel.COUNTER else channel,
            applicant=applicant,
            agent_name=agent_name.strip() if applicant == Applicant.AGENT else "",
            agent_national_id=agent_national_id.strip().upper()
            if applicant == Applicant.AGENT
            else "",
            contact_phone=contact_phone.strip() or authorizer.mobile or "",
            external_ref=external_ref,
            is_spot_check=spot_check,
            submitted_at=now,
            submitted_by=user,
            decided_at=now if status == ProofStatus.APPROVED else None,
            policy_version=version if pledge else None,
        )
        _store_pages(proof, checked, actor)
        _event(
            proof,
            "submit",
            actor=actor,
            via=via,
            to_state=ProofStatus.SUBMITTED if spot_check or not pledge else status,
            params={
                "pages": sum(len(c.pages) for c in checked),
                "binding": binding.pk,
                # the cross-region look-ups this intake made (append-only, so named here)
                "lookups": [lookup.pk for lookup in lookups if lookup.pk],
            },
        )
        if pledge:
            _event(
                proof,
                "spot_check_drawn" if spot_check else "pledge_accepted",
                actor=None,
                via=via,
                to_state=status,
                params={"share": str(version.spot_check_share or 0), "version": version.pk},
            )
        _read_later(proof)
    return proof


def person_lookup(*, actor, national_id: str, purpose: str = "intake") -> PersonLookup | None:
    """Find a person of any region by exact identity number for an intake, and log it.

    Returns the look-up (its ``person``), or None when no one has that number. The caller
    shows only what a case needs (``accounts.selectors.proofs.person_for_case``).
    """
    user = _user(actor)
    if user is None or not may_take_proofs(user):
        raise ProofRefused(_("You may not take cases in."), code="not_intake_staff")
    person = (
        InsuredPerson.objects.select_related("region", "region__province")
        .filter(national_id=national_id.replace(" ", "").upper())
        .first()
    )
    if person is None:
        return None
    codes = region_codes(user)
    if codes is None or person.region_id in codes:
        lookup = PersonLookup(actor=user, person=person, purpose=purpose)
        return lookup  # in the caseworker's own regions: nothing to log
    return PersonLookup.objects.create(actor=user, person=person, purpose=purpose[:100])


# --- the review ----------------------------------------------------------------------------


def proof_claim(*, actor, via: str, proof: KinshipProof) -> KinshipProof:
    """Claim an unclaimed case for review."""
    with transaction.atomic():
        locked = _lock(proof)
        _check_reviewer(_user(actor), locked)
        _move(
            locked,
            "claim",
            actor=actor,
            via=via,
            fields={"claimed_by": _user(actor), "claimed_at": timezone.now()},
        )
    return locked


def proof_claim_next(
    *, actor, via: str, region: str | None = None, document_type: str = "", relation: str = ""
) -> KinshipProof | None:
    """Claim the oldest unclaimed case of the caseworker's regions (or of ``region``), passing
    over their own cases and those a colleague is claiming at this moment
    (``SKIP LOCKED``). Return None when there is none."""
    user = _user(actor)
    if user is None or not may_review_proofs(user):
        raise ProofRefused(_("You may not review cases."), code="not_a_reviewer")
    codes = region_codes(user)
    rows = KinshipProof.objects.filter(status=ProofStatus.SUBMITTED).exclude(submitted_by=user)
    rows = rows.exclude(pages__uploaded_by=user)
    if codes is not None:
        rows = rows.filter(region_id__in=sorted(codes))
    if region:
        rows = rows.filter(region_id=region)
    if document_type:
        rows = rows.filter(document_type=document_type)
    if relation:
        rows = rows.filter(relation=relation)
    with transaction.atomic():
        locked = (
            rows.order_by("submitted_at", "id")
            .select_for_update(skip_locked=True, of=("self",))
            .first()
        )
        if locked is None:
            return None
        _move(
            locked,
            "claim",
            actor=actor,
            via=via,
            fields={"claimed_by": user, "claimed_at": timezone.now()},
            params={"next": True},
        )
    return locked


def proof_release(*, actor, via: str, proof: KinshipProof, note: str = "") -> KinshipProof:
    """Give a claimed case back to the queue (its reviewer, or a supervisor)."""
    user = _user(actor)
    with transaction.atomic():
        locked = _lock(proof)
        if locked.claimed_by_id != getattr(user, "pk", None):
            _check_supervisor(user, locked)
        _move(
            locked,
            "release",
            actor=actor,
            via=via,
            fields={"claimed_by": None, "claimed_at": None},
            note=note.strip(),
            params={"was_claimed_by": locked.claimed_by_id},
        )
    return locked


def proof_reassign(*, actor, via: str, proof: KinshipProof, to, note: str = "") -> KinshipProof:
    """A supervisor gives a case (unclaimed or claimed) to caseworker ``to``."""
    with transaction.atomic():
        locked = _lock(proof)
        _check_supervisor(_user(actor), locked)
        _check_reviewer(to, locked)
        before = locked.claimed_by_id
        _move(
            locked,
            "reassign",
            actor=actor,
            via=via,
            fields={"claimed_by": to, "claimed_at": timezone.now()},
            note=note.strip(),
            params={"from_user": before, "to_user": to.pk},
        )
    return locked


def proof_approve(*, actor, via: str, proof: KinshipProof, note: str = "") -> KinshipProof:
    """Approve a claimed case: the binding is judged with the policy in force today and
    becomes active, or stays blocked with the rules that refuse it (shown on both)."""
    user = _user(actor)
    with transaction.atomic():
        locked = _lock(proof)
        _check_claimer(user, locked)
        binding = Binding.objects.get(pk=locked.binding_id)
        params = {"binding": binding.pk}
        if binding.status in (BindingStatus.PENDING, BindingStatus.BLOCKED):
            binding = binding_activate(actor=actor, via=via, binding=binding)
            params["binding_status"] = binding.status
            params["violations"] = [v["code"] for v in binding.decision.get("violations", [])]
        else:
            params["binding_status"] = binding.status  # a spot check of an active pledge
        _move(
            locked,
            "approve",
            actor=actor,
            via=via,
            fields={
                "decided_by": user,
                "decided_at": timezone.now(),
                "decision_note": note.strip(),
                "reject_reason": "",
                "policy_version_id": binding.policy_version_id,
            },
            note=note.strip(),
            params=params,
        )
    return locked


def _end_binding(binding_id: int, *, actor, via, reason: str, note: str) -> None:
    binding = Binding.objects.get(pk=binding_id)
    if binding.status != BindingStatus.REVOKED:
        binding_revoke(actor=actor, via=via, binding=binding, reason=reason, note=note)


def _rejected(locked, step, *, actor, via, reason, note, revoke_reason, params=None) -> None:
    """Reject the locked case by ``step`` (a rejection, or an approval overturned): end its
    binding for ``revoke_reason``, record the decision, and tell the applicant."""
    _end_binding(locked.binding_id, actor=actor, via=via, reason=revoke_reason, note=note)
    _move(
        locked,
        step,
        actor=actor,
        via=via,
        fields={
            "decided_by": _user(actor),
            "decided_at": timezone.now(),
            "reject_reason": reason,
            "decision_note": note,
        },
        reason=reason,
        note=note,
        params=params,
    )
    _notify(locked, "reject")


def proof_reject(
    *, actor, via: str, proof: KinshipProof, reason: str, note: str = ""
) -> KinshipProof:
    """Reject a claimed case for ``reason`` (a ``RejectReason``; "other" needs a note). The
    binding request ends; a failed spot check revokes the active pledge binding. The
    applicant is told by text message."""
    note = (note or "").strip()
    if reason not in RejectReason.values:
        raise ProofRefused(_("Choose a reason for the rejection."), code="reason_required")
    if reason == RejectReason.OTHER and not note:
        raise ProofRefused(_("Say in a note why the case is rejected."), code="note_required")
    user = _user(actor)
    with transaction.atomic():
        locked = _lock(proof)
        _check_claimer(user, locked)
        _rejected(
            locked,
            "reject",
            actor=actor,
            via=via,
            reason=reason,
            note=note,
            revoke_reason=RevokeReason.SPOT_CHECK_FAILED
            if locked.is_spot_check
            else RevokeReason.PROOF_REJECTED,
        )
    return locked


def proof_return(
    *, actor, via: str, proof: KinshipProof, missing: list[str], note: str = ""
) -> KinshipProof:
    """Return a claimed case for more documents: ``missing`` (codes of ``MissingDocument``)
    says what; the applicant is told by text message."""
    missing = [m for m in dict.fromkeys(missing or []) if m]
    if not missing:
        raise ProofRefused(_("Say which documents are missing."), code="missing_required")
    unknown = [m for m in missing if m not in MissingDocument.values]
    if unknown:
        raise ProofRefused(_("Unknown missing document."), code="unknown_missing_document")
    user = _user(actor)
    with transaction.atomic():
        locked = _lock(proof)
        _check_claimer(user, locked)
        _move(
            locked,
            "return",
            actor=actor,
            via=via,
            fields={
                "decided_by": user,
                "decided_at": timezone.now(),
                "missing": missing,
                "decision_note": note.strip(),
                "claimed_by": None,
                "claimed_at": None,
            },
            note=note.strip(),
            params={"missing": missing},
        )
        _notify(locked, "return")
    return locked


def proof_resubmit(
    *, actor, via: str, proof: KinshipProof, uploads, note: str = ""
) -> KinshipProof:
    """Resubmit a returned case with more pages; it waits in the queue again, from now."""
    user = _user(actor)
    if via != Via.COMMAND and (user is None or not may_take_proofs(user)):
        raise ProofRefused(_("You may not take cases in."), code="not_intake_staff")
    with transaction.atomic():
        locked = _lock(proof)
        if locked.status != ProofStatus.RETURNED:
            raise ProofRefused(
                _("Only a case returned for more documents can be resubmitted."),
                code="wrong_state",
            )
        checked = scans.check_uploads(
            list(uploads), pages_so_far=ProofPage.objects.filter(proof=locked).count()
        )
        if not checked:
            raise ProofRefused(_("Add at least one page."), code="no_pages")
        _store_pages(locked, checked, actor)
        _move(
            locked,
            "resubmit",
            actor=actor,
            via=via,
            fields={
                "missing": [],
                "decided_by": None,
                "decided_at": None,
                "submitted_at": timezone.now(),
            },
            note=note.strip(),
            params={"pages": sum(len(c.pages) for c in checked), "missing_was": locked.missing},
        )
        _read_later(locked)
    return locked


def proof_overturn(
    *, actor, via: str, proof: KinshipProof, note: str, reason: str = ""
) -> KinshipProof:
    """A supervisor overturns a decision, with a written reason: an approval becomes a
    rejection (``reason`` required; the binding is revoked), a rejection an approval (the
    binding is requested again in the submitter's name and judged today). A new event; the
    earlier one stays."""
    note = (note or "").strip()
    if not note:
        raise ProofRefused(_("Say in a note why the decision is overturned."), code="note_required")
    user = _user(actor)
    with transaction.atomic():
        locked = _lock(proof)
        _check_supervisor(user, locked)
        if user.pk == locked.submitted_by_id:
            raise ProofRefused(_("A case you took in is decided by a colleague."), code="own_case")
        if user.pk == locked.decided_by_id:
            raise ProofRefused(
                _("A decision is overturned by someone other than who took it."),
                code="own_decision",
            )
        previous = {"decided_by": locked.decided_by_id, "reject_reason": locked.reject_reason}
        if locked.status == ProofStatus.APPROVED:
            if reason not in RejectReason.values:
                raise ProofRefused(_("Choose a reason for the rejection."), code="reason_required")
            _rejected(
                locked,
                "overturn_to_rejected",
                actor=actor,
                via=via,
                reason=reason,
                note=note,
                revoke_reason=RevokeReason.PROOF_OVERTURNED,
                params=previous,
            )
        elif locked.status == ProofStatus.REJECTED:
            binding = _binding_again(locked, actor=actor, via=via)
            _move(
                locked,
                "overturn_to_approved",
                actor=actor,
                via=via,
                fields={
                    "binding": binding,
                    "decided_by": user,
                    "decided_at": timezone.now(),
                    "reject_reason": "",
                    "decision_note": note,
                    "policy_version_id": binding.policy_version_id,
                },
                note=note,
                params={**previous, "binding": binding.pk, "binding_status": binding.status},
            )
        else:
            raise ProofRefused(
                _("Only an approval or a rejection can be overturned."), code="wrong_state"
            )
    return locked


def _binding_again(proof: KinshipProof, *, actor, via) -> Binding:
    """Request the binding again for an overturned rejection, and activate it if allowed."""
    old = Binding.objects.get(pk=proof.binding_id)
    if old.status != BindingStatus.REVOKED:
        return binding_activate(actor=actor, via=via, binding=old)
    persons = lock_rows(InsuredPerson, [proof.authorizer_id, proof.beneficiary_id])
    binding = binding_request(
        actor=proof.submitted_by,  # the request is the one the submitter entered
        via=via,
        authorizer=persons[proof.authorizer_id],
        beneficiary=persons[proof.beneficiary_id],
        relation=proof.relation,
        basis=old.basis,
        starts_on=timezone.localdate(),
        ends_on=old.ends_on,
        payment_cap=old.payment_cap,
    )
    if binding.status == BindingStatus.PENDING:
        binding = binding_activate(actor=actor, via=via, binding=binding)
    return binding


# --- telling the applicant -----------------------------------------------------------------

SMS_TEXTS = {
    "reject": "【医保服务】您提交的家庭共济亲属关系证明（受理号{case}）未通过审核：{reason}。"
    "如有疑问请携带证件到经办机构咨询。",
    "return": "【医保服务】您提交的家庭共济亲属关系证明（受理号{case}）需补充材料：{missing}。"
    "请补齐后到经办机构或原渠道提交。",
}


def sms_text(proof: KinshipProof, kind: str) -> str:
    """The Chinese text message telling the applicant of a rejection or a return."""
    from django.utils import translation

    with translation.override("zh-hans"):
        if kind == "reject":
            reason = str(RejectReason(proof.reject_reason).label)
            return SMS_TEXTS["reject"].format(case=proof.case_number, reason=reason)
        missing = "、".join(proof.missing_shown())
        return SMS_TEXTS["return"].format(case=proof.case_number, missing=missing)


def _notify(proof: KinshipProof, kind: str) -> OutboxMessage | None:
    """Queue the text message for ``kind`` (one per event: the key names the case and its
    latest event)."""
    if not proof.contact_phone:
        return None
    last = ProofEvent.objects.filter(proof=proof).order_by("-id").values_list("pk", flat=True)[0]
    return OutboxMessage.objects.create(
        key=f"proof:{proof.pk}:{kind}:{last}",
        phone=proof.contact_phone,
        text=sms_text(proof, kind),
        proof=proof,
        next_attempt_at=timezone.now(),
    )
