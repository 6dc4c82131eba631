"""Admin pages of the money side: direct payments, wallet transfers, an account's statement,
and the counter page (柜台代办) where a caseworker pays a bill for an applicant.

Every page is read-only: money moves only through ``accounts.services.payments``. A
payment or transfer is seen by staff of either person's region.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.decorators import action
from unfold.widgets import (
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextInputWidget,
)

from accounts import idnumbers
from accounts.choices import AccountKind, BindingStatus, TransferStatus, Via
from accounts.models import Binding, InsuredPerson, Payment, PersonalAccount, WalletTransfer
from accounts.permissions import either_region
from accounts.selectors.ledger import account_statement
from accounts.services.errors import DomainError
from accounts.services.payments import (
    REVERSE_PERMISSION,
    payment_create,
    payment_decision,
    payment_reverse,
    transfer_create,
    transfer_decision,
    transfer_reverse,
)
from policies.relations import Use
from portal.admin_base import ScopedModelAdmin
from portal.paginator import CappedCountPaginator
from portal.scoping import scope_queryset
from portal.stale_edits import staff_name


@admin.display(description=_("statement"))
def ledger_link(account) -> str:
    """A link to the personal account's statement (for the person and account pages)."""
    if account is None or account.pk is None:
        return "—"
    return format_html(
        '<a class="text-primary-600" href="{}">{}</a>',
        reverse("admin:accounts_account_statement", args=[account.pk]),
        _("entries and running balance"),
    )


def _person_cell(person):
    return format_html(
        '<span class="whitespace-nowrap">{}</span><br>'
        '<span class="text-base-500 whitespace-nowrap">{}</span>',
        person.name,
        person.national_id,
    )


def _money_cell(value):
    """An amount in yuan as caseworkers read it: 12,345.60 (the zh-hans locale groups
    nothing)."""
    if value is None:
        return "—"
    return format_html('<span class="whitespace-nowrap">{}</span>', f"{value:,.2f}")


def _time_cell(value):
    if value is None:
        return "—"
    return format_html(
        '<span class="whitespace-nowrap">{}</span>',
        f"{timezone.localtime(value):%Y-%m-%d %H:%M}",
    )


