"""Service records: installations, repairs, complaints and questions after the sale.

A record is visible when its handler is within the actor's data scope or its customer's owner
is (`access.record_scope`): the service desk (scope "all") sees everything, a salesperson sees
the service done for their own customers. Resolving or closing stamps `resolved_at` from the
database clock; reopening clears it, so "resolved" always means "resolved now".

Satisfaction is rated 1 to 5 with an optional comment. A closed complaint must carry a score (the
customer was asked how it ended: that is what the satisfaction statistics count); for a service
call or a consultation the score stays optional, since many are closed without asking anyone. The
rule is checked on the record as it ends up, by `set_service_status` and `save_service_record`
alike, so neither path can leave a closed complaint unrated. Escalation of overdue complaints
lives in `escalation.py`; it sets `escalated_at`/`escalated_to_id`, which the list shows and
filters on ("escalated to me").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, aliased

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import local_day_bounds
from crm_desktop.core.db.database import Database, UnitOfWork
from crm_desktop.core.errors import ValidationError
from crm_desktop.core.i18n import N_, NC_, _, translated
from crm_desktop.core.models import (
    BaseDataItem,
    BaseDataKind,
    Contact,
    Customer,
    Operator,
    ServiceKind,
    ServiceRecord,
    ServiceStatus,
)
from crm_desktop.core.services import customers, records
from crm_desktop.core.services.access import (
    record_scope,
    require,
    require_in_scope,
)
from crm_desktop.core.services.listing import equal_to, sort_order, text_or_customer
from crm_desktop.core.services.sales_common import (
    PRIORITY_LABELS,
    keep_or_check_owner,
    load_in_scope,
)

SERVICE_STATUS_LABELS: dict[str, str] = {
    ServiceStatus.OPEN: NC_("service status", "Open"),
    ServiceStatus.IN_PROGRESS: N_("In progress"),
    ServiceStatus.RESOLVED: N_("Resolved"),
    ServiceStatus.CLOSED: N_("Closed"),
}
SERVICE_KIND_LABELS: dict[str, str] = {
    ServiceKind.SERVICE: N_("Service"),
    ServiceKind.COMPLAINT: N_("Complaint"),
    ServiceKind.CONSULTATION: N_("Consultation"),
}
DONE = frozenset({ServiceStatus.RESOLVED, ServiceStatus.CLOSED})

# What a person enters; status and resolved_at move through `set_service_status`.
FIELDS = (
    "customer_id",
    "contact_id",
    "subject",
    "kind",
    "category_id",
    "handler_id",
    "accepted_at",
    "priority",
    "result",
    "remarks",
    "satisfaction",
    "satisfaction_comment",
)
DETAIL_FIELDS = (*FIELDS, "status", "resolved_at")
_TEXTS = ("result", "remarks", "satisfaction_comment")


@dataclass(frozen=True)
class ServiceFilter:
    """What the service list shows; dates are inclusive local days of `accepted_at`."""

    search: str = ""
    status: str | None = None
    priority: int | None = None
    category_id: int | None = None
    handler_id: int | None = None
    customer_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    open_only: bool = False  # open or in progress: what still needs someone
    escalated_to_id: int | None = None  # complaints escalated to this person
    kind: str | None = None  # service, complaint or consultation


class ServiceRow(NamedTuple):
    id: int
    accepted_at: datetime
    customer_id: int
    customer_name: str
    subject: str
    category_name: str | None
    handler_id: int
    handler_name: str
    status: str
    priority: int
    resolved_at: datetime | None
    version: int
    kind: str = ServiceKind.SERVICE
    escalated_at: datetime | None = None
    escalated_to_name: str | None = None


_CATEGORY = aliased(BaseDataItem)
_ESCALATED_TO = aliased(Operator)
SORT_COLUMNS: dict[str, Any] = {
    "accepted_at": ServiceRecord.accepted_at,
    "customer": Customer.name,
    "subject": ServiceRecord.subject,
    "category": _CATEGORY.sort_order,
    "handler": Operator.name,
    "status": ServiceRecord.status,
    "priority": ServiceRecord.priority,
    "resolved_at": ServiceRecord.resolved_at,
}


# --- listing -----------------------------------------------------------------------------------


def _conditions(
    session: Session, operator: Operator, wanted: ServiceFilter
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [
        record_scope(session, operator, ServiceRecord.handler_id, ServiceRecord.customer_id)
    ]
    where += equal_to(
        ServiceRecord,
        wanted,
        (
            "status",
            "priority",
            "category_id",
            "handler_id",
            "customer_id",
            "escalated_to_id",
            "kind",
        ),
    )
    if wanted.open_only:
        where.append(ServiceRecord.status.not_in(DONE))
    if wanted.date_from is not None:
        where.append(
            ServiceRecord.accepted_at >= local_day_bounds(wanted.date_from, wanted.date_from)[0]
        )
    if wanted.date_to is not None:
        where.append(
            ServiceRecord.accepted_at < local_day_bounds(wanted.date_to, wanted.date_to)[1]
        )
    text = wanted.search.strip()
    if text:
        where.append(text_or_customer(text, ServiceRecord.customer_id, ServiceRecord.subject))
    return where


def list_service_records(
    db: Database,
    actor: Actor,
    wanted: ServiceFilter | None = None,
    *,
    sort: str = "accepted_at",
    descending: bool = True,
    limit: int = 200,
    offset: int = 0,
) -> list[ServiceRow]:
    """A page of visible service records, newest accepted first unless sorted otherwise."""
    order, tiebreak = sort_order(SORT_COLUMNS, sort, descending, ServiceRecord.id)
    with db.read() as session:
        operator = require(session, actor, "service.view")
        query = (
            select(
                ServiceRecord.id,
                ServiceRecord.accepted_at,
                ServiceRecord.customer_id,
                Customer.name,
                ServiceRecord.subject,
                _CATEGORY.name,
                ServiceRecord.handler_id,
                Operator.name,
                ServiceRecord.status,
                ServiceRecord.priority,
                ServiceRecord.resolved_at,
                ServiceRecord.version,
                ServiceRecord.kind,
                ServiceRecord.escalated_at,
                _ESCALATED_TO.name,
            )
            .join(Customer, Customer.id == ServiceRecord.customer_id)
            .join(Operator, Operator.id == ServiceRecord.handler_id)
            .outerjoin(_ESCALATED_TO, _ESCALATED_TO.id == ServiceRecord.escalated_to_id)
            .outerjoin(_CATEGORY, _CATEGORY.id == ServiceRecord.category_id)
            .where(*_conditions(session, operator, wanted or ServiceFilter()))
            .order_by(order, tiebreak)
            .limit(limit)
            .offset(offset)
        )
        return [
            ServiceRow(*row[:5], translated(row[5]) if row[5] else None, *row[6:])
            for row in session.execute(query)
        ]


def count_service_records(db: Database, actor: Actor, wanted: ServiceFilter | None = None) -> int:
    with db.read() as session:
        operator = require(session, actor, "service.view")
        where = _conditions(session, operator, wanted or ServiceFilter())
        return session.scalar(select(func.count()).select_from(ServiceRecord).where(*where)) or 0


# --- one record --------------------------------------------------------------------------------


def _load_visible(session: Session, operator: Operator, record_id: int) -> ServiceRecord:
    return load_in_scope(
        session, operator, ServiceRecord, record_id, _("Service record"), owner="handler_id"
    )


def get_service_record(db: Database, actor: Actor, record_id: int) -> dict[str, Any]:
    """Every field plus the customer, contact, category and handler names."""
    with db.read() as session:
        operator = require(session, actor, "service.view")
        record = _load_visible(session, operator, record_id)
        row = records.as_dict(record, DETAIL_FIELDS)
        contact = session.get(Contact, record.contact_id) if record.contact_id else None
        category = session.get(BaseDataItem, record.category_id) if record.category_id else None
        row.update(
            customer_name=session.get(Customer, record.customer_id).name,
            contact_name=contact.name if contact else None,
            category_name=translated(category.name) if category else None,
            handler_name=session.get(Operator, record.handler_id).name,
        )
        return row


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    clean = {key: value for key, value in values.items() if key in FIELDS}
    records.required_text(clean, "subject")
    for key in _TEXTS:
        if key in clean:
            clean[key] = (clean[key] or "").strip() or None
    if "priority" in clean and clean["priority"] not in PRIORITY_LABELS:
        raise ValidationError(_("Choose a priority: high, normal or low."))
    if "kind" in clean and clean["kind"] not in set(ServiceKind):
        raise ValidationError(_("Unknown kind of service record."))
    if "satisfaction" in clean:
        clean["satisfaction"] = checked_score(clean["satisfaction"])
    if clean.get("accepted_at", 0) is None:
        raise ValidationError(_("Enter when the request was accepted."))
    return clean


def checked_score(value: Any) -> int | None:
    """A satisfaction score as stored: None (not rated) or a whole number from 1 to 5."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValidationError(_("Satisfaction is rated from 1 to 5."))
    try:
        score = int(value)
    except ValueError:
        score = 0
    if not 1 <= score <= 5:
        raise ValidationError(_("Satisfaction is rated from 1 to 5."))
    return score


