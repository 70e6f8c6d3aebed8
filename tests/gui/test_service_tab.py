"""The Service tab driven like a person would: record a request, work it through, filter, scope."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock
from crm_desktop.core.db import Database
from crm_desktop.core.services import contacts, customers, service_records
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.service import tab as service_tab
from crm_desktop.ui.service.tab import ServiceTab
from tests.conftest import MakeOperator
from tests.gui.settings_helpers import Notified, show_tab


def open_tab(qtbot: QtBot, db: Database, actor: Actor) -> tuple[ServiceTab, AppContext, Notified]:
    """The tab as the main window shows it: visible, refreshed by the change bus."""
    return show_tab(qtbot, db, actor, ServiceTab, (1300, 700))


def request(db: Database, actor: Actor, customer_id: int, subject: str, **values: Any) -> int:
    return service_records.save_service_record(
        db, actor, None, None, {"customer_id": customer_id, "subject": subject, **values}
    )


def subjects(tab: ServiceTab) -> list[str]:
    return [row.subject for row in tab.page.rows()]


def choose(combo: Any, text: str) -> None:
    assert isinstance(combo, QComboBox)
    index = combo.findText(text)
    assert index >= 0, f"{text!r} is not offered"
    combo.setCurrentIndex(index)


def select(tab: ServiceTab, subject: str) -> None:
    row = next(row for row in tab.page.rows() if row.subject == subject)
    assert tab.page.select_key(row.id)


def emphasized(tab: ServiceTab, subject: str, column: int) -> bool:
    row = subjects(tab).index(subject)
    font = tab.page.proxy.index(row, column).data(Qt.ItemDataRole.FontRole)
    return font is not None and font.bold()


@pytest.fixture
def desk(make_operator: MakeOperator) -> Actor:
    """Someone at the service desk: sees every record, may edit and close them."""
    return make_operator("desk", "service", name="客服小王")


def test_a_request_recorded_in_the_dialog_appears_in_the_list(
    qtbot: QtBot, db: Database, boss: Actor, desk: Actor
) -> None:
    customer_id = customers.create_customer(db, boss, {"name": "北京科技有限公司"})
    contacts.save_contact(db, boss, customer_id, None, None, {"name": "张三", "is_primary": True})
    tab, _ctx, notified = open_tab(qtbot, db, desk)
    assert subjects(tab) == []

    tab.page.action("new").trigger()
    dialog = tab.dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.customer, "bjkj")  # pinyin initials find it
    qtbot.waitUntil(lambda: dialog.customer.matches.rowCount() == 1)
    qtbot.keyClick(dialog.customer, Qt.Key.Key_Return)  # takes the only match
    assert dialog.customer.customer_id == customer_id
    assert dialog.editor("contact_id").currentText() == "张三"  # the primary contact
    dialog.editor("subject").setText("打印机卡纸")  # (keyClicks types ASCII only)
    choose(dialog.editor("category_id"), "Repair")
    choose(dialog.editor("priority"), "High")
    dialog.submit()

    assert dialog.panel.error.isHidden()
    qtbot.waitUntil(lambda: subjects(tab) == ["打印机卡纸"])
    row = tab.page.rows()[0]
    assert (row.customer_name, row.category_name, row.handler_name) == (
        "北京科技有限公司",
        "Repair",
        "客服小王",
    )
    assert (row.priority, row.status, row.resolved_at) == (1, "open", None)
    assert emphasized(tab, "打印机卡纸", 5)  # high priority stands out
    assert "service" in notified.kinds()


def test_resolve_asks_the_result_and_sets_status_result_and_time(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
    desk: Actor,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    customer_id = customers.create_customer(db, boss, {"name": "上海贸易有限公司"})
    record_id = request(db, desk, customer_id, "空调不制冷")
    tab, _ctx, _notified = open_tab(qtbot, db, desk)
    select(tab, "空调不制冷")
    assert tab.page.action("start").isEnabled()
    assert not tab.page.action("reopen").isEnabled()

    tab.page.action("start").trigger()
    assert service_records.get_service_record(db, desk, record_id)["status"] == "in_progress"

    asked: list[str] = []
    monkeypatch.setattr(
        service_tab, "ask_result", lambda _parent, current: asked.append(current) or "更换压缩机"
    )
    clock.advance(hours=5)
    select(tab, "空调不制冷")
    tab.page.action("resolve").trigger()

    record = service_records.get_service_record(db, desk, record_id)
    assert asked == [""]
    assert (record["status"], record["result"]) == ("resolved", "更换压缩机")
    assert record["resolved_at"] == clock.now()
    assert tab.page.rows()[0].status == "resolved"  # the list shows it at once
    assert tab.page.action("reopen").isEnabled()
    assert not tab.page.action("resolve").isEnabled()

    tab.page.action("reopen").trigger()
    record = service_records.get_service_record(db, desk, record_id)
    assert (record["status"], record["resolved_at"]) == ("open", None)


def test_cancelling_the_result_question_leaves_the_record_open(
    qtbot: QtBot, db: Database, boss: Actor, desk: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer_id = customers.create_customer(db, boss, {"name": "上海贸易有限公司"})
    record_id = request(db, desk, customer_id, "空调不制冷")
    tab, _ctx, _notified = open_tab(qtbot, db, desk)
    monkeypatch.setattr(service_tab, "ask_result", lambda _parent, _current: None)
    select(tab, "空调不制冷")
    tab.page.action("resolve").trigger()
    assert service_records.get_service_record(db, desk, record_id)["status"] == "open"


def test_open_ones_filter_hides_finished_requests_and_late_ones_stand_out(
    qtbot: QtBot, db: Database, boss: Actor, desk: Actor, clock: FixedClock
) -> None:
    customer_id = customers.create_customer(db, boss, {"name": "广州电子有限公司"})
    old = request(db, desk, customer_id, "四天前的报修")
    done = request(db, desk, customer_id, "已解决的咨询")
    version = service_records.get_service_record(db, desk, done)["version"]
    service_records.set_service_status(db, desk, done, version, "resolved", "已答复")
    clock.advance(days=4)
    request(db, desk, customer_id, "今天的报修")
    assert old

    tab, _ctx, _notified = open_tab(qtbot, db, desk)
    assert subjects(tab) == ["今天的报修", "已解决的咨询", "四天前的报修"]  # newest first
    assert emphasized(tab, "四天前的报修", 0)  # open for more than three days
    assert not emphasized(tab, "今天的报修", 0)
    assert not emphasized(tab, "已解决的咨询", 0)

    choose(tab.status, "Open ones")
    assert subjects(tab) == ["今天的报修", "四天前的报修"]
    choose(tab.status, "Resolved")
    assert subjects(tab) == ["已解决的咨询"]
    tab.clear_filters()
    tab.search.setText("咨询")
    tab.apply_filters()
    assert subjects(tab) == ["已解决的咨询"]


def test_salesperson_does_not_see_a_colleagues_service_record(
    qtbot: QtBot, db: Database, team: dict[str, Actor]
) -> None:
    li, zhao = team["li"], team["zhao"]
    li_customer = customers.create_customer(db, li, {"name": "李四的客户有限公司"})
    zhao_customer = customers.create_customer(db, zhao, {"name": "赵六的客户有限公司"})
    request(db, li, li_customer, "李四客户的报修")
    request(db, zhao, zhao_customer, "赵六客户的报修")

    tab, _ctx, _notified = open_tab(qtbot, db, zhao)
    assert subjects(tab) == ["赵六客户的报修"]
    assert tab.page.count_label.text() == "1 service record"
    # Salespeople record requests but the desk works them: no status actions, Edit only reads.
    assert "resolve" not in tab.page.actions_by_key
    select(tab, "赵六客户的报修")
    tab.page.action("edit").trigger()
    assert tab.dialog is not None and tab.dialog.read_only
    assert tab.dialog.save_button.isHidden()


def test_closing_a_complaint_asks_the_satisfaction_and_escalated_ones_filter_for_the_manager(
    qtbot: QtBot, db: Database, boss: Actor, team: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from sqlalchemy import select as sql_select

    from crm_desktop.core.models import Team
    from crm_desktop.core.services.escalation import escalate_overdue

    manager = team["manager"]
    with db.write(boss) as uow:  # 马经理 manages the east team
        uow.session.scalar(sql_select(Team).where(Team.code == "E")).manager_id = manager.id
    customer_id = customers.create_customer(db, boss, {"name": "投诉客户有限公司"})
    late = request(db, boss, customer_id, "送货延误", kind="complaint", handler_id=team["li"].id)
    request(db, boss, customer_id, "安装预约", handler_id=team["li"].id)
    escalate_overdue(db, None, db.clock.now() + timedelta(days=4))

    tab, _ctx, _notified = open_tab(qtbot, db, manager)
    assert sorted(subjects(tab)) == ["安装预约", "送货延误"]
    tab.escalated.setChecked(True)
    assert subjects(tab) == ["送货延误"]
    assert tab.page.rows()[0].escalated_to_name == "马经理"

    asked: list[bool] = []
    monkeypatch.setattr(
        service_tab,
        "ask_satisfaction",
        lambda _parent, required, _score, _comment: asked.append(required) or (2, "太慢"),
    )
    desk_tab, _ctx2, _n2 = open_tab(qtbot, db, boss)  # the boss closes it
    select(desk_tab, "送货延误")
    desk_tab.page.action("close").trigger()
    record = service_records.get_service_record(db, boss, late)
    assert asked == [True]  # a complaint: the score is required
    assert (record["status"], record["satisfaction"], record["satisfaction_comment"]) == (
        "closed",
        2,
        "太慢",
    )
