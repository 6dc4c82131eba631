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


def test_an_xlsx_file_has_its_header_frozen_a_filter_and_columns_as_wide_as_their_values():
    import io

    from openpyxl import load_workbook

    from portal.exports import xlsx_bytes

    content = xlsx_bytes("参保人", ["身份证号", "姓名"], [["370102198001010015", "欧阳娜娜"]])
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:B2"
    assert sheet.column_dimensions["A"].width >= 18 + 2
    assert sheet.column_dimensions["B"].width >= 8
