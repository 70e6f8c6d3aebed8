"""Follow-ups: recording moves the customer's dates, scoped lists, annotations, supervision."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock
from crm_desktop.core.db import Database
from crm_desktop.core.errors import ConflictError, PermissionDenied, ValidationError
from crm_desktop.core.models import Customer
from crm_desktop.core.services import contacts, customers, followups, operators, records
from crm_desktop.core.services.followups import FollowUpFilter, SupervisionRow
from tests.conftest import MakeOperator

pytestmark = pytest.mark.usefixtures("shanghai")  # local days are Shanghai days


@pytest.fixture
def firm(db: Database, boss: Actor, make_operator: MakeOperator) -> dict[str, Any]:
    """East team (manager, li, zhao), west team (chen); each salesperson owns one customer."""
    east = operators.save_team(db, boss, None, None, {"code": "E", "name": "华东组"})
    west = operators.save_team(db, boss, None, None, {"code": "W", "name": "华西组"})
    manager = make_operator("mgr", "sales_manager", team_id=east, name="马经理")
    operators.save_team(db, boss, east, 1, {"manager_id": manager.id})
    people = {
        "manager": manager,
        "li": make_operator("li", "salesperson", team_id=east, name="李四"),
        "zhao": make_operator("zhao", "salesperson", team_id=east, name="赵六"),
        "chen": make_operator("chen", "salesperson", team_id=west, name="陈七"),
    }
    owned = {
        code: customers.create_customer(
            db, boss, {"name": f"{code} trading {index}", "owner_id": person.id}
        )
        for index, (code, person) in enumerate(people.items())
    }
    return {"people": people, "owned": owned, "east": east, "west": west}


def _record(db: Database, actor: Actor, customer_id: int, **values: Any) -> int:
    values.setdefault("content", "talked about the order")
    return followups.record_followup(db, actor, {"customer_id": customer_id, **values})


def _customer(db: Database, customer_id: int) -> Any:
    """The customer's follow-up dates and version as stored."""
    with db.read() as session:
        customer = session.get(Customer, customer_id)
        return records.snapshot(customer, ("last_followup_at", "next_followup_on", "version"))


def _ids(rows: list[followups.FollowUpRow]) -> list[int]:
    return [row.id for row in rows]


def _local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A Shanghai wall-clock time as an aware UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


# --- recording ---------------------------------------------------------------------------------


def test_recording_moves_the_customers_last_and_next_follow_up(
    db: Database, firm: dict, clock: FixedClock
) -> None:
    li, customer_id = firm["people"]["li"], firm["owned"]["li"]
    first = _record(db, li, customer_id, next_followup_on=date(2026, 1, 8))
    clock.advance(days=2)
    second = _record(db, li, customer_id, method="visit", next_followup_on=date(2026, 1, 20))

    customer = _customer(db, customer_id)
    assert customer["last_followup_at"] == clock.now()
    assert customer["next_followup_on"] == date(2026, 1, 20)
    assert customer["version"] == 1  # derived dates: an open customer form still saves
    assert followups.get_followup(db, li, first)["done"] is True
    detail = followups.get_followup(db, li, second)
    assert detail["done"] is False
    assert detail["operator_name"] == "李四"
    assert detail["happened_at"] == clock.now()


def test_a_back_dated_follow_up_keeps_the_later_plan(
    db: Database, firm: dict, clock: FixedClock
) -> None:
    li, customer_id = firm["people"]["li"], firm["owned"]["li"]
    _record(db, li, customer_id, next_followup_on=date(2026, 1, 20))
    older = _record(
        db,
        li,
        customer_id,
        happened_at=clock.now() - timedelta(days=3),
        next_followup_on=date(2026, 1, 6),
    )

    customer = _customer(db, customer_id)
    assert customer["last_followup_at"] == clock.now()
    assert customer["next_followup_on"] == date(2026, 1, 20)
    assert followups.get_followup(db, li, older)["done"] is True


def test_recording_refuses_a_contact_of_another_customer(db: Database, firm: dict) -> None:
    li = firm["people"]["li"]
    stranger = contacts.save_contact(
        db, firm["people"]["zhao"], firm["owned"]["zhao"], None, None, {"name": "王五"}
    )
    with pytest.raises(ValidationError, match="contact does not belong"):
        _record(db, li, firm["owned"]["li"], contact_id=stranger)


