"""Receipts and receivables: money received, which orders it pays, and what is still owed.

A receipt is allocated to one or more orders of its own customer; the rest is an advance payment.
What an order has received and still owes has one definition (`balances`): live allocations
only, so voiding (archiving) a receipt gives the money back to the orders at once. An allocation
may not pay more than an order still owes unless the person says so (`allow_overpayment`); the
receipt then carries the `overpayment` flag and the audit log says which orders.

Receivables are the orders that are neither archived nor cancelled. Payment plans split an
order's or a contract's total into instalments; money received pays the oldest instalment first.
The aging view and the customer statement are computed from the same rows, in exact cents.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.attributes import flag_modified

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import local_today
from crm_desktop.core.db.database import Database, UnitOfWork
from crm_desktop.core.errors import NotFound, ValidationError
from crm_desktop.core.i18n import _, translated
from crm_desktop.core.models import (
    BaseDataItem,
    BaseDataKind,
    Contract,
    ContractOrder,
    Customer,
    DocumentStatus,
    Operator,
    PaymentPlan,
    Receipt,
    ReceiptAllocation,
    SalesOrder,
)
from crm_desktop.core.money import ZERO, format_money, to_money
from crm_desktop.core.services import customers, numbering, records
from crm_desktop.core.services.access import (
    current_operator,
    record_scope,
    require,
    require_in_scope,
    require_record_in_scope,
)
from crm_desktop.core.services.balances import order_balances, outstanding, received_per_order
from crm_desktop.core.services.listing import date_range, sort_order
from crm_desktop.core.services.sales_common import load_in_scope

FIELDS = (
    "customer_id",
    "payer",
    "payment_method_id",
    "received_on",
    "handler_id",
    "amount",
    "remarks",
)
CHANGES = ("receipts", "orders")  # a receipt changes what its orders have received

# --- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiptFilter:
    search: str = ""  # receipt number, payer, customer name/pinyin/phone
    customer_id: int | None = None
    handler_id: int | None = None
    method_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    archived: bool = False  # True: the void receipts instead of the live ones


class ReceiptRow(NamedTuple):
    id: int
    number: str
    received_on: date
    customer_id: int
    customer_name: str
    payer: str | None
    method_name: str
    handler_name: str
    amount: Decimal
    allocated: Decimal
    unallocated: Decimal  # advance payment
    version: int


class Allocation(NamedTuple):
    order_id: int
    order_number: str
    amount: Decimal


@dataclass
class ReceiptDetail:
    id: int
    version: int
    number: str
    customer_id: int
    customer_name: str
    payer: str | None
    payment_method_id: int | None
    method_name: str
    received_on: date
    handler_id: int
    handler_name: str
    amount: Decimal
    remarks: str | None
    archived: bool
    overpayment: bool
    allocations: list[Allocation] = field(default_factory=list)

    @property
    def allocated(self) -> Decimal:
        return sum((a.amount for a in self.allocations), ZERO)

    @property
    def unallocated(self) -> Decimal:
        return self.amount - self.allocated


class OpenOrder(NamedTuple):
    id: int
    number: str
    order_date: date
    total: Decimal
    received: Decimal
    outstanding: Decimal


class Instalment(NamedTuple):
    id: int
    seq: int
    due_on: date
    amount: Decimal
    paid: Decimal
    outstanding: Decimal
    overdue_days: int  # 0 unless due before today and not fully paid
    remarks: str | None = None


class OverdueInstalment(NamedTuple):
    customer_id: int
    customer_name: str
    document_number: str
    due_on: date
    outstanding: Decimal
    overdue_days: int


class AgingRow(NamedTuple):
    key_id: int
    name: str
    not_due: Decimal
    d1_30: Decimal
    d31_60: Decimal
    d61_90: Decimal
    over_90: Decimal
    total: Decimal


class StatementLine(NamedTuple):
    day: date
    kind: str  # "order" (debit) or "receipt" (credit)
    number: str
    description: str
    debit: Decimal
    credit: Decimal
    balance: Decimal


@dataclass
class Statement:
    customer_name: str
    date_from: date
    date_to: date
    opening_balance: Decimal
    lines: list[StatementLine]
    closing_balance: Decimal


# --- shared pieces -------------------------------------------------------------------------------

_METHOD = aliased(BaseDataItem)
_HANDLER = aliased(Operator)
SORT_COLUMNS: dict[str, Any] = {
    "number": Receipt.number,
    "received_on": Receipt.received_on,
    "customer": Customer.sort_name,
    "payer": Receipt.payer,
    "method": _METHOD.sort_order,
    "handler": _HANDLER.name,
    "amount": Receipt.amount,
}


def _receivable() -> list[ColumnElement[bool]]:
    """Orders that count as owed: not archived, not cancelled."""
    return [SalesOrder.archived.is_(False), SalesOrder.status != DocumentStatus.CANCELLED]


def _order_scope(session: Session, operator: Operator) -> ColumnElement[bool]:
    return record_scope(session, operator, SalesOrder.salesperson_id, SalesOrder.customer_id)


def _receipt_scope(session: Session, operator: Operator) -> ColumnElement[bool]:
    return record_scope(session, operator, Receipt.handler_id, Receipt.customer_id)


def _allocated() -> Any:
    """What a receipt row has allocated: a correlated sum, so a page reads only its own rows'
    allocations (through the receipt_id, order_id unique index)."""
    return (
        select(func.sum(ReceiptAllocation.amount))
        .where(ReceiptAllocation.receipt_id == Receipt.id)
        .correlate(Receipt)
        .scalar_subquery()
    )


def _method_name(name: str | None) -> str:
    return translated(name) if name else ""


def _load_receipt(session: Session, operator: Operator, receipt_id: int) -> Receipt:
    return load_in_scope(session, operator, Receipt, receipt_id, _("Receipt"), owner="handler_id")


# --- listing -------------------------------------------------------------------------------------


def _conditions(
    session: Session, operator: Operator, wanted: ReceiptFilter
) -> list[ColumnElement[bool]]:
    where = [Receipt.archived.is_(bool(wanted.archived)), _receipt_scope(session, operator)]
    for column, value in (
        (Receipt.customer_id, wanted.customer_id),
        (Receipt.handler_id, wanted.handler_id),
        (Receipt.payment_method_id, wanted.method_id),
    ):
        if value is not None:
            where.append(column == value)
    where += date_range(Receipt.received_on, wanted.date_from, wanted.date_to)
    text = wanted.search.strip()
    if text:
        pattern = customers._like(text)
        where.append(
            or_(
                Receipt.number.ilike(pattern, escape="\\"),  # any case, on PostgreSQL too
                Receipt.payer.ilike(pattern, escape="\\"),
                customers.matches_search(text),
            )
        )
    return where


def _list_query(where: list[ColumnElement[bool]]) -> Select[Any]:
    return (
        select(
            Receipt.id,
            Receipt.number,
            Receipt.received_on,
            Receipt.customer_id,
            Customer.name,
            Receipt.payer,
            _METHOD.name,
            _HANDLER.name,
            Receipt.amount,
            _allocated(),
            Receipt.version,
        )
        .join(Customer, Customer.id == Receipt.customer_id)
        .outerjoin(_METHOD, _METHOD.id == Receipt.payment_method_id)
        .outerjoin(_HANDLER, _HANDLER.id == Receipt.handler_id)
        .where(*where)
    )


def list_receipts(
    db: Database,
    actor: Actor,
    wanted: ReceiptFilter | None = None,
    *,
    sort: str = "received_on",
    descending: bool = True,
    limit: int = 200,
    offset: int = 0,
) -> list[ReceiptRow]:
    """A page of the receipts the operator may see (handled by someone in scope, or from a
    customer in scope), with how much of each is allocated to orders."""
    order, tiebreak = sort_order(SORT_COLUMNS, sort, descending, Receipt.id)
    with db.read() as session:
        operator = require(session, actor, "receipts.view")
        where = _conditions(session, operator, wanted or ReceiptFilter())
        query = _list_query(where).order_by(order, tiebreak).limit(limit).offset(offset)
        rows = []
        for *head, method, handler, amount, allocated, version in session.execute(query):
            allocated = allocated or ZERO
            rows.append(
                ReceiptRow(
                    *head,
                    _method_name(method),
                    handler or "",
                    amount,
                    allocated,
                    amount - allocated,
                    version,
                )
            )
        return rows


def count_receipts(db: Database, actor: Actor, wanted: ReceiptFilter | None = None) -> int:
    with db.read() as session:
        operator = require(session, actor, "receipts.view")
        where = _conditions(session, operator, wanted or ReceiptFilter())
        query = (
            select(func.count())
            .select_from(Receipt)
            .join(Customer, Customer.id == Receipt.customer_id)
            .where(*where)
        )
        return session.scalar(query) or 0


# --- one receipt ---------------------------------------------------------------------------------


def _allocations(session: Session, receipt_id: int) -> list[Allocation]:
    query = (
        select(ReceiptAllocation.order_id, SalesOrder.number, ReceiptAllocation.amount)
        .join(SalesOrder, SalesOrder.id == ReceiptAllocation.order_id)
        .where(ReceiptAllocation.receipt_id == receipt_id)
        .order_by(SalesOrder.order_date, SalesOrder.id)
    )
    return [Allocation(*row) for row in session.execute(query)]


def get_receipt(db: Database, actor: Actor, receipt_id: int) -> ReceiptDetail:
    with db.read() as session:
        operator = require(session, actor, "receipts.view")
        receipt = _load_receipt(session, operator, receipt_id)
        customer = session.get(Customer, receipt.customer_id)
        handler = session.get(Operator, receipt.handler_id)
        method = (
            session.get(BaseDataItem, receipt.payment_method_id)
            if receipt.payment_method_id
            else None
        )
        return ReceiptDetail(
            id=receipt.id,
            version=receipt.version,
            number=receipt.number,
            customer_id=receipt.customer_id,
            customer_name=customer.name if customer else "",
            payer=receipt.payer,
            payment_method_id=receipt.payment_method_id,
            method_name=_method_name(method.name if method else None),
            received_on=receipt.received_on,
            handler_id=receipt.handler_id,
            handler_name=handler.name if handler else "",
            amount=receipt.amount,
            remarks=receipt.remarks,
            archived=receipt.archived,
            overpayment=receipt.overpayment,
            allocations=_allocations(session, receipt.id),
        )


def receipt_id_by_number(db: Database, actor: Actor, number: str) -> int:
    with db.read() as session:
        operator = require(session, actor, "receipts.view")
        receipt_id = session.scalar(select(Receipt.id).where(Receipt.number == number.strip()))
        if receipt_id is None:
            raise NotFound(_("There is no receipt numbered “{number}”.").format(number=number))
        _load_receipt(session, operator, receipt_id)
        return receipt_id


# --- allocating ----------------------------------------------------------------------------------


def open_orders(db: Database, actor: Actor, customer_id: int) -> list[OpenOrder]:
    """The customer's orders that still owe money, oldest first (what a receipt may pay)."""
    with db.read() as session:
        operator = require(session, actor, "receipts.view")
        customers.load_visible(session, operator, customer_id)
        received = received_per_order()
        query = (
            select(
                SalesOrder.id,
                SalesOrder.number,
                SalesOrder.order_date,
                SalesOrder.total,
                SalesOrder.status,
                received.c.received,
            )
            .outerjoin(received, received.c.order_id == SalesOrder.id)
            .where(
                SalesOrder.customer_id == customer_id,
                *_receivable(),
                _order_scope(session, operator),
            )
            .order_by(SalesOrder.order_date, SalesOrder.id)
        )
        rows = []
        for order_id, number, day, total, status, paid in session.execute(query):
            owed = outstanding(total, paid, status)
            if owed > 0:
                rows.append(OpenOrder(order_id, number, day, total, paid or ZERO, owed))
        return rows


