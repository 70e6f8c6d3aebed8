"""The knowledge base tab: a live search box, a category filter, the hits with snippets, and a
reader pane; kb.edit holders also write, change and archive articles.

The search runs on a worker thread (`ops.run`) a moment after the last keystroke; a result that
arrives after a newer search started is dropped, so the list always shows the latest words.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.changes import Changes
from crm_desktop.core.errors import CrmError
from crm_desktop.core.i18n import _, ngettext
from crm_desktop.core.services import attachments, knowledge
from crm_desktop.ui import ops
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.customers.attachments_panel import choose_files, open_file, open_folder
from crm_desktop.ui.knowledge.editor import ArticleDialog
from crm_desktop.ui.widgets import prompts
from crm_desktop.ui.widgets.record_table_model import local_time

DEBOUNCE_MS = 250
OWNER_KIND = "kb_article"


def body_html(body: str) -> str:
    """Plain text as paragraphs: blank lines part them, single line breaks stay."""
    paragraphs = [part.strip("\n") for part in body.replace("\r\n", "\n").split("\n\n")]
    return "".join(
        f"<p>{html.escape(part).replace(chr(10), '<br>')}</p>" for part in paragraphs if part
    )


class ArticleReader(QWidget):
    """One article: title, category and tags, the text, and its attachments."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.article_id: int | None = None
        self.title = QLabel()
        self.title.setObjectName("articleTitle")
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.meta = QLabel()
        self.meta.setObjectName("articleMeta")
        self.meta.setStyleSheet("color: #666;")
        self.meta.setWordWrap(True)
        self.body = QTextBrowser()
        self.body.setObjectName("articleBody")
        self.files = QListWidget()
        self.files.setObjectName("articleFiles")
        self.files.setMaximumHeight(90)
        self.files.itemActivated.connect(lambda _item: self.open_attachment())
        self.open_button = QPushButton(_("Open"))
        self.open_button.clicked.connect(self.open_attachment)
        self.attach_button = QPushButton(_("Attach…"))
        self.attach_button.clicked.connect(self.attach)
        self.attach_button.setVisible(ctx.actor.can("kb.edit"))
        files_bar = QHBoxLayout()
        files_bar.addWidget(QLabel(_("Attachments")))
        files_bar.addStretch(1)
        files_bar.addWidget(self.attach_button)
        files_bar.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.meta)
        layout.addWidget(self.body, 1)
        layout.addLayout(files_bar)
        layout.addWidget(self.files)
        self.show_article(None)

    def show_article(self, article_id: int | None) -> None:
        self.article_id = article_id
        self.files.clear()
        if article_id is None:
            self.title.setText(_("No article chosen"))
            self.meta.clear()
            self.body.clear()
            self._enable()
            return
        article = knowledge.get_article(self.ctx.db, self.ctx.actor, article_id)
        self.title.setText(article["title"])
        parts = [article["category"] or _("No category")]
        if article["tags"]:
            parts.append(_("Tags: {tags}").format(tags=article["tags"]))
        if article["updated_at"] is not None:
            stamp = local_time(article["updated_at"]).strftime("%Y-%m-%d %H:%M")
            parts.append(
                _("Updated {at} by {name}").format(at=stamp, name=article["updated_by_name"] or "")
            )
        if article["archived"]:
            parts.append(_("Archived"))
        self.meta.setText("  ·  ".join(parts))
        self.body.setHtml(body_html(article["body"] or ""))
        self._load_files()

    def _load_files(self) -> None:
        self.files.clear()
        if self.article_id is None:
            return
        for row in attachments.list_attachments(
            self.ctx.db, self.ctx.actor, OWNER_KIND, self.article_id
        ):
            item = QListWidgetItem(row.filename)
            item.setData(Qt.ItemDataRole.UserRole, row.id)
            self.files.addItem(item)
        self._enable()

    def _enable(self) -> None:
        self.open_button.setEnabled(self.files.count() > 0)
        self.attach_button.setEnabled(self.article_id is not None)

    def open_attachment(self) -> None:
        item = self.files.currentItem() or self.files.item(0)
        if item is None:
            return
        attachment_id = item.data(Qt.ItemDataRole.UserRole)
        try:
            path = attachments.export_attachment(
                self.ctx.db, self.ctx.actor, attachment_id, open_folder()
            )
        except CrmError as exc:
            prompts.show_error(self, exc)
            return
        open_file(path)

    def attach(self) -> None:
        if self.article_id is None:
            return
        paths = choose_files(self)
        try:
            for path in paths:
                attachments.add_attachment(
                    self.ctx.db, self.ctx.actor, OWNER_KIND, self.article_id, path
                )
        except CrmError as exc:
            prompts.show_error(self, exc)
        finally:
            if paths:
                self._load_files()
                self.ctx.notify(Changes.of("attachments"))


