"""The document numbering settings page, edited through its widgets over a real database."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.services import numbering, orders
from crm_desktop.ui.settings import SettingsArea
from crm_desktop.ui.settings.numbering_page import NumberingPage
from tests.conftest import MakeOperator
from tests.gui.settings_helpers import make_ctx
from tests.sales_fixtures import make_customer, make_order

# The test clock stands at 2026-01-05 09:00 UTC: the 5th of January in every nearby time zone.


def open_page(qtbot: QtBot, db: Database, actor: Actor) -> NumberingPage:
    ctx, _notified = make_ctx(db, actor)
    area = SettingsArea(ctx)
    qtbot.addWidget(area)
    area.show()
    page = area.show_page("numbering")
    assert isinstance(page, NumberingPage)
    page.area = area  # type: ignore[attr-defined]  # keep the window alive with the page
    return page


def test_each_kind_has_a_row_with_its_next_number(qtbot: QtBot, db: Database, boss: Actor) -> None:
    page = open_page(qtbot, db, boss)
    assert sorted(page.editors) == ["contract", "order", "quote", "receipt"]
    examples = {kind: editor.example.text() for kind, editor in page.editors.items()}
    stored = {rule.kind: rule.example for rule in numbering.list_rules(db, boss)}
    assert examples == stored
    assert examples["order"].startswith("SO")


def test_editing_the_order_prefix_changes_the_example_and_the_next_order_number(
    qtbot: QtBot, db: Database, boss: Actor
) -> None:
    customer = make_customer(db, boss)
    make_order(db, boss, customer)  # one number issued today already
    page = open_page(qtbot, db, boss)
    order = page.editor("order")
    assert order.example.text() == "SO202601050002"
    order.prefix.selectAll()
    qtbot.keyClicks(order.prefix, "XS-")
    assert order.example.text() == "XS-202601050002"
    order.date_format.setCurrentIndex(order.date_format.findData("%Y%m"))
    order.reset.setCurrentIndex(order.reset.findData("monthly"))
    order.digits.setValue(3)
    assert order.example.text() == "XS-202601002"
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert page.status.text() == "Saved."
    assert not page.is_dirty()
    new_id = make_order(db, boss, customer)
    assert orders.get_order(db, boss, new_id).number == "XS-202601002"
    assert order.example.text() == "XS-202601002"  # shown before the order took it
    page.reload()
    assert order.example.text() == "XS-202601003"


def test_a_rule_that_would_repeat_numbers_is_refused_and_kept_on_screen(
    qtbot: QtBot, db: Database, boss: Actor
) -> None:
    page = open_page(qtbot, db, boss)
    quote = page.editor("quote")
    quote.date_format.setCurrentIndex(quote.date_format.findData(""))  # none, restart daily
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert "date part" in page.status.text()
    assert quote.date_format.currentData() == ""  # the person's choice stays to be fixed
    assert next(r for r in numbering.list_rules(db, boss) if r.kind == "quote").date_format
    quote.reset.setCurrentIndex(quote.reset.findData("never"))
    assert page.save()
    rule = next(r for r in numbering.list_rules(db, boss) if r.kind == "quote")
    assert (rule.date_format, rule.reset) == ("", "never")


def test_only_those_who_edit_the_company_profile_see_the_page(
    qtbot: QtBot, db: Database, make_operator: MakeOperator
) -> None:
    li = make_operator("li", "salesperson")
    ctx, _notified = make_ctx(db, li)
    area = SettingsArea(ctx)
    qtbot.addWidget(area)
    assert "numbering" not in area.page_keys()
