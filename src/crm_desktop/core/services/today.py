"""The "Today" queue opened on login: what needs the salesperson's attention now.

Short lists, all about the actor's own work: customers whose next follow-up is due today or
overdue, customers about to return to the public pool, unread annotations from managers, unpaid
instalments past their due date and signed contracts that end soon (both of the actor's own
customers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import aliased

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import local_today
from crm_desktop.core.db.database import Database
from crm_desktop.core.errors import PermissionDenied
from crm_desktop.core.models import (
    Contract,
    Customer,
    DocumentStatus,
    FollowUp,
    FollowUpAnnotation,
    Operator,
    PoolStatus,
)
from crm_desktop.core.services.access import current_operator
from crm_desktop.core.services.followups import unread_filter
from crm_desktop.core.services.receipts import OverdueInstalment, overdue_instalments


class DueCustomer(NamedTuple):
    customer_id: int
    customer_name: str
    next_followup_on: date
    overdue_days: int  # 0: due today
    last_followup_at: datetime | None
    next_action: str | None


class UnreadAnnotation(NamedTuple):
    annotation_id: int
    followup_id: int
    customer_id: int
    customer_name: str
    author_name: str
    at: datetime
    body: str


class ExpiringContract(NamedTuple):
    contract_id: int
    number: str
    title: str | None
    customer_id: int
    customer_name: str
    end_on: date
    days_left: int  # 0: ends today
    amount: Decimal


EXPIRING_WITHIN_DAYS = 30


@dataclass
class TodayQueue:
    due: list[DueCustomer] = field(default_factory=list)
    returning: list[Any] = field(default_factory=list)  # pool.PoolCandidate
    annotations: list[UnreadAnnotation] = field(default_factory=list)
    overdue: list[OverdueInstalment] = field(default_factory=list)
    expiring: list[ExpiringContract] = field(default_factory=list)


def today_queue(db: Database, actor: Actor) -> TodayQueue:
    """The actor's own due customers (most overdue first), pool returns, unread annotations."""
    today = local_today(db.clock)
    with db.read() as session:
        operator = current_operator(session, actor)
        due = [_due(row, today) for row in session.execute(_due_query(operator.id, today))]
        annotations = [
            UnreadAnnotation(*row) for row in session.execute(_unread_query(operator.id))
        ]
        expiring = []
        if "contracts.view" in operator.role.permission_names:
            expiring = [
                ExpiringContract(*head, end_on, (end_on - today).days, amount)
                for *head, end_on, amount in session.execute(_expiring_query(operator.id, today))
            ]
    return TodayQueue(
        due=due,
        returning=_returning(db, actor),
        annotations=annotations,
        overdue=_overdue(db, actor),
        expiring=expiring,
    )


def _due_query(operator_id: int, today: date) -> Any:
    """Walks ix_customers_owner_next; the plan comes from the customer's latest follow-up."""
    next_action = (
        select(FollowUp.next_action)
        .where(FollowUp.customer_id == Customer.id)
        .order_by(FollowUp.happened_at.desc(), FollowUp.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(
            Customer.id,
            Customer.name,
            Customer.next_followup_on,
            Customer.last_followup_at,
            next_action,
        )
        .where(
            Customer.owner_id == operator_id,
            Customer.next_followup_on <= today,
            Customer.pool_status == PoolStatus.PRIVATE,
            Customer.archived.is_(False),
        )
        .order_by(Customer.next_followup_on, Customer.sort_name, Customer.id)
    )


def _due(row: Any, today: date) -> DueCustomer:
    customer_id, name, next_on, last_at, next_action = row
    return DueCustomer(customer_id, name, next_on, (today - next_on).days, last_at, next_action)


def _unread_query(operator_id: int) -> Any:
    author = aliased(Operator)
    return (
        select(
            FollowUpAnnotation.id,
            FollowUp.id,
            Customer.id,
            Customer.name,
            author.name,
            FollowUpAnnotation.created_at,
            FollowUpAnnotation.body,
        )
        .join(FollowUp, FollowUp.id == FollowUpAnnotation.followup_id)
        .join(Customer, Customer.id == FollowUp.customer_id)
        .join(author, author.id == FollowUpAnnotation.author_id)
        .where(*unread_filter(operator_id))
        .order_by(FollowUpAnnotation.created_at.desc(), FollowUpAnnotation.id.desc())
    )


def _expiring_query(operator_id: int, today: date) -> Any:
    """The actor's own customers' signed contracts ending within 30 days, soonest first."""
    return (
        select(
            Contract.id,
            Contract.number,
            Contract.title,
            Customer.id,
            Customer.name,
            Contract.end_on,
            Contract.amount,
        )
        .join(Customer, Customer.id == Contract.customer_id)
        .where(
            Customer.owner_id == operator_id,
            Contract.status == DocumentStatus.CONFIRMED,
            Contract.archived.is_(False),
            Contract.end_on >= today,
            Contract.end_on <= today + timedelta(days=EXPIRING_WITHIN_DAYS),
        )
        .order_by(Contract.end_on, Contract.number)
    )


def _overdue(db: Database, actor: Actor) -> list[OverdueInstalment]:
    """Unpaid instalments past due on the actor's own customers (none without sales rights)."""
    try:
        return overdue_instalments(db, actor, own_only=True)
    except PermissionDenied:
        return []


def _returning(db: Database, actor: Actor) -> list[Any]:
    """The actor's own customers that the pool rules will return soon (none if rules are off).

    Imported here: the pool service builds on customers and follow-ups, not the other way round.
    """
    from crm_desktop.core.services import pool

    try:
        return pool.due_to_return(db, actor, own_only=True)
    except PermissionDenied:
        return []  # a role without customer access has no customers to lose
