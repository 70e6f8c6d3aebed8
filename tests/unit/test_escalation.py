"""Complaints open past the firm's escalation days go to the handler's manager, once; closing a
complaint needs the customer's satisfaction score."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.db.watch import ChangeWatcher
from crm_desktop.core.errors import ValidationError
from crm_desktop.core.models import AuditEntry, ServiceRecord, Team
from crm_desktop.core.services import company, customers, operators, service_records
from crm_desktop.core.services.escalation import escalate_overdue
from crm_desktop.core.services.service_records import ServiceFilter
from tests.conftest import MakeOperator

ACCEPTED_DAY = date(2026, 3, 2)  # a Monday


def local(day: date, hour: int = 0, minute: int = 0) -> datetime:
    """A local wall-clock time as the stored UTC time (escalation counts local days)."""
    return datetime.combine(day, time(hour, minute)).astimezone().astimezone(UTC)


@pytest.fixture
def managed(db: Database, boss: Actor, team: dict[str, Actor]) -> dict[str, Actor]:
    """The east team with 马经理 recorded as its manager (teams.manager_id)."""
    with db.read() as session:
        east = session.scalar(select(Team).where(Team.code == "E"))
        east_id, version = east.id, east.version
    operators.save_team(db, boss, east_id, version, {"manager_id": team["manager"].id})
    return team


@pytest.fixture
def customer_id(db: Database, boss: Actor) -> int:
    return customers.create_customer(db, boss, {"name": "投诉客户有限公司"})


def complaint(
    db: Database, boss: Actor, customer_id: int, handler: Actor, kind: str = "complaint"
) -> int:
    values = {
        "customer_id": customer_id,
        "subject": "送货延误",
        "kind": kind,
        "handler_id": handler.id,
        "accepted_at": local(ACCEPTED_DAY, 16, 30),
    }
    return service_records.save_service_record(db, boss, None, None, values)


def record(db: Database, boss: Actor, record_id: int) -> dict:
    return service_records.get_service_record(db, boss, record_id)


def escalated_to(db: Database, boss: Actor, record_id: int) -> int | None:
    with db.read() as session:
        return session.get(ServiceRecord, record_id).escalated_to_id


def test_a_complaint_escalates_to_the_team_manager_exactly_after_the_days(
    db: Database, boss: Actor, managed: dict[str, Actor], customer_id: int
) -> None:
    record_id = complaint(db, boss, customer_id, managed["li"])
    due = local(ACCEPTED_DAY + timedelta(days=3))  # Thursday 00:00 local, with 3 days
    assert escalate_overdue(db, managed["li"], due - timedelta(microseconds=1)) == []
    assert escalated_to(db, boss, record_id) is None

    assert escalate_overdue(db, managed["li"], due) == [record_id]
    with db.read() as session:
        row = session.get(ServiceRecord, record_id)
        assert (row.escalated_at, row.escalated_to_id) == (due, managed["manager"].id)


def test_the_company_setting_decides_the_days(
    db: Database, boss: Actor, managed: dict[str, Actor], customer_id: int
) -> None:
    version = company.get_profile(db, boss)["version"]
    company.update_profile(db, boss, version, {"complaint_escalation_days": 5})
    record_id = complaint(db, boss, customer_id, managed["li"])
    assert escalate_overdue(db, None, local(ACCEPTED_DAY + timedelta(days=4), 23, 59)) == []
    assert escalate_overdue(db, None, local(ACCEPTED_DAY + timedelta(days=5))) == [record_id]


@pytest.mark.parametrize("days", [0, -1, 366, "x"])
def test_escalation_days_outside_one_to_a_year_are_refused(
    db: Database, boss: Actor, days: object
) -> None:
    version = company.get_profile(db, boss)["version"]
    with pytest.raises(ValidationError):
        company.update_profile(db, boss, version, {"complaint_escalation_days": days})


def test_without_a_team_manager_or_for_the_manager_it_goes_to_the_boss(
    db: Database,
    boss: Actor,
    managed: dict[str, Actor],
    make_operator: MakeOperator,
    customer_id: int,
) -> None:
    desk = make_operator("desk", "service", name="客服小王")  # in no team
    for_desk = complaint(db, boss, customer_id, desk)
    for_manager = complaint(db, boss, customer_id, managed["manager"])
    escalate_overdue(db, None, local(ACCEPTED_DAY + timedelta(days=10)))
    assert escalated_to(db, boss, for_desk) == boss.id
    assert escalated_to(db, boss, for_manager) == boss.id


def test_a_managers_complaint_goes_to_the_manager_of_the_parent_team(
    db: Database,
    boss: Actor,
    managed: dict[str, Actor],
    make_operator: MakeOperator,
    customer_id: int,
) -> None:
    head = make_operator("head", "sales_manager", name="销售总监")
    sales = operators.save_team(db, boss, None, None, {"code": "S", "name": "销售部"})
    with db.write(boss) as uow:
        uow.session.get(Team, sales).manager_id = head.id
        east = uow.session.scalar(select(Team).where(Team.code == "E"))
        east.parent_id = sales
    record_id = complaint(db, boss, customer_id, managed["manager"])
    escalate_overdue(db, None, local(ACCEPTED_DAY + timedelta(days=3)))
    assert escalated_to(db, boss, record_id) == head.id


def test_escalation_happens_once_with_one_audit_row_and_announces_service(
    db: Database, boss: Actor, team: dict[str, Actor], customer_id: int
) -> None:
    record_id = complaint(db, boss, customer_id, team["li"])
    first = local(ACCEPTED_DAY + timedelta(days=3))
    assert escalate_overdue(db, boss, first) == [record_id]
    assert escalate_overdue(db, boss, first + timedelta(days=2)) == []
    detail = record(db, boss, record_id)
    version = detail["version"]
    service_records.set_service_status(db, boss, record_id, version, "in_progress")
    assert escalate_overdue(db, boss, first + timedelta(days=9)) == []
    with db.read() as session:
        assert session.get(ServiceRecord, record_id).escalated_at == first
        audits = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "service.escalate", AuditEntry.entity_id == record_id)
        )
    assert audits == 1


def test_escalation_announces_service_to_other_pcs(
    db: Database, boss: Actor, team: dict[str, Actor], customer_id: int
) -> None:
    complaint(db, boss, customer_id, team["li"])
    watcher = ChangeWatcher(db)
    other_pc = Database(db.url, clock=db.clock)
    escalate_overdue(other_pc, None, local(ACCEPTED_DAY + timedelta(days=3)))
    assert watcher.poll().touches("service")
    other_pc.dispose()


def test_closed_resolved_and_other_kinds_never_escalate(
    db: Database, boss: Actor, team: dict[str, Actor], customer_id: int
) -> None:
    closed = complaint(db, boss, customer_id, team["li"])
    service_records.set_service_status(db, boss, closed, 1, "closed", satisfaction=2)
    resolved = complaint(db, boss, customer_id, team["li"])
    service_records.set_service_status(db, boss, resolved, 1, "resolved")
    complaint(db, boss, customer_id, team["li"], kind="service")
    complaint(db, boss, customer_id, team["li"], kind="consultation")
    started = complaint(db, boss, customer_id, team["li"])
    service_records.set_service_status(db, boss, started, 1, "in_progress")
    assert escalate_overdue(db, None, local(ACCEPTED_DAY + timedelta(days=30))) == [started]


def test_the_manager_filters_what_was_escalated_to_them(
    db: Database, boss: Actor, managed: dict[str, Actor], customer_id: int
) -> None:
    escalated = complaint(db, boss, customer_id, managed["li"])
    escalate_overdue(db, None, local(ACCEPTED_DAY + timedelta(days=3)))
    complaint(db, boss, customer_id, managed["li"])  # a new one, not escalated yet
    manager = managed["manager"]
    rows = service_records.list_service_records(
        db, manager, ServiceFilter(escalated_to_id=manager.id)
    )
    assert [(r.id, r.kind, r.escalated_to_name) for r in rows] == [
        (escalated, "complaint", "马经理")
    ]


# --- satisfaction ----------------------------------------------------------------------------


def test_closing_a_complaint_needs_a_score_from_one_to_five(
    db: Database, boss: Actor, team: dict[str, Actor], customer_id: int
) -> None:
    record_id = complaint(db, boss, customer_id, team["li"])
    with pytest.raises(ValidationError, match="satisfaction"):
        service_records.set_service_status(db, boss, record_id, 1, "closed")
    for wrong in (0, 6, "many", True):
        with pytest.raises(ValidationError, match="1 to 5"):
            service_records.set_service_status(db, boss, record_id, 1, "closed", satisfaction=wrong)
    assert record(db, boss, record_id)["status"] == "open"

    service_records.set_service_status(
        db, boss, record_id, 1, "closed", satisfaction=4, comment=" 处理及时 "
    )
    detail = record(db, boss, record_id)
    assert (detail["status"], detail["satisfaction"], detail["satisfaction_comment"]) == (
        "closed",
        4,
        "处理及时",
    )
    with pytest.raises(ValidationError, match="satisfaction"):  # nor can it be cleared later
        service_records.save_service_record(
            db, boss, record_id, detail["version"], {"satisfaction": None}
        )


def test_a_service_call_closes_without_a_score_but_a_given_one_is_checked(
    db: Database, boss: Actor, team: dict[str, Actor], customer_id: int
) -> None:
    plain = complaint(db, boss, customer_id, team["li"], kind="service")
    service_records.set_service_status(db, boss, plain, 1, "closed")
    assert record(db, boss, plain)["satisfaction"] is None
    other = complaint(db, boss, customer_id, team["li"], kind="consultation")
    with pytest.raises(ValidationError):
        service_records.save_service_record(db, boss, other, 1, {"satisfaction": 9})
    service_records.set_service_status(db, boss, other, 1, "closed", satisfaction=5)
    assert record(db, boss, other)["satisfaction"] == 5


@pytest.mark.sqlite_only(reason="the command opens the database file")
def test_crm_service_escalate_runs_the_rule(
    db: Database,
    boss: Actor,
    team: dict[str, Actor],
    customer_id: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from crm_desktop.cli import main
    from tests.conftest import BOSS_PASSWORD

    record_id = complaint(db, boss, customer_id, team["li"])  # accepted long before today
    monkeypatch.setenv("CRM_PASSWORD", BOSS_PASSWORD)
    assert main(["--db", str(db.path), "--as", "boss", "service", "escalate"]) == 0
    assert "Complaints escalated: 1" in capsys.readouterr().out
    assert escalated_to(db, boss, record_id) == boss.id  # the east team has no manager recorded
