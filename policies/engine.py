"""The rules engine: judge a binding or a transfer against one policy version.

Pure functions, no database: the services fill the facts dataclasses, pick
the version in force (``policies.selectors.policy_for``) and call
:func:`evaluate_binding`, :func:`evaluate_unbinding` or
:func:`evaluate_transfer`. A :class:`Decision` lists every rule that says
no (violations, which decide) and every plausibility warning (red flags,
which decide nothing but are shown to the caseworker), and names the policy
version used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import ROUND_DOWN, Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .relations import RELATIONS, Relation, RelationGroup, ReviewMode

EMPLOYEE = "employee"
ACTIVE = "active"
MARRIAGE_AGE = {"M": 22, "F": 20}
MIN_PARENT_GAP_YEARS = 15
MIN_GRANDPARENT_GAP_YEARS = 30
FEN = Decimal("0.01")  # money is kept to the fen (分): two decimals


# --- the policy, as plain data -------------------------------------------------------------


@dataclass(frozen=True)
class PolicyRules:
    """The rules of one policy version, detached from the database."""

    version_id: int | None
    label: str
    allowed_relations: frozenset[str]
    max_active_beneficiaries: int | None = None
    max_lifetime_beneficiaries: int | None = None
    group_caps: tuple[tuple[frozenset[str], int], ...] = ()
    max_authorizers_per_beneficiary: int | None = None
    beneficiary_may_authorize: bool = True
    spouses_may_authorize_each_other: bool = True
    cross_province: bool = False
    max_binding_changes_per_year: int | None = None
    min_days_before_unbinding: int | None = None
    retained_balance: Decimal = Decimal("0")
    max_payment_share: Decimal | None = None
    wallet_max_transfers_per_day: int | None = None
    wallet_max_amount_per_transfer: Decimal | None = None
    wallet_quiet_from: dt.time | None = None
    wallet_quiet_until: dt.time | None = None
    allowed_uses: frozenset[str] = frozenset()
    review_mode: str = ReviewMode.DOCUMENTS

    @classmethod
    def from_version(cls, version) -> PolicyRules:
        """Return the rules of a ``PolicyVersion`` instance."""
        return cls(
            version_id=version.pk,
            label=str(version),
            allowed_relations=frozenset(version.allowed_relations),
            max_active_beneficiaries=version.max_active_beneficiaries,
            max_lifetime_beneficiaries=version.max_lifetime_beneficiaries,
            group_caps=tuple(
                (frozenset(cap["groups"]), int(cap["max"])) for cap in version.group_caps or []
            ),
            max_authorizers_per_beneficiary=version.max_authorizers_per_beneficiary,
            beneficiary_may_authorize=version.beneficiary_may_authorize,
            spouses_may_authorize_each_other=version.spouses_may_authorize_each_other,
            cross_province=version.cross_province,
            max_binding_changes_per_year=version.max_binding_changes_per_year,
            min_days_before_unbinding=version.min_days_before_unbinding,
            retained_balance=version.retained_balance,
            max_payment_share=version.max_payment_share,
            wallet_max_transfers_per_day=version.wallet_max_transfers_per_day,
            wallet_max_amount_per_transfer=version.wallet_max_amount_per_transfer,
            wallet_quiet_from=version.wallet_quiet_from,
            wallet_quiet_until=version.wallet_quiet_until,
            allowed_uses=frozenset(version.allowed_uses),
            review_mode=version.review_mode,
        )


# --- facts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonFacts:
    insurance_type: str
    status: str
    region_code: str
    birth_date: dt.date
    sex: str
    wallet_open: bool = False
    #: the 18-character resident identity number; empty when the caller does not know it
    national_id: str = ""

    @property
    def province_code(self) -> str:
        return self.region_code[:2]

    def is_same_person(self, other: PersonFacts) -> bool:
        """Return whether both facts carry the same (non-empty) identity number."""
        mine = self.national_id.strip().upper()
        return bool(mine) and mine == other.national_id.strip().upper()


@dataclass(frozen=True)
class BindingFacts:
    """A proposed binding: the beneficiary is ``relation`` to the authorizer."""

    authorizer: PersonFacts
    beneficiary: PersonFacts
    relation: str
    day: dt.date
    #: the authorizer's active bindings per relation group, this one not included
    authorizer_active_by_group: Mapping[str, int] = dataclass_field(default_factory=dict)
    #: distinct beneficiaries the authorizer has ever bound, this one not included
    authorizer_lifetime_beneficiaries: int = 0
    #: changes the authorizer made in the last 365 days: bindings ended, and bindings made
    #: while already having had one (a first binding is not a change)
    authorizer_changes_last_year: int = 0
    #: the authorizer has had a binding before (active or ended, of anyone); False for a
    #: first binding, which the change limit does not count. True unless the caller knows.
    authorizer_had_bindings: bool = True
    beneficiary_active_authorizers: int = 0
    beneficiary_is_authorizer: bool = False
    authorizer_is_beneficiary: bool = False
    #: the beneficiary already authorizes the authorizer (the other direction)
    reverse_binding_exists: bool = False
    already_bound: bool = False
    #: "approved", "pending", "rejected", "pledged" or None
    proof_state: str | None = None


@dataclass(frozen=True)
class UnbindingFacts:
    started_on: dt.date
    day: dt.date
    authorizer_changes_last_year: int = 0


@dataclass(frozen=True)
class TransferFacts:
    """A proposed payment: a wallet transfer or a direct payment of the beneficiary's bill."""

    authorizer: PersonFacts
    beneficiary: PersonFacts
    binding_active: bool
    mode: str  # "wallet" or "direct"
    use: str
    amount: Decimal
    balance: Decimal
    at: dt.datetime  # local (Beijing) time of the request
    bill_amount: Decimal | None = None  # in-catalogue cost of the bill, for direct payments
    transfers_today: int = 0
    pending_transfer: bool = False


