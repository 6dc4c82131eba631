"""Taking a kinship proof in at the counter (受理), and its receipt (受理回执).

Two steps. First the caseworker types both persons' ID numbers: a person of the
caseworker's regions is found as always; one of another region (or province) is looked up
by the exact number only, shown with just what the case needs, and the look-up is logged.
Then the relation, the document type, who applies, and the pages (several at once, or
dropped on the page). ``accounts.services.proofs.proof_submit`` checks and stores it all,
or nothing; the receipt opens on success.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from accounts.choices import Applicant, Via
from accounts.idnumbers import normalize
from accounts.masking import mask_id, mask_name
from accounts.models import InsuredPerson, KinshipProof, PersonLookup
from accounts.permissions import may_see_proof, may_take_proofs
from accounts.scans import max_file_bytes, max_pages
from accounts.services.errors import DomainError
from accounts.services.proofs import documents_accepted, person_lookup, proof_submit
from policies.relations import DocumentType, Relation
from policies.selectors import policy_for
from portal.scoping import can_see_region
from portal.stale_edits import staff_name


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class FindPersonsForm(forms.Form):
    authorizer_id = forms.CharField(
        label=_("authorizer's ID number"),
        max_length=30,
        help_text=_("whose account pays"),
        widget=UnfoldAdminTextInputWidget,
    )
    beneficiary_id = forms.CharField(
        label=_("beneficiary's ID number"),
        max_length=30,
        help_text=_("the close relative who uses it; may be insured in another region"),
        widget=UnfoldAdminTextInputWidget,
    )

    def clean_authorizer_id(self):
        return normalize(self.cleaned_data["authorizer_id"])

    def clean_beneficiary_id(self):
        return normalize(self.cleaned_data["beneficiary_id"])

    def clean(self):
        data = super().clean()
        if data.get("authorizer_id") and data.get("authorizer_id") == data.get("beneficiary_id"):
            raise forms.ValidationError(
                _("The authorizer and the beneficiary are the same person."), code="same_person"
            )
        return data


class IntakeForm(forms.Form):
    relation = forms.ChoiceField(
        label=_("relation (beneficiary to authorizer)"),
        choices=Relation.choices,
        widget=UnfoldAdminSelectWidget,
    )
    document_type = forms.ChoiceField(
        label=_("document type"), choices=DocumentType.choices, widget=UnfoldAdminSelectWidget
    )
    applicant = forms.ChoiceField(
        label=_("applicant"),
        choices=Applicant.choices,
        initial=Applicant.AUTHORIZER,
        widget=UnfoldAdminSelectWidget,
    )
    agent_name = forms.CharField(
        label=_("agent's name"), max_length=50, required=False, widget=UnfoldAdminTextInputWidget
    )
    agent_national_id = forms.CharField(
        label=_("agent's ID number"),
        max_length=30,
        required=False,
        widget=UnfoldAdminTextInputWidget,
    )
    contact_phone = forms.CharField(
        label=_("applicant's mobile"),
        max_length=20,
        required=False,
        widget=UnfoldAdminTextInputWidget,
        help_text=_("for the text message on a rejection or return; the authorizer's by default"),
    )
    pages = MultipleFileField(
        label=_("pages"),
        help_text=_("JPEG, PNG or PDF; several at once"),
        widget=MultipleFileInput(
            attrs={
                "accept": "image/jpeg,image/png,application/pdf",
                "style": "position:absolute;width:1px;height:1px;opacity:0;overflow:hidden",
            }
        ),
    )


def _person_card(user, person: InsuredPerson | None, lookup: PersonLookup | None) -> dict | None:
    """What the intake shows of a person: all of one in the caseworker's regions, only what
    the case needs of another."""
    if person is None:
        return None
    own = can_see_region(user, person.region_id)
    return {
        "own": own,
        "pk": person.pk,
        "name": person.name if own else mask_name(person.name),
        "national_id": person.national_id if own else mask_id(person.national_id),
        "region": person.region.full_name,
        "insurance_type": person.get_insurance_type_display(),
        "status": person.get_status_display(),
        "sex": person.get_sex_display(),
        "logged": lookup is not None and lookup.pk is not None,
        "url": reverse("admin:accounts_insuredperson_change", args=[person.pk]) if own else "",
    }


def _find(request, number: str) -> tuple[InsuredPerson | None, PersonLookup | None]:
    """Find a person by exact number. The look-up step logs a look-up outside the user's
    regions; the submitting step names the look-ups it made rather than logging again."""
    if "submit" not in request.POST:
        lookup = person_lookup(actor=request.user, national_id=number)
        return (lookup.person if lookup else None), lookup
    person = InsuredPerson.objects.select_related("region").filter(national_id=number).first()
    if person is None:
        return None, None
    ids = [int(i) for i in request.POST.getlist("lookup") if i.isdigit()]
    lookup = PersonLookup.objects.filter(pk__in=ids, actor=request.user, person=person).first()
    return person, lookup


def intake_view(request):
    """受理: find both persons, then the relation and the pages."""
    if not may_take_proofs(request.user):
        raise PermissionDenied
    find = FindPersonsForm(request.POST or None)
    intake = None
    cards = {}
    persons = {}
    lookups = []
    if request.method == "POST" and find.is_valid():
        for role in ("authorizer", "beneficiary"):
            person, lookup = _find(request, find.cleaned_data[f"{role}_id"])
            if person is None:
                find.add_error(
                    f"{role}_id",
                    forms.ValidationError(
                        _("No insured person has this ID number."), code="not_found"
                    ),
                )
                continue
            persons[role] = person
            cards[role] = _person_card(request.user, person, lookup)
            if lookup is not None and lookup.pk:
                lookups.append(lookup)
        if len(persons) == 2 and not any(
            can_see_region(request.user, p.region_id) for p in persons.values()
        ):
            find.add_error(
                None,
                forms.ValidationError(
                    _("Neither person is insured in your regions: their agencies take the case."),
                    code="neither_person_in_scope",
                ),
            )
        if not find.errors:
            intake = IntakeForm(
                request.POST if "submit" in request.POST else None, request.FILES or None
            )
            if "submit" in request.POST and intake.is_valid():
                done = _submit(request, persons, intake, lookups)
                if done is not None:
                    return redirect(reverse("proof_receipt", args=[done.pk]))
    accepted = []
    if "authorizer" in persons:
        version = policy_for(persons["authorizer"].region_id, timezone.localdate())
        if version is not None and intake is not None:
            relation = intake.data.get("relation") or Relation.SPOUSE
            accepted = [DocumentType(d).label for d in documents_accepted(version, relation)]
    context = {
        **request_context(request),
        "title": _("Take a kinship proof in"),
        "find": find,
        "intake": intake,
        "cards": cards,
        "accepted": accepted,
        "lookups": lookups,
        "max_pages": max_pages(),
        "max_mb": max_file_bytes() // (1024 * 1024),
    }
    return TemplateResponse(request, "admin/accounts/proof_intake.html", context)


def request_context(request) -> dict:
    from django.contrib import admin

    return admin.site.each_context(request)


def _submit(request, persons, intake: IntakeForm, lookups) -> KinshipProof | None:
    data = intake.cleaned_data
    try:
        proof = proof_submit(
            actor=request.user,
            via=Via.ADMIN,
            authorizer=persons["authorizer"],
            beneficiary=persons["beneficiary"],
            relation=data["relation"],
            document_type=data["document_type"],
            uploads=data["pages"],
            applicant=data["applicant"],
            agent_name=data["agent_name"],
            agent_national_id=normalize(data["agent_national_id"])
            if data["agent_national_id"]
            else "",
            contact_phone=data["contact_phone"],
            lookups=lookups,
        )
    except DomainError as error:
        intake.add_error(None, forms.ValidationError(str(error.message), code=error.code))
        intake.refused = error
        return None
    messages.success(
        request,
        _("Case %(case)s taken in; it waits for review.") % {"case": proof.case_number},
    )
    return proof


def receipt_view(request, pk: int):
    """受理回执: what the applicant takes home, on one printed page."""
    proof = get_object_or_404(
        KinshipProof.objects.select_related(
            "authorizer", "beneficiary", "region", "beneficiary_region", "submitted_by"
        ),
        pk=pk,
    )
    if not may_see_proof(request.user, proof):
        raise Http404
    pages = list(proof.pages.all())
    context = {
        **request_context(request),
        "title": _("Receipt %(case)s") % {"case": proof.case_number},
        "proof": proof,
        "agency": _("%(region)s medical security agency") % {"region": proof.region.full_name},
        "authorizer_id": mask_id(proof.authorizer.national_id),
        "beneficiary_id": mask_id(proof.beneficiary.national_id),
        "agent_id": mask_id(proof.agent_national_id) if proof.agent_national_id else "",
        "page_count": len(pages),
        "files": sorted({p.original_name for p in pages}),
        "taken_by": staff_name(proof.submitted_by) if proof.submitted_by else "",
        "deadline_days": _deadline_days(),
    }
    return TemplateResponse(request, "admin/accounts/proof_receipt.html", context)


def _deadline_days() -> int:
    from django.conf import settings

    return getattr(settings, "PROOF_REVIEW_DEADLINE_DAYS", 5)
