"""Customer analyses: how the customer base splits by region, type, source and industry, and how
many customers were added each month.

Counted are the customers within the operator's owner scope that are not archived (an archived
customer has left the ledger); customers in the public pool count for those who see everyone.
Filters: created between two local calendar dates, the customer's region, the owner.

Also home of the small helpers the sales analyses share (labels, drill filters), so neither
module repeats them.
"""

from __future__ import annotations

from calendar import monthrange
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Date, cast, func, literal, literal_column, select, union_all
from sqlalchemy.orm import Session

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import local_day_bounds
from crm_desktop.core.db.database import Database
from crm_desktop.core.i18n import N_, _, translated
from crm_desktop.core.models import BaseDataItem, Customer, Operator, Product
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
    register,
)
from crm_desktop.core.services.access import owner_scope, require

NONE = N_("(none)")
GROUP = N_("Customers")
CUSTOMER_FILTERS: tuple[FilterName, ...] = ("date_range", "region", "salesperson")
PIE_PARTS = 6  # a pie only while the parts are few; otherwise horizontal bars


# --- shared helpers (also used by sales_analyses) ----------------------------------------------


@dataclass(frozen=True)
class Label:
    code: str
    name: str
    order: tuple[Any, ...]  # how the entry sorts in its list (base data: sort_order, code)


_LABEL_SOURCES: dict[str, Callable[[], tuple[Any, Any, Any, Any]]] = {
    "base": lambda: (
        BaseDataItem.id,
        BaseDataItem.code,
        BaseDataItem.name,
        BaseDataItem.sort_order,
    ),
    "operator": lambda: (Operator.id, Operator.code, Operator.name, literal(0)),
    "product": lambda: (Product.id, Product.code, Product.name, literal(0)),
    "customer": lambda: (Customer.id, Customer.code, Customer.name, literal(0)),
}


def none_label() -> Label:
    """What a missing region, type, product ... reads as; sorts after every real entry."""
    return Label("", _(NONE), (1,))


def labels(session: Session, **wanted: Iterable[int | None]) -> dict[str, dict[Any, Label]]:
    """Code and name of the given ids, per kind (base, operator, product, customer), read in one
    small query; None maps to "(none)". Base data names are translated (starter lists)."""
    parts = []
    for kind, ids in wanted.items():
        known = sorted({i for i in ids if i is not None})
        if known:
            key, code, name, order = _LABEL_SOURCES[kind]()
            parts.append(select(literal(kind), key, code, name, order).where(key.in_(known)))
    found: dict[str, dict[Any, Label]] = {kind: {None: none_label()} for kind in wanted}
    if parts:
        query = parts[0] if len(parts) == 1 else union_all(*parts)
        for kind, key, code, name, order in session.connection().execute(query):
            text = translated(name) if kind == "base" else name
            found[kind][key] = Label(code or "", text, (0, order, code or "", key))
    return found


def date_filters(params: ReportParams) -> dict[str, Any]:
    """The date range of the parameters as drill filters (only the ends that are set)."""
    found: dict[str, Any] = {}
    if params.date_from:
        found["date_from"] = params.date_from
    if params.date_to:
        found["date_to"] = params.date_to
    return found


def param_filters(params: ReportParams, *names: str) -> dict[str, Any]:
    """Drill filters for the set parameters among `names` (date_range, region, salesperson,
    product). A row's own dimension is added by the caller, where None means "(none)"."""
    found = date_filters(params) if "date_range" in names else {}
    for name, key in (
        ("region", "region_id"),
        ("salesperson", "salesperson_id"),
        ("product", "product_id"),
    ):
        value = getattr(params, key)
        if name in names and value is not None:
            found[key] = value
    return found


# --- the customer analyses ---------------------------------------------------------------------


def _conditions(session: Session, actor: Actor, params: ReportParams) -> list[ColumnElement[bool]]:
    """Permission, owner scope, not archived, and the filters (created dates are local days)."""
    operator = require(session, actor, "statistics.view")
    where = [owner_scope(session, operator, Customer.owner_id), Customer.archived.is_(False)]
    if params.date_from:
        where.append(Customer.created_at >= local_day_bounds(params.date_from, params.date_from)[0])
    if params.date_to:
        where.append(Customer.created_at < local_day_bounds(params.date_to, params.date_to)[1])
    if params.region_id is not None:
        where.append(Customer.region_id == params.region_id)
    if params.salesperson_id is not None:
        where.append(Customer.owner_id == params.salesperson_id)
    return where


