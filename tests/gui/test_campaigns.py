"""The Campaigns page driven like a person would: record a campaign, see what it brought in."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.services import campaigns, customers
from crm_desktop.ui.marketing.campaigns_page import CampaignsPage
from tests.conftest import MakeOperator
from tests.gui.settings_helpers import show_tab
from tests.sales_fixtures import make_confirmed_order, make_customer


def open_page(qtbot: QtBot, db: Database, actor: Actor) -> CampaignsPage:
    return show_tab(qtbot, db, actor, CampaignsPage, (1300, 700))[0]


def test_a_campaign_recorded_in_the_dialog_appears_with_its_budget(
    qtbot: QtBot, db: Database, boss: Actor
) -> None:
    page = open_page(qtbot, db, boss)
    assert page.page.rows() == []
    page.page.action("new").trigger()
    dialog = page.dialog
    assert dialog is not None
    name = dialog.editor("name")
    assert isinstance(name, QLineEdit)
    name.setText("2026 上海工博会")
    budget = dialog.editor("budget")
    assert isinstance(budget, QLineEdit)
    qtbot.keyClicks(budget, "20000")
    dialog.submit()
    qtbot.waitUntil(lambda: len(page.page.rows()) == 1)
    row = page.page.rows()[0]
    assert (row.name, row.budget) == ("2026 上海工博会", Decimal("20000.00"))


def test_selecting_a_campaign_shows_its_customers_and_what_they_bought(
    qtbot: QtBot, db: Database, boss: Actor
) -> None:
    campaign = campaigns.save_campaign(
        db,
        boss,
        None,
        None,
        {"name": "网络推广", "starts_on": date(2025, 6, 1), "actual_cost": Decimal("500")},
    )
    customer = make_customer(db, boss, "推广客户有限公司")
    version = customers.get_customer(db, boss, customer)["version"]
    customers.update_customer(db, boss, customer, version, {"campaign_id": campaign})
    make_confirmed_order(db, boss, customer, "1200.00", order_date=date(2025, 7, 1))
    page = open_page(qtbot, db, boss)
    assert page.page.select_key(campaign)
    qtbot.waitUntil(lambda: page.customers_model.rowCount() == 1)
    found = page.customers_model.row_at(0)
    assert (found.name, found.won_amount) == ("推广客户有限公司", Decimal("1200.00"))
    assert "500.00" in page.summary.text()  # cost per won customer: 500 / 1
    assert page.page.rows()[0].roi == Decimal("1.4000")


def test_a_salesperson_reads_campaigns_but_cannot_create_them(
    qtbot: QtBot, db: Database, boss: Actor, make_operator: MakeOperator
) -> None:
    campaigns.save_campaign(db, boss, None, None, {"name": "秋季研讨会", "kind": "seminar"})
    li = make_operator("li", "salesperson", name="李四")
    page = open_page(qtbot, db, li)
    assert [row.name for row in page.page.rows()] == ["秋季研讨会"]
    assert "new" not in page.page.actions_by_key
    assert "archive" not in page.page.actions_by_key
