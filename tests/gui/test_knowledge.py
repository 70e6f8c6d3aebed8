"""The knowledge base tab driven like a person would: search in Chinese, read, write, archive;
and the related articles of a service record."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.services import customers, service_records
from crm_desktop.core.services import knowledge as kb
from crm_desktop.ui.knowledge import related
from crm_desktop.ui.knowledge.editor import ArticleDialog
from crm_desktop.ui.knowledge.tab import KnowledgeTab
from crm_desktop.ui.service.dialog import ServiceRecordDialog
from tests.conftest import MakeOperator
from tests.gui.settings_helpers import make_ctx


@pytest.fixture
def desk(make_operator: MakeOperator) -> Actor:
    return make_operator("svc", "service", name="客服小周")


@pytest.fixture
def articles(db: Database, desk: Actor) -> dict[str, int]:
    return {
        title: kb.create_article(db, desk, {"title": title, "body": body, "category": category})
        for title, body, category in (
            ("退货流程", "七天内可退货。\n\n退货须保持包装完好。", "售后"),
            ("发票开具", "增值税发票需提供税号。", "财务"),
            ("设备安装指南", "安装前请断电。", "技术"),
        )
    }


def open_tab(qtbot: QtBot, db: Database, actor: Actor) -> KnowledgeTab:
    ctx, _notified = make_ctx(db, actor)
    tab = KnowledgeTab(ctx)
    qtbot.addWidget(tab)
    tab.resize(1100, 700)
    tab.show()
    return tab


def titles(tab: KnowledgeTab) -> list[str]:
    return [row.title for row in tab.rows]


def test_typing_a_two_character_word_shows_the_matching_articles_and_reads_the_first(
    qtbot: QtBot, db: Database, desk: Actor, articles: dict[str, int]
) -> None:
    tab = open_tab(qtbot, db, desk)
    qtbot.waitUntil(lambda: len(tab.rows) == 3)
    tab.search.setText("发票")
    qtbot.waitUntil(lambda: titles(tab) == ["发票开具"])
    assert tab.reader.title.text() == "发票开具"
    assert "税号" in tab.reader.body.toPlainText()
    tab.search.setText("退货 包装")
    qtbot.waitUntil(lambda: titles(tab) == ["退货流程"])
    assert "包装" in tab.results.item(0).text()  # the snippet around the hit


def test_category_filter_limits_the_list(
    qtbot: QtBot, db: Database, desk: Actor, articles: dict[str, int]
) -> None:
    tab = open_tab(qtbot, db, desk)
    qtbot.waitUntil(lambda: len(tab.rows) == 3)
    tab.category.setCurrentIndex(tab.category.findData("技术"))
    qtbot.waitUntil(lambda: titles(tab) == ["设备安装指南"])


def test_editor_writes_an_article_that_the_search_then_finds(
    qtbot: QtBot, db: Database, desk: Actor, articles: dict[str, int]
) -> None:
    tab = open_tab(qtbot, db, desk)
    dialog = tab.new_article()
    assert isinstance(dialog, ArticleDialog)
    dialog.title_edit.setText("常见故障排查")
    dialog.category_edit.setCurrentText("技术")
    dialog.body_edit.setPlainText("指示灯不亮：检查电源。")
    dialog.save()
    assert not dialog.isVisible()
    tab.search.setText("指示灯")
    qtbot.waitUntil(lambda: titles(tab) == ["常见故障排查"])


def test_archive_removes_the_article_from_the_list(
    qtbot: QtBot, db: Database, desk: Actor, articles: dict[str, int], boxes
) -> None:
    tab = open_tab(qtbot, db, desk)
    tab.search.setText("发票")
    qtbot.waitUntil(lambda: titles(tab) == ["发票开具"])
    tab.archive_article()
    qtbot.waitUntil(lambda: titles(tab) == [])


def test_a_salesperson_reads_without_edit_buttons(
    qtbot: QtBot, db: Database, team: dict[str, Actor], articles: dict[str, int]
) -> None:
    tab = open_tab(qtbot, db, team["li"])
    qtbot.waitUntil(lambda: len(tab.rows) == 3)
    assert not tab.new_button.isVisible() and not tab.archive_button.isVisible()
    assert not tab.reader.attach_button.isVisible()


def test_service_record_dialog_links_and_opens_related_articles(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
    desk: Actor,
    articles: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    customer = customers.create_customer(db, boss, {"name": "上海客户"})
    record = service_records.save_service_record(
        db, desk, None, None, {"customer_id": customer, "subject": "退货咨询"}
    )
    ctx, notified = make_ctx(db, desk)
    dialog = ServiceRecordDialog(ctx, None, record_id=record)
    qtbot.addWidget(dialog)
    monkeypatch.setattr(related, "pick_article", lambda picker: articles["退货流程"])
    dialog.related.link()
    assert dialog.related.list.item(0).text() == "退货流程  [售后]"
    assert "kb" in notified.kinds()
    window = dialog.related.open_article()
    assert window is not None and window.windowTitle() == "退货流程"
    window.close()
    assert [row.title for row in kb.articles_for_service(db, desk, record)] == ["退货流程"]


def test_the_article_picker_searches_as_one_types(
    qtbot: QtBot, db: Database, desk: Actor, articles: dict[str, int]
) -> None:
    ctx, _notified = make_ctx(db, desk)
    picker = related.ArticlePicker(ctx)
    qtbot.addWidget(picker)
    picker.search.setText("安装")
    assert picker.article_id == articles["设备安装指南"]
    assert picker.results.count() == 1
