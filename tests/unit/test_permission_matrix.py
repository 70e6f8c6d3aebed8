"""Each preset role × each service action: allowed or refused, whoever calls the service."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.errors import DatabaseError, PermissionDenied
from crm_desktop.core.models import BaseDataKind
from crm_desktop.core.services import (
    audit,
    basedata,
    company,
    customers,
    maintenance,
    operators,
    products,
)
from tests.conftest import MakeOperator

Action = Callable[[Database, Actor, Actor], object]


def _customer_of(db: Database, boss: Actor, owner: Actor) -> int:
    return customers.create_customer(db, boss, {"name": "矩阵测试有限公司", "owner_id": owner.id})


def _back_up(db: Database, actor: Actor) -> None:
    """Backs up a SQLite file; on a server the permission is checked, then the app says that
    backups there are the server's own."""
    if db.is_sqlite:
        maintenance.backup(db, actor)
        return
    with pytest.raises(DatabaseError, match="SQLite files only"):
        maintenance.backup(db, actor)


def _role_id(db: Database, boss: Actor, code: str) -> int:
    return next(r["id"] for r in operators.list_roles(db, boss) if r["code"] == code)


def _edit_customer(db: Database, actor: Actor, boss: Actor) -> None:
    cid = _customer_of(db, boss, actor)
    version = customers.get_customer(db, boss, cid)["version"]
    customers.update_customer(db, actor, cid, version, {"address": "上海市浦东新区"})


def _transfer_customer(db: Database, actor: Actor, boss: Actor) -> None:
    """Move one of the actor's customers to a colleague in the actor's own team."""
    colleague = operators.create_operator(
        db,
        boss,
        {
            "code": "colleague",
            "name": "同事",
            "role_id": _role_id(db, boss, "salesperson"),
            "team_id": actor.team_id,
        },
    )
    cid = _customer_of(db, boss, actor)
    version = customers.get_customer(db, boss, cid)["version"]
    customers.update_customer(db, actor, cid, version, {"owner_id": colleague})


def _update_company(db: Database, actor: Actor, boss: Actor) -> None:
    version = company.get_profile(db, boss)["version"]
    company.update_profile(db, actor, version, {"phone": "021-5555 0000"})


ACTIONS: dict[str, Action] = {
    "list customers": lambda db, a, b: customers.list_customers(db, a),
    "create customer": lambda db, a, b: customers.create_customer(db, a, {"name": "新客户"}),
    "edit own customer": _edit_customer,
    "transfer customer": _transfer_customer,
    "archive customer": lambda db, a, b: customers.set_archived(
        db, a, _customer_of(db, b, a), True
    ),
    "edit company profile": _update_company,
    "add base data entry": lambda db, a, b: basedata.save_item(
        db, a, None, None, {"kind": BaseDataKind.REGION, "code": "X9", "name": "海外"}
    ),
    "add product": lambda db, a, b: products.save_product(
        db, a, None, None, {"code": "P-9", "name": "测试产品", "unit_price": Decimal("9.90")}
    ),
    "list operators": lambda db, a, b: operators.list_operators(db, a),
    "add operator": lambda db, a, b: operators.create_operator(
        db, a, {"code": "new1", "name": "新人", "role_id": _role_id(db, b, "readonly")}
    ),
    "add role": lambda db, a, b: operators.save_role(
        db, a, None, None, {"name": "Temp"}, {"customers.view"}
    ),
    "add team": lambda db, a, b: operators.save_team(
        db, a, None, None, {"code": "T9", "name": "九组"}
    ),
    "read audit log": lambda db, a, b: audit.list_entries(db, a),
    "back up": lambda db, a, b: _back_up(db, a),
}

ALLOWED: dict[str, set[str]] = {
    "boss": set(ACTIONS),
    "sales_manager": {
        "list customers",
        "create customer",
        "edit own customer",
        "transfer customer",
        "archive customer",
    },
    "salesperson": {"list customers", "create customer", "edit own customer"},
    "finance": {"list customers", "back up"},
    "service": {"list customers"},
    "readonly": {"list customers"},
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_role_may_do_exactly_its_actions(
    db: Database, boss: Actor, make_operator: MakeOperator, role: str, action: str
) -> None:
    team = operators.save_team(db, boss, None, None, {"code": "T1", "name": "一组"})
    actor = boss if role == "boss" else make_operator(f"op_{role}", role, team_id=team)
    run = ACTIONS[action]
    if action in ALLOWED[role]:
        run(db, actor, boss)
    else:
        with pytest.raises(PermissionDenied):
            run(db, actor, boss)
