"""Open an enrollment file by what its bytes are: CSV, XLSX, XLS, a web page's table, or a
kind to refuse by name.

An empty file, a password-protected workbook, UTF-16 text, an XML Spreadsheet 2003, a ZIP
that is not a workbook (.xlsb, .ods) or that unpacks without end are refused with what to
do; CSV goes to ``csv_reader``, XLSX and Excel 97–2003 (.xls) to ``xlsx_reader``, and a web
page (HTML) saved as .xls, as older systems export "Excel", to ``html_reader``.
"""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from accounts.messages import Message

from .csv_reader import open_csv
from .html_reader import is_html, open_html
from .source import Source, UnreadableFile
from .xlsx_reader import open_xls, open_xlsx

SAMPLE_BYTES = 1 << 20


def open_source(path: Path, name: str | None = None) -> Source:
    """Open ``path`` as CSV or XLSX, judging by its content, not its name."""
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(SAMPLE_BYTES)
    if not head.strip():
        raise UnreadableFile(_("The file is empty."))
    if head.startswith(b"PK\x03\x04"):
        _check_workbook(path)
        return open_xlsx(path, name or path.name)
    if head.startswith(OLE2_MAGIC):
        if _holds(path, ENCRYPTED_PACKAGE):
            raise UnreadableFile(
                _(
                    "This workbook is protected by a password, so it cannot be read. Open it "
                    "in Excel, clear the password (File → Info → Protect Workbook → Encrypt "
                    "with Password), save it, and upload it again."
                )
            )
        return open_xls(path, name or path.name)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableFile(
            _("This is UTF-16 text (Excel's “Unicode text”): save it as CSV (UTF-8) instead.")
        )
    if b"\x00" in head[:4096]:
        raise UnreadableFile(_("This is not a CSV or XLSX file."))
    if is_html(head):
        return open_html(path, name or path.name, head)
    if _is_xml_spreadsheet(head):
        raise UnreadableFile(
            _(
                "This is an XML Spreadsheet 2003 (saved by Excel as “XML 电子表格”): open it "
                "in Excel and save it as .xlsx or as CSV."
            )
        )
    return open_csv(path, name or path.name, head)


def _is_xml_spreadsheet(head: bytes) -> bool:
    """Whether a file that starts with ``head`` is Excel's XML Spreadsheet 2003."""
    text = head[:4096].removeprefix(codecs.BOM_UTF8).lstrip()
    return text.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in text


OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97–2003 (.xls) and other OLE files
#: The stream that holds a password-protected workbook, named in its OLE file's directory.
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


def _holds(path: Path, marker: bytes) -> bool:
    """Whether the file at ``path`` holds ``marker`` anywhere (read a megabyte at a time)."""
    tail = b""
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            if marker in tail + block:
                return True
            tail = block[-len(marker) :]
    return False


#: The most a part of a workbook may unpack to. A sheet of Excel's 1,048,576 rows of twenty
#: text cells is under 1 GB of XML; a part past this is a ZIP made to unpack without end.
LARGEST_PART_BYTES = 4 << 30


def _check_workbook(path: Path) -> None:
    """Refuse a ZIP file that is not an XLSX workbook, saying what it is when that is known.

    A part that would unpack past ``LARGEST_PART_BYTES`` is refused too. The sizes the ZIP
    states are the ones to check: zipfile and calamine both stop a part that unpacks to more
    than its stated size, as a damaged file.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            largest = max((info.file_size for info in archive.infolist()), default=0)
            kind = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (OSError, zipfile.BadZipFile, RuntimeError, ValueError) as error:
        raise UnreadableFile(_("This is not a readable XLSX file.")) from error
    if largest > LARGEST_PART_BYTES:
        raise UnreadableFile(
            Message(
                _(
                    "This workbook unpacks to more than %(gb)d GB, more than any enrollment "
                    "extract holds. Save it as CSV and upload that instead."
                ),
                {"gb": LARGEST_PART_BYTES >> 30},
            )
        )
    if "xl/workbook.xml" in names:
        return
    if "xl/workbook.bin" in names:
        raise UnreadableFile(
            _("This is an Excel binary workbook (.xlsb): save it in Excel as .xlsx or as CSV.")
        )
    if kind.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
        raise UnreadableFile(
            _("This is an OpenDocument spreadsheet (.ods): save it as .xlsx or as CSV.")
        )
    raise UnreadableFile(_("This is not a readable XLSX file."))
