"""The customer ledger: one search box, filters, server-side order, duplicates, data scope."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock
from crm_desktop.core.db import Database
from crm_desktop.core.errors import (
    DuplicateCustomer,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from crm_desktop.core.models import BaseDataKind, Customer, PoolStatus
from crm_desktop.core.search_keys import KEY_LENGTHS
from crm_desktop.core.services import basedata, customers
from crm_desktop.core.services.customers import CustomerFilter
from tests.conftest import MakeOperator


def names(db: Database, actor: Actor, wanted: CustomerFilter | None = None, **kw) -> list[str]:
    return [row.name for row in customers.list_customers(db, actor, wanted, **kw)]


@pytest.fixture
def ledger(db: Database, boss: Actor, make_operator: MakeOperator) -> dict[str, object]:
    li = make_operator("li", "salesperson", name="李雷")
    wang = make_operator("wang", "salesperson", name="王芳")
    made = {
        "bj": customers.create_customer(
            db,
            boss,
            {
                "name": "北京科技有限公司",
                "phone": "010-6234 5678",
                "email": "info@bjtech.cn",
                "owner_id": li.id,
            },
        ),
        "sh": customers.create_customer(
            db, boss, {"name": "上海贸易有限公司", "phone": "021 5555 6666", "owner_id": wang.id}
        ),
        "abc": customers.create_customer(
            db, boss, {"name": "ABC Trading Co., Ltd.", "phone": "+86 755 8888 1234"}
        ),
        "pool": customers.create_customer(
            db, boss, {"name": "长沙公海客户", "pool_status": PoolStatus.PUBLIC}
        ),
    }
    return {"li": li, "wang": wang, "ids": made}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("bjkj", ["北京科技有限公司"]),  # pinyin initials
        ("BeiJing", ["北京科技有限公司"]),  # full pinyin, any case
        ("科技", ["北京科技有限公司"]),  # name fragment
        ("6234-56", ["北京科技有限公司"]),  # phone fragment typed with a dash
        ("55556666", ["上海贸易有限公司"]),  # phone stored with spaces
        ("bjtech.cn", ["北京科技有限公司"]),  # e-mail
        ("王芳", ["上海贸易有限公司"]),  # owner's name
        ("ＡＢＣ", ["ABC Trading Co., Ltd."]),  # full-width letters
        ("50%", []),  # LIKE wildcards are taken literally
    ],
)
def test_one_search_box_matches_names_pinyin_phones_emails_and_owners(
    db: Database, boss: Actor, ledger: dict, typed: str, expected: list[str]
) -> None:
    assert names(db, boss, CustomerFilter(search=typed)) == expected


def test_default_order_is_pinyin_so_chinese_and_latin_names_interleave(
    db: Database, boss: Actor, ledger: dict
) -> None:
    # ABC < beijing < changsha < shanghai
    assert names(db, boss) == [
        "ABC Trading Co., Ltd.",
        "北京科技有限公司",
        "长沙公海客户",
        "上海贸易有限公司",
    ]
    assert names(db, boss, sort="name", descending=True)[0] == "上海贸易有限公司"


def test_sorting_by_owner_puts_customers_without_owner_last(
    db: Database, boss: Actor, ledger: dict
) -> None:
    owners = [row.owner_name for row in customers.list_customers(db, boss, sort="owner")]
    assert owners == ["李雷", "王老板", "王芳", None]
    descending = customers.list_customers(db, boss, sort="owner", descending=True)
    assert [row.owner_name for row in descending] == ["王芳", "王老板", "李雷", None]


def test_filters_by_base_data_pool_and_owner(db: Database, boss: Actor, ledger: dict) -> None:
    region = basedata.list_items(db, boss, BaseDataKind.REGION)[0]
    bj = customers.get_customer(db, boss, ledger["ids"]["bj"])
    customers.update_customer(db, boss, bj["id"], bj["version"], {"region_id": region["id"]})
    assert names(db, boss, CustomerFilter(region_id=region["id"])) == ["北京科技有限公司"]
    assert names(db, boss, CustomerFilter(pool="public")) == ["长沙公海客户"]
    assert names(db, ledger["li"], CustomerFilter(pool="mine")) == ["北京科技有限公司"]
    assert names(db, boss, CustomerFilter(owner_id=ledger["wang"].id)) == ["上海贸易有限公司"]
    assert customers.count_customers(db, boss, CustomerFilter(pool="private")) == 3


def test_idle_filter_lists_customers_without_a_recent_follow_up(
    db: Database, boss: Actor, ledger: dict, clock: FixedClock
) -> None:
    from crm_desktop.core.models import Customer

    with db.write(boss) as uow:  # as if a follow-up had been recorded 10 days ago
        customer = uow.session.get(Customer, ledger["ids"]["bj"])
        customer.last_followup_at = clock.now() - timedelta(days=10)
    assert "北京科技有限公司" in names(db, boss, CustomerFilter(idle_days=7))
    assert "北京科技有限公司" not in names(db, boss, CustomerFilter(idle_days=30))
    assert "上海贸易有限公司" in names(db, boss, CustomerFilter(idle_days=30))  # never followed up


def test_archived_customers_leave_the_list_and_can_be_listed_and_restored(
    db: Database, boss: Actor, ledger: dict
) -> None:
    customers.set_archived(db, boss, ledger["ids"]["sh"], True)
    assert "上海贸易有限公司" not in names(db, boss)
    assert names(db, boss, CustomerFilter(archived=True)) == ["上海贸易有限公司"]
    customers.set_archived(db, boss, ledger["ids"]["sh"], False)
    assert "上海贸易有限公司" in names(db, boss)


def test_salesperson_cannot_list_search_or_load_a_colleagues_customers(
    db: Database, ledger: dict
) -> None:
    li = ledger["li"]
    assert names(db, li) == ["北京科技有限公司", "长沙公海客户"]
    assert names(db, li, CustomerFilter(search="shanghai")) == []
    assert names(db, li, CustomerFilter(search="王芳")) == []
    assert customers.count_customers(db, li) == 2
    with pytest.raises(PermissionDenied):
        customers.get_customer(db, li, ledger["ids"]["sh"])
    with pytest.raises(NotFound):
        customers.resolve_customer(db, li, "上海贸易有限公司")


@pytest.mark.parametrize(
    "typed",
    ["北京科技", "北京科技有限责任公司", " 北京 科技有限公司 ", "北京科技股份有限公司"],
)
def test_creating_a_customer_with_a_known_name_warns_and_names_the_match(
    db: Database, boss: Actor, ledger: dict, typed: str
) -> None:
    with pytest.raises(DuplicateCustomer) as caught:
        customers.create_customer(db, boss, {"name": typed})
    match = caught.value.matches[0]
    assert (match.id, match.reason, match.owner_name) == (ledger["ids"]["bj"], "name", "李雷")
    assert "北京科技有限公司" in caught.value.message


def test_latin_duplicates_ignore_case_width_and_company_suffix(
    db: Database, boss: Actor, ledger: dict
) -> None:
    with pytest.raises(DuplicateCustomer):
        customers.create_customer(db, boss, {"name": "ａｂｃ trading LIMITED"})


def test_same_phone_number_in_another_format_is_a_duplicate(
    db: Database, boss: Actor, ledger: dict
) -> None:
    with pytest.raises(DuplicateCustomer) as caught:
        customers.create_customer(db, boss, {"name": "新客户", "phone": "0106-2345678"})
    assert caught.value.matches[0].reason == "phone"


def test_duplicate_can_be_saved_anyway_when_the_person_says_so(
    db: Database, boss: Actor, ledger: dict
) -> None:
    cid = customers.create_customer(db, boss, {"name": "北京科技"}, allow_duplicate=True)
    assert customers.get_customer(db, boss, cid)["name"] == "北京科技"


def test_salesperson_learns_a_colleague_serves_the_customer_but_cannot_open_it(
    db: Database, ledger: dict
) -> None:
    li = ledger["li"]
    matches = customers.find_duplicates(db, li, "上海贸易", None)
    assert [(m.name, m.owner_name, m.visible, m.phone) for m in matches] == [
        ("上海贸易有限公司", "王芳", False, None)  # the colleague's phone number is not shown
    ]


def test_renaming_into_an_existing_name_warns_but_saving_other_fields_does_not(
    db: Database, boss: Actor, ledger: dict
) -> None:
    sh = customers.get_customer(db, boss, ledger["ids"]["sh"])
    with pytest.raises(DuplicateCustomer):
        customers.update_customer(db, boss, sh["id"], sh["version"], {"name": "北京科技"})
    customers.update_customer(db, boss, sh["id"], sh["version"], {"address": "浦东"})


def test_resolve_customer_by_id_code_or_name(db: Database, boss: Actor, ledger: dict) -> None:
    bj = ledger["ids"]["bj"]
    assert customers.resolve_customer(db, boss, str(bj)) == bj
    assert customers.resolve_customer(db, boss, "北京科技有限公司") == bj
    assert customers.resolve_customer(db, boss, "北京科技") == bj


# A long Chinese name: its pinyin sort key (~3 letters a character) outgrows the name's length.
LONG_NAME = "".join(chr(0x4E00 + (i * 37) % 20000) for i in range(200))


def test_a_long_chinese_name_within_its_length_is_saved_and_sorted(
    db: Database, boss: Actor
) -> None:
    cid = customers.create_customer(db, boss, {"name": LONG_NAME})

    assert customers.get_customer(db, boss, cid)["name"] == LONG_NAME
    assert [row.id for row in customers.list_customers(db, boss)] == [cid]


def test_a_name_longer_than_its_column_is_refused_alike_on_every_backend(
    db: Database, boss: Actor
) -> None:
    with pytest.raises(ValidationError, match="201 characters, at most 200 fit"):
        customers.create_customer(db, boss, {"name": LONG_NAME + "司"})
    assert customers.list_customers(db, boss) == []


def test_derived_keys_are_cut_to_their_columns_lengths() -> None:
    for key, length in KEY_LENGTHS.items():
        assert Customer.__table__.c[key].type.length == length, key
