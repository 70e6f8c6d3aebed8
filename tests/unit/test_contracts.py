"""Contracts: numbered, covering the customer's own orders, with a signed file, expiring
reminders by the injected clock, version conflicts, permissions and data scope."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock, local_today
from crm_desktop.core.db import Database
from crm_desktop.core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from crm_desktop.core.models import AuditEntry
from crm_desktop.core.services import attachments, operators, orders
from crm_desktop.core.services import contracts as con
from crm_desktop.core.services.contracts import ContractFilter
from tests.conftest import MakeOperator
from tests.sales_fixtures import line, make_customer, make_order


@pytest.fixture
def firm(db: Database, boss: Actor, team: dict[str, Actor]) -> dict[str, int]:
    """A customer each for 李四 and 赵六, and orders on them by their owners."""
    li_customer = make_customer(db, boss, "李四的客户", owner=team["li"])
    zhao_customer = make_customer(db, boss, "赵六的客户", owner=team["zhao"])
    return {
        "li": li_customer,
        "zhao": zhao_customer,
        "li_order_1": make_order(db, team["li"], li_customer, [line("螺栓", 3, "0.10")]),
        "li_order_2": make_order(db, team["li"], li_customer, [line("垫片", 1, "1000000.20")]),
        "zhao_order": make_order(db, team["zhao"], zhao_customer),
    }


def _contract(
    db: Database, actor: Actor, customer_id: int, order_ids: list[int] | None = None, **values
) -> int:
    return con.save_contract(
        db, actor, None, None, {"customer_id": customer_id, **values}, order_ids or []
    )


def _confirmed(db: Database, actor: Actor, customer_id: int, ends_in: int, **values) -> int:
    today = local_today(db.clock)
    contract_id = _contract(
        db,
        actor,
        customer_id,
        start_on=today - timedelta(days=300),
        end_on=today + timedelta(days=ends_in),
        **values,
    )
    con.set_contract_status(db, actor, contract_id, 1, "confirmed")
    return contract_id


def _audit_actions(db: Database, contract_id: int) -> list[str]:
    with db.read() as session:
        return list(
            session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.entity == "contract", AuditEntry.entity_id == contract_id)
                .order_by(AuditEntry.id)
            )
        )


def test_new_contract_is_numbered_by_the_rule_and_its_amount_is_the_orders_total(
    db: Database, team: dict[str, Actor], firm: dict[str, int]
) -> None:
    manager = team["manager"]
    orders_ = [firm["li_order_1"], firm["li_order_2"]]
    contract_id = _contract(
        db, manager, firm["li"], orders_, title=" 年度供货合同 ", salesperson_id=team["li"].id
    )

    detail = con.get_contract(db, manager, contract_id)
    assert detail.number.startswith("HT")
    assert con.contract_id_by_number(db, manager, detail.number) == contract_id
    assert (detail.status, detail.title, detail.salesperson_name, detail.customer_name) == (
        "draft",
        "年度供货合同",
        "李四",
        "李四的客户",
    )
    assert detail.amount == Decimal("1000000.50")  # 0.30 + 1000000.20, exact to the cent
    assert [(number, total) for _id, number, total in detail.orders] == sorted(
        [
            (orders.get_order(db, manager, i).number, orders.get_order(db, manager, i).total)
            for i in orders_
        ]
    )
    assert detail.signed_file is None
    assert _audit_actions(db, contract_id) == ["contract.create", "contract.orders"]
    second = _contract(db, manager, firm["li"])
    assert con.get_contract(db, manager, second).number != detail.number


def test_an_entered_amount_wins_and_a_change_of_orders_recomputes_a_missing_one(
    db: Database, team: dict[str, Actor], firm: dict[str, int]
) -> None:
    manager = team["manager"]
    contract_id = _contract(db, manager, firm["li"], [firm["li_order_1"]], amount="8888.88")
    assert con.get_contract(db, manager, contract_id).amount == Decimal("8888.88")

    con.save_contract(db, manager, contract_id, 1, {"title": "改名"}, [firm["li_order_1"]])
    assert con.get_contract(db, manager, contract_id).amount == Decimal("8888.88")

    con.save_contract(db, manager, contract_id, 2, {}, [firm["li_order_2"]])
    detail = con.get_contract(db, manager, contract_id)
    assert (detail.amount, [i for i, _n, _t in detail.orders]) == (
        Decimal("1000000.20"),
        [firm["li_order_2"]],
    )
    assert detail.version == 3


def test_linked_orders_must_belong_to_the_contracts_customer(
    db: Database, boss: Actor, team: dict[str, Actor], firm: dict[str, int]
) -> None:
    with pytest.raises(ValidationError, match="another customer"):
        _contract(db, boss, firm["li"], [firm["li_order_1"], firm["zhao_order"]])
    contract_id = _contract(db, boss, firm["li"], [firm["li_order_1"]])
    with pytest.raises(ValidationError, match="another customer"):
        con.save_contract(
            db, boss, contract_id, 1, {"customer_id": firm["zhao"]}, [firm["li_order_1"]]
        )
    with pytest.raises(NotFound):
        con.save_contract(db, boss, contract_id, 1, {}, [99999])
    assert [i for i, _n, _t in con.get_contract(db, boss, contract_id).orders] == [
        firm["li_order_1"]
    ]


def test_a_cancelled_order_cannot_be_linked(
    db: Database, boss: Actor, firm: dict[str, int]
) -> None:
    order_id = firm["li_order_1"]
    orders.set_order_status(
        db, boss, order_id, orders.get_order(db, boss, order_id).version, "cancelled"
    )
    with pytest.raises(ValidationError, match="cancelled"):
        _contract(db, boss, firm["li"], [order_id])


def test_salesperson_sees_only_contracts_of_own_work_or_own_customers(
    db: Database, boss: Actor, team: dict[str, Actor], firm: dict[str, int]
) -> None:
    li, zhao, manager = team["li"], team["zhao"], team["manager"]
    mine = _contract(db, boss, firm["li"], salesperson_id=li.id)
    by_boss_for_my_customer = _contract(db, boss, firm["li"])
    theirs = _contract(db, boss, firm["zhao"], salesperson_id=zhao.id)

    assert {row.id for row in con.list_contracts(db, li)} == {mine, by_boss_for_my_customer}
    assert con.count_contracts(db, li) == 2
    with pytest.raises(PermissionDenied):
        con.get_contract(db, li, theirs)
    with pytest.raises(PermissionDenied):
        con.contract_id_by_number(db, li, con.get_contract(db, boss, theirs).number)
    assert {row.id for row in con.list_contracts(db, manager)} == {
        mine,
        by_boss_for_my_customer,
        theirs,
    }


def test_other_teams_manager_can_neither_see_nor_change_nor_file_the_contract(
    db: Database,
    boss: Actor,
    make_operator: MakeOperator,
    team: dict[str, Actor],
    firm: dict[str, int],
    tmp_path: Path,
) -> None:
    west = operators.save_team(db, boss, None, None, {"code": "W", "name": "华西组"})
    other = make_operator("west", "sales_manager", team_id=west)
    contract_id = _contract(db, team["manager"], firm["li"], salesperson_id=team["li"].id)
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4 signed")

    assert con.list_contracts(db, other) == []
    with pytest.raises(PermissionDenied):
        con.save_contract(db, other, contract_id, 1, {"title": "改"}, [])
    with pytest.raises(PermissionDenied):
        con.set_contract_status(db, other, contract_id, 1, "confirmed")
    with pytest.raises(PermissionDenied):
        con.attach_signed_file(db, other, contract_id, scan)
    with pytest.raises(PermissionDenied):
        _contract(db, other, firm["li"])  # nor make one for a customer outside the team
    assert con.get_contract(db, boss, contract_id).version == 1


def test_salesperson_without_contracts_edit_cannot_save_a_contract(
    db: Database, boss: Actor, team: dict[str, Actor], firm: dict[str, int], tmp_path: Path
) -> None:
    li = team["li"]
    with pytest.raises(PermissionDenied):
        _contract(db, li, firm["li"], [firm["li_order_1"]])
    contract_id = _contract(db, boss, firm["li"], salesperson_id=li.id)
    with pytest.raises(PermissionDenied):
        con.save_contract(db, li, contract_id, 1, {"title": "改"}, [])
    with pytest.raises(PermissionDenied):
        con.set_contract_status(db, li, contract_id, 1, "confirmed")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4")
    with pytest.raises(PermissionDenied):
        con.attach_signed_file(db, li, contract_id, scan)
    assert con.get_contract(db, li, contract_id).title is None


def test_stale_version_raises_conflict_and_keeps_the_first_save(
    db: Database, boss: Actor, team: dict[str, Actor], firm: dict[str, int]
) -> None:
    manager = team["manager"]
    contract_id = _contract(db, manager, firm["li"], [firm["li_order_1"]])
    con.save_contract(db, boss, contract_id, 1, {"signatory": "张总"}, [firm["li_order_1"]])
    with pytest.raises(ConflictError):
        con.save_contract(db, manager, contract_id, 1, {"signatory": "李总"}, [firm["li_order_1"]])
    with pytest.raises(ConflictError):
        con.set_contract_status(db, manager, contract_id, 1, "confirmed")
    # Relinking orders alone is a new version too, so a stale save cannot undo it.
    con.save_contract(db, boss, contract_id, 2, {}, [firm["li_order_2"]])
    with pytest.raises(ConflictError):
        con.save_contract(db, manager, contract_id, 2, {}, [firm["li_order_1"]])
    detail = con.get_contract(db, boss, contract_id)
    assert (detail.signatory, detail.status, [i for i, _n, _t in detail.orders]) == (
        "张总",
        "draft",
        [firm["li_order_2"]],
    )


def test_status_moves_follow_the_life_cycle_and_confirming_dates_the_signature(
    db: Database, boss: Actor, clock: FixedClock, firm: dict[str, int]
) -> None:
    contract_id = _contract(db, boss, firm["li"])
    with pytest.raises(ValidationError):
        con.set_contract_status(db, boss, contract_id, 1, "closed")
    con.set_contract_status(db, boss, contract_id, 1, "confirmed")
    detail = con.get_contract(db, boss, contract_id)
    assert (detail.status, detail.signed_on) == ("confirmed", local_today(clock))
    with pytest.raises(ValidationError):
        con.set_contract_status(db, boss, contract_id, 2, "draft")
    con.set_contract_status(db, boss, contract_id, 2, "closed")
    with pytest.raises(ValidationError):
        con.save_contract(db, boss, contract_id, 3, {"title": "改"}, [])
    assert _audit_actions(db, contract_id) == [
        "contract.create",
        "contract.status",
        "contract.status",
    ]


def test_dates_and_amount_are_checked(db: Database, boss: Actor, firm: dict[str, int]) -> None:
    today = local_today(db.clock)
    with pytest.raises(ValidationError):
        _contract(db, boss, firm["li"], start_on=today, end_on=today - timedelta(days=1))
    with pytest.raises(ValidationError):
        _contract(db, boss, firm["li"], amount="-0.01")
    with pytest.raises(ValidationError):
        _contract(db, boss, firm["li"], start_on="2026-13-01")
    contract_id = _contract(db, boss, firm["li"], start_on="2026-02-01")
    assert con.get_contract(db, boss, contract_id).start_on.isoformat() == "2026-02-01"


def test_expiring_contracts_are_confirmed_ones_ending_within_the_window_of_the_clock(
    db: Database, boss: Actor, clock: FixedClock, team: dict[str, Actor], firm: dict[str, int]
) -> None:
    today_ = _confirmed(db, boss, firm["li"], 0, title="今天到期")
    last_day = _confirmed(db, boss, firm["li"], 30, title="第30天")
    _confirmed(db, boss, firm["li"], 31, title="第31天")
    ended = _confirmed(db, boss, firm["li"], -1, title="昨天到期")
    draft = _contract(db, boss, firm["li"], end_on=local_today(clock) + timedelta(days=5))
    theirs = _confirmed(db, boss, firm["zhao"], 10, salesperson_id=team["zhao"].id)

    rows = con.expiring_contracts(db, boss, 30)
    assert [(row.id, row.days_left) for row in rows] == [(today_, 0), (theirs, 10), (last_day, 30)]
    assert [row.id for row in con.expiring_contracts(db, team["li"])] == [today_, last_day]
    assert [row.id for row in con.expiring_contracts(db, boss, within_days=5)] == [today_]
    assert draft not in [row.id for row in con.expiring_contracts(db, boss)]
    assert con.count_contracts(db, boss, ContractFilter(expiring_within_days=30)) == 3

    clock.advance(days=1)
    rows = con.expiring_contracts(db, boss, 30)
    assert [(row.title, row.days_left) for row in rows][-1] == ("第31天", 30)
    assert today_ not in [row.id for row in rows]
    days_left = {row.id: row.days_left for row in con.list_contracts(db, boss)}
    assert (days_left[ended], days_left[draft]) == (-2, 4)


def test_signed_file_is_attached_and_shown_with_the_contract(
    db: Database, boss: Actor, team: dict[str, Actor], firm: dict[str, int], tmp_path: Path
) -> None:
    contract_id = _contract(db, team["manager"], firm["li"], salesperson_id=team["li"].id)
    scan = tmp_path / "合同扫描件.pdf"
    scan.write_bytes(b"%PDF-1.4 signed copy")

    attachment_id = con.attach_signed_file(db, team["manager"], contract_id, scan)
    detail = con.get_contract(db, team["li"], contract_id)
    assert detail.signed_attachment_id == attachment_id
    assert (detail.signed_file.id, detail.signed_file.filename, detail.signed_file.size) == (
        attachment_id,
        "合同扫描件.pdf",
        len(b"%PDF-1.4 signed copy"),
    )
    assert attachments.attachment_bytes(db, team["li"], attachment_id) == (
        "合同扫描件.pdf",
        b"%PDF-1.4 signed copy",
    )
    assert [row.id for row in attachments.list_attachments(db, boss, "contract", contract_id)] == [
        attachment_id
    ]
    with pytest.raises(PermissionDenied):
        attachments.list_attachments(db, team["zhao"], "contract", contract_id)
    assert _audit_actions(db, contract_id)[-1] == "contract.signed_file"


def test_list_filters_search_and_sorts(
    db: Database, boss: Actor, team: dict[str, Actor], firm: dict[str, int]
) -> None:
    supply = _contract(db, boss, firm["li"], title="年度供货合同", amount="300.00")
    service_ = _contract(
        db,
        boss,
        firm["zhao"],
        title="维保服务合同",
        amount="100.00",
        salesperson_id=team["zhao"].id,
    )
    con.set_contract_status(db, boss, service_, 1, "confirmed")

    def ids(**wanted) -> list[int]:
        return [row.id for row in con.list_contracts(db, boss, ContractFilter(**wanted))]

    assert ids() == [service_, supply]  # newest number first
    assert ids(search="维保") == [service_]
    assert ids(search="李四的客户") == [supply]
    assert ids(search=con.get_contract(db, boss, supply).number) == [supply]
    assert ids(search=con.get_contract(db, boss, supply).number.lower()) == [supply]  # ht…
    assert ids(status="confirmed") == [service_]
    assert ids(customer_id=firm["li"]) == [supply]
    assert ids(salesperson_id=team["zhao"].id) == [service_]
    by_amount = con.list_contracts(db, boss, sort="amount", descending=False)
    assert [row.amount for row in by_amount] == [Decimal("100.00"), Decimal("300.00")]
    row = by_amount[0]
    assert (row.customer_name, row.salesperson_name, row.title) == (
        "赵六的客户",
        "赵六",
        "维保服务合同",
    )
    with pytest.raises(ValidationError):
        con.list_contracts(db, boss, sort="nonsense")


def test_removing_the_signed_file_leaves_the_contract_without_one(
    db: Database, boss: Actor, firm: dict[str, int], tmp_path: Path
) -> None:
    contract_id = _contract(db, boss, firm["li"])
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4")
    attachment_id = con.attach_signed_file(db, boss, contract_id, scan)
    attachments.remove_attachment(db, boss, attachment_id)
    detail = con.get_contract(db, boss, contract_id)
    assert (detail.signed_attachment_id, detail.signed_file) == (None, None)