def suggest_allocation(orders: Sequence[OpenOrder], amount: Decimal) -> list[tuple[int, Decimal]]:
    """Pay the oldest orders first, each up to what it owes, until the amount is used up."""
    left = to_money(amount) or ZERO
    suggestion = []
    for order in sorted(orders, key=lambda o: (o.order_date, o.id)):
        if left <= 0:
            break
        share = min(order.outstanding, left)
        if share > 0:
            suggestion.append((order.id, share))
            left -= share
    return suggestion


def _clean_allocations(
    allocations: Iterable[tuple[int, Decimal | str | int]],
) -> list[tuple[int, Decimal]]:
    """Amounts in cents; zero lines dropped; negative amounts and repeated orders refused."""
    clean: list[tuple[int, Decimal]] = []
    seen: set[int] = set()
    for order_id, raw in allocations:
        amount = to_money(raw)
        if amount is None or amount < 0:
            raise ValidationError(_("An allocated amount must be a positive amount of money."))
        if amount == 0:
            continue
        if order_id in seen:
            raise ValidationError(_("An order may appear only once in a receipt's allocations."))
        seen.add(order_id)
        clean.append((order_id, amount))
    return clean


def _check_allocations(
    session: Session,
    operator: Operator,
    receipt: Mapping[str, Any],
    allocations: Iterable[tuple[int, Decimal | str | int]],
    *,
    counted: Mapping[int, Decimal],
    allow_overpayment: bool,
) -> tuple[list[tuple[SalesOrder, Decimal]], list[str]]:
    """The orders to pay and the numbers of those paid beyond what they owe.

    `counted` is what this receipt already pays each order in the stored balances (its own live
    allocations), so editing a receipt does not count its own money twice.
    """
    clean = _clean_allocations(allocations)
    allocated = sum((amount for _id, amount in clean), ZERO)
    if allocated > receipt["amount"]:
        raise ValidationError(
            _("The allocations ({allocated}) add up to more than the receipt ({amount}).").format(
                allocated=format_money(allocated), amount=format_money(receipt["amount"])
            )
        )
    ids = [order_id for order_id, _amount in clean]
    # FOR UPDATE (PostgreSQL): two PCs paying one order wait for each other. SQLite already
    # holds the write lock here.
    orders = {
        order.id: order
        for order in session.scalars(
            select(SalesOrder).where(SalesOrder.id.in_(ids)).with_for_update()
        )
    }
    balances = order_balances(session, ids)
    wanted, overpaid = [], []
    for order_id, amount in clean:
        order = _payable_order(session, operator, orders.get(order_id), order_id, receipt)
        room = balances[order_id][1] + counted.get(order_id, ZERO)
        if amount > room:
            if not allow_overpayment:
                raise ValidationError(
                    _(
                        "{amount} is more than order {number} still owes ({owed}). "
                        "Allow an overpayment to record it anyway."
                    ).format(
                        amount=format_money(amount), number=order.number, owed=format_money(room)
                    )
                )
            overpaid.append(order.number)
        wanted.append((order, amount))
    return wanted, overpaid


