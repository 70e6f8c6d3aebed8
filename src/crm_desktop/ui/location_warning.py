"""Warn once per database file that sits in a cloud-synced folder (Dropbox, OneDrive, …).

The file works there, so this is a warning, not a refusal; once the person has acknowledged it
for a file, this PC does not show it again for that file (kept in the per-PC preferences).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QMessageBox, QWidget

from crm_desktop.core.db.safety import location_warnings
from crm_desktop.core.i18n import _
from crm_desktop.ui import preferences

ACKNOWLEDGED = "safety/acknowledged_locations"  # JSON list of database paths


def acknowledged() -> set[str]:
    try:
        return set(json.loads(preferences.text(ACKNOWLEDGED) or "[]"))
    except (ValueError, TypeError):
        return set()


def acknowledge(path: Path) -> None:
    paths = acknowledged() | {str(path)}
    preferences.set_text(ACKNOWLEDGED, json.dumps(sorted(paths), ensure_ascii=False))


def warn_once(db: Any, parent: QWidget | None = None, *, automated: bool = False) -> bool:
    """Show the warnings for `db`'s file unless acknowledged on this PC; True if shown.

    Automation (`--quit-after-show`) never waits for a person: it prints them to stderr.
    """
    path: Path | None = db.path
    if path is None or str(path) in acknowledged():
        return False
    warnings = location_warnings(path)
    if not warnings:
        return False
    if automated:
        for warning in warnings:
            print(_("crm-desktop: {message}").format(message=warning), file=sys.stderr)
        return True
    QMessageBox.warning(parent, _("Database in a synced folder"), "\n\n".join(warnings))
    acknowledge(path)
    return True
