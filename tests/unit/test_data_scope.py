"""Data scope: a salesperson sees their own customers, a manager the team's, the boss all."""

from __future__ import annotations

import pytest

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.errors import PermissionDenied
from crm_desktop.core.models import PoolStatus
from crm_desktop.core.services import customers, operators
from tests.conftest import MakeOperator


@pytest.fixture
def firm(db: Database, boss: Actor, make_operator: MakeOperator) -> dict[str, object]:
    """Two teams: east (manager + two salespeople) and west (one salesperson), and customers."""
    east = operators.save_team(db, boss, None, None, {"code": "E", "name": "华东组"})
    west = operators.save_team(db, boss, None, None, {"code": "W", "name": "华西组"})
    manager = make_operator("mgr_east", "sales_manager", team_id=east)
    operators.save_team(db, boss, east, 1, {"manager_id": manager.id})  # version 1: just created
    people = {
        "manager": manager,
        "li": make_operator("li", "salesperson", team_id=east),
        "zhao": make_operator("zhao", "salesperson", team_id=east),
        "chen": make_operator("chen", "salesperson", team_id=west),
    }
    owned = {
        name: customers.create_customer(
            db, boss, {"name": f"{name}的客户有限公司", "owner_id": actor.id}
        )
        for name, actor in people.items()
    }
    pool = customers.create_customer(
        db, boss, {"name": "公海客户", "pool_status": PoolStatus.PUBLIC}
    )
    return {"people": people, "owned": owned, "pool": pool}


def _visible_ids(db: Database, actor: Actor) -> set[int]:
    return {row[0] for row in customers.list_customers(db, actor)}


def test_salesperson_lists_only_own_customers_and_the_public_pool(db: Database, firm: dict) -> None:
    li = firm["people"]["li"]
    assert _visible_ids(db, li) == {firm["owned"]["li"], firm["pool"]}


def test_salesperson_cannot_load_a_colleagues_customer_by_id(db: Database, firm: dict) -> None:
    li = firm["people"]["li"]
    with pytest.raises(PermissionDenied, match="outside your data scope"):
        customers.get_customer(db, li, firm["owned"]["zhao"])


def test_salesperson_cannot_edit_a_colleagues_customer_by_id(db: Database, firm: dict) -> None:
    li = firm["people"]["li"]
    with pytest.raises(PermissionDenied):
        customers.update_customer(db, li, firm["owned"]["zhao"], 1, {"name": "改名"})


def test_manager_sees_the_team_but_not_the_other_team(db: Database, firm: dict) -> None:
    manager = firm["people"]["manager"]
    owned = firm["owned"]
    assert _visible_ids(db, manager) == {
        owned["manager"],
        owned["li"],
        owned["zhao"],
        firm["pool"],
    }
    customers.get_customer(db, manager, owned["zhao"])
    with pytest.raises(PermissionDenied):
        customers.get_customer(db, manager, owned["chen"])


def test_boss_sees_every_customer(db: Database, boss: Actor, firm: dict) -> None:
    assert _visible_ids(db, boss) == set(firm["owned"].values()) | {firm["pool"]}


def test_manager_cannot_hand_a_customer_to_another_team(db: Database, firm: dict) -> None:
    manager, chen = firm["people"]["manager"], firm["people"]["chen"]
    cid = firm["owned"]["li"]
    version = customers.get_customer(db, manager, cid)["version"]
    with pytest.raises(PermissionDenied):
        customers.update_customer(db, manager, cid, version, {"owner_id": chen.id})


def test_scope_change_takes_effect_without_logging_in_again(
    db: Database, boss: Actor, firm: dict
) -> None:
    li = firm["people"]["li"]
    version = operators.get_operator(db, boss, li.id)["version"]
    operators.update_operator(db, boss, li.id, version, {"data_scope": "all"})
    assert firm["owned"]["chen"] in _visible_ids(db, li)  # same Actor value, fresh rights
