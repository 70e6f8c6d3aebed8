"""Complaints and satisfaction, per service category and handler.

Both read the service records the operator may see (`record_scope` on the handler, as every
service analysis does) that were accepted in the period (local days), optionally in one region:

- complaints: records of kind "complaint"; open = open or in progress, done = resolved or
  closed, escalated = escalated at any time (`escalation.py`), whatever the status now;
- satisfaction: records of any kind with a score (1 to 5); the average is the exact quotient of
  whole numbers, rounded half up to one decimal only at the edge (per row and for the total).

Rows are one (category, handler) pair each: the firm's category order (records without one
last), then the handler's name. The totals row adds the whole table up (for satisfaction: the
average of every scored record, not of the row averages).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from crm_desktop.core.actor import Actor
from crm_desktop.core.db.database import Database
from crm_desktop.core.i18n import N_, _
from crm_desktop.core.models import (
    ServiceKind,
    ServiceRecord,
)
from crm_desktop.core.reports.pipeline_analyses import (
    SERVICE,
    SERVICE_FILTERS,
    CategoryHandler,
    _filters,
    _label,
    _table,
    category_handler_columns,
    category_handler_rows,
    in_category_handler_order,
)
from crm_desktop.core.reports.tables import (
    Analysis,
    ChartSpec,
    Drill,
    FilterName,
    ReportColumn,
    ReportParams,
    ReportTable,
    register,
)
from crm_desktop.core.services.service_records import DONE

COMPLAINTS_TITLE = N_("Complaints by category and handler")
SATISFACTION_TITLE = N_("Satisfaction by category and handler")


def average(total: int, count: int) -> Decimal | None:
    """An average score to 0.1, rounded half up from the exact quotient; None without scores."""
    if not count:
        return None
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _rows(db: Database, actor: Actor, params: ReportParams, *extra: Any) -> list[Any]:
    """(category id, name, order, handler id, name, status, escalated_at, satisfaction)."""
    figures = (ServiceRecord.status, ServiceRecord.escalated_at, ServiceRecord.satisfaction)
    return category_handler_rows(db, actor, params, figures, *extra)


def _group(found: list[Any]) -> dict[CategoryHandler, list[Any]]:
    groups: dict[CategoryHandler, list[Any]] = defaultdict(list)
    for row in found:
        groups[tuple(row[:5])].append(row)  # type: ignore[index]
    return groups


def _complaint_figures(rows: list[Any]) -> tuple[int, int, int, int]:
    done = sum(1 for r in rows if r.status in DONE)
    escalated = sum(1 for r in rows if r.escalated_at is not None)
    return len(rows), len(rows) - done, done, escalated


def complaints(db: Database, actor: Actor, params: ReportParams) -> ReportTable:
    found = _rows(db, actor, params, ServiceRecord.kind == ServiceKind.COMPLAINT)
    groups = _group(found)
    base = {**_filters(params, *SERVICE_FILTERS), "kind": ServiceKind.COMPLAINT}
    rows, drills = [], []
    for key in in_category_handler_order(groups):
        rows.append((_label(key[1]), key[4], *_complaint_figures(groups[key])))
        drills.append(Drill("service", {**base, "category_id": key[0], "handler_id": key[3]}))
    totals = (_("Total"), "", *_complaint_figures(found)) if found else None
    columns = [
        *category_handler_columns(),
        ReportColumn("complaints", _("Complaints"), "int"),
        ReportColumn("open", _("Open"), "int"),
        ReportColumn("done", _("Resolved or closed"), "int"),
        ReportColumn("escalated", _("Escalated"), "int"),
    ]
    note = _(
        "Complaints accepted in the period; open = open or in progress; escalated = sent to "
        "the handler's manager after the company's escalation days."
    )
    chart = ChartSpec("stacked", "handler", ("open", "done"))
    return _table(COMPLAINTS_TITLE, columns, rows, chart, drills, totals, note)


def _scores(rows: list[Any]) -> tuple[int, Decimal | None]:
    total = sum(r.satisfaction for r in rows)
    return len(rows), average(total, len(rows))


def satisfaction(db: Database, actor: Actor, params: ReportParams) -> ReportTable:
    found = _rows(db, actor, params, ServiceRecord.satisfaction.is_not(None))
    groups = _group(found)
    keys = in_category_handler_order(groups)
    rows = [(_label(key[1]), key[4], *_scores(groups[key])) for key in keys]
    totals = (_("Total"), "", *_scores(found)) if found else None
    columns = [
        *category_handler_columns(),
        ReportColumn("scored", _("Scored records"), "int"),
        ReportColumn("average", _("Average satisfaction"), "number"),
    ]
    note = _("Service records accepted in the period with a satisfaction score (1 to 5).")
    chart = ChartSpec("barh", "handler", ("average",))
    return _table(SATISFACTION_TITLE, columns, rows, chart, [], totals, note)


_DATES_REGION: tuple[FilterName, ...] = ("date_range", "region")

for _analysis in (
    Analysis(
        "complaints",
        COMPLAINTS_TITLE,
        SERVICE,
        _DATES_REGION,
        complaints,
        N_("Complaints per category and handler: open, resolved or closed, escalated."),
    ),
    Analysis(
        "satisfaction",
        SATISFACTION_TITLE,
        SERVICE,
        _DATES_REGION,
        satisfaction,
        N_("Average customer satisfaction (1 to 5) per category and handler."),
    ),
):
    register(_analysis)

__all__ = ["average", "complaints", "satisfaction"]
