"""A customer's attached files: add, open with the system's program, remove."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QWidget

from crm_desktop.core.changes import Changes
from crm_desktop.core.i18n import _
from crm_desktop.ui.customers.detail_tabs import CustomerPage, inner_list
from crm_desktop.ui.widgets import Column, ListAction, RecordListPage, prompts

OWNER_KIND = "customer"


def choose_files(parent: QWidget | None) -> list[Path]:
    """Ask for the files to attach (a module function so tests answer it)."""
    paths, _filter = QFileDialog.getOpenFileNames(parent, _("Attach files"))
    return [Path(p) for p in paths]


def open_folder() -> Path:
    """Where opened attachments are copied for the system's program to read."""
    folder = Path(tempfile.gettempdir()) / "crm-desktop-attachments"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_file(path: Path) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def file_size(size: Any) -> str:
    """Bytes as a person reads them (KB/MB)."""
    if size is None:
        return ""
    if size < 1024:
        return _("{size} B").format(size=size)
    if size < 1024 * 1024:
        return _("{size} KB").format(size=f"{size / 1024:.1f}")
    return _("{size} MB").format(size=f"{size / (1024 * 1024):.1f}")


def attachments_list(page: CustomerPage) -> RecordListPage:
    """Attachments; Add and Remove for operators who edit customers, Open for everyone."""
    from crm_desktop.core.services import attachments

    ctx = page.ctx

    def load() -> list[Any]:
        return attachments.list_attachments(ctx.db, ctx.actor, OWNER_KIND, page.customer_id)

    def changed() -> None:
        list_page.reload()
        ctx.notify(Changes.of("attachments"))

    def add(_row: Any) -> None:
        # One file at a time through the service: a file over the size limit raises its clear
        # message (shown as an error by the list) and the files before it stay attached.
        paths = choose_files(page.parent)
        try:
            for path in paths:
                attachments.add_attachment(ctx.db, ctx.actor, OWNER_KIND, page.customer_id, path)
        finally:
            if paths:
                changed()

    def open_(row: Any) -> None:
        path = attachments.export_attachment(ctx.db, ctx.actor, row.id, open_folder())
        open_file(path)

    def remove(row: Any) -> None:
        question = _("Remove the attachment “{name}”?").format(name=row.filename)
        if prompts.confirm(page.parent, _("Remove attachment"), question):
            attachments.remove_attachment(ctx.db, ctx.actor, row.id)
            changed()

    actions = [ListAction("open", _("Open"), open_)]
    if page.can("customers.edit"):
        actions.insert(0, ListAction("add", _("Add…"), add, needs_selection=False))
        actions.append(ListAction("remove", _("Remove"), remove))
    list_page = inner_list(
        "attachments",
        [
            Column("filename", _("File"), width=220),
            Column("size", _("Size"), "int", formatter=file_size, width=80),
            Column("created_at", _("Added"), "datetime", width=130),
            Column("created_by_name", _("Added by"), width=90),
            Column("description", _("Description")),
        ],
        load,
        actions,
        empty_text=_("No files attached."),
    )
    return list_page
