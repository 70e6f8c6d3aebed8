"""Drill-down: the records behind one figure of an analysis, as a plain `ReportTable`.

An analysis gives each row a `Drill` (a kind of record and the filters that select exactly the
records it summed). `drill_rows` lists those records under the same permission and data scope as
the analysis, so a salesperson double-clicking a bar sees their own orders only, and the money
column of the listing adds up to the figure that was clicked.

Filter conventions (every analysis builds its drills this way):
- a key that is absent does not limit; a key present with the value None means "empty" (the
  "(none)" row: `{"region_id": None}` lists customers without a region); a list, tuple or set
  means "one of these";
- `date_from` / `date_to` are inclusive calendar dates of the kind's own date (an order's date, a
  receipt's date, the local day a customer was created, a service request accepted, a follow-up
  happened, an opportunity created);
- `customer_id`, `region_id`, `type_id`, `source_id`, `industry_id` are the customer's;
- `salesperson_id` is the person a record belongs to: an order's salesperson, a customer's or an
  opportunity's owner, a receipt's or a service record's handler, a follow-up's operator
  (`owner_id`, `handler_id` and `operator_id` mean the same);
- orders and order lines count as sales (confirmed, delivered, closed; archived ones included)
  unless `status` says otherwise; an order's amount is the sum of its lines (before tax), only of
  the lines of `product_id` when that is given; `outstanding: True` lists the orders that still
  owe (not archived, not cancelled) with what they owe as the amount;
  with `aging_bucket` (0 not due, 1: 1-30, 2: 31-60, 3: 61-90, 4: over 90 days past due) as
  well, the amount is the part of what each order owes that falls in that bucket today;
- archived customers, follow-ups and (void) receipts never count.

An unknown filter is a programming error (ValueError): a drill that silently ignored a filter
would list more than its figure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, type_coerce
from sqlalchemy.orm import Session, aliased

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
    OrderLine,
    Receipt,
    SalesOrder,
    ServiceRecord,
)
from crm_desktop.core.models.types import Money
from crm_desktop.core.reports.tables import (
    SALES_STATUSES,
    ChartSpec,
    ColumnKind,
    Drill,
    ReportColumn,
    ReportTable,
    money_total,
)
from crm_desktop.core.services.access import owner_scope, record_scope, require
from crm_desktop.core.services.balances import received_per_order
from crm_desktop.core.services.followups import METHOD_LABELS
from crm_desktop.core.services.opportunities import OPPORTUNITY_STATUS_LABELS
from crm_desktop.core.services.receipts import _receivable
from crm_desktop.core.services.sales_common import status_label
from crm_desktop.core.services.service_records import SERVICE_KIND_LABELS, SERVICE_STATUS_LABELS

DEFAULT_LIMIT = 2000
PERSON_KEYS = ("salesperson_id", "owner_id", "handler_id", "operator_id")
CUSTOMER_KEYS = {
    "customer_id": Customer.id,
    "region_id": Customer.region_id,
    "type_id": Customer.type_id,
    "source_id": Customer.source_id,
    "industry_id": Customer.industry_id,
}


# --- filters -------------------------------------------------------------------------------------


def _equals(column: Any, value: Any) -> ColumnElement[bool]:
    if value is None:
        return column.is_(None)
    if isinstance(value, list | tuple | set | frozenset):
        return column.in_(list(value))
    return column == value


class _Filters:
    """A drill's filters as WHERE clauses, remembering which were used (the rest are errors)."""

    def __init__(self, kind: str, values: Mapping[str, Any]) -> None:
        self.kind = kind
        self.values = dict(values)
        self.used: set[str] = set()

    def has(self, key: str) -> bool:
        return key in self.values

    def flag(self, key: str) -> Any:
        self.used.add(key)
        return self.values.get(key)

    def equal(self, column: Any, *keys: str) -> list[ColumnElement[bool]]:
        """`column` matches each of `keys` that is given (aliases of one another)."""
        given = [key for key in keys if key in self.values]
        self.used.update(given)
        return [_equals(column, self.values[key]) for key in given]

    def customer(self) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        for key, column in CUSTOMER_KEYS.items():
            where += self.equal(column, key)
        return where

    def days(self, column: Any, *, local: bool) -> list[ColumnElement[bool]]:
        """Inclusive calendar days; for a stored time, the local days as a UTC time range."""
        first, last = self.flag("date_from"), self.flag("date_to")
        where: list[ColumnElement[bool]] = []
        if first is not None:
            where.append(column >= (local_day_bounds(first, first)[0] if local else first))
        if last is not None:
            where.append(column < local_day_bounds(last, last)[1] if local else column <= last)
        return where

    def check(self) -> None:
        unknown = sorted(set(self.values) - self.used)
        if unknown:
            raise ValueError(f"a {self.kind!r} drill does not understand {unknown}")


