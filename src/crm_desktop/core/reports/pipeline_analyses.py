"""Pipeline, receivables, follow-up activity and service analyses.

Each analysis reads with one query under the operator's data scope (a second, small one for
labels where needed) and reuses the services' own definitions, so a figure here is the figure
the rest of the app shows:

- opportunities: scope by owner; the funnel's rows are `opportunities._funnel_rows` (every
  active stage in the firm's order, then won and lost); the date range is the local day the
  opportunity was created;
- receivables: the orders `receipts.aging` counts (neither archived nor cancelled, owing more
  than nothing), what they owe by `balances.outstanding`, their due dates by
  `receipts._owed_pieces` (payment plan, else the order date); as of today;
- follow-ups: scope on the follow-up's operator; days are local calendar days of the stored
  UTC time;
- service: scope by `record_scope` on the handler; dates are local days of `accepted_at`.

Drills follow `drill.py`'s conventions (None: "is empty", a tuple: "any of", `outstanding=True`:
the orders that still owe, with what they owe). One key is added here: `aging_bucket` (0 not
due … 4 over 90 days) with `outstanding=True` selects the money of that bucket;
`owing_orders(...)` lists the orders and `OwingOrder.in_bucket` each one's share of it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import as_local_date, local_day_bounds, local_today
from crm_desktop.core.db.database import Database
from crm_desktop.core.i18n import N_, NC_, _, translated
from crm_desktop.core.models import (
    BaseDataItem,
    Customer,
    FollowUp,
    Operator,
    Opportunity,
    OpportunityStatus,
    PaymentPlan,
    PoolStatus,
    Receipt,
    SalesOrder,
    ServiceRecord,
    ServiceStatus,
)
from crm_desktop.core.money import ZERO
from crm_desktop.core.reports.sql import period_key
from crm_desktop.core.reports.tables import (
    Analysis,
    ChartKind,
    ChartSpec,
    Drill,
    FilterName,
    ReportColumn,
    ReportParams,
    ReportTable,
    money_total,
    register,
)
from crm_desktop.core.services import opportunities, receipts
from crm_desktop.core.services.access import owner_scope, record_scope, require
from crm_desktop.core.services.balances import outstanding, received_per_order
from crm_desktop.core.services.followups import _in_days
from crm_desktop.core.services.listing import date_range
from crm_desktop.core.services.pool import _since
from crm_desktop.core.services.service_records import DONE, SERVICE_STATUS_LABELS

PIPELINE = N_("Pipeline")
RECEIVABLES = N_("Receivables")
FOLLOWUPS = N_("Follow-ups")
SERVICE = N_("Service")

BUCKET_LABELS = (
    N_("Not due"),
    N_("1–30 days"),
    N_("31–60 days"),
    N_("61–90 days"),
    N_("Over 90 days"),
)
CLOSED_OPPORTUNITIES = (OpportunityStatus.WON, OpportunityStatus.LOST)
SERVICE_ORDER = (
    ServiceStatus.OPEN,
    ServiceStatus.IN_PROGRESS,
    ServiceStatus.RESOLVED,
    ServiceStatus.CLOSED,
)
DONE_STATUSES = tuple(s for s in SERVICE_ORDER if s in DONE)
ACTIVITY_DEFAULT_DAYS = 28  # follow-up activity without dates: the last four weeks
ACTIVITY_DAILY_UP_TO = 31  # longer ranges count per week (weeks start on Monday)
MAX_PIE_PARTS = 6


# --- shared pieces -------------------------------------------------------------------------------


def _none() -> str:
    return _("(none)")


def _label(name: str | None) -> str:
    """A base-data name as the person reads it; an empty one as “(none)”."""
    return translated(name) if name else _none()


def _ratio(part: int, whole: int) -> Decimal | None:
    """A percent column's value: a fraction (0.25 is shown as 25 %), exact to 0.01 %."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def _filters(params: ReportParams, *names: str) -> dict[str, Any]:
    """Drill filters for the params that are set, among `names`."""
    values = {
        "date_from": params.date_from,
        "date_to": params.date_to,
        "region_id": params.region_id,
        "salesperson_id": params.salesperson_id,
    }
    return {name: values[name] for name in names if values[name] is not None}


def _region(params: ReportParams) -> list[ColumnElement[bool]]:
    return [Customer.region_id == params.region_id] if params.region_id is not None else []


def _person(column: Any, params: ReportParams) -> list[ColumnElement[bool]]:
    return [column == params.salesperson_id] if params.salesperson_id is not None else []


