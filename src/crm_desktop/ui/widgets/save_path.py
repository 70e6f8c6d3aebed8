"""Asking where to save a file: one dialog for every "Export…"/"Save as…" of the app.

The folder chosen last is remembered per use (a QSettings key), so a list export and a statistics
export each start where that kind of file went before; the suffix is added when the person leaves
it off, and file names offered are made from titles Windows would refuse as they are.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget


def ask_save_path(
    parent: QWidget, title: str, name: str, pattern: str, suffix: str, folder_key: str
) -> Path | None:
    """Where to save a file (the folder is remembered under `folder_key`); None when the person
    cancels."""
    settings = QSettings()
    folder = str(settings.value(folder_key, "") or "") or QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.DocumentsLocation
    )
    chosen, _filter = QFileDialog.getSaveFileName(parent, title, str(Path(folder) / name), pattern)
    if not chosen:
        return None
    path = Path(chosen)
    if path.suffix.lower() != suffix:
        path = path.with_name(path.name + suffix)
    settings.setValue(folder_key, str(path.parent))
    return path


def file_name(title: str, suffix: str) -> str:
    """A file name from a title (characters Windows refuses replaced)."""
    return re.sub(r'[\\/:*?"<>|]+', "-", title).strip() + suffix
