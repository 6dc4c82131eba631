"""Bindings (共济绑定): an authorizer lets a close relative use their personal account."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.choices import LIVE_BINDING_STATUSES, BindingBasis, BindingStatus, RevokeReason
from policies.relations import Relation


class Binding(models.Model):
    """Authorizer → beneficiary, with what the beneficiary is to the authorizer.

    Changed only by ``accounts.services.bindings``; each change writes an audit event.
    ``decision`` keeps the engine's last judgement (allowed, violations and red flags as
    codes with their parameters), so the page shows why, in the reader's language.
    """

    authorizer = models.ForeignKey(
        "accounts.InsuredPerson",
        on_delete=models.PROTECT,
        related_name="bindings_given",
        verbose_name=_("authorizer"),
    )
    beneficiary = models.ForeignKey(
        "accounts.InsuredPerson",
        on_delete=models.PROTECT,
        related_name="bindings_received",
        verbose_name=_("beneficiary"),
    )
    relation = models.CharField(
        _("relation (beneficiary to authorizer)"), max_length=30, choices=Relation.choices
    )
    basis = models.CharField(_("established by"), max_length=12, choices=BindingBasis.choices)
    status = models.CharField(
        pgettext_lazy("binding", "status"),
        max_length=10,
        choices=BindingStatus.choices,
        default=BindingStatus.PENDING,
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    payment_cap = models.DecimalField(
        _("per-payment cap (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    #: the version of the authorizer's province (参保地, whose fund pays) that judged it
    policy_version = models.ForeignKey(
        "policies.PolicyVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("policy version"),
    )
    #: for a pair in two provinces, the beneficiary's province's version (beneficiary-side
    #: rules: how many authorizers, whether a beneficiary may authorize)
    beneficiary_policy_version = models.ForeignKey(
        "policies.PolicyVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("beneficiary's policy version"),
    )
    decision = models.JSONField(_("decision"), default=dict, blank=True)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    revoke_reason = models.CharField(
        _("reason for revocation"), max_length=20, choices=RevokeReason.choices, blank=True
    )
    revoke_note = models.TextField(_("note on revocation"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("binding")
        verbose_name_plural = _("bindings")
        indexes = [
            models.Index(fields=["authorizer", "status"], name="binding_authorizer_status"),
            models.Index(fields=["beneficiary", "status"], name="binding_beneficiary_status"),
            models.Index(fields=["status", "-id"], name="binding_status_recent"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["authorizer", "beneficiary"],
                condition=Q(status__in=LIVE_BINDING_STATUSES),
                name="binding_one_live_per_pair",
                violation_error_message=_("This relative already has a live binding."),
            ),
            models.CheckConstraint(
                condition=~Q(authorizer=F("beneficiary")), name="binding_not_self"
            ),
            models.CheckConstraint(
                condition=Q(status__in=BindingStatus.values), name="binding_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="binding_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(payment_cap__isnull=True) | Q(payment_cap__gt=0),
                name="binding_cap_positive",
            ),
            models.CheckConstraint(
                condition=Q(status=BindingStatus.REVOKED, revoked_at__isnull=False)
                | (~Q(status=BindingStatus.REVOKED) & Q(revoked_at__isnull=True)),
                name="binding_revoked_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.authorizer} → {self.beneficiary} ({self.get_relation_display()})"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_BINDING_STATUSES