def _customer_drill(params: ReportParams, **row: Any) -> Drill:
    """Customers behind a row (salesperson_id is the owner, dates the local creation days)."""
    return Drill("customers", {**param_filters(params, *CUSTOMER_FILTERS), **row})


def _sorted_counts(counts: dict[Any, int], names: dict[Any, Label]) -> list[tuple[Any, int]]:
    """Most customers first; equal counts in the list's own order, "(none)" last."""
    return sorted(counts.items(), key=lambda item: (-item[1], names[item[0]].order))


def _share_table(
    title: str,
    column: Any,
    filter_key: str,
    heading: str,
    chart: Callable[[int], ChartKind],
) -> Callable[[Database, Actor, ReportParams], ReportTable]:
    """An analysis counting customers by one base data column (type, region, source, industry):
    code, name, customers and their share of the whole."""

    def compute(db: Database, actor: Actor, params: ReportParams) -> ReportTable:
        with db.read() as session:
            query = (
                select(column, func.count())
                .where(*_conditions(session, actor, params))
                .group_by(column)
            )
            counts = {key: count for key, count in session.execute(query)}
            names = labels(session, base=counts)["base"]
        whole = sum(counts.values())
        rows, drills = [], []
        for key, count in _sorted_counts(counts, names):
            rows.append((names[key].code, names[key].name, count, _share(count, whole)))
            drills.append(_customer_drill(params, **{filter_key: key}))
        return ReportTable(
            title=_(title),
            columns=[
                ReportColumn("code", _("Code"), "text"),
                ReportColumn("name", _(heading), "text"),
                ReportColumn("customers", _("Customers"), "int"),
                ReportColumn("share", _("Share"), "percent"),
            ],
            rows=rows,
            chart=ChartSpec(chart(len(rows)), "name", ("customers",)),
            drills=drills,
            totals=(_("Total"), "", whole, _share(whole, whole)) if rows else None,
            note=_("Archived customers are not counted."),
        )

    return compute


def _share(part: int, whole: int) -> Decimal | None:
    """A share as a fraction (0.25 is 25 %), exact; None when there is no whole."""
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001")) if whole else None


def customers_region_type(db: Database, actor: Actor, params: ReportParams) -> ReportTable:
    """Region × customer type: a row per region, a column per type, and the row's total."""
    with db.read() as session:
        query = (
            select(Customer.region_id, Customer.type_id, func.count())
            .where(*_conditions(session, actor, params))
            .group_by(Customer.region_id, Customer.type_id)
        )
        cells = {(region, kind): count for region, kind, count in session.execute(query)}
        names = labels(session, base={key for pair in cells for key in pair})["base"]
    regions = sorted({region for region, _kind in cells}, key=lambda key: names[key].order)
    kinds = sorted({kind for _region, kind in cells}, key=lambda key: names[key].order)
    keys = [_cross_key("type", kind) for kind in kinds]
    rows, drills = [], []
    for region in regions:
        counts = [cells.get((region, kind), 0) for kind in kinds]
        rows.append((names[region].code, names[region].name, *counts, sum(counts)))
        drills.append(_customer_drill(params, region_id=region))
    totals = [sum(cells.get((region, kind), 0) for region in regions) for kind in kinds]
    return ReportTable(
        title=_(TITLES["customers-region-type"]),
        columns=[
            ReportColumn("region_code", _("Region code"), "text"),
            ReportColumn("region", _("Region"), "text"),
            *(
                ReportColumn(key, names[kind].name, "int")
                for key, kind in zip(keys, kinds, strict=True)
            ),
            ReportColumn("total", _("Total"), "int"),
        ],
        rows=rows,
        chart=ChartSpec("stacked", "region", tuple(keys)),
        drills=drills,
        totals=(_("Total"), "", *totals, sum(totals)) if rows else None,
        note=_("Archived customers are not counted."),
    )


def _cross_key(prefix: str, key: int | None) -> str:
    """The column key of one crossed category: type_12, or type_none for "(none)"."""
    return f"{prefix}_{'none' if key is None else key}"


