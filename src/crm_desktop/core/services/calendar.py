"""The calendar (日程): each operator's appointments and tasks, their reminders, and the
follow-ups planned for a day.

Items belong to one operator and only that operator changes them; a manager reads the
calendars of the people in their data scope, the boss everyone's. Times are stored in UTC;
days are local calendar days (core/clock), so "this week" is the week where the person sits.

Reminders are rows, not timers: `due_reminders` answers "what should pop up now" from the
injected clock, and `dismiss_reminder` stamps `reminded_at`, so every PC the operator is
logged in on stops showing it at the next poll.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import as_local_date, as_utc, local_day_bounds
from crm_desktop.core.db.database import Database, UnitOfWork
from crm_desktop.core.errors import PermissionDenied, ValidationError
from crm_desktop.core.i18n import N_, NC_, _
from crm_desktop.core.models import (
    Appointment,
    AppointmentKind,
    Contact,
    Customer,
    Operator,
    PoolStatus,
)
from crm_desktop.core.services import customers, records
from crm_desktop.core.services.access import current_operator, owner_scope, require_in_scope

FIELDS = (
    "kind",
    "title",
    "starts_at",
    "ends_at",
    "customer_id",
    "contact_id",
    "place",
    "remind_minutes",
    "remarks",
)
DETAIL_FIELDS = (*FIELDS, "operator_id", "done", "done_at", "reminded_at")
FOLLOWUP = "followup"  # the agenda kind of a customer's planned follow-up (not a stored row)

KIND_LABELS: dict[str, str] = {
    AppointmentKind.APPOINTMENT: N_("Appointment"),
    AppointmentKind.TASK: N_("Task"),
    FOLLOWUP: N_("Follow-up due"),
}

TITLE_LABEL = NC_("calendar item", "Title")  # not a contact's job title (职务)
MAX_REMIND_MINUTES = 7 * 24 * 60  # a week ahead is the longest reminder anyone sets
# A reminder still pops up this long after the start: the app may have been opened late.
REMINDER_GRACE = timedelta(minutes=30)
_REMINDER_FIELDS = frozenset({"starts_at", "remind_minutes"})


class AgendaItem(NamedTuple):
    """One line of a day: an appointment, a task, or a customer due for a follow-up (all day)."""

    kind: str  # AppointmentKind or FOLLOWUP
    id: int | None  # the appointment's id; None for a follow-up
    day: date  # local calendar day
    starts_at: datetime | None  # None: all day
    ends_at: datetime | None
    title: str
    customer_id: int | None
    customer_name: str | None
    contact_name: str | None
    place: str | None
    done: bool
    operator_id: int

    @property
    def all_day(self) -> bool:
        return self.starts_at is None


class Reminder(NamedTuple):
    id: int
    kind: str
    title: str
    starts_at: datetime
    customer_id: int | None
    customer_name: str | None
    place: str | None


# --- reading -----------------------------------------------------------------------------------


def _target_operator(session: Session, actor: Actor, operator_id: int | None) -> Operator:
    """Whose calendar is read: the actor's own, or someone in the actor's data scope."""
    me = current_operator(session, actor)
    if operator_id is None or operator_id == me.id:
        return me
    require_in_scope(session, me, operator_id)
    return records.load(session, Operator, operator_id, _("Operator"))


def agenda(
    db: Database,
    actor: Actor,
    first_day: date,
    last_day: date,
    operator_id: int | None = None,
    *,
    with_followups: bool = True,
) -> list[AgendaItem]:
    """Appointments, tasks and planned follow-ups of one operator on local days
    first_day..last_day, in time order (each day's all-day follow-ups first)."""
    if last_day < first_day:
        raise ValidationError(_("The end date is before the start date."))
    with db.read() as session:
        operator = _target_operator(session, actor, operator_id)
        items = _appointments(session, operator.id, first_day, last_day)
        if with_followups:
            items += _followups(session, operator.id, first_day, last_day)
    return sorted(items, key=_order)


def _order(item: AgendaItem) -> tuple[Any, ...]:
    at = item.starts_at.timestamp() if item.starts_at else 0.0
    return (item.day, not item.all_day, at, item.title)


def _appointments(session: Session, operator_id: int, first: date, last: date) -> list[AgendaItem]:
    start, end = local_day_bounds(first, last)
    query = (
        select(
            Appointment.kind,
            Appointment.id,
            Appointment.starts_at,
            Appointment.ends_at,
            Appointment.title,
            Appointment.customer_id,
            Customer.name,
            Contact.name,
            Appointment.place,
            Appointment.done,
        )
        .outerjoin(Customer, Customer.id == Appointment.customer_id)
        .outerjoin(Contact, Contact.id == Appointment.contact_id)
        .where(
            Appointment.operator_id == operator_id,
            Appointment.starts_at >= start,
            Appointment.starts_at < end,
        )
    )
    items = []
    for kind, id_, starts, ends, *rest in session.execute(query):
        ends = as_utc(ends) if ends else None
        items.append(
            AgendaItem(kind, id_, as_local_date(starts), as_utc(starts), ends, *rest, operator_id)
        )
    return items


def _followups(session: Session, operator_id: int, first: date, last: date) -> list[AgendaItem]:
    """The operator's own customers whose next follow-up falls in the period (as in Today)."""
    query = select(Customer.id, Customer.name, Customer.next_followup_on).where(
        Customer.owner_id == operator_id,
        Customer.next_followup_on >= first,
        Customer.next_followup_on <= last,
        Customer.pool_status == PoolStatus.PRIVATE,
        Customer.archived.is_(False),
    )
    return [
        AgendaItem(FOLLOWUP, None, day, None, None, name, cid, name, None, None, False, operator_id)
        for cid, name, day in session.execute(query)
    ]


def calendar_owners(db: Database, actor: Actor) -> list[tuple[int, str]]:
    """(id, name) of the active operators whose calendar the actor may read, the actor first."""
    with db.read() as session:
        me = current_operator(session, actor)
        rows = session.execute(
            select(Operator.id, Operator.name)
            .where(Operator.active, Operator.id != me.id, owner_scope(session, me, Operator.id))
            .order_by(Operator.code)
        )
        return [(me.id, me.name), *((r.id, r.name) for r in rows)]


def get_appointment(db: Database, actor: Actor, appointment_id: int) -> dict[str, Any]:
    """One item for its dialog, if its operator is within the actor's data scope."""
    with db.read() as session:
        operator = current_operator(session, actor)
        item = records.load(session, Appointment, appointment_id, _("Appointment"))
        require_in_scope(session, operator, item.operator_id)
        detail = records.as_dict(item, DETAIL_FIELDS)
        detail["editable"] = item.operator_id == operator.id
        return detail


def due_reminders(db: Database, actor: Actor, now: datetime | None = None) -> list[Reminder]:
    """The actor's open items whose reminder time has come and that nobody dismissed yet:
    start - remind_minutes <= now < start + REMINDER_GRACE."""
    now = as_utc(now or db.clock.now())
    with db.read() as session:
        operator = current_operator(session, actor)
        query = (
            select(Appointment, Customer.name)
            .outerjoin(Customer, Customer.id == Appointment.customer_id)
            .where(
                Appointment.operator_id == operator.id,
                Appointment.done.is_(False),
                Appointment.reminded_at.is_(None),
                Appointment.remind_minutes.is_not(None),
                Appointment.starts_at > now - REMINDER_GRACE,
                Appointment.starts_at <= now + timedelta(minutes=MAX_REMIND_MINUTES),
            )
            .order_by(Appointment.starts_at, Appointment.id)
        )
        return [
            Reminder(a.id, a.kind, a.title, as_utc(a.starts_at), a.customer_id, name, a.place)
            for a, name in session.execute(query)
            if as_utc(a.starts_at) - timedelta(minutes=a.remind_minutes or 0) <= now
        ]


# --- writing -----------------------------------------------------------------------------------


def _load_own(uow: UnitOfWork, operator: Operator, appointment_id: int) -> Appointment:
    item = records.load(uow.session, Appointment, appointment_id, _("Appointment"))
    if item.operator_id != operator.id:
        raise PermissionDenied(_("Only its owner changes an appointment or task."))
    return item


def _clean(session: Session, operator: Operator, values: dict[str, Any]) -> dict[str, Any]:
    clean = {k: v for k, v in values.items() if k in FIELDS}
    for key in ("title", "place", "remarks"):
        if key in clean:
            clean[key] = (clean[key] or "").strip() or None
    if "title" in clean and not clean["title"]:
        raise ValidationError(_("Enter a title."))
    if "kind" in clean and clean["kind"] not in set(AppointmentKind):
        raise ValidationError(_("Unknown kind of calendar item."))
    for key in ("starts_at", "ends_at"):
        value = clean.get(key)
        if value is not None:
            if not isinstance(value, datetime) or value.tzinfo is None:
                raise ValidationError(_("The time is not a valid date and time."))
            clean[key] = as_utc(value)
    minutes = clean.get("remind_minutes")
    if minutes is not None and not (0 <= int(minutes) <= MAX_REMIND_MINUTES):
        raise ValidationError(
            _("Remind between 0 and {most} minutes before.").format(most=MAX_REMIND_MINUTES)
        )
    if clean.get("customer_id") is not None:
        customers.load_visible(session, operator, clean["customer_id"])
    return clean


def _check(session: Session, item: dict[str, Any]) -> None:
    """Whole-record rules: a start, an end after it, the contact of the chosen customer."""
    if not item.get("title"):
        raise ValidationError(_("Enter a title."))
    if item.get("starts_at") is None:
        raise ValidationError(_("Enter the date and time."))
    if item.get("ends_at") is not None and as_utc(item["ends_at"]) <= as_utc(item["starts_at"]):
        raise ValidationError(_("The end must be after the start."))
    if item.get("contact_id") is not None:
        contact = session.get(Contact, item["contact_id"])
        if contact is None or contact.customer_id != item.get("customer_id"):
            raise ValidationError(_("The contact does not belong to this customer."))


def save_appointment(
    db: Database,
    actor: Actor,
    appointment_id: int | None,
    version: int | None,
    values: dict[str, Any],
) -> int:
    """Create an item of the actor's own, or change one of theirs (a new time or reminder
    makes the reminder pop up again)."""
    with db.write(actor) as uow:
        operator = current_operator(uow.session, actor)
        clean = _clean(uow.session, operator, values)
        if appointment_id is None:
            clean.setdefault("kind", AppointmentKind.APPOINTMENT)
            _check(uow.session, clean)
            item = records.create(
                uow, Appointment, {**clean, "operator_id": operator.id}, entity="appointment"
            )
        else:
            item = _load_own(uow, operator, appointment_id)
            _check(uow.session, {**records.snapshot(item, FIELDS), **clean})
            if _REMINDER_FIELDS & {k for k, v in clean.items() if getattr(item, k) != v}:
                clean["reminded_at"] = None
            records.apply_changes(
                uow, item, clean, expected_version=version or 0, entity="appointment"
            )
        uow.touched("appointments")
        return item.id


def set_done(db: Database, actor: Actor, appointment_id: int, done: bool = True) -> None:
    """Tick an item off (or reopen it); a done item no longer reminds."""
    with db.write(actor) as uow:
        item = _load_own(uow, current_operator(uow.session, actor), appointment_id)
        if item.done == done:
            return
        records.apply_changes(
            uow,
            item,
            {"done": done, "done_at": uow.clock.now() if done else None},
            expected_version=item.version,
            entity="appointment",
            action="appointment.done" if done else "appointment.reopen",
        )
        uow.touched("appointments")


def delete_appointment(db: Database, actor: Actor, appointment_id: int) -> None:
    """Remove an item of the actor's own (nothing refers to appointments)."""
    with db.write(actor) as uow:
        item = _load_own(uow, current_operator(uow.session, actor), appointment_id)
        uow.audit("appointment.delete", "appointment", item.id, summary=item.title)
        uow.session.delete(item)
        uow.touched("appointments")


def dismiss_reminder(db: Database, actor: Actor, appointment_id: int) -> None:
    """Stop the reminder on every PC: stamped, not audited (it is not a change of plan)."""
    with db.write(actor) as uow:
        item = _load_own(uow, current_operator(uow.session, actor), appointment_id)
        if item.reminded_at is None:
            item.reminded_at = uow.clock.now()
            uow.touched("appointments")


def kind_label(kind: str) -> str:
    return _(KIND_LABELS.get(kind, kind))


# --- demo data ---------------------------------------------------------------------------------

# (days from today, hour, minute, kind, title, with a customer, remind minutes)
DEMO_PLAN = (
    (-3, 10, 0, AppointmentKind.APPOINTMENT, "拜访{short}，介绍新产品", True, 30),
    (-1, 16, 0, AppointmentKind.TASK, "整理本周客户拜访记录", False, None),
    (0, 9, 30, AppointmentKind.TASK, "给{short}准备报价单", True, 15),
    (0, 14, 30, AppointmentKind.APPOINTMENT, "到{short}洽谈合同条款", True, 30),
    (0, 17, 0, AppointmentKind.TASK, "电话催收{short}货款", True, 10),
    (1, 10, 0, AppointmentKind.APPOINTMENT, "{short}技术交流会", True, 60),
    (2, 15, 0, AppointmentKind.TASK, "寄送样品给{short}", True, None),
    (4, 9, 0, AppointmentKind.APPOINTMENT, "部门周例会", False, 15),
)


def demo_appointments(session: Session, today: date, now: datetime) -> int:
    """A week of appointments and tasks for each active salesperson and sales manager around
    `today` (local times), about their own customers; the ones already past are done.
    Returns how many were made."""
    from crm_desktop.core.models import Role

    people = session.scalars(
        select(Operator.id)
        .join(Role, Role.id == Operator.role_id)
        .where(Operator.active, Role.code.in_(("salesperson", "sales_manager")))
        .order_by(Operator.id)
    ).all()
    made = 0
    for operator_id in people:
        own = session.execute(
            select(Customer.id, Customer.name, Customer.short_name, Customer.address)
            .where(Customer.owner_id == operator_id, Customer.archived.is_(False))
            .order_by(Customer.id)
            .limit(len(DEMO_PLAN))
        ).all()
        for index, (days, hour, minute, kind, title, about, remind) in enumerate(DEMO_PLAN):
            customer = own[index % len(own)] if about and own else None
            if about and customer is None:
                continue
            short = (customer.short_name or customer.name) if customer else ""
            starts = datetime.combine(today + timedelta(days=days), time(hour, minute))
            starts = starts.astimezone().astimezone(UTC)
            visit = kind == AppointmentKind.APPOINTMENT
            session.add(
                Appointment(
                    operator_id=operator_id,
                    kind=kind,
                    title=title.format(short=short),
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=1) if visit else None,
                    customer_id=customer.id if customer else None,
                    place=(customer.address if customer else "公司会议室") if visit else None,
                    remind_minutes=remind,
                    done=starts < now,
                    done_at=now if starts < now else None,
                )
            )
            made += 1
    session.flush()
    return made
