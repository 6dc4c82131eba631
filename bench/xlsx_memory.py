"""Benchmark: the memory and time of importing a workbook as Excel saves it, in each reader.

    .venv/bin/python bench/xlsx_memory.py [ROWS]    (default 1,000,000)

Writes the first ROWS rows of the import benchmark's CSV (run ``bench/import_enrollment.py``
first) as an XLSX whose text cells refer to a shared strings table, as Excel writes them
(openpyxl writes each text in its cell instead), then imports it as a dry run into the
benchmark database, in a fresh process, and prints which reader took it, the time and
the peak memory of the process. A workbook of a million rows is streamed by openpyxl; one of
100,000 is read whole by calamine.
"""

from __future__ import annotations

import csv
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _benchdb import setup  # noqa: E402

setup("portal_bench_import")

from accounts.importing import xlsx_calamine  # noqa: E402
from accounts.services.imports import import_enrollment  # noqa: E402

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def write(source: Path, target: Path, rows: int) -> int:
    """Write the header and ``rows`` rows of ``source`` as ``target``; return the strings."""
    strings: dict[str, int] = {}
    columns = "ABCDEFGHIJ"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            size = f'<dimension ref="A1:H{rows + 1}"/>'  # as Excel writes it
            sheet.write(f'<worksheet xmlns="{MAIN}">{size}<sheetData>'.encode())
            with open(source, encoding="gb18030", newline="") as fh:
                for number, values in enumerate(csv.reader(fh), start=1):
                    if number > rows + 1:
                        break
                    cells = "".join(
                        f'<c r="{columns[i]}{number}" t="s">'
                        f"<v>{strings.setdefault(value, len(strings))}</v></c>"
                        for i, value in enumerate(values)
                        if value
                    )
                    sheet.write(f'<row r="{number}">{cells}</row>'.encode())
            sheet.write(b"</sheetData></worksheet>")
        table = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
        archive.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}">{table}</sst>')
        archive.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{TYPES}.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="{TYPES}.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" '
            f'ContentType="{TYPES}.sharedStrings+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" '
            f'Type="{RELATIONS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONS}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{PACKAGE}">'
            f'<Relationship Id="rId1" Type="{RELATIONS}/worksheet" '
            'Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{RELATIONS}/sharedStrings" '
            'Target="sharedStrings.xml"/></Relationships>',
        )
    return len(strings)


def peak_mb() -> float:
    """The process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited by a child)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    source = ROOT / "var" / "bench" / "enrollment_1000000.csv"
    target = source.with_name(f"enrollment_{rows}_shared_strings.xlsx")
    if not target.exists():
        count = write(source, target, rows)
        print(f"wrote {target.name}: {rows:,} rows, {count:,} shared strings", flush=True)
        # Measured in a process of its own: writing the table took memory.
        subprocess.run([sys.executable, *sys.argv], check=True)
        return
    whole = xlsx_calamine.whole_workbook(target)
    if whole is not None:
        whole[0].close()
    print(f"read by: {'calamine, whole' if whole else 'openpyxl, streamed'}")
    before = peak_mb()
    start = time.perf_counter()
    run = import_enrollment(path=target, dry_run=True)
    elapsed = time.perf_counter() - start
    print(f"dry run {elapsed:6.1f} s  {rows / elapsed:>9,.0f} rows/s  {run.summary}")
    print(f"peak memory of this process: {peak_mb():.0f} MB ({before:.0f} MB before the import)")


if __name__ == "__main__":
    from portal.process import tune_for_bulk_work

    tune_for_bulk_work()  # as the import worker and the import command do where they start
    main()
