"""Marketing campaigns: what they cost and brought in, as far as each operator may see."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.errors import PermissionDenied, ValidationError
from crm_desktop.core.models import (
    AuditEntry,
    Campaign,
    Customer,
    Lead,
    LeadStatus,
    Operator,
    OrderLine,
    SalesOrder,
)
from crm_desktop.core.reports import tables
from crm_desktop.core.services import campaigns, customers, operators
from crm_desktop.core.services.access import owner_scope
from tests.conftest import MakeOperator
from tests.sales_fixtures import make_confirmed_order, make_customer

START = date(2025, 11, 1)
SALES = {"confirmed", "delivered", "closed"}


def add_lead(db: Database, boss: Actor, campaign_id: int, owner: Actor, status: str, **kw: Any):
    """A lead row written directly (the lead service is another module's concern)."""
    with db.write(boss) as uow:
        lead = Lead(
            name=kw.pop("name", "王先生"),
            campaign_id=campaign_id,
            owner_id=owner.id,
            status=status,
            **kw,
        )
        uow.session.add(lead)
        uow.session.flush()
        return lead.id


@pytest.fixture
def world(db: Database, boss: Actor, team: dict[str, Actor], make_operator: MakeOperator):
    """Campaign A (from 2025-11-01, cost 1000) with customers of li, zhao and wang (another
    team); orders of every status, one dated before the campaign started."""
    west = operators.save_team(db, boss, None, None, {"code": "W", "name": "华西组"})
    wang = make_operator("wang", "salesperson", team_id=west, name="王五")
    li, zhao = team["li"], team["zhao"]
    a = campaigns.save_campaign(
        db,
        boss,
        None,
        None,
        {
            "name": "2025 广交会",
            "kind": "exhibition",
            "starts_on": START,
            "ends_on": date(2025, 11, 5),
            "budget": Decimal("1500.00"),
            "actual_cost": Decimal("1000.00"),
        },
    )
    b = campaigns.save_campaign(db, boss, None, None, {"name": "百度推广", "kind": "online"})
    li1 = make_customer(db, boss, "展会客户甲", owner=li)
    li2 = make_customer(db, boss, "线索转化客户乙", owner=li)
    zhao1 = make_customer(db, boss, "展会客户丙", owner=zhao)
    wang1 = make_customer(db, boss, "展会客户丁", owner=wang)
    other = make_customer(db, boss, "无活动客户", owner=li)
    for customer_id in (li1, zhao1, wang1):
        _link(db, boss, customer_id, a)
    add_lead(db, boss, a, li, LeadStatus.NEW)
    add_lead(db, boss, a, li, LeadStatus.QUALIFIED)
    add_lead(db, boss, a, zhao, LeadStatus.CONTACTED)
    add_lead(db, boss, a, wang, LeadStatus.NEW)
    add_lead(db, boss, a, li, LeadStatus.CONVERTED, customer_id=li2)
    add_lead(db, boss, b, li, LeadStatus.NEW)
    day = date(2025, 12, 1)
    for customer_id, total, status, when in (
        (li1, "300.00", "confirmed", day),
        (li1, "100.00", "delivered", day),
        (li1, "50.00", "draft", day),
        (li1, "70.00", "cancelled", day),
        (li1, "20.00", "confirmed", date(2025, 10, 1)),  # before the campaign started
        (li2, "200.00", "closed", day),
        (zhao1, "400.00", "confirmed", START),  # on the first day: counts
        (wang1, "800.00", "confirmed", day),
        (other, "999.00", "confirmed", day),
    ):
        make_confirmed_order(db, boss, customer_id, total, order_date=when, status=status)
    return {"a": a, "b": b, "wang": wang, **team, "boss": boss}


def _link(db: Database, actor: Actor, customer_id: int, campaign_id: int | None) -> None:
    version = customers.get_customer(db, actor, customer_id)["version"]
    customers.update_customer(db, actor, customer_id, version, {"campaign_id": campaign_id})


def independent(db: Database, actor: Actor, campaign_id: int) -> dict[str, Any]:
    """The figures recomputed in Python from the raw rows."""
    with db.read() as session:
        operator = session.get(Operator, actor.id)
        campaign = session.get(Campaign, campaign_id)
        in_scope = set(
            session.scalars(
                select(Customer.id).where(owner_scope(session, operator, Customer.owner_id))
            )
        )
        leads_in_scope = set(
            session.scalars(select(Lead.id).where(owner_scope(session, operator, Lead.owner_id)))
        )
        leads = [lead for lead in session.scalars(select(Lead)) if lead.campaign_id == campaign_id]
        leads = [lead for lead in leads if lead.id in leads_in_scope]
        came = {c.id for c in session.scalars(select(Customer)) if c.campaign_id == campaign_id}
        came |= {lead.customer_id for lead in leads if lead.customer_id}
        came &= in_scope
        per_customer: Counter[int] = Counter()
        for order in session.scalars(select(SalesOrder)):
            if order.customer_id not in came or order.status not in SALES:
                continue
            if campaign.starts_on and order.order_date < campaign.starts_on:
                continue
            lines = session.scalars(select(OrderLine).where(OrderLine.order_id == order.id))
            per_customer[order.customer_id] += sum(line.amount for line in lines)
        won = sum(per_customer.values(), Decimal("0.00"))
        return {
            "leads": len(leads),
            "by_status": Counter(lead.status for lead in leads),
            "converted": len(came),
            "won_customers": len(per_customer),
            "won_amount": won,
        }


@pytest.mark.parametrize("who", ["boss", "manager", "li", "wang"])
def test_figures_match_an_independent_computation_under_each_scope(
    db: Database, world: dict[str, Any], who: str
) -> None:
    actor = world[who]
    figures = campaigns.campaign_figures(db, actor, world["a"])
    expected = independent(db, actor, world["a"])
    assert figures.leads == expected["leads"]
    assert {k: v for k, v in figures.leads_by_status.items() if v} == dict(expected["by_status"])
    assert figures.converted == expected["converted"]
    assert figures.won_customers == expected["won_customers"]
    assert figures.won_amount == expected["won_amount"]


def test_boss_sees_every_lead_customer_and_sale_since_the_start(
    db: Database, world: dict[str, Any]
) -> None:
    figures = campaigns.campaign_figures(db, world["boss"], world["a"])
    assert figures.leads == 5
    assert figures.leads_by_status["new"] == 2
    assert figures.converted == 4  # three linked + one converted from a lead
    # 300 + 100 (li1; draft, cancelled and the order before the start left out) + 200 + 400 + 800
    assert figures.won_amount == Decimal("1800.00")
    assert figures.won_customers == 4
    assert figures.cost_per_won_customer == Decimal("250.00")
    assert figures.roi == Decimal("0.8000")  # (1800 - 1000) / 1000
    assert figures.budget == Decimal("1500.00")


def test_a_salesperson_counts_only_their_own_and_a_manager_their_team(
    db: Database, world: dict[str, Any]
) -> None:
    li = campaigns.campaign_figures(db, world["li"], world["a"])
    assert (li.leads, li.converted, li.won_amount) == (3, 2, Decimal("600.00"))
    manager = campaigns.campaign_figures(db, world["manager"], world["a"])
    assert (manager.leads, manager.converted, manager.won_amount) == (4, 3, Decimal("1000.00"))


def test_every_campaign_is_listed_for_whoever_may_view_campaigns(
    db: Database, world: dict[str, Any]
) -> None:
    rows = campaigns.list_campaigns(db, world["wang"])
    assert {row.name for row in rows} == {"2025 广交会", "百度推广"}
    a = next(row for row in rows if row.id == world["a"])
    assert (a.leads, a.converted, a.won_amount) == (1, 1, Decimal("800.00"))


def test_a_campaign_without_buyers_or_cost_has_no_cost_per_customer(
    db: Database, world: dict[str, Any]
) -> None:
    figures = campaigns.campaign_figures(db, world["boss"], world["b"])
    assert figures.won_customers == 0
    assert figures.cost_per_won_customer is None
    assert figures.roi is None


def test_leads_and_customers_of_a_campaign_follow_the_scope(
    db: Database, world: dict[str, Any]
) -> None:
    assert len(campaigns.campaign_leads(db, world["li"], world["a"])) == 3
    found = campaigns.campaign_customers(db, world["li"], world["a"])
    assert [(row.name, row.won_amount) for row in found] == [
        ("展会客户甲", Decimal("400.00")),
        ("线索转化客户乙", Decimal("200.00")),
    ]


def test_only_campaign_editors_create_change_and_archive_campaigns(
    db: Database, world: dict[str, Any]
) -> None:
    with pytest.raises(PermissionDenied):
        campaigns.save_campaign(db, world["li"], None, None, {"name": "私自活动"})
    version = campaigns.get_campaign(db, world["manager"], world["b"])["version"]
    campaigns.save_campaign(
        db, world["manager"], world["b"], version, {"actual_cost": Decimal("88.00")}
    )
    campaigns.set_archived(db, world["manager"], world["b"], True)
    assert [row.id for row in campaigns.list_campaigns(db, world["li"])] == [world["a"]]
    assert world["b"] not in dict(campaigns.campaign_choices(db, world["li"]))
    assert world["b"] in dict(campaigns.campaign_choices(db, world["li"], keep=world["b"]))
    with db.read() as session:
        actions = list(
            session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "campaign"))
        )
    assert "campaign.update" in actions and "campaign.archive" in actions


