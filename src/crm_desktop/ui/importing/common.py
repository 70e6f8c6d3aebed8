"""What the import wizard's pages share: who may import what, how values look, the questions.

The questions and the file chooser are module functions so tests answer them by monkeypatching
one function instead of clicking through a modal dialog (as `ui.widgets.prompts` does).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, QUrl
from PySide6.QtGui import QColor, QDesktopServices
from PySide6.QtWidgets import QFileDialog, QInputDialog, QWidget

from crm_desktop.core.actor import Actor
from crm_desktop.core.changes import Changes
from crm_desktop.core.i18n import N_, _
from crm_desktop.core.importing.model import (
    ImportKind,
    ImportMode,
    ImportRequest,
    Mapping,
    MatchKey,
    RowAction,
    SheetData,
)
from crm_desktop.core.money import format_money

# Who may import what (API.md: the same permissions the core checks again).
KIND_PERMISSIONS: dict[ImportKind, str] = {
    ImportKind.CUSTOMERS: "customers.import",
    ImportKind.CONTACTS: "customers.import",
    ImportKind.PRODUCTS: "settings.products",
    ImportKind.ORDERS: "orders.import",
    ImportKind.LEADS: "leads.import",
}

# What a finished import (or its undo) changed, for the open lists to refresh.
KIND_CHANGES: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.CUSTOMERS: ("customers",),
    ImportKind.CONTACTS: ("contacts", "customers"),
    ImportKind.PRODUCTS: ("products",),
    ImportKind.ORDERS: ("orders", "customers", "products"),
    ImportKind.LEADS: ("leads",),
}

ACTION_LABELS: dict[RowAction, str] = {
    RowAction.CREATE: N_("Create"),
    RowAction.UPDATE: N_("Update"),
    RowAction.UNCHANGED: N_("Unchanged"),
    RowAction.SKIP: N_("Skip"),
    RowAction.ERROR: N_("Error"),
}

PROBLEM_BACKGROUND = QColor("#f8d7da")  # a cell that cannot be stored as it is
PROBLEM_TEXT = QColor("#842029")
CHANGED_BACKGROUND = QColor("#fff3cd")  # an update changes this cell
HEADER_BACKGROUND = QColor("#cfe2ff")  # the header row on the sheet page
ABOVE_HEADER = QColor("#8a8a8a")  # title rows above the header: not read
ACTION_COLOURS: dict[RowAction, QColor] = {
    RowAction.CREATE: QColor("#146c43"),
    RowAction.UPDATE: QColor("#0a58ca"),
    RowAction.UNCHANGED: QColor("#6c757d"),
    RowAction.SKIP: QColor("#997404"),
    RowAction.ERROR: QColor("#b02a37"),
}

FOLDER_KEY = "import/folder"
FILE_PATTERNS = "*.xlsx *.xlsm *.xls *.csv *.txt"


def importable_kinds(actor: Actor) -> list[ImportKind]:
    """The kinds of records this operator may import, in the wizard's order."""
    return [kind for kind, permission in KIND_PERMISSIONS.items() if actor.can(permission)]


def may_import(actor: Actor) -> bool:
    return bool(importable_kinds(actor))


def changes_of(kind: ImportKind | str, create_missing: bool = True) -> Changes:
    """What an import of `kind` may have written (base data when missing entries were made)."""
    kinds = KIND_CHANGES.get(ImportKind(kind), ())
    return Changes.of(*kinds, *(("base_data",) if create_missing else ()))