def test_recording_refuses_an_unknown_method_and_an_empty_record(db: Database, firm: dict) -> None:
    li, customer_id = firm["people"]["li"], firm["owned"]["li"]
    with pytest.raises(ValidationError, match="method"):
        _record(db, li, customer_id, method="fax")
    with pytest.raises(ValidationError, match="subject"):
        _record(db, li, customer_id, content="  ")
    assert followups.count_followups(db, li) == 0


def test_salesperson_cannot_record_on_a_colleagues_customer(db: Database, firm: dict) -> None:
    with pytest.raises(PermissionDenied):
        _record(db, firm["people"]["li"], firm["owned"]["zhao"])


# --- listing -----------------------------------------------------------------------------------


def test_list_is_newest_first_and_filters_by_operator_customer_and_method(
    db: Database, boss: Actor, firm: dict, clock: FixedClock
) -> None:
    li, zhao = firm["people"]["li"], firm["people"]["zhao"]
    a = _record(db, li, firm["owned"]["li"], method="phone")
    clock.advance(hours=1)
    b = _record(db, zhao, firm["owned"]["zhao"], method="visit")
    clock.advance(hours=1)
    c = _record(db, li, firm["owned"]["li"], method="visit")

    assert _ids(followups.list_followups(db, boss)) == [c, b, a]
    assert followups.count_followups(db, boss) == 3
    by_li = FollowUpFilter(operator_id=li.id)
    assert _ids(followups.list_followups(db, boss, by_li)) == [c, a]
    assert followups.count_followups(db, boss, by_li) == 2
    by_customer = FollowUpFilter(customer_id=firm["owned"]["zhao"])
    assert _ids(followups.list_followups(db, boss, by_customer)) == [b]
    visits = FollowUpFilter(method="visit")
    assert _ids(followups.list_followups(db, boss, visits)) == [c, b]
    assert _ids(followups.list_followups(db, boss, limit=2, offset=1)) == [b, a]

    row = followups.list_followups(db, boss, by_customer)[0]
    assert (row.customer_name, row.operator_name, row.method) == ("zhao trading 2", "赵六", "visit")


def test_date_range_includes_the_whole_last_local_day(
    db: Database, boss: Actor, firm: dict
) -> None:
    li, customer_id = firm["people"]["li"], firm["owned"]["li"]
    # Both on 2026-01-05 in UTC, but on different local (UTC+8) days.
    late_evening = _record(db, li, customer_id, happened_at=_local(2026, 1, 5, 23, 30))
    after_midnight = _record(db, li, customer_id, happened_at=_local(2026, 1, 6, 0, 10))
    first_minute = _record(db, li, customer_id, happened_at=_local(2026, 1, 5, 0, 0))
    _record(db, li, customer_id, happened_at=_local(2026, 1, 4, 23, 59))

    fifth = FollowUpFilter(date_from=date(2026, 1, 5), date_to=date(2026, 1, 5))
    assert _ids(followups.list_followups(db, boss, fifth)) == [late_evening, first_minute]
    from_sixth = FollowUpFilter(date_from=date(2026, 1, 6))
    assert _ids(followups.list_followups(db, boss, from_sixth)) == [after_midnight]


def test_search_finds_follow_ups_by_content_and_by_customer_name(
    db: Database, boss: Actor, firm: dict
) -> None:
    li = firm["people"]["li"]
    quote = _record(db, li, firm["owned"]["li"], content="sent the 100% quote")
    other = _record(db, firm["people"]["chen"], firm["owned"]["chen"], content="called")

    assert _ids(followups.list_followups(db, boss, FollowUpFilter(search="100%"))) == [quote]
    assert _ids(followups.list_followups(db, boss, FollowUpFilter(search="SENT"))) == [quote]
    assert _ids(followups.list_followups(db, boss, FollowUpFilter(search="chen"))) == [other]


def test_salesperson_cannot_see_a_colleagues_follow_ups_on_the_colleagues_customer(
    db: Database, firm: dict
) -> None:
    li, zhao = firm["people"]["li"], firm["people"]["zhao"]
    mine = _record(db, li, firm["owned"]["li"])
    theirs = _record(db, zhao, firm["owned"]["zhao"])

    assert _ids(followups.list_followups(db, li)) == [mine]
    assert followups.count_followups(db, li) == 1
    with pytest.raises(PermissionDenied):
        followups.get_followup(db, li, theirs)
    with pytest.raises(PermissionDenied):
        followups.list_followups(db, li, FollowUpFilter(customer_id=firm["owned"]["zhao"]))