# --- columns -------------------------------------------------------------------------------------


def _same(value: Any) -> Any:
    return value


def _name(value: str | None) -> str:
    return translated(value) if value else ""


def _local_date(value: datetime | None) -> date | None:
    return as_local_date(value) if value is not None else None


def _label(labels: Mapping[str, str]) -> Callable[[str | None], str]:
    return lambda code: _(labels[code]) if code in labels else (code or "")


@dataclass(frozen=True)
class _Col:
    key: str
    label: str  # marked with N_
    kind: ColumnKind
    expr: Any
    show: Callable[[Any], Any] = _same


@dataclass
class _Listing:
    title: str  # marked with N_
    columns: list[_Col]
    query: Select[Any]  # selects the columns' expressions, filtered and ordered
    # Rows the query cannot give alone (an aging bucket's share of each order): every raw row
    # goes through this first, and the cap and totals are applied afterwards.
    finish: Callable[[list[Any]], list[tuple[Any, ...]]] | None = None


def _base(model: Any, columns: list[_Col]) -> Select[Any]:
    return select(*(column.expr for column in columns)).select_from(model)


def _customer_join(query: Select[Any], customer_id: Any) -> Select[Any]:
    return query.join(Customer, Customer.id == customer_id)


# --- kinds ---------------------------------------------------------------------------------------


def _orders(session: Session, operator: Operator, f: _Filters, today: date) -> _Listing:
    person = aliased(Operator)
    columns = [
        _Col("number", N_("Number"), "text", SalesOrder.number),
        _Col("order_date", N_("Date"), "date", SalesOrder.order_date),
        _Col("customer", N_("Customer"), "text", Customer.name),
        _Col("salesperson", N_("Salesperson"), "text", person.name),
        _Col("status", N_("Status"), "text", SalesOrder.status, status_label),
    ]
    where = _order_where(session, operator, f)
    bucket = f.flag("aging_bucket")
    if f.flag("outstanding"):
        if f.has("product_id"):
            raise ValueError("an outstanding-orders drill cannot be limited to a product")
        listing = _outstanding(columns, where, person)
        if bucket is not None:
            _in_bucket(listing, session, operator, today, int(bucket))
        return listing
    if bucket is not None:
        raise ValueError("aging_bucket needs outstanding=True")
    lines = f.equal(OrderLine.product_id, "product_id")
    columns.append(_Col("amount", N_("Amount"), "money", func.sum(OrderLine.amount)))
    query = (
        _base(SalesOrder, columns)
        .join(OrderLine, OrderLine.order_id == SalesOrder.id)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .join(person, person.id == SalesOrder.salesperson_id)
        .where(*where, *lines)
        .group_by(SalesOrder.id, Customer.name, person.name)
        .order_by(SalesOrder.order_date, SalesOrder.number)
    )
    return _Listing(N_("Sales orders"), columns, query)


def _order_where(session: Session, operator: Operator, f: _Filters) -> list[ColumnElement[bool]]:
    where = [record_scope(session, operator, SalesOrder.salesperson_id, SalesOrder.customer_id)]
    if f.has("status"):
        where += f.equal(SalesOrder.status, "status")
    elif not f.values.get("outstanding"):
        where.append(SalesOrder.status.in_(SALES_STATUSES))
    where += f.equal(SalesOrder.salesperson_id, *PERSON_KEYS)
    where += f.days(SalesOrder.order_date, local=False)
    return where + f.customer()


def _outstanding(columns: list[_Col], where: list[Any], person: Any) -> _Listing:
    """Orders that still owe, with what they owe (the same rule as receivables and aging)."""
    received = received_per_order()
    paid = func.coalesce(received.c.received, 0)
    owed = type_coerce(SalesOrder.total - paid, Money)
    columns += [
        _Col("total", N_("Total"), "money", SalesOrder.total),
        _Col("received", N_("Received"), "money", type_coerce(paid, Money)),
        _Col("amount", N_("Outstanding"), "money", owed),
    ]
    query = (
        _base(SalesOrder, columns)
        .outerjoin(received, received.c.order_id == SalesOrder.id)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .join(person, person.id == SalesOrder.salesperson_id)
        .where(*where, *_receivable(), SalesOrder.total - paid > 0)
        .order_by(SalesOrder.order_date, SalesOrder.number)
    )
    return _Listing(N_("Orders with amounts outstanding"), columns, query)


