"""The rules engine: for each rule, a case it allows and a case it blocks."""

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from policies.engine import (
    BindingFacts,
    PersonFacts,
    PolicyRules,
    TransferFacts,
    UnbindingFacts,
    evaluate_binding,
    evaluate_transfer,
    evaluate_unbinding,
)
from policies.relations import CLOSE_RELATIVES, FAMILY_MEMBERS, Use

DAY = dt.date(2026, 3, 2)
OPEN = PolicyRules(
    version_id=1,
    label="test",
    allowed_relations=frozenset(CLOSE_RELATIVES),
    cross_province=True,
    allowed_uses=frozenset(Use.values),
)
HEAD = PersonFacts("employee", "active", "370100", dt.date(1980, 5, 1), "M", wallet_open=True)
FATHER = PersonFacts("resident", "active", "370100", dt.date(1952, 2, 1), "M", wallet_open=True)
WIFE = PersonFacts("employee", "active", "370100", dt.date(1982, 7, 9), "F", wallet_open=True)


def binding(**changes):
    facts = BindingFacts(
        authorizer=HEAD, beneficiary=FATHER, relation="father", day=DAY, proof_state="approved"
    )
    return replace(facts, **changes)


def transfer(**changes):
    facts = TransferFacts(
        authorizer=HEAD,
        beneficiary=FATHER,
        binding_active=True,
        mode="wallet",
        use=Use.OUTPATIENT,
        amount=Decimal("500.00"),
        balance=Decimal("5000.00"),
        at=dt.datetime(2026, 3, 2, 10, 30),
    )
    return replace(facts, **changes)


def codes(decision):
    return decision.codes


# --- bindings ------------------------------------------------------------------------------


def test_a_plain_binding_is_allowed_and_names_its_policy():
    decision = evaluate_binding(binding(), OPEN)
    assert decision.allowed and decision.violations == ()
    assert decision.policy.version_id == 1


def test_resident_insured_authorizer_is_blocked():
    decision = evaluate_binding(binding(authorizer=replace(HEAD, insurance_type="resident")), OPEN)
    assert codes(decision) == ["authorizer_not_employee"]


@pytest.mark.parametrize(
    ("who", "code"),
    [("authorizer", "authorizer_not_active"), ("beneficiary", "beneficiary_not_active")],
)
def test_ended_enrolment_blocks_the_binding(who, code):
    person = HEAD if who == "authorizer" else FATHER
    decision = evaluate_binding(binding(**{who: replace(person, status="terminated")}), OPEN)
    assert codes(decision) == [code]


def test_relation_outside_the_allowed_set_is_blocked():
    old_rule = replace(OPEN, allowed_relations=frozenset(FAMILY_MEMBERS))
    brother = replace(FATHER, birth_date=dt.date(1976, 1, 1))
    assert evaluate_binding(binding(relation="father"), old_rule).allowed
    decision = evaluate_binding(binding(relation="elder_brother", beneficiary=brother), old_rule)
    assert codes(decision) == ["relation_not_allowed"]
    assert decision.violations[0].field == "allowed_relations"


def test_cross_province_binding_needs_cross_province_aid():
    in_guangdong = replace(FATHER, region_code="440300")
    assert evaluate_binding(binding(beneficiary=in_guangdong), OPEN).allowed
    decision = evaluate_binding(
        binding(beneficiary=in_guangdong), replace(OPEN, cross_province=False)
    )
    assert codes(decision) == ["cross_province_closed"]


def test_active_beneficiary_cap_allows_below_and_blocks_at_the_cap():
    hunan = replace(OPEN, max_active_beneficiaries=10)
    assert evaluate_binding(binding(authorizer_active_by_group={"children": 9}), hunan).allowed
    decision = evaluate_binding(
        binding(authorizer_active_by_group={"children": 6, "parents": 4}), hunan
    )
    assert codes(decision) == ["too_many_beneficiaries"]
    assert decision.violations[0].params == {"max": 10, "count": 10}


