"""Two operators editing one record: the second save is refused and nothing is overwritten.
Every write leaves an audit row with old and new values."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.errors import ConflictError
from crm_desktop.core.models import AuditEntry, BaseDataKind, Customer
from crm_desktop.core.services import basedata, customers, products
from tests.conftest import MakeOperator


def test_second_save_of_a_stale_record_raises_conflict_and_keeps_the_first(
    db: Database, boss: Actor, make_operator: MakeOperator
) -> None:
    manager = make_operator("mgr", "sales_manager")
    cid = customers.create_customer(db, boss, {"name": "冲突测试有限公司", "owner_id": manager.id})
    opened_by_boss = customers.get_customer(db, boss, cid)
    opened_by_manager = customers.get_customer(db, manager, cid)

    customers.update_customer(db, boss, cid, opened_by_boss["version"], {"phone": "010-8888 0001"})
    with pytest.raises(ConflictError) as caught:
        customers.update_customer(
            db, manager, cid, opened_by_manager["version"], {"phone": "021-6666 0002"}
        )

    conflict = caught.value
    assert [(c.field, c.theirs, c.yours) for c in conflict.conflicts] == [
        ("phone", "010-8888 0001", "021-6666 0002")
    ]
    assert customers.get_customer(db, boss, cid)["phone"] == "010-8888 0001"


def test_conflict_on_a_settings_record_too(db: Database, boss: Actor) -> None:
    pid = products.save_product(
        db, boss, None, None, {"code": "P1", "name": "螺丝", "unit_price": "1.20"}
    )
    products.save_product(db, boss, pid, 1, {"unit_price": "1.30"})
    with pytest.raises(ConflictError):
        products.save_product(db, boss, pid, 1, {"unit_price": "1.40"})
    price = next(p["unit_price"] for p in products.list_products(db, boss) if p["id"] == pid)
    assert price == Decimal("1.30")


def test_update_writes_an_audit_row_with_old_and_new_values(db: Database, boss: Actor) -> None:
    cid = customers.create_customer(db, boss, {"name": "审计有限公司", "phone": "0571-1234567"})
    version = customers.get_customer(db, boss, cid)["version"]
    customers.update_customer(db, boss, cid, version, {"phone": "0571-7654321", "name": "审计"})

    with db.read() as session:
        entry = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == "customer", AuditEntry.entity_id == cid)
            .order_by(AuditEntry.id.desc())
        ).first()
        action, who, changes = entry.action, entry.operator_code, entry.changes
    assert action == "customer.update"
    assert who == "boss"
    assert json.loads(changes) == {
        "phone": ["0571-1234567", "0571-7654321"],
        "name": ["审计有限公司", "审计"],
    }


def test_every_write_kind_is_audited(db: Database, boss: Actor) -> None:
    item = basedata.save_item(
        db, boss, None, None, {"kind": BaseDataKind.REGION, "code": "NE", "name": "东北"}
    )
    basedata.set_active(db, boss, item, False)
    cid = customers.create_customer(db, boss, {"name": "归档测试"})
    customers.set_archived(db, boss, cid, True)
    with db.read() as session:
        actions = set(session.scalars(select(AuditEntry.action)))
    assert {
        "base_data.create",
        "base_data.update",
        "customer.create",
        "customer.archive",
    } <= actions


def test_stamps_record_who_and_when(db: Database, boss: Actor, clock) -> None:
    cid = customers.create_customer(db, boss, {"name": "时间戳有限公司"})
    clock.advance(hours=2)
    customers.update_customer(db, boss, cid, 1, {"address": "杭州"})
    with db.read() as session:
        row = session.get(Customer, cid)
        assert row.created_by_id == row.updated_by_id == boss.id
        assert (row.updated_at - row.created_at).total_seconds() == 7200
        assert row.created_at.tzinfo is not None  # aware UTC, not naive


def test_archived_customer_leaves_the_list_and_can_be_restored(db: Database, boss: Actor) -> None:
    cid = customers.create_customer(db, boss, {"name": "归档客户"})
    customers.set_archived(db, boss, cid, True)
    assert cid not in {r[0] for r in customers.list_customers(db, boss)}
    customers.set_archived(db, boss, cid, False)
    assert cid in {r[0] for r in customers.list_customers(db, boss)}


def test_used_base_data_entry_cannot_be_deleted(db: Database, boss: Actor) -> None:
    region = basedata.save_item(
        db, boss, None, None, {"kind": BaseDataKind.REGION, "code": "SW", "name": "西南"}
    )
    customers.create_customer(db, boss, {"name": "成都客户", "region_id": region})
    from crm_desktop.core.errors import ValidationError

    with pytest.raises(ValidationError, match="deactivate it instead"):
        basedata.delete_item(db, boss, region)
    unused = basedata.save_item(
        db, boss, None, None, {"kind": BaseDataKind.REGION, "code": "XX", "name": "无用"}
    )
    basedata.delete_item(db, boss, unused)
    names = [i["name"] for i in basedata.list_items(db, boss, BaseDataKind.REGION)]
    assert "西南" in names and "无用" not in names