def _table(
    title: str,
    columns: list[ReportColumn],
    rows: list[tuple[Any, ...]],
    chart: ChartSpec,
    drills: list[Drill | None],
    totals: tuple[Any, ...] | None = None,
    note: str = "",
) -> ReportTable:
    """The table, or an empty one (no rows, no totals) when there is nothing to show."""
    if not rows:
        return ReportTable(_(title), columns, [], chart, [], None, note)
    return ReportTable(_(title), columns, rows, chart, drills, totals, note)


# --- opportunities -------------------------------------------------------------------------------

FUNNEL_TITLE = N_("Opportunity funnel")
WIN_RATE_TITLE = N_("Win rate per salesperson")
OPPORTUNITY_FILTERS = ("date_from", "date_to", "region_id", "salesperson_id")


def _opportunity_where(
    session: Session, operator: Operator, params: ReportParams
) -> list[ColumnElement[bool]]:
    return [
        owner_scope(session, operator, Opportunity.owner_id),
        *_in_days(Opportunity.created_at, params.date_from, params.date_to),
        *_region(params),
        *_person(Opportunity.owner_id, params),
    ]


def opportunity_funnel(db: Database, actor: Actor, params: ReportParams) -> ReportTable:
    """Open opportunities per stage (count, expected amount), then the won and the lost ones:
    the same rows as the opportunities board's funnel, narrowed by the report's filters."""
    with db.read() as session:
        operator = require(session, actor, "statistics.view")
        query = (
            select(
                Opportunity.status,
                Opportunity.stage_id,
                func.count(Opportunity.id),
                func.sum(Opportunity.expected_amount),
            )
            .join(Customer, Customer.id == Opportunity.customer_id)
            .where(*_opportunity_where(session, operator, params))
            .group_by(Opportunity.status, Opportunity.stage_id)
        )
        totals = {
            (status, stage_id): (count, amount or ZERO)
            for status, stage_id, count, amount in session.execute(query)
        }
        stages = opportunities._funnel_rows(session, totals) if totals else []
    base = _filters(params, *OPPORTUNITY_FILTERS)
    rows, drills = [], []
    open_rows = len(stages) - len(CLOSED_OPPORTUNITIES)
    for index, stage in enumerate(stages):
        rows.append((stage.name, stage.count, stage.amount))
        if index < open_rows:
            filters = {"status": OpportunityStatus.OPEN, "stage_id": stage.stage_id}
        else:
            filters = {"status": CLOSED_OPPORTUNITIES[index - open_rows]}
        drills.append(Drill("opportunities", {**base, **filters}))
    columns = [
        ReportColumn("stage", _("Stage"), "text"),
        ReportColumn("count", _("Opportunities"), "int"),
        ReportColumn("amount", _("Expected amount"), "money"),
    ]
    note = _(
        "Open opportunities per stage, then the won and the lost ones; the dates are when "
        "the opportunity was created."
    )
    return _table(
        FUNNEL_TITLE, columns, rows, ChartSpec("funnel", "stage", ("count",)), drills, note=note
    )


def win_rate(db: Database, actor: Actor, params: ReportParams) -> ReportTable:
    """Won and lost opportunities per owner and the share won (of those decided)."""
    with db.read() as session:
        operator = require(session, actor, "statistics.view")
        query = (
            select(
                Opportunity.owner_id,
                Operator.code,
                Operator.name,
                Opportunity.status,
                func.count(Opportunity.id),
            )
            .join(Operator, Operator.id == Opportunity.owner_id)
            .join(Customer, Customer.id == Opportunity.customer_id)
            .where(
                Opportunity.status.in_(CLOSED_OPPORTUNITIES),
                *_opportunity_where(session, operator, params),
            )
            .group_by(Opportunity.owner_id, Operator.code, Operator.name, Opportunity.status)
        )
        found = list(session.execute(query))
    people: dict[int, tuple[str, str]] = {}
    counts: Counter[tuple[int, str]] = Counter()
    for owner_id, code, name, status, count in found:
        people[owner_id] = (code, name)
        counts[(owner_id, status)] += count
    rows, drills = [], []
    base = _filters(params, "date_from", "date_to", "region_id")
    for owner_id, (code, name) in people.items():
        won, lost = counts[(owner_id, "won")], counts[(owner_id, "lost")]
        rows.append((code, name, won, lost, _ratio(won, won + lost)))
        drills.append(
            Drill(
                "opportunities",
                {**base, "salesperson_id": owner_id, "status": CLOSED_OPPORTUNITIES},
            )
        )
    order = sorted(range(len(rows)), key=lambda i: (-(rows[i][4] or 0), -rows[i][2], rows[i][1]))
    rows, drills = [rows[i] for i in order], [drills[i] for i in order]
    won = sum(row[2] for row in rows)
    lost = sum(row[3] for row in rows)
    columns = [
        ReportColumn("salesperson_code", _("Salesperson code"), "text"),
        ReportColumn("salesperson", _("Salesperson"), "text"),
        ReportColumn("won", _("Won"), "int"),
        ReportColumn("lost", _("Lost"), "int"),
        ReportColumn("win_rate", _("Win rate"), "percent"),
    ]
    return _table(
        WIN_RATE_TITLE,
        columns,
        rows,
        ChartSpec("barh", "salesperson", ("win_rate",)),
        drills,
        ("", _("Total"), won, lost, _ratio(won, won + lost)),
        _("Win rate = won ÷ (won + lost); open opportunities do not count."),
    )


