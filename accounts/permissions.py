"""Who may do what with the accounts app's records, in which regions.

The admin, the portal's home page and sidebar, commands and reports ask these; none of
them decides on its own.
"""

from __future__ import annotations

from django.db.models import Q

from accounts.models import ImportRun
from portal.models import StaffProfile
from portal.scoping import ALL, can_see_region, region_codes


def can_import(user) -> bool:
    return user.is_active and user.is_staff and user.has_perm("accounts.add_insuredperson")


def visible_runs(user, queryset):
    """Return the runs ``user`` may see.

    Their own. With ``accounts.view_importrun`` (supervisors and auditors),
    also every run whose rows name one of their regions, once it is past its
    preview. Superusers and national staff see every run.
    """
    codes = region_codes(user)
    if user.is_superuser or codes is ALL:
        return queryset
    shown = Q(user=user)
    if codes and user.has_perm("accounts.view_importrun"):
        shown |= Q(regions__overlap=sorted(codes)) & ~Q(status=ImportRun.Status.PREVIEW)
    return queryset.filter(shown)


def fault_regions(user, run: ImportRun) -> frozenset[str] | None:
    """Return the regions whose faults ``user`` sees in ``run``'s report; None for every fault.

    Whoever ran the import sees every fault of their file; a supervisor or
    auditor who oversees some of its regions sees the faults of rows in those.
    """
    codes = region_codes(user)
    if user.is_superuser or codes is ALL or run.user_id == user.pk:
        return None
    return codes


def may_see_runs(user) -> bool:
    """Return whether ``user`` may open the import runs at all (their own, or their regions')."""
    return user.is_active and (
        user.has_perm("accounts.add_insuredperson") or user.has_perm("accounts.view_importrun")
    )


def either_region(user, queryset, first: str, second: str):
    """Return the rows of ``queryset`` where either person (``first``, ``second``: paths to
    their regions) is in the regions ``user`` may see."""
    codes = region_codes(user)
    if codes is ALL:
        return queryset
    if not codes:
        return queryset.none()
    codes = sorted(codes)
    return queryset.filter(Q(**{f"{first}__in": codes}) | Q(**{f"{second}__in": codes}))


def visible_bindings(user, queryset):
    """Return the bindings ``user`` may see: those where either person is in their regions.

    A binding concerns the agencies of both persons: the authorizer's, whose fund pays, and
    the beneficiary's, where the money is spent.
    """
    return either_region(user, queryset, "authorizer__region_id", "beneficiary__region_id")


def may_request_bindings(user) -> bool:
    return user.is_active and user.is_staff and user.has_perm("accounts.add_binding")


def may_revoke_bindings(user) -> bool:
    return user.is_active and user.is_staff and user.has_perm("accounts.change_binding")


# --- kinship proofs ------------------------------------------------------------------------


def visible_proofs(user, queryset):
    """Return the proofs ``user`` may see: those of a person in one of their regions.

    A case concerns the agencies of both persons; the authorizer's agency decides it
    (``may_decide_proof``).
    """
    if not user.has_perm("accounts.view_kinshipproof"):
        return queryset.none()
    return either_region(user, queryset, "region_id", "beneficiary_region_id")


def visible_lookups(user, queryset):
    """Return the cross-region look-ups ``user`` may see in the log: none without the
    permission (supervisors and auditors hold it); else those of a person insured in one of
    their regions, and those made by staff who work in one of them (their own regions, or
    a whole province of one)."""
    if not user.has_perm("accounts.view_personlookup"):
        return queryset.none()
    codes = region_codes(user)
    if codes is ALL:
        return queryset
    if not codes:
        return queryset.none()
    codes = sorted(codes)
    provinces = sorted({code[:2] for code in codes})
    profiles = StaffProfile.objects.filter(
        Q(regions__code__in=codes) | Q(provinces__code__in=provinces)
    ).values("user_id")
    return queryset.filter(Q(person__region_id__in=codes) | Q(actor_id__in=profiles))


def may_take_proofs(user) -> bool:
    """Whether ``user`` may take cases in (at the counter, or by batch)."""
    return user.is_active and user.is_staff and user.has_perm("accounts.add_kinshipproof")


def may_review_proofs(user) -> bool:
    return user.is_active and user.is_staff and user.has_perm("accounts.review_kinshipproof")


def may_supervise_proofs(user) -> bool:
    return user.is_active and user.is_staff and user.has_perm("accounts.supervise_kinshipproof")


def decides_in(user, region_code: str) -> bool:
    """Whether ``user``'s agency decides a case of an authorizer insured in ``region_code``."""
    return can_see_region(user, region_code)


def may_see_proof(user, proof) -> bool:
    return user.has_perm("accounts.view_kinshipproof") and (
        can_see_region(user, proof.region_id) or can_see_region(user, proof.beneficiary_region_id)
    )


#: who corrects what a person's record got wrong: the identity number, a recorded death
CORRECT_PERSON_PERMISSION = "accounts.correct_insuredperson"


def may_correct_persons(user, person=None) -> bool:
    """Return whether ``user`` may correct a person's identity number or recorded death:
    supervisors (``accounts.correct_insuredperson``), for persons in their regions."""
    if not (user and user.is_active and user.is_staff):
        return False
    if not user.has_perm(CORRECT_PERSON_PERMISSION):
        return False
    return person is None or can_see_region(user, person.region_id)
