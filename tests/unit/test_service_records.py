"""Service records: status with resolved time from the clock, filters, order, and data scope."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock, local_day_bounds
from crm_desktop.core.db import Database
from crm_desktop.core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from crm_desktop.core.models import AuditEntry, BaseDataKind
from crm_desktop.core.services import basedata, contacts, customer_records, customers
from crm_desktop.core.services import service_records as service
from crm_desktop.core.services.service_records import ServiceFilter
from tests.conftest import MakeOperator


@pytest.fixture
def firm(db: Database, boss: Actor, team: dict[str, Actor]) -> dict[str, int]:
    """One customer each for 李四 and 赵六."""
    return {
        "li": customers.create_customer(
            db, boss, {"name": "李四的客户", "owner_id": team["li"].id}
        ),
        "zhao": customers.create_customer(
            db, boss, {"name": "赵六的客户", "owner_id": team["zhao"].id}
        ),
    }


def _new(db: Database, actor: Actor, customer_id: int, subject: str = "设备报修", **extra) -> int:
    values = {"customer_id": customer_id, "subject": subject, **extra}
    return service.save_service_record(db, actor, None, None, values)


def _ids(db: Database, actor: Actor, **wanted) -> list[int]:
    return [row.id for row in service.list_service_records(db, actor, ServiceFilter(**wanted))]


def test_new_record_is_open_now_handled_by_its_creator_and_audited(
    db: Database, clock: FixedClock, team: dict[str, Actor], firm: dict[str, int]
) -> None:
    li = team["li"]
    record_id = _new(db, li, firm["li"], priority=1)
    detail = service.get_service_record(db, li, record_id)
    assert (detail["status"], detail["handler_id"], detail["accepted_at"]) == (
        "open",
        li.id,
        clock.now(),
    )
    assert (detail["priority"], detail["resolved_at"], detail["customer_name"]) == (
        1,
        None,
        "李四的客户",
    )
    with db.read() as session:
        action = session.scalar(
            select(AuditEntry.action).where(
                AuditEntry.entity == "service_record", AuditEntry.entity_id == record_id
            )
        )
    assert action == "service_record.create"


def test_resolving_and_closing_stamp_the_time_and_reopening_clears_it(
    db: Database, clock: FixedClock, boss: Actor, firm: dict[str, int]
) -> None:
    record_id = _new(db, boss, firm["li"])
    service.set_service_status(db, boss, record_id, 1, "in_progress")
    assert service.get_service_record(db, boss, record_id)["resolved_at"] is None

    clock.advance(hours=3)
    resolved_at = clock.now()
    service.set_service_status(db, boss, record_id, 2, "resolved", result=" 更换主板 ")
    detail = service.get_service_record(db, boss, record_id)
    assert (detail["status"], detail["resolved_at"], detail["result"]) == (
        "resolved",
        resolved_at,
        "更换主板",
    )

    clock.advance(days=2)
    service.set_service_status(db, boss, record_id, 3, "closed")
    detail = service.get_service_record(db, boss, record_id)
    assert (detail["status"], detail["resolved_at"], detail["result"]) == (
        "closed",
        resolved_at,  # closing a resolved record keeps when it was resolved
        "更换主板",
    )

    service.set_service_status(db, boss, record_id, 4, "open")
    assert service.get_service_record(db, boss, record_id)["resolved_at"] is None
    clock.advance(hours=1)
    service.set_service_status(db, boss, record_id, 5, "closed")
    assert service.get_service_record(db, boss, record_id)["resolved_at"] == clock.now()


def test_unknown_status_and_bad_values_are_refused(
    db: Database, boss: Actor, firm: dict[str, int]
) -> None:
    record_id = _new(db, boss, firm["li"])
    region = basedata.choices(db, boss, BaseDataKind.REGION)[0][0]
    other_contact = contacts.save_contact(
        db, boss, firm["zhao"], None, None, {"name": "别家联系人"}
    )
    with pytest.raises(ValidationError):
        service.set_service_status(db, boss, record_id, 1, "done")
    for bad in (
        {"subject": "  "},
        {"priority": 4},
        {"kind": "visit"},
        {"satisfaction": 6},
        {"category_id": region},
        {"contact_id": other_contact},
        {"accepted_at": None},
    ):
        with pytest.raises(ValidationError):
            service.save_service_record(db, boss, record_id, 1, bad)
    with pytest.raises(NotFound):
        service.get_service_record(db, boss, 999)


def test_salesperson_cannot_see_load_or_change_a_colleagues_service_record(
    db: Database, boss: Actor, team: dict[str, Actor], firm: dict[str, int]
) -> None:
    li, zhao = team["li"], team["zhao"]
    theirs = _new(db, zhao, firm["zhao"], "赵六的服务")
    mine = _new(db, li, firm["li"], "李四的服务")
    for_my_customer = _new(db, boss, firm["li"], "老板为李四客户上门")

    assert set(_ids(db, li)) == {mine, for_my_customer}
    assert service.count_service_records(db, li) == 2
    with pytest.raises(PermissionDenied):
        service.get_service_record(db, li, theirs)
    with pytest.raises(PermissionDenied):
        _new(db, li, firm["zhao"])
    with pytest.raises(PermissionDenied):
        _new(db, li, firm["li"], handler_id=zhao.id)


def test_salesperson_needs_service_edit_to_change_records_and_manager_sees_the_team(
    db: Database, team: dict[str, Actor], firm: dict[str, int]
) -> None:
    li, zhao, manager = team["li"], team["zhao"], team["manager"]
    mine, theirs = _new(db, li, firm["li"]), _new(db, zhao, firm["zhao"])
    with pytest.raises(PermissionDenied):  # salespeople record requests; the desk edits them
        service.set_service_status(db, li, mine, 1, "closed")
    with pytest.raises(PermissionDenied):
        service.save_service_record(db, li, mine, 1, {"subject": "改"})
    assert set(_ids(db, manager)) == {mine, theirs}


def test_service_desk_edits_any_record_and_hands_it_to_a_colleague(
    db: Database, make_operator: MakeOperator, team: dict[str, Actor], firm: dict[str, int]
) -> None:
    desk, colleague = make_operator("svc1", "service"), make_operator("svc2", "service")
    record_id = _new(db, team["zhao"], firm["zhao"])
    service.save_service_record(db, desk, record_id, 1, {"handler_id": colleague.id})
    assert service.get_service_record(db, desk, record_id)["handler_name"] == "svc2"
    assert _ids(db, team["li"]) == []


def test_stale_version_raises_conflict(db: Database, boss: Actor, firm: dict[str, int]) -> None:
    record_id = _new(db, boss, firm["li"])
    service.save_service_record(db, boss, record_id, 1, {"remarks": "先到"})
    with pytest.raises(ConflictError):
        service.save_service_record(db, boss, record_id, 1, {"remarks": "后到"})
    with pytest.raises(ConflictError):
        service.set_service_status(db, boss, record_id, 1, "resolved")
    detail = service.get_service_record(db, boss, record_id)
    assert (detail["remarks"], detail["status"]) == ("先到", "open")


def test_list_is_newest_accepted_first_and_filters(
    db: Database, boss: Actor, team: dict[str, Actor], firm: dict[str, int]
) -> None:
    repair = basedata.choices(db, boss, BaseDataKind.SERVICE_CATEGORY)[1][0]
    day = date(2026, 2, 10)
    start_of_day, end_of_day = local_day_bounds(day, day)
    first_moment = _new(db, boss, firm["li"], "安装调试", accepted_at=start_of_day)
    last_moment = _new(
        db,
        team["zhao"],
        firm["zhao"],
        "打印机卡纸",
        accepted_at=end_of_day - timedelta(seconds=1),
        priority=1,
        category_id=repair,
    )
    next_day = _new(db, boss, firm["li"], "回访", accepted_at=end_of_day)
    earlier = _new(db, boss, firm["zhao"], "培训", accepted_at=start_of_day - timedelta(days=3))
    service.set_service_status(db, boss, earlier, 1, "closed")

    assert _ids(db, boss) == [next_day, last_moment, first_moment, earlier]
    assert _ids(db, boss, date_from=day, date_to=day) == [last_moment, first_moment]
    assert _ids(db, boss, date_from=day) == [next_day, last_moment, first_moment]
    assert _ids(db, boss, date_to=day - timedelta(days=1)) == [earlier]
    assert _ids(db, boss, status="closed") == [earlier]
    assert _ids(db, boss, open_only=True) == [next_day, last_moment, first_moment]
    assert _ids(db, boss, priority=1) == [last_moment]
    assert _ids(db, boss, category_id=repair) == [last_moment]
    assert _ids(db, boss, handler_id=team["zhao"].id) == [last_moment]
    assert _ids(db, boss, customer_id=firm["zhao"]) == [last_moment, earlier]
    assert _ids(db, boss, search="卡纸") == [last_moment]
    assert _ids(db, boss, search="赵六的客户") == [last_moment, earlier]
    assert service.count_service_records(db, boss, ServiceFilter(customer_id=firm["li"])) == 2

    rows = service.list_service_records(db, boss, sort="subject", descending=False)
    assert [row.subject for row in rows] == sorted(["安装调试", "打印机卡纸", "回访", "培训"])
    row = service.list_service_records(db, boss, ServiceFilter(priority=1))[0]
    assert (row.category_name, row.handler_name, row.customer_name, row.status) == (
        "Repair",
        "赵六",
        "赵六的客户",
        "open",
    )
    with pytest.raises(ValidationError):
        service.list_service_records(db, boss, sort="nonsense")


def test_customer_history_lists_the_records_of_that_customer(
    db: Database, boss: Actor, team: dict[str, Actor], firm: dict[str, int]
) -> None:
    at = datetime(2026, 1, 2, 3, 0, tzinfo=UTC)
    older = _new(db, boss, firm["li"], "旧的", accepted_at=at)
    newer = _new(db, team["li"], firm["li"], "新的")
    _new(db, boss, firm["zhao"], "别家的")
    history = customer_records.customer_service_records(db, team["li"], firm["li"])
    assert [row.id for row in history] == [newer, older]
