"""What the scans of a case show: OCR findings per person, and pages seen in other cases.

These are red flags for a reviewer; none of them decides anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Q

from accounts.choices import OcrStatus
from accounts.idnumbers import check_char
from accounts.models import KinshipProof, ProofPage

#: an 18-character identity number as OCR reads it (X may come out as x or ×)
ID_PATTERN = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx×](?![0-9])")
#: pages whose perceptual hashes differ in at most this many of 64 bits look the same
NEAR_DUPLICATE_BITS = 6


@dataclass
class Hit:
    """Where a text was found: the page, and the box of the line (page image pixels)."""

    page_id: int
    page_number: int
    box: list
    text: str


@dataclass
class PersonFinding:
    """Whether one person's ID number and name were found on the case's pages."""

    role: str  # "authorizer" | "beneficiary"
    national_id: str
    name: str
    id_hits: list[Hit] = field(default_factory=list)
    name_hits: list[Hit] = field(default_factory=list)

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


def _normal_id(text: str) -> str:
    return text.upper().replace("×", "X")


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def scan_findings(proof: KinshipProof, pages=None) -> ScanFindings:
    """Say, for each person of ``proof``, whether their ID number and name were read on a page
    (and where), and which other valid ID numbers the pages show."""
    pages = list(pages if pages is not None else proof.pages.all())
    people = [
        PersonFinding("authorizer", proof.authorizer.national_id, proof.authorizer.name),
        PersonFinding("beneficiary", proof.beneficiary.national_id, proof.beneficiary.name),
    ]
    known = {p.national_id for p in people}
    others: dict[str, Hit] = {}
    for page in pages:
        if page.ocr_status != OcrStatus.DONE:
            continue
        for line in page.ocr_boxes or []:
            text = _squeeze(line.get("text", ""))
            hit = Hit(page.pk, page.number, line.get("box", []), line.get("text", ""))
            for number in (_normal_id(m) for m in ID_PATTERN.findall(text)):
                matched = [p for p in people if p.national_id == number]
                for person in matched:
                    person.id_hits.append(hit)
                if not matched and number not in known and check_char(number[:17]) == number[17]:
                    others.setdefault(number, hit)
            for person in people:
                if person.name and person.name in text:
                    person.name_hits.append(hit)
    return ScanFindings(
        persons=people,
        other_ids=list(others.values()),
        pages_read=sum(p.ocr_status == OcrStatus.DONE for p in pages),
        pages_waiting=sum(p.ocr_status == OcrStatus.PENDING for p in pages),
        pages_failed=sum(p.ocr_status == OcrStatus.FAILED for p in pages),
    )


@dataclass
class SeenElsewhere:
    """A page of this case that another case, of other persons, also holds."""

    page_number: int
    other_case: str
    other_proof_id: int
    exact: bool  # the same file (SHA-256) rather than a near-identical image


def pages_seen_elsewhere(proof: KinshipProof, pages=None) -> list[SeenElsewhere]:
    """Pages of ``proof`` that cases of other pairs also used: the same file by SHA-256, or a
    near-identical image by perceptual hash (a re-saved or re-compressed copy)."""
    from accounts.scans import hash_distance

    pages = list(pages if pages is not None else proof.pages.all())
    if not pages:
        return []
    pair = Q(authorizer_id=proof.authorizer_id, beneficiary_id=proof.beneficiary_id)
    others = ProofPage.objects.exclude(proof=proof).exclude(
        proof__in=KinshipProof.objects.filter(pair)
    )
    found: list[SeenElsewhere] = []
    exact = others.filter(sha256__in={p.sha256 for p in pages}).values_list(
        "sha256", "proof_id", "proof__case_number"
    )
    by_sha = {}
    for sha, proof_id, case in exact:
        by_sha.setdefault(sha, (proof_id, case))
    seen_pairs = set()
    for page in pages:
        if page.sha256 in by_sha:
            proof_id, case = by_sha[page.sha256]
            found.append(SeenElsewhere(page.number, case, proof_id, True))
            seen_pairs.add((page.number, proof_id))
    # near-identical images: the same first 4 hex digits is the index's cheap prefilter of
    # candidates; the full Hamming distance decides
    prefixes = {p.phash[:4] for p in pages if p.phash}
    if prefixes:
        candidates = others.filter(
            Q(*[Q(phash__startswith=prefix) for prefix in prefixes], _connector=Q.OR)
        ).values_list("phash", "proof_id", "proof__case_number")[:500]
        for page in pages:
            for phash, proof_id, case in candidates:
                if (page.number, proof_id) in seen_pairs or not page.phash:
                    continue
                if hash_distance(page.phash, phash) <= NEAR_DUPLICATE_BITS:
                    found.append(SeenElsewhere(page.number, case, proof_id, False))
                    seen_pairs.add((page.number, proof_id))
    return found
