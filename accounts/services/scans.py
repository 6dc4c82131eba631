"""Writes for the reading (OCR) of proof pages: the worker's side of a page."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts import ocr
from accounts.choices import OcrStatus
from accounts.models import ProofPage


def page_image_bytes(page: ProofPage) -> bytes:
    """The page as an image: a PDF page's rendering, or the image file as uploaded."""
    field = page.image if page.image else page.file
    with field.open("rb") as handle:
        return handle.read()


def page_read(page: ProofPage) -> ProofPage:
    """Read one page and store what was found (or why it could not be read)."""
    try:
        lines = ocr.read_image(page_image_bytes(page))
    except Exception as exc:  # noqa: BLE001 - a page the engine cannot read is recorded
        fields = {"ocr_status": OcrStatus.FAILED, "ocr_error": f"{type(exc).__name__}: {exc}"}
    else:
        fields = {
            "ocr_status": OcrStatus.DONE,
            "ocr_text": "\n".join(line["text"] for line in lines),
            "ocr_boxes": lines,
            "ocr_error": "",
        }
    fields |= {"ocr_engine": ocr.ENGINE_NAME, "ocr_at": timezone.now()}
    with transaction.atomic():
        # a page read twice (a task delivered twice) keeps the first reading
        ProofPage.objects.filter(pk=page.pk, ocr_status=OcrStatus.PENDING).update(**fields)
    page.refresh_from_db()
    return page


def pages_read(*, proof_id: int) -> int:
    """Read every page of a case not read yet; return how many were read."""
    pages = list(ProofPage.objects.filter(proof_id=proof_id, ocr_status=OcrStatus.PENDING))
    for page in pages:
        page_read(page)
    return len(pages)
