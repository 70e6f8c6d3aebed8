"""Sales analyses: who sold how much, where, of what, and when (against the year before).

A sale is an order that is confirmed, delivered or closed (archived ones too); its amount is the
sum of its lines before tax, summed in SQL as integer cents, so every figure adds up to its order
lines to the cent. Dates are the order date, inclusive at both ends. Region is the customer's;
the salesperson is the order's. The operator sees the orders under `access.record_scope`: a
salesperson their own (and those for their own customers), a manager the team's.

Every analysis is one aggregate query over order_lines ⨝ sales_orders, joined to customers only
when the region is needed (a column or the filter), plus one small query for the labels; Python
only sorts and labels the aggregated rows. Equal amounts keep the order the records were entered
in (by id), so rankings are stable.
"""

from __future__ import annotations

from calendar import monthrange
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session

from crm_desktop.core.actor import Actor
from crm_desktop.core.db.database import Database
from crm_desktop.core.i18n import N_, _
from crm_desktop.core.models import Customer, OrderLine, SalesOrder
from crm_desktop.core.reports.customer_analyses import (
    Label,
    labels,
    month_keys,
    param_filters,
)
from crm_desktop.core.reports.sql import Granularity, period_key, previous_year_key
from crm_desktop.core.reports.tables import (
    SALES_STATUSES,
    Analysis,
    ChartSpec,
    Drill,
    FilterName,
    ReportColumn,
    ReportParams,
    ReportTable,
    register,
)
from crm_desktop.core.services.access import record_scope, require

GROUP = N_("Sales")
NOTE = N_(
    "Sales are confirmed, delivered and closed orders (archived ones too), "
    "the sum of their lines before tax."
)
ZERO = Decimal("0.00")
SHARE = Decimal("0.0001")

BY_SALESPERSON: tuple[FilterName, ...] = ("date_range", "region", "salesperson")
BY_REGION: tuple[FilterName, ...] = ("date_range", "region")
ALL_FILTERS: tuple[FilterName, ...] = ("date_range", "region", "salesperson", "product")
RANKING: tuple[FilterName, ...] = ("date_range", "region", "product")
PERIODS: tuple[FilterName, ...] = (*ALL_FILTERS, "granularity")
TOP_CUSTOMERS: tuple[FilterName, ...] = (*ALL_FILTERS, "top_n")
TOP_PRODUCTS: tuple[FilterName, ...] = ("date_range", "region", "salesperson", "top_n")

# Integer cents summed in SQL, made Decimal once per aggregated row (`money`).
CENTS = func.sum(OrderLine.amount, type_=BigInteger)
QUANTITY = func.sum(OrderLine.quantity)  # Quantity: thousandths in SQL
ORDERS = func.count(SalesOrder.id.distinct())


# --- the shared query -----------------------------------------------------------------------------


def sales_query(
    session: Session,
    actor: Actor,
    params: ReportParams,
    filters: Sequence[FilterName],
    columns: Sequence[Any],
    *,
    by_region: bool = False,
    dates: tuple[date | None, date | None] | None = None,
) -> Select[Any]:
    """SELECT `columns` FROM order_lines ⨝ sales_orders (⨝ customers only for a region column or
    filter) WHERE sales, in the operator's scope, and the parameters among `filters`; `dates`
    replaces the parameters' range (the sales-by-period comparison reads a wider one)."""
    operator = require(session, actor, "statistics.view")
    first, last = dates if dates is not None else (params.date_from, params.date_to)
    where: list[ColumnElement[bool]] = [
        SalesOrder.status.in_(SALES_STATUSES),
        record_scope(session, operator, SalesOrder.salesperson_id, SalesOrder.customer_id),
    ]
    if "date_range" in filters and first is not None:
        where.append(SalesOrder.order_date >= first)
    if "date_range" in filters and last is not None:
        where.append(SalesOrder.order_date <= last)
    if "salesperson" in filters and params.salesperson_id is not None:
        where.append(SalesOrder.salesperson_id == params.salesperson_id)
    if "product" in filters and params.product_id is not None:
        where.append(OrderLine.product_id == params.product_id)
    region = "region" in filters and params.region_id is not None
    if region:
        where.append(Customer.region_id == params.region_id)
    query = (
        select(*columns)
        .select_from(OrderLine)
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
    )
    if by_region or region:
        query = query.join(Customer, Customer.id == SalesOrder.customer_id)
    return query.where(*where)