class _ReadOnlyMoneyAdmin(ScopedModelAdmin):
    """Lists and details only; ``persons`` are the two paths to the persons' regions."""

    persons: tuple[str, str] = ("", "")
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 50
    search_help_text = _(
        "Enter the full 18-character identity number of the authorizer or the beneficiary."
    )

    def get_queryset(self, request):
        """Return the rows where either person is in the user's regions."""
        queryset = super(ScopedModelAdmin, self).get_queryset(request)
        return either_region(request.user, queryset, *self.persons)

    def get_search_results(self, request, queryset, search_term):
        term = idnumbers.normalize(search_term)
        if not term:
            return queryset, False
        first, second = (p.removesuffix("__region") for p in self.persons)
        return queryset.filter(
            Q(**{f"{first}__national_id": term}) | Q(**{f"{second}__national_id": term})
        ), False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_reverse_permission(self, request, object_id=None) -> bool:
        return request.user.has_perm(REVERSE_PERMISSION)

    @admin.display(description=_("entered by"), ordering="created_by__last_name")
    def entered_by(self, obj):
        """Who entered it, by name and unlinked: not every viewer may open the staff pages."""
        return staff_name(obj.created_by) if obj.created_by else "—"

    @admin.display(description=_("amount (yuan)"), ordering="amount")
    def amount_shown(self, obj):
        return _money_cell(obj.amount)

    @admin.display(description=_("entries"))
    def entries(self, obj):
        return _entries_table(obj.journal, *(j for j in self._more_journals(obj) if j))

    def _more_journals(self, obj):
        return ()

    def _counter(self, request, form, *, decide, create, title, texts):
        """A counter page (柜台代办): check the request against the rules, then confirm.

        The rules' decision is shown before anything is written; the reference made at the
        check travels with the confirmation, so a double click moves the money once.
        """
        decision = None
        if request.method == "POST" and form.is_valid():
            if "confirm" in request.POST:
                try:
                    done, message = create(form.cleaned_data)
                except DomainError as error:
                    messages.error(request, error.message)
                else:
                    messages.success(request, message)
                    return redirect(
                        reverse(f"admin:accounts_{self.opts.model_name}_change", args=[done.pk])
                    )
            decision = decide(form.cleaned_data)
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "texts": texts,
            "form": form,
            "decision": decision,
            "binding": form.cleaned_data.get("binding") if decision is not None else None,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/accounts/money_counter.html", context)

    def _reverse_view(self, request, pk, service, argument):
        """Ask a supervisor why, then reverse through the service."""
        if not self.has_reverse_permission(request):
            raise PermissionDenied
        obj = self.get_object(request, str(pk))
        form = ReverseForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                service(
                    actor=request.user,
                    via=Via.ADMIN,
                    reason=form.cleaned_data["reason"],
                    **{argument: obj},
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Reversed: the opposite entries are written."))
                return redirect(
                    reverse(f"admin:accounts_{self.opts.model_name}_change", args=[obj.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reverse %(what)s") % {"what": obj},
            "object": obj,
            "form": form,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/accounts/money_reverse.html", context)


def _entries_table(*journals):
    rows = format_html_join(
        "",
        "<tr><td class='pr-4'>{}</td><td class='pr-4'>{}</td>"
        "<td class='pr-4'>{}</td><td class='text-right'>{}</td></tr>",
        (
            (
                journal.get_kind_display(),
                e.get_account_kind_display(),
                e.person.name if e.person else "—",
                f"{e.amount:+,.2f}",
            )
            for journal in journals
            for e in journal.entries.select_related("person").order_by("id")
        ),
    )
    return format_html("<table class='text-sm'>{}</table>", rows)


@admin.register(Payment)
class PaymentAdmin(_ReadOnlyMoneyAdmin):
    region_field = "binding__authorizer__region"
    persons = ("binding__authorizer__region", "binding__beneficiary__region")
    list_display = (
        "id",
        "paid_at",
        "authorizer",
        "beneficiary",
        "use",
        "bill_amount_shown",
        "amount_shown",
        "reversed",
        "entered_by",
    )
    list_select_related = ("binding__authorizer", "binding__beneficiary", "created_by")
    list_filter = (("use", ChoicesDropdownFilter),)
    search_fields = ("binding__authorizer__national_id",)  # replaced by get_search_results
    fields = (
        "binding",
        "use",
        "bill_amount_shown",
        "amount_shown",
        "reference",
        "entries",
        "reversal_shown",
        "created_at",
        "entered_by",
    )
    readonly_fields = fields
    actions_list = ["counter"]
    actions_detail = ["reverse"]

    @admin.display(description=_("paid at"), ordering="created_at")
    def paid_at(self, obj):
        return _time_cell(obj.created_at)

    @admin.display(description=_("in-catalogue cost of the bill (yuan)"), ordering="bill_amount")
    def bill_amount_shown(self, obj):
        return _money_cell(obj.bill_amount)

    @admin.display(description=_("authorizer"))
    def authorizer(self, obj):
        return _person_cell(obj.binding.authorizer)

    @admin.display(description=_("beneficiary"))
    def beneficiary(self, obj):
        return _person_cell(obj.binding.beneficiary)

    @admin.display(description=_("reversed"))
    def reversed(self, obj):
        if not obj.is_reversed:
            return ""
        return format_html('<span class="text-red-600 whitespace-nowrap">{}</span>', _("reversed"))

    @admin.display(description=_("reference"))
    def reference(self, obj):
        return obj.journal.reference

    @admin.display(description=_("reversal"))
    def reversal_shown(self, obj):
        if obj.reversal is None:
            return "—"
        return f"{timezone.localtime(obj.reversal.created_at):%Y-%m-%d %H:%M} · {obj.reversal.memo}"

    def get_queryset(self, request):
        # The changelist adds list_select_related only to a queryset that has none.
        return (
            super()
            .get_queryset(request)
            .select_related("journal", "reversal", *self.list_select_related)
        )

    def has_counter_permission(self, request) -> bool:
        return request.user.has_perm("accounts.add_payment")

    @action(
        description=_("Pay a bill at the counter"), permissions=["counter"], icon="point_of_sale"
    )
    def counter(self, request):
        return redirect("admin:accounts_payment_counter")

    @action(description=_("Reverse"), permissions=["reverse"], icon="undo")
    def reverse(self, request, object_id):
        return redirect("admin:accounts_payment_reverse", pk=object_id)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("counter/", wrap(self.counter_view), name="accounts_payment_counter"),
            path("<int:pk>/reverse/", wrap(self.reverse_view), name="accounts_payment_reverse"),
            path(
                "account/<int:person_id>/statement/",
                wrap(self.statement_view),
                name="accounts_account_statement",
            ),
            *super().get_urls(),
        ]

    def reverse_view(self, request, pk):
        return self._reverse_view(request, pk, payment_reverse, "payment")

    def statement_view(self, request, person_id):
        """One account's entries, newest first, with the balance after each, 50 a page."""
        if not request.user.has_perm("accounts.view_personalaccount"):
            raise PermissionDenied
        person = (
            scope_queryset(request.user, InsuredPerson.objects.select_related("region"))
            .filter(pk=person_id)
            .first()
        )
        if person is None:
            raise Http404
        kind = request.GET.get("account", AccountKind.PERSONAL)
        if kind not in (AccountKind.PERSONAL, AccountKind.WALLET):
            raise Http404
        page = Paginator(account_statement(person_id=person.pk, account_kind=kind), 50).get_page(
            request.GET.get("page")
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Statement of %(person)s") % {"person": person},
            "person": person,
            "kind": kind,
            "kinds": [
                (k, AccountKind(k).label) for k in (AccountKind.PERSONAL, AccountKind.WALLET)
            ],
            "page": page,
            "opts": PersonalAccount._meta,
        }
        return TemplateResponse(request, "admin/accounts/account_statement.html", context)

    def counter_view(self, request):
        """Pay a beneficiary's bill for an applicant at the counter: check, then confirm."""
        if not self.has_counter_permission(request):
            raise PermissionDenied

        def create(data):
            payment = payment_create(
                actor=request.user,
                via=Via.ADMIN,
                reference=data["reference"],
                binding=data["binding"],
                use=data["use"],
                bill_amount=data["bill_amount"],
                amount=data["amount"],
            )
            return payment, _("Paid %(amount)s yuan from the account of %(person)s.") % {
                "amount": f"{payment.amount:,.2f}",
                "person": payment.binding.authorizer,
            }

        return self._counter(
            request,
            CounterPaymentForm(request.POST or None, user=request.user),
            decide=lambda data: payment_decision(
                binding=data["binding"],
                use=data["use"],
                bill_amount=data["bill_amount"],
                amount=data["amount"],
            ),
            create=create,
            title=_("Pay a bill at the counter"),
            texts={
                "intro": _(
                    "Enter the bill; the rules in force judge it before anything is paid. "
                    "Confirm only when the applicant has signed."
                ),
                "allowed": _("The rules allow this payment."),
                "refused": _("The rules refuse this payment:"),
                "confirm": _("Confirm the payment"),
            },
        )


@admin.register(WalletTransfer)
class WalletTransferAdmin(_ReadOnlyMoneyAdmin):
    region_field = "authorizer__region"
    persons = ("authorizer__region", "beneficiary__region")
    list_display = (
        "id",
        "sent_at",
        "authorizer_shown",
        "beneficiary_shown",
        "amount_shown",
        "status",
        "returns_at",
        "entered_by",
    )
    list_select_related = ("authorizer", "beneficiary", "created_by")
    list_filter = (("status", ChoicesDropdownFilter),)
    search_fields = ("authorizer__national_id",)  # replaced by get_search_results
    fields = (
        "authorizer",
        "beneficiary",
        "binding",
        "amount_shown",
        "status",
        "created_at",
        "deadline",
        "accepted_at",
        "returned_at",
        "entries",
        "entered_by",
    )
    readonly_fields = fields
    actions_list = ["counter"]
    actions_detail = ["reverse"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("journal", *self.list_select_related)

    def has_counter_permission(self, request) -> bool:
        return request.user.has_perm("accounts.add_wallettransfer")

    @action(
        description=_("Send a wallet transfer at the counter"),
        permissions=["counter"],
        icon="send_money",
    )
    def counter(self, request):
        return redirect("admin:accounts_wallettransfer_counter")

    def counter_view(self, request):
        """Send a wallet transfer for an authorizer at the counter: check, then confirm."""
        if not self.has_counter_permission(request):
            raise PermissionDenied

        def create(data):
            transfer = transfer_create(
                actor=request.user,
                via=Via.ADMIN,
                reference=data["reference"],
                binding=data["binding"],
                amount=data["amount"],
            )
            return transfer, _(
                "Sent %(amount)s yuan towards the wallet of %(person)s; it waits to be accepted."
            ) % {"amount": f"{transfer.amount:,.2f}", "person": transfer.beneficiary}

        return self._counter(
            request,
            CounterTransferForm(request.POST or None, user=request.user),
            decide=lambda data: transfer_decision(binding=data["binding"], amount=data["amount"]),
            create=create,
            title=_("Send a wallet transfer at the counter"),
            texts={
                "intro": _(
                    "The rules in force judge the transfer before anything is sent. The "
                    "beneficiary accepts it in the wallet; unaccepted, it returns at 06:00 "
                    "the next day."
                ),
                "allowed": _("The rules allow this transfer."),
                "refused": _("The rules refuse this transfer:"),
                "confirm": _("Confirm the transfer"),
            },
        )

    def _more_journals(self, obj):
        return (obj.accept_journal, obj.return_journal, obj.reversal)

    @admin.display(description=_("sent at"), ordering="created_at")
    def sent_at(self, obj):
        return _time_cell(obj.created_at)

    @admin.display(description=_("returns unaccepted at"), ordering="deadline")
    def returns_at(self, obj):
        return _time_cell(obj.deadline) if obj.status == TransferStatus.PENDING else "—"

    @admin.display(description=_("authorizer"))
    def authorizer_shown(self, obj):
        return _person_cell(obj.authorizer)

    @admin.display(description=_("beneficiary"))
    def beneficiary_shown(self, obj):
        return _person_cell(obj.beneficiary)

    @action(description=_("Reverse"), permissions=["reverse"], icon="undo")
    def reverse(self, request, object_id):
        return redirect("admin:accounts_wallettransfer_reverse", pk=object_id)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("counter/", wrap(self.counter_view), name="accounts_wallettransfer_counter"),
            path(
                "<int:pk>/reverse/",
                wrap(self.reverse_view),
                name="accounts_wallettransfer_reverse",
            ),
            *super().get_urls(),
        ]

    def reverse_view(self, request, pk):
        return self._reverse_view(request, pk, transfer_reverse, "transfer")


class ReverseForm(forms.Form):
    reason = forms.CharField(
        label=_("why it is reversed"), max_length=500, widget=UnfoldAdminTextInputWidget
    )


class _CounterForm(forms.Form):
    """Who pays for whom: the two identity numbers find the binding in the user's regions."""

    authorizer_id = forms.CharField(
        label=_("authorizer's identity number"), max_length=18, widget=UnfoldAdminTextInputWidget
    )
    beneficiary_id = forms.CharField(
        label=_("beneficiary's identity number"), max_length=18, widget=UnfoldAdminTextInputWidget
    )
    reference = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        data = super().clean()
        a = idnumbers.normalize(data.get("authorizer_id", ""))
        b = idnumbers.normalize(data.get("beneficiary_id", ""))
        if not (a and b):
            return data
        bindings = either_region(
            self.user,
            Binding.objects.select_related(
                "authorizer__region", "beneficiary__region", "authorizer__account"
            ),
            "authorizer__region",
            "beneficiary__region",
        ).filter(authorizer__national_id=a, beneficiary__national_id=b)
        binding = bindings.filter(status=BindingStatus.ACTIVE).first() or bindings.first()
        if binding is None:
            raise forms.ValidationError(
                _("There is no binding from this authorizer to this beneficiary in your regions."),
                code="no_binding",
            )
        data["binding"] = binding
        # Made once, at the check, and sent back with the confirmation: one movement.
        data["reference"] = data.get("reference") or f"counter-{uuid.uuid4()}"
        self.data = self.data.copy()
        self.data["reference"] = data["reference"]
        return data


class CounterPaymentForm(_CounterForm):
    """The counter's payment: who pays for whom, what for, how much."""

    use = forms.ChoiceField(
        label=_("paid for"), choices=Use.choices, widget=UnfoldAdminSelectWidget
    )
    bill_amount = forms.DecimalField(
        label=_("in-catalogue cost of the bill (yuan)"),
        max_digits=14,
        decimal_places=2,
        required=False,
        widget=UnfoldAdminDecimalFieldWidget,
    )
    amount = forms.DecimalField(
        label=_("amount to pay from the account (yuan)"),
        max_digits=14,
        decimal_places=2,
        widget=UnfoldAdminDecimalFieldWidget,
    )


class CounterTransferForm(_CounterForm):
    amount = forms.DecimalField(
        label=_("amount to send to the wallet (yuan)"),
        max_digits=14,
        decimal_places=2,
        widget=UnfoldAdminDecimalFieldWidget,
    )


__all__ = ["PaymentAdmin", "WalletTransferAdmin", "ledger_link"]