def test_lifetime_cap_allows_below_and_blocks_at_the_cap():
    hunan = replace(OPEN, max_lifetime_beneficiaries=20)
    assert evaluate_binding(binding(authorizer_lifetime_beneficiaries=19), hunan).allowed
    assert codes(evaluate_binding(binding(authorizer_lifetime_beneficiaries=20), hunan)) == [
        "lifetime_limit_reached"
    ]


def test_group_cap_counts_its_groups_together():
    tianjin = replace(OPEN, group_caps=((frozenset({"children", "siblings", "grandchildren"}), 4),))
    son = replace(FATHER, birth_date=dt.date(2008, 1, 1))
    three = {"children": 1, "siblings": 2, "parents": 5}
    assert evaluate_binding(
        binding(relation="son", beneficiary=son, authorizer_active_by_group=three), tianjin
    ).allowed
    four = {"children": 2, "siblings": 1, "grandchildren": 1}
    decision = evaluate_binding(
        binding(relation="son", beneficiary=son, authorizer_active_by_group=four), tianjin
    )
    assert codes(decision) == ["group_cap_reached"]


def test_group_cap_does_not_limit_other_groups():
    tianjin = replace(OPEN, group_caps=((frozenset({"children", "siblings", "grandchildren"}), 4),))
    full = {"children": 2, "siblings": 2}
    assert evaluate_binding(binding(authorizer_active_by_group=full), tianjin).allowed


def test_exclusive_beneficiary_is_blocked_when_already_bound_by_someone():
    shandong = replace(OPEN, max_authorizers_per_beneficiary=1)
    assert evaluate_binding(binding(beneficiary_active_authorizers=0), shandong).allowed
    assert codes(evaluate_binding(binding(beneficiary_active_authorizers=1), shandong)) == [
        "beneficiary_has_authorizer"
    ]


def test_several_authorizers_are_allowed_without_a_cap():
    guangxi = replace(OPEN, max_authorizers_per_beneficiary=None)
    assert evaluate_binding(binding(beneficiary_active_authorizers=3), guangxi).allowed


def test_beneficiary_who_authorizes_others_is_blocked_where_roles_are_exclusive():
    shandong = replace(OPEN, beneficiary_may_authorize=False)
    assert evaluate_binding(binding(beneficiary_is_authorizer=True), OPEN).allowed
    assert codes(evaluate_binding(binding(beneficiary_is_authorizer=True), shandong)) == [
        "beneficiary_is_authorizer"
    ]


def test_authorizer_who_is_a_beneficiary_is_blocked_where_roles_are_exclusive():
    shandong = replace(OPEN, beneficiary_may_authorize=False)
    assert codes(evaluate_binding(binding(authorizer_is_beneficiary=True), shandong)) == [
        "authorizer_is_beneficiary"
    ]


def test_spouses_authorizing_each_other_depends_on_the_policy():
    both_ways = binding(relation="spouse", beneficiary=WIFE, reverse_binding_exists=True)
    assert evaluate_binding(both_ways, OPEN).allowed
    one_way = replace(OPEN, spouses_may_authorize_each_other=False)
    assert codes(evaluate_binding(both_ways, one_way)) == ["spouses_one_way"]


def test_changes_per_year_allows_below_and_blocks_at_the_limit():
    once_a_year = replace(OPEN, max_binding_changes_per_year=1)
    assert evaluate_binding(binding(authorizer_changes_last_year=0), once_a_year).allowed
    assert codes(evaluate_binding(binding(authorizer_changes_last_year=1), once_a_year)) == [
        "too_many_changes"
    ]


def test_an_authorizers_first_binding_is_not_a_change():
    never = replace(OPEN, max_binding_changes_per_year=0)
    first = binding(authorizer_had_bindings=False, authorizer_changes_last_year=0)
    assert evaluate_binding(first, never).allowed
    assert codes(evaluate_binding(replace(first, authorizer_had_bindings=True), never)) == [
        "too_many_changes"
    ]


def test_a_binding_after_earlier_ones_counts_against_the_change_limit():
    once_a_year = replace(OPEN, max_binding_changes_per_year=1)
    again = binding(authorizer_had_bindings=True, authorizer_changes_last_year=1)
    assert codes(evaluate_binding(again, once_a_year)) == ["too_many_changes"]