def _drill(
    params: ReportParams, filters: Sequence[FilterName], by_product: bool = False, **row: Any
) -> Drill:
    """The sales behind a row: its orders, or its order lines where products are counted."""
    found = {**param_filters(params, *filters), **row}
    kind = "order_lines" if by_product or "product_id" in found else "orders"
    return Drill(kind, found)


def money(cents: int | None) -> Decimal:
    """Integer cents as a Decimal amount (1234 -> 12.34); None (no rows) is 0.00."""
    return ZERO if cents is None else Decimal(cents).scaleb(-2)


def fetch(session: Session, query: Select[Any]) -> list[Any]:
    """The rows of an aggregate as plain tuples, through Core (no ORM row handling)."""
    return session.connection().execute(query).all()


def _share(part: Decimal, whole: Decimal) -> Decimal | None:
    """A fraction (0.25 is 25 %); None when the whole is nothing."""
    return (part / whole).quantize(SHARE) if whole else None


def _ranks(amounts: Sequence[Decimal]) -> list[int]:
    """Competition ranks of amounts sorted largest first: 1, 2, 2, 4."""
    ranks: list[int] = []
    for index, amount in enumerate(amounts):
        tied = index and amount == amounts[index - 1]
        ranks.append(ranks[-1] if tied else index + 1)
    return ranks


def _table(
    name: str,
    columns: list[ReportColumn],
    rows: list[tuple[Any, ...]],
    chart: ChartSpec,
    drills: list[Drill | None],
    totals: tuple[Any, ...] | None,
) -> ReportTable:
    return ReportTable(
        _(TITLES[name]), columns, rows, chart, drills, totals if rows else None, _(NOTE)
    )


def _region_columns() -> list[ReportColumn]:
    return [
        ReportColumn("region_code", _("Region code"), "text"),
        ReportColumn("region", _("Region"), "text"),
    ]


def _salesperson_columns() -> list[ReportColumn]:
    return [
        ReportColumn("salesperson_code", _("Salesperson code"), "text"),
        ReportColumn("salesperson", _("Salesperson"), "text"),
    ]


def _product_columns() -> list[ReportColumn]:
    return [
        ReportColumn("product_code", _("Product code"), "text"),
        ReportColumn("product", _("Product"), "text"),
    ]


def _money(key: str = "amount", label: str = N_("Sales amount")) -> ReportColumn:
    return ReportColumn(key, _(label), "money")


def _by_amount(rows: Iterable[Any], *order: Any) -> list[Any]:
    """Largest amount (the last field) first; ties by the ids given as `order` fields."""
    return sorted(rows, key=lambda row: (-row[-1], *(_id_key(row[i]) for i in order)))


def _id_key(value: int | None) -> tuple[int, int]:
    return (1, 0) if value is None else (0, value)


# --- salesperson, ranking, region -----------------------------------------------------------------


def salesperson_sales(db: Database, actor: Actor, params: ReportParams) -> ReportTable:
    """Per region and salesperson: region code/name, salesperson code/name, sales amount."""
    with db.read() as session:
        keys = (Customer.region_id, SalesOrder.salesperson_id)
        query = sales_query(
            session, actor, params, BY_SALESPERSON, (*keys, CENTS), by_region=True
        ).group_by(*keys)
        found = [(region, person, money(cents)) for region, person, cents in fetch(session, query)]
        names = labels(session, base=[r[0] for r in found], operator=[r[1] for r in found])
    regions, people = names["base"], names["operator"]
    found.sort(key=lambda r: (regions[r[0]].order, -r[2], _id_key(r[1])))
    rows, drills = [], []
    for region, person, amount in found:
        rows.append((*_pair(regions[region]), *_pair(people[person]), amount))
        drills.append(_drill(params, BY_SALESPERSON, region_id=region, salesperson_id=person))
    return _table(
        "salesperson-sales",
        [*_region_columns(), *_salesperson_columns(), _money()],
        rows,
        ChartSpec("barh", "salesperson", ("amount",)),
        drills,
        (_("Total"), "", "", "", sum((r[-1] for r in rows), ZERO)),
    )


def _pair(label: Label) -> tuple[str, str]:
    return label.code, label.name


