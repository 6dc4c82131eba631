"""Demo kinship proofs: cases in every state of the review, with generated page images.

``seed_demo`` calls :func:`seed_proofs` after the mutual-aid demo; it does nothing when cases
exist already. Everything goes through the services (intake, claim, decisions), with the
clock set to the working day each step happens, so the queue shows cases of several ages,
some past the deadline. The pages are drawn here (a 户口本 page, a 结婚证) with the CJK font;
the background worker reads them (OCR) like any other upload.

Jinan (370100) is caseworker1's: cases waiting, two in their review, approved, rejected and
returned ones, one they took in themselves (a colleague decides it), one whose page is a copy
of another family's. Shenzhen (440300) is caseworker2's, with one case of a Jinan beneficiary
that caseworker1 sees but does not decide.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from contextlib import contextmanager
from functools import cache
from unittest import mock
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from accounts.choices import (
    LIVE_BINDING_STATUSES,
    InsuranceType,
    MissingDocument,
    PersonStatus,
    RejectReason,
    Via,
)
from accounts.demo_aid import _relation
from accounts.models import Binding, InsuredPerson, KinshipProof
from accounts.selectors.proofs import working_calendar
from accounts.services.errors import DomainError
from accounts.services.proofs import (
    documents_accepted,
    person_lookup,
    proof_approve,
    proof_claim,
    proof_reject,
    proof_return,
    proof_submit,
)
from policies.relations import RELATIONS, DocumentType
from policies.selectors import policy_for
from portal.scoping import ALL, region_codes

BEIJING = ZoneInfo("Asia/Shanghai")
FONT_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
RELATION_WORDS = {
    "spouse": "妻",
    "father": "父",
    "mother": "母",
    "son": "子",
    "daughter": "女",
    "elder_brother": "兄",
    "younger_brother": "弟",
    "elder_sister": "姐",
    "younger_sister": "妹",
}


# --- pages ---------------------------------------------------------------------------------


@cache
def _font(size: int):
    for path in FONT_PATHS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size)  # no CJK glyphs: the pages are drawn, not legible


def _page(title: str, lines: list[tuple[str, str]], *, stamp: str = "", seed: str = "") -> bytes:
    """A document page as a phone or a scanner takes it: a title, labelled lines in boxes, a
    red stamp, on paper of its own shade, a little askew and shaded; as JPEG. ``seed`` makes
    each page its own (the same seed, the same page)."""
    rnd = random.Random(seed or title)
    width = rnd.randint(1040, 1180)
    height = rnd.randint(720, 820)
    paper = (rnd.randint(238, 252), rnd.randint(232, 248), rnd.randint(215, 238))
    image = Image.new("RGB", (width, height), paper)
    draw = ImageDraw.Draw(image)
    left, top = rnd.randint(24, 70), rnd.randint(24, 60)
    draw.rectangle((left, top, width - left, height - top), outline=(120, 80, 60), width=3)
    draw.text((width // 2, top + 55), title, font=_font(44), fill=(60, 30, 20), anchor="mm")
    y = top + 120
    label_width = rnd.randint(230, 300)
    for label, value in lines:
        draw.rectangle(
            (left + 40, y - 8, left + label_width, y + 52), outline=(150, 120, 100), width=2
        )
        draw.rectangle(
            (left + label_width, y - 8, width - left - 40, y + 52), outline=(150, 120, 100), width=2
        )
        draw.text((left + 58, y + 4), label, font=_font(32), fill=(80, 50, 40))
        draw.text((left + label_width + 20, y + 4), value, font=_font(34), fill=(20, 20, 20))
        y += rnd.randint(66, 80)
    if stamp:
        x0, y0 = width - left - rnd.randint(200, 320), height - top - rnd.randint(190, 230)
        draw.ellipse((x0, y0, x0 + 190, y0 + 190), outline=(200, 30, 30), width=5)
        draw.text((x0 + 95, y0 + 95), stamp, font=_font(24), fill=(200, 30, 30), anchor="mm")
    # the light of a photographed page: darker towards one corner
    shade = Image.linear_gradient("L").resize((width, height)).rotate(rnd.choice((0, 90, 180, 270)))
    image = Image.composite(
        image,
        Image.new("RGB", (width, height), (150, 145, 135)),
        shade.point(lambda v: 255 - v // rnd.randint(5, 9)),
    )
    image = image.rotate(rnd.uniform(-2.5, 2.5), expand=True, fillcolor=(90, 90, 90))
    # on the desk it was photographed on, off centre
    desk = Image.new(
        "RGB",
        (image.width + rnd.randint(40, 260), image.height + rnd.randint(40, 220)),
        (rnd.randint(60, 140), rnd.randint(55, 120), rnd.randint(40, 100)),
    )
    desk.paste(
        image,
        (rnd.randint(0, desk.width - image.width), rnd.randint(0, desk.height - image.height)),
    )
    image = desk
    out = io.BytesIO()
    image.save(out, "JPEG", quality=rnd.randint(78, 90))
    return out.getvalue()


def household_page(person: InsuredPerson, *, relation: str, head: InsuredPerson | None = None):
    """A 户口本 page (常住人口登记卡) of ``person``; ``relation``: their word to the head."""
    lines = [
        ("姓名", person.name),
        ("与户主关系", relation),
        ("性别", "男" if person.sex == "M" else "女"),
        ("出生日期", f"{person.birth_date:%Y年%m月%d日}"),
        ("公民身份号码", person.national_id),
    ]
    if head is not None and relation != "户主":
        lines.insert(1, ("户主姓名", head.name))
    return _page("常住人口登记卡", lines, stamp="户口专用章", seed=person.national_id + relation)


def marriage_page(one: InsuredPerson, other: InsuredPerson) -> bytes:
    """The page of a 结婚证 with both names and ID numbers."""
    return _page(
        "结婚证",
        [
            ("持证人", one.name),
            ("姓名", one.name),
            ("身份证件号", one.national_id),
            ("姓名", other.name),
            ("身份证件号", other.national_id),
        ],
        stamp="婚姻登记专用章",
        seed=one.national_id + other.national_id,
    )


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


# --- the clock ------------------------------------------------------------------------------


@contextmanager
def _clock(at: dt.datetime):
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


def _working_days_ago(days: int, hour: int, today: dt.date) -> dt.datetime:
    calendar, day = working_calendar(), today
    while days > 0:
        day -= dt.timedelta(days=1)
        if calendar.is_working_day(day):
            days -= 1
    return dt.datetime.combine(day, dt.time(hour, 10 + 7 * days % 50), tzinfo=BEIJING)


# --- the cases ------------------------------------------------------------------------------


def _pairs(families, region: str, persons: dict) -> list[tuple]:
    """(head, member, relation) of the demo families of ``region`` not bound yet."""
    live = set(
        Binding.objects.filter(status__in=LIVE_BINDING_STATUSES).values_list(
            "authorizer_id", "beneficiary_id"
        )
    )
    bound = {b for _a, b in live}
    found = []
    for family in families:
        head = persons.get(family.head.national_id)
        if head is None or head.region_id != region or head.status != PersonStatus.ACTIVE:
            continue
        if head.insurance_type != InsuranceType.EMPLOYEE:
            continue
        for demo in family.members:
            member = persons.get(demo.national_id)
            if member is None or member.status != PersonStatus.ACTIVE or member.pk in bound:
                continue
            relation = _relation(head, member, demo.relation_to_head)
            if relation is not None and relation in RELATION_WORDS:
                found.append((head, member, relation))
    return found


def _pages_for(head, member, relation, document_type) -> list[SimpleUploadedFile]:
    if document_type == DocumentType.MARRIAGE_CERTIFICATE:
        return [_upload("结婚证.jpg", marriage_page(head, member))]
    word = RELATION_WORDS.get(relation, "亲属")
    return [
        _upload("户主页.jpg", household_page(head, relation="户主")),
        _upload("本人页.jpg", household_page(member, relation=word, head=head)),
    ]


def _document_type(region: str, relation: str) -> str:
    version = policy_for(region, timezone.localdate())
    accepted = documents_accepted(version, relation)
    if RELATIONS[relation].group == "spouse" and DocumentType.MARRIAGE_CERTIFICATE in accepted:
        return DocumentType.MARRIAGE_CERTIFICATE
    if DocumentType.HOUSEHOLD_REGISTER in accepted:
        return DocumentType.HOUSEHOLD_REGISTER
    return next(k for k in accepted if k != DocumentType.COMMITMENT_LETTER)


#: Jinan's cases: (state, working days since intake, who takes it in)
JINAN_PLAN = [
    ("approved", 12, "admin"),
    ("approved", 9, "admin"),
    ("rejected", 8, "admin"),
    ("returned", 7, "admin"),
    ("in_review", 6, "admin"),
    ("in_review_copied_page", 3, "admin"),
    ("submitted", 8, "admin"),
    ("submitted", 4, "admin"),
    ("submitted", 1, "admin"),
    ("submitted_own", 2, "caseworker1"),
    # a relative insured elsewhere: caseworker1 looks them up by ID number (logged)
    ("submitted_cross", 2, "caseworker1"),
]
SHENZHEN_PLAN = [
    ("approved", 7, "admin"),
    ("in_review", 5, "admin"),
    ("submitted", 6, "admin"),
    ("submitted", 2, "admin"),
    ("submitted_cross", 1, "caseworker2"),
]
REVIEWERS = {"370100": "caseworker1", "440300": "caseworker2"}


def seed_proofs(families) -> dict[str, int]:
    """Take in the demo's cases and review some of them; return how many of each state."""
    made: dict[str, int] = {}
    if KinshipProof.objects.exists():
        return made
    users = {u.username: u for u in User.objects.filter(is_staff=True)}
    persons = {p.national_id: p for p in InsuredPerson.objects.select_related("region")}
    today = timezone.localdate()
    copied: dict[str, bytes] = {}
    for region, plan in (("370100", JINAN_PLAN), ("440300", SHENZHEN_PLAN)):
        pairs = _pairs(families, region, persons)
        # a beneficiary of the other demo region first: its caseworker sees the case too
        cross = sorted(
            (p for p in pairs if p[1].region_id != region),
            key=lambda p: p[1].region_id not in REVIEWERS,
        )
        local = [p for p in pairs if p[1].region_id == region]
        reviewer = users[REVIEWERS[region]]
        for state, age, intake in plan:
            pool = cross if state == "submitted_cross" else (local or cross)
            while pool:
                head, member, relation = pool.pop(0)
                proof = _one_case(
                    head, member, relation, state, age, users[intake], reviewer, today, copied
                )
                if proof is not None:
                    made[proof.status] = made.get(proof.status, 0) + 1
                    break
    return made


