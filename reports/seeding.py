"""A realistic data set at province scale, written set-based (``manage.py seed_large``).

Families of insured persons (a head insured as an employee, a spouse, children, parents,
some of them in another region or province), personal accounts, bindings in every state
with their audit events, the kinship proofs behind them in every state of their review
with the caseworkers and supervisors who reviewed them (``reports.seeding_review``), direct
payments and wallet transfers in proportion (accepted, returned, reversed, pending),
spending from wallets, and the balances enrollment imports lowered. Every statement is
``INSERT … SELECT`` over ``generate_series``: a million persons and five million movements
take minutes, not hours.

The ledger is written as the services write it (``accounts.services.ledger.post``): one
journal per movement, its entries summing to zero and inserted in one statement, a
transfer held (``transfer_hold``) until accepted, returned or reversed, and the cached
balances set to the sums of the entries at the end, so ``manage.py check_ledger`` is clean.
Personal accounts are opened with enough money for what they pay (the opening trigger of
migration accounts 0024 writes their opening journal). The triggers of the reports app
queue every journal and binding event; the command folds them into the summaries.

Identity numbers are valid (ISO 7064 check character) and unique by construction: the
province of the person's region, an address code ``9xxx`` no real county and no demo
person uses, and the person's number spread over the address code, the day of birth and
the sequence (unique for up to 14 million persons, see :func:`_id_sql`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.choices import ProofStatus
from accounts.models import Binding, Journal
from policies.models import Region
from reports import seeding_review as review
from reports.periods import add_months

MAX_PERSONS = 10_000_000
#: the months of history, this one included
MONTHS = 12
REFERENCE_PREFIX = "seed:"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏"
    "吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰凤建国志红文斌海燕春梅辉鹏飞宇浩晨欣怡佳"
)

#: (province, share of the families): Shandong first, the province the demo supervisor
#: oversees; then Guangdong; a tenth spread over other provinces
PROVINCES = (("37", 0.55), ("44", 0.25))
OTHER_PROVINCES = ("11", "31", "32", "33", "41", "42", "43", "51")
OTHER_SHARE = 0.20


class AlreadySeeded(Exception):
    """The database holds a large data set already."""


@dataclass
class Seeded:
    persons: int = 0
    families: int = 0
    bindings: int = 0
    payments: int = 0
    transfers: int = 0
    journals: int = 0
    staff: int = 0
    #: the kinship proofs by status
    proofs: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _regions() -> list[tuple[str, str, float]]:
    """Return (region, province, share of families) for the data set."""
    regions = []
    for province, share in PROVINCES:
        codes = list(
            Region.objects.filter(province_id=province, level="prefecture")
            .order_by("code")
            .values_list("code", flat=True)
        )
        # the capital and the second city hold more people, as they do
        weights = [3.0, 2.0] + [1.0] * (len(codes) - 2)
        total = sum(weights)
        regions += [(c, province, share * w / total) for c, w in zip(codes, weights, strict=False)]
    others = []
    for province in OTHER_PROVINCES:
        first = Region.objects.filter(province_id=province).order_by("code").first()
        if first is not None:
            others.append(first)
    for region in others:
        regions.append((region.code, region.province_id, OTHER_SHARE / len(others)))
    return regions


def _id_sql(i: str, province: str, year: str, month: str, sex: str) -> str:
    """SQL of the first 17 characters of person number ``i``'s identity number.

    Address ``<province>9<i mod 1000>``, birth day ``1 + (i / 500,000) mod 28``, sequence
    ``2 × ((i / 1000) mod 500)`` (+1 for a man). Two persons of one province, sex and
    month of birth have the same number only if their ``i`` agree modulo 14,000,000.
    """
    return (
        f"{province} || '9' || lpad(({i} %% 1000)::text, 3, '0') || "
        f"to_char(make_date({year}, {month}, 1 + (({i} / 500000) %% 28)::int), 'YYYYMMDD') || "
        f"lpad(((({i} / 1000) %% 500) * 2 + CASE WHEN {sex} = 'M' THEN 1 ELSE 0 END)::text, 3, '0')"
    )


CHECK_FUNCTION = """
CREATE FUNCTION pg_temp.seed_check(digits text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT substr('10X98765432', (sum(substr(digits, k::int, 1)::int * w) % 11)::int + 1, 1)
      FROM unnest('{7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2}'::int[]) WITH ORDINALITY AS u(w, k)
$$;
"""


def _name_sql() -> str:
    s, g = len(SURNAMES), len(GIVEN)
    return (
        f"substr('{SURNAMES}', 1 + floor(random() * {s})::int, 1) || "
        f"substr('{GIVEN}', 1 + floor(random() * {g})::int, 1) || "
        f"CASE WHEN random() < 0.7 THEN substr('{GIVEN}', 1 + floor(random() * {g})::int, 1) "
        "ELSE '' END"
    )


def seed_large(
    *, persons: int, movements: int | None = None, seed: float = 0.5, log: Callable = print
) -> Seeded:
    """Write ``persons`` insured persons in families, their bindings and about
    ``movements`` payments and transfers (five per person by default), in one transaction.

    Refuses (``AlreadySeeded``) when a large data set is there already.
    """
    if not 1 <= persons <= MAX_PERSONS:
        raise ValueError(f"persons must be between 1 and {MAX_PERSONS:,}")
    movements = persons * 5 if movements is None else movements
    if Journal.objects.filter(reference__startswith=REFERENCE_PREFIX).exists():
        raise AlreadySeeded("this database holds a large data set already")
    started = time.perf_counter()
    done = Seeded()
    now = timezone.now()
    first = add_months(timezone.localdate(now).replace(day=1), 1 - MONTHS)
    params = {
        "seed": seed,
        "persons": persons,
        "families": int(persons / 3.9) + 10,
        "movements": movements,
        "now": now,
        "start": timezone.make_aware(dt.datetime.combine(first, dt.time.min)),
        "first": first,
        # the last month whose 15th has passed: an import of each month before this one
        "last_past": add_months(timezone.localdate(now).replace(day=1), -1),
        "zone": settings.TIME_ZONE,
        "binding_type": ContentType.objects.get_for_model(Binding).pk,
        **review.sql_params(),
    }

    def step(label: str, sql: str, values=None) -> int:
        begun = time.perf_counter()
        cursor.execute(sql, values if values is not None else params)
        count = cursor.rowcount
        log(f"  {label}: {max(count, 0):,} rows, {time.perf_counter() - begun:.1f} s")
        return count

    step.params = params

    with transaction.atomic(), connection.cursor() as cursor:
        try:  # room for the temporary tables, unless the session has used some already
            with transaction.atomic():
                cursor.execute("SET LOCAL temp_buffers = '1GB'")
        except DatabaseError:
            pass  # PostgreSQL fixes it at a session's first temporary table: slower, as right
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SELECT setseed(%(seed)s)", params)
        cursor.execute(CHECK_FUNCTION)
        _seed_regions(cursor)
        step("policy versions by day", review.POLICY_SQL)
        step("families", FAMILIES_SQL)
        done.persons = step(
            "persons",
            PERSONS_SQL.format(
                id17=_id_sql("p.i", "p.province", "p.year", "p.month", "p.sex"), name=_name_sql()
            ),
        )
        done.families = params["families"]
        step("persons written", INSERT_PERSONS_SQL)
        done.staff = _seed_staff(cursor, step, log)
        step("binding requests", ATTEMPTS_SQL)
        step("review timelines", _timeline_sql())
        done.bindings = step("bindings", _bindings_sql())
        step("bindings written", INSERT_BINDINGS_SQL)
        step("binding events", BINDING_EVENTS_SQL)
        done.proofs = _seed_proofs(cursor, step, log)
        step("movements", MOVEMENTS_SQL)
        step("own spending recorded by imports", OWN_SPENDING_SQL)
        step("personal accounts", ACCOUNTS_SQL)
        step("wallets", WALLETS_SQL)
        done.journals = step("journals", JOURNALS_SQL)
        step("ledger entries", ENTRIES_SQL)
        done.payments = step("direct payments", PAYMENTS_SQL)
        done.transfers = step("wallet transfers", TRANSFERS_SQL)
        step("balances", BALANCES_SQL)
        step("wallet balances", WALLET_BALANCES_SQL)
    for table in (
        "accounts_insuredperson",
        "accounts_personalaccount",
        "accounts_binding",
        "accounts_journal",
        "accounts_ledgerentry",
        "accounts_payment",
        "accounts_wallettransfer",
        "accounts_wallet",
        "accounts_auditevent",
        "accounts_kinshipproof",
        "accounts_proofevent",
        "auth_user",
    ):
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    done.seconds = time.perf_counter() - started
    return done


def _seed_regions(cursor) -> None:
    cursor.execute(
        "CREATE TEMP TABLE seed_region (code varchar(6), province varchar(2), lo float8, "
        "hi float8) ON COMMIT DROP"
    )
    low = 0.0
    rows = []
    for code, province, share in _regions():
        rows.append((code, province, low, low + share))
        low += share
    rows[-1] = (*rows[-1][:3], 1.0)
    cursor.executemany("INSERT INTO seed_region VALUES (%s, %s, %s, %s)", rows)


def _seed_staff(cursor, step, log) -> int:
    """Caseworkers and supervisors of the regions and provinces where families live."""
    begun = time.perf_counter()
    cursor.execute(review.staff_sql(SURNAMES, GIVEN), step.params)
    cursor.execute("SELECT role, count(*) FROM seed_staff GROUP BY role ORDER BY role")
    counts = dict(cursor.fetchall())
    log(
        f"  staff: {counts.get('caseworker', 0):,} caseworkers, "
        f"{counts.get('supervisor', 0):,} supervisors, {time.perf_counter() - begun:.1f} s"
    )
    return sum(counts.values())


def _seed_proofs(cursor, step, log) -> dict[str, int]:
    """The kinship proofs of the bindings that have a review path, and their events; return
    how many there are of each status."""
    begun = time.perf_counter()
    step("kinship proofs planned", review.proofs_sql())
    # case numbers in the order the cases came in, from the sequence the services draw on
    cursor.execute("SELECT nextval('accounts_kinshipproof_case_seq')")
    (base,) = cursor.fetchone()
    count = step("kinship proofs", review.INSERT_PROOFS_SQL, {**step.params, "case_base": base})
    if count > 0:
        cursor.execute("SELECT setval('accounts_kinshipproof_case_seq', %s)", [base + count - 1])
    step("review events", review.PROOF_EVENTS_SQL)
    cursor.execute("SELECT status, count(*) FROM seed_proof GROUP BY status")
    counts = dict(cursor.fetchall())
    by_state = {state: counts[state] for state in ProofStatus.values if state in counts}
    shown = ", ".join(f"{n:,} {state}" for state, n in by_state.items())
    log(f"  kinship proofs by state: {shown}; {time.perf_counter() - begun:.1f} s in all")
    return by_state


#: one row per family: its region, its parents' region and what members it has
FAMILIES_SQL = """
CREATE TEMP TABLE seed_family ON COMMIT DROP AS
SELECT x.f, r.code AS region, r.province, x.head_year, x.head_month, x.head_sex,
       x.has_spouse, x.children, x.has_father, x.has_mother, x.parents_where
  FROM (SELECT g AS f, random() AS r_region, 1958 + floor(random() * 30)::int AS head_year,
               1 + floor(random() * 12)::int AS head_month,
               CASE WHEN random() < 0.55 THEN 'M' ELSE 'F' END AS head_sex,
               random() < 0.85 AS has_spouse,
               CASE WHEN random() < 0.8 THEN 1 + (random() < 0.4)::int ELSE 0 END AS children,
               random() < 0.45 AS has_father, random() < 0.5 AS has_mother,
               random() AS parents_where
          FROM generate_series(1, %(families)s) g) x
  JOIN seed_region r ON x.r_region >= r.lo AND x.r_region < r.hi;
"""

#: the members of each family, numbered: head 0, spouse 1, children 2–3, father 4, mother 5
PERSONS_SQL = """
CREATE TEMP TABLE seed_person ON COMMIT DROP AS
SELECT p.*, nextval(pg_get_serial_sequence('accounts_insuredperson', 'id')) AS person_id,
       {id17} AS id17, {name} AS name
  FROM (SELECT row_number() OVER (ORDER BY m.f, m.slot) - 1 AS i, m.*
          FROM (
            SELECT f, 0 AS slot, region, province, head_year AS year, head_month AS month,
                   head_sex AS sex, 'employee' AS insurance_type, 'active' AS status
              FROM seed_family
            UNION ALL
            SELECT f, 1, region, province, greatest(1950, head_year - 3 + floor(random() * 7)::int),
                   1 + floor(random() * 12)::int, CASE head_sex WHEN 'M' THEN 'F' ELSE 'M' END,
                   CASE WHEN random() < 0.7 THEN 'employee' ELSE 'resident' END, 'active'
              FROM seed_family WHERE has_spouse
            UNION ALL
            SELECT f, 1 + c, region, province, y, 1 + floor(random() * 12)::int,
                   CASE WHEN random() < 0.5 THEN 'M' ELSE 'F' END,
                   CASE WHEN y <= 2003 AND random() < 0.6 THEN 'employee' ELSE 'resident' END,
                   'active'
              FROM (SELECT s.*, c, least(2024, head_year + 22 + floor(random() * 12)::int) AS y
                      FROM seed_family s CROSS JOIN generate_series(1, 2) c
                     WHERE c <= s.children) kids
            UNION ALL
            SELECT f, 3 + parent, pr.code, pr.province,
                   greatest(1925, head_year - 22 - floor(random() * 12)::int),
                   1 + floor(random() * 12)::int, CASE parent WHEN 1 THEN 'M' ELSE 'F' END,
                   CASE WHEN random() < 0.35 THEN 'employee' ELSE 'resident' END,
                   CASE WHEN random() < 0.015 THEN 'deceased' ELSE 'active' END
              FROM (SELECT s.*, parent,
                           CASE WHEN s.parents_where < 0.88 THEN s.region
                                WHEN s.parents_where < 0.95 THEN
                                     (SELECT code FROM seed_region r2
                                       WHERE r2.province = s.province AND r2.code <> s.region
                                       ORDER BY r2.code
                                       LIMIT 1 OFFSET floor(s.parents_where * 1000)::int %% 3)
                                ELSE (SELECT code FROM seed_region r3
                                       WHERE r3.province <> s.province ORDER BY r3.code
                                       LIMIT 1 OFFSET floor(s.parents_where * 10000)::int %% 5)
                           END AS parent_region
                      FROM seed_family s CROSS JOIN generate_series(1, 2) parent
                     WHERE (parent = 1 AND s.has_father) OR (parent = 2 AND s.has_mother)) pp
              JOIN seed_region pr ON pr.code = coalesce(pp.parent_region, pp.region)
          ) m
         ORDER BY m.f, m.slot
         LIMIT %(persons)s) p;
CREATE INDEX ON seed_person (f, slot);
"""

INSERT_PERSONS_SQL = """
INSERT INTO accounts_insuredperson (id, national_id, name, sex, birth_date, insurance_type,
                                    region_id, enrolled_on, status, mobile, created_at,
                                    updated_at)
SELECT person_id, id17 || pg_temp.seed_check(id17), name, sex,
       to_date(substr(id17, 7, 8), 'YYYYMMDD'), insurance_type, region, DATE '2010-01-01',
       status, '15' || lpad((i %% 1000000000)::text, 9, '0'), %(now)s, %(now)s
  FROM seed_person ORDER BY person_id;
"""

#: the binding requests: the head asks for each member with a chance of 85%; a few more
#: asked on documents and rejected (pairs never bound, and pairs bound on a later case); and
#: the review path of each (``reports.seeding_review``), drawn with the pair so that a
#: rejected earlier case precedes the later one
ATTEMPTS_SQL = """
CREATE TEMP TABLE seed_attempt ON COMMIT DROP AS
WITH pair AS (
    SELECT h.person_id AS authorizer_id, m.person_id AS beneficiary_id,
           h.region AS authorizer_region, m.region AS beneficiary_region,
           h.province AS authorizer_province, m.province AS beneficiary_province,
           CASE m.slot WHEN 1 THEN 'spouse'
                       WHEN 4 THEN 'father' WHEN 5 THEN 'mother'
                       ELSE CASE m.sex WHEN 'M' THEN 'son' ELSE 'daughter' END
           END AS relation,
           CASE WHEN h.province = '37' THEN 'pledge' ELSE 'documents' END AS basis,
           m.status = 'deceased' AS deceased, h.i AS authorizer_i, m.year AS beneficiary_year,
           m.name AS beneficiary_name, m.id17 AS beneficiary_id17,
           random() AS r_bind, random() AS r_state, random() AS r_path, random() AS r_s,
           random() AS r_before
      FROM seed_person h
      JOIN seed_person m ON m.f = h.f AND m.slot > 0
     WHERE h.slot = 0
),
planned AS (
    SELECT p.*,
           CASE WHEN p.r_state < 0.02 THEN NULL  -- blocked by the policy: no case taken in
                WHEN p.basis = 'pledge' THEN
                     CASE WHEN p.r_path < %(p_spot)s THEN 'spot'
                          WHEN p.r_path < %(p_pledge)s THEN 'pledge' END
                -- the binding of a beneficiary who died is ended: their case is not open
                WHEN p.r_path < %(p_open)s THEN
                     CASE WHEN p.deceased THEN 'returned' ELSE 'open' END
                WHEN p.r_path < %(p_returned_open)s THEN
                     CASE WHEN p.deceased THEN 'returned' ELSE 'returned_open' END
                WHEN p.r_path < %(p_returned)s THEN 'returned'
                WHEN p.r_path < %(p_returned_approved)s THEN 'returned_approved'
                WHEN p.r_path < %(p_returned_rejected)s THEN 'returned_rejected'
                ELSE 'approved' END AS bound_path
      FROM pair p
),
asked AS (
    SELECT p.*,
           %(start)s + p.r_s * (%(now)s - interval '3 days' - %(start)s) AS any_day,
           CASE p.bound_path
                -- open cases came in over the last weeks, most in the last one
                WHEN 'open' THEN %(now)s
                     - CASE WHEN p.r_s < 0.8 THEN p.r_s / 0.8 * interval '7 days'
                       ELSE interval '7 days' + (p.r_s - 0.8) / 0.2 * interval '23 days' END
                WHEN 'returned_open' THEN %(now)s - (20 + 40 * p.r_s) * interval '1 day'
                ELSE %(start)s + p.r_s * (%(now)s - interval '3 days' - %(start)s)
           END AS bound_at
      FROM planned p
)
SELECT a.*, a.bound_path AS path, a.bound_at AS asked_at FROM asked a WHERE a.r_bind < 0.85
UNION ALL
SELECT a.*, 'rejected', a.bound_at - (25 + 30 * a.r_before) * interval '1 day'
  FROM asked a
 WHERE a.basis = 'documents' AND a.r_bind < 0.85 AND a.r_before < %(p_rejected_before)s
   AND a.bound_at - (25 + 30 * a.r_before) * interval '1 day' >= %(start)s
UNION ALL
SELECT a.*, 'rejected', a.any_day
  FROM asked a
 WHERE a.basis = 'documents' AND a.r_bind >= 0.85
   AND a.r_bind < 0.85 + %(p_rejected_unbound)s;
"""

DECIDED = "('approved', 'rejected', 'returned', 'returned_approved', 'returned_rejected')"


def _bindings_sql() -> str:
    """Each request's review timeline and fate: who took it in and reviewed it (caseworkers
    of the authorizer's region, never the one who took it in; a supervisor for a
    reassignment or an overturn), when, and what that did to the binding."""
    now = "%(now)s"
    return f"""
