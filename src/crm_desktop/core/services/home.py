"""The home dashboard opened after login: how the operator is doing and what needs doing today.

Every part reuses the service that owns its figures, so the home tab shows what the other tabs
show: targets (`targets`), the funnel (`opportunities.funnel`), what customers owe
(`receipts.aging`), due follow-ups (`today`), appointments (`calendar.agenda`) and unread
annotations (`followups`). Each part follows the operator's data scope; a part the operator's
role may not read stays empty instead of failing the whole page.

"My target" is the salesperson's own; a manager's is their team's; the boss's is the company's
(the sum of the top-level teams' targets against every sale).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_desktop.core.actor import Actor
from crm_desktop.core.db.database import Database
from crm_desktop.core.errors import PermissionDenied
from crm_desktop.core.i18n import _
from crm_desktop.core.models import DataScope, Operator, Team
from crm_desktop.core.models.planning import PeriodKind, SalesTarget
from crm_desktop.core.services import followups, opportunities, receipts, targets, today
from crm_desktop.core.services.access import current_operator, visible_team_ids
from crm_desktop.core.services.opportunities import FunnelStage
from crm_desktop.core.services.targets import Period, period_of, share

ZERO = Decimal("0.00")
RANKING_SIZE = 10
OVERDUE_SIZE = 10
T = TypeVar("T")


class Progress(NamedTuple):
    """A target and how much of it is reached, for one period."""

    period: Period
    holder_name: str  # the salesperson, the team or the company
    target: Decimal | None
    actual: Decimal

    @property
    def fraction(self) -> Decimal | None:
        return share(self.actual, self.target)


class RankingRow(NamedTuple):
    rank: int
    operator_id: int
    name: str
    sales: Decimal
    target: Decimal | None


class OverdueRow(NamedTuple):
    customer_id: int
    customer_name: str
    overdue: Decimal
    over_90: Decimal


class AppointmentRow(NamedTuple):
    id: int | None
    starts_at: Any  # datetime | None: all day
    title: str
    customer_name: str | None
    place: str | None
    done: bool


@dataclass
class Dashboard:
    month: Progress
    quarter: Progress
    ranking_title: str
    ranking: list[RankingRow] = field(default_factory=list)
    funnel: list[FunnelStage] = field(default_factory=list)
    overdue: list[OverdueRow] = field(default_factory=list)
    overdue_total: Decimal = ZERO
    followups: list[today.DueCustomer] = field(default_factory=list)
    appointments: list[AppointmentRow] = field(default_factory=list)
    unread_annotations: int = 0


def dashboard(db: Database, actor: Actor, day: date) -> Dashboard:
    """Everything the home tab shows for the operator on the local calendar day `day`."""
    month, quarter = period_of(PeriodKind.MONTH, day), period_of(PeriodKind.QUARTER, day)
    with db.read() as session:
        operator = current_operator(session, actor)
        mine = _progress(session, operator, month), _progress(session, operator, quarter)
        title, ranking = _ranking(session, operator, month)
        due = [today._due(row, day) for row in session.execute(today._due_query(operator.id, day))]
    overdue = _quiet(lambda: _overdue(db, actor, day), [])
    return Dashboard(
        month=mine[0],
        quarter=mine[1],
        ranking_title=title,
        ranking=ranking,
        funnel=_quiet(lambda: opportunities.funnel(db, actor), []),
        overdue=overdue[:OVERDUE_SIZE],
        overdue_total=sum((row.overdue for row in overdue), ZERO),
        followups=due,
        appointments=_quiet(lambda: appointments(db, actor, day), []),
        unread_annotations=followups.unread_annotation_count(db, actor),
    )


def _quiet(part: Callable[[], T], empty: T) -> T:
    """A part the role may not read is empty rather than an error for the whole page."""
    try:
        return part()
    except PermissionDenied:
        return empty


# --- my target -------------------------------------------------------------------------------


def _progress(session: Session, operator: Operator, period: Period) -> Progress:
    where = [SalesTarget.period_kind == period.kind, SalesTarget.period_start == period.start]
    if operator.data_scope == DataScope.ALL:
        top = select(Team.id).where(Team.parent_id.is_(None), Team.active.is_(True))
        found = session.scalars(select(SalesTarget).where(*where, SalesTarget.team_id.in_(top)))
        amounts = [t.sales_amount for t in found]
        actual = sum((a.sales for a in targets.actuals(session, period).values()), ZERO)
        return Progress(period, _("Company"), sum(amounts, ZERO) if amounts else None, actual)
    team = _managed_team(session, operator)
    if team is not None:
        target = session.scalar(
            select(SalesTarget.sales_amount).where(*where, SalesTarget.team_id == team.id)
        )
        members = targets.team_member_ids(session, team.id)
        done = targets.actuals(session, period, members).values()
        return Progress(period, team.name, target, sum((a.sales for a in done), ZERO))
    target = session.scalar(
        select(SalesTarget.sales_amount).where(*where, SalesTarget.operator_id == operator.id)
    )
    done = targets.actuals(session, period, [operator.id]).get(operator.id)
    return Progress(period, operator.name, target, done.sales if done else ZERO)


def _managed_team(session: Session, operator: Operator) -> Team | None:
    """The team a team-scope operator answers for: the one they manage, else their own."""
    if operator.data_scope != DataScope.TEAM:
        return None
    managed = session.scalars(
        select(Team).where(Team.manager_id == operator.id).order_by(Team.code)
    ).first()
    if managed is not None:
        return managed
    return session.get(Team, operator.team_id) if operator.team_id else None


# --- ranking ---------------------------------------------------------------------------------


def _ranking(session: Session, operator: Operator, period: Period) -> tuple[str, list[RankingRow]]:
    """Sales this month, largest first: the own team's members (a salesperson, a manager),
    or every salesperson (the boss). Only names and amounts, so a salesperson may see them."""
    if operator.data_scope == DataScope.ALL:
        title, people = _("Sales ranking: everyone"), None
    else:
        teams = (
            visible_team_ids(session, operator)
            if operator.data_scope == DataScope.TEAM
            else ({operator.team_id} if operator.team_id else set())
        )
        ids = {operator.id}
        for team_id in teams:
            ids.update(targets.team_member_ids(session, team_id))
        title, people = _("Sales ranking: my team"), ids
    done = targets.actuals(session, period, None if people is None else list(people))
    where = [SalesTarget.period_kind == period.kind, SalesTarget.period_start == period.start]
    goals = dict(
        session.execute(
            select(SalesTarget.operator_id, SalesTarget.sales_amount).where(
                *where, SalesTarget.operator_id.is_not(None)
            )
        ).all()
    )
    shown = {op for op, a in done.items() if a.sales} | (set(goals) & (people or set(goals)))
    if people is not None:
        shown = (shown & people) | {operator.id}
    names = dict(
        session.execute(
            select(Operator.id, Operator.name).where(
                Operator.id.in_(shown), Operator.active.is_(True)
            )
        ).all()
    )
    rows = sorted(
        ((done.get(op, targets.Actual()).sales, names[op], op) for op in names),
        key=lambda item: (-item[0], item[1], item[2]),
    )
    ranked = [
        RankingRow(0, op, name, sales, goals.get(op)) for sales, name, op in rows[:RANKING_SIZE]
    ]
    return title, _ranks(ranked)


def _ranks(rows: list[RankingRow]) -> list[RankingRow]:
    """Competition ranks: equal sales share a rank (1, 2, 2, 4)."""
    ranked: list[RankingRow] = []
    for index, row in enumerate(rows):
        tied = index and row.sales == rows[index - 1].sales
        ranked.append(row._replace(rank=ranked[-1].rank if tied else index + 1))
    return ranked


# --- receivables, appointments ---------------------------------------------------------------


def _overdue(db: Database, actor: Actor, day: date) -> list[OverdueRow]:
    """Customers in scope owing money past its due date, most overdue first."""
    rows = []
    for row in receipts.aging(db, actor, "customer", day):
        overdue = row.total - row.not_due
        if overdue > 0:
            rows.append(OverdueRow(row.key_id, row.name, overdue, row.over_90))
    return sorted(rows, key=lambda r: (-r.overdue, r.customer_name, r.customer_id))


def appointments(db: Database, actor: Actor, day: date) -> list[AppointmentRow]:
    """The operator's own appointments and tasks of the day, in time order."""
    try:
        from crm_desktop.core.services import calendar
    except ImportError:  # the calendar service is written alongside; read the rows directly
        return _appointments_directly(db, actor, day)
    return [
        AppointmentRow(
            item.id, item.starts_at, item.title, item.customer_name, item.place, item.done
        )
        for item in calendar.agenda(db, actor, day, day, with_followups=False)
    ]


def _appointments_directly(db: Database, actor: Actor, day: date) -> list[AppointmentRow]:
    from crm_desktop.core.clock import local_day_bounds
    from crm_desktop.core.models import Customer
    from crm_desktop.core.models.planning import Appointment

    start, end = local_day_bounds(day, day)
    with db.read() as session:
        operator = current_operator(session, actor)
        query = (
            select(
                Appointment.id,
                Appointment.starts_at,
                Appointment.title,
                Customer.name,
                Appointment.place,
                Appointment.done,
            )
            .outerjoin(Customer, Customer.id == Appointment.customer_id)
            .where(
                Appointment.operator_id == operator.id,
                Appointment.starts_at >= start,
                Appointment.starts_at < end,
            )
            .order_by(Appointment.starts_at, Appointment.id)
        )
        return [AppointmentRow(*row) for row in session.execute(query)]
