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
            [
                Column("started_at", _("Started"), "datetime", width=130),
                Column("kind", _("Records"), formatter=kind_label, width=90),
                Column("filename", _("File"), width=200),
                Column("sheet", _("Sheet"), width=90),
                Column("operator_name", _("Operator"), width=90),
                Column(
                    "status", _("Status"), formatter=lambda s: _(STATUS_LABELS.get(s, s)), width=70
                ),
                Column(
                    "mode",
                    _("Mode"),
                    formatter=lambda m: _(MODE_SHORT.get(m or "", m or "")),
                    width=90,
                ),
                Column("created", _("Created"), "int", width=60),
                Column("updated", _("Updated"), "int", width=60),
                Column("unchanged", _("Unchanged"), "int", width=60),
                Column("skipped", _("Skipped"), "int", width=60),
                Column("errors", _("Errors"), "int"),
            ],
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