def _payable_order(
    session: Session,
    operator: Operator,
    order: SalesOrder | None,
    order_id: int,
    receipt: Mapping[str, Any],
) -> SalesOrder:
    if order is None:
        raise NotFound(_("Sales order #{id} does not exist.").format(id=order_id))
    require_record_in_scope(session, operator, order.salesperson_id, order.customer_id)
    if order.customer_id != receipt["customer_id"]:
        raise ValidationError(
            _("Order {number} belongs to another customer.").format(number=order.number)
        )
    if order.status == DocumentStatus.CANCELLED:
        raise ValidationError(
            _("Order {number} is cancelled; it cannot receive payments.").format(
                number=order.number
            )
        )
    if order.archived:
        raise ValidationError(
            _("Order {number} is archived; it cannot receive payments.").format(number=order.number)
        )
    return order


def _allocation_text(pairs: Iterable[tuple[str, Decimal]]) -> str:
    return ", ".join(f"{number} {format_money(amount)}" for number, amount in pairs)


def _write_allocations(
    uow: UnitOfWork, receipt: Receipt, wanted: Sequence[tuple[SalesOrder, Decimal]]
) -> bool:
    """Replace the receipt's allocations; audit and report whether they changed."""
    session = uow.session
    old = list(
        session.scalars(select(ReceiptAllocation).where(ReceiptAllocation.receipt_id == receipt.id))
    )
    before = {a.order_id: a.amount for a in old}
    after = {order.id: amount for order, amount in wanted}
    if before == after:
        return False
    for allocation in old:
        session.delete(allocation)
    session.flush()
    for order, amount in wanted:
        session.add(ReceiptAllocation(receipt_id=receipt.id, order_id=order.id, amount=amount))
    numbers: dict[int, str] = {}
    if before:
        query = select(SalesOrder.id, SalesOrder.number).where(SalesOrder.id.in_(list(before)))
        numbers = {order_id: number for order_id, number in session.execute(query)}
    uow.audit(
        "receipt.allocate",
        "receipt",
        receipt.id,
        {
            "allocations": (
                _allocation_text((numbers.get(i, str(i)), a) for i, a in before.items()) or None,
                _allocation_text((o.number, a) for o, a in wanted) or None,
            )
        },
    )
    return True


