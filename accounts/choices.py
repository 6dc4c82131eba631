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
