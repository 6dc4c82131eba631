"""The review side of the large data set (``reports.seeding``): caseworkers and supervisors,
and the kinship proofs (亲属关系证明) behind the bindings, as the review services leave them.

What a case goes through is drawn with its binding (``BINDINGS_SQL`` of ``reports.seeding``:
its ``path``, who took it in and reviewed it, and when), because the case decides the
binding's fate: an approval activates it, a rejection ends the pending request, a failed spot
check or an overturned approval revokes it. This module writes the rest, set-based: the cases
with their fields as ``accounts.services.proofs`` sets them, and one ``ProofEvent`` per step
in order (submit, claim, release or reassign, approve / reject / return, resubmit, overturn).

The paths (``path`` of a binding; none for a binding requested without a case):

- ``pledge``: a signed commitment letter (承诺制) at the counter, approved at intake;
- ``spot``: such a letter drawn for a spot check: claimed and decided like any case, a
  failed one revoking the binding (open when its review has not ended by now);
- ``approved``, ``rejected``, ``returned``: documents reviewed once; a few approvals are
  overturned by a supervisor later; a few cases are released or reassigned on the way;
- ``returned_approved``, ``returned_rejected``: returned, resubmitted, then decided;
- ``open``, ``returned_open``: waiting or in review now (taken in over the last weeks, some
  past the deadline), the second after a return and a resubmission.

Times are Beijing office hours (Monday to Friday, 08:30–12:00 and 13:30–17:30), holidays not
counted; a batch is taken in at night. No page files are written: the queue shows a case
without a thumbnail and the review screen without pages, nothing more.
"""

from __future__ import annotations

from psycopg.types.json import Jsonb

from accounts.choices import MissingDocument, RejectReason
from policies.relations import DocumentType

#: caseworkers a region has: one per this many families, within the bounds
FAMILIES_PER_CASEWORKER = 2500
CASEWORKERS = (3, 10)
#: supervisors a province has: one per this many families, within the bounds
FAMILIES_PER_SUPERVISOR = 40_000
SUPERVISORS = (1, 3)

#: the share of the bound pairs each path takes (cumulative, drawn on ``r_path``); a pledge
#: province's pairs take ``spot`` and ``pledge``, the others the rest
PATHS = {
    "p_spot": 0.006,  # of the pledge bindings: letters taken in at the counter, drawn …
    "p_pledge": 0.06,  # … and not drawn (the others were entered on the binding form)
    "p_open": 0.0126,  # of the bindings on documents: waiting or in review now
    "p_returned_open": 0.014,
    "p_returned": 0.058,
    "p_returned_approved": 0.070,
    "p_returned_rejected": 0.073,  # the rest approved
    # cases rejected that are not the pair's live binding: of the bound pairs on documents,
    # an earlier case rejected; of the pairs never bound (15%), a case rejected
    "p_rejected_before": 0.03,
    "p_rejected_unbound": 0.045,
    "p_overturned": 0.004,  # of the approvals
    "p_spot_failed": 0.12,  # of the spot checks decided
    "p_batch": 0.15,  # of the cases on documents: taken in by batch
    "p_claimed": 0.45,  # of the open cases: in review (the others waiting)
}
#: the spot-check share recorded on a drawn case (the seeded policy versions set none)
SPOT_CHECK_SHARE = "0.10"

