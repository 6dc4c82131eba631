"""The spreadsheet files every download is made with."""

import io

from openpyxl import load_workbook

from portal.exports import xlsx_bytes


def test_a_row_wider_than_a_sheet_is_cut_to_its_last_column():
    book = load_workbook(io.BytesIO(xlsx_bytes("表", ["a"], [["x"] * 20_000])))
    assert book.active.max_column == 16_384


def test_a_text_longer_than_a_cell_holds_is_cut_to_what_excel_takes():
    for as_typed in (False, True):
        data = xlsx_bytes("表", ["a"], [["=" + "9" * 40_000]], as_typed=as_typed)
        value = load_workbook(io.BytesIO(data)).active["A2"].value
        assert len(value) <= 32_767 and value.lstrip("'").startswith("=999")
