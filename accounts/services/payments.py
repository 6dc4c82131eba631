"""Money movements under a binding: direct payments, wallet transfers, their reversal.

Each function runs in one transaction, locks the accounts it moves money in (personal
accounts, then wallets, then the binding, in primary-key order: ``accounts.locks``),
judges the request by the rules (the policy in force for the authorizer's region, through
``policies.engine.evaluate_transfer``, plus the binding's own period and cap), and either
posts one journal (``accounts.services.ledger.post``) with an audit event, or raises a
:class:`DomainError` subclass carrying every violation, having written nothing.

Externally triggered movements take the caller's ``reference``: the same reference again
returns the first result; with other parameters it raises :class:`IdempotencyConflict`
(``reference_reused``). The statuses of :class:`Payment` and :class:`WalletTransfer`
change here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import (
    AccountKind,
    BindingStatus,
    JournalKind,
    PersonStatus,
    TransferStatus,
    Via,
)
from accounts.locks import lock_row, lock_rows
from accounts.models import (
    Binding,
    InsuredPerson,
    Journal,
    Payment,
    PersonalAccount,
    Wallet,
    WalletTransfer,
)
from accounts.selectors.bindings import person_facts
from accounts.services.audit import audit_record
from accounts.services.errors import DomainError
from accounts.services.ledger import Entry, opposite, post
from policies.engine import (
    Decision,
    Finding,
    PolicyRules,
    TransferFacts,
    evaluate_transfer,
)
from policies.relations import Use
from policies.selectors import policy_for

CENT = Decimal("0.01")
#: wallet transfers not accepted return at this local (Beijing) time the next day
RETURN_AT = dt.time(6, 0)
#: uses paid to the premium collection account; the others go to hospital settlement
PREMIUM_USES = frozenset({Use.RESIDENT_PREMIUM, Use.LTC_PREMIUM})
REVERSE_PERMISSION = "accounts.reverse_payment"


class PaymentRefused(DomainError):
    """A direct payment or wallet spending the rules refuse."""


class TransferRefused(DomainError):
    """A wallet transfer (or its acceptance) the rules refuse."""


class ReversalRefused(DomainError):
    """A reversal this actor may not make, or of a movement that cannot be reversed."""


class IdempotencyConflict(DomainError):
    """A reference already used for a movement with other parameters."""


# --- decisions (read only) ------------------------------------------------------------------


def payment_decision(
    *, binding: Binding, use: str, bill_amount, amount, at=None, balance=None
) -> Decision:
    """Return the rules' judgement of a direct payment, writing nothing.

    The counter page shows it before the caseworker confirms; :func:`payment_create`
    asks it again under the account's lock. ``balance`` defaults to the balance now.
    """
    at = at or timezone.now()
    amount, bill_amount = _decimal(amount), _decimal(bill_amount)
    authorizer, beneficiary = binding.authorizer, binding.beneficiary
    day = timezone.localdate(at)
    policy = _policy(authorizer, day)
    found = _amount_findings(amount) + _amount_findings(bill_amount, "bill_amount")
    found += _binding_findings(binding, day, amount)
    if authorizer.region.province_id != beneficiary.region.province_id:
        found.append(
            Finding(
                "cross_province_direct",
                _(
                    "A relative insured in another province cannot be paid for directly; "
                    "a wallet transfer is the way."
                ),
            )
        )
    if policy is None:
        return _no_policy(found)
    if policy.max_payment_share and bill_amount is None:
        found.append(
            Finding(
                "bill_amount_required",
                _("The policy limits the share of a bill: enter the bill's in-catalogue cost."),
                "max_payment_share",
            )
        )
    if amount is not None and bill_amount is not None:
        if amount > bill_amount:
            found.append(
                Finding(
                    "amount_exceeds_bill",
                    _("The payment of %(amount)s yuan is more than the bill, %(bill)s yuan."),
                    params={"amount": amount, "bill": bill_amount},
                )
            )
        elif policy.max_payment_share:
            # Rounded down to the fen, whatever the engine does: never a fen over the share.
            limit = (bill_amount * policy.max_payment_share).quantize(CENT, rounding=ROUND_DOWN)
            if amount > limit:
                found.append(
                    Finding(
                        "payment_share_exceeded",
                        _(
                            "The account may cover at most %(share)s%% of this bill, "
                            "%(limit)s yuan."
                        ),
                        "max_payment_share",
                        {"share": _percent(policy.max_payment_share), "limit": limit},
                    )
                )
    if balance is None:
        balance = _balance(authorizer.pk)
    facts = TransferFacts(
        authorizer=person_facts(authorizer, day),
        beneficiary=person_facts(beneficiary, day),
        binding_active=binding.status == BindingStatus.ACTIVE,
        mode="direct",
        use=use,
        amount=amount if amount is not None else Decimal(0),
        balance=balance,
        at=timezone.localtime(at),
        bill_amount=bill_amount,
    )
    return _merge(found, evaluate_transfer(facts, policy))


def transfer_decision(*, binding: Binding, amount, at=None, balance=None) -> Decision:
    """Return the rules' judgement of a wallet transfer, writing nothing."""
    at = at or timezone.now()
    amount = _decimal(amount)
    authorizer, beneficiary = binding.authorizer, binding.beneficiary
    day = timezone.localdate(at)
    policy = _policy(authorizer, day)
    found = _amount_findings(amount) + _binding_findings(binding, day, amount)
    if policy is None:
        return _no_policy(found)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    sent_today = WalletTransfer.objects.filter(
        authorizer=authorizer, created_at__gte=start, created_at__lt=start + dt.timedelta(days=1)
    ).count()
    pending = WalletTransfer.objects.filter(
        beneficiary=beneficiary, status=TransferStatus.PENDING, deadline__gt=at
    ).exists()
    facts = TransferFacts(
        authorizer=person_facts(authorizer, day),
        beneficiary=person_facts(beneficiary, day),
        binding_active=binding.status == BindingStatus.ACTIVE,
        mode="wallet",
        use=Use.OUTPATIENT,  # a transfer pays for nothing yet: the wallet's spending will
        amount=amount if amount is not None else Decimal(0),
        balance=_balance(authorizer.pk) if balance is None else balance,
        at=timezone.localtime(at),
        transfers_today=sent_today,
        pending_transfer=pending,
    )
    decision = evaluate_transfer(facts, policy)
    # ``use`` is judged when the wallet pays, not when it is filled.
    decision = Decision(
        decision.allowed,
        tuple(v for v in decision.violations if v.code != "use_not_allowed"),
        decision.red_flags,
        decision.policy,
    )
    return _merge(found, decision)


