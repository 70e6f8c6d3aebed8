"""The import wizard: file → sheet and header row → columns → options and preview → run → result.

```python
open_import_wizard(ctx, parent, ImportKind.CUSTOMERS)   # the kinds the operator may import
```

Every page reads and writes one `WizardState`; the run takes `state.request()` to the engine
(`core.importing.engine`), which checks permission and scope again. Slow steps (reading the sheet,
the preview, the import, an undo) run off the GUI thread. Going back keeps what was chosen. Esc
closes the wizard; while an import runs it asks first and cancels it (nothing is left behind).
The wizard's size is remembered per PC.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtWidgets import QWidget, QWizard

from crm_desktop.core.errors import PermissionDenied
from crm_desktop.core.i18n import _
from crm_desktop.core.importing.model import ImportKind, ImportResult
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.importing.common import WizardState, changes_of, importable_kinds
from crm_desktop.ui.importing.mapping_page import MappingPage
from crm_desktop.ui.importing.preview_page import PreviewPage
from crm_desktop.ui.importing.run_pages import ResultPage, RunPage
from crm_desktop.ui.importing.source_pages import FilePage, SheetPage
from crm_desktop.ui.widgets import prompts

GEOMETRY_KEY = "import_wizard/geometry"
FILE, SHEET, MAPPING, PREVIEW, RUN, RESULT = range(6)


class ImportWizard(QWizard):
    def __init__(
        self,
        ctx: AppContext,
        kind: ImportKind,
        parent: QWidget | None = None,
        kinds: Sequence[ImportKind] | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        allowed = [
            k for k in (kinds or importable_kinds(ctx.actor)) if k in importable_kinds(ctx.actor)
        ]
        if not allowed:
            raise PermissionDenied(_("You may not import records."))
        self.state = WizardState(kind if kind in allowed else allowed[0])
        self.result: ImportResult | None = None

        self.file_page = FilePage(allowed)
        self.sheet_page = SheetPage()
        self.mapping_page = MappingPage()
        self.preview_page = PreviewPage()
        self.run_page = RunPage()
        self.result_page = ResultPage()
        for page_id, page in enumerate(
            (
                self.file_page,
                self.sheet_page,
                self.mapping_page,
                self.preview_page,
                self.run_page,
                self.result_page,
            )
        ):
            self.setPage(page_id, page)

        self.setObjectName("importWizard")
        self.setWindowTitle(_("Import from Excel"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.HaveHelpButton, False)
        self.setWindowFlag(Qt.WindowType.WindowContextHelpButtonHint, False)
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.setSizeGripEnabled(True)
        self.setModal(True)
        for which, text in (
            (QWizard.WizardButton.BackButton, _("< Back")),
            (QWizard.WizardButton.NextButton, _("Next >")),
            (QWizard.WizardButton.CancelButton, _("Cancel")),
            (QWizard.WizardButton.FinishButton, _("Close")),
        ):
            self.setButtonText(which, text)
        self._restore_size()

    # --- what the pages tell the wizard ------------------------------------------------------
    def sheet_loaded(self) -> None:
        """A sheet was read: the mapping page builds again from its headers."""
        self.mapping_page.built_for = None

    def header_changed(self) -> None:
        self.mapping_page.built_for = None

    def preview_total(self) -> int:
        preview = self.preview_page.preview
        return preview.total_rows if preview is not None else 0

    def imported(self, result: ImportResult) -> None:
        """The import finished: keep the result for the last page and refresh the open lists."""
        self.result = result
        if result.batch_id is not None:
            self.ctx.notify(changes_of(self.state.kind, self.state.create_missing))

    @property
    def importing(self) -> bool:
        return self.run_page.running

    # --- closing -----------------------------------------------------------------------------
    def reject(self) -> None:
        """Esc, Cancel or the window's close button: ask first while an import runs."""
        undo = self.result_page.undo_operation
        if undo is not None and not undo.done:
            return  # the undo's own progress window offers Cancel
        if self.importing:
            if prompts.confirm(
                self,
                _("Stop the import?"),
                _("An import is running. Cancel it? Nothing of it will be kept."),
            ):
                self.run_page.close_when_stopped = True
                self.run_page.cancel()
            return
        super().reject()

    def close_now(self) -> None:
        super().reject()

    def done(self, result: int) -> None:
        QSettings().setValue(GEOMETRY_KEY, self.saveGeometry())
        super().done(result)

    def _restore_size(self) -> None:
        saved = QSettings().value(GEOMETRY_KEY)
        if not isinstance(saved, QByteArray) or not self.restoreGeometry(saved):
            self.resize(1000, 700)


def open_import_wizard(
    ctx: AppContext,
    parent: QWidget | None,
    kind: ImportKind,
    kinds: Sequence[ImportKind] | None = None,
) -> ImportWizard:
    """Show the wizard window-modally over `parent`; it deletes itself when closed."""
    wizard = ImportWizard(ctx, kind, parent, kinds)
    wizard.finished.connect(wizard.deleteLater)
    wizard.open()
    return wizard
