"""Complaints left open too long go up to someone who can push them.

A complaint (kind "complaint") still open or in progress whose accepted day is at least
`CompanyProfile.complaint_escalation_days` calendar days before today (local days, so a complaint
taken on Monday with 3 days escalates from Thursday 00:00) is escalated once: `escalated_at` is
stamped and `escalated_to_id` names the handler's manager. The manager is the manager of the
handler's team, else of the nearest parent team with one, skipping the handler themselves (a
manager's own complaints go one level up); with nobody there it is the boss (the first active
operator holding the preset "boss" role, else the first active one who sees all data).

Every PC runs it after login (the launcher's housekeeping) and `crm service escalate` runs it by
hand; it is the firm's rule, not a personal action, so any logged-in operator (or the system,
`actor=None`) may run it. It is idempotent: an escalated record is never escalated again (even
after reopening), and candidates are read first so the write lock is taken only when one is due.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import as_local_date, local_day_bounds
from crm_desktop.core.db.database import Database
from crm_desktop.core.models import (
    CompanyProfile,
    DataScope,
    Operator,
    Role,
    ServiceKind,
    ServiceRecord,
    ServiceStatus,
    Team,
)
from crm_desktop.core.services import records
from crm_desktop.core.services.access import current_operator

DEFAULT_DAYS = 3
OPEN_STATUSES = (ServiceStatus.OPEN, ServiceStatus.IN_PROGRESS)


def escalation_days(session: Session) -> int:
    days = session.scalar(select(CompanyProfile.complaint_escalation_days).limit(1))
    return days if days and days > 0 else DEFAULT_DAYS


def due_before(now: datetime, days: int) -> datetime:
    """Complaints accepted before this UTC time are `days` or more local calendar days old."""
    last_day = as_local_date(now) - timedelta(days=days)
    return local_day_bounds(last_day, last_day)[1]


def _overdue(session: Session, now: datetime) -> ColumnElement[bool]:
    return and_(
        ServiceRecord.kind == ServiceKind.COMPLAINT,
        ServiceRecord.status.in_(OPEN_STATUSES),
        ServiceRecord.escalated_at.is_(None),
        ServiceRecord.accepted_at < due_before(now, escalation_days(session)),
    )


def boss_id(session: Session) -> int | None:
    """Who gets escalations nobody else can take: a boss, else anyone who sees all data."""
    query = (
        select(Operator.id)
        .join(Role, Role.id == Operator.role_id)
        .where(Operator.active.is_(True), Operator.data_scope == DataScope.ALL)
        .order_by((Role.code != "boss"), Operator.id)
        .limit(1)
    )
    return session.scalar(query)


def manager_of(session: Session, handler_id: int) -> int | None:
    """The handler's manager: up the team tree to the first active manager who is not them."""
    team_id = session.scalar(select(Operator.team_id).where(Operator.id == handler_id))
    seen: set[int] = set()
    while team_id is not None and team_id not in seen:
        seen.add(team_id)
        team = session.get(Team, team_id)
        if team is None:
            break
        if team.manager_id is not None and team.manager_id != handler_id:
            manager = session.get(Operator, team.manager_id)
            if manager is not None and manager.active:
                return manager.id
        team_id = team.parent_id
    return None


def escalate_overdue(db: Database, actor: Actor | None, now: datetime) -> list[int]:
    """Escalate every overdue complaint not yet escalated; the ids escalated, oldest first."""
    with db.read() as session:
        if actor is not None:
            current_operator(session, actor)
        if not session.scalar(select(ServiceRecord.id).where(_overdue(session, now)).limit(1)):
            return []
    with db.write(actor) as uow:
        session = uow.session
        if actor is not None:
            current_operator(session, actor)
        due = session.scalars(
            select(ServiceRecord)
            .where(_overdue(session, now))  # again: another PC may have done it
            .order_by(ServiceRecord.accepted_at, ServiceRecord.id)
        ).all()
        boss = boss_id(session)
        for record in due:
            records.apply_changes(
                uow,
                record,
                {
                    "escalated_at": now,
                    "escalated_to_id": manager_of(session, record.handler_id) or boss,
                },
                expected_version=record.version,
                entity="service_record",
                action="service.escalate",
            )
        if due:
            uow.touched("service")
        return [record.id for record in due]