# --- receivables ---------------------------------------------------------------------------------

RECEIVABLE_FILTERS = ("region_id", "salesperson_id")
RECEIVABLES_BY_CUSTOMER = N_("Receivables by customer")
RECEIVABLES_BY_SALESPERSON = N_("Receivables by salesperson")
AGING_TITLE = N_("Aging of receivables")


@dataclass(frozen=True)
class OwingOrder:
    """A receivable order that still owes money, with its due pieces (due date, amount)."""

    order_id: int
    customer_id: int
    customer_name: str
    salesperson_id: int
    salesperson_code: str
    salesperson_name: str
    pieces: tuple[tuple[date, Decimal], ...]

    @property
    def owed(self) -> Decimal:
        return sum((amount for _due, amount in self.pieces), ZERO)

    def in_bucket(self, day: date, bucket: int) -> Decimal:
        return sum(
            (a for due, a in self.pieces if receipts.bucket_of((day - due).days) == bucket), ZERO
        )


def owing_orders(
    session: Session,
    operator: Operator,
    day: date,
    *,
    region_id: int | None = None,
    salesperson_id: int | None = None,
    customer_id: int | None = None,
) -> list[OwingOrder]:
    """The orders in the operator's scope that owe money on `day`, in one query (the order with
    its live receipts' total, outer-joined to its payment plan rows), split into due pieces the
    way `receipts.aging` does. Also what a receivables drill-down lists."""
    received = received_per_order()
    where = [
        *receipts._receivable(),
        record_scope(session, operator, SalesOrder.salesperson_id, SalesOrder.customer_id),
    ]
    for column, value in (
        (Customer.region_id, region_id),
        (SalesOrder.salesperson_id, salesperson_id),
        (SalesOrder.customer_id, customer_id),
    ):
        if value is not None:
            where.append(column == value)
    query = (
        select(
            SalesOrder.id,
            SalesOrder.order_date,
            SalesOrder.total,
            SalesOrder.status,
            received.c.received,
            Customer.id,
            Customer.name,
            Operator.id,
            Operator.code,
            Operator.name,
            PaymentPlan.id,
            PaymentPlan.seq,
            PaymentPlan.due_on,
            PaymentPlan.amount,
        )
        .outerjoin(received, received.c.order_id == SalesOrder.id)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .join(Operator, Operator.id == SalesOrder.salesperson_id)
        .outerjoin(PaymentPlan, PaymentPlan.order_id == SalesOrder.id)
        .where(*where)
    )
    heads: dict[int, tuple[Any, ...]] = {}
    plans: dict[int, list[Any]] = defaultdict(list)
    for row in session.execute(query):
        heads[row[0]] = tuple(row[:10])
        if row[10] is not None:
            plans[row[0]].append(receipts._PlanRow(*row[10:]))
    found = []
    for order_id, (_id, order_date, total, status, paid, *who) in heads.items():
        owed = outstanding(total, paid, status)
        if owed <= 0:
            continue
        pieces = receipts._owed_pieces(order_date, owed, plans[order_id], paid or ZERO, day)
        found.append(OwingOrder(order_id, *who, tuple(pieces)))
    return found


def _owing(db: Database, actor: Actor, params: ReportParams) -> tuple[date, list[OwingOrder]]:
    day = local_today(db.clock)
    with db.read() as session:
        operator = require(session, actor, "statistics.view")
        found = owing_orders(
            session,
            operator,
            day,
            region_id=params.region_id,
            salesperson_id=params.salesperson_id,
        )
    return day, found


def _overdue(order: OwingOrder, day: date) -> Decimal:
    return order.owed - order.in_bucket(day, 0)


RECEIVABLES_NOTE = N_(
    "What orders still owe today (orders neither archived nor cancelled); overdue is past the "
    "due date of the payment plan, else the order date."
)


