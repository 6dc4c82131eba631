"""The reports' tables: summaries kept current by ``reports.fold``, and their queues.

The summaries hold counts and amounts per month (Beijing time) and pooling region, so a
report reads a few thousand rows whatever the size of the ledger. They are written only by
``reports.fold``, which folds in the journals and audit events that triggers of migration
0001 queue as they are inserted (exactly once: a queued row is deleted in the transaction
that folds it). Region codes are kept as plain codes, without foreign keys, as the ledger
keeps them: a summary row is never joined to more than the small table of regions.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from policies.relations import DocumentType, Relation, Use

from .choices import BindingEvent, MoneyMode


class ReportAccess(models.Model):
    """No table: carries the permission to open the supervisor reports (``view_reports``),
    which the supervisor and auditor roles hold."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_reports", _("Can view the supervisor reports"))]
        verbose_name = _("supervisor reports")

    def __str__(self):
        return str(self._meta.verbose_name)


def _money(verbose_name) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=18, decimal_places=2, default=0)


def _document_type() -> models.CharField:
    """The document the binding was proved on: that of its latest kinship proof ("" for a
    binding without one, or money that names no binding)."""
    return models.CharField(
        _("document type"), max_length=30, blank=True, default="", choices=DocumentType.choices
    )


class MoneyMonth(models.Model):
    """Money moved in one month, from the payer's region to the payee's, by relation, mode
    and use.

    ``month`` is the month of the payment or transfer itself: its acceptance, return or
    reversal move it between the counts of that month, so each month's transfers add up
    (``count`` = accepted + returned + reversed + still pending). ``payer_region`` is where
    the authorizer is insured (参保地, whose fund pays) or, for spending from a wallet or
    recorded by an import, the holder; ``payee_region`` the beneficiary's.
    """

    month = models.DateField(_("month"))
    payer_region = models.CharField(_("payer's region"), max_length=6)
    payee_region = models.CharField(_("beneficiary's region"), max_length=6)
    relation = models.CharField(_("relation"), max_length=30, blank=True, choices=Relation.choices)
    mode = models.CharField(_("mode"), max_length=12, choices=MoneyMode.choices)
    use = models.CharField(_("paid for"), max_length=32, blank=True, choices=Use.choices)
    document_type = _document_type()
    count = models.BigIntegerField(_("count"), default=0)
    amount = _money(_("amount (yuan)"))
    accepted_count = models.BigIntegerField(_("accepted"), default=0)
    accepted_amount = _money(_("accepted (yuan)"))
    returned_count = models.BigIntegerField(_("returned"), default=0)
    returned_amount = _money(_("returned (yuan)"))
    reversed_count = models.BigIntegerField(_("reversed"), default=0)
    reversed_amount = _money(_("reversed (yuan)"))

    class Meta:
        verbose_name = _("money by month")
        verbose_name_plural = _("money by month")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "month",
                    "payer_region",
                    "payee_region",
                    "relation",
                    "document_type",
                    "mode",
                    "use",
                ],
                name="money_month_key",
            ),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.payer_region}→{self.payee_region} {self.mode}"


class BindingMonth(models.Model):
    """Bindings activated and revoked in one month, by the two persons' regions, relation
    and reason (of a revocation)."""

    month = models.DateField(_("month"))
    authorizer_region = models.CharField(_("authorizer's region"), max_length=6)
    beneficiary_region = models.CharField(_("beneficiary's region"), max_length=6)
    relation = models.CharField(_("relation"), max_length=30, choices=Relation.choices)
    event = models.CharField(_("event"), max_length=12, choices=BindingEvent.choices)
    reason = models.CharField(_("reason"), max_length=40, blank=True)
    document_type = _document_type()
    count = models.BigIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("bindings by month")
        verbose_name_plural = _("bindings by month")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "month",
                    "authorizer_region",
                    "beneficiary_region",
                    "relation",
                    "document_type",
                    "event",
                    "reason",
                ],
                name="binding_month_key",
            ),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.authorizer_region} {self.relation} {self.event}"


class FoldState(models.Model):
    """How current a summary is: everything committed before ``as_of`` is in it."""

    name = models.CharField(_("summary"), max_length=20, primary_key=True)
    as_of = models.DateTimeField(_("as of"))
    folded = models.BigIntegerField(_("rows folded in"), default=0)

    class Meta:
        verbose_name = _("summary state")
        verbose_name_plural = _("summary states")

    def __str__(self):
        return f"{self.name} @ {self.as_of:%Y-%m-%d %H:%M}"


class JournalQueue(models.Model):
    """A ledger journal not yet folded into the money summary (filled by a trigger)."""

    journal_id = models.BigIntegerField(primary_key=True)

    class Meta:
        verbose_name = _("journal waiting to be counted")

    def __str__(self):
        return str(self.journal_id)


class BindingEventQueue(models.Model):
    """An audit event of a binding not yet folded into the bindings summary (a trigger)."""

    event_id = models.BigIntegerField(primary_key=True)

    class Meta:
        verbose_name = _("binding event waiting to be counted")

    def __str__(self):
        return str(self.event_id)


class DecisionOutcome(models.TextChoices):
    """A step of a kinship proof's review the decisions report counts (``ProofEvent.action``)."""

    APPROVED = "approve", _("approved")
    REJECTED = "reject", _("rejected")
    RETURNED = "return", _("returned for more documents")
    #: a supervisor overturned an approval or a rejection
    OVERTURNED = "overturn", _("overturned")
    #: a pledge case drawn for a check after its binding became active
    SPOT_CHECK_DRAWN = "spot_check_drawn", _("drawn for a spot check")


#: the outcomes that are a caseworker's decision on a claimed case
DECIDED = (DecisionOutcome.APPROVED, DecisionOutcome.REJECTED, DecisionOutcome.RETURNED)


class Decision(models.Model):
    """One review step the decisions report counts, copied from its ``ProofEvent`` with what
    the report filters and groups by, so the report reads one narrow table without joins.

    Written only by the statement trigger of migration 0004 (0006 adds ``day``), in the
    transaction that inserts the event (no lag). ``handled_seconds``: from the case's last
    claim (or reassignment) to this decision. ``decision_of``: for an overturn, who took the
    decision overturned.
    """

    event_id = models.BigIntegerField(_("review event"), primary_key=True)
    at = models.DateTimeField(_("at"))
    #: the day of ``at`` in Beijing, which the report groups and filters by (converting
    #: ``at`` to local time row by row costs more than the rest of reading the table)
    day = models.DateField(_("day"))
    region = models.CharField(_("pooling region"), max_length=6)
    relation = models.CharField(_("relation"), max_length=30, choices=Relation.choices)
    document_type = models.CharField(_("document type"), max_length=30)
    actor_id = models.IntegerField(_("actor"), null=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=DecisionOutcome.choices)
    reason = models.CharField(_("reason"), max_length=24, blank=True)
    handled_seconds = models.IntegerField(_("handling time (seconds)"), null=True)
    spot_check = models.BooleanField(_("spot check"), default=False)
    decision_of_id = models.IntegerField(_("decision overturned was by"), null=True)

    class Meta:
        verbose_name = _("review decision")
        verbose_name_plural = _("review decisions")
        indexes = [
            models.Index(fields=["at"], name="report_decision_at"),
            models.Index(fields=["region", "at"], name="report_decision_region_at"),
            models.Index(fields=["day"], name="report_decision_day"),
            models.Index(fields=["region", "day"], name="report_decision_region_day"),
        ]

    def __str__(self):
        return f"{self.event_id} {self.outcome} @ {self.at:%Y-%m-%d %H:%M}"