CREATE TEMP TABLE seed_binding ON COMMIT DROP AS
SELECT nextval(pg_get_serial_sequence('accounts_binding', 'id')) AS id, w.*
  FROM (
    SELECT u.*,
           CASE WHEN u.proof_end_at IS NOT NULL
                     AND (u.other_end_at IS NULL OR u.proof_end_at <= u.other_end_at)
                THEN u.proof_end_at ELSE u.other_end_at END AS revoked_at,
           CASE WHEN u.proof_end_at IS NOT NULL
                     AND (u.other_end_at IS NULL OR u.proof_end_at <= u.other_end_at)
                THEN u.proof_end_reason ELSE coalesce(u.other_end_reason, '') END AS reason,
           CASE WHEN u.proof_end_at IS NOT NULL
                     AND (u.other_end_at IS NULL OR u.proof_end_at <= u.other_end_at)
                THEN u.proof_end_by END AS revoked_by
      FROM (
        SELECT v.*,
               -- a beneficiary who died: the enrolment import ended the binding, whatever
               -- its state; some active bindings ended for other reasons
               CASE WHEN v.deceased THEN coalesce(v.activated_at, v.requested_at)
                        + v.r_end * ({now} - coalesce(v.activated_at, v.requested_at))
                    WHEN v.activated_at IS NOT NULL AND v.r_revoke < 0.07
                        THEN v.activated_at + v.r_end * ({now} - v.activated_at)
               END AS other_end_at,
               CASE WHEN v.deceased THEN 'enrolment_ended'
                    WHEN v.activated_at IS NULL THEN NULL
                    WHEN v.r_revoke < 0.035 THEN 'authorizer_request'
                    WHEN v.r_revoke < 0.056 THEN 'caseworker'
                    WHEN v.r_revoke < 0.063 THEN 'supervisor'
                    WHEN v.r_revoke < 0.07 THEN 'left_employee'
               END AS other_end_reason
          FROM (
            SELECT t.*, t.s AS requested_at,
                   CASE WHEN t.path IS NULL AND t.r_state < 0.02 THEN 'blocked'
                        WHEN t.path IS NULL OR t.path IN ('pledge', 'spot', 'approved',
                                                          'returned_approved') THEN 'active'
                        ELSE 'pending' END AS first_state,
                   CASE WHEN t.path IS NULL AND t.r_state < 0.02 THEN NULL
                        WHEN t.path IS NULL OR t.path IN ('pledge', 'spot') THEN t.s
                        WHEN t.path = 'approved' THEN t.d
                        WHEN t.path = 'returned_approved' THEN t.d3
                   END AS activated_at,
                   CASE t.path WHEN 'approved' THEN t.reviewer_id
                               WHEN 'returned_approved' THEN t.b_id END AS activated_by,
                   CASE t.path WHEN 'rejected' THEN t.d
                               WHEN 'returned_rejected' THEN t.d3
                               WHEN 'approved' THEN t.o
                               WHEN 'spot' THEN CASE WHEN t.spot_failed THEN t.d END
                   END AS proof_end_at,
                   CASE t.path WHEN 'approved' THEN 'proof_overturned'
                               WHEN 'spot' THEN 'spot_check_failed'
                               ELSE 'proof_rejected' END AS proof_end_reason,
                   CASE t.path WHEN 'rejected' THEN t.reviewer_id
                               WHEN 'returned_rejected' THEN t.b_id
                               WHEN 'approved' THEN t.sup_id
                               WHEN 'spot' THEN t.a_id END AS proof_end_by,
                   CASE WHEN t.path IS NOT NULL THEN t.sub_id END AS requested_by
              FROM (
                -- what happened by now: the times of the steps taken, NULL for the others
                SELECT l.*, l.s0 - l.shift AS s,
                       CASE WHEN l.path IN {DECIDED} OR l.path = 'returned_open'
                                 THEN l.c0 - l.shift
                            WHEN l.path = 'spot' AND l.c0 <= {now} THEN l.c0
                            WHEN l.path = 'open' AND (l.claimed OR l.step = 'release')
                                 THEN l.c_open END AS c,
                       CASE WHEN l.step = '' THEN NULL
                            WHEN l.path = 'open' THEN l.c_open + ({now} - l.c_open) * l.r_x2
                            ELSE l.x0 - l.shift END AS x,
                       CASE WHEN l.step = 'release' AND l.path <> 'open'
                            THEN l.c20 - l.shift END AS c2,
                       CASE WHEN l.path IN {DECIDED} OR l.path = 'returned_open'
                                 THEN l.d0 - l.shift
                            WHEN l.path = 'spot' AND l.d0 <= {now} THEN l.d0 END AS d,
                       CASE WHEN l.path IN ('returned_approved', 'returned_rejected')
                                 THEN l.r0 - l.shift
                            WHEN l.path = 'returned_open' THEN l.resubmit_open END AS r,
                       CASE WHEN l.path IN ('returned_approved', 'returned_rejected')
                                 THEN l.c30 - l.shift
                            WHEN l.path = 'returned_open' AND l.claimed
                                 THEN l.resubmit_open
                                      + ({now} - l.resubmit_open) * l.r_c3 END AS c3,
                       CASE WHEN l.path IN ('returned_approved', 'returned_rejected')
                            THEN l.d30 - l.shift END AS d3,
                       CASE WHEN l.path = 'approved' AND l.r_over < %(p_overturned)s
                                 AND l.o0 - l.shift < {now} THEN l.o0 - l.shift END AS o
                  FROM (
                    SELECT k.*, t10.*, t11.*
                      FROM seed_timeline_base k
                     CROSS JOIN LATERAL (SELECT {review.at_work("k.o_raw", "k.r_od")} AS o0
                                         OFFSET 0) t10
                     CROSS JOIN LATERAL (
                        SELECT CASE WHEN k.c0 < {now} THEN k.c0
                                    ELSE k.s0 + ({now} - k.s0) * k.r_x END AS c_open,
                               {now} - ({now} - k.d0) * k.r_ret * k.r_ret AS resubmit_open
                        OFFSET 0) t11) l) t) v) u
     ORDER BY u.requested_at, u.authorizer_id, u.beneficiary_id) w;