# --- direct payments ------------------------------------------------------------------------


def payment_create(
    *, actor, via: str, reference: str, binding: Binding, use: str, bill_amount, amount, at=None
) -> Payment:
    """Pay ``amount`` of the beneficiary's bill from the authorizer's personal account.

    Entries: personal account −amount, hospital/pharmacy settlement (or premium
    collection) +amount. Raises :class:`PaymentRefused` with the violations.
    """
    at = at or timezone.now()
    params = {
        "binding": binding.pk,
        "use": use,
        "bill_amount": _shown(bill_amount),
        "amount": _shown(amount),
    }
    with transaction.atomic():
        account = lock_row(PersonalAccount, binding.authorizer_id)
        binding = _locked_binding(binding.pk)
        if (done := _replay(reference, JournalKind.DIRECT_PAYMENT, params)) is not None:
            return done.payment
        decision = payment_decision(
            binding=binding,
            use=use,
            bill_amount=bill_amount,
            amount=amount,
            at=at,
            balance=account.balance if account else Decimal(0),
        )
        if not decision.allowed:
            raise PaymentRefused(
                decision.violations[0].message,
                code=decision.violations[0].code,
                violations=decision.violations,
            )
        amount = _decimal(amount)
        journal = _post_once(
            reference,
            JournalKind.DIRECT_PAYMENT,
            params,
            actor=actor,
            via=via,
            binding=binding,
            at=at,
            entries=[
                Entry(AccountKind.PERSONAL, -amount, binding.authorizer_id),
                Entry(_collector(use), amount),
            ],
        )
        if isinstance(journal, Payment):
            return journal
        payment = Payment.objects.create(
            binding=binding,
            use=use,
            bill_amount=_decimal(bill_amount),
            amount=amount,
            journal=journal,
            created_at=at,
            created_by=_user(actor),
        )
        audit_record(
            actor=actor,
            via=via,
            action="payment.create",
            target=payment,
            to_state="paid",
            params={**params, "reference": reference, "journal": journal.pk},
        )
    return payment


