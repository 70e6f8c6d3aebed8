"""The public pool: claim, release, transfer, handover and the return rule (clock injected)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock, local_today
from crm_desktop.core.db import Database
from crm_desktop.core.errors import ConflictError, PermissionDenied, ValidationError
from crm_desktop.core.models import AuditEntry, Customer, PoolStatus
from crm_desktop.core.models.customers import FollowUp
from crm_desktop.core.models.sales import Opportunity, OpportunityStatus
from crm_desktop.core.services import customers, operators, pool
from tests.conftest import MakeOperator


@pytest.fixture
def firm(db: Database, boss: Actor, make_operator: MakeOperator) -> dict[str, Any]:
    """East team (manager, li, zhao) and west team (chen); nobody owns a customer yet."""
    east = operators.save_team(db, boss, None, None, {"code": "E", "name": "华东组"})
    west = operators.save_team(db, boss, None, None, {"code": "W", "name": "华西组"})
    manager = make_operator("mgr_east", "sales_manager", team_id=east, name="East manager")
    operators.save_team(db, boss, east, 1, {"manager_id": manager.id})
    return {
        "manager": manager,
        "li": make_operator("li", "salesperson", team_id=east, name="Li"),
        "zhao": make_operator("zhao", "salesperson", team_id=east, name="Zhao"),
        "chen": make_operator("chen", "salesperson", team_id=west, name="Chen"),
    }


def owned_by(db: Database, boss: Actor, owner: Actor, name: str) -> int:
    return customers.create_customer(db, boss, {"name": name, "owner_id": owner.id})


def in_pool(db: Database, boss: Actor, name: str) -> int:
    return customers.create_customer(db, boss, {"name": name, "pool_status": PoolStatus.PUBLIC})


def state(db: Database, customer_id: int) -> tuple[int | None, str]:
    with db.read() as session:
        customer = session.get(Customer, customer_id)
        assert customer is not None
        return customer.owner_id, customer.pool_status


def rules(db: Database, boss: Actor, **values: Any) -> None:
    pool.save_rules(db, boss, pool.get_rules(db, boss)["version"], {"enabled": True, **values})


def actions(db: Database, action: str) -> list[Any]:
    """The audit rows of one action: operator_id, entity_id, changes (JSON), summary."""
    columns = (AuditEntry.operator_id, AuditEntry.entity_id, AuditEntry.changes, AuditEntry.summary)
    with db.read() as session:
        return list(session.execute(select(*columns).where(AuditEntry.action == action)).all())


# --- the rule's settings -------------------------------------------------------------------------


def test_rules_start_from_defaults_and_save_with_the_version_check(
    db: Database, boss: Actor
) -> None:
    first = pool.get_rules(db, boss)
    assert first["version"] == 0 and first["enabled"] is False
    pool.save_rules(db, boss, 0, {"enabled": True, "no_followup_days": 20, "warn_days": 2})
    saved = pool.get_rules(db, boss)
    assert (saved["enabled"], saved["no_followup_days"], saved["warn_days"]) == (True, 20, 2)
    assert saved["no_deal_days"] == first["no_deal_days"]
    pool.save_rules(db, boss, saved["version"], {"max_private_customers": 50})
    with pytest.raises(ConflictError):
        pool.save_rules(db, boss, saved["version"], {"max_private_customers": 60})
    assert pool.get_rules(db, boss)["max_private_customers"] == 50
    assert actions(db, "pool_rules.update")


def test_rules_refuse_negative_days_with_a_readable_message(db: Database, boss: Actor) -> None:
    with pytest.raises(ValidationError, match=r"Days without a follow-up.*0 or more"):
        pool.save_rules(db, boss, 0, {"no_followup_days": -1})
    assert pool.get_rules(db, boss)["version"] == 0


def test_salesperson_cannot_change_the_pool_rules(db: Database, firm: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        pool.save_rules(db, firm["li"], 0, {"enabled": True})


# --- claim and release ---------------------------------------------------------------------------


def test_salesperson_claims_from_the_pool_and_releases_back(
    db: Database, boss: Actor, firm: dict[str, Any]
) -> None:
    li = firm["li"]
    cid = in_pool(db, boss, "公海客户")
    assert pool.claim(db, li, [cid]) == 1
    assert state(db, cid) == (li.id, PoolStatus.PRIVATE)
    assert customers.get_customer(db, li, cid)["owner_id"] == li.id
    assert pool.release(db, li, [cid]) == 1
    assert state(db, cid) == (None, PoolStatus.PUBLIC)
    assert [a.operator_id for a in actions(db, "customer.claim")] == [li.id]
    assert [a.operator_id for a in actions(db, "customer.release")] == [li.id]


def test_claiming_a_customer_someone_owns_is_refused_and_claims_nothing(
    db: Database, boss: Actor, firm: dict[str, Any]
) -> None:
    free = in_pool(db, boss, "公海客户")
    mine = owned_by(db, boss, firm["li"], "李的客户")
    with pytest.raises(ValidationError, match=r"李的客户.*not in the public pool"):
        pool.claim(db, firm["li"], [free, mine])
    assert state(db, free) == (None, PoolStatus.PUBLIC)


def test_claim_beyond_the_private_limit_is_refused_with_the_numbers(
    db: Database, boss: Actor, firm: dict[str, Any]
) -> None:
    li = firm["li"]
    rules(db, boss, max_private_customers=2)
    owned_by(db, boss, li, "甲公司")
    owned_by(db, boss, li, "乙公司")
    free = in_pool(db, boss, "丙公司")
    with pytest.raises(
        ValidationError, match=r"You already hold 2 private customers; the limit is 2\."
    ):
        pool.claim(db, li, [free])
    assert state(db, free) == (None, PoolStatus.PUBLIC)


def test_archived_customers_do_not_count_towards_the_limit(
    db: Database, boss: Actor, firm: dict[str, Any]
) -> None:
    li = firm["li"]
    rules(db, boss, max_private_customers=1)
    customers.set_archived(db, boss, owned_by(db, boss, li, "旧客户"), True)
    assert pool.claim(db, li, [in_pool(db, boss, "新客户")]) == 1


def test_salesperson_cannot_release_a_colleagues_customer(
    db: Database, boss: Actor, firm: dict[str, Any]
) -> None:
    theirs = owned_by(db, boss, firm["zhao"], "赵的客户")
    with pytest.raises(PermissionDenied):
        pool.release(db, firm["li"], [theirs])
    assert state(db, theirs) == (firm["zhao"].id, PoolStatus.PRIVATE)


def test_manager_releases_a_team_members_customer(
    db: Database, boss: Actor, firm: dict[str, Any]
) -> None:
    theirs = owned_by(db, boss, firm["zhao"], "赵的客户")
    assert pool.release(db, firm["manager"], [theirs]) == 1
    assert state(db, theirs) == (None, PoolStatus.PUBLIC)


# --- transfer ------------------------------------------------------------------------------------


def test_salesperson_may_not_transfer_customers(
    db: Database, boss: Actor, firm: dict[str, Any]
) -> None:
    mine = owned_by(db, boss, firm["li"], "李的客户")
    with pytest.raises(PermissionDenied, match="Transfer customers"):
        pool.transfer(db, firm["li"], [mine], firm["zhao"].id)
    assert state(db, mine) == (firm["li"].id, PoolStatus.PRIVATE)


def test_manager_transfers_within_the_team_but_not_outside_it(
    db: Database, boss: Actor, firm: dict[str, Any]
) -> None:
    manager, li, zhao, chen = (firm[k] for k in ("manager", "li", "zhao", "chen"))
    cid = owned_by(db, boss, li, "李的客户")
    with pytest.raises(PermissionDenied, match="outside your data scope"):
        pool.transfer(db, manager, [cid], chen.id)
    with pytest.raises(PermissionDenied, match="outside your data scope"):
        pool.transfer(db, manager, [owned_by(db, boss, chen, "陈的客户")], zhao.id)
    assert pool.transfer(db, manager, [cid], zhao.id) == 1
    assert state(db, cid) == (zhao.id, PoolStatus.PRIVATE)
    [entry] = actions(db, "customer.transfer")
    assert entry.entity_id == cid and entry.operator_id == manager.id
    assert f"[{li.id}, {zhao.id}]" in (entry.changes or "")


def test_transfer_to_a_disabled_operator_is_refused(
    db: Database, boss: Actor, firm: dict[str, Any]
) -> None:
    cid = owned_by(db, boss, firm["li"], "李的客户")
    operators.set_operator_active(db, boss, firm["zhao"].id, False)
    with pytest.raises(ValidationError, match="active operator"):
        pool.transfer(db, boss, [cid], firm["zhao"].id)


def test_transfer_respects_the_targets_private_limit(
    db: Database, boss: Actor, firm: dict[str, Any]
) -> None:
    rules(db, boss, max_private_customers=1)
    owned_by(db, boss, firm["zhao"], "赵的客户")
    cid = owned_by(db, boss, firm["li"], "李的客户")
    with pytest.raises(ValidationError, match="Zhao already holds 1 private customers"):
        pool.transfer(db, boss, [cid], firm["zhao"].id)
    assert state(db, cid)[0] == firm["li"].id


# --- handover ------------------------------------------------------------------------------------


def _sales_records(db: Database, boss: Actor, customer_id: int, owner: Actor) -> dict[str, int]:
    """An open and a won opportunity, a done and an open follow-up, all by `owner`."""
    now = db.clock.now()
    with db.write(boss) as uow:
        rows = {
            "open_opp": Opportunity(customer_id=customer_id, owner_id=owner.id, name="二期"),
            "won_opp": Opportunity(
                customer_id=customer_id,
                owner_id=owner.id,
                name="一期",
                status=OpportunityStatus.WON,
            ),
            "done_fu": FollowUp(
                customer_id=customer_id, operator_id=owner.id, happened_at=now, done=True
            ),
            "open_fu": FollowUp(customer_id=customer_id, operator_id=owner.id, happened_at=now),
        }
        uow.session.add_all(rows.values())
        uow.session.flush()
        return {key: row.id for key, row in rows.items()}


def _owners(db: Database, ids: dict[str, int], customer_ids: list[int]) -> dict[str, int | None]:
    """Who holds each opportunity, follow-up and customer now."""
    with db.read() as session:
        found: dict[str, int | None] = {}
        for key, rid in ids.items():
            if key.endswith("opp"):
                found[key] = session.get(Opportunity, rid).owner_id
            else:
                found[key] = session.get(FollowUp, rid).operator_id
        for cid in customer_ids:
            found[f"customer{cid}"] = session.get(Customer, cid).owner_id
        return found


def test_handover_moves_customers_open_opportunities_and_open_followups(
    db: Database, boss: Actor, firm: dict[str, Any]
) -> None:
    li, zhao = firm["li"], firm["zhao"]
    active = owned_by(db, boss, li, "在用客户")
    archived = owned_by(db, boss, li, "已归档客户")
    customers.set_archived(db, boss, archived, True)
    ids = _sales_records(db, boss, active, li)
    operators.set_operator_active(db, boss, li.id, False)  # Li has left the firm

    result = pool.handover(db, firm["manager"], li.id, zhao.id)

    assert result == pool.HandoverResult(customers=2, opportunities=1, followups=1)
    assert _owners(db, ids, [active, archived]) == {
        "open_opp": zhao.id,
        "won_opp": li.id,  # closed deals stay with who won them
        "done_fu": li.id,  # a visit made keeps its author
        "open_fu": zhao.id,
        f"customer{active}": zhao.id,
        f"customer{archived}": zhao.id,
    }
    [summary] = actions(db, "customer.handover")
    assert summary.entity_id == li.id and "2 customers" in (summary.summary or "")
    assert len(actions(db, "customer.transfer")) == 2


def test_handover_is_all_or_nothing(
    db: Database, boss: Actor, firm: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    li, zhao = firm["li"], firm["zhao"]
    cid = owned_by(db, boss, li, "在用客户")
    ids = _sales_records(db, boss, cid, li)
    before = _owners(db, ids, [cid])

    def fail(*_args: Any) -> int:
        raise RuntimeError("the disk failed after the customers moved")

    monkeypatch.setattr(pool, "_move_followups", fail)
    with pytest.raises(RuntimeError):
        pool.handover(db, boss, li.id, zhao.id)

    assert _owners(db, ids, [cid]) == before
    assert actions(db, "customer.transfer") == actions(db, "customer.handover") == []


def test_handover_to_someone_outside_the_managers_team_is_refused(
    db: Database, boss: Actor, firm: dict[str, Any]
) -> None:
    cid = owned_by(db, boss, firm["li"], "李的客户")
    with pytest.raises(PermissionDenied):
        pool.handover(db, firm["manager"], firm["li"].id, firm["chen"].id)
    assert state(db, cid)[0] == firm["li"].id


# --- the return rule, with the clock moved instead of waited for ---------------------------------


def test_rule_warns_k_days_before_and_then_returns_the_idle_customer(
    db: Database, boss: Actor, firm: dict[str, Any], clock: FixedClock
) -> None:
    li = firm["li"]
    rules(db, boss, no_followup_days=30, warn_days=3)
    idle = owned_by(db, boss, li, "久未跟进")
    created_on = local_today(clock)

    clock.advance(days=26)
    assert pool.run_rules(db, li) == pool.RuleRun([], [])

    clock.advance(days=1)  # 3 days before it returns
    run = pool.run_rules(db, li)
    assert run.returned == []
    [warned] = run.warned
    assert (warned.customer_id, warned.owner_id, warned.owner_name) == (idle, li.id, "Li")
    assert warned.idle_since == created_on
    assert (warned.returns_on - created_on).days == 30
    assert "30 days" in warned.reason
    assert [c.customer_id for c in pool.due_to_return(db, li)] == [idle]
    assert state(db, idle) == (li.id, PoolStatus.PRIVATE)

    clock.advance(days=3)
    run = pool.run_rules(db, li)
    assert [c.customer_id for c in run.returned] == [idle] and run.warned == []
    assert state(db, idle) == (None, PoolStatus.PUBLIC)
    [entry] = actions(db, "customer.returned_to_pool")
    assert entry.entity_id == idle and f"[{li.id}, null]" in (entry.changes or "")
    assert pool.run_rules(db, li).returned == []  # already in the pool


def test_recent_followup_or_recent_claim_keeps_the_customer(
    db: Database, boss: Actor, firm: dict[str, Any], clock: FixedClock
) -> None:
    li, zhao = firm["li"], firm["zhao"]
    rules(db, boss, no_followup_days=30, warn_days=3)
    visited = owned_by(db, boss, li, "常联系")
    claimed = in_pool(db, boss, "刚领取")
    forgotten = owned_by(db, boss, li, "被遗忘")
    clock.advance(days=25)
    with db.write(li) as uow:
        uow.session.get(Customer, visited).last_followup_at = clock.now()
    pool.claim(db, zhao, [claimed])

    clock.advance(days=10)
    run = pool.run_rules(db, boss)

    assert [c.customer_id for c in run.returned] == [forgotten]
    assert state(db, visited) == (li.id, PoolStatus.PRIVATE)
    assert state(db, claimed) == (zhao.id, PoolStatus.PRIVATE)


def test_no_deal_rule_returns_customers_without_a_recent_deal(
    db: Database, boss: Actor, firm: dict[str, Any], clock: FixedClock
) -> None:
    li = firm["li"]
    rules(db, boss, no_followup_days=0, no_deal_days=90, warn_days=0)
    dealt = owned_by(db, boss, li, "有成交")
    idle = owned_by(db, boss, li, "无成交")
    clock.advance(days=60)
    with db.write(li) as uow:
        customer = uow.session.get(Customer, dealt)
        customer.last_deal_on = local_today(clock)
        customer.last_followup_at = None
    clock.advance(days=31)
    run = pool.run_rules(db, boss)
    assert [(c.customer_id, c.reason) for c in run.returned] == [(idle, "No deal for 90 days")]
    assert state(db, dealt)[1] == PoolStatus.PRIVATE


def test_dry_run_reports_but_changes_nothing(
    db: Database, boss: Actor, firm: dict[str, Any], clock: FixedClock
) -> None:
    rules(db, boss, no_followup_days=10)
    cid = owned_by(db, boss, firm["li"], "久未跟进")
    clock.advance(days=11)
    run = pool.run_rules(db, boss, dry_run=True)
    assert [c.customer_id for c in run.returned] == [cid]
    assert state(db, cid) == (firm["li"].id, PoolStatus.PRIVATE)
    assert actions(db, "customer.returned_to_pool") == []


def test_disabled_rule_and_archived_customers_are_left_alone(
    db: Database, boss: Actor, firm: dict[str, Any], clock: FixedClock
) -> None:
    pool.save_rules(db, boss, 0, {"enabled": False, "no_followup_days": 10})
    archived = owned_by(db, boss, firm["li"], "已归档")
    customers.set_archived(db, boss, archived, True)
    clock.advance(days=40)
    assert pool.run_rules(db, boss) == pool.RuleRun([], [])
    assert pool.due_to_return(db, boss) == []
    rules(db, boss)  # switched on
    assert pool.run_rules(db, boss) == pool.RuleRun([], [])
    assert state(db, archived) == (firm["li"].id, PoolStatus.PRIVATE)


def test_due_to_return_lists_only_customers_in_the_actors_scope(
    db: Database, boss: Actor, firm: dict[str, Any], clock: FixedClock
) -> None:
    rules(db, boss, no_followup_days=10, warn_days=2)
    li_soon = owned_by(db, boss, firm["li"], "李的客户")
    zhao_soon = owned_by(db, boss, firm["zhao"], "赵的客户")
    owned_by(db, boss, firm["chen"], "陈的客户")
    clock.advance(days=8)
    assert [c.customer_id for c in pool.due_to_return(db, firm["li"])] == [li_soon]
    manager_sees = {c.customer_id for c in pool.due_to_return(db, firm["manager"])}
    assert manager_sees == {li_soon, zhao_soon}
    assert len(pool.due_to_return(db, boss)) == 3
    assert pool.due_to_return(db, boss, within_days=1) == []


def test_a_disabled_operator_cannot_run_the_rules(
    db: Database, boss: Actor, firm: dict[str, Any]
) -> None:
    operators.set_operator_active(db, boss, firm["li"].id, False)
    with pytest.raises(PermissionDenied, match="disabled"):
        pool.run_rules(db, firm["li"])


# --- who may receive customers -------------------------------------------------------------------


def test_assignable_operators_follow_the_data_scope(
    db: Database, boss: Actor, firm: dict[str, Any]
) -> None:
    li, zhao, chen, manager = (firm[k] for k in ("li", "zhao", "chen", "manager"))
    operators.set_operator_active(db, boss, chen.id, False)
    assert pool.assignable_operators(db, li) == [(li.id, "Li")]
    assert {i for i, _n in pool.assignable_operators(db, manager)} == {manager.id, li.id, zhao.id}
    everyone = {i for i, _n in pool.assignable_operators(db, boss)}
    assert {boss.id, manager.id, li.id, zhao.id} <= everyone and chen.id not in everyone


def test_switching_the_rule_on_gives_long_idle_customers_the_full_period(
    db: Database, boss: Actor, firm: dict[str, Any], clock: FixedClock
) -> None:
    """Turning the rule on must not empty half the ledger at the next login."""
    li = firm["li"]
    long_idle = owned_by(db, boss, li, "两年没联系")
    clock.advance(days=700)
    rules(db, boss, no_followup_days=30, warn_days=3)
    assert pool.run_rules(db, boss) == pool.RuleRun([], [])

    clock.advance(days=27)
    assert [c.customer_id for c in pool.run_rules(db, boss).warned] == [long_idle]
    clock.advance(days=3)
    assert [c.customer_id for c in pool.run_rules(db, boss).returned] == [long_idle]


def test_switching_the_rule_off_and_on_again_restarts_the_period(
    db: Database, boss: Actor, firm: dict[str, Any], clock: FixedClock
) -> None:
    li = firm["li"]
    owned_by(db, boss, li, "闲置客户")
    rules(db, boss, no_followup_days=30)
    clock.advance(days=20)
    pool.save_rules(db, boss, pool.get_rules(db, boss)["version"], {"enabled": False})
    clock.advance(days=20)
    rules(db, boss)  # on again: 30 days from now
    clock.advance(days=20)
    assert pool.run_rules(db, boss, dry_run=True).returned == []


def test_handover_leaves_the_visits_made_on_other_peoples_customers_with_their_author(
    db: Database, boss: Actor, firm: dict[str, Any]
) -> None:
    from crm_desktop.core.services import followups

    li, zhao = firm["li"], firm["zhao"]
    elsewhere = owned_by(db, boss, li, "后来转给老板的客户")
    visit = followups.record_followup(db, li, {"customer_id": elsewhere, "content": "拜访"})
    pool.transfer(db, boss, [elsewhere], boss.id)  # the customer is the boss's now

    result = pool.handover(db, boss, li.id, zhao.id)

    assert (result.customers, result.followups) == (0, 0)
    assert followups.get_followup(db, boss, visit)["operator_name"] == "Li"


def test_a_disabled_operator_can_be_handed_over_from(
    db: Database, boss: Actor, firm: dict[str, Any]
) -> None:
    li = firm["li"]
    operators.set_operator_active(db, boss, li.id, False)
    assert li.id not in dict(pool.assignable_operators(db, boss))
    assert li.id in dict(pool.assignable_operators(db, boss, include_inactive=True))
