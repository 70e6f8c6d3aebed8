"""The plumbing every paged list shares: sort order, equality filters, date ranges, text search.

Each service keeps its own columns and rules; these helpers only say once how a sort key becomes
an ORDER BY with a stable tiebreak and how a filter's plain fields become WHERE clauses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, or_, select

from crm_desktop.core.errors import ValidationError
from crm_desktop.core.i18n import _
from crm_desktop.core.models import Customer
from crm_desktop.core.services.customers import matches_search


def sort_order(
    columns: Mapping[str, Any],
    sort: str,
    descending: bool,
    id_column: Any,
    *,
    nulls_last: bool = True,
) -> tuple[Any, Any]:
    """ORDER BY terms for a sort key: the column (empty values last), then the id, so a page
    boundary never splits or repeats rows that tie. An unknown key is refused."""
    if sort not in columns:
        raise ValidationError(_("Unknown sort order “{sort}”.").format(sort=sort))
    column = columns[sort]
    order = column.desc() if descending else column.asc()
    if nulls_last:
        order = order.nulls_last()
    tiebreak = id_column.desc() if descending else id_column.asc()
    return order, tiebreak


def equal_to(model: Any, wanted: Any, names: Iterable[str]) -> list[ColumnElement[bool]]:
    """`model.name == wanted.name` for each named filter field that is set (not None)."""
    return [
        getattr(model, name) == getattr(wanted, name)
        for name in names
        if getattr(wanted, name) is not None
    ]


def date_range(
    column: Any, date_from: date | None, date_to: date | None
) -> list[ColumnElement[bool]]:
    """`column` within the given days, both ends included; an open end is not limited."""
    where: list[ColumnElement[bool]] = []
    if date_from is not None:
        where.append(column >= date_from)
    if date_to is not None:
        where.append(column <= date_to)
    return where


def text_or_customer(text: str, customer_id: Any, *columns: Any) -> ColumnElement[bool]:
    """`text` anywhere in one of `columns` (any case: LIKE ignores it on SQLite but not on
    PostgreSQL, so both compare lower case), or a customer that matches_search finds."""
    matching = select(Customer.id).where(matches_search(text))
    return or_(
        *(column.icontains(text, autoescape=True) for column in columns),
        customer_id.in_(matching),
    )
