"""One analysis, three views: every statistic is a plain table (no Qt, no matplotlib here).

An `Analysis` names itself (the CLI's `crm report NAME`), says which filters apply, how it is
best drawn (`ChartSpec`) and computes a `ReportTable` with one SQL query under the operator's data
scope. The statistics tab shows the same table and draws the chart; the exporter writes it to
xlsx; `crm report` prints it. Each row may carry a `Drill`: what to list when the person
double-clicks it (the records behind the figure).

Money in rows is `Decimal` summed as integer cents in SQL; counts are `int`; dates are `date`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from crm_desktop.core.actor import Actor
from crm_desktop.core.db.database import Database
from crm_desktop.core.errors import NotFound, ValidationError
from crm_desktop.core.i18n import _
from crm_desktop.core.models import DocumentStatus

# "number": a Decimal that is not money (an average, e.g. hours to resolve), shown as it is.
ColumnKind = Literal["text", "int", "money", "date", "percent", "days", "month", "number"]
ChartKind = Literal["bar", "barh", "line", "stacked", "heat", "funnel", "pie", "none"]
FilterName = Literal[
    "date_range", "region", "salesperson", "product", "top_n", "granularity", "idle_days"
]

# Orders that count as sales: confirmed or further, never drafts or cancelled ones. Amounts are
# the sum of the order lines (before tax), so every figure adds up to its lines.
SALES_STATUSES = (DocumentStatus.CONFIRMED, DocumentStatus.DELIVERED, DocumentStatus.CLOSED)


@dataclass(frozen=True)
class ReportColumn:
    key: str
    label: str  # already translated
    kind: ColumnKind = "text"


@dataclass(frozen=True)
class ChartSpec:
    """How the table is best drawn: `category` column on one axis, `values` columns as series
    (a cross table lists one value column per crossed category and uses "stacked" or "heat")."""

    kind: ChartKind
    category: str = ""
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Drill:
    """The records behind one row: `kind` of record and the filters that select them.

    kind: "customers" | "orders" | "order_lines" | "receipts" | "service" | "opportunities" |
    "followups". Filter keys: date_from, date_to (inclusive dates), region_id, salesperson_id,
    product_id, customer_id, type_id, source_id, industry_id, stage_id, status, handler_id,
    category_id, operator_id, idle_days — whichever apply to that kind.
    """

    kind: str
    filters: dict[str, Any] = field(default_factory=dict)


@dataclass
class ReportTable:
    title: str
    columns: list[ReportColumn]
    rows: list[tuple[Any, ...]]
    chart: ChartSpec
    drills: list[Drill | None] = field(default_factory=list)  # empty, or one per row
    totals: tuple[Any, ...] | None = None  # a last "Total" row, shown apart from the data
    note: str = ""  # e.g. "Sales are confirmed, delivered and closed orders, before tax."

    def column(self, key: str) -> int:
        """Index of a column by key."""
        for index, column in enumerate(self.columns):
            if column.key == key:
                return index
        raise KeyError(key)

    @property
    def is_empty(self) -> bool:
        return not self.rows


@dataclass(frozen=True)
class ReportParams:
    """Every filter an analysis may take; each analysis reads only those it declares."""

    date_from: date | None = None
    date_to: date | None = None  # inclusive
    region_id: int | None = None
    salesperson_id: int | None = None
    product_id: int | None = None
    top_n: int = 10
    granularity: Literal["month", "quarter", "year"] = "month"
    idle_days: int = 30

    def __post_init__(self) -> None:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValidationError(_("The start date is after the end date."))
        if self.top_n < 1:
            raise ValidationError(_("Top N must be at least 1."))


Compute = Callable[[Database, Actor, ReportParams], ReportTable]


@dataclass(frozen=True)
class Analysis:
    name: str  # the CLI name, e.g. "salesperson-sales"
    title: str  # marked with N_, translated where shown
    group: str  # marked with N_: "Customers", "Sales", "Pipeline", "Receivables", ...
    filters: tuple[FilterName, ...]
    compute: Compute
    description: str = ""  # marked with N_: one line under the title


# Modules that register analyses, imported on first use (the app's start-up never pays for them).
ANALYSIS_MODULES = (
    "crm_desktop.core.reports.customer_analyses",
    "crm_desktop.core.reports.sales_analyses",
    "crm_desktop.core.reports.pipeline_analyses",
    "crm_desktop.core.reports.target_analyses",
    "crm_desktop.core.reports.campaign_analyses",
    "crm_desktop.core.reports.service_analyses",
)

_registry: dict[str, Analysis] = {}


def register(analysis: Analysis) -> Analysis:
    if analysis.name in _registry:
        raise ValueError(f"analysis {analysis.name!r} registered twice")
    _registry[analysis.name] = analysis
    return analysis


def analyses() -> list[Analysis]:
    """Every analysis, in registration order (grouped by module)."""
    for module in ANALYSIS_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:  # a module not written yet
            if exc.name != module:
                raise
    return list(_registry.values())


def analysis(name: str) -> Analysis:
    wanted = name.replace("_", "-")  # `campaign_results` finds campaign-results too
    for found in analyses():
        if found.name in (name, wanted):
            return found
    raise NotFound(_("There is no analysis called “{name}”.").format(name=name))


def run(db: Database, actor: Actor, name: str, params: ReportParams | None = None) -> ReportTable:
    """Compute one analysis for the operator (each compute checks statistics.view and scope)."""
    return analysis(name).compute(db, actor, params or ReportParams())


def money_total(rows: Sequence[tuple[Any, ...]], index: int) -> Decimal:
    """Sum a money column exactly (Decimal, never float)."""
    return sum((row[index] or Decimal("0.00") for row in rows), Decimal("0.00"))
