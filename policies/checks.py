"""System checks for the policy tables."""

from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError
from django.utils import timezone


@register(Tags.database)
def check_policy_versions(app_configs=None, databases=None, **kwargs):
    """Report overlapping versions of one scope, and provinces with no version in force today."""
    if not databases or "default" not in databases:
        return []
    from .models import Province
    from .selectors import overlapping_policy_versions, policy_for

    try:
        problems = [
            Error(
                f"Policy versions {earlier.pk} ({earlier}) and {later.pk} ({later}) overlap.",
                hint="Give the earlier version an end date before the later one starts.",
                obj=later,
                id="policies.E001",
            )
            for earlier, later in overlapping_policy_versions()
        ]
        today = timezone.localdate()
        for province in Province.objects.all():
            if policy_for(f"{province.code}0000", today) is None:
                problems.append(
                    Warning(
                        f"No policy version of {province} is in force today.",
                        hint="Add a version, or extend the last one.",
                        obj=province,
                        id="policies.W001",
                    )
                )
    except DatabaseError:
        return []  # tables not migrated yet
    return problems
