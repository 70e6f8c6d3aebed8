"""Column types shared by every model: money as integer cents, UTC datetimes, quantities."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime
from sqlalchemy.types import TypeDecorator

from crm_desktop.core.clock import as_utc
from crm_desktop.core.money import from_cents, to_cents

QUANTITY_SCALE = 1000  # quantities keep three decimals (kg, m, hours) exactly


class Money(TypeDecorator[Decimal]):
    """A `Decimal` amount stored as integer cents: SQL sums stay exact."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | int | str | None, dialect: object) -> int | None:
        return None if value is None else to_cents(value)

    def process_result_value(self, value: int | None, dialect: object) -> Decimal | None:
        return None if value is None else from_cents(int(value))


class Quantity(TypeDecorator[Decimal]):
    """A `Decimal` quantity with three decimals, stored as an integer."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | int | str | None, dialect: object) -> int | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("quantity must not be a float")
        return int((Decimal(value) * QUANTITY_SCALE).to_integral_value())

    def process_result_value(self, value: int | None, dialect: object) -> Decimal | None:
        return None if value is None else Decimal(int(value)) / QUANTITY_SCALE


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime; SQLite's naive values come back marked as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("store aware datetimes only (UTC)")
        utc = as_utc(value)
        return utc.replace(tzinfo=None) if getattr(dialect, "name", "") == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return None if value is None else as_utc(value)