def test_document_review_needs_an_approved_proof():
    assert codes(evaluate_binding(binding(proof_state="pending"), OPEN)) == ["proof_missing"]
    assert codes(evaluate_binding(binding(proof_state="pledged"), OPEN)) == ["proof_missing"]


def test_pledge_provinces_accept_a_signed_commitment_letter():
    pledge = replace(OPEN, review_mode="pledge")
    assert evaluate_binding(binding(proof_state="pledged"), pledge).allowed
    assert codes(evaluate_binding(binding(proof_state=None), pledge)) == ["proof_missing"]


def test_a_person_cannot_bind_themself():
    me = replace(HEAD, national_id="37010219800501001x")
    myself = replace(FATHER, national_id="37010219800501001X")
    decision = evaluate_binding(binding(authorizer=me, beneficiary=myself), OPEN)
    assert codes(decision) == ["self_binding"]
    assert decision.red_flags == ()


def test_unknown_identity_numbers_are_not_taken_for_the_same_person():
    assert evaluate_binding(binding(), OPEN).allowed  # both national_id empty
    father = replace(FATHER, national_id="370102195202010012")
    me = replace(HEAD, national_id="37010219800501001X")
    assert evaluate_binding(binding(authorizer=me, beneficiary=father), OPEN).allowed


def test_binding_the_same_relative_twice_is_blocked():
    assert codes(evaluate_binding(binding(already_bound=True), OPEN)) == ["already_bound"]


def test_every_failing_rule_is_reported_not_only_the_first():
    strict = replace(OPEN, cross_province=False, max_active_beneficiaries=1)
    decision = evaluate_binding(
        binding(
            beneficiary=replace(FATHER, region_code="440300"),
            authorizer_active_by_group={"children": 1},
        ),
        strict,
    )
    assert set(codes(decision)) == {"cross_province_closed", "too_many_beneficiaries"}


def test_violation_messages_are_chinese_with_their_figures():
    decision = evaluate_binding(
        binding(authorizer_active_by_group={"children": 5}),
        replace(OPEN, max_active_beneficiaries=5),
    )
    assert "5" in decision.violations[0].message
    assert "授权人" in decision.violations[0].message or "共济" in decision.violations[0].message


def test_a_refusal_names_the_policy_of_its_own_day_unless_that_is_today():
    closed = replace(OPEN, cross_province=False)
    in_guangdong = replace(FATHER, region_code="440300")
    today = timezone.localdate()
    with translation.override("zh-hans"):
        [now] = evaluate_binding(binding(beneficiary=in_guangdong, day=today), closed).violations
        [then] = evaluate_binding(binding(beneficiary=in_guangdong), closed).violations
        assert now.message == "现行政策未开通跨省共济。"
        assert then.message == "2026-03-02当日有效的政策未开通跨省共济。"


# --- unbinding -------------------------------------------------------------------------


def test_unbinding_within_the_minimum_period_is_blocked():
    three_months = replace(OPEN, min_days_before_unbinding=90)
    assert evaluate_unbinding(
        UnbindingFacts(started_on=DAY - dt.timedelta(days=90), day=DAY), three_months
    ).allowed
    decision = evaluate_unbinding(
        UnbindingFacts(started_on=DAY - dt.timedelta(days=30), day=DAY), three_months
    )
    assert decision.codes == ["unbinding_too_soon"]


# --- red flags -------------------------------------------------------------------------


def test_plausible_relation_raises_no_red_flag():
    assert evaluate_binding(binding(), OPEN).red_flags == ()


def test_parent_younger_than_fifteen_years_gap_is_a_red_flag_not_a_violation():
    young_father = replace(FATHER, birth_date=dt.date(1970, 1, 1))
    decision = evaluate_binding(binding(beneficiary=young_father), OPEN)
    assert decision.allowed
    assert decision.flag_codes == ["parent_too_young"]


