"""Import history: every import (own ones; all of them for whoever sees every customer), with Undo.

An undo runs off the GUI thread and is exact or refused: the core says which records were changed
since the import, and that message is shown as it is.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from crm_desktop.core.i18n import N_, _
from crm_desktop.core.importing.model import KIND_LABELS, BatchRow, ImportKind, UndoResult
from crm_desktop.ui import ops
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.importing.common import KIND_CHANGES, may_import
from crm_desktop.ui.importing.run_pages import undo_batch, undone_text
from crm_desktop.ui.messages import show_info
from crm_desktop.ui.settings.common import SettingsPage
from crm_desktop.ui.widgets import Column, ListAction, RecordListPage, prompts

STATUS_LABELS = {
    "running": N_("Running"),
    "finished": N_("Finished"),
    "cancelled": N_("Cancelled"),
    "failed": N_("Failed"),
    "undone": N_("Undone"),
}
MODE_SHORT = {"create": N_("Create"), "update": N_("Update"), "upsert": N_("Create and update")}


def kind_label(kind: str) -> str:
    try:
        return _(KIND_LABELS[ImportKind(kind)])
    except ValueError:
        return kind


def can_view(ctx_actor: Any) -> bool:
    """Shown to whoever may import something."""
    return may_import(ctx_actor)


class ImportHistoryPage(SettingsPage):
    kinds = tuple(sorted({kind for kinds in KIND_CHANGES.values() for kind in kinds}))

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.operation: ops.Operation | None = None
        self.list = RecordListPage(
            "settings.import_history",
            _("Import history"),
            self._columns(),
            self._load,
            actions=[
                ListAction(
                    "undo",
                    _("Undo import…"),
                    self.undo,
                    enabled=lambda row: row.status == "finished",
                    tooltip=_("Remove what this import created and restore what it changed"),
                )
            ],
            empty_text=_("Nothing has been imported yet."),
            muted=lambda row: row.status != "finished",
        )
        self.layout_.addWidget(self.list)
        self.reload()

    def _columns(self) -> list[Column]:
        """Widths in characters of the current font; counts right-aligned."""
        em = self.fontMetrics().horizontalAdvance("0")

        def width(chars: int) -> int:
            return em * chars + 16

        def status(value: str) -> str:
            return _(STATUS_LABELS.get(value, value))

        def mode(value: str | None) -> str:
            return _(MODE_SHORT.get(value or "", value or ""))

        counts = [
            ("created", _("New")),
            ("updated", _("Updated")),
            ("unchanged", _("Unchanged")),
            ("skipped", _("Skipped")),
            ("errors", _("Errors")),
        ]
        return [
            Column("started_at", _("Started"), "datetime", width=width(16)),
            Column("kind", _("Type"), formatter=kind_label, width=width(8)),
            Column("filename", _("File"), width=width(20)),
            Column("sheet", _("Sheet"), width=width(8)),
            Column("operator_name", _("Operator"), width=width(8)),
            Column("status", _("Status"), formatter=status, width=width(8)),
            Column("mode", _("Mode"), formatter=mode, width=width(13)),
            *(
                Column(key, title, "int", width=max(width(5), self._title_width(title)))
                for key, title in counts
            ),
        ]

    def _title_width(self, title: str) -> int:
        return self.fontMetrics().horizontalAdvance(title) + 24

    def _load(self) -> list[BatchRow]:
        from crm_desktop.core.importing import batches

        return batches.list_batches(self.ctx.db, self.ctx.actor)

    def reload(self) -> None:
        self.list.reload()

    def undo(self, row: BatchRow) -> None:
        if self.operation is not None and not self.operation.done:
            return
        if not prompts.confirm(
            self,
            _("Undo import"),
            _(
                "Undo the import of {file} ({created} created, {updated} updated)? The records it "
                "created are removed and the old values of those it changed are put back. This is "
                "refused if any of them was changed since."
            ).format(file=row.filename, created=row.created, updated=row.updated),
        ):
            return
        self.operation = undo_batch(
            self.ctx,
            self,
            row.id,
            row.kind,
            self._undone,
            lambda exc: prompts.show_error(self, exc),
        )

    def _undone(self, undone: UndoResult) -> None:
        self.reload()
        show_info(self, _("Import undone"), undone_text(undone))
