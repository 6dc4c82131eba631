"""Admin pages for insured persons and their personal accounts."""

from __future__ import annotations

import re

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.contrib.import_export.forms import ExportForm

from accounts import idnumbers
from accounts.admin.bindings import person_bindings_shown
from accounts.admin.filters import ScopedRegionFilter
from accounts.admin.ledger import ledger_link
from accounts.admin.person_corrections import PersonCorrectionViews
from accounts.choices import PersonStatus, Via
from accounts.exporting import XLSX_MAX_ROWS, persons_csv, persons_xlsx
from accounts.models import InsuredPerson, PersonalAccount
from accounts.resources import InsuredPersonExportResource
from accounts.selectors.imports import import_run_shown
from accounts.services.persons import person_save
from policies.models import Region
from portal.admin_base import ScopedModelAdmin
from portal.exports import EXPORT_FORMATS, download
from portal.paginator import CappedCountPaginator
from portal.scoping import ALL, region_codes, scope_queryset
from portal.stale_edits import StaleEditGuardAdminMixin, StaleEditGuardForm
from portal.templatetags.portal_format import yuan

_ID_LIKE = re.compile(r"^[0-9]{17}[0-9X]$")
_MOBILE_LIKE = re.compile(r"^1[0-9]{10}$")
#: the first digits of an identity or mobile number: six or more
_NUMBER_PREFIX = re.compile(r"^[0-9]{6,17}X?$")


def _compact(term: str) -> str:
    """Return ``term`` without the spaces and dashes of a number typed as it is read aloud."""
    return re.sub(r"[\s\-]", "", term)


class InsuredPersonForm(StaleEditGuardForm):
    """The person's form; it will not save over a change made after the page was opened,
    by an import or by a colleague (``portal.stale_edits``)."""

    # An import stamps updated_at with its transaction's start; the run tells it apart.
    stamp_fields = ("updated_at", "last_import_run_id")

    def changed_by(self, change):
        who = super().changed_by(change)
        run_id = change.now[1]
        if run_id is not None and run_id != change.seen[1]:
            who.append(import_run_shown(self.viewer, run_id))
        return who