@pytest.mark.parametrize(
    ("relation", "birth", "code"),
    [
        ("father", dt.date(1984, 5, 1), "parent_younger_than_child"),
        ("son", dt.date(1976, 5, 1), "child_older_than_parent"),
        ("paternal_grandfather", dt.date(1984, 5, 1), "grandparent_younger_than_grandchild"),
        ("paternal_grandson", dt.date(1976, 5, 1), "grandchild_older_than_grandparent"),
    ],
)
def test_an_elder_generation_born_after_the_younger_is_flagged_as_younger(relation, birth, code):
    relative = replace(FATHER, birth_date=birth)  # HEAD was born on 1980-05-01
    decision = evaluate_binding(binding(relation=relation, beneficiary=relative), OPEN)
    assert decision.flag_codes == [code]
    assert decision.red_flags[0].params == {"years": 4}
    assert "-" not in decision.red_flags[0].message


def test_a_parent_born_months_after_the_child_reads_as_less_than_a_year_apart():
    father = replace(FATHER, birth_date=dt.date(1980, 9, 1))
    decision = evaluate_binding(binding(beneficiary=father), OPEN)
    assert decision.flag_codes == ["parent_younger_than_child"]
    assert decision.red_flags[0].params == {"years": 0}
    assert "0" not in decision.red_flags[0].message


def test_a_parent_a_few_years_older_keeps_the_small_gap_flag():
    father = replace(FATHER, birth_date=dt.date(1976, 5, 1))
    decision = evaluate_binding(binding(beneficiary=father), OPEN)
    assert decision.flag_codes == ["parent_too_young"]
    assert decision.red_flags[0].params == {"gap": 4}


def test_same_sex_spouses_are_flagged():
    decision = evaluate_binding(
        binding(relation="spouse", beneficiary=replace(WIFE, sex="M")), OPEN
    )
    assert "spouses_same_sex" in decision.flag_codes


def test_spouse_under_marriage_age_is_flagged():
    teen = replace(WIFE, birth_date=dt.date(2008, 1, 1))
    decision = evaluate_binding(binding(relation="spouse", beneficiary=teen), OPEN)
    assert decision.flag_codes == ["spouse_under_marriage_age"]


def test_grandparent_less_than_thirty_years_older_is_flagged():
    grandpa = replace(FATHER, birth_date=dt.date(1960, 1, 1))
    decision = evaluate_binding(binding(relation="paternal_grandfather", beneficiary=grandpa), OPEN)
    assert decision.flag_codes == ["grandparent_too_young"]


def test_mother_with_a_male_id_number_is_flagged():
    decision = evaluate_binding(binding(relation="mother"), OPEN)
    assert decision.flag_codes == ["sex_mismatch"]


def test_sex_red_flags_speak_of_the_recorded_sex_not_of_an_id_number():
    mother = evaluate_binding(binding(relation="mother"), OPEN).red_flags
    spouses = evaluate_binding(binding(relation="spouse", beneficiary=replace(WIFE, sex="M")), OPEN)
    with translation.override("zh-hans"):
        messages = [f.message for f in (*mother, *spouses.red_flags)]
    assert [f.code for f in mother] == ["sex_mismatch"]
    assert messages[0] == "被共济人登记的性别为男，与“母亲”的关系不符。"
    assert not any("身份证" in m for m in messages)


def test_elder_brother_born_after_the_authorizer_is_flagged():
    younger = replace(FATHER, birth_date=dt.date(1985, 1, 1))
    decision = evaluate_binding(binding(relation="elder_brother", beneficiary=younger), OPEN)
    assert decision.flag_codes == ["sibling_order_mismatch"]


@pytest.mark.parametrize("relation", ["elder_brother", "younger_brother"])
def test_twins_are_not_flagged_for_elder_or_younger(relation):
    twin = replace(FATHER, birth_date=HEAD.birth_date)
    decision = evaluate_binding(binding(relation=relation, beneficiary=twin), OPEN)
    assert decision.red_flags == ()


# --- transfers -------------------------------------------------------------------------


def test_a_plain_wallet_transfer_is_allowed():
    assert evaluate_transfer(transfer(), OPEN).allowed


def test_transfer_without_an_active_binding_is_blocked():
    assert codes(evaluate_transfer(transfer(binding_active=False), OPEN)) == ["binding_not_active"]


