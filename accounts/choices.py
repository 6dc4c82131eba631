"""Every TextChoices of the accounts app: statuses, types and modes, shared by models,
services, admin, import and reports."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The person's vocabulary belongs to the rules, which judge it; offered here with the rest.
from policies.persons import InsuranceType, PersonStatus, Sex

__all__ = ["InsuranceType", "PersonStatus", "Sex"]  # and the choices below


class ImportStatus(models.TextChoices):
    RUNNING = "running", _("running")
    FINISHED = "finished", _("finished")
    FAILED = "failed", _("failed (file unreadable)")
    PREVIEW = "preview", _("awaiting confirmation")
    CANCELLED = "cancelled", _("cancelled")
    INTERRUPTED = "interrupted", _("interrupted")
    STOPPED = "stopped", _("stopped")


class Via(models.TextChoices):
    """Through which entry point a change was made (who acted is the event's actor)."""

    ADMIN = "admin", _("portal page")
    COMMAND = "command", _("command line")
    WORKER = "worker", _("background worker")
    SCHEDULE = "schedule", _("scheduled job")
    IMPORT = "import", _("enrollment import")


class BindingStatus(models.TextChoices):
    PENDING = "pending", _("pending review")
    ACTIVE = "active", pgettext_lazy("binding status", "active")
    BLOCKED = "blocked", _("blocked by the policy")
    REVOKED = "revoked", _("revoked")


#: a binding in one of these states is live: at most one live binding per pair
LIVE_BINDING_STATUSES = (BindingStatus.PENDING, BindingStatus.ACTIVE)


class BindingBasis(models.TextChoices):
    """How the relationship behind a binding was established."""

    DOCUMENTS = "documents", _("documents reviewed")
    PLEDGE = "pledge", _("signed pledge (承诺制)")


class RevokeReason(models.TextChoices):
    AUTHORIZER_REQUEST = "authorizer_request", _("at the authorizer's request")
    CASEWORKER = "caseworker", _("by a caseworker")
    SUPERVISOR = "supervisor", _("by a supervisor")
    ENROLMENT_ENDED = "enrolment_ended", _("enrolment ended (terminated or deceased)")
    LEFT_EMPLOYEE_INSURANCE = "left_employee", _("authorizer left employee insurance")
    SPOT_CHECK_FAILED = "spot_check_failed", _("spot check failed")
    PROOF_OVERTURNED = "proof_overturned", _("proof approval overturned")
    PROOF_REJECTED = "proof_rejected", _("kinship proof rejected")


class JournalKind(models.TextChoices):
    """What one money movement (a journal of the ledger) was."""

    DIRECT_PAYMENT = "direct_payment", _("direct payment")
    WALLET_TRANSFER = "wallet_transfer", _("wallet transfer")
    TRANSFER_ACCEPT = "transfer_accept", _("transfer accepted")
    TRANSFER_RETURN = "transfer_return", _("transfer returned")
    WALLET_SPEND = "wallet_spend", _("wallet spending")
    REVERSAL = "reversal", _("reversal")
    IMPORT_ADJUSTMENT = "import_adjustment", _("balance set by an import")
    OPENING = "opening", _("opening balance")


class AccountKind(models.TextChoices):
    """Which account a ledger entry moves money in or out of."""

    PERSONAL = "personal", _("personal account")
    WALLET = "wallet", _("medical-insurance wallet")
    TRANSFER_HOLD = "transfer_hold", _("transfer awaiting acceptance")
    SETTLEMENT = "settlement", _("hospital and pharmacy settlement")
    PREMIUM_COLLECTION = "premium_collection", _("premium collection")
    IMPORT_ADJUSTMENT = "import_adjustment", _("import adjustments")
    OPENING = "opening", _("opening balances")


#: the account kinds that belong to one person (the entry names the person)
PERSON_ACCOUNT_KINDS = (AccountKind.PERSONAL, AccountKind.WALLET, AccountKind.TRANSFER_HOLD)


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("awaiting acceptance")
    ACCEPTED = "accepted", _("accepted")
    RETURNED = "returned", _("returned unaccepted")
    REVERSED = "reversed", pgettext_lazy("money movement", "reversed")


class ProofStatus(models.TextChoices):
    """Where a kinship proof is in its review (the transitions: ``services.proofs``)."""

    SUBMITTED = "submitted", _("waiting for review")
    IN_REVIEW = "in_review", _("in review")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    RETURNED = "returned", _("returned for more documents")


#: a proof in one of these states waits for a caseworker (the queue)
OPEN_PROOF_STATUSES = (ProofStatus.SUBMITTED, ProofStatus.IN_REVIEW)


class ProofChannel(models.TextChoices):
    """How a proof reached the agency."""

    COUNTER = "counter", _("at the counter")
    BATCH = "batch", _("batch intake")
    PLEDGE = "pledge", _("signed pledge (承诺制)")


class Applicant(models.TextChoices):
    """Who applied at the counter."""

    AUTHORIZER = "authorizer", _("the authorizer in person")
    AGENT = "agent", _("an agent for the authorizer")


class RejectReason(models.TextChoices):
    """Why a proof was rejected (a note says more)."""

    RELATION_NOT_SHOWN = "relation_not_shown", _("the documents do not show the relation")
    PERSON_MISMATCH = "person_mismatch", _("a name or ID number does not match the persons")
    ILLEGIBLE = "illegible", _("the scan cannot be read")
    DOCUMENT_NOT_ACCEPTED = "document_not_accepted", _("the document type is not accepted")
    SUSPECTED_FORGERY = "suspected_forgery", _("suspected forgery or alteration")
    DUPLICATE_CASE = "duplicate_case", _("the same case was submitted before")
    OTHER = "other", _("other (see the note)")


class MissingDocument(models.TextChoices):
    """What a returned proof still needs."""

    HEAD_PAGE = "head_page", _("the head-of-household page of the household register")
    AUTHORIZER_PAGE = "authorizer_page", _("the authorizer's own page")
    BENEFICIARY_PAGE = "beneficiary_page", _("the beneficiary's own page")
    MARRIAGE_PAGE = "marriage_page", _("the marriage certificate page with both names")
    BIRTH_CERTIFICATE = "birth_certificate", _("the birth medical certificate")
    KINSHIP_CERTIFICATE = "kinship_certificate", _("a kinship certificate")
    CLEARER_SCAN = "clearer_scan", _("a clearer scan")
    SIGNED_PLEDGE = "signed_pledge", _("the signed commitment letter")


class OcrStatus(models.TextChoices):
    PENDING = "pending", _("waiting to be read")
    DONE = "done", _("read")
    FAILED = "failed", _("could not be read")


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed, will not be retried")
