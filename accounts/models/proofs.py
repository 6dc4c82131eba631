"""Kinship proofs (亲属关系证明): the documents behind a binding request, and their review.

A proof backs one binding request (authorizer → beneficiary with the relation). It has a
document type and one or more pages. Its state changes only through
``accounts.services.proofs``; PostgreSQL refuses any other transition (migration trigger
``kinshipproof_transition``), refuses a decision by the person who submitted it, and keeps
the review events append-only.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts import phash as hashes
from accounts.choices import (
    OPEN_PROOF_STATUSES,
    Applicant,
    MissingDocument,
    OcrStatus,
    OutboxStatus,
    ProofChannel,
    ProofStatus,
    RejectReason,
    Via,
)
from policies.relations import DocumentType, Relation

#: the pairs of states a proof may move between (the services and the database agree)
TRANSITIONS = {
    "claim": ((ProofStatus.SUBMITTED,), ProofStatus.IN_REVIEW),
    "release": ((ProofStatus.IN_REVIEW,), ProofStatus.SUBMITTED),
    "reassign": ((ProofStatus.SUBMITTED, ProofStatus.IN_REVIEW), ProofStatus.IN_REVIEW),
    "approve": ((ProofStatus.IN_REVIEW,), ProofStatus.APPROVED),
    "reject": ((ProofStatus.IN_REVIEW,), ProofStatus.REJECTED),
    "return": ((ProofStatus.IN_REVIEW,), ProofStatus.RETURNED),
    "resubmit": ((ProofStatus.RETURNED,), ProofStatus.SUBMITTED),
    "overturn_to_rejected": ((ProofStatus.APPROVED,), ProofStatus.REJECTED),
    "overturn_to_approved": ((ProofStatus.REJECTED,), ProofStatus.APPROVED),
}
#: every (from, to) pair of ``TRANSITIONS``; a row may also keep its state
ALLOWED_PAIRS = sorted({(str(a), str(to)) for froms, to in TRANSITIONS.values() for a in froms})


class KinshipProof(models.Model):
    """One case: the documents that prove a relation, and where their review stands."""

    case_number = models.CharField(_("case number"), max_length=24, unique=True)
    binding = models.ForeignKey(
        "accounts.Binding",
        on_delete=models.PROTECT,
        related_name="proofs",
        verbose_name=_("binding"),
    )
    authorizer = models.ForeignKey(
        "accounts.InsuredPerson",
        on_delete=models.PROTECT,
        related_name="proofs_given",
        verbose_name=_("authorizer"),
    )
    beneficiary = models.ForeignKey(
        "accounts.InsuredPerson",
        on_delete=models.PROTECT,
        related_name="proofs_received",
        verbose_name=_("beneficiary"),
    )
    relation = models.CharField(
        _("relation (beneficiary to authorizer)"), max_length=30, choices=Relation.choices
    )
    document_type = models.CharField(
        _("document type"), max_length=24, choices=DocumentType.choices
    )
    #: the authorizer's pooling region: its agency decides (the queue's scope)
    region = models.ForeignKey(
        "policies.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    #: the beneficiary's pooling region: its staff see the case too
    beneficiary_region = models.ForeignKey(
        "policies.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("beneficiary's region"),
    )
    status = models.CharField(
        pgettext_lazy("proof", "status"),
        max_length=12,
        choices=ProofStatus.choices,
        default=ProofStatus.SUBMITTED,
    )
    channel = models.CharField(_("channel"), max_length=10, choices=ProofChannel.choices)
    applicant = models.CharField(
        _("applicant"), max_length=12, choices=Applicant.choices, default=Applicant.AUTHORIZER
    )
    #: where the applicant is told of a rejection or a return (the authorizer's mobile by default)
    contact_phone = models.CharField(_("applicant's mobile"), max_length=20, blank=True)
    agent_name = models.CharField(_("agent's name"), max_length=50, blank=True)
    agent_national_id = models.CharField(_("agent's ID number"), max_length=18, blank=True)
    #: a batch's own reference for the case (unique within the channel)
    external_ref = models.CharField(_("reference of the sender"), max_length=64, blank=True)
    is_spot_check = models.BooleanField(_("spot check of a pledge"), default=False)
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("claimed by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    reject_reason = models.CharField(
        _("reason for rejection"), max_length=24, choices=RejectReason.choices, blank=True
    )
    missing = models.JSONField(
        _("documents still missing"),
        default=list,
        blank=True,
        help_text=_("Codes of MissingDocument."),
    )
    decision_note = models.TextField(_("note on the decision"), blank=True)
    #: the policy version that judged the binding when the proof was approved
    policy_version = models.ForeignKey(
        "policies.PolicyVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("policy version"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("kinship proof")
        verbose_name_plural = _("kinship proofs")
        permissions = [
            ("review_kinshipproof", _("Can claim and decide kinship proofs")),
            ("supervise_kinshipproof", _("Can reassign cases and overturn decisions")),
        ]
        indexes = [
            # the queue: unclaimed / my cases, oldest first, by region
            models.Index(fields=["status", "region", "submitted_at"], name="proof_queue"),
            models.Index(
                fields=["status", "beneficiary_region", "submitted_at"],
                name="proof_queue_beneficiary",
            ),
            models.Index(fields=["claimed_by", "status"], name="proof_claimed_by"),
            models.Index(fields=["authorizer", "beneficiary"], name="proof_pair"),
            models.Index(fields=["decided_by", "decided_at"], name="proof_decided_by"),
            # the queue's open cases, oldest first, and its decided cases, newest first: read in
            # order, filtered by region, rather than all of a region's cases sorted
            models.Index(
                fields=["submitted_at", "id"],
                condition=Q(status__in=OPEN_PROOF_STATUSES),
                name="proof_open_oldest",
            ),
            models.Index(
                fields=["decided_at", "id"],
                condition=~Q(status__in=OPEN_PROOF_STATUSES),
                name="proof_decided_newest",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ProofStatus.values), name="proof_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(authorizer=F("beneficiary")), name="proof_not_self"
            ),
            # four-eyes: whoever submitted a proof neither claims nor decides it
            models.CheckConstraint(
                condition=Q(claimed_by__isnull=True)
                | Q(submitted_by__isnull=True)
                | ~Q(claimed_by=F("submitted_by")),
                name="proof_four_eyes_claim",
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True)
                | Q(submitted_by__isnull=True)
                | ~Q(decided_by=F("submitted_by")),
                name="proof_four_eyes_decision",
            ),
            models.CheckConstraint(
                condition=~Q(status=ProofStatus.IN_REVIEW) | Q(claimed_by__isnull=False),
                name="proof_in_review_claimed",
            ),
            models.CheckConstraint(
                condition=~Q(status=ProofStatus.REJECTED) | ~Q(reject_reason=""),
                name="proof_rejected_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status=ProofStatus.RETURNED) | ~Q(missing=[]),
                name="proof_returned_says_missing",
            ),
            models.UniqueConstraint(
                fields=["channel", "external_ref"],
                condition=~Q(external_ref=""),
                name="proof_external_ref_unique",
            ),
        ]

    def __str__(self):
        return self.case_number

    @property
    def is_open(self) -> bool:
        return self.status in (ProofStatus.SUBMITTED, ProofStatus.IN_REVIEW)

    def missing_shown(self) -> list[str]:
        return [
            str(MissingDocument(code).label)
            for code in self.missing
            if code in MissingDocument.values
        ]


def page_path(page: "ProofPage", filename: str) -> str:
    """Where a page's file is kept in private storage: by case, never by the upload's name."""
    return f"proofs/{page.proof_id}/{page.sha256}{page.extension}"


def thumbnail_path(page: "ProofPage", filename: str) -> str:
    return f"proofs/{page.proof_id}/thumbs/{page.sha256}-{page.pdf_page}.jpg"


class ProofPage(models.Model):
    """One page of a proof: an image, or one page of an uploaded PDF (rendered for viewing)."""

    proof = models.ForeignKey(
        KinshipProof, on_delete=models.PROTECT, related_name="pages", verbose_name=_("proof")
    )
    number = models.PositiveSmallIntegerField(_("page"))
    #: the file as uploaded (a PDF's pages share it)
    file = models.FileField(_("file"), upload_to=page_path, max_length=200)
    content_type = models.CharField(_("content type"), max_length=40)
    extension = models.CharField(max_length=8)
    #: 0 for an image; the page index within the PDF
    pdf_page = models.PositiveSmallIntegerField(_("page of the PDF"), default=0)
    #: the page as an image (a PDF page rendered; an image as uploaded, made upright)
    image = models.FileField(_("page image"), upload_to=thumbnail_path, max_length=200, blank=True)
    thumbnail = models.FileField(
        _("thumbnail"), upload_to=thumbnail_path, max_length=200, blank=True
    )
    size = models.PositiveIntegerField(_("size in bytes"))
    width = models.PositiveIntegerField(_("width"), default=0)
    height = models.PositiveIntegerField(_("height"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    #: perceptual hash (64-bit, hex) of the page image, for near-duplicate pages
    phash = models.CharField(_("perceptual hash"), max_length=16, blank=True)
    #: the hash as a signed 64-bit number, and cut into bands (``accounts.phash``): pages
    #: sharing a band are the candidates for a near-identical page, the distance decides
    phash_bits = models.GeneratedField(
        expression=RawSQL(hashes.signed_sql("phash"), ()),
        output_field=models.BigIntegerField(null=True),
        db_persist=True,
    )
    phash_bands = models.GeneratedField(
        expression=RawSQL(hashes.bands_sql("phash"), ()),
        output_field=ArrayField(models.SmallIntegerField(), null=True),
        db_persist=True,
    )
    original_name = models.CharField(_("name as uploaded"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    ocr_status = models.CharField(
        _("reading"), max_length=10, choices=OcrStatus.choices, default=OcrStatus.PENDING
    )
    ocr_text = models.TextField(_("text read"), blank=True)
    #: [{"text", "box": [[x, y] * 4], "score"}] in image pixels
    ocr_boxes = models.JSONField(_("text boxes"), default=list, blank=True)
    ocr_engine = models.CharField(_("reading engine"), max_length=60, blank=True)
    ocr_at = models.DateTimeField(_("read at"), null=True, blank=True)
    ocr_error = models.TextField(_("reading error"), blank=True)
    #: the identity numbers read on the page (normalised), to tell a copy of this page from
    #: another household's page of the same printed form
    ocr_ids = ArrayField(
        models.CharField(max_length=18), verbose_name=_("ID numbers read"), default=list, blank=True
    )

    class Meta:
        ordering = ["proof", "number"]
        verbose_name = _("proof page")
        verbose_name_plural = _("proof pages")
        constraints = [
            models.UniqueConstraint(fields=["proof", "number"], name="proof_page_number_unique"),
        ]
        indexes = [
            models.Index(fields=["ocr_status", "id"], name="proof_page_ocr_waiting"),
            # near-identical pages (accounts.selectors.scans): by band; a page showing an ID
            # number in common; among the pages not read (yet). Pages come in at a clerk's
            # pace: no pending list for the look-ups to scan
            GinIndex(fields=["phash_bands"], name="proof_page_phash_bands", fastupdate=False),
            GinIndex(fields=["ocr_ids"], name="proof_page_ocr_ids", fastupdate=False),
            GinIndex(
                fields=["phash_bands"],
                name="proof_page_phash_not_read",
                condition=~Q(ocr_status=OcrStatus.DONE),
                fastupdate=False,
            ),
        ]

    def __str__(self):
        return f"{self.proof_id} p{self.number}"


class ProofEvent(models.Model):
    """One step of a proof's review: who, when, from → to, why. Append-only in PostgreSQL."""

    proof = models.ForeignKey(
        KinshipProof, on_delete=models.PROTECT, related_name="events", verbose_name=_("proof")
    )
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    via = models.CharField(_("through"), max_length=12, choices=Via.choices)
    #: ``submit``, ``claim``, ``release``, ``reassign``, ``approve``, ``reject``, ``return``,
    #: ``resubmit``, ``overturn``, ``add_pages``, ``spot_check_drawn``, ``pledge_accepted``
    action = models.CharField(_("action"), max_length=24)
    from_state = models.CharField(_("from"), max_length=12, blank=True)
    to_state = models.CharField(_("to"), max_length=12, blank=True)
    reason_code = models.CharField(_("reason"), max_length=24, blank=True)
    note = models.TextField(_("note"), blank=True)
    params = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("review event")
        verbose_name_plural = _("review events")
        indexes = [
            models.Index(fields=["proof", "at"], name="proof_event_proof_at"),
            models.Index(fields=["actor", "at"], name="proof_event_actor_at"),
            models.Index(fields=["action", "at"], name="proof_event_action_at"),
        ]

    def __str__(self):
        return f"{self.proof_id} {self.action}: {self.from_state} → {self.to_state}"


