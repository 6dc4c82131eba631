"""Benchmark: the review of kinship proofs with 300,000 cases in the tables.

    .venv/bin/python bench/review.py [CASES]     (default 300,000)

Uses its own database (``portal_bench_review`` on the embedded server, or the server in
DATABASE_URL with the database name replaced). Seeds the demo (for its users), then fills
the tables once by set-based SQL, not the services: two persons and a binding per case, the
cases (a third in 370100 济南, caseworker1's; a tenth of all waiting, a twentieth in review,
the rest decided), one or two pages each with a reading, and their events. Then times, through
Django's test client (no network), the queue's tabs, "claim next" and the review screen,
printing the median server time of 5 requests and the number of queries of each.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _benchdb import setup

setup("portal_bench_review")

from django.conf import settings  # noqa: E402

settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import KinshipProof  # noqa: E402

CASES = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
REPEAT = 5
#: the regions the cases are spread over (370100 takes a third)
REGIONS = ("370100", "370200", "440300", "440100", "110000", "430100", "510100")

FILL = """
-- persons: two a case, ID numbers of the right shape (the benchmark's own address codes)
INSERT INTO accounts_insuredperson (national_id, name, sex, birth_date, insurance_type,
    enrolled_on, status, mobile, created_at, updated_at, region_id)
SELECT substr(r.code, 1, 4) || '89' || to_char(date '1950-01-01' + (g %% 20000), 'YYYYMMDD')
       || lpad((g / 20000 %% 1000)::text, 3, '0') || (g %% 10)::text,
       '基准' || g, CASE WHEN g %% 2 = 0 THEN 'M' ELSE 'F' END,
       date '1950-01-01' + (g %% 20000), 'employee', date '2010-01-01', 'active',
       '10' || lpad(g::text, 9, '0'), now(), now(), r.code
FROM generate_series(0, %(persons)s - 1) AS g
JOIN LATERAL (SELECT CASE WHEN (g / 2) %% 3 = 0 THEN '370100'
              ELSE (%(regions)s)[1 + (g / 2) %% %(n_regions)s] END AS code) r ON true;

-- pair i: persons 2i (the authorizer) and 2i + 1, found by their mobile numbers
CREATE TEMPORARY TABLE bench_pair AS
SELECT g AS i, a.id AS authorizer_id, b.id AS beneficiary_id, a.region_id,
       b.region_id AS beneficiary_region_id
FROM generate_series(0, %(persons)s / 2 - 1) AS g
JOIN accounts_insuredperson a ON a.mobile = '10' || lpad((2 * g)::text, 9, '0')
JOIN accounts_insuredperson b ON b.mobile = '10' || lpad((2 * g + 1)::text, 9, '0');

-- the case's state: 0-9 waiting (10%%), 10-14 in review (5%%), then decided
CREATE TEMPORARY TABLE bench_case AS
SELECT p.*, (p.i::bigint * 7919) %% 100 AS roll,
       now() - ((p.i %% 700) || ' days')::interval - ((p.i %% 600) || ' minutes')::interval
           AS submitted_at
FROM bench_pair p;

INSERT INTO accounts_binding (relation, basis, status, starts_on, decision, requested_at,
    revoke_reason, revoke_note, updated_at, authorizer_id, beneficiary_id, policy_version_id,
    revoked_at, activated_at)
SELECT 'spouse', 'documents',
       CASE WHEN c.roll < 15 THEN 'pending' WHEN c.roll < 80 THEN 'active' ELSE 'revoked' END,
       c.submitted_at::date,
       '{"allowed": false, "violations": [{"code": "proof_missing", "template": "proof_missing",
         "params": {}, "side": "authorizer"}], "red_flags": []}'::jsonb,
       c.submitted_at, CASE WHEN c.roll >= 80 THEN 'proof_rejected' ELSE '' END, '', now(),
       c.authorizer_id, c.beneficiary_id, %(version)s,
       CASE WHEN c.roll >= 80 THEN c.submitted_at + interval '2 days' END,
       CASE WHEN c.roll BETWEEN 15 AND 79 THEN c.submitted_at + interval '2 days' END
FROM bench_case c;

INSERT INTO accounts_kinshipproof (case_number, relation, document_type, status, channel,
    applicant, contact_phone, agent_name, agent_national_id, external_ref, is_spot_check,
    submitted_at, claimed_at, decided_at, reject_reason, missing, decision_note, updated_at,
    authorizer_id, beneficiary_id, beneficiary_region_id, binding_id, claimed_by_id,
    decided_by_id, region_id, submitted_by_id)