def salesperson_ranking(db: Database, actor: Actor, params: ReportParams) -> ReportTable:
    """Salespeople by sales amount, largest first, with their number of orders."""
    with db.read() as session:
        query = sales_query(
            session, actor, params, RANKING, (SalesOrder.salesperson_id, ORDERS, CENTS)
        ).group_by(SalesOrder.salesperson_id)
        found = _by_amount([(p, n, money(c)) for p, n, c in fetch(session, query)], 0)
        people = labels(session, operator=[r[0] for r in found])["operator"]
    ranks = _ranks([r[-1] for r in found])
    rows, drills = [], []
    for rank, (person, orders, amount) in zip(ranks, found, strict=True):
        rows.append((rank, *_pair(people[person]), amount, orders))
        drills.append(_drill(params, RANKING, salesperson_id=person))
    return _table(
        "salesperson-ranking",
        [
            ReportColumn("rank", _("Rank"), "int"),
            *_salesperson_columns(),
            _money(),
            ReportColumn("orders", _("Orders"), "int"),
        ],
        rows,
        ChartSpec("barh", "salesperson", ("amount",)),
        drills,
        (_("Total"), "", "", sum((r[3] for r in rows), ZERO), sum(r[4] for r in rows)),
    )


def region_sales(db: Database, actor: Actor, params: ReportParams) -> ReportTable:
    """Per customer region: sales amount, orders and share of the whole."""
    with db.read() as session:
        query = sales_query(
            session, actor, params, BY_REGION, (Customer.region_id, ORDERS, CENTS), by_region=True
        ).group_by(Customer.region_id)
        found = [(region, n, money(cents)) for region, n, cents in fetch(session, query)]
        regions = labels(session, base=[r[0] for r in found])["base"]
    found.sort(key=lambda r: (-r[-1], regions[r[0]].order))
    whole = sum((r[-1] for r in found), ZERO)
    rows, drills = [], []
    for region, orders, amount in found:
        rows.append((*_pair(regions[region]), amount, orders, _share(amount, whole)))
        drills.append(_drill(params, BY_REGION, region_id=region))
    return _table(
        "region-sales",
        [
            *_region_columns(),
            _money(),
            ReportColumn("orders", _("Orders"), "int"),
            ReportColumn("share", _("Share"), "percent"),
        ],
        rows,
        ChartSpec("barh", "region", ("amount",)),
        drills,
        (_("Total"), "", whole, sum(r[3] for r in rows), _share(whole, whole)),
    )


# --- products -------------------------------------------------------------------------------------


def salesperson_product_sales(db: Database, actor: Actor, params: ReportParams) -> ReportTable:
    """Per salesperson and product: quantity and amount, largest amount first."""
    with db.read() as session:
        keys = (SalesOrder.salesperson_id, OrderLine.product_id)
        query = sales_query(session, actor, params, ALL_FILTERS, (*keys, QUANTITY, CENTS)).group_by(
            *keys
        )
        found = _by_amount([(*row[:3], money(row[3])) for row in fetch(session, query)], 0, 1)
        names = labels(session, operator=[r[0] for r in found], product=[r[1] for r in found])
    people, products = names["operator"], names["product"]
    rows, drills = [], []
    for person, product, quantity, amount in found:
        rows.append((*_pair(people[person]), *_pair(products[product]), quantity, amount))
        drills.append(_drill(params, ALL_FILTERS, True, salesperson_id=person, product_id=product))
    return _table(
        "salesperson-product-sales",
        [
            *_salesperson_columns(),
            *_product_columns(),
            ReportColumn("quantity", _("Quantity"), "number"),
            _money(),
        ],
        rows,
        ChartSpec("barh", "product", ("amount",)),
        drills,
        (_("Total"), "", "", "", None, sum((r[-1] for r in rows), ZERO)),
    )