#: rejection reasons, most common first (weights)
REJECT_REASONS = (
    (RejectReason.ILLEGIBLE, 24),
    (RejectReason.RELATION_NOT_SHOWN, 22),
    (RejectReason.PERSON_MISMATCH, 18),
    (RejectReason.OTHER, 13),
    (RejectReason.DUPLICATE_CASE, 10),
    (RejectReason.DOCUMENT_NOT_ACCEPTED, 8),
    (RejectReason.SUSPECTED_FORGERY, 5),
)
#: why a supervisor overturns an approval
OVERTURN_REASONS = (
    (RejectReason.PERSON_MISMATCH, 40),
    (RejectReason.SUSPECTED_FORGERY, 35),
    (RejectReason.RELATION_NOT_SHOWN, 25),
)
#: the documents taken in for each relation (weights)
DOCUMENTS = {
    "spouse": ((DocumentType.MARRIAGE_CERTIFICATE, 88), (DocumentType.HOUSEHOLD_REGISTER, 12)),
    "child": (
        (DocumentType.HOUSEHOLD_REGISTER, 75),
        (DocumentType.BIRTH_CERTIFICATE, 20),
        (DocumentType.KINSHIP_CERTIFICATE, 5),
    ),
    "parent": ((DocumentType.HOUSEHOLD_REGISTER, 85), (DocumentType.KINSHIP_CERTIFICATE, 15)),
}
#: what a returned case still needs, by document type: the choices, equally likely
MISSING = {
    DocumentType.HOUSEHOLD_REGISTER: [
        [MissingDocument.HEAD_PAGE],
        [MissingDocument.BENEFICIARY_PAGE],
        [MissingDocument.BENEFICIARY_PAGE],
        [MissingDocument.AUTHORIZER_PAGE],
        [MissingDocument.HEAD_PAGE, MissingDocument.BENEFICIARY_PAGE],
        [MissingDocument.CLEARER_SCAN],
    ],
    DocumentType.MARRIAGE_CERTIFICATE: [
        [MissingDocument.MARRIAGE_PAGE],
        [MissingDocument.MARRIAGE_PAGE],
        [MissingDocument.CLEARER_SCAN],
    ],
    DocumentType.BIRTH_CERTIFICATE: [
        [MissingDocument.CLEARER_SCAN],
        [MissingDocument.HEAD_PAGE, MissingDocument.BENEFICIARY_PAGE],
    ],
    DocumentType.KINSHIP_CERTIFICATE: [
        [MissingDocument.KINSHIP_CERTIFICATE],
        [MissingDocument.CLEARER_SCAN],
    ],
    DocumentType.COMMITMENT_LETTER: [[MissingDocument.SIGNED_PLEDGE]],
}
#: the caseworker's note on a return, by the first document missing
RETURN_NOTES = {
    MissingDocument.HEAD_PAGE: "请补充户口本户主页。",
    MissingDocument.AUTHORIZER_PAGE: "请补充授权人本人页。",
    MissingDocument.BENEFICIARY_PAGE: "请补充被共济人本人页。",
    MissingDocument.MARRIAGE_PAGE: "请补充结婚证持证人及双方信息页。",
    MissingDocument.BIRTH_CERTIFICATE: "请补充出生医学证明。",
    MissingDocument.KINSHIP_CERTIFICATE: "请补充派出所或社区出具的亲属关系证明原件扫描件。",
    MissingDocument.CLEARER_SCAN: "扫描件不清晰，请重新拍摄上传。",
    MissingDocument.SIGNED_PLEDGE: "请补充本人签字的承诺书。",
}
#: notes on a rejection, by reason (one is drawn; "" for none); ``other`` always has one
REJECT_NOTES = {
    RejectReason.ILLEGIBLE: ["", "扫描件模糊，无法辨认身份证号。", "关键信息页反光，无法识别。"],
    RejectReason.RELATION_NOT_SHOWN: [
        "",
        "户口本未显示二人的亲属关系。",
        "材料无法体现所申请的关系。",
    ],
    RejectReason.PERSON_MISMATCH: [
        "",
        "被共济人身份证号与材料不一致。",
        "姓名与参保登记信息不符。",
    ],
    RejectReason.OTHER: [
        "申请人主动撤回申请。",
        "经电话核实，申请人表示关系填报有误。",
        "授权人已办理转移，请到新参保地申请。",
    ],
    RejectReason.DUPLICATE_CASE: ["", "同一申请已重复提交，以前一受理号为准。"],
    RejectReason.DOCUMENT_NOT_ACCEPTED: ["", "所交证明不适用于该关系，请按要求提交。"],
    RejectReason.SUSPECTED_FORGERY: ["证件疑似涂改，已转稽核。", "印章与发证机关不符，已转稽核。"],
}
#: the supervisor's note on an overturned approval (required)
OVERTURN_NOTES = [
    "复核发现户口本信息与参保登记不一致，撤销原审核结论。",
    "稽核抽查发现证件疑似伪造，撤销原审核结论。",
    "复核发现材料不能体现所申请的亲属关系。",
]
APPROVE_NOTES = ["", "", "", "材料齐全，关系明确。", "证件信息与参保信息一致。", "核对原件无误。"]
#: a reassignment's note
REASSIGN_NOTES = ["", "原经办人休假，改派。", "均衡工作量。"]


