"""Damaged files: whatever bytes an upload holds, the import ends with a record that says what
happened, and its error report downloads."""

import io
import random
import zipfile

import pytest

from accounts.importing import xlsx_calamine
from accounts.importing.report import report_csv_chunks, report_xlsx, run_faults
from accounts.models import ImportRun
from accounts.services.imports import import_enrollment
from tests.accounts.imports.enrollment_files import (
    row,
    sheet_rows,
    write_csv,
    write_shared_strings_workbook,
    write_workbook,
)

pytestmark = pytest.mark.django_db

DAMAGE = [
    b"\x00",
    b"\x01",
    b"\x1b",
    b'"',
    b",",
    b"\r",
    b"\n",
    b"\t",
    b"\xff",
    b"\xa1",
    b"=",
    b"\xe4\xb8",  # half a UTF-8 character
    "\u2028".encode(),
    b"\xef\xbb\xbf",
]


def _damaged(data: bytes, rnd: random.Random) -> bytes:
    """``data`` with a few bytes inserted, removed or replaced by noise."""
    damaged = bytearray(data)
    for _ in range(rnd.randint(1, 8)):
        at = rnd.randrange(len(damaged) + 1)
        kind = rnd.random()
        if kind < 0.5:
            damaged[at:at] = rnd.choice(DAMAGE) * rnd.randint(1, 3)
        elif kind < 0.8:
            del damaged[at : at + rnd.randint(1, 5)]
        else:
            damaged[at:at] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 10)))
    return bytes(damaged)


def _ends_with_a_record_and_a_report(run: ImportRun, attempt: int) -> None:
    assert run.status in (ImportRun.Status.FINISHED, ImportRun.Status.FAILED), attempt
    assert run.status == ImportRun.Status.FINISHED or run.message, attempt
    assert run.rows == run.created + run.updated + run.unchanged + run.failed, attempt
    report_xlsx(run, run_faults(run))
    assert b"".join(report_csv_chunks(run, run_faults(run))).startswith(b"\xef\xbb\xbf")


def test_damaged_files_end_with_a_record_and_a_report_that_downloads(tmp_path, caseworker):
    rows = [row(n) for n in range(1, 30)]
    originals = [
        write_csv(tmp_path, rows).read_bytes(),
        write_csv(tmp_path, rows, encoding="gb18030", newline="\r\n", name="gb.csv").read_bytes(),
    ]
    rnd = random.Random(7)  # fixed: a failure names a file that can be made again
    for attempt in range(300):
        path = tmp_path / f"damaged-{attempt}.csv"
        path.write_bytes(_damaged(originals[attempt % 2], rnd))
        run = import_enrollment(path=path, user=caseworker if attempt % 3 else None)
        _ends_with_a_record_and_a_report(run, attempt)


#: What may be typed into a workbook's XML: tags, references and values that do not belong.
XML_DAMAGE = [
    "<",
    "&",
    '"',
    "</c>",
    "</row>",
    '<row r="1">',
    '<c r="A1" t="s"><v>999</v></c>',
    't="e"',
    't="inlineStr"',
    "<is><t>x</t></is>",
    'r="ZZZZ9999999"',
    'r="XFE1"',
    'r="A0"',
    ' r="A9999999"',
    '\tr="XFE1"',
    "r='ZZZ1'",
    "<v>1e400</v>",
    "<v>abc</v>",
    's="99"',
    "\x00",
]


def _damaged_part(workbook: bytes, rnd: random.Random) -> bytes:
    """``workbook`` with one of its XML parts damaged: text inserted or cut out."""
    with zipfile.ZipFile(io.BytesIO(workbook)) as original:
        parts = {name: original.read(name) for name in original.namelist()}
    name = rnd.choice([n for n in parts if n.endswith(".xml")])
    text = parts[name].decode()
    for _ in range(rnd.randint(1, 4)):
        at = rnd.randrange(len(text) + 1)
        if rnd.random() < 0.6:
            text = text[:at] + rnd.choice(XML_DAMAGE) + text[at:]
        else:
            text = text[:at] + text[at + rnd.randint(1, 8) :]
    parts[name] = text.encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as damaged:
        for part, data in parts.items():
            damaged.writestr(part, data)
    return out.getvalue()


@pytest.mark.parametrize("whole", [True, False])
@pytest.mark.filterwarnings("ignore::UserWarning:openpyxl")  # what it says of damaged parts
def test_damaged_workbooks_end_with_a_record_and_a_report_that_downloads(
    tmp_path, caseworker, monkeypatch, whole
):
    # A damaged sheet once aborted the process: calamine asked for 152 TB for a cell
    # placed at r="ZZZZ9999999". Others raised what openpyxl's parsers raise.
    if not whole:
        monkeypatch.setattr(xlsx_calamine, "IN_MEMORY_BYTES", 0)
    people = range(1, 40)
    originals = [
        write_workbook(tmp_path / "a.xlsx", [("参保名单", sheet_rows(*people), False)]),
        write_shared_strings_workbook(tmp_path / "b.xlsx", sheet_rows(*people)),
    ]
    originals = [path.read_bytes() for path in originals]
    rnd = random.Random(11 if whole else 12)  # fixed: a failure names a file that can be made again
    for attempt in range(200):
        workbook = originals[attempt % 2]
        damaged = _damaged(workbook, rnd) if attempt % 5 == 4 else _damaged_part(workbook, rnd)
        path = tmp_path / f"damaged-{attempt}.xlsx"
        path.write_bytes(damaged)
        run = import_enrollment(path=path, user=caseworker if attempt % 3 else None, dry_run=True)
        _ends_with_a_record_and_a_report(run, attempt)
