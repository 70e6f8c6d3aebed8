"""The error bridge: readable errors as they are, bugs with collapsible details."""

from __future__ import annotations

import sys

from crm_desktop.core.errors import DatabaseBusy, PermissionDenied
from crm_desktop.ui import messages


def test_a_crm_error_is_shown_with_its_own_message(boxes):
    messages.show_error(None, PermissionDenied("You may not export customers."))
    assert boxes == [messages_box("warning", "Not allowed", "You may not export customers.")]


def test_database_errors_have_a_database_title(boxes):
    messages.show_error(None, DatabaseBusy("The database is busy."))
    assert boxes[-1].title == "Database problem"


def test_a_bug_shows_an_apology_with_the_traceback_folded_away(boxes):
    try:
        {}["missing"]
    except KeyError as exc:
        messages.show_error(None, exc)
    box = boxes[-1]
    assert box.title == "Unexpected error"
    assert box.text.startswith("An unexpected error occurred.")
    assert "Traceback" in box.details and "KeyError" in box.details


def test_the_excepthook_routes_escaping_exceptions_to_the_bridge(boxes, monkeypatch, capsys):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    messages.install_excepthook()
    try:
        raise RuntimeError("slot blew up")
    except RuntimeError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    assert boxes[-1].kind == "box"
    assert "slot blew up" in boxes[-1].details
    assert "slot blew up" in capsys.readouterr().err  # and still on stderr for developers


def messages_box(kind, title, text):
    from tests.gui.conftest import Box

    return Box(kind, title, text)
