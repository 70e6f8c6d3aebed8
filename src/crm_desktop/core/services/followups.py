"""Follow-ups (visit records), managers' annotations on them, and staff supervision.

A follow-up is visible when its operator is within the actor's data scope, or when its customer
is (owned within scope or in the public pool): a salesperson who claims a customer sees the
whole history of contacts with it, but never a colleague's visits to a colleague's customer.

The demo database holds a million follow-ups, so lists are pages walked in index order
(happened_at DESC, id DESC) and counts are one COUNT query; nothing big is filtered in Python.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, func, literal, or_, select, true, update
from sqlalchemy.orm import Session, aliased

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import as_local_date, as_utc, local_day_bounds
from crm_desktop.core.db.database import Database, UnitOfWork
from crm_desktop.core.errors import NotFound, PermissionDenied, ValidationError
from crm_desktop.core.i18n import N_, _, translated
from crm_desktop.core.models import (
    BaseDataItem,
    Contact,
    Customer,
    DataScope,
    FollowUp,
    FollowUpAnnotation,
    FollowUpMethod,
    Operator,
    Team,
)
from crm_desktop.core.services import customers, records
from crm_desktop.core.services.access import (
    current_operator,
    owner_scope,
    require,
    require_in_scope,
)

METHOD_LABELS: dict[str, str] = {
    FollowUpMethod.PHONE: N_("Phone"),
    FollowUpMethod.VISIT: N_("Visit"),
    FollowUpMethod.WECHAT: N_("WeChat"),
    FollowUpMethod.EMAIL: N_("Email"),
    FollowUpMethod.OTHER: N_("Other"),
}

# What a person enters or edits; operator_id and done are kept by the service.
FIELDS = (
    "customer_id",
    "contact_id",
    "method",
    "category_id",
    "happened_at",
    "subject",
    "content",
    "result",
    "next_followup_on",
    "next_action",
)
EDITABLE = tuple(f for f in FIELDS if f != "customer_id")
DETAIL_FIELDS = (*FIELDS, "operator_id", "done")
# Changing these can change which follow-up is the customer's latest, so the customer follows.
_SCHEDULE_FIELDS = frozenset({"happened_at", "next_followup_on"})


@dataclass(frozen=True)
class FollowUpFilter:
    """What the follow-ups tab narrows the list to; dates are inclusive local calendar dates."""

    operator_id: int | None = None
    team_id: int | None = None
    customer_id: int | None = None
    method: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    search: str = ""


class FollowUpRow(NamedTuple):
    id: int
    happened_at: datetime
    customer_id: int
    customer_name: str
    contact_name: str | None
    operator_id: int
    operator_name: str
    method: str
    category_name: str | None
    subject: str | None
    content: str | None
    result: str | None
    next_followup_on: date | None
    annotations: int
    unread_annotations: int


class AnnotationRow(NamedTuple):
    id: int
    at: datetime
    author_name: str
    body: str
    read_at: datetime | None


class SupervisionRow(NamedTuple):
    day: date
    operator_id: int
    operator_name: str
    count: int


# --- local calendar days -----------------------------------------------------------------------


def _in_days(column: Any, first: date | None, last: date | None) -> list[ColumnElement[bool]]:
    """Inclusive local days as the UTC range [first 00:00 local, last+1 00:00 local)."""
    conditions = []
    if first is not None:
        conditions.append(column >= local_day_bounds(first, first)[0])
    if last is not None:
        conditions.append(column < local_day_bounds(last, last)[1])
    return conditions


# --- data scope --------------------------------------------------------------------------------


def _visible(
    session: Session, operator: Operator, *, row_by_row: bool, include_pool: bool = True
) -> ColumnElement[bool]:
    """Follow-ups by operators in scope, or on customers the operator may see.

    `include_pool=False` (the follow-ups list) leaves out the history of public-pool customers:
    a salesperson's list is their own work and their own customers'; a pool customer's history
    is read in that customer's window.

    Two spellings of one rule, because SQLite plans them very differently on a million rows:
    - row_by_row (pages, single records): the customer test is a correlated EXISTS (one primary
      key lookup per row) and `operator_id + 0` keeps SQLite from answering the OR through the
      operator and customer indexes, so a page walks ix_followups_happened newest first and stops
      after `limit` rows (~5-20 ms) instead of collecting and sorting the whole scope;
    - otherwise (counts): plain IN lists, which SQLite answers from those indexes alone.
    """
    if operator.data_scope == DataScope.ALL:
        return true()
    customer_rule = (
        customers._visible(session, operator)
        if include_pool
        else owner_scope(session, operator, Customer.owner_id)
    )
    if row_by_row:
        seen_customer = (
            select(literal(1)).where(Customer.id == FollowUp.customer_id, customer_rule).exists()
        )
        return or_(owner_scope(session, operator, FollowUp.operator_id + 0), seen_customer)
    seen_customers = select(Customer.id).where(customer_rule)
    return or_(
        owner_scope(session, operator, FollowUp.operator_id),
        FollowUp.customer_id.in_(seen_customers),
    )


def _load_visible(session: Session, operator: Operator, followup_id: int) -> FollowUp:
    followup = session.get(FollowUp, followup_id)
    if followup is None:
        raise NotFound(_("Follow-up #{id} does not exist.").format(id=followup_id))
    if not session.scalar(
        select(func.count()).where(
            FollowUp.id == followup_id, _visible(session, operator, row_by_row=True)
        )
    ):
        raise PermissionDenied(_("This record belongs to someone outside your data scope."))
    return followup


def team_members(team_id: int) -> Select[Any]:
    """Ids of the operators in a team and in its sub-teams (one recursive query)."""
    tree = select(Team.id).where(Team.id == team_id).cte("team_tree", recursive=True)
    tree = tree.union_all(select(Team.id).where(Team.parent_id == tree.c.id))
    return select(Operator.id).where(Operator.team_id.in_(select(tree.c.id)))


# --- listing -----------------------------------------------------------------------------------


def _conditions(
    session: Session, operator: Operator, wanted: FollowUpFilter, *, row_by_row: bool
) -> list[ColumnElement[bool]]:
    """The WHERE terms of a list or count (follow-ups are never archived by any service, and
    testing `archived` would cost counts a table read per row, so it is not tested)."""
    where: list[ColumnElement[bool]] = []
    if wanted.customer_id is not None:
        # The customer's whole history, once the customer itself may be seen.
        customers.load_visible(session, operator, wanted.customer_id)
        where.append(FollowUp.customer_id == wanted.customer_id)
    else:
        where.append(_visible(session, operator, row_by_row=row_by_row, include_pool=False))
    if wanted.operator_id is not None:
        where.append(FollowUp.operator_id == wanted.operator_id)
    if wanted.team_id is not None:
        # Row by row, a page walks the date index and tests membership (see `_visible`).
        by = FollowUp.operator_id + 0 if row_by_row else FollowUp.operator_id
        where.append(by.in_(team_members(wanted.team_id)))
    if wanted.method:
        where.append(FollowUp.method == wanted.method)
    where += _in_days(FollowUp.happened_at, wanted.date_from, wanted.date_to)
    if wanted.search.strip():
        where.append(_search(wanted.search.strip()))
    return where


def _search(text: str) -> ColumnElement[bool]:
    """Subject, content or result containing the text in any case (as on SQLite, also on
    PostgreSQL), or a customer whose name/phone matches."""
    matching_customers = select(Customer.id).where(customers.matches_search(text))
    return or_(
        FollowUp.subject.icontains(text, autoescape=True),
        FollowUp.content.icontains(text, autoescape=True),
        FollowUp.result.icontains(text, autoescape=True),
        FollowUp.customer_id.in_(matching_customers),
    )


def _annotation_count(*extra: ColumnElement[bool]) -> Any:
    return (
        select(func.count(FollowUpAnnotation.id))
        .where(FollowUpAnnotation.followup_id == FollowUp.id, *extra)
        .scalar_subquery()
    )


def list_followups(
    db: Database,
    actor: Actor,
    wanted: FollowUpFilter | None = None,
    *,
    limit: int = 200,
    offset: int = 0,
) -> list[FollowUpRow]:
    """A page of visible follow-ups, newest first."""
    category = aliased(BaseDataItem)
    with db.read() as session:
        operator = require(session, actor, "followups.view")
        ids = _page_ids(session, operator, wanted or FollowUpFilter(), limit, offset, db.clock)
        page = select(FollowUp.id).where(FollowUp.id.in_(ids)).subquery()
        query = (
            select(
                FollowUp.id,
                FollowUp.happened_at,
                FollowUp.customer_id,
                Customer.name,
                Contact.name,
                FollowUp.operator_id,
                Operator.name,
                FollowUp.method,
                category.name,
                FollowUp.subject,
                FollowUp.content,
                FollowUp.result,
                FollowUp.next_followup_on,
                _annotation_count(),
                _annotation_count(FollowUpAnnotation.read_at.is_(None)),
            )
            .join(page, page.c.id == FollowUp.id)
            .join(Customer, Customer.id == FollowUp.customer_id)
            .join(Operator, Operator.id == FollowUp.operator_id)
            .outerjoin(Contact, Contact.id == FollowUp.contact_id)
            .outerjoin(category, category.id == FollowUp.category_id)
            .order_by(FollowUp.happened_at.desc(), FollowUp.id.desc())
        )
        return [_row(values) for values in session.execute(query)]


RECENT_DAYS = 90


def _page_ids(
    session: Session,
    operator: Operator,
    wanted: FollowUpFilter,
    limit: int,
    offset: int,
    clock: Any,
) -> list[int]:
    """The ids of one page, newest first.

    Without a text search a page walks the date index and stops after `limit` rows. A text
    search may match few rows, and walking a million dated rows with a random read each takes
    seconds; so it first walks only the last RECENT_DAYS (a common word fills the first page
    there), and otherwise scans the table once and sorts the matches (~1 s at 1M rows).
    """
    where = _conditions(session, operator, wanted, row_by_row=True)

    def ids(*extra: Any, newest: Any = FollowUp.happened_at) -> list[int]:
        query = (
            select(FollowUp.id)
            .where(*where, *extra)
            .order_by(newest.desc(), FollowUp.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return list(session.scalars(query))

    if not wanted.search.strip():
        return ids()
    if offset == 0:
        recent = ids(FollowUp.happened_at >= clock.now() - timedelta(days=RECENT_DAYS))
        if len(recent) == limit:
            return recent
    return ids(newest=func.coalesce(FollowUp.happened_at, FollowUp.happened_at))


def _row(values: Any) -> FollowUpRow:
    row = FollowUpRow(*values)
    if row.category_name:
        row = row._replace(category_name=translated(row.category_name))
    return row


def count_followups(db: Database, actor: Actor, wanted: FollowUpFilter | None = None) -> int:
    """One COUNT; a date range is walked on the date index, the whole scope counted by index."""
    wanted = wanted or FollowUpFilter()
    dated = wanted.date_from is not None or wanted.date_to is not None
    with db.read() as session:
        operator = require(session, actor, "followups.view")
        where = _conditions(session, operator, wanted, row_by_row=dated)
        return session.scalar(select(func.count(FollowUp.id)).where(*where)) or 0


def get_followup(db: Database, actor: Actor, followup_id: int) -> dict[str, Any]:
    with db.read() as session:
        operator = require(session, actor, "followups.view")
        followup = _load_visible(session, operator, followup_id)
        detail = records.as_dict(followup, DETAIL_FIELDS)
        detail["customer_name"] = session.get(Customer, followup.customer_id).name
        detail["operator_name"] = session.get(Operator, followup.operator_id).name
        return detail


# --- recording and editing ---------------------------------------------------------------------


def _clean(session: Session, customer_id: int, values: dict[str, Any]) -> dict[str, Any]:
    """Validate what a person entered: known method, the contact of this customer, some text."""
    clean = {k: v for k, v in values.items() if k in EDITABLE}
    for key in ("subject", "content", "result", "next_action"):
        if key in clean:
            clean[key] = (clean[key] or "").strip() or None
    if "method" in clean and clean["method"] not in set(FollowUpMethod):
        raise ValidationError(_("Unknown follow-up method."))
    if "happened_at" in clean:
        if not isinstance(clean["happened_at"], datetime) or clean["happened_at"].tzinfo is None:
            raise ValidationError(_("The follow-up time is not a valid date and time."))
        clean["happened_at"] = as_utc(clean["happened_at"])
    if clean.get("contact_id") is not None:
        contact = session.get(Contact, clean["contact_id"])
        if contact is None or contact.customer_id != customer_id:
            raise ValidationError(_("The contact does not belong to this customer."))
    return clean


def _require_text(followup: dict[str, Any]) -> None:
    if not (followup.get("subject") or followup.get("content")):
        raise ValidationError(_("Write a subject or what was discussed."))


def record_followup(db: Database, actor: Actor, values: dict[str, Any]) -> int:
    """Record a visit or contact; the customer's last/next follow-up dates move with it.

    The customer's earlier open follow-ups are done: this one supersedes their plans.
    """
    with db.write(actor) as uow:
        operator = require(uow.session, actor, "followups.create")
        customer_id = values.get("customer_id")
        if customer_id is None:
            raise ValidationError(_("Choose the customer."))
        customer = customers.load_visible(uow, operator, customer_id)
        if customer.archived:
            raise ValidationError(_("This customer is archived; restore it first."))
        clean = _clean(uow.session, customer.id, values)
        clean.setdefault("method", FollowUpMethod.PHONE)
        clean["happened_at"] = clean.get("happened_at") or uow.clock.now()
        _require_text(clean)
        clean.update(customer_id=customer.id, operator_id=operator.id, done=False)
        followup = records.create(uow, FollowUp, clean, entity="followup")
        _advance_customer(uow, customer, followup)
        uow.touched("followups", "customers")
        return followup.id


def _advance_customer(uow: UnitOfWork, customer: Customer, followup: FollowUp) -> None:
    """Move the customer's last/next dates forward and close its earlier open follow-ups.

    Written with plain UPDATEs that leave the customer's version alone: these dates are derived,
    and a customer form open on another screen must still save without a false conflict.
    """
    last = customer.last_followup_at
    is_latest = last is None or followup.happened_at >= last
    newest = followup.happened_at if last is None else max(last, followup.happened_at)
    dates: dict[str, Any] = {"last_followup_at": newest}
    if is_latest:
        dates["next_followup_on"] = followup.next_followup_on
    _set_customer_dates(uow.session, customer.id, dates)
    earlier = FollowUp.happened_at <= followup.happened_at if is_latest else true()
    uow.session.execute(
        update(FollowUp)
        .where(
            FollowUp.customer_id == customer.id,
            FollowUp.id != followup.id,
            FollowUp.done.is_(False),
            earlier,
        )
        .values(done=True)
        .execution_options(synchronize_session=False)
    )
    if not is_latest:  # back-dated: a later follow-up already holds the plan
        _close(uow.session, followup.id)


def _close(session: Session, followup_id: int) -> None:
    session.execute(
        update(FollowUp)
        .where(FollowUp.id == followup_id)
        .values(done=True)
        .execution_options(synchronize_session=False)
    )


def _set_customer_dates(session: Session, customer_id: int, dates: dict[str, Any]) -> None:
    session.execute(
        update(Customer)
        .where(Customer.id == customer_id)
        .values(**dates)
        .execution_options(synchronize_session=False)
    )


def _may_edit(session: Session, actor: Actor, followup: FollowUp) -> Operator:
    """The author edits their own record; a supervisor may correct those in their scope."""
    operator = current_operator(session, actor)
    if followup.operator_id == operator.id:
        return require(session, actor, "followups.create")
    operator = require(session, actor, "followups.annotate")
    require_in_scope(session, operator, followup.operator_id)
    return operator


def update_followup(
    db: Database, actor: Actor, followup_id: int, version: int, values: dict[str, Any]
) -> None:
    with db.write(actor) as uow:
        followup = records.load(uow.session, FollowUp, followup_id, _("Follow-up"))
        _may_edit(uow.session, actor, followup)
        clean = _clean(uow.session, followup.customer_id, values)
        _require_text({**records.snapshot(followup, ("subject", "content")), **clean})
        changed = records.apply_changes(
            uow, followup, clean, expected_version=version, entity="followup"
        )
        if _SCHEDULE_FIELDS.intersection(changed):
            _follow_latest(uow.session, followup.customer_id)
        uow.touched("followups", "customers")


def _follow_latest(session: Session, customer_id: int) -> None:
    """After an edit of dates, the customer's dates are those of its latest follow-up."""
    latest = session.execute(
        select(FollowUp.happened_at, FollowUp.next_followup_on)
        .where(FollowUp.customer_id == customer_id)
        .order_by(FollowUp.happened_at.desc(), FollowUp.id.desc())
        .limit(1)
    ).one_or_none()
    if latest is not None:
        _set_customer_dates(
            session,
            customer_id,
            {"last_followup_at": latest.happened_at, "next_followup_on": latest.next_followup_on},
        )