def cell_text(value: Any) -> str:
    """A raw sheet cell as a person reads it (12345.0 -> 12345, dates without 00:00:00)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime(
            "%Y-%m-%d" if value.time() == datetime.min.time() else "%Y-%m-%d %H:%M"
        )
    if isinstance(value, date):
        return value.isoformat()
    return " ".join(str(value).split())


def value_text(value: Any, kind: str = "") -> str:
    """A converted value as it will be stored, read by the field's kind: money with two decimals,
    quantities without trailing zeros, percentages from basis points (1000 -> 10%), ISO dates."""
    if kind == "percent" and isinstance(value, int | Decimal) and not isinstance(value, bool):
        return _plain(Decimal(value) / 100) + "%"
    if kind in ("decimal", "int") and isinstance(value, int | Decimal):
        return _plain(Decimal(value))
    if isinstance(value, Decimal):
        return format_money(value)
    if isinstance(value, list | tuple):
        return "; ".join(value_text(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {value_text(item)}" for key, item in value.items())
    return cell_text(value)


def _plain(number: Decimal) -> str:
    """12,345.5 for Decimal("12345.5000"): separators, no trailing zeros."""
    text = f"{number:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass
class WizardState:
    """Everything the pages have chosen so far; the run takes `request()`."""

    kind: ImportKind
    path: Path | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    data: SheetData | None = None
    header_row: int = 0  # 0-based into data.rows
    headers: list[str] = field(default_factory=list)
    mapping: Mapping = field(default_factory=dict)
    mode: ImportMode = ImportMode.CREATE
    key: MatchKey = MatchKey.NAME
    create_missing: bool = False

    def request(self) -> ImportRequest:
        assert self.path is not None
        return ImportRequest(
            kind=self.kind,
            path=self.path,
            sheet=self.sheet,
            header_row=self.header_row,
            mapping=dict(self.mapping),
            mode=self.mode,
            key=self.key,
            create_missing=self.create_missing,
        )

    @property
    def is_text_file(self) -> bool:
        """CSV and text files have no sheets (the reader names their one table "")."""
        return self.sheets in ([], [""])


# --- where the error workbook goes ---------------------------------------------------------------


def errors_path_for(source: Path) -> Path:
    """Where the rows that could not be imported are written: next to the imported file as
    "<name>-errors.xlsx" (translated: "<name>-错误.xlsx"), so the person finds, fixes and imports it
    again from the same folder; in the temp folder when that folder cannot be written (a
    read-only share). An existing file is never overwritten: " (2)", " (3)", … are added."""
    name = _("{stem}-errors").format(stem=source.stem)
    folder = source.parent
    if not os.access(folder, os.W_OK):
        folder = Path(tempfile.gettempdir()) / "crm-desktop"
        folder.mkdir(parents=True, exist_ok=True)
    candidate = folder / f"{name}.xlsx"
    number = 2
    while candidate.exists() or candidate == source:
        candidate = folder / f"{name} ({number}).xlsx"
        number += 1
    return candidate


# --- questions and the outside world (monkeypatched by tests) -------------------------------------


def recent_folder() -> str:
    value = QSettings().value(FOLDER_KEY)
    return str(value) if value else str(Path.home())


def remember_folder(path: Path) -> None:
    QSettings().setValue(FOLDER_KEY, str(path.parent))


def choose_file(parent: QWidget | None, folder: str) -> str | None:
    """The file to import, or None when the person cancelled."""
    path, _filter = QFileDialog.getOpenFileName(
        parent,
        _("Choose the file to import"),
        folder,
        _("Spreadsheets ({patterns});;All files (*)").format(patterns=FILE_PATTERNS),
    )
    return path or None


def ask_template_name(parent: QWidget | None, suggestion: str = "") -> str | None:
    """A name for the mapping template, or None when cancelled."""
    name, ok = QInputDialog.getText(
        parent,
        _("Save as template"),
        _("Name of the mapping template (a template of the same name is replaced):"),
        text=suggestion,
    )
    name = name.strip()
    return name if ok and name else None


def open_file(path: Path) -> bool:
    """Open a file with the program the system uses for it (Excel, WPS, LibreOffice)."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def label_list(names: Sequence[str], limit: int = 8) -> str:
    """ "a, b, c" and "… (+n)" past `limit`, for one line of a note."""
    shown = ", ".join(names[:limit])
    if len(names) > limit:
        shown += " " + _("… (+{count} more)").format(count=len(names) - limit)
    return shown
