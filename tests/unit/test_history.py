"""Field history from the audit log (who, when, old -> new, with names), and restoring a value."""

from __future__ import annotations

import pytest

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock
from crm_desktop.core.db import Database
from crm_desktop.core.errors import NotFound, PermissionDenied
from crm_desktop.core.services import basedata, customers, history
from tests.conftest import MakeOperator


@pytest.fixture
def people(make_operator: MakeOperator) -> dict[str, Actor]:
    return {
        "li": make_operator("li", "salesperson", name="李四"),
        "zhao": make_operator("zhao", "salesperson", name="赵六"),
    }


@pytest.fixture
def levels(db: Database, boss: Actor) -> dict[str, int]:
    return {
        code: basedata.save_item(
            db, boss, None, None, {"kind": "customer_level", "code": f"T{code}", "name": name}
        )
        for code, name in (("A", "重要客户"), ("B", "普通客户"))
    }


def _version(db: Database, actor: Actor, customer_id: int) -> int:
    return customers.get_customer(db, actor, customer_id)["version"]


def _summary(changes: list[history.FieldChange]) -> list[tuple[str, str, str, str]]:
    return [(c.operator_name, c.field, c.old_text, c.new_text) for c in changes]


def test_history_shows_who_when_and_old_to_new_with_names_newest_first(
    db: Database, boss: Actor, clock: FixedClock, people: dict[str, Actor], levels: dict
) -> None:
    li, zhao = people["li"], people["zhao"]
    cid = customers.create_customer(
        db, boss, {"name": "历史测试有限公司", "owner_id": li.id, "level_id": levels["A"]}
    )
    created_at = clock.now()
    clock.advance(days=1)
    customers.update_customer(db, li, cid, _version(db, li, cid), {"phone": "010-1234 5678"})
    clock.advance(days=1)
    customers.update_customer(
        db, boss, cid, _version(db, boss, cid), {"owner_id": zhao.id, "level_id": levels["B"]}
    )

    changes = history.field_history(db, boss, cid)

    assert _summary(changes) == [
        ("王老板", "owner_id", "李四", "赵六"),
        ("王老板", "level_id", "重要客户", "普通客户"),
        ("李四", "phone", "", "010-1234 5678"),
        ("王老板", "name", "", "历史测试有限公司"),
        ("王老板", "owner_id", "", "李四"),
        ("王老板", "level_id", "", "重要客户"),
    ]
    assert changes[0].field_label == "Owner"
    assert changes[0].at == clock.now()
    assert changes[-1].at == created_at
    assert (changes[1].old, changes[1].new) == (levels["A"], levels["B"])


def test_history_leaves_out_fields_that_are_not_tracked(
    db: Database, boss: Actor, people: dict[str, Actor]
) -> None:
    cid = customers.create_customer(db, boss, {"name": "备注公司", "owner_id": people["li"].id})
    customers.update_customer(db, boss, cid, _version(db, boss, cid), {"remarks": "只改备注"})

    assert {c.field for c in history.field_history(db, boss, cid)} == {"name", "owner_id"}


def test_restore_puts_the_old_value_back_and_is_itself_in_the_history(
    db: Database, boss: Actor, clock: FixedClock, people: dict[str, Actor], levels: dict
) -> None:
    li = people["li"]
    cid = customers.create_customer(
        db, boss, {"name": "旧名称公司", "owner_id": li.id, "level_id": levels["A"]}
    )
    clock.advance(hours=1)
    customers.update_customer(
        db, li, cid, _version(db, li, cid), {"name": "新名称公司", "level_id": levels["B"]}
    )
    clock.advance(hours=1)

    for field in ("name", "level_id"):
        change = next(c for c in history.field_history(db, li, cid) if c.field == field)
        history.restore_value(db, li, cid, change.audit_id, field)

    restored = customers.get_customer(db, li, cid)
    assert (restored["name"], restored["level_id"]) == ("旧名称公司", levels["A"])
    latest = history.field_history(db, li, cid)[:2]
    assert sorted(_summary(latest)) == [
        ("李四", "level_id", "普通客户", "重要客户"),
        ("李四", "name", "新名称公司", "旧名称公司"),
    ]
    assert {c.at for c in latest} == {clock.now()}


def test_restoring_a_name_another_customer_now_uses_is_allowed(
    db: Database, boss: Actor, people: dict[str, Actor]
) -> None:
    li = people["li"]
    cid = customers.create_customer(db, boss, {"name": "甲公司", "owner_id": li.id})
    customers.update_customer(db, li, cid, _version(db, li, cid), {"name": "乙公司"})
    customers.create_customer(db, boss, {"name": "甲公司", "owner_id": li.id}, allow_duplicate=True)
    change = next(c for c in history.field_history(db, li, cid) if c.old == "甲公司")

    history.restore_value(db, li, cid, change.audit_id, "name")

    assert customers.get_customer(db, li, cid)["name"] == "甲公司"


def test_restoring_an_owner_needs_the_transfer_permission(
    db: Database, boss: Actor, people: dict[str, Actor]
) -> None:
    li, zhao = people["li"], people["zhao"]
    cid = customers.create_customer(db, boss, {"name": "转移公司", "owner_id": li.id})
    customers.update_customer(db, boss, cid, _version(db, boss, cid), {"owner_id": zhao.id})
    move = history.field_history(db, zhao, cid)[0]

    with pytest.raises(PermissionDenied):
        history.restore_value(db, zhao, cid, move.audit_id, "owner_id")
    history.restore_value(db, boss, cid, move.audit_id, "owner_id")

    assert customers.get_customer(db, boss, cid)["owner_id"] == li.id


def test_restore_refuses_a_change_of_another_customer(
    db: Database, boss: Actor, people: dict[str, Actor]
) -> None:
    li = people["li"]
    first = customers.create_customer(db, boss, {"name": "一号公司", "owner_id": li.id})
    second = customers.create_customer(db, boss, {"name": "二号公司", "owner_id": li.id})
    foreign = history.field_history(db, li, first)[0]

    with pytest.raises(NotFound):
        history.restore_value(db, li, second, foreign.audit_id, "name")
    assert customers.get_customer(db, li, second)["name"] == "二号公司"


def test_salesperson_cannot_read_a_colleagues_customers_history(
    db: Database, boss: Actor, people: dict[str, Actor]
) -> None:
    cid = customers.create_customer(db, boss, {"name": "别人的公司", "owner_id": people["li"].id})
    with pytest.raises(PermissionDenied):
        history.field_history(db, people["zhao"], cid)