"""


def _timeline_sql() -> str:
    """The review's steps of every request, one after the other in office hours (before
    anything is cut to what happened by now)."""
    now = "%(now)s"
    return f"""
CREATE TEMP TABLE seed_timeline_base ON COMMIT DROP AS
SELECT q.*,
       -- a decided case that would end after now happened earlier, the same weekday
       CASE WHEN q.path IN {DECIDED}
                 AND q.fin > {now} - interval '10 minutes'
            THEN ceil(extract(epoch FROM q.fin - ({now} - interval '10 minutes')) / 604800)
                 * interval '7 days'
            ELSE interval '0' END AS shift
  FROM (
    SELECT k.*, t1.*, t2.*, t3.*, t4.*, t4c.*, t5.*, t5b.o_raw, t6.*, t7.*, t8.*,
           CASE WHEN k.path IN ('returned_approved', 'returned_rejected') THEN t8.d30
                ELSE t5.d0 END AS fin
      FROM (
        SELECT d.*, sc.user_id AS sub_id, ua.user_id AS a_id, ub.user_id AS b_id,
               sv.user_id AS sup_id,
               CASE WHEN d.step IN ('release', 'reassign') THEN ub.user_id ELSE ua.user_id END
                   AS reviewer_id
          FROM (
            SELECT g.*,
                   CASE WHEN g.path IS NULL THEN NULL
                        WHEN g.basis = 'pledge' THEN 'pledge'
                        WHEN g.r_ch < %(p_batch)s THEN 'batch' ELSE 'counter' END AS channel,
                   g.r_open < %(p_claimed)s AS claimed,
                   g.r_fail < %(p_spot_failed)s AS spot_failed,
                   CASE WHEN g.path IN ('approved', 'rejected') THEN
                             CASE WHEN g.r_step < 0.03 THEN 'release'
                                  WHEN g.r_step < 0.05 THEN 'reassign' ELSE '' END
                        WHEN g.path = 'open' AND g.r_open >= %(p_claimed)s AND g.r_step < 0.1
                             THEN 'release'
                        WHEN g.path = 'open' AND g.r_open < %(p_claimed)s AND g.r_step < 0.05
                             THEN 'reassign'
                        ELSE '' END AS step,
                   -- the caseworkers: who took it in, who reviewed it, another one
                   floor(g.r_u1 * cw.n)::int AS k_sub,
                   1 + floor(g.r_u2 * (cw.n - 1))::int AS o_a,
                   cw.n, coalesce(sv.n, 1) AS sup_n
              FROM (
                SELECT a.*, random() AS r_ch, random() AS r_h, random() AS r_w1,
                       random() AS r_w2, random() AS r_x, random() AS r_x2, random() AS r_step,
                       random() AS r_ret, random() AS r_c3, random() AS r_d3, random() AS r_over,
                       random() AS r_od, random() AS r_fail, random() AS r_open, random() AS r_u1,
                       random() AS r_u2, random() AS r_u3, random() AS r_u4,
                       random() AS r_revoke, random() AS r_end, random() AS r_doc,
                       random() AS r_reason, random() AS r_note, random() AS r_missing,
                       random() AS r_agent, random() AS r_pages, random() AS r_next,
                       random() AS r_approve_note, random() AS r_over_note
                  FROM seed_attempt a) g
              LEFT JOIN seed_caseworkers cw ON cw.region = g.authorizer_region
              LEFT JOIN seed_supervisors sv ON sv.province = g.authorizer_province) d
          LEFT JOIN seed_staff sc ON sc.role = 'caseworker' AND sc.region = d.authorizer_region
               AND sc.k = 1 + d.k_sub
          LEFT JOIN seed_staff ua ON ua.role = 'caseworker' AND ua.region = d.authorizer_region
               AND ua.k = 1 + (d.k_sub + d.o_a) %% d.n
          LEFT JOIN seed_staff ub ON ub.role = 'caseworker' AND ub.region = d.authorizer_region
               AND ub.k = 1 + (d.k_sub + 1 + (d.o_a + floor(d.r_u3 * (d.n - 2))::int)
                               %% (d.n - 1)) %% d.n
          LEFT JOIN seed_staff sv ON sv.role = 'supervisor'
               AND sv.province = d.authorizer_province
               AND sv.k = 1 + floor(d.r_u4 * d.sup_n)::int) k
     -- taken in: at the counter in office hours, by batch at night
     CROSS JOIN LATERAL (
        SELECT CASE WHEN k.channel = 'batch'
                    THEN ((k.asked_at AT TIME ZONE %(zone)s)::date + time '19:00'
                          + k.r_h * interval '3 hours') AT TIME ZONE %(zone)s
                    ELSE {review.at_work("k.asked_at", "k.r_h")} END AS s1 OFFSET 0) t1
     CROSS JOIN LATERAL (
        SELECT CASE WHEN t1.s1 > {now} - interval '1 minute' THEN t1.s1 - interval '7 days'
                    ELSE t1.s1 END AS s0 OFFSET 0) t2
     -- claimed minutes to days later; released or reassigned a little later, claimed again
     CROSS JOIN LATERAL (SELECT t2.s0 + {review.claim_wait("k.r_w1")} AS c_raw OFFSET 0) t2b
     CROSS JOIN LATERAL (SELECT {review.at_work("t2b.c_raw", "k.r_w2")} AS c0 OFFSET 0) t3
     CROSS JOIN LATERAL (
        SELECT t3.c0 + interval '10 minutes' * exp(k.r_x * ln(18)) AS x_raw OFFSET 0) t3b
     CROSS JOIN LATERAL (SELECT {review.at_work("t3b.x_raw", "k.r_x")} AS x0 OFFSET 0) t4
     CROSS JOIN LATERAL (
        SELECT t4.x0 + interval '5 minutes' * exp(k.r_x2 * ln(288)) AS c2_raw OFFSET 0) t4b
     CROSS JOIN LATERAL (SELECT {review.at_work("t4b.c2_raw", "k.r_x2")} AS c20 OFFSET 0) t4c
     -- decided minutes to hours after the (last) claim
     CROSS JOIN LATERAL (
        SELECT CASE k.step WHEN 'release' THEN t4c.c20 WHEN 'reassign' THEN t4.x0
                    ELSE t3.c0 END + {review.review_time("k.r_w2")} AS d_raw OFFSET 0) t4d
     CROSS JOIN LATERAL (SELECT {review.at_work("t4d.d_raw", "k.r_w1")} AS d0 OFFSET 0) t5
     -- a returned case resubmitted one to 25 days later, claimed and decided again
     CROSS JOIN LATERAL (
        SELECT t5.d0 + interval '1 day' * exp(k.r_ret * ln(25)) AS r_raw,
               t5.d0 + interval '1 day' * exp(k.r_od * ln(40)) AS o_raw OFFSET 0) t5b
     CROSS JOIN LATERAL (SELECT {review.at_work("t5b.r_raw", "k.r_ret")} AS r0 OFFSET 0) t6
     CROSS JOIN LATERAL (SELECT t6.r0 + {review.claim_wait("k.r_c3")} AS c3_raw OFFSET 0) t6b
     CROSS JOIN LATERAL (SELECT {review.at_work("t6b.c3_raw", "k.r_d3")} AS c30 OFFSET 0) t7
     CROSS JOIN LATERAL (SELECT t7.c30 + {review.review_time("k.r_d3")} AS d3_raw OFFSET 0) t7b
     CROSS JOIN LATERAL (SELECT {review.at_work("t7b.d3_raw", "k.r_c3")} AS d30 OFFSET 0) t8
  ) q;
