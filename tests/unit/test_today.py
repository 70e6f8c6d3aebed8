"""The today queue: my due and overdue customers, my customers about to return to the pool, and
the managers' annotations I have not read."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock, local_today
from crm_desktop.core.db import Database
from crm_desktop.core.models import PoolStatus
from crm_desktop.core.services import customers, followups, orders, pool, receipts
from crm_desktop.core.services.today import today_queue
from tests.conftest import MakeOperator
from tests.sales_fixtures import (
    make_confirmed_order,
    make_customer,
    make_receipt,
    make_signed_contract,
)


def _customer(db: Database, owner: Actor, name: str, next_on: date | None = None) -> int:
    """A customer of `owner`; with `next_on`, a follow-up that plans the next one for that day."""
    customer_id = customers.create_customer(db, owner, {"name": name})
    if next_on is not None:
        followups.record_followup(
            db,
            owner,
            {
                "customer_id": customer_id,
                "content": "first call",
                "next_followup_on": next_on,
                "next_action": f"call {name} back",
            },
        )
    return customer_id


def test_due_lists_my_customers_due_today_or_overdue_most_overdue_first(
    db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    li, zhao = team["li"], team["zhao"]
    today = local_today(clock)
    due_today = _customer(db, li, "due today", today)
    overdue = _customer(db, li, "three days late", today - timedelta(days=3))
    _customer(db, li, "tomorrow", today + timedelta(days=1))
    _customer(db, li, "no plan")
    _customer(db, zhao, "zhao's late one", today - timedelta(days=5))

    due = today_queue(db, li).due
    assert [(d.customer_id, d.overdue_days) for d in due] == [(overdue, 3), (due_today, 0)]
    assert due[0].next_action == "call three days late back"
    assert due[0].last_followup_at == clock.now()
    assert due[0].next_followup_on == today - timedelta(days=3)


def test_tomorrow_the_plan_for_tomorrow_is_due(
    db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    li = team["li"]
    tomorrow = _customer(db, li, "tomorrow", local_today(clock) + timedelta(days=1))
    assert today_queue(db, li).due == []

    clock.advance(days=1)
    assert [(d.customer_id, d.overdue_days) for d in today_queue(db, li).due] == [(tomorrow, 0)]


def test_a_new_follow_up_with_a_later_plan_takes_the_customer_off_the_queue(
    db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    li = team["li"]
    customer_id = _customer(db, li, "late", local_today(clock) - timedelta(days=2))
    followups.record_followup(
        db,
        li,
        {
            "customer_id": customer_id,
            "content": "visited",
            "next_followup_on": local_today(clock) + timedelta(days=7),
        },
    )
    assert today_queue(db, li).due == []


def test_released_and_archived_customers_are_not_due(
    db: Database, boss: Actor, team: dict[str, Actor], clock: FixedClock
) -> None:
    li = team["li"]
    yesterday = local_today(clock) - timedelta(days=1)
    released = _customer(db, li, "released", yesterday)
    archived = _customer(db, li, "archived", yesterday)
    pool.release(db, li, [released])
    customers.set_archived(db, boss, archived, True)
    assert today_queue(db, li).due == []


def test_unread_annotations_are_listed_newest_first_until_opened(
    db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    li, manager = team["li"], team["manager"]
    customer_id = _customer(db, li, "北京科技", local_today(clock))
    [followup] = followups.list_followups(db, li)
    followups.annotate(db, manager, followup.id, "ask for a deposit")
    clock.advance(minutes=10)
    followups.annotate(db, manager, followup.id, "and a delivery date")

    notes = today_queue(db, li).annotations
    assert [n.body for n in notes] == ["and a delivery date", "ask for a deposit"]
    assert (notes[0].customer_id, notes[0].customer_name) == (customer_id, "北京科技")
    assert (notes[0].followup_id, notes[0].author_name) == (followup.id, "马经理")
    assert today_queue(db, manager).annotations == []

    followups.list_annotations(db, li, followup.id)
    assert today_queue(db, li).annotations == []


def _enable_pool_rule(db: Database, boss: Actor, **values: Any) -> None:
    version = pool.get_rules(db, boss)["version"]
    pool.save_rules(db, boss, version, {"enabled": True, **values})


def test_returning_lists_only_my_customers_about_to_return_to_the_pool(
    db: Database, boss: Actor, team: dict[str, Actor], clock: FixedClock
) -> None:
    li, zhao = team["li"], team["zhao"]
    clock.advance(days=-28)
    _enable_pool_rule(db, boss, no_followup_days=30, warn_days=3)
    idle = _customer(db, li, "idle since the call", local_today(clock) + timedelta(days=7))
    zhaos = _customer(db, zhao, "zhao's idle one", local_today(clock) + timedelta(days=7))
    bosses = _customer(db, boss, "the boss's idle one", local_today(clock) + timedelta(days=7))
    clock.advance(days=28)
    _customer(db, li, "fresh")

    assert [c.customer_id for c in today_queue(db, li).returning] == [idle]
    # The boss sees everyone's customers but the queue holds only the boss's own.
    assert [c.customer_id for c in today_queue(db, boss).returning] == [bosses]
    assert [c.customer_id for c in today_queue(db, zhao).returning] == [zhaos]


def test_returning_is_empty_while_the_pool_rule_is_off(
    db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    li = team["li"]
    clock.advance(days=-60)
    customer_id = _customer(db, li, "long idle")
    clock.advance(days=60)
    assert today_queue(db, li).returning == []
    assert customers.get_customer(db, li, customer_id)["pool_status"] == PoolStatus.PRIVATE


# --- sales: overdue instalments and expiring contracts -------------------------------------------


def test_overdue_lists_only_my_customers_unpaid_instalments_most_overdue_first(
    db: Database, boss: Actor, team: dict[str, Actor], clock: FixedClock
) -> None:
    li, zhao = team["li"], team["zhao"]
    today = local_today(clock)
    mine = make_customer(db, li, "李四的客户")
    order = make_confirmed_order(db, li, mine, "300.00")
    receipts.set_payment_plan(
        db, li, order_id=order,
        instalments=[(today - timedelta(9), Decimal("100.00"), None),
                     (today - timedelta(2), Decimal("100.00"), None),
                     (today + timedelta(5), Decimal("100.00"), None)],
    )  # fmt: skip
    make_receipt(db, boss, mine, "130.00", (order, "130.00"))
    theirs = make_customer(db, zhao, "赵六的客户")
    zhaos = make_confirmed_order(db, zhao, theirs, "100.00")
    receipts.set_payment_plan(
        db, zhao, order_id=zhaos, instalments=[(today - timedelta(20), Decimal("100.00"), None)]
    )

    overdue = today_queue(db, li).overdue
    assert [(o.customer_name, o.due_on, o.outstanding, o.overdue_days) for o in overdue] == [
        ("李四的客户", today - timedelta(2), Decimal("70.00"), 2)
    ]
    assert overdue[0].document_number == orders.get_order(db, li, order).number
    assert [o.customer_name for o in today_queue(db, zhao).overdue] == ["赵六的客户"]
    assert today_queue(db, boss).overdue == []  # the boss sees both, but owns neither


def test_expiring_lists_my_signed_contracts_ending_within_30_days(
    db: Database, boss: Actor, team: dict[str, Actor], clock: FixedClock
) -> None:
    li, zhao = team["li"], team["zhao"]
    today = local_today(clock)
    mine, theirs = make_customer(db, li, "李四的客户"), make_customer(db, zhao, "赵六的客户")
    ends = {
        days: make_signed_contract(db, boss, mine, end_on=today + timedelta(days))
        for days in (31, 30, 0, -1)
    }
    make_signed_contract(db, boss, mine, end_on=today + timedelta(5), status="draft")
    make_signed_contract(db, boss, theirs, end_on=today + timedelta(5))

    expiring = today_queue(db, li).expiring
    assert [(c.contract_id, c.days_left) for c in expiring] == [(ends[0], 0), (ends[30], 30)]
    assert (expiring[0].customer_id, expiring[0].customer_name) == (mine, "李四的客户")
    assert expiring[0].end_on == today
    assert expiring[0].amount == Decimal("1000.00")
    assert [c.customer_name for c in today_queue(db, zhao).expiring] == ["赵六的客户"]
    assert today_queue(db, boss).expiring == []


def test_a_role_without_sales_rights_gets_empty_sales_sections(
    db: Database, make_operator: MakeOperator
) -> None:
    service = make_operator("fw", "service")
    queue = today_queue(db, service)
    assert (queue.overdue, queue.expiring) == ([], [])