def test_salesperson_sees_the_history_of_a_customer_they_now_own(
    db: Database, boss: Actor, firm: dict, clock: FixedClock
) -> None:
    li, zhao = firm["people"]["li"], firm["people"]["zhao"]
    customer_id = firm["owned"]["zhao"]
    earlier = _record(db, zhao, customer_id)
    version = customers.get_customer(db, boss, customer_id)["version"]
    customers.update_customer(db, boss, customer_id, version, {"owner_id": li.id})
    clock.advance(days=1)
    latest = _record(db, li, customer_id)

    history = FollowUpFilter(customer_id=customer_id)
    assert _ids(followups.list_followups(db, li, history)) == [latest, earlier]
    assert followups.get_followup(db, li, earlier)["operator_name"] == "赵六"
    # zhao still sees the visit he made, but not the new owner's.
    assert _ids(followups.list_followups(db, zhao)) == [earlier]


def test_manager_sees_the_team_and_filters_by_team(db: Database, boss: Actor, firm: dict) -> None:
    people, owned = firm["people"], firm["owned"]
    east_ids = {_record(db, people[code], owned[code]) for code in ("li", "zhao")}
    west = _record(db, people["chen"], owned["chen"])

    assert set(_ids(followups.list_followups(db, people["manager"]))) == east_ids
    by_west = FollowUpFilter(team_id=firm["west"])
    assert _ids(followups.list_followups(db, boss, by_west)) == [west]
    assert followups.count_followups(db, boss, FollowUpFilter(team_id=firm["east"])) == 2


def test_team_filter_includes_sub_teams(db: Database, boss: Actor, firm: dict, make_operator):
    north = operators.save_team(
        db, boss, None, None, {"code": "EN", "name": "华东北", "parent_id": firm["east"]}
    )
    sun = make_operator("sun", "salesperson", team_id=north)
    customer_id = customers.create_customer(db, boss, {"name": "sun shop", "owner_id": sun.id})
    sub = _record(db, sun, customer_id)

    by_east = FollowUpFilter(team_id=firm["east"])
    assert _ids(followups.list_followups(db, boss, by_east)) == [sub]


# --- editing -----------------------------------------------------------------------------------


def test_author_edits_with_the_version_and_the_customer_follows(db: Database, firm: dict) -> None:
    li, zhao = firm["people"]["li"], firm["people"]["zhao"]
    customer_id = firm["owned"]["li"]
    followup_id = _record(db, li, customer_id, next_followup_on=date(2026, 1, 9))

    followups.update_followup(
        db, li, followup_id, 1, {"result": "agreed", "next_followup_on": date(2026, 2, 1)}
    )
    assert followups.get_followup(db, li, followup_id)["result"] == "agreed"
    assert _customer(db, customer_id)["next_followup_on"] == date(2026, 2, 1)
    with pytest.raises(ConflictError):
        followups.update_followup(db, li, followup_id, 1, {"result": "stale"})
    with pytest.raises(PermissionDenied):
        followups.update_followup(db, zhao, followup_id, 2, {"result": "not mine"})


def test_supervisor_may_correct_a_follow_up_in_scope_only(db: Database, firm: dict) -> None:
    people, owned = firm["people"], firm["owned"]
    in_team = _record(db, people["li"], owned["li"])
    other_team = _record(db, people["chen"], owned["chen"])

    followups.update_followup(db, people["manager"], in_team, 1, {"subject": "Price talk"})
    with pytest.raises(PermissionDenied):
        followups.update_followup(db, people["manager"], other_team, 1, {"subject": "x"})


# --- annotations -------------------------------------------------------------------------------


def test_annotating_needs_the_permission_and_the_operator_in_scope(
    db: Database, firm: dict
) -> None:
    people, owned = firm["people"], firm["owned"]
    lis = _record(db, people["li"], owned["li"])
    chens = _record(db, people["chen"], owned["chen"])

    with pytest.raises(PermissionDenied, match="Annotate follow-ups"):
        followups.annotate(db, people["zhao"], lis, "looks good")
    with pytest.raises(PermissionDenied, match="outside your data scope"):
        followups.annotate(db, people["manager"], chens, "call them again")
    with pytest.raises(ValidationError):
        followups.annotate(db, people["manager"], lis, "  ")
    followups.annotate(db, people["manager"], lis, "ask for a deposit")

    [row] = followups.list_followups(
        db, people["manager"], FollowUpFilter(operator_id=people["li"].id)
    )
    assert (row.annotations, row.unread_annotations) == (1, 1)


