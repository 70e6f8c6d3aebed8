"""Contracts: a numbered agreement with a customer, covering one or more of its orders.

A contract is visible by `access.record_scope` (its salesperson or its customer's owner within
the actor's scope). Its linked orders must be the same customer's; its amount is their total
unless the person enters another. The scanned, signed copy is an attachment (owner kind
"contract"); a confirmed contract ending soon is an expiring-contract reminder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.attributes import flag_modified

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import local_today
from crm_desktop.core.db.database import Database, UnitOfWork
from crm_desktop.core.errors import NotFound, ValidationError
from crm_desktop.core.i18n import _
from crm_desktop.core.models import (
    Attachment,
    Contract,
    ContractOrder,
    Customer,
    DocumentStatus,
    Operator,
    SalesOrder,
)
from crm_desktop.core.money import ZERO, to_money
from crm_desktop.core.services import attachments, numbering, records
from crm_desktop.core.services.access import record_scope, require, require_record_in_scope
from crm_desktop.core.services.attachments import AttachmentRow
from crm_desktop.core.services.listing import equal_to, sort_order, text_or_customer
from crm_desktop.core.services.sales_common import (
    check_move,
    check_parties,
    clean_header,
    load_in_scope,
)

S = DocumentStatus
# What a person enters; number, status and the signed file are kept by the service.
FIELDS = (
    "customer_id",
    "salesperson_id",
    "title",
    "amount",
    "signed_on",
    "start_on",
    "end_on",
    "signatory",
    "terms",
)
_TEXTS = ("title", "signatory", "terms")
# draft -> confirmed (signed) -> closed; a draft or a running contract may be cancelled.
MOVES: dict[str, tuple[str, ...]] = {
    S.DRAFT: (S.CONFIRMED, S.CANCELLED),
    S.CONFIRMED: (S.CLOSED, S.CANCELLED),
}
FINISHED = frozenset({S.CLOSED, S.CANCELLED})


@dataclass(frozen=True)
class ContractFilter:
    """What the contracts list shows; `expiring_within_days` keeps confirmed contracts ending
    between today and that many days from now."""

    search: str = ""
    status: str | None = None
    customer_id: int | None = None
    salesperson_id: int | None = None
    expiring_within_days: int | None = None


class ContractRow(NamedTuple):
    id: int
    number: str
    title: str | None
    customer_id: int
    customer_name: str
    salesperson_name: str
    amount: Decimal
    start_on: date | None
    end_on: date | None
    status: str
    days_left: int | None  # until end_on, from today; negative once it has ended
    version: int


@dataclass
class ContractDetail:
    id: int
    version: int
    number: str
    status: str
    customer_id: int
    customer_name: str
    salesperson_id: int
    salesperson_name: str
    title: str | None
    amount: Decimal
    signed_on: date | None
    start_on: date | None
    end_on: date | None
    signatory: str | None
    terms: str | None
    signed_attachment_id: int | None
    archived: bool
    orders: list[tuple[int, str, Decimal]]  # (id, number, total), by number
    signed_file: AttachmentRow | None


_PERSON = aliased(Operator)
SORT_COLUMNS: dict[str, Any] = {
    "number": Contract.number,
    "title": Contract.title,
    "customer": Customer.name,
    "salesperson": _PERSON.name,
    "amount": Contract.amount,
    "start_on": Contract.start_on,
    "end_on": Contract.end_on,
    "days_left": Contract.end_on,
    "status": Contract.status,
}


# --- listing -----------------------------------------------------------------------------------


def _conditions(
    session: Session, operator: Operator, wanted: ContractFilter, today: date
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [
        Contract.archived.is_(False),
        record_scope(session, operator, Contract.salesperson_id, Contract.customer_id),
    ]
    where += equal_to(Contract, wanted, ("status", "customer_id", "salesperson_id"))
    if wanted.expiring_within_days is not None:
        last = today + timedelta(days=max(wanted.expiring_within_days, 0))
        where += [Contract.status == S.CONFIRMED, Contract.end_on.between(today, last)]
    text = wanted.search.strip()
    if text:
        where.append(text_or_customer(text, Contract.customer_id, Contract.number, Contract.title))
    return where


def list_contracts(
    db: Database,
    actor: Actor,
    wanted: ContractFilter | None = None,
    *,
    sort: str = "number",
    descending: bool = True,
    limit: int = 200,
    offset: int = 0,
) -> list[ContractRow]:
    """A page of the visible contracts (newest number first unless sorted otherwise)."""
    order, tiebreak = sort_order(SORT_COLUMNS, sort, descending, Contract.id)
    today = local_today(db.clock)
    with db.read() as session:
        operator = require(session, actor, "contracts.view")
        query = (
            select(
                Contract.id,
                Contract.number,
                Contract.title,
                Contract.customer_id,
                Customer.name,
                _PERSON.name,
                Contract.amount,
                Contract.start_on,
                Contract.end_on,
                Contract.status,
                Contract.version,
            )
            .join(Customer, Customer.id == Contract.customer_id)
            .join(_PERSON, _PERSON.id == Contract.salesperson_id)
            .where(*_conditions(session, operator, wanted or ContractFilter(), today))
            .order_by(order, tiebreak)
            .limit(limit)
            .offset(offset)
        )
        return [
            ContractRow(*row[:10], (row.end_on - today).days if row.end_on else None, row[10])
            for row in session.execute(query)
        ]


def count_contracts(db: Database, actor: Actor, wanted: ContractFilter | None = None) -> int:
    today = local_today(db.clock)
    with db.read() as session:
        operator = require(session, actor, "contracts.view")
        where = _conditions(session, operator, wanted or ContractFilter(), today)
        return session.scalar(select(func.count()).select_from(Contract).where(*where)) or 0


def expiring_contracts(db: Database, actor: Actor, within_days: int = 30) -> list[ContractRow]:
    """Confirmed contracts ending between today and `within_days` from now, soonest first."""
    wanted = ContractFilter(expiring_within_days=within_days)
    return list_contracts(db, actor, wanted, sort="end_on", descending=False, limit=1000)


# --- one contract ------------------------------------------------------------------------------


def _load_visible(session: Session, operator: Operator, contract_id: int) -> Contract:
    return load_in_scope(session, operator, Contract, contract_id, _("Contract"))


def get_contract(db: Database, actor: Actor, contract_id: int) -> ContractDetail:
    """The contract with its linked orders and its signed file."""
    with db.read() as session:
        operator = require(session, actor, "contracts.view")
        contract = _load_visible(session, operator, contract_id)
        values = records.as_dict(contract, (*FIELDS, "number", "status", "signed_attachment_id"))
        return ContractDetail(
            **values,
            archived=contract.archived,
            customer_name=session.get(Customer, contract.customer_id).name,
            salesperson_name=session.get(Operator, contract.salesperson_id).name,
            orders=_linked_orders(session, contract.id),
            signed_file=_signed_file(session, contract.signed_attachment_id),
        )


def _linked_orders(session: Session, contract_id: int) -> list[tuple[int, str, Decimal]]:
    query = (
        select(SalesOrder.id, SalesOrder.number, SalesOrder.total)
        .join(ContractOrder, ContractOrder.order_id == SalesOrder.id)
        .where(ContractOrder.contract_id == contract_id)
        .order_by(SalesOrder.number)
    )
    return [(order_id, number, total) for order_id, number, total in session.execute(query)]


def _signed_file(session: Session, attachment_id: int | None) -> AttachmentRow | None:
    if attachment_id is None:
        return None
    row = session.execute(attachments.row_query().where(Attachment.id == attachment_id)).first()
    return AttachmentRow(*row) if row else None


def contract_id_by_number(db: Database, actor: Actor, number: str) -> int:
    """The contract a person means by its number (command line, printing)."""
    with db.read() as session:
        operator = require(session, actor, "contracts.view")
        contract_id = session.scalar(select(Contract.id).where(Contract.number == number.strip()))
        if contract_id is None:
            raise NotFound(_("No contract has the number “{number}”.").format(number=number))
        _load_visible(session, operator, contract_id)
        return contract_id


# --- saving ------------------------------------------------------------------------------------


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    clean = clean_header(values, FIELDS, _TEXTS)
    if "amount" in clean:
        clean["amount"] = to_money(clean["amount"])
        if clean["amount"] is not None and clean["amount"] < 0:
            raise ValidationError(_("The contract amount must not be negative."))
    return clean


def save_contract(
    db: Database,
    actor: Actor,
    contract_id: int | None,
    version: int | None,
    values: dict[str, Any],
    order_ids: Sequence[int],
) -> int:
    """Create (contract_id None, numbered by the rule) or update a contract and its orders.

    The linked orders must be the customer's; an order newly linked must be visible and not
    cancelled. A missing amount (None, or on an update left out while the orders change) is
    the linked orders' total. Closed and cancelled contracts are no longer edited.
    """
    clean = _clean(values)
    wanted_orders = list(dict.fromkeys(order_ids))
    with db.write(actor) as uow:
        operator = require(uow.session, actor, "contracts.edit")
        if contract_id is None:
            contract = _create(uow, operator, clean, wanted_orders)
        else:
            contract = _load_visible(uow.session, operator, contract_id)
            _update(uow, operator, contract, version or 0, clean, wanted_orders)
        uow.touched("contracts")
        return contract.id


def _create(
    uow: UnitOfWork, operator: Operator, clean: dict[str, Any], order_ids: list[int]
) -> Contract:
    session = uow.session
    clean["salesperson_id"] = clean.get("salesperson_id") or operator.id
    check_parties(session, operator, clean)
    _check_dates(clean.get("start_on"), clean.get("end_on"))
    _check_orders(session, operator, clean["customer_id"], order_ids, set())
    if clean.get("amount") is None:
        clean["amount"] = _orders_total(session, order_ids)
    clean["number"] = numbering.next_number(uow, "contract")
    clean["status"] = S.DRAFT
    contract = records.create(uow, Contract, clean, entity="contract")
    _link_orders(uow, contract, order_ids)
    return contract


def _update(
    uow: UnitOfWork,
    operator: Operator,
    contract: Contract,
    version: int,
    clean: dict[str, Any],
    order_ids: list[int],
) -> None:
    session = uow.session
    if contract.status in FINISHED:
        raise ValidationError(_("A closed or cancelled contract cannot be changed."))
    records.check_version(contract, version, "contract", clean)
    if clean.get("salesperson_id", 0) is None:
        clean.pop("salesperson_id")  # a contract always has a salesperson
    check_parties(session, operator, clean, contract)
    _check_dates(clean.get("start_on", contract.start_on), clean.get("end_on", contract.end_on))
    current = {order_id for order_id, _number, _total in _linked_orders(session, contract.id)}
    customer_id = clean.get("customer_id", contract.customer_id)
    _check_orders(session, operator, customer_id, order_ids, current)
    if ("amount" in clean or set(order_ids) != current) and clean.get("amount") is None:
        clean["amount"] = _orders_total(session, order_ids)
    relinked = set(order_ids) != current
    if relinked:  # the links are part of the contract: changing them is a new version too
        flag_modified(contract, "updated_at")
    records.apply_changes(uow, contract, clean, expected_version=version, entity="contract")
    if relinked:
        _link_orders(uow, contract, order_ids)


def _check_dates(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise ValidationError(_("The contract cannot end before it starts."))


def _check_orders(
    session: Session, operator: Operator, customer_id: int, order_ids: list[int], linked: set[int]
) -> None:
    """Every order the customer's; one linked now also visible and not cancelled."""
    if not order_ids:
        return
    rows = {
        row.id: row
        for row in session.execute(
            select(
                SalesOrder.id,
                SalesOrder.number,
                SalesOrder.customer_id,
                SalesOrder.salesperson_id,
                SalesOrder.status,
            ).where(SalesOrder.id.in_(order_ids))
        )
    }
    for order_id in order_ids:
        row = rows.get(order_id)
        if row is None:
            raise NotFound(_("Sales order #{id} does not exist.").format(id=order_id))
        if row.customer_id != customer_id:
            raise ValidationError(
                _("Order {number} belongs to another customer.").format(number=row.number)
            )
        if order_id in linked:
            continue
        require_record_in_scope(session, operator, row.salesperson_id, row.customer_id)
        if row.status == S.CANCELLED:
            raise ValidationError(
                _("Order {number} is cancelled; a contract cannot cover it.").format(
                    number=row.number
                )
            )


