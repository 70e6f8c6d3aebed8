"""Time, injectable.

Everything stored is an aware UTC datetime; calendar dates (order date, due date) are `date`.
Services take a `Clock` so tests can move time (lockouts, heartbeats, reminders) without sleeping.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock for tests: stands still until told to move."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **kwargs: float) -> None:
        self._now += timedelta(**kwargs)


def as_utc(value: datetime) -> datetime:
    """Treat a naive datetime as UTC (how SQLite hands them back) and convert aware ones."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def as_local_date(value: datetime) -> date:
    """The calendar date a stored (UTC) time falls on where the person sits."""
    return as_utc(value).astimezone().date()


def local_today(clock: Clock) -> date:
    """Today's calendar date on this computer, by the injected clock (follow-up and pool days)."""
    return as_local_date(clock.now())


def local_day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """UTC bounds [start of `first`, start of the day after `last`) in local time: an inclusive
    date range as a half-open time range, so a record on the last day is in it."""
    start = datetime.combine(first, time()).astimezone().astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time()).astimezone().astimezone(UTC)
    return start, end