SELECT 'BJ' || lpad(c.i::text, 12, '0'), 'spouse', 'marriage_certificate',
       CASE WHEN c.roll < 10 THEN 'submitted' WHEN c.roll < 15 THEN 'in_review'
            WHEN c.roll < 80 THEN 'approved' WHEN c.roll < 92 THEN 'rejected'
            ELSE 'returned' END,
       'counter', 'authorizer', '', '', '', '', false, c.submitted_at,
       CASE WHEN c.roll BETWEEN 10 AND 14 THEN c.submitted_at + interval '1 hour' END,
       CASE WHEN c.roll >= 15 THEN c.submitted_at + interval '2 days' END,
       CASE WHEN c.roll BETWEEN 80 AND 91 THEN 'illegible' ELSE '' END,
       CASE WHEN c.roll >= 92 THEN '["beneficiary_page"]'::jsonb ELSE '[]'::jsonb END,
       '', now(), c.authorizer_id, c.beneficiary_id, c.beneficiary_region_id, b.id,
       CASE WHEN c.roll BETWEEN 10 AND 14 THEN %(reviewer)s END,
       CASE WHEN c.roll BETWEEN 15 AND 91 THEN %(reviewer)s END,
       c.region_id, %(intake)s
FROM bench_case c JOIN accounts_binding b
  ON b.authorizer_id = c.authorizer_id AND b.beneficiary_id = c.beneficiary_id;

INSERT INTO accounts_proofpage (number, file, content_type, extension, pdf_page, image,
    thumbnail, size, width, height, sha256, phash, original_name, uploaded_at, ocr_status,
    ocr_text, ocr_boxes, ocr_ids, ocr_engine, ocr_at, ocr_error, proof_id, uploaded_by_id)
SELECT n, 'proofs/' || p.id || '/x.jpg', 'image/jpeg', '.jpg', 0, '',
       'proofs/' || p.id || '/thumbs/x-0.jpg', 200000, 1100, 760,
       md5(p.id || '-' || n) || md5(n || '-' || p.id),
       substr(md5('p' || p.id || n), 1, 16), 'page.jpg', p.submitted_at, 'done',
       '姓名 ' || a.name || E'\\n公民身份号码 ' || a.national_id,
       jsonb_build_array(
           jsonb_build_object('text', '姓名 ' || a.name, 'score', 0.99,
               'box', '[[100,150],[400,150],[400,190],[100,190]]'::jsonb),
           jsonb_build_object('text', '公民身份号码 ' || a.national_id, 'score', 0.99,
               'box', '[[100,440],[700,440],[700,480],[100,480]]'::jsonb)),
       ARRAY[a.national_id], 'bench', p.submitted_at, '', p.id, %(intake)s
FROM accounts_kinshipproof p
JOIN accounts_insuredperson a ON a.id = p.authorizer_id
CROSS JOIN LATERAL generate_series(1, 1 + (p.id %% 2)::int) AS n
WHERE p.case_number LIKE 'BJ%%';

INSERT INTO accounts_proofevent (at, via, action, from_state, to_state, reason_code, note,
    params, actor_id, proof_id)
SELECT p.submitted_at, 'admin', 'submit', '', 'submitted', '', '', '{}'::jsonb, %(intake)s, p.id
FROM accounts_kinshipproof p WHERE p.case_number LIKE 'BJ%%'
UNION ALL
SELECT p.submitted_at + interval '1 hour', 'admin', 'claim', 'submitted', 'in_review', '', '',
       '{}'::jsonb, %(reviewer)s, p.id
FROM accounts_kinshipproof p WHERE p.case_number LIKE 'BJ%%' AND p.status <> 'submitted'
UNION ALL
SELECT p.decided_at, 'admin', CASE p.status WHEN 'returned' THEN 'return'
       WHEN 'approved' THEN 'approve' ELSE 'reject' END, 'in_review', p.status,
       p.reject_reason, '', '{}'::jsonb, %(reviewer)s, p.id