def _audit_overpayment(uow: UnitOfWork, receipt: Receipt, numbers: Sequence[str]) -> None:
    if numbers:
        uow.audit(
            "receipt.overpayment",
            "receipt",
            receipt.id,
            {"overpayment": (None, ", ".join(numbers))},
            summary=_("Overpayment allowed on order(s) {numbers}.").format(
                numbers=", ".join(numbers)
            ),
        )


# --- recording and editing -----------------------------------------------------------------------


def _clean_values(
    session: Session, operator: Operator, values: Mapping[str, Any], current: Receipt | None
) -> dict[str, Any]:
    """The receipt fields the person may set, checked: customer visible, handler in scope,
    a payment method from its list, an amount above zero."""
    clean = {key: value for key, value in values.items() if key in FIELDS}
    if (current is None or "customer_id" in clean) and not clean.get("customer_id"):
        raise ValidationError(_("Choose the customer who paid."))
    if current is None:
        clean.setdefault("handler_id", operator.id)
    _check_parties(session, operator, clean, current)
    if clean.get("payment_method_id") is not None:
        method = session.get(BaseDataItem, clean["payment_method_id"])
        if method is None or method.kind != BaseDataKind.PAYMENT_METHOD:
            raise ValidationError(_("Choose a payment method from the list."))
    if "amount" in clean or current is None:
        clean["amount"] = _positive_amount(clean.get("amount"))
    day = clean.get("received_on")
    if "received_on" in clean and day is None and current is not None:
        raise ValidationError(_("Enter the date the money was received."))
    if day is not None and not isinstance(day, date):
        raise ValidationError(_("The receipt date is not a date."))
    for key in ("payer", "remarks"):
        if key in clean:
            clean[key] = (clean[key] or "").strip() or None
    return clean


def _check_parties(
    session: Session, operator: Operator, clean: dict[str, Any], current: Receipt | None
) -> None:
    """A new or changed customer must be visible (its name is the default payer); a new or
    changed handler must exist and be within the actor's scope."""
    customer_id = clean.get("customer_id")
    if customer_id is not None and (current is None or customer_id != current.customer_id):
        customer = customers.load_visible(session, operator, customer_id)
        if current is None and not (clean.get("payer") or "").strip():
            clean["payer"] = customer.name
    if "handler_id" not in clean:
        return
    handler_id = clean["handler_id"]
    if handler_id is None:
        raise ValidationError(_("Choose who handled the payment."))
    if current is None or handler_id != current.handler_id:
        if session.get(Operator, handler_id) is None:
            raise ValidationError(_("The handler does not exist."))
        require_in_scope(session, operator, handler_id)


def _positive_amount(raw: Any) -> Decimal:
    try:
        amount = to_money(raw)
    except (TypeError, ValueError) as exc:
        raise ValidationError(_("The amount is not an amount of money.")) from exc
    if amount is None or amount <= 0:
        raise ValidationError(_("The amount must be greater than zero."))
    return amount


