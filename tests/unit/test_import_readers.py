"""Import readers and header detection on real files: the committed ones in tests/data (see its
README.md) and workbooks/text files built here with openpyxl and real encoded bytes."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from crm_desktop.core.importing.header import (
    clean_header,
    data_rows,
    detect_header_row,
    header_texts,
)
from crm_desktop.core.importing.model import FieldSpec, ImportFileError
from crm_desktop.core.importing.readers import list_sheets, read_sheet, sniff_delimiter

DATA = Path(__file__).resolve().parents[1] / "data"

FIELDS = (
    FieldSpec("name", "Customer name", required=True, synonyms=("客户名称", "公司名称", "名称")),
    FieldSpec("code", "Code", "code", synonyms=("客户编号", "编号")),
    FieldSpec("region", "Region", "base:region", synonyms=("地区", "区域")),
    FieldSpec("phone", "Phone", "phone", synonyms=("电话", "联系电话", "手机")),
    FieldSpec("email", "E-mail", "email", synonyms=("邮箱",)),
    FieldSpec("address", "Address", synonyms=("地址",)),
    FieldSpec("next_followup_on", "Next follow-up", "date", synonyms=("下次跟进日期",)),
    FieldSpec("remarks", "Remarks", synonyms=("备注",)),
    FieldSpec("contact", "Contact", synonyms=("联系人", "姓名")),
)


# --- workbooks -----------------------------------------------------------------------------


def test_xlsx_lists_both_sheets_and_reads_the_first_by_default() -> None:
    path = DATA / "customers.xlsx"
    assert list_sheets(path) == ["客户", "联系人"]
    sheet = read_sheet(path)
    assert (sheet.sheet, sheet.sheets) == ("客户", ("客户", "联系人"))
    assert sheet.rows[0][0] == "华东区客户名单（2023年整理）"  # line 1 stays rows[0]
    assert sheet.rows[3][:4] == ["上海明达机电设备有限公司", "00101", "华东", "02188886666"]
    assert sheet.rows[3][6] == date(2023, 5, 1)
    assert all(value == "" for value in sheet.rows[6])  # blank line 7


def test_numbers_with_zero_padding_format_come_back_as_text_with_their_zeros() -> None:
    row = read_sheet(DATA / "customers.xlsx").rows[4]  # line 5
    assert row[1] == "00102"  # 102 shown through "00000"
    assert row[3] == "02188886667"  # 2188886667 shown through "00000000000"


def test_integer_numbers_without_a_format_stay_numbers() -> None:
    assert read_sheet(DATA / "customers.xlsx").rows[5][3] == 13812345678.0  # line 6, General


def test_second_sheet_by_name_and_by_index() -> None:
    by_name = read_sheet(DATA / "customers.xlsx", "联系人")
    by_index = read_sheet(DATA / "customers.xlsx", 1)
    assert by_name.rows == by_index.rows
    assert by_name.rows[1] == [
        "上海明达机电设备有限公司",
        "王伟",
        "13811112222",
        "采购经理",
        "wangwei@mingda.example.com",
        date(1985, 3, 12),
    ]


def test_unknown_sheet_is_refused_naming_file_and_sheet() -> None:
    with pytest.raises(ImportFileError) as caught:
        read_sheet(DATA / "customers.xlsx", "订单")
    assert "customers.xlsx" in str(caught.value)
    assert "订单" in str(caught.value)


def test_legacy_xls_reads_title_chinese_text_numbers_and_dates() -> None:
    sheet = read_sheet(DATA / "legacy.xls")
    assert sheet.sheets == ("客户资料",)
    assert sheet.rows[0][0] == "老系统导出客户资料"
    assert sheet.rows[1] == ["客户名称", "联系电话", "成交金额", "首次成交日期"]
    assert sheet.rows[2] == ["北京华信软件有限公司", "01062345678", 12345.67, date(2021, 3, 15)]
    assert sheet.rows[4][1] == 13512345678


def test_workbook_content_is_trusted_over_its_extension(tmp_path: Path) -> None:
    xls_named_xlsx = tmp_path / "old.xlsx"
    shutil.copy(DATA / "legacy.xls", xls_named_xlsx)
    xlsx_named_xls = tmp_path / "new.xls"
    shutil.copy(DATA / "customers.xlsx", xlsx_named_xls)
    assert read_sheet(xls_named_xlsx).rows[2][0] == "北京华信软件有限公司"
    assert read_sheet(xlsx_named_xls).rows[4][1] == "00102"


def test_sheet_rows_keep_their_excel_positions(tmp_path: Path) -> None:
    """A table starting at C4 keeps rows[3][2] = C4, so line numbers match Excel."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["C4"], ws["D4"] = "客户名称", "电话"
    ws["C6"], ws["D6"] = "甲公司", "0571-1"
    ws["C9"], ws["D9"] = "乙公司", "0571-2"
    wb.save(tmp_path / "offset.xlsx")
    rows = read_sheet(tmp_path / "offset.xlsx").rows
    header_row = detect_header_row(rows, FIELDS)
    assert header_row == 3
    assert header_texts(rows, header_row) == ["", "", "客户名称", "电话"]
    lines = {ws.cell(row=r, column=3).value: r for r in range(1, 10)}
    assert [(line, cells[2]) for line, cells in data_rows(rows, header_row)] == [
        (lines["甲公司"], "甲公司"),
        (lines["乙公司"], "乙公司"),
    ]


