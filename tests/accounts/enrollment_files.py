"""Rows and files of enrollment extracts, as agencies send them, for the import tests."""

import csv
import datetime as dt
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
