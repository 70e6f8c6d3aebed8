"""Annotations (批示) on one follow-up: read them, and add one when permitted.

Opening the dialog is what marks the annotations read for the follow-up's own salesperson (the
service does it while listing them), so the dialog announces `annotations` and the unread count in
the status bar and the Today tab drop at once.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.changes import Changes
from crm_desktop.core.errors import CrmError, ValidationError
from crm_desktop.core.i18n import _
from crm_desktop.core.services import followups
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.widgets import prompts
from crm_desktop.ui.widgets.record_table_model import local_time


class AnnotationDialog(QDialog):
    """The follow-up, its annotations (oldest first) and, for annotators, a box to add one."""

    def __init__(self, ctx: AppContext, parent: QWidget | None, followup_id: int) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.followup_id = followup_id
        self.setObjectName("annotationDialog")
        self.setWindowTitle(_("Annotations"))
        self.followup = followups.get_followup(ctx.db, ctx.actor, followup_id)

        summary = QFormLayout()
        summary.addRow(_("Customer"), self._label(self.followup.get("customer_name")))
        summary.addRow(_("Salesperson"), self._label(self.followup.get("operator_name")))
        happened = self.followup.get("happened_at")
        when = local_time(happened).strftime("%Y-%m-%d %H:%M") if happened else ""
        summary.addRow(_("Happened at"), self._label(when))
        if self.followup.get("subject"):
            summary.addRow(_("Subject"), self._label(self.followup["subject"]))
        summary.addRow(_("Content"), self._label(self.followup.get("content")))
        if self.followup.get("result"):
            summary.addRow(_("Result"), self._label(self.followup["result"]))

        self.history = QTextBrowser()
        self.history.setObjectName("annotations")
        self.history.setMinimumHeight(140)
        self.body = QPlainTextEdit()
        self.body.setObjectName("annotationBody")
        self.body.setTabChangesFocus(True)
        self.body.setPlaceholderText(_("Your annotation for the salesperson"))
        self.body.setMaximumHeight(100)
        self.buttons = QDialogButtonBox()
        self.add_button = self.buttons.addButton(
            _("Add annotation"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.add_button.setObjectName("addAnnotation")
        self.add_button.clicked.connect(self.add)
        self.buttons.addButton(_("Close"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.rejected.connect(self.reject)
        can_annotate = ctx.actor.can("followups.annotate")
        self.body.setVisible(can_annotate)
        self.add_button.setVisible(can_annotate)

        layout = QVBoxLayout(self)
        layout.addLayout(summary)
        layout.addWidget(QLabel(_("Annotations")))
        layout.addWidget(self.history, 1)
        layout.addWidget(self.body)
        layout.addWidget(self.buttons)
        self.resize(560, 480)
        self.load()
        if can_annotate:
            self.body.setFocus()

    @staticmethod
    def _label(text: object) -> QLabel:
        label = QLabel("" if text is None else str(text))
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def load(self) -> None:
        """Show the annotations; for the follow-up's salesperson this marks them read."""
        rows = followups.list_annotations(self.ctx.db, self.ctx.actor, self.followup_id)
        self.rows = rows
        if not rows:
            self.history.setPlainText(_("No annotations yet."))
        else:
            self.history.setPlainText("\n\n".join(self._describe(row) for row in rows))
        newly_read = any(row.read_at is None for row in rows)
        if newly_read and self.followup.get("operator_id") == self.ctx.actor.id:
            self.ctx.notify(Changes.of("annotations"))

    @staticmethod
    def _describe(row: followups.AnnotationRow) -> str:
        """One annotation; those not read before this opening are marked new."""
        head = _("{at} {author}:").format(
            at=local_time(row.at).strftime("%Y-%m-%d %H:%M"), author=row.author_name
        )
        if row.read_at is None:
            head = _("{heading} (new)").format(heading=head)
        return f"{head}\n{row.body}"

    def add(self) -> None:
        body = self.body.toPlainText().strip()
        try:
            if not body:
                raise ValidationError(_("Write the annotation first."))
            followups.annotate(self.ctx.db, self.ctx.actor, self.followup_id, body)
        except CrmError as exc:
            prompts.show_error(self, exc)
            return
        self.body.clear()
        self.load()
        self.ctx.notify(Changes.of("annotations"))


def open_annotations(ctx: AppContext, parent: QWidget | None, followup_id: int) -> AnnotationDialog:
    """Open a follow-up's annotations window-modally and return the dialog."""
    dialog = AnnotationDialog(ctx, parent, followup_id)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