def _in_bucket(
    listing: _Listing, session: Session, operator: Operator, today: date, bucket: int
) -> None:
    """Each owing order with its share in one aging bucket (the aging analysis's own split of
    what an order owes by due date), leaving out orders with nothing in it."""
    from crm_desktop.core.reports.pipeline_analyses import owing_orders

    shares = {
        order.order_id: order.in_bucket(today, bucket)
        for order in owing_orders(session, operator, today)
    }
    listing.query = listing.query.add_columns(SalesOrder.id)
    listing.finish = lambda rows: [
        (*row[:-2], shares[row[-1]]) for row in rows if shares.get(row[-1])
    ]


def _order_lines(session: Session, operator: Operator, f: _Filters, today: date) -> _Listing:
    person = aliased(Operator)
    columns = [
        _Col("number", N_("Number"), "text", SalesOrder.number),
        _Col("order_date", N_("Date"), "date", SalesOrder.order_date),
        _Col("customer", N_("Customer"), "text", Customer.name),
        _Col("salesperson", N_("Salesperson"), "text", person.name),
        _Col("product_code", N_("Product code"), "text", OrderLine.product_code),
        _Col("product", N_("Product"), "text", OrderLine.product_name),
        _Col("quantity", N_("Quantity"), "int", OrderLine.quantity),
        _Col("amount", N_("Amount"), "money", OrderLine.amount),
    ]
    if f.flag("outstanding"):
        raise ValueError("outstanding amounts are per order, not per line")
    where = _order_where(session, operator, f)
    query = (
        _base(OrderLine, columns)
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .join(person, person.id == SalesOrder.salesperson_id)
        .where(*where, *f.equal(OrderLine.product_id, "product_id"))
        .order_by(SalesOrder.order_date, SalesOrder.number, OrderLine.line_no)
    )
    return _Listing(N_("Order lines"), columns, query)


def _customers(session: Session, operator: Operator, f: _Filters, today: date) -> _Listing:
    region, kind, owner = aliased(BaseDataItem), aliased(BaseDataItem), aliased(Operator)
    columns = [
        _Col("code", N_("Code"), "text", Customer.code),
        _Col("name", N_("Customer"), "text", Customer.name),
        _Col("region", N_("Region"), "text", region.name, _name),
        _Col("type", N_("Type"), "text", kind.name, _name),
        _Col("owner", N_("Owner"), "text", owner.name),
        _Col("last_followup", N_("Last follow-up"), "date", Customer.last_followup_at, _local_date),
        _Col("created", N_("Created"), "date", Customer.created_at, _local_date),
    ]
    where = [owner_scope(session, operator, Customer.owner_id), Customer.archived.is_(False)]
    where += f.equal(Customer.owner_id, *PERSON_KEYS)
    where += f.days(Customer.created_at, local=True)
    idle_days = f.flag("idle_days")
    if idle_days is not None:
        since = local_day_bounds(today - timedelta(days=int(idle_days)), today)[0]
        where.append(Customer.last_followup_at.is_(None) | (Customer.last_followup_at < since))
    query = (
        _base(Customer, columns)
        .outerjoin(region, region.id == Customer.region_id)
        .outerjoin(kind, kind.id == Customer.type_id)
        .outerjoin(owner, owner.id == Customer.owner_id)
        .where(*where, *f.customer())
        .order_by(Customer.sort_name, Customer.id)
    )
    return _Listing(N_("Customers"), columns, query)


def _receipts(session: Session, operator: Operator, f: _Filters, today: date) -> _Listing:
    handler, method = aliased(Operator), aliased(BaseDataItem)
    columns = [
        _Col("number", N_("Number"), "text", Receipt.number),
        _Col("received_on", N_("Date"), "date", Receipt.received_on),
        _Col("customer", N_("Customer"), "text", Customer.name),
        _Col("handler", N_("Handled by"), "text", handler.name),
        _Col("method", N_("Payment method"), "text", method.name, _name),
        _Col("amount", N_("Amount"), "money", Receipt.amount),
    ]
    where = [
        record_scope(session, operator, Receipt.handler_id, Receipt.customer_id),
        Receipt.archived.is_(False),
        *f.equal(Receipt.handler_id, *PERSON_KEYS),
        *f.equal(Receipt.payment_method_id, "payment_method_id"),
        *f.days(Receipt.received_on, local=False),
    ]
    query = (
        _customer_join(_base(Receipt, columns), Receipt.customer_id)
        .join(handler, handler.id == Receipt.handler_id)
        .outerjoin(method, method.id == Receipt.payment_method_id)
        .where(*where, *f.customer())
        .order_by(Receipt.received_on, Receipt.number)
    )
    return _Listing(N_("Receipts"), columns, query)