def test_a_campaign_may_not_end_before_it_starts_or_cost_less_than_nothing(
    db: Database, boss: Actor
) -> None:
    with pytest.raises(ValidationError):
        campaigns.save_campaign(
            db, boss, None, None, {"name": "X", "starts_on": START, "ends_on": date(2025, 1, 1)}
        )
    with pytest.raises(ValidationError):
        campaigns.save_campaign(db, boss, None, None, {"name": "X", "budget": Decimal("-1")})
    with pytest.raises(ValidationError):
        campaigns.save_campaign(db, boss, None, None, {"name": " "})


def test_a_customer_names_its_campaign_and_the_change_is_audited(db: Database, boss: Actor) -> None:
    campaign = campaigns.save_campaign(db, boss, None, None, {"name": "春季研讨会"})
    customer = customers.create_customer(db, boss, {"name": "新客户", "campaign_id": campaign})
    assert customers.get_customer(db, boss, customer)["campaign_id"] == campaign
    _link(db, boss, customer, None)
    assert customers.get_customer(db, boss, customer)["campaign_id"] is None
    with db.read() as session:
        changes = [
            row.changes
            for row in session.scalars(
                select(AuditEntry).where(
                    AuditEntry.entity == "customer", AuditEntry.entity_id == customer
                )
            )
        ]
    assert any("campaign_id" in (text or "") for text in map(str, changes))
    with pytest.raises(ValidationError):
        customers.create_customer(db, boss, {"name": "错活动客户", "campaign_id": 9999})


def test_campaign_results_analysis_has_one_row_per_campaign_under_scope(
    db: Database, world: dict[str, Any]
) -> None:
    table = tables.run(db, world["boss"], "campaign-results")
    rows = {row[table.column("campaign")]: row for row in table.rows}
    a = rows["2025 广交会"]
    assert a[table.column("leads")] == 5
    assert a[table.column("converted")] == 4
    assert a[table.column("won_amount")] == Decimal("1800.00")
    assert a[table.column("cost_per_won_customer")] == Decimal("250.00")
    assert a[table.column("roi")] == Decimal("0.8000")
    mine = tables.run(db, world["manager"], "campaign-results")
    row = next(r for r in mine.rows if r[mine.column("campaign")] == "2025 广交会")
    assert row[mine.column("won_amount")] == Decimal("1000.00")
