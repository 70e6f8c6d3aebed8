"""Sales orders: numbered, priced to the cent, limited to each operator's data scope.

An order's lines can change while it is a draft or confirmed; once delivered, closed or cancelled
its amounts are fixed. Received and outstanding come from balances.py (one definition for every
screen). Lists are one SQL statement returning plain tuples, sorted and paged by the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, case, func, or_, select, type_coerce
from sqlalchemy.orm import Session, aliased

from crm_desktop.core.actor import Actor
from crm_desktop.core.db.database import Database, UnitOfWork
from crm_desktop.core.errors import NotFound, ValidationError
from crm_desktop.core.i18n import _
from crm_desktop.core.models import (
    Customer,
    DocumentStatus,
    Operator,
    OrderLine,
    Receipt,
    ReceiptAllocation,
    SalesOrder,
)
from crm_desktop.core.models.types import Money
from crm_desktop.core.money import format_money
from crm_desktop.core.pricing import LineInput
from crm_desktop.core.services import balances, records
from crm_desktop.core.services.access import record_scope, require, require_record_in_scope
from crm_desktop.core.services.customers import matches_search
from crm_desktop.core.services.listing import date_range, equal_to, sort_order
from crm_desktop.core.services.numbering import next_number
from crm_desktop.core.services.sales_common import (
    DocumentLine,
    LineTable,
    check_move,
    check_parties,
    clean_header,
    contact_phone,
    insert_lines,
    like,
    line_values,
    load_in_scope,
    load_lines,
    new_header,
    parties,
    priced_lines,
    refuse_cleared,
    replace_lines,
    same_lines,
    status_label,
    totals_values,
)

S = DocumentStatus
FIELDS = (
    "customer_id",
    "contact_id",
    "contact_phone",
    "salesperson_id",
    "order_date",
    "delivery_address",
    "remarks",
    "terms",
    "tax_rate_bp",
    "opportunity_id",
)
TEXTS = ("contact_phone", "delivery_address", "remarks", "terms")
MOVES = {
    S.DRAFT: (S.CONFIRMED, S.CANCELLED),
    S.CONFIRMED: (S.DELIVERED, S.CANCELLED),
    S.DELIVERED: (S.CLOSED,),
}
LINES_OPEN = (S.DRAFT, S.CONFIRMED)  # amounts may still change
ARCHIVABLE = (S.DRAFT, S.CLOSED, S.CANCELLED)


@dataclass(frozen=True)
class OrderFilter:
    search: str = ""
    status: str | None = None
    salesperson_id: int | None = None
    customer_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    outstanding_only: bool = False
    archived: bool = False


class OrderRow(NamedTuple):
    id: int
    number: str
    order_date: date
    customer_id: int
    customer_name: str
    salesperson_id: int
    salesperson_name: str | None
    status: str
    total: Decimal
    received: Decimal
    outstanding: Decimal
    version: int


@dataclass
class OrderDetail:
    id: int
    version: int
    number: str
    status: str
    customer_id: int
    customer_name: str
    contact_id: int | None
    contact_name: str | None
    contact_phone: str | None
    salesperson_id: int
    salesperson_name: str | None
    order_date: date
    delivery_address: str | None
    remarks: str | None
    terms: str | None
    tax_rate_bp: int
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    received: Decimal
    outstanding: Decimal
    quote_id: int | None
    opportunity_id: int | None
    archived: bool
    lines: list[DocumentLine] = field(default_factory=list)


# --- lists ---------------------------------------------------------------------------------------

_SALES = aliased(Operator)
_PAID = type_coerce(func.coalesce(balances.received_of(SalesOrder.id), 0), Money)
_OUTSTANDING = type_coerce(  # balances.outstanding() in SQL: cancelled orders owe nothing
    case((SalesOrder.status == S.CANCELLED, 0), else_=SalesOrder.total - _PAID), Money
)
SORT_COLUMNS: dict[str, Any] = {
    "number": SalesOrder.number,
    "order_date": SalesOrder.order_date,
    "customer": Customer.sort_name,
    "salesperson": _SALES.name,
    "status": SalesOrder.status,
    "total": SalesOrder.total,
    "outstanding": _OUTSTANDING,
}


def _conditions(session: Session, operator: Operator, wanted: OrderFilter) -> list[Any]:
    where: list[ColumnElement[bool]] = [
        SalesOrder.archived.is_(bool(wanted.archived)),
        record_scope(session, operator, SalesOrder.salesperson_id, SalesOrder.customer_id),
    ]
    where += equal_to(SalesOrder, wanted, ("status", "salesperson_id", "customer_id"))
    where += date_range(SalesOrder.order_date, wanted.date_from, wanted.date_to)
    if wanted.outstanding_only:
        where.append(_OUTSTANDING > 0)
    text = wanted.search.strip()
    if text:
        where.append(or_(SalesOrder.number.ilike(like(text), escape="\\"), matches_search(text)))
    return where


def _from(query: Select[Any]) -> Select[Any]:
    return query.join(Customer, Customer.id == SalesOrder.customer_id)


def list_orders(
    db: Database,
    actor: Actor,
    wanted: OrderFilter | None = None,
    *,
    sort: str = "order_date",
    descending: bool = True,
    limit: int = 200,
    offset: int = 0,
) -> list[OrderRow]:
    """A page of the orders the operator may see, with received and outstanding."""
    order, tiebreak = sort_order(SORT_COLUMNS, sort, descending, SalesOrder.id)
    wanted = wanted or OrderFilter()
    with db.read() as session:
        operator = require(session, actor, "orders.view")
        query = _from(
            select(
                SalesOrder.id,
                SalesOrder.number,
                SalesOrder.order_date,
                SalesOrder.customer_id,
                Customer.name,
                SalesOrder.salesperson_id,
                _SALES.name,
                SalesOrder.status,
                SalesOrder.total,
                _PAID,
                _OUTSTANDING,
                SalesOrder.version,
            )
        ).outerjoin(_SALES, _SALES.id == SalesOrder.salesperson_id)
        query = query.where(*_conditions(session, operator, wanted))
        query = query.order_by(order, tiebreak).limit(limit).offset(offset)
        return [OrderRow(*row) for row in session.execute(query)]


def count_orders(db: Database, actor: Actor, wanted: OrderFilter | None = None) -> int:
    wanted = wanted or OrderFilter()
    with db.read() as session:
        operator = require(session, actor, "orders.view")
        query = select(func.count(SalesOrder.id))
        if wanted.search.strip():  # the customer's name is searched too
            query = _from(query)
        return session.scalar(query.where(*_conditions(session, operator, wanted))) or 0


# --- one order -----------------------------------------------------------------------------------


_LINES = LineTable(OrderLine, OrderLine.order_id, OrderLine.product_name)


def _load(session: Session, operator: Operator, order_id: int) -> SalesOrder:
    return load_in_scope(session, operator, SalesOrder, order_id, _("Sales order"))


def stored_lines(session: Session, order_id: int) -> list[DocumentLine]:
    return load_lines(session, _LINES, order_id)


def get_order(db: Database, actor: Actor, order_id: int) -> OrderDetail:
    with db.read() as session:
        operator = require(session, actor, "orders.view")
        order = _load(session, operator, order_id)
        names = parties(session, order.customer_id, order.contact_id, order.salesperson_id)
        received, owed = balances.order_balances(session, [order.id])[order.id]
        return OrderDetail(
            id=order.id,
            version=order.version,
            number=order.number,
            status=order.status,
            customer_id=order.customer_id,
            customer_name=names.customer_name,
            contact_id=order.contact_id,
            contact_name=names.contact_name,
            contact_phone=order.contact_phone,
            salesperson_id=order.salesperson_id,
            salesperson_name=names.salesperson_name,
            order_date=order.order_date,
            delivery_address=order.delivery_address,
            remarks=order.remarks,
            terms=order.terms,
            tax_rate_bp=order.tax_rate_bp,
            subtotal=order.subtotal,
            tax=order.tax,
            total=order.total,
            received=received,
            outstanding=owed,
            quote_id=order.quote_id,
            opportunity_id=order.opportunity_id,
            archived=order.archived,
            lines=stored_lines(session, order.id),
        )


def order_id_by_number(db: Database, actor: Actor, number: str) -> int:
    """The order a person means by its number (CLI, printing)."""
    with db.read() as session:
        operator = require(session, actor, "orders.view")
        row = session.execute(
            select(SalesOrder.id, SalesOrder.salesperson_id, SalesOrder.customer_id).where(
                SalesOrder.number == number.strip()
            )
        ).first()
        if row is None:
            raise NotFound(_("There is no sales order numbered “{number}”.").format(number=number))
        require_record_in_scope(session, operator, row.salesperson_id, row.customer_id)
        return int(row.id)


# --- saving --------------------------------------------------------------------------------------


def save_order(
    db: Database,
    actor: Actor,
    order_id: int | None,
    version: int | None,
    values: dict[str, Any],
    lines: Sequence[LineInput],
) -> int:
    """Create an order (numbered now) or update one; lines are replaced and totals recomputed."""
    clean = clean_header(values, FIELDS, TEXTS)
    with db.write(actor) as uow:
        if order_id is None:
            operator = require(uow.session, actor, "orders.create")
            order = create_in(uow, operator, clean, lines)
        else:
            operator = require(uow.session, actor, "orders.edit")
            order = _update(uow, operator, order_id, version or 0, clean, lines)
        uow.touched("orders")
        return order.id


def create_in(
    uow: UnitOfWork,
    operator: Operator,
    values: dict[str, Any],
    lines: Sequence[LineInput],
    *,
    quote_id: int | None = None,
) -> SalesOrder:
    """Insert a draft order with its lines inside `uow` (also used to convert a quote)."""
    session = uow.session
    header = new_header(uow, operator, values, "order_date")
    check_parties(session, operator, header)
    if "contact_phone" not in header and header.get("contact_id"):
        header["contact_phone"] = contact_phone(session, header["contact_id"])
    clean, amounts, totals = priced_lines(session, lines, header["tax_rate_bp"])
    header.update(
        number=next_number(uow, "order"),
        status=S.DRAFT,
        quote_id=quote_id,
        **totals_values(totals),
    )
    order = records.create(uow, SalesOrder, header, entity="order")
    insert_lines(session, _LINES, order.id, line_values(clean, amounts))
    return order


def _update(
    uow: UnitOfWork,
    operator: Operator,
    order_id: int,
    version: int,
    header: dict[str, Any],
    lines: Sequence[LineInput],
) -> SalesOrder:
    session = uow.session
    order = _load(session, operator, order_id)
    records.check_version(order, version, "order", header)
    refuse_cleared(header, "customer_id", "salesperson_id", "order_date")
    check_parties(session, operator, header, order)
    received = balances.order_balances(session, [order.id])[order.id][0]
    if header.get("customer_id", order.customer_id) != order.customer_id and received:
        raise ValidationError(
            _("Receipts are allocated to this order, so its customer cannot change.")
        )
    if header.get("contact_id", order.contact_id) != order.contact_id:
        header.setdefault("contact_phone", contact_phone(session, header["contact_id"]))
    tax_rate_bp = header.get("tax_rate_bp", order.tax_rate_bp)
    clean, amounts, totals = priced_lines(session, lines, tax_rate_bp)
    new_lines = line_values(clean, amounts)
    old_lines = stored_lines(session, order.id)
    lines_changed = not same_lines(old_lines, new_lines)
    if (lines_changed or tax_rate_bp != order.tax_rate_bp) and order.status not in LINES_OPEN:
        raise ValidationError(
            _("The lines and tax of a “{status}” order can no longer change.").format(
                status=status_label(order.status)
            )
        )
    if totals.total < received:
        raise ValidationError(
            _("The new total {total} is less than the {received} already received.").format(
                total=format_money(totals.total), received=format_money(received)
            )
        )
    header.update(totals_values(totals))
    changed = records.apply_changes(uow, order, header, expected_version=version, entity="order")
    if lines_changed:
        replace_lines(
            uow, _LINES, order, "order", old_lines, new_lines, header_changed=bool(changed)
        )
    return order


def _has_live_receipts(session: Session, order_id: int) -> bool:
    query = (
        select(ReceiptAllocation.id)
        .join(Receipt, Receipt.id == ReceiptAllocation.receipt_id)
        .where(ReceiptAllocation.order_id == order_id, Receipt.archived.is_(False))
        .limit(1)
    )
    return session.scalar(query) is not None


def set_order_status(db: Database, actor: Actor, order_id: int, version: int, status: str) -> None:
    """Move an order along draft → confirmed → delivered → closed, or cancel it (approval)."""
    with db.write(actor) as uow:
        session = uow.session
        operator = require(session, actor, "orders.edit")
        order = _load(session, operator, order_id)
        records.check_version(order, version, "order", {"status": status})
        check_move(order.status, status, MOVES)
        if status == S.CANCELLED:
            require(session, actor, "orders.approve")
            if _has_live_receipts(session, order.id):
                raise ValidationError(
                    _("Receipts are allocated to this order; void or move them before cancelling.")
                )
        records.apply_changes(
            uow,
            order,
            {"status": status},
            expected_version=version,
            entity="order",
            action="order.cancel" if status == S.CANCELLED else "order.status",
        )
        uow.touched("orders")


def set_order_archived(
    db: Database, actor: Actor, order_id: int, version: int, archived: bool
) -> None:
    """Archive (hide from the lists, keep everything) or restore an order."""
    with db.write(actor) as uow:
        session = uow.session
        operator = require(session, actor, "orders.edit")
        order = _load(session, operator, order_id)
        records.check_version(order, version, "order", {"archived": archived})
        if archived and order.status not in ARCHIVABLE:
            raise ValidationError(_("Only draft, closed or cancelled orders can be archived."))
        records.apply_changes(
            uow,
            order,
            {"archived": archived},
            expected_version=version,
            entity="order",
            action="order.archive" if archived else "order.restore",
        )
        uow.touched("orders")