def payment_reverse(*, actor, via: str, payment: Payment, reason: str, at=None) -> Payment:
    """Undo ``payment`` with a compensating journal (the opposite entries); supervisors only,
    never the person who entered it."""
    at = at or timezone.now()
    _check_reverser(actor, payment.created_by_id, reason)
    with transaction.atomic():
        lock_row(PersonalAccount, payment.binding.authorizer_id)
        payment = Payment.objects.select_for_update(of=("self",)).get(pk=payment.pk)
        if payment.reversal_id is not None:
            raise ReversalRefused(
                str(_("This has been reversed already.")), code="already_reversed"
            )
        original = payment.journal
        journal = post(
            kind=JournalKind.REVERSAL,
            reference=f"reversal:{original.pk}",
            actor=actor,
            via=via,
            binding=payment.binding,
            memo=reason,
            params={"reverses": original.pk},
            reverses=original,
            entries=opposite(original),
            at=at,
        )
        payment.reversal = journal
        payment.save(update_fields=["reversal"])
        audit_record(
            actor=actor,
            via=via,
            action="payment.reverse",
            target=payment,
            from_state="paid",
            to_state="reversed",
            note=reason,
            params={"journal": journal.pk, "amount": str(payment.amount)},
        )
    return payment


# --- wallet transfers -----------------------------------------------------------------------


def transfer_deadline(at: dt.datetime) -> dt.datetime:
    """Return when a transfer sent at ``at`` returns unaccepted: 06:00 Beijing time the
    next day."""
    day = timezone.localdate(at) + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, RETURN_AT))


def transfer_create(
    *, actor, via: str, reference: str, binding: Binding, amount, at=None
) -> WalletTransfer:
    """Send ``amount`` from the authorizer's personal account towards the beneficiary's
    wallet, held until accepted. Raises :class:`TransferRefused` with the violations."""
    at = at or timezone.now()
    params = {"binding": binding.pk, "amount": _shown(amount)}
    with transaction.atomic():
        # The wallet must exist to be locked; a new empty one changes no balance (and goes
        # with the rest if the transfer is refused).
        Wallet.objects.bulk_create(
            [Wallet(person_id=binding.beneficiary_id)], ignore_conflicts=True
        )
        account = lock_row(PersonalAccount, binding.authorizer_id)
        lock_row(Wallet, binding.beneficiary_id)  # one pending transfer per wallet
        binding = _locked_binding(binding.pk)
        if (done := _replay(reference, JournalKind.WALLET_TRANSFER, params)) is not None:
            return done.transfer
        decision = transfer_decision(
            binding=binding,
            amount=amount,
            at=at,
            balance=account.balance if account else Decimal(0),
        )
        if not decision.allowed:
            raise TransferRefused(
                decision.violations[0].message,
                code=decision.violations[0].code,
                violations=decision.violations,
            )
        amount = _decimal(amount)
        journal = _post_once(
            reference,
            JournalKind.WALLET_TRANSFER,
            params,
            actor=actor,
            via=via,
            binding=binding,
            at=at,
            entries=[
                Entry(AccountKind.PERSONAL, -amount, binding.authorizer_id),
                Entry(AccountKind.TRANSFER_HOLD, amount, binding.authorizer_id),
            ],
        )
        if isinstance(journal, WalletTransfer):
            return journal
        transfer = WalletTransfer.objects.create(
            authorizer_id=binding.authorizer_id,
            beneficiary_id=binding.beneficiary_id,
            binding=binding,
            amount=amount,
            created_at=at,
            created_by=_user(actor),
            deadline=transfer_deadline(at),
            journal=journal,
        )
        audit_record(
            actor=actor,
            via=via,
            action="transfer.create",
            target=transfer,
            to_state=TransferStatus.PENDING,
            params={**params, "reference": reference, "journal": journal.pk},
        )
    return transfer