@admin.register(InsuredPerson)
class InsuredPersonAdmin(
    PersonCorrectionViews, StaleEditGuardAdminMixin, ExportMixin, ScopedModelAdmin
):
    resource_classes = [InsuredPersonExportResource]
    export_form_class = ExportForm
    export_formats = EXPORT_FORMATS
    list_display = (
        "national_id",
        "name",
        "sex",
        "birth_date",
        "insurance_type",
        "region",
        "status",
        "mobile",
        "account_balance",
    )
    list_display_links = ("national_id", "name")
    list_select_related = ("region", "account")
    list_filter = (
        ScopedRegionFilter,
        ("insurance_type", ChoicesDropdownFilter),
        ("status", ChoicesDropdownFilter),
    )
    list_filter_submit = True
    list_per_page = 50
    show_full_result_count = False
    paginator = CappedCountPaginator
    search_fields = ("national_id",)  # replaced by get_search_results below
    search_help_text = _(
        "An identity or mobile number, whole or its first 6 digits or more; or the start of a name"
    )
    readonly_fields = (
        "sex",
        "birth_date",
        "created_at",
        "updated_at",
        "last_import",
        "account_last_import",
        "bindings_shown",
        "account_shown",
        "corrections_shown",
    )
    fieldsets = (
        (None, {"fields": ("national_id", "name", ("sex", "birth_date"), "mobile")}),
        (
            _("Enrolment"),
            {"fields": ("insurance_type", "region", "enrolled_on", "status")},
        ),
        (
            _("Record"),
            {"fields": ("created_at", "updated_at", "last_import", "account_last_import")},
        ),
    )
    ordering = ("-id",)
    form = InsuredPersonForm
    actions_detail = ["correct_national_id_detail", "correct_death_detail"]

    def get_readonly_fields(self, request, obj=None):
        """Once written, the identity number is read-only, and so is the status of a person
        recorded as deceased: a supervisor corrects either, with a reason
        (``person_corrections``)."""
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is None:
            return fields
        fields += ("national_id",)
        if obj.status == PersonStatus.DECEASED:
            fields += ("status",)
        return fields

    def get_fieldsets(self, request, obj=None):
        """Who the person is and their account's balance first, then their bindings, both
        ways: what a caseworker at the counter looks for before the enrolment's details."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        (name, who), *rest, (record_name, record) = fieldsets
        who = {**who, "fields": (*who["fields"], "account_shown")}
        record = {**record, "fields": (*record["fields"], "corrections_shown")}
        return (
            (name, who),
            (_("Bindings"), {"fields": ("bindings_shown",)}),
            *rest,
            (record_name, record),
        )

    @admin.display(description=_("account balance (yuan)"))
    def account_shown(self, person):
        """The balance (12,345.60) and a link to the account's statement."""
        if not person.has_personal_account:
            return _("Resident-insured persons have no personal account balance.")
        account = getattr(person, "account", None)
        if account is None:
            return "—"
        return format_html(
            '<span class="font-semibold text-important" data-testid="account-balance">{}</span>'
            '<span class="text-base-500"> · </span>{}',
            yuan(account.balance),
            ledger_link(account),
        )

    @admin.display(description=_("bindings"))
    def bindings_shown(self, person):
        return person_bindings_shown(person, getattr(person, "viewer", None))

    def get_object(self, request, object_id, from_field=None):
        """The person, knowing who looks: the imports that wrote them link only where the
        viewer may open the run (``last_import``)."""
        person = super().get_object(request, object_id, from_field)
        if person is not None:
            person.viewer = request.user
        return person

    @admin.display(description=_("last written by import"))
    def last_import(self, person):
        return self._import_shown(person, person.last_import_run_id)

    @admin.display(description=_("balance last written by import"))
    def account_last_import(self, person):
        account = getattr(person, "account", None) if person.has_personal_account else None
        if account is None:
            return "—"
        return self._import_shown(person, account.last_import_run_id)

    @staticmethod
    def _import_shown(person, run_id):
        """Name the import ``run_id`` on ``person``'s page, looked up once for both fields."""
        shown = person.__dict__.setdefault("_imports_shown", {})
        if run_id not in shown:
            shown[run_id] = import_run_shown(getattr(person, "viewer", None), run_id)
        return shown[run_id]

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        """Write the export from plain values: CSV streamed, XLSX up to ``XLSX_MAX_ROWS``.

        django-import-export's own export holds every person in memory as an
        object and a dataset row (see ``accounts.exporting``). Raising ValueError
        sends the user back to the export page with the message.
        """
        if not self.has_export_permission(request):
            raise PermissionDenied
        if file_format.get_extension() == "xlsx":
            if queryset[: XLSX_MAX_ROWS + 1].count() > XLSX_MAX_ROWS:
                raise ValueError(
                    _(
                        "More than %(max)s persons: an XLSX file of them would take too long "
                        "to write. Export them as CSV, which Excel opens as well, or narrow "
                        "the list with its filters first."
                    )
                    % {"max": f"{XLSX_MAX_ROWS:,}"}
                )
            content = persons_xlsx(queryset)
        else:
            content = persons_csv(queryset)
        return download(content, self.get_export_filename(request, queryset, file_format))

    def get_export_filename(self, request, queryset, file_format):
        """参保人-YYYYMMDD, dated in Beijing time (django-import-export dates it in UTC)."""
        return f"参保人-{timezone.localdate():%Y%m%d}.{file_format.get_extension()}"

    @admin.display(description=_("account balance (yuan)"), ordering="account__balance")
    def account_balance(self, obj):
        account = getattr(obj, "account", None) if obj.has_personal_account else None
        return account.balance if account is not None else "—"

    def get_search_results(self, request, queryset, search_term):
        """Search by identity number or mobile number (whole, or their first 6 characters or
        more, typed with spaces as they are read aloud) or by name prefix — all indexed."""
        term = idnumbers.normalize(search_term)
        if not term:
            return queryset, False
        number = _compact(term)
        if _ID_LIKE.match(number):
            return queryset.filter(national_id=number), False
        if _MOBILE_LIKE.match(number):
            return queryset.filter(mobile=number), False
        if _NUMBER_PREFIX.match(number):
            # A range rather than LIKE, so that the btree indexes serve it whatever the
            # database's collation: every longer number with this prefix sorts below "…Z".
            by_id = Q(national_id__gte=number, national_id__lt=f"{number}Z")
            by_mobile = Q(mobile__gte=number, mobile__lt=f"{number}Z")
            return queryset.filter(by_id | by_mobile), False
        return queryset.filter(Q(name__startswith=term)), False

    def changelist_view(self, request, extra_context=None):
        """Open the person's page at once when a whole identity or mobile number finds exactly
        one person; when a whole identity number finds none, say that the person may be
        insured in a region the viewer does not see (revealing nothing of them)."""
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        number = _compact(idnumbers.normalize(request.GET.get("q", "")))
        if changelist is None or not (_ID_LIKE.match(number) or _MOBILE_LIKE.match(number)):
            return response
        found = list(changelist.queryset[:2])
        if len(found) == 1:
            return redirect("admin:accounts_insuredperson_change", found[0].pk)
        if not found and _ID_LIKE.match(number) and region_codes(request.user) is not ALL:
            messages.info(
                request,
                _(
                    "No person with this identity number in your regions. The person may be "
                    "insured in another pooling region, whose records you do not see."
                ),
            )
        return response

    def save_model(self, request, obj, form, change):
        """Save through the service, which opens the account of an employee-insured person
        and ends the bindings an ended enrolment ends."""
        person_save(person=obj, actor=request.user, via=Via.ADMIN)
        if getattr(obj, "revoked_bindings", None):
            self.message_user(
                request,
                _("%(count)d binding(s) of this person were revoked with the change.")
                % {"count": len(obj.revoked_bindings)},
                messages.WARNING,
            )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "region":
            kwargs["queryset"] = scope_queryset(
                request.user, Region.objects.select_related("province"), "code"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(PersonalAccount)
class PersonalAccountAdmin(ScopedModelAdmin):
    """Read-only list of accounts; balances change only through services (ledger issue)."""

    region_field = "person__region"
    list_display = ("person", "person_region", "balance", "updated_at", ledger_link)
    list_select_related = ("person__region",)
    show_full_result_count = False
    paginator = CappedCountPaginator
    search_fields = ("person__national_id",)
    search_help_text = _("Enter a full 18-character identity number.")
    readonly_fields = ("person", "balance", "updated_at", ledger_link)

    @admin.display(description=_("pooling region"), ordering="person__region")
    def person_region(self, obj):
        return obj.person.region

    def get_search_results(self, request, queryset, search_term):
        term = idnumbers.normalize(search_term)
        if not term:
            return queryset, False
        return queryset.filter(person__national_id=term), False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