def pick(r: str, weighted) -> str:
    """SQL choosing one of ``weighted`` ((value, weight) …) by the uniform number ``r``."""
    total = sum(weight for _value, weight in weighted)
    parts, low = [], 0.0
    for value, weight in weighted[:-1]:
        low += weight / total
        parts.append(f"WHEN {r} < {low:.6f} THEN '{value}'")
    return f"CASE {' '.join(parts)} ELSE '{weighted[-1][0]}' END"


def at_work(ts: str, r: str) -> str:
    """SQL: the moment ``ts`` if it falls in office hours (Monday to Friday, 08:30–12:00 and
    13:30–17:30 in Beijing), else the next opening plus ``r`` (in [0, 1)) of an hour.

    ``ts`` is repeated: give it a column, not an expression of many."""
    local = f"({ts} AT TIME ZONE %(zone)s)"
    dow = f"extract(isodow FROM {local})"
    t = f"{local}::time"
    return (
        f"CASE WHEN {dow} < 6 AND ({t} >= time '08:30' AND {t} < time '12:00' "
        f"OR {t} >= time '13:30' AND {t} < time '17:30') THEN {ts} "
        f"ELSE (CASE WHEN {dow} < 6 AND {t} < time '08:30' THEN {local}::date + time '08:30' "
        f"WHEN {dow} < 6 AND {t} < time '13:30' THEN {local}::date + time '13:30' "
        f"ELSE {local}::date + CASE {dow} WHEN 5 THEN 3 WHEN 6 THEN 2 ELSE 1 END "
        f"+ time '08:30' END + {r} * interval '1 hour') AT TIME ZONE %(zone)s END"
    )


def claim_wait(r: str) -> str:
    """SQL: how long a case waits to be claimed: minutes to three days for nine in ten,
    three to nine days for the rest (past the deadline, some)."""
    return (
        f"CASE WHEN {r} < 0.9 THEN interval '5 minutes' * exp({r} / 0.9 * ln(864)) "
        f"ELSE interval '3 days' + ({r} - 0.9) * interval '60 days' END"
    )


def review_time(r: str) -> str:
    """SQL: how long a claimed case takes to decide: three minutes to four hours."""
    return f"interval '3 minutes' * exp({r} * ln(80))"


def sql_params() -> dict:
    """The parameters the bindings' and the proofs' statements read."""
    reject_notes = {str(k): v for k, v in REJECT_NOTES.items()}
    missing = {str(k): [[str(m) for m in one] for one in v] for k, v in MISSING.items()}
    return_notes = {str(k): v for k, v in RETURN_NOTES.items()}
    return {
        **PATHS,
        "families_per_caseworker": FAMILIES_PER_CASEWORKER,
        "caseworkers_min": CASEWORKERS[0],
        "caseworkers_max": CASEWORKERS[1],
        "families_per_supervisor": FAMILIES_PER_SUPERVISOR,
        "supervisors_min": SUPERVISORS[0],
        "supervisors_max": SUPERVISORS[1],
        "spot_share": SPOT_CHECK_SHARE,
        "reject_notes": Jsonb(reject_notes),
        "missing_options": Jsonb(missing),
        "return_notes": Jsonb(return_notes),
        "overturn_notes": OVERTURN_NOTES,
        "approve_notes": APPROVE_NOTES,
        "reassign_notes": REASSIGN_NOTES,
    }