def test_first_visible_sheet_is_the_default(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "lists"
    wb.active.sheet_state = "hidden"
    wb.create_sheet("data")["A1"] = "客户名称"
    wb.save(tmp_path / "hidden.xlsx")
    assert list_sheets(tmp_path / "hidden.xlsx") == ["lists", "data"]
    assert read_sheet(tmp_path / "hidden.xlsx").sheet == "data"


def test_zero_padding_applies_only_to_numbers_in_those_cells(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["编号", "数量"])
    ws.append([7, 7])
    ws.append(["0042", 3.5])
    ws["A2"].number_format = "000000"
    ws["A3"].number_format = "000000"
    ws["B3"].number_format = "000000"  # not a whole number: left alone
    wb.save(tmp_path / "codes.xlsx")
    rows = read_sheet(tmp_path / "codes.xlsx").rows
    assert rows[1] == ["000007", 7.0]
    assert rows[2] == ["0042", 3.5]


# --- text files ----------------------------------------------------------------------------


def test_gbk_csv_reads_chinese_and_quoted_commas() -> None:
    path = DATA / "customers_gbk.csv"
    assert list_sheets(path) == [""]
    sheet = read_sheet(path)
    assert (sheet.sheet, sheet.sheets) == ("", ("",))
    assert sheet.rows == [
        ["客户名称", "联系人", "电话", "地区", "备注"],
        ["深圳市鹏程电子有限公司", "刘洋", "0755-26668888", "华南", "大客户,月结"],
        ["东莞市长安五金制品厂", "黄敏", "076985551234", "华南", ""],
        ["佛山市禅城区陶瓷贸易商行", "周杰", "13600001234", "华南", ""],
    ]


def test_utf8_bom_csv_with_semicolons() -> None:
    rows = read_sheet(DATA / "customers_utf8bom_semicolon.csv").rows
    assert rows[0] == ["客户名称", "联系人", "电话", "地区"]  # no BOM left on the first header
    assert rows[2] == ["福州闽江茶叶有限公司", "郑丽", "13559998888", "华南"]


def test_utf16_tab_separated_text() -> None:
    rows = read_sheet(DATA / "customers_utf16.txt").rows
    assert rows[0] == ["客户名称", "联系人", "电话", "下次跟进日期"]
    assert rows[1] == ["青岛海港机械有限公司", "孙强", "053288889999", "2023/6/1"]


def test_utf16_without_bom_is_recognised(tmp_path: Path) -> None:
    path = tmp_path / "nobom.txt"
    path.write_bytes("客户名称\t电话\r\n甲公司\t0571\r\n".encode("utf-16-le"))
    assert read_sheet(path).rows == [["客户名称", "电话"], ["甲公司", "0571"]]


def test_gb18030_characters_outside_gbk(tmp_path: Path) -> None:
    path = tmp_path / "rare.csv"
    path.write_bytes("客户名称,联系人\n𠀀记商行,䶮\n".encode("gb18030"))
    assert read_sheet(path).rows[1] == ["𠀀记商行", "䶮"]


def test_tab_separated_text_named_xlsx_is_read_as_text_with_a_note_naming_the_file() -> None:
    sheet = read_sheet(DATA / "fake.xlsx")
    assert list_sheets(DATA / "fake.xlsx") == [""]
    assert sheet.rows == [
        ["客户名称", "电话"],
        ["大连星海贸易有限公司", "041184445555"],
        ["沈阳北方重工配件厂", "13099990000"],
    ]
    assert len(sheet.notes) == 1
    assert "fake.xlsx" in sheet.notes[0] and "not an Excel workbook" in sheet.notes[0]


def test_a_real_csv_file_gets_no_note() -> None:
    assert read_sheet(DATA / "customers_gbk.csv").notes == ()


def test_ragged_csv_rows_are_padded_to_the_widest(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("客户名单\n名称,电话,地址\n甲,1\n", encoding="utf-8")
    assert read_sheet(path).rows == [
        ["客户名单", "", ""],
        ["名称", "电话", "地址"],
        ["甲", "1", ""],
    ]


def test_delimiter_is_the_one_giving_consistent_columns() -> None:
    assert sniff_delimiter("客户名单\na;b;c\n1;2;3\n") == ";"
    assert sniff_delimiter("名称\t地址\n甲\t杭州,西湖区\n乙\t上海,浦东\n") == "\t"
    assert sniff_delimiter("a|b\n1|2\n") == "|"
    assert sniff_delimiter("just one column\nvalue\n") == ","


# --- files that are not tables -------------------------------------------------------------


def test_corrupt_xlsx_gets_a_message_naming_the_file() -> None:
    for call in (list_sheets, read_sheet):
        with pytest.raises(ImportFileError) as caught:
            call(DATA / "corrupt.xlsx")
        assert "corrupt.xlsx" in str(caught.value)
        assert "damaged" in str(caught.value)


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("empty.xlsx", b"", "is empty"),
        ("blank.csv", b"  \r\n", "is empty"),
        ("photo.xlsx", bytes(range(256)) * 4, "neither an Excel workbook nor a text table"),
        ("broken.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "damaged"),
        (
            "secret.xlsx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
            + b"\x00" * 600
            + "EncryptedPackage".encode("utf-16-le"),
            "password",
        ),
        ("report.xls", b"<html><body><table><tr><td>1</td></tr></table>", "web page"),
    ],
)
def test_files_that_are_not_readable_tables_are_named_in_the_message(
    tmp_path: Path, name: str, content: bytes, words: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportFileError) as caught:
        read_sheet(path)
    assert name in str(caught.value)
    assert words in str(caught.value)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match=r"nothing\.xlsx"):
        read_sheet(tmp_path / "nothing.xlsx")


