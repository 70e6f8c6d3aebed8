"""The calendar: appointments and tasks per operator, reminders by an injected clock, follow-ups
planned for a day, and who may see and change whose calendar."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock, local_today
from crm_desktop.core.db import Database
from crm_desktop.core.errors import PermissionDenied, ValidationError
from crm_desktop.core.services import calendar, contacts, followups
from tests.sales_fixtures import make_customer


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A local wall-clock time on `day`, aware (how the dialog hands it over)."""
    return datetime.combine(day, time(hour, minute)).astimezone()


def add(db: Database, actor: Actor, start: datetime, **values: Any) -> int:
    return calendar.save_appointment(
        db,
        actor,
        None,
        None,
        {"title": values.pop("title", "拜访客户"), "starts_at": start, **values},
    )


# --- reminders ---------------------------------------------------------------------------------


def test_a_reminder_fires_from_its_minutes_before_until_shortly_after_the_start(
    db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    li = team["li"]
    start = clock.now() + timedelta(hours=1)
    item = add(db, li, start, remind_minutes=15)

    assert calendar.due_reminders(db, li, start - timedelta(minutes=15, seconds=1)) == []
    assert [r.id for r in calendar.due_reminders(db, li, start - timedelta(minutes=15))] == [item]
    assert [r.id for r in calendar.due_reminders(db, li, start)] == [item]
    late = start + calendar.REMINDER_GRACE
    assert calendar.due_reminders(db, li, late) == []


def test_the_reminder_window_follows_the_injected_clock_by_default(
    db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    li = team["li"]
    item = add(db, li, clock.now() + timedelta(minutes=30), remind_minutes=10, place="客户公司")
    assert calendar.due_reminders(db, li) == []
    clock.advance(minutes=20)
    (reminder,) = calendar.due_reminders(db, li)
    assert (reminder.id, reminder.place) == (item, "客户公司")


def test_a_dismissed_reminder_does_not_come_back(
    db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    li = team["li"]
    item = add(db, li, clock.now() + timedelta(minutes=5), remind_minutes=10)
    assert [r.id for r in calendar.due_reminders(db, li)] == [item]
    calendar.dismiss_reminder(db, li, item)
    assert calendar.due_reminders(db, li) == []
    clock.advance(minutes=5)
    assert calendar.due_reminders(db, li) == []


def test_moving_a_dismissed_item_reminds_again_at_the_new_time(
    db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    li = team["li"]
    item = add(db, li, clock.now() + timedelta(minutes=5), remind_minutes=10)
    calendar.dismiss_reminder(db, li, item)
    version = calendar.get_appointment(db, li, item)["version"]
    later = clock.now() + timedelta(hours=2)
    calendar.save_appointment(db, li, item, version, {"starts_at": later})
    assert calendar.due_reminders(db, li) == []
    assert [r.id for r in calendar.due_reminders(db, li, later - timedelta(minutes=1))] == [item]


def test_done_items_and_items_without_reminder_never_remind(
    db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    li = team["li"]
    soon = clock.now() + timedelta(minutes=5)
    done = add(db, li, soon, remind_minutes=10, kind="task")
    calendar.set_done(db, li, done)
    add(db, li, soon, title="no reminder")
    assert calendar.due_reminders(db, li) == []


def test_reminders_are_only_for_their_own_operator(
    db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    add(db, team["zhao"], clock.now() + timedelta(minutes=5), remind_minutes=10)
    assert calendar.due_reminders(db, team["li"]) == []
    assert calendar.due_reminders(db, team["manager"]) == []
    assert len(calendar.due_reminders(db, team["zhao"])) == 1


# --- agenda ------------------------------------------------------------------------------------


def test_the_week_lists_items_in_time_order_with_planned_follow_ups_as_all_day_items(
    db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    li = team["li"]
    monday = local_today(clock) - timedelta(days=local_today(clock).weekday())
    customer = make_customer(db, li, "华为")
    contact = contacts.save_contact(db, li, customer, None, None, {"name": "张经理"})
    followups.record_followup(
        db,
        li,
        {"customer_id": customer, "content": "电话", "next_followup_on": monday + timedelta(2)},
    )
    afternoon = add(db, li, at(monday + timedelta(2), 15), title="送样品", kind="task")
    morning = add(
        db,
        li,
        at(monday + timedelta(2), 9),
        title="拜访华为",
        customer_id=customer,
        contact_id=contact,
        place="深圳",
    )

    week = calendar.agenda(db, li, monday, monday + timedelta(6))
    assert [(i.kind, i.id, i.day) for i in week] == [
        ("followup", None, monday + timedelta(2)),
        ("appointment", morning, monday + timedelta(2)),
        ("task", afternoon, monday + timedelta(2)),
    ]
    assert week[0].all_day and week[0].customer_name == "华为"
    assert (week[1].customer_name, week[1].contact_name, week[1].place) == (
        "华为",
        "张经理",
        "深圳",
    )
    assert calendar.agenda(db, li, monday, monday + timedelta(6), with_followups=False)[0].id == (
        morning
    )


def test_week_boundaries_are_local_days_first_and_last_included(
    db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    li = team["li"]
    monday = local_today(clock) - timedelta(days=local_today(clock).weekday())
    sunday = monday + timedelta(6)
    before = add(db, li, at(monday - timedelta(1), 23, 59), title="last week")
    first = add(db, li, at(monday, 0, 0), title="monday midnight")
    last = add(db, li, at(sunday, 23, 59), title="sunday night")
    after = add(db, li, at(sunday + timedelta(1), 0, 0), title="next week")

    assert [i.id for i in calendar.agenda(db, li, monday, sunday)] == [first, last]
    assert [
        i.id for i in calendar.agenda(db, li, sunday + timedelta(1), sunday + timedelta(1))
    ] == [after]
    assert [
        i.id for i in calendar.agenda(db, li, monday - timedelta(1), monday - timedelta(1))
    ] == [before]


# --- scope and ownership -----------------------------------------------------------------------


def test_a_manager_reads_the_team_calendars_a_salesperson_only_their_own(
    db: Database, team: dict[str, Actor], boss: Actor, clock: FixedClock
) -> None:
    li, zhao, manager = team["li"], team["zhao"], team["manager"]
    today = local_today(clock)
    item = add(db, zhao, at(today, 14))
    assert [i.id for i in calendar.agenda(db, manager, today, today, zhao.id)] == [item]
    assert [i.id for i in calendar.agenda(db, boss, today, today, zhao.id)] == [item]
    assert calendar.agenda(db, li, today, today) == []
    with pytest.raises(PermissionDenied):
        calendar.agenda(db, li, today, today, zhao.id)
    with pytest.raises(PermissionDenied):
        calendar.get_appointment(db, li, item)
    assert calendar.get_appointment(db, manager, item)["editable"] is False


def test_only_the_owner_changes_completes_deletes_or_dismisses_an_item(
    db: Database, team: dict[str, Actor], boss: Actor, clock: FixedClock
) -> None:
    zhao = team["zhao"]
    item = add(db, zhao, clock.now() + timedelta(minutes=5), remind_minutes=10)
    for other in (team["manager"], boss, team["li"]):
        with pytest.raises(PermissionDenied):
            calendar.save_appointment(db, other, item, 1, {"title": "changed"})
        with pytest.raises(PermissionDenied):
            calendar.set_done(db, other, item)
        with pytest.raises(PermissionDenied):
            calendar.delete_appointment(db, other, item)
        with pytest.raises(PermissionDenied):
            calendar.dismiss_reminder(db, other, item)
    calendar.set_done(db, zhao, item)
    assert calendar.get_appointment(db, zhao, item)["done"] is True
    calendar.delete_appointment(db, zhao, item)
    assert calendar.agenda(db, zhao, local_today(clock), local_today(clock)) == []


def test_a_colleagues_customer_cannot_be_put_on_my_calendar(
    db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    theirs = make_customer(db, team["zhao"], "赵的客户")
    with pytest.raises(PermissionDenied):
        add(db, team["li"], clock.now(), customer_id=theirs)


# --- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"title": "  "}, "title"),
        ({"starts_at": None}, "date and time"),
        ({"ends_at": "start"}, "after the start"),
        ({"remind_minutes": -1}, "minutes"),
        ({"kind": "party"}, "kind"),
    ],
)
def test_invalid_items_are_refused(
    db: Database, team: dict[str, Actor], clock: FixedClock, values: dict[str, Any], message: str
) -> None:
    start = clock.now()
    item = {"title": "拜访", "starts_at": start, **values}
    if item.get("ends_at") == "start":
        item["ends_at"] = start
    with pytest.raises(ValidationError, match=message):
        calendar.save_appointment(db, team["li"], None, None, item)


def test_a_contact_must_belong_to_the_chosen_customer(
    db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    li = team["li"]
    one, other = make_customer(db, li, "甲公司"), make_customer(db, li, "乙公司")
    contact = contacts.save_contact(db, li, other, None, None, {"name": "李经理"})
    with pytest.raises(ValidationError, match="contact"):
        add(db, li, clock.now(), customer_id=one, contact_id=contact)


def test_the_calendars_one_may_open_follow_the_data_scope(
    db: Database, team: dict[str, Actor], boss: Actor
) -> None:
    names = {code: [n for _i, n in calendar.calendar_owners(db, team[code])] for code in team}
    assert names["li"] == ["李四"]
    assert names["manager"][0] == "马经理" and set(names["manager"]) == {"马经理", "李四", "赵六"}
    assert set(n for _i, n in calendar.calendar_owners(db, boss)) >= {"王老板", "马经理", "李四"}


def test_demo_data_gives_each_salesperson_a_week_around_today(
    db: Database, boss: Actor, clock: FixedClock
) -> None:
    from crm_desktop.core.services import demo
    from tests.conftest import actor_of

    result = demo.generate(db, boss, customers=30, seed=1)
    assert result.counts["appointments"] > 0
    today = local_today(clock)
    sales01 = actor_of(db, "sales01")
    week = calendar.agenda(db, sales01, today - timedelta(3), today + timedelta(4))
    stored = [i for i in week if i.id is not None]
    assert {i.day for i in stored if i.day == today} == {today}
    assert all(i.done == (i.starts_at < clock.now()) for i in stored if i.starts_at)
    assert any(i.customer_name for i in stored)