def _receivables_by(
    db: Database, actor: Actor, params: ReportParams, *, by_customer: bool
) -> ReportTable:
    day, found = _owing(db, actor, params)
    groups: dict[int, list[OwingOrder]] = defaultdict(list)
    for order in found:
        groups[order.customer_id if by_customer else order.salesperson_id].append(order)
    key_name = "customer_id" if by_customer else "salesperson_id"
    base = {**_filters(params, *RECEIVABLE_FILTERS), "outstanding": True}
    found_rows = []  # (sort key: largest first, then by name; row; drill)
    for key, orders in groups.items():
        first = orders[0]
        name = (
            (first.customer_name,)
            if by_customer
            else (first.salesperson_code, first.salesperson_name)
        )
        owed = sum((o.owed for o in orders), ZERO)
        overdue = sum((_overdue(o, day) for o in orders), ZERO)
        row = (*name, len(orders), owed, overdue)
        found_rows.append(((-owed, name[-1], key), row, Drill("orders", {**base, key_name: key})))
    found_rows.sort(key=lambda item: item[0])
    rows = [row for _key, row, _drill in found_rows]
    drills: list[Drill | None] = [drill for _key, _row, drill in found_rows]
    width = len(rows[0]) if rows else 3
    sums = (
        sum(row[width - 3] for row in rows),
        money_total(rows, width - 2),
        money_total(rows, width - 1),
    )
    money = [
        ReportColumn("orders", _("Orders owing"), "int"),
        ReportColumn("outstanding", _("Outstanding"), "money"),
        ReportColumn("overdue", _("Overdue"), "money"),
    ]
    if by_customer:
        columns = [ReportColumn("customer", _("Customer"), "text"), *money]
        title, category, totals = RECEIVABLES_BY_CUSTOMER, "customer", (_("Total"), *sums)
    else:
        columns = [
            ReportColumn("salesperson_code", _("Salesperson code"), "text"),
            ReportColumn("salesperson", _("Salesperson"), "text"),
            *money,
        ]
        title, category = RECEIVABLES_BY_SALESPERSON, "salesperson"
        totals = ("", _("Total"), *sums)
    chart = ChartSpec("barh", category, ("outstanding",))
    return _table(title, columns, rows, chart, drills, totals, _(RECEIVABLES_NOTE))


def receivables_by_customer(db: Database, actor: Actor, params: ReportParams) -> ReportTable:
    """Outstanding and overdue per customer, largest first (the aging view's totals)."""
    return _receivables_by(db, actor, params, by_customer=True)


def receivables_by_salesperson(db: Database, actor: Actor, params: ReportParams) -> ReportTable:
    """Outstanding and overdue per order salesperson, largest first."""
    return _receivables_by(db, actor, params, by_customer=False)


def aging_buckets(db: Database, actor: Actor, params: ReportParams) -> ReportTable:
    """What is owed by how long it is past due: not due, 1–30, 31–60, 61–90, over 90 days."""
    day, found = _owing(db, actor, params)
    base = _filters(params, *RECEIVABLE_FILTERS)
    rows, drills = [], []
    for bucket, label in enumerate(BUCKET_LABELS):
        amounts = [order.in_bucket(day, bucket) for order in found]
        rows.append((_(label), sum(1 for a in amounts if a), sum(amounts, ZERO)))
        drills.append(Drill("orders", {**base, "outstanding": True, "aging_bucket": bucket}))
    if not found:
        rows = []
    columns = [
        ReportColumn("bucket", _("Days past due"), "text"),
        ReportColumn("orders", _("Orders"), "int"),
        ReportColumn("amount", _("Outstanding"), "money"),
    ]
    totals = (_("Total"), len(found), money_total(rows, 2))
    chart = ChartSpec("bar", "bucket", ("amount",))
    note = _(RECEIVABLES_NOTE) + " " + _("An order paid by instalments may count in several rows.")
    return _table(AGING_TITLE, columns, rows, chart, drills, totals, note)


RECEIVED_TITLE = N_("Received per month")


