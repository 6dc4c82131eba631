"""Demo families: realistic insured persons whose identity numbers fit their relations.

Deterministic (seeded), so ``seed_demo`` is idempotent: the same numbers,
names and balances every run.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from . import idnumbers
from .choices import InsuranceType, PersonStatus

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
    "韩冯董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
)
MALE_CHARS = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欣博"
FEMALE_CHARS = "芳娜敏静丽艳娟霞燕玲桂丹萍红梅莉婷雪琳慧颖洁佳倩月蓉晶璐"

# (pooling region, county-level address codes used for ID numbers born there)
DEMO_REGIONS = {
    "370100": ["370102", "370103", "370104", "370112"],
    "370200": ["370202", "370203", "370212"],
    "440300": ["440303", "440304", "440305", "440306"],
    "440100": ["440103", "440104", "440106"],
    "110000": ["110101", "110102", "110105", "110108"],
    "430100": ["430102", "430103", "430104"],
    "510100": ["510104", "510105", "510106"],
    "660800": ["659001"],
}
FAMILIES_PER_REGION = 9


@dataclass
class DemoPerson:
    national_id: str
    name: str
    insurance_type: str
    region: str
    enrolled_on: dt.date
    status: str
    mobile: str
    balance: Decimal | None
    relation_to_head: str = "self"


@dataclass
class DemoFamily:
    head: DemoPerson
    members: list[DemoPerson] = field(default_factory=list)


class _Generator:
    def __init__(self, seed: int, today: dt.date):
        self.rnd = random.Random(seed)
        self.today = today
        self.used: set[str] = set()

    def birth(self, start: dt.date, end: dt.date) -> dt.date:
        end = min(end, self.today - dt.timedelta(days=200))
        return start + dt.timedelta(days=self.rnd.randrange(max((end - start).days, 1)))

    def national_id(self, region: str, birth: dt.date, sex: str) -> str:
        while True:
            address = self.rnd.choice(DEMO_REGIONS[region])
            seq = self.rnd.randrange(0, 999)
            if (seq % 2 == 1) != (sex == "M"):
                seq += 1
            number = idnumbers.make(address, birth, seq % 1000)
            if number not in self.used and idnumbers.facts(number).sex == sex:
                self.used.add(number)
                return number

    def name(self, surname: str, sex: str) -> str:
        chars = MALE_CHARS if sex == "M" else FEMALE_CHARS
        return surname + "".join(self.rnd.choice(chars) for _ in range(self.rnd.choice((1, 2))))

    def person(self, *, region, birth, sex, surname, relation, insurance=None) -> DemoPerson:
        age = (self.today - birth).days // 365
        if insurance is None:
            employee_share = 0.75 if 22 <= age <= 60 else (0.45 if age > 60 else 0.0)
            insurance = (
                InsuranceType.EMPLOYEE
                if self.rnd.random() < employee_share
                else InsuranceType.RESIDENT
            )
        earliest = max(birth, dt.date(1999, 1, 1))
        if insurance == InsuranceType.EMPLOYEE:
            earliest = max(earliest, dt.date(birth.year + 20, 7, 1))
        enrolled = self.birth(earliest, self.today) if earliest < self.today else self.today
        status = PersonStatus.ACTIVE
        roll = self.rnd.random()
        if age > 80 and roll < 0.15:
            status = PersonStatus.DECEASED
        elif roll < 0.04:
            status = PersonStatus.SUSPENDED
        elif roll < 0.06:
            status = PersonStatus.TERMINATED
        mobile = ""
        if age >= 16:
            mobile = f"1{self.rnd.choice('3456789')}{self.rnd.randrange(10**9):09d}"
        balance = None
        if insurance == InsuranceType.EMPLOYEE:
            balance = Decimal(self.rnd.randrange(0, 3_000_000)) / 100
        return DemoPerson(
            national_id=self.national_id(region, birth, sex),
            name=self.name(surname, sex),
            insurance_type=insurance,
            region=region,
            enrolled_on=enrolled,
            status=status,
            mobile=mobile,
            balance=balance,
            relation_to_head=relation,
        )

    @staticmethod
    def years(day: dt.date, years: int) -> dt.date:
        return day.replace(year=day.year + years, day=min(day.day, 28))

    def family(self, region: str) -> DemoFamily:
        rnd = self.rnd
        surname = rnd.choice(SURNAMES)
        head_sex = rnd.choice("MF")
        head_birth = self.birth(dt.date(1968, 1, 1), dt.date(1994, 12, 31))
        head = self.person(
            region=region,
            birth=head_birth,
            sex=head_sex,
            surname=surname,
            relation="self",
            insurance=InsuranceType.EMPLOYEE,
        )
        family = DemoFamily(head=head)
        members = family.members
        spouse_sex = "F" if head_sex == "M" else "M"
        # Spouses: opposite sex, both past marriage age (22 men, 20 women) at marriage.
        spouse_birth = self.years(head_birth, rnd.randint(-4, 4))
        members.append(
            self.person(
                region=region,
                birth=spouse_birth,
                sex=spouse_sex,
                surname=rnd.choice(SURNAMES),
                relation="spouse",
            )
        )
        younger = max(head_birth, spouse_birth)
        for _ in range(rnd.choice((0, 1, 1, 2, 2, 3))):
            child_birth = self.years(younger, rnd.randint(23, 32))
            if child_birth >= self.today:
                continue
            members.append(
                self.person(
                    region=region,
                    birth=child_birth,
                    sex=rnd.choice("MF"),
                    surname=surname,
                    relation="child",
                )
            )
        # Parents 22-38 years older, some living (and insured) in another province.
        parents_region = region if rnd.random() < 0.65 else rnd.choice(list(DEMO_REGIONS))
        father_birth = self.years(head_birth, -rnd.randint(24, 38))
        mother_birth = self.years(father_birth, rnd.randint(-2, 5))
        if mother_birth > self.years(head_birth, -21):
            mother_birth = self.years(head_birth, -22)
        members.append(
            self.person(
                region=parents_region,
                birth=father_birth,
                sex="M",
                surname=surname,
                relation="father",
            )
        )
        members.append(
            self.person(
                region=parents_region,
                birth=mother_birth,
                sex="F",
                surname=rnd.choice(SURNAMES),
                relation="mother",
            )
        )
        if rnd.random() < 0.4:
            sibling_birth = self.years(head_birth, rnd.choice((-6, -4, -3, -2, 2, 3, 5, 7)))
            if self.years(father_birth, 22) < sibling_birth < self.years(mother_birth, 45):
                members.append(
                    self.person(
                        region=rnd.choice((region, parents_region)),
                        birth=sibling_birth,
                        sex=rnd.choice("MF"),
                        surname=surname,
                        relation="sibling",
                    )
                )
        if rnd.random() < 0.2:
            grand_birth = self.years(father_birth, -rnd.randint(22, 30))
            if grand_birth > dt.date(1926, 1, 1):
                members.append(
                    self.person(
                        region=parents_region,
                        birth=grand_birth,
                        sex=rnd.choice("MF"),
                        surname=surname,
                        relation="grandparent",
                    )
                )
        return family


def demo_families(*, today: dt.date, seed: int = 2026) -> list[DemoFamily]:
    """Return the demo families, the same ones every call with the same ``today`` and seed."""
    gen = _Generator(seed, today)
    return [gen.family(region) for region in DEMO_REGIONS for _ in range(FAMILIES_PER_REGION)]
