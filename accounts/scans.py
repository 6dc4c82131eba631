"""Checking uploaded pages of a kinship proof by their content, never by name or declared type.

An image is opened and decoded by Pillow; a PDF is parsed by pdfium and each of its pages
rendered. What is refused raises ``ScanRefused`` with a stable code and a message naming
the file, before anything is stored:

=========================== ================================================================
``scan_empty``              an empty file, or a PDF without pages
``scan_too_large``          more bytes than ``settings.PROOF_MAX_FILE_BYTES``
``scan_too_many_pages``     the case would hold more than ``settings.PROOF_MAX_PAGES`` pages
``scan_not_image``          neither an image nor a PDF (an HTML file named ``.jpg``)
``scan_wrong_format``       an image, but not JPEG or PNG (GIF, TIFF, WebP, BMP …)
``scan_pixel_bomb``         more pixels than ``settings.PROOF_MAX_PIXELS`` (an image, or an
                            image inside a PDF page)
``scan_damaged``            a JPEG or PNG that does not decode to the end (truncated)
``scan_pdf_unreadable``     a PDF pdfium cannot parse
``scan_pdf_encrypted``      a PDF that opens only with a password
``scan_pdf_page_too_large`` a PDF page larger than 200 inches on a side
``scan_pdf_active_content`` a PDF with JavaScript or embedded files
=========================== ================================================================

The limits are read from the settings at each call. A photo whose EXIF orientation says it
was taken sideways is kept as uploaded and also as an upright image, which the viewer shows
and the OCR reads. JPEGs are decoded at a reduced scale (libjpeg's DCT scaling) for the hash
and the thumbnail, which still decodes the whole file, so a truncated one is refused.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass, field

import imagehash
import pypdfium2
import pypdfium2.raw as pdfium_c
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from accounts import phash as hashes
from accounts.services.errors import DomainError

#: defaults of the limits (``settings.PROOF_MAX_FILE_BYTES`` and friends override them)
DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PAGES = 20
#: a phone's photo is 12–50 million pixels; a page scanned at 600 dpi 35 million
DEFAULT_MAX_PIXELS = 60_000_000
#: a PDF page is rendered at most this many pixels on its longer side
RENDER_LONG_SIDE = 2200
#: a PDF page larger than this (in points, 1/72 inch) is no scan of a document
MAX_PDF_PAGE_POINTS = 14_400  # 200 inches
THUMBNAIL_SIDE = 320
#: the hash and the thumbnail are computed on the image reduced to about this size
WORK_SIDE = 640
#: a PDF is recognised by its header, which the format allows anywhere in the first 1024 bytes
PDF_HEADER_WINDOW = 1024

#: what Pillow calls the accepted kinds; a phone's JPEG with a depth map is an "MPO"
IMAGE_TYPES = {
    "JPEG": ("image/jpeg", ".jpg"),
    "MPO": ("image/jpeg", ".jpg"),
    "PNG": ("image/png", ".png"),
}
#: EXIF orientations of a photo not stored upright, and those that swap width and height
_TURNED = {2, 3, 4, 5, 6, 7, 8}
_TRANSPOSED = {5, 6, 7, 8}


def max_file_bytes() -> int:
    return int(getattr(settings, "PROOF_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES))


def max_pages() -> int:
    return int(getattr(settings, "PROOF_MAX_PAGES", DEFAULT_MAX_PAGES))


def max_pixels() -> int:
    return int(getattr(settings, "PROOF_MAX_PIXELS", DEFAULT_MAX_PIXELS))


class ScanRefused(DomainError):
    """An uploaded file that is not a page we keep; ``name`` is the file's name."""

    code = "scan_refused"

    def __init__(self, message="", *, code: str | None = None, name: str = ""):
        super().__init__(message, code=code)
        self.name = name


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