def _letter(letters: str) -> str:
    return f"substr('{letters}', 1 + floor(random() * {len(letters)})::int, 1)"


def staff_sql(surnames: str, given: str) -> str:
    """Caseworkers (经办) for each region where families live, supervisors (科长) for each
    province: staff users of their role and regions, with unusable passwords, named with
    one of ``surnames`` and one or two of the ``given`` letters."""
    surname = _letter(surnames)
    given = f"{_letter(given)} || CASE WHEN random() < 0.7 THEN {_letter(given)} ELSE '' END"
    return f"""
CREATE TEMP TABLE seed_staff ON COMMIT DROP AS
SELECT nextval(pg_get_serial_sequence('auth_user', 'id')) AS user_id, s.*,
       {surname} AS last_name, {given} AS first_name
  FROM (
    SELECT 'caseworker' AS role, r.region, r.province, k, r.n,
           'jb' || r.region || '-' || lpad(k::text, 2, '0') AS username
      FROM (SELECT f.region, f.province,
                   least(%(caseworkers_max)s, greatest(%(caseworkers_min)s,
                         ceil(count(*) / %(families_per_caseworker)s::float8)::int)) AS n
              FROM seed_family f GROUP BY f.region, f.province) r
     CROSS JOIN LATERAL generate_series(1, r.n) k
    UNION ALL
    SELECT 'supervisor', NULL, p.province, k, p.n, 'kz' || p.province || '-' || k
      FROM (SELECT f.province,
                   least(%(supervisors_max)s, greatest(%(supervisors_min)s,
                         ceil(count(*) / %(families_per_supervisor)s::float8)::int)) AS n
              FROM seed_family f GROUP BY f.province) p
     CROSS JOIN LATERAL generate_series(1, p.n) k
     ORDER BY 1, 2, 3, 4) s;
CREATE INDEX ON seed_staff (role, region, k);
CREATE INDEX ON seed_staff (role, province, k);
CREATE TEMP TABLE seed_caseworkers ON COMMIT DROP AS
SELECT region, max(n) AS n FROM seed_staff WHERE role = 'caseworker' GROUP BY region;
CREATE TEMP TABLE seed_supervisors ON COMMIT DROP AS
SELECT province, max(n) AS n FROM seed_staff WHERE role = 'supervisor' GROUP BY province;
INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email,
                       is_staff, is_active, date_joined)
SELECT user_id, '!' || md5(random()::text) || md5(random()::text), false, username,
       first_name, last_name, '', true, true, %(start)s - interval '60 days'
  FROM seed_staff ORDER BY user_id;
INSERT INTO auth_user_groups (user_id, group_id)
SELECT s.user_id, g.id FROM seed_staff s JOIN auth_group g ON g.name = s.role;
INSERT INTO portal_staffprofile (nationwide, note, user_id)
SELECT false, 'seed_large', user_id FROM seed_staff ORDER BY user_id;
INSERT INTO portal_staffprofile_regions (staffprofile_id, region_id)
SELECT p.id, s.region FROM seed_staff s JOIN portal_staffprofile p ON p.user_id = s.user_id
 WHERE s.role = 'caseworker';
INSERT INTO portal_staffprofile_provinces (staffprofile_id, province_id)
SELECT p.id, s.province FROM seed_staff s JOIN portal_staffprofile p ON p.user_id = s.user_id
 WHERE s.role = 'supervisor';
"""


#: the policy version in force in each region on each day of the history
POLICY_SQL = """
CREATE TEMP TABLE seed_policy ON COMMIT DROP AS
SELECT r.code AS region, d::date AS day,
       (SELECT v.id FROM policies_policyversion v
         WHERE v.province_id = r.province AND v.effective_from <= d::date
           AND (v.effective_to IS NULL OR v.effective_to >= d::date)
           AND (v.region_id = r.code OR v.region_id IS NULL)
         ORDER BY v.region_id NULLS LAST LIMIT 1) AS version_id
  FROM seed_region r
 CROSS JOIN generate_series(%(first)s::date - 120, %(now)s::date + 1, interval '1 day') d;
CREATE UNIQUE INDEX ON seed_policy (region, day);
"""