# --- annotations -------------------------------------------------------------------------------


def annotate(db: Database, actor: Actor, followup_id: int, body: str) -> int:
    """A manager's comment (批示) on a follow-up; its author sees it as unread until opened."""
    text = (body or "").strip()
    if not text:
        raise ValidationError(_("Write the annotation first."))
    with db.write(actor) as uow:
        operator = require(uow.session, actor, "followups.annotate")
        followup = records.load(uow.session, FollowUp, followup_id, _("Follow-up"))
        require_in_scope(uow.session, operator, followup.operator_id)
        own = followup.operator_id == operator.id
        annotation = records.create(
            uow,
            FollowUpAnnotation,
            {
                "followup_id": followup.id,
                "author_id": operator.id,
                "body": text,
                "read_at": uow.clock.now() if own else None,
            },
            entity="followup_annotation",
        )
        uow.touched("annotations", "followups")
        return annotation.id


def list_annotations(
    db: Database, actor: Actor, followup_id: int, *, mark_read: bool = True
) -> list[AnnotationRow]:
    """The annotations, oldest first; opening them as the follow-up's author marks them read.

    The rows show `read_at` as it was before this opening, so the view can highlight the new ones.
    """
    with db.read() as session:
        operator = require(session, actor, "followups.view")
        followup = _load_visible(session, operator, followup_id)
        author = aliased(Operator)
        rows = [
            AnnotationRow(*values)
            for values in session.execute(
                select(
                    FollowUpAnnotation.id,
                    FollowUpAnnotation.created_at,
                    author.name,
                    FollowUpAnnotation.body,
                    FollowUpAnnotation.read_at,
                )
                .join(author, author.id == FollowUpAnnotation.author_id)
                .where(FollowUpAnnotation.followup_id == followup_id)
                .order_by(FollowUpAnnotation.created_at, FollowUpAnnotation.id)
            )
        ]
        is_author = followup.operator_id == operator.id
    if mark_read and is_author and any(row.read_at is None for row in rows):
        mark_annotations_read(db, actor, followup_id)
    return rows


