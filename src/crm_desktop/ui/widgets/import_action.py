"""The "Import…" entry point of a list page: one toolbar action and one way to open the wizard.

The customers tab, the orders page and the products page each offer the import wizard with their
kind chosen; the action needs no selected row and the wizard module is loaded only when the person
first asks for it (start-up stays quick).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QWidget

from crm_desktop.core.importing.model import ImportKind
from crm_desktop.ui.widgets.record_list_page import ListAction

if TYPE_CHECKING:
    from crm_desktop.ui.importing import ImportWizard


def import_action(text: str, tooltip: str, handler: Callable[[], object]) -> ListAction:
    """The toolbar action (key "import") that calls `handler`, whichever row is selected."""
    return ListAction(
        "import", text, lambda _row: handler(), needs_selection=False, tooltip=tooltip
    )


def open_import(ctx: Any, parent: QWidget, kind: ImportKind) -> ImportWizard:
    """Open the import wizard over `parent` with `kind` chosen; the caller keeps the window."""
    from crm_desktop.ui.importing import open_import_wizard

    return open_import_wizard(ctx, parent, kind)
