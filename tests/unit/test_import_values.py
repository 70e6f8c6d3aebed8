"""Cell converters of the import: exact values for what hand-made sheets hold, and messages a
person can act on for what cannot be stored."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import pytest

from crm_desktop.core.importing.header import data_rows
from crm_desktop.core.importing.readers import read_sheet
from crm_desktop.core.importing.values import (
    ValueProblem,
    convert,
    converter,
    to_bool,
    to_code,
    to_date,
    to_decimal,
    to_email,
    to_int,
    to_money,
    to_percent_bp,
    to_phone,
    to_text,
)

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("  上海明达  ", "上海明达"),
        ("", None),
        ("   ", None),
        (None, None),
        (12345.0, "12345"),
        (13812345678.0, "13812345678"),
        (1e20, "100000000000000000000"),
        (1.5e-7, "0.00000015"),
        (0.1, "0.1"),
        (7, "7"),
        (True, "TRUE"),
        (date(2023, 5, 1), "2023-05-01"),
        (datetime(2023, 5, 1, 10, 30), "2023-05-01 10:30"),
        (datetime(2023, 5, 1), "2023-05-01"),
        (time(9, 5), "09:05"),
        ('="00123"', "00123"),
    ],
)
def test_text_never_shows_point_zero_or_scientific_notation(raw: object, text: str | None) -> None:
    assert to_text(raw) == text


def test_codes_and_phones_keep_leading_zeros() -> None:
    assert to_code("00101") == "00101"
    assert to_code("'00123") == "00123"
    assert to_code(102.0) == "102"
    assert to_phone("02188886666") == "02188886666"
    assert to_phone(" 0574-87654321 ") == "0574-87654321"
    assert to_phone(13812345678.0) == "13812345678"
    assert to_phone(13812345678) == "13812345678"
    assert to_phone("１３８１２３４５６７８") == "13812345678"  # full-width digits
    assert to_phone(None) is None
    assert to_phone("") is None


def test_phone_saved_in_scientific_notation_is_kept_only_when_no_digit_was_lost() -> None:
    assert to_phone("1.3812345678E+10") == "13812345678"
    with pytest.raises(ValueProblem, match="lost its last digits"):
        to_phone("1.38123E+10")


def test_phone_problems() -> None:
    with pytest.raises(ValueProblem, match="“无” is not a phone number"):
        to_phone("无")
    with pytest.raises(ValueProblem, match="not a phone number"):
        to_phone(1381.5)


@pytest.mark.parametrize(
    "raw",
    [
        date(2023, 5, 1),
        datetime(2023, 5, 1, 10, 30),
        "2023/5/1",
        "2023-05-01",
        "2023.5.1",
        "2023年5月1日",
        "2023 年 5 月 1 日",
        "20230501",
        "2023/05/01 10:30",
        "2023-05-01 10:30:15",
        "2023-05-01T10:00:00",
        45047.0,  # Excel serial
        45047.75,  # serial with a time of day
        45047,
        20230501.0,  # 20230501 typed as a number
    ],
)
def test_dates_from_real_dates_serials_and_text(raw: object) -> None:
    assert to_date(raw) == date(2023, 5, 1)


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("2023-02-30", "“2023-02-30” is not a date that exists"),
        ("20231301", "“20231301” is not a date that exists"),
        ("5/1/2023", "ambiguous"),
        ("01.05.2023", "ambiguous"),
        ("下周一", "“下周一” is not a date"),
        ("45047", "not a date"),  # a serial as text is not trusted
        (2023.0, "is a year, not a date"),
        (-3.0, "not a date"),
        (True, "not a date"),
    ],
)
def test_date_problems_say_why(raw: object, words: str) -> None:
    with pytest.raises(ValueProblem) as caught:
        to_date(raw)
    assert words in caught.value.message


def test_empty_date_is_none() -> None:
    assert to_date("") is None
    assert to_date(None) is None


@pytest.mark.parametrize(
    ("raw", "amount"),
    [
        (12345.67, Decimal("12345.67")),
        (0.1 + 0.2, Decimal("0.30")),
        (1.005, Decimal("1.01")),  # as typed, half up (float arithmetic would give 1.00)
        (2.675, Decimal("2.68")),
        (8000, Decimal("8000.00")),
        (Decimal("3.145"), Decimal("3.15")),
        ("￥1,234.5", Decimal("1234.50")),
        ("¥ 1 234.50 元", Decimal("1234.50")),
        ("1，000", Decimal("1000.00")),
        ("-¥5", Decimal("-5.00")),
        ("(1,234.50)", Decimal("-1234.50")),
        ("1.5万", Decimal("15000.00")),
        ("RMB 99.999", Decimal("100.00")),
        ("", None),
        (None, None),
    ],
)
def test_money_is_exact_to_the_cent(raw: object, amount: Decimal | None) -> None:
    result = to_money(raw)
    assert result == amount
    if amount is not None:
        assert isinstance(result, Decimal)
        assert result.as_tuple().exponent == -2


@pytest.mark.parametrize("raw", ["abc", "1.2.3", True, "nan", float("inf")])
def test_money_problems(raw: object) -> None:
    with pytest.raises(ValueProblem, match="not"):
        to_money(raw)


def test_decimal_and_int() -> None:
    assert to_decimal(2.00005) == Decimal("2.0001")
    assert to_decimal("1,234.5", places=2) == Decimal("1234.50")
    assert to_decimal(3) == Decimal("3.0000")
    assert to_int("1,200") == 1200
    assert to_int(3.0) == 3
    assert to_int("3.0") == 3
    assert to_int("") is None
    with pytest.raises(ValueProblem, match=r"“3\.5” is not a whole number"):
        to_int(3.5)
    with pytest.raises(ValueProblem, match="not a number"):
        to_int("three")


@pytest.mark.parametrize(
    ("raw", "basis_points"),
    [
        ("10%", 1000),
        ("10 ％", 1000),
        ("12.5%", 1250),
        (0.1, 1000),
        (0.125, 1250),
        (10, 1000),
        ("10", 1000),
        ("0.1", 1000),
        ("9折", 1000),  # pays 90 %: a 10 % discount
        ("95折", 500),
        ("9.5折", 500),
        ("8.5折", 1500),
        ("", None),
    ],
)
def test_percent_in_basis_points(raw: object, basis_points: int | None) -> None:
    assert to_percent_bp(raw) == basis_points


def test_percent_problems() -> None:
    for raw in ("ten", "10折", "105折", "abc%"):
        with pytest.raises(ValueProblem, match=r"not a percentage|not a number"):
            to_percent_bp(raw)


def test_bool_words() -> None:
    assert [to_bool(v) for v in ("是", "否", "√", "×", "Yes", "no", "Y", "1", 1.0, 0, True)] == [
        True,
        False,
        True,
        False,
        True,
        False,
        True,
        True,
        True,
        False,
        True,
    ]
    assert to_bool("") is None
    with pytest.raises(ValueProblem, match="“也许” is not yes or no"):
        to_bool("也许")


def test_email_light_check() -> None:
    assert to_email(" info@mingda.example.com ") == "info@mingda.example.com"
    assert to_email("wang＠example.com") == "wang@example.com"
    assert to_email("mailto:li@example.cn") == "li@example.cn"
    with pytest.raises(ValueProblem, match="“wang at example” is not an e-mail address"):
        to_email("wang at example")


def test_convert_dispatches_on_field_kind() -> None:
    assert convert("phone", 13812345678.0) == "13812345678"
    assert convert("date", "2023年5月1日") == date(2023, 5, 1)
    assert convert("money", "￥1,234.5") == Decimal("1234.50")
    assert convert("base:region", " 华东 ") == "华东"
    assert convert("operator", "李四") == "李四"
    assert convert("customer", 102.0) == "102"
    assert converter("code") is to_code
    with pytest.raises(KeyError):
        converter("colour")


def test_the_customers_sheet_converts_as_its_readme_says() -> None:
    """tests/data/customers.xlsx: every follow-up date is 2023-05-01 except line 11's 2023-02-30."""
    rows = read_sheet(DATA / "customers.xlsx").rows
    phones, codes, dates, problems = {}, {}, {}, {}
    for line, cells in data_rows(rows, 2):
        codes[line] = to_code(cells[1])
        phones[line] = to_phone(cells[3])
        try:
            dates[line] = to_date(cells[6])
        except ValueProblem as problem:
            problems[line] = problem.message
    assert codes == {
        4: "00101",
        5: "00102",
        6: "00103",
        8: "00104",
        9: "00105",
        10: "00106",
        11: "00107",
    }
    assert phones[4] == "02188886666"
    assert phones[5] == "02188886667"
    assert phones[6] == "13812345678"
    assert phones[9] == "0574-87654321"
    assert set(dates.values()) == {date(2023, 5, 1)}
    assert sorted(dates) == [4, 5, 6, 8, 9, 10]
    assert problems == {11: "“2023-02-30” is not a date that exists."}


def test_gbk_and_utf16_files_convert_with_zeros_and_dates() -> None:
    gbk = read_sheet(DATA / "customers_gbk.csv").rows
    assert to_phone(gbk[2][2]) == "076985551234"
    assert to_text(gbk[1][0]) == "深圳市鹏程电子有限公司"
    utf16 = read_sheet(DATA / "customers_utf16.txt").rows
    assert to_phone(utf16[1][2]) == "053288889999"
    assert [to_date(r[3]) for r in utf16[1:]] == [date(2023, 6, 1), date(2023, 6, 2)]
    legacy = read_sheet(DATA / "legacy.xls").rows
    assert [to_money(r[2]) for r in legacy[2:]] == [
        Decimal("12345.67"),
        Decimal("8000.00"),
        Decimal("1999.50"),
    ]
    assert to_phone(legacy[4][1]) == "13512345678"