def transfer_accept(*, actor, via: str, transfer: WalletTransfer, at=None) -> WalletTransfer:
    """Move a pending transfer's money into the beneficiary's wallet (hold −, wallet +).

    Accepting an accepted transfer again returns it unchanged."""
    at = at or timezone.now()
    with transaction.atomic():
        lock_row(Wallet, transfer.beneficiary_id)
        transfer = _locked_transfer(transfer.pk)
        if transfer.status == TransferStatus.ACCEPTED:
            return transfer
        if transfer.status != TransferStatus.PENDING:
            raise TransferRefused(
                str(_("This transfer is no longer waiting.")), code="transfer_not_pending"
            )
        if at >= transfer.deadline:
            raise TransferRefused(
                str(_("This transfer was not accepted in time and returns to the sender.")),
                code="transfer_expired",
            )
        journal = post(
            kind=JournalKind.TRANSFER_ACCEPT,
            reference=f"transfer:{transfer.pk}:accept",
            actor=actor,
            via=via,
            binding=transfer.binding,
            params={"transfer": transfer.pk},
            at=at,
            entries=[
                Entry(AccountKind.TRANSFER_HOLD, -transfer.amount, transfer.authorizer_id),
                Entry(AccountKind.WALLET, transfer.amount, transfer.beneficiary_id),
            ],
        )
        _set_status(
            transfer,
            TransferStatus.ACCEPTED,
            actor=actor,
            via=via,
            action="transfer.accept",
            accepted_at=at,
            accept_journal=journal,
        )
    return transfer


def transfers_return_expired(*, now=None, batch: int = 200) -> int:
    """Return every pending transfer whose deadline has passed to its sender; return how many.

    Safe to run in several processes at once: each transfer returns exactly once (its
    row is locked with SKIP LOCKED and its status read again; its return journal's
    reference is unique). Accounts are locked before transfers, as everywhere.
    """
    now = now or timezone.now()
    returned = 0
    after = 0
    while True:
        candidates = list(
            WalletTransfer.objects.filter(
                status=TransferStatus.PENDING, deadline__lte=now, pk__gt=after
            )
            .order_by("pk")
            .values_list("pk", "authorizer_id")[:batch]
        )
        if not candidates:
            return returned
        after = candidates[-1][0]
        with transaction.atomic():
            lock_rows(PersonalAccount, {a for _, a in candidates})
            due = list(
                WalletTransfer.objects.select_for_update(of=("self",), skip_locked=True)
                .filter(
                    pk__in=[pk for pk, _ in candidates],
                    status=TransferStatus.PENDING,
                    deadline__lte=now,
                )
                .select_related("binding")
                .order_by("pk")
            )
            for transfer in due:
                journal = post(
                    kind=JournalKind.TRANSFER_RETURN,
                    reference=f"transfer:{transfer.pk}:return",
                    actor=None,
                    via=Via.SCHEDULE,
                    binding=transfer.binding,
                    params={"transfer": transfer.pk},
                    at=now,
                    entries=[
                        Entry(AccountKind.TRANSFER_HOLD, -transfer.amount, transfer.authorizer_id),
                        Entry(AccountKind.PERSONAL, transfer.amount, transfer.authorizer_id),
                    ],
                )
                _set_status(
                    transfer,
                    TransferStatus.RETURNED,
                    actor=None,
                    via=Via.SCHEDULE,
                    action="transfer.return",
                    returned_at=now,
                    return_journal=journal,
                )
            returned += len(due)


def transfer_reverse(
    *, actor, via: str, transfer: WalletTransfer, reason: str, at=None
) -> WalletTransfer:
    """Undo a pending or accepted transfer with the opposite entries of its journals;
    supervisors only, never the person who entered it."""
    at = at or timezone.now()
    _check_reverser(actor, transfer.created_by_id, reason)
    with transaction.atomic():
        lock_row(PersonalAccount, transfer.authorizer_id)
        wallet = lock_row(Wallet, transfer.beneficiary_id)
        transfer = _locked_transfer(transfer.pk)
        if transfer.status not in (TransferStatus.PENDING, TransferStatus.ACCEPTED):
            raise ReversalRefused(
                str(_("A transfer returned or reversed already cannot be reversed.")),
                code="transfer_not_reversible",
            )
        entries = opposite(transfer.journal)
        if transfer.status == TransferStatus.ACCEPTED:
            if wallet.balance < transfer.amount:
                raise ReversalRefused(
                    str(
                        _("The wallet holds %(balance)s yuan, less than the transfer.")
                        % {"balance": wallet.balance}
                    ),
                    code="wallet_insufficient",
                )
            entries += opposite(transfer.accept_journal)
        journal = post(
            kind=JournalKind.REVERSAL,
            reference=f"reversal:{transfer.journal_id}",
            actor=actor,
            via=via,
            binding=transfer.binding,
            memo=reason,
            params={"reverses": transfer.journal_id, "transfer": transfer.pk},
            reverses=transfer.journal,
            entries=entries,
            at=at,
        )
        _set_status(
            transfer,
            TransferStatus.REVERSED,
            actor=actor,
            via=via,
            action="transfer.reverse",
            note=reason,
            reversal=journal,
        )
    return transfer