def _document_type(r_doc: str) -> str:
    """SQL: the document a case on documents brings, by its relation."""
    return (
        f"CASE WHEN b.path IN ('pledge', 'spot') THEN '{DocumentType.COMMITMENT_LETTER}' "
        f"WHEN b.relation = 'spouse' THEN {pick(r_doc, DOCUMENTS['spouse'])} "
        f"WHEN b.relation IN ('son', 'daughter') THEN {pick(r_doc, DOCUMENTS['child'])} "
        f"ELSE {pick(r_doc, DOCUMENTS['parent'])} END"
    )


def _one_of(array: str, r: str) -> str:
    return f"({array})[1 + floor({r} * array_length({array}, 1))::int]"


def proofs_sql() -> str:
    """The cases of the bindings that have a path, with what each step leaves on them."""
    return f"""
CREATE TEMP TABLE seed_proof ON COMMIT DROP AS
SELECT z.*,
       CASE WHEN z.missing_at_return IS NOT NULL
            THEN coalesce(%(return_notes)s::jsonb ->> (z.missing_at_return ->> 0), '') ELSE ''
       END AS return_note
  FROM (
    SELECT y.*,
           CASE WHEN y.path LIKE 'returned%%'
                THEN %(missing_options)s::jsonb -> y.document_type
                     -> floor(y.r_missing * jsonb_array_length(
                            %(missing_options)s::jsonb -> y.document_type))::int
           END AS missing_at_return,
           coalesce(%(reject_notes)s::jsonb -> y.reject_code
                    ->> floor(y.r_note * jsonb_array_length(
                            %(reject_notes)s::jsonb -> y.reject_code))::int, '') AS reject_note,
           CASE y.document_type WHEN '{DocumentType.HOUSEHOLD_REGISTER}'
                                THEN 2 + floor(y.r_pages * 2)::int
                                WHEN '{DocumentType.COMMITMENT_LETTER}' THEN 1
                                ELSE 1 + floor(y.r_pages * 2)::int END
               AS pages
      FROM (
        SELECT nextval(pg_get_serial_sequence('accounts_kinshipproof', 'id')) AS id, x.*,
               CASE x.path
                    WHEN 'pledge' THEN 'approved'
                    WHEN 'spot' THEN CASE WHEN x.c IS NULL THEN 'submitted'
                                          WHEN x.d IS NULL THEN 'in_review'
                                          WHEN x.spot_failed THEN 'rejected'
                                          ELSE 'approved' END
                    WHEN 'approved' THEN CASE WHEN x.o IS NULL THEN 'approved' ELSE 'rejected' END
                    WHEN 'rejected' THEN 'rejected'
                    WHEN 'returned' THEN 'returned'
                    WHEN 'returned_approved' THEN 'approved'
                    WHEN 'returned_rejected' THEN 'rejected'
                    WHEN 'open' THEN CASE WHEN x.claimed THEN 'in_review' ELSE 'submitted' END
                    WHEN 'returned_open' THEN CASE WHEN x.c3 IS NULL THEN 'submitted'
                                                   ELSE 'in_review' END
               END AS status,
               CASE WHEN x.path IN ('rejected', 'returned_rejected')
                         OR x.path = 'spot' AND x.spot_failed AND x.d IS NOT NULL
                    THEN {pick("x.r_reason", REJECT_REASONS)}
               END AS reject_code,
               CASE WHEN x.o IS NOT NULL THEN {pick("x.r_reason", OVERTURN_REASONS)} END
                   AS overturn_code,
               {_one_of("%(approve_notes)s::text[]", "x.r_approve_note")} AS approve_note,
               {_one_of("%(overturn_notes)s::text[]", "x.r_over_note")} AS overturn_note,
               {_one_of("%(reassign_notes)s::text[]", "x.r_over_note")} AS reassign_note,
               -- who decided the first review: the second reviewer after a release or a
               -- reassignment
               CASE WHEN x.step IN ('release', 'reassign') THEN x.b_id ELSE x.a_id END
                   AS reviewer_id
          FROM (
            SELECT b.id AS binding_id, b.path, b.channel, b.step, b.claimed, b.spot_failed,
                   b.s, b.c, b.x, b.c2, b.d, b.r, b.c3, b.d3, b.o,
                   b.sub_id, b.a_id, b.b_id, b.sup_id, b.authorizer_id, b.beneficiary_id,
                   b.relation, b.authorizer_region, b.beneficiary_region,
                   b.authorizer_i, b.beneficiary_year, b.beneficiary_name, b.beneficiary_id17,
                   {_document_type("b.r_doc")} AS document_type,
                   row_number() OVER (ORDER BY b.s, b.id) AS n,
                   b.r_reason, b.r_note, b.r_missing, b.r_agent, b.r_pages, b.r_next,
                   b.r_approve_note, b.r_over_note
              FROM seed_binding b
             WHERE b.path IS NOT NULL
             ORDER BY b.s, b.id) x) y) z;
"""