def test_use_outside_the_allowed_uses_is_blocked():
    no_ltc = replace(OPEN, allowed_uses=frozenset({Use.OUTPATIENT}))
    assert evaluate_transfer(transfer(use=Use.OUTPATIENT), no_ltc).allowed
    assert codes(evaluate_transfer(transfer(use=Use.LTC_PREMIUM), no_ltc)) == ["use_not_allowed"]


def test_retained_balance_limits_what_can_be_used():
    shanxi = replace(OPEN, retained_balance=Decimal("1000.00"))
    assert evaluate_transfer(
        transfer(amount=Decimal("1000.00"), balance=Decimal("2000.00")), shanxi
    ).allowed
    decision = evaluate_transfer(
        transfer(amount=Decimal("1000.01"), balance=Decimal("2000.00")), shanxi
    )
    assert codes(decision) == ["retained_balance"]
    assert decision.violations[0].params["usable"] == Decimal("1000.00")


def test_amount_above_the_balance_is_blocked():
    assert codes(evaluate_transfer(transfer(amount=Decimal("6000")), OPEN)) == [
        "insufficient_balance"
    ]


def test_zero_amount_is_blocked():
    assert codes(evaluate_transfer(transfer(amount=Decimal("0")), OPEN)) == ["amount_not_positive"]


def test_direct_payment_share_is_capped():
    seventy = replace(OPEN, max_payment_share=Decimal("0.7"))
    ok = transfer(mode="direct", bill_amount=Decimal("1000"), amount=Decimal("700"))
    assert evaluate_transfer(ok, seventy).allowed
    too_much = transfer(mode="direct", bill_amount=Decimal("1000"), amount=Decimal("700.01"))
    assert codes(evaluate_transfer(too_much, seventy)) == ["payment_share_exceeded"]


@pytest.mark.parametrize("mode", ["wallet", "direct"])
def test_amount_with_more_than_two_decimals_is_refused(mode):
    assert evaluate_transfer(transfer(mode=mode, amount=Decimal("10.010")), OPEN).allowed
    decision = evaluate_transfer(transfer(mode=mode, amount=Decimal("10.001")), OPEN)
    assert codes(decision) == ["amount_too_precise"]


def test_amount_finer_than_a_fen_beyond_the_decimal_precision_is_refused():
    amount = Decimal("10.0000000000000000000000000001")  # 30 digits: more than the context's 28
    assert codes(evaluate_transfer(transfer(amount=amount), OPEN)) == ["amount_too_precise"]


def test_bill_amount_with_more_than_two_decimals_is_refused():
    decision = evaluate_transfer(
        transfer(mode="direct", bill_amount=Decimal("1000.005"), amount=Decimal("100")), OPEN
    )
    assert codes(decision) == ["amount_too_precise"]
    assert decision.violations[0].params == {"amount": Decimal("1000.005")}


def test_payment_share_limit_is_rounded_down_to_the_fen():
    seventy = replace(OPEN, max_payment_share=Decimal("0.7000"))
    bill = Decimal("1000.05")  # 70% is 700.035: the cap is 700.03, not 700.04 (half-even)
    ok = transfer(mode="direct", bill_amount=bill, amount=Decimal("700.03"))
    assert evaluate_transfer(ok, seventy).allowed
    decision = evaluate_transfer(replace(ok, amount=Decimal("700.04")), seventy)
    assert codes(decision) == ["payment_share_exceeded"]
    assert decision.violations[0].params == {"share": "70", "limit": Decimal("700.03")}


def test_payment_share_message_reads_as_a_plain_percentage():
    share = replace(OPEN, max_payment_share=Decimal("0.7000"))
    decision = evaluate_transfer(
        transfer(mode="direct", bill_amount=Decimal("100"), amount=Decimal("80")), share
    )
    assert "70%" in decision.violations[0].message and "E+" not in decision.violations[0].message


def test_direct_payment_without_the_bill_cannot_skip_the_share_rule():
    seventy = replace(OPEN, max_payment_share=Decimal("0.7"))
    decision = evaluate_transfer(transfer(mode="direct", bill_amount=None), seventy)
    assert codes(decision) == ["bill_amount_required"]
    assert decision.violations[0].field == "max_payment_share"


