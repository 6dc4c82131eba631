"""Writes for the reading (OCR) of proof pages: the worker's side of a page.

A page is read once. Its row is locked while it is read (``SKIP LOCKED``), so that a task
delivered twice, or two workers given the same case, read it once: the second passes over
a page being read and finds it read afterwards. A page the engine cannot read is recorded
as failed with the error, and is not read again.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts import ocr
from accounts.choices import OcrStatus
from accounts.models import ProofPage


def page_image_bytes(page: ProofPage) -> bytes:
    """The page as an image: a PDF page's rendering or an upright photo, else the file."""
    field = page.image if page.image else page.file
    with field.open("rb") as handle:
        return handle.read()


def _reading(page: ProofPage) -> dict:
    try:
        lines = ocr.read_image(page_image_bytes(page))
    except Exception as exc:  # noqa: BLE001 - a page the engine cannot read is recorded
        return {"ocr_status": OcrStatus.FAILED, "ocr_error": f"{type(exc).__name__}: {exc}"[:2000]}
    return {
        "ocr_status": OcrStatus.DONE,
        "ocr_text": "\n".join(line["text"] for line in lines),
        "ocr_boxes": lines,
        "ocr_ids": ocr.ids_on_page(lines),
        "ocr_error": "",
    }


def page_read(page: ProofPage) -> bool:
    """Read ``page`` if nobody has read it or is reading it; return whether this call did."""
    with transaction.atomic():
        locked = (
            ProofPage.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=page.pk, ocr_status=OcrStatus.PENDING)
            .first()
        )
        if locked is None:
            return False
        fields = _reading(locked) | {"ocr_engine": ocr.ENGINE_NAME, "ocr_at": timezone.now()}
        ProofPage.objects.filter(pk=locked.pk).update(**fields)
    return True


def pages_read(*, proof_id: int) -> int:
    """Read every page of a case not read yet; return how many this call read."""
    pages = ProofPage.objects.filter(proof_id=proof_id, ocr_status=OcrStatus.PENDING).order_by(
        "number"
    )
    return sum(page_read(page) for page in list(pages))


#: a page still unread this long after its upload has lost its task (a worker stopped)
UNREAD_AFTER_MINUTES = 10


def unread_pages_requeued(*, older_than_minutes: int = UNREAD_AFTER_MINUTES) -> int:
    """Queue a reading for every case with a page still unread ``older_than_minutes`` after
    its upload (its task was lost: a worker killed while it read); return how many cases.

    A reading queued twice reads each page once (see ``page_read``), so this is safe to run
    at every start of the worker, beside a worker that is reading.
    """
    from accounts.tasks import read_proof_pages

    before = timezone.now() - dt.timedelta(minutes=older_than_minutes)
    cases = list(
        ProofPage.objects.filter(ocr_status=OcrStatus.PENDING, uploaded_at__lt=before)
        .order_by("proof_id")
        .values_list("proof_id", flat=True)
        .distinct()
    )
    for proof_id in cases:
        read_proof_pages.enqueue(proof_id)
    return len(cases)