def new_customers_monthly(db: Database, actor: Actor, params: ReportParams) -> ReportTable:
    """Customers added per month (by the local calendar date they were created on), every month
    of the range listed, also those with none."""
    with db.read() as session:
        month = period_key(session, local_date(session, Customer.created_at), "month")
        query = (
            select(month, func.count()).where(*_conditions(session, actor, params)).group_by(month)
        )
        # a customer without a creation time (none should be) belongs to no month
        counts = Counter({key: n for key, n in session.execute(query) if key is not None})
    rows, drills = [], []
    if counts:
        first = _month_of(params.date_from) if params.date_from else min(counts)
        last = _month_of(params.date_to) if params.date_to else max(counts)
        for key in month_keys(first, last):
            rows.append((key, counts[key]))
            drills.append(_customer_drill(params, **month_filters(key, params)))
    return ReportTable(
        title=_(TITLES["new-customers-monthly"]),
        columns=[
            ReportColumn("month", _("Month"), "month"),
            ReportColumn("customers", _("New customers"), "int"),
        ],
        rows=rows,
        chart=ChartSpec("line", "month", ("customers",)),
        drills=drills,
        totals=(_("Total"), sum(counts.values())) if rows else None,
        note=_("Archived customers are not counted."),
    )


def local_date(session: Session, moment: Any) -> ColumnElement[Any]:
    """The local calendar date of a stored UTC time, in SQL: SQLite's 'localtime' uses the same
    C library time zone as Python's astimezone(); PostgreSQL gets this computer's current UTC
    offset (no summer-time switch inside the range)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.date(moment, "localtime")
    offset = datetime.now(UTC).astimezone().strftime("%z")
    interval = literal_column(f"INTERVAL '{offset[:3]}:{offset[3:]}'")
    return cast(func.timezone(interval, moment), Date)


def _month_of(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def month_keys(first: str, last: str) -> list[str]:
    """Every month key from `first` to `last` (2025-11, 2025-12, 2026-01 ...)."""
    year, month = (int(part) for part in first.split("-"))
    keys = []
    while (key := f"{year}-{month:02d}") <= last:
        keys.append(key)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def month_filters(key: str, params: ReportParams) -> dict[str, Any]:
    """The inclusive dates of one month, narrowed to the parameters' range."""
    year, month = (int(part) for part in key.split("-"))
    first, last = date(year, month, 1), date(year, month, monthrange(year, month)[1])
    if params.date_from and params.date_from > first:
        first = params.date_from
    if params.date_to and params.date_to < last:
        last = params.date_to
    return {"date_from": first, "date_to": last}


def _bars(_parts: int) -> ChartKind:
    return "barh"


def _pie_or_bars(parts: int) -> ChartKind:
    return "pie" if parts <= PIE_PARTS else "barh"


TITLES = {
    "customers-region-type": N_("Customers by region and type"),
    "customers-by-type": N_("Customers by type"),
    "customers-by-region": N_("Customers by region"),
    "customers-by-source": N_("Customers by source"),
    "customers-by-industry": N_("Customers by industry"),
    "new-customers-monthly": N_("New customers per month"),
}
DESCRIPTIONS = {
    "customers-region-type": N_("How many customers of each type each region has."),
    "customers-by-type": N_("Customers per customer type and their share."),
    "customers-by-region": N_("Customers per region and their share."),
    "customers-by-source": N_("Where customers came from."),
    "customers-by-industry": N_("Customers per industry and their share."),
    "new-customers-monthly": N_("Customers added each month (by the day they were created)."),
}
_SHARES: Sequence[tuple[str, Any, str, str, Callable[[int], ChartKind]]] = (
    ("customers-by-type", Customer.type_id, "type_id", N_("Customer type"), _pie_or_bars),
    ("customers-by-region", Customer.region_id, "region_id", N_("Region"), _bars),
    ("customers-by-source", Customer.source_id, "source_id", N_("Source"), _bars),
    ("customers-by-industry", Customer.industry_id, "industry_id", N_("Industry"), _bars),
)


register(
    Analysis(
        "customers-region-type",
        TITLES["customers-region-type"],
        GROUP,
        CUSTOMER_FILTERS,
        customers_region_type,
        DESCRIPTIONS["customers-region-type"],
    )
)
for _name, _column, _key, _heading, _chart in _SHARES:
    register(
        Analysis(
            _name,
            TITLES[_name],
            GROUP,
            CUSTOMER_FILTERS,
            _share_table(TITLES[_name], _column, _key, _heading, _chart),
            DESCRIPTIONS[_name],
        )
    )
register(
    Analysis(
        "new-customers-monthly",
        TITLES["new-customers-monthly"],
        GROUP,
        CUSTOMER_FILTERS,
        new_customers_monthly,
        DESCRIPTIONS["new-customers-monthly"],
    )
)
