"""SQL pieces the analyses share, written once for SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import ColumnElement, Integer, cast, func
from sqlalchemy.orm import Session

Granularity = Literal["month", "quarter", "year"]


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def period_key(
    session: Session, day: ColumnElement[Any], granularity: Granularity
) -> ColumnElement[str]:
    """A sortable text key for the period of a DATE column: 2026-03, 2026-Q1 or 2026."""
    if _is_sqlite(session):
        year = func.strftime("%Y", day)
        month = func.strftime("%m", day)
        if granularity == "month":
            return func.strftime("%Y-%m", day)
        if granularity == "year":
            return year
        quarter = (cast(month, Integer) + 2) / 3  # integer division in SQLite
        return func.printf("%s-Q%d", year, quarter)
    if granularity == "month":
        return func.to_char(day, "YYYY-MM")
    if granularity == "year":
        return func.to_char(day, "YYYY")
    return func.to_char(day, 'YYYY-"Q"Q')


def previous_year_key(key: str) -> str:
    """The same period one year earlier: 2026-03 -> 2025-03, 2026-Q1 -> 2025-Q1, 2026 -> 2025."""
    year, _sep, rest = key.partition("-")
    return f"{int(year) - 1}" + (f"-{rest}" if rest else "")
