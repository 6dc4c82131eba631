"""Admin pages for the review of kinship proofs (亲属关系证明): the queue, the review screen,
and a case's page with its history and a supervisor's tools.

Nothing here changes a proof by itself: every step (claim, claim next, approve, reject,
return, release, reassign, overturn) is a call to ``accounts.services.proofs``, which checks
who may take it (four-eyes, the deciding agency) and refuses with a ``ProofRefused`` whose
message and code the page shows. The buttons a user is not allowed are not drawn, but a
forged request is refused by the service all the same.
"""

from __future__ import annotations

import copy

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from unfold.contrib.filters.admin import ChoicesDropdownFilter, DropdownFilter

from accounts import idnumbers
from accounts.admin.filters import ScopedRegionFilter
from accounts.choices import BindingStatus, MissingDocument, ProofStatus, RejectReason, Via
from accounts.models import KinshipProof
from accounts.permissions import (
    decides_in,
    may_review_proofs,
    may_supervise_proofs,
    visible_proofs,
)
from accounts.selectors.bindings import findings_shown
from accounts.selectors.proofs import (
    case_events,
    first_pages_of,
    missing_labels,
    proof_age,
    proof_for_review,
    queue_counts,
    queue_tab,
    review_screen,
    reviewers_for,
)
from accounts.services.proofs import (
    ProofRefused,
    proof_approve,
    proof_claim,
    proof_claim_next,
    proof_overturn,
    proof_reassign,
    proof_reject,
    proof_release,
    proof_return,
)
from portal.admin_base import ScopedModelAdmin
from portal.paginator import CappedCountPaginator
from portal.scoping import can_see_region
from portal.stale_edits import staff_name

#: the queue's filters that "claim next" honours: the list's parameter → the service's argument
NEXT_FILTERS = {
    "region__code__exact": "region",
    "document_type__exact": "document_type",
    "relation__exact": "relation",
}

#: what each event's action is called on the case's history
EVENT_WORDS = {
    "submit": _("taken in"),
    "claim": _("claimed"),
    "release": _("released"),
    "reassign": _("reassigned"),
    "approve": _("approved"),
    "reject": _("rejected"),
    "return": _("returned for more documents"),
    "resubmit": _("resubmitted"),
    "overturn": _("decision overturned"),
    "add_pages": _("pages added"),
    "spot_check_drawn": _("drawn for a spot check"),
    "pledge_accepted": _("pledge accepted"),
}


# --- list filters ---------------------------------------------------------------------------


class QueueFilter(DropdownFilter):
    """The queue's tabs: open cases by default, or mine, unclaimed, overdue, decided, all.

    With a status chosen and no tab, the status alone filters."""

    title = _("queue")
    parameter_name = "queue"
    all_option = ["", _("open cases")]

    def lookups(self, request, model_admin):
        return [
            ("mine", _("my cases")),
            ("unclaimed", _("unclaimed")),
            ("overdue", _("past the deadline")),
            ("decided", _("decided")),
            ("all", _("every case")),
        ]

    def queryset(self, request, queryset):
        tab = self.value() or ("all" if request.GET.get("status__exact") else "open")
        return queue_tab(queryset, tab, request.user)


class DecidingRegionFilter(ScopedRegionFilter):
    """The authorizer's region: the agency that decides the case."""

    title = _("deciding region (the authorizer's)")


# --- forms (the services check the values; these only read them) ---------------------------


class NoteField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2}))
        super().__init__(**kwargs)


class ApproveForm(forms.Form):
    note = NoteField(label=_("note (optional)"))


class RejectForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("reason for rejection"),
        choices=[("", "—"), *RejectReason.choices],
        required=False,
        widget=forms.Select(attrs={"required": True}),
    )
    note = NoteField(label=_("note"))


