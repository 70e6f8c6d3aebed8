"""Contacts of a customer: one primary contact, archived on removal, hidden outside the scope."""

from __future__ import annotations

from datetime import date

import pytest

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.errors import PermissionDenied, ValidationError
from crm_desktop.core.models import Contact
from crm_desktop.core.services import audit, contacts, customers
from tests.conftest import MakeOperator


@pytest.fixture
def li(make_operator: MakeOperator) -> Actor:
    return make_operator("li", "salesperson", name="李四")


@pytest.fixture
def customer(db: Database, boss: Actor, li: Actor) -> int:
    return customers.create_customer(db, boss, {"name": "联系人测试有限公司", "owner_id": li.id})


def _primary_names(db: Database, actor: Actor, customer_id: int) -> list[str]:
    return [c["name"] for c in contacts.list_contacts(db, actor, customer_id) if c["is_primary"]]


def test_marking_a_contact_primary_unmarks_the_previous_one(
    db: Database, li: Actor, customer: int
) -> None:
    contacts.save_contact(db, li, customer, None, None, {"name": "张经理", "is_primary": True})
    second = contacts.save_contact(db, li, customer, None, None, {"name": "王会计"})
    assert _primary_names(db, li, customer) == ["张经理"]

    version = next(c for c in contacts.list_contacts(db, li, customer) if c["id"] == second)
    contacts.save_contact(db, li, customer, second, version["version"], {"is_primary": True})

    assert _primary_names(db, li, customer) == ["王会计"]


def test_list_shows_the_primary_contact_first_then_by_name(
    db: Database, li: Actor, customer: int
) -> None:
    for name in ("Carol", "Alice"):
        contacts.save_contact(db, li, customer, None, None, {"name": name})
    contacts.save_contact(db, li, customer, None, None, {"name": "Zoe", "is_primary": True})

    assert [c["name"] for c in contacts.list_contacts(db, li, customer)] == [
        "Zoe",
        "Alice",
        "Carol",
    ]


def test_contact_keeps_every_field_and_a_birthday_as_a_date(
    db: Database, li: Actor, customer: int
) -> None:
    values = {
        "name": " 张经理 ",
        "title": "采购经理",
        "phone": "010-8888 0001",
        "mobile": "138 0000 0001",
        "email": "zhang@example.cn",
        "wechat": "zhang_wx",
        "birthday": "1980-05-17",
        "remarks": "喜欢喝茶",
    }
    contacts.save_contact(db, li, customer, None, None, values)

    (saved,) = contacts.list_contacts(db, li, customer)
    assert saved["name"] == "张经理"
    assert saved["birthday"] == date(1980, 5, 17)
    assert saved["wechat"] == "zhang_wx"
    assert saved["is_primary"] is False


def test_contact_without_a_name_or_with_a_bad_birthday_is_refused(
    db: Database, li: Actor, customer: int
) -> None:
    with pytest.raises(ValidationError, match="must not be empty"):
        contacts.save_contact(db, li, customer, None, None, {"name": "  "})
    with pytest.raises(ValidationError, match="not a date"):
        contacts.save_contact(db, li, customer, None, None, {"name": "张", "birthday": "5/17"})
    assert contacts.list_contacts(db, li, customer) == []


def test_removed_contact_is_archived_and_leaves_the_list(
    db: Database, boss: Actor, li: Actor, customer: int
) -> None:
    kept = contacts.save_contact(db, li, customer, None, None, {"name": "留下"})
    gone = contacts.save_contact(db, li, customer, None, None, {"name": "离职"})

    contacts.remove_contact(db, li, gone)

    assert [c["id"] for c in contacts.list_contacts(db, li, customer)] == [kept]
    with db.read() as session:
        assert session.get(Contact, gone).archived is True


def test_salesperson_cannot_read_or_change_a_colleagues_customers_contacts(
    db: Database, boss: Actor, li: Actor, customer: int, make_operator: MakeOperator
) -> None:
    zhao = make_operator("zhao", "salesperson")
    contact = contacts.save_contact(db, li, customer, None, None, {"name": "张经理"})

    with pytest.raises(PermissionDenied):
        contacts.list_contacts(db, zhao, customer)
    with pytest.raises(PermissionDenied):
        contacts.save_contact(db, zhao, customer, None, None, {"name": "冒充"})
    with pytest.raises(PermissionDenied):
        contacts.remove_contact(db, zhao, contact)
    assert [c["name"] for c in contacts.list_contacts(db, boss, customer)] == ["张经理"]


def test_contact_changes_are_audited_with_old_and_new_values(
    db: Database, boss: Actor, li: Actor, customer: int
) -> None:
    contact = contacts.save_contact(db, li, customer, None, None, {"name": "张经理"})
    contacts.save_contact(db, li, customer, contact, 1, {"title": "总经理"})

    entries = audit.list_entries(db, boss, entity="contact", entity_id=contact)
    assert [e.action for e in entries] == ["contact.update", "contact.create"]
    assert entries[0].changes == {"title": (None, "总经理")}