def region_product_sales(db: Database, actor: Actor, params: ReportParams) -> ReportTable:
    """Product × region: a row per product, a column per region and the product's total."""
    with db.read() as session:
        keys = (OrderLine.product_id, Customer.region_id)
        query = sales_query(
            session, actor, params, ALL_FILTERS, (*keys, CENTS), by_region=True
        ).group_by(*keys)
        cells = {(product, region): cents for product, region, cents in fetch(session, query)}
        names = labels(session, product=[p for p, _r in cells], base=[r for _p, r in cells])
    products, regions = names["product"], names["base"]
    by_product: dict[int | None, int] = defaultdict(int)  # cents, added up as integers
    by_region: dict[int | None, int] = defaultdict(int)
    for (product, region), cents in cells.items():
        by_product[product] += cents
        by_region[region] += cents
    columns = sorted(by_region, key=lambda key: regions[key].order)
    keys_shown = [f"region_{'none' if r is None else r}" for r in columns]
    rows, drills = [], []
    for product, total in _by_amount(by_product.items(), 0):
        amounts = [money(cells.get((product, region), 0)) for region in columns]
        rows.append((*_pair(products[product]), *amounts, money(total)))
        drills.append(_drill(params, ALL_FILTERS, True, product_id=product))
    totals = [money(by_region[region]) for region in columns]
    return _table(
        "region-product-sales",
        [
            *_product_columns(),
            *(
                ReportColumn(key, regions[r].name, "money")
                for key, r in zip(keys_shown, columns, strict=True)
            ),
            _money("total", N_("Total")),
        ],
        rows,
        ChartSpec("heat", "product", tuple(keys_shown)),
        drills,
        (_("Total"), "", *totals, sum(totals, ZERO)),
    )


# --- over time ------------------------------------------------------------------------------------


