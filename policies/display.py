"""Human-readable values of policy versions, for the province page and its diff."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .models import PolicyVersion
from .relations import DocumentType, Relation, RelationGroup, ReviewMode, Use

SHOWN_FIELDS = [
    "effective_from",
    "effective_to",
    "region",
    "allowed_relations",
    "max_active_beneficiaries",
    "max_lifetime_beneficiaries",
    "group_caps",
    "max_authorizers_per_beneficiary",
    "beneficiary_may_authorize",
    "spouses_may_authorize_each_other",
    "cross_province",
    "max_binding_changes_per_year",
    "min_days_before_unbinding",
    "retained_balance",
    "max_payment_share",
    "wallet_max_transfers_per_day",
    "wallet_max_amount_per_transfer",
    "wallet_quiet_from",
    "wallet_quiet_until",
    "allowed_uses",
    "review_mode",
    "documents",
    "spot_check_share",
    "source_title",
    "source_issuer",
    "source_date",
    "source_url",
    "source_note",
]


def _labels(values, choices) -> str:
    names = dict(choices)
    return "、".join(str(names.get(v, v)) for v in values) or "—"


def display_value(version: PolicyVersion, name: str) -> str:
    """Return the value of field ``name`` as a caseworker would read it."""
    value = getattr(version, name)
    if name == "allowed_relations":
        if set(value) == set(Relation.values):
            return _("all close relatives")
        return _labels(value, Relation.choices)
    if name == "allowed_uses":
        return _labels(value, Use.choices)
    if name == "review_mode":
        return str(ReviewMode(value).label)
    if name == "group_caps":
        caps = [
            _("%(groups)s: at most %(max)d")
            % {"groups": _labels(cap["groups"], RelationGroup.choices), "max": cap["max"]}
            for cap in value or []
        ]
        return "；".join(caps) or "—"
    if name == "documents":
        rows = [
            f"{RelationGroup(group).label}：{_labels(kinds, DocumentType.choices)}"
            for group, kinds in (value or {}).items()
        ]
        return "；".join(rows) or "—"
    if name == "max_payment_share" and value is not None:
        return f"{value * 100:.0f}%"
    if name == "region":
        return str(value) if value else _("whole province")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None or value == "":
        return _("no limit") if name.startswith(("max_", "wallet_max", "min_")) else "—"
    return str(value)


def field_label(name: str) -> str:
    return str(PolicyVersion._meta.get_field(name).verbose_name)


def version_rows(version: PolicyVersion) -> list[dict]:
    return [{"label": field_label(n), "value": display_value(version, n)} for n in SHOWN_FIELDS]


def version_diff(a: PolicyVersion, b: PolicyVersion) -> list[dict]:
    """Return every shown field with both values and whether they differ."""
    rows = []
    for name in SHOWN_FIELDS:
        left, right = display_value(a, name), display_value(b, name)
        rows.append({"label": field_label(name), "a": left, "b": right, "differs": left != right})
    return rows