def _orders_total(session: Session, order_ids: list[int]) -> Decimal:
    if not order_ids:
        return ZERO
    total = session.scalar(select(func.sum(SalesOrder.total)).where(SalesOrder.id.in_(order_ids)))
    return total or ZERO


def _link_orders(uow: UnitOfWork, contract: Contract, order_ids: list[int]) -> None:
    """Replace the contract's orders, auditing the numbers before and after."""
    session = uow.session
    before = [number for _id, number, _total in _linked_orders(session, contract.id)]
    session.execute(delete(ContractOrder).where(ContractOrder.contract_id == contract.id))
    session.add_all(ContractOrder(contract_id=contract.id, order_id=i) for i in order_ids)
    session.flush()
    after = [number for _id, number, _total in _linked_orders(session, contract.id)]
    if before != after:
        uow.audit(
            "contract.orders",
            "contract",
            contract.id,
            {"orders": (", ".join(before) or None, ", ".join(after) or None)},
        )


# --- status and the signed file ----------------------------------------------------------------


def set_contract_status(
    db: Database, actor: Actor, contract_id: int, version: int, status: str
) -> None:
    """Confirm (signed: the signing date defaults to today), close or cancel a contract."""
    with db.write(actor) as uow:
        operator = require(uow.session, actor, "contracts.edit")
        contract = _load_visible(uow.session, operator, contract_id)
        records.check_version(contract, version, "contract", {"status": status})
        check_move(contract.status, status, MOVES)
        changes: dict[str, Any] = {"status": status}
        if status == S.CONFIRMED and contract.signed_on is None:
            changes["signed_on"] = local_today(uow.clock)
        records.apply_changes(
            uow,
            contract,
            changes,
            expected_version=version,
            entity="contract",
            action="contract.status",
        )
        uow.touched("contracts")


def attach_signed_file(db: Database, actor: Actor, contract_id: int, path: Path) -> int:
    """Attach the scanned, signed copy and mark it as the contract's signed file.

    An earlier signed file stays among the contract's attachments; the new one is the one shown.
    """
    attachment_id = attachments.add_attachment(
        db, actor, "contract", contract_id, path, _("Signed contract")
    )
    with db.write(actor) as uow:
        operator = require(uow.session, actor, "contracts.edit")
        contract = _load_visible(uow.session, operator, contract_id)
        records.apply_changes(
            uow,
            contract,
            {"signed_attachment_id": attachment_id},
            expected_version=contract.version,
            entity="contract",
            action="contract.signed_file",
        )
        uow.touched("contracts", "attachments")
    return attachment_id
