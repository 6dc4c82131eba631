"""Choose the sheet of a workbook to import, and read its cells as the text a person typed.

Shared by both XLSX engines (``xlsx_calamine`` and ``xlsx_stream``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from accounts.messages import Message

from .headers import Columns


def data_sheet(sheets: list[tuple], top: Callable) -> tuple:
    """Return the sheet to import, the line of its header, and what to say about the choice.

    ``sheets``: (sheet, title) of the sheets that may be imported (the visible ones), in
    order; ``top(sheet)``: its first rows as text. The first sheet with a header row: a
    workbook often opens with a cover or instructions sheet (填表说明). If no sheet has
    one, the first sheet, whose missing columns are then named. Other sheets with a header
    are not imported, and the caseworker is told so: they would otherwise be lost in silence.
    """
    found: list[tuple] = []
    for position, (sheet, title) in enumerate(sheets):
        at = next((i for i, row in enumerate(top(sheet)) if Columns.can_head(row)), None)
        if at is not None:
            found.append((position, sheet, title, at + 1))
    if not found:
        return sheets[0][0], 1, []
    (position, sheet, title, header_line), others = found[0], [f[2] for f in found[1:]]
    notes = []
    if position:
        notes.append(
            Message(
                _(
                    "The rows were read from the sheet “%(sheet)s”: the sheets before it have "
                    "no header."
                ),
                {"sheet": title},
            )
        )
    if others:
        notes.append(
            Message(
                _(
                    "Only the sheet “%(sheet)s” was imported. Other sheets have a header too "
                    "and were not imported: %(others)s. Import each as a file of its own, or "
                    "put all rows on one sheet."
                ),
                {"sheet": title, "others": "、".join(f"“{other}”" for other in others)},
            )
        )
    return sheet, header_line, notes


def cell(value) -> str:
    """Return an XLSX cell as the text a person typed (dates as YYYY-MM-DD).

    A number of 16 digits or more can only be an identity number that Excel
    keeps as a number, with 15 significant digits: it is written as Excel
    shows it (3.70102198506141E+17), which the identity check names as such.
    Its integer value would end in digits Excel never had (…140992).
    """
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and abs(value) >= 1e15:
        return f"{value:.15G}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
