"""Rows and files of enrollment extracts, as agencies send them, for the import tests."""

import csv
import datetime as dt
import zipfile
from pathlib import Path

from openpyxl import Workbook

from accounts import idnumbers

HEADER = [
    "身份证号",
    "姓名",
    "参保类型",
    "统筹区编码",
    "参保日期",
    "个人账户余额",
    "手机号",
    "参保状态",
]


def nid(seq, birth=dt.date(1980, 1, 1), area="370102"):
    """Return a valid identity number; ``seq`` tells persons born the same day apart."""
    return idnumbers.make(area, birth, seq)


def row(seq, **over):
    """Return a faultless row of an employee-insured person in 370100, with ``over`` applied."""
    values = {
        "身份证号": nid(seq),
        "姓名": f"张{seq}",
        "参保类型": "职工",
        "统筹区编码": "370100",
        "参保日期": "2020-01-01",
        "个人账户余额": "100.00",
        "手机号": "13912345678",
        "参保状态": "正常",
    }
    values.update(over)
    return values


def write_csv(tmp_path, rows, *, header=HEADER, encoding="utf-8", newline="\n", name="in.csv"):
    """Write ``rows`` (dicts by header) as a CSV file under ``tmp_path``; return its path."""
    path = Path(tmp_path) / name
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, lineterminator=newline)
        writer.writerow(header)
        for r in rows:
            writer.writerow([r.get(h, "") for h in header])
    return path


def write_workbook(path, sheets):
    """Save an XLSX with ``sheets``: (title, rows, hidden) each, in order."""
    book = Workbook()
    book.remove(book.active)
    for title, rows, hidden in sheets:
        sheet = book.create_sheet(title)
        for values in rows:
            sheet.append(values)
        sheet.sheet_state = "hidden" if hidden else "visible"
    book.save(path)
    return path


def sheet_rows(*numbers):
    """A sheet's rows: the header, then the rows of persons ``numbers``."""
    return [HEADER, *([row(n)[h] for h in HEADER] for n in numbers)]


def write_shared_strings_workbook(path, rows):
    """Save an XLSX whose text cells refer to a shared strings table, as Excel saves them.

    (openpyxl writes each text in its cell.) Numbers stay numbers; None leaves a cell out.
    """
    from xml.sax.saxutils import escape

    from openpyxl.utils import get_column_letter

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    relations = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    strings: dict[str, int] = {}
    sheet_rows = []
    for number, values in enumerate(rows, start=1):
        cells = []
        for column, value in enumerate(values, start=1):
            ref = f"{get_column_letter(column)}{number}"
            if value is None:
                continue
            if isinstance(value, str):
                index = strings.setdefault(value, len(strings))
                cells.append(f'<c r="{ref}" t="s"><v>{index}</v></c>')
            else:
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        sheet_rows.append(f'<row r="{number}">{"".join(cells)}</row>')
    table = "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in strings)
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{package}"><Relationship Id="rId1" '
            f'Type="{relations}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{main}" xmlns:r="{relations}"><sheets>'
            '<sheet name="参保名单" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{package}">'
            f'<Relationship Id="rId1" Type="{relations}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{relations}/sharedStrings" '
            'Target="sharedStrings.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{main}"><sheetData>{"".join(sheet_rows)}</sheetData></worksheet>'
        ),
        "xl/sharedStrings.xml": f'<sst xmlns="{main}">{table}</sst>',
    }
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return path