def needs_score(kind: str | None, status: str | None) -> bool:
    """A closed complaint must say how satisfied the customer was (see the module docstring)."""
    return kind == ServiceKind.COMPLAINT and status == ServiceStatus.CLOSED


def _require_score(record: ServiceRecord) -> None:
    if needs_score(record.kind, record.status) and record.satisfaction is None:
        raise ValidationError(_("Closing a complaint needs the customer's satisfaction (1 to 5)."))


def _check_references(
    session: Session, operator: Operator, clean: dict[str, Any], record: ServiceRecord | None
) -> None:
    """The customer visible, the contact the customer's, the category a service category."""
    customer_id = clean.get("customer_id", record.customer_id if record else None)
    if customer_id is None:
        raise ValidationError(_("Choose a customer."))
    if record is None or customer_id != record.customer_id:
        customers.load_visible(session, operator, customer_id)
    contact_id = clean.get("contact_id", record.contact_id if record else None)
    if contact_id is not None:
        contact = session.get(Contact, contact_id)
        if contact is None or contact.customer_id != customer_id:
            raise ValidationError(_("The contact must be one of this customer's contacts."))
    if clean.get("category_id") is not None:
        category = session.get(BaseDataItem, clean["category_id"])
        if category is None or category.kind != BaseDataKind.SERVICE_CATEGORY:
            raise ValidationError(_("Choose a category from the service categories list."))


