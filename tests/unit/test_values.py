"""Money is exact to the cent and never a float; search keys fold what people type."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.money import format_money, to_cents, to_money
from crm_desktop.core.search_keys import normalized_name, phone_digits, search_key, search_term
from crm_desktop.core.services import customers, products


def test_money_rounds_half_up_to_cents() -> None:
    assert to_money("1.005") == Decimal("1.01")
    assert to_money("￥1,234.5") == Decimal("1234.50")
    assert to_cents(Decimal("0.1") + Decimal("0.2")) == 30


def test_money_refuses_floats() -> None:
    with pytest.raises(TypeError):
        to_money(0.1)  # type: ignore[arg-type]


def test_money_is_formatted_with_separators() -> None:
    assert format_money(Decimal("1234567.8")) == "1,234,567.80"


def test_money_column_round_trips_exact_cents(db: Database, boss: Actor) -> None:
    pid = products.save_product(
        db, boss, None, None, {"code": "M1", "name": "精密仪器", "unit_price": "12345678.91"}
    )
    stored = next(p for p in products.list_products(db, boss) if p["id"] == pid)
    assert stored["unit_price"] == Decimal("12345678.91")


def test_company_suffixes_spaces_and_width_are_ignored_by_the_duplicate_key() -> None:
    assert normalized_name("北京科技有限公司") == normalized_name("北京科技")
    assert normalized_name("ＡＢＣ Trading Co., Ltd.") == normalized_name("abc trading")


def test_phone_digits_ignore_spaces_and_dashes() -> None:
    assert phone_digits("010-1234 5678") == "01012345678"
    assert search_term("1234-56") == ("123456", "phone")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("北京 科技", ("北京科技", "name")),
        ("ＡＢＣ贸易", ("abc贸易", "name")),
        ("(010) 6234-5678", ("01062345678", "phone")),
        ("BJKJ", ("bjkj", "latin")),
        ("info@bj.cn", ("info@bj.cn", "latin")),
    ],
)
def test_each_kind_of_search_term_is_matched_against_its_own_key(
    typed: str, expected: tuple[str, str]
) -> None:
    assert search_term(typed) == expected


@pytest.mark.parametrize("typed", ["bjkj", "beijing", "北京", "12345678", "BJKJ"])
def test_search_box_finds_chinese_names_by_pinyin_initials_and_phone(
    db: Database, boss: Actor, typed: str
) -> None:
    customers.create_customer(db, boss, {"name": "北京科技有限公司", "phone": "010-1234 5678"})
    customers.create_customer(db, boss, {"name": "上海贸易有限公司", "phone": "021-5555 6666"})
    wanted = customers.CustomerFilter(search=typed)
    found = [row[1] for row in customers.list_customers(db, boss, wanted)]
    assert found == ["北京科技有限公司"]


def test_search_key_contains_name_pinyin_and_phone() -> None:
    key = search_key("重庆长江实业", "info@cqcj.cn")
    assert "chongqingchangjiang" in key and "cqcj" in key and "info@cqcj.cn" in key
    assert "重庆" not in key  # Chinese fragments are matched against name_key instead
    assert "abctrading" in search_key("ABC Trading Co.")


def test_pinyin_of_polyphone_names_matches_whole_name_conversion() -> None:
    """Word-cached pinyin must equal pypinyin's phrase-aware conversion of the whole name."""
    from pypinyin import Style, lazy_pinyin

    from crm_desktop.core.search_keys import pinyin_of

    names = ["长沙银行重庆分行", "行长重新长大", "佛山市乐天音乐厂", "重庆长城行业协会", "银行行长"]
    for name in names:
        expected = lazy_pinyin(name, style=Style.NORMAL)
        assert pinyin_of(name)[0] == "".join(expected), name
    assert pinyin_of("长沙银行")[0] == "changshayinhang"
