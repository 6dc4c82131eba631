"""factory_boy factories that make valid, consistent data."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User

from accounts import idnumbers
from accounts.choices import InsuranceType, PersonStatus
from accounts.models import InsuredPerson, PersonalAccount
from policies.models import Province, Region
from portal.models import StaffProfile

_sequence = itertools.count(1)


def make_national_id(
    region_code: str = "370100", birth: dt.date = dt.date(1980, 5, 17), sex: str = "M"
) -> str:
    """Return a fresh valid ID number born in ``region_code``'s first county."""
    n = next(_sequence)
    seq = (n * 2 + (1 if sex == "M" else 0)) % 1000
    if region_code.endswith("00"):
        # 500 numbers a county and sex; then the next county, so the birth date stays as asked
        address, day = f"{region_code[:4]}{2 + (n // 500) % 97:02d}", birth
    else:
        address, day = region_code, birth + dt.timedelta(days=n // 500)
    return idnumbers.make(address, day, seq)


class InsuredPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InsuredPerson
        skip_postgeneration_save = True

    class Params:
        birth = dt.date(1980, 5, 17)
        sex = "M"

    region = factory.LazyFunction(lambda: Region.objects.get(code="370100"))
    national_id = factory.LazyAttribute(lambda o: make_national_id(o.region.code, o.birth, o.sex))
    name = factory.Sequence(lambda n: f"测试{n}")
    insurance_type = InsuranceType.EMPLOYEE
    enrolled_on = dt.date(2015, 3, 1)
    status = PersonStatus.ACTIVE
    mobile = factory.Sequence(lambda n: f"139{n:08d}")

    @factory.post_generation
    def account(obj, create, extracted, **kwargs):
        if create and obj.insurance_type == InsuranceType.EMPLOYEE:
            balance = extracted if extracted is not None else Decimal("1000.00")
            PersonalAccount.objects.create(person=obj, balance=balance)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-2026")

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.groups.add(Group.objects.get(name=extracted))
        if create:
            obj.save()


def staff_user(role: str, *, regions=(), provinces=(), nationwide=False, **kwargs) -> User:
    """Create a staff user with ``role`` working on ``regions`` / ``provinces``."""
    user = UserFactory(role=role, **kwargs)
    profile = StaffProfile.objects.create(user=user, nationwide=nationwide)
    profile.regions.set(Region.objects.filter(code__in=regions))
    profile.provinces.set(Province.objects.filter(code__in=provinces))
    return user
