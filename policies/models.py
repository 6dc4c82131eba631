"""Provinces, pooling regions (统筹区) and the versioned per-province policy tables."""

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateRangeField, RangeOperators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Func
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .relations import CLOSE_RELATIVES, Relation, ReviewMode, Use


class Province(models.Model):
    """A province-level unit that has its own policy table (31 provinces and the Corps)."""

    code = models.CharField(_("province code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=32)

    class Meta:
        ordering = ["code"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self):
        return self.name


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("province-level pool")
    PREFECTURE = "prefecture", _("prefecture-level pool")
    COUNTY = "county", _("county-level unit under the province")
    CORPS_DIVISION = "corps_division", _("Corps division")


class Region(models.Model):
    """A pooling region (统筹区) identified by its 6-digit medical-insurance region code."""

    code = models.CharField(_("region code"), max_length=6, primary_key=True)
    name = models.CharField(_("name"), max_length=64)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="regions", verbose_name=_("province")
    )
    level = models.CharField(_("level"), max_length=16, choices=RegionLevel.choices)
    wallet_enabled_on = models.DateField(
        _("wallet opened on"),
        null=True,
        blank=True,
        help_text=_("The day this region opened the medical-insurance wallet (医保钱包)."),
    )
    wallet_date_approximate = models.BooleanField(
        _("approximate"),
        default=False,
        help_text=_("The wallet date is an estimate, not this region's own notice."),
    )
    wallet_source = models.TextField(
        _("source of the wallet date"),
        blank=True,
        help_text=_("The notice that gives the date, or why it is an estimate."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("pooling region")
        verbose_name_plural = _("pooling regions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{6}$"), name="region_code_six_digits"
            ),
            models.CheckConstraint(
                condition=models.Q(wallet_date_approximate=False)
                | models.Q(wallet_enabled_on__isnull=False),
                name="region_approximate_wallet_date_given",
                violation_error_message=_("Only a date that is given can be approximate."),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def wallet_open_on(self, day) -> bool:
        """Return whether the region's medical-insurance wallet is open on ``day``."""
        return self.wallet_enabled_on is not None and self.wallet_enabled_on <= day

    @property
    def full_name(self) -> str:
        """Return the name with its province, e.g. 山东省济南市."""
        if self.level == RegionLevel.PROVINCE or self.name.startswith(self.province.name):
            return self.name
        return f"{self.province.name}{self.name}"


class RegionAlias(models.Model):
    """Another code that files use for a pooling region (e.g. 110100 for Beijing's 110000)."""

    code = models.CharField(_("code"), max_length=6, primary_key=True)
    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("region")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region code alias")
        verbose_name_plural = _("region code aliases")

    def __str__(self):
        return f"{self.code} → {self.region_id}"


def _all_relations():
    return list(CLOSE_RELATIVES)


def _all_uses():
    return list(Use.values)


class PolicyVersion(models.Model):
    """One version of a province's (or one pooling region's) mutual-aid rules.

    In force from ``effective_from`` to ``effective_to`` inclusive (open-ended
    when empty). Versions of one scope never overlap: a database exclusion
    constraint, model validation and a system check all enforce it. An empty
    number means "no limit".
    """

    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        related_name="policy_versions",
        verbose_name=_("province"),
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="policy_versions",
        verbose_name=_("only for pooling region"),
        help_text=_("Leave empty for the whole province; set it for a region's own rules."),
    )
    effective_from = models.DateField(_("in force from"))
    effective_to = models.DateField(
        _("in force until"), null=True, blank=True, help_text=_("Last day in force; empty: open.")
    )

    # Who may be bound
    allowed_relations = ArrayField(
        models.CharField(max_length=32, choices=Relation.choices),
        default=_all_relations,
        verbose_name=_("relations that may be bound"),
    )
    max_active_beneficiaries = models.PositiveSmallIntegerField(
        _("beneficiaries per authorizer at once"), null=True, blank=True
    )
    max_lifetime_beneficiaries = models.PositiveSmallIntegerField(
        _("beneficiaries per authorizer in total"), null=True, blank=True
    )
    group_caps = models.JSONField(
        _("caps per relation group"),
        default=list,
        blank=True,
        help_text=_('A list like [{"groups": ["children", "siblings"], "max": 4}].'),
    )
    max_authorizers_per_beneficiary = models.PositiveSmallIntegerField(
        _("authorizers per beneficiary"), null=True, blank=True
    )
    beneficiary_may_authorize = models.BooleanField(
        _("a beneficiary may also be an authorizer"), default=True
    )
    spouses_may_authorize_each_other = models.BooleanField(
        _("spouses may authorize each other"), default=True
    )
    cross_province = models.BooleanField(_("cross-province mutual aid open"), default=False)
    max_binding_changes_per_year = models.PositiveSmallIntegerField(
        _("binding changes per authorizer per year"), null=True, blank=True
    )
    min_days_before_unbinding = models.PositiveSmallIntegerField(
        _("days a binding must last before it may be ended"), null=True, blank=True
    )

    # Money
    retained_balance = models.DecimalField(
        _("balance that must stay in the account (yuan)"),
        max_digits=14,
        decimal_places=2,
        default=0,
    )
    max_payment_share = models.DecimalField(
        _("largest share of one payment the account may cover"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("For example 0.7 for 70%. Empty: the whole payment."),
    )
    wallet_max_transfers_per_day = models.PositiveSmallIntegerField(
        _("wallet transfers per day"), null=True, blank=True
    )
    wallet_max_amount_per_transfer = models.DecimalField(
        _("largest wallet transfer (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    wallet_quiet_from = models.TimeField(_("no wallet transfers from"), null=True, blank=True)
    wallet_quiet_until = models.TimeField(_("no wallet transfers until"), null=True, blank=True)
    allowed_uses = ArrayField(
        models.CharField(max_length=32, choices=Use.choices),
        default=_all_uses,
        verbose_name=_("what the money may pay for"),
    )

    # Proof
    review_mode = models.CharField(
        _("how relations are proven"),
        max_length=16,
        choices=ReviewMode.choices,
        default=ReviewMode.DOCUMENTS,
    )
    documents = models.JSONField(
        _("documents accepted per relation group"),
        default=dict,
        blank=True,
        help_text=_('For example {"spouse": ["marriage_certificate"]}.'),
    )
    spot_check_share = models.DecimalField(
        _("share of pledged bindings spot-checked"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
    )

    # Source
    source_title = models.CharField(_("notice title"), max_length=300, blank=True)
    source_issuer = models.CharField(_("issued by"), max_length=200, blank=True)
    source_date = models.DateField(_("notice date"), null=True, blank=True)
    source_url = models.URLField(_("link"), max_length=500, blank=True)
    source_note = models.TextField(
        _("note on sources"),
        blank=True,
        help_text=_("What is sourced, what is a national default, where sources disagree."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["province", "region", "-effective_from"]
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        indexes = [models.Index(fields=["province", "effective_from"], name="policy_province_from")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True)
                | models.Q(effective_to__gte=models.F("effective_from")),
                name="policy_period_not_reversed",
            ),
            models.CheckConstraint(
                condition=models.Q(max_payment_share__isnull=True)
                | models.Q(max_payment_share__gt=0, max_payment_share__lte=1),
                name="policy_payment_share_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(retained_balance__gte=0), name="policy_retained_not_negative"
            ),
            ExclusionConstraint(
                name="policy_versions_do_not_overlap",
                expressions=[
                    ("province", RangeOperators.EQUAL),
                    (Coalesce("region", models.Value("")), RangeOperators.EQUAL),
                    (
                        Func(
                            "effective_from",
                            "effective_to",
                            models.Value("[]"),
                            function="daterange",
                            output_field=DateRangeField(),
                        ),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                violation_error_message=_(
                    "Another version of this province or region is in force in that period."
                ),
            ),
        ]

    def __str__(self):
        scope = self.region.name if self.region_id else self.province.name
        until = self.effective_to.isoformat() if self.effective_to else "…"
        return f"{scope} {self.effective_from.isoformat()} – {until}"

    def clean(self):
        super().clean()
        if self.region_id and self.province_id and self.region.province_id != self.province_id:
            raise ValidationError(
                {"region": _("The region must belong to the province.")},
                code="region_not_in_province",
            )
        if self.effective_to and self.effective_from and self.effective_to < self.effective_from:
            raise ValidationError(
                {"effective_to": _("A version cannot end before it starts.")},
                code="period_reversed",
            )
        overlapping = self.overlapping_versions().first()
        if overlapping is not None:
            raise ValidationError(
                _("This period overlaps the version %(version)s of the same scope."),
                code="overlapping_version",
                params={"version": overlapping},
            )
        from .validation import validate_policy_data

        validate_policy_data(self)

    def get_constraints(self):
        # clean() reports overlaps naming the other version; leave the exclusion
        # constraint to the database rather than report the same fault twice.
        return [
            (model, [c for c in constraints if c.name != "policy_versions_do_not_overlap"])
            for model, constraints in super().get_constraints()
        ]

    def overlapping_versions(self):
        """Return other versions of the same scope whose periods meet this one's."""
        if not (self.province_id and self.effective_from):
            return PolicyVersion.objects.none()
        qs = PolicyVersion.objects.filter(province_id=self.province_id, region_id=self.region_id)
        qs = qs.exclude(pk=self.pk) if self.pk else qs
        qs = qs.filter(
            models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=self.effective_from)
        )
        if self.effective_to:
            qs = qs.filter(effective_from__lte=self.effective_to)
        return qs

    def in_force_on(self, day) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )


class PolicyChange(models.Model):
    """An append-only record of a change to a policy version: who, when, old → new, why."""

    version = models.ForeignKey(
        PolicyVersion, on_delete=models.PROTECT, related_name="changes", verbose_name=_("version")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    at = models.DateTimeField(_("changed at"), auto_now_add=True)
    action = models.CharField(
        _("action"),
        max_length=10,
        choices=[("created", _("created")), ("changed", _("changed"))],
    )
    changes = models.JSONField(_("changes"), default=dict, help_text=_("{field: [old, new]}"))
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("policy change")
        verbose_name_plural = _("policy changes")

    def __str__(self):
        at = timezone.localtime(self.at)
        return f"{self.version} {self.get_action_display()} {at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Policy changes are append-only.")
        super().save(*args, **kwargs)