def _name(upload) -> str:
    """The file's own name, without a folder some browsers send with it."""
    name = (getattr(upload, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1]
    return name[:120] or "?"


def _refused(message, name: str, code: str, **params) -> ScanRefused:
    return ScanRefused(message % {"name": name, **params}, code=code, name=name)


def _too_large(name: str) -> ScanRefused:
    return _refused(
        _("%(name)s is larger than %(limit)s MB."),
        name,
        "scan_too_large",
        limit=f"{max_file_bytes() / (1024 * 1024):g}",
    )


def _read(upload, name: str) -> bytes:
    limit = max_file_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise _too_large(name)
    if hasattr(upload, "seek"):
        upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise _too_large(name)
    if not content:
        raise _refused(_("%(name)s is empty."), name, "scan_empty")
    return content


def page_hash(image: Image.Image) -> str:
    """Return the perceptual hash of ``image`` (64 bits as 16 hex digits)."""
    return str(imagehash.phash(image.convert("L")))


def hash_distance(a: str, b: str) -> int:
    """Return how many of the 64 bits of two perceptual hashes differ."""
    return hashes.distance(a, b)


def _flat(image: Image.Image) -> Image.Image:
    """The image in RGB or L, transparent parts on white (as the page would be printed)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, "white")
        return Image.alpha_composite(white, rgba).convert("RGB")
    if image.mode in ("RGB", "L"):
        return image
    return image.convert("RGB")


def _reduced(image: Image.Image) -> Image.Image:
    """The image reduced by a whole factor to about ``WORK_SIDE`` (JPEGs arrive so already)."""
    factor = max(image.size) // (2 * WORK_SIDE)
    return image.reduce(factor) if factor >= 2 else image


def _thumbnail(image: Image.Image) -> bytes:
    small = image.convert("RGB")
    small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80)
    return out.getvalue()


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def _pixel_bomb(name: str) -> ScanRefused:
    return _refused(
        _("%(name)s has too many pixels to be a scan (at most %(limit)s million)."),
        name,
        "scan_pixel_bomb",
        limit=max_pixels() // 1_000_000,
    )


def _damaged(name: str) -> ScanRefused:
    return _refused(
        _("%(name)s is damaged or incomplete (it does not decode to the end)."),
        name,
        "scan_damaged",
    )


def _open(content: bytes, name: str) -> Image.Image:
    """Open (not decode) the image; refuse what is no image, another kind, or a bomb."""
    try:
        with warnings.catch_warnings():
            # our own limit (settings.PROOF_MAX_PIXELS) is judged below; Pillow's error at
            # twice its own stays as a backstop
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content))
    except Image.DecompressionBombError:
        raise _pixel_bomb(name) from None
    except UnidentifiedImageError:
        raise _refused(
            _("%(name)s is neither a JPEG or PNG image nor a PDF."), name, "scan_not_image"
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _damaged(name) from exc
    if image.format not in IMAGE_TYPES:
        raise _refused(
            _("%(name)s is a %(kind)s image; only JPEG, PNG and PDF are accepted."),
            name,
            "scan_wrong_format",
            kind=image.format or "?",
        )
    if image.width * image.height > max_pixels():
        raise _pixel_bomb(name)
    return image


def _decode(image: Image.Image, name: str) -> Image.Image:
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
        raise _damaged(name) from exc
    return image


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(ExifTags.Base.Orientation, 1) or 1)
    except (ValueError, TypeError, SyntaxError, OSError):
        return 1  # unreadable EXIF: as stored


def _check_image(content: bytes, name: str) -> CheckedFile:
    image = _open(content, name)
    kind = image.format
    declared = width, height = image.size
    if kind in ("JPEG", "MPO"):
        image.draft("RGB", (WORK_SIDE, WORK_SIDE))  # decodes every block, at 1/2 … 1/8 scale
    work = _decode(image, name)
    orientation = _orientation(work)
    upright_image = None
    if orientation in _TURNED:
        if orientation in _TRANSPOSED:
            width, height = height, width
        full = work if work.size == declared else _decode(_open(content, name), name)
        upright_image = _jpeg(_flat(ImageOps.exif_transpose(full)).convert("RGB"), 90)
        work = ImageOps.exif_transpose(work)
    work = _reduced(_flat(work))
    page = CheckedPage(
        pdf_page=0,
        width=width,
        height=height,
        phash=page_hash(work),
        thumbnail=_thumbnail(work),
        image=upright_image,
    )
    content_type, extension = IMAGE_TYPES[kind]
    return CheckedFile(
        name, content, content_type, extension, hashlib.sha256(content).hexdigest(), [page]
    )


def _pdf_refused_on_open(exc: pypdfium2.PdfiumError, content: bytes, name: str) -> ScanRefused:
    # pdfium's error code is the last one it set, in any document: believe it only for a
    # file that has an encryption dictionary (its trailer is never compressed)
    if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD and b"/Encrypt" in content:
        return _refused(
            _("%(name)s is protected by a password; upload it without one."),
            name,
            "scan_pdf_encrypted",
        )
    return _refused(_("%(name)s is not a PDF that can be read."), name, "scan_pdf_unreadable")


def _active_content(pdf: pypdfium2.PdfDocument) -> bool:
    """Whether the PDF runs JavaScript or carries files of its own."""
    raw = pdf.raw
    return (
        pdfium_c.FPDFDoc_GetJavaScriptActionCount(raw) > 0
        or pdfium_c.FPDFDoc_GetAttachmentCount(raw) > 0
    )


def _check_pdf_page(pdf, index: int, name: str) -> CheckedPage:
    page = pdf[index]
    try:
        width, height = page.get_size()
        if max(width, height) > MAX_PDF_PAGE_POINTS or min(width, height) <= 0:
            raise _refused(
                _("Page %(page)s of %(name)s is too large to be a document."),
                name,
                "scan_pdf_page_too_large",
                page=index + 1,
            )
        limit = max_pixels()
        for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=8):
            w, h = obj.get_px_size()
            if w * h > limit:
                raise _refused(
                    _("Page %(page)s of %(name)s holds an image of too many pixels to be a scan."),
                    name,
                    "scan_pixel_bomb",
                    page=index + 1,
                )
        scale = RENDER_LONG_SIDE / max(width, height)
        image = page.render(scale=scale, may_draw_forms=False).to_pil().convert("RGB")
    finally:
        page.close()
    work = _reduced(image)
    return CheckedPage(
        pdf_page=index,
        width=image.width,
        height=image.height,
        phash=page_hash(work),
        thumbnail=_thumbnail(work),
        image=_jpeg(image, 85),
    )


def _check_pdf(content: bytes, name: str, room: int) -> CheckedFile:
    try:
        pdf = pypdfium2.PdfDocument(content)
    except pypdfium2.PdfiumError as exc:
        raise _pdf_refused_on_open(exc, content, name) from exc
    try:
        count = len(pdf)
        if count == 0:
            raise _refused(_("%(name)s has no pages."), name, "scan_empty")
        if count > room:
            raise _refused(
                _("%(name)s has %(count)s pages; a case holds at most %(limit)s pages."),
                name,
                "scan_too_many_pages",
                count=count,
                limit=max_pages(),
            )
        if _active_content(pdf):
            raise _refused(
                _("%(name)s contains scripts or attached files; upload the scanned pages only."),
                name,
                "scan_pdf_active_content",
            )
        pages = [_check_pdf_page(pdf, index, name) for index in range(count)]
    finally:
        pdf.close()
    return CheckedFile(
        name, content, "application/pdf", ".pdf", hashlib.sha256(content).hexdigest(), pages
    )


def check_upload(upload, *, pages_so_far: int = 0) -> CheckedFile:
    """Check one uploaded file; return it with its pages, or raise ``ScanRefused``.

    ``pages_so_far`` counts the pages the case has already (stored, or earlier files of
    the same upload), so that a case never holds more than ``settings.PROOF_MAX_PAGES``.
    """
    name = _name(upload)
    room = max_pages() - pages_so_far
    if room <= 0:
        raise _refused(
            _("%(name)s: a case holds at most %(limit)s pages."),
            name,
            "scan_too_many_pages",
            limit=max_pages(),
        )
    content = _read(upload, name)
    if b"%PDF-" in content[:PDF_HEADER_WINDOW]:
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