def test_direct_payment_needs_no_bill_where_no_share_rule_applies():
    assert evaluate_transfer(transfer(mode="direct", bill_amount=None), OPEN).allowed


def test_wallet_transfer_needs_no_bill_under_a_share_rule():
    seventy = replace(OPEN, max_payment_share=Decimal("0.7"))
    assert evaluate_transfer(transfer(mode="wallet", bill_amount=None), seventy).allowed


def test_cross_province_direct_payment_is_refused_the_wallet_is_the_way():
    in_guangdong = replace(FATHER, region_code="440300")
    direct = transfer(mode="direct", beneficiary=in_guangdong)
    assert codes(evaluate_transfer(direct, OPEN)) == ["cross_province_direct"]
    assert evaluate_transfer(replace(direct, mode="wallet"), OPEN).allowed


def test_cross_province_direct_payment_where_aid_is_closed_says_closed_only():
    in_guangdong = replace(FATHER, region_code="440300")
    direct = transfer(mode="direct", beneficiary=in_guangdong)
    closed = replace(OPEN, cross_province=False)
    assert codes(evaluate_transfer(direct, closed)) == ["cross_province_closed"]


def test_wallet_transfer_needs_the_wallet_on_both_sides():
    closed = replace(FATHER, wallet_open=False)
    assert codes(evaluate_transfer(transfer(beneficiary=closed), OPEN)) == ["wallet_not_open"]


def test_direct_payment_does_not_need_the_wallet():
    closed = replace(FATHER, wallet_open=False)
    assert evaluate_transfer(transfer(mode="direct", beneficiary=closed), OPEN).allowed


def test_daily_transfer_count_is_limited():
    three = replace(OPEN, wallet_max_transfers_per_day=3)
    assert evaluate_transfer(transfer(transfers_today=2), three).allowed
    assert codes(evaluate_transfer(transfer(transfers_today=3), three)) == ["daily_transfer_limit"]


def test_single_transfer_amount_is_limited():
    cap = replace(OPEN, wallet_max_amount_per_transfer=Decimal("2000.00"))
    assert evaluate_transfer(transfer(amount=Decimal("2000.00")), cap).allowed
    assert codes(evaluate_transfer(transfer(amount=Decimal("2000.01")), cap)) == [
        "transfer_amount_limit"
    ]


@pytest.mark.parametrize(
    ("hour", "blocked"), [(21, False), (22, True), (3, True), (5, True), (6, False)]
)
def test_quiet_hours_wrap_past_midnight(hour, blocked):
    quiet = replace(OPEN, wallet_quiet_from=dt.time(22), wallet_quiet_until=dt.time(6))
    decision = evaluate_transfer(transfer(at=dt.datetime(2026, 3, 2, hour, 0)), quiet)
    assert (codes(decision) == ["quiet_hours"]) is blocked


def test_no_new_transfer_while_one_is_pending():
    assert codes(evaluate_transfer(transfer(pending_transfer=True), OPEN)) == ["transfer_pending"]


def test_cross_province_transfer_needs_cross_province_aid():
    in_guangdong = replace(FATHER, region_code="440300")
    assert codes(
        evaluate_transfer(transfer(beneficiary=in_guangdong), replace(OPEN, cross_province=False))
    ) == ["cross_province_closed"]


def test_child_less_than_fifteen_years_younger_is_flagged():
    son = replace(FATHER, birth_date=dt.date(1990, 1, 1))
    decision = evaluate_binding(binding(relation="son", beneficiary=son), OPEN)
    assert decision.flag_codes == ["child_too_old"]
    assert decision.red_flags[0].params == {"gap": 9}


def test_grandchild_less_than_thirty_years_younger_is_flagged():
    grandson = replace(FATHER, birth_date=dt.date(2000, 1, 1))
    decision = evaluate_binding(binding(relation="paternal_grandson", beneficiary=grandson), OPEN)
    assert decision.flag_codes == ["grandchild_too_old"]
