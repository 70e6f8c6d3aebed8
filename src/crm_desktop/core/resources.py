"""Where the app's shipped files are, in a checkout, an installed wheel or a PyInstaller bundle.

One function per kind of file so nothing else guesses paths.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[0]


@cache
def migrations_dir() -> Path:
    """The Alembic script directory (`db/` in the repo, `_db` inside the wheel or bundle)."""
    bundle = Path(getattr(sys, "_MEIPASS", _PACKAGE_DIR))
    return _first_existing(
        _PACKAGE_DIR.parent.parent / "db",  # source checkout / editable install
        _PACKAGE_DIR / "_db",  # wheel
        bundle / "db",  # PyInstaller
    )


@cache
def resources_dir() -> Path:
    bundle = Path(getattr(sys, "_MEIPASS", _PACKAGE_DIR))
    return _first_existing(
        _PACKAGE_DIR.parent.parent / "resources",
        _PACKAGE_DIR / "_resources",
        bundle / "resources",
    )


def locale_dir() -> Path:
    return resources_dir() / "locale"