def save_service_record(
    db: Database, actor: Actor, record_id: int | None, version: int | None, values: dict[str, Any]
) -> int:
    """Record a request (service.create) or change one (service.edit).

    The handler defaults to the actor and must be within the actor's scope; the accepted time
    defaults to now.
    """
    clean = _clean(values)
    with db.write(actor) as uow:
        session = uow.session
        if record_id is None:
            operator = require(session, actor, "service.create")
            _check_references(session, operator, clean, None)
            record = _create(uow, operator, clean)
        else:
            operator = require(session, actor, "service.edit")
            record = _load_visible(session, operator, record_id)
            _check_references(session, operator, clean, record)
            keep_or_check_owner(session, operator, clean, record, "handler_id")
            records.apply_changes(
                uow, record, clean, expected_version=version or 0, entity="service_record"
            )
            _require_score(record)
        uow.touched("service")
        return record.id


def _create(uow: UnitOfWork, operator: Operator, clean: dict[str, Any]) -> ServiceRecord:
    if "subject" not in clean:
        raise ValidationError(_("“{field}” must not be empty.").format(field=_("Subject")))
    clean["handler_id"] = clean.get("handler_id") or operator.id
    require_in_scope(uow.session, operator, clean["handler_id"])
    clean["accepted_at"] = clean.get("accepted_at") or uow.clock.now()
    clean["status"] = ServiceStatus.OPEN
    return records.create(uow, ServiceRecord, clean, entity="service_record")


def set_service_status(
    db: Database,
    actor: Actor,
    record_id: int,
    version: int,
    status: str,
    result: str | None = None,
    *,
    satisfaction: int | None = None,
    comment: str | None = None,
) -> None:
    """Move a record to another status, with the result, satisfaction score and comment when
    given (a score or comment only with resolving or closing).

    Resolving or closing stamps the time (an already resolved record keeps its first stamp
    when it is closed); going back to open or in progress clears it. Closing a complaint
    without a score (given now or already recorded) is refused.
    """
    if status not in set(ServiceStatus):
        raise ValidationError(_("Unknown service status “{status}”.").format(status=status))
    score = checked_score(satisfaction)
    with db.write(actor) as uow:
        operator = require(uow.session, actor, "service.edit")
        record = _load_visible(uow.session, operator, record_id)
        changes: dict[str, Any] = {"status": status}
        if status not in DONE:
            changes["resolved_at"] = None
        elif record.resolved_at is None or record.status not in DONE:
            changes["resolved_at"] = uow.clock.now()
        if result is not None:
            changes["result"] = result.strip() or None
        if status in DONE and score is not None:
            changes["satisfaction"] = score
        if status in DONE and comment is not None:
            changes["satisfaction_comment"] = comment.strip() or None
        records.apply_changes(
            uow,
            record,
            changes,
            expected_version=version,
            entity="service_record",
            action="service_record.status",
        )
        _require_score(record)
        uow.touched("service")