# --- header --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("*客户名称", "客户名称"),
        ("＊电话\n（必填）", "电话"),
        ("客户编号\n(选填)", "客户编号"),
        ("邮箱【选填】", "邮箱"),
        ("手机\n号码", "手机号码"),
        ("Customer\nName (required)", "Customer Name"),
        ("联系人：", "联系人"),
        ("（备注）", "备注"),
        (None, ""),
        (2023.0, "2023"),
    ],
)
def test_clean_header(raw: object, clean: str) -> None:
    assert clean_header(raw) == clean


def test_header_found_below_banner_and_instruction_rows() -> None:
    rows = read_sheet(DATA / "customers.xlsx").rows
    header_row = detect_header_row(rows, FIELDS)
    assert header_row == 2  # Excel line 3
    assert header_texts(rows, header_row) == [
        "客户名称",
        "客户编号",
        "地区",
        "电话",
        "邮箱",
        "地址",
        "下次跟进日期",
        "备注",
    ]


def test_data_rows_skip_blank_rows_and_carry_excel_line_numbers() -> None:
    rows = read_sheet(DATA / "customers.xlsx").rows
    found = [(line, cells[0]) for line, cells in data_rows(rows, 2)]
    assert [line for line, _ in found] == [4, 5, 6, 8, 9, 10, 11]
    assert found[-1] == (11, "无锡新光电子有限公司")


def test_header_rows_of_the_other_files() -> None:
    for name, expected in [
        ("legacy.xls", 1),
        ("customers_gbk.csv", 0),
        ("customers_utf16.txt", 0),
        ("fake.xlsx", 0),
    ]:
        assert detect_header_row(read_sheet(DATA / name).rows, FIELDS) == expected, name
    contacts = read_sheet(DATA / "customers.xlsx", "联系人").rows
    assert detect_header_row(contacts, FIELDS) == 0
    assert header_texts(contacts, 0)[:2] == ["客户名称", "姓名"]


def test_without_known_names_the_first_all_text_row_of_several_cells_is_the_header() -> None:
    rows = [["Sales list 2023", ""], ["", ""], ["Firma", "Telefon"], ["Alpha", 12.0]]
    assert detect_header_row(rows, FIELDS) == 2


def test_repeated_headers_are_numbered_and_trailing_empty_columns_dropped() -> None:
    rows = [["电话", "名称", "电话", "", ""], ["1", "甲", "2", "", ""], ["", "", "", "x", ""]]
    assert header_texts(rows, 0) == ["电话", "名称", "电话 (2)", ""]
    assert header_texts(rows[:2], 0) == ["电话", "名称", "电话 (2)"]


def test_whitespace_only_rows_count_as_blank() -> None:
    rows = [["名称", "电话"], [" ", "\u3000"], [None, ""], ["甲", 0.0]]
    assert list(data_rows(rows, 0)) == [(4, ["甲", 0.0])]