"""


INSERT_BINDINGS_SQL = """
INSERT INTO accounts_binding (id, authorizer_id, beneficiary_id, relation, basis, status,
                              starts_on, policy_version_id, decision, requested_at,
                              requested_by_id, activated_at, revoked_at, revoked_by_id,
                              revoke_reason, revoke_note, updated_at)
SELECT b.id, b.authorizer_id, b.beneficiary_id, b.relation, b.basis,
       CASE WHEN b.revoked_at IS NOT NULL THEN 'revoked' ELSE b.first_state END,
       (b.requested_at AT TIME ZONE %(zone)s)::date, sp.version_id, '{}'::jsonb,
       b.requested_at, b.requested_by, b.activated_at, b.revoked_at, b.revoked_by, b.reason,
       '', coalesce(b.revoked_at, b.activated_at, b.requested_at)
  FROM seed_binding b
  -- judged by the version in force when it was asked for, or when it was activated
  LEFT JOIN seed_policy sp ON sp.region = b.authorizer_region
       AND sp.day = (coalesce(b.activated_at, b.requested_at) AT TIME ZONE %(zone)s)::date
 ORDER BY b.id;
"""

#: what the binding services record: the request, the activation after review, the end
BINDING_EVENTS_SQL = """
INSERT INTO accounts_auditevent (at, actor_id, via, action, target_type_id, target_id,
                                 from_state, to_state, reason_code, note, params)
