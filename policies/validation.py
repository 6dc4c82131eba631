"""Validation of a policy version's structured fields (caps, documents, time windows), and
of a pooling region as people type it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .relations import DocumentType, RelationGroup
from .selectors import region_for_text


def validate_policy_data(version) -> None:
    """Raise ``ValidationError`` naming the field when a structured field is malformed."""
    errors: dict[str, list[ValidationError]] = {}
    groups = set(RelationGroup.values)

    caps = version.group_caps
    if not isinstance(caps, list):
        caps = [caps]
    for cap in caps:
        ok = (
            isinstance(cap, dict)
            and isinstance(cap.get("groups"), list)
            and cap["groups"]
            and set(cap["groups"]) <= groups
            and isinstance(cap.get("max"), int)
            and cap["max"] >= 0
        )
        if not ok:
            errors.setdefault("group_caps", []).append(
                ValidationError(
                    _("Each cap needs a list of relation groups (%(groups)s) and a whole max."),
                    code="bad_group_cap",
                    params={"groups": ", ".join(sorted(groups))},
                )
            )
            break

    documents = version.documents
    doc_types = set(DocumentType.values)
    if not isinstance(documents, dict) or any(
        group not in groups or not isinstance(kinds, list) or not set(kinds) <= doc_types
        for group, kinds in (documents.items() if isinstance(documents, dict) else [])
    ):
        errors.setdefault("documents", []).append(
            ValidationError(
                _("Map relation groups to lists of document types (%(types)s)."),
                code="bad_documents",
                params={"types": ", ".join(sorted(doc_types))},
            )
        )

    if (version.wallet_quiet_from is None) != (version.wallet_quiet_until is None):
        errors.setdefault("wallet_quiet_until", []).append(
            ValidationError(
                _("Give both ends of the quiet hours, or neither."), code="half_quiet_hours"
            )
        )
    if errors:
        raise ValidationError(errors)


def clean_region(value: str):
    """Return the pooling ``Region`` that ``value`` names, as the enrollment import reads it:
    a 6-digit code, a former code, the region's name (济南市), or both (370100 济南市)."""
    region = region_for_text(value)
    if region is None:
        raise ValidationError(
            _("%(value)s is not a known pooling region code."),
            code="unknown_region",
            params={"value": value},
        )
    return region