def test_unread_count_drops_when_the_salesperson_opens_them_not_the_manager(
    db: Database, firm: dict, clock: FixedClock
) -> None:
    li, manager = firm["people"]["li"], firm["people"]["manager"]
    followup_id = _record(db, li, firm["owned"]["li"])
    followups.annotate(db, manager, followup_id, "ask for a deposit")
    clock.advance(minutes=5)
    followups.annotate(db, manager, followup_id, "and a delivery date")
    assert followups.unread_annotation_count(db, li) == 2

    seen_by_manager = followups.list_annotations(db, manager, followup_id)
    assert [row.body for row in seen_by_manager] == ["ask for a deposit", "and a delivery date"]
    assert followups.unread_annotation_count(db, li) == 2

    peeked = followups.list_annotations(db, li, followup_id, mark_read=False)
    assert followups.unread_annotation_count(db, li) == 2
    opened = followups.list_annotations(db, li, followup_id)
    assert [row.read_at for row in opened] == [None, None]  # shown as new this once
    assert opened[0].author_name == "马经理"
    assert followups.unread_annotation_count(db, li) == 0
    assert all(
        row.read_at == clock.now() for row in followups.list_annotations(db, li, followup_id)
    )
    assert len(peeked) == 2


# --- supervision -------------------------------------------------------------------------------


def test_supervision_counts_follow_ups_per_local_day_and_person(
    db: Database, boss: Actor, firm: dict
) -> None:
    people, owned = firm["people"], firm["owned"]
    for at in (_local(2026, 1, 5, 9), _local(2026, 1, 5, 23, 30), _local(2026, 1, 6, 0, 10)):
        _record(db, people["li"], owned["li"], happened_at=at)
    _record(db, people["zhao"], owned["zhao"], happened_at=_local(2026, 1, 5, 10))
    _record(db, people["chen"], owned["chen"], happened_at=_local(2026, 1, 5, 10))
    _record(db, people["li"], owned["li"], happened_at=_local(2026, 1, 7, 10))  # after the range

    manager = people["manager"]
    rows = followups.supervision(db, manager, date(2026, 1, 5), date(2026, 1, 6))
    assert rows == [
        SupervisionRow(date(2026, 1, 5), people["li"].id, "李四", 2),
        SupervisionRow(date(2026, 1, 5), people["zhao"].id, "赵六", 1),
        SupervisionRow(date(2026, 1, 6), people["li"].id, "李四", 1),
    ]
    west = followups.supervision(db, boss, date(2026, 1, 5), date(2026, 1, 5), team_id=firm["west"])
    assert west == [SupervisionRow(date(2026, 1, 5), people["chen"].id, "陈七", 1)]
    with pytest.raises(PermissionDenied):
        followups.supervision(db, people["li"], date(2026, 1, 5), date(2026, 1, 6))


def test_method_labels_name_every_method() -> None:
    from crm_desktop.core.models import FollowUpMethod

    assert set(followups.METHOD_LABELS) == set(FollowUpMethod)


def test_pool_customers_history_is_read_in_the_customer_not_listed_as_my_follow_ups(
    db: Database, firm: dict
) -> None:
    from crm_desktop.core.services import pool

    li, zhao = firm["people"]["li"], firm["people"]["zhao"]
    visit = _record(db, zhao, firm["owned"]["zhao"])
    pool.release(db, zhao, [firm["owned"]["zhao"]])  # now in the public pool, visible to all

    assert followups.list_followups(db, li) == []
    assert followups.count_followups(db, li) == 0
    history = FollowUpFilter(customer_id=firm["owned"]["zhao"])
    assert _ids(followups.list_followups(db, li, history)) == [visit]
    assert followups.get_followup(db, li, visit)["operator_name"] == "赵六"


def test_text_search_pages_newest_first_across_recent_and_old_follow_ups(
    db: Database, firm: dict, clock: FixedClock
) -> None:
    li = firm["people"]["li"]
    customer = firm["owned"]["li"]
    old = _record(db, li, customer, content="报价 sent long ago")
    clock.advance(days=200)
    _record(db, li, customer, content="unrelated call")
    recent = _record(db, li, customer, content="second 报价")
    quote = FollowUpFilter(search="报价")

    assert _ids(followups.list_followups(db, li, quote, limit=1)) == [recent]  # recent window
    assert _ids(followups.list_followups(db, li, quote, limit=2)) == [recent, old]  # whole table
    assert _ids(followups.list_followups(db, li, quote, limit=1, offset=1)) == [old]
