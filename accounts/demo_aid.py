"""Demo mutual aid: bindings in every state and half a year of payments and wallet transfers,
made through the services (so the ledger, the audit trail and the decisions are real).

Deterministic (seeded) and run once: ``seed_demo`` calls :func:`seed_mutual_aid`, which
does nothing when bindings exist already. The services read the clock; each step runs with
the clock set to the day it happens (:func:`_clock`), so the history reads as months of
work rather than one afternoon.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User

from accounts import idnumbers
from accounts.choices import BindingBasis, BindingStatus, InsuranceType, PersonStatus, Via
from accounts.models import Binding, InsuredPerson, Payment
from accounts.services.bindings import binding_activate, binding_request, binding_revoke
from accounts.services.errors import DomainError
from accounts.services.payments import (
    payment_create,
    payment_reverse,
    transfer_accept,
    transfer_create,
    transfers_return_expired,
)
from policies.relations import Relation, ReviewMode, Use
from policies.selectors import policy_for

BEIJING = ZoneInfo("Asia/Shanghai")
#: the first requests; payments follow over the months after
FIRST_DAY = dt.date(2026, 5, 11)
#: the region each demo caseworker works in; other regions' cases are entered by the admin
CASEWORKERS = {"370100": "caseworker1", "440300": "caseworker2"}
USES = (Use.OUTPATIENT, Use.PHARMACY, Use.PHARMACY, Use.INPATIENT, Use.OUTPATIENT)


@contextmanager
def _clock(at: dt.datetime) -> Iterator[None]:
    """Run with Django's clock (``timezone.now``) set to ``at``: demo data only."""
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


def _at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BEIJING)


def _relation(head: InsuredPerson, member: InsuredPerson, said: str) -> str | None:
    """Return what ``member`` is to ``head`` as a ``Relation``, from the demo's word and the
    sexes and birth dates the identity numbers give; None for a word it does not know."""
    sex = idnumbers.facts(member.national_id).sex
    elder = member.birth_date < head.birth_date
    if said == "spouse":
        return Relation.SPOUSE
    if said == "child":
        return Relation.SON if sex == "M" else Relation.DAUGHTER
    if said == "father":
        return Relation.FATHER
    if said == "mother":
        return Relation.MOTHER
    if said == "sibling":
        if sex == "M":
            return Relation.ELDER_BROTHER if elder else Relation.YOUNGER_BROTHER
        return Relation.ELDER_SISTER if elder else Relation.YOUNGER_SISTER
    if said == "grandparent":
        return Relation.PATERNAL_GRANDFATHER if sex == "M" else Relation.PATERNAL_GRANDMOTHER
    return None


def seed_mutual_aid(families, *, seed: int = 2026) -> dict[str, int]:
    """Bind each demo family's employee-insured head to the members, then pay and transfer
    under the bindings; return what was made. Nothing when bindings exist already."""
    made = {"bindings": 0, "payments": 0, "transfers": 0, "refused": 0}
    if Binding.objects.exists():
        return made
    rnd = random.Random(seed)
    users = {u.username: u for u in User.objects.filter(is_staff=True)}
    persons = {p.national_id: p for p in InsuredPerson.objects.select_related("region")}
    bindings: list[Binding] = []
    for number, family in enumerate(families):
        head = persons.get(family.head.national_id)
        if head is None or head.insurance_type != InsuranceType.EMPLOYEE:
            continue
        if head.status != PersonStatus.ACTIVE:
            continue
        day = FIRST_DAY + dt.timedelta(days=number % 60)
        entered_by = users[CASEWORKERS.get(head.region_id, "admin")]
        version = policy_for(head.region_id, day)
        basis = (
            BindingBasis.PLEDGE
            if version and version.review_mode == ReviewMode.PLEDGE
            else BindingBasis.DOCUMENTS
        )
        for demo in family.members[:4]:
            member = persons.get(demo.national_id)
            relation = member and _relation(head, member, demo.relation_to_head)
            if relation is None:
                continue
            try:
                with _clock(_at(day, 9 + len(bindings) % 8)):
                    binding = binding_request(
                        actor=entered_by,
                        via=Via.ADMIN,
                        authorizer=head,
                        beneficiary=member,
                        relation=relation,
                        basis=basis,
                        starts_on=day,
                    )
            except DomainError:
                made["refused"] += 1
                continue
            bindings.append(binding)
    made["bindings"] = len(bindings)
    _review(bindings, users, rnd)
    for binding in Binding.objects.filter(pk__in=[b.pk for b in bindings]):
        if binding.status == BindingStatus.ACTIVE:
            made["payments"] += _pay(binding, users, rnd)
            made["transfers"] += _transfer(binding, users, rnd)
    _revoke_some(bindings, users, rnd)
    _reverse_one(users)
    with _clock(_at(dt.date(2026, 12, 1), 6, 5)):
        transfers_return_expired()
    return made