def record_receipt(
    db: Database,
    actor: Actor,
    values: Mapping[str, Any],
    allocations: Sequence[tuple[int, Decimal]],
    *,
    allow_overpayment: bool = False,
) -> int:
    """Record money received and what it pays; the unallocated rest is an advance payment."""
    with db.write(actor) as uow:
        operator = require(uow.session, actor, "receipts.create")
        clean = _clean_values(uow.session, operator, values, None)
        if clean.get("received_on") is None:
            clean["received_on"] = local_today(db.clock)
        wanted, overpaid = _check_allocations(
            uow.session,
            operator,
            clean,
            allocations,
            counted={},
            allow_overpayment=allow_overpayment,
        )
        clean["number"] = numbering.next_number(uow, "receipt")
        clean["overpayment"] = bool(overpaid)
        receipt = records.create(uow, Receipt, clean, entity="receipt")
        _write_allocations(uow, receipt, wanted)
        _audit_overpayment(uow, receipt, overpaid)
        uow.touched(*CHANGES)
        return receipt.id


def update_receipt(
    db: Database,
    actor: Actor,
    receipt_id: int,
    version: int,
    values: Mapping[str, Any],
    allocations: Sequence[tuple[int, Decimal]],
    *,
    allow_overpayment: bool = False,
) -> None:
    """Change a live receipt and replace its allocations (a void receipt is restored first)."""
    with db.write(actor) as uow:
        session = uow.session
        operator = require(session, actor, "receipts.edit")
        receipt = _load_receipt(session, operator, receipt_id)
        records.check_version(receipt, version, "receipt", values)
        if receipt.archived:
            raise ValidationError(_("This receipt is void; restore it before changing it."))
        clean = _clean_values(session, operator, values, receipt)
        merged = {
            "customer_id": clean.get("customer_id", receipt.customer_id),
            "amount": clean.get("amount", receipt.amount),
        }
        counted = {a.order_id: a.amount for a in _allocations(session, receipt.id)}
        wanted, overpaid = _check_allocations(
            session, operator, merged, allocations, counted=counted,
            allow_overpayment=allow_overpayment,
        )  # fmt: skip
        clean["overpayment"] = bool(overpaid)
        changed = records.apply_changes(
            uow, receipt, clean, expected_version=version, entity="receipt"
        )
        if _write_allocations(uow, receipt, wanted) and not changed:
            flag_modified(receipt, "amount")  # new allocations are a new version of the receipt
            session.flush()
        _audit_overpayment(uow, receipt, overpaid)
        uow.touched(*CHANGES)


def set_receipt_archived(
    db: Database, actor: Actor, receipt_id: int, version: int, archived: bool
) -> None:
    """Void a receipt (its money stops counting) or restore it (checked again like a new one)."""
    with db.write(actor) as uow:
        session = uow.session
        operator = require(session, actor, "receipts.edit")
        receipt = _load_receipt(session, operator, receipt_id)
        records.check_version(receipt, version, "receipt", {"archived": archived})
        if receipt.archived and not archived:
            current = _allocations(session, receipt.id)
            _check_allocations(
                session,
                operator,
                {"customer_id": receipt.customer_id, "amount": receipt.amount},
                [(a.order_id, a.amount) for a in current],
                counted={},
                allow_overpayment=receipt.overpayment,
            )
        records.apply_changes(
            uow,
            receipt,
            {"archived": archived},
            expected_version=version,
            entity="receipt",
            action="receipt.void" if archived else "receipt.restore",
        )
        uow.touched(*CHANGES)


def customer_outstanding(db: Database, actor: Actor, customer_id: int) -> Decimal:
    """What the customer still owes over their orders (advance payments are not subtracted;
    the statement shows them)."""
    with db.read() as session:
        operator = require(session, actor, "orders.view")
        customers.load_visible(session, operator, customer_id)
        received = received_per_order()
        total, paid = session.execute(
            select(func.sum(SalesOrder.total), func.sum(received.c.received))
            .outerjoin(received, received.c.order_id == SalesOrder.id)
            .where(
                SalesOrder.customer_id == customer_id,
                *_receivable(),
                _order_scope(session, operator),
            )
        ).one()
        return (total or ZERO) - (paid or ZERO)


# --- payment plans -------------------------------------------------------------------------------


class _PlanRow(NamedTuple):
    id: int
    seq: int
    due_on: date
    amount: Decimal
    remarks: str | None = None


def _apply_received(
    plan: Sequence[_PlanRow], received: Decimal, today: date, *, void: bool = False
) -> list[Instalment]:
    """Money received pays the instalments oldest first; what is left of each is outstanding."""
    left = max(received, ZERO)
    rows = []
    for row in sorted(plan, key=lambda r: (r.due_on, r.seq, r.id)):
        paid = min(row.amount, left)
        left -= paid
        owed = ZERO if void else row.amount - paid
        late = (today - row.due_on).days if owed > 0 and row.due_on < today else 0
        rows.append(
            Instalment(row.id, row.seq, row.due_on, row.amount, paid, owed, late, row.remarks)
        )
    return rows


