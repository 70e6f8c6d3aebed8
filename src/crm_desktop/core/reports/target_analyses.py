"""Target achievement: each team's and salesperson's target against what they reached.

The figures are `targets.achievement`'s (the statistics' definition of sales), one block of rows
per month, quarter or year (the granularity) that the date range touches; without dates, the
period containing today. Scope as everywhere: a salesperson their own row, a manager the team.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import local_today
from crm_desktop.core.db.database import Database
from crm_desktop.core.i18n import N_, _
from crm_desktop.core.reports.tables import (
    Analysis,
    ChartSpec,
    Drill,
    ReportColumn,
    ReportParams,
    ReportTable,
    money_total,
    register,
)
from crm_desktop.core.services import targets
from crm_desktop.core.services.access import require
from crm_desktop.core.services.targets import Period, period_of, share

TITLE = N_("Target achievement")
MOST_PERIODS = 36  # a long range by month stays readable


def periods(params: ReportParams, today: date) -> list[Period]:
    """The periods of the granularity from the one containing date_from to date_to's."""
    first = period_of(params.granularity, params.date_from or today)
    last = period_of(params.granularity, params.date_to or params.date_from or today)
    found = [first]
    while found[-1].start < last.start and len(found) < MOST_PERIODS:
        found.append(period_of(params.granularity, found[-1].end + timedelta(days=1)))
    return found


def target_achievement(db: Database, actor: Actor, params: ReportParams) -> ReportTable:
    """Per period: teams, then salespeople (largest sales first) with target, sales, achieved
    share, received and new customers."""
    with db.read() as session:
        require(session, actor, "statistics.view")
    rows: list[tuple[Any, ...]] = []
    drills: list[Drill | None] = []
    kinds = {"operator": _("Salesperson"), "team": _("Team")}
    for period in periods(params, local_today(db.clock)):
        for r in targets.achievement(db, actor, period.kind, period.start):
            rows.append(
                (
                    period.label,
                    kinds[r.holder.kind],
                    r.code,
                    r.name,
                    r.target_sales,
                    r.sales,
                    r.percent,
                    r.received,
                    r.new_customers,
                )
            )
            person = {"salesperson_id": r.holder.id} if r.holder.kind == "operator" else {}
            filters = {"date_from": period.start, "date_to": period.end, **person}
            drills.append(Drill("orders", filters))
    columns = [
        ReportColumn("period", _("Period"), "text"),
        ReportColumn("kind", _("Kind"), "text"),
        ReportColumn("code", _("Code"), "text"),
        ReportColumn("name", _("Name"), "text"),
        ReportColumn("target", _("Sales target"), "money"),
        ReportColumn("sales", _("Sales amount"), "money"),
        ReportColumn("achieved", _("Achieved"), "percent"),
        ReportColumn("received", _("Received"), "money"),
        ReportColumn("new_customers", _("New customers"), "int"),
    ]
    people = [r for r in rows if r[1] == kinds["operator"]]
    totals = None
    if people:
        target = money_total(people, 4) if any(r[4] is not None for r in people) else None
        sales = money_total(people, 5)
        totals = (
            _("Total"), "", "", "", target, sales, share(sales, target),
            money_total(people, 7), sum(r[8] for r in people),
        )  # fmt: skip
    note = _(
        "Sales are confirmed, delivered and closed orders, before tax, by the order's "
        "salesperson; received is money allocated to their orders; the total adds up the "
        "salespeople."
    )
    chart = ChartSpec("barh", "name", ("target", "sales"))
    return ReportTable(_(TITLE), columns, rows, chart, drills, totals, note)


register(
    Analysis(
        "target_achievement",
        TITLE,
        N_("Sales"),
        ("date_range", "granularity"),
        target_achievement,
        N_("Each team's and salesperson's target against what they reached."),
    )
)
