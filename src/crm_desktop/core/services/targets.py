"""Sales targets (业绩指标) and how far each salesperson and team got towards them.

A target belongs to one salesperson or one team for one month, quarter or year (local calendar
dates; `period_start` is the period's first day). The actual figures use the app's definitions:

- sales: order lines before tax of confirmed, delivered and closed orders (archived ones too)
  dated in the period, for the order's salesperson (the statistics' definition,
  `sales_analyses`);
- received: money of live receipts dated in the period, allocated to the salesperson's orders
  (receipts are often entered by finance, so the receipt's handler says nothing about sales);
- new customers: customers created in the period (local days) now owned by the salesperson.

A team's figures are those of its members and of its sub-teams' members.

Scope: a salesperson sees their own target, a manager their team's members and teams, the boss
everyone. A manager (targets.edit, team scope) sets targets for them; the boss for anyone.
"""

from __future__ import annotations

from calendar import monthrange
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal, NamedTuple

from sqlalchemy import BigInteger, ColumnElement, func, select
from sqlalchemy.orm import Session

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import local_day_bounds
from crm_desktop.core.db.database import Database
from crm_desktop.core.errors import NotFound, PermissionDenied, ValidationError
from crm_desktop.core.i18n import N_, _
from crm_desktop.core.models import (
    Customer,
    DataScope,
    Operator,
    OrderLine,
    Receipt,
    ReceiptAllocation,
    SalesOrder,
    Team,
)
from crm_desktop.core.models.planning import PeriodKind, SalesTarget
from crm_desktop.core.money import to_money
from crm_desktop.core.reports.tables import SALES_STATUSES
from crm_desktop.core.services import records
from crm_desktop.core.services.access import owner_scope, require, visible_team_ids
from crm_desktop.core.services.followups import team_members

ZERO = Decimal("0.00")
SHARE = Decimal("0.0001")
CHANGES = ("targets",)
FIELDS = ("sales_amount", "received_amount", "new_customers")
KIND_LABELS = {
    PeriodKind.MONTH: N_("Month"),
    PeriodKind.QUARTER: N_("Quarter"),
    PeriodKind.YEAR: N_("Year"),
}

HolderKind = Literal["operator", "team"]


class Holder(NamedTuple):
    """Whose target: a salesperson (`operator`) or a team, by id."""

    kind: HolderKind
    id: int


class Period(NamedTuple):
    """A month, quarter or year: its kind and first day."""

    kind: str
    start: date

    @property
    def end(self) -> date:
        """The last day (inclusive)."""
        months = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}[self.kind]
        month0 = self.start.month - 1 + months - 1
        year, month = self.start.year + month0 // 12, month0 % 12 + 1
        return date(year, month, monthrange(year, month)[1])

    @property
    def label(self) -> str:
        """2026-11, 2026-Q4 or 2026 (what `parse_period` reads)."""
        if self.kind == PeriodKind.MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}"


