"""What the scans of a case show: OCR findings per person, the boxes to highlight on each
page, and pages seen in other cases.

These are red flags for a reviewer; none of them decides anything.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from django.db import connection

from accounts import ocr
from accounts import phash as hashes
from accounts.choices import OcrStatus
from accounts.models import KinshipProof, ProofPage

#: pages whose perceptual hashes differ in at most this many of 64 bits look the same
NEAR_DUPLICATE_BITS = hashes.NEAR_BITS
#: at most this many other cases are named for one page (the nearest first)
SEEN_ELSEWHERE_PER_PAGE = 10
#: two pages read alike when this share of their text is the same (difflib's ratio)
SAME_TEXT_RATIO = 0.9
#: texts shorter than this (after spaces are dropped) say too little to compare
MIN_TEXT_TO_COMPARE = 10


@dataclass
class Hit:
    """Where a text was found: the page, the box around the matched characters (page image
    pixels), the text of the box(es) as read, and what matched (normalised)."""

    page_id: int
    page_number: int
    box: list
    text: str
    value: str = ""


@dataclass
class PersonFinding:
    """Whether one person's ID number and name were found on the case's pages."""

    role: str  # "authorizer" | "beneficiary"
    national_id: str
    name: str
    id_hits: list[Hit] = field(default_factory=list)
    name_hits: list[Hit] = field(default_factory=list)
    #: the number read with one character wrong, missing or doubled (not counted as found)
    id_near_hits: list[Hit] = field(default_factory=list)

    @property
    def id_found(self) -> bool:
        return bool(self.id_hits)

    @property
    def name_found(self) -> bool:
        return bool(self.name_hits)


@dataclass
class ScanFindings:
    persons: list[PersonFinding]
    #: valid ID numbers on the pages that are neither person's
    other_ids: list[Hit]
    pages_read: int
    pages_waiting: int
    pages_failed: int

    @property
    def complete(self) -> bool:
        return self.pages_waiting == 0


def _pages(proof: KinshipProof, pages) -> list[ProofPage]:
    return list(pages if pages is not None else proof.pages.all())


def scan_findings(proof: KinshipProof, pages=None) -> ScanFindings:
    """Say, for each person of ``proof``, whether their ID number and name were read on a page
    (and where), and which other valid ID numbers the pages show. No query when ``pages``
    (the case's pages) and both persons are given."""
    pages = _pages(proof, pages)
    people = [
        PersonFinding("authorizer", proof.authorizer.national_id, proof.authorizer.name),
        PersonFinding("beneficiary", proof.beneficiary.national_id, proof.beneficiary.name),
    ]
    by_id = {p.national_id: p for p in people}
    others: dict[str, Hit] = {}
    for page in pages:
        if page.ocr_status != OcrStatus.DONE:
            continue
        for match in ocr.find(page.ocr_boxes or [], [(p.national_id, p.name) for p in people]):
            hit = Hit(page.pk, page.number, match.box, match.text, match.value)
            if match.kind == "other":
                others.setdefault(match.value, hit)
            elif match.kind == "id":
                by_id[match.national_id].id_hits.append(hit)
            elif match.kind == "id_near":
                by_id[match.national_id].id_near_hits.append(hit)
            elif match.kind == "name":
                by_id[match.national_id].name_hits.append(hit)
    return ScanFindings(
        persons=people,
        other_ids=list(others.values()),
        pages_read=sum(p.ocr_status == OcrStatus.DONE for p in pages),
        pages_waiting=sum(p.ocr_status == OcrStatus.PENDING for p in pages),
        pages_failed=sum(p.ocr_status == OcrStatus.FAILED for p in pages),
    )


def highlights(proof: KinshipProof, pages=None, findings: ScanFindings | None = None) -> dict:
    """Return the boxes to highlight on each page of ``proof``, JSON-ready:
    ``{page_id: [{"box": [[x, y] * 4], "kind": "id" | "id_near" | "name" | "other",
    "role": "authorizer" | "beneficiary" | "", "text": what matched}]}``, in the pixels of
    the page image (``proof_page`` … ``image``); every page has a list, empty if nothing
    was found or it is not read yet."""
    pages = _pages(proof, pages)
    findings = findings or scan_findings(proof, pages)
    shown: dict[int, list[dict]] = {page.pk: [] for page in pages}

    def add(hit: Hit, kind: str, role: str) -> None:
        shown.setdefault(hit.page_id, []).append(
            {"box": hit.box, "kind": kind, "role": role, "text": hit.value}
        )

    for person in findings.persons:
        for hit in person.id_hits:
            add(hit, "id", person.role)
        for hit in person.id_near_hits:
            add(hit, "id_near", person.role)
        for hit in person.name_hits:
            add(hit, "name", person.role)
    for hit in findings.other_ids:
        add(hit, "other", "")
    return shown


# --- the same page in other cases ----------------------------------------------------------


@dataclass
class SeenElsewhere:
    """A page of this case that another case, of other persons, also holds."""

    page_number: int
    other_case: str
    other_proof_id: int
    exact: bool  # the same file (SHA-256) rather than a near-identical image
    #: differing bits of the perceptual hashes (0 … NEAR_DUPLICATE_BITS; None: no hash)
    distance: int | None = None
    other_page_number: int = 0
    #: the other case names one of this case's two persons (with someone else)
    shares_person: bool = False
    #: False while either page is not read: the images look alike, the text is not compared
    confirmed: bool = True


#: how many look-alikes of a page that cannot be confirmed by identity numbers are compared
#: by their text (a page not read yet, or read without one: any of them, not the nearest)
LOOK_ALIKES_COMPARED = 200

_DISTANCE = "bit_count((p.phash_bits # q.bits)::bit(64))"
_NEAR = f"p.phash_bands && q.bands AND {_DISTANCE} <= %(near)s AND p.proof_id <> %(proof)s"
_COLUMNS = f"""p.proof_id, p.number AS other_number, p.sha256 = q.sha256 AS exact,
           CASE WHEN p.phash_bits IS NOT NULL AND q.bits IS NOT NULL THEN {_DISTANCE} END
               AS distance,
           p.ocr_status, p.ocr_text, p.ocr_ids"""

#: Candidates of each page of ours (``q``), in four disjoint branches, each answered by an
#: index: (1) the same file; a near hash (a band in common, the distance within ``near``)
#: (2) that shows an identity number ours shows too; (3) not read (yet: the partial index
#: ``proof_page_phash_not_read``) while ours shows a number; (4) any, while ours shows
#: none. A page read without the numbers ours shows is another household's. (3) and (4)
#: give at most ``LOOK_ALIKES_COMPARED`` pages, any of them. Then the best page of each
#: other case, and at most ``SEEN_ELSEWHERE_PER_PAGE`` cases a page; never a case of the
#: same two persons.
_SEEN_SQL = f"""
WITH q (number, sha256, bits, bands, ids) AS (VALUES {{values}}),
candidate AS (
    SELECT q.number, c.*, coalesce(c.ocr_ids && q.ids, false) AS same_ids
    FROM q CROSS JOIN LATERAL (
        SELECT {_COLUMNS} FROM accounts_proofpage p
        WHERE p.sha256 = q.sha256 AND p.proof_id <> %(proof)s
        UNION ALL
        SELECT {_COLUMNS} FROM accounts_proofpage p
        WHERE cardinality(q.ids) > 0 AND p.ocr_ids && q.ids AND {_NEAR}
          AND p.sha256 <> q.sha256
        UNION ALL
        (SELECT {_COLUMNS} FROM accounts_proofpage p
         WHERE cardinality(q.ids) > 0 AND {_NEAR} AND p.sha256 <> q.sha256
           AND NOT (p.ocr_status = 'done')
         LIMIT %(compared)s)
        UNION ALL
        (SELECT {_COLUMNS} FROM accounts_proofpage p
         WHERE coalesce(cardinality(q.ids), 0) = 0 AND {_NEAR} AND p.sha256 <> q.sha256
         LIMIT %(compared)s)
    ) c
),
per_case AS (
    SELECT candidate.*, k.case_number,
           (k.authorizer_id IN (%(a)s, %(b)s) OR k.beneficiary_id IN (%(a)s, %(b)s))
               AS shares_person,
           row_number() OVER (
               PARTITION BY candidate.number, candidate.proof_id
               ORDER BY exact DESC, same_ids DESC, distance, other_number
           ) AS nth_in_case
    FROM candidate JOIN accounts_kinshipproof k ON k.id = candidate.proof_id
    WHERE NOT (k.authorizer_id IN (%(a)s, %(b)s) AND k.beneficiary_id IN (%(a)s, %(b)s))
),
ranked AS (
    SELECT per_case.*, row_number() OVER (
               PARTITION BY number ORDER BY exact DESC, same_ids DESC, distance, proof_id DESC
           ) AS nth
    FROM per_case WHERE nth_in_case = 1
)
SELECT number, proof_id, case_number, other_number, exact, distance, same_ids, shares_person,
       ocr_status, ocr_text
FROM ranked WHERE nth <= %(per_page)s ORDER BY number, nth
"""


def _seen_params(proof_id: int, a: int, b: int) -> dict:
    return {
        "near": NEAR_DUPLICATE_BITS,
        "proof": proof_id,
        "a": a,
        "b": b,
        "compared": LOOK_ALIKES_COMPARED,
        "per_page": SEEN_ELSEWHERE_PER_PAGE,
    }


def _same_content(page: ProofPage, same_ids: bool, other_text: str) -> bool:
    """Whether two read pages that look alike show the same document: the identity numbers
    decide when ours shows some; else the text must read (nearly) the same."""
    if page.ocr_ids:
        return same_ids
    return _same_text(page.ocr_text, other_text)


def _same_text(a: str, b: str) -> bool:
    a, b = ocr.normal_text(a)[:3000], ocr.normal_text(b)[:3000]
    if min(len(a), len(b)) < MIN_TEXT_TO_COMPARE:
        return False
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= SAME_TEXT_RATIO


def pages_seen_elsewhere(proof: KinshipProof, pages=None) -> list[SeenElsewhere]:
    """Pages of ``proof`` that cases of other pairs also hold: the same file (SHA-256), or a
    near-identical image (perceptual hashes within ``NEAR_DUPLICATE_BITS``: a re-saved,
    re-compressed, scaled or slightly turned copy). One query, however many pages.

    Pages of one printed form (every household's 户口本 page) look alike to a perceptual
    hash, so a near-identical image counts only when the content agrees too: once both
    pages are read, they must show an identity number in common (when ours shows some), or
    else read (nearly) the same.
    Until then it is reported with ``confirmed=False``. The same two persons' other cases
    (either way round) are never counted."""
    pages = _pages(proof, pages)
    if not pages:
        return []
    values = []
    params = _seen_params(proof.pk, proof.authorizer_id, proof.beneficiary_id)
    for i, page in enumerate(pages):
        ok = hashes.is_hash(page.phash)
        values.append(
            f"(%(n{i})s::int, %(s{i})s::varchar, %(h{i})s::bigint, %(b{i})s::smallint[], "
            f"%(i{i})s::varchar[])"
        )
        params |= {
            f"n{i}": page.number,
            f"s{i}": page.sha256,
            f"h{i}": hashes.signed(page.phash) if ok else None,
            f"b{i}": hashes.bands(page.phash) if ok else None,
            f"i{i}": list(page.ocr_ids or []) if page.ocr_status == OcrStatus.DONE else [],
        }
    with connection.cursor() as cursor:
        cursor.execute(_SEEN_SQL.format(values=", ".join(values)), params)
        rows = cursor.fetchall()
    ours = {page.number: page for page in pages}
    found = []
    for number, proof_id, case, other_number, exact, dist, same_ids, shares, status, text in rows:
        page = ours[number]
        confirmed = True
        if not exact:
            if page.ocr_status == OcrStatus.DONE and status == OcrStatus.DONE:
                if not _same_content(page, same_ids, text):
                    continue  # the same printed form, another household's page
            else:
                confirmed = False
        found.append(
            SeenElsewhere(
                page_number=number,
                other_case=case,
                other_proof_id=proof_id,
                exact=exact,
                distance=dist,
                other_page_number=other_number,
                shares_person=shares,
                confirmed=confirmed,
            )
        )
    return found