def _plan_document(
    session: Session,
    actor: Actor,
    order_id: int | None,
    contract_id: int | None,
    *,
    edit: bool,
) -> SalesOrder | Contract:
    """The order or contract a plan belongs to, with the permission to view or edit it."""
    if (order_id is None) == (contract_id is None):
        raise ValidationError(_("A payment plan belongs to either an order or a contract."))
    if order_id is not None:
        operator = require(session, actor, "orders.edit" if edit else "orders.view")
        document: SalesOrder | Contract = records.load(
            session, SalesOrder, order_id, _("Sales order")
        )
    else:
        operator = require(session, actor, "contracts.edit" if edit else "contracts.view")
        document = records.load(session, Contract, contract_id or 0, _("Contract"))
    require_record_in_scope(session, operator, document.salesperson_id, document.customer_id)
    return document


def _contract_received(session: Session, contract_ids: Sequence[int]) -> dict[int, Decimal]:
    """What the orders linked to each contract have received."""
    if not contract_ids:
        return {}
    received = received_per_order()
    query = (
        select(ContractOrder.contract_id, func.sum(received.c.received))
        .join(received, received.c.order_id == ContractOrder.order_id)
        .where(ContractOrder.contract_id.in_(list(contract_ids)))
        .group_by(ContractOrder.contract_id)
    )
    return {contract_id: paid or ZERO for contract_id, paid in session.execute(query)}


def _order_received(session: Session, order_ids: Sequence[int]) -> dict[int, Decimal]:
    return {
        order_id: paid for order_id, (paid, _owed) in order_balances(session, order_ids).items()
    }


def _plan_rows(session: Session, column: Any, document_id: int) -> list[_PlanRow]:
    query = select(
        PaymentPlan.id, PaymentPlan.seq, PaymentPlan.due_on, PaymentPlan.amount, PaymentPlan.remarks
    )
    query = query.where(column == document_id)
    return [_PlanRow(*row) for row in session.execute(query)]


def payment_plan(
    db: Database, actor: Actor, *, order_id: int | None = None, contract_id: int | None = None
) -> list[Instalment]:
    """The instalments of an order's or a contract's plan, oldest first, with what is paid.

    A contract's received money is what its linked orders have received.
    """
    today = local_today(db.clock)
    with db.read() as session:
        document = _plan_document(session, actor, order_id, contract_id, edit=False)
        if isinstance(document, SalesOrder):
            plan = _plan_rows(session, PaymentPlan.order_id, document.id)
            received = _order_received(session, [document.id]).get(document.id, ZERO)
        else:
            plan = _plan_rows(session, PaymentPlan.contract_id, document.id)
            received = _contract_received(session, [document.id]).get(document.id, ZERO)
        void = document.status == DocumentStatus.CANCELLED
        return _apply_received(plan, received, today, void=void)


def _clean_instalments(
    instalments: Sequence[tuple[date, Decimal, str | None]],
) -> list[tuple[date, Decimal, str | None]]:
    clean = []
    for due_on, raw, remarks in instalments:
        if not isinstance(due_on, date):
            raise ValidationError(_("Every instalment needs a due date."))
        try:
            amount = to_money(raw)
        except (TypeError, ValueError) as exc:
            raise ValidationError(_("An instalment amount is not an amount of money.")) from exc
        if amount is None or amount <= 0:
            raise ValidationError(_("Every instalment must be more than zero."))
        clean.append((due_on, amount, (remarks or "").strip() or None))
    return sorted(clean, key=lambda item: item[0])


def _plan_text(rows: Iterable[tuple[date, Decimal]]) -> str | None:
    return "; ".join(f"{due.isoformat()} {format_money(amount)}" for due, amount in rows) or None


def set_payment_plan(
    db: Database,
    actor: Actor,
    *,
    order_id: int | None = None,
    contract_id: int | None = None,
    instalments: Sequence[tuple[date, Decimal, str | None]],
) -> None:
    """Replace the plan (an empty list removes it); the instalments must add up to the total."""
    clean = _clean_instalments(instalments)
    with db.write(actor) as uow:
        session = uow.session
        document = _plan_document(session, actor, order_id, contract_id, edit=True)
        is_order = isinstance(document, SalesOrder)
        total = document.total if is_order else document.amount
        if document.status == DocumentStatus.CANCELLED:
            raise ValidationError(_("A cancelled document has no payment plan."))
        planned = sum((amount for _due, amount, _remarks in clean), ZERO)
        if clean and planned != total:
            raise ValidationError(
                _("The instalments add up to {planned}, but the total is {total}.").format(
                    planned=format_money(planned), total=format_money(total)
                )
            )
        column = PaymentPlan.order_id if is_order else PaymentPlan.contract_id
        old = list(session.scalars(select(PaymentPlan).where(column == document.id)))
        before = _plan_text((row.due_on, row.amount) for row in old)
        for row in old:
            session.delete(row)
        session.flush()
        for seq, (due_on, amount, remarks) in enumerate(clean, start=1):
            session.add(
                PaymentPlan(
                    order_id=document.id if is_order else None,
                    contract_id=None if is_order else document.id,
                    seq=seq,
                    due_on=due_on,
                    amount=amount,
                    remarks=remarks,
                )
            )
        after = _plan_text((due, amount) for due, amount, _remarks in clean)
        if before != after:
            entity = "order" if is_order else "contract"
            uow.audit(
                "payment_plan.replace", entity, document.id, {"payment_plan": (before, after)}
            )
        uow.touched("payment_plans")


