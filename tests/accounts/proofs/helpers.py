"""Shared makers for the kinship-proof tests."""

from __future__ import annotations

from django.utils import timezone

from accounts.choices import Via
from accounts.services.proofs import proof_claim, proof_submit
from policies.models import PolicyVersion, Region
from policies.selectors import policy_for
from tests.factories import InsuredPersonFactory, staff_user
from tests.scans import household_page, image_bytes, upload

#: Shenzhen reviews documents; Jinan binds on a pledge or documents
DOCS_REGION, PLEDGE_REGION = "440300", "370100"


def person(code=DOCS_REGION, **kwargs):
    return InsuredPersonFactory(region=Region.objects.get(code=code), **kwargs)


def couple(code=DOCS_REGION, other=None):
    return person(code, sex="M"), person(other or code, sex="F")


def caseworker(code=DOCS_REGION, **kwargs):
    return staff_user("caseworker", regions=[code], **kwargs)


def supervisor(province="44", **kwargs):
    return staff_user("supervisor", provinces=[province], **kwargs)


def policy(code, **changes) -> PolicyVersion:
    version = policy_for(code, timezone.localdate())
    PolicyVersion.objects.filter(pk=version.pk).update(**changes)
    version.refresh_from_db()
    return version


def pages_of(*persons):
    return [
        upload(f"page{i}.png", image_bytes(household_page(p)), "image/png")
        for i, p in enumerate(persons)
    ]


def submit(actor, authorizer, beneficiary, *, relation="spouse", document_type=None, **kwargs):
    kwargs.setdefault("uploads", pages_of(authorizer, beneficiary))
    return proof_submit(
        actor=actor,
        via=kwargs.pop("via", Via.ADMIN),
        authorizer=authorizer,
        beneficiary=beneficiary,
        relation=relation,
        document_type=document_type or "marriage_certificate",
        **kwargs,
    )


def claimed(proof, reviewer):
    return proof_claim(actor=reviewer, via=Via.ADMIN, proof=proof)
