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


_CONTRACT_PATHS = {
    "draft": (),
    "confirmed": ("confirmed",),
    "closed": ("confirmed", "closed"),
    "cancelled": ("cancelled",),
}


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
    """A contract of the customer covering `order_ids`, signed (confirmed) unless `status` says
    otherwise; `actor` needs contracts.edit (e.g. the boss or a sales manager)."""
    from crm_desktop.core.services import contracts

    values = {"customer_id": customer_id, "title": "年度供货合同", "amount": Decimal(amount)}
    if end_on is not None:
        values["end_on"] = end_on
    contract_id = contracts.save_contract(db, actor, None, None, values, list(order_ids))
    for step in _CONTRACT_PATHS[status]:
        version = contracts.get_contract(db, actor, contract_id).version
        contracts.set_contract_status(db, actor, contract_id, version, step)
    return contract_id


def make_receipt(
    db: Database,
    actor: Actor,
    customer_id: int,
    amount: str,
    *allocations: tuple[int, str],
    overpay: bool = False,
    **values: Any,
) -> int:
    """A receipt of `amount` from the customer paying `(order_id, "share")` pairs; `actor`
    needs receipts.create (the boss or a finance operator)."""
    from crm_desktop.core.services import receipts

    fields = {"customer_id": customer_id, "amount": Decimal(amount), **values}
    pairs = [(order_id, Decimal(share)) for order_id, share in allocations]
    return receipts.record_receipt(db, actor, fields, pairs, allow_overpayment=overpay)