SELECT at, actor_id, CASE WHEN actor_id IS NULL THEN 'command' ELSE 'admin' END, action,
       %(binding_type)s, id::text, from_state, to_state, reason, '', params
  FROM (SELECT id, requested_at AS at, requested_by AS actor_id, 'binding.request' AS action,
               '' AS from_state,
               CASE WHEN basis = 'pledge' AND first_state = 'active' THEN 'active'
                    WHEN first_state = 'blocked' THEN 'blocked' ELSE 'pending' END AS to_state,
               '' AS reason, '{}'::jsonb AS params, 1 AS n
          FROM seed_binding
        UNION ALL
        SELECT id, activated_at, activated_by, 'binding.activate', 'pending', 'active', '',
               '{}'::jsonb, 2
          FROM seed_binding WHERE basis = 'documents' AND activated_at IS NOT NULL
        UNION ALL
        SELECT id, revoked_at, revoked_by, 'binding.revoke',
               CASE WHEN activated_at IS NULL THEN first_state ELSE 'active' END, 'revoked', reason,
               CASE WHEN reason = 'enrolment_ended' THEN '{"automatic": true}'::jsonb
                    ELSE '{}'::jsonb END, 3
          FROM seed_binding WHERE revoked_at IS NOT NULL) e
 ORDER BY at, id, n;
