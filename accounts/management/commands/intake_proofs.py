"""Take kinship proofs in from another channel: a manifest (CSV) and the page files beside it.

    manage.py intake_proofs /path/to/batch/ --user caseworker1
    manage.py intake_proofs /path/to/batch/manifest.csv --user caseworker1 --report refused.csv

The manifest has a header row and one case a line: the sender's case reference, both ID
numbers, the relation, the document type and the page files (separated by ``;``, relative
to the manifest's folder). Headers and values may be in Chinese or English::

    案件参考号,授权人身份证号,被授权人身份证号,关系,材料类型,页面文件,联系电话
    WX-0001,370102198001011234,370102198203041248,配偶,结婚证,wx1-a.jpg;wx1-b.jpg,

Each case goes through the same service as the counter (``proof_submit``), in its own
transaction: a refused line stores nothing and is reported (line, field, code, why), and the
other lines are kept. A reference already taken in is refused, so a batch can be run again.
"""

from __future__ import annotations

import csv
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from accounts.choices import ProofChannel, Via
from accounts.idnumbers import normalize
from accounts.models import InsuredPerson, KinshipProof
from accounts.permissions import may_take_proofs
from accounts.services.errors import DomainError
from accounts.services.proofs import person_lookup, proof_submit
from policies.relations import DocumentType, Relation

COLUMNS = {
    "reference": ("案件参考号", "case_reference", "reference"),
    "authorizer": ("授权人身份证号", "authorizer_id"),
    "beneficiary": ("被授权人身份证号", "beneficiary_id"),
    "relation": ("关系", "relation"),
    "document_type": ("材料类型", "document_type"),
    "pages": ("页面文件", "pages"),
    "phone": ("联系电话", "contact_phone"),
}
REQUIRED = ("reference", "authorizer", "beneficiary", "relation", "document_type", "pages")
#: short names agencies write for the document types
DOCUMENT_WORDS = {
    "户口本": DocumentType.HOUSEHOLD_REGISTER,
    "户口簿": DocumentType.HOUSEHOLD_REGISTER,
    "结婚证": DocumentType.MARRIAGE_CERTIFICATE,
    "出生医学证明": DocumentType.BIRTH_CERTIFICATE,
    "出生证": DocumentType.BIRTH_CERTIFICATE,
    "亲属关系证明": DocumentType.KINSHIP_CERTIFICATE,
    "承诺书": DocumentType.COMMITMENT_LETTER,
}


def _words(choices, extra=None) -> dict[str, str]:
    """Every way a value may be written: its code, its English and its Chinese label."""
    words = {}
    for value, label in choices:
        words[value] = value
        for language in ("en", "zh-hans"):
            with translation.override(language):
                words[str(label).strip().lower()] = value
    return {**words, **(extra or {})}


class Refusal(Exception):
    def __init__(self, field: str, code: str, message: str):
        self.field, self.code, self.message = field, code, message


class Command(BaseCommand):
    help = "Take kinship proofs in from a manifest (CSV) and the page files beside it."

    def add_arguments(self, parser):
        parser.add_argument("source", help="the batch's folder (with manifest.csv) or manifest")
        parser.add_argument("--user", required=True, help="the staff member who takes them in")
        parser.add_argument("--report", help="write the refused lines to this CSV file")

    def handle(self, *args, source, user, report, **options):
        actor = get_user_model().objects.filter(username=user, is_active=True).first()
        if actor is None or not may_take_proofs(actor):
            raise CommandError(f"{user!r} is no staff member who may take cases in")
        manifest = Path(source)
        if manifest.is_dir():
            manifest = manifest / "manifest.csv"
        if not manifest.is_file():
            raise CommandError(f"no manifest at {manifest}")
        self.relations = _words(Relation.choices)
        self.documents = _words(DocumentType.choices, DOCUMENT_WORDS)
        taken, refused = 0, []
        with manifest.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            columns = self._columns(header or [])
            for line_number, row in enumerate(reader, start=2):
                if not any(cell.strip() for cell in row):
                    continue
                try:
                    proof = self._take(actor, manifest.parent, columns, row)
                except Refusal as why:
                    refused.append((line_number, why.field, why.code, why.message))
                else:
                    taken += 1
                    self.stdout.write(f"line {line_number}: {proof.case_number}")
        for line_number, field, code, message in refused:
            self.stderr.write(f"line {line_number}, {field}: {message} [{code}]")
        if report:
            with open(report, "w", encoding="utf-8-sig", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(["行号 line", "字段 field", "代码 code", "原因 reason"])
                writer.writerows(refused)
        self.stdout.write(f"{taken} case(s) taken in, {len(refused)} line(s) refused")

    def _columns(self, header: list[str]) -> dict[str, int]:
        names = [h.strip().lower() for h in header]
        columns = {}
        for key, spellings in COLUMNS.items():
            for spelling in spellings:
                if spelling.lower() in names:
                    columns[key] = names.index(spelling.lower())
                    break
        missing = [COLUMNS[k][0] for k in REQUIRED if k not in columns]
        if missing:
            raise CommandError(f"the manifest lacks the column(s) {', '.join(missing)}")
        return columns

    def _take(self, actor, folder: Path, columns, row) -> KinshipProof:
        def cell(key) -> str:
            index = columns.get(key)
            return row[index].strip() if index is not None and index < len(row) else ""

        reference = cell("reference")
        if not reference:
            raise Refusal(COLUMNS["reference"][0], "reference_missing", "no case reference")
        if KinshipProof.objects.filter(channel=ProofChannel.BATCH, external_ref=reference).exists():
            raise Refusal(
                COLUMNS["reference"][0], "already_taken_in", f"{reference} was taken in before"
            )
        persons = {}
        for key in ("authorizer", "beneficiary"):
            number = normalize(cell(key))
            found = person_lookup(actor=actor, national_id=number, purpose=f"batch {reference}")
            if found is None:
                raise Refusal(COLUMNS[key][0], "not_found", f"no insured person has {number}")
            persons[key] = found
        relation = self.relations.get(cell("relation").lower())
        if relation is None:
            raise Refusal(COLUMNS["relation"][0], "unknown_relation", cell("relation"))
        document_type = self.documents.get(cell("document_type").lower())
        if document_type is None:
            raise Refusal(
                COLUMNS["document_type"][0], "unknown_document_type", cell("document_type")
            )
        uploads = []
        root = folder.resolve()
        for name in filter(None, (n.strip() for n in cell("pages").split(";"))):
            path = (folder / name).resolve()
            if root not in path.parents or not path.is_file():
                raise Refusal(COLUMNS["pages"][0], "page_file_missing", f"no file {name}")
            uploads.append(SimpleUploadedFile(path.name, path.read_bytes()))
        try:
            return proof_submit(
                actor=actor,
                via=Via.COMMAND,
                authorizer=_person(persons["authorizer"]),
                beneficiary=_person(persons["beneficiary"]),
                relation=relation,
                document_type=document_type,
                uploads=uploads,
                channel=ProofChannel.BATCH,
                contact_phone=cell("phone"),
                external_ref=reference[:64],
                lookups=[lk for lk in persons.values() if lk.pk],
            )
        except DomainError as error:
            field = COLUMNS["pages"][0] if error.code.startswith("scan_") else "-"
            raise Refusal(field, error.code, str(error.message)) from error


def _person(lookup) -> InsuredPerson:
    return lookup.person