# --- overdue instalments -------------------------------------------------------------------------


def overdue_instalments(
    db: Database, actor: Actor, *, own_only: bool = True
) -> list[OverdueInstalment]:
    """Instalments due before today and not fully paid, most overdue first.

    `own_only`: only those of the operator's own customers (the today queue); otherwise every
    order and contract in the operator's data scope. Orders need `orders.view`, contracts
    `contracts.view`.
    """
    today = local_today(db.clock)
    with db.read() as session:
        operator = current_operator(session, actor)
        allowed = operator.role.permission_names
        if not {"orders.view", "contracts.view"} & set(allowed):
            require(session, actor, "orders.view")  # raises, naming the permission
        rows: list[OverdueInstalment] = []
        if "orders.view" in allowed:
            rows += _overdue(session, operator, today, own_only, SalesOrder, PaymentPlan.order_id)
        if "contracts.view" in allowed:
            rows += _overdue(session, operator, today, own_only, Contract, PaymentPlan.contract_id)
    return sorted(rows, key=lambda r: (-r.overdue_days, r.customer_name, r.document_number))


def _overdue(
    session: Session,
    operator: Operator,
    today: date,
    own_only: bool,
    model: Any,
    plan_column: Any,
) -> list[OverdueInstalment]:
    """Overdue instalments of one kind of document. Instalments due on or after today never
    take money from earlier ones, so only those due before today are read."""
    scope = (
        Customer.owner_id == operator.id
        if own_only
        else record_scope(session, operator, model.salesperson_id, model.customer_id)
    )
    query = (
        select(
            model.id,
            model.number,
            Customer.id,
            Customer.name,
            PaymentPlan.id,
            PaymentPlan.seq,
            PaymentPlan.due_on,
            PaymentPlan.amount,
        )
        .join(model, model.id == plan_column)
        .join(Customer, Customer.id == model.customer_id)
        .where(
            PaymentPlan.due_on < today,
            model.archived.is_(False),
            model.status != DocumentStatus.CANCELLED,
            scope,
        )
    )
    plans: dict[int, list[_PlanRow]] = defaultdict(list)
    heads: dict[int, tuple[str, int, str]] = {}
    for doc_id, number, customer_id, customer_name, *plan in session.execute(query):
        heads[doc_id] = (number, customer_id, customer_name)
        plans[doc_id].append(_PlanRow(*plan))
    received_of = _order_received if model is SalesOrder else _contract_received
    received = received_of(session, list(heads))
    rows = []
    for doc_id, (number, customer_id, customer_name) in heads.items():
        for item in _apply_received(plans[doc_id], received.get(doc_id, ZERO), today):
            if item.overdue_days > 0:
                rows.append(
                    OverdueInstalment(
                        customer_id,
                        customer_name,
                        number,
                        item.due_on,
                        item.outstanding,
                        item.overdue_days,
                    )
                )
    return rows


# --- aging ---------------------------------------------------------------------------------------

BUCKET_LIMITS = (0, 30, 60, 90)  # days past due: not due (<= 0), 1-30, 31-60, 61-90, > 90


def bucket_of(days_past_due: int) -> int:
    """0 not due, 1: 1-30, 2: 31-60, 3: 61-90, 4: over 90 days past due."""
    return sum(1 for limit in BUCKET_LIMITS if days_past_due > limit)


def _owed_pieces(
    order_date: date, owed: Decimal, plan: Sequence[_PlanRow], received: Decimal, day: date
) -> list[tuple[date, Decimal]]:
    """(due date, amount) of what an order owes: its unpaid instalments, capped at what the
    order owes (latest dropped first); anything the plan does not cover is due on the order
    date."""
    pieces = []
    left = owed
    for item in _apply_received(plan, received, day):
        share = min(item.outstanding, left)
        if share > 0:
            pieces.append((item.due_on, share))
            left -= share
    if left > 0:
        pieces.append((order_date, left))
    return pieces


