"""The Customers tab and the pool rules page driven through real widgets over a real database.

Customers are created through the services; the tab is then used like a person would: typing in
the search box, clicking headers and toolbar actions. Questions are answered by the `answers`
fixture; the operator picker and the saved-filter name by replacing the module's ask functions.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock, local_today
from crm_desktop.core.db import Database
from crm_desktop.core.services import customers, pool, saved_filters
from crm_desktop.core.services.customers import CustomerFilter
from crm_desktop.ui.customers import filters as filters_module
from crm_desktop.ui.customers import tab as tab_module
from crm_desktop.ui.customers.tab import CustomersTab
from crm_desktop.ui.settings import SettingsArea
from tests.conftest import MakeOperator
from tests.gui.settings_helpers import Answers, Notified, answers, make_ctx  # noqa: F401


def add(db: Database, actor: Actor, name: str, **values: Any) -> int:
    return customers.create_customer(db, actor, {"name": name, **values}, allow_duplicate=True)


def open_tab(qtbot: QtBot, db: Database, actor: Actor) -> tuple[CustomersTab, Notified]:
    ctx, notified = make_ctx(db, actor)
    tab = CustomersTab(ctx)
    qtbot.addWidget(tab)
    tab.resize(1200, 700)
    tab.show()
    qtbot.waitExposed(tab)
    return tab, notified


def names(tab: CustomersTab) -> list[str]:
    return [row.name for row in tab.page.rows()]


def select(tab: CustomersTab, name: str) -> None:
    row = next(row for row in tab.page.rows() if row.name == name)
    assert tab.page.select_key(row.id)


def trigger(tab: CustomersTab, key: str) -> None:
    action = tab.page.action(key)
    assert action.isVisible() and action.isEnabled(), f"{key} is not offered"
    action.trigger()


@pytest.fixture
def sellers(db: Database, boss: Actor, make_operator: MakeOperator) -> dict[str, Actor]:
    """Two salespeople with a customer each, and two customers in the public pool."""
    li = make_operator("li", "salesperson", name="李雷")
    wang = make_operator("wang", "salesperson", name="王芳")
    add(db, boss, "北京科技有限公司", phone="010-6000 1234", owner_id=li.id)
    add(db, boss, "上海贸易有限公司", phone="021-5000 9876", owner_id=wang.id)
    add(db, boss, "广州机械厂", phone="020-3000 5555", pool_status="public")
    add(db, boss, "Acme Trading", phone="0755-1111 2222", pool_status="public")
    return {"li": li, "wang": wang}


def test_salesperson_sees_own_and_public_customers_only(
    qtbot: QtBot, db: Database, sellers: dict[str, Actor]
) -> None:
    tab, _notified = open_tab(qtbot, db, sellers["li"])
    assert sorted(names(tab)) == sorted(["北京科技有限公司", "广州机械厂", "Acme Trading"])
    qtbot.waitUntil(lambda: tab.page.count_label.text() == "3 customers")
    owners = {row.name: tab.page.model.columns[6].text(row) for row in tab.page.rows()}
    assert owners["北京科技有限公司"] == "李雷"
    assert owners["广州机械厂"] == "Public pool"
    assert "transfer" not in tab.page.actions_by_key  # a salesperson may not transfer


def test_typing_in_the_search_box_filters_after_a_pause(
    qtbot: QtBot, db: Database, boss: Actor, sellers: dict[str, Actor]
) -> None:
    tab, _notified = open_tab(qtbot, db, boss)
    assert len(names(tab)) == 4
    qtbot.keyClicks(tab.search, "bjkj")  # pinyin initials of 北京科技
    assert tab.search_timer.isActive()  # no query per key: it waits for the pause
    qtbot.waitUntil(lambda: names(tab) == ["北京科技有限公司"])
    qtbot.waitUntil(lambda: tab.page.count_label.text() == "1 customer")

    tab.search.clear()
    qtbot.keyClicks(tab.search, "5000")  # a phone fragment ignoring the dash and space
    qtbot.waitUntil(lambda: names(tab) == ["上海贸易有限公司"])

    tab.search.clear()
    qtbot.keyClicks(tab.search, "zzzz")
    qtbot.waitUntil(lambda: tab.page.stack.currentWidget() is tab.page.empty)
    assert tab.page.empty.text() == "No customer matches the search and filters."


def test_ctrl_f_focuses_the_search_box(
    qtbot: QtBot, db: Database, boss: Actor, sellers: dict[str, Actor]
) -> None:
    tab, _notified = open_tab(qtbot, db, boss)
    with qtbot.waitActive(tab):
        tab.activateWindow()
    tab.page.table.setFocus()
    qtbot.keyClick(tab.page.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert tab.search.hasFocus()


def test_keys_work_in_the_main_window(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
    sellers: dict[str, Actor],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from crm_desktop.ui.customers import detail
    from crm_desktop.ui.main_window import MainWindow

    opened: list[int | None] = []
    monkeypatch.setattr(detail, "open_customer", lambda _ctx, _parent, cid: opened.append(cid))
    ctx, _notified = make_ctx(db, boss)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitActive(window):
        window.activateWindow()
    window.select_tab("customers")
    tab = window.tab_pages["customers"].ensure_built()
    assert isinstance(tab, CustomersTab)
    qtbot.waitUntil(tab.page.table.isVisible)
    assert QApplication.activeWindow() is window  # building the tab opened no other window
    tab.page.table.setFocus()
    qtbot.keyClick(tab.page.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert tab.search.hasFocus()
    qtbot.keyClick(tab.search, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert opened == [None]


def test_clicking_a_header_sorts_on_the_server(
    qtbot: QtBot, db: Database, boss: Actor, sellers: dict[str, Actor]
) -> None:
    tab, _notified = open_tab(qtbot, db, boss)
    by_name = [row.name for row in customers.list_customers(db, boss, sort="name")]
    assert names(tab) == by_name  # pinyin order from the service

    header = tab.page.table.horizontalHeader()
    phone = next(i for i, c in enumerate(tab.page.model.columns) if c.sort_key == "phone")
    x = header.sectionViewportPosition(phone) + 10
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    by_phone = [row.name for row in customers.list_customers(db, boss, sort="phone")]
    assert names(tab) == by_phone
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert names(tab) == by_phone[::-1]


def test_the_list_pages_through_many_customers(qtbot: QtBot, db: Database, boss: Actor) -> None:
    for number in range(450):
        add(db, boss, f"Customer {number:03d}")
    tab, _notified = open_tab(qtbot, db, boss)
    assert tab.page.model.rowCount() == 200
    qtbot.waitUntil(lambda: tab.page.count_label.text() == "450 customers")
    tab.page.table.scrollToBottom()
    qtbot.waitUntil(lambda: tab.page.model.rowCount() == 400)
    tab.page.table.scrollToBottom()
    qtbot.waitUntil(lambda: tab.page.model.rowCount() == 450)
    assert names(tab)[-1] == "Customer 449"


def test_claim_and_release_through_the_toolbar(
    qtbot: QtBot,
    db: Database,
    sellers: dict[str, Actor],
    answers: Answers,  # noqa: F811
) -> None:
    li = sellers["li"]
    tab, notified = open_tab(qtbot, db, li)
    select(tab, "北京科技有限公司")
    assert not tab.page.action("claim").isEnabled()  # already mine
    select(tab, "广州机械厂")
    assert not tab.page.action("release").isEnabled()  # in the pool
    trigger(tab, "claim")
    row = tab.page.selected_row()
    assert (row.name, row.pool_status, row.owner_id) == ("广州机械厂", "private", li.id)
    assert "customers" in notified.kinds()

    trigger(tab, "release")
    assert answers.questions and "广州机械厂" in answers.questions[-1]
    assert customers.get_customer(db, li, row.id)["pool_status"] == "public"
    assert tab.page.selected_row().pool_status == "public"


def test_claiming_beyond_the_limit_shows_the_refusal(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
    sellers: dict[str, Actor],
    answers: Answers,  # noqa: F811
) -> None:
    rules = pool.get_rules(db, boss)
    pool.save_rules(db, boss, rules["version"], {"max_private_customers": 1})
    tab, _notified = open_tab(qtbot, db, sellers["li"])
    select(tab, "Acme Trading")
    trigger(tab, "claim")
    assert answers.errors and "limit is 1" in answers.errors[-1]
    assert tab.page.selected_row().pool_status == "public"


def test_transfer_gives_the_customer_to_the_chosen_operator(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
    sellers: dict[str, Actor],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    offered: list[list[str]] = []

    def pick(_parent: Any, _title: str, _label: str, choices: Any) -> int:
        offered.append([name for _id, name in choices])
        return sellers["wang"].id

    monkeypatch.setattr(tab_module, "choose_operator", pick)
    tab, _notified = open_tab(qtbot, db, boss)
    select(tab, "北京科技有限公司")
    trigger(tab, "transfer")
    assert "李雷" not in offered[0] and "王芳" in offered[0]  # not to the current owner
    assert tab.page.selected_row().owner_name == "王芳"


def test_handover_moves_every_customer_after_confirming_the_count(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
    sellers: dict[str, Actor],
    answers: Answers,  # noqa: F811
    boxes: list[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    li, wang = sellers["li"], sellers["wang"]
    add(db, boss, "深圳电子", owner_id=li.id)
    monkeypatch.setattr(tab_module, "ask_handover", lambda _parent, *_lists: (li.id, wang.id))
    tab, _notified = open_tab(qtbot, db, boss)
    trigger(tab, "handover")
    assert "all 2 customers of 李雷 to 王芳" in answers.questions[-1]
    mine = customers.list_customers(db, boss, CustomerFilter(owner_id=wang.id))
    assert sorted(r.name for r in mine) == sorted(
        ["北京科技有限公司", "深圳电子", "上海贸易有限公司"]
    )
    assert "2 customers" in boxes[-1].text


def test_archive_and_restore(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
    sellers: dict[str, Actor],
    answers: Answers,  # noqa: F811
) -> None:
    tab, _notified = open_tab(qtbot, db, boss)
    select(tab, "Acme Trading")
    trigger(tab, "archive")
    assert "Acme Trading" not in names(tab)
    tab.filters.archived.setChecked(True)
    assert names(tab) == ["Acme Trading"]
    select(tab, "Acme Trading")
    assert tab.page.action("archive").text() == "Restore"
    trigger(tab, "archive")
    assert names(tab) == []
    tab.filters.archived.setChecked(False)
    assert "Acme Trading" in names(tab)


def test_filter_bar_pool_and_idle_days(
    qtbot: QtBot, db: Database, boss: Actor, sellers: dict[str, Actor], clock: FixedClock
) -> None:
    tab, _notified = open_tab(qtbot, db, boss)
    pool_combo = tab.filters.combos["pool"]
    pool_combo.setCurrentIndex(pool_combo.findData("public"))
    assert sorted(names(tab)) == sorted(["广州机械厂", "Acme Trading"])
    pool_combo.setCurrentIndex(0)
    owner = tab.filters.combos["owner_id"]
    owner.setCurrentIndex(owner.findData(sellers["wang"].id))
    assert names(tab) == ["上海贸易有限公司"]
    owner.setCurrentIndex(0)
    tab.filters.idle.setValue(30)  # nobody has had a follow-up: all are idle
    assert len(names(tab)) == 4


def test_overdue_next_follow_up_is_highlighted(
    qtbot: QtBot, db: Database, boss: Actor, clock: FixedClock
) -> None:
    from crm_desktop.core.services import followups

    today = local_today(clock)
    late = add(db, boss, "Late Ltd")
    soon = add(db, boss, "Soon Ltd")
    followups.record_followup(
        db,
        boss,
        {"customer_id": late, "content": "called", "next_followup_on": today - timedelta(days=2)},
    )
    followups.record_followup(
        db,
        boss,
        {"customer_id": soon, "content": "called", "next_followup_on": today + timedelta(days=2)},
    )
    tab, _notified = open_tab(qtbot, db, boss)
    column = next(i for i, c in enumerate(tab.page.model.columns) if c.key == "next_followup_on")
    rows = {row.name: i for i, row in enumerate(tab.page.rows())}
    font = tab.page.proxy.index(rows["Late Ltd"], column).data(Qt.ItemDataRole.FontRole)
    assert font is not None and font.bold()
    assert tab.page.proxy.index(rows["Soon Ltd"], column).data(Qt.ItemDataRole.FontRole) is None


def test_saved_filter_round_trip(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
    sellers: dict[str, Actor],
    answers: Answers,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(filters_module, "ask_text", lambda *_args: "Public Acme")
    tab, notified = open_tab(qtbot, db, boss)
    pool_combo = tab.filters.combos["pool"]
    pool_combo.setCurrentIndex(pool_combo.findData("public"))
    tab.search.setText("acme")
    tab.apply_filter()
    assert names(tab) == ["Acme Trading"]
    qtbot.mouseClick(tab.saved.save_button, Qt.MouseButton.LeftButton)
    stored = saved_filters.list_saved_filters(db, boss, "customers")
    assert [(f.name, f.definition) for f in stored] == [
        ("Public Acme", {"search": "acme", "pool": "public", "archived": False})
    ]
    assert "saved_filters" in notified.kinds()

    tab.search.clear()
    pool_combo.setCurrentIndex(0)
    tab.apply_filter()
    assert len(names(tab)) == 4
    assert tab.saved.choose("Public Acme")
    assert names(tab) == ["Acme Trading"]
    assert (tab.search.text(), pool_combo.currentData()) == ("acme", "public")

    qtbot.mouseClick(tab.saved.delete_button, Qt.MouseButton.LeftButton)
    assert saved_filters.list_saved_filters(db, boss, "customers") == []
    assert tab.saved.combo.count() == 1


def test_new_edit_and_follow_up_open_their_windows(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
    sellers: dict[str, Actor],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from crm_desktop.ui.customers import detail

    opened: list[int | None] = []
    monkeypatch.setattr(detail, "open_customer", lambda _ctx, _parent, cid: opened.append(cid))
    tab, _notified = open_tab(qtbot, db, boss)
    with qtbot.waitActive(tab):
        tab.activateWindow()
    tab.page.table.setFocus()
    qtbot.keyClick(tab.page.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    select(tab, "Acme Trading")
    qtbot.keyClick(tab.page.table, Qt.Key.Key_Return)
    assert opened == [None, tab.page.selected_row().id]

    from crm_desktop.ui.followups import dialog

    visited: list[int | None] = []
    monkeypatch.setattr(dialog, "record_followup", lambda _ctx, _parent, cid: visited.append(cid))
    trigger(tab, "followup")
    assert visited == [tab.page.selected_row().id]


def test_a_change_elsewhere_reloads_the_list(
    qtbot: QtBot, db: Database, boss: Actor, sellers: dict[str, Actor]
) -> None:
    from crm_desktop.core.changes import Changes

    tab, _notified = open_tab(qtbot, db, boss)
    add(db, boss, "New Arrival")
    tab.refresh(Changes.of("orders"))
    assert "New Arrival" not in names(tab)
    tab.refresh(Changes.of("customers"))
    assert "New Arrival" in names(tab)


def test_run_pool_rules_previews_then_returns_idle_customers(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
    sellers: dict[str, Actor],
    clock: FixedClock,
    answers: Answers,  # noqa: F811
    boxes: list[Any],
) -> None:
    rules = pool.get_rules(db, boss)
    pool.save_rules(
        db, boss, rules["version"], {"enabled": True, "no_followup_days": 10, "no_deal_days": 0}
    )
    clock.advance(days=11)
    tab, _notified = open_tab(qtbot, db, boss)
    trigger(tab, "run_pool_rules")
    assert "2 customers return" in answers.questions[-1]
    assert "北京科技有限公司" in answers.questions[-1]
    assert "2 customers returned" in boxes[-1].text
    public = customers.list_customers(db, boss, CustomerFilter(pool="public"))
    assert len(public) == 4


# --- pool rules settings page ------------------------------------------------------------------


def test_pool_rules_page_saves_the_rule(
    qtbot: QtBot, db: Database, boss: Actor, make_operator: MakeOperator
) -> None:
    ctx, notified = make_ctx(db, boss)
    area = SettingsArea(ctx)
    qtbot.addWidget(area)
    area.show()
    page = area.show_page("pool_rules")
    page.form.editor("enabled").setChecked(True)
    page.form.editor("no_followup_days").setValue(30)
    page.form.editor("warn_days").setValue(5)
    page.form.editor("max_private_customers").setValue(200)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    rules = pool.get_rules(db, boss)
    assert (
        rules["enabled"],
        rules["no_followup_days"],
        rules["warn_days"],
        rules["max_private_customers"],
    ) == (True, 30, 5, 200)
    assert page.status.text() == "Saved."
    assert "pool_rules" in notified.kinds()

    li = make_operator("li", "salesperson")
    ctx_li, _ = make_ctx(db, li)
    assert "pool_rules" not in SettingsArea(ctx_li).page_keys()
