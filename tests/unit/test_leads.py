"""Leads: entering, scope, status rules, duplicate checks and conversion into a customer."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.errors import (
    ConflictError,
    DuplicateCustomer,
    PermissionDenied,
    ValidationError,
)
from crm_desktop.core.importing import engine
from crm_desktop.core.importing.model import ImportKind, ImportRequest
from crm_desktop.core.models import (
    AuditEntry,
    Contact,
    Customer,
    Lead,
    LeadStatus,
    Opportunity,
    OpportunityStatus,
)
from crm_desktop.core.services import customers, leads, opportunities


def _lead(db: Database, actor: Actor, **values: object) -> int:
    values.setdefault("name", "张伟")
    return leads.create_lead(db, actor, values)


def _version(db: Database, lead_id: int) -> int:
    with db.read() as session:
        return session.get(Lead, lead_id).version


def _qualify(db: Database, actor: Actor, lead_id: int) -> int:
    leads.set_status(db, actor, lead_id, _version(db, lead_id), LeadStatus.QUALIFIED)
    return _version(db, lead_id)


def test_a_new_lead_is_new_and_owned_by_whoever_entered_it(db: Database, team) -> None:
    lead_id = _lead(db, team["li"], company="杭州星河科技有限公司", phone="0571-8888 1234")
    row = leads.get_lead(db, team["li"], lead_id)
    assert row["status"] == LeadStatus.NEW
    assert row["owner_id"] == team["li"].id


def test_list_follows_the_data_scope(db: Database, boss: Actor, team) -> None:
    li = _lead(db, team["li"], company="李的线索公司")
    zhao = _lead(db, team["zhao"], name="王芳", company="赵的线索公司")
    own = _lead(db, boss, name="陈明", company="老板的线索公司")

    def ids(actor: Actor) -> set[int]:
        return {row.id for row in leads.list_leads(db, actor)}

    assert ids(team["li"]) == {li}
    assert ids(team["manager"]) == {li, zhao}
    assert ids(boss) == {li, zhao, own}
    with pytest.raises(PermissionDenied):
        leads.get_lead(db, team["li"], zhao)


def test_list_filters_by_status_and_search(db: Database, team) -> None:
    first = _lead(db, team["li"], company="杭州星河科技有限公司", phone="13900001111")
    second = _lead(db, team["li"], name="王芳", company="宁波海风贸易有限公司")
    _qualify(db, team["li"], second)
    li = team["li"]
    assert [r.id for r in leads.list_leads(db, li, leads.LeadFilter(status="qualified"))] == [
        second
    ]
    assert [r.id for r in leads.list_leads(db, li, leads.LeadFilter(search="星河"))] == [first]
    assert [r.id for r in leads.list_leads(db, li, leads.LeadFilter(search="139-0000"))] == [first]


def test_a_salesperson_cannot_give_a_lead_to_someone_outside_their_scope(
    db: Database, team
) -> None:
    with pytest.raises(PermissionDenied):
        _lead(db, team["li"], owner_id=team["manager"].id)
    lead_id = _lead(db, team["manager"], company="经理分配公司", owner_id=team["zhao"].id)
    assert leads.get_lead(db, team["zhao"], lead_id)["owner_id"] == team["zhao"].id


def test_a_lead_that_is_already_a_customer_is_caught_by_name_with_another_legal_form(
    db: Database, boss: Actor, team
) -> None:
    customers.create_customer(db, boss, {"name": "杭州星河科技有限公司"})
    with pytest.raises(DuplicateCustomer) as caught:
        _lead(db, team["li"], company="杭州星河科技公司")
    assert caught.value.matches[0].name == "杭州星河科技有限公司"
    lead_id = leads.create_lead(
        db, team["li"], {"name": "张伟", "company": "杭州星河科技公司"}, allow_duplicate=True
    )
    assert lead_id


def test_a_lead_with_a_known_phone_is_caught_against_customers_and_leads(
    db: Database, boss: Actor, team
) -> None:
    customers.create_customer(db, boss, {"name": "宁波海风贸易", "phone": "0574-8765 4321"})
    with pytest.raises(DuplicateCustomer):
        _lead(db, team["li"], company="别的名字", phone="(0574) 87654321")
    _lead(db, team["li"], company="温州远航机械", phone="13912345678")
    with pytest.raises(leads.DuplicateLead) as caught:
        _lead(db, team["zhao"], name="刘强", company="另一家", phone="139 1234 5678")
    assert caught.value.matches[0].reason == "phone"
    with pytest.raises(leads.DuplicateLead):
        _lead(db, team["zhao"], name="刘强", company="温州远航机械有限公司")


def test_status_rules(db: Database, team) -> None:
    lead_id = _lead(db, team["li"], company="状态公司")
    leads.set_status(db, team["li"], lead_id, _version(db, lead_id), LeadStatus.CONTACTED)
    leads.set_status(db, team["li"], lead_id, _version(db, lead_id), LeadStatus.DISQUALIFIED)
    with pytest.raises(ValidationError):
        leads.set_status(db, team["li"], lead_id, _version(db, lead_id), LeadStatus.CONVERTED)
    with pytest.raises(ConflictError):
        leads.set_status(db, team["li"], lead_id, 1, LeadStatus.NEW)
    with pytest.raises(ValidationError, match="qualified"):
        leads.convert_lead(db, team["li"], lead_id, _version(db, lead_id))


def test_converting_creates_exactly_a_customer_a_contact_and_an_opportunity(
    db: Database, team
) -> None:
    li = team["li"]
    lead_id = _lead(
        db,
        li,
        name="张伟",
        title="采购经理",
        company="杭州星河科技有限公司",
        phone="0571-8888 1234",
        email="zhang@xinghe.cn",
    )
    version = _qualify(db, li, lead_id)
    with db.read() as session:
        before = {m: len(session.scalars(select(m.id)).all()) for m in (Customer, Contact)}
    result = leads.convert_lead(
        db, li, lead_id, version, opportunity_name="星河 ERP 项目", opportunity_amount="80000"
    )
    with db.read() as session:
        assert len(session.scalars(select(Customer.id)).all()) == before[Customer] + 1
        assert len(session.scalars(select(Contact.id)).all()) == before[Contact] + 1
        customer = session.get(Customer, result.customer_id)
        contact = session.get(Contact, result.contact_id)
        opportunity = session.get(Opportunity, result.opportunity_id)
        lead = session.get(Lead, lead_id)
        assert (customer.name, customer.phone, customer.owner_id) == (
            "杭州星河科技有限公司",
            "0571-8888 1234",
            li.id,
        )
        assert (contact.customer_id, contact.name, contact.title, contact.is_primary) == (
            customer.id,
            "张伟",
            "采购经理",
            True,
        )
        assert opportunity.customer_id == customer.id
        assert opportunity.status == OpportunityStatus.OPEN
        assert opportunity.expected_amount == Decimal("80000")
        assert opportunity.stage_id == opportunities.stages(db, li)[0][0]
        assert lead.status == LeadStatus.CONVERTED
        assert (lead.customer_id, lead.contact_id, lead.opportunity_id) == tuple(result)
        assert lead.converted_at is not None
        actions = set(session.scalars(select(AuditEntry.action)))
    assert {"lead.convert", "customer.create", "contact.create", "opportunity.create"} <= actions
    # the new customer is found by the customers tab's search
    assert [r.id for r in customers.list_customers(db, li, customers.CustomerFilter("星河"))] == [
        result.customer_id
    ]


def test_a_converted_lead_cannot_change_or_convert_again(db: Database, team) -> None:
    lead_id = _lead(db, team["li"], company="一次性公司")
    leads.convert_lead(db, team["li"], lead_id, _qualify(db, team["li"], lead_id))
    version = _version(db, lead_id)
    with pytest.raises(ValidationError):
        leads.update_lead(db, team["li"], lead_id, version, {"name": "改名"})
    with pytest.raises(ValidationError):
        leads.convert_lead(db, team["li"], lead_id, version)


def test_converting_a_lead_that_is_already_a_customer_asks_then_can_link_to_it(
    db: Database, boss: Actor, team
) -> None:
    li = team["li"]
    existing = customers.create_customer(db, li, {"name": "宁波海风贸易有限公司"})
    lead_id = leads.create_lead(
        db, li, {"name": "王芳", "company": "宁波海风贸易公司"}, allow_duplicate=True
    )
    version = _qualify(db, li, lead_id)
    with pytest.raises(DuplicateCustomer) as caught:
        leads.convert_lead(db, li, lead_id, version)
    assert caught.value.matches[0].id == existing
    with db.read() as session:  # nothing of the refused conversion was kept
        assert session.get(Lead, lead_id).status == LeadStatus.QUALIFIED
        assert session.scalars(select(Contact).where(Contact.name == "王芳")).all() == []
    result = leads.convert_lead(db, li, lead_id, version, into_customer_id=existing)
    assert result.customer_id == existing
    with db.read() as session:
        assert session.get(Contact, result.contact_id).customer_id == existing
        same = select(Customer.id).where(Customer.name.like("宁波%"))
        assert session.scalars(same).all() == [existing]


def test_converting_anyway_makes_a_second_customer(db: Database, boss: Actor, team) -> None:
    li = team["li"]
    customers.create_customer(db, li, {"name": "宁波海风贸易有限公司"})
    lead_id = leads.create_lead(
        db, li, {"name": "王芳", "company": "宁波海风贸易公司"}, allow_duplicate=True
    )
    version = _qualify(db, li, lead_id)
    result = leads.convert_lead(db, li, lead_id, version, allow_duplicate=True)
    assert customers.get_customer(db, li, result.customer_id)["name"] == "宁波海风贸易公司"


def test_conversion_respects_the_data_scope(db: Database, boss: Actor, team) -> None:
    lead_id = _lead(db, team["zhao"], company="赵的客户公司")
    version = _qualify(db, team["zhao"], lead_id)
    with pytest.raises(PermissionDenied):
        leads.convert_lead(db, team["li"], lead_id, version)
    result = leads.convert_lead(db, team["manager"], lead_id, version)
    # the customer belongs to the lead's owner, not to the manager who converted it
    assert customers.get_customer(db, boss, result.customer_id)["owner_id"] == team["zhao"].id


def test_a_private_buyer_without_company_becomes_a_customer_named_after_the_person(
    db: Database, team
) -> None:
    lead_id = _lead(db, team["li"], name="刘强", phone="13700001111")
    result = leads.convert_lead(
        db, team["li"], lead_id, _qualify(db, team["li"], lead_id), create_opportunity=False
    )
    assert result.opportunity_id is None
    assert customers.get_customer(db, team["li"], result.customer_id)["name"] == "刘强"


def test_edits_are_audited(db: Database, team) -> None:
    lead_id = _lead(db, team["li"], company="审计公司")
    leads.update_lead(db, team["li"], lead_id, _version(db, lead_id), {"title": "总经理"})
    with db.read() as session:
        actions = session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.entity == "lead", AuditEntry.entity_id == lead_id)
            .order_by(AuditEntry.id)
        ).all()
    assert actions == ["lead.create", "lead.update"]


# --- import ---------------------------------------------------------------------------------------


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_leads_import_from_excel_with_duplicates_reported(
    db: Database, boss: Actor, team, tmp_path: Path
) -> None:
    customers.create_customer(db, boss, {"name": "杭州星河科技有限公司"})
    _lead(db, team["zhao"], name="刘强", company="温州远航机械", phone="13912345678")
    path = _xlsx(
        tmp_path / "展会线索.xlsx",
        [
            ["姓名", "公司名称", "职务", "手机", "邮箱", "负责人", "状态", "备注"],
            ["陈静", "苏州明达电子有限公司", "采购", "13811112222", "cj@md.cn", "李四", "", "展会"],
            ["周杰", "苏州明达电子公司", "", "", "", "", "", ""],  # same firm as row 2
            ["张伟", "杭州星河科技公司", "", "", "", "", "", ""],  # already a customer
            ["孙丽", "另一家公司", "", "139-1234-5678", "", "", "", ""],  # phone of a lead
            ["吴磊", "", "", "13700009999", "", "赵六", "qualified", ""],
            ["郑爽", "无效状态公司", "", "", "", "", "maybe", ""],
        ],
    )
    manager = team["manager"]
    result = engine.run_import(db, manager, ImportRequest(kind=ImportKind.LEADS, path=path))
    assert result.created == 2
    assert result.skipped == 2
    reasons = {row.line: row.reason for row in [*result.errors, *result.skipped_rows]}
    assert "row 2" in reasons[3]
    assert "customer with the same name" in reasons[4]
    assert "lead with the same phone" in reasons[5]
    assert "status" in reasons[7]
    rows = {r.name: r for r in leads.list_leads(db, manager)}
    assert rows["陈静"].owner_id == team["li"].id
    assert rows["陈静"].status == LeadStatus.NEW
    assert rows["吴磊"].owner_id == team["zhao"].id
    assert rows["吴磊"].status == LeadStatus.QUALIFIED
    # the imported lead converts like any other, and is found by the duplicate check
    with pytest.raises(leads.DuplicateLead):
        _lead(db, team["li"], name="别人", company="苏州明达电子")


def test_a_salesperson_may_not_import_leads(db: Database, team, tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "leads.xlsx", [["姓名", "公司"], ["陈静", "明达"]])
    with pytest.raises(PermissionDenied):
        engine.run_import(db, team["li"], ImportRequest(kind=ImportKind.LEADS, path=path))