class KnowledgeTab(QWidget):
    """Search on the left, the chosen article on the right."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.can_edit = ctx.actor.can("kb.edit")
        self.generation = 0
        self.rows: list[knowledge.ArticleRow] = []
        self.search = QLineEdit()
        self.search.setObjectName("kbSearch")
        self.search.setPlaceholderText(_("Search: words in the title, tags or text"))
        self.search.setClearButtonEnabled(True)
        self.category = QComboBox()
        self.category.setObjectName("kbCategory")
        self.results = QListWidget()
        self.results.setObjectName("kbResults")
        self.results.setWordWrap(True)
        self.results.setAlternatingRowColors(True)
        self.count = QLabel()
        self.count.setObjectName("kbCount")
        self.reader = ArticleReader(ctx)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _text: self.timer.start())
        self.category.currentIndexChanged.connect(lambda _index: self.refresh())
        self.results.currentRowChanged.connect(self._chosen)
        self._layout()
        self._fill_categories()
        ctx.bus.changed.connect(self._changed)
        self.refresh()

    def _layout(self) -> None:
        bar = QHBoxLayout()
        bar.addWidget(self.search, 3)
        bar.addWidget(QLabel(_("Category")))
        bar.addWidget(self.category, 1)
        self.new_button = QPushButton(_("New article…"))
        self.edit_button = QPushButton(_("Edit…"))
        self.archive_button = QPushButton(_("Archive"))
        for button, slot in (
            (self.new_button, self.new_article),
            (self.edit_button, self.edit_article),
            (self.archive_button, self.archive_article),
        ):
            button.clicked.connect(slot)
            button.setVisible(self.can_edit)
            bar.addWidget(button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.results, 1)
        left_layout.addWidget(self.count)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.reader)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        self._enable()

    def _fill_categories(self) -> None:
        current = self.category.currentData()
        self.category.blockSignals(True)
        self.category.clear()
        self.category.addItem(_("All categories"), None)
        for name in knowledge.list_categories(self.ctx.db, self.ctx.actor):
            self.category.addItem(name, name)
        index = self.category.findData(current)
        self.category.setCurrentIndex(max(index, 0))
        self.category.blockSignals(False)

    # --- searching ---------------------------------------------------------------------------
    def wanted(self) -> knowledge.ArticleFilter:
        return knowledge.ArticleFilter(
            search=self.search.text(), category=self.category.currentData()
        )

    def refresh(self) -> None:
        """Search now, on a worker thread; only the newest search's answer is shown."""
        self.timer.stop()
        self.generation += 1
        generation, wanted = self.generation, self.wanted()
        db, actor = self.ctx.db, self.ctx.actor
        ops.run(
            lambda _progress: knowledge.list_articles(db, actor, wanted),
            parent=self,
            on_success=lambda rows: self._show(generation, rows),
            show_progress=False,
        )

    def _show(self, generation: int, rows: list[knowledge.ArticleRow]) -> None:
        if generation != self.generation:
            return
        chosen = self.reader.article_id
        self.rows = rows
        self.results.blockSignals(True)
        self.results.clear()
        for row in rows:
            label = f"{row.title}\n{row.snippet}" if row.snippet else row.title
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, row.id)
            item.setToolTip(row.category or "")
            self.results.addItem(item)
        self.results.blockSignals(False)
        self.count.setText(
            ngettext("{count} article", "{count} articles", len(rows)).format(count=len(rows))
        )
        ids = [row.id for row in rows]
        self.results.setCurrentRow(ids.index(chosen) if chosen in ids else (0 if ids else -1))
        self._chosen(self.results.currentRow())

    def _chosen(self, index: int) -> None:
        self.reader.show_article(self.rows[index].id if 0 <= index < len(self.rows) else None)
        self._enable()

    def _enable(self) -> None:
        chosen = self.reader.article_id is not None
        self.edit_button.setEnabled(chosen)
        self.archive_button.setEnabled(chosen)

    def _changed(self, changes: Changes) -> None:
        if changes.touches("kb"):
            self._fill_categories()
            self.refresh()

    # --- editing -----------------------------------------------------------------------------
    def _edit(self, article_id: int | None) -> ArticleDialog:
        dialog = ArticleDialog(self.ctx, self, article_id)
        dialog.accepted.connect(lambda: self._saved(dialog.saved_id))
        dialog.open()
        return dialog

    def new_article(self) -> ArticleDialog:
        return self._edit(None)

    def edit_article(self) -> ArticleDialog | None:
        if self.reader.article_id is None:
            return None
        return self._edit(self.reader.article_id)

    def _saved(self, article_id: int | None) -> None:
        if article_id is not None:
            self.reader.show_article(article_id)
        self.ctx.notify(Changes.of("kb"))

    def archive_article(self) -> None:
        article_id = self.reader.article_id
        if article_id is None:
            return
        title = self.reader.title.text()
        question = _("Archive the article “{title}”? It leaves the search.").format(title=title)
        if not prompts.confirm(self, _("Archive article"), question):
            return
        try:
            knowledge.archive_article(self.ctx.db, self.ctx.actor, article_id)
        except CrmError as exc:
            prompts.show_error(self, exc)
            return
        self.reader.show_article(None)
        self.ctx.notify(Changes.of("kb"))
