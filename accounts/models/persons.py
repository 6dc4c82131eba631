"""Insured persons and their personal accounts (个人账户)."""

from decimal import Decimal

from django.contrib.postgres.indexes import OpClass
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts import idnumbers
from accounts.choices import InsuranceType, PersonStatus, Sex
from accounts.validators import (
    NAME_MAX,
    clean_mobile,
    clean_name,
    clean_national_id,
    validate_mobile,
    validate_name,
    validate_national_id,
)


def last_import_run_field() -> models.ForeignKey:
    """The import that last wrote a row (who, when, from which file).

    A plain number, with no foreign key check or index, so that it adds nothing but
    its bytes to a bulk load. Import runs are never deleted.
    """
    return models.ForeignKey(
        "ImportRun",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("last written by import"),
    )


class InsuredPerson(models.Model):
    """A person enrolled in basic medical insurance in one pooling region."""

    national_id = models.CharField(
        _("identity number"), max_length=18, validators=[validate_national_id]
    )
    name = models.CharField(_("full name"), max_length=NAME_MAX, validators=[validate_name])
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, editable=False)
    birth_date = models.DateField(_("birth date"), editable=False)
    insurance_type = models.CharField(
        _("insurance type"), max_length=10, choices=InsuranceType.choices
    )
    region = models.ForeignKey(
        "policies.Region",
        on_delete=models.PROTECT,
        related_name="persons",
        verbose_name=_("pooling region"),
        # person_region_recent and person_region_type both start with the
        # region: a third index on it alone would only slow every write.
        db_index=False,
    )
    enrolled_on = models.DateField(_("enrolled on"))
    status = models.CharField(
        # In context: a bare "status" would translate every other app's status (tasks…) too.
        pgettext_lazy("insured person", "status"),
        max_length=10,
        choices=PersonStatus.choices,
        default=PersonStatus.ACTIVE,
    )
    mobile = models.CharField(
        _("mobile phone"), max_length=11, blank=True, validators=[validate_mobile]
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    last_import_run = last_import_run_field()

    class Meta:
        verbose_name = _("insured person")
        verbose_name_plural = _("insured persons")
        ordering = ["-id"]
        permissions = [
            ("export_insuredperson", _("Can export insured persons")),
            # Supervisors: the identity number and a recorded death, each with a reason.
            (
                "correct_insuredperson",
                _("Can correct a person's identity number or recorded death"),
            ),
        ]
        indexes = [
            # The changelist of a region, newest first, without a sort over millions.
            models.Index(fields=["region", "-id"], name="person_region_recent"),
            # Counts per region and insurance type (home page, reports) from the
            # index alone, without reading the table.
            models.Index(fields=["region", "insurance_type"], name="person_region_type"),
            # Name search is a prefix search (张三 finds 张三丰) served by this index.
            models.Index(OpClass("name", name="varchar_pattern_ops"), name="person_name_prefix"),
            models.Index(fields=["mobile"], name="person_mobile", condition=~models.Q(mobile="")),
        ]
        constraints = [
            # A constraint rather than unique=True: the latter adds a second,
            # LIKE-only index on PostgreSQL, dead weight on 10 million rows.
            models.UniqueConstraint(
                fields=["national_id"],
                name="person_national_id_unique",
                violation_error_message=_("A person with this identity number already exists."),
            ),
            models.CheckConstraint(
                condition=models.Q(national_id__regex=r"^[0-9]{17}[0-9X]$"),
                name="person_national_id_format",
            ),
            models.CheckConstraint(
                condition=models.Q(national_id=Upper("national_id")),
                name="person_national_id_upper",
            ),
            models.CheckConstraint(condition=models.Q(sex__in=Sex.values), name="person_sex_valid"),
            models.CheckConstraint(
                condition=models.Q(insurance_type__in=InsuranceType.values),
                name="person_insurance_type_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=PersonStatus.values), name="person_status_valid"
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.national_id}）"

    def save(self, *args, **kwargs):
        self.apply_identity_number()
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        try:
            self.name = clean_name(self.name)  # the import's rule
        except ValidationError:
            pass  # reported by the field's validator
        try:
            self.mobile = clean_mobile(self.mobile)  # 无 or / for none: stored as none
        except ValidationError:
            pass  # reported by the field's validator
        try:
            self.national_id = clean_national_id(self.national_id)
        except ValidationError:
            return  # reported by the field's validator
        self.apply_identity_number()

    def validate_constraints(self, exclude=None):
        # Sex and birth date are derived from a valid ID number; with an invalid
        # one the ID error says all there is to say.
        if not self.sex:
            exclude = {*(exclude or ()), "sex", "birth_date"}
        super().validate_constraints(exclude=exclude)

    def apply_identity_number(self) -> None:
        """Normalise ``national_id`` and derive sex and birth date from it."""
        self.national_id = idnumbers.normalize(self.national_id)
        facts = idnumbers.facts(self.national_id)
        self.birth_date = facts.birth_date
        self.sex = facts.sex

    @property
    def has_personal_account(self) -> bool:
        return self.insurance_type == InsuranceType.EMPLOYEE


class PersonalAccount(models.Model):
    """The personal account of an employee-insured person. The balance never goes negative."""

    person = models.OneToOneField(
        InsuredPerson,
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="account",
        verbose_name=_("insured person"),
    )
    balance = models.DecimalField(
        _("balance (yuan)"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    last_import_run = last_import_run_field()

    class Meta:
        verbose_name = _("personal account")
        verbose_name_plural = _("personal accounts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(balance__gte=0), name="account_balance_not_negative"
            ),
        ]

    def __str__(self):
        return _("Personal account of %(person)s") % {"person": self.person}

    def clean(self):
        super().clean()
        if self.person_id and not self.person.has_personal_account:
            raise ValidationError(
                _("Only employee-insured persons have a personal account."),
                code="no_personal_account",
            )