# --- the decision ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """A violation or a red flag: stable code, translated message, the rule's field."""

    code: str
    template: str
    field: str = ""
    params: Mapping[str, object] = dataclass_field(default_factory=dict)

    @property
    def message(self) -> str:
        return str(self.template) % dict(self.params)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class PolicyOn:
    """The policy a message speaks of: "the policy in force" when its day is today, "the
    policy in force on <day>" otherwise.

    A message parameter, worded when the message is shown, not when the case is judged:
    a decision about another day (on the trial page, or read back later) never calls its
    policy the current one.
    """

    day: dt.date

    def __str__(self) -> str:
        if self.day == timezone.localdate():
            return str(_("the policy in force"))
        return str(_("the policy in force on %(day)s") % {"day": self.day.isoformat()})


@dataclass(frozen=True)
class Decision:
    allowed: bool
    violations: tuple[Finding, ...]
    red_flags: tuple[Finding, ...]
    policy: PolicyRules

    @property
    def codes(self) -> list[str]:
        return [v.code for v in self.violations]

    @property
    def flag_codes(self) -> list[str]:
        return [f.code for f in self.red_flags]


def _decide(violations, red_flags, policy) -> Decision:
    return Decision(not violations, tuple(violations), tuple(red_flags), policy)


# --- bindings -------------------------------------------------------------------------------


