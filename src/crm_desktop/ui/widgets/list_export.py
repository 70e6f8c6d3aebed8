""" "Export to Excel…" on any list page: what the list shows, written off the GUI thread.

A tab describes its export with `ListExport` and hands it to `RecordListPage(export=...)` (or
`attach_export` for a page made elsewhere). The action (Ctrl+E) is there only for operators with
the list's export permission. It asks for a file name (default "<list>-<today>.xlsx" in the
folder used last), then runs `core.exporting.lists.export_list` through `ui.ops` with progress and
Cancel, passing the tab's current filter (a local list's quick filter as the service's search), the
page's sort order and its visible columns in their on-screen order, and offers to open the folder
when done.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QWidget

from crm_desktop.core.clock import local_today
from crm_desktop.core.exporting import lists
from crm_desktop.core.i18n import _, ngettext
from crm_desktop.ui.widgets.save_path import ask_save_path, file_name

if TYPE_CHECKING:
    from crm_desktop.ui import ops
    from crm_desktop.ui.widgets.record_list_page import RecordListPage

FOLDER_KEY = "export/folder"
SHORTCUT = "Ctrl+E"


@dataclass(frozen=True)
class ListExport:
    """How a list page exports: `kind` (one of `lists.EXPORT_KINDS`), the app context (db and
    actor), the tab's current filter object (read when the person exports) and the export
    column keys written before the visible ones (e.g. the customer of a customer's contacts)."""

    kind: str
    ctx: Any  # AppContext
    filters: Callable[[], Any] = lambda: None
    leading: Sequence[str] = ()


def attach_export(page: RecordListPage, export: ListExport) -> None:
    """Add the "Export to Excel…" action to the page (hidden without the permission)."""
    from crm_desktop.ui.widgets.record_list_page import ListAction

    page.list_export = export
    page.add_action(
        ListAction(
            "export",
            _("Export to Excel…"),
            lambda _row: export_page(page),
            needs_selection=False,
            shortcut=SHORTCUT,
            tooltip=_("Save the list as shown (filters and columns) as an xlsx file (Ctrl+E)"),
        )
    )
    page.set_action_visible("export", lists.may_export(export.ctx.actor, export.kind))


def visible_keys(page: RecordListPage) -> list[str]:
    """The keys of the columns on screen, in the order the person sees them."""
    header = page.table.horizontalHeader()
    columns = page.model.columns
    logical = [header.logicalIndex(visual) for visual in range(header.count())]
    return [str(columns[i].key) for i in logical if 0 <= i < len(columns)
            and not header.isSectionHidden(i)]  # fmt: skip


def export_columns(page: RecordListPage, export: ListExport) -> list[lists.ExportColumn]:
    keys = list(export.leading) + [k for k in visible_keys(page) if k not in export.leading]
    return lists.columns_for(export.kind, keys)


def export_page(page: RecordListPage) -> ops.Operation | None:
    """Ask where, then write the list as shown; returns the running operation (tests wait)."""
    from crm_desktop.ui import ops

    export: ListExport | None = getattr(page, "list_export", None)
    if export is None or not lists.may_export(export.ctx.actor, export.kind):
        return None
    db, actor, kind = export.ctx.db, export.ctx.actor, export.kind
    today = local_today(db.clock).isoformat()
    path = ask_save_path(
        page,
        _("Export to Excel"),
        file_name(f"{lists.kind_title(kind)}-{today}", ".xlsx"),
        _("Excel workbooks (*.xlsx)"),
        ".xlsx",
        FOLDER_KEY,
    )
    if path is None:
        return None
    filters, columns = export.filters(), export_columns(page, export)
    sort = (page.sort.key, page.sort.descending) if page.server_sort and page.sort else None
    search = page.filter.text() if page.filter.isVisibleTo(page) else ""  # a local quick filter
    operation = ops.run(
        lambda progress: lists.export_list(
            db,
            actor,
            kind,
            path,
            filters=filters,
            columns=columns,
            search=search,
            progress=progress,
            sort=sort,
        ),
        parent=page,
        label=_("Exporting to Excel…"),
        on_success=lambda rows: exported(page, path, rows),
    )
    page.export_operation = operation
    return operation


def exported(parent: QWidget, path: Path, rows: int) -> None:
    """Say what was written and offer to open its folder."""
    from crm_desktop.ui.widgets import prompts

    text = ngettext("Exported {n} row to {path}.", "Exported {n} rows to {path}.", rows).format(
        n=f"{rows:,}", path=path
    )
    if prompts.confirm(parent, _("Export to Excel"), text + "\n\n" + _("Open the folder?")):
        open_folder(path.parent)


def open_folder(folder: Path) -> bool:
    """Show the folder in the system's file manager (a module function: tests replace it)."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
