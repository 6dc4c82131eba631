"""Turn a "try a case" scenario into engine facts and judge it."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from .engine import (
    BindingFacts,
    PersonFacts,
    PolicyOn,
    PolicyRules,
    TransferFacts,
    evaluate_binding,
    evaluate_transfer,
)
from .relations import RELATIONS, RelationGroup
from .selectors import policy_for


def judge_case(data: dict) -> dict:
    """Return the binding and transfer decisions for a cleaned ``TryCaseForm``."""
    day: dt.date = data["day"]
    version = policy_for(data["authorizer_region"], day)
    if version is None:
        return {"version": None}
    rules = PolicyRules.from_version(version)
    authorizer = PersonFacts(
        insurance_type=data["authorizer_insurance"],
        status=data["authorizer_status"],
        region_code=data["authorizer_region"].code,
        birth_date=data["authorizer_birth"],
        sex=data["authorizer_sex"],
        wallet_open=data["authorizer_region"].wallet_open_on(day),
    )
    beneficiary = PersonFacts(
        insurance_type="",
        status=data["beneficiary_status"],
        region_code=data["beneficiary_region"].code,
        birth_date=data["beneficiary_birth"],
        sex=data["beneficiary_sex"],
        wallet_open=data["beneficiary_region"].wallet_open_on(day),
    )
    group = RELATIONS[data["relation"]].group
    other = next(g for g in RelationGroup.values if g != group)
    binding = evaluate_binding(
        BindingFacts(
            authorizer=authorizer,
            beneficiary=beneficiary,
            relation=data["relation"],
            day=day,
            authorizer_active_by_group={
                group: data["active_beneficiaries"],
                other: data["other_active_beneficiaries"],
            },
            authorizer_lifetime_beneficiaries=data["lifetime_beneficiaries"],
            authorizer_changes_last_year=data["changes_last_year"],
            # The page has no box for it: an authorizer with no binding, nor any ever bound
            # nor changed, is binding for the first time.
            authorizer_had_bindings=any(
                data[name]
                for name in (
                    "active_beneficiaries",
                    "other_active_beneficiaries",
                    "lifetime_beneficiaries",
                    "changes_last_year",
                )
            ),
            beneficiary_active_authorizers=data["beneficiary_authorizers"],
            beneficiary_is_authorizer=data["beneficiary_is_authorizer"],
            proof_state=data["proof_state"] or None,
        ),
        rules,
    )
    transfer = evaluate_transfer(
        TransferFacts(
            authorizer=authorizer,
            beneficiary=beneficiary,
            binding_active=binding.allowed,
            mode=data["mode"],
            use=data["use"],
            amount=data["amount"],
            balance=data["balance"],
            at=dt.datetime.combine(day, data["time"]),
            bill_amount=data.get("bill_amount"),
            transfers_today=data["transfers_today"],
        ),
        rules,
    )
    regions = dict.fromkeys([data["authorizer_region"], data["beneficiary_region"]])
    return {
        "version": version,
        # the wallet decision rests on these regions' estimated dates: say so beside it
        "approximate_wallets": [r for r in regions if r.wallet_date_approximate]
        if data["mode"] == "wallet"
        else [],
        "policy": PolicyOn(day),
        "binding": binding,
        "transfer": transfer,
        "pairs": [(_("Binding"), binding), (_("Payment"), transfer)],
    }
