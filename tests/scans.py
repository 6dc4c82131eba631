"""Pages for the kinship-proof tests: generated images and PDFs with known text."""

from __future__ import annotations

import io
import shutil
import subprocess
from functools import cache

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont


@cache
def cjk_font_path() -> str:
    """A font with Chinese glyphs (Debian's fonts-wqy-microhei, installed by `make browser`)."""
    for path in (
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    ):
        try:
            ImageFont.truetype(path, 20)
            return path
        except OSError:
            continue
    if shutil.which("fc-list"):
        out = subprocess.run(
            ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, check=False
        ).stdout
        for line in out.splitlines():
            path = line.split(":")[0].strip()
            if path:
                return path
    raise RuntimeError("no CJK font installed: run `make browser`")


def page_image(lines=("常住人口登记卡",), *, size=(1240, 1754), seed_text="") -> Image.Image:
    """A white page with ``lines`` of black text, as a scan of a document page looks."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(cjk_font_path(), 44)
    y = 120
    for line in lines:
        draw.text((100, y), line, font=font, fill="black")
        y += 110
    draw.rectangle((60, 60, size[0] - 60, y + 40), outline="black", width=4)
    if seed_text:
        draw.text((100, size[1] - 200), seed_text, font=font, fill="gray")
    return image


def image_bytes(image: Image.Image, kind="PNG", **options) -> bytes:
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


def pdf_bytes(images) -> bytes:
    images = list(images)
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=150)
    return out.getvalue()


def upload(name: str, content: bytes, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def png_upload(name="page.png", lines=("常住人口登记卡",), **kwargs):
    return upload(name, image_bytes(page_image(lines, **kwargs)), "image/png")


def household_page(person, *, head=False):
    """A 户口本 page naming ``person`` with their ID number."""
    title = "户主页" if head else "常住人口登记卡"
    return page_image((title, f"姓名 {person.name}", f"公民身份号码 {person.national_id}"))
