"""The Leads page driven like a person would: enter, filter, qualify and convert (with the
duplicate question), and the Marketing tab's sub-tabs following the permissions."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.models import LeadStatus
from crm_desktop.core.services import customers, leads
from crm_desktop.ui.marketing import leads_page
from crm_desktop.ui.marketing.leads_page import ConvertDialog, LeadDialog, LeadsPage
from crm_desktop.ui.marketing.tab import MarketingTab
from tests.gui.settings_helpers import make_ctx, show_tab


def open_page(qtbot: QtBot, db: Database, actor: Actor) -> LeadsPage:
    return show_tab(qtbot, db, actor, LeadsPage, (1200, 600))[0]


def names(page: LeadsPage) -> list[str]:
    return [row.name for row in page.page.rows()]


def test_a_salesperson_enters_a_lead_and_sees_only_their_own(
    qtbot: QtBot, db: Database, team
) -> None:
    leads.create_lead(db, team["zhao"], {"name": "王芳", "company": "赵的公司"})
    page = open_page(qtbot, db, team["li"])
    assert names(page) == []
    page.new_lead()
    dialog = page.dialog
    assert isinstance(dialog, LeadDialog)
    dialog.editor("name").setText("张伟")
    dialog.editor("company").setText("杭州星河科技有限公司")
    dialog.submit()
    qtbot.waitUntil(lambda: names(page) == ["张伟"])
    assert page.page.rows()[0].owner_id == team["li"].id


def test_status_filter_and_qualify(qtbot: QtBot, db: Database, team) -> None:
    leads.create_lead(db, team["li"], {"name": "张伟", "company": "星河"})
    leads.create_lead(db, team["li"], {"name": "陈静", "company": "明达"})
    page = open_page(qtbot, db, team["li"])
    qtbot.waitUntil(lambda: len(names(page)) == 2)
    page.page.select_key(page.page.rows()[0].id)
    page.qualify(page.page.selected_row())
    page.status.setCurrentIndex(page.status.findData(LeadStatus.QUALIFIED))
    qtbot.waitUntil(lambda: len(names(page)) == 1)


@pytest.mark.parametrize("answer", ["link", "new"])
def test_converting_a_lead_that_is_already_a_customer_asks_what_to_do(
    qtbot: QtBot, db: Database, team, monkeypatch: pytest.MonkeyPatch, answer: str
) -> None:
    li = team["li"]
    existing = customers.create_customer(db, li, {"name": "宁波海风贸易有限公司"})
    lead_id = leads.create_lead(
        db, li, {"name": "王芳", "company": "宁波海风贸易公司"}, allow_duplicate=True
    )
    version = leads.get_lead(db, li, lead_id)["version"]
    leads.set_status(db, li, lead_id, version, LeadStatus.QUALIFIED)
    asked: list[str] = []
    monkeypatch.setattr(
        leads_page, "ask_duplicate", lambda _p, exc: asked.append(exc.message) or answer
    )
    page = open_page(qtbot, db, li)
    qtbot.waitUntil(lambda: names(page) == ["王芳"])
    page.convert(page.page.rows()[0])
    dialog = page.dialog
    assert isinstance(dialog, ConvertDialog)
    dialog.submit()
    assert asked
    qtbot.waitUntil(lambda: page.page.rows()[0].status == LeadStatus.CONVERTED)
    customer_id = page.page.rows()[0].customer_id
    assert (customer_id == existing) is (answer == "link")


def test_the_marketing_tab_shows_campaigns_only_with_their_permission(
    qtbot: QtBot, db: Database, boss: Actor, make_operator
) -> None:
    ctx, _notified = make_ctx(db, boss)
    tab = MarketingTab(ctx)
    qtbot.addWidget(tab)
    assert tab.tabs.count() == 2
    service = make_operator("svc", "service")
    if service.can("leads.view") and not service.can("campaigns.view"):
        other = MarketingTab(make_ctx(db, service)[0])
        qtbot.addWidget(other)
        assert other.tabs.count() == 1