def _months(first: str, last: str) -> Iterator[str]:
    """Month keys (2026-03) from `first` to `last`, both included."""
    year, month = int(first[:4]), int(first[5:7])
    while f"{year:04d}-{month:02d}" <= last:
        yield f"{year:04d}-{month:02d}"
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _month_bounds(key: str, params: ReportParams) -> tuple[date, date]:
    """The month's first and last day, within the report's date range."""
    first = date(int(key[:4]), int(key[5:7]), 1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    if params.date_from and params.date_from > first:
        first = params.date_from
    if params.date_to and params.date_to < last:
        last = params.date_to
    return first, last


def received_monthly(db: Database, actor: Actor, params: ReportParams) -> ReportTable:
    """Money received (live receipts) per month of the receipt date; months without receipts
    inside the range show 0, so the line does not skip them."""
    with db.read() as session:
        operator = require(session, actor, "statistics.view")
        month = period_key(session, Receipt.received_on, "month")
        query = (
            select(month, func.count(Receipt.id), func.sum(Receipt.amount))
            .join(Customer, Customer.id == Receipt.customer_id)
            .where(
                Receipt.archived.is_(False),
                record_scope(session, operator, Receipt.handler_id, Receipt.customer_id),
                *date_range(Receipt.received_on, params.date_from, params.date_to),
                *_region(params),
            )
            .group_by(month)
        )
        found = {key: (count, amount) for key, count, amount in session.execute(query)}
    rows, drills = [], []
    if found:
        first = min(min(found), f"{params.date_from:%Y-%m}" if params.date_from else "9999")
        last = max(max(found), f"{params.date_to:%Y-%m}" if params.date_to else "0000")
        base = _filters(params, "region_id")
        for key in _months(first, last):
            count, amount = found.get(key, (0, ZERO))
            rows.append((key, count, amount))
            day_from, day_to = _month_bounds(key, params)
            drills.append(Drill("receipts", {**base, "date_from": day_from, "date_to": day_to}))
    columns = [
        ReportColumn("month", _("Month"), "month"),
        ReportColumn("receipts", _("Receipts"), "int"),
        ReportColumn("amount", _("Received"), "money"),
    ]
    totals = (_("Total"), sum(r[1] for r in rows), money_total(rows, 2))
    note = _("Receipts that are not void, by the date the money was received.")
    return _table(
        RECEIVED_TITLE, columns, rows, ChartSpec("line", "month", ("amount",)), drills, totals, note
    )


# --- follow-ups ----------------------------------------------------------------------------------

ACTIVITY_TITLE = N_("Follow-up activity")
IDLE_TITLE = N_("Customers without follow-up")


def activity_range(params: ReportParams, today: date) -> tuple[date, date, bool]:
    """The local days the activity table covers and whether it counts per day (else per week).

    Without dates: the last four weeks up to today. Up to 31 days: per day; longer: per week.
    """
    last = params.date_to or (today if params.date_from is None else max(today, params.date_from))
    first = params.date_from or last - timedelta(days=ACTIVITY_DEFAULT_DAYS - 1)
    return first, last, (last - first).days < ACTIVITY_DAILY_UP_TO


def _periods(first: date, last: date, daily: bool) -> list[date]:
    """The first day of each period (a day, or the Monday of a week) from `first` to `last`."""
    start = first if daily else first - timedelta(days=first.weekday())
    step = timedelta(days=1 if daily else 7)
    periods = []
    while start <= last:
        periods.append(start)
        start += step
    return periods


def followup_activity(db: Database, actor: Actor, params: ReportParams) -> ReportTable:
    """Follow-ups per operator and local day (or week), a heat table: one row per person who
    recorded any, one column per day or week, and the total."""
    first, last, daily = activity_range(params, local_today(db.clock))
    with db.read() as session:
        operator = require(session, actor, "statistics.view")
        query = select(FollowUp.operator_id, FollowUp.happened_at).where(
            owner_scope(session, operator, FollowUp.operator_id),
            FollowUp.archived.is_(False),  # none is, today; the drill-down leaves them out too
            *_in_days(FollowUp.happened_at, first, last),
            *_person(FollowUp.operator_id, params),
        )
        counts = Counter(
            (operator_id, as_local_date(happened_at))
            for operator_id, happened_at in session.execute(query)
        )
        people = {op for op, _day in counts}
        names = dict(
            session.execute(select(Operator.id, Operator.name).where(Operator.id.in_(people))).all()
        )
    periods = _periods(first, last, daily)
    keys = [f"p{start.isoformat()}" for start in periods]

    def period_of(day: date) -> int:
        return (day - periods[0]).days // (1 if daily else 7)

    per_person: dict[int, list[int]] = {op: [0] * len(periods) for op in people}
    for (op, day), count in counts.items():
        per_person[op][period_of(day)] += count
    ordered = sorted(people, key=lambda op: (-sum(per_person[op]), names[op], op))
    rows = [(names[op], *per_person[op], sum(per_person[op])) for op in ordered]
    drills = [
        Drill("followups", {"operator_id": op, "date_from": first, "date_to": last})
        for op in ordered
    ]
    columns = [
        ReportColumn("salesperson", _("Salesperson"), "text"),
        *(ReportColumn(k, f"{s:%m-%d}", "int") for k, s in zip(keys, periods, strict=True)),
        ReportColumn("total", _("Total"), "int"),
    ]
    totals = (_("Total"), *(sum(r[i] for r in rows) for i in range(1, len(keys) + 2)))
    note = (
        _("Follow-ups per day, {first} to {last}.")
        if daily
        else _(
            "Follow-ups per week (a column is the week starting that Monday), {first} to {last}."
        )
    )
    note = note.format(first=first.isoformat(), last=last.isoformat())
    chart = ChartSpec("heat", "salesperson", tuple(keys))
    return _table(ACTIVITY_TITLE, columns, rows, chart, drills, totals, note)


def customers_without_followup(db: Database, actor: Actor, params: ReportParams) -> ReportTable:
    """Owned customers nobody has followed up for at least `idle_days` days, longest first.

    Idle since the last follow-up, or since the owner got the customer (created, claimed,
    transferred) if that is later: the pool rule's definition (`pool._candidate`).
    """
    today = local_today(db.clock)
    idle_days = max(params.idle_days, 0)
    # Idle ≥ N days ⇔ every moment falls before the start of local day (today − N + 1).
    cutoff = local_day_bounds(today - timedelta(days=idle_days - 1), today)[0]
    with db.read() as session:
        operator = require(session, actor, "statistics.view")
        query = (
            select(
                Customer.id,
                Customer.name,
                Operator.name,
                Customer.last_followup_at,
                Customer.owned_since,
                Customer.created_at,
            )
            .join(Operator, Operator.id == Customer.owner_id)
            .where(
                Customer.archived.is_(False),
                Customer.pool_status == PoolStatus.PRIVATE,
                owner_scope(session, operator, Customer.owner_id),
                *(
                    _before(column, cutoff)
                    for column in (
                        Customer.last_followup_at,
                        Customer.owned_since,
                        Customer.created_at,
                    )
                ),
                *_region(params),
                *_person(Customer.owner_id, params),
            )
        )
        found = list(session.execute(query))
    rows, drills = [], []
    for customer_id, name, owner, last_at, owned_since, created_at in found:
        since = _since(last_at, owned_since, created_at) or today
        last_day = as_local_date(last_at) if last_at else None
        rows.append((name, owner, last_day, (today - since).days))
        drills.append(Drill("customers", {"customer_id": customer_id}))
    order = sorted(range(len(rows)), key=lambda i: (-rows[i][3], rows[i][0]))
    rows, drills = [rows[i] for i in order], [drills[i] for i in order]
    columns = [
        ReportColumn("customer", _("Customer"), "text"),
        ReportColumn("owner", _("Owner"), "text"),
        ReportColumn("last_followup", _("Last follow-up"), "date"),
        ReportColumn("days", _("Days without follow-up"), "days"),
    ]
    note = _(
        "Owned customers without a follow-up for at least {days} days, counted from the last "
        "follow-up or from when the owner got the customer, whichever is later."
    ).format(days=idle_days)
    return _table(IDLE_TITLE, columns, rows, ChartSpec("none"), drills, None, note)


def _before(column: Any, cutoff: datetime) -> ColumnElement[bool]:
    return column.is_(None) | (column < cutoff)


# --- service -------------------------------------------------------------------------------------

SERVICE_FILTERS = ("date_from", "date_to", "region_id")


def _service_where(
    session: Session, operator: Operator, params: ReportParams
) -> list[ColumnElement[bool]]:
    return [
        record_scope(session, operator, ServiceRecord.handler_id, ServiceRecord.customer_id),
        *_in_days(ServiceRecord.accepted_at, params.date_from, params.date_to),
        *_region(params),
    ]


SERVICE_NOTE = N_("Service records accepted in the period (local days).")


def _service_counts(
    db: Database,
    actor: Actor,
    params: ReportParams,
    key: Sequence[Any],
    join: tuple[Any, Any] | None = None,
) -> list[tuple[Any, ...]]:
    """(key columns..., count) of the service records in scope, grouped by `key`."""
    with db.read() as session:
        operator = require(session, actor, "statistics.view")
        query = select(*key, func.count(ServiceRecord.id)).join(
            Customer, Customer.id == ServiceRecord.customer_id
        )
        if join is not None:
            query = query.outerjoin(*join)
        query = query.where(*_service_where(session, operator, params)).group_by(*key)
        return [tuple(row) for row in session.execute(query)]


def _count_table(
    title: str,
    first: ReportColumn,
    rows: list[tuple[Any, ...]],
    drills: list[Drill | None],
    chart: ChartKind,
) -> ReportTable:
    columns = [first, ReportColumn("count", _("Records"), "int")]
    totals = (_("Total"), sum(r[1] for r in rows))
    spec = ChartSpec(chart, first.key, ("count",))
    return _table(title, columns, rows, spec, drills, totals, _(SERVICE_NOTE))


BY_STATUS_TITLE = N_("Service records by status")
BY_CATEGORY_TITLE = N_("Service records by category")
BY_HANDLER_TITLE = N_("Service records by handler")
RESOLVE_TITLE = N_("Time to resolve service records")


def service_by_status(db: Database, actor: Actor, params: ReportParams) -> ReportTable:
    counts = dict(_service_counts(db, actor, params, (ServiceRecord.status,)))
    base = _filters(params, *SERVICE_FILTERS)
    shown = [s for s in SERVICE_ORDER if s in counts] + sorted(set(counts) - set(SERVICE_ORDER))
    rows = [(_(SERVICE_STATUS_LABELS.get(s, s)), counts[s]) for s in shown]
    drills: list[Drill | None] = [Drill("service", {**base, "status": s}) for s in shown]
    column = ReportColumn("status", _("Status"), "text")
    return _count_table(BY_STATUS_TITLE, column, rows, drills, "pie")


def service_by_category(db: Database, actor: Actor, params: ReportParams) -> ReportTable:
    key = (ServiceRecord.category_id, BaseDataItem.name, BaseDataItem.sort_order)
    join = (BaseDataItem, BaseDataItem.id == ServiceRecord.category_id)
    found = _service_counts(db, actor, params, key, join)
    # The firm's order of the categories; records without one last.
    found.sort(key=lambda r: (r[0] is None, r[2] or 0, _label(r[1]), r[0] or 0))
    base = _filters(params, *SERVICE_FILTERS)
    rows = [(_label(name), count) for _id, name, _order, count in found]
    drills: list[Drill | None] = [Drill("service", {**base, "category_id": r[0]}) for r in found]
    chart: ChartKind = "pie" if len(rows) <= MAX_PIE_PARTS else "bar"
    column = ReportColumn("category", _("Category"), "text")
    return _count_table(BY_CATEGORY_TITLE, column, rows, drills, chart)


def service_by_handler(db: Database, actor: Actor, params: ReportParams) -> ReportTable:
    key = (ServiceRecord.handler_id, Operator.name)
    join = (Operator, Operator.id == ServiceRecord.handler_id)
    found = sorted(_service_counts(db, actor, params, key, join), key=lambda r: (-r[2], r[1], r[0]))
    base = _filters(params, *SERVICE_FILTERS)
    rows = [(name, count) for _id, name, count in found]
    drills: list[Drill | None] = [Drill("service", {**base, "handler_id": r[0]}) for r in found]
    column = ReportColumn("handler", _(NC_("service", "Handler")), "text")
    return _count_table(BY_HANDLER_TITLE, column, rows, drills, "bar")


def _hours(total: timedelta, count: int) -> Decimal:
    """The average of `count` durations in hours, to 0.1 h, from whole microseconds (no float)."""
    micro = (total.days * 86_400 + total.seconds) * 1_000_000 + total.microseconds
    return (Decimal(micro) / (Decimal(count) * 3_600_000_000)).quantize(
        Decimal("0.1"), ROUND_HALF_UP
    )


CategoryHandler = tuple[int | None, str | None, int | None, int, str]
"""A service row's key: category id, name and sort order, handler id and name."""


def category_handler_rows(
    db: Database, actor: Actor, params: ReportParams, figures: Sequence[Any], *extra: Any
) -> list[Any]:
    """(category id, name, order, handler id, name, *figures) of the service records in scope
    and period, narrowed by `extra` conditions: the rows of every per category and handler
    service analysis (resolve time here, complaints and satisfaction in service_analyses)."""
    with db.read() as session:
        operator = require(session, actor, "statistics.view")
        query = (
            select(
                ServiceRecord.category_id,
                BaseDataItem.name,
                BaseDataItem.sort_order,
                ServiceRecord.handler_id,
                Operator.name,
                *figures,
            )
            .join(Customer, Customer.id == ServiceRecord.customer_id)
            .join(Operator, Operator.id == ServiceRecord.handler_id)
            .outerjoin(BaseDataItem, BaseDataItem.id == ServiceRecord.category_id)
            .where(*extra, *_service_where(session, operator, params))
        )
        return list(session.execute(query))


def in_category_handler_order(keys: Iterable[Any]) -> list[Any]:
    """`CategoryHandler` keys in the firm's category order (none last), then by handler name."""
    return sorted(
        keys, key=lambda k: (k[0] is None, k[2] or 0, _label(k[1]), k[0] or 0, k[4], k[3])
    )


def category_handler_columns() -> list[ReportColumn]:
    """The two key columns of a per category and handler service table."""
    return [
        ReportColumn("category", _("Category"), "text"),
        ReportColumn("handler", _(NC_("service", "Handler")), "text"),
    ]


def service_resolve_time(db: Database, actor: Actor, params: ReportParams) -> ReportTable:
    """Resolved and closed records per category and handler, with the average hours from
    accepted to resolved (the durations are summed in Python: SQLite and PostgreSQL subtract
    times differently)."""
    found = category_handler_rows(
        db,
        actor,
        params,
        (ServiceRecord.accepted_at, ServiceRecord.resolved_at),
        ServiceRecord.status.in_(DONE_STATUSES),
        ServiceRecord.resolved_at.is_not(None),
    )
    groups: dict[tuple[Any, ...], list[timedelta]] = defaultdict(list)
    for category_id, category, order, handler_id, handler, accepted, resolved in found:
        groups[(category_id, category, order, handler_id, handler)].append(resolved - accepted)
    keys = in_category_handler_order(groups)
    base = _filters(params, *SERVICE_FILTERS)
    rows, drills = [], []
    for key in keys:
        spans = groups[key]
        rows.append(
            (_label(key[1]), key[4], len(spans), _hours(sum(spans, timedelta()), len(spans)))
        )
        filters = {
            "category_id": key[0],
            "handler_id": key[3],
            "status": DONE_STATUSES,
            "resolved": True,
        }
        drills.append(Drill("service", {**base, **filters}))
    every = [span for spans in groups.values() for span in spans]
    totals = (
        (_("Total"), "", len(every), _hours(sum(every, timedelta()), len(every))) if every else None
    )
    columns = [
        *category_handler_columns(),
        ReportColumn("resolved", _("Resolved"), "int"),
        ReportColumn("hours", _("Average hours to resolve"), "number"),
    ]
    note = _("Resolved and closed records accepted in the period; hours from accepted to resolved.")
    return _table(
        RESOLVE_TITLE, columns, rows, ChartSpec("barh", "handler", ("hours",)), drills, totals, note
    )


# --- registration --------------------------------------------------------------------------------

_DATES_REGION_PERSON: tuple[FilterName, ...] = ("date_range", "region", "salesperson")
_DATES_REGION: tuple[FilterName, ...] = ("date_range", "region")
_REGION_PERSON: tuple[FilterName, ...] = ("region", "salesperson")

for _analysis in (
    Analysis(
        "opportunity-funnel",
        FUNNEL_TITLE,
        PIPELINE,
        _DATES_REGION_PERSON,
        opportunity_funnel,
        N_("Open opportunities per stage with their expected amount, then won and lost."),
    ),
    Analysis(
        "win-rate",
        WIN_RATE_TITLE,
        PIPELINE,
        _DATES_REGION_PERSON,
        win_rate,
        N_("Won and lost opportunities per salesperson and the share won."),
    ),
    Analysis(
        "receivables-by-customer",
        RECEIVABLES_BY_CUSTOMER,
        RECEIVABLES,
        _REGION_PERSON,
        receivables_by_customer,
        N_("What each customer still owes today, and how much of it is overdue."),
    ),
    Analysis(
        "receivables-by-salesperson",
        RECEIVABLES_BY_SALESPERSON,
        RECEIVABLES,
        _REGION_PERSON,
        receivables_by_salesperson,
        N_("What each salesperson's orders still owe today, and how much of it is overdue."),
    ),
    Analysis(
        "aging-buckets",
        AGING_TITLE,
        RECEIVABLES,
        _REGION_PERSON,
        aging_buckets,
        N_("What is owed by how many days it is past due."),
    ),
    Analysis(
        "received-monthly",
        RECEIVED_TITLE,
        RECEIVABLES,
        _DATES_REGION,
        received_monthly,
        N_("Money received per month."),
    ),
    Analysis(
        "followup-activity",
        ACTIVITY_TITLE,
        FOLLOWUPS,
        ("date_range", "salesperson"),
        followup_activity,
        N_("Follow-ups per salesperson and day (per week for ranges over a month)."),
    ),
    Analysis(
        "customers-without-followup",
        IDLE_TITLE,
        FOLLOWUPS,
        ("region", "salesperson", "idle_days"),
        customers_without_followup,
        N_("Owned customers nobody has followed up for the given number of days."),
    ),
    Analysis(
        "service-by-status",
        BY_STATUS_TITLE,
        SERVICE,
        _DATES_REGION,
        service_by_status,
        N_("Service records per status."),
    ),
    Analysis(
        "service-by-category",
        BY_CATEGORY_TITLE,
        SERVICE,
        _DATES_REGION,
        service_by_category,
        N_("Service records per category."),
    ),
    Analysis(
        "service-by-handler",
        BY_HANDLER_TITLE,
        SERVICE,
        _DATES_REGION,
        service_by_handler,
        N_("Service records per handler."),
    ),
    Analysis(
        "service-resolve-time",
        RESOLVE_TITLE,
        SERVICE,
        _DATES_REGION,
        service_resolve_time,
        N_("Average hours from accepting a service record to resolving it."),
    ),
):
    register(_analysis)
