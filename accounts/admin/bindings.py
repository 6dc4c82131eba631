"""Admin pages for bindings (共济绑定): the list, a binding's page, request and revoke.

A binding's fields are never edited here: every change goes through
``accounts.services.bindings``, which judges it and writes its audit event.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Q
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from unfold.contrib.filters.admin import ChoicesDropdownFilter, DropdownFilter
from unfold.decorators import action
from unfold.widgets import (
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminSingleDateWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from accounts import idnumbers
from accounts.admin.filters import ScopedRegionFilter
from accounts.choices import BindingBasis, BindingStatus, RevokeReason, Via
from accounts.models import Binding, InsuredPerson
from accounts.permissions import may_request_bindings, may_revoke_bindings, visible_bindings
from accounts.selectors.bindings import (
    FindingShown,
    bindings_by_national_id,
    bindings_of_person,
    finding_shown,
    findings_shown,
)
from accounts.services.audit import audit_trail
from accounts.services.bindings import binding_activate, binding_request, binding_revoke
from accounts.services.errors import BindingRefused
from policies.relations import Relation
from portal.admin_base import ScopedModelAdmin
from portal.paginator import CappedCountPaginator
from portal.scoping import can_see_region, scope_queryset
from portal.stale_edits import staff_name

_ID_LIKE = re.compile(r"^[0-9]{17}[0-9X]$")
#: a person's page lists at most this many of their bindings (the list page has them all)
PERSON_PAGE_BINDINGS = 50

#: the reasons staff choose from; the automatic ones are the services' own
MANUAL_REASONS = (
    RevokeReason.AUTHORIZER_REQUEST,
    RevokeReason.CASEWORKER,
    RevokeReason.SUPERVISOR,
    RevokeReason.SPOT_CHECK_FAILED,
    RevokeReason.PROOF_OVERTURNED,
)

#: the basis in a word, for the list's narrow column
BASIS_SHORT = {BindingBasis.DOCUMENTS: _("documents"), BindingBasis.PLEDGE: _("pledge")}

ACTIONS = {
    "binding.request": _("requested"),
    "binding.activate": _("judged for activation"),
    "binding.revoke": _("revoked"),
}


# --- list filters ---------------------------------------------------------------------------


class BindingRegionFilter(ScopedRegionFilter):
    """Bindings with either person in a region, offering only the user's regions."""

    title = _("pooling region (either person)")
    parameter_name = "region"

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(
                Q(authorizer__region_id=self.value()) | Q(beneficiary__region_id=self.value())
            )
        return queryset


class ProvincesFilter(DropdownFilter):
    title = _("provinces of the pair")
    parameter_name = "provinces"

    def lookups(self, request, model_admin):
        return [("same", _("one province")), ("cross", _("two provinces"))]

    def queryset(self, request, queryset):
        same = Q(authorizer__region__province_id=F("beneficiary__region__province_id"))
        if self.value() == "same":
            return queryset.filter(same)
        if self.value() == "cross":
            return queryset.exclude(same)
        return queryset


# --- forms ----------------------------------------------------------------------------------


def _id_number_field(label):
    return forms.CharField(
        label=label,
        max_length=18,
        widget=UnfoldAdminTextInputWidget(attrs={"autocomplete": "off"}),
        help_text=_("The full 18-character identity number."),
    )