class ReturnForm(forms.Form):
    missing = forms.MultipleChoiceField(
        label=_("documents still missing"),
        choices=MissingDocument.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = NoteField(label=_("note"))


class ReleaseForm(forms.Form):
    note = NoteField(label=_("note (optional)"))


class ReassignForm(forms.Form):
    to = forms.ModelChoiceField(
        label=_("give the case to"), queryset=None, required=True, empty_label="—"
    )
    note = NoteField(label=_("note (optional)"))

    def __init__(self, *args, proof, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = reviewers_for(proof)
        self.fields["to"].label_from_instance = staff_name


class OverturnForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("reason for rejection"),
        choices=[("", "—"), *RejectReason.choices],
        required=False,
    )
    note = NoteField(
        label=_("why the decision is overturned"),
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
    )


REVIEW_FORMS = {
    "approve": ApproveForm,
    "reject": RejectForm,
    "return": ReturnForm,
    "release": ReleaseForm,
}


# --- the admin ------------------------------------------------------------------------------


@admin.register(KinshipProof)
class KinshipProofAdmin(ScopedModelAdmin):
    #: the scoping test's probe; ``get_queryset`` shows the cases of either person's region
    region_field = "region"
    list_display = (
        "thumbnail_shown",
        "case_shown",
        "authorizer_shown",
        "beneficiary_shown",
        "relation_shown",
        "document_shown",
        "status_shown",
        "submitted_shown",
        "age_shown",
    )
    list_display_links = None
    list_select_related = ("authorizer", "beneficiary", "claimed_by")
    list_filter = (
        QueueFilter,
        DecidingRegionFilter,
        ("document_type", ChoicesDropdownFilter),
        ("relation", ChoicesDropdownFilter),
        ("status", ChoicesDropdownFilter),
    )
    list_filter_submit = True
    list_per_page = 50
    show_full_result_count = False
    paginator = CappedCountPaginator
    search_fields = ("case_number",)  # replaced by get_search_results below
    search_help_text = _("Enter a case number, or either person's full identity number.")
    list_before_template = "admin/accounts/kinshipproof/queue_tabs.html"
    change_form_outer_before_template = "admin/accounts/kinshipproof/case_tools.html"
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("case_number", "status"),
                    ("relation", "document_type"),
                    "persons_shown",
                    ("channel", "applicant_shown"),
                    "pages_shown",
                )
            },
        ),
        (
            _("Review"),
            {
                "fields": (
                    ("submitted_at", "submitted_by_shown"),
                    ("claimed_at", "claimed_by_shown"),
                    ("decided_at", "decided_by_shown"),
                    "decision_shown",
                    "binding_shown",
                )
            },
        ),
        (_("Review history"), {"fields": ("events_shown",)}),
    )
    readonly_fields = (
        "case_number",
        "status",
        "relation",
        "document_type",
        "persons_shown",
        "channel",
        "applicant_shown",
        "pages_shown",
        "submitted_at",
        "submitted_by_shown",
        "claimed_at",
        "claimed_by_shown",
        "decided_at",
        "decided_by_shown",
        "decision_shown",
        "binding_shown",
        "events_shown",
    )

    class Media:
        css = {"all": ("accounts/proofs/review.css",)}

    # --- who may do what

    def get_queryset(self, request):
        """Return the cases where either person is in the user's regions."""
        queryset = super(ScopedModelAdmin, self).get_queryset(request)
        return visible_proofs(request.user, queryset)

    def has_add_permission(self, request):
        """Cases are taken in at the counter or by batch, never as a bare record here."""
        return False

    def has_change_permission(self, request, obj=None):
        """A case's fields are not edited: its state moves through the services."""
        return False

    def has_delete_permission(self, request, obj=None):
        """A case is never deleted (PostgreSQL refuses it too)."""
        return False

    # --- the queue

    def get_ordering(self, request):
        """Oldest first, the order work is done in; decided cases newest decision first."""
        if request.GET.get("queue") == "decided":
            return ("-decided_at", "-id")
        return ("submitted_at", "id")

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        changelist.result_list = list(changelist.result_list)
        first_pages = first_pages_of([proof.pk for proof in changelist.result_list])
        today = timezone.localdate()
        review, case, thumbnail = (
            _url_of("admin:accounts_kinshipproof_review"),
            _url_of("admin:accounts_kinshipproof_change"),
            _url_of("proof_page", "thumbnail"),
        )
        for proof in changelist.result_list:
            proof.first_page_id = first_pages.get(proof.pk)
            proof.urls = {
                "review": review(proof.pk),
                "case": case(proof.pk),
                "thumbnail": thumbnail(proof.first_page_id) if proof.first_page_id else "",
            }
            proof.age = proof_age(proof, today)
            proof.viewer = request.user
        return changelist

    def get_search_results(self, request, queryset, search_term):
        """Find a case by its number, or the cases of a person by exact identity number."""
        term = idnumbers.normalize(search_term)
        if not term:
            return queryset, False
        if len(term) == 18 and term[:17].isdigit():
            person = Q(authorizer__national_id=term) | Q(beneficiary__national_id=term)
            return queryset.filter(person), False
        return queryset.filter(case_number=term), False

    def changelist_view(self, request, extra_context=None):
        visible = self.get_queryset(request)
        counts = queue_counts(visible, request.user)
        tab = request.GET.get("queue", "")
        kept = {k: v for k, v in request.GET.items() if k in NEXT_FILTERS}
        tabs = [
            ("", _("open cases"), None),
            ("mine", _("my cases"), counts["mine"]),
            ("unclaimed", _("unclaimed"), counts["unclaimed"]),
            ("overdue", _("past the deadline"), counts["overdue"]),
            ("decided", _("decided"), None),
        ]
        base = reverse("admin:accounts_kinshipproof_changelist")
        context = {
            "queue_tabs": [
                {
                    "key": key,
                    "title": title,
                    "count": count,
                    "active": key == tab,
                    "url": f"{base}?{urlencode({**kept, **({'queue': key} if key else {})})}",
                }
                for key, title, count in tabs
            ],
            "claim_next_url": reverse("admin:accounts_kinshipproof_claim_next"),
            "claim_next_filters": kept,
            "may_review": may_review_proofs(request.user),
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)

    @admin.display(description=_("first page"))
    def thumbnail_shown(self, obj):
        urls = _urls(obj)
        if not urls["thumbnail"]:
            return "—"
        return format_html(
            '<a href="{}"><img class="proof-thumb" loading="lazy" alt="{}" src="{}"></a>',
            urls["review"],
            _("first page"),
            urls["thumbnail"],
        )

    @admin.display(description=_("case number"), ordering="case_number")
    def case_shown(self, obj):
        urls = _urls(obj)
        return format_html(
            '<a class="text-primary-600 font-medium whitespace-nowrap" href="{}">{}</a><br>'
            '<a class="text-xs text-base-500" href="{}">{}</a>',
            urls["review"],
            obj.case_number,
            urls["case"],
            _("case record"),
        )

    @staticmethod
    def _person_cell(person):
        return format_html(
            '<span class="whitespace-nowrap">{}</span><br>'
            '<span class="text-xs text-base-500 whitespace-nowrap">{}</span>',
            person.name,
            idnumbers.masked(person.national_id),
        )

    @admin.display(description=_("authorizer"))
    def authorizer_shown(self, obj):
        return self._person_cell(obj.authorizer)

    @admin.display(description=_("beneficiary"))
    def beneficiary_shown(self, obj):
        return self._person_cell(obj.beneficiary)

    @admin.display(description=_("relation"), ordering="relation")
    def relation_shown(self, obj):
        return obj.get_relation_display()

    @admin.display(description=_("document"), ordering="document_type")
    def document_shown(self, obj):
        return obj.get_document_type_display()

    @admin.display(description=pgettext_lazy("proof", "status"), ordering="status")
    def status_shown(self, obj):
        """The status, and below it who reviews it, or why the viewer does not claim it."""
        viewer = getattr(obj, "viewer", None)
        below = ""
        if obj.status == ProofStatus.IN_REVIEW and obj.claimed_by is not None:
            below = staff_name(obj.claimed_by)
        elif obj.status == ProofStatus.SUBMITTED and viewer is not None:
            if not decides_in(viewer, obj.region_id):
                below = _("decided in %(region)s") % {"region": obj.region_id}
            elif obj.submitted_by_id == viewer.pk:
                below = _("taken in by you")
        if not below:
            return obj.get_status_display()
        return format_html(
            '<span class="whitespace-nowrap">{}</span><br>'
            '<span class="text-xs text-base-500 whitespace-nowrap">{}</span>',
            obj.get_status_display(),
            below,
        )

    @admin.display(description=_("submitted at"), ordering="submitted_at")
    def submitted_shown(self, obj):
        at = timezone.localtime(obj.submitted_at)
        return format_html(
            '<span class="whitespace-nowrap">{}</span><br>'
            '<span class="text-xs text-base-500">{}</span>',
            f"{at:%Y-%m-%d}",
            f"{at:%H:%M}",
        )

    @admin.display(description=_("age (working days)"))
    def age_shown(self, obj):
        """The working days waited of the deadline's, marked when past it or due today."""
        age = getattr(obj, "age", None) or proof_age(obj)
        days = _("%(days)s of %(deadline)s") % {"days": age.days, "deadline": age.deadline}
        if age.overdue:
            return format_html(
                '<span class="proof-age proof-age-overdue" data-age="{}" data-overdue="1">{}<br>'
                '<span class="proof-age-label">{}</span></span>',
                age.days,
                days,
                _("past the deadline"),
            )
        if age.due_today:
            return format_html(
                '<span class="proof-age proof-age-due" data-age="{}">{}<br>'
                '<span class="proof-age-label">{}</span></span>',
                age.days,
                days,
                _("due today"),
            )
        return format_html('<span class="proof-age" data-age="{}">{}</span>', age.days, days)

    # --- a case's page (read-only, with its history)

    @admin.display(description=_("persons"))
    def persons_shown(self, obj):
        return format_html(
            '<div class="proof-case-persons"><div><span class="proof-hint">{}</span><br>{}</div>'
            '<span class="proof-case-arrow">→</span>'
            '<div><span class="proof-hint">{}</span><br>{}</div></div>',
            _("authorizer"),
            self._person_cell(obj.authorizer),
            _("beneficiary"),
            self._person_cell(obj.beneficiary),
        )

    @admin.display(description=_("applicant"))
    def applicant_shown(self, obj):
        if obj.agent_name:
            return format_html(
                "{}：{}（{}）",
                obj.get_applicant_display(),
                obj.agent_name,
                idnumbers.masked(obj.agent_national_id),
            )
        return obj.get_applicant_display()

    @admin.display(description=_("pages"))
    def pages_shown(self, obj):
        return render_to_string(
            "admin/accounts/kinshipproof/page_strip.html",
            {"pages": obj.pages.order_by("number"), "review_url": _review_url(obj)},
        )

    @admin.display(description=_("taken in by"))
    def submitted_by_shown(self, obj):
        return staff_name(obj.submitted_by) if obj.submitted_by else _("batch or system")

    @admin.display(description=_("claimed by"))
    def claimed_by_shown(self, obj):
        return staff_name(obj.claimed_by) if obj.claimed_by else "—"

    @admin.display(description=_("decided by"))
    def decided_by_shown(self, obj):
        return staff_name(obj.decided_by) if obj.decided_by else "—"

    @admin.display(description=_("review decision"))
    def decision_shown(self, obj):
        return render_to_string(
            "admin/accounts/kinshipproof/decision_summary.html",
            {"proof": obj, "missing": missing_labels(obj.missing)},
        )

    @admin.display(description=_("binding"))
    def binding_shown(self, obj):
        binding = obj.binding
        return render_to_string(
            "admin/accounts/binding/decision.html",
            {
                "decision": binding.decision or {},
                "pending": binding.status == BindingStatus.PENDING,
                "violations": findings_shown(binding.decision, "violations"),
                "red_flags": findings_shown(binding.decision, "red_flags"),
            },
        ) + format_html(
            '<p><a class="text-primary-600" href="{}">{}</a>（{}）</p>',
            reverse("admin:accounts_binding_change", args=[binding.pk]),
            _("the binding's page"),
            binding.get_status_display(),
        )

    @admin.display(description=_("history"))
    def events_shown(self, obj):
        events, users = case_events(obj)
        return render_to_string(
            "admin/accounts/kinshipproof/events.html", {"events": events_rows(events, users)}
        )

    def get_object(self, request, object_id, from_field=None):
        """The case with all its page shows (looked up once a request), or 404."""
        cache = request.__dict__.setdefault("_proofs", {})
        pk = _pk(object_id)
        if pk not in cache:
            cache[pk] = proof_for_review(self.get_queryset(request), pk)
        if cache[pk] is None:
            raise Http404
        return cache[pk]

    def history_view(self, request, object_id, extra_context=None):
        """A case's history is its review events, listed on its page."""
        proof = self.get_object(request, unquote(object_id))
        return HttpResponseRedirect(
            f"{reverse('admin:accounts_kinshipproof_change', args=[proof.pk])}#review-history"
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The case's page: read-only, with its history; a supervisor reassigns or overturns
        here (the forms post to this page, each step through the service)."""
        proof = self.get_object(request, unquote(object_id))
        refusal = None
        forms_ = {}
        if request.method == "POST":
            step = request.POST.get("step")
            if step not in ("reassign", "overturn"):
                raise PermissionDenied  # the fields of a case are never posted
            form = (
                ReassignForm(request.POST, proof=proof)
                if step == "reassign"
                else OverturnForm(request.POST)
            )
            forms_[step] = form
            try:
                done = self._supervise(request, proof, step, form)
            except ProofRefused as refused:
                refusal = {"step": step, "message": refused.message, "code": refused.code}
            else:
                messages.success(request, done)
                return HttpResponseRedirect(request.path)
            request = copy.copy(request)
            request.method = "GET"  # show the page again, with the refusal, as when opened
            request._proofs = {}  # as it is now
            proof = self.get_object(request, unquote(object_id))
        context = {
            **self._supervisor_tools(request, proof, forms_),
            "refusal": refusal,
            "review_url": _review_url(proof),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, context)

    def _supervisor_tools(self, request, proof, bound) -> dict:
        user = request.user
        supervises = may_supervise_proofs(user) and decides_in(user, proof.region_id)
        may_reassign = supervises and proof.status in (ProofStatus.SUBMITTED, ProofStatus.IN_REVIEW)
        may_overturn = (
            supervises
            and proof.status in (ProofStatus.APPROVED, ProofStatus.REJECTED)
            and user.pk not in (proof.decided_by_id, proof.submitted_by_id)
        )
        return {
            "proof": proof,
            "reassign_form": (bound.get("reassign") or ReassignForm(proof=proof))
            if may_reassign
            else None,
            "overturn_form": (bound.get("overturn") or OverturnForm()) if may_overturn else None,
        }

    def _supervise(self, request, proof, step, form) -> str:
        if step == "reassign":
            if not form.is_valid():
                raise ProofRefused(
                    _("Choose a caseworker of the case's region to give it to."),
                    code="reviewer_required",
                )
            done = proof_reassign(
                actor=request.user,
                via=Via.ADMIN,
                proof=proof,
                to=form.cleaned_data["to"],
                note=form.cleaned_data["note"],
            )
            return _("Case %(case)s is given to %(user)s.") % {
                "case": done.case_number,
                "user": staff_name(form.cleaned_data["to"]),
            }
        form.is_valid()
        data = form.cleaned_data
        done = proof_overturn(
            actor=request.user,
            via=Via.ADMIN,
            proof=proof,
            note=data.get("note", ""),
            reason=data.get("reason", ""),
        )
        return _("The decision on case %(case)s is overturned: now %(status)s.") % {
            "case": done.case_number,
            "status": done.get_status_display(),
        }

    # --- the review screen and claim next

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "claim-next/",
                wrap(self.claim_next_view),
                name="accounts_kinshipproof_claim_next",
            ),
            path("<int:pk>/review/", wrap(self.review_view), name="accounts_kinshipproof_review"),
            *super().get_urls(),
        ]

    def claim_next_view(self, request):
        """Claim the oldest unclaimed case (within the queue's filters) and open it."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_view_permission(request):
            raise PermissionDenied
        filters = {arg: request.POST.get(param, "") for param, arg in NEXT_FILTERS.items()}
        return self._open_next(request, filters)

    def _open_next(self, request, filters: dict):
        try:
            proof = proof_claim_next(actor=request.user, via=Via.ADMIN, **filters)
        except ProofRefused as refused:
            messages.error(request, _refusal_html(refused))
            return HttpResponseRedirect(reverse("admin:accounts_kinshipproof_changelist"))
        if proof is None:
            messages.info(request, _("No case is waiting to be claimed."))
            query = {p: filters[a] for p, a in NEXT_FILTERS.items() if filters.get(a)}
            url = reverse("admin:accounts_kinshipproof_changelist")
            return HttpResponseRedirect(f"{url}?{urlencode(query)}" if query else url)
        messages.success(request, _("You claimed case %(case)s.") % {"case": proof.case_number})
        kept = {p: filters[a] for p, a in NEXT_FILTERS.items() if filters.get(a)}
        url = _review_url(proof)
        return HttpResponseRedirect(f"{url}?{urlencode(kept)}" if kept else url)

    def review_view(self, request, pk):
        """The review screen: the pages in a viewer beside both persons, the engine's
        decision and the red flags; the decision forms for the caseworker who claimed it."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        proof = proof_for_review(self.get_queryset(request), pk)
        if proof is None:
            raise Http404
        refusal, bound = None, {}
        if request.method == "POST":
            step = request.POST.get("step", "")
            form = REVIEW_FORMS[step](request.POST) if step in REVIEW_FORMS else None
            if form is not None:
                bound[step] = form
            try:
                response = self._review_step(request, proof, step, form)
            except ProofRefused as refused:
                refusal = {"step": step, "message": refused.message, "code": refused.code}
            else:
                return response
            proof = proof_for_review(self.get_queryset(request), pk)
        return TemplateResponse(
            request,
            "admin/accounts/kinshipproof/review.html",
            self._review_context(request, proof, bound, refusal),
        )

    def _review_step(self, request, proof, step, form):
        actor = {"actor": request.user, "via": Via.ADMIN, "proof": proof}
        filters = {arg: request.POST.get(param, "") for param, arg in NEXT_FILTERS.items()}
        if step == "claim":
            done = proof_claim(**actor)
            messages.success(request, _("You claimed case %(case)s.") % {"case": done.case_number})
            return HttpResponseRedirect(request.get_full_path())
        if form is None:
            raise ProofRefused(_("Unknown step."), code="unknown_step")
        form.is_valid()  # the fields are optional; the service says what is missing
        data = form.cleaned_data
        if step == "release":
            done = proof_release(**actor, note=data.get("note", ""))
            messages.success(
                request, _("Case %(case)s is back in the queue.") % {"case": done.case_number}
            )
            return HttpResponseRedirect(reverse("admin:accounts_kinshipproof_changelist"))
        if step == "approve":
            done = proof_approve(**actor, note=data.get("note", ""))
            binding = done.binding
            binding.refresh_from_db()
            if binding.status == BindingStatus.ACTIVE:
                messages.success(
                    request,
                    _("Case %(case)s approved: the binding is active.")
                    % {"case": done.case_number},
                )
            else:
                reasons = "；".join(
                    f.message for f in findings_shown(binding.decision, "violations")
                )
                messages.warning(
                    request,
                    _("Case %(case)s approved, but the rules keep the binding blocked: %(why)s")
                    % {"case": done.case_number, "why": reasons},
                )
        elif step == "reject":
            done = proof_reject(**actor, reason=data.get("reason", ""), note=data.get("note", ""))
            messages.success(
                request,
                _("Case %(case)s rejected: %(reason)s.")
                % {"case": done.case_number, "reason": done.get_reject_reason_display()},
            )
        else:
            done = proof_return(**actor, missing=data.get("missing", []), note=data.get("note", ""))
            messages.success(
                request,
                _("Case %(case)s returned for: %(missing)s.")
                % {"case": done.case_number, "missing": "、".join(done.missing_shown())},
            )
        return self._open_next(request, filters)

    def _review_context(self, request, proof, bound, refusal):
        user = request.user
        screen = review_screen(proof)
        own = user.pk in screen.intake_users
        reviews = may_review_proofs(user)
        agency = decides_in(user, proof.region_id)
        mine = proof.status == ProofStatus.IN_REVIEW and proof.claimed_by_id == user.pk
        may_claim = proof.status == ProofStatus.SUBMITTED and reviews and agency and not own
        may_decide = mine and reviews and agency and not own
        may_release = proof.status == ProofStatus.IN_REVIEW and (
            mine or (may_supervise_proofs(user) and agency)
        )
        if own and proof.is_open:
            why_not = _("You took this case in: a colleague decides it (four-eyes).")
        elif not agency and proof.is_open:
            why_not = _("The authorizer's agency (%(region)s) decides this case.") % {
                "region": proof.region
            }
        elif proof.status == ProofStatus.IN_REVIEW and not mine:
            why_not = _("%(user)s is reviewing this case.") % {"user": staff_name(proof.claimed_by)}
        else:
            why_not = ""
        kept = {p: request.GET.get(p, "") for p in NEXT_FILTERS if request.GET.get(p)}
        return {
            **self.admin_site.each_context(request),
            "title": _("Review case %(case)s") % {"case": proof.case_number},
            "opts": self.opts,
            "proof": proof,
            "screen": screen,
            "events": events_rows(screen.events, screen.users),
            "may_claim": may_claim,
            "may_decide": may_decide,
            "may_release": may_release,
            "why_not": why_not,
            "forms": {
                step: bound.get(step) or form_class() for step, form_class in REVIEW_FORMS.items()
            },
            "refusal": refusal,
            "next_filters": kept,
            "case_url": reverse("admin:accounts_kinshipproof_change", args=[proof.pk]),
            "queue_url": reverse("admin:accounts_kinshipproof_changelist"),
            "person_links": {
                panel.role: reverse("admin:accounts_insuredperson_change", args=[panel.person.pk])
                if can_see_region(user, panel.person.region_id)
                else ""
                for panel in screen.persons
            },
            "page_urls": [
                {
                    "page": page,
                    "image": reverse("proof_page", args=[page.pk, "image"]),
                    "thumbnail": reverse("proof_page", args=[page.pk, "thumbnail"]),
                    "file": reverse("proof_page", args=[page.pk, "file"]),
                }
                for page in screen.pages
            ],
            "boxes": {str(k): v for k, v in screen.boxes.items()},
            "binding_pending": proof.binding.status == BindingStatus.PENDING,
            "claimed_by_name": staff_name(proof.claimed_by)
            if proof.status == ProofStatus.IN_REVIEW and proof.claimed_by
            else "",
        }


def _pk(object_id) -> int:
    try:
        return int(object_id)
    except (TypeError, ValueError):
        raise Http404 from None


#: a number no primary key reaches, replaced in a URL reversed once for a list's rows
_PK_MARK = 987654321987


def _url_of(name: str, *rest):
    """Return a function of a primary key giving the URL ``name`` (reversed once, not per row)."""
    sample = reverse(name, args=[_PK_MARK, *rest])
    return lambda pk: sample.replace(str(_PK_MARK), str(pk))


def _urls(proof) -> dict:
    urls = getattr(proof, "urls", None)
    if urls is None:
        first = getattr(proof, "first_page_id", None)
        urls = {
            "review": _review_url(proof),
            "case": reverse("admin:accounts_kinshipproof_change", args=[proof.pk]),
            "thumbnail": reverse("proof_page", args=[first, "thumbnail"]) if first else "",
        }
    return urls


def _review_url(proof) -> str:
    return reverse("admin:accounts_kinshipproof_review", args=[proof.pk])


def _refusal_html(refused: ProofRefused):
    return format_html('{} <small class="refusal-code">({})</small>', refused.message, refused.code)


def events_rows(events, users) -> list[dict]:
    """The case's events as its history lists them, oldest first."""
    rows = []
    for event in events:
        params = event.params or {}
        detail = ""
        if event.action == "reassign" and params.get("to_user") in users:
            detail = _("to %(user)s") % {"user": staff_name(users[params["to_user"]])}
        elif params.get("missing"):
            detail = "、".join(missing_labels(params["missing"]))
        reason = ""
        if event.reason_code:
            try:
                reason = RejectReason(event.reason_code).label
            except ValueError:
                reason = event.reason_code
        rows.append(
            {
                "event": event,
                "at": timezone.localtime(event.at),
                "actor": staff_name(event.actor) if event.actor else _("system"),
                "action": EVENT_WORDS.get(event.action, event.action),
                "from_state": _state(event.from_state),
                "to_state": _state(event.to_state),
                "reason": reason,
                "detail": detail,
            }
        )
    return rows


def _state(value):
    if not value:
        return ""
    try:
        return ProofStatus(value).label
    except ValueError:
        return value
