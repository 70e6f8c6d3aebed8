"""This PC's preferences, kept with QSettings: one place for the keys so nobody misspells them.

They are per machine on purpose (DESIGN §6): the database location and the language belong to
the PC and its user, not to the shared database.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

LANGUAGE = "language"
DATABASE = "database"
LAST_USER = "last_user"
WINDOW_GEOMETRY = "main_window/geometry"
WINDOW_STATE = "main_window/state"
CURRENT_TAB = "main_window/tab"


def settings() -> QSettings:
    """The application's settings (organization and application names are set in app.main)."""
    return QSettings()


def text(key: str) -> str | None:
    """A stored string, or None when unset or empty (QSettings returns odd types for missing)."""
    value = settings().value(key)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def set_text(key: str, value: str | None) -> None:
    store = settings()
    if value:
        store.setValue(key, value)
    else:
        store.remove(key)
    store.sync()


def blob(key: str) -> QByteArray | None:
    value = settings().value(key)
    return value if isinstance(value, QByteArray) and not value.isEmpty() else None


def set_blob(key: str, value: QByteArray) -> None:
    store = settings()
    store.setValue(key, value)
    store.sync()