def mark_annotations_read(db: Database, actor: Actor, followup_id: int) -> int:
    """Mark the annotations read, if the actor is the follow-up's operator; how many changed."""
    with db.write(actor) as uow:
        operator = current_operator(uow.session, actor)
        followup = records.load(uow.session, FollowUp, followup_id, _("Follow-up"))
        if followup.operator_id != operator.id:
            return 0
        result = uow.session.execute(
            update(FollowUpAnnotation)
            .where(
                FollowUpAnnotation.followup_id == followup_id,
                FollowUpAnnotation.read_at.is_(None),
            )
            .values(read_at=uow.clock.now())
            .execution_options(synchronize_session=False)
        )
        if result.rowcount:
            uow.touched("annotations", "followups")
        return result.rowcount


def unread_filter(operator_id: int) -> list[ColumnElement[bool]]:
    """Annotations on this operator's own follow-ups that they have not opened yet."""
    return [
        FollowUpAnnotation.read_at.is_(None),
        FollowUp.operator_id == operator_id,
    ]


def unread_annotation_count(db: Database, actor: Actor) -> int:
    """For the status bar: unread annotations on the actor's own follow-ups."""
    with db.read() as session:
        operator = current_operator(session, actor)
        query = (
            select(func.count(FollowUpAnnotation.id))
            .join(FollowUp, FollowUp.id == FollowUpAnnotation.followup_id)
            .where(*unread_filter(operator.id))
        )
        return session.scalar(query) or 0


