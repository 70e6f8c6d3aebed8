"""Where the default database lives: a file in the user's data directory (platformdirs)."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_path

APP_NAME = "crm-desktop"
APP_AUTHOR = "crm-desktop"
DEFAULT_DB_NAME = "crm.db"


def default_database_path() -> Path:
    return user_data_path(APP_NAME, APP_AUTHOR, ensure_exists=True) / DEFAULT_DB_NAME
