"""Checking uploaded pages of a kinship proof by their content, never by name or declared type.

An image is opened and verified by Pillow; a PDF is parsed by pdfium and each of its pages
rendered. What is refused raises ``ScanRefused`` with a stable code before anything is
stored: a file over the size limit, one that is neither, a pixel bomb, a PDF with too many
pages or pages too large to render.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass, field

import imagehash
import pypdfium2
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from accounts.services.errors import DomainError

#: at most this many bytes a file (the issue: 10 MB a page)
MAX_FILE_BYTES = getattr(settings, "PROOF_MAX_FILE_BYTES", 10 * 1024 * 1024)
#: at most this many pages a case
MAX_PAGES = getattr(settings, "PROOF_MAX_PAGES", 20)
#: an image of more pixels than this is refused (a phone's photo is 12–50 million)
MAX_PIXELS = 60_000_000
#: a PDF page is rendered at most this many pixels on its longer side
RENDER_LONG_SIDE = 2200
#: a PDF page larger than this (in points, 1/72 inch) is no scan of a document
MAX_PDF_PAGE_POINTS = 14_400  # 200 inches
THUMBNAIL_SIDE = 320

IMAGE_TYPES = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png")}


class ScanRefused(DomainError):
    """An uploaded file that is not a page we keep."""

    code = "scan_refused"


@dataclass
class CheckedPage:
    """One page, ready to store: the image to show (None: show the file itself)."""

    pdf_page: int
    width: int
    height: int
    phash: str
    thumbnail: bytes
    image: bytes | None = None


@dataclass
class CheckedFile:
    name: str
    content: bytes
    content_type: str
    extension: str
    sha256: str
    pages: list[CheckedPage] = field(default_factory=list)


def _read(upload) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_FILE_BYTES:
        raise _too_large(upload)
    if hasattr(upload, "seek"):
        upload.seek(0)
    content = upload.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        raise _too_large(upload)
    if not content:
        raise ScanRefused(_("%(name)s is empty.") % {"name": _name(upload)}, code="scan_empty")
    return content


def _name(upload) -> str:
    return getattr(upload, "name", "") or "?"


def _too_large(upload) -> ScanRefused:
    return ScanRefused(
        _("%(name)s is larger than %(limit)s MB.")
        % {"name": _name(upload), "limit": MAX_FILE_BYTES // (1024 * 1024)},
        code="scan_too_large",
    )


def page_hash(image: Image.Image) -> str:
    """Return the perceptual hash of ``image`` (64 bits as 16 hex digits)."""
    return str(imagehash.phash(image.convert("L")))


def hash_distance(a: str, b: str) -> int:
    """Return how many of the 64 bits of two perceptual hashes differ."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _thumbnail(image: Image.Image) -> bytes:
    small = image.convert("RGB")
    small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80)
    return out.getvalue()


def _open_image(content: bytes, name: str) -> tuple[Image.Image, str]:
    refused = ScanRefused(
        _("%(name)s is neither a JPEG or PNG image nor a PDF.") % {"name": name},
        code="scan_not_image",
    )
    bomb = ScanRefused(
        _("%(name)s has too many pixels to be a scan (at most %(limit)s million).")
        % {"name": name, "limit": MAX_PIXELS // 1_000_000},
        code="scan_pixel_bomb",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(content))
            if probe.format not in IMAGE_TYPES:
                raise refused
            if probe.width * probe.height > MAX_PIXELS:
                raise bomb
            probe.verify()
            image = Image.open(io.BytesIO(content))
            image.load()
    except ScanRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise bomb from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise refused from exc
    return ImageOps.exif_transpose(image), probe.format


def _check_image(content: bytes, name: str) -> CheckedFile:
    image, kind = _open_image(content, name)
    content_type, extension = IMAGE_TYPES[kind]
    page = CheckedPage(
        pdf_page=0,
        width=image.width,
        height=image.height,
        phash=page_hash(image),
        thumbnail=_thumbnail(image),
    )
    return CheckedFile(
        name, content, content_type, extension, hashlib.sha256(content).hexdigest(), [page]
    )


def _check_pdf(content: bytes, name: str, room: int) -> CheckedFile:
    try:
        pdf = pypdfium2.PdfDocument(content)
    except pypdfium2.PdfiumError as exc:
        raise ScanRefused(
            _("%(name)s is not a PDF that can be read.") % {"name": name},
            code="scan_pdf_unreadable",
        ) from exc
    try:
        count = len(pdf)
        if count == 0:
            raise ScanRefused(_("%(name)s has no pages.") % {"name": name}, code="scan_empty")
        if count > room:
            raise ScanRefused(
                _("%(name)s has %(count)s pages; a case holds at most %(limit)s pages.")
                % {"name": name, "count": count, "limit": MAX_PAGES},
                code="scan_too_many_pages",
            )
        pages = []
        for index in range(count):
            page = pdf[index]
            width, height = page.get_size()
            if max(width, height) > MAX_PDF_PAGE_POINTS or min(width, height) <= 0:
                raise ScanRefused(
                    _("Page %(page)s of %(name)s is too large to be a document.")
                    % {"page": index + 1, "name": name},
                    code="scan_pdf_page_too_large",
                )
            scale = RENDER_LONG_SIDE / max(width, height)
            image = page.render(scale=scale).to_pil().convert("RGB")
            out = io.BytesIO()
            image.save(out, "JPEG", quality=85)
            pages.append(
                CheckedPage(
                    pdf_page=index,
                    width=image.width,
                    height=image.height,
                    phash=page_hash(image),
                    thumbnail=_thumbnail(image),
                    image=out.getvalue(),
                )
            )
    finally:
        pdf.close()
    return CheckedFile(
        name, content, "application/pdf", ".pdf", hashlib.sha256(content).hexdigest(), pages
    )


def check_upload(upload, *, pages_so_far: int = 0) -> CheckedFile:
    """Check one uploaded file; return it with its pages, or raise ``ScanRefused``.

    ``pages_so_far`` counts the pages the case has already (stored, or earlier files of
    the same upload), so that a case never holds more than ``MAX_PAGES``.
    """
    name = _name(upload)
    room = MAX_PAGES - pages_so_far
    if room <= 0:
        raise ScanRefused(
            _("A case holds at most %(limit)s pages.") % {"limit": MAX_PAGES},
            code="scan_too_many_pages",
        )
    content = _read(upload)
    if content.startswith(b"%PDF-"):
        return _check_pdf(content, name, room)
    return _check_image(content, name)


def check_uploads(uploads, *, pages_so_far: int = 0) -> list[CheckedFile]:
    """Check every file of one upload; refuse all of them if one is refused."""
    checked = []
    for upload in uploads:
        one = check_upload(upload, pages_so_far=pages_so_far)
        pages_so_far += len(one.pages)
        checked.append(one)
    return checked