# --- supervision -------------------------------------------------------------------------------


def supervision(
    db: Database, actor: Actor, date_from: date, date_to: date, *, team_id: int | None = None
) -> list[SupervisionRow]:
    """Follow-ups per local day and operator, for the operators a manager supervises."""
    if date_to < date_from:
        raise ValidationError(_("The end date is before the start date."))
    with db.read() as session:
        operator = require(session, actor, "followups.view")
        allowed = "followups.annotate" in operator.role.permission_names or (
            operator.data_scope in (DataScope.TEAM, DataScope.ALL)
        )
        if not allowed:
            raise PermissionDenied(_("Only managers can supervise their staff's follow-ups."))
        where = [
            owner_scope(session, operator, FollowUp.operator_id),
            *_in_days(FollowUp.happened_at, date_from, date_to),
        ]
        if team_id is not None:
            where.append(FollowUp.operator_id.in_(team_members(team_id)))
        per_day = Counter(
            (as_local_date(happened_at), operator_id)
            for happened_at, operator_id in session.execute(
                select(FollowUp.happened_at, FollowUp.operator_id).where(*where)
            )
        )
        names = dict(
            session.execute(
                select(Operator.id, Operator.name).where(
                    Operator.id.in_({op for _day, op in per_day})
                )
            ).all()
        )
    rows = [SupervisionRow(day, op, names[op], n) for (day, op), n in per_day.items()]
    return sorted(rows, key=lambda r: (r.day, r.operator_name, r.operator_id))