def evaluate_binding(facts: BindingFacts, policy: PolicyRules) -> Decision:
    """Judge a proposed binding against ``policy``.

    The limit on binding changes per year (``max_binding_changes_per_year``)
    applies only to an authorizer who has had a binding before: the published
    rules ("bindings may be changed once a year") restrict changing an
    existing arrangement — ending a binding, replacing or adding a relative —
    and an authorizer's first binding changes nothing.
    """
    v: list[Finding] = []
    a, b = facts.authorizer, facts.beneficiary
    relation = RELATIONS.get(facts.relation)
    if relation is None:
        v.append(
            Finding(
                "unknown_relation",
                _("%(relation)s is not a close relative."),
                "",
                {"relation": facts.relation},
            )
        )
        return _decide(v, [], policy)
    if a.is_same_person(b):
        # Nothing else is worth judging (nor flagging) for a person and themself.
        v.append(
            Finding("self_binding", _("The authorizer and the beneficiary are the same person."))
        )
        return _decide(v, [], policy)

    if a.insurance_type != EMPLOYEE:
        v.append(
            Finding(
                "authorizer_not_employee",
                _("Only employee-insured persons have a personal account to share."),
            )
        )
    if a.status != ACTIVE:
        v.append(Finding("authorizer_not_active", _("The authorizer's enrolment is not active.")))
    if b.status != ACTIVE:
        v.append(Finding("beneficiary_not_active", _("The beneficiary's enrolment is not active.")))
    if facts.already_bound:
        v.append(Finding("already_bound", _("This relative is already bound to this authorizer.")))
    if facts.relation not in policy.allowed_relations:
        v.append(
            Finding(
                "relation_not_allowed",
                _("Binding a %(relation)s is not allowed by %(policy)s."),
                "allowed_relations",
                {"relation": _label(facts.relation), "policy": PolicyOn(facts.day)},
            )
        )
    if a.province_code != b.province_code and not policy.cross_province:
        v.append(_cross_province_closed(facts.day))

    active = sum(facts.authorizer_active_by_group.values())
    if policy.max_active_beneficiaries is not None and active >= policy.max_active_beneficiaries:
        v.append(
            Finding(
                "too_many_beneficiaries",
                _(
                    "An authorizer may have at most %(max)d beneficiaries at once; "
                    "this one has %(count)d."
                ),
                "max_active_beneficiaries",
                {"max": policy.max_active_beneficiaries, "count": active},
            )
        )
    if (
        policy.max_lifetime_beneficiaries is not None
        and facts.authorizer_lifetime_beneficiaries >= policy.max_lifetime_beneficiaries
    ):
        v.append(
            Finding(
                "lifetime_limit_reached",
                _(
                    "An authorizer may bind at most %(max)d relatives in all; "
                    "this one has bound %(count)d."
                ),
                "max_lifetime_beneficiaries",
                {
                    "max": policy.max_lifetime_beneficiaries,
                    "count": facts.authorizer_lifetime_beneficiaries,
                },
            )
        )
    for groups, cap in policy.group_caps:
        if relation.group in groups:
            in_groups = sum(facts.authorizer_active_by_group.get(g, 0) for g in groups)
            if in_groups >= cap:
                v.append(
                    Finding(
                        "group_cap_reached",
                        _(
                            "At most %(max)d beneficiaries from %(groups)s together; "
                            "already %(count)d."
                        ),
                        "group_caps",
                        {
                            "max": cap,
                            "count": in_groups,
                            "groups": "、".join(
                                str(RelationGroup(g).label) for g in sorted(groups)
                            ),
                        },
                    )
                )
    if (
        policy.max_authorizers_per_beneficiary is not None
        and facts.beneficiary_active_authorizers >= policy.max_authorizers_per_beneficiary
    ):
        v.append(
            Finding(
                "beneficiary_has_authorizer",
                _(
                    "A beneficiary may be bound by at most %(max)d authorizer(s); "
                    "this one already has %(count)d."
                ),
                "max_authorizers_per_beneficiary",
                {
                    "max": policy.max_authorizers_per_beneficiary,
                    "count": facts.beneficiary_active_authorizers,
                },
            )
        )
    if not policy.beneficiary_may_authorize:
        if facts.beneficiary_is_authorizer:
            v.append(
                Finding(
                    "beneficiary_is_authorizer",
                    _("The relative authorizes others and so cannot be a beneficiary."),
                    "beneficiary_may_authorize",
                )
            )
        if facts.authorizer_is_beneficiary:
            v.append(
                Finding(
                    "authorizer_is_beneficiary",
                    _("The authorizer is someone's beneficiary and so cannot authorize."),
                    "beneficiary_may_authorize",
                )
            )
    if (
        relation.group == RelationGroup.SPOUSE
        and facts.reverse_binding_exists
        and not policy.spouses_may_authorize_each_other
    ):
        v.append(
            Finding(
                "spouses_one_way",
                _("Spouses may not authorize each other under %(policy)s."),
                "spouses_may_authorize_each_other",
                {"policy": PolicyOn(facts.day)},
            )
        )
    if facts.authorizer_had_bindings:
        v.extend(_change_limit_findings(facts.authorizer_changes_last_year, policy))
    accepted = (
        {"approved"} if policy.review_mode == ReviewMode.DOCUMENTS else {"approved", "pledged"}
    )
    if facts.proof_state not in accepted:
        if policy.review_mode == ReviewMode.DOCUMENTS:
            template = _("The relation needs an approved kinship proof.")
        else:
            template = _("The relation needs a signed commitment letter or an approved proof.")
        v.append(Finding("proof_missing", template, "review_mode"))
    return _decide(v, binding_red_flags(facts), policy)


