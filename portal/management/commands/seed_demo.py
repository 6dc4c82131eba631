"""Load demo staff users and demo families. Idempotent; refuses to run in production."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from accounts.demo import demo_families
from accounts.demo_aid import seed_mutual_aid
from accounts.demo_proofs import seed_proofs
from accounts.models import InsuredPerson
from accounts.services.persons import persons_create_many
from policies.models import Province, Region
from portal.models import StaffProfile

DEMO_PASSWORD = "demo-pass-2026"
# Fixed, so the same families come out on every day the command runs.
DEMO_TODAY = dt.date(2026, 1, 1)

DEMO_USERS = [
    # username, full name (family, given), role, regions, provinces, nationwide
    ("caseworker1", ("赵经办", ""), "caseworker", ["370100"], [], False),
    ("caseworker2", ("钱经办", ""), "caseworker", ["440300"], [], False),
    ("supervisor1", ("孙科长", ""), "supervisor", [], ["37"], False),
    ("auditor1", ("李审计", ""), "auditor", [], [], True),
]


def _analyze() -> None:
    """Bring the planner's statistics up to date (in the seeding's transaction, ANALYZE counts
    its own new rows). On tables last analysed empty, as a test database's are between
    modules, the planner would lock one binding by joining every person to every person:
    seconds a statement, half an hour a seeding."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


class Command(BaseCommand):
    help = f"Create demo users (password: {DEMO_PASSWORD}) and a few hundred insured persons."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even when DEBUG is off (never in production)."
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates users with known passwords; refusing with DEBUG off."
            )
        families = demo_families(today=DEMO_TODAY)
        with transaction.atomic():
            self.seed_users()
            created, total = self.seed_persons(families)
            _analyze()
            aid = seed_mutual_aid(families)
            _analyze()
            proofs = seed_proofs(families)
        _analyze()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(DEMO_USERS) + 1} users (password {DEMO_PASSWORD}), "
                f"{total} insured persons ({created} new), {aid['bindings']} new bindings, "
                f"{aid['payments']} payments, {aid['transfers']} wallet transfers, "
                f"{sum(proofs.values())} kinship proofs."
            )
        )

    def seed_users(self) -> None:
        admin, _ = User.objects.get_or_create(username="admin")
        admin.is_staff = admin.is_superuser = True
        admin.last_name, admin.first_name = "管理员", ""
        admin.set_password(DEMO_PASSWORD)
        admin.save()
        for username, (family, given), role, regions, provinces, nationwide in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=username)
            user.is_staff, user.is_superuser = True, False
            user.last_name, user.first_name = family, given
            user.set_password(DEMO_PASSWORD)
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            profile, _ = StaffProfile.objects.update_or_create(
                user=user, defaults={"nationwide": nationwide, "note": "演示账户"}
            )
            profile.regions.set(Region.objects.filter(code__in=regions))
            profile.provinces.set(Province.objects.filter(code__in=provinces))

    def seed_persons(self, families) -> tuple[int, int]:
        existing = set(InsuredPerson.objects.values_list("national_id", flat=True))
        new, balances, total = [], {}, 0
        for family in families:
            for demo in [family.head, *family.members]:
                total += 1
                if demo.national_id in existing:
                    continue
                new.append(
                    InsuredPerson(
                        national_id=demo.national_id,
                        name=demo.name,
                        insurance_type=demo.insurance_type,
                        region_id=demo.region,
                        enrolled_on=demo.enrolled_on,
                        status=demo.status,
                        mobile=demo.mobile,
                    )
                )
                balances[demo.national_id] = demo.balance
        persons_create_many(persons=new, opening_balances=balances)
        return len(new), total