"""

#: payments and transfers over each binding's active days, as many as asked in all
MOVEMENTS_SQL = """
CREATE TEMP TABLE seed_move ON COMMIT DROP AS
WITH live AS (
    SELECT b.*, coalesce(b.revoked_at, %(now)s - interval '1 minute') AS live_until
      FROM seed_binding b WHERE b.activated_at IS NOT NULL
),
rate AS (
    SELECT %(movements)s / greatest(sum(extract(epoch FROM live_until - activated_at)), 1)
           AS per_second
      FROM live
),
drawn AS (
    SELECT l.id AS binding_id, l.authorizer_id, l.beneficiary_id, l.authorizer_province,
           l.beneficiary_province,
           l.activated_at + random() * (l.live_until - l.activated_at) AS at,
           random() AS r_mode, random() AS r_use, random() AS r_amount, random() AS r_fate,
           random() AS r_later, random() AS r_spend
      FROM live l CROSS JOIN rate
     CROSS JOIN LATERAL generate_series(
         1, floor(0.5 + 2 * random() * rate.per_second
                  * extract(epoch FROM l.live_until - l.activated_at))::int) g
),
moved AS (
    SELECT d.*,
           CASE WHEN d.authorizer_province <> d.beneficiary_province OR d.r_mode < 0.07
                THEN 'wallet' ELSE 'direct' END AS mode,
           (date_trunc('day', d.at AT TIME ZONE %(zone)s) + interval '1 day 6 hours')
               AT TIME ZONE %(zone)s AS deadline
      FROM drawn d
)
SELECT row_number() OVER (ORDER BY m.at) AS n, m.binding_id, m.authorizer_id,
       m.beneficiary_id, m.mode, m.at, m.deadline,
       CASE WHEN m.mode = 'wallet' THEN ''
            WHEN m.r_use < 0.35 THEN 'outpatient' WHEN m.r_use < 0.75 THEN 'pharmacy'
            WHEN m.r_use < 0.83 THEN 'inpatient' WHEN m.r_use < 0.97 THEN 'resident_premium'
            ELSE 'ltc_premium' END AS use,
       round((CASE WHEN m.mode = 'wallet'
                   THEN (ARRAY[100, 200, 300, 500, 800, 1000])[1 + floor(m.r_amount * 6)::int]
                   WHEN m.r_use < 0.35 THEN 20 + m.r_amount * 380
                   WHEN m.r_use < 0.75 THEN 10 + m.r_amount * 290
                   WHEN m.r_use < 0.83 THEN 300 + m.r_amount * 5700
                   WHEN m.r_use < 0.97 THEN 400
                   ELSE 50 + m.r_amount * 150 END)::numeric, 2) AS amount,
       CASE WHEN m.mode = 'direct' THEN
                 CASE WHEN m.r_fate < 0.003 AND m.at + interval '5 days' < %(now)s
                      THEN 'reversed' ELSE 'paid' END
            WHEN m.deadline > %(now)s THEN 'pending'
            WHEN m.r_fate < 0.85 THEN 'accepted'
            WHEN m.r_fate < 0.97 THEN 'returned'
            ELSE 'reversed' END AS fate,
       m.r_later, m.r_spend
  FROM moved m;
