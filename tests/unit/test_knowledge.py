"""Knowledge base: Chinese search (2-character words too), AND of words, ranking, permissions,
links to service records within the data scope, and attachments on articles."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock
from crm_desktop.core.db import Database
from crm_desktop.core.errors import ConflictError, PermissionDenied, ValidationError
from crm_desktop.core.models import AuditEntry
from crm_desktop.core.services import attachments, customers
from crm_desktop.core.services import knowledge as kb
from crm_desktop.core.services import service_records as service
from crm_desktop.core.services.knowledge import ArticleFilter
from tests.conftest import MakeOperator


@pytest.fixture
def desk(make_operator: MakeOperator) -> Actor:
    return make_operator("svc", "service", name="客服小周")


def _add(db: Database, actor: Actor, title: str, body: str = "", **extra: str) -> int:
    return kb.create_article(db, actor, {"title": title, "body": body, **extra})


def _titles(db: Database, actor: Actor, text: str, **wanted) -> list[str]:
    rows = kb.list_articles(db, actor, ArticleFilter(search=text, **wanted))
    return [row.title for row in rows]


def test_two_character_chinese_words_are_found_in_title_tags_and_body(
    db: Database, desk: Actor
) -> None:
    _add(db, desk, "退换货流程", "客户收货后七天内可申请。")
    _add(db, desk, "开票须知", "增值税专用发票需提供税号。")
    _add(db, desk, "安装指南", "按说明书操作。", tags="上门 安装")
    _add(db, desk, "无关文章", "其他内容。")
    assert _titles(db, desk, "退货") == []  # 退换货 does not contain 退货
    assert _titles(db, desk, "发票") == ["开票须知"]
    assert _titles(db, desk, "上门") == ["安装指南"]
    assert _titles(db, desk, "换货") == ["退换货流程"]
    assert _titles(db, desk, "七") == ["退换货流程"]  # one character too


def test_search_ignores_case_and_full_width_and_mixes_chinese_with_latin(
    db: Database, desk: Actor
) -> None:
    _add(db, desk, "ＶＰＮ连接故障", "重启路由器。")
    _add(db, desk, "打印机报错", "错误代码 E-05：卡纸，请打开 Tray 2。")
    assert _titles(db, desk, "vpn") == ["ＶＰＮ连接故障"]
    assert _titles(db, desk, "VPN连接 故障") == ["ＶＰＮ连接故障"]
    assert _titles(db, desk, "ｅ-05 卡纸") == ["打印机报错"]
    assert _titles(db, desk, "tray 2") == ["打印机报错"]


def test_every_word_must_match(db: Database, desk: Actor) -> None:
    _add(db, desk, "发票开具", "普通发票当天开具。")
    _add(db, desk, "发票作废", "作废须在当月。")
    assert _titles(db, desk, "发票 当月") == ["发票作废"]
    assert _titles(db, desk, "发票　开具") == ["发票开具"]  # full-width space splits too
    assert _titles(db, desk, "发票 退货") == []


def test_percent_and_underscore_are_matched_literally(db: Database, desk: Actor) -> None:
    _add(db, desk, "折扣规则", "满减 10% 封顶。")
    _add(db, desk, "文件命名", "使用 file_name 格式。")
    _add(db, desk, "别的", "100 元")
    assert _titles(db, desk, "10%") == ["折扣规则"]
    assert _titles(db, desk, "e_n") == ["文件命名"]


def test_title_hits_rank_before_body_hits_then_newest_first(
    db: Database, desk: Actor, clock: FixedClock
) -> None:
    _add(db, desk, "常见问题汇总", "其中一条说到发票。")
    clock.advance(minutes=1)
    _add(db, desk, "发票开具", "说明。")
    clock.advance(minutes=1)
    _add(db, desk, "新的汇总", "也提到发票。")
    clock.advance(minutes=1)
    _add(db, desk, "标签文章", "无。", tags="发票")
    assert _titles(db, desk, "发票") == ["发票开具", "标签文章", "新的汇总", "常见问题汇总"]
    assert _titles(db, desk, "") == ["标签文章", "新的汇总", "发票开具", "常见问题汇总"]


def test_snippet_shows_the_body_around_the_first_hit(db: Database, desk: Actor) -> None:
    body = "前言" * 60 + "退货须保持包装完好。" + "结尾" * 60
    _add(db, desk, "退货说明", body)
    (row,) = kb.search_articles(db, desk, "包装")
    assert "包装完好" in row.snippet and row.snippet.startswith("…")
    assert len(row.snippet) <= kb.SNIPPET_CHARS + 2


def test_category_filter_and_categories(db: Database, desk: Actor) -> None:
    _add(db, desk, "发票开具", category="财务")
    _add(db, desk, "发票丢失", category="售后")
    assert _titles(db, desk, "发票", category="财务") == ["发票开具"]
    assert kb.list_categories(db, desk) == ["售后", "财务"]


def test_archived_articles_leave_the_search_but_can_be_restored(db: Database, desk: Actor) -> None:
    article = _add(db, desk, "旧版退货政策")
    kb.archive_article(db, desk, article)
    assert _titles(db, desk, "退货") == []
    assert _titles(db, desk, "退货", include_archived=True) == ["旧版退货政策"]
    assert kb.get_article(db, desk, article)["archived"] is True
    kb.set_archived(db, desk, article, False)
    assert _titles(db, desk, "退货") == ["旧版退货政策"]


def test_editing_refreshes_the_search_and_is_audited_with_version_check(
    db: Database, desk: Actor
) -> None:
    article = _add(db, desk, "安装指南")
    version = kb.get_article(db, desk, article)["version"]
    kb.update_article(db, desk, article, version, {"body": "先断电再接线。"})
    assert _titles(db, desk, "断电") == ["安装指南"]
    with pytest.raises(ConflictError):
        kb.update_article(db, desk, article, version, {"title": "旧的"})
    with db.read() as session:
        actions = set(
            session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "kb_article"))
        )
    assert actions == {"kb_article.create", "kb_article.update"}


def test_title_is_required(db: Database, desk: Actor) -> None:
    with pytest.raises(ValidationError):
        _add(db, desk, "  ")


def test_salesperson_reads_but_cannot_edit(
    db: Database, desk: Actor, team: dict[str, Actor]
) -> None:
    article = _add(db, desk, "发票开具")
    li = team["li"]
    assert _titles(db, li, "发票") == ["发票开具"]
    assert kb.get_article(db, li, article)["title"] == "发票开具"
    with pytest.raises(PermissionDenied):
        _add(db, li, "我的文章")
    with pytest.raises(PermissionDenied):
        kb.update_article(db, li, article, 1, {"title": "改"})
    with pytest.raises(PermissionDenied):
        kb.archive_article(db, li, article)


def test_links_to_service_records_follow_the_data_scope(
    db: Database, boss: Actor, desk: Actor, team: dict[str, Actor]
) -> None:
    li, zhao = team["li"], team["zhao"]
    customer = customers.create_customer(db, boss, {"name": "李四的客户", "owner_id": li.id})
    record = service.save_service_record(
        db, li, None, None, {"customer_id": customer, "subject": "退货咨询"}
    )
    article = _add(db, desk, "退换货流程")
    kb.link_to_service(db, li, article, record)
    kb.link_to_service(db, li, article, record)  # twice is harmless
    assert [row.title for row in kb.articles_for_service(db, desk, record)] == ["退换货流程"]
    with pytest.raises(PermissionDenied):
        kb.articles_for_service(db, zhao, record)
    with pytest.raises(PermissionDenied):
        kb.link_to_service(db, zhao, article, record)
    kb.unlink_from_service(db, li, article, record)
    assert kb.articles_for_service(db, li, record) == []


def test_attachments_on_articles_readable_by_viewers_added_by_editors(
    db: Database, desk: Actor, team: dict[str, Actor], tmp_path: Path
) -> None:
    article = _add(db, desk, "设备安装指南")
    manual = tmp_path / "安装图.txt"
    manual.write_text("接线图", encoding="utf-8")
    attachment = attachments.add_attachment(db, desk, "kb_article", article, manual)
    li = team["li"]
    listed = attachments.list_attachments(db, li, "kb_article", article)
    assert [row.filename for row in listed] == ["安装图.txt"]
    assert attachments.attachment_bytes(db, li, attachment)[1] == "接线图".encode()
    with pytest.raises(PermissionDenied):
        attachments.add_attachment(db, li, "kb_article", article, manual)