class PersonLookup(models.Model):
    """A look-up of a person outside the caseworker's regions, for an intake. Append-only."""

    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("looked up by"),
    )
    person = models.ForeignKey(
        "accounts.InsuredPerson",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("person looked up"),
    )
    #: the case it was for is named by the case's ``submit`` event (``params["lookups"]``)
    purpose = models.CharField(_("purpose"), max_length=100, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("cross-region look-up")
        verbose_name_plural = _("cross-region look-ups")
        indexes = [models.Index(fields=["actor", "at"], name="person_lookup_actor_at")]

    def __str__(self):
        return f"{self.actor_id} → {self.person_id} ({self.at:%Y-%m-%d %H:%M})"


class OutboxMessage(models.Model):
    """A text message to send (SMS), written in the transaction of what it tells.

    Sent by the worker through ``settings.SMS_BACKEND``; ``key`` makes it at most one
    message per event, and a message once sent is never sent again.
    """

    key = models.CharField(_("key"), max_length=80, unique=True)
    phone = models.CharField(_("mobile"), max_length=20)
    text = models.TextField(_("text"))
    proof = models.ForeignKey(
        KinshipProof,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("case"),
    )
    status = models.CharField(
        pgettext_lazy("message", "status"),
        max_length=8,
        choices=OutboxStatus.choices,
        default=OutboxStatus.QUEUED,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=OutboxStatus.SENT) | Q(sent_at__isnull=False),
                name="outbox_sent_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.phone}: {self.text[:20]}"