def year_before(day: date) -> date:
    """The same calendar day a year earlier (29 Feb becomes 28 Feb)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def key_of(day: date, granularity: Granularity) -> str:
    """The period key of a date, as `sql.period_key` writes it in SQL."""
    if granularity == "year":
        return f"{day.year}"
    if granularity == "quarter":
        return f"{day.year}-Q{(day.month + 2) // 3}"
    return f"{day.year}-{day.month:02d}"


def period_keys(first: str, last: str, granularity: Granularity) -> list[str]:
    """Every period key from `first` to `last`, also the periods without sales."""
    if granularity == "month":
        return month_keys(first, last)
    if granularity == "year":
        return [str(year) for year in range(int(first), int(last) + 1)]
    keys, (year, quarter) = [], (int(first[:4]), int(first[-1]))
    while (key := f"{year}-Q{quarter}") <= last:
        keys.append(key)
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return keys


def period_bounds(key: str, granularity: Granularity) -> tuple[date, date]:
    """The first and last day of a period key."""
    year = int(key[:4])
    if granularity == "year":
        return date(year, 1, 1), date(year, 12, 31)
    if granularity == "quarter":
        first_month = 3 * int(key[-1]) - 2
        last_month = first_month + 2
    else:
        first_month = last_month = int(key[5:7])
    return date(year, first_month, 1), date(year, last_month, monthrange(year, last_month)[1])


def aligned(first: date | None, last: date | None, granularity: Granularity) -> bool:
    """Whether the range starts at the start of a period and ends at the end of one (then so
    does the range a year earlier: 29 Feb becomes 28 Feb, also a month's end)."""
    starts = first is None or period_bounds(key_of(first, granularity), granularity)[0] == first
    ends = last is None or period_bounds(key_of(last, granularity), granularity)[1] == last
    return starts and ends


def sales_by_period(db: Database, actor: Actor, params: ReportParams) -> ReportTable:
    """Sales per month, quarter or year of the range, next to the same period a year earlier
    (over the same days: a range starting on the 15th compares with the year before's 15th)."""
    granularity = params.granularity
    first, last = params.date_from, params.date_to
    first_before = year_before(first) if first else None
    last_before = year_before(last) if last else None
    with db.read() as session:
        key = period_key(session, SalesOrder.order_date, granularity)
        if aligned(first, last, granularity):
            # whole periods: each lies wholly inside or outside both ranges, one plain sum
            sums: tuple[Any, ...] = (CENTS,)
        else:
            current = case((SalesOrder.order_date >= first, OrderLine.amount)) if first else None
            before = (
                case((SalesOrder.order_date <= last_before, OrderLine.amount)) if last else None
            )
            sums = (
                CENTS if current is None else func.sum(current, type_=BigInteger),
                CENTS if before is None else func.sum(before, type_=BigInteger),
            )
        query = sales_query(
            session, actor, params, PERIODS, (key, *sums), dates=(first_before, last)
        ).group_by(key)
        found = {row[0]: (money(row[1]), money(row[-1])) for row in fetch(session, query)}
    if not found:
        return _table("sales-by-period", _period_columns(granularity), [], _PERIOD_CHART, [], None)
    shown = period_keys(
        key_of(first, granularity) if first else min(found),
        key_of(last, granularity) if last else max(found),
        granularity,
    )
    rows, drills = [], []
    for period in shown:
        amount = found.get(period, (ZERO, ZERO))[0]
        earlier = found.get(previous_year_key(period), (ZERO, ZERO))[1]
        rows.append((period, amount, earlier, _change(amount, earlier)))
        start, end = period_bounds(period, granularity)
        dates = {"date_from": max(start, first or start), "date_to": min(end, last or end)}
        drills.append(_drill(params, PERIODS, **dates))
    this_year = sum((r[1] for r in rows), ZERO)
    last_year = sum((r[2] for r in rows), ZERO)
    return _table(
        "sales-by-period",
        _period_columns(granularity),
        rows,
        _PERIOD_CHART,
        drills,
        (_("Total"), this_year, last_year, _change(this_year, last_year)),
    )


_PERIOD_CHART = ChartSpec("line", "period", ("amount", "last_year"))


def _period_columns(granularity: Granularity) -> list[ReportColumn]:
    labels_by = {"month": N_("Month"), "quarter": N_("Quarter"), "year": N_("Year")}
    return [
        ReportColumn(
            "period", _(labels_by[granularity]), "month" if granularity == "month" else "text"
        ),
        _money(),
        _money("last_year", N_("Same period last year")),
        ReportColumn("change", _("Change"), "percent"),
    ]


def _change(amount: Decimal, earlier: Decimal) -> Decimal | None:
    """Growth over the year before as a fraction (0.1 is +10 %); None when there was nothing."""
    return ((amount - earlier) / earlier).quantize(SHARE) if earlier else None


def salesperson_by_period(db: Database, actor: Actor, params: ReportParams) -> ReportTable:
    """Salesperson × month (quarter, year): a row per salesperson, a column per period of the
    range (also those without sales) and the salesperson's total, largest total first."""
    granularity = params.granularity
    with db.read() as session:
        key = period_key(session, SalesOrder.order_date, granularity)
        query = sales_query(
            session, actor, params, PERIODS, (SalesOrder.salesperson_id, key, CENTS)
        ).group_by(SalesOrder.salesperson_id, key)
        cells = {(person, period): cents for person, period, cents in fetch(session, query)}
        people = labels(session, operator=[person for person, _p in cells])["operator"]
    by_person: dict[int, int] = defaultdict(int)
    by_period: dict[str, int] = defaultdict(int)
    for (person, period), cents in cells.items():
        by_person[person] += cents
        by_period[period] += cents
    shown = []
    if cells:
        shown = period_keys(
            key_of(params.date_from, granularity) if params.date_from else min(by_period),
            key_of(params.date_to, granularity) if params.date_to else max(by_period),
            granularity,
        )
    keys = [f"period_{period}" for period in shown]
    rows, drills = [], []
    for person, total in _by_amount(by_person.items(), 0):
        amounts = [money(cells.get((person, period), 0)) for period in shown]
        rows.append((*_pair(people[person]), *amounts, money(total)))
        drills.append(_drill(params, PERIODS, salesperson_id=person))
    totals = [money(by_period[period]) for period in shown]
    return _table(
        "salesperson-by-period",
        [
            *_salesperson_columns(),
            *(ReportColumn(k, period, "money") for k, period in zip(keys, shown, strict=True)),
            _money("total", N_("Total")),
        ],
        rows,
        ChartSpec("heat", "salesperson", tuple(keys)),
        drills,
        (_("Total"), "", *totals, money(sum(by_period.values()))),
    )


# --- top N ----------------------------------------------------------------------------------------


def top_customers(db: Database, actor: Actor, params: ReportParams) -> ReportTable:
    """The N customers who bought most, with their number of orders."""
    with db.read() as session:
        query = (
            sales_query(
                session, actor, params, TOP_CUSTOMERS, (SalesOrder.customer_id, ORDERS, CENTS)
            )
            .group_by(SalesOrder.customer_id)
            .order_by(CENTS.desc(), SalesOrder.customer_id)
            .limit(params.top_n)
        )
        found = [(customer, n, money(cents)) for customer, n, cents in fetch(session, query)]
        customers = labels(session, customer=[r[0] for r in found])["customer"]
    ranks = _ranks([r[-1] for r in found])
    rows, drills = [], []
    for rank, (customer, orders, amount) in zip(ranks, found, strict=True):
        rows.append((rank, *_pair(customers[customer]), amount, orders))
        drills.append(_drill(params, TOP_CUSTOMERS, customer_id=customer))
    return _table(
        "top-customers",
        [
            ReportColumn("rank", _("Rank"), "int"),
            ReportColumn("customer_code", _("Customer code"), "text"),
            ReportColumn("customer", _("Customer"), "text"),
            _money(),
            ReportColumn("orders", _("Orders"), "int"),
        ],
        rows,
        ChartSpec("barh", "customer", ("amount",)),
        drills,
        (_("Total"), "", "", sum((r[3] for r in rows), ZERO), sum(r[4] for r in rows)),
    )


def top_products(db: Database, actor: Actor, params: ReportParams) -> ReportTable:
    """The N products sold most by amount, with the quantity (free-text lines: "(none)")."""
    with db.read() as session:
        query = (
            sales_query(
                session,
                actor,
                params,
                TOP_PRODUCTS,
                (OrderLine.product_id, QUANTITY, CENTS),
            )
            .group_by(OrderLine.product_id)
            .order_by(CENTS.desc(), OrderLine.product_id.is_(None), OrderLine.product_id)
            .limit(params.top_n)
        )
        found = [(product, qty, money(cents)) for product, qty, cents in fetch(session, query)]
        products = labels(session, product=[r[0] for r in found])["product"]
    ranks = _ranks([r[-1] for r in found])
    rows, drills = [], []
    for rank, (product, quantity, amount) in zip(ranks, found, strict=True):
        rows.append((rank, *_pair(products[product]), quantity, amount))
        drills.append(_drill(params, TOP_PRODUCTS, True, product_id=product))
    return _table(
        "top-products",
        [
            ReportColumn("rank", _("Rank"), "int"),
            *_product_columns(),
            ReportColumn("quantity", _("Quantity"), "number"),
            _money(),
        ],
        rows,
        ChartSpec("barh", "product", ("amount",)),
        drills,
        (_("Total"), "", "", None, sum((r[-1] for r in rows), ZERO)),
    )


# --- registration ---------------------------------------------------------------------------------

TITLES = {
    "salesperson-sales": N_("Sales by salesperson"),
    "salesperson-ranking": N_("Salesperson ranking"),
    "region-sales": N_("Sales by region"),
    "salesperson-product-sales": N_("Sales by salesperson and product"),
    "region-product-sales": N_("Sales by region and product"),
    "sales-by-period": N_("Sales by period"),
    "salesperson-by-period": N_("Sales by salesperson and period"),
    "top-customers": N_("Top customers"),
    "top-products": N_("Top products"),
}
_ANALYSES = (
    (
        "salesperson-sales",
        BY_SALESPERSON,
        salesperson_sales,
        N_("Sales amount per region and salesperson."),
    ),
    (
        "salesperson-ranking",
        RANKING,
        salesperson_ranking,
        N_("Salespeople ranked by sales amount, with their orders."),
    ),
    ("region-sales", BY_REGION, region_sales, N_("Sales amount per customer region.")),
    (
        "salesperson-product-sales",
        ALL_FILTERS,
        salesperson_product_sales,
        N_("Quantity and amount each salesperson sold of each product."),
    ),
    (
        "region-product-sales",
        ALL_FILTERS,
        region_product_sales,
        N_("Sales of each product in each region."),
    ),
    (
        "sales-by-period",
        PERIODS,
        sales_by_period,
        N_("Sales per month, quarter or year against the same period a year earlier."),
    ),
    (
        "salesperson-by-period",
        PERIODS,
        salesperson_by_period,
        N_("Each salesperson's sales per month, quarter or year."),
    ),
    ("top-customers", TOP_CUSTOMERS, top_customers, N_("The customers who bought most.")),
    ("top-products", TOP_PRODUCTS, top_products, N_("The products sold most by amount.")),
)
for _name, _filters, _compute, _description in _ANALYSES:
    register(Analysis(_name, TITLES[_name], GROUP, _filters, _compute, _description))
