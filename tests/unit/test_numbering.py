"""Document numbers: prefix + today's date + sequence, restarting per period, never reused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text, update

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock, local_today
from crm_desktop.core.db import Database
from crm_desktop.core.errors import ConflictError, PermissionDenied, ValidationError
from crm_desktop.core.models import NumberingRule
from crm_desktop.core.services import numbering, orders, quotes
from tests.sales_fixtures import make_customer, make_order, make_quote


def number_of(db: Database, boss: Actor, order_id: int) -> str:
    return orders.get_order(db, boss, order_id).number


def rule(db: Database, boss: Actor, kind: str) -> numbering.RuleRow:
    return next(r for r in numbering.list_rules(db, boss) if r.kind == kind)


def set_rule(db: Database, **values: object) -> None:
    with db.write(None) as uow:
        uow.session.execute(
            update(NumberingRule).where(NumberingRule.kind == "order").values(**values)
        )


def test_format_number_puts_prefix_date_and_padded_sequence_together() -> None:
    day = local_today(FixedClock())
    assert numbering.format_number("SO", "%Y%m%d", 4, day, 7) == f"SO{day:%Y%m%d}0007"
    assert numbering.format_number("", "", 3, day, 12) == "012"
    assert numbering.format_number("HT-", "%y", 2, day, 123) == f"HT-{day:%y}123"


def test_orders_are_numbered_from_today_in_sequence(db: Database, boss: Actor) -> None:
    today = local_today(db.clock)
    customer = make_customer(db, boss)
    first = make_order(db, boss, customer)
    back_dated = make_order(db, boss, customer, order_date=today - timedelta(days=40))
    assert number_of(db, boss, first) == f"SO{today:%Y%m%d}0001"
    assert number_of(db, boss, back_dated) == f"SO{today:%Y%m%d}0002"  # today's, not the order's


def test_quotes_have_their_own_sequence(db: Database, boss: Actor) -> None:
    today = local_today(db.clock)
    customer = make_customer(db, boss)
    make_order(db, boss, customer)
    quote = make_quote(db, boss, customer)
    assert quotes.get_quote(db, boss, quote).number == f"QT{today:%Y%m%d}0001"


def test_the_sequence_restarts_each_day(db: Database, boss: Actor, clock: FixedClock) -> None:
    customer = make_customer(db, boss)
    make_order(db, boss, customer)
    make_order(db, boss, customer)
    clock.advance(days=1)
    order = make_order(db, boss, customer)
    assert number_of(db, boss, order) == f"SO{local_today(clock):%Y%m%d}0001"


@pytest.mark.parametrize(
    ("reset", "date_format", "later", "expected_seq"),
    [
        ("monthly", "%Y%m", timedelta(days=3), 3),  # same month: continues
        ("monthly", "%Y%m", timedelta(days=40), 1),  # next month: restarts
        ("yearly", "%Y", timedelta(days=100), 3),
        ("yearly", "%Y", timedelta(days=400), 1),
        ("never", "", timedelta(days=800), 3),
    ],
)
def test_the_sequence_restarts_when_the_rules_period_changes(
    db: Database,
    boss: Actor,
    clock: FixedClock,
    reset: str,
    date_format: str,
    later: timedelta,
    expected_seq: int,
) -> None:
    current = rule(db, boss, "order")
    numbering.save_rule(
        db, boss, current.id, current.version, {"reset": reset, "date_format": date_format}
    )
    customer = make_customer(db, boss)
    make_order(db, boss, customer)
    make_order(db, boss, customer)
    clock.advance(days=later.days)
    order = make_order(db, boss, customer)
    day = local_today(clock)
    period = day.strftime(date_format) if date_format else ""
    assert number_of(db, boss, order) == f"SO{period}{expected_seq:04d}"


def test_numbers_already_taken_are_skipped(db: Database, boss: Actor) -> None:
    today = f"{local_today(db.clock):%Y%m%d}"
    customer = make_customer(db, boss)
    imported = make_order(db, boss, customer)
    with db.write(None) as uow:  # as if imported from the old system: 0002 and 0003 exist
        uow.session.execute(
            text("UPDATE sales_orders SET number = :n WHERE id = :id"),
            {"n": f"SO{today}0003", "id": imported},
        )
    make_order_two = make_order(db, boss, customer)
    with db.write(None) as uow:
        uow.session.execute(
            text("UPDATE sales_orders SET number = :n WHERE id = :id"),
            {"n": f"SO{today}0002", "id": make_order_two},
        )
    set_rule(db, next_sequence=1)  # someone set the rule back
    first, second = make_order(db, boss, customer), make_order(db, boss, customer)
    assert number_of(db, boss, first) == f"SO{today}0001"
    assert number_of(db, boss, second) == f"SO{today}0004"
    assert rule(db, boss, "order").next_sequence == 5


def test_many_taken_numbers_in_a_row_are_skipped(db: Database, boss: Actor) -> None:
    today = f"{local_today(db.clock):%Y%m%d}"
    customer = make_customer(db, boss)
    for _i in range(45):
        make_order(db, boss, customer)
    set_rule(db, next_sequence=1)
    order = make_order(db, boss, customer)
    assert number_of(db, boss, order) == f"SO{today}0046"


def test_list_rules_shows_the_number_issued_next(
    db: Database, boss: Actor, clock: FixedClock
) -> None:
    customer = make_customer(db, boss)
    make_order(db, boss, customer)
    today = local_today(clock)
    row = rule(db, boss, "order")
    assert (row.prefix, row.next_sequence, row.example) == ("SO", 2, f"SO{today:%Y%m%d}0002")
    clock.advance(days=1)
    row = rule(db, boss, "order")
    assert row.example == f"SO{local_today(clock):%Y%m%d}0001"
    assert {r.kind for r in numbering.list_rules(db, boss)} == set(numbering.NUMBERED)


def test_a_changed_rule_applies_to_the_next_number_and_is_audited(
    db: Database, boss: Actor
) -> None:
    current = rule(db, boss, "order")
    numbering.save_rule(
        db,
        boss,
        current.id,
        current.version,
        {
            "prefix": "XS-",
            "date_format": "%Y%m-",
            "sequence_digits": 5,
            "next_sequence": 100,
            "reset": "monthly",
        },
    )
    order = make_order(db, boss, make_customer(db, boss))
    assert number_of(db, boss, order) == f"XS-{local_today(db.clock):%Y%m-}00100"
    with db.read() as session:
        actions = session.execute(
            text("SELECT action FROM audit_log WHERE entity = 'numbering_rule'")
        ).scalars()
        assert list(actions) == ["numbering_rule.update"]


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"prefix": "S O"}, "prefix"),
        ({"date_format": "%H%M"}, "only %Y"),
        ({"reset": "daily", "date_format": "%Y%m"}, "repeat"),
        ({"reset": "monthly", "date_format": ""}, "repeat"),
        ({"reset": "hourly"}, "Unknown reset"),
        ({"sequence_digits": 0}, "Sequence digits"),
        ({"next_sequence": 0}, "Next sequence"),
        (
            {"prefix": "X" * 20, "date_format": "%Y%m%d%m%d", "sequence_digits": 10},
            "longer than 40",
        ),
        ({"date_format": "%Y-%m-%d-%Y-%m-%d-%Y-"}, "date part can have at most 20"),
    ],
)
def test_a_rule_that_would_make_bad_numbers_is_refused(
    db: Database, boss: Actor, values: dict[str, object], problem: str
) -> None:
    current = rule(db, boss, "order")
    with pytest.raises(ValidationError, match=problem):
        numbering.save_rule(db, boss, current.id, current.version, values)


def test_only_who_may_edit_the_company_changes_rules(db: Database, team: dict[str, Actor]) -> None:
    current = rule(db, team["manager"], "order")  # everyone may read them (previews)
    with pytest.raises(PermissionDenied):
        numbering.save_rule(db, team["manager"], current.id, current.version, {"prefix": "X"})


def test_a_rule_saved_from_a_stale_copy_conflicts(db: Database, boss: Actor) -> None:
    current = rule(db, boss, "order")
    numbering.save_rule(db, boss, current.id, current.version, {"prefix": "A"})
    with pytest.raises(ConflictError):
        numbering.save_rule(db, boss, current.id, current.version, {"prefix": "B"})