class BindingRequestForm(forms.Form):
    """A binding request as entered at the counter: the two persons by identity number."""

    authorizer = _id_number_field(_("authorizer's identity number"))
    beneficiary = _id_number_field(_("beneficiary's identity number"))
    relation = forms.ChoiceField(
        label=_("relation (beneficiary to authorizer)"),
        choices=Relation.choices,
        widget=UnfoldAdminSelectWidget,
    )
    basis = forms.ChoiceField(
        label=_("established by"), choices=BindingBasis.choices, widget=UnfoldAdminSelectWidget
    )
    starts_on = forms.DateField(label=_("starts on"), widget=UnfoldAdminSingleDateWidget)
    ends_on = forms.DateField(
        label=_("ends on"), required=False, widget=UnfoldAdminSingleDateWidget
    )
    payment_cap = forms.DecimalField(
        label=_("per-payment cap (yuan)"),
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=0.01,
        widget=UnfoldAdminDecimalFieldWidget,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def _person(self, name, queryset, message):
        number = idnumbers.normalize(self.cleaned_data[name])
        person = queryset.filter(national_id=number).first() if _ID_LIKE.match(number) else None
        if person is None:
            raise ValidationError(message, code="person_not_found")
        return person

    def clean_authorizer(self):
        """The authorizer applies at their own agency: one of the user's regions."""
        persons = scope_queryset(self.user, InsuredPerson.objects.select_related("region"))
        return self._person(
            "authorizer",
            persons,
            _("No insured person with this identity number in your regions."),
        )

    def clean_beneficiary(self):
        """The beneficiary may be insured anywhere (cross-province aid)."""
        return self._person(
            "beneficiary",
            InsuredPerson.objects.select_related("region"),
            _("No insured person with this identity number."),
        )

    def clean(self):
        data = super().clean()
        if data.get("ends_on") and data.get("starts_on") and data["ends_on"] < data["starts_on"]:
            self.add_error(
                "ends_on",
                ValidationError(_("The binding ends before it starts."), code="period_reversed"),
            )
        return data


class BindingRevokeForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("reason for revocation"),
        choices=[(r.value, r.label) for r in MANUAL_REASONS],
        widget=UnfoldAdminSelectWidget,
    )
    note = forms.CharField(
        label=_("note on revocation"),
        required=False,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
        help_text=_("Required when a caseworker or supervisor revokes on their own account."),
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("reason") in (RevokeReason.CASEWORKER, RevokeReason.SUPERVISOR)
            and not (data.get("note") or "").strip()
        ):
            self.add_error(
                "note",
                ValidationError(
                    _("Say in a note why the binding is revoked."), code="note_required"
                ),
            )
        return data


# --- the admin ------------------------------------------------------------------------------


