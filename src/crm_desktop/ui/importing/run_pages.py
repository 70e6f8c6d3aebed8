"""The wizard's last pages: the import running (progress bar, Cancel) and what it did.

The import runs through `ops` on a worker thread; the page's own bar follows the engine's progress
callback and its Cancel makes the next callback return False (the engine then removes everything
the import wrote). The result page counts what happened, opens the error workbook (written next
to the imported file, see `common.errors_path_for`) and can undo the whole import.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.errors import CrmError
from crm_desktop.core.i18n import _, ngettext
from crm_desktop.core.importing.model import ImportCancelled, ImportResult, UndoResult
from crm_desktop.ui import ops
from crm_desktop.ui.importing import common
from crm_desktop.ui.importing.source_pages import (
    WizardPageBase,
    problem_label,
    read_only_table,
    show_problem,
)
from crm_desktop.ui.widgets import prompts

PROGRESS_EVERY_S = 0.05
SHOWN_PROBLEMS = 500


class _ProgressRelay(QObject):
    """Made on the GUI thread; the worker emits through it, so the bar moves on the GUI thread."""

    progressed = Signal(int, int)


class RunPage(WizardPageBase):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(_("Importing"))
        self.operation: ops.Operation | None = None
        self.result: ImportResult | None = None
        self.close_when_stopped = False
        self._relay = _ProgressRelay(self)
        self._relay.progressed.connect(self._progressed)

        self.label = QLabel()
        self.label.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setObjectName("importProgress")
        self.bar.setFormat(_("%v of %m rows"))
        self.cancel_button = QPushButton(_("Cancel import"))
        self.cancel_button.setObjectName("cancelImport")
        self.cancel_button.clicked.connect(self.cancel)
        self.problem = problem_label()
        self.back_button = QPushButton(_("Change options"))
        self.back_button.setObjectName("changeOptions")
        self.back_button.clicked.connect(self._back_to_options)
        self.back_button.hide()

        row = QHBoxLayout()
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel_button)
        again = QHBoxLayout()
        again.addWidget(self.back_button)
        again.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addLayout(row)
        layout.addWidget(self.problem)
        layout.addLayout(again)
        layout.addStretch(1)

    @property
    def running(self) -> bool:
        return self.operation is not None and not self.operation.done

    def initializePage(self) -> None:
        self.start()

    def start(self) -> None:
        wizard = self.wiz()
        ctx, state = wizard.ctx, wizard.state
        request = state.request()
        sheet = state.data  # read by the source page: the engine does not read it again
        errors_path = common.errors_path_for(request.path)
        total = wizard.preview_total()
        self.result = None
        self.setSubTitle(
            _("Importing {name}. Cancel leaves nothing of this import behind.").format(
                name=request.path.name
            )
        )
        self.label.setText(_("Preparing (a backup of the database is taken first)…"))
        self.bar.setRange(0, max(total, 0))
        self.bar.setValue(0)
        self.cancel_button.setEnabled(True)
        self.cancel_button.show()
        self.back_button.hide()
        show_problem(self.problem, "")
        relay = self._relay
        last = [0.0]

        def work(progress: ops.Progress) -> ImportResult:
            from crm_desktop.core.importing import engine

            def tracked(done: int, total: int) -> bool:
                now = time.monotonic()
                if now - last[0] >= PROGRESS_EVERY_S or done >= total:
                    last[0] = now
                    relay.progressed.emit(done, total)
                return progress(done, total)

            return engine.run_import(
                ctx.db, ctx.actor, request, progress=tracked, errors_path=errors_path, sheet=sheet
            )

        self.operation = ops.run(
            work,
            parent=self,
            show_progress=False,
            on_success=self._finished,
            on_error=self._failed,
            on_cancelled=self._cancelled,
        )
        self.completeChanged.emit()

    def _progressed(self, done: int, total: int) -> None:
        """The engine checks every row first (done stays 0: a busy bar), then writes."""
        if not self.running or self.operation.was_cancelled:  # type: ignore[union-attr]
            return
        if done <= 0:
            self.bar.setRange(0, 0)
            self.label.setText(_("Checking {total} rows…").format(total=f"{total:,}"))
            return
        self.bar.setRange(0, total)
        self.bar.setValue(min(done, total))
        self.label.setText(_("Saving the rows…"))

    def cancel(self) -> None:
        if self.running:
            self.operation.cancel()  # type: ignore[union-attr]
            self.cancel_button.setEnabled(False)
            self.label.setText(_("Cancelling: removing what was imported…"))

    def _finished(self, result: ImportResult) -> None:
        self.result = result
        wizard = self.wiz()
        wizard.imported(result)
        if self.close_when_stopped:  # the person asked to close, but it had just finished
            self.close_when_stopped = False
        self.completeChanged.emit()
        wizard.next()

    def _cancelled(self) -> None:
        self._stopped(_("The import was cancelled. Nothing of it was kept."), "")

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ImportCancelled):
            self._cancelled()
            return
        if isinstance(exc, CrmError):
            self._stopped(_("Nothing was imported."), exc.message)
            return
        self._stopped(_("Nothing was imported."), _("The import failed unexpectedly."))
        from crm_desktop.ui.messages import show_error

        show_error(self, exc)

    def _stopped(self, text: str, problem: str) -> None:
        self.label.setText(text)
        self.cancel_button.hide()
        self.back_button.show()
        show_problem(self.problem, problem)
        self.completeChanged.emit()
        if self.close_when_stopped:
            self.close_when_stopped = False
            self.wiz().close_now()

    def _back_to_options(self) -> None:
        self.wiz().back()

    def isComplete(self) -> bool:
        return self.result is not None


class ResultPage(WizardPageBase):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(_("Import finished"))
        self.setFinalPage(True)
        self.result: ImportResult | None = None
        self.undo_operation: ops.Operation | None = None
        self.undone: UndoResult | None = None

        self.count_labels: dict[str, QLabel] = {}
        counts = QFormLayout()
        big = QFont(self.font())
        big.setBold(True)
        for key, title in (
            ("created", _("Created:")),
            ("updated", _("Updated:")),
            ("unchanged", _("Unchanged:")),
            ("skipped", _("Skipped:")),
            ("errors", _("Errors:")),
        ):
            value = QLabel("0")
            value.setObjectName(f"count_{key}")
            value.setFont(big)
            self.count_labels[key] = value
            counts.addRow(title, value)
        self.backup_label = QLabel()
        self.backup_label.setObjectName("backupNote")
        self.backup_label.setWordWrap(True)
        self.backup_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_file_label = QLabel()
        self.error_file_label.setWordWrap(True)
        self.error_file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_errors_button = QPushButton(_("Open error workbook…"))
        self.open_errors_button.setObjectName("openErrors")
        self.open_errors_button.clicked.connect(self.open_errors)
        self.undo_button = QPushButton(_("Undo this import"))
        self.undo_button.setObjectName("undoImport")
        self.undo_button.clicked.connect(self.undo)
        self.status = QLabel()
        self.status.setObjectName("resultStatus")
        self.status.setWordWrap(True)
        self.problem = problem_label()
        self.problems = QTableWidget(0, 2)
        self.problems.setObjectName("notImported")
        self.problems.setHorizontalHeaderLabels([_("Row"), _("Why it was not imported")])
        read_only_table(self.problems)
        self.problems.verticalHeader().hide()
        self.problems_title = QLabel(_("Rows not imported:"))
        self.problems.horizontalHeader().setStretchLastSection(True)
        self.problems.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )

        buttons = QHBoxLayout()
        buttons.addWidget(self.open_errors_button)
        buttons.addWidget(self.undo_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(counts)
        layout.addWidget(self.error_file_label)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.problem)
        layout.addSpacing(6)
        layout.addWidget(self.problems_title)
        layout.addWidget(self.problems, 1)
        layout.addWidget(self.backup_label)

    def initializePage(self) -> None:
        result = self.wiz().result
        self.result = result
        if result is None:
            return
        values = {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "skipped": result.skipped,
            "errors": len(result.errors),
        }
        for key, value in values.items():
            self.count_labels[key].setText(f"{value:,}")
        self.setSubTitle(
            ngettext(
                "{count} row was imported from {name}.",
                "{count} rows were imported from {name}.",
                result.created + result.updated,
            ).format(count=f"{result.created + result.updated:,}", name=self._source_name())
        )
        error_file = result.error_file
        self.open_errors_button.setVisible(error_file is not None)
        self.error_file_label.setVisible(error_file is not None)
        if error_file is not None:
            self.error_file_label.setText(
                _(
                    "The rows with errors were saved to {path}, with a column saying why: fix "
                    "them there and import that file again."
                ).format(path=error_file)
            )
        self.backup_label.setText(
            _("A backup of the database was taken before the import: {path}").format(
                path=result.backup_path
            )
            if result.backup_path
            else ""
        )
        self.undo_button.setVisible(result.batch_id is not None)
        self.undo_button.setEnabled(True)
        self.status.clear()
        show_problem(self.problem, "")
        self._fill_problems(result)

    def _source_name(self) -> str:
        path = self.wiz().state.path
        return path.name if path is not None else ""

    def _fill_problems(self, result: ImportResult) -> None:
        rows = sorted([*result.errors, *result.skipped_rows], key=lambda row: row.line)
        self.problems_title.setText(
            _("Rows not imported:")
            if len(rows) <= SHOWN_PROBLEMS
            else _("Rows not imported (the first {shown} of {count}):").format(
                shown=SHOWN_PROBLEMS, count=f"{len(rows):,}"
            )
        )
        rows = rows[:SHOWN_PROBLEMS]
        self.problems.setRowCount(len(rows))
        for r, row in enumerate(rows):
            self.problems.setItem(r, 0, QTableWidgetItem(str(row.line)))
            item = QTableWidgetItem(row.reason)
            item.setToolTip(row.reason)
            self.problems.setItem(r, 1, item)
        self.problems.setVisible(bool(rows))
        self.problems_title.setVisible(bool(rows))

    def open_errors(self) -> None:
        if self.result is not None and self.result.error_file is not None:
            path = Path(self.result.error_file)
            if not common.open_file(path):
                show_problem(self.problem, _("Could not open {path}.").format(path=path))

    def undo(self) -> None:
        result, wizard = self.result, self.wiz()
        if result is None or result.batch_id is None:
            return
        if not prompts.confirm(
            self,
            _("Undo import"),
            _(
                "Remove the records this import created and put back the old values of those it "
                "changed? This is refused if any of them was changed since."
            ),
        ):
            return
        self.undo_button.setEnabled(False)
        self.undo_operation = undo_batch(
            wizard.ctx, self, result.batch_id, wizard.state.kind, self._undone, self._undo_failed
        )

    def _undone(self, undone: UndoResult) -> None:
        self.undone = undone
        self.undo_button.setEnabled(False)
        self.status.setText(undone_text(undone))

    def _undo_failed(self, exc: BaseException) -> None:
        self.undo_button.setEnabled(True)
        prompts.show_error(self, exc)


def undone_text(undone: UndoResult) -> str:
    return _("The import was undone: {removed} records removed, {restored} restored.").format(
        removed=f"{undone.removed:,}", restored=f"{undone.restored:,}"
    )


def undo_batch(
    ctx: Any,
    parent: QWidget,
    batch_id: int,
    kind: Any,
    on_success: Any,
    on_error: Any,
) -> ops.Operation:
    """Undo an import off the GUI thread (with the usual progress window and Cancel); on success
    tell the open lists. Shared by the result page and the import history."""

    def done(undone: UndoResult) -> None:
        ctx.notify(common.changes_of(kind))
        on_success(undone)

    return ops.run(
        lambda progress: _undo(ctx, batch_id, progress),
        parent=parent,
        label=_("Undoing the import…"),
        on_success=done,
        on_error=on_error,
        on_cancelled=lambda: on_error(CrmError(_("The undo was cancelled; nothing changed."))),
    )


def _undo(ctx: Any, batch_id: int, progress: ops.Progress) -> UndoResult:
    from crm_desktop.core.importing import batches

    return batches.undo_batch(ctx.db, ctx.actor, batch_id, progress=progress)
