"""Damaged files: whatever bytes an upload holds, the import ends with a record that says what
happened, and its error report downloads."""

import random

import pytest

from accounts.importing.report import report_csv_chunks, report_xlsx, run_faults
from accounts.importing.run import import_enrollment
from accounts.models import ImportRun
from tests.accounts.enrollment_files import row, write_csv

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
        assert run.status in (ImportRun.Status.FINISHED, ImportRun.Status.FAILED), attempt
        assert run.status == ImportRun.Status.FINISHED or run.message, attempt
        assert run.rows == run.created + run.updated + run.unchanged + run.failed, attempt
        report_xlsx(run, run_faults(run))
        assert b"".join(report_csv_chunks(run, run_faults(run))).startswith(b"\xef\xbb\xbf")