def aging(
    db: Database,
    actor: Actor,
    by: Literal["customer", "salesperson"],
    as_of: date | None = None,
) -> list[AgingRow]:
    """Outstanding amounts by how long they are past due, per customer or salesperson.

    Due dates come from an order's payment plan, else the order date. Largest total first.
    """
    if by not in ("customer", "salesperson"):
        raise ValidationError(_("Aging is by customer or by salesperson."))
    day = as_of or local_today(db.clock)
    with db.read() as session:
        operator = require(session, actor, "receipts.view")
        received = received_per_order()
        key = (Customer.id, Customer.name) if by == "customer" else (Operator.id, Operator.name)
        where = [*_receivable(), _order_scope(session, operator)]
        query = (
            select(
                SalesOrder.id,
                SalesOrder.order_date,
                SalesOrder.total,
                SalesOrder.status,
                received.c.received,
                *key,
            )
            .outerjoin(received, received.c.order_id == SalesOrder.id)
            .join(Customer, Customer.id == SalesOrder.customer_id)
            .join(Operator, Operator.id == SalesOrder.salesperson_id)
            .where(*where)
        )
        plans: dict[int, list[_PlanRow]] = defaultdict(list)
        plan_query = (
            select(
                PaymentPlan.order_id,
                PaymentPlan.id,
                PaymentPlan.seq,
                PaymentPlan.due_on,
                PaymentPlan.amount,
            )
            .join(SalesOrder, SalesOrder.id == PaymentPlan.order_id)
            .where(*where)
        )
        for order_id, *plan in session.execute(plan_query):
            plans[order_id].append(_PlanRow(*plan))
        buckets: dict[int, list[Decimal]] = {}
        names: dict[int, str] = {}
        for order_id, order_date, total, status, paid, key_id, name in session.execute(query):
            owed = outstanding(total, paid, status)
            if owed <= 0:
                continue
            sums = buckets.setdefault(key_id, [ZERO] * 5)
            names[key_id] = name
            for due_on, amount in _owed_pieces(
                order_date, owed, plans.get(order_id, []), paid or ZERO, day
            ):
                sums[bucket_of((day - due_on).days)] += amount
    rows = [AgingRow(k, names[k], *sums, sum(sums, ZERO)) for k, sums in buckets.items()]
    return sorted(rows, key=lambda r: (-r.total, r.name, r.key_id))


# --- customer statement --------------------------------------------------------------------------


def customer_statement(
    db: Database, actor: Actor, customer_id: int, date_from: date, date_to: date
) -> Statement:
    """The customer's orders (debit) and receipts (credit) in the period, with the balance
    brought forward and a running balance; void receipts and cancelled orders do not count."""
    if date_from > date_to:
        raise ValidationError(_("The period ends before it starts."))
    with db.read() as session:
        require(session, actor, "orders.view")
        operator = require(session, actor, "receipts.view")
        customer_name = customers.load_visible(session, operator, customer_id).name
        orders_where = [
            SalesOrder.customer_id == customer_id,
            *_receivable(),
            _order_scope(session, operator),
        ]
        receipts_where = [
            Receipt.customer_id == customer_id,
            Receipt.archived.is_(False),
            _receipt_scope(session, operator),
        ]
        debit_before = session.scalar(
            select(func.sum(SalesOrder.total)).where(
                *orders_where, SalesOrder.order_date < date_from
            )
        )
        credit_before = session.scalar(
            select(func.sum(Receipt.amount)).where(*receipts_where, Receipt.received_on < date_from)
        )
        opening = (debit_before or ZERO) - (credit_before or ZERO)
        entries = _statement_orders(session, orders_where, date_from, date_to)
        entries += _statement_receipts(session, receipts_where, date_from, date_to)
    entries.sort(key=lambda e: (e[0], 0 if e[1] == "order" else 1, e[2]))
    lines, balance = [], opening
    for day, kind, number, description, debit, credit in entries:
        balance += debit - credit
        lines.append(StatementLine(day, kind, number, description, debit, credit, balance))
    return Statement(customer_name, date_from, date_to, opening, lines, balance)


def _statement_orders(
    session: Session, where: list[ColumnElement[bool]], first: date, last: date
) -> list[tuple[date, str, str, str, Decimal, Decimal]]:
    query = select(SalesOrder.order_date, SalesOrder.number, SalesOrder.total).where(
        *where, SalesOrder.order_date >= first, SalesOrder.order_date <= last
    )
    return [
        (day, "order", number, _("Sales order"), total, ZERO)
        for day, number, total in session.execute(query)
    ]


def _statement_receipts(
    session: Session, where: list[ColumnElement[bool]], first: date, last: date
) -> list[tuple[date, str, str, str, Decimal, Decimal]]:
    query = (
        select(Receipt.id, Receipt.received_on, Receipt.number, BaseDataItem.name, Receipt.amount)
        .outerjoin(BaseDataItem, BaseDataItem.id == Receipt.payment_method_id)
        .where(*where, Receipt.received_on >= first, Receipt.received_on <= last)
    )
    found = list(session.execute(query))
    paid_orders: dict[int, list[str]] = defaultdict(list)
    if found:
        allocations = (
            select(ReceiptAllocation.receipt_id, SalesOrder.number)
            .join(SalesOrder, SalesOrder.id == ReceiptAllocation.order_id)
            .where(ReceiptAllocation.receipt_id.in_([row[0] for row in found]))
            .order_by(SalesOrder.order_date, SalesOrder.id)
        )
        for receipt_id, number in session.execute(allocations):
            paid_orders[receipt_id].append(number)
    entries = []
    for receipt_id, day, number, method, amount in found:
        numbers = paid_orders.get(receipt_id)
        description = (
            _("Payment for {orders}").format(orders=", ".join(numbers))
            if numbers
            else _("Advance payment")
        )
        if method:
            description = f"{_method_name(method)} · {description}"
        entries.append((day, "receipt", number, description, ZERO, amount))
    return entries