def _service(session: Session, operator: Operator, f: _Filters, today: date) -> _Listing:
    handler, category = aliased(Operator), aliased(BaseDataItem)
    columns = [
        _Col("accepted", N_("Accepted at"), "date", ServiceRecord.accepted_at, _local_date),
        _Col("subject", N_("Subject"), "text", ServiceRecord.subject),
        _Col("customer", N_("Customer"), "text", Customer.name),
        _Col("kind", N_("Kind"), "text", ServiceRecord.kind, _label(SERVICE_KIND_LABELS)),
        _Col("category", N_("Category"), "text", category.name, _name),
        _Col("handler", NC_("service", "Handler"), "text", handler.name),
        _Col("status", N_("Status"), "text", ServiceRecord.status, _label(SERVICE_STATUS_LABELS)),
        _Col("resolved", N_("Resolved at"), "date", ServiceRecord.resolved_at, _local_date),
    ]
    where = [
        record_scope(session, operator, ServiceRecord.handler_id, ServiceRecord.customer_id),
        *f.equal(ServiceRecord.handler_id, *PERSON_KEYS),
        *f.equal(ServiceRecord.status, "status"),
        *f.equal(ServiceRecord.category_id, "category_id"),
        *f.equal(ServiceRecord.kind, "kind"),
        *f.days(ServiceRecord.accepted_at, local=True),
    ]
    resolved = f.flag("resolved")
    if resolved is not None:
        column = ServiceRecord.resolved_at
        where.append(column.is_not(None) if resolved else column.is_(None))
    query = (
        _customer_join(_base(ServiceRecord, columns), ServiceRecord.customer_id)
        .join(handler, handler.id == ServiceRecord.handler_id)
        .outerjoin(category, category.id == ServiceRecord.category_id)
        .where(*where, *f.customer())
        .order_by(ServiceRecord.accepted_at, ServiceRecord.id)
    )
    return _Listing(N_("Service records"), columns, query)


def _opportunities(session: Session, operator: Operator, f: _Filters, today: date) -> _Listing:
    owner, stage = aliased(Operator), aliased(BaseDataItem)
    status = _label(OPPORTUNITY_STATUS_LABELS)
    columns = [
        _Col("name", N_("Opportunity"), "text", Opportunity.name),
        _Col("customer", N_("Customer"), "text", Customer.name),
        _Col("owner", N_("Owner"), "text", owner.name),
        _Col("stage", N_("Stage"), "text", stage.name, _name),
        _Col("status", N_("Status"), "text", Opportunity.status, status),
        _Col("expected_close", N_("Expected close"), "date", Opportunity.expected_close_on),
        _Col("amount", N_("Expected amount"), "money", Opportunity.expected_amount),
    ]
    where = [
        owner_scope(session, operator, Opportunity.owner_id),
        *f.equal(Opportunity.owner_id, *PERSON_KEYS),
        *f.equal(Opportunity.stage_id, "stage_id"),
        *f.equal(Opportunity.status, "status"),
        *f.days(Opportunity.created_at, local=True),
    ]
    query = (
        _customer_join(_base(Opportunity, columns), Opportunity.customer_id)
        .join(owner, owner.id == Opportunity.owner_id)
        .outerjoin(stage, stage.id == Opportunity.stage_id)
        .where(*where, *f.customer())
        .order_by(Opportunity.expected_close_on.nulls_last(), Opportunity.id)
    )
    return _Listing(N_("Opportunities"), columns, query)


def _followups(session: Session, operator: Operator, f: _Filters, today: date) -> _Listing:
    person, category = aliased(Operator), aliased(BaseDataItem)
    columns = [
        _Col("happened", N_("Date"), "date", FollowUp.happened_at, _local_date),
        _Col("customer", N_("Customer"), "text", Customer.name),
        _Col("operator", N_("Salesperson"), "text", person.name),
        _Col("method", N_("Method"), "text", FollowUp.method, _label(METHOD_LABELS)),
        _Col("category", N_("Category"), "text", category.name, _name),
        _Col("subject", N_("Subject"), "text", FollowUp.subject),
    ]
    where = [
        owner_scope(session, operator, FollowUp.operator_id),
        FollowUp.archived.is_(False),
        *f.equal(FollowUp.operator_id, *PERSON_KEYS),
        *f.equal(FollowUp.category_id, "category_id"),
        *f.equal(FollowUp.method, "method"),
        *f.days(FollowUp.happened_at, local=True),
    ]
    query = (
        _customer_join(_base(FollowUp, columns), FollowUp.customer_id)
        .join(person, person.id == FollowUp.operator_id)
        .outerjoin(category, category.id == FollowUp.category_id)
        .where(*where, *f.customer())
        .order_by(FollowUp.happened_at, FollowUp.id)
    )
    return _Listing(N_("Follow-ups"), columns, query)