@dataclass(frozen=True)
class GapFlag:
    """The red flags of one generation gap: the elder is too little older, or younger.

    ``small`` takes ``gap``, the whole years the elder is older; ``reversed``
    takes ``years``, the whole years the elder is *younger*; ``close`` is for
    births less than a year apart, where whole years would read as 0.
    """

    minimum: int  # least plausible gap in years
    small_code: str
    small: str
    reversed_code: str
    reversed: str
    close: str


#: the beneficiary's generations relative to the authorizer -> its red flags
GENERATION_GAP_FLAGS = {
    1: GapFlag(
        MIN_PARENT_GAP_YEARS,
        "parent_too_young",
        _("The parent is only %(gap)d years older than the child."),
        "parent_younger_than_child",
        _("The parent is %(years)d years younger than the child."),
        _("The parent and the child were born less than a year apart."),
    ),
    -1: GapFlag(
        MIN_PARENT_GAP_YEARS,
        "child_too_old",
        _("The child is only %(gap)d years younger than the parent."),
        "child_older_than_parent",
        _("The child is %(years)d years older than the parent."),
        _("The child and the parent were born less than a year apart."),
    ),
    2: GapFlag(
        MIN_GRANDPARENT_GAP_YEARS,
        "grandparent_too_young",
        _("The grandparent is only %(gap)d years older than the grandchild."),
        "grandparent_younger_than_grandchild",
        _("The grandparent is %(years)d years younger than the grandchild."),
        _("The grandparent and the grandchild were born less than a year apart."),
    ),
    -2: GapFlag(
        MIN_GRANDPARENT_GAP_YEARS,
        "grandchild_too_old",
        _("The grandchild is only %(gap)d years younger than the grandparent."),
        "grandchild_older_than_grandparent",
        _("The grandchild is %(years)d years older than the grandparent."),
        _("The grandchild and the grandparent were born less than a year apart."),
    ),
}


def _generation_gap_flag(elder: PersonFacts, younger: PersonFacts, flag: GapFlag) -> Finding | None:
    """Return the red flag for an elder generation too little older than the younger, or
    younger than it; None when the gap is plausible."""
    if elder.birth_date > younger.birth_date:  # the elder was born later
        years = _years(younger.birth_date, elder.birth_date)
        template = flag.reversed if years else flag.close
        return Finding(flag.reversed_code, template, params={"years": years})
    gap = _years(elder.birth_date, younger.birth_date)
    if gap >= flag.minimum:
        return None
    return Finding(flag.small_code, flag.small if gap else flag.close, params={"gap": gap})


def binding_red_flags(facts: BindingFacts) -> list[Finding]:
    """Return plausibility warnings from the persons' recorded birth dates and sexes.

    For an insured person both come from the identity number; the trial page
    asks for them directly, so the messages speak of what is recorded.
    """
    flags: list[Finding] = []
    a, b = facts.authorizer, facts.beneficiary
    relation = RELATIONS.get(facts.relation)
    if relation is None:
        return flags
    if relation.sex and b.sex != relation.sex:
        flags.append(
            Finding(
                "sex_mismatch",
                _(
                    "The beneficiary's recorded sex is %(sex)s, "
                    "which does not fit the relation %(relation)s."
                ),
                params={
                    "sex": _("male") if b.sex == "M" else _("female"),
                    "relation": _label(facts.relation),
                },
            )
        )
    if relation.group == RelationGroup.SPOUSE:
        if a.sex == b.sex:
            flags.append(
                Finding("spouses_same_sex", _("Both spouses are recorded with the same sex."))
            )
        for person, role in ((a, _("authorizer")), (b, _("beneficiary"))):
            age = _years(person.birth_date, facts.day)
            if age < MARRIAGE_AGE.get(person.sex, 20):
                flags.append(
                    Finding(
                        "spouse_under_marriage_age",
                        _("The %(role)s is %(age)d, under the legal marriage age."),
                        params={"role": role, "age": age},
                    )
                )
    elif relation.generations in GENERATION_GAP_FLAGS:
        elder, younger = (b, a) if relation.generations > 0 else (a, b)
        flag = _generation_gap_flag(elder, younger, GENERATION_GAP_FLAGS[relation.generations])
        if flag is not None:
            flags.append(flag)
    elif relation.generations == 0 and relation.older is not None:
        # Twins share a birth date: which one is the elder is not in the dates.
        older = b.birth_date < a.birth_date
        if b.birth_date != a.birth_date and older != relation.older:
            flags.append(
                Finding(
                    "sibling_order_mismatch",
                    _("The birth dates do not fit %(relation)s."),
                    params={"relation": _label(facts.relation)},
                )
            )
    return flags