INSERT_PROOFS_SQL = """
INSERT INTO accounts_kinshipproof (
    id, case_number, binding_id, authorizer_id, beneficiary_id, relation, document_type,
    region_id, beneficiary_region_id, status, channel, applicant, contact_phone, agent_name,
    agent_national_id, external_ref, is_spot_check, submitted_at, submitted_by_id, claimed_at,
    claimed_by_id, decided_at, decided_by_id, reject_reason, missing, decision_note,
    policy_version_id, updated_at)
SELECT p.id,
       'GJ' || to_char(p.s AT TIME ZONE %(zone)s, 'YYYYMMDD')
            || lpad((%(case_base)s + p.n - 1)::text,
                    greatest(6, length((%(case_base)s + p.n - 1)::text)), '0'),
       p.binding_id, p.authorizer_id, p.beneficiary_id, p.relation, p.document_type,
       p.authorizer_region, p.beneficiary_region, p.status, p.channel, a.applicant,
       '15' || lpad((p.authorizer_i %% 1000000000)::text, 9, '0'),
       CASE WHEN a.applicant = 'agent' THEN p.beneficiary_name ELSE '' END,
       CASE WHEN a.applicant = 'agent'
            THEN p.beneficiary_id17 || pg_temp.seed_check(p.beneficiary_id17) ELSE '' END,
       CASE WHEN p.channel = 'batch'
            THEN 'PL' || to_char(p.s AT TIME ZONE %(zone)s, 'YYYYMMDD') || '-' || p.n
            ELSE '' END,
       p.path = 'spot', coalesce(p.r, p.s), p.sub_id,
       f.claimed_at, f.claimed_by, f.decided_at, f.decided_by,
       coalesce(p.overturn_code, CASE WHEN p.status = 'rejected' THEN p.reject_code END, ''),
       CASE WHEN p.status = 'returned' THEN p.missing_at_return ELSE '[]'::jsonb END,
       f.note, f.policy_version, f.updated_at
  FROM seed_proof p
 CROSS JOIN LATERAL (
    SELECT CASE WHEN p.channel = 'counter' AND p.r_agent < 0.08
                     AND p.beneficiary_year <= extract(year FROM %(now)s) - 18
                THEN 'agent' ELSE 'authorizer' END AS applicant) a
 CROSS JOIN LATERAL (
    -- a return and a release clear the claim; a resubmission clears the decision
    SELECT CASE WHEN p.status IN ('submitted', 'returned') OR p.path = 'pledge' THEN NULL
                WHEN p.c3 IS NOT NULL THEN p.c3
                WHEN p.step = 'release' THEN p.c2
                WHEN p.step = 'reassign' THEN p.x
                ELSE p.c END AS claimed_at,
           CASE WHEN p.status IN ('submitted', 'returned') OR p.path = 'pledge' THEN NULL
                WHEN p.c3 IS NOT NULL THEN p.b_id
                ELSE p.reviewer_id END AS claimed_by,
           CASE WHEN p.path = 'pledge' THEN p.s
                WHEN p.path = 'returned_open' THEN NULL
                ELSE coalesce(p.o, p.d3, p.d) END AS decided_at,
           CASE WHEN p.path IN ('pledge', 'returned_open') OR p.d IS NULL THEN NULL
                WHEN p.o IS NOT NULL THEN p.sup_id
                WHEN p.d3 IS NOT NULL THEN p.b_id
                ELSE p.reviewer_id END AS decided_by,
           CASE WHEN p.o IS NOT NULL THEN p.overturn_note
                WHEN p.status = 'rejected' THEN p.reject_note
                WHEN p.status = 'approved' AND p.path <> 'pledge' THEN p.approve_note
                ELSE p.return_note END AS note,
           -- set when a pledge is taken in, and when an approval activates the binding
           CASE WHEN p.path IN ('pledge', 'spot') THEN
                     (SELECT version_id FROM seed_policy sp
                       WHERE sp.region = p.authorizer_region
                         AND sp.day = (p.s AT TIME ZONE %(zone)s)::date)
                WHEN p.path IN ('approved', 'returned_approved') THEN
                     (SELECT version_id FROM seed_policy sp
                       WHERE sp.region = p.authorizer_region
                         AND sp.day = (coalesce(p.d3, p.d) AT TIME ZONE %(zone)s)::date)
           END AS policy_version,
           greatest(p.s, p.c, p.x, p.c2, p.d, p.r, p.c3, p.d3, p.o) AS updated_at) f
 ORDER BY p.id;
"""