def _one_case(head, member, relation, state, age, intake, reviewer, today, copied):
    document_type = _document_type(head.region_id, relation)
    uploads = _pages_for(head, member, relation, document_type)
    if state == "rejected":
        # the member's page bears another person's ID number: the OCR flags it
        other = InsuredPerson.objects.exclude(pk__in=[head.pk, member.pk]).order_by("pk").first()
        if other is not None:
            page = _page(
                "常住人口登记卡",
                [
                    ("姓名", member.name),
                    ("户主姓名", head.name),
                    ("公民身份号码", other.national_id),
                ],
                stamp="户口专用章",
                seed=other.national_id,
            )
            uploads[-1] = _upload("本人页.jpg", page)
    if state == "returned":
        uploads = uploads[:1]  # the member's own page is missing
    if state == "in_review_copied_page" and "first" in copied:
        uploads = [_upload("户主页.jpg", copied["first"]), *uploads[1:]]
    submitted = _working_days_ago(age, 9 + age % 7, today)
    lookups = []
    codes = region_codes(intake)
    try:
        with _clock(submitted):
            if codes is not ALL and member.region_id not in codes:
                lookups.append(person_lookup(actor=intake, national_id=member.national_id))
            proof = proof_submit(
                actor=intake,
                via=Via.ADMIN,
                authorizer=head,
                beneficiary=member,
                relation=relation,
                document_type=document_type,
                uploads=uploads,
                contact_phone=head.mobile or "",
                lookups=lookups,
            )
    except DomainError:
        return None
    if "first" not in copied:
        first = proof.pages.order_by("number").first()
        with first.file.open("rb") as handle:
            copied["first"] = handle.read()
    if state.startswith("submitted"):
        return proof
    claimed = submitted + dt.timedelta(hours=2)
    with _clock(claimed):
        proof = proof_claim(actor=reviewer, via=Via.ADMIN, proof=proof)
    if state.startswith("in_review"):
        return proof
    decided = _working_days_ago(max(age - 2, 0), 15, today)
    with _clock(max(decided, claimed + dt.timedelta(minutes=20))):
        if state == "approved":
            return proof_approve(
                actor=reviewer, via=Via.ADMIN, proof=proof, note="户口本信息与申请一致。"
            )
        if state == "rejected":
            return proof_reject(
                actor=reviewer,
                via=Via.ADMIN,
                proof=proof,
                reason=RejectReason.PERSON_MISMATCH,
                note="本人页身份证号与被共济人不一致。",
            )
        return proof_return(
            actor=reviewer,
            via=Via.ADMIN,
            proof=proof,
            missing=[MissingDocument.BENEFICIARY_PAGE],
            note="请补充被共济人本人页。",
        )
