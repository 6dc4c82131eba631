"""Upload checks: a page is judged by its content, and a refused file leaves nothing behind."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2
import pytest
from django.core.files.storage import default_storage
from PIL import Image

from accounts.models import Binding, KinshipProof, ProofPage
from accounts.scans import ScanRefused, check_upload, check_uploads
from accounts.services.scans import page_image_bytes
from tests.accounts.proofs.helpers import caseworker, couple, submit
from tests.scans import (
    encrypted_pdf,
    exif_rotated_jpeg,
    household_page,
    image_bytes,
    page_image,
    pdf_bytes,
    pdf_document,
    pdf_with_huge_image,
    pdf_with_javascript,
    pdf_with_page_size,
    png_declaring,
    upload,
)

PAGE = page_image(("常住人口登记卡", "姓名 张三"), size=(620, 877))


def stored_files() -> set[str]:
    root = Path(default_storage.location)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def _refusal(name: str, content: bytes) -> ScanRefused:
    with pytest.raises(ScanRefused) as refused:
        check_upload(upload(name, content))
    return refused.value


REFUSED = {
    "html_named_jpg": (
        "scan.jpg",
        lambda: b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
        "scan_not_image",
    ),
    "empty": ("scan.png", lambda: b"", "scan_empty"),
    "over_10_mb": (
        "big.jpg",
        lambda: image_bytes(PAGE, "JPEG")[:100] + b"\0" * (10 * 1024 * 1024),
        "scan_too_large",
    ),
    "png_of_30000_by_30000": ("bomb.png", lambda: png_declaring(30000, 30000), "scan_pixel_bomb"),
    "png_over_the_portal_limit_under_pillows": (
        "big.png",
        lambda: png_declaring(8000, 8000),
        "scan_pixel_bomb",
    ),
    "truncated_jpeg": (
        "cut.jpg",
        lambda: image_bytes(PAGE, "JPEG", quality=90)[:-3000],
        "scan_damaged",
    ),
    "truncated_png": ("cut.png", lambda: image_bytes(PAGE)[:-2000], "scan_damaged"),
    "gif": ("page.gif", lambda: image_bytes(PAGE, "GIF"), "scan_wrong_format"),
    "tiff": ("page.tif", lambda: image_bytes(PAGE, "TIFF"), "scan_wrong_format"),
    "webp": ("page.webp", lambda: image_bytes(PAGE, "WEBP"), "scan_wrong_format"),
    "bmp_named_png": ("page.png", lambda: image_bytes(PAGE, "BMP"), "scan_wrong_format"),
    "pdf_of_300_pages": (
        "book.pdf",
        lambda: pdf_bytes([Image.new("L", (60, 80), "white")] * 300),
        "scan_too_many_pages",
    ),
    "pdf_page_of_1400_inches": (
        "poster.pdf",
        lambda: pdf_with_page_size(100_000, 100_000),
        "scan_pdf_page_too_large",
    ),
    "pdf_showing_an_image_of_900_million_pixels": (
        "bomb.pdf",
        lambda: pdf_with_huge_image(30000, 30000),
        "scan_pixel_bomb",
    ),
    "pdf_with_a_password": ("locked.pdf", lambda: encrypted_pdf("secret"), "scan_pdf_encrypted"),
    "pdf_with_javascript": ("script.pdf", pdf_with_javascript, "scan_pdf_active_content"),
    "pdf_without_pages": (
        "none.pdf",
        lambda: pdf_document(
            [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
        ),
        "scan_pdf_unreadable",  # pdfium does not open a document without pages
    ),
    "pdf_header_then_garbage": (
        "broken.pdf",
        lambda: b"%PDF-1.7\n" + b"\x00" * 500,
        "scan_pdf_unreadable",
    ),
}


@pytest.mark.parametrize("kind", REFUSED)
def test_a_refused_file_gets_its_own_code_and_a_message_naming_it(kind):
    name, content, code = REFUSED[kind]

    refused = _refusal(name, content())

    assert refused.code == code
    assert refused.name == name
    assert name in str(refused)


def test_every_kind_of_refusal_is_tried():
    assert {code for _, _, code in REFUSED.values()} == {
        "scan_empty",
        "scan_too_large",
        "scan_too_many_pages",
        "scan_not_image",
        "scan_wrong_format",
        "scan_pixel_bomb",
        "scan_damaged",
        "scan_pdf_unreadable",
        "scan_pdf_encrypted",
        "scan_pdf_page_too_large",
        "scan_pdf_active_content",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["html_named_jpg", "png_of_30000_by_30000", "pdf_with_a_password"])
def test_an_intake_with_one_refused_file_stores_nothing(kind):
    name, content, code = REFUSED[kind]
    a, b = couple()
    before = stored_files()
    good = upload("good.png", image_bytes(household_page(a)), "image/png")
    bad = upload(name, content(), "image/jpeg")

    with pytest.raises(ScanRefused) as refused:
        submit(caseworker(), a, b, uploads=[good, bad])

    assert refused.value.code == code
    assert stored_files() == before
    assert KinshipProof.objects.count() == ProofPage.objects.count() == 0
    assert Binding.objects.count() == 0


def test_a_folder_in_the_uploaded_name_is_left_out_of_the_message():
    refused = _refusal("C:\\Users\\clerk\\Desktop\\scan.jpg", b"<html></html>")
    assert refused.name == "scan.jpg"
    assert "Desktop" not in str(refused)


def test_the_size_limit_is_read_from_the_settings_at_each_call(settings):
    content = image_bytes(PAGE)
    assert check_upload(upload("page.png", content)).pages

    settings.PROOF_MAX_FILE_BYTES = len(content) - 1

    assert _refusal("page.png", content).code == "scan_too_large"


def test_the_page_limit_is_read_from_the_settings_at_each_call(settings):
    settings.PROOF_MAX_PAGES = 3
    four_pages = pdf_bytes([PAGE] * 4)

    assert _refusal("four.pdf", four_pages).code == "scan_too_many_pages"
    assert len(check_upload(upload("three.pdf", pdf_bytes([PAGE] * 3))).pages) == 3


def test_files_of_one_upload_count_together_against_the_page_limit(settings):
    settings.PROOF_MAX_PAGES = 3
    files = [upload("two.pdf", pdf_bytes([PAGE] * 2)), upload("one.png", image_bytes(PAGE))]
    assert sum(len(f.pages) for f in check_uploads(files)) == 3

    files.append(upload("more.png", image_bytes(PAGE)))
    with pytest.raises(ScanRefused) as refused:
        check_uploads(files)
    assert refused.value.code == "scan_too_many_pages"
    assert "more.png" in str(refused.value)


def test_the_pixel_limit_is_read_from_the_settings(settings):
    settings.PROOF_MAX_PIXELS = 500_000
    assert _refusal("page.png", image_bytes(PAGE)).code == "scan_pixel_bomb"


def test_a_pdf_protected_only_against_editing_is_accepted():
    # no password is needed to open it: every reader shows it, so does the portal
    checked = check_upload(upload("restricted.pdf", encrypted_pdf(user_password="")))
    assert len(checked.pages) == 1


def test_the_encrypted_pdf_of_the_tests_opens_with_its_password():
    pdf = pypdfium2.PdfDocument(encrypted_pdf("secret"), password="secret")
    assert len(pdf) == 1
    pdf.close()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("scan.png", lambda: image_bytes(PAGE, "JPEG"), "image/jpeg"),  # named by its content
        ("scan.jpg", lambda: image_bytes(PAGE), "image/png"),
        (
            "phone.jpg",
            lambda: image_bytes(PAGE, "MPO", save_all=True, append_images=[PAGE]),
            "image/jpeg",
        ),
        ("cmyk.jpg", lambda: image_bytes(PAGE.convert("CMYK"), "JPEG"), "image/jpeg"),
        ("grey16.png", lambda: image_bytes(PAGE.convert("L").convert("I;16")), "image/png"),
        ("alpha.png", lambda: image_bytes(PAGE.convert("RGBA")), "image/png"),
        ("palette.png", lambda: image_bytes(PAGE.convert("P")), "image/png"),
        ("scan.pdf", lambda: pdf_bytes([PAGE, PAGE]), "application/pdf"),
        ("late-header.pdf", lambda: b"\r\n" * 100 + pdf_bytes([PAGE]), "application/pdf"),
    ],
)
def test_jpeg_png_and_pdf_pages_are_accepted_by_their_content(name, content, content_type):
    checked = check_upload(upload(name, content()))

    assert checked.content_type == content_type
    assert checked.extension == {"image/jpeg": ".jpg", "image/png": ".png"}.get(
        content_type, ".pdf"
    )
    for page in checked.pages:
        thumb = Image.open(io.BytesIO(page.thumbnail))
        assert thumb.format == "JPEG" and max(thumb.size) == 320
        assert len(page.phash) == 16


def _upright(content: bytes) -> Image.Image:
    return Image.open(io.BytesIO(content))


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_a_photo_taken_sideways_is_made_upright(orientation):
    upright = page_image(("常住人口登记卡",), size=(600, 900))
    content = exif_rotated_jpeg(upright, orientation)

    page = check_upload(upload("phone.jpg", content)).pages[0]

    assert (page.width, page.height) == (600, 900)
    shown = _upright(page.image)
    assert shown.size == (600, 900)
    assert shown.getexif().get(0x0112) is None  # the upright image needs no turning
    # the top band (where the title is) is dark in the upright image, as in the original
    assert _dark_share(shown, top=True) > 0.003
    assert _dark_share(upright, top=True) > 0.003
    assert _upright(page.thumbnail).size == (213, 320)
    plain = check_upload(upload("flat.jpg", image_bytes(upright, "JPEG", quality=90))).pages[0]
    assert plain.image is None  # an upright photo is shown as uploaded
    from accounts.scans import hash_distance

    assert hash_distance(page.phash, plain.phash) <= 2


def _dark_share(image: Image.Image, *, top: bool) -> float:
    grey = image.convert("L")
    band = grey.crop((0, 0, grey.width, grey.height // 6))
    histogram = band.histogram()
    return sum(histogram[:100]) / (band.width * band.height)


@pytest.mark.django_db
def test_an_upright_copy_of_a_turned_photo_is_stored_and_read():
    a, b = couple()
    content = exif_rotated_jpeg(household_page(a), 6)

    proof = submit(caseworker(), a, b, uploads=[upload("phone.jpg", content, "image/jpeg")])

    page = proof.pages.get()
    assert (page.width, page.height) == (1240, 1754)
    assert page.image  # the upright copy, which the viewer shows and the OCR reads
    assert _upright(page_image_bytes(page)).size == (1240, 1754)
    with page.file.open("rb") as handle:
        assert handle.read() == content  # the file as uploaded is kept too


def test_a_refusal_is_told_in_chinese_naming_the_file():
    from django.utils import translation

    with translation.override("zh-hans"):
        wrong = _refusal("扫描件.gif", image_bytes(PAGE, "GIF"))
        big = _refusal("大.jpg", b"\xff" * (10 * 1024 * 1024 + 1))

    assert str(wrong) == "扫描件.gif 是 GIF 格式的图片；只接受 JPEG、PNG 和 PDF。"
    assert str(big) == "大.jpg 超过 10 MB。"