FROM accounts_kinshipproof p
WHERE p.case_number LIKE 'BJ%%' AND p.status IN ('approved', 'rejected', 'returned');
"""


def fill(cases: int) -> None:
    """Fill the tables with ``cases`` cases by SQL (only when there are none yet)."""
    have = KinshipProof.objects.filter(case_number__startswith="BJ").count()
    if have:
        print(f"tables already hold {have:,} benchmark cases")
        return
    from django.contrib.auth.models import User

    from policies.selectors import policy_for

    version = policy_for("370100", dt.date.today())
    params = {
        "persons": cases * 2,
        "regions": "ARRAY[" + ",".join(f"'{r}'" for r in REGIONS[1:]) + "]",
        "n_regions": len(REGIONS) - 1,
        "version": version.pk,
        "reviewer": User.objects.get(username="caseworker1").pk,
        "intake": User.objects.get(username="admin").pk,
    }
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in (FILL % params).split(";\n"):
            if statement.strip():
                step = time.perf_counter()
                cursor.execute(statement)
                print(
                    f"  {statement.strip().splitlines()[0][:70]:<72} "
                    f"{time.perf_counter() - step:6.1f} s"
                )
    with connection.cursor() as cursor:
        for table in ("insuredperson", "binding", "kinshipproof", "proofpage", "proofevent"):
            cursor.execute(f"VACUUM ANALYZE accounts_{table}")
    print(f"filled {cases:,} cases in {time.perf_counter() - start:.1f} s")


def timed(client: Client, url: str, method: str = "get", data=None) -> tuple[float, int, object]:
    times, queries, response = [], 0, None
    getattr(client, method)(url, data or {})  # warm caches
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = getattr(client, method)(url, data or {})
            times.append(time.perf_counter() - start)
        assert response.status_code in (200, 302), (url, response.status_code)
        queries = len(ctx.captured_queries)
    return statistics.median(times) * 1000, queries, response


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    fill(CASES)
    total = KinshipProof.objects.count()
    jinan = KinshipProof.objects.filter(region_id="370100")
    print(
        f"\n{total:,} cases ({jinan.count():,} in 370100, "
        f"{jinan.filter(status='submitted').count():,} of them waiting); "
        f"median of {REPEAT} requests\n"
    )
    queue = "/admin/accounts/kinshipproof/"
    case = jinan.filter(status="submitted", case_number__startswith="BJ").order_by("id")[500]
    decided = jinan.filter(status="approved", case_number__startswith="BJ").order_by("id")[500]
    rows = [
        ("caseworker1", "queue: open cases (default)", queue),
        ("caseworker1", "queue: my cases", f"{queue}?queue=mine"),
        ("caseworker1", "queue: unclaimed", f"{queue}?queue=unclaimed"),
        ("caseworker1", "queue: past the deadline", f"{queue}?queue=overdue"),
        ("caseworker1", "queue: decided, page 20", f"{queue}?queue=decided&p=20"),
        ("caseworker1", "queue: search a case number", f"{queue}?q={case.case_number}"),
        ("supervisor1", "queue: province 37, open", queue),
        ("admin", "queue: every region, open", queue),
        ("caseworker1", "review screen (waiting case)", f"{queue}{case.pk}/review/"),
        ("caseworker1", "review screen (approved case)", f"{queue}{decided.pk}/review/"),
        ("supervisor1", "case page (approved, overturn form)", f"{queue}{decided.pk}/change/"),
    ]
    print(f"{'user':<12} {'page':<40} {'ms':>8} {'queries':>8}")
    clients = {}
    for user, label, url in rows:
        client = clients.setdefault(user, Client())
        client.login(username=user, password="demo-pass-2026")
        ms, queries, _ = timed(client, url)
        print(f"{user:<12} {label:<40} {ms:8.1f} {queries:8d}")
    # claim next: each press claims the oldest waiting case of 370100, then releases it so
    # that the next press finds the queue as it was (the release is not timed)
    client = clients["caseworker1"]
    times, counts = [], []
    for _ in range(REPEAT + 1):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.post(f"{queue}claim-next/")
            times.append(time.perf_counter() - start)
        counts.append(len(ctx.captured_queries))
        assert response.status_code == 302 and "/review/" in response.url, response
        pk = int(response.url.split("/")[-3])
        client.post(f"{queue}{pk}/review/", {"step": "release"})
    ms = statistics.median(times[1:]) * 1000
    print(f"{'caseworker1':<12} {'claim next (POST, redirect)':<40} {ms:8.1f} {counts[-1]:8d}")


if __name__ == "__main__":
    main()
