"""Opportunities: stages in the firm's order, won/lost as outcome, an exact funnel, data scope."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from crm_desktop.core.models import AuditEntry, BaseDataKind
from crm_desktop.core.services import basedata, customers
from crm_desktop.core.services import opportunities as opps
from crm_desktop.core.services.opportunities import OpportunityFilter
from tests.conftest import MakeOperator

STARTER_STAGES = ["Initial contact", "Needs analysis", "Quotation", "Negotiation"]


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


def _stage_ids(db: Database, actor: Actor) -> list[int]:
    return [stage_id for stage_id, _name in opps.stages(db, actor)]


def _new(db: Database, actor: Actor, customer_id: int, name: str = "年度采购", **extra) -> int:
    return opps.save_opportunity(
        db, actor, None, None, {"customer_id": customer_id, "name": name, **extra}
    )


def test_stages_come_in_the_firms_order_without_switched_off_ones(
    db: Database, boss: Actor
) -> None:
    assert [name for _id, name in opps.stages(db, boss)] == STARTER_STAGES
    first, second, *_rest = _stage_ids(db, boss)
    basedata.save_item(db, boss, second, 1, {"sort_order": -1})
    basedata.set_active(db, boss, first, False)
    assert [name for _id, name in opps.stages(db, boss)] == STARTER_STAGES[1:]


def test_new_opportunity_is_open_in_the_first_stage_owned_by_its_creator_and_audited(
    db: Database, team: dict[str, Actor], firm: dict[str, int]
) -> None:
    li = team["li"]
    opp_id = _new(db, li, firm["li"], expected_amount="12000.50", probability=30)

    detail = opps.get_opportunity(db, li, opp_id)
    assert (detail["status"], detail["owner_id"], detail["stage_id"]) == (
        "open",
        li.id,
        _stage_ids(db, li)[0],
    )
    assert detail["expected_amount"] == Decimal("12000.50")
    assert (detail["customer_name"], detail["owner_name"], detail["stage_name"]) == (
        "李四的客户",
        "李四",
        "Initial contact",
    )
    with db.read() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(
                AuditEntry.entity == "opportunity", AuditEntry.entity_id == opp_id
            )
        ).all()
    assert actions == ["opportunity.create"]


def test_salesperson_cannot_see_load_or_change_a_colleagues_opportunity(
    db: Database, team: dict[str, Actor], firm: dict[str, int]
) -> None:
    li, zhao = team["li"], team["zhao"]
    theirs = _new(db, zhao, firm["zhao"], "赵六的商机")
    mine = _new(db, li, firm["li"], "李四的商机")

    assert [row.id for row in opps.list_opportunities(db, li)] == [mine]
    with pytest.raises(PermissionDenied):
        opps.get_opportunity(db, li, theirs)
    with pytest.raises(PermissionDenied):
        opps.save_opportunity(db, li, theirs, 1, {"name": "改名"})
    with pytest.raises(PermissionDenied):
        opps.move_to_stage(db, li, theirs, 1, _stage_ids(db, li)[2])
    with pytest.raises(PermissionDenied):
        opps.close_opportunity(db, li, theirs, 1, won=True)
    assert opps.get_opportunity(db, zhao, theirs)["version"] == 1


def test_salesperson_cannot_open_an_opportunity_on_a_colleagues_customer_or_for_a_colleague(
    db: Database, team: dict[str, Actor], firm: dict[str, int]
) -> None:
    li, zhao = team["li"], team["zhao"]
    with pytest.raises(PermissionDenied):
        _new(db, li, firm["zhao"])
    with pytest.raises(PermissionDenied):
        _new(db, li, firm["li"], owner_id=zhao.id)
    mine = _new(db, li, firm["li"])
    with pytest.raises(PermissionDenied):
        opps.save_opportunity(db, li, mine, 1, {"owner_id": zhao.id})


def test_owner_keeps_editing_an_opportunity_after_its_customer_was_handed_over(
    db: Database, boss: Actor, team: dict[str, Actor], firm: dict[str, int]
) -> None:
    li, zhao = team["li"], team["zhao"]
    opp_id = _new(db, li, firm["li"])
    version = customers.get_customer(db, boss, firm["li"])["version"]
    customers.update_customer(db, boss, firm["li"], version, {"owner_id": zhao.id})
    opps.save_opportunity(db, li, opp_id, 1, {"customer_id": firm["li"], "name": "续签"})
    assert opps.get_opportunity(db, li, opp_id)["name"] == "续签"
    with pytest.raises(ValidationError):
        opps.save_opportunity(db, li, opp_id, 2, {"customer_id": None})


def test_manager_sees_and_reassigns_the_teams_opportunities(
    db: Database, team: dict[str, Actor], firm: dict[str, int]
) -> None:
    li, zhao, manager = team["li"], team["zhao"], team["manager"]
    ids = {_new(db, li, firm["li"]), _new(db, zhao, firm["zhao"])}
    assert {row.id for row in opps.list_opportunities(db, manager)} == ids

    moved = min(ids)
    opps.save_opportunity(db, manager, moved, 1, {"owner_id": zhao.id})
    assert opps.get_opportunity(db, zhao, moved)["owner_name"] == "赵六"


def test_other_teams_manager_sees_nothing(
    db: Database, boss: Actor, make_operator: MakeOperator, team: dict[str, Actor], firm: dict
) -> None:
    from crm_desktop.core.services import operators

    west = operators.save_team(db, boss, None, None, {"code": "W", "name": "华西组"})
    other = make_operator("west", "sales_manager", team_id=west)
    opp_id = _new(db, team["li"], firm["li"])
    assert opps.list_opportunities(db, other) == []
    with pytest.raises(PermissionDenied):
        opps.get_opportunity(db, other, opp_id)


def test_stage_moves_win_and_loss_are_kept_and_audited(
    db: Database, team: dict[str, Actor], firm: dict[str, int]
) -> None:
    li = team["li"]
    stage_ids = _stage_ids(db, li)
    won, lost = _new(db, li, firm["li"], "赢单"), _new(db, li, firm["li"], "丢单")

    opps.move_to_stage(db, li, won, 1, stage_ids[3])
    opps.close_opportunity(db, li, won, 2, won=True)
    opps.close_opportunity(db, li, lost, 1, won=False, lost_reason="  价格偏高 ")

    won_detail, lost_detail = opps.get_opportunity(db, li, won), opps.get_opportunity(db, li, lost)
    assert (won_detail["status"], won_detail["stage_id"], won_detail["probability"]) == (
        "won",
        stage_ids[3],
        100,
    )
    assert (lost_detail["status"], lost_detail["lost_reason"], lost_detail["probability"]) == (
        "lost",
        "价格偏高",
        0,
    )
    assert opps.list_opportunities(db, li) == []  # the default list shows open deals
    assert len(opps.list_opportunities(db, li, OpportunityFilter(status=None))) == 2
    with db.read() as session:
        actions = session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.entity == "opportunity", AuditEntry.entity_id == won)
            .order_by(AuditEntry.id)
        ).all()
    assert actions == ["opportunity.create", "opportunity.stage", "opportunity.won"]


def test_moving_a_lost_opportunity_into_a_stage_reopens_it(
    db: Database, team: dict[str, Actor], firm: dict[str, int]
) -> None:
    li = team["li"]
    opp_id = _new(db, li, firm["li"])
    opps.close_opportunity(db, li, opp_id, 1, won=False, lost_reason="预算取消")
    opps.move_to_stage(db, li, opp_id, 2, _stage_ids(db, li)[1])
    detail = opps.get_opportunity(db, li, opp_id)
    assert (detail["status"], detail["lost_reason"]) == ("open", None)


def test_stale_version_raises_conflict_and_keeps_the_first_save(
    db: Database, team: dict[str, Actor], firm: dict[str, int]
) -> None:
    li, manager = team["li"], team["manager"]
    opp_id = _new(db, li, firm["li"])
    opps.save_opportunity(db, manager, opp_id, 1, {"expected_amount": "500.00"})
    with pytest.raises(ConflictError):
        opps.save_opportunity(db, li, opp_id, 1, {"expected_amount": "900.00"})
    with pytest.raises(ConflictError):
        opps.move_to_stage(db, li, opp_id, 1, _stage_ids(db, li)[1])
    with pytest.raises(ConflictError):
        opps.close_opportunity(db, li, opp_id, 1, won=True)
    detail = opps.get_opportunity(db, li, opp_id)
    assert (detail["expected_amount"], detail["status"]) == (Decimal("500.00"), "open")


def test_funnel_counts_and_sums_every_stage_exactly_with_empty_stages_included(
    db: Database, team: dict[str, Actor], firm: dict[str, int]
) -> None:
    li, zhao = team["li"], team["zhao"]
    first, second, third, fourth = _stage_ids(db, li)
    for amount in ("0.10", "0.20", "1000000.07"):
        _new(db, li, firm["li"], expected_amount=amount, stage_id=first)
    _new(db, li, firm["li"], stage_id=third)  # no expected amount
    _new(db, li, firm["li"], expected_amount="99.99", stage_id=fourth)
    won = _new(db, li, firm["li"], expected_amount="5000.00", stage_id=fourth)
    opps.close_opportunity(db, li, won, 1, won=True)
    lost = _new(db, li, firm["li"], expected_amount="33.33", stage_id=second)
    opps.close_opportunity(db, li, lost, 1, won=False)
    _new(db, zhao, firm["zhao"], expected_amount="777.00", stage_id=first)  # not li's

    assert opps.funnel(db, li) == [
        opps.FunnelStage(first, "Initial contact", 3, Decimal("1000000.37")),
        opps.FunnelStage(second, "Needs analysis", 0, Decimal("0.00")),
        opps.FunnelStage(third, "Quotation", 1, Decimal("0.00")),
        opps.FunnelStage(fourth, "Negotiation", 1, Decimal("99.99")),
        opps.FunnelStage(None, "Won", 1, Decimal("5000.00")),
        opps.FunnelStage(None, "Lost", 1, Decimal("33.33")),
    ]
    team_first = opps.funnel(db, team["manager"])[0]
    assert (team_first.count, team_first.amount) == (4, Decimal("1000777.37"))
    only_zhao = opps.funnel(db, team["manager"], OpportunityFilter(owner_id=zhao.id))
    assert [row.count for row in only_zhao] == [1, 0, 0, 0, 0, 0]


def test_funnel_keeps_a_switched_off_stage_while_it_holds_open_deals(
    db: Database, boss: Actor, team: dict[str, Actor], firm: dict[str, int]
) -> None:
    li = team["li"]
    first, second, *_rest = _stage_ids(db, li)
    _new(db, li, firm["li"], expected_amount="10.00", stage_id=second)
    basedata.set_active(db, boss, second, False)
    basedata.set_active(db, boss, first, False)
    names = [row.name for row in opps.funnel(db, li)]
    assert names == ["Needs analysis", "Quotation", "Negotiation", "Won", "Lost"]


def test_list_filters_by_stage_owner_customer_and_search(
    db: Database, team: dict[str, Actor], firm: dict[str, int]
) -> None:
    li, zhao, manager = team["li"], team["zhao"], team["manager"]
    first, second, *_rest = _stage_ids(db, li)
    early = _new(db, li, firm["li"], "服务器扩容", stage_id=first)
    late = _new(db, li, firm["li"], "年度维保", stage_id=second, expected_close_on=date(2026, 3, 1))
    theirs = _new(db, zhao, firm["zhao"], "年度维保", stage_id=second)

    def ids(**wanted) -> list[int]:
        return [row.id for row in opps.list_opportunities(db, manager, OpportunityFilter(**wanted))]

    assert ids() == [early, late, theirs]  # board order: stage, then expected close
    assert ids(stage_id=second) == [late, theirs]
    assert ids(owner_id=li.id) == [early, late]
    assert ids(customer_id=firm["zhao"]) == [theirs]
    assert ids(search="维保") == [late, theirs]
    assert ids(search="赵六的客户") == [theirs]
    assert ids(search="100%_") == []
    row = opps.list_opportunities(db, manager, OpportunityFilter(customer_id=firm["li"]))[1]
    assert (row.stage_name, row.owner_name, row.customer_name, row.expected_close_on) == (
        "Needs analysis",
        "李四",
        "李四的客户",
        date(2026, 3, 1),
    )


def test_values_are_checked(db: Database, boss: Actor, team: dict[str, Actor], firm: dict) -> None:
    li = team["li"]
    region = basedata.choices(db, boss, BaseDataKind.REGION)[0][0]
    with pytest.raises(ValidationError):
        _new(db, li, firm["li"], "  ")
    with pytest.raises(ValidationError):
        _new(db, li, firm["li"], probability=120)
    with pytest.raises(ValidationError):
        _new(db, li, firm["li"], expected_amount="-1")
    with pytest.raises(ValidationError):
        _new(db, li, firm["li"], stage_id=region)
    with pytest.raises(NotFound):
        opps.get_opportunity(db, li, 999)


def test_permissions_are_needed_to_see_and_to_change(
    db: Database, make_operator: MakeOperator, team: dict[str, Actor], firm: dict[str, int]
) -> None:
    opp_id = _new(db, team["li"], firm["li"])
    readonly = make_operator("ro", "readonly")
    service = make_operator("svc", "service")
    assert [row.id for row in opps.list_opportunities(db, readonly)] == [opp_id]
    with pytest.raises(PermissionDenied):
        opps.save_opportunity(db, readonly, opp_id, 1, {"name": "改名"})
    with pytest.raises(PermissionDenied):
        opps.close_opportunity(db, readonly, opp_id, 1, won=True)
    with pytest.raises(PermissionDenied):
        opps.list_opportunities(db, service)
    with pytest.raises(PermissionDenied):
        opps.funnel(db, service)
