"""Close relatives (近亲属, Civil Code art. 1045): the one definition of relations and groups.

A relation says what the *beneficiary* is to the *authorizer*: ``FATHER``
means the beneficiary is the authorizer's father. The admin, the import,
the rules engine and the reports all use these choices and groups.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Relation(models.TextChoices):
    SPOUSE = "spouse", _("spouse")
    FATHER = "father", _("father")
    MOTHER = "mother", _("mother")
    SON = "son", _("son")
    DAUGHTER = "daughter", _("daughter")
    ELDER_BROTHER = "elder_brother", _("elder brother")
    YOUNGER_BROTHER = "younger_brother", _("younger brother")
    ELDER_SISTER = "elder_sister", _("elder sister")
    YOUNGER_SISTER = "younger_sister", _("younger sister")
    PATERNAL_GRANDFATHER = "paternal_grandfather", _("paternal grandfather")
    PATERNAL_GRANDMOTHER = "paternal_grandmother", _("paternal grandmother")
    MATERNAL_GRANDFATHER = "maternal_grandfather", _("maternal grandfather")
    MATERNAL_GRANDMOTHER = "maternal_grandmother", _("maternal grandmother")
    PATERNAL_GRANDSON = "paternal_grandson", _("grandson (son's son)")
    PATERNAL_GRANDDAUGHTER = "paternal_granddaughter", _("granddaughter (son's daughter)")
    MATERNAL_GRANDSON = "maternal_grandson", _("grandson (daughter's son)")
    MATERNAL_GRANDDAUGHTER = "maternal_granddaughter", _("granddaughter (daughter's daughter)")


class RelationGroup(models.TextChoices):
    SPOUSE = "spouse", _("spouse")
    PARENTS = "parents", _("parents")
    CHILDREN = "children", _("children")
    SIBLINGS = "siblings", _("siblings")
    GRANDPARENTS = "grandparents", _("grandparents")
    GRANDCHILDREN = "grandchildren", _("grandchildren")


@dataclass(frozen=True)
class RelationFacts:
    """What a relation implies: its group, the beneficiary's sex, and the generation gap.

    ``generations`` is the beneficiary's generation relative to the authorizer:
    +1 parent, -1 child, +2 grandparent, -2 grandchild, 0 spouse or sibling.
    ``older`` is True/False when the beneficiary must be older/younger, None when either.
    """

    group: str
    sex: str | None
    generations: int
    older: bool | None


R, G = Relation, RelationGroup
RELATIONS: dict[str, RelationFacts] = {
    R.SPOUSE: RelationFacts(G.SPOUSE, None, 0, None),
    R.FATHER: RelationFacts(G.PARENTS, "M", 1, True),
    R.MOTHER: RelationFacts(G.PARENTS, "F", 1, True),
    R.SON: RelationFacts(G.CHILDREN, "M", -1, False),
    R.DAUGHTER: RelationFacts(G.CHILDREN, "F", -1, False),
    R.ELDER_BROTHER: RelationFacts(G.SIBLINGS, "M", 0, True),
    R.YOUNGER_BROTHER: RelationFacts(G.SIBLINGS, "M", 0, False),
    R.ELDER_SISTER: RelationFacts(G.SIBLINGS, "F", 0, True),
    R.YOUNGER_SISTER: RelationFacts(G.SIBLINGS, "F", 0, False),
    R.PATERNAL_GRANDFATHER: RelationFacts(G.GRANDPARENTS, "M", 2, True),
    R.PATERNAL_GRANDMOTHER: RelationFacts(G.GRANDPARENTS, "F", 2, True),
    R.MATERNAL_GRANDFATHER: RelationFacts(G.GRANDPARENTS, "M", 2, True),
    R.MATERNAL_GRANDMOTHER: RelationFacts(G.GRANDPARENTS, "F", 2, True),
    R.PATERNAL_GRANDSON: RelationFacts(G.GRANDCHILDREN, "M", -2, False),
    R.PATERNAL_GRANDDAUGHTER: RelationFacts(G.GRANDCHILDREN, "F", -2, False),
    R.MATERNAL_GRANDSON: RelationFacts(G.GRANDCHILDREN, "M", -2, False),
    R.MATERNAL_GRANDDAUGHTER: RelationFacts(G.GRANDCHILDREN, "F", -2, False),
}

#: The relations of the first rule (2021): spouse, parents, children.
FAMILY_MEMBERS = tuple(
    r for r, f in RELATIONS.items() if f.group in (G.SPOUSE, G.PARENTS, G.CHILDREN)
)
#: Every close relative (national rule from 2024-07-01).
CLOSE_RELATIVES = tuple(RELATIONS)


def group_of(relation: str) -> str:
    """Return the relation group of ``relation``."""
    return RELATIONS[relation].group


def relations_in(groups) -> list[str]:
    """Return the relations that belong to any of ``groups``."""
    wanted = set(groups)
    return [r for r, f in RELATIONS.items() if f.group in wanted]


class Use(models.TextChoices):
    """What mutual-aid money may pay for."""

    OUTPATIENT = "outpatient", _("outpatient self-pay")
    INPATIENT = "inpatient", _("inpatient self-pay")
    PHARMACY = "pharmacy", _("designated pharmacy purchase")
    RESIDENT_PREMIUM = "resident_premium", _("resident-insurance premium")
    LTC_PREMIUM = "ltc_premium", _("long-term-care insurance premium")


class DocumentType(models.TextChoices):
    HOUSEHOLD_REGISTER = "household_register", _("household register (户口本)")
    MARRIAGE_CERTIFICATE = "marriage_certificate", _("marriage certificate (结婚证)")
    BIRTH_CERTIFICATE = "birth_certificate", _("birth medical certificate (出生医学证明)")
    KINSHIP_CERTIFICATE = "kinship_certificate", _("kinship certificate (police or community)")
    COMMITMENT_LETTER = "commitment_letter", _("signed commitment letter (承诺书)")


class ReviewMode(models.TextChoices):
    DOCUMENTS = "documents", _("document review")
    PLEDGE = "pledge", _("self-declaration with spot checks (承诺制)")
