"""Policy versions: selection by date, no overlaps, the seeded tables."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from policies.engine import PolicyRules
from policies.models import PolicyVersion, Province
from policies.selectors import policy_for

pytestmark = pytest.mark.django_db


def new_version(province="13", start=dt.date(2030, 1, 1), end=None, **fields):
    return PolicyVersion(province_id=province, effective_from=start, effective_to=end, **fields)


def test_every_province_and_the_corps_has_a_version_in_force_today():
    today = timezone.localdate()
    missing = [p.code for p in Province.objects.all() if policy_for(f"{p.code}0000", today) is None]
    assert missing == []


def test_seeded_hunan_limits_ten_at_once_and_twenty_in_all():
    version = policy_for("430100", dt.date(2026, 6, 1))
    assert (version.max_active_beneficiaries, version.max_lifetime_beneficiaries) == (10, 20)


def test_seeded_shandong_binds_on_a_pledge_with_exclusive_beneficiaries():
    version = policy_for("370100", dt.date(2026, 6, 1))
    assert version.review_mode == "pledge"
    assert version.max_authorizers_per_beneficiary == 1
    assert version.beneficiary_may_authorize is False


def test_every_seeded_version_says_what_is_sourced():
    assert not PolicyVersion.objects.filter(source_note="").exists()


def test_region_version_wins_over_the_province_version():
    assert policy_for("450200", dt.date(2026, 6, 1)).retained_balance == Decimal("1500.00")
    assert policy_for("450100", dt.date(2026, 6, 1)).retained_balance == Decimal("0.00")


def test_version_is_chosen_on_its_first_and_last_day():
    assert policy_for("130100", dt.date(2025, 12, 31)).cross_province is False
    assert policy_for("130100", dt.date(2026, 1, 1)).cross_province is True
    assert policy_for("130100", dt.date(2024, 7, 1)).effective_from == dt.date(2024, 7, 1)


def test_no_version_before_the_first_one():
    assert policy_for("130100", dt.date(2024, 6, 30)) is None


def test_overlapping_version_is_refused_by_model_validation():
    version = new_version(start=dt.date(2026, 6, 1))
    with pytest.raises(ValidationError) as excinfo:
        version.full_clean()
    assert "overlapping_version" in [e.code for e in excinfo.value.error_dict["__all__"]]


def test_overlapping_version_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        new_version(start=dt.date(2025, 6, 1), end=dt.date(2026, 2, 1)).save()


def test_adjacent_versions_do_not_overlap():
    current = PolicyVersion.objects.get(province_id="13", region=None, effective_to=None)
    current.effective_to = dt.date(2029, 12, 31)
    current.save()
    version = new_version(start=dt.date(2030, 1, 1))
    version.full_clean()
    version.save()
    assert policy_for("130100", dt.date(2030, 1, 1)) == version


def test_system_check_reports_overlapping_versions():
    with transaction.atomic():
        with transaction.get_connection().cursor() as cursor:
            cursor.execute(
                "ALTER TABLE policies_policyversion DROP CONSTRAINT policy_versions_do_not_overlap"
            )
        new_version(start=dt.date(2026, 6, 1)).save()
        errors = run_checks(databases=["default"])
        assert "policies.E001" in [e.id for e in errors]
        transaction.set_rollback(True)


def test_malformed_group_cap_is_refused_with_its_field():
    version = new_version(
        start=dt.date(2040, 1, 1), province="12", group_caps=[{"groups": ["cousins"], "max": 2}]
    )
    PolicyVersion.objects.filter(province_id="12", effective_to=None).update(
        effective_to=dt.date(2039, 12, 31)
    )
    with pytest.raises(ValidationError) as excinfo:
        version.full_clean()
    assert "group_caps" in excinfo.value.error_dict


def test_policy_rules_carry_the_version_figures():
    rules = PolicyRules.from_version(policy_for("120100", dt.date(2026, 6, 1)))
    assert rules.group_caps == ((frozenset({"children", "siblings", "grandchildren"}), 4),)
    assert rules.cross_province is True