def evaluate_unbinding(facts: UnbindingFacts, policy: PolicyRules) -> Decision:
    """Judge whether an authorizer may end a binding now."""
    v: list[Finding] = []
    days = (facts.day - facts.started_on).days
    if policy.min_days_before_unbinding is not None and days < policy.min_days_before_unbinding:
        v.append(
            Finding(
                "unbinding_too_soon",
                _(
                    "A binding must last %(min)d days before it may be ended; "
                    "this one began %(days)d days ago."
                ),
                "min_days_before_unbinding",
                {"min": policy.min_days_before_unbinding, "days": days},
            )
        )
    v.extend(_change_limit_findings(facts.authorizer_changes_last_year, policy))
    return _decide(v, [], policy)


# --- transfers ------------------------------------------------------------------------------


def evaluate_transfer(facts: TransferFacts, policy: PolicyRules) -> Decision:
    """Judge a proposed wallet transfer or direct payment against ``policy``."""
    v: list[Finding] = []
    a, b = facts.authorizer, facts.beneficiary
    if not facts.binding_active:
        v.append(Finding("binding_not_active", _("There is no active binding between the two.")))
    if facts.use not in policy.allowed_uses:
        v.append(
            Finding(
                "use_not_allowed",
                _("Mutual-aid money may not pay for this under %(policy)s."),
                "allowed_uses",
                {"policy": PolicyOn(facts.at.date())},
            )
        )
    if facts.amount <= 0:
        v.append(Finding("amount_not_positive", _("The amount must be more than zero.")))
    # The database keeps two decimals: judging 10.001 and booking 10.00 would differ.
    if _finer_than_fen(facts.amount):
        v.append(
            Finding(
                "amount_too_precise",
                _("The amount %(amount)s has more than two decimals."),
                "",
                {"amount": facts.amount},
            )
        )
    if facts.bill_amount is not None and _finer_than_fen(facts.bill_amount):
        v.append(
            Finding(
                "amount_too_precise",
                _("The bill's amount %(amount)s has more than two decimals."),
                "",
                {"amount": facts.bill_amount},
            )
        )
    if a.province_code != b.province_code and not policy.cross_province:
        v.append(_cross_province_closed(facts.at.date()))
    if facts.mode == "direct" and a.province_code != b.province_code and policy.cross_province:
        # Across provinces the money goes through the wallet; a closed policy is said above.
        v.append(
            Finding(
                "cross_province_direct",
                _(
                    "The account pays a relative's bills directly only inside its province; "
                    "across provinces, use a wallet transfer."
                ),
                "cross_province",
            )
        )
    usable = facts.balance - policy.retained_balance
    if facts.amount > facts.balance:
        v.append(
            Finding(
                "insufficient_balance",
                _("The account holds %(balance)s yuan, less than %(amount)s."),
                "",
                {"balance": facts.balance, "amount": facts.amount},
            )
        )
    elif facts.amount > usable:
        v.append(
            Finding(
                "retained_balance",
                _(
                    "%(retained)s yuan must stay in the account; at most %(usable)s "
                    "yuan can be used."
                ),
                "retained_balance",
                {"retained": policy.retained_balance, "usable": max(usable, Decimal(0))},
            )
        )
    if facts.mode == "direct" and facts.bill_amount is None and policy.max_payment_share:
        v.append(
            Finding(
                "bill_amount_required",
                _(
                    "The account may cover at most %(share)s%% of a bill: "
                    "give the bill's in-catalogue cost."
                ),
                "max_payment_share",
                {"share": _percent(policy.max_payment_share)},
            )
        )
    if facts.mode == "direct" and facts.bill_amount is not None and policy.max_payment_share:
        # A cap: a fraction of a fen above the share is over it, so round down, never half-even.
        limit = (facts.bill_amount * policy.max_payment_share).quantize(FEN, rounding=ROUND_DOWN)
        if facts.amount > limit:
            v.append(
                Finding(
                    "payment_share_exceeded",
                    _("The account may cover at most %(share)s%% of this bill, %(limit)s yuan."),
                    "max_payment_share",
                    {"share": _percent(policy.max_payment_share), "limit": limit},
                )
            )
    if facts.mode == "wallet":
        v.extend(_wallet_findings(facts, policy))
    return _decide(v, [], policy)


