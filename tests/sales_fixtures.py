"""Small, stable builders for sales tests: a customer for an owner, a product, an order, a quote.

Shared by every sales test module (import the functions; they are not fixtures). Others may add
builders at the end of this file; keep the existing signatures unchanged.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.pricing import LineInput

_names = itertools.count(1)


def make_customer(
    db: Database, actor: Actor, name: str | None = None, *, owner: Actor | None = None
) -> int:
    """A customer created by `actor`, owned by `owner` (default: the actor)."""
    from crm_desktop.core.services import customers

    values: dict[str, Any] = {"name": name or f"测试客户{next(_names):04d}有限公司"}
    if owner is not None:
        values["owner_id"] = owner.id
    return customers.create_customer(db, actor, values, allow_duplicate=True)


def make_product(
    db: Database, boss: Actor, code: str = "P001", name: str = "不锈钢螺栓", price: str = "12.50"
) -> int:
    """A catalogue product (needs an actor with settings.products, e.g. the boss)."""
    from crm_desktop.core.services import products

    return products.save_product(
        db, boss, None, None, {"code": code, "name": name, "unit_price": Decimal(price)}
    )


def line(
    description: str = "办公椅",
    quantity: str | int = 1,
    price: str = "100.00",
    discount_bp: int = 0,
    **extra: Any,
) -> LineInput:
    """A line from text values: `line("螺栓", 3, "33.33", 1500)` is 3 × 33.33 at 15 % off."""
    return LineInput(description, Decimal(str(quantity)), Decimal(price), discount_bp, **extra)


def make_order(
    db: Database,
    actor: Actor,
    customer_id: int,
    lines: list[LineInput] | None = None,
    **values: Any,
) -> int:
    """A draft order of the customer by `actor` (one 100.00 line unless lines are given)."""
    from crm_desktop.core.services import orders

    return orders.save_order(
        db, actor, None, None, {"customer_id": customer_id, **values}, lines or [line()]
    )


def make_quote(
    db: Database,
    actor: Actor,
    customer_id: int,
    lines: list[LineInput] | None = None,
    **values: Any,
) -> int:
    """A draft quote of the customer by `actor` (one 100.00 line unless lines are given)."""
    from crm_desktop.core.services import quotes

    return quotes.save_quote(
        db, actor, None, None, {"customer_id": customer_id, **values}, lines or [line()]
    )


# --- receipts and receivables (H2) ---------------------------------------------------------------


_STATUS_PATHS = {
    "draft": (),
    "confirmed": ("confirmed",),
    "delivered": ("confirmed", "delivered"),
    "closed": ("confirmed", "delivered", "closed"),
    "cancelled": ("cancelled",),
}


def make_confirmed_order(
    db: Database,
    actor: Actor,
    customer_id: int,
    total: str = "100.00",
    *,
    order_date: Any = None,
    status: str = "confirmed",
) -> int:
    """An order of exactly `total` (one line, no tax) by `actor`, moved on to `status`."""
    from crm_desktop.core.services import orders

    values = {"order_date": order_date} if order_date is not None else {}
    order_id = make_order(db, actor, customer_id, [line("货款", 1, total)], **values)
    for step in _STATUS_PATHS[status]:
        version = orders.get_order(db, actor, order_id).version
        orders.set_order_status(db, actor, order_id, version, step)
    return order_id


def make_signed_contract(
    db: Database,
    actor: Actor,
    customer_id: int,
    amount: str = "1000.00",
    *,
    end_on: Any = None,
    order_ids: tuple[int, ...] = (),
    status: str = "confirmed",
) -> int:
    """A signed (confirmed) contract of the customer by `actor`, covering `order_ids`."""
    from crm_desktop.core.models import Contract, ContractOrder
    from crm_desktop.core.services import numbering

    with db.write(actor) as uow:
        contract = Contract(
            number=numbering.next_number(uow, "contract"),
            customer_id=customer_id,
            salesperson_id=actor.id,
            title="年度供货合同",
            amount=Decimal(amount),
            end_on=end_on,
            status=status,
        )
        uow.session.add(contract)
        uow.session.flush()
        for order_id in order_ids:
            uow.session.add(ContractOrder(contract_id=contract.id, order_id=order_id))
        return contract.id
