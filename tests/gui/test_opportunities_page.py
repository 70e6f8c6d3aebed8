"""The Opportunities page driven through its widgets over a real database.

Opportunities are created through the service; the page is then used like a person would: a card
is dropped into another column (a real drop event on the column's list), the funnel view is
chosen with its button, the toolbar's Move, Won and Lost actions are triggered. The stage chooser
and the lost-reason question are answered by replacing the module's ask functions.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from crm_desktop.core.actor import Actor
from crm_desktop.core.changes import Changes
from crm_desktop.core.db import Database
from crm_desktop.core.services import opportunities
from crm_desktop.ui.sales import opportunities_page as page_module
from crm_desktop.ui.sales.opportunities_page import OpportunitiesPage, StageList
from tests.gui.settings_helpers import Answers, Notified, answers, make_ctx  # noqa: F401
from tests.sales_fixtures import make_customer


def add(db: Database, actor: Actor, name: str, stage_id: int, **values: Any) -> int:
    customer_id = values.pop("customer_id", None) or make_customer(db, actor)
    return opportunities.save_opportunity(
        db,
        actor,
        None,
        None,
        {"customer_id": customer_id, "name": name, "stage_id": stage_id, **values},
    )


def open_page(qtbot: QtBot, db: Database, actor: Actor) -> tuple[OpportunitiesPage, Notified]:
    ctx, notified = make_ctx(db, actor)
    page = OpportunitiesPage(ctx)
    qtbot.addWidget(page)
    page.resize(1300, 700)
    page.show()
    qtbot.waitExposed(page)
    return page, notified


def card_names(page: OpportunitiesPage, stage_id: int) -> list[str]:
    return [row.name for row in page.board.lists[stage_id].rows()]


def drop_card(source: StageList, row: int, target: StageList) -> None:
    """What a drag does at the target: enter, move over it, drop (the card's own drag data)."""
    data = source.mimeData([source.item(row)])
    where = target.viewport().rect().center()
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    move = Qt.DropAction.MoveAction
    for event in (
        QDragEnterEvent(where, move, data, buttons, keys),
        QDragMoveEvent(where, move, data, buttons, keys),
        QDropEvent(QPointF(where), move, data, buttons, keys),
    ):
        QApplication.sendEvent(target.viewport(), event)
        assert event.isAccepted()


def stage_of(db: Database, actor: Actor, opportunity_id: int) -> int:
    return opportunities.get_opportunity(db, actor, opportunity_id)["stage_id"]


@pytest.fixture
def stages(db: Database, boss: Actor) -> list[tuple[int, str]]:
    found = opportunities.stages(db, boss)
    assert len(found) >= 3
    return found


def test_dropping_a_card_on_another_stage_moves_the_opportunity(
    qtbot: QtBot, db: Database, boss: Actor, stages: list[tuple[int, str]]
) -> None:
    first, second = stages[0][0], stages[1][0]
    deal = add(db, boss, "办公家具采购", first, expected_amount=Decimal("12000.00"))
    page, notified = open_page(qtbot, db, boss)
    assert card_names(page, first) == ["办公家具采购"]
    drop_card(page.board.lists[first], 0, page.board.lists[second])
    qtbot.waitUntil(lambda: stage_of(db, boss, deal) == second)
    qtbot.waitUntil(lambda: card_names(page, second) == ["办公家具采购"])
    assert card_names(page, first) == []
    assert "opportunities" in notified.kinds()


def test_move_to_stage_action_moves_the_selected_card(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
    stages: list[tuple[int, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first, third = stages[0][0], stages[2][0]
    deal = add(db, boss, "服务器扩容", first)
    page, _notified = open_page(qtbot, db, boss)
    offered: list[list[tuple[int, str]]] = []

    def choose(_parent: Any, _name: str, choices: Any, _current: Any) -> int:
        offered.append(list(choices))
        return third

    monkeypatch.setattr(page_module, "choose_stage", choose)
    assert not page.actions_by_key["move"].isEnabled()
    assert page.board.select(deal)
    page.actions_by_key["move"].trigger()
    assert offered == [stages]
    assert stage_of(db, boss, deal) == third
    assert card_names(page, third) == ["服务器扩容"]
    assert page.board.selected_row().id == deal  # type: ignore[union-attr]


def test_funnel_shows_every_stage_with_its_count_and_amount(
    qtbot: QtBot, db: Database, boss: Actor, stages: list[tuple[int, str]]
) -> None:
    first, second = stages[0][0], stages[1][0]
    add(db, boss, "甲", first, expected_amount=Decimal("100.10"))
    add(db, boss, "乙", first, expected_amount=Decimal("200.20"))
    add(db, boss, "丙", second, expected_amount=Decimal("0.30"))
    page, _notified = open_page(qtbot, db, boss)
    qtbot.mouseClick(page.findChild(object, "view_funnel"), Qt.MouseButton.LeftButton)
    assert page.current_view() == "funnel"
    labels = {label.name: label for label in page.funnel.label_texts()}
    assert list(labels) == [name for _id, name in stages]
    assert labels[stages[0][1]].count == "2"
    assert "300.30" in labels[stages[0][1]].detail
    assert labels[stages[1][1]].count == "1"
    assert all(labels[name].count == "0" for _id, name in stages[2:])
    page.funnel.grab()  # paints without error


def test_lost_asks_the_reason_and_takes_the_card_off_the_board(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
    stages: list[tuple[int, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = stages[0][0]
    deal = add(db, boss, "打印机租赁", first)
    page, _notified = open_page(qtbot, db, boss)
    monkeypatch.setattr(page_module, "ask_lost_reason", lambda _parent, _name: "价格偏高")
    page.board.select(deal)
    page.actions_by_key["lost"].trigger()
    saved = opportunities.get_opportunity(db, boss, deal)
    assert (saved["status"], saved["lost_reason"]) == ("lost", "价格偏高")
    assert card_names(page, first) == []
    # the list view still shows it, as lost, when asked for every status
    qtbot.mouseClick(page.findChild(object, "view_list"), Qt.MouseButton.LeftButton)
    page.status.setCurrentIndex(page.status.findData(None))
    assert [(row.name, row.status) for row in page.list_page.rows()] == [("打印机租赁", "lost")]


def test_won_closes_the_opportunity_after_confirming(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
    stages: list[tuple[int, str]],
    answers: Answers,  # noqa: F811
) -> None:
    deal = add(db, boss, "年度维保", stages[1][0])
    page, _notified = open_page(qtbot, db, boss)
    page.board.select(deal)
    page.actions_by_key["won"].trigger()
    assert answers.questions and "年度维保" in answers.questions[0]
    assert opportunities.get_opportunity(db, boss, deal)["status"] == "won"


def test_new_opportunity_from_the_dialog(
    qtbot: QtBot, db: Database, boss: Actor, stages: list[tuple[int, str]]
) -> None:
    make_customer(db, boss, "杭州云帆科技有限公司")
    page, notified = open_page(qtbot, db, boss)
    dialog = page.new_opportunity()
    assert dialog.customer.search("云帆") == 1
    dialog.customer.choose_row(0)
    dialog.editor("name").insert("机房改造")  # type: ignore[attr-defined]  # an input method
    stage = dialog.editor("stage_id")
    stage.setCurrentIndex(stage.findData(stages[1][0]))  # type: ignore[attr-defined]
    qtbot.keyClicks(dialog.editor("expected_amount"), "88000")
    dialog.submit()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert card_names(page, stages[1][0]) == ["机房改造"]
    row = page.board.lists[stages[1][0]].rows()[0]
    assert (row.customer_name, row.expected_amount) == ("杭州云帆科技有限公司", Decimal("88000.00"))
    assert "opportunities" in notified.kinds()


def test_double_click_edits_and_the_owner_filter_narrows_the_board(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
    team: dict[str, Actor],
    stages: list[tuple[int, str]],
) -> None:
    first = stages[0][0]
    li, zhao = team["li"], team["zhao"]
    add(db, boss, "李四的商机", first, owner_id=li.id)
    add(db, boss, "赵六的商机", first, owner_id=zhao.id)
    page, _notified = open_page(qtbot, db, boss)
    assert sorted(card_names(page, first)) == ["李四的商机", "赵六的商机"]
    page.owner.setCurrentIndex(page.owner.findData(li.id))
    assert card_names(page, first) == ["李四的商机"]
    stage_list = page.board.lists[first]
    rect = stage_list.visualItemRect(stage_list.item(0))
    qtbot.mouseClick(stage_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(stage_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert page.dialog is not None and page.dialog.editor("name").text() == "李四的商机"  # type: ignore[attr-defined]


def test_ctrl_f_goes_to_the_search_in_every_view(
    qtbot: QtBot, db: Database, boss: Actor, stages: list[tuple[int, str]]
) -> None:
    add(db, boss, "年度维保", stages[0][0])
    page, _notified = open_page(qtbot, db, boss)
    page.show_view("list")
    with qtbot.waitActive(page):
        page.activateWindow()
    page.list_page.table.setFocus()
    qtbot.keyClick(page.list_page.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert page.search.hasFocus()


def test_a_change_elsewhere_reloads_the_board(
    qtbot: QtBot, db: Database, boss: Actor, stages: list[tuple[int, str]]
) -> None:
    page, _notified = open_page(qtbot, db, boss)
    add(db, boss, "别处新建的商机", stages[0][0])
    page.refresh(Changes.of("followups"))
    assert card_names(page, stages[0][0]) == []
    page.refresh(Changes.of("opportunities"))
    assert card_names(page, stages[0][0]) == ["别处新建的商机"]