def period_of(kind: str, day: date) -> Period:
    """The month, quarter or year containing `day`."""
    if kind == PeriodKind.MONTH:
        return Period(PeriodKind.MONTH, day.replace(day=1))
    if kind == PeriodKind.QUARTER:
        return Period(PeriodKind.QUARTER, date(day.year, (day.month - 1) // 3 * 3 + 1, 1))
    if kind == PeriodKind.YEAR:
        return Period(PeriodKind.YEAR, date(day.year, 1, 1))
    raise ValidationError(_("A target period is a month, a quarter or a year."))


def parse_period(text: str) -> Period:
    """Read 2026-11 (a month), 2026-Q4 (a quarter) or 2026 (a year)."""
    raw = (text or "").strip().upper()
    try:
        if raw.isdigit() and len(raw) == 4:
            return period_of(PeriodKind.YEAR, date(int(raw), 1, 1))
        year, _sep, rest = raw.partition("-")
        if rest.startswith("Q") and rest[1:] in {"1", "2", "3", "4"}:
            return period_of(PeriodKind.QUARTER, date(int(year), int(rest[1:]) * 3 - 2, 1))
        return period_of(PeriodKind.MONTH, date(int(year), int(rest), 1))
    except ValueError as exc:
        raise ValidationError(
            _("“{text}” is not a period: write 2026-11, 2026-Q4 or 2026.").format(text=text)
        ) from exc


class TargetRow(NamedTuple):
    id: int
    version: int
    holder: Holder
    code: str
    name: str
    period: Period
    sales_amount: Decimal
    received_amount: Decimal | None
    new_customers: int | None


class AchievementRow(NamedTuple):
    """One salesperson's or team's target and actual figures in a period."""

    holder: Holder
    code: str
    name: str
    target_sales: Decimal | None
    sales: Decimal
    target_received: Decimal | None
    received: Decimal
    target_new_customers: int | None
    new_customers: int

    @property
    def percent(self) -> Decimal | None:
        """Sales as a fraction of the target (0.25 is 25 %); None without a target."""
        return share(self.sales, self.target_sales)


def share(part: Decimal | int, whole: Decimal | int | None) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(SHARE, ROUND_HALF_UP) if whole else None


# --- scope -----------------------------------------------------------------------------------


def _team_ids_in_scope(session: Session, operator: Operator) -> set[int] | None:
    """Teams whose targets the operator sees; None: every team."""
    if operator.data_scope == DataScope.ALL:
        return None
    if operator.data_scope == DataScope.TEAM:
        return visible_team_ids(session, operator)
    return set()


def _team_scope(session: Session, operator: Operator, column: Any) -> ColumnElement[bool]:
    teams = _team_ids_in_scope(session, operator)
    return column.is_not(None) if teams is None else column.in_(teams)


def _require_may_set(session: Session, actor: Actor, holder: Holder) -> Operator:
    """targets.edit, and the holder within a manager's team (the boss: anyone)."""
    operator = require(session, actor, "targets.edit")
    if operator.data_scope == DataScope.ALL:
        return operator
    refused = PermissionDenied(_("You may set targets only for your own team and its members."))
    if operator.data_scope != DataScope.TEAM:
        raise refused
    if holder.kind == "team":
        if holder.id not in visible_team_ids(session, operator):
            raise refused
    elif not session.scalar(
        select(func.count(Operator.id)).where(
            Operator.id == holder.id, owner_scope(session, operator, Operator.id)
        )
    ):
        raise refused
    return operator


# --- setting ---------------------------------------------------------------------------------


def _holder_column(holder: Holder) -> Any:
    return SalesTarget.operator_id if holder.kind == "operator" else SalesTarget.team_id


def _check_holder(session: Session, holder: Holder) -> None:
    if holder.kind not in ("operator", "team"):
        raise ValidationError(_("A target belongs to a salesperson or a team."))
    model = Operator if holder.kind == "operator" else Team
    if session.get(model, holder.id) is None:
        raise NotFound(_("The salesperson or team of this target does not exist."))


def _clean(
    sales_amount: Any, received_amount: Any, new_customers: Any
) -> dict[str, Decimal | int | None]:
    try:
        sales = to_money(sales_amount)
        received = to_money(received_amount)
        count = None if new_customers in (None, "") else int(new_customers)
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise ValidationError(_("A target is an amount of money or a number.")) from exc
    if sales is None:
        raise ValidationError(_("Enter the sales target."))
    if sales < 0 or (received is not None and received < 0) or (count is not None and count < 0):
        raise ValidationError(_("A target cannot be negative."))
    return {"sales_amount": sales, "received_amount": received, "new_customers": count}


def set_target(
    db: Database,
    actor: Actor,
    holder: Holder,
    period_kind: str,
    period_start: date,
    sales_amount: Decimal | str | int,
    received_amount: Decimal | str | int | None = None,
    new_customers: int | None = None,
    version: int | None = None,
) -> int:
    """Create or update the one target of `holder` for the period containing `period_start`.

    `version` is the version the person edited; without it (a new target, or `crm targets set`)
    the current one is replaced as it is.
    """
    period = period_of(period_kind, period_start)
    values = _clean(sales_amount, received_amount, new_customers)
    with db.write(actor) as uow:
        session = uow.session
        _check_holder(session, holder)
        _require_may_set(session, actor, holder)
        found = session.scalars(
            select(SalesTarget).where(
                _holder_column(holder) == holder.id,
                SalesTarget.period_kind == period.kind,
                SalesTarget.period_start == period.start,
            )
        ).first()
        if found is None:
            column = "operator_id" if holder.kind == "operator" else "team_id"
            fields = {column: holder.id, "period_kind": period.kind, "period_start": period.start}
            found = records.create(uow, SalesTarget, {**fields, **values}, entity="sales_target")
        else:
            expected = found.version if version is None else version
            records.apply_changes(
                uow, found, values, expected_version=expected, entity="sales_target"
            )
        uow.touched(*CHANGES)
        return found.id


# --- listing ---------------------------------------------------------------------------------


def list_targets(db: Database, actor: Actor, period: Period) -> list[TargetRow]:
    """The targets of the period that the operator may see: teams first, then salespeople."""
    with db.read() as session:
        operator = require(session, actor, "targets.view")
        where = [SalesTarget.period_kind == period.kind, SalesTarget.period_start == period.start]
        people = session.execute(
            select(SalesTarget, Operator.code, Operator.name)
            .join(Operator, Operator.id == SalesTarget.operator_id)
            .where(*where, owner_scope(session, operator, SalesTarget.operator_id))
        ).all()
        teams = session.execute(
            select(SalesTarget, Team.code, Team.name)
            .join(Team, Team.id == SalesTarget.team_id)
            .where(*where, _team_scope(session, operator, SalesTarget.team_id))
        ).all()
        rows = [_target_row(t, "team", t.team_id, c, n) for t, c, n in teams]
        rows += [_target_row(t, "operator", t.operator_id, c, n) for t, c, n in people]
    return sorted(rows, key=lambda r: (r.holder.kind != "team", r.code))


def _target_row(t: SalesTarget, kind: HolderKind, id_: int, code: str, name: str) -> TargetRow:
    period = Period(t.period_kind, t.period_start)
    return TargetRow(
        t.id,
        t.version,
        Holder(kind, id_),
        code,
        name,
        period,
        t.sales_amount,
        t.received_amount,
        t.new_customers,
    )


# --- actual figures --------------------------------------------------------------------------


class Actual(NamedTuple):
    sales: Decimal = ZERO
    received: Decimal = ZERO
    new_customers: int = 0


def actuals(session: Session, period: Period, operator_ids: Any = None) -> dict[int, Actual]:
    """{operator id: Actual} in the period, for `operator_ids` (a list or a subquery; None:
    everyone). Three grouped queries; money summed as integer cents."""
    first, last = period.start, period.end
    sales_where = [
        SalesOrder.status.in_(SALES_STATUSES),
        SalesOrder.order_date >= first,
        SalesOrder.order_date <= last,
    ]
    received_where = [
        Receipt.archived.is_(False),
        Receipt.received_on >= first,
        Receipt.received_on <= last,
    ]
    start, end = local_day_bounds(first, last)
    customer_where = [Customer.created_at >= start, Customer.created_at < end]
    if operator_ids is not None:
        sales_where.append(SalesOrder.salesperson_id.in_(operator_ids))
        received_where.append(SalesOrder.salesperson_id.in_(operator_ids))
        customer_where.append(Customer.owner_id.in_(operator_ids))
    sales = session.execute(
        select(SalesOrder.salesperson_id, func.sum(OrderLine.amount, type_=BigInteger))
        .select_from(OrderLine)
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        .where(*sales_where)
        .group_by(SalesOrder.salesperson_id)
    ).all()
    received = session.execute(
        select(SalesOrder.salesperson_id, func.sum(ReceiptAllocation.amount, type_=BigInteger))
        .select_from(ReceiptAllocation)
        .join(Receipt, Receipt.id == ReceiptAllocation.receipt_id)
        .join(SalesOrder, SalesOrder.id == ReceiptAllocation.order_id)
        .where(*received_where)
        .group_by(SalesOrder.salesperson_id)
    ).all()
    created = session.execute(
        select(Customer.owner_id, func.count(Customer.id))
        .where(*customer_where, Customer.owner_id.is_not(None))
        .group_by(Customer.owner_id)
    ).all()
    found: dict[int, Actual] = defaultdict(Actual)
    for op, cents in sales:
        found[op] = found[op]._replace(sales=_money(cents))
    for op, cents in received:
        found[op] = found[op]._replace(received=_money(cents))
    for op, count in created:
        found[op] = found[op]._replace(new_customers=count)
    return dict(found)


def _money(cents: int | None) -> Decimal:
    """Money columns hold integer cents (see models.types.Money); sums come back as cents."""
    return ZERO if cents is None else Decimal(cents).scaleb(-2)


def _sum(parts: Iterable[Actual]) -> Actual:
    total = Actual()
    for part in parts:
        total = Actual(
            total.sales + part.sales,
            total.received + part.received,
            total.new_customers + part.new_customers,
        )
    return total


def team_member_ids(session: Session, team_id: int) -> list[int]:
    """The members of a team and of its sub-teams."""
    return list(session.scalars(team_members(team_id)))


# --- achievement -----------------------------------------------------------------------------


def achievement(
    db: Database, actor: Actor, period_kind: str, period_start: date
) -> list[AchievementRow]:
    """Target and actual per team, then per salesperson (largest sales first), in scope.

    Salespeople are listed when they have a target or any actual figure in the period.
    """
    period = period_of(period_kind, period_start)
    with db.read() as session:
        operator = require(session, actor, "targets.view")
        targets = {row.holder: row for row in _targets_in(session, operator, period)}
        people = session.execute(
            select(Operator.id, Operator.code, Operator.name).where(
                owner_scope(session, operator, Operator.id)
            )
        ).all()
        done = actuals(session, period, [op for op, _c, _n in people])
        rows = []
        for op, code, name in people:
            holder = Holder("operator", op)
            if holder in targets or op in done:
                rows.append(_achieved(holder, code, name, targets.get(holder), done.get(op)))
        rows.sort(key=lambda r: (-r.sales, r.code))
        teams = _teams_in(session, operator)
        team_rows = []
        for team_id, code, name in teams:
            members = team_member_ids(session, team_id)
            figures = _sum(done.get(m, Actual()) for m in members)
            holder = Holder("team", team_id)
            team_rows.append(_achieved(holder, code, name, targets.get(holder), figures))
    return team_rows + rows


def _targets_in(session: Session, operator: Operator, period: Period) -> list[TargetRow]:
    where = [SalesTarget.period_kind == period.kind, SalesTarget.period_start == period.start]
    found = session.scalars(
        select(SalesTarget).where(
            *where,
            owner_scope(session, operator, SalesTarget.operator_id)
            | _team_scope(session, operator, SalesTarget.team_id),
        )
    )
    rows = []
    for t in found:
        kind: HolderKind = "operator" if t.operator_id is not None else "team"
        rows.append(_target_row(t, kind, t.operator_id or t.team_id, "", ""))
    return rows


def _teams_in(session: Session, operator: Operator) -> list[Any]:
    query = select(Team.id, Team.code, Team.name).where(Team.active.is_(True))
    teams = _team_ids_in_scope(session, operator)
    if teams is not None:
        query = query.where(Team.id.in_(teams))
    return session.execute(query.order_by(Team.code)).all()


def _achieved(
    holder: Holder, code: str, name: str, target: TargetRow | None, done: Actual | None
) -> AchievementRow:
    done = done or Actual()
    return AchievementRow(
        holder,
        code,
        name,
        target.sales_amount if target else None,
        done.sales,
        target.received_amount if target else None,
        done.received,
        target.new_customers if target else None,
        done.new_customers,
    )


def holder_by_code(db: Database, kind: HolderKind, code: str) -> Holder:
    """The salesperson (login name) or team with this code, for the command line."""
    model = Operator if kind == "operator" else Team
    with db.read() as session:
        found = session.scalar(select(model.id).where(model.code == code.strip()))
    if found is None:
        what = _("salesperson") if kind == "operator" else _("team")
        raise NotFound(_("There is no {what} with the code “{code}”.").format(what=what, code=code))
    return Holder(kind, found)


class HolderChoice(NamedTuple):
    holder: Holder
    code: str
    name: str


def settable_holders(db: Database, actor: Actor) -> list[HolderChoice]:
    """Teams, then people who sell (their role may create orders), whose targets the actor may
    set: the boss everyone, a manager their teams and members."""
    with db.read() as session:
        operator = require(session, actor, "targets.edit")
        if operator.data_scope not in (DataScope.ALL, DataScope.TEAM):
            return []
        teams = [HolderChoice(Holder("team", i), c, n) for i, c, n in _teams_in(session, operator)]
        people = session.scalars(
            select(Operator)
            .where(Operator.active.is_(True), owner_scope(session, operator, Operator.id))
            .order_by(Operator.code)
        )
        sellers = [
            HolderChoice(Holder("operator", p.id), p.code, p.name)
            for p in people
            if "orders.create" in p.role.permission_names
        ]
    return teams + sellers