ALTER TABLE seed_move ADD COLUMN journal_id bigint, ADD COLUMN later_id bigint,
    ADD COLUMN later_at timestamptz, ADD COLUMN spend_id bigint,
    ADD COLUMN spend_at timestamptz, ADD COLUMN spend_amount numeric(14, 2),
    ADD COLUMN spend_use varchar(32);
UPDATE seed_move SET
    journal_id = nextval(pg_get_serial_sequence('accounts_journal', 'id')),
    later_id = CASE WHEN fate IN ('accepted', 'returned', 'reversed')
                    THEN nextval(pg_get_serial_sequence('accounts_journal', 'id')) END,
    later_at = CASE fate
        WHEN 'accepted' THEN at + (1 + r_later * 179) * interval '1 minute'
        WHEN 'returned' THEN deadline
        WHEN 'reversed' THEN CASE mode WHEN 'direct' THEN at + (1 + r_later * 4) * interval '1 day'
                                       ELSE at + interval '30 minutes' END
    END;
UPDATE seed_move SET
    spend_at = later_at + r_spend * 20 * interval '1 day',
    spend_amount = round(amount * (0.5 + r_spend / 2)::numeric, 2),
    spend_use = (ARRAY['pharmacy', 'outpatient', 'pharmacy', 'inpatient'])
                    [1 + floor(r_spend * 4)::int],
    spend_id = nextval(pg_get_serial_sequence('accounts_journal', 'id'))
 WHERE fate = 'accepted' AND r_spend < 0.5 AND later_at + r_spend * 20 * interval '1 day' < %(now)s;
"""

#: each past month, an enrollment import lowers a twentieth of the personal accounts
OWN_SPENDING_SQL = """
CREATE TEMP TABLE seed_own ON COMMIT DROP AS
SELECT (m + interval '14 days 3 hours') AT TIME ZONE %(zone)s AS booked_at,
       to_char(m, 'YYYY-MM') AS month, p.person_id,
       round((20 + random() * 480)::numeric, 2) AS amount
  FROM generate_series(%(first)s::timestamp, %(last_past)s::timestamp, interval '1 month') m
  CROSS JOIN seed_person p
 WHERE p.insurance_type = 'employee' AND random() < 0.05;
CREATE TEMP TABLE seed_own_journal ON COMMIT DROP AS
SELECT month, booked_at, nextval(pg_get_serial_sequence('accounts_journal', 'id')) AS id
  FROM (SELECT DISTINCT month, booked_at FROM seed_own) m;
"""

#: opened with what they will pay, and a balance left over
ACCOUNTS_SQL = """
INSERT INTO accounts_personalaccount (person_id, balance, updated_at)
SELECT p.person_id, round((500 + random() * 19500)::numeric, 2) + coalesce(d.debits, 0),
       %(now)s
  FROM seed_person p
  LEFT JOIN (SELECT person_id, sum(amount) AS debits
               FROM (SELECT authorizer_id AS person_id, amount FROM seed_move
                     UNION ALL SELECT person_id, amount FROM seed_own) x
              GROUP BY person_id) d ON d.person_id = p.person_id
 WHERE p.insurance_type = 'employee'
 ORDER BY p.person_id;
"""

WALLETS_SQL = """
INSERT INTO accounts_wallet (person_id, balance, updated_at)
SELECT DISTINCT beneficiary_id, 0, %(now)s FROM seed_move WHERE mode = 'wallet'
ON CONFLICT DO NOTHING;
"""

JOURNALS_SQL = """
INSERT INTO accounts_journal (id, kind, reference, created_at, via, binding_id, memo, params,
                              reverses_id)
