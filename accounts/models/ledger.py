"""The money ledger: double entry, append-only, with balances cached on the accounts.

Every money movement is one :class:`Journal` with two or more :class:`LedgerEntry` rows
whose signed amounts sum to zero. An entry moves money in or out of one account, named
by its kind and, for a person's accounts (personal account, wallet, transfer hold), the
person. ``PersonalAccount.balance`` and ``Wallet.balance`` are cached sums of their
entries, written only by ``accounts.services.ledger.post`` in the journal's transaction;
``manage.py check_ledger`` proves the caches equal the sums.

PostgreSQL enforces what the application promises (migration 0021):

- journals and entries are append-only (the ``append_only()`` trigger): a mistake is
  corrected by a reversal journal with the opposite entries, never by an edit;
- after every INSERT into the entries, each journal it touched sums to zero (a statement
  trigger over the inserted rows: a journal's entries are written in one statement);
- a personal account inserted with a balance gets an opening journal for it (a statement
  trigger), whoever inserts it (the person services, the import, a test factory);
- balances never go negative (the accounts' check constraints).

:class:`Payment` and :class:`WalletTransfer` are the business records the journals
belong to; their status changes only in ``accounts.services.payments``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.choices import AccountKind, JournalKind, TransferStatus, Via
from policies.relations import Use


def _money(verbose_name, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)


class Wallet(models.Model):
    """A person's medical-insurance wallet (医保钱包): quota received by wallet transfers."""

    person = models.OneToOneField(
        "accounts.InsuredPerson",
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="wallet",
        verbose_name=_("insured person"),
    )
    balance = _money(_("balance (yuan)"), default=Decimal("0.00"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("wallet")
        verbose_name_plural = _("wallets")
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="wallet_balance_not_negative"),
        ]

    def __str__(self):
        return _("Wallet of %(person)s") % {"person": self.person}


class Journal(models.Model):
    """One money movement: its entries sum to zero. Append-only."""

    kind = models.CharField(_("kind"), max_length=20, choices=JournalKind.choices)
    #: the caller's idempotency key; the same key twice is one movement
    reference = models.CharField(_("reference"), max_length=100)
    created_at = models.DateTimeField(_("booked at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booked by"),
    )
    #: blank when the database wrote it (the opening balance of a new account)
    via = models.CharField(_("through"), max_length=12, choices=Via.choices, blank=True)
    binding = models.ForeignKey(
        "accounts.Binding",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="journals",
        verbose_name=_("mutual-aid binding"),
    )
    memo = models.TextField(_("memo"), blank=True)
    #: the parameters of the request, compared when a reference comes again
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("journal")
        verbose_name_plural = _("journals")
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="journal_reference_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=JournalKind.values), name="journal_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.reference}"


