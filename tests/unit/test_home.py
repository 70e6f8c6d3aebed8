"""The home dashboard: my target against my sales, the ranking, and today's work, in scope."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import select

from crm_desktop.core.models import Customer
from crm_desktop.core.services import calendar, followups, home, targets
from crm_desktop.core.services.targets import Holder
from tests.unit import test_targets
from tests.unit.test_targets import NOV

world = test_targets.world  # the same salespeople, orders and receipts

DAY = date(2026, 11, 30)


def _customer(db, name):
    with db.read() as session:
        return session.scalar(select(Customer.id).where(Customer.name == name))


def _at(day, hour):
    return datetime.combine(day, time(hour)).astimezone()


def test_salesperson_sees_own_target_and_the_team_ranking(db, boss, world):
    li = world["li"]
    targets.set_target(db, boss, Holder("operator", li.id), "month", NOV, "2000")
    targets.set_target(db, boss, Holder("operator", li.id), "quarter", NOV, "4000")
    board = home.dashboard(db, li, DAY)
    assert (board.month.target, board.month.actual) == (Decimal("2000.00"), Decimal("1550.50"))
    assert board.month.fraction == Decimal("0.7753")
    assert (board.quarter.target, board.quarter.actual) == (Decimal("4000.00"), Decimal("3326.50"))
    assert [(r.rank, r.name, r.sales) for r in board.ranking] == [
        (1, "李四", Decimal("1550.50")),
        (2, "赵六", Decimal("420.00")),
    ]
    assert [r.customer_name for r in board.overdue] == ["李的客户"]
    # what receipts' aging counts as owed (drafts too), due by the order date before today
    assert board.overdue_total == Decimal("750.50") + Decimal("777.00") + Decimal("5000.00")
    assert board.funnel  # the stages, even when empty


def test_boss_sees_every_salesperson_and_the_company_target(db, boss, world):
    targets.set_target(db, boss, Holder("team", world["east"]), "month", NOV, "3000")
    targets.set_target(db, boss, Holder("team", world["west"]), "month", NOV, "1000")
    board = home.dashboard(db, boss, DAY)
    assert board.month.target == Decimal("4000.00")
    assert board.month.actual == Decimal("2059.38")
    assert [r.name for r in board.ranking] == ["李四", "赵六", "王五"]
    assert {r.customer_name for r in board.overdue} == {"李的客户", "赵的客户"}


def test_manager_sees_the_team_target(db, boss, world):
    targets.set_target(db, boss, Holder("team", world["east"]), "month", NOV, "3000")
    board = home.dashboard(db, world["manager"], DAY)
    assert board.month.holder_name == "华东组"
    assert (board.month.target, board.month.actual) == (Decimal("3000.00"), Decimal("1970.50"))
    assert "王五" not in [r.name for r in board.ranking]


def test_todays_followups_appointments_and_unread_annotations_are_my_own(db, boss, world):
    li, zhao = world["li"], world["zhao"]
    mine = _customer(db, "李的客户")
    followup = followups.record_followup(
        db, li, {"customer_id": mine, "subject": "报价", "next_followup_on": DAY}
    )
    followups.annotate(db, world["manager"], followup, "抓紧")
    calendar.save_appointment(db, li, None, None, {"title": "拜访李总", "starts_at": _at(DAY, 10)})
    calendar.save_appointment(
        db, li, None, None, {"title": "明天", "starts_at": _at(DAY, 23).replace(day=29)}
    )
    calendar.save_appointment(db, zhao, None, None, {"title": "赵的", "starts_at": _at(DAY, 9)})
    board = home.dashboard(db, li, DAY)
    assert [f.customer_name for f in board.followups] == ["李的客户"]
    assert [a.title for a in board.appointments] == ["拜访李总"]
    assert board.unread_annotations == 1
    assert home.dashboard(db, zhao, DAY).unread_annotations == 0
