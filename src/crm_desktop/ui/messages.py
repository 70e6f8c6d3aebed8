"""The one bridge from errors to the person at the keyboard.

A `CrmError` carries a message written for a person (already translated): it is shown as it is,
under a title saying what kind of problem it is. Anything else is a bug: the person gets a short
apology and the traceback folded away under "Show Details…" to copy for whoever fixes it.
`install_excepthook()` routes exceptions escaping Qt slots here too, so a bug never leaves the
window silently broken with a traceback on a console nobody sees.
"""

from __future__ import annotations

import sys
import traceback
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from crm_desktop.core.errors import (
    AuthenticationFailed,
    ConflictError,
    CrmError,
    DatabaseError,
    PermissionDenied,
    Problems,
    ValidationError,
)
from crm_desktop.core.i18n import _


def error_title(exc: BaseException) -> str:
    """A window title naming the kind of problem (the message itself says the details)."""
    if isinstance(exc, PermissionDenied):
        return _("Not allowed")
    if isinstance(exc, ValidationError | Problems):
        return _("Please check your input")
    if isinstance(exc, ConflictError):
        return _("Changed by someone else")
    if isinstance(exc, AuthenticationFailed):
        return _("Login failed")
    if isinstance(exc, DatabaseError):
        return _("Database problem")
    if isinstance(exc, CrmError):
        return _("Not done")
    return _("Unexpected error")


def unexpected_text() -> str:
    return _(
        "An unexpected error occurred. What you just did may not have been completed. "
        "Please tell whoever looks after crm-desktop; the details below help them find the cause."
    )


def details_of(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def show_error(parent: QWidget | None, exc: BaseException) -> None:
    """Show `exc` to the person: its own message if expected, an apology and details if not."""
    parent = parent or QApplication.activeWindow()
    if isinstance(exc, CrmError):
        QMessageBox.warning(parent, error_title(exc), exc.message)
        return
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(error_title(exc))
    box.setText(unexpected_text())
    box.setInformativeText(f"{type(exc).__name__}: {exc}")
    box.setDetailedText(details_of(exc))  # collapsed behind "Show Details…"
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    box.exec()


def show_info(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.information(parent, title, text)


_showing = False


def _excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """sys.excepthook: print for developers, then show it, unless Qt is gone or it recurses."""
    global _showing
    if issubclass(kind, KeyboardInterrupt) or QApplication.instance() is None or _showing:
        sys.__excepthook__(kind, exc, tb)
        return
    if exc.__traceback__ is None:
        exc = exc.with_traceback(tb)
    if not isinstance(exc, CrmError):
        sys.__excepthook__(kind, exc, tb)
    _showing = True
    try:
        show_error(None, exc)
    except Exception:  # the bridge itself failed: the console is all that is left
        traceback.print_exc()
    finally:
        _showing = False


def install_excepthook() -> None:
    sys.excepthook = _excepthook
