"""The article editor: title, category, tags and a large body editor."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.errors import ConflictError, CrmError
from crm_desktop.core.i18n import _
from crm_desktop.core.services import knowledge
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.widgets import prompts


class ArticleDialog(QDialog):
    """New article (`article_id` None) or change one; saves through the knowledge service."""

    def __init__(
        self, ctx: AppContext, parent: QWidget | None, article_id: int | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.article_id = article_id
        self.version = 0
        self.saved_id: int | None = None
        self.setObjectName("articleDialog")
        self.setWindowTitle(_("New article") if article_id is None else _("Edit article"))
        self.title_edit = QLineEdit()
        self.title_edit.setObjectName("field_title")
        self.category_edit = QComboBox()
        self.category_edit.setObjectName("field_category")
        self.category_edit.setEditable(True)
        self.category_edit.addItems(["", *knowledge.list_categories(ctx.db, ctx.actor)])
        self.tags_edit = QLineEdit()
        self.tags_edit.setObjectName("field_tags")
        self.tags_edit.setPlaceholderText(_("Words separated by spaces"))
        self.body_edit = QPlainTextEdit()
        self.body_edit.setObjectName("field_body")
        self.body_edit.setMinimumHeight(320)
        self.problem = QLabel()
        self.problem.setObjectName("problem")
        self.problem.setStyleSheet("color: #c0392b;")
        self.problem.setWordWrap(True)
        self.problem.hide()
        form = QFormLayout()
        form.addRow(_(knowledge.ARTICLE_TITLE) + " *", self.title_edit)
        form.addRow(_("Category"), self.category_edit)
        form.addRow(_("Tags"), self.tags_edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel(_("Text")))
        layout.addWidget(self.body_edit, 1)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        if article_id is not None:
            self._load(article_id)
        self.resize(760, 620)

    def _load(self, article_id: int) -> None:
        values = knowledge.get_article(self.ctx.db, self.ctx.actor, article_id)
        self.version = values["version"]
        self.title_edit.setText(values["title"])
        self.category_edit.setCurrentText(values["category"] or "")
        self.tags_edit.setText(values["tags"] or "")
        self.body_edit.setPlainText(values["body"] or "")

    def values(self) -> dict[str, Any]:
        return {
            "title": self.title_edit.text(),
            "category": self.category_edit.currentText(),
            "tags": self.tags_edit.text(),
            "body": self.body_edit.toPlainText(),
        }

    def save(self) -> None:
        db, actor = self.ctx.db, self.ctx.actor
        try:
            if self.article_id is None:
                self.saved_id = knowledge.create_article(db, actor, self.values())
            else:
                knowledge.update_article(db, actor, self.article_id, self.version, self.values())
                self.saved_id = self.article_id
        except ConflictError as exc:
            prompts.show_error(self, exc)
            return
        except CrmError as exc:
            self.problem.setText(str(exc))
            self.problem.show()
            return
        self.accept()
