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


# --- realistic pages, for the OCR tests and bench/ocr.py ------------------------------------

#: A4 at 150 dpi
A4_150 = (1240, 1754)


def _font(size: int):
    return ImageFont.truetype(cjk_font_path(), size)


def _cells(draw, top: int, rows, *, left=80, right=1160, height=96, font):
    """Draw a table of ``rows`` (each a list of (label, value, width share)) from ``top``."""
    y = top
    for row in rows:
        x = left
        for label, value, share in row:
            width = round((right - left) * share)
            label_width = min(230, width // 2) if label else 0
            draw.rectangle((x, y, x + width, y + height), outline="black", width=2)
            if label:
                draw.line((x + label_width, y, x + label_width, y + height), fill="black", width=2)
                draw.text((x + 14, y + 28), label, font=font, fill="black")
            if value:
                draw.text((x + label_width + 18, y + 26), value, font=font, fill="black")
            x += width
        y += height
    return y


def household_register_page(
    name: str,
    national_id: str,
    *,
    relation: str = "户主",
    sex: str = "男",
    birthplace: str = "山东省济南市",
    spaced_name: bool = False,
    split_id: bool = False,
    size=A4_150,
) -> Image.Image:
    """A 常住人口登记卡 (a person's 户口本 page) as a flatbed scan shows it: a ruled table
    of labels and values. ``spaced_name`` prints the name with spaces between its
    characters; ``split_id`` prints the number in two parts with a gap (two OCR boxes)."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    title, font = _font(56), _font(34)
    draw.text((size[0] // 2 - 200, 90), "常住人口登记卡", font=title, fill="black")
    shown_name = " ".join(name) if spaced_name else name
    birth = f"{national_id[6:10]}年{national_id[10:12]}月{national_id[12:14]}日"
    y = _cells(
        draw,
        220,
        [
            [("姓名", shown_name, 0.5), ("户主或与户主关系", relation, 0.5)],
            [("曾用名", "", 0.5), ("性别", sex, 0.5)],
            [("出生地", birthplace, 0.5), ("民族", "汉", 0.5)],
            [("籍贯", birthplace, 0.5), ("出生日期", birth, 0.5)],
            [("宗教信仰", "", 0.5), ("身高", "175", 0.5)],
        ],
        font=font,
    )
    # the identity number's row: the label, then the number (or its two parts)
    draw.rectangle((80, y, 1160, y + 96), outline="black", width=2)
    draw.line((380, y, 380, y + 96), fill="black", width=2)
    draw.text((94, y + 28), "公民身份号码", font=font, fill="black")
    if split_id:
        draw.text((410, y + 26), national_id[:10], font=font, fill="black")
        draw.text((760, y + 26), national_id[10:], font=font, fill="black")
    else:
        draw.text((410, y + 26), national_id, font=font, fill="black")
    y += 96
    _cells(
        draw,
        y,
        [
            [("文化程度", "大学", 0.5), ("婚姻状况", "已婚", 0.5)],
            [("服务处所", "", 0.5), ("职业", "职员", 0.5)],
            [("何时由何地迁来本址", "", 1.0)],
        ],
        font=font,
    )
    draw.text((120, size[1] - 160), "承办人签章", font=font, fill="black")
    draw.text((820, size[1] - 160), "登记日期 2015年03月02日", font=_font(28), fill="black")
    return image


def marriage_certificate_page(husband, wife, *, size=A4_150) -> Image.Image:
    """The page of a 结婚证 with both persons' names and ID numbers (``(name, id)`` pairs)."""
    image = Image.new("RGB", size, (250, 244, 236))
    draw = ImageDraw.Draw(image)
    title, font = _font(60), _font(34)
    draw.text((size[0] // 2 - 90, 110), "结婚证", font=title, fill=(150, 20, 20))
    draw.text((120, 260), f"持证人 {husband[0]}", font=font, fill="black")
    draw.text((120, 340), "登记日期 2018年05月20日", font=font, fill="black")
    draw.text((120, 420), "结婚证字号 J370102-2018-004521", font=font, fill="black")
    draw.text((120, 500), "备注", font=font, fill="black")
    y = 640
    for (name, number), sex in ((husband, "男"), (wife, "女")):
        draw.text((120, y), f"姓名 {name}", font=font, fill="black")
        draw.text((620, y), f"性别 {sex}", font=font, fill="black")
        draw.text((120, y + 80), "国籍 中国", font=font, fill="black")
        birth = f"{number[6:10]}年{number[10:12]}月{number[12:14]}日"
        draw.text((620, y + 80), f"出生日期 {birth}", font=font, fill="black")
        draw.text((120, y + 160), f"身份证件号 {number}", font=font, fill="black")
        y += 320
    draw.rectangle((60, 60, size[0] - 60, size[1] - 60), outline=(150, 20, 20), width=6)
    return image


def exif_rotated_jpeg(upright: Image.Image, orientation: int = 6, **options) -> bytes:
    """A JPEG whose pixels are stored turned, with the EXIF orientation that turns them
    upright again (as a phone held sideways writes it): 6 = turn 90° clockwise to show."""
    stored = {
        3: Image.Transpose.ROTATE_180,
        6: Image.Transpose.ROTATE_90,
        8: Image.Transpose.ROTATE_270,
    }[orientation]
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    upright.transpose(stored).save(out, "JPEG", exif=exif, quality=90, **options)
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A real 1-bit PNG of ``width`` × ``height`` white pixels: huge declared, tiny on disk."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    packer = zlib.compressobj(9)
    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    data = b"".join(packer.compress(row * 1000) for _ in range(height // 1000))
    data += packer.compress(row * (height % 1000)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def pdf_document(objects: list[bytes], *, trailer: bytes = b"") -> bytes:
    """A PDF of ``objects`` (the bodies of objects 1, 2, …; 1 is the catalogue), with its
    cross-reference table: for PDFs no library here would write (bombs, scripts)."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R " % (len(objects) + 1) + trailer + b">>\n")
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d " % len(data) + extra + b">>\nstream\n" + data + b"\nendstream"


def pdf_with_page_size(width_points: int, height_points: int) -> bytes:
    """A one-page PDF whose page is ``width_points`` × ``height_points`` (1/72 inch)."""
    return pdf_document(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents 4 0 R >>"
            % (width_points, height_points),
            _stream(b"0 0 m 100 100 l S"),
        ]
    )


def pdf_with_huge_image(width: int, height: int) -> bytes:
    """An A4 PDF page showing a 1-bit image of ``width`` × ``height`` pixels (Flate-packed
    zeros: tiny on disk, gigabytes once decoded)."""
    import zlib

    packer = zlib.compressobj(9)
    row = b"\x00" * ((width + 7) // 8)
    data = b"".join(packer.compress(row * 1000) for _ in range(height // 1000))
    data += packer.compress(row * (height % 1000)) + packer.flush()
    image = _stream(
        data,
        b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 1 /Filter /FlateDecode " % (width, height),
    )
    return pdf_document(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /XObject << /Im1 5 0 R >> >> >>",
            _stream(b"q 595 0 0 842 0 0 cm /Im1 Do Q"),
            image,
        ]
    )


def pdf_with_javascript() -> bytes:
    """A one-page PDF that runs JavaScript when opened."""
    return pdf_document(
        [
            b"<< /Type /Catalog /Pages 2 0 R /Names << /JavaScript 5 0 R >> >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            _stream(b"0 0 m 100 100 l S"),
            b"<< /Names [(run) << /S /JavaScript /JS (app.alert\\(1\\)) >>] >>",
        ]
    )


def _rc4(key: bytes, data: bytes) -> bytes:
    state = list(range(256))
    j = 0
    for i in range(256):
        j = (j + state[i] + key[i % len(key)]) % 256
        state[i], state[j] = state[j], state[i]
    out, i, j = bytearray(), 0, 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + state[i]) % 256
        state[i], state[j] = state[j], state[i]
        out.append(byte ^ state[(state[i] + state[j]) % 256])
    return bytes(out)


_PDF_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def encrypted_pdf(user_password: str = "secret", owner_password: str = "owner") -> bytes:
    """A one-page PDF encrypted by the standard security handler (RC4, 40 bits, revision
    2): it opens only with ``user_password`` (or none, if that is empty)."""
    import hashlib

    def padded(password: str) -> bytes:
        return (password.encode("latin-1") + _PDF_PAD)[:32]

    file_id = hashlib.md5(b"kinship-proof-test").digest()
    permissions = -4  # every right, as a signed 32-bit number
    owner_entry = _rc4(hashlib.md5(padded(owner_password)).digest()[:5], padded(user_password))
    key = hashlib.md5(
        padded(user_password)
        + owner_entry
        + permissions.to_bytes(4, "little", signed=True)
        + file_id
    ).digest()[:5]
    user_entry = _rc4(key, _PDF_PAD)

    def sealed(number: int, data: bytes) -> bytes:
        object_key = hashlib.md5(key + number.to_bytes(3, "little") + b"\x00\x00").digest()[:10]
        return _rc4(object_key, data)

    content = b"0 0 1 rg 50 50 400 600 re f"
    return pdf_document(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            _stream(sealed(4, content)),
            b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>"
            % (owner_entry.hex().encode(), user_entry.hex().encode(), permissions),
        ],
        trailer=b"/Encrypt 5 0 R /ID [<%s> <%s>] "
        % (file_id.hex().encode(), file_id.hex().encode()),
    )
