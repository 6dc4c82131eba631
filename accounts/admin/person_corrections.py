"""A supervisor's corrections on a person's page: the identity number, a recorded death.

A caseworker cannot change either: the identity number is read-only once written, and the
status of a person recorded as deceased is read-only too. A supervisor of the person's
region (``accounts.permissions.may_correct_persons``) corrects them here, each with a
reason, through ``accounts.services.persons``, which records the correction.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from unfold.decorators import action
from unfold.widgets import (
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from accounts import idnumbers
from accounts.choices import PersonStatus, Via
from accounts.models import InsuredPerson
from accounts.permissions import may_correct_persons
from accounts.services.audit import audit_trail
from accounts.services.errors import CorrectionRefused
from accounts.services.persons import (
    CORRECTED_DEATH_STATUSES,
    person_correct_death,
    person_correct_national_id,
)
from accounts.validators import clean_national_id
from portal.stale_edits import staff_name

#: the audit actions that are corrections, shown on the person's page
CORRECTION_ACTIONS = {
    "person.correct_national_id": _("identity number corrected"),
    "person.correct_death": _("death corrected"),
}


def _reason_field():
    return forms.CharField(
        label=_("reason for the correction"),
        max_length=500,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
        help_text=_("Kept with the correction: what was wrong, and the document that shows it."),
    )


class NationalIdCorrectionForm(forms.Form):
    national_id = forms.CharField(
        label=_("correct identity number"), max_length=40, widget=UnfoldAdminTextInputWidget
    )
    reason = _reason_field()

    def __init__(self, *args, person: InsuredPerson, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person

    def clean_national_id(self) -> str:
        """Validate the number as any identity number is; it must be new, and nobody's."""
        number = clean_national_id(self.cleaned_data["national_id"])
        if number == self.person.national_id:
            raise ValidationError(
                _("This is the person's identity number already."), code="national_id_unchanged"
            )
        if InsuredPerson.objects.filter(national_id=number).exists():
            raise ValidationError(
                _("A person with this identity number already exists."), code="national_id_taken"
            )
        return number


class DeathCorrectionForm(forms.Form):
    status = forms.ChoiceField(
        label=_("correct status"),
        choices=[(s.value, s.label) for s in CORRECTED_DEATH_STATUSES],
        initial=PersonStatus.ACTIVE,
        widget=UnfoldAdminSelectWidget,
    )
    reason = _reason_field()


class PersonCorrectionViews:
    """The person admin's correction actions (``actions_detail``) and their record."""

    # --- who may

    def has_correct_national_id_permission(self, request, object_id=None) -> bool:
        return may_correct_persons(request.user)

    def has_correct_death_permission(self, request, object_id=None) -> bool:
        """On a person's page, only for a person recorded as deceased."""
        if not may_correct_persons(request.user):
            return False
        if object_id is None:
            return True
        status = self.get_queryset(request).filter(pk=object_id).values_list("status", flat=True)
        status = status.first()
        return status is None or status == PersonStatus.DECEASED  # None: 404 from the view

    # --- the pages

    @action(
        description=_("Correct the identity number"),
        url_path="correct-national-id",
        permissions=["correct_national_id"],
        icon="badge",
    )
    def correct_national_id_detail(self, request, object_id):
        """Ask for the correct number and a reason, then correct it through the service."""
        person = self.get_object(request, object_id)
        if not may_correct_persons(request.user, person):
            raise PermissionDenied
        form = NationalIdCorrectionForm(request.POST or None, person=person)
        return self._correct(
            request,
            person,
            form,
            title=_("Correct the identity number"),
            intro=_(
                "Sex and birth date are read from the corrected number. A file that still "
                "carries the old number would add a new person: have the source system "
                "corrected too."
            ),
            correct=lambda data: person_correct_national_id(
                actor=request.user,
                person=person,
                national_id=data["national_id"],
                reason=data["reason"],
                via=Via.ADMIN,
            ),
            done=_("The identity number is corrected; the correction is recorded."),
        )

    @action(
        description=_("Correct the recorded death"),
        url_path="correct-death",
        permissions=["correct_death"],
        icon="undo",
    )
    def correct_death_detail(self, request, object_id):
        """Ask for the status and a reason, then correct the death through the service."""
        person = self.get_object(request, object_id)
        if not may_correct_persons(request.user, person):
            raise PermissionDenied
        form = DeathCorrectionForm(request.POST or None)
        return self._correct(
            request,
            person,
            form,
            title=_("Correct the recorded death"),
            intro=_(
                "Only for a death recorded in error. The bindings the death ended stay "
                "ended: the authorizer asks for them again, and the rules in force judge them."
            ),
            correct=lambda data: person_correct_death(
                actor=request.user,
                person=person,
                status=data["status"],
                reason=data["reason"],
                via=Via.ADMIN,
            ),
            done=_(
                "The death is corrected; the correction is recorded. Bindings it ended stay ended."
            ),
        )

    def _correct(self, request, person, form, *, title, intro, correct, done):
        if request.method == "POST" and form.is_valid():
            try:
                correct(form.cleaned_data)
            except CorrectionRefused as refusal:
                form.add_error(None, ValidationError(str(refusal), code=refusal.code))
            else:
                self.message_user(request, done, messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:accounts_insuredperson_change", args=[person.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "person": person,
            "form": form,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/accounts/insuredperson/correct.html", context)

    # --- the record, on the person's page

    def corrections_shown(self, person):
        """The corrections of the person's record: when, by whom, what, and why."""
        events = [
            {
                "event": event,
                "actor": staff_name(event.actor) if event.actor else _("system"),
                "action": CORRECTION_ACTIONS[event.action],
                "change": _change_shown(event),
            }
            for event in audit_trail(person)
            .filter(action__in=list(CORRECTION_ACTIONS))
            .select_related("actor")
        ]
        return render_to_string("admin/accounts/insuredperson/corrections.html", {"events": events})

    corrections_shown.short_description = _("corrections")


def _change_shown(event) -> str:
    if event.action == "person.correct_national_id":
        return f"{idnumbers.masked(event.from_state)} → {idnumbers.masked(event.to_state)}"
    return f"{PersonStatus(event.from_state).label} → {PersonStatus(event.to_state).label}"