SELECT id, kind, reference, created_at, 'command', binding_id, '', params, reverses_id
  FROM (
    SELECT journal_id AS id,
           CASE mode WHEN 'direct' THEN 'direct_payment' ELSE 'wallet_transfer' END AS kind,
           'seed:' || mode || ':' || n AS reference, at AS created_at, binding_id,
           jsonb_build_object('binding', binding_id, 'amount', amount::text, 'use', use)
               AS params, NULL::bigint AS reverses_id
      FROM seed_move
    UNION ALL
    SELECT later_id,
           CASE fate WHEN 'accepted' THEN 'transfer_accept' WHEN 'returned' THEN 'transfer_return'
                     ELSE 'reversal' END,
           'seed:' || mode || ':' || n || ':' || fate, later_at, binding_id,
           jsonb_build_object('seed', n),
           CASE WHEN fate = 'reversed' THEN journal_id END
      FROM seed_move WHERE later_id IS NOT NULL
    UNION ALL
    SELECT spend_id, 'wallet_spend', 'seed:spend:' || n, spend_at, NULL,
           jsonb_build_object('person', beneficiary_id, 'use', spend_use,
                              'amount', spend_amount::text), NULL
      FROM seed_move WHERE spend_id IS NOT NULL
    UNION ALL
    SELECT id, 'import_adjustment', 'seed:import:' || month, booked_at, NULL, '{}'::jsonb,
           NULL
      FROM seed_own_journal
  ) j
 ORDER BY id;
"""

#: the entries of every journal in one statement (the balance trigger sums each once)
ENTRIES_SQL = """
INSERT INTO accounts_ledgerentry (journal_id, account_kind, person_id, amount)
SELECT journal_id, account_kind, person_id, amount FROM (
    -- the movement: out of the personal account, to settlement or into the transfer hold
    SELECT journal_id, 1 AS n, 'personal' AS account_kind, authorizer_id AS person_id,
           -amount AS amount
      FROM seed_move
    UNION ALL
    SELECT journal_id, 2,
           CASE WHEN mode = 'wallet' THEN 'transfer_hold'
                WHEN use IN ('resident_premium', 'ltc_premium') THEN 'premium_collection'
                ELSE 'settlement' END,
           CASE WHEN mode = 'wallet' THEN authorizer_id END, amount
      FROM seed_move
    UNION ALL
    -- what came after: accepted into the wallet, returned, or reversed
    SELECT later_id, 1, 'transfer_hold', authorizer_id, -amount
      FROM seed_move WHERE mode = 'wallet' AND later_id IS NOT NULL
    UNION ALL
    SELECT later_id, 2, CASE fate WHEN 'accepted' THEN 'wallet' ELSE 'personal' END,
           CASE fate WHEN 'accepted' THEN beneficiary_id ELSE authorizer_id END, amount
      FROM seed_move WHERE mode = 'wallet' AND later_id IS NOT NULL
    UNION ALL
    SELECT later_id, 1, 'personal', authorizer_id, amount
      FROM seed_move WHERE mode = 'direct' AND later_id IS NOT NULL
    UNION ALL
    SELECT later_id, 2,
           CASE WHEN use IN ('resident_premium', 'ltc_premium') THEN 'premium_collection'
                ELSE 'settlement' END, NULL, -amount
      FROM seed_move WHERE mode = 'direct' AND later_id IS NOT NULL
    UNION ALL
    -- the beneficiary paying from the wallet
    SELECT spend_id, 1, 'wallet', beneficiary_id, -spend_amount
      FROM seed_move WHERE spend_id IS NOT NULL
    UNION ALL
    SELECT spend_id, 2, 'settlement', NULL, spend_amount FROM seed_move WHERE spend_id IS NOT NULL
    UNION ALL
    -- the balances imports lowered, and the import account that balances them
    SELECT j.id, 1, 'personal', o.person_id, -o.amount
      FROM seed_own o JOIN seed_own_journal j USING (month)
    UNION ALL
    SELECT j.id, 2, 'import_adjustment', NULL, sum(o.amount)
      FROM seed_own o JOIN seed_own_journal j USING (month) GROUP BY j.id
  ) e
 ORDER BY journal_id, n;
"""

PAYMENTS_SQL = """
INSERT INTO accounts_payment (binding_id, use, bill_amount, amount, journal_id, reversal_id,
                              created_at)
SELECT binding_id, use, round(amount / 0.6, 2), amount, journal_id,
       CASE WHEN fate = 'reversed' THEN later_id END, at
  FROM seed_move WHERE mode = 'direct' ORDER BY n;
"""

TRANSFERS_SQL = """
INSERT INTO accounts_wallettransfer (authorizer_id, beneficiary_id, binding_id, amount, status,
                                     created_at, deadline, accepted_at, returned_at,
                                     journal_id, accept_journal_id, return_journal_id,
                                     reversal_id)
SELECT authorizer_id, beneficiary_id, binding_id, amount, fate, at, deadline,
       CASE WHEN fate = 'accepted' THEN later_at END,
       CASE WHEN fate = 'returned' THEN later_at END, journal_id,
       CASE WHEN fate = 'accepted' THEN later_id END,
       CASE WHEN fate = 'returned' THEN later_id END,
       CASE WHEN fate = 'reversed' THEN later_id END
  FROM seed_move WHERE mode = 'wallet' ORDER BY n;
"""

BALANCES_SQL = """
UPDATE accounts_personalaccount a SET balance = s.total, updated_at = %(now)s
  FROM (SELECT e.person_id, sum(e.amount) AS total
          FROM accounts_ledgerentry e JOIN seed_person p ON p.person_id = e.person_id
         WHERE e.account_kind = 'personal'
         GROUP BY e.person_id) s
 WHERE a.person_id = s.person_id AND a.balance <> s.total;
"""

WALLET_BALANCES_SQL = """
UPDATE accounts_wallet w SET balance = s.total, updated_at = %(now)s
  FROM (SELECT e.person_id, sum(e.amount) AS total
          FROM accounts_ledgerentry e JOIN seed_person p ON p.person_id = e.person_id
         WHERE e.account_kind = 'wallet'
         GROUP BY e.person_id) s
 WHERE w.person_id = s.person_id;
"""
