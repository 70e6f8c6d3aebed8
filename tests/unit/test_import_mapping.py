"""Column mapping: suggestions from Chinese and English headers (the program's own export
labels included), templates saved by name per operator, and the command line's mapping."""

from __future__ import annotations

import pytest

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.errors import NotFound, ValidationError
from crm_desktop.core.importing.fields import FIELDS, MATCH_KEYS
from crm_desktop.core.importing.mapping import (
    list_templates,
    parse_mapping,
    save_template,
    suggest_mapping,
    template_mapping,
)
from crm_desktop.core.importing.model import ImportKind, MatchKey

C = ImportKind.CUSTOMERS


def test_chinese_headers_of_hand_made_sheets_map_to_customer_fields() -> None:
    headers = [
        "序号",
        "单位名称",
        "联系人",
        "联系电话",
        "所在地区",
        "业务员",
        "客户来源渠道",
        "备注",
    ]
    assert suggest_mapping(C, headers) == {
        1: "name",
        2: "contact",
        3: "phone",
        4: "region",
        5: "owner",
        6: "source",
        7: "remarks",
    }


def test_english_headers_map_regardless_of_case_and_spacing() -> None:
    headers = ["Customer Name", "TEL", "e-mail", "Sales Rep", "Postcode", "Tax ID"]
    assert suggest_mapping(C, headers) == {
        0: "name",
        1: "phone",
        2: "email",
        3: "owner",
        5: "tax_id",
    }


def test_the_customer_lists_export_labels_map_back_in_both_languages() -> None:
    english = ["Name", "Type", "Source", "Industry", "Region", "Phone", "Owner"]
    english += ["Last follow-up", "Next follow-up", "Level"]
    chinese = [
        "名称",
        "类型",
        "来源",
        "行业",
        "地区",
        "电话",
        "负责人",
        "上次跟进",
        "下次跟进",
        "等级",
    ]
    wanted = {
        0: "name",
        1: "type",
        2: "source",
        3: "industry",
        4: "region",
        5: "phone",
        6: "owner",
        8: "next_followup_on",
        9: "level",
    }
    assert suggest_mapping(C, english) == wanted
    assert suggest_mapping(C, chinese) == wanted


def test_each_field_and_column_is_used_once_first_best_synonym_wins() -> None:
    assert suggest_mapping(C, ["电话", "手机", "客户名称", "名称"]) == {0: "phone", 2: "name"}


def test_contacts_and_products_have_their_own_fields() -> None:
    contacts = suggest_mapping(ImportKind.CONTACTS, ["客户名称", "姓名", "手机", "职务", "生日"])
    assert contacts == {0: "customer", 1: "name", 2: "mobile", 3: "title", 4: "birthday"}
    goods = suggest_mapping(ImportKind.PRODUCTS, ["货号", "品名", "规格", "计量单位", "售价"])
    assert goods == {0: "code", 1: "name", 2: "spec", 3: "unit", 4: "unit_price"}
    assert MATCH_KEYS[ImportKind.PRODUCTS][0] is MatchKey.CODE
    assert [f.key for f in FIELDS[C] if f.required] == ["name"]


def test_a_template_is_saved_per_operator_and_follows_moved_columns(
    db: Database, boss: Actor, make_operator: object
) -> None:
    headers = ["甲列", "乙列", "丙列"]
    template_id = save_template(db, boss, C, "老系统", headers, {0: "name", 2: "phone"})

    assert list_templates(db, boss, C) == [(template_id, "老系统")]
    assert list_templates(db, boss, ImportKind.CONTACTS) == []
    moved = ["备注", "丙列", "甲列"]
    assert template_mapping(db, boss, C, "老系统", moved) == {1: "phone", 2: "name"}
    assert template_mapping(db, boss, C, template_id, moved) == {1: "phone", 2: "name"}
    other = make_operator("li", "salesperson")  # type: ignore[operator]
    assert list_templates(db, other, C) == []
    with pytest.raises(NotFound):
        template_mapping(db, other, C, "老系统", moved)

    save_template(db, boss, C, "老系统", headers, {1: "name"})  # saved again: replaced
    assert template_mapping(db, boss, C, "老系统", headers) == {1: "name"}


def test_command_line_mapping_takes_headers_letters_numbers_or_a_template(
    db: Database, boss: Actor
) -> None:
    headers = ["公司", "电话号码", "地址"]
    text = '{"公司": "name", "B": "phone", "3": "address"}'
    assert parse_mapping(db, boss, C, text, headers) == {0: "name", 1: "phone", 2: "address"}
    save_template(db, boss, C, "mine", headers, {0: "name"})
    assert parse_mapping(db, boss, C, "mine", headers) == {0: "name"}
    with pytest.raises(ValidationError, match="not a field"):
        parse_mapping(db, boss, C, '{"A": "nickname"}', headers)
    with pytest.raises(ValidationError, match="no column"):
        parse_mapping(db, boss, C, '{"Z": "name"}', headers)
    with pytest.raises(ValidationError, match="JSON"):
        parse_mapping(db, boss, C, '{"A": ', headers)