def _review(bindings: list[Binding], users, rnd: random.Random) -> None:
    """Activate most bindings waiting for review (a colleague of who entered them); leave
    the rest waiting."""
    for binding in bindings:
        if binding.status != BindingStatus.PENDING or rnd.random() < 0.25:
            continue
        reviewer = users["supervisor1"]  # never who entered it (four-eyes)
        day = binding.starts_on + dt.timedelta(days=rnd.randint(1, 4))
        with _clock(_at(day, 15)):
            binding_activate(actor=reviewer, via=Via.ADMIN, binding=binding)


def _pay(binding: Binding, users, rnd: random.Random) -> int:
    """Pay a few of the beneficiary's bills from the authorizer's account; return how many."""
    entered_by = binding.requested_by or users["admin"]
    paid = 0
    day = binding.starts_on + dt.timedelta(days=rnd.randint(7, 30))
    while day < dt.date(2026, 11, 28) and paid < 4:
        use = rnd.choice(USES)
        bill = Decimal(rnd.randint(3_000, 90_000)) / 100 * (4 if use == Use.INPATIENT else 1)
        amount = (bill * Decimal("0.6")).quantize(Decimal("0.01"))
        try:
            payment_create(
                actor=entered_by,
                via=Via.ADMIN,
                reference=f"demo-payment-{binding.pk}-{paid}",
                binding=binding,
                use=use,
                bill_amount=bill,
                amount=amount,
                at=_at(day, rnd.randint(8, 17), rnd.randint(0, 59)),
            )
        except DomainError:
            break
        paid += 1
        day += dt.timedelta(days=rnd.randint(12, 45))
    return paid


def _transfer(binding: Binding, users, rnd: random.Random) -> int:
    """Send one wallet transfer in three bindings, accepted the same day, most of them."""
    if rnd.random() > 0.35:
        return 0
    at = _at(dt.date(2026, 10, 1) + dt.timedelta(days=rnd.randint(0, 58)), 11)
    try:
        transfer = transfer_create(
            actor=binding.requested_by or users["admin"],
            via=Via.ADMIN,
            reference=f"demo-transfer-{binding.pk}",
            binding=binding,
            amount=Decimal(rnd.choice((200, 300, 500, 800))),
            at=at,
        )
    except DomainError:
        return 0
    if rnd.random() < 0.8:  # the rest go back at 06:00 the next day, unaccepted
        transfer_accept(actor=None, via=Via.ADMIN, transfer=transfer, at=at + dt.timedelta(hours=2))
    return 1


def _revoke_some(bindings: list[Binding], users, rnd: random.Random) -> None:
    """Revoke one active binding in ten, as a caseworker would at the authorizer's word."""
    for binding in Binding.objects.filter(
        pk__in=[b.pk for b in bindings], status=BindingStatus.ACTIVE
    ):
        if rnd.random() > 0.1:
            continue
        actor = binding.requested_by or users["admin"]
        with _clock(_at(dt.date(2026, 11, 20), 14)):
            try:
                binding_revoke(
                    actor=actor,
                    via=Via.ADMIN,
                    binding=binding,
                    reason="caseworker",
                    note="申请人到柜台申请解除，已核实身份。",
                )
            except DomainError:
                continue


def _reverse_one(users) -> None:
    """A supervisor reverses one payment a caseworker entered by mistake."""
    payment = Payment.objects.filter(created_by=users["caseworker1"]).order_by("pk").first()
    if payment is not None:
        payment_reverse(
            actor=users["supervisor1"], via=Via.ADMIN, payment=payment, reason="重复录入，冲正。"
        )