_KINDS: dict[str, Callable[[Session, Operator, _Filters, date], _Listing]] = {
    "orders": _orders,
    "order_lines": _order_lines,
    "customers": _customers,
    "receipts": _receipts,
    "service": _service,
    "opportunities": _opportunities,
    "followups": _followups,
}
DRILL_KINDS = tuple(_KINDS)


# --- the listing ---------------------------------------------------------------------------------

# A cross table's value columns are keyed "<dimension>_<id>" or "<dimension>_none" (type_12,
# region_none): one crossed category each.
_CROSS_KEY = re.compile(r"^(region|type|source|industry|product|salesperson)_(\d+|none)$")


def cell_drill(table: ReportTable, row: int, column_key: str) -> Drill | None:
    """The drill of one cell: the row's drill, narrowed to the column's category when the
    column is a crossed one (region × product: that product in that region)."""
    drill = table.drills[row] if row < len(table.drills) else None
    found = _CROSS_KEY.match(column_key)
    if drill is None or found is None:
        return drill
    dimension, key = found.groups()
    value = None if key == "none" else int(key)
    return Drill(drill.kind, {**drill.filters, f"{dimension}_id": value})


def drill_rows(db: Database, actor: Actor, drill: Drill, limit: int = DEFAULT_LIMIT) -> ReportTable:
    """The records behind one figure, at most `limit` of them (the note says when there are
    more; the totals row always covers them all, so it still equals the figure)."""
    if drill.kind not in _KINDS:
        raise ValueError(f"unknown drill kind {drill.kind!r}")
    with db.read() as session:
        operator = require(session, actor, "statistics.view")
        filters = _Filters(drill.kind, drill.filters)
        listing = _KINDS[drill.kind](session, operator, filters, local_today(db.clock))
        filters.check()
        limit = max(limit, 0)
        every = None
        if listing.finish is None:
            fetched = session.execute(listing.query.limit(limit + 1)).all()
        else:
            every = listing.finish(list(session.execute(listing.query)))
            fetched = every[: limit + 1]
        capped = len(fetched) > limit
        rows = [_shown(listing.columns, row) for row in fetched[:limit]]
        if not capped:
            count, sums = len(rows), _sums(listing.columns, rows)
        elif every is not None:
            count, sums = len(every), _sums(listing.columns, every)
        else:
            count, sums = _all_totals(session, listing)
    columns = [ReportColumn(c.key, _(c.label), c.kind) for c in listing.columns]
    note = (
        _(
            "Showing the first {shown} of {count} records; narrow the filters to see the rest."
        ).format(shown=limit, count=count)
        if capped
        else ""
    )
    return ReportTable(
        title=_(listing.title),
        columns=columns,
        rows=rows,
        chart=ChartSpec("none"),
        totals=_totals_row(listing.columns, count, sums) if rows else None,
        note=note,
    )


def _shown(columns: list[_Col], row: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(column.show(value) for column, value in zip(columns, row, strict=True))


def _money_indexes(columns: list[_Col]) -> list[int]:
    return [index for index, column in enumerate(columns) if column.kind == "money"]


def _sums(columns: list[_Col], rows: list[tuple[Any, ...]]) -> dict[int, Any]:
    return {index: money_total(rows, index) for index in _money_indexes(columns)}


def _all_totals(session: Session, listing: _Listing) -> tuple[int, dict[int, Any]]:
    """Count and money sums over every record, not only the rows shown (one more query)."""
    every = listing.query.order_by(None).subquery()
    indexes = _money_indexes(listing.columns)
    sums = [func.coalesce(func.sum(every.c[i]), Decimal("0.00")) for i in indexes]
    count, *totals = session.execute(select(func.count(), *sums).select_from(every)).one()
    return count, dict(zip(indexes, totals, strict=True))


def _totals_row(columns: list[_Col], count: int, sums: dict[int, Any]) -> tuple[Any, ...]:
    cells: list[Any] = [sums.get(index) for index in range(len(columns))]
    cells[0] = _("Total ({count})").format(count=count)
    return tuple(cells)