def _wallet_findings(facts: TransferFacts, policy: PolicyRules) -> list[Finding]:
    v: list[Finding] = []
    if not (facts.authorizer.wallet_open and facts.beneficiary.wallet_open):
        v.append(
            Finding(
                "wallet_not_open",
                _("Both pooling regions must have opened the medical-insurance wallet."),
            )
        )
    if facts.pending_transfer:
        v.append(
            Finding(
                "transfer_pending",
                _("A transfer is still waiting to be accepted; no new one until then."),
            )
        )
    if (
        policy.wallet_max_transfers_per_day is not None
        and facts.transfers_today >= policy.wallet_max_transfers_per_day
    ):
        v.append(
            Finding(
                "daily_transfer_limit",
                _("At most %(max)d wallet transfers a day; %(count)d today already."),
                "wallet_max_transfers_per_day",
                {"max": policy.wallet_max_transfers_per_day, "count": facts.transfers_today},
            )
        )
    if (
        policy.wallet_max_amount_per_transfer is not None
        and facts.amount > policy.wallet_max_amount_per_transfer
    ):
        v.append(
            Finding(
                "transfer_amount_limit",
                _("One wallet transfer may be at most %(max)s yuan."),
                "wallet_max_amount_per_transfer",
                {"max": policy.wallet_max_amount_per_transfer},
            )
        )
    if _in_quiet_hours(facts.at.time(), policy.wallet_quiet_from, policy.wallet_quiet_until):
        v.append(
            Finding(
                "quiet_hours",
                _("No wallet transfers between %(start)s and %(end)s."),
                "wallet_quiet_from",
                {
                    "start": policy.wallet_quiet_from.strftime("%H:%M"),
                    "end": policy.wallet_quiet_until.strftime("%H:%M"),
                },
            )
        )
    return v


def _cross_province_closed(day: dt.date) -> Finding:
    return Finding(
        "cross_province_closed",
        _("Cross-province mutual aid is not open under %(policy)s."),
        "cross_province",
        {"policy": PolicyOn(day)},
    )


def _change_limit_findings(changes_last_year: int, policy: PolicyRules) -> list[Finding]:
    """Return the violation for an authorizer who has used up this year's binding changes."""
    limit = policy.max_binding_changes_per_year
    if limit is None or changes_last_year < limit:
        return []
    return [
        Finding(
            "too_many_changes",
            _(
                "Bindings may change at most %(max)d times a year; "
                "%(count)d changes in the last 12 months."
            ),
            "max_binding_changes_per_year",
            {"max": limit, "count": changes_last_year},
        )
    ]


def _in_quiet_hours(now: dt.time, start: dt.time | None, end: dt.time | None) -> bool:
    """Return whether ``now`` falls in [start, end), which may wrap past midnight."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= now < end
    return now >= start or now < end


def _finer_than_fen(amount: Decimal) -> bool:
    """Return whether ``amount`` has a non-zero digit past the second decimal (10.001, not
    10.010). Read from the digits, so no rounding context can hide one."""
    _sign, digits, exponent = amount.as_tuple()
    if not isinstance(exponent, int):  # NaN or infinity
        return True
    extra = -2 - exponent  # digits past the fen
    return extra > 0 and any(digits[-extra:])


def _percent(share: Decimal) -> str:
    """Return a share as a plain percentage: 0.7000 -> "70", 0.655 -> "65.5"."""
    return format((share * 100).normalize(), "f")


def _years(earlier: dt.date, later: dt.date) -> int:
    """Whole years from ``earlier`` to ``later`` (negative when ``later`` is earlier)."""
    if later < earlier:
        return -_years(later, earlier)
    years = later.year - earlier.year
    if (later.month, later.day) < (earlier.month, earlier.day):
        years -= 1
    return years


def _label(relation: str) -> str:
    return str(Relation(relation).label)
