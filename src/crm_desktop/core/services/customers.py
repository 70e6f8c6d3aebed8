"""Customers: the ledger every salesperson works from, limited to each operator's data scope.

This module holds the foundation (create, load, update, archive, list, data scope); the customers
issue adds the public pool rules, transfers, handover and the full search.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from crm_desktop.core.actor import Actor
from crm_desktop.core.db.database import Database, UnitOfWork
from crm_desktop.core.errors import NotFound, ValidationError
from crm_desktop.core.i18n import _
from crm_desktop.core.models import Customer, Operator, PoolStatus
from crm_desktop.core.search_keys import (
    normalized_name,
    phone_digits,
    search_key,
    search_term,
    sort_name,
)
from crm_desktop.core.services import records
from crm_desktop.core.services.access import owner_scope, require, require_in_scope

FIELDS = (
    "code",
    "name",
    "short_name",
    "type_id",
    "source_id",
    "industry_id",
    "region_id",
    "level_id",
    "address",
    "phone",
    "email",
    "website",
    "tax_id",
    "owner_id",
    "pool_status",
    "remarks",
    "tags",
)
LIST_COLUMNS = ("id", "name", "phone", "owner_name", "next_followup_on", "archived")


def _visible(session: Any, operator: Operator) -> Any:
    """Customers the operator may see: within their scope, or in the public pool."""
    return or_(
        owner_scope(session, operator, Customer.owner_id),
        Customer.pool_status == PoolStatus.PUBLIC,
    )


def list_customers(
    db: Database,
    actor: Actor,
    *,
    search: str | None = None,
    include_archived: bool = False,
    limit: int = 200,
    offset: int = 0,
) -> list[tuple[Any, ...]]:
    """A page of customers as tuples in LIST_COLUMNS order (tuples, not ORM objects)."""
    with db.read() as session:
        operator = require(session, actor, "customers.view")
        query = (
            select(
                Customer.id,
                Customer.name,
                Customer.phone,
                Operator.name,
                Customer.next_followup_on,
                Customer.archived,
            )
            .outerjoin(Operator, Operator.id == Customer.owner_id)
            .where(_visible(session, operator))
        )
        if not include_archived:
            query = query.where(Customer.archived.is_(False))
        if search:
            query = query.where(Customer.search_key.like(f"%{search_term(search)}%"))
        query = query.order_by(Customer.name, Customer.id).limit(limit).offset(offset)
        return [tuple(row) for row in session.execute(query)]


def _load_visible(uow_or_session: Any, operator: Operator, customer_id: int) -> Customer:
    session = getattr(uow_or_session, "session", uow_or_session)
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(_("Customer #{id} does not exist.").format(id=customer_id))
    require_in_scope(
        session,
        operator,
        customer.owner_id,
        public=customer.pool_status == PoolStatus.PUBLIC,
    )
    return customer


def get_customer(db: Database, actor: Actor, customer_id: int) -> dict[str, Any]:
    with db.read() as session:
        operator = require(session, actor, "customers.view")
        customer = _load_visible(session, operator, customer_id)
        row = records.as_dict(customer, FIELDS)
        row["archived"] = customer.archived
        return row


def _prepare(values: dict[str, Any]) -> dict[str, Any]:
    clean = {k: v for k, v in values.items() if k in FIELDS}
    records.required_text(clean, "name")
    if clean.get("pool_status", PoolStatus.PRIVATE) not in set(PoolStatus):
        raise ValidationError(_("Unknown pool status."))
    return clean


def _refresh_keys(customer: Customer) -> None:
    customer.normalized_name = normalized_name(customer.name)
    customer.sort_name = sort_name(customer.name)
    customer.phone_digits = phone_digits(customer.phone) or None
    customer.search_key = search_key(customer.name, customer.phone, customer.email)


def create_customer(db: Database, actor: Actor, values: dict[str, Any]) -> int:
    clean = _prepare(values)
    with db.write(actor) as uow:
        operator = require(uow.session, actor, "customers.create")
        if clean.get("pool_status") == PoolStatus.PUBLIC:
            clean["owner_id"] = None
        else:
            clean.setdefault("owner_id", operator.id)
            require_in_scope(uow.session, operator, clean["owner_id"])
            clean["pool_status"] = PoolStatus.PRIVATE
        customer = records.create(uow, Customer, clean, entity="customer", derive=_refresh_keys)
        uow.touched("customers")
        return customer.id


def update_customer(
    db: Database, actor: Actor, customer_id: int, version: int, values: dict[str, Any]
) -> None:
    clean = _prepare(values)
    with db.write(actor) as uow:
        operator = require(uow.session, actor, "customers.edit")
        customer = _load_visible(uow, operator, customer_id)
        if "owner_id" in clean and clean["owner_id"] != customer.owner_id:
            require(uow.session, actor, "customers.transfer")
            require_in_scope(uow.session, operator, clean["owner_id"])
        records.apply_changes(
            uow, customer, clean, expected_version=version, entity="customer", derive=_refresh_keys
        )
        uow.touched("customers")


def set_archived(db: Database, actor: Actor, customer_id: int, archived: bool) -> None:
    """Archive (or restore) a customer; archived customers leave the lists but keep history."""
    with db.write(actor) as uow:
        operator = require(uow.session, actor, "customers.archive")
        customer = _load_visible(uow, operator, customer_id)
        _archive(uow, customer, archived)


def _archive(uow: UnitOfWork, customer: Customer, archived: bool) -> None:
    records.apply_changes(
        uow,
        customer,
        {"archived": archived, "archived_at": uow.clock.now() if archived else None},
        expected_version=customer.version,
        entity="customer",
        action="customer.archive" if archived else "customer.restore",
    )
    uow.touched("customers")
