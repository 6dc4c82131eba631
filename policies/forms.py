"""Forms for the policy admin: editing a version, and the "try a case" scenario."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from unfold.widgets import (
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminSingleDateWidget,
    UnfoldAdminSingleTimeWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanSwitchWidget,
)

from portal.stale_edits import StaleEditGuardForm

from .models import PolicyVersion, Region
from .persons import InsuranceType, PersonStatus, Sex
from .relations import Relation, Use
from .services import AUDITED_FIELDS
from .validation import clean_region


class PolicyVersionForm(StaleEditGuardForm):
    """A version's form; it will not save over another supervisor's change made after the
    page was opened (``portal.stale_edits``)."""

    allowed_relations = forms.MultipleChoiceField(
        label=_("relations that may be bound"),
        choices=Relation.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    allowed_uses = forms.MultipleChoiceField(
        label=_("what the money may pay for"),
        choices=Use.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    source_url = forms.URLField(
        label=_("link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        widget=UnfoldAdminTextInputWidget,
    )
    change_reason = forms.CharField(
        label=_("reason for this change"),
        max_length=500,
        widget=UnfoldAdminTextInputWidget,
        help_text=_("Kept with the change history, e.g. the notice that changed the rule."),
    )

    class Meta:
        model = PolicyVersion
        fields = [*AUDITED_FIELDS]


def _select(choices):
    return forms.ChoiceField(choices=choices, widget=UnfoldAdminSelectWidget)


class TryCaseForm(forms.Form):
    """A scenario to judge: one binding and one payment between two persons."""

    day = forms.DateField(label=_("date of the decision"), widget=UnfoldAdminSingleDateWidget)
    authorizer_region = forms.CharField(
        label=_("authorizer's pooling region"), max_length=6, widget=UnfoldAdminTextInputWidget
    )
    authorizer_insurance = _select(InsuranceType.choices)
    authorizer_status = _select(PersonStatus.choices)
    authorizer_birth = forms.DateField(
        label=_("authorizer's birth date"), widget=UnfoldAdminSingleDateWidget
    )
    authorizer_sex = _select(Sex.choices)
    beneficiary_region = forms.CharField(
        label=_("beneficiary's pooling region"), max_length=6, widget=UnfoldAdminTextInputWidget
    )
    beneficiary_status = _select(PersonStatus.choices)
    beneficiary_birth = forms.DateField(
        label=_("beneficiary's birth date"), widget=UnfoldAdminSingleDateWidget
    )
    beneficiary_sex = _select(Sex.choices)
    relation = _select(Relation.choices)
    proof_state = _select(
        [
            ("approved", _("approved kinship proof")),
            ("pledged", _("signed commitment letter")),
            ("pending", _("proof waiting for review")),
            ("", _("nothing submitted")),
        ]
    )
    active_beneficiaries = forms.IntegerField(
        label=_("authorizer's active beneficiaries in the same group"),
        min_value=0,
        initial=0,
        widget=UnfoldAdminIntegerFieldWidget,
    )
    other_active_beneficiaries = forms.IntegerField(
        label=_("authorizer's active beneficiaries in other groups"),
        min_value=0,
        initial=0,
        widget=UnfoldAdminIntegerFieldWidget,
    )
    lifetime_beneficiaries = forms.IntegerField(
        label=_("relatives the authorizer has ever bound"),
        min_value=0,
        initial=0,
        widget=UnfoldAdminIntegerFieldWidget,
    )
    beneficiary_authorizers = forms.IntegerField(
        label=_("authorizers the beneficiary already has"),
        min_value=0,
        initial=0,
        widget=UnfoldAdminIntegerFieldWidget,
    )
    beneficiary_is_authorizer = forms.BooleanField(
        label=_("the beneficiary authorizes others"),
        required=False,
        widget=UnfoldBooleanSwitchWidget,
    )
    changes_last_year = forms.IntegerField(
        label=_("binding changes in the last 12 months"),
        min_value=0,
        initial=0,
        widget=UnfoldAdminIntegerFieldWidget,
    )
    mode = _select([("wallet", _("wallet transfer")), ("direct", _("direct payment"))])
    use = _select(Use.choices)
    amount = forms.DecimalField(
        label=_("amount (yuan)"),
        min_value=Decimal("0"),
        decimal_places=2,
        widget=UnfoldAdminDecimalFieldWidget,
    )
    balance = forms.DecimalField(
        label=_("authorizer's balance (yuan)"),
        min_value=Decimal("0"),
        decimal_places=2,
        widget=UnfoldAdminDecimalFieldWidget,
    )
    bill_amount = forms.DecimalField(
        label=_("bill, in-catalogue cost (yuan)"),
        required=False,
        min_value=Decimal("0"),
        decimal_places=2,
        widget=UnfoldAdminDecimalFieldWidget,
    )
    transfers_today = forms.IntegerField(
        label=_("wallet transfers already made today"),
        min_value=0,
        initial=0,
        widget=UnfoldAdminIntegerFieldWidget,
    )
    time = forms.TimeField(label=_("time of day"), widget=UnfoldAdminSingleTimeWidget)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = {
            "authorizer_insurance": _("authorizer's insurance type"),
            "authorizer_status": _("authorizer's enrolment status"),
            "authorizer_sex": _("authorizer's sex"),
            "beneficiary_status": _("beneficiary's enrolment status"),
            "beneficiary_sex": _("beneficiary's sex"),
            "relation": _("the beneficiary is the authorizer's"),
            "proof_state": _("proof of the relation"),
            "mode": _("payment mode"),
            "use": _("what it pays for"),
        }
        for name, label in labels.items():
            self.fields[name].label = label
        self.fields["proof_state"].required = False

    @classmethod
    def example(cls) -> dict:
        """Return a plausible starting scenario: a Jinan employee paying for his father."""
        now = timezone.localtime()
        return {
            "day": now.date(),
            "authorizer_region": "370100",
            "authorizer_insurance": InsuranceType.EMPLOYEE,
            "authorizer_status": PersonStatus.ACTIVE,
            "authorizer_birth": dt.date(1985, 6, 14),
            "authorizer_sex": Sex.MALE,
            "beneficiary_region": "370100",
            "beneficiary_status": PersonStatus.ACTIVE,
            "beneficiary_birth": dt.date(1957, 3, 8),
            "beneficiary_sex": Sex.MALE,
            "relation": Relation.FATHER,
            "proof_state": "pledged",
            "active_beneficiaries": 0,
            "other_active_beneficiaries": 0,
            "lifetime_beneficiaries": 0,
            "beneficiary_authorizers": 0,
            "changes_last_year": 0,
            "mode": "wallet",
            "use": Use.OUTPATIENT,
            "amount": Decimal("500.00"),
            "balance": Decimal("8000.00"),
            "transfers_today": 0,
            "time": dt.time(10, 30),
        }

    def _clean_region(self, name):
        try:
            return clean_region(self.cleaned_data[name])
        except forms.ValidationError as error:
            raise forms.ValidationError(error.messages, code=error.code) from None

    def clean_authorizer_region(self) -> Region:
        return self._clean_region("authorizer_region")

    def clean_beneficiary_region(self) -> Region:
        return self._clean_region("beneficiary_region")