# --- wallet spending ------------------------------------------------------------------------


def wallet_spend(
    *, actor, via: str, reference: str, person: InsuredPerson, use: str, amount, at=None
) -> Journal:
    """Pay from ``person``'s wallet for one of the uses the wallet may pay (wallet −,
    settlement or premium collection +). Raises :class:`PaymentRefused`."""
    at = at or timezone.now()
    params = {"person": person.pk, "use": use, "amount": _shown(amount)}
    with transaction.atomic():
        wallet = lock_row(Wallet, person.pk)
        if (done := _replay(reference, JournalKind.WALLET_SPEND, params)) is not None:
            return done
        amount_d = _decimal(amount)
        found = _amount_findings(amount_d)
        policy = _policy(person, timezone.localdate(at))
        allowed = policy.allowed_uses if policy is not None else frozenset(Use.values)
        if use not in Use.values or use not in allowed:
            found.append(
                Finding(
                    "use_not_allowed",
                    _("Mutual-aid money may not pay for this under the policy in force."),
                    "allowed_uses",
                )
            )
        balance = wallet.balance if wallet else Decimal(0)
        if amount_d is not None and amount_d > balance:
            found.append(
                Finding(
                    "insufficient_balance",
                    _("The account holds %(balance)s yuan, less than %(amount)s."),
                    params={"balance": balance, "amount": amount_d},
                )
            )
        if found:
            raise PaymentRefused(found[0].message, code=found[0].code, violations=found)
        journal = _post_once(
            reference,
            JournalKind.WALLET_SPEND,
            params,
            actor=actor,
            via=via,
            at=at,
            entries=[
                Entry(AccountKind.WALLET, -amount_d, person.pk),
                Entry(_collector(use), amount_d),
            ],
        )
        audit_record(
            actor=actor,
            via=via,
            action="wallet.spend",
            target=wallet,
            params={**params, "reference": reference, "journal": journal.pk},
        )
    return journal


# --- helpers --------------------------------------------------------------------------------


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _percent(share: Decimal) -> str:
    """Return a share as a plain percentage: 0.70 -> "70" (never "7E+1"), 0.655 -> "65.5"."""
    return format((share * 100).normalize(), "f")


def _shown(value) -> str | None:
    """The amount as a request parameter: 10, 10.0 and 10.00 are one amount."""
    d = _decimal(value)
    if d is None:
        return None if value in (None, "") else str(value)
    return str(d.quantize(CENT)) if d == d.quantize(CENT) else str(d)


def _amount_findings(amount: Decimal | None, field: str = "amount") -> list[Finding]:
    if amount is None:
        return (
            [Finding("amount_not_positive", _("The amount must be more than zero."))]
            if field == "amount"
            else []
        )
    if amount != amount.quantize(CENT):
        return [
            Finding(
                "amount_too_precise",
                _("Amounts are in yuan with at most two decimals (fen): %(amount)s."),
                field,
                {"amount": amount},
            )
        ]
    return []


def _binding_findings(binding: Binding, day: dt.date, amount: Decimal | None) -> list[Finding]:
    found = []
    # The engine judges these for a new binding only; an enrolment may end while one lives.
    if binding.authorizer.status != PersonStatus.ACTIVE:
        found.append(
            Finding("authorizer_not_active", _("The authorizer's enrolment is not active."))
        )
    if binding.beneficiary.status != PersonStatus.ACTIVE:
        found.append(
            Finding("beneficiary_not_active", _("The beneficiary's enrolment is not active."))
        )
    if day < binding.starts_on or (binding.ends_on and day > binding.ends_on):
        found.append(
            Finding(
                "binding_period",
                _("The binding is in force from %(start)s to %(end)s, not on %(day)s."),
                params={
                    "start": binding.starts_on,
                    "end": binding.ends_on or _("open end"),
                    "day": day,
                },
            )
        )
    if binding.payment_cap is not None and amount is not None and amount > binding.payment_cap:
        found.append(
            Finding(
                "binding_payment_cap",
                _("The authorizer allows at most %(cap)s yuan per payment for this relative."),
                params={"cap": binding.payment_cap},
            )
        )
    return found