@admin.register(Binding)
class BindingAdmin(ScopedModelAdmin):
    #: the scoping test's probe; ``get_queryset`` shows the bindings of either person's region
    region_field = "authorizer__region"
    list_display = (
        "id",
        "authorizer_shown",
        "beneficiary_shown",
        "relation_shown",
        "status_shown",
        "basis_shown",
        "period_shown",
        "requested_at_shown",
    )
    list_display_links = ("id",)
    list_select_related = ("authorizer__region", "beneficiary__region")
    list_filter = (
        ("status", ChoicesDropdownFilter),
        ("relation", ChoicesDropdownFilter),
        BindingRegionFilter,
        ProvincesFilter,
    )
    list_filter_submit = True
    list_per_page = 50
    show_full_result_count = False
    paginator = CappedCountPaginator
    search_fields = ("authorizer__national_id",)  # replaced by get_search_results below
    search_help_text = _("Enter either person's full 18-character identity number.")
    ordering = ("-id",)
    actions = ["revoke_selected"]
    actions_detail = ["activate_detail", "revoke_detail"]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "authorizer_shown",
                    "beneficiary_shown",
                    "relation",
                    "basis",
                    "status",
                    ("starts_on", "ends_on"),
                    "payment_cap",
                )
            },
        ),
        (_("Decision"), {"fields": ("decision_shown", "versions_shown")}),
        (
            _("Record"),
            {
                "fields": (
                    ("requested_at", "requested_by_shown"),
                    "activated_at",
                    ("revoked_at", "revoked_by_shown"),
                    "revoke_reason",
                    "revoke_note",
                )
            },
        ),
        (_("History"), {"fields": ("history_shown",)}),
    )
    readonly_fields = (
        "authorizer_shown",
        "beneficiary_shown",
        "relation",
        "basis",
        "status",
        "starts_on",
        "ends_on",
        "payment_cap",
        "decision_shown",
        "versions_shown",
        "requested_at",
        "requested_by_shown",
        "activated_at",
        "revoked_at",
        "revoked_by_shown",
        "revoke_reason",
        "revoke_note",
        "history_shown",
    )

    # --- who may do what

    def get_queryset(self, request):
        """Return the bindings where either person is in the user's regions."""
        queryset = super(ScopedModelAdmin, self).get_queryset(request)
        return visible_bindings(request.user, queryset)

    def has_change_permission(self, request, obj=None):
        """A binding's fields are not edited: its state changes through the services."""
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_revoke_permission(self, request, object_id=None):
        """Revoke with ``accounts.change_binding``; on a binding's page, only a binding not yet
        revoked."""
        if not may_revoke_bindings(request.user):
            return False
        if object_id is None:
            return True
        status, _region = self._status(request, object_id)
        return status != BindingStatus.REVOKED  # one the user may not see: 404 from the view

    def has_activate_permission(self, request, object_id=None):
        """Activate with ``accounts.change_binding``, a pending or blocked binding whose
        authorizer is in the user's regions: the authorizer's agency (参保地) decides it."""
        if not may_revoke_bindings(request.user):
            return False
        if object_id is None:
            return True
        status, region = self._status(request, object_id)
        if status is None:
            return True  # one the user may not see: 404 from the view
        return status in (BindingStatus.PENDING, BindingStatus.BLOCKED) and can_see_region(
            request.user, region
        )

    def _status(self, request, object_id):
        """The status and authorizer's region of a binding the user may see (None, None for
        one they may not), looked up once per request."""
        cache = request.__dict__.setdefault("_binding_status", {})
        if object_id not in cache:
            row = (
                self.get_queryset(request)
                .filter(pk=object_id)
                .values_list("status", "authorizer__region_id")
                .first()
            )
            cache[object_id] = row or (None, None)
        return cache[object_id]

    # --- the list

    def get_search_results(self, request, queryset, search_term):
        """Find the bindings of the person with an exact identity number (either side)."""
        term = idnumbers.normalize(search_term)
        if not term:
            return queryset, False
        if not _ID_LIKE.match(term):
            return queryset.none(), False
        return bindings_by_national_id(queryset, term), False

    def get_changelist_instance(self, request):
        """The list, its rows knowing who looks (a person links only where the viewer may
        open the person's page)."""
        changelist = super().get_changelist_instance(request)
        changelist.result_list = list(changelist.result_list)
        for binding in changelist.result_list:
            binding.viewer = request.user
        return changelist

    def get_object(self, request, object_id, from_field=None):
        binding = super().get_object(request, object_id, from_field)
        binding.viewer = request.user
        return binding

    @staticmethod
    def _person_shown(binding, person):
        """Name (linked where the viewer may open the person) and region; the ID number below."""
        name = person.name
        viewer = getattr(binding, "viewer", None)
        if viewer is not None and can_see_region(viewer, person.region_id):
            url = reverse("admin:accounts_insuredperson_change", args=[quote(person.pk)])
            name = format_html("<a class='text-primary-600' href='{}'>{}</a>", url, person.name)
        return format_html(
            "<span class='whitespace-nowrap'>{} <span class='text-base-500 text-xs'>{}</span>"
            "</span><br><span class='text-base-500 text-xs'>{}</span>",
            name,
            person.region,
            person.national_id,
        )

    @admin.display(description=_("authorizer"), ordering="authorizer__national_id")
    def authorizer_shown(self, obj):
        return self._person_shown(obj, obj.authorizer)

    @admin.display(description=_("beneficiary"), ordering="beneficiary__national_id")
    def beneficiary_shown(self, obj):
        return self._person_shown(obj, obj.beneficiary)

    @admin.display(description=_("relation"), ordering="relation")
    def relation_shown(self, obj):
        return obj.get_relation_display()

    @admin.display(description=pgettext_lazy("binding", "status"), ordering="status")
    def status_shown(self, obj):
        return obj.get_status_display()

    @admin.display(description=_("established by"), ordering="basis")
    def basis_shown(self, obj):
        return BASIS_SHORT.get(obj.basis, obj.basis)

    @admin.display(description=_("period"), ordering="starts_on")
    def period_shown(self, obj):
        if obj.ends_on is None:
            return _nowrap(_("from %(day)s") % {"day": f"{obj.starts_on:%Y-%m-%d}"})
        return format_html(
            "<span class='whitespace-nowrap'>{} –</span><br>"
            "<span class='whitespace-nowrap'>{}</span>",
            f"{obj.starts_on:%Y-%m-%d}",
            f"{obj.ends_on:%Y-%m-%d}",
        )

    @admin.display(description=_("requested at"), ordering="requested_at")
    def requested_at_shown(self, obj):
        at = timezone.localtime(obj.requested_at)
        return format_html(
            "<span class='whitespace-nowrap'>{}</span><br>"
            "<span class='text-base-500 text-xs'>{}</span>",
            f"{at:%Y-%m-%d}",
            f"{at:%H:%M}",
        )

    @admin.display(description=_("entered by"))
    def requested_by_shown(self, obj):
        return _user_shown(obj.requested_by)

    @admin.display(description=_("revoked by"))
    def revoked_by_shown(self, obj):
        return _user_shown(obj.revoked_by)

    # --- a binding's page

    @admin.display(description=_("decision"))
    def decision_shown(self, obj):
        return render_to_string(
            "admin/accounts/binding/decision.html",
            {
                "decision": obj.decision or {},
                "pending": obj.status == BindingStatus.PENDING,
                "violations": findings_shown(obj.decision, "violations"),
                "red_flags": findings_shown(obj.decision, "red_flags"),
            },
        )

    @admin.display(description=_("policy versions"))
    def versions_shown(self, obj):
        return render_to_string(
            "admin/accounts/binding/versions.html",
            {"version": obj.policy_version, "beneficiary_version": obj.beneficiary_policy_version},
        )

    @admin.display(description=_("history"))
    def history_shown(self, obj):
        current = {f.code: f for f in findings_shown(obj.decision, "violations")}
        events = [
            {
                "event": event,
                "actor": _user_shown(event.actor) or _("system"),
                "action": ACTIONS.get(event.action, event.action),
                "from_state": _state(event.from_state),
                "to_state": _state(event.to_state),
                "reason": _event_reason(event, current),
            }
            for event in audit_trail(obj).select_related("actor")
        ]
        return render_to_string("admin/accounts/binding/history.html", {"events": events})

    # --- request

    def add_view(self, request, form_url="", extra_context=None):
        """Enter a binding request (the authorizer applies, the caseworker types it in)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        initial = {
            "starts_on": timezone.localdate(),
            "basis": BindingBasis.PLEDGE,
            "authorizer": request.GET.get("authorizer", ""),
            "beneficiary": request.GET.get("beneficiary", ""),
        }
        form = BindingRequestForm(request.POST or None, user=request.user, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                binding = binding_request(actor=request.user, via=Via.ADMIN, **data)
            except BindingRefused as refusal:
                form.add_error(None, ValidationError(str(refusal), code=refusal.code))
            else:
                self.message_user(request, _request_message(binding), _request_level(binding))
                return HttpResponseRedirect(
                    reverse("admin:accounts_binding_change", args=[binding.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Request a binding"),
            "form": form,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/accounts/binding/request.html", context)

    # --- activate

    @action(
        description=_("Activate"),
        url_path="activate",
        permissions=["activate"],
        icon="task_alt",
    )
    def activate_detail(self, request, object_id):
        """Ask to confirm, then judge the binding again and activate it if the rules allow."""
        binding = self.get_object(request, object_id)
        if request.method == "POST" and "confirm" in request.POST:
            try:
                binding = binding_activate(actor=request.user, via=Via.ADMIN, binding=binding)
            except BindingRefused as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
            else:
                self.message_user(request, _request_message(binding), _request_level(binding))
            return HttpResponseRedirect(reverse("admin:accounts_binding_change", args=[binding.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Activate the binding"),
            "binding": binding,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/accounts/binding/activate.html", context)

    # --- revoke

    @action(description=_("Revoke"), url_path="revoke", permissions=["revoke"], icon="link_off")
    def revoke_detail(self, request, object_id):
        """Ask for a reason, then revoke this binding."""
        binding = self.get_object(request, object_id)
        return self._revoke(request, [binding])

    @admin.action(description=_("Revoke the selected bindings"), permissions=["revoke"])
    def revoke_selected(self, request, queryset):
        return self._revoke(request, list(queryset.select_related("authorizer", "beneficiary")))

    def _revoke(self, request, bindings):
        if not may_revoke_bindings(request.user):
            raise PermissionDenied
        confirmed = request.method == "POST" and "confirm" in request.POST
        form = BindingRevokeForm(request.POST if confirmed else None)
        if confirmed and form.is_valid():
            done, refusals = 0, []
            for binding in bindings:
                try:
                    binding_revoke(
                        actor=request.user,
                        via=Via.ADMIN,
                        binding=binding,
                        reason=form.cleaned_data["reason"],
                        note=form.cleaned_data["note"],
                    )
                    done += 1
                except BindingRefused as refusal:
                    refusals.append((binding, refusal))
            if done:
                self.message_user(
                    request,
                    _("%(count)d binding(s) revoked.") % {"count": done},
                    messages.SUCCESS,
                )
            for binding, refusal in refusals:
                self.message_user(
                    request,
                    _("Binding %(id)s not revoked: %(why)s") % {"id": binding.pk, "why": refusal},
                    messages.ERROR,
                )
            if len(bindings) == 1:
                url = reverse("admin:accounts_binding_change", args=[bindings[0].pk])
            else:
                url = reverse("admin:accounts_binding_changelist")
            return HttpResponseRedirect(url)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Revoke bindings"),
            "form": form,
            "bindings": bindings,
            "opts": self.opts,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "from_list": "action" in request.POST,
        }
        return TemplateResponse(request, "admin/accounts/binding/revoke.html", context)


def _nowrap(text):
    return format_html("<span class='whitespace-nowrap'>{}</span>", text)


def _user_shown(user):
    """A staff member by name, unlinked: not every viewer may open the staff pages."""
    return staff_name(user) if user is not None else None


def _state(value):
    if not value:
        return ""
    try:
        return BindingStatus(value).label
    except ValueError:
        return value


def _event_reason(event, current: dict[str, FindingShown]):
    """Return why ``event`` happened, in words: the rule it kept (``params["reason"]``), the
    same rule in the binding's current decision, or a revocation's reason; a code alone is
    never what a caseworker reads."""
    code = event.reason_code
    if not code:
        return ""
    stored = (event.params or {}).get("reason")
    if isinstance(stored, dict) and stored.get("code") == code:
        return finding_shown(stored)
    if code in current:
        return current[code]
    if code in RevokeReason.values:
        return RevokeReason(code).label
    return FindingShown(
        code=code, message=_("A rule of the policy refused it."), side="", version_id=None
    )


def _request_message(binding):
    if binding.status == BindingStatus.ACTIVE:
        return _("The binding is active.")
    if binding.status == BindingStatus.PENDING:
        return _("The binding waits for the review of its documents.")
    return _("The binding is blocked by the policy; the reasons are shown below.")


def _request_level(binding):
    return messages.WARNING if binding.status == BindingStatus.BLOCKED else messages.SUCCESS


def person_bindings_shown(person, viewer) -> str:
    """Return the person's bindings, given and received, as the person's page lists them."""
    rows = [
        {
            "binding": binding,
            "gives": binding.authorizer_id == person.pk,
            "other": binding.beneficiary
            if binding.authorizer_id == person.pk
            else binding.authorizer,
        }
        for binding in bindings_of_person(person)[:PERSON_PAGE_BINDINGS]
    ]
    request_url = ""
    if viewer is not None and may_request_bindings(viewer) and person.has_personal_account:
        query = urlencode({"authorizer": person.national_id})
        request_url = f"{reverse('admin:accounts_binding_add')}?{query}"
    return render_to_string(
        "admin/accounts/binding/person_bindings.html", {"rows": rows, "request_url": request_url}
    )
