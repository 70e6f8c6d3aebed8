"""Regenerate the small real import files in tests/data (see README.md for their exact content).

Run from the repository root: `.venv/bin/python tests/data/make_files.py`. The files are
committed, so tests never need this script; it documents how each tricky case was made (a
number with the "00000000000" format, a merged banner, GBK bytes, UTF-16, a truncated zip).
"""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import xlwt
from openpyxl.styles import Alignment, Font, PatternFill

HERE = Path(__file__).resolve().parent
FIXED_TIME = datetime(2024, 1, 2, 3, 4, 5)

CUSTOMER_HEADERS = [
    "*客户名称",
    "客户编号\n(选填)",
    "地区",
    "＊电话\n（必填）",
    "邮箱【选填】",
    "地址",
    "下次跟进日期",
    "备注",
]
# Excel line -> the row's cells; None marks a blank row. Numbers that need a number format
# are given as (value, format).
CUSTOMER_ROWS: dict[int, list | None] = {
    4: [
        "上海明达机电设备有限公司",
        "00101",
        "华东",
        "02188886666",
        "info@mingda.example.com",
        "上海市浦东新区张江路100号",
        date(2023, 5, 1),
        "老客户",
    ],
    5: [
        "杭州青禾贸易有限公司",
        (102, "00000"),
        "华东",
        (2188886667, "00000000000"),
        None,
        "杭州市西湖区文三路8号",
        "2023/5/1",
        None,
    ],
    6: [
        "苏州恒通精密制造有限公司",
        "00103",
        "华东",
        13812345678,
        None,
        None,
        "2023年5月1日",
        None,
    ],
    7: None,
    8: ["南京瑞丰科技有限公司", "00104", "华东", "13912345678", None, None, "20230501", None],
    9: ["宁波海顺物流有限公司", "00105", "华东", "0574-87654321", None, None, "2023.5.1", None],
    10: [
        "合肥金穗农业有限公司",
        "00106",
        "华中",
        "15155556666",
        None,
        None,
        "2023/05/01 10:30",
        None,
    ],
    11: ["无锡新光电子有限公司", "00107", "华东", "13700001111", None, None, "2023-02-30", None],
}
CONTACT_HEADERS = ["客户名称", "姓名*", "手机", "职务", "邮箱", "生日"]
CONTACT_ROWS = [
    [
        "上海明达机电设备有限公司",
        "王伟",
        "13811112222",
        "采购经理",
        "wangwei@mingda.example.com",
        date(1985, 3, 12),
    ],
    ["杭州青禾贸易有限公司", "李娜", 13922223333, "总经理", None, "1990/7/8"],
    ["苏州恒通精密制造有限公司", "陈静", "13633334444", "财务", None, None],
]


def make_customers_xlsx(path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.properties.created = wb.properties.modified = FIXED_TIME
    ws = wb.active
    ws.title = "客户"
    ws["A1"] = "华东区客户名单（2023年整理）"
    ws["A1"].font = Font(bold=True, size=16)
    ws.merge_cells("A1:H1")
    ws["A2"] = "说明：带*为必填项；电话请填写完整号码；日期格式如 2023-05-01。"
    ws.merge_cells("A2:H2")
    for col, text in enumerate(CUSTOMER_HEADERS, start=1):
        cell = ws.cell(row=3, column=col, value=text)
        cell.alignment = Alignment(wrap_text=True)
    for line, cells in CUSTOMER_ROWS.items():
        for col, value in enumerate(cells or [], start=1):
            if isinstance(value, tuple):
                value, number_format = value
                ws.cell(row=line, column=col, value=value).number_format = number_format
            elif value is not None:
                cell = ws.cell(row=line, column=col, value=value)
                if isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
    # a styled but empty cell right of the table and below it: trailing empty column and rows
    ws["J13"].fill = PatternFill("solid", fgColor="FFFF00")
    contacts = wb.create_sheet("联系人")
    contacts.append(CONTACT_HEADERS)
    for cells in CONTACT_ROWS:
        contacts.append(cells)
    contacts["F2"].number_format = "yyyy-mm-dd"
    wb.save(path)
    _fix_zip_times(path)


def _fix_zip_times(path: Path) -> None:
    """Rewrite the zip with fixed times so regenerating gives the same bytes."""
    with zipfile.ZipFile(path) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in entries:
            if name == "docProps/core.xml":  # openpyxl stamps the save time as "modified"
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2024-01-02T03:04:05Z", data
                )
            target.writestr(
                zipfile.ZipInfo(name, FIXED_TIME.timetuple()[:6]), data, zipfile.ZIP_DEFLATED
            )


def make_legacy_xls(path: Path) -> None:
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("客户资料")
    ws.write_merge(0, 0, 0, 3, "老系统导出客户资料")
    for col, text in enumerate(["客户名称", "联系电话", "成交金额", "首次成交日期"]):
        ws.write(1, col, text)
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    rows = [
        ["北京华信软件有限公司", "01062345678", 12345.67, date(2021, 3, 15)],
        ["广州南方食品有限公司", "02087654321", 8000, date(2022, 11, 30)],
        ["成都天府茶业有限公司", 13512345678, 1999.5, date(2020, 1, 2)],
    ]
    for r, cells in enumerate(rows, start=2):
        for col, value in enumerate(cells):
            if isinstance(value, date):
                ws.write(r, col, value, date_style)
            else:
                ws.write(r, col, value)
    wb.save(str(path))


GBK_CSV = (
    "客户名称,联系人,电话,地区,备注\r\n"
    '深圳市鹏程电子有限公司,刘洋,0755-26668888,华南,"大客户,月结"\r\n'
    "东莞市长安五金制品厂,黄敏,076985551234,华南,\r\n"
    "佛山市禅城区陶瓷贸易商行,周杰,13600001234,华南,\r\n"
)
SEMICOLON_CSV = (
    "客户名称;联系人;电话;地区\r\n"
    "厦门海天进出口有限公司;林峰;0592-5551234;华南\r\n"
    "福州闽江茶叶有限公司;郑丽;13559998888;华南\r\n"
)
UTF16_TXT = (
    "客户名称\t联系人\t电话\t下次跟进日期\r\n"
    "青岛海港机械有限公司\t孙强\t053288889999\t2023/6/1\r\n"
    "济南泉城食品有限公司\t吴芳\t13166667777\t2023年6月2日\r\n"
)
FAKE_XLSX = "客户名称\t电话\n大连星海贸易有限公司\t041184445555\n沈阳北方重工配件厂\t13099990000\n"


def main() -> None:
    make_customers_xlsx(HERE / "customers.xlsx")
    make_legacy_xls(HERE / "legacy.xls")
    (HERE / "customers_gbk.csv").write_bytes(GBK_CSV.encode("gbk"))
    (HERE / "customers_utf8bom_semicolon.csv").write_bytes(SEMICOLON_CSV.encode("utf-8-sig"))
    (HERE / "customers_utf16.txt").write_bytes(b"\xff\xfe" + UTF16_TXT.encode("utf-16-le"))
    (HERE / "fake.xlsx").write_bytes(FAKE_XLSX.encode("utf-8"))
    whole = (HERE / "customers.xlsx").read_bytes()
    (HERE / "corrupt.xlsx").write_bytes(whole[: len(whole) // 2])


if __name__ == "__main__":
    main()