class LedgerEntry(models.Model):
    """Money into (+) or out of (−) one account, as part of one journal. Append-only."""

    # The references of entries are checked once per INSERT statement, set-based, by the
    # trigger ledger_entries_checked (migration 0025), not by a foreign key's check of
    # each row: an import's opening journal has a million entries, and the two per-row
    # checks cost 7 µs an entry (docs/benchmarks.md). Journals and entries are never
    # deleted (append-only); a person with entries always has an account or a wallet,
    # whose own foreign key keeps the person.
    journal = models.ForeignKey(
        Journal,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("journal"),
        db_constraint=False,
    )
    account_kind = models.CharField(_("account"), max_length=20, choices=AccountKind.choices)
    person = models.ForeignKey(
        "accounts.InsuredPerson",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
        verbose_name=_("insured person"),
        db_index=False,  # ledger_person_account serves every lookup by person
        db_constraint=False,  # checked per statement, as the journal (above)
    )
    #: wide enough for the one balancing entry of an import's or migration's journal
    amount = models.DecimalField(_("amount (yuan)"), max_digits=18, decimal_places=2)

    class Meta:
        ordering = ["id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [
            # One account's statement in order, and its sum, from the index.
            models.Index(
                fields=["person", "account_kind", "id"],
                name="ledger_person_account",
                condition=Q(person__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_entry_nonzero"),
            models.CheckConstraint(
                condition=Q(account_kind__in=AccountKind.values), name="ledger_account_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(
                    account_kind__in=[
                        AccountKind.PERSONAL,
                        AccountKind.WALLET,
                        AccountKind.TRANSFER_HOLD,
                    ],
                    person__isnull=False,
                )
                | (
                    ~Q(
                        account_kind__in=[
                            AccountKind.PERSONAL,
                            AccountKind.WALLET,
                            AccountKind.TRANSFER_HOLD,
                        ]
                    )
                    & Q(person__isnull=True)
                ),
                name="ledger_person_iff_person_account",
            ),
        ]

    def __str__(self):
        return f"{self.get_account_kind_display()} {self.amount:+}"


class Payment(models.Model):
    """A direct payment (直接调用): the authorizer's account pays the beneficiary's bill."""

    binding = models.ForeignKey(
        "accounts.Binding",
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("mutual-aid binding"),
    )
    use = models.CharField(_("paid for"), max_length=32, choices=Use.choices)
    bill_amount = _money(_("in-catalogue cost of the bill (yuan)"), null=True, blank=True)
    amount = _money(_("amount (yuan)"))
    journal = models.OneToOneField(
        Journal, on_delete=models.PROTECT, related_name="payment", verbose_name=_("journal")
    )
    reversal = models.OneToOneField(
        Journal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_payment",
        verbose_name=_("reversal"),
    )
    created_at = models.DateTimeField(_("paid at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("direct payment")
        verbose_name_plural = _("direct payments")
        permissions = [("reverse_payment", _("Can reverse payments and wallet transfers"))]
        indexes = [models.Index(fields=["binding", "-id"], name="payment_binding_recent")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self):
        return _("Payment %(id)s of %(amount)s yuan") % {"id": self.pk, "amount": self.amount}

    @property
    def is_reversed(self) -> bool:
        return self.reversal_id is not None


class WalletTransfer(models.Model):
    """A wallet transfer (医保钱包转账): held until the beneficiary accepts it, or returned at
    06:00 (Beijing time) the next day."""

    authorizer = models.ForeignKey(
        "accounts.InsuredPerson",
        on_delete=models.PROTECT,
        related_name="transfers_sent",
        verbose_name=_("authorizer"),
    )
    beneficiary = models.ForeignKey(
        "accounts.InsuredPerson",
        on_delete=models.PROTECT,
        related_name="transfers_received",
        verbose_name=_("beneficiary"),
    )
    binding = models.ForeignKey(
        "accounts.Binding",
        on_delete=models.PROTECT,
        related_name="transfers",
        verbose_name=_("mutual-aid binding"),
    )
    amount = _money(_("amount (yuan)"))
    status = models.CharField(
        pgettext_lazy("wallet transfer", "status"),
        max_length=10,
        choices=TransferStatus.choices,
        default=TransferStatus.PENDING,
    )
    created_at = models.DateTimeField(_("sent at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    deadline = models.DateTimeField(_("returns unaccepted at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    journal = models.OneToOneField(
        Journal, on_delete=models.PROTECT, related_name="transfer", verbose_name=_("journal")
    )
    accept_journal = models.OneToOneField(
        Journal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accepted_transfer",
        verbose_name=_("acceptance journal"),
    )
    return_journal = models.OneToOneField(
        Journal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="returned_transfer",
        verbose_name=_("return journal"),
    )
    reversal = models.OneToOneField(
        Journal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_transfer",
        verbose_name=_("reversal"),
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("wallet transfer")
        verbose_name_plural = _("wallet transfers")
        indexes = [
            models.Index(fields=["authorizer", "created_at"], name="transfer_authorizer_day"),
            models.Index(fields=["beneficiary", "status"], name="transfer_beneficiary_status"),
            # The 06:00 return job reads only the pending ones, oldest deadline first.
            models.Index(
                fields=["deadline"],
                name="transfer_pending_deadline",
                condition=Q(status=TransferStatus.PENDING),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="transfer_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=TransferStatus.values), name="transfer_status_valid"
            ),
        ]

    def __str__(self):
        return _("Wallet transfer %(id)s of %(amount)s yuan") % {
            "id": self.pk,
            "amount": self.amount,
        }
