"""Blank enrollment files to fill in: the header the import reads, and how to fill each column.

The XLSX template keeps the identity number, region, date and mobile columns as
text, so Excel does not turn an identity number into 1.10105E+17 and lose its last
digits (``saved_as_number``); 参保类型 and 参保状态 offer their values in a
list. Its first sheet is the one the import reads; the second explains the
columns. The CSV template is the header alone, with a BOM for Excel.
"""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from .vocabulary import FIELDS, REQUIRED

ORDER = (
    "national_id",
    "name",
    "insurance_type",
    "region",
    "enrolled_on",
    "balance",
    "mobile",
    "status",
)
TEXT_COLUMNS = ("national_id", "region", "enrolled_on", "mobile")  # kept as typed
CHOICES = {"insurance_type": ("职工", "居民"), "status": ("正常", "暂停", "终止", "死亡")}
WIDTHS = {"national_id": 22, "name": 12, "enrolled_on": 12, "balance": 14, "mobile": 14}
DATA_ROWS = 1_048_575  # every row below the header, for formats and lists


def header() -> list[str]:
    """The template's header: each field's first Chinese name, in the usual order."""
    return [FIELDS[name][0] for name in ORDER]


def _how_to_fill() -> dict[str, str]:
    return {
        "national_id": _(
            "18-character identity number: a resident's, a Hong Kong, Macao or Taiwan "
            "resident's residence permit, or a foreign permanent resident's ID card (from 9). "
            "Keep this column formatted as text: as a number, Excel shows 1.10105E+17 and "
            "loses the last digits."
        ),
        "name": _("The person's name."),
        "insurance_type": _(
            "职工 (employee medical insurance) or 居民 (urban and rural residents); 职工医保, "
            "城乡居民 and similar are accepted too."
        ),
        "region": _(
            "The 6-digit code of the pooling region, or its name (济南市); it must be one of "
            "your regions."
        ),
        "enrolled_on": _("Such as 2021-02-03, 2021/2/3 or 20210203; not later than today."),
        "balance": _(
            "Employee-insured only, in yuan, at most two decimals, thousands separators "
            "allowed; leave it empty for residents."
        ),
        "mobile": _("Optional: an 11-digit mobile number of mainland China."),
        "status": _("正常, 暂停, 终止 or 死亡; empty means 正常."),
    }


def template_csv() -> bytes:
    """Return the CSV template: the header row, UTF-8 with a BOM so Excel shows Chinese."""
    return ("\ufeff" + ",".join(header()) + "\r\n").encode("utf-8")


def template_xlsx() -> bytes:
    """Return the XLSX template: the header, text columns and value lists; then how to fill."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = _("enrollment data")
    sheet.append(header())
    sheet.freeze_panes = "A2"
    for position, name in enumerate(ORDER, start=1):
        letter = get_column_letter(position)
        sheet.cell(row=1, column=position).font = Font(
            bold=True, color="C00000" if name in REQUIRED else None
        )
        sheet.column_dimensions[letter].width = WIDTHS.get(name, 12)
        if name in TEXT_COLUMNS:
            sheet.column_dimensions[letter].number_format = "@"
        if name in CHOICES:
            listed = DataValidation(
                type="list",
                formula1='"' + ",".join(CHOICES[name]) + '"',
                allow_blank=name not in REQUIRED,
                showErrorMessage=False,  # other accepted spellings may be typed
            )
            listed.add(f"{letter}2:{letter}{DATA_ROWS + 1}")
            sheet.add_data_validation(listed)

    notes = book.create_sheet(_("how to fill"))
    notes.append([_("column"), _("required"), _("how to fill")])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    how = _how_to_fill()
    for name in ORDER:
        notes.append([FIELDS[name][0], _("yes") if name in REQUIRED else _("no"), how[name]])
    notes.append([])
    notes.append(
        [
            _(
                "Columns may come in any order, with these Chinese names or the English ones "
                "(national_id, name, insurance_type, region, enrolled_on, balance, mobile, "
                "status). The import reads the first sheet with a header row: the first sheet here."
            )
        ]
    )
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["B"].width = 8
    notes.column_dimensions["C"].width = 90
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
