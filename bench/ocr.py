"""Benchmark: OCR pages per second per core, and the time of the upload checks.

    .venv/bin/python bench/ocr.py [READS]      (default 5 reads of each page)

One process, one thread (onnxruntime, OpenCV and the BLAS libraries held to one thread),
as the worker reads: the figure per core is the figure of this process.

1. Reads generated pages, A4 at 150 dpi (1240 x 1754): a 户口本 page (常住人口登记卡) and a
   结婚证 page, as PNG; and the same 户口本 page uploaded as a PDF, rendered the way
   ``check_upload`` renders it (2200 px on the long side). Checks each reading found the
   ID numbers printed on the page. Prints seconds a page (median) and pages per second.
2. Times ``check_upload`` (median of READS) on a 12-megapixel phone photo (JPEG, 4000 x
   3000, noisy, about 7 MB), the same photo taken sideways (EXIF orientation 6, so an
   upright copy is made), and a 10-page PDF of A4 pages scanned at 150 dpi.

No database is used.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import datetime as dt  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")

import django  # noqa: E402

django.setup()

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from accounts import idnumbers, ocr  # noqa: E402
from accounts.scans import check_upload  # noqa: E402
from tests.scans import (  # noqa: E402
    _font,
    exif_rotated_jpeg,
    household_register_page,
    image_bytes,
    marriage_certificate_page,
    pdf_bytes,
)

cv2.setNumThreads(1)
READS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
HUSBAND = ("王建国", idnumbers.make("370102", dt.date(1985, 3, 7), 123))
WIFE = ("李秀英", idnumbers.make("370102", dt.date(1987, 9, 12), 342))


def median_seconds(work, times: int) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of ``work``: on a shared machine the CPU time is
    the cost per core, the wall-clock time what this run got."""
    wall, cpu = [], []
    for _ in range(times):
        started, started_cpu = time.perf_counter(), time.process_time()
        work()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), statistics.median(cpu)


def phone_photo() -> Image.Image:
    """A 12 MP photo of a page: paper with noise and shading, text across it."""
    rng = np.random.default_rng(12)
    height, width = 3000, 4000
    shade = np.linspace(170, 225, width)[None, :, None]
    pixels = (shade + rng.normal(0, 18, (height, width, 3))).clip(0, 255).astype("uint8")
    photo = Image.fromarray(pixels)
    draw = ImageDraw.Draw(photo)
    font = _font(110)
    for line in range(14):
        draw.text(
            (260, 180 + 195 * line),
            "常住人口登记卡 公民身份号码 " + HUSBAND[1],
            font=font,
            fill=(20, 20, 20),
        )
    return photo


def main() -> None:
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, one thread")
    print(f"engine: {ocr.ENGINE_NAME}")
    household = household_register_page(*HUSBAND)
    marriage = marriage_certificate_page(HUSBAND, WIFE)
    rendered = check_upload(SimpleUploadedFile("hh.pdf", pdf_bytes([household]))).pages[0].image
    pages = {
        "户口本 page, PNG 1240x1754": (image_bytes(household), {HUSBAND[1]}),
        "结婚证 page, PNG 1240x1754": (image_bytes(marriage), {HUSBAND[1], WIFE[1]}),
        "户口本 page from a PDF, rendered 1555x2200": (rendered, {HUSBAND[1]}),
    }
    ocr.read_image(pages["户口本 page, PNG 1240x1754"][0])  # loads the models
    print(f"\n| page | CPU s a page | pages/s per core | wall s (median of {READS}) | IDs read |")
    print("|---|---:|---:|---:|---|")
    for label, (content, printed) in pages.items():
        found = set(ocr.ids_on_page(ocr.read_image(content)))
        wall, cpu = median_seconds(lambda content=content: ocr.read_image(content), READS)
        verdict = "all" if printed <= found else f"missed {sorted(printed - found)}"
        print(f"| {label} | {cpu:.2f} | {1 / cpu:.2f} | {wall:.2f} | {verdict} |")

    photo = phone_photo()
    jpeg = image_bytes(photo, "JPEG", quality=90)
    sideways = exif_rotated_jpeg(photo, 6)
    scanned = [household_register_page(f"测试{i}", HUSBAND[1]) for i in range(10)]
    pdf = pdf_bytes([image.convert("L") for image in scanned])
    uploads = {
        f"12 MP photo, JPEG ({len(jpeg) / 1e6:.1f} MB)": ("photo.jpg", jpeg),
        f"12 MP photo taken sideways, JPEG ({len(sideways) / 1e6:.1f} MB)": (
            "side.jpg",
            sideways,
        ),
        f"10-page PDF, A4 scanned at 150 dpi ({len(pdf) / 1e6:.1f} MB)": ("scan.pdf", pdf),
    }
    print(f"\n| check_upload of | CPU s | wall s (median of {READS}) |")
    print("|---|---:|---:|")
    for label, (name, content) in uploads.items():
        check_upload(SimpleUploadedFile(name, content))  # warm
        wall, cpu = median_seconds(
            lambda name=name, content=content: check_upload(SimpleUploadedFile(name, content)),
            READS,
        )
        print(f"| {label} | {cpu:.3f} | {wall:.3f} |")


if __name__ == "__main__":
    main()
