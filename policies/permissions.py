"""Who may change which province's policy table."""

from portal.scoping import ALL, region_codes


def can_edit_province_policy(user, province_code: str) -> bool:
    """Return whether ``user`` may change policy versions of ``province_code``.

    Superusers may change every table; a user with the change permission
    (supervisors) only the tables of provinces they work in.
    """
    if not (user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    if not user.has_perm("policies.change_policyversion"):
        return False
    codes = region_codes(user)
    return codes is ALL or any(code.startswith(province_code) for code in codes)