def _merge(found: list[Finding], decision: Decision) -> Decision:
    """The service's findings first, then the engine's of other codes."""
    codes = {f.code for f in found}
    violations = tuple(found) + tuple(v for v in decision.violations if v.code not in codes)
    return Decision(not violations, violations, decision.red_flags, decision.policy)


def _no_policy(found: list[Finding]) -> Decision:
    found = [
        *found,
        Finding("no_policy", _("No policy is in force for the authorizer's region on this day.")),
    ]
    return Decision(False, tuple(found), (), None)


def _policy(person: InsuredPerson, day: dt.date) -> PolicyRules | None:
    version = policy_for(person.region_id, day)
    return PolicyRules.from_version(version) if version is not None else None


def _balance(person_id: int) -> Decimal:
    account = PersonalAccount.objects.filter(pk=person_id).only("balance").first()
    return account.balance if account is not None else Decimal(0)


def _collector(use: str) -> str:
    return AccountKind.PREMIUM_COLLECTION if use in PREMIUM_USES else AccountKind.SETTLEMENT


def _user(actor):
    return actor if actor is not None and actor.is_authenticated else None


def _locked_binding(pk: int) -> Binding:
    """Lock the binding (after the accounts and wallets) so it cannot end meanwhile."""
    return lock_row(
        Binding,
        pk,
        queryset=Binding.objects.select_related("authorizer__region", "beneficiary__region"),
    )


def _locked_transfer(pk: int) -> WalletTransfer:
    return (
        WalletTransfer.objects.select_for_update(of=("self",))
        .select_related("binding", "journal", "accept_journal")
        .get(pk=pk)
    )


def _replay(reference: str, kind: str, params: dict) -> Journal | None:
    """Return the journal already written for ``reference``, if its request was this one."""
    journal = Journal.objects.filter(reference=reference).first()
    if journal is None:
        return None
    if journal.kind != kind or journal.params != params:
        raise IdempotencyConflict(
            str(
                _("Reference %(reference)s was used already, for another movement.")
                % {"reference": reference}
            ),
            code="reference_reused",
        )
    return journal


def _post_once(reference, kind, params, **kwargs):
    """Post the journal, or, when another transaction took ``reference`` meanwhile (for
    another account), return that one's result or refuse as :func:`_replay` does."""
    try:
        return post(kind=kind, reference=reference, params=params, **kwargs)
    except IntegrityError:
        done = Journal.objects.filter(reference=reference).first()
        if done is None:
            raise
        _replay(reference, kind, params)
        return {
            JournalKind.DIRECT_PAYMENT: lambda j: j.payment,
            JournalKind.WALLET_TRANSFER: lambda j: j.transfer,
        }.get(kind, lambda j: j)(done)


def _check_reverser(actor, entered_by_id, reason: str) -> None:
    if not (actor.is_superuser or actor.has_perm(REVERSE_PERMISSION)):
        raise ReversalRefused(
            str(_("Only a supervisor may reverse a payment or transfer.")), code="not_supervisor"
        )
    if entered_by_id is not None and entered_by_id == actor.pk:
        raise ReversalRefused(
            str(_("A payment or transfer is reversed by someone other than its maker.")),
            code="four_eyes",
        )
    if not (reason or "").strip():
        raise ReversalRefused(str(_("Say why it is reversed.")), code="reason_required")


def _set_status(transfer: WalletTransfer, status: str, *, actor, via, action, note="", **fields):
    before = transfer.status
    transfer.status = status
    for name, value in fields.items():
        setattr(transfer, name, value)
    transfer.save(update_fields=["status", *fields])
    audit_record(
        actor=actor,
        via=via,
        action=action,
        target=transfer,
        from_state=before,
        to_state=status,
        note=note,
        params={"amount": str(transfer.amount)},
    )


__all__ = [
    "IdempotencyConflict",
    "PaymentRefused",
    "ReversalRefused",
    "TransferRefused",
    "payment_create",
    "payment_decision",
    "payment_reverse",
    "transfer_accept",
    "transfer_create",
    "transfer_deadline",
    "transfer_decision",
    "transfers_return_expired",
    "transfer_reverse",
    "wallet_spend",
]
