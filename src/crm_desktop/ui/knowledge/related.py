""" "Related articles" in the service record dialog: the linked articles, link one found by a
search, open one to read it, unlink."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.actor import Actor
from crm_desktop.core.changes import Changes
from crm_desktop.core.db import Database
from crm_desktop.core.errors import CrmError
from crm_desktop.core.i18n import _
from crm_desktop.core.services import knowledge
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.widgets import prompts


def _fill(widget: QListWidget, rows: list[knowledge.ArticleRow]) -> None:
    widget.clear()
    for row in rows:
        label = f"{row.title}  [{row.category}]" if row.category else row.title
        item = QListWidgetItem(label)
        item.setData(Qt.ItemDataRole.UserRole, row.id)
        widget.addItem(item)


def _chosen_id(widget: QListWidget) -> int | None:
    item = widget.currentItem()
    return None if item is None else item.data(Qt.ItemDataRole.UserRole)


class ArticlePicker(QDialog):
    """Search the knowledge base and pick one article (searched as the person types)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("articlePicker")
        self.setWindowTitle(_("Link article"))
        self.search = QLineEdit()
        self.search.setObjectName("pickerSearch")
        self.search.setPlaceholderText(_("Search: words in the title, tags or text"))
        self.results = QListWidget()
        self.results.setObjectName("pickerResults")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.results.itemActivated.connect(lambda _item: self.accept())
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.results, 1)
        layout.addWidget(buttons)
        self.search.textChanged.connect(self.find)
        self.find("")
        self.resize(480, 400)

    def find(self, text: str) -> None:
        rows = knowledge.search_articles(self.ctx.db, self.ctx.actor, text, limit=50)
        _fill(self.results, rows)
        if rows:
            self.results.setCurrentRow(0)

    @property
    def article_id(self) -> int | None:
        return _chosen_id(self.results)


def pick_article(picker: ArticlePicker) -> int | None:
    """Show the picker and return the chosen article (a module function so tests answer it)."""
    return picker.article_id if picker.exec() == QDialog.DialogCode.Accepted else None


class RelatedArticles(QWidget):
    """The articles linked to one service record."""

    def __init__(self, ctx: AppContext, record_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.record_id = record_id
        self.setObjectName("relatedArticles")
        self.list = QListWidget()
        self.list.setObjectName("relatedList")
        self.list.setMaximumHeight(80)
        self.list.itemActivated.connect(lambda _item: self.open_article())
        self.link_button = QPushButton(_("Link article…"))
        self.link_button.clicked.connect(self.link)
        self.open_button = QPushButton(_("Open"))
        self.open_button.clicked.connect(self.open_article)
        self.unlink_button = QPushButton(_("Unlink"))
        self.unlink_button.clicked.connect(self.unlink)
        buttons = QVBoxLayout()
        for button in (self.link_button, self.open_button, self.unlink_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.reload()

    def reload(self) -> None:
        rows = knowledge.articles_for_service(self.ctx.db, self.ctx.actor, self.record_id)
        _fill(self.list, rows)
        if self.list.count():
            self.list.setCurrentRow(0)

    def link(self) -> None:
        article_id = pick_article(ArticlePicker(self.ctx, self))
        if article_id is None:
            return
        self._run(knowledge.link_to_service, article_id)

    def unlink(self) -> None:
        article_id = _chosen_id(self.list)
        if article_id is not None:
            self._run(knowledge.unlink_from_service, article_id)

    def _run(self, change: Callable[[Database, Actor, int, int], None], article_id: int) -> None:
        """Link or unlink, then show the list again and tell the other views."""
        try:
            change(self.ctx.db, self.ctx.actor, article_id, self.record_id)
        except CrmError as exc:
            prompts.show_error(self, exc)
            return
        self.reload()
        self.ctx.notify(Changes.of("kb"))

    def open_article(self) -> QDialog | None:
        """The article in a reader window."""
        article_id = _chosen_id(self.list)
        if article_id is None:
            return None
        from crm_desktop.ui.knowledge.tab import ArticleReader

        window = QDialog(self)
        window.setObjectName("articleWindow")
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        reader = ArticleReader(self.ctx, window)
        reader.show_article(article_id)
        window.setWindowTitle(reader.title.text())
        QVBoxLayout(window).addWidget(reader)
        window.resize(640, 560)
        window.open()
        return window