#: one event per step, in order, as ``accounts.services.proofs`` writes them
PROOF_EVENTS_SQL = """
INSERT INTO accounts_proofevent (proof_id, at, actor_id, via, action, from_state, to_state,
                                 reason_code, note, params)
SELECT proof_id, at, actor_id, via, action, from_state, to_state, reason_code, note, params
  FROM (
    SELECT p.id AS proof_id, 1 AS n, p.s AS at, p.sub_id AS actor_id,
           CASE p.channel WHEN 'batch' THEN 'command' ELSE 'admin' END AS via,
           'submit' AS action, '' AS from_state,
           CASE p.path WHEN 'pledge' THEN 'approved' ELSE 'submitted' END AS to_state,
           '' AS reason_code, '' AS note,
           jsonb_build_object('pages', p.pages, 'binding', p.binding_id,
                              'lookups', '[]'::jsonb) AS params
      FROM seed_proof p
    UNION ALL  -- a signed pledge: accepted, or drawn for a spot check
    SELECT p.id, 2, p.s, NULL, 'admin',
           CASE p.path WHEN 'pledge' THEN 'pledge_accepted' ELSE 'spot_check_drawn' END, '',
           CASE p.path WHEN 'pledge' THEN 'approved' ELSE 'submitted' END, '', '',
           jsonb_build_object('share', %(spot_share)s::text, 'version',
               (SELECT version_id FROM seed_policy sp WHERE sp.region = p.authorizer_region
                   AND sp.day = (p.s AT TIME ZONE %(zone)s)::date))
      FROM seed_proof p WHERE p.path IN ('pledge', 'spot')
    UNION ALL
    SELECT p.id, 3, p.c, p.a_id, 'admin', 'claim', 'submitted', 'in_review', '', '',
           CASE WHEN p.r_next < 0.6 THEN '{"next": true}'::jsonb ELSE '{}'::jsonb END
      FROM seed_proof p WHERE p.c IS NOT NULL
    UNION ALL
    SELECT p.id, 4, p.x, p.a_id, 'admin', 'release', 'in_review', 'submitted', '', '',
           jsonb_build_object('was_claimed_by', p.a_id)
      FROM seed_proof p WHERE p.step = 'release'
    UNION ALL
    SELECT p.id, 5, p.c2, p.b_id, 'admin', 'claim', 'submitted', 'in_review', '', '', '{}'::jsonb
      FROM seed_proof p WHERE p.step = 'release' AND p.c2 IS NOT NULL
    UNION ALL
    SELECT p.id, 4, p.x, p.sup_id, 'admin', 'reassign', 'in_review', 'in_review', '',
           p.reassign_note, jsonb_build_object('from_user', p.a_id, 'to_user', p.b_id)
      FROM seed_proof p WHERE p.step = 'reassign'
    UNION ALL  -- the first review's decision
    SELECT p.id, 6, p.d, p.reviewer_id, 'admin', k.action, 'in_review', k.to_state,
           CASE k.action WHEN 'reject' THEN p.reject_code ELSE '' END,
           CASE k.action WHEN 'approve' THEN p.approve_note WHEN 'reject' THEN p.reject_note
                ELSE p.return_note END,
           CASE k.action
                WHEN 'approve' THEN CASE WHEN p.path = 'spot'
                    THEN jsonb_build_object('binding', p.binding_id, 'binding_status', 'active')
                    ELSE jsonb_build_object('binding', p.binding_id, 'binding_status', 'active',
                                            'violations', '[]'::jsonb) END
                WHEN 'return' THEN jsonb_build_object('missing', p.missing_at_return)
                ELSE '{}'::jsonb END
      FROM seed_proof p
     CROSS JOIN LATERAL (
        SELECT CASE WHEN p.path IN ('approved') OR p.path = 'spot' AND NOT p.spot_failed
                    THEN 'approve'
                    WHEN p.path IN ('rejected', 'spot') THEN 'reject'
                    ELSE 'return' END AS action) a
     CROSS JOIN LATERAL (
        SELECT a.action, CASE a.action WHEN 'approve' THEN 'approved'
                                       WHEN 'reject' THEN 'rejected'
                                       ELSE 'returned' END AS to_state) k
     WHERE p.d IS NOT NULL
    UNION ALL
    SELECT p.id, 7, p.r, p.sub_id,
           CASE p.channel WHEN 'batch' THEN 'command' ELSE 'admin' END, 'resubmit', 'returned',
           'submitted', '', '',
           jsonb_build_object('pages', 1 + floor(p.r_pages * 2)::int,
                              'missing_was', p.missing_at_return)
      FROM seed_proof p WHERE p.r IS NOT NULL
    UNION ALL
    SELECT p.id, 8, p.c3, p.b_id, 'admin', 'claim', 'submitted', 'in_review', '', '',
           CASE WHEN p.r_next >= 0.3 THEN '{"next": true}'::jsonb ELSE '{}'::jsonb END
      FROM seed_proof p WHERE p.c3 IS NOT NULL
    UNION ALL  -- the second review's decision
    SELECT p.id, 9, p.d3, p.b_id, 'admin',
           CASE p.path WHEN 'returned_approved' THEN 'approve' ELSE 'reject' END, 'in_review',
           CASE p.path WHEN 'returned_approved' THEN 'approved' ELSE 'rejected' END,
           CASE p.path WHEN 'returned_approved' THEN '' ELSE p.reject_code END,
           CASE p.path WHEN 'returned_approved' THEN p.approve_note ELSE p.reject_note END,
           CASE p.path WHEN 'returned_approved'
                THEN jsonb_build_object('binding', p.binding_id, 'binding_status', 'active',
                                        'violations', '[]'::jsonb)
                ELSE '{}'::jsonb END
      FROM seed_proof p WHERE p.d3 IS NOT NULL
    UNION ALL  -- an approval overturned by a supervisor
    SELECT p.id, 10, p.o, p.sup_id, 'admin', 'overturn', 'approved', 'rejected',
           p.overturn_code, p.overturn_note,
           jsonb_build_object('decided_by', p.reviewer_id, 'reject_reason', '')
      FROM seed_proof p WHERE p.o IS NOT NULL
  ) e
 ORDER BY at, proof_id, n;
"""
