"""The log of cross-region look-ups (跨区查询记录): who looked up whom, when, for which case.

A caseworker taking in a case may look up a relative insured in a region they do not serve,
by exact identity number (``services.proofs.person_lookup``). Every such look-up is kept
(append-only) and listed here, read-only, for supervisors and auditors: those of the region
of the person looked up, and those of the regions the looker works in. The person is shown
masked, as the intake showed them; the case, when the look-up led to one, links to it.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.masking import mask_id, mask_name
from accounts.models import KinshipProof, PersonLookup, ProofEvent
from accounts.permissions import visible_lookups, visible_proofs
from portal.admin_base import PortalModelAdmin
from portal.stale_edits import staff_name

#: a look-up leads to its case's intake within this time
CASE_WITHIN = dt.timedelta(days=1)


def cases_of(lookups: list[PersonLookup]) -> dict[int, int]:
    """Return the case each of ``lookups`` was made for (look-up id → case id), in one
    query on the intakes (``submit`` events) of the time they span."""
    if not lookups:
        return {}
    ids = {lookup.pk for lookup in lookups}
    first = min(lookup.at for lookup in lookups)
    last = max(lookup.at for lookup in lookups) + CASE_WITHIN
    found = {}
    events = ProofEvent.objects.filter(action="submit", at__gte=first, at__lte=last)
    for proof_id, params in events.values_list("proof_id", "params"):
        for lookup_id in (params or {}).get("lookups", ()):
            if lookup_id in ids:
                found.setdefault(lookup_id, proof_id)
    return found


def with_cases(user, lookups: list[PersonLookup]) -> list[PersonLookup]:
    """Give each of ``lookups`` its ``case_id``, and the ``case_number`` when ``user`` may
    see the case (two queries, whatever the number of look-ups)."""
    cases = cases_of(lookups)
    cases_seen = KinshipProof.objects.filter(pk__in=set(cases.values()))
    shown = dict(visible_proofs(user, cases_seen).values_list("pk", "case_number"))
    for lookup in lookups:
        lookup.case_id = cases.get(lookup.pk)
        lookup.case_number = shown.get(lookup.case_id)
    return lookups


class LookupChangeList(ChangeList):
    """The page's look-ups, each with its case (and whether the viewer may open it)."""

    def get_results(self, request):
        super().get_results(request)
        self.result_list = with_cases(request.user, list(self.result_list))


@admin.register(PersonLookup)
class PersonLookupAdmin(PortalModelAdmin):
    scope_exempt = (
        "scoped by accounts.permissions.visible_lookups: the region of the person looked up "
        "or the regions the looker works in (tests/accounts/proofs/test_lookup_log.py)"
    )
    list_display = ("at", "looked_up_by", "person_shown", "person_region", "case_shown")
    list_filter = (("at", admin.DateFieldListFilter),)
    search_fields = ("actor__username", "actor__last_name", "actor__first_name")
    search_help_text = _("Login or name of who looked the person up.")
    # the record's page shows what the list does: names and masked numbers, never a link to
    # a staff user's or a person's own record
    fields = ("at", "looked_up_by", "person_shown", "person_region", "purpose", "case_shown")
    readonly_fields = fields
    list_per_page = 100
    show_full_result_count = False
    date_hierarchy = None

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("actor", "person__region")
        return visible_lookups(request.user, queryset)

    def get_changelist(self, request, **kwargs):
        return LookupChangeList

    def get_object(self, request, object_id, from_field=None):
        return with_cases(request.user, [super().get_object(request, object_id, from_field)])[0]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("looked up by"), ordering="actor__last_name")
    def looked_up_by(self, obj):
        return staff_name(obj.actor)

    @admin.display(description=_("person looked up"))
    def person_shown(self, obj):
        return f"{mask_name(obj.person.name)} {mask_id(obj.person.national_id)}"

    @admin.display(description=_("where the person is insured"))
    def person_region(self, obj):
        return f"{obj.person.region_id} {obj.person.region.name}"

    @admin.display(description=_("case"))
    def case_shown(self, obj):
        case_id = getattr(obj, "case_id", None)
        if case_id is None:
            return _("no case taken in")
        number = getattr(obj, "case_number", None)
        if number is None:
            return _("a case of another agency")
        url = reverse("admin:accounts_kinshipproof_review", args=[case_id])
        return format_html('<a class="text-primary-600" href="{}">{}</a>', url, number)
